"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""


def patrol_position_in(tree, i):
    """A position of a grid worker of grid i, taken inside grid i (grid 0's is the fixture's ``worker``)."""
    from command.models import PatrolPosition
    from grids.models import Role, User
    from tests.factories import make_user

    grid = tree.grids[i]
    if i == 0:
        user = tree.users["worker"]
    else:
        user = User.objects.filter(username=f"patroller-{i}").first() or make_user(
            f"patroller-{i}", Role.GRID_WORKER, grid
        )
    from django.utils import timezone

    return PatrolPosition.objects.create(
        user=user,
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
        recorded_at=timezone.now(),
        area_code=grid.code,
    ).pk


MAKERS = {"patrol-position": patrol_position_in}
# basename -> why the endpoint is not area-scoped
EXEMPT = {}
