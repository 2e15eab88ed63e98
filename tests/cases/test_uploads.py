"""Photos in pieces (issue 23, cases/uploads.py): resumable by offset, checked against the declared hash
and type, the owner's alone, named by a report instead of a file, and swept when used or abandoned."""

import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from cases.models import Attachment, Case, PhotoUpload, UploadPiece
from cases.uploads import uploads_purge
from dispatch.sweep import STEPS

from .test_media import YUELU, camera_exif, jpeg_bytes

pytestmark = pytest.mark.django_db
PIECE = 4096


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def begin(client, data, **extra):
    body = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "name": "p.jpg", **extra}
    return client.post("/api/v1/uploads/", body, format="json")


def piece(client, upload_id, data, offset):
    return client.generic(
        "PATCH",
        f"/api/v1/uploads/{upload_id}/",
        data[offset : offset + PIECE],
        content_type="application/octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
    )


def send_all(client, data):
    upload_id = begin(client, data).json()["id"]
    offset = 0
    while offset < len(data):
        response = piece(client, upload_id, data, offset)
        assert response.status_code == 200, response.json()
        offset = response.json()["offset"]
    return upload_id, response.json()


def camera_photo():
    # Noise, so that the photo is several pieces long.
    image = Image.effect_noise((400, 300), 80).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=camera_exif())
    return out.getvalue()


def report(client, tree, ids, key="k-photo"):
    grid = tree.grids[0]
    body = {"category": "01001", "title": "楼道堆放", "lat": grid.centroid_lat, "lon": grid.centroid_lon}
    return client.post(
        "/api/v1/cases/", {**body, "photo_uploads": ids}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_it_reads_time_and_gps_of_a_photo_sent_in_pieces_and_strips_them_from_the_copy(tree, rubbish):
    client = client_for(tree.users["worker"])
    data = camera_photo()
    assert len(data) > 3 * PIECE
    upload_id, state = send_all(client, data)
    assert state["finished"] is True and state["offset"] == len(data)

    response = report(client, tree, [upload_id])
    assert response.status_code == 201, response.json()
    photo = Attachment.objects.get(case_id=response.json()["id"])
    assert photo.kind == "before"
    assert photo.taken_at == datetime(2025, 3, 14, 1, 26, 53, tzinfo=UTC)
    assert photo.gps_lat == pytest.approx(YUELU[0], abs=1e-5) and photo.gps_lon == pytest.approx(
        YUELU[1], abs=1e-5
    )
    stored = Image.open(photo.file.open("rb"))
    assert not stored.getexif() and "exif" not in stored.info
    # Its pieces go with the report; the row stays for a retry until the sweep.
    assert not UploadPiece.objects.exists()
    assert PhotoUpload.objects.get(pk=upload_id).case_id == photo.case_id


def test_it_resumes_from_the_servers_offset_after_a_lost_piece(tree, rubbish):
    client = client_for(tree.users["worker"])
    data = camera_photo()
    upload_id = begin(client, data).json()["id"]
    assert piece(client, upload_id, data, 0).json()["offset"] == PIECE
    # The phone thinks its second piece was lost and sends the first again: 409 with where to go on.
    again = piece(client, upload_id, data, 0)
    assert again.status_code == 409 and again.json()["offset"] == PIECE
    assert client.get(f"/api/v1/uploads/{upload_id}/").json() == {
        "id": upload_id,
        "size": len(data),
        "offset": PIECE,
        "finished": False,
    }
    offset = PIECE
    while offset < len(data):
        offset = piece(client, upload_id, data, offset).json()["offset"]
    assert client.get(f"/api/v1/uploads/{upload_id}/").json()["finished"] is True


def test_it_refuses_a_file_that_does_not_match_its_hash_and_starts_it_again(tree, rubbish):
    client = client_for(tree.users["worker"])
    data = jpeg_bytes((120, 80))
    upload_id = begin(client, data, sha256="0" * 64).json()["id"]
    response = None
    for offset in range(0, len(data), PIECE):
        response = piece(client, upload_id, data, offset)
    assert response.status_code == 400 and "SHA-256" in response.json()["fields"]["piece"][0]
    assert client.get(f"/api/v1/uploads/{upload_id}/").json()["offset"] == 0
    assert report(client, tree, [upload_id]).status_code == 400 and not Case.objects.exists()


def test_it_refuses_what_is_not_an_image_too_large_or_badly_declared(tree, settings):
    client = client_for(tree.users["worker"])
    settings.GRIDGOV = {**settings.GRIDGOV, "UPLOAD_LIMITS": {"IMAGE_MAX_BYTES": 10_000}}
    too_large = client.post("/api/v1/uploads/", {"size": 10_001, "sha256": "a" * 64}, format="json")
    assert too_large.status_code == 400 and "size" in too_large.json()["fields"]
    no_hash = client.post("/api/v1/uploads/", {"size": 100, "sha256": "xyz"}, format="json")
    assert no_hash.status_code == 400 and "sha256" in no_hash.json()["fields"]
    text = b"not a photo at all " * 10
    upload_id = begin(client, text).json()["id"]
    refused = piece(client, upload_id, text, 0)
    assert refused.status_code == 400 and refused.json()["fields"]["piece"]
    past_end = client.generic(
        "PATCH",
        f"/api/v1/uploads/{upload_id}/",
        text + b"!",
        content_type="application/octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )
    assert past_end.status_code == 400


def test_uploads_are_their_owners_alone(tree, rubbish):
    owner, member, stranger = (client_for(tree.users[n]) for n in ("worker", "community", "stranger"))
    data = jpeg_bytes()
    upload_id, _state = send_all(owner, data)
    for other in (member, stranger):
        assert other.get(f"/api/v1/uploads/{upload_id}/").status_code == 404
        assert piece(other, upload_id, data, 0).status_code == 404
    refused = client_for(tree.users["centre"]).post(
        "/api/v1/cases/",
        {"category": "01001", "title": "借用", "photo_uploads": [upload_id]},
        format="json",
    )
    assert refused.status_code == 400 and "photo_uploads" in refused.json()["fields"]
    assert APIClient().get(f"/api/v1/uploads/{upload_id}/").status_code in (401, 403)


def test_a_retry_of_the_report_reuses_its_uploads_but_another_report_may_not(tree, rubbish):
    client = client_for(tree.users["worker"])
    upload_id, _state = send_all(client, jpeg_bytes())
    first = report(client, tree, [upload_id], key="k-1")
    retry = report(client, tree, [upload_id], key="k-1")
    assert first.status_code == 201 and retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    other = report(client, tree, [upload_id], key="k-2")
    assert other.status_code == 400 and "photo_uploads" in other.json()["fields"]
    assert Attachment.objects.count() == 1


def test_a_case_takes_an_upload_as_an_attachment(tree, rubbish):
    client = client_for(tree.users["worker"])
    case_id = report(client, tree, [send_all(client, jpeg_bytes())[0]], key="k-a").json()["id"]
    upload_id, _state = send_all(client, jpeg_bytes((200, 200)))
    response = client.post(f"/api/v1/cases/{case_id}/attachments/", {"uploads": [upload_id]}, format="json")
    assert response.status_code == 201, response.json()
    assert Attachment.objects.filter(case_id=case_id).count() == 2


def test_the_sweep_removes_used_and_abandoned_uploads_after_a_day_in_one_statement(tree, rubbish):
    client = client_for(tree.users["worker"])
    data = jpeg_bytes((300, 300))
    for _ in range(3):
        abandoned = begin(client, data).json()["id"]
        piece(client, abandoned, data, 0)
    fresh = begin(client, data).json()["id"]
    PhotoUpload.objects.exclude(pk=fresh).update(updated_at=timezone.now() - timedelta(days=1, minutes=1))
    assert "retention_photo_uploads" in STEPS
    with CaptureQueriesContext(connection) as queries:
        assert uploads_purge() == 3
    assert len(queries) <= 4  # the same few statements for any number of uploads
    assert list(PhotoUpload.objects.values_list("pk", flat=True)) == [PhotoUpload.objects.get(pk=fresh).pk]
    assert not UploadPiece.objects.exclude(upload_id=fresh).exists()


def test_feedback_and_verification_take_uploads_as_their_photos(tree, new_case):
    u, pk = tree.users, new_case.pk
    for user, name, data in [
        (u["community"], "file", {}),
        (u["community"], "dispatch", {"department": tree.departments[0].code}),
        (u["handler"], "accept", {}),
    ]:
        assert client_for(user).post(f"/api/v1/cases/{pk}/{name}/", data, format="json").status_code == 200
    handler = client_for(u["handler"])
    upload_id, _state = send_all(handler, jpeg_bytes())
    response = handler.post(
        f"/api/v1/cases/{pk}/feedback/", {"result": "已清运", "photo_uploads": [upload_id]}, format="json"
    )
    assert response.status_code == 200, response.json()
    worker = client_for(u["worker"])
    second, _state = send_all(worker, jpeg_bytes((220, 160)))
    response = worker.post(
        f"/api/v1/cases/{pk}/verify-pass/", {"note": "已核实", "photo_uploads": [second]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Attachment.objects.filter(case_id=pk).count() == 2
    assert set(PhotoUpload.objects.values_list("case_id", flat=True)) == {pk}
