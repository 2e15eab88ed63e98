"""Every formula against hand-computed figures (the ``march`` fixture, as of 3 March 2026 12:00), and
every number's drill-down list counting exactly that number."""

import pytest

from assessment.figures import FIGURES
from assessment.report import report
from assessment.selectors import drill_down, report_params

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

MONTH = {"month": "2026-03", "as_of": AS_OF.isoformat()}


def _report(user, **extra):
    return report(user, report_params(user, {**MONTH, **extra}))


def _fig(row, key):
    fig = row["figures"][key]
    return fig["value"], fig["num"], fig["den"]


def test_it_computes_every_area_figure_by_hand(tree, march):
    total = _report(tree.users["centre"])["total"]
    # filed: 1–7 and 9 (8 self-handled, 10 only reported); due for closing: 1–4, 9 closed and 7 overdue
    # (5 voided, 6 suspended); closed on time: 1, 3, 4, 9 (2 handled late).
    assert _fig(total, "due_for_closing") == (6, 6, None)
    assert _fig(total, "closure_rate") == (83.33, 5, 6)
    assert _fig(total, "on_time_closure_rate") == (66.67, 4, 6)
    assert _fig(total, "on_time_filing_rate") == (100.0, 8, 8)
    assert _fig(total, "filing_accuracy") == (87.5, 7, 8)
    assert _fig(total, "on_time_dispatch_rate") == (100.0, 7, 7)
    assert _fig(total, "dispatch_accuracy") == (85.71, 6, 7)
    assert _fig(total, "on_time_handling_rate") == (66.67, 4, 6)
    assert _fig(total, "rework_rate") == (16.67, 1, 6)
    # handling hours 2 + 7 + 8 (dispatch 09:00 → rework fed back 17:00) + 1.5 (redispatch 09:30) + 2 = 20.5
    assert _fig(total, "mean_handling_hours") == (4.1, 5, None)
    assert _fig(total, "overdue_open") == (1, 1, None)
    assert _fig(total, "self_handled") == (1, 1, None)
    assert _fig(total, "missed_report_rate") == (12.5, 1, 8)
    assert _fig(total, "satisfaction_rate") == (63.33, 1.9, 3)
    assert total["figures"]["satisfaction_rate"]["parts"] == [1, 1]  # satisfied, basically satisfied
    assert _fig(total, "hotline_response_rate") == (100.0, 1, 1)
    assert _fig(total, "hotline_solution_rate") == (100.0, 1, 1)
    assert _fig(total, "hotline_satisfaction_rate") == (0.0, 0, 1)
    assert _fig(total, "whistle_on_time_rate") == (50.0, 1, 2)
    assert total["hotline_score"] == 60.0 and total["hotline_grade"] == "C"  # 0.1×100 + 0.5×100 + 0.4×0


def test_the_area_composite_and_grade_follow_the_default_weights(tree, march):
    total = _report(tree.users["centre"])["total"]
    # (30×66.67 + 20×83.33 + 20×66.67 + 10×(100−16.67) + 10×63.33 + 5×100 + 5×100) / 100 = 74.667:
    # just below B
    assert total["score"] == 74.67 and total["grade"] == "C"


def test_not_yet_due_cases_leave_the_denominator(tree, march):
    from .conftest import on

    early = report(
        tree.users["centre"],
        report_params(tree.users["centre"], {"month": "2026-03", "as_of": on(2, "14:00").isoformat()}),
    )
    # At 14:00 on the 2nd: closed none of 1–4, 9 yet... only those whose deadline passed count: none did.
    assert _fig(early["total"], "due_for_closing") == (0, 0, None)
    # Handled by then as the records know it now: 1, 4, 9 (3's handling ended with its rework round at 17:00).
    assert _fig(early["total"], "on_time_handling_rate") == (100.0, 3, 3)


def test_it_ranks_streets_and_groups_by_grid(tree, march):
    data = _report(tree.users["centre"], level="grid")
    assert [r["key"] for r in data["areas"]["street"]] == ["430104001", "430104002"] or {
        r["key"] for r in data["areas"]["street"]
    } == {"430104001", "430104002"}
    grids = {r["key"]: r for r in data["areas"]["grid"]}
    assert _fig(grids[tree.grids[5].code], "closure_rate") == (100.0, 1, 1)
    assert _fig(grids[tree.grids[0].code], "closure_rate") == (80.0, 4, 5)
    assert all(r["rank"] for r in data["areas"]["grid"])


def test_units_workers_and_categories(tree, march):
    data = _report(tree.users["centre"])
    units = {(r["unit"], r["key"]): r for r in data["units"]}
    cg = units[("department", str(tree.departments[0].pk))]
    assert _fig(cg, "closure_rate") == (83.33, 5, 6) and cg["volume"] == 7  # 6 (suspended) is not due
    assert _fig(cg, "whistle_on_time_rate") == (100.0, 1, 1)
    police = next(r for r in data["units"] if r["name"] == "公安分局")
    assert _fig(police, "whistle_on_time_rate") == (0.0, 0, 1)
    workers = {r["name"]: r for r in data["workers"]}
    assert _fig(workers["worker"], "valid_report_rate") == (77.78, 7, 9)
    assert _fig(workers["worker"], "missed_report_rate") == (0.0, 0, 7)
    assert workers["worker"]["score"] == 85.19 and workers["worker"]["grade"] == "B"
    assert _fig(workers["leader"], "verification_on_time_rate") == (75.0, 3, 4)
    assert workers["leader"]["score"] == 83.33
    assert [r["name"] for r in data["categories"]] == ["01 市容环境"]


def test_the_trend_groups_by_month(tree, march):
    trend = _report(tree.users["centre"])["trend"]
    assert [m["month"] for m in trend] == [202603]
    assert trend[0]["figures"]["closure_rate"]["value"] == 83.33


def _check_drill(user, params, group, key, figures):
    for fkey, fig in figures.items():
        f = FIGURES[fkey]
        counts = fig.get("parts") or [fig["num"]]  # a weighted numerator lists its parts' counts
        for (part, _weight), count in zip(f.numerator, counts):
            assert drill_down(user, params, part, group, key).count() == count, (fkey, group, key)
        if f.denominator:
            assert drill_down(user, params, f.denominator, group, key).count() == fig["den"], (
                fkey,
                group,
                key,
            )


def test_every_drill_down_counts_its_number(tree, march):
    user = tree.users["centre"]
    params = report_params(user, {**MONTH, "level": "grid"})
    data = report(user, params)
    _check_drill(user, params, "", "", data["total"]["figures"])
    for level, rows in data["areas"].items():
        for row in rows:
            _check_drill(user, params, level, row["key"], row["figures"])
    for row in data["units"]:
        _check_drill(
            user, params, "department" if row["unit"] == "department" else "team", row["key"], row["figures"]
        )
    for row in data["categories"]:
        _check_drill(user, params, "category", row["key"], row["figures"])


def test_the_report_is_a_fixed_number_of_queries(tree, march, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        _report(tree.users["centre"])


def test_a_category_filter_narrows_every_table(tree, march):
    data = _report(tree.users["centre"], category="02")
    assert data["total"]["figures"]["due_for_closing"]["value"] == 0
