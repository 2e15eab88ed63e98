import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from grids.models import Area, Level, Membership, Role, User
from tests.factories import LAT0, LON0, STEP, square


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_export_writes_a_feature_collection_of_the_subtree(tree, tmp_path):
    path = tmp_path / "out.geojson"
    run("export_boundaries", "--within", tree.communities[0].code, "--level", "grid", "-o", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in data["features"]] == [g.code for g in tree.grids[:2]]
    assert data["features"][0]["properties"]["parent"] == tree.communities[0].code


def test_export_leaves_out_retired_areas_unless_asked(tree):
    from django.utils import timezone

    Area.objects.filter(pk=tree.grids[0].pk).update(is_active=False, retired_at=timezone.now())
    codes = [f["id"] for f in json.loads(run("export_boundaries", "--level", "grid"))["features"]]
    assert tree.grids[0].code not in codes
    codes = [
        f["id"]
        for f in json.loads(run("export_boundaries", "--level", "grid", "--include-retired"))["features"]
    ]
    assert tree.grids[0].code in codes


def test_export_refuses_an_unknown_area(tree):
    with pytest.raises(CommandError):
        run("export_boundaries", "--within", "999999")


def write(tmp_path, features):
    path = tmp_path / "in.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return str(path)


def test_import_updates_and_reports(tree, tmp_path):
    grid = tree.grids[0]
    smaller = square(LON0, LAT0, STEP / 2, STEP)
    path = write(tmp_path, [{"type": "Feature", "properties": {"code": grid.code}, "geometry": smaller}])
    assert "dry run" in run("import_boundaries", path, "--dry-run").lower()
    grid.refresh_from_db()
    assert grid.boundary != smaller
    assert "1 updated" in run("import_boundaries", path)
    grid.refresh_from_db()
    assert grid.boundary == smaller


def test_import_with_an_error_imports_nothing_and_fails(tree, tmp_path):
    good = {
        "type": "Feature",
        "properties": {"code": tree.grids[1].code},
        "geometry": square(LON0 + STEP, LAT0, STEP / 2, STEP),
    }
    bad = {
        "type": "Feature",
        "properties": {"code": tree.grids[0].code},
        "geometry": square(LON0 - STEP, LAT0, 2 * STEP, STEP),
    }
    with pytest.raises(CommandError, match="Nothing imported"):
        run("import_boundaries", write(tmp_path, [good, bad]))
    assert Area.objects.get(pk=tree.grids[1].pk).boundary == tree.grids[1].boundary


def test_import_refuses_an_unreadable_file(tmp_path, db):
    path = tmp_path / "broken.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_boundaries", str(path))


@pytest.mark.django_db
def test_demo_logins_names_one_login_per_role_in_one_community():
    call_command("load_demo", grids=20, seed=1, stdout=io.StringIO())
    out = run("demo_logins")
    for label in (
        "superuser",
        "district centre",
        "read-only leader",
        "street staff",
        "community staff",
        "grid leader",
        "grid worker",
        "department handler",
    ):
        assert label in out
    assert settings.GRIDGOV["DEMO_PASSWORD"] in out
    lines = {line.split("  ")[0]: line.split() for line in out.splitlines()}
    community_user = User.objects.get(username=lines["community staff"][2])
    worker = User.objects.get(username=lines["grid worker"][2])
    community_code = community_user.memberships.get(role=Role.COMMUNITY_STAFF).area.code
    assert worker.memberships.get(role=Role.GRID_WORKER).area.code.startswith(community_code)
    assert worker.check_password(settings.GRIDGOV["DEMO_PASSWORD"])


@pytest.mark.django_db
def test_demo_logins_without_a_demo_says_so():
    assert "load_demo" in run("demo_logins")


def test_create_user_adds_memberships_and_refuses_a_wrong_level(tree):
    run(
        "create_user",
        "wang",
        "--role",
        "grid_worker",
        "--area",
        tree.grids[3].code,
        "--password",
        "s3cret-pw",
    )
    run("create_user", "wang", "--role", "grid_worker", "--area", tree.grids[4].code)
    user = User.objects.get(username="wang")
    assert user.check_password("s3cret-pw")
    assert set(user.memberships.values_list("area__code", flat=True)) == {
        tree.grids[3].code,
        tree.grids[4].code,
    }
    with pytest.raises(CommandError):
        run("create_user", "wang", "--role", "street_staff", "--area", tree.grids[3].code)
    with pytest.raises(CommandError):
        run("create_user", "wang", "--role", "grid_worker", "--area", "000000")
    assert not Membership.objects.filter(user=user, area__level=Level.STREET).exists()


def test_create_api_token_prints_a_token(tree):
    key = run("create_api_token", "worker").strip()
    assert Token.objects.get(user=tree.users["worker"]).key == key
    assert run("create_api_token", "worker").strip() == key
    assert run("create_api_token", "worker", "--rotate").strip() != key
    with pytest.raises(CommandError):
        run("create_api_token", "nobody")
