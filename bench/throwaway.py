"""The benchmarks' throwaway PostgreSQL database: dropped and created afresh before each run."""

import os
import sys
from urllib.parse import urlparse

import psycopg


def recreate_database(url: str):
    """Drop and create the database in ``url``; refuses names that do not look throwaway (gg_*, bench*,
    *_bench: what bench/quick.sh names beside DATABASE_URL's database)."""
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not (name.startswith(("gg_", "bench", "gridgov_bench")) or name.endswith("_bench")):
        sys.exit(f"Refusing to drop database {name!r}: use a throwaway name such as gg_bench.")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def postgres_url() -> str:
    """DATABASE_URL, or the script stops with what to set: every bench drops and recreates that database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to a throwaway PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/gg_bench"
        )
    return url
