"""Overload answers 503 with Retry-After, never 500; an unexpected error logs its type only
(issue 9, point 6).
"""

from __future__ import annotations

import logging
import uuid

import pytest
import requests
from sqlalchemy import text

from sync.server import directory
from sync.server.db import make_engine, pool_options
from sync.server.settings import Settings

from .harness import HEADERS, Service
from .live import LiveServer


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def assert_503(response, code: str) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert int(response.headers["Retry-After"]) > 0


def test_an_exhausted_pool_is_503_busy(engine, tmp_path, clock):
    tiny = make_engine(url_of(engine), pool_size=1, max_overflow=0, pool_timeout=0.1)
    try:
        service = Service(tiny, tmp_path, clock)
        service.grid("grid-a")
        service.user("worker-a", "worker", ["grid-a"])
        device = service.login("worker-a")
        held = tiny.connect()  # the pool's only connection
        try:
            held.execute(text("SELECT 1"))
            assert_503(device.request("GET", "/me"), "busy")
            pull = device.request("POST", "/sync/pull", json={"cursors": {"grid-a": 0}})
            assert_503(pull, "busy")
        finally:
            held.close()
        assert device.request("GET", "/me").status_code == 200
    finally:
        tiny.dispose()


def test_an_unreachable_database_is_503_unavailable(service, worker, grid_a):
    # Nothing listens on port 1: "connection refused", as for "too many clients".
    service.app.state.engine = make_engine(
        "postgresql://postgres@127.0.0.1:1/gridsync", pool_timeout=1
    )
    try:
        assert_503(worker.request("GET", "/me"), "unavailable")
        r = service.http.post(
            "/api/v1/auth/login",
            json={
                "username": "worker-a",
                "password": "x" * 10,
                "device_id": str(uuid.uuid4()),
            },
            headers=HEADERS,
        )
        assert_503(r, "unavailable")
    finally:
        service.app.state.engine.dispose()
        service.app.state.engine = service.engine


def test_pools_fit_the_servers_connection_limit(pg_engine):
    url = url_of(pg_engine)
    with pg_engine.connect() as conn:
        limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
        limit -= int(conn.execute(text("SHOW superuser_reserved_connections")).scalar_one())
    for workers in (1, 2, 4, 8):
        settings = Settings(database_url=url, workers=workers)
        options = pool_options(settings)
        per_worker = options["pool_size"] + options["max_overflow"]
        assert per_worker * workers <= limit - settings.db_reserved_connections, (workers, options)
        assert per_worker <= settings.db_pool_size + settings.db_max_overflow
        assert options["pool_timeout"] == settings.db_pool_timeout
    # Two workers with the defaults (20 + 30 each) would have exceeded 100 connections.
    assert pool_options(Settings(database_url=url, workers=2))["max_overflow"] < 30


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def server_log():
    """Every log line of uvicorn and the service, tracebacks included."""
    handler = Records()
    loggers = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "gridsync", "")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


SECRET = "110105194912310021"


def test_an_unexpected_error_logs_its_type_only(
    service, worker, grid_a, monkeypatch, server_log, capfd
):
    def broken(*_args, **_kwargs):
        raise RuntimeError(f"居民 {SECRET} 的数据")

    monkeypatch.setattr(directory, "list_people", broken)
    with LiveServer(service.app) as live:
        r = requests.get(live.url + "/api/v1/people", headers=worker.headers, timeout=30)
        assert r.status_code == 500
        assert r.json()["error"]["code"] == "internal_error"
        assert SECRET not in r.text
        # The server goes on.
        assert requests.get(live.url + "/api/v1/me", headers=worker.headers).status_code == 200
    out, err = capfd.readouterr()
    logged = "\n".join(server_log.lines)
    assert "RuntimeError" in logged
    for text_ in (logged, out, err):
        assert SECRET not in text_
        assert "Traceback" not in text_


def test_a_sqlite_write_lock_held_too_long_is_503_busy(tmp_path, clock):
    import sqlite3

    from sqlalchemy import event

    from sync.server.migrate import upgrade

    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 100")  # not 30 s

    upgrade(engine)
    try:
        service = Service(engine, tmp_path, clock)
        service.grid("grid-a")
        service.user("worker-a", "worker", ["grid-a"])
        device = service.login("worker-a")
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            body = {"device_id": device.device_id, "mutations": []}
            assert_503(device.request("POST", "/sync/push", json=body), "busy")
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert device.request("POST", "/sync/push", json=body).status_code == 200
    finally:
        engine.dispose()


def test_worker_processes_learn_their_number_from_the_environment(monkeypatch):
    monkeypatch.setenv("GRIDSYNC_WORKERS", "3")
    assert Settings.from_env("sqlite:///x.db").workers == 3
