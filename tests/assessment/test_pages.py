"""One table at a time: the level selector, server-side sorting and paging of the computed rows (the
figures themselves untouched), the headline figures."""

from django.http import QueryDict

from assessment import pages
from assessment.pages import parse_sort, report_view, sort_rows

QUERY = {"start": "2026-03-01", "end": "2026-04-01", "as_of": "2026-04-02T00:00", "level": "street"}


def _fig(value, num=1, den=1):
    return {"value": value, "num": num, "den": den}


def _row(key, name, rate, score, rank):
    figures = {k: _fig(None, 0, 0) for k in pages.AREA_FIGURES}
    figures["closure_rate"] = _fig(rate)
    return {"key": key, "name": name, "figures": figures, "score": score, "grade": "A", "rank": rank}


def _data(n):
    rows = [
        _row(f"430104{i:03d}", f"街道{i}", None if i % 10 == 0 else float(i), 100 - i, i)
        for i in range(1, n + 1)
    ]
    total = _row("", "", 50.0, 80.0, None)
    return {
        "total": total,
        "areas": {"street": rows},
        "units": [],
        "workers": [],
        "categories": [],
        "trend": [],
    }


def _link(**changes):
    return "?" + "&".join(f"{k}={v}" for k, v in changes.items() if v is not None)


def _view(data, **args):
    q = QueryDict(mutable=True)
    q.update(args)
    return report_view(data, QUERY, level="street", levels=["district", "street"], args=q, link=_link)


def test_it_sorts_a_figure_largest_first_with_empty_values_last():
    rows = [_row("a", "a", 10.0, 1, 1), _row("b", "b", None, 1, 1), _row("c", "c", 90.0, 1, 1)]
    assert [r["key"] for r in sort_rows(rows, "closure_rate", True)] == ["c", "a", "b"]
    assert [r["key"] for r in sort_rows(rows, "closure_rate", False)] == ["a", "c", "b"]


def test_it_sorts_names_with_numbers_in_reading_order():
    rows = [_row(k, name, 1.0, 1, 1) for k, name in [("a", "第10网格"), ("b", "第2网格"), ("c", "第1网格")]]
    assert [r["name"] for r in sort_rows(rows, "name", False)] == ["第1网格", "第2网格", "第10网格"]


def test_it_takes_an_unknown_sort_for_the_default():
    assert parse_sort("-closure_rate", ["closure_rate"], ("rank", False)) == ("closure_rate", True)
    assert parse_sort("planet", ["closure_rate"], ("rank", False)) == ("rank", False)
    assert parse_sort("", ["closure_rate"], ("rank", False)) == ("rank", False)


def test_a_page_shows_one_level_paged_with_the_rows_figures_as_computed(db):
    data = _data(60)
    view = _view(data, page="2")
    rows = view["table"]["rows"]
    assert len(rows) == pages.PAGE_ROWS and rows[0]["key"] == "430104026"
    closure = rows[0]["cells"][pages.PAGE_AREA_FIGURES.index("closure_rate")]
    assert closure["value"] == 26.0 and "part=closed" in closure["num_links"][0][2]
    assert view["pages"]["rows"] == 60 and view["pages"]["first_row"] == 26
    assert [t["key"] for t in view["tabs"] if t["current"]] == ["street"]
    assert view["headline"]["score"] == 80.0
    assert [c["key"] for c in view["headline"]["cells"]] == pages.HEADLINE_FIGURES


def test_sorting_orders_every_row_before_the_page_is_cut(db):
    view = _view(_data(60), sort="-closure_rate")
    assert [r["key"] for r in view["table"]["rows"][:2]] == ["430104059", "430104058"]
    assert view["table"]["sort"]["closure_rate"] == {"url": "?sort=closure_rate", "state": "descending"}
    last = _view(_data(60), sort="-closure_rate", page="3")["table"]["rows"]
    assert all(r["figures"]["closure_rate"]["value"] is None for r in last[-6:])  # no value: last


def test_the_other_tabs_and_bad_arguments(db):
    data = _data(3)
    assert _view(data, tab="hotline")["table"]["ranked"] is False
    assert _view(data, tab="categories")["table"]["scored"] is False
    assert _view(data, tab="planet")["tab"] == ""
    assert len(_view(data, page="abc")["table"]["rows"]) == 3
    assert len(_view(data, page="999")["table"]["rows"]) == 3
