"""Acknowledged outbox entries are pruned once nothing needs them (gridworker.store.pruning):
unsent ones are never touched, acknowledged ones stay for the retention period (the restore
recovery sends them again: tests/client/test_restore.py), a refusal stays while it is shown;
refused values of the server's list are cleared a retention period after being handled."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.store import pruning
from gridworker.store.schema import Outbox, RejectionRecord

DAY = dt.timedelta(days=1)


def _outbox(store: Any) -> list[tuple[int, str, str]]:
    with store.read() as conn:
        return [
            (m.seq, m.status, m.row_id) for m in conn.execute(select(Outbox).order_by(Outbox.seq))
        ]


def _advance(store: Any, delta: dt.timedelta) -> None:
    moment = store.clock() + delta
    store.clock = lambda: moment


def test_old_acknowledged_entries_go_recent_and_unsent_stay(world):
    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    old = [
        ops.create_household(a.store, grid, f"幸福路 {n}号", phone="13912345678") for n in (1, 2)
    ]
    a.syncer.sync()
    assert [s for _, s, _ in _outbox(a.store)] == ["applied", "applied"]

    _advance(a.store, 29 * DAY)
    recent = ops.create_household(a.store, grid, "幸福路 3号")
    a.syncer.sync()  # prunes at its end: nothing is old enough yet
    assert [r for _, _, r in _outbox(a.store)] == [old[0]["id"], old[1]["id"], recent["id"]]

    _advance(a.store, 2 * DAY)
    unsent = ops.create_household(a.store, grid, "幸福路 4号", notes="还没同步的备注")
    a.syncer.sync()
    # The two of 31 days ago are gone; the one of 2 days ago and the new one stay.
    assert [r for _, _, r in _outbox(a.store)] == [recent["id"], unsent["id"]]

    later = ops.create_household(a.store, grid, "幸福路 5号", notes="离线写的")
    _advance(a.store, 40 * DAY)
    assert pruning.prune(a.store).removed == 2
    with a.store.read() as conn:
        (left,) = list(conn.execute(select(Outbox)))
    assert (left.row_id, left.status) == (later["id"], "pending")
    assert left.payload["notes"] == "离线写的"  # untouched
    # The rows themselves are not the outbox's: all still here, and the unsent one is sent.
    assert a.syncer.sync().pushed == 1
    assert {h["id"] for h in queries.search_households(a.store, "幸福路")} == {
        h["id"] for h in (*old, recent, unsent, later)
    }


def test_a_refusal_stays_while_shown_and_its_values_go_after_being_handled(world):
    g1 = world.service.grid("g1")
    worker = world.client("wa", grids=[g1])
    boss = world.client("sup", "supervisor", [g1])
    issue = ops.raise_issue(worker.store, "楼道灯不亮", "facilities", grid_id=g1)
    worker.syncer.sync()
    boss.syncer.sync()
    ops.add_issue_update(boss.store, issue["id"], "resolved", "物业已修好")
    boss.syncer.sync()
    ops.add_issue_update(worker.store, issue["id"], "in_progress", "李秀英家明天联系物业")
    assert worker.syncer.sync().rejected == 1
    boss.syncer.sync()
    (listed,) = queries.rejections(boss.store)

    # Long past the retention, but shown as refused on both laptops: kept whole.
    for laptop in (worker, boss):
        _advance(laptop.store, 45 * DAY)
        pruning.prune(laptop.store)
    ((_, status, _),) = [e for e in _outbox(worker.store) if e[1] == "rejected"]
    assert status == "rejected"
    assert "李秀英" in json.dumps(queries.rejections(boss.store), ensure_ascii=False)

    # Marked handled: the laptop's own entry goes at the next prune (acknowledged long ago);
    # the server's copy keeps its values for the retention period after the mark.
    (own,) = queries.rejections(worker.store)
    ops.mark_rejection_handled(worker.store, own["key"])
    ops.mark_rejection_handled(boss.store, listed["key"])
    pruning.prune(worker.store)
    assert [e for e in _outbox(worker.store) if e[1] == "rejected"] == []
    pruning.prune(boss.store)
    with boss.store.read() as conn:
        (record,) = list(conn.execute(select(RejectionRecord)))
    assert "李秀英" in json.dumps(record.mutation, ensure_ascii=False)
    _advance(boss.store, pruning.HANDLED_RETENTION + DAY)
    assert pruning.prune(boss.store).cleared == 1
    with boss.store.read() as conn:
        (record,) = list(conn.execute(select(RejectionRecord)))
    assert "李秀英" not in json.dumps(record.mutation, ensure_ascii=False)
    assert record.mutation["op"] == "create" and "comment" in record.mutation["fields"]
    assert record.code == "invalid_transition"
