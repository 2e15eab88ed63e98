"""The report pages: filters, drill-down, exports, published reports, stars; scope and bad input."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from assessment.services import snapshot_publish

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

Q = {"month": "2026-03", "as_of": AS_OF.strftime("%Y-%m-%dT%H:%M")}


def _client(tree, who):
    client = Client()
    client.force_login(tree.users[who])
    return client


def test_the_centre_reads_the_report_with_links_to_the_cases(tree, march):
    response = _client(tree, "centre").get("/assessment/", {**Q, "level": "street"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "83.33%" in html and "chart.umd.js" in html and "assessment-charts" in html
    assert "/assessment/cases/?" in html


def test_the_drill_down_page_counts_the_number(tree, march):
    response = _client(tree, "centre").get(
        "/assessment/cases/", {**Q, "part": "closed", "group": "street", "key": "430104001"}
    )
    assert response.status_code == 200
    assert response.context["count"] == 4
    assert response.content.decode().count("data-case=") == 4


def test_bad_parameters_answer_400_with_the_message_beside_the_field(tree):
    response = _client(tree, "centre").get("/assessment/", {"month": "2026-13", "level": "planet"})
    assert response.status_code == 400
    assert set(response.context["errors"]) == {"month", "level"}
    assert "field-error" in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/assessment/", "/assessment/cases/?part=closed", "/assessment/export.xlsx"]
)
def test_areas_out_of_scope_and_strangers_get_404(tree, path):
    assert _client(tree, "community_b").get(path, {"area": tree.communities[0].code}).status_code == 404
    assert _client(tree, "stranger").get(path).status_code == 404
    assert _client(tree, "handler").get(path, {"department": 999999}).status_code == 404


def test_a_community_sees_its_subtree_only(tree, march):
    response = _client(tree, "community_b").get("/assessment/", {**Q, "level": "grid"})
    data_rows = response.context["table"]["rows"]
    assert {r["key"] for r in data_rows} == {tree.grids[5].code}  # case 9 only


def test_a_grid_worker_sees_their_own_row_only(tree, march):
    response = _client(tree, "worker").get("/assessment/", {**Q, "tab": "workers"})
    assert response.context["table"]["group"] == "workers"
    assert [r["name"] for r in response.context["table"]["rows"]] == ["worker"]


def test_excel_has_the_figures_and_the_definitions(tree, march):
    response = _client(tree, "centre").get("/assessment/export.xlsx", Q)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    figures, definitions = book.worksheets
    values = [cell for row in figures.iter_rows(values_only=True) for cell in row]
    assert 0.8333 in values  # a rate is a fraction in a percent cell: Excel shows 83.3%
    rate = next(c for row in figures.iter_rows() for c in row if c.value == 0.8333)
    assert rate.number_format == "0.0%"
    title = figures["A1"].value
    assert "2026-03-01" in title and "2026-03-31" in title and figures["A1"].font.bold
    generated = figures["B2"]
    assert generated.is_date and generated.number_format == "yyyy-mm-dd hh:mm"
    keys = [row[1] for row in definitions.iter_rows(values_only=True)]
    assert "closure_rate" in keys and "whistle_on_time_rate" in keys


def test_csv_lists_value_numerator_and_denominator(tree, march):
    response = _client(tree, "centre").get("/assessment/export.csv", Q)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["table", "code", "name", "figure"]
    total = next(r for r in rows if r[3] == "closure_rate")
    assert total[4:7] == ["83.33", "5", "6"]


def test_a_published_report_shows_when_it_was_generated(tree, march):
    snapshot = snapshot_publish(area=tree.streets[0], month=202603, now=AS_OF)
    client = _client(tree, "street")
    assert snapshot.pk in [s.pk for s, _name in client.get("/assessment/published/").context["rows"]]
    response = client.get(f"/assessment/published/{snapshot.pk}/")
    assert response.status_code == 200 and 'id="generated-at"' in response.content.decode()
    assert client.get(f"/assessment/published/{snapshot.pk}/export.xlsx").status_code == 200
    other = snapshot_publish(area=tree.streets[1], month=202603, now=AS_OF)
    assert client.get(f"/assessment/published/{other.pk}/").status_code == 404


def test_the_stars_page_and_awarding(tree, march):
    client = _client(tree, "street")
    response = client.get("/assessment/stars/", {"month": "2026-03"})
    assert response.status_code == 200
    assert {r["grid"].code for r in response.context["rows"]} == {g.code for g in tree.grids[:4]}
    response = client.post(
        "/assessment/stars/award/",
        {"grid": tree.grids[0].pk, "month": "2026-03", "star": "security", "awarded": "1", "note": "平安"},
    )
    assert response.status_code == 302
    row = client.get("/assessment/stars/", {"month": "2026-03"}).context["rows"][0]
    assert row["count"] == 1
    assert (
        client.post(
            "/assessment/stars/award/",
            {"grid": tree.grids[5].pk, "month": "2026-03", "star": "security", "awarded": "1"},
        ).status_code
        == 404
    )


def test_a_community_sees_stars_without_award_buttons(tree):
    response = _client(tree, "community").get("/assessment/stars/")
    assert all(not r["may_award"] for r in response.context["rows"])


def test_the_page_speaks_chinese_by_default(tree, march, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    html = _client(tree, "centre").get("/assessment/", Q).content.decode()
    assert "考核" in html and "结案率" in html


def test_the_report_says_the_headline_first_then_one_table_at_a_time(tree, march):
    response = _client(tree, "centre").get("/assessment/", {**Q, "level": "street"})
    html = response.content.decode()
    assert html.index("data-headline") < html.index('id="a-table"')
    assert 'data-table="street"' in html and 'data-table="grid"' not in html
    assert 'data-figure="on_time_closure_rate"' in html and "83.33%" in html
    tabs = {t["key"]: t["url"] for t in response.context["tabs"]}
    assert set(tabs) == {
        "district",
        "street",
        "community",
        "grid",
        "hotline",
        "units",
        "workers",
        "categories",
        "hotline_types",
    }
    response = _client(tree, "centre").get("/assessment/" + tabs["units"])
    assert response.status_code == 200 and response.context["table"]["group"] == "units"


def test_sorting_and_paging_are_query_arguments(tree, march, monkeypatch):
    monkeypatch.setattr("assessment.pages.PAGE_ROWS", 1)
    client = _client(tree, "centre")
    everything = client.get("/assessment/", {**Q, "level": "grid", "sort": "-due_for_closing"})
    first = everything.context["table"]["rows"][0]
    assert everything.context["pages"]["rows"] == len(everything.context["page"].paginator.object_list) > 1
    second = client.get("/assessment/", {**Q, "level": "grid", "sort": "-due_for_closing", "page": 2})
    row = second.context["table"]["rows"][0]
    assert row["key"] != first["key"]
    assert row["figures"]["due_for_closing"]["value"] <= first["figures"]["due_for_closing"]["value"]
    assert 'aria-sort="descending"' in second.content.decode()
    for bad in ({"sort": "planet"}, {"page": "abc"}, {"page": "-1"}, {"tab": "nope"}):
        assert client.get("/assessment/", {**Q, **bad}).status_code == 200


def test_a_number_links_to_its_cases_and_back_to_the_same_table(tree, march):
    client = _client(tree, "centre")
    response = client.get("/assessment/", {**Q, "level": "street", "tab": "units"})
    url = response.context["table"]["rows"][0]["cells"][0]["num_links"][0][2]
    drill = client.get(url)
    assert drill.status_code == 200 and "tab=units" in drill.context["back"]


def test_the_export_keeps_every_table_whatever_the_page_shows(tree, march):
    response = _client(tree, "centre").get(
        "/assessment/export.xlsx", {**Q, "level": "street", "tab": "units"}
    )
    values = {
        c
        for row in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
        for c in row
    }
    assert {
        "Districts",
        "Streets",
        "Communities",
        "Grids",
        "Handling units",
        "Grid workers",
        "Categories",
    } <= values


def test_a_published_report_shows_one_table_at_a_time(tree, march):
    snapshot = snapshot_publish(area=tree.district, month=202603, now=AS_OF)
    client = _client(tree, "centre")
    response = client.get(f"/assessment/published/{snapshot.pk}/", {"level": "grid", "sort": "-closure_rate"})
    assert response.status_code == 200 and response.context["table"]["group"] == "grid"
    assert response.context["headline"]["cells"][0]["key"] == "due_for_closing"
