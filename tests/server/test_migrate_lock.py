"""Several instances starting together on a fresh database: one migrates, the others wait for
it under the lock and find the schema at head (``sync.server.migrate.upgrade``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sync.server.db import make_engine
from sync.server.migrate import head_revisions, schema_is_current

from .pgdb import fresh_database

REPO = Path(__file__).resolve().parents[2]
INSTANCES = 4

# Imports done first, then every process starts its upgrade at the same instant.
STARTER = textwrap.dedent(
    """
    import sys, time
    from sync.server.db import make_engine
    from sync.server.migrate import upgrade
    url, start = sys.argv[1], float(sys.argv[2])
    engine = make_engine(url)
    time.sleep(max(0.0, start - time.time()))
    upgrade(engine)
    engine.dispose()
    print("upgraded")
    """
)


def upgrade_together(url: str) -> None:
    start = time.time() + 4.0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, url, repr(start)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(INSTANCES)
    ]
    outcomes = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0 and "upgraded" in out, err[-3000:]


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    with fresh_database("gridsync_mig") as url:
        yield url


@pytest.mark.postgres
def test_several_instances_upgrade_a_fresh_postgresql_database_at_once(fresh_pg_url):
    upgrade_together(fresh_pg_url)
    engine = make_engine(fresh_pg_url)
    try:
        assert schema_is_current(engine)
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            assert set(versions) == head_revisions()
    finally:
        engine.dispose()


def test_several_instances_upgrade_a_fresh_sqlite_database_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'gridsync.db'}"
    upgrade_together(url)
    engine = make_engine(url)
    try:
        assert schema_is_current(engine)
    finally:
        engine.dispose()
