"""The audit trail on SQLite and PostgreSQL: an entry for each recorded action, the listing
(``gridsync audit`` and ``GET /api/v1/admin/audit``, admins only), laptop reports counted
once, and no personal data in it."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sync.server import audit
from sync.server.cli import main
from sync.server.db import make_engine
from sync.server.models import AuditEvent
from tests.ledger.helpers import id_number

from .harness import HEADERS, PASSWORD, household, resident

RESIDENT = id_number("32070619800101123")
MOBILE = "13912345678"
LANDLINE = "0518-85201234"
RESIDENT_NAME = "韩梓涵"
ADDRESS = "海州区 朐阳小区 9号楼 3单元 702室"
RESIDENT_VALUES = (RESIDENT, MOBILE, LANDLINE, "85201234", RESIDENT_NAME, ADDRESS, "朐阳小区")


@pytest.fixture
def db(service) -> str:
    return service.engine.url.render_as_string(hide_password=False)


def gridsync(db: str, *args: str, stdin: str = "") -> int:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(["--db", db, *args])
    finally:
        sys.stdin = old


def trail(engine: Any, logins: bool = False) -> list[dict[str, Any]]:
    """The stored events in order (the fixtures' logins left out unless asked for)."""
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).mappings()
        events = [dict(r) for r in rows]
    return [e for e in events if logins or not e["action"].startswith("login")]


def actions(engine: Any) -> list[tuple[Any, ...]]:
    return [(e["actor"], e["action"], e["target"], e["rows"]) for e in trail(engine)]


def assert_no_personal_data(engine: Any) -> None:
    """Every stored value of every event, searched for the residents' data of the tests."""
    for event in trail(engine, logins=True):
        text = " ".join(str(v) for v in event.values())
        assert not [v for v in RESIDENT_VALUES if v in text], event
        assert PASSWORD not in text


@pytest.fixture
def home(worker, grid_a) -> dict[str, Any]:
    """A household of grid A with a resident who has an ID number and phones."""
    flat = household(grid_a, address=ADDRESS, phone=LANDLINE)
    person = resident(flat["id"], name=RESIDENT_NAME, id_number=RESIDENT, phone=MOBILE)
    assert [r["status"] for r in worker.push(flat, person)] == ["applied", "applied"]
    return flat


def test_every_admin_command_of_the_cli_is_recorded(db, service, worker, home, capsys, tmp_path):
    before = len(trail(service.engine))
    assert gridsync(db, "init-db") == 0
    assert gridsync(db, "create-grid", "grid-c", "--name", "新网格") == 0
    user = ("create-user", "li", "--role", "supervisor", "--password-stdin")
    assert gridsync(db, *user, stdin="s3cret-pass-9\n") == 0
    assert gridsync(db, "assign", "li", "grid-a", "grid-c") == 0
    assert gridsync(db, "unassign", "li", "grid-c") == 0
    assert gridsync(db, "move-household", home["id"], "grid-c") == 0
    assert gridsync(db, "revoke-device", worker.device_id.upper()) == 0
    # A command that fails is not an act: nothing recorded.
    assert gridsync(db, "create-grid", "grid-c", "--name", "again") == 1
    capsys.readouterr()
    events = trail(service.engine)[before:]
    assert [(e["actor"], e["action"], e["target"]) for e in events] == [
        ("cli", "init_db", None),
        ("cli", "create_grid", "grid-c"),
        ("cli", "create_user", "li"),
        ("cli", "assign", "li"),
        ("cli", "unassign", "li"),
        ("cli", "move_household", "grid-c"),
        ("cli", "revoke_device", worker.device_id),
    ]
    details = [e["detail"] for e in events]
    assert details[2] == "role=supervisor"
    assert details[3] == "grids=grid-a,grid-c" and details[4] == "grids=grid-c"
    assert details[5] == f"household={home['id']}"
    now = dt.datetime.now(dt.UTC)
    for e in events:
        assert e["actor_id"] is None and e["source"] is None
        assert abs((e["at"] - now).total_seconds()) < 120
    assert_no_personal_data(service.engine)


@pytest.mark.parametrize("command", ["seed-demo", "backup", "restore"])
def test_seed_backup_and_restore_are_recorded(service, tmp_path, command):
    # Run for real elsewhere (test_cli, the backup tests); here what their success records.
    args = argparse.Namespace(command=command, size="demo", file=tmp_path / "gridsync.bak")
    assert audit.record_command(service.engine, args, 0) == 0
    assert audit.record_command(service.engine, args, 1) == 1  # failed: not recorded
    (event,) = trail(service.engine)
    action = command.replace("-", "_")
    expected = "size=demo" if command == "seed-demo" else None
    target = None if command == "seed-demo" else "gridsync.bak"
    assert (event["actor"], event["action"], event["target"], event["detail"]) == (
        "cli",
        action,
        target,
        expected,
    )


def test_a_real_backup_is_recorded(tmp_path, capsys):
    # SQLite only: pg_dump's run is the backup tests' business; the record is the same.
    db = f"sqlite:///{tmp_path / 'gridsync.db'}"
    assert gridsync(db, "init-db") == 0
    assert gridsync(db, "backup", str(tmp_path / "gridsync.bak")) == 0
    capsys.readouterr()
    engine = make_engine(db)
    try:
        assert [a[:3] for a in actions(engine)] == [
            ("cli", "init_db", None),
            ("cli", "backup", "gridsync.bak"),
        ]
    finally:
        engine.dispose()


def test_ledger_exports_and_imports_by_the_cli(db, service, home, grid_a, tmp_path, capsys):
    out = tmp_path / "居民台账.csv"
    args = ("export", "residents", "--grid", grid_a, "--out", str(out))
    assert gridsync(db, *args, "--from", "2026-11-01", "--to", "2026-11-30") == 0
    assert gridsync(db, "create-grid", "grid-new", "--name", "新网格") == 0
    # A preview writes nothing and is not an import.
    assert gridsync(db, "import-households", str(out), "--grid", "grid-new") == 0
    assert gridsync(db, "import-households", str(out), "--grid", "grid-new", "--commit") == 0
    # Again: nothing new, still an import that was run.
    assert gridsync(db, "import-households", str(out), "--grid", "grid-new", "--commit") == 0
    capsys.readouterr()
    assert actions(service.engine) == [
        ("cli", "ledger_export", grid_a, 1),
        ("cli", "create_grid", "grid-new", None),
        ("cli", "ledger_import", "grid-new", 2),
        ("cli", "ledger_import", "grid-new", 0),
    ]
    events = trail(service.engine)
    assert events[0]["detail"] == "entity=residents format=csv from=2026-11-01 to=2026-11-30"
    assert events[2]["detail"] == "households=1 residents=1"
    assert events[3]["detail"] == "households=0 residents=0"
    assert_no_personal_data(service.engine)


def _admin(service):
    service.user("boss", "admin")
    return service.login("boss")


def test_admin_endpoints_and_device_revocations_are_recorded(service, grid_a, worker, home):
    boss = _admin(service)
    before = len(trail(service.engine))
    grid = {"id": "grid-h", "name": "河东网格"}
    assert boss.request("POST", "/admin/grids", json=grid).status_code == 201
    user = {"username": "zhao", "role": "worker", "password": "pass-word-2026"}
    assert boss.request("POST", "/admin/users", json=user).status_code == 201
    ids = {"grid_ids": ["grid-h", "grid-a"]}
    assert boss.request("POST", "/admin/users/zhao/grids", json=ids).status_code == 200
    ids = {"grid_ids": ["grid-h"]}
    assert boss.request("DELETE", "/admin/users/zhao/grids", json=ids).status_code == 200
    moved = boss.request("POST", f"/admin/households/{home['id']}/move", json={"grid_id": "grid-h"})
    assert moved.status_code == 200
    revoke = boss.request("POST", f"/admin/devices/{worker.device_id}/revoke")
    assert revoke.status_code == 204
    # Refused: not recorded.
    assert boss.request("POST", "/admin/grids", json=grid).status_code == 409
    events = trail(service.engine)[before:]
    assert [(e["actor"], e["action"], e["target"], e["rows"]) for e in events] == [
        ("boss", "create_grid", "grid-h", None),
        ("boss", "create_user", "zhao", None),
        ("boss", "assign", "zhao", None),
        ("boss", "unassign", "zhao", None),
        ("boss", "move_household", "grid-h", 2),
        ("boss", "revoke_device", worker.device_id, None),
    ]
    for e in events:
        assert (e["actor_id"], e["device_id"]) == (boss.user["id"], boss.device_id)
        assert e["source"] == "testclient"
        assert e["at"] == service.clock()
    assert_no_personal_data(service.engine)


def test_logins_succeeded_and_failed(service, grid_a):
    service.user("wa", "worker", [grid_a])
    device = service.login("wa")
    wrong = {"username": "wa", "password": "wrong", "device_id": str(uuid.uuid4())}
    assert service.http.post("/api/v1/auth/login", json=wrong, headers=HEADERS).status_code == 401
    # Someone types a resident's ID number as the username: kept redacted.
    stranger = {"username": RESIDENT, "password": MOBILE, "device_id": str(uuid.uuid4())}
    response = service.http.post("/api/v1/auth/login", json=stranger, headers=HEADERS)
    assert response.status_code == 401
    events = trail(service.engine, logins=True)
    assert [(e["actor"], e["action"]) for e in events] == [
        ("wa", "login"),
        ("wa", "login_failed"),
        ("[身份证号]", "login_failed"),
    ]
    assert events[0]["device_id"] == device.device_id
    assert events[0]["actor_id"] == device.user["id"]
    assert events[1]["detail"] == "reason=invalid_credentials"
    assert all(e["source"] == "testclient" for e in events)
    assert_no_personal_data(service.engine)


def _event(**values: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "action": "ledger_export",
        "at": "2026-11-19T09:30:00+08:00",
        "grid_id": "grid-a",
        "rows": 120,
        "detail": {"entity": "residents", "format": "xlsx"},
        **values,
    }


def test_laptops_report_exports_and_imports_once(service, supervisor, grid_a):
    export = _event()
    everything = _event(grid_id=None, detail={"entity": "visits", "from": "2026-11-01"})
    imported = _event(
        action="ledger_import",
        rows=7,
        detail={"households": 3, "residents": 4},
        at="2026-11-20T01:00:00Z",
    )
    sent = {"events": [export, everything, imported]}
    first = supervisor.request("POST", "/audit", json=sent)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": [export["id"], everything["id"], imported["id"]]}
    # The answer was lost: the laptop sends the same again, with one more.
    later = _event(rows=5)
    again = supervisor.request("POST", "/audit", json={"events": [imported, export, later]})
    assert again.json()["accepted"] == [imported["id"], export["id"], later["id"]]
    events = trail(service.engine)
    assert [(e["actor"], e["action"], e["target"], e["rows"]) for e in events] == [
        ("super", "ledger_export", "grid-a", 120),
        ("super", "ledger_export", "*", 120),
        ("super", "ledger_import", "grid-a", 7),
        ("super", "ledger_export", "grid-a", 5),
    ]
    assert events[0]["at"] == dt.datetime(2026, 11, 19, 1, 30, tzinfo=dt.UTC)
    assert events[0]["recorded_at"] == service.clock()
    assert events[0]["detail"] == "via=laptop entity=residents format=xlsx"
    assert events[1]["detail"] == "via=laptop entity=visits from=2026-11-01"
    assert events[2]["detail"] == "via=laptop households=3 residents=4"
    assert {e["device_id"] for e in events} == {supervisor.device_id}
    assert {e["event_id"] for e in events} == {
        export["id"],
        everything["id"],
        imported["id"],
        later["id"],
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"events": [_event(detail={"name": RESIDENT_NAME})]},  # free text: refused
        {"events": [_event(action="login")]},  # only what a laptop does with its copy
        {"events": [_event(at="2026-11-19T09:30:00")]},  # no zone
        {"events": [_event(grid_id=RESIDENT_NAME)]},
        {"events": [_event(rows=-1)]},
        {"events": [_event() for _ in range(101)]},  # bounded
        {"events": [{**_event(), "note": MOBILE}]},
        [],
    ],
)
def test_a_bad_report_is_refused_and_nothing_is_recorded(service, worker, bad):
    response = worker.request("POST", "/audit", json=bad)
    assert response.status_code == 422, response.text
    assert trail(service.engine) == []


def test_a_report_needs_a_login_and_a_small_body(service, worker):
    response = service.http.post("/api/v1/audit", json={"events": [_event()]}, headers=HEADERS)
    assert response.status_code == 401
    big = {"events": [_event(detail={"entity": "residents" + " " * 70_000})]}
    assert worker.request("POST", "/audit", json=big).status_code == 413
    assert trail(service.engine) == []


def test_the_trail_is_listed_to_admins_only(service, worker, grid_a):
    boss = _admin(service)
    assert boss.request("POST", "/admin/grids", json={"id": "g-x", "name": "X"}).status_code == 201
    assert worker.request("POST", "/audit", json={"events": [_event()]}).status_code == 200
    assert worker.request("GET", "/admin/audit").status_code == 403
    assert service.http.get("/api/v1/admin/audit", headers=HEADERS).status_code == 401

    listed = boss.request("GET", "/admin/audit")
    assert listed.status_code == 200
    events = [e for e in listed.json()["events"] if not e["action"].startswith("login")]
    # Oldest first: the laptop's export (19 Nov) before the admin's act (the service's clock).
    assert [(e["actor"], e["action"], e["target"]) for e in events] == [
        ("worker-a", "ledger_export", "grid-a"),
        ("boss", "create_grid", "g-x"),
    ]
    by_user = boss.request("GET", "/admin/audit?user=boss&action=create_grid").json()["events"]
    assert [(e["actor"], e["action"], e["target"]) for e in by_user] == [
        ("boss", "create_grid", "g-x")
    ]
    # Local dates, inclusive: the laptop's export was on the 19th in Shanghai.
    day = boss.request("GET", "/admin/audit?from=2026-11-19&to=2026-11-19").json()["events"]
    assert [(e["actor"], e["action"]) for e in day] == [("worker-a", "ledger_export")]
    assert boss.request("GET", "/admin/audit?from=2026-13-01").status_code == 422


def test_gridsync_audit_lists_with_filters(db, service, tmp_path, capsys):
    at = dt.datetime(2026, 11, 19, 16, 30, tzinfo=dt.UTC)  # 20 Nov 00:30 in Shanghai
    audit.record(
        service.engine,
        audit.Actor("boss", source="10.0.0.8"),
        "create_grid",
        at=at,
        target="grid-x",
    )
    audit.record(
        service.engine,
        audit.CLI,
        "ledger_export",
        at=at - dt.timedelta(hours=1),
        target="grid-x",
        rows=1234,
        detail={"entity": "visits", "format": "csv"},
    )
    audit.record(service.engine, audit.Actor("wang"), "login_failed", at=at + dt.timedelta(days=3))
    capsys.readouterr()

    assert gridsync(db, "audit") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["时间", "操作人", "操作", "对象", "行数", "来源", "说明"]
    assert lines[1].split() == [
        "2026-11-19",
        "23:30:00",
        "cli",
        "导出台账",
        "grid-x",
        "1234",
        "entity=visits",
        "format=csv",
    ]
    assert lines[2].split() == ["2026-11-20", "00:30:00", "boss", "新建网格", "grid-x", "10.0.0.8"]
    assert lines[3].split() == ["2026-11-23", "00:30:00", "wang", "登录失败"]
    assert lines[-1] == "共 3 条"

    assert gridsync(db, "audit", "--from", "2026-11-20", "--to", "2026-11-20") == 0
    assert [line.split()[2] for line in capsys.readouterr().out.splitlines()[1:-1]] == ["boss"]
    assert gridsync(db, "audit", "--user", "cli") == 0
    assert [line.split()[3] for line in capsys.readouterr().out.splitlines()[1:-1]] == ["导出台账"]
    assert gridsync(db, "audit", "--action", "login_failed", "--from", "2026-11-21") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "共 1 条"
    assert gridsync(db, "audit", "--user", "nobody") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "共 0 条"
    with pytest.raises(SystemExit):
        gridsync(db, "audit", "--action", "dance")


def test_texts_are_redacted_and_bounded_before_they_are_stored(service):
    audit.record(
        service.engine,
        audit.Actor(f"{RESIDENT}{'x' * 100}"),
        "create_user",
        target=f"{MOBILE} {LANDLINE}",
        detail={"note": "y" * 600},
    )
    (event,) = trail(service.engine)
    assert event["actor"].startswith("[身份证号]") and len(event["actor"]) == 64
    assert event["target"] == "[电话] [电话]"
    assert len(event["detail"]) == 500
    with pytest.raises(ValueError):
        audit.record(service.engine, audit.CLI, "delete_everything")


def test_ledger_source_paths_are_not_recorded(db, service, home, grid_a, tmp_path, capsys):
    # The output file's name may well name a person (张伟家.csv): only the format is kept.
    out = Path(tmp_path) / f"{RESIDENT_NAME}.csv"
    assert gridsync(db, "export", "households", "--grid", grid_a, "--out", str(out)) == 0
    capsys.readouterr()
    (event,) = trail(service.engine)
    assert event["detail"] == "entity=households format=csv"
    assert_no_personal_data(service.engine)
