"""Ledger exports and imports done on a laptop reach the service's audit trail at the next
sync, once each, and carry no personal data (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gridworker.client import audit as laptop_audit
from gridworker.domain import ledgers
from gridworker.domain import operations as ops
from sync.ledger import plan_import, read_table
from sync.server.models import AuditEvent
from tests.ledger.helpers import id_number

RESIDENT = id_number("32070619800101123")
MOBILE = "13912345678"
NAME = "韩梓涵"
ADDRESS = "海州区 朐阳小区 9号楼 3单元 702室"


def trail(world: Any) -> list[dict[str, Any]]:
    """The stored ledger events (the laptops' logins left out)."""
    with world.service.engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).mappings()
        return [dict(r) for r in rows if r["action"].startswith("ledger_")]


def test_exports_and_imports_on_a_laptop_are_reported_at_the_next_sync(world: Any, tmp_path: Path):
    g1 = world.service.grid("G1", "朐阳网格")
    g2 = world.service.grid("G2", "西门网格")
    sup = world.client("sup", "supervisor", grids=[g1, g2])
    home = ops.create_household(sup.store, g1, ADDRESS, phone=MOBILE)
    ops.add_resident(sup.store, home["id"], NAME, id_number=RESIDENT, phone=MOBILE)
    assert sup.syncer.sync().rejected == 0
    assert trail(world) == []

    path = tmp_path / f"{NAME}家.csv"  # a file name may name a person: never reported
    assert ledgers.export_ledger(sup.store, "residents", g1, path) == 1
    plan = plan_import(read_table(path), g2, ledgers.existing_data(sup.store, g2))
    assert ledgers.commit_import(sup.store, plan) == {"households": 1, "residents": 1}
    queued = laptop_audit.queued(sup.store)
    assert [(e["action"], e["grid_id"], e["rows"]) for e in queued] == [
        ("ledger_export", g1, 1),
        ("ledger_import", g2, 2),
    ]
    text = json.dumps(queued, ensure_ascii=False)
    for value in (RESIDENT, MOBILE, NAME, "朐阳小区", str(tmp_path)):
        assert value not in text

    assert sup.syncer.sync().rejected == 0
    assert laptop_audit.queued(sup.store) == []
    events = trail(world)
    assert [(e["actor"], e["action"], e["target"], e["rows"]) for e in events] == [
        ("sup", "ledger_export", g1, 1),
        ("sup", "ledger_import", g2, 2),
    ]
    assert events[0]["detail"] == "via=laptop entity=residents format=csv"
    assert events[1]["detail"] == "via=laptop households=1 residents=1"
    assert {e["device_id"] for e in events} == {sup.store.get_meta("device_id")}
    stored = " ".join(str(v) for e in events for v in e.values())
    for value in (RESIDENT, MOBILE, NAME, "朐阳小区", "家.csv"):
        assert value not in stored

    # Nothing queued: a sync reports nothing more.
    sup.syncer.sync()
    assert len(trail(world)) == 2


def test_a_report_whose_answer_was_lost_is_recorded_once(world: Any, tmp_path: Path):
    g1 = world.service.grid("G1", "朐阳网格")
    worker = world.client("w1", grids=[g1])
    assert ledgers.export_ledger(worker.store, "visits", None, tmp_path / "走访.xlsx") == 0
    (event,) = laptop_audit.queued(worker.store)
    assert event["grid_id"] is None and event["detail"] == {"entity": "visits", "format": "xlsx"}
    assert laptop_audit.send_queued(worker.store, worker.api) == 1
    # The answer never arrived: the laptop still has the event and sends it again.
    with worker.store.write() as conn:
        worker.store.set_meta(conn, laptop_audit.QUEUE_KEY, [event])
    assert laptop_audit.send_queued(worker.store, worker.api) == 1
    assert laptop_audit.queued(worker.store) == []
    assert [(e["actor"], e["action"], e["target"]) for e in trail(world)] == [
        ("w1", "ledger_export", "*")
    ]


def test_the_queue_is_bounded_and_an_invalid_event_does_not_block_it(world: Any, monkeypatch):
    monkeypatch.setattr(laptop_audit, "MAX_QUEUED", 10)
    monkeypatch.setattr(laptop_audit, "BATCH", 4)
    g1 = world.service.grid("G1", "朐阳网格")
    worker = world.client("w1", grids=[g1])
    for n in range(12):
        laptop_audit.queue_event(worker.store, "ledger_export", grid_id=g1, rows=n)
    queued = laptop_audit.queued(worker.store)
    assert [e["rows"] for e in queued] == list(range(2, 12))  # the latest ten
    # An event the service refuses (a damaged queue) is dropped, the others still go.
    queued[1]["detail"] = {"name": NAME}
    with worker.store.write() as conn:
        worker.store.set_meta(conn, laptop_audit.QUEUE_KEY, queued)
    assert laptop_audit.send_queued(worker.store, worker.api) == 9
    assert laptop_audit.queued(worker.store) == []
    assert sorted(e["rows"] for e in trail(world)) == [2, *range(4, 12)]
