"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""


def notice_in(tree, i):
    from notices import services

    return services.notice_publish(
        sender=tree.users["centre"],
        audience="grid_workers",
        area=tree.grids[i],
        title=f"通知{i}",
        body="内容",
    ).pk


MAKERS = {"notice": notice_in}
EXEMPT: dict = {}
