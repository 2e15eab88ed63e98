"""deploy/backup: a dump of a database with chained case events restores into a fresh database, where
``verify_audit`` passes (PostgreSQL only: pg_dump and pg_restore)."""

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from cases import audit
from cases.models import Case, CaseEvent, Category
from cases.services import case_report

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def url(name):
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_restores_a_dump_into_a_fresh_database_where_verify_audit_passes(tree, fresh_database, tmp_path):
    category = Category.objects.filter(parent__isnull=False).first()
    grid = tree.grids[0]
    for k in range(3):
        case_report(
            actor=tree.users["worker"],
            category=category,
            title=f"井盖缺失 {k}",
            lat=grid.centroid_lat + k * 1e-5,
            lon=grid.centroid_lon,
        )
    audit.checkpoint_write()
    (media := tmp_path / "media").mkdir()
    (media / "photo.jpg").write_bytes(b"not really a photo")
    env = {
        **os.environ,
        "DATABASE_URL": url(connection.settings_dict["NAME"]),
        "BACKUP_DIR": str(tmp_path / "backup"),
        "MEDIA_ROOT": str(media),
    }

    made = subprocess.run(
        [ROOT / "deploy/backup/backup.sh"], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    dump = made.stdout.strip().splitlines()[-1]
    assert Path(dump).is_file() and Path(f"{dump}.sha256").is_file()
    (copied,) = (tmp_path / "backup/media").iterdir()
    assert (copied / "photo.jpg").read_bytes() == b"not really a photo"

    restored = subprocess.run(
        [ROOT / "deploy/backup/restore.sh", dump, fresh_database],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert restored.returncode == 0, restored.stderr
    assert "All 3 case chains verify." in restored.stdout
    with psycopg.connect(fresh_database) as conn:
        tables = Case._meta.db_table, CaseEvent._meta.db_table
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM {})".format(*tables)
        ).fetchone()
    assert counts == (3, CaseEvent.objects.count())

    again = subprocess.run(
        [ROOT / "deploy/backup/restore.sh", dump, fresh_database], env=env, capture_output=True, text=True
    )
    assert again.returncode == 2 and "new, empty database" in again.stderr
