"""Opening the local database: WAL, foreign keys, owner-only file, migrations after a backup."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from sync.sqlite import sqlite_engine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")

# The newest migration. Checked against Alembic by a test, so that opening an up-to-date
# database (every start of the app) needs no Alembic import (~0.2 s).
HEAD_REVISION = "0002"


def make_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sqlite_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _no_automatic_checkpoint(dbapi_connection: Any, _record: Any) -> None:
        # The store checkpoints outside its write queue (Store.checkpoint), never inside a
        # commit a save waits for.
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    return engine


def restrict_to_owner(path: Path) -> None:
    """Owner-only permissions (no-op where the platform has no POSIX modes)."""
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists():
            try:
                os.chmod(candidate, stat.S_IRUSR | stat.S_IWUSR)
            except OSError:  # e.g. a file system without modes
                log.warning("could not restrict permissions of the local database")


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", str(engine.url))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError:  # no table yet: an empty database
            return None


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def backup(path: Path, suffix: str) -> Path:
    """A consistent copy of the database (SQLite's online backup, WAL included)."""
    target = path.with_name(f"{path.name}.{suffix}.bak")
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    restrict_to_owner(target)
    return target


def migrate(engine: Engine, path: Path, revision: str = "head") -> None:
    """Bring the database to ``revision``, backing it up first when it holds data."""
    current = current_revision(engine)
    target = HEAD_REVISION if revision == "head" else revision
    if current == target:
        return
    from alembic import command

    if current is not None:
        backup(path, f"before-{target}")
    config = alembic_config(engine)
    with engine.connect() as conn, conn.execution_options(write=True).begin():
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def open_engine(path: Path, revision: str = "head") -> Engine:
    engine = make_engine(path)
    migrate(engine, path, revision)
    restrict_to_owner(path)
    return engine
