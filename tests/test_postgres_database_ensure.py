"""The benchmarks create their scratch PostgreSQL database when it does not exist."""

from __future__ import annotations

import os
import uuid

import pytest

from hotline.db import postgres_database_ensure

URL = os.environ.get("HOTLINE_DATABASE_URL", "")


def test_other_databases_are_left_alone(tmp_path):
    assert postgres_database_ensure(f"sqlite:///{tmp_path}/x.sqlite3") is False
    assert not (tmp_path / "x.sqlite3").exists()


@pytest.mark.skipif(not URL.startswith("postgres"), reason="runs on the PostgreSQL run")
def test_a_missing_postgres_database_is_created_once():
    import psycopg

    name = f"hotline_ensure_{uuid.uuid4().hex[:8]}"
    base = URL.rsplit("/", 1)[0]
    try:
        assert postgres_database_ensure(f"{base}/{name}") is True
        assert postgres_database_ensure(f"{base}/{name}") is False
        with psycopg.connect(f"{base}/{name}") as connection:
            assert connection.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
