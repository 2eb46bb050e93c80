"""SQLite engines as both sides use them: WAL, foreign keys, explicit transaction starts.

A connection with the execution option ``write=True`` begins with ``BEGIN IMMEDIATE``, taking
the write lock up front (concurrent writers queue instead of failing "database is locked" when
upgrading a read lock); any other begins a plain ``BEGIN``, a read snapshot that never blocks a
writer in WAL mode.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event


def sqlite_engine(url: str, **kwargs: Any) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        # Parameters hold residents' data: never let them into an exception's text or a log.
        hide_parameters=True,
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's begin event emits BEGIN itself (pysqlite's own handling would neither
        # take the write lock early nor start read snapshots).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine
