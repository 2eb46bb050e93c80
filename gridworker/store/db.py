"""Opening the local database: encrypted (SQLCipher, a raw key), WAL, foreign keys,
owner-only file, migrations after a backup.

A profile's database is encrypted with the database sub-key of its data key
(``gridworker.client.keyring``): a raw 256-bit key set first on every connection, so no
password-based key derivation runs per connection. A database opened without keys is plain
SQLite (a profile of the release before encryption, converted at its next unlock:
``encrypt_in_place``).
"""

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

    from ..client.keyring import DataKeys

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")

# The newest migration. Checked against Alembic by a test, so that opening an up-to-date
# database (every start of the app) needs no Alembic import (~0.2 s).
HEAD_REVISION = "0005"


SQLITE_HEADER = b"SQLite format 3\x00"


def sqlcipher_module() -> Any:
    import sqlcipher3.dbapi2 as sqlcipher

    return sqlcipher


def connect(
    path: Path, keys: DataKeys | None, *, read_only: bool = False, timeout: float = 30
) -> Any:
    """A DB-API connection to ``path``: SQLCipher keyed first thing when ``keys`` are given,
    the standard library's sqlite3 otherwise."""
    target = path.resolve().as_uri() + "?mode=ro" if read_only else str(path)
    if keys is None:
        return sqlite3.connect(target, uri=read_only, timeout=timeout, check_same_thread=False)
    sqlcipher = sqlcipher_module()
    conn = sqlcipher.connect(target, uri=read_only, timeout=timeout, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA key = {keys.sqlcipher_key}")
        # SQLCipher logs a failed page decryption to stderr: no need (the error says it).
        conn.execute("PRAGMA cipher_log_level = NONE")
    except BaseException:
        conn.close()
        raise
    return conn


def is_plain(path: Path) -> bool:
    """An unencrypted SQLite file (the release before encryption)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def database_errors() -> tuple[type[BaseException], ...]:
    """The DB-API errors of both drivers (sqlcipher3's do not derive from sqlite3's)."""
    return (sqlite3.Error, sqlcipher_module().Error)


def make_engine(path: Path, keys: DataKeys | None = None) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    if keys is None:
        engine = sqlite_engine(f"sqlite:///{path}")
    else:
        engine = sqlite_engine(
            f"sqlite:///{path}",
            module=sqlcipher_module(),
            creator=lambda: connect(path, keys),
        )

    @event.listens_for(engine, "connect")
    def _no_automatic_checkpoint(dbapi_connection: Any, _record: Any) -> None:
        # The store checkpoints outside its write queue (Store.checkpoint), never inside a
        # commit a save waits for.
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
        # 16 MB of page cache per connection (SQLite's default is 2 MB): the search keys of a
        # supervisor's 20,000 households (~3 MB) stay decrypted in memory between keystrokes
        # instead of being read and decrypted again on each one.
        dbapi_connection.execute("PRAGMA cache_size=-16000")

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


def backup(path: Path, suffix: str, keys: DataKeys | None = None) -> Path:
    """A consistent copy of the database (SQLite's online backup, WAL included), encrypted
    with the same key as the database."""
    target = path.with_name(f"{path.name}.{suffix}.bak")
    source = connect(path, keys)
    try:
        dest = connect(target, keys)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    restrict_to_owner(target)
    return target


def migrate(
    engine: Engine, path: Path, revision: str = "head", keys: DataKeys | None = None
) -> None:
    """Bring the database to ``revision``, backing it up first when it holds data."""
    current = current_revision(engine)
    target = HEAD_REVISION if revision == "head" else revision
    if current == target:
        return
    from alembic import command

    if current is not None:
        backup(path, f"before-{target}", keys)
    config = alembic_config(engine)
    with engine.connect() as conn, conn.execution_options(write=True).begin():
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def open_engine(path: Path, revision: str = "head", keys: DataKeys | None = None) -> Engine:
    engine = make_engine(path, keys)
    migrate(engine, path, revision, keys)
    restrict_to_owner(path)
    return engine


# -- converting a database of the release before encryption -----------------------------------


def _table_counts(conn: Any) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def encrypt_in_place(path: Path, keys: DataKeys) -> None:
    """Replace the plain SQLite file ``path`` by an encrypted copy holding the same rows.

    The plain file's WAL is first folded into it (journal mode DELETE, so no -wal or -shm
    stays beside it), ``sqlcipher_export`` writes the encrypted copy under a temporary name,
    the row counts of every table are compared, then ``os.replace`` swaps the files. A kill
    at any point leaves either the plain file or the encrypted one, never neither.
    """
    temp = path.with_name(path.name + ".encrypting")
    temp.unlink(missing_ok=True)  # an interrupted conversion: start again
    plain = sqlite3.connect(path)
    try:
        plain.execute("PRAGMA journal_mode=DELETE").fetchall()
        before = _table_counts(plain)
    finally:
        plain.close()
    sqlcipher = sqlcipher_module()
    source = sqlcipher.connect(str(path))  # no key: reads the plain file
    try:
        source.execute(f"ATTACH DATABASE ? AS encrypted KEY {keys.sqlcipher_key}", (str(temp),))
        source.execute("SELECT sqlcipher_export('encrypted')").fetchall()
        source.execute("DETACH DATABASE encrypted")
    finally:
        source.close()
    check = connect(temp, keys)
    try:
        after = _table_counts(check)
    finally:
        check.close()
    if after != before:
        temp.unlink(missing_ok=True)
        raise sqlcipher.DatabaseError("the encrypted copy does not hold every row")
    with open(temp, "rb+") as f:
        os.fsync(f.fileno())
    restrict_to_owner(temp)
    os.replace(temp, path)
    for suffix in ("-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
