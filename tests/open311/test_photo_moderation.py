"""Photo moderation (issue 24 §1): a photo of a published report is public only once staff approved it,
then only as its public (blurred) copy; every public path is tried while it waits and after a rejection.
The queue and the decisions are for the case's acting unit: owner, member and stranger are each tried."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image, ImageStat

from cases import moderation
from cases import services as case_services
from cases.media import blur_regions
from cases.models import Attachment, CaseEvent, Category, Publication, Source
from cases.tokens import citizen_token
from tests.pages.conftest import report

from .conftest import photo

pytestmark = pytest.mark.django_db
QUEUE = "/photo-moderation/"


def citizen(tree, grid=0, **more):
    return report(
        tree,
        Category.objects.get(code="01001"),
        grid=grid,
        source=Source.CITIZEN,
        description="东门外垃圾堆放",
        **{"before_photos": [photo()], **more},
    )


def striped_photo():
    image = Image.new("RGB", (64, 48), "white")
    for x in range(0, 64, 4):
        for y in range(48):
            image.putpixel((x, y), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile("striped.png", buffer.getvalue(), content_type="image/png")


def _closed_with_after_photo(tree, case):
    u = tree.users
    case_services.case_file(case_id=case.pk, actor=u["community"])
    case_services.case_dispatch(case_id=case.pk, actor=u["community"], department=tree.departments[0])
    case_services.case_accept(case_id=case.pk, actor=u["handler"])
    case_services.case_feedback(
        case_id=case.pk, actor=u["handler"], result="已清运", photos=[photo("after.jpg")]
    )
    case_services.case_verify(case_id=case.pk, actor=u["worker"], passed=True)
    case_services.case_close(case_id=case.pk, actor=u["community"])


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def public_answers(client, case) -> dict:
    """What every public path says about the case's photos, each photo's own URL tried directly."""
    pid = case.public_id
    photos = list(Attachment.objects.filter(case=case).exclude(thumbnail=""))
    token = citizen_token(case)
    single = client.get(f"/open311/v2/requests/{pid}.json").json()[0]
    listed = next(r for r in client.get("/open311/v2/requests.json").json() if r["service_request_id"] == pid)
    updates = client.get("/open311/v2/servicerequestupdates.json", {"service_request_id": pid}).json()
    page = client.get(f"/public/reports/{pid}/").content.decode()
    listing = client.get("/public/reports/").content.decode()
    track = client.get(f"/public/track/{token}/")
    return {
        "single": single["media_url"],
        "listed": listed["media_url"],
        "updates": [u["media_url"] for u in updates if u["media_url"]],
        "page": [p.pk for p in photos if f"/media/{pid}/{p.pk}.jpg" in page],
        "listing": "/open311/v2/media/" in listing,
        "track": [p.pk for p in track.context["t"].after_photos],
        "media": {p.pk: client.get(f"/open311/v2/media/{pid}/{p.pk}.jpg").status_code for p in photos},
        "track_files": {
            p.pk: (
                client.get(f"/public/track/{token}/photos/{p.pk}/").status_code,
                client.get(f"/public/track/{token}/photos/{p.pk}/thumbnail/").status_code,
            )
            for p in photos
        },
    }


NOTHING = {"single": None, "listed": None, "updates": [], "page": [], "listing": False, "track": []}


def _nothing_public(answers) -> None:
    assert {k: answers[k] for k in NOTHING} == NOTHING
    assert set(answers["media"].values()) == {404}
    assert set(answers["track_files"].values()) == {(404, 404)}


def test_it_keeps_a_photo_off_every_public_path_until_approved(client, tree):
    case = citizen(tree)
    _closed_with_after_photo(tree, case)
    photos = list(Attachment.objects.filter(case=case).order_by("id"))
    assert [p.publication for p in photos] == [Publication.PENDING] * 2
    _nothing_public(public_answers(client, case))

    for p in photos:
        moderation.photo_moderate(attachment_id=p.pk, actor=tree.users["community"], approve=False)
    _nothing_public(public_answers(client, case))  # rejected: staff only, for good

    before, after = photos
    for p in photos:
        moderation.photo_moderate(attachment_id=p.pk, actor=tree.users["community"], approve=True)
    answers = public_answers(client, case)
    assert answers["single"].endswith(f"/{before.pk}.jpg") and answers["listed"] == answers["single"]
    assert answers["updates"] == [answers["single"]]
    assert answers["page"] == [before.pk, after.pk] and answers["track"] == [after.pk]
    assert answers["media"] == {before.pk: 200, after.pk: 200}
    assert answers["track_files"][after.pk] == (200, 200)


def test_an_approved_photo_is_served_as_its_blurred_copy_never_the_original(client, tree):
    case = citizen(tree, before_photos=[striped_photo()])
    [shot] = Attachment.objects.filter(case=case)
    owner = tree.users["community"]
    moderation.photo_blur(attachment_id=shot.pk, actor=owner, regions=[[0, 0, 0.5, 0.5]])
    moderation.photo_moderate(attachment_id=shot.pk, actor=owner, approve=True)
    shot.refresh_from_db()
    served = _body(client.get(f"/open311/v2/media/{case.public_id}/{shot.pk}.jpg"))
    with shot.public_file.open("rb") as copy, shot.file.open("rb") as original:
        assert served == copy.read() and served != original.read()
    # The staff's own URL of the original still needs a login.
    assert client.get(f"/cases/attachments/{shot.pk}/").status_code == 302


def test_the_blur_makes_the_regions_unreadable_and_leaves_the_rest(tree):
    image = Image.new("RGB", (200, 100), "white")
    for x in range(0, 200, 4):  # stripes: detail a blur must remove
        for y in range(100):
            image.putpixel((x, y), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    content, thumbnail = blur_regions(buffer.getvalue(), [[0, 0, 0.5, 1]])
    with Image.open(io.BytesIO(content)) as out:
        blurred = ImageStat.Stat(out.crop((10, 10, 90, 90)).convert("L")).stddev[0]
        kept = ImageStat.Stat(out.crop((110, 10, 190, 90)).convert("L")).stddev[0]
    assert blurred < kept / 4
    assert Image.open(io.BytesIO(thumbnail)).size[0] <= 320


def test_decisions_and_blurs_are_events_with_who_and_when(tree):
    case = citizen(tree)
    [shot] = Attachment.objects.filter(case=case)
    owner = tree.users["community"]
    moderation.photo_blur(attachment_id=shot.pk, actor=owner, regions=[[0.1, 0.1, 0.2, 0.2]])
    moderation.photo_moderate(attachment_id=shot.pk, actor=owner, approve=True)
    shot.refresh_from_db()
    assert shot.moderated_by == owner and shot.moderated_at is not None
    events = CaseEvent.objects.filter(case=case, kind__startswith="photo_").order_by("seq")
    assert [(e.kind, e.actor_id, e.payload["attachment"]) for e in events] == [
        ("photo_blur", owner.pk, shot.pk),
        ("photo_approve", owner.pk, shot.pk),
    ]
    assert events[1].payload["blurred"] is True


def test_the_queue_is_for_the_acting_unit_owner_member_stranger(client, tree):
    case = citizen(tree)
    [shot] = Attachment.objects.filter(case=case)
    u = tree.users
    # Member: the grid worker sees the case but does not decide what of it is public.
    client.force_login(u["worker"])
    assert client.get(QUEUE).context["photos"] == []
    client.post(f"/cases/attachments/{shot.pk}/review/", {"decision": "approve"})
    assert client.get(f"/cases/attachments/{shot.pk}/blur/").status_code == 302
    shot.refresh_from_db()
    assert shot.publication == Publication.PENDING
    # Stranger: another community's staff does not even learn the photo exists.
    client.force_login(u["community_b"])
    assert client.get(QUEUE).context["photos"] == []
    assert client.post(f"/cases/attachments/{shot.pk}/review/", {"decision": "approve"}).status_code == 404
    assert client.get(f"/cases/attachments/{shot.pk}/blur/").status_code == 404
    shot.refresh_from_db()
    assert shot.publication == Publication.PENDING
    # Owner: the community's staff see it, approve it from the queue, and it leaves the queue.
    client.force_login(u["community"])
    assert [p.pk for p in client.get(QUEUE).context["photos"]] == [shot.pk]
    answer = client.post(f"/cases/attachments/{shot.pk}/review/", {"decision": "approve", "next": QUEUE})
    assert answer.status_code == 302 and answer["Location"] == QUEUE
    shot.refresh_from_db()
    assert shot.publication == Publication.APPROVED and client.get(QUEUE).context["photos"] == []
    # An outside "next" is never followed.
    outside = client.post(
        f"/cases/attachments/{shot.pk}/review/", {"decision": "reject", "next": "https://evil.example/"}
    )
    assert outside["Location"] == f"/cases/{case.pk}/"


def test_the_queue_skips_internal_cases_and_costs_the_same_for_more_photos(client, tree):
    report(tree, Category.objects.get(code="01001"), before_photos=[photo()])  # patrol: never public
    client.force_login(tree.users["community"])
    citizen(tree)
    client.get(QUEUE)  # the first request after a login writes the session
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(QUEUE).context["photos"]) == 1
    for n in range(4):
        citizen(tree, grid=n % 2)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(QUEUE).context["photos"]) == 5
    assert len(many) == len(few)


def test_the_blur_tool_refuses_bad_rectangles_next_to_the_field(client, tree):
    case = citizen(tree)
    [shot] = Attachment.objects.filter(case=case)
    client.force_login(tree.users["community"])
    url = f"/cases/attachments/{shot.pk}/blur/"
    page = client.get(url)
    assert page.status_code == 200 and "data-blur-stage" in page.content.decode()
    for bad in ("not json", "[]", "[[0, 0, 2, 1]]", '[["a", 0, 1, 1]]', "[[0,0,0,0]]"):
        answer = client.post(url, {"regions": bad})
        assert answer.status_code == 400 and "field-error" in answer.content.decode()
    shot.refresh_from_db()
    assert not shot.public_file
    assert client.post(url, {"regions": "[[0.2, 0.2, 0.3, 0.3]]"}).status_code == 302
    shot.refresh_from_db()
    assert shot.public_file and shot.publication == Publication.PENDING  # a blur is not an approval
    assert client.get(f"/cases/attachments/{shot.pk}/public/").status_code == 200
    assert client.get(f"/cases/{case.pk}/").status_code == 200
