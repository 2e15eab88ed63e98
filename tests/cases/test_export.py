"""Issue 21 §3: the case list exported to xlsx in the worker: its rows are the list's (filters and scope),
more than the cap are refused, only the requester reads the progress and the file, kept for a while."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from cases import exports
from cases.models import CaseExport, Category
from tests.factories import report

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _rows(export):
    export.file.open("rb")
    sheet = load_workbook(io.BytesIO(export.file.read())).active
    export.file.close()
    return list(sheet.iter_rows(values_only=True))[3:]  # title, time, header


def _cases(tree):
    for grid in (0, 0, 1, 5):  # three in community 0, one in community 2
        report(
            tree,
            Category.objects.get(code="01001"),
            grid=grid,
            address="人民路8号",
            reporter_phone="13900000000",
        )


def test_it_exports_the_filtered_list_within_the_owners_scope(tree, django_capture_on_commit_callbacks):
    _cases(tree)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _client(tree.users["community"]).post(
            "/cases/exports/", {"queue": "all", "category": "01001"}
        )
    export = CaseExport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/cases/exports/{export.pk}/"
    export.refresh_from_db()  # the task ran eagerly on commit
    assert export.status == "done" and export.total == export.done == 3 and export.expires_at
    rows = _rows(export)
    assert len(rows) == 3
    text = repr(rows)
    # The list's columns only: no address or phone; statuses by their label, never the key.
    assert "人民路" not in text and "13900000000" not in text and "'reported'" not in text
    progress = _client(tree.users["community"]).get(f"/cases/exports/{export.pk}/progress.json").json()
    assert progress["status"] == "done" and progress["file"]
    assert _client(tree.users["community"]).get(progress["file"]).status_code == 200


def test_it_gives_the_file_and_progress_to_the_requester_only(tree):
    _cases(tree)
    export = exports.export_request(actor=tree.users["community"], params={"queue": "all"})
    exports.export_run(export.pk)
    for who in ("community_b", "centre", "stranger", "worker"):  # member of another area, above, nobody
        client = _client(tree.users[who])
        for url in ("/", "/progress.json", "/file/"):
            assert client.get(f"/cases/exports/{export.pk}{url}").status_code == 404, (who, url)


def test_it_refuses_more_rows_than_the_cap_with_a_message(tree, settings):
    _cases(tree)
    settings.GRIDGOV = {**settings.GRIDGOV, "CASE_EXPORT_MAX_ROWS": 2}
    answer = _client(tree.users["centre"]).post("/cases/exports/", {"queue": "all"}, follow=True)
    assert CaseExport.objects.count() == 0
    assert "at most 2" in answer.content.decode() or "最多" in answer.content.decode()
    narrowed = _client(tree.users["centre"]).post("/cases/exports/", {"queue": "all", "q": "不存在"})
    assert narrowed.status_code == 302 and CaseExport.objects.count() == 1


def test_it_is_for_staff_only(tree):
    for who in ("worker", "handler", "stranger"):
        assert _client(tree.users[who]).post("/cases/exports/", {"queue": "all"}).status_code == 404
    assert "/cases/exports/" not in _client(tree.users["worker"]).get("/cases/").content.decode()
    assert "/cases/exports/" in _client(tree.users["community"]).get("/cases/").content.decode()


def test_it_writes_rows_with_queries_that_do_not_grow(tree):
    _cases(tree)

    def queries():
        export = exports.export_request(actor=tree.users["centre"], params={"queue": "all"})
        with CaptureQueriesContext(connection) as ctx:
            exports.export_run(export.pk)
        return len(ctx.captured_queries)

    before = queries()
    for _ in range(5):
        report(tree, Category.objects.get(code="01001"), grid=2)
    assert queries() == before


def test_it_deletes_the_file_after_its_time(tree):
    _cases(tree)
    export = exports.export_run(exports.export_request(actor=tree.users["centre"], params={}).pk)
    assert exports.exports_expire(now=timezone.now()) == 0
    assert exports.exports_expire(now=timezone.now() + dt.timedelta(hours=25)) == 1
    export.refresh_from_db()
    assert export.status == "expired" and not export.file
    assert _client(tree.users["centre"]).get(f"/cases/exports/{export.pk}/file/").status_code == 404
