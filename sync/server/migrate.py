"""Running the service's Alembic migrations from code (``gridsync init-db``, ``serve``, tests).

Several instances may start at once (two ``gridsync@`` units, a rolling restart): ``upgrade``
runs under a database-wide lock, so one migrates and the others wait, then find the schema
at head and do nothing. PostgreSQL: a transaction-scoped advisory lock taken first in the
migration's transaction (DDL is transactional there); SQLite: the migration's transaction
begins with ``BEGIN IMMEDIATE``, the database's write lock.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock's key: "gridsync" in ASCII, as a bigint.
MIGRATION_LOCK = 0x6772696473796E63


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)  # SQLite: BEGIN IMMEDIATE
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, revision)


def head_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return set(script.get_heads())


def schema_is_current(engine: Engine) -> bool:
    """True when the database's schema is at the head revision (readiness)."""
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == head_revisions()
