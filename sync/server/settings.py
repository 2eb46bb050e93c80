"""Settings of the sync service, read once by the caller (CLI or tests) and passed in."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "gridsync"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'gridsync.db'}"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Settings:
    database_url: str = field(default_factory=default_database_url)
    # Where attachment bytes live; by default beside a SQLite database, else the data dir.
    blob_dir: Path | None = None
    token_ttl: dt.timedelta = dt.timedelta(days=30)
    max_attachment_bytes: int = 20 * 1024 * 1024
    login_window: dt.timedelta = dt.timedelta(minutes=15)
    login_max_failures: int = 10
    # Failed logins from one source address within the window before it gets 429 too.
    login_max_failures_per_source: int = 30
    # Password checks (Argon2) running at once in this process; a login waiting longer than
    # login_busy_timeout for one answers 503 busy.
    login_hash_concurrency: int = 2
    login_busy_timeout: float = 5.0
    # Database pool per worker process (PostgreSQL): at most pool_size + max_overflow
    # connections, fewer when the server's max_connections (minus the reserved ones and
    # db_reserved_connections for admin tools) shared by `workers` processes allows less.
    db_pool_size: int = 20
    db_max_overflow: int = 30
    db_pool_timeout: float = 10.0
    db_reserved_connections: int = 10
    workers: int = 1
    # Seconds a 503 (busy, unavailable) asks a client to wait before retrying.
    retry_after_busy: int = 2
    # Injected clock: tests move time without sleeping.
    clock: Callable[[], dt.datetime] = utc_now
    # Test hook, called inside a push transaction after its versions are assigned and before
    # it commits; lets a test hold a writer open to prove the cursor stays gap-free.
    before_commit: Callable[[], None] | None = None
    # "lock" (the grid row's counter, under its lock) or, for the test that shows why,
    # "sequence" (a plain database sequence, which is not gap-free on PostgreSQL).
    version_allocator: str = "lock"

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        url = database_url or os.environ.get("GRIDSYNC_DB") or default_database_url()
        blobs = os.environ.get("GRIDSYNC_BLOB_DIR")
        workers = int(os.environ.get("GRIDSYNC_WORKERS") or 1)
        return cls(database_url=url, blob_dir=Path(blobs) if blobs else None, workers=workers)

    def resolved_blob_dir(self) -> Path:
        if self.blob_dir is not None:
            return self.blob_dir
        if self.database_url.startswith("sqlite:///") and ":memory:" not in self.database_url:
            db_path = Path(self.database_url.removeprefix("sqlite:///"))
            return db_path.with_name(db_path.stem + "-blobs")
        return default_data_dir() / "blobs"
