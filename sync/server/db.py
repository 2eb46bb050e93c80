"""Engine creation and the two kinds of transaction the service runs.

``write_tx`` serialises writers where the backend needs it (SQLite: ``BEGIN IMMEDIATE``);
``read_tx`` gives one consistent snapshot for a whole pull (PostgreSQL: REPEATABLE READ;
SQLite in WAL mode: a deferred transaction's snapshot).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from sync.sqlite import sqlite_engine

from .settings import Settings

log = logging.getLogger("gridsync")

T = TypeVar("T")

_RETRY_PGCODES = {"40001", "40P01"}  # serialization failure, deadlock detected


class _NoRowData(logging.Filter):
    """SQLAlchemy's DEBUG log prints fetched rows: residents' ID numbers and phones. Drop them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(("Row ", "Col ")))


for _name in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
    logging.getLogger(_name).addFilter(_NoRowData())


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return sqlite_engine(url, **kwargs)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if kwargs.get("poolclass") is None:
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 30)
    kwargs.setdefault("pool_pre_ping", True)
    # No server-side prepared statements: a generic plan for "id IN (…500 ids…)" can turn
    # into a sequential scan as a table grows; a fresh plan per call stays on the index.
    kwargs.setdefault("connect_args", {"prepare_threshold": None})
    # Parameters hold residents' data: never let them into an exception's text or a log.
    return create_engine(url, hide_parameters=True, **kwargs)


def pool_options(settings: Settings) -> dict[str, Any]:
    """The pool of one worker process, within what the database server accepts.

    PostgreSQL refuses connections beyond ``max_connections`` ("too many clients"), and
    ``gridsync serve --workers N`` runs N pools against it. Each process takes at most
    (max_connections - superuser_reserved_connections - db_reserved_connections) / N,
    and never more than db_pool_size + db_max_overflow. SQLite keeps SQLAlchemy's own pool.
    """
    if ":memory:" in settings.database_url or settings.database_url == "sqlite://":
        return {}  # one connection per thread, no queue to time out
    options: dict[str, Any] = {"pool_timeout": settings.db_pool_timeout}
    if not settings.database_url.startswith("postgresql"):
        return options
    size, overflow = settings.db_pool_size, settings.db_max_overflow
    limit = _server_connection_limit(settings.database_url)
    if limit is not None:
        share = max(2, (limit - settings.db_reserved_connections) // max(1, settings.workers))
        if size + overflow > share:
            size = min(size, max(1, share // 2))
            overflow = share - size
    options.update(pool_size=size, max_overflow=overflow)
    return options


def _server_connection_limit(url: str) -> int | None:
    """max_connections minus the connections reserved for superusers, or None if unknown."""
    try:
        probe = make_engine(url, poolclass=NullPool)
        try:
            with probe.connect() as conn:
                total = int(conn.execute(text("SHOW max_connections")).scalar_one())
                reserved = int(
                    conn.execute(text("SHOW superuser_reserved_connections")).scalar_one()
                )
        finally:
            probe.dispose()
    except (DBAPIError, ValueError):
        log.warning("could not read max_connections; using the configured pool size")
        return None
    return total - reserved


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with conn.begin():
            yield conn


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if code in _RETRY_PGCODES:
            return True
        if isinstance(exc, OperationalError) and "database is locked" in str(exc):
            return True
    return False


def retrying(fn: Callable[[], T], attempts: int = 8) -> T:
    """Run a transaction function again after a deadlock or serialisation failure."""
    for attempt in range(attempts):
        try:
            return fn()
        except DBAPIError as exc:
            if attempt == attempts - 1 or not is_retryable(exc):
                raise
            time.sleep(0.01 * (2**attempt))
    raise AssertionError("unreachable")
