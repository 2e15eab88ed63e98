"""gridgov/stored_files.py: files written only for transactions that commit, the orphan sweep, and the one
scope-checked way files are served (stream, X-Accel-Redirect, X-Sendfile, signed URL)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import services
from cases.models import Attachment, Case, Category
from gridgov.celery import app
from gridgov.stored_files import orphan_files_remove
from gridgov.tasks import remove_orphan_files
from residents.import_jobs import import_start
from residents.models import ImportJob
from tests.factories import photo, report

pytestmark = pytest.mark.django_db

OLD = timezone.now() - timedelta(days=3)


@pytest.fixture
def rubbish(catalogue):
    return Category.objects.get(code="01001")


def stored(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def not_a_photo():
    return SimpleUploadedFile("bad.jpg", b"this is no JPEG at all", content_type="image/jpeg")


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def age(settings, name, when=OLD):
    os.utime(Path(settings.MEDIA_ROOT) / name, (when.timestamp(), when.timestamp()))


# --- A refused upload leaves nothing behind -------------------------------------------------------


def test_a_report_with_one_good_and_one_bad_photo_by_the_api_stores_no_file(tree, rubbish, settings):
    grid = tree.grids[0]
    data = {
        "category": "01001",
        "title": "东门垃圾堆放",
        "lat": grid.centroid_lat,
        "lon": grid.centroid_lon,
        "photos": [photo("good.jpg"), not_a_photo()],
    }
    response = api_client(tree.users["worker"]).post("/api/v1/cases/", data, format="multipart")
    assert response.status_code == 400, response.content
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0
    assert stored(settings) == []


def test_adding_a_good_and_a_bad_file_to_a_case_by_the_api_stores_no_file(tree, rubbish, settings):
    case = report(tree, rubbish, before_photos=[photo()])
    before = stored(settings)
    response = api_client(tree.users["worker"]).post(
        f"/api/v1/cases/{case.pk}/attachments/",
        {"files": [photo("good.jpg"), not_a_photo()]},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert Attachment.objects.count() == 1 and stored(settings) == before


def test_a_report_page_with_one_good_and_one_bad_photo_stores_no_file(client, tree, rubbish, settings):
    grid = tree.grids[0]
    client.force_login(tree.users["worker"])
    page = client.post(
        reverse("cases:report"),
        {
            "category": "01001",
            "title": "东门垃圾堆放",
            "description": "三袋生活垃圾",
            "lat": grid.centroid_lat,
            "lon": grid.centroid_lon,
            "address": "东门",
            "idempotency_key": "k-1",
            "photos": [photo("good.jpg"), not_a_photo()],
        },
    )
    assert page.status_code == 400
    assert Case.objects.count() == 0 and stored(settings) == []


def test_a_rollback_after_the_files_were_saved_removes_them(tree, rubbish, settings, monkeypatch):
    case = report(tree, rubbish)

    def broken(**kwargs):
        raise RuntimeError("the database went away after the photo was saved")

    monkeypatch.setattr(services, "event_append", broken)
    with pytest.raises(RuntimeError):
        services.case_attach(case_id=case.pk, actor=tree.users["worker"], files=[photo(), photo("b.jpg")])
    assert Attachment.objects.count() == 0 and stored(settings) == []


def test_an_import_whose_row_fails_after_the_upload_was_saved_leaves_no_file(tree, settings, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("the row could not be written")

    monkeypatch.setattr(ImportJob, "save", broken)
    upload = SimpleUploadedFile("people.csv", "姓名,身份证号\n".encode(), content_type="text/csv")
    with pytest.raises(RuntimeError):
        import_start(actor=tree.users["centre"], area=tree.district, file=upload)
    assert stored(settings) == []


def test_files_of_a_transaction_that_commits_stay(tree, rubbish, settings):
    case = report(tree, rubbish, before_photos=[photo()])
    attachment = case.attachments.get()
    assert stored(settings) == sorted([attachment.file.name, attachment.thumbnail.name])


# --- The orphan sweep -----------------------------------------------------------------------------


def test_the_sweep_removes_only_old_files_no_row_points_at(tree, rubbish, settings):
    case = report(tree, rubbish, before_photos=[photo()])
    attachment = case.attachments.get()
    # A demo attachment's shared stock photo under cases/demo/ (cases/demo.py): its row keeps it.
    demo = default_storage.save("cases/demo/ab/stock.jpg", ContentFile(b"\xff\xd8\xff demo"))
    Attachment.objects.create(
        case=case, kind="before", file=demo, mime="image/jpeg", size=9, sha256="ab" * 32
    )
    old_orphan = default_storage.save(f"cases/{case.pk}/ff/orphan.jpg", ContentFile(b"left by a crash"))
    old_import = default_storage.save("residents/imports/2026/11/lost.csv", ContentFile(b"name\n"))
    new_orphan = default_storage.save(f"cases/{case.pk}/ee/in-flight.jpg", ContentFile(b"being committed"))
    outside = default_storage.save("elsewhere/keep.txt", ContentFile(b"not ours to sweep"))
    for name in (attachment.file.name, attachment.thumbnail.name, demo, old_orphan, old_import, outside):
        age(settings, name)

    removed = orphan_files_remove()

    assert sorted(removed) == sorted([old_orphan, old_import])
    assert stored(settings) == sorted(
        [attachment.file.name, attachment.thumbnail.name, demo, new_orphan, outside]
    )


def test_the_sweep_asks_the_database_once_per_file_field_not_once_per_folder(
    tree, settings, django_assert_num_queries
):
    for case_id in range(40):
        age(settings, default_storage.save(f"cases/{case_id}/ab/orphan.jpg", ContentFile(b"x")))
    file_fields = [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField)
    ]
    with django_assert_num_queries(len(file_fields)):
        assert len(orphan_files_remove()) == 40


def test_the_sweep_runs_from_beat_and_can_be_switched_off(tree, rubbish, settings):
    assert app.conf.beat_schedule["files-orphan-sweep"]["task"] == remove_orphan_files.name
    orphan = default_storage.save("cases/1/ff/orphan.jpg", ContentFile(b"x"))
    age(settings, orphan)
    settings.GRIDGOV = {**settings.GRIDGOV, "FILE_SWEEP_PREFIXES": []}
    remove_orphan_files.delay()
    assert stored(settings) == [orphan]
    settings.GRIDGOV = {**settings.GRIDGOV, "FILE_SWEEP_PREFIXES": ["cases/"]}
    remove_orphan_files.delay()
    assert stored(settings) == []


# --- The download view ----------------------------------------------------------------------------


@pytest.fixture
def attachment(tree, rubbish):
    return report(tree, rubbish, before_photos=[photo()]).attachments.get()


@pytest.mark.parametrize(
    "viewer, status",
    [("worker", 200), ("community", 200), ("centre", 200), ("community_b", 404), ("worker2", 404)],
)
def test_the_download_view_serves_within_scope_only(client, tree, attachment, viewer, status):
    client.force_login(tree.users[viewer])
    for name in ("cases:attachment", "cases:thumbnail"):
        response = client.get(reverse(name, args=[attachment.pk]))
        assert response.status_code == status
        if status == 200:
            assert response["Cache-Control"].startswith("private")
            assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_the_download_view_sends_the_anonymous_to_the_login(client, attachment):
    response = client.get(reverse("cases:attachment", args=[attachment.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_api_urls_point_at_the_download_view_and_take_the_api_token(tree, rubbish, attachment):
    api = api_client(tree.users["worker"])
    row = api.get(f"/api/v1/cases/{attachment.case_id}/").json()["attachments"][0]
    assert row["url"] == f"http://testserver{reverse('cases:attachment', args=[attachment.pk])}"
    assert row["thumbnail_url"] == f"http://testserver{reverse('cases:thumbnail', args=[attachment.pk])}"
    token = Token.objects.create(user=tree.users["worker"])
    by_token = APIClient().get(row["url"], HTTP_AUTHORIZATION=f"Token {token.key}")
    assert by_token.status_code == 200 and by_token["Cache-Control"].startswith("private")
    stranger = Token.objects.create(user=tree.users["community_b"])
    assert APIClient().get(row["url"], HTTP_AUTHORIZATION=f"Token {stranger.key}").status_code == 404
    assert APIClient().get(row["url"], HTTP_AUTHORIZATION="Token wrong").status_code == 302


def test_documents_are_sent_as_downloads(client, tree, rubbish):
    pdf = SimpleUploadedFile("notice.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "application/pdf")
    case = report(tree, rubbish)
    document = services.case_attach(
        case_id=case.pk, actor=tree.users["worker"], files=[pdf], kind="document"
    )[0]
    client.force_login(tree.users["worker"])
    response = client.get(reverse("cases:attachment", args=[document.pk]))
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"] == "attachment"


def test_x_accel_mode_hands_the_file_to_nginx(client, tree, attachment, settings):
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "MEDIA_SERVE": "x-accel",
        "MEDIA_ACCEL_PREFIX": "/protected-media/",
    }
    client.force_login(tree.users["community"])
    response = client.get(reverse("cases:thumbnail", args=[attachment.pk]))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{attachment.thumbnail.name}"
    assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"].startswith("private")
    client.force_login(tree.users["community_b"])
    assert client.get(reverse("cases:thumbnail", args=[attachment.pk])).status_code == 404


def test_x_sendfile_mode_names_the_path(client, tree, attachment, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "MEDIA_SERVE": "x-sendfile"}
    client.force_login(tree.users["worker"])
    response = client.get(reverse("cases:attachment", args=[attachment.pk]))
    assert response["X-Sendfile"] == attachment.file.path and response.content == b""


class SigningStorage(FileSystemStorage):
    """Stands in for django-storages' S3 backend: ``url(name, expire=...)`` signs."""

    def url(self, name, expire=None):
        return f"https://objects.example.org/bucket/{name}?X-Amz-Expires={expire}&X-Amz-Signature=sig"


def test_signing_storage_answers_with_a_redirect_to_an_expiring_url(client, tree, attachment, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.SigningStorage"}}
    settings.GRIDGOV = {**settings.GRIDGOV, "MEDIA_SIGNED_URL_SECONDS": 120}
    client.force_login(tree.users["worker"])
    response = client.get(reverse("cases:attachment", args=[attachment.pk]))
    assert response.status_code == 302 and "private" in response["Cache-Control"]
    assert response["Location"] == (
        f"https://objects.example.org/bucket/{attachment.file.name}?X-Amz-Expires=120&X-Amz-Signature=sig"
    )
    client.force_login(tree.users["community_b"])
    assert client.get(reverse("cases:attachment", args=[attachment.pk])).status_code == 404


def test_there_is_no_public_media_url(settings):
    settings.DEBUG = True
    with pytest.raises(Resolver404):
        resolve(f"{settings.MEDIA_URL}cases/1/ab/abc.jpg")
