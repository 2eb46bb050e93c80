"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL, a service, clients.

PostgreSQL tests connect to 127.0.0.1:5432 (GRIDSYNC_TEST_PG overrides); when it cannot be
reached they fail, never skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from sync.server.db import make_engine
from sync.server.migrate import upgrade
from sync.server.models import Base

PG_ADMIN_URL = os.environ.get(
    "GRIDSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> None:
    """Argon2 at its production cost makes each login ~0.1 s; the tests need no such cost."""
    from sync.server.auth import configure_password_hashing

    configure_password_hashing(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of its own for this test session, dropped afterwards."""
    name = f"gridsync_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_migrated: dict[str, object] = {}


def _fresh_engine(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
):
    if backend == "sqlite":
        template = _migrated.get("sqlite-template")
        if template is None:
            template = tmp_path_factory.mktemp("template") / "gridsync.db"
            seed_engine = make_engine(f"sqlite:///{template}")
            upgrade(seed_engine)
            seed_engine.dispose()
            _migrated["sqlite-template"] = template
        path = tmp_path_factory.mktemp("db") / "gridsync.db"
        shutil.copyfile(template, path)  # type: ignore[arg-type]
        return make_engine(f"sqlite:///{path}")
    url = request.getfixturevalue("pg_database")
    engine = _migrated.get(url)
    if engine is None:
        engine = make_engine(url)
        upgrade(engine)
        _migrated[url] = engine
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A fresh, migrated service database on each backend."""
    eng = _fresh_engine(request.param, request, tmp_path_factory)
    yield eng
    if request.param == "sqlite":
        eng.dispose()


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    return _fresh_engine("postgresql", request, tmp_path_factory)
