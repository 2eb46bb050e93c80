"""Refused and conflicting values stay only until handled plus the retention period
(sync.server.retention), on SQLite and PostgreSQL: the purge, its schedule at the service's
start, ``gridsync purge`` (recorded in the audit trail), the setting."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sync.server.cli import main
from sync.server.models import AuditEvent, Conflict, Rejection
from sync.server.retention import purge
from sync.server.settings import Settings

from .harness import Service, delete, household, resident, update

NAME = "李秀英"
PHONE = "13912345678"
NOTE = "独居老人，每周三复查血压"
DAYS = dt.timedelta(days=30)


def _rejection_rows(engine: Engine) -> dict[int, Any]:
    with engine.connect() as conn:
        return {r.id: r for r in conn.execute(select(Rejection))}


def _conflict_rows(engine: Engine) -> dict[int, Any]:
    with engine.connect() as conn:
        return {r.id: r for r in conn.execute(select(Conflict))}


def _text(row: Any) -> str:
    return json.dumps([str(v) for v in row], ensure_ascii=False)


def _refused(worker: Any, grid_id: str) -> int:
    """A refused household create carrying a name and a note (its phone is invalid)."""
    result = worker.push_one(household(grid_id, head_name=NAME, notes=NOTE, phone="12"))
    assert result["status"] == "rejected"
    return max(r["id"] for r in worker.request("GET", "/rejections").json()["rejections"])


def _conflicting(worker: Any, worker2: Any, grid_id: str) -> tuple[str, int]:
    """Two workers change a household's note: a conflict keeping both notes."""
    hh = household(grid_id, notes="原备注")
    worker.push_one(hh)
    worker.push_one(update("households", hh["id"], notes=("原备注", NOTE)))
    result = worker2.push_one(update("households", hh["id"], notes=("原备注", f"{NAME}已搬走")))
    assert result["status"] == "conflict"
    return hh["id"], max(_conflict_rows(worker.service.engine))


def test_values_are_cleared_only_after_handled_plus_the_period(
    service, clock, worker, worker2, grid_a, engine
):
    handled = _refused(worker, grid_a)
    shown = _refused(worker, grid_a)
    _, settled = _conflicting(worker, worker2, grid_a)
    _, still_open = _conflicting(worker, worker2, grid_a)
    assert worker.request("POST", f"/rejections/{handled}/handle").status_code == 200
    assert worker2.request("POST", f"/conflicts/{settled}/settle").status_code == 200

    # Handled, but not long ago: everything kept.
    clock.advance(days=29)
    assert purge(engine, DAYS, clock()).total == 0
    assert NAME in _text(_rejection_rows(engine)[handled])
    assert NOTE in _text(_conflict_rows(engine)[settled])

    clock.advance(days=2)
    done = purge(engine, DAYS, clock())
    assert (done.rejections, done.conflicts) == (1, 1)
    rejections, conflicts = _rejection_rows(engine), _conflict_rows(engine)
    cleared = rejections[handled]
    assert NAME not in _text(cleared) and NOTE not in _text(cleared)
    # The entry stays: who, when, what kind of change, which code; the field names only.
    assert cleared.code == rejections[shown].code and cleared.message
    assert cleared.user_id == worker.user["id"] and cleared.handled_at is not None
    assert cleared.mutation["op"] == "create" and cleared.mutation["entity"] == "households"
    assert "head_name" in cleared.mutation["fields"]
    assert (conflicts[settled].base, conflicts[settled].theirs, conflicts[settled].ours) == (
        None,
        None,
        None,
    )
    assert conflicts[settled].field == "notes" and conflicts[settled].state == "settled"
    # Not handled: still shown with its values, however old.
    assert NAME in _text(rejections[shown])
    assert NAME in _text(conflicts[still_open])
    # The listing still answers for the cleared ones.
    again = service.login("worker-a")  # the first token has expired meanwhile
    listed = {r["id"]: r for r in again.request("GET", "/rejections").json()["rejections"]}
    assert NAME not in json.dumps(listed[handled], ensure_ascii=False)
    # A second pass finds nothing more to do.
    assert purge(engine, DAYS, clock()).total == 0


def test_values_about_a_deleted_row_go_after_the_period_even_unhandled(
    service, clock, worker, worker2, grid_a, engine
):
    hh = household(grid_a)
    person = resident(hh["id"], name=NAME, phone=PHONE)
    worker.push(hh, person)
    worker.push_one(delete("residents", person["id"]))
    result = worker2.push_one(update("residents", person["id"], notes=(None, NOTE)))
    assert result["status"] == "conflict"
    (conflict_id,) = _conflict_rows(engine)
    assert _conflict_rows(engine)[conflict_id].kind == "deleted"
    clock.advance(days=10)
    assert purge(engine, DAYS, clock()).total == 0
    clock.advance(days=21)
    assert purge(engine, DAYS, clock()).conflicts == 1
    assert NOTE not in _text(_conflict_rows(engine)[conflict_id])


def test_the_service_purges_when_it_starts(engine, tmp_path, clock, grid_a):
    first = Service(engine, tmp_path, clock)
    first.user("w1", "worker", [grid_a])
    worker = first.login("w1")
    refused = _refused(worker, grid_a)
    assert worker.request("POST", f"/rejections/{refused}/handle").status_code == 200
    clock.advance(days=8)
    later = Service(engine, tmp_path, clock, retention_days=7)
    with TestClient(later.app):  # runs the lifespan: the purge at start
        deadline = time.monotonic() + 20
        while NAME in _text(_rejection_rows(engine)[refused]):
            assert time.monotonic() < deadline, "the purge at start did not run"
            time.sleep(0.05)


def test_gridsync_purge_clears_and_is_audited(service, worker, grid_a, engine, monkeypatch, capsys):
    refused = _refused(worker, grid_a)
    assert worker.request("POST", f"/rejections/{refused}/handle").status_code == 200
    db = engine.url.render_as_string(hide_password=False)
    # The command runs on the real clock; the harness's clock stands weeks before it.
    monkeypatch.setenv("GRIDSYNC_RETENTION_DAYS", "100000")
    assert main(["--db", db, "purge"]) == 0
    assert NAME in _text(_rejection_rows(engine)[refused])
    monkeypatch.setenv("GRIDSYNC_RETENTION_DAYS", "1")
    assert main(["--db", db, "purge"]) == 0
    assert "已清除 1 条被拒绝变更" in capsys.readouterr().out
    assert NAME not in _text(_rejection_rows(engine)[refused])
    with engine.connect() as conn:
        events = list(conn.execute(select(AuditEvent).where(AuditEvent.action == "purge")))
    assert [e.actor for e in events] == ["cli", "cli"]
    assert events[-1].detail == "cleared=1"
    assert all(NAME not in _text(e) for e in events)


def test_the_retention_setting():
    assert Settings().retention_days == 30
    assert Settings.load(env={"GRIDSYNC_RETENTION_DAYS": "7"}).retention_days == 7
    assert Settings(retention_days=7).environment()["GRIDSYNC_RETENTION_DAYS"] == "7"
