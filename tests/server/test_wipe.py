"""``gridsync revoke-device DEVICE_ID --wipe`` on SQLite and PostgreSQL: the device's next
request, or its next login, is refused with 403 ``device_revoked`` and ``details.wipe`` true;
the first delivery is on the device and in the audit trail. A plain revoke says no wipe."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from sqlalchemy import select

from sync.server.cli import main
from sync.server.models import AuditEvent, Device

from .harness import HEADERS, PASSWORD


@pytest.fixture
def db(service) -> str:
    return service.engine.url.render_as_string(hide_password=False)


def gridsync(db: str, *args: str) -> int:
    old = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        return main(["--db", db, *args])
    finally:
        sys.stdin = old


def device_row(engine: Any, device_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(Device.__table__).where(Device.id == device_id)).one()


def events(engine: Any, action: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEvent.__table__).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).mappings()
        return [dict(r) for r in rows]


def login(service: Any, username: str, device_id: str) -> Any:
    body = {
        "username": username,
        "password": PASSWORD,
        "device_id": device_id,
        "device_name": "test",
    }
    return service.http.post("/api/v1/auth/login", json=body, headers=HEADERS)


def test_wipe_is_told_at_the_next_request_and_recorded_once(db, service, worker, clock, capsys):
    assert gridsync(db, "revoke-device", worker.device_id.upper(), "--wipe") == 0
    assert "wipe ordered" in capsys.readouterr().out
    row = device_row(service.engine, worker.device_id)
    assert row.revoked_at is not None and row.wipe_requested_at is not None
    assert row.wipe_delivered_at is None
    assert events(service.engine, "wipe_delivered") == []

    clock.advance(minutes=5)
    response = worker.request("POST", "/sync/pull", json={"cursors": {}})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "device_revoked"
    assert error["details"] == {"wipe": True}
    delivered = device_row(service.engine, worker.device_id).wipe_delivered_at
    assert delivered == clock.now
    [event] = events(service.engine, "wipe_delivered")
    assert (event["actor"], event["target"], event["device_id"]) == (
        "worker-a",
        worker.device_id,
        worker.device_id,
    )
    assert event["at"] == clock.now

    # Asked again (a laptop that could not finish its wipe): told again, recorded once.
    clock.advance(minutes=5)
    again = worker.request("GET", "/me")
    assert again.status_code == 403 and again.json()["error"]["details"] == {"wipe": True}
    assert len(events(service.engine, "wipe_delivered")) == 1
    assert device_row(service.engine, worker.device_id).wipe_delivered_at == delivered
    # The command itself is in the trail, with its wipe.
    [revoke] = events(service.engine, "revoke_device")
    assert (revoke["actor"], revoke["target"], revoke["detail"]) == (
        "cli",
        worker.device_id,
        "wipe=yes",
    )


def test_wipe_is_told_at_a_login_from_the_device(db, service, worker):
    assert gridsync(db, "revoke-device", worker.device_id, "--wipe") == 0
    response = login(service, "worker-a", worker.device_id)
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "device_revoked",
        "message": response.json()["error"]["message"],
        "details": {"wipe": True},
    }
    [event] = events(service.engine, "wipe_delivered")
    assert event["device_id"] == worker.device_id and event["actor"] == "worker-a"
    assert device_row(service.engine, worker.device_id).wipe_delivered_at is not None
    # The refused login is in the trail as before.
    refused = [e for e in events(service.engine, "login_failed") if e["target"] == worker.device_id]
    assert refused and refused[-1]["detail"] == "reason=device_revoked"


def test_plain_revoke_locks_without_a_wipe(db, service, worker):
    assert gridsync(db, "revoke-device", worker.device_id) == 0
    row = device_row(service.engine, worker.device_id)
    assert row.revoked_at is not None and row.wipe_requested_at is None
    response = worker.request("POST", "/sync/pull", json={"cursors": {}})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "device_revoked"
    assert response.json()["error"]["details"] == {}
    refused_login = login(service, "worker-a", worker.device_id)
    assert refused_login.status_code == 403
    assert refused_login.json()["error"]["details"] == {}
    assert events(service.engine, "wipe_delivered") == []
    assert device_row(service.engine, worker.device_id).wipe_delivered_at is None


def test_a_wipe_asked_after_a_plain_revoke_is_told(db, service, worker, worker2):
    assert gridsync(db, "revoke-device", worker.device_id) == 0
    assert gridsync(db, "revoke-device", worker.device_id, "--wipe") == 0
    response = worker.request("GET", "/me")
    assert response.json()["error"]["details"] == {"wipe": True}
    # Another device of the grid is not concerned.
    assert worker2.request("GET", "/me").status_code == 200
    assert [e["device_id"] for e in events(service.engine, "wipe_delivered")] == [worker.device_id]
