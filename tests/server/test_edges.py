"""The service's edges (issue 9, points 3 and 4): no input a client can send gets a 5xx or a
traceback; the conflict and rejection lists are paged, bounded, and survive a poisoned row.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import time
from typing import Any

import pytest
from sqlalchemy import JSON, Text, bindparam, cast, insert

from sync.protocol.wire import uuid7
from sync.server.models import Rejection

from .harness import HEADERS, household, update
from .live import LiveServer

# -- helpers ---------------------------------------------------------------------------------


def assert_4xx(response: Any, status: int | None = None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    assert set(response.json()["error"]) == {"code", "message", "details"}


def make_rejections(device: Any, n: int) -> None:
    """n rejected mutations of grid-a (households with a phone number that is none)."""
    results = device.push(
        *[household("grid-a", phone=f"12{i}", notes=f"备注{i}") for i in range(n)]
    )
    assert [r["status"] for r in results] == ["rejected"] * n


def store_rejection(engine: Any, device: Any, seq: int, mutation_json: str) -> None:
    """A rejection row written straight into the database, its mutation as raw JSON text."""
    raw = bindparam("m", mutation_json, type_=Text)
    value = cast(raw, JSON) if engine.dialect.name == "postgresql" else raw
    with engine.begin() as conn:
        conn.execute(
            insert(Rejection.__table__).values(
                grid_id="grid-a",
                entity="households",
                row_id=uuid7(),
                device_id=device.device_id,
                user_id=device.user["id"],
                seq=seq,
                mutation=value,
                code="not_found",
                message="记录不存在",
                created_at=dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC),
            )
        )


def pages(device: Any, path: str, key: str, limit: int) -> list[list[dict[str, Any]]]:
    out, after = [], 0
    while True:
        r = device.request("GET", path, params={"after_id": after, "limit": limit})
        assert r.status_code == 200, r.text
        body = r.json()
        out.append(body[key])
        if not body["has_more"]:
            return out
        after = body[key][-1]["id"]


# -- strings that reach SQL ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/conflicts", "/rejections"])
@pytest.mark.parametrize("grid_id", ["grid\x00a", "grid-a\x00", "\x00"])
def test_nul_in_a_grid_id_query_is_4xx(supervisor, grid_a, path, grid_id):
    assert_4xx(supervisor.request("GET", path, params={"grid_id": grid_id}))


def test_nul_in_a_path_parameter_is_4xx(service, grid_a):
    service.user("admin", "admin")
    admin = service.login("admin")
    for method, path, body in [
        ("POST", "/admin/users/worker%00a/grids", {"grid_ids": ["grid-a"]}),
        ("DELETE", "/admin/users/worker%00a/grids", {"grid_ids": ["grid-a"]}),
        ("POST", "/admin/devices/dev%00ice/revoke", None),
        ("POST", "/admin/households/hh%00/move", {"grid_id": "grid-a"}),
    ]:
        assert_4xx(admin.request(method, path, json=body))


@pytest.mark.parametrize(
    "body",
    [
        {"id": "grid\x00b", "name": "网格"},
        {"id": "grid-b", "name": "网格\x00"},
        {"id": "grid-b", "name": "网格\ud800"},
    ],
)
def test_nul_or_a_lone_surrogate_in_an_admin_body_is_422(service, grid_a, body):
    service.user("admin", "admin")
    admin = service.login("admin")
    r = admin.request(
        "POST",
        "/admin/grids",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert_4xx(r, 422)


@pytest.mark.parametrize("grid_id", ["grid\x00a", "grid\ud800"])
def test_nul_or_a_lone_surrogate_in_a_pull_is_4xx(service, grid_a, grid_id):
    service.user("admin", "admin")
    admin = service.login("admin")  # holds every grid: the grid id reaches SQL
    body = json.dumps({"cursors": {grid_id: 0}}).encode()
    r = admin.request(
        "POST", "/sync/pull", content=body, headers={"Content-Type": "application/json"}
    )
    assert_4xx(r)


# -- integer query parameters ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/conflicts", "/rejections"])
def test_any_64_bit_after_id_is_accepted_and_larger_is_422(supervisor, worker, grid_a, path):
    make_rejections(worker, 2)
    for after in (2**31 - 1, 2**31, 2**40, 2**63 - 1):
        r = supervisor.request("GET", path, params={"after_id": after})
        assert r.status_code == 200, (after, r.text)
        key = path.strip("/")
        assert r.json()[key] == [] and r.json()["has_more"] is False
    for bad in (2**63, 2**80, -1, "1e3", "x"):
        assert_4xx(supervisor.request("GET", path, params={"after_id": bad}), 422)
    for bad in (0, 501, -5, 2**40):
        assert_4xx(supervisor.request("GET", path, params={"limit": bad}), 422)


# -- paging -----------------------------------------------------------------------------------


def test_rejections_are_paged_in_ascending_id_order(supervisor, worker, grid_a):
    make_rejections(worker, 7)
    got = pages(worker, "/rejections", "rejections", 3)
    assert [len(p) for p in got] == [3, 3, 1]
    ids = [r["id"] for p in got for r in p]
    assert ids == sorted(ids) and len(set(ids)) == 7
    assert [r["seq"] for p in got for r in p] == list(range(1, 8))
    # The default page is 100 rows; after the last id nothing more.
    r = worker.request("GET", "/rejections").json()
    assert len(r["rejections"]) == 7 and r["has_more"] is False
    r = worker.request("GET", "/rejections", params={"after_id": ids[-1]}).json()
    assert r == {"rejections": [], "has_more": False}
    # The supervisor of the grid sees them too, paged the same way.
    assert [x["id"] for p in pages(supervisor, "/rejections", "rejections", 5) for x in p] == ids


def test_conflicts_are_paged_in_ascending_id_order(worker, worker2, supervisor, grid_a):
    homes = [household(grid_a) for _ in range(5)]
    worker.push(*homes)
    worker.push(*[update("households", h["id"], notes=(None, "甲")) for h in homes])
    results = worker2.push(*[update("households", h["id"], notes=(None, "乙")) for h in homes])
    assert [r["status"] for r in results] == ["conflict"] * 5
    got = pages(supervisor, "/conflicts", "conflicts", 2)
    assert [len(p) for p in got] == [2, 2, 1]
    ids = [c["id"] for p in got for c in p]
    assert ids == sorted(ids) and len(set(ids)) == 5
    full = supervisor.request("GET", "/conflicts").json()
    assert [c["id"] for c in full["conflicts"]] == ids and full["has_more"] is False


# -- poisoned and bloated rows ----------------------------------------------------------------


def test_a_stored_row_that_cannot_be_sent_does_not_fail_the_list(engine, supervisor, worker):
    make_rejections(worker, 1)
    deep = "[" * 3000 + "]" * 3000
    store_rejection(engine, worker, 1001, '{"op": "create", "values": {"tags": ' + deep + "}}")
    store_rejection(engine, worker, 1002, '{"op": "create", "values": {"tags": ["\\ud800"]}}')
    store_rejection(engine, worker, 1003, '{"op": "create", "values": {"\\udfff": 1}}')
    deep600 = "[" * 600 + "]" * 600
    store_rejection(engine, worker, 1004, '{"op": "create", "values": {"tags": ' + deep600 + "}}")
    make_rejections(worker, 1)
    for device in (supervisor, worker):
        r = device.request("GET", "/rejections")
        assert r.status_code == 200, r.text
        rows = r.json()["rejections"]
        assert len(rows) == 6
        by_seq = {row["seq"]: row for row in rows}
        for seq in (1001, 1002, 1003, 1004):
            mutation = by_seq[seq]["mutation"]
            assert mutation["unreadable"] and mutation["seq"] == seq and mutation["truncated"]
            assert mutation["entity"] == "households" and mutation["id"] == by_seq[seq]["row_id"]
        assert by_seq[1]["mutation"]["op"] == "create"  # the good rows whole
        assert by_seq[2]["mutation"]["values"]["notes"] == "备注0"


def test_a_page_of_rejections_is_bounded_in_bytes(engine, worker, grid_a):
    note = "长" * 60_000  # about 180 kB of JSON each
    for seq in range(1, 31):
        store_rejection(
            engine,
            worker,
            seq,
            json.dumps({"op": "update", "changes": {"notes": note}}, ensure_ascii=False),
        )
    r = worker.request("GET", "/rejections", params={"limit": 500})
    assert r.status_code == 200
    assert len(r.content) < 5 * 1024 * 1024
    body = r.json()
    assert body["has_more"] is True and 0 < len(body["rejections"]) < 30
    got = pages(worker, "/rejections", "rejections", 500)
    assert sum(len(p) for p in got) == 30


# -- a client hanging up ------------------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.levelname} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(line)


def half_request(port: int, path: str, headers: dict[str, str], start: bytes) -> None:
    """Send the head and the first bytes of a 100 kB body, then hang up."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Content-Length: 100000\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + start + b" " * 2000)
        time.sleep(0.3)


def test_a_client_hanging_up_mid_request_leaves_no_traceback(service, worker, grid_a, capfd):
    records = Records()
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "gridsync")]
    for logger in loggers:
        logger.addHandler(records)
    try:
        with LiveServer(service.app) as live:
            port = live.port
            body = json.dumps(
                {"device_id": worker.device_id, "mutations": [{"seq": 1, **household(grid_a)}]}
            )
            half_request(port, "/api/v1/sync/push", worker.headers, body.encode()[:60])
            half_request(port, "/api/v1/auth/login", HEADERS, b'{"username": "worker-a", ')
            time.sleep(0.5)
            # The next requests work, and the half push changed nothing.
            import requests

            r = requests.post(
                live.url + "/api/v1/sync/pull",
                json={"cursors": {grid_a: 0}},
                headers=worker.headers,
                timeout=30,
            )
            assert r.status_code == 200, r.text
            assert r.json()["last_seq"] == 0 and r.json()["changes"] == []
    finally:
        for logger in loggers:
            logger.removeHandler(records)
    out, err = capfd.readouterr()
    logged = "\n".join(records.lines)
    for text_ in (logged, out, err):
        assert "Traceback" not in text_, text_
        assert "Exception in ASGI application" not in text_, text_
    assert not [line for line in records.lines if line.startswith(("ERROR", "CRITICAL"))]
