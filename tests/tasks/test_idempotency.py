"""A task's form filled twice for one target with the same Idempotency-Key is one result, its photos sent in
pieces included."""

from datetime import UTC, datetime

import pytest
from PIL import Image
from rest_framework.test import APIClient

from cases.models import PhotoUpload, UploadPiece
from tasks.models import ResultPhoto, TaskResult
from tests.cases.test_media import YUELU
from tests.cases.test_uploads import camera_photo, send_all

from .conftest import building
from .test_api import _create

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_records_one_result_for_one_key(tree, admitted):
    building(tree.grids[0], 1)
    task_id = _create(tree, admitted).json()["id"]
    leader, worker = _client(tree.users["leader"]), _client(tree.users["worker"])
    [row] = leader.get("/api/v1/task-assignments/", {"task": task_id}).json()["results"]
    leader.post(
        f"/api/v1/task-assignments/{row['id']}/assign/", {"workers": [tree.users["worker"].pk]}, format="json"
    )
    [target] = worker.get("/api/v1/task-targets/", {"assignment": row["id"]}).json()["results"]
    body = {"assignment": row["id"], "target": target["id"], "values": {"hose": "ok"}}
    first = worker.post("/api/v1/task-results/", body, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    again = worker.post("/api/v1/task-results/", body, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json() and TaskResult.objects.count() == 1


def test_a_form_takes_photos_sent_in_pieces_once_with_their_time_and_position(tree, admitted):
    """issue 23 §16.2: the form names finished uploads; the photo is stored without its EXIF (the capture
    time and GPS kept as data), the upload is marked used, a retry replays, another form may not reuse it."""
    building(tree.grids[0], 2)
    task_id = _create(tree, admitted).json()["id"]
    leader, worker = _client(tree.users["leader"]), _client(tree.users["worker"])
    [row] = leader.get("/api/v1/task-assignments/", {"task": task_id}).json()["results"]
    leader.post(
        f"/api/v1/task-assignments/{row['id']}/assign/", {"workers": [tree.users["worker"].pk]}, format="json"
    )
    first, second = worker.get("/api/v1/task-targets/", {"assignment": row["id"]}).json()["results"]
    upload_id, _state = send_all(worker, camera_photo())
    body = {
        "assignment": row["id"],
        "target": first["id"],
        "values": {"hose": "ok"},
        "photo_uploads": [upload_id],
    }
    sent = worker.post("/api/v1/task-results/", body, format="json", HTTP_IDEMPOTENCY_KEY="t-photo")
    again = worker.post("/api/v1/task-results/", body, format="json", HTTP_IDEMPOTENCY_KEY="t-photo")
    assert sent.status_code == again.status_code == 201, sent.content
    assert again.json() == sent.json() and TaskResult.objects.count() == 1
    [photo] = ResultPhoto.objects.all()
    assert photo.taken_at == datetime(2025, 3, 14, 1, 26, 53, tzinfo=UTC)
    assert (photo.gps_lat, photo.gps_lon) == pytest.approx(YUELU, abs=1e-5)
    stored = Image.open(photo.file.open("rb"))
    assert not stored.getexif() and "exif" not in stored.info
    upload = PhotoUpload.objects.get(pk=upload_id)
    assert upload.used_at is not None and upload.case_id is None and not UploadPiece.objects.exists()
    assert worker.get(f"/api/v1/uploads/{upload_id}/").json()["finished"] is True  # a resend names it again

    reuse = {**body, "target": second["id"]}
    refused = worker.post("/api/v1/task-results/", reuse, format="json", HTTP_IDEMPOTENCY_KEY="t-other")
    assert refused.status_code == 400 and "photo_uploads" in refused.json()["fields"]
    assert TaskResult.objects.count() == 1
