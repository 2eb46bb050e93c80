"""``gridsync backup`` and ``gridsync restore``: the service's database and attachment files.

SQLite is copied through the online backup API (``sqlite3.Connection.backup``): one consistent
snapshot while the service keeps serving. PostgreSQL goes through ``pg_dump -Fc`` and
``pg_restore --clean --if-exists --single-transaction`` (found on PATH; the password travels in
the environment, never on a command line or in a message).

A restore may run while the service serves: laptops keep syncing against it. It gives the
database a new epoch (sync.server.epoch) in the same step, so every laptop learns from its next
answer that the server forgot what happened after the backup: it sends again what the server
lacks and downloads its grids again (docs/protocol-extensions/epoch.md). Requests that meet the
restore halfway fail and are retried by the laptops; restarting the service afterwards is not
needed (no prepared statements are kept; ``pool_pre_ping`` replaces dead connections).

Attachment bytes are content-addressed and never change, so they are copied file by file into a
directory beside the backup (``FILE.blobs``), and a restore only adds files that are missing:
files uploaded after the backup stay, which is harmless (a blob is served only to callers whose
rows reference it).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from .db import make_engine, write_tx
from .epoch import replace_epoch
from .migrate import upgrade
from .settings import Settings


class BackupError(Exception):
    """A backup or restore that could not be done; ``message`` is for the operator (Chinese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outcome:
    file: Path
    blobs: int  # attachment files copied
    epoch: str | None = None  # the database's new epoch (restore)


def blob_copy_dir(file: Path) -> Path:
    """Where the attachment files of a backup ``file`` go."""
    return file.with_name(file.name + ".blobs")


# -- the whole operations -------------------------------------------------------------------------


def backup(settings: Settings, engine: Engine, file: Path) -> Outcome:
    """Write a consistent copy of the database to ``file`` and the attachments beside it."""
    file = Path(file)
    if file.parent and not file.parent.is_dir():
        raise BackupError(f"目录不存在：{file.parent}")
    if engine.dialect.name == "sqlite":
        _sqlite_backup(_sqlite_path(engine), file)
    elif engine.dialect.name == "postgresql":
        _pg_dump(engine, file)
    else:
        raise BackupError(f"不支持备份此类数据库：{engine.dialect.name}")
    copied = _copy_missing(settings.resolved_blob_dir(), blob_copy_dir(file))
    return Outcome(file, copied)


def restore(settings: Settings, engine: Engine, file: Path) -> Outcome:
    """Put the database back to ``file`` (migrated to the current schema, with a new epoch)
    and add the attachment files that are missing. ``engine``'s pool is emptied afterwards, so
    a service running in this process reconnects to the restored database."""
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"备份文件不存在：{file}")
    try:
        if engine.dialect.name == "sqlite":
            epoch = _sqlite_restore(file, _sqlite_path(engine))
        elif engine.dialect.name == "postgresql":
            _pg_restore(engine, file)
            engine.dispose()
            upgrade(engine)
            with write_tx(engine) as conn:
                epoch = replace_epoch(conn)
        else:
            raise BackupError(f"不支持恢复此类数据库：{engine.dialect.name}")
    finally:
        engine.dispose()
    copied = _copy_missing(blob_copy_dir(file), settings.resolved_blob_dir())
    return Outcome(file, copied, epoch)


# -- SQLite -------------------------------------------------------------------------------------


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份或恢复")
    return Path(database)


def _sqlite_copy(source: sqlite3.Connection, target_path: Path) -> None:
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()


def _sqlite_backup(db_path: Path, file: Path) -> None:
    if not db_path.is_file():
        raise BackupError(f"数据库文件不存在：{db_path}")
    _not_the_database(file, db_path)
    tmp = _temp_beside(file)
    try:
        source = sqlite3.connect(db_path, timeout=30)
        try:
            _sqlite_copy(source, tmp)
        finally:
            source.close()
        # A backup file stands alone: no WAL file beside it.
        copy = sqlite3.connect(tmp)
        try:
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
        os.replace(tmp, file)
    finally:
        tmp.unlink(missing_ok=True)


def _sqlite_restore(file: Path, db_path: Path) -> str:
    """Prepare a copy of the backup (migrated, new epoch), then copy it over the live database
    in one step through the backup API: readers see the old or the new database, never a mix."""
    _not_the_database(file, db_path)
    _check_sqlite_file(file)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_beside(db_path)
    try:
        shutil.copyfile(file, tmp)
        prepared = make_engine(f"sqlite:///{tmp}")
        try:
            upgrade(prepared)
            with write_tx(prepared) as conn:
                epoch = replace_epoch(conn)
            with prepared.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            prepared.dispose()
        source = sqlite3.connect(tmp, timeout=30)
        try:
            _sqlite_copy(source, db_path)
        finally:
            source.close()
        return epoch
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def _not_the_database(file: Path, db_path: Path) -> None:
    if file.resolve() == db_path.resolve():
        raise BackupError("备份文件不能是数据库文件本身")


def _check_sqlite_file(file: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise BackupError(f"不是 SQLite 备份文件：{file}") from None
    if "alembic_version" not in names or "grids" not in names:
        raise BackupError(f"不是同步服务的备份文件：{file}")


# -- PostgreSQL ---------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 PostgreSQL 工具 {name}：请安装 PostgreSQL 客户端并把它加入 PATH")
    return found


def _pg_target(engine: Engine) -> tuple[str, dict[str, str]]:
    """The connection string for the PostgreSQL tools (no password) and their environment."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return plain.render_as_string(hide_password=False), env


def _run_pg(args: list[str], env: dict[str, str], what: str, attempts: int = 1) -> None:
    for attempt in range(attempts):
        try:
            done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise BackupError(f"{what}无法运行：{exc.strerror}") from None
        # A restore in one transaction that met a serving request's locks in the other order
        # was rolled back whole: run it again.
        if done.returncode == 0 or "deadlock detected" not in (done.stderr or ""):
            break
        time.sleep(0.2 * (attempt + 1))
    if done.returncode != 0:
        # The tools' own messages name objects and the server, never the password.
        detail = (done.stderr or "").strip().splitlines()[-3:]
        raise BackupError(f"{what}失败：" + " ".join(detail))


def _pg_dump(engine: Engine, file: Path) -> None:
    tool = _pg_tool("pg_dump")
    target, env = _pg_target(engine)
    tmp = _temp_beside(file)
    try:
        _run_pg([tool, "-Fc", "--no-owner", "-f", str(tmp), f"--dbname={target}"], env, "pg_dump")
        os.replace(tmp, file)
    finally:
        tmp.unlink(missing_ok=True)


def _pg_restore(engine: Engine, file: Path) -> None:
    tool = _pg_tool("pg_restore")
    target, env = _pg_target(engine)
    _run_pg(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={target}",
            str(file),
        ],
        env,
        "pg_restore",
        attempts=3,
    )


# -- files --------------------------------------------------------------------------------------


def _temp_beside(path: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    return tmp


def _copy_missing(source: Path, target: Path) -> int:
    """Copy the attachment files of ``source`` missing in ``target`` (never deletes any)."""
    if not source.is_dir():
        return 0
    copied = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        dest = target / path.relative_to(source)
        if dest.is_file() and dest.stat().st_size == path.stat().st_size:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".restore-{dest.name}")
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)
        copied += 1
    return copied
