"""A supervisor settles refused changes of their grids: made again from their laptop, or
marked handled (冲突与被拒)."""

from __future__ import annotations

import pytest

from gridworker.domain import operations as ops
from gridworker.domain import queries
from sync.protocol.errors import ValidationError
from sync.server import admin


def test_a_refused_edit_of_a_moved_household_is_made_again_by_the_supervisor(world):
    g1, g2 = world.service.grid("g1"), world.service.grid("g2")
    worker = world.client("wa", grids=[g1])
    boss = world.client("sup", "supervisor", [g1, g2])
    hh = ops.create_household(worker.store, g1, "朐阳小区 1号楼 1单元 101室")
    worker.syncer.sync()
    ops.update_household(worker.store, hh["id"], phone="13800138000", notes="离线时写的备注")
    admin.move_household(world.service.engine, world.service.settings, hh["id"], g2)
    assert worker.syncer.sync().rejected == 1

    boss.syncer.sync()
    (refused,) = [r for r in queries.rejections(boss.store) if r["row_id"] == hh["id"]]
    # Recorded under the grid the household is in now: its supervisors are the ones to act.
    assert (refused["code"], refused["op"], refused["grid_id"]) == ("out_of_scope", "update", g2)
    assert set(refused["payload"]) == {"phone", "notes"}

    ops.apply_rejection_again(boss.store, refused)
    assert queries.rejections(boss.store) == []  # handled by making it again
    assert refused["key"] in {
        r["key"] for r in queries.rejections(boss.store, include_handled=True)
    }
    assert boss.syncer.sync().rejected == 0
    other = world.client("wb", grids=[g2])
    other.syncer.sync()
    moved = queries.household_detail(other.store, hh["id"])
    assert (moved["grid_id"], moved["phone"], moved["notes"]) == (
        g2,
        "13800138000",
        "离线时写的备注",
    )


def test_a_refused_transition_is_marked_handled_and_cannot_be_made_again_blindly(world):
    g1 = world.service.grid("g1")
    worker = world.client("wa", grids=[g1])
    boss = world.client("sup", "supervisor", [g1])
    issue = ops.raise_issue(worker.store, "楼道灯不亮", "facilities", grid_id=g1)
    worker.syncer.sync()
    boss.syncer.sync()
    ops.add_issue_update(boss.store, issue["id"], "resolved", "物业已修好")
    boss.syncer.sync()
    ops.add_issue_update(worker.store, issue["id"], "in_progress", "明天联系物业")
    assert worker.syncer.sync().rejected == 1

    boss.syncer.sync()
    (refused,) = queries.rejections(boss.store)
    assert (refused["entity"], refused["code"]) == ("issue_updates", "invalid_transition")
    assert "已解决" in refused["message"]  # the statuses named in Chinese
    with pytest.raises(ValidationError):
        ops.apply_rejection_again(boss.store, refused)
    ops.mark_rejection_handled(boss.store, refused["key"])
    assert queries.rejections(boss.store) == []
    # The worker's own list keeps it until they mark it handled themselves.
    assert [r["code"] for r in queries.rejections(worker.store)] == ["invalid_transition"]
