"""Alembic upgrades an empty database to head on both backends; models and migrations agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from sync.server.models import Base


def test_upgrade_to_head_creates_every_table(engine):
    # The `engine` fixture migrated an empty database with sync.server.migrate.upgrade.
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_match_migrations(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
