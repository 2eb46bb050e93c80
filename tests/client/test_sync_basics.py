"""The client core against the real service: offline writes, sync, convergence, conflicts."""

from __future__ import annotations

from sqlalchemy import select

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.store.schema import ENTITY_TABLES, Outbox
from sync.server import admin


def test_offline_write_then_sync_reaches_a_colleague(world):
    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    b = world.client("wb", grids=[grid])
    hh = ops.create_household(
        a.store, grid, "海州区朐阳小区 3号楼 1单元 201室", head_name="张三", tags=["elderly_alone"]
    )
    # An older resident's number with the former 新浦区 code stays valid.
    ops.add_resident(
        a.store, hh["id"], "张三", id_number="320705195001010014", phone="138 0013 8000"
    )
    ops.log_visit(a.store, hh["id"], "met", notes="老人身体状况良好")
    assert queries.status(a.store)["pending"] == 3
    report = a.syncer.sync()
    assert report.pushed == 3 and report.rejected == 0
    assert queries.status(a.store)["pending"] == 0
    b.syncer.sync()
    found = queries.search_households(b.store, "zs")
    assert [h["id"] for h in found] == [hh["id"]]
    assert queries.search_households(b.store, "zhangsan")[0]["id"] == hh["id"]
    detail = queries.household_detail(b.store, hh["id"])
    assert detail["visits"][0]["notes"] == "老人身体状况良好"
    assert detail["visit_interval_days"] == 7


def test_same_field_conflict_is_listed_and_keep_theirs_resolves(world):
    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    b = world.client("wb", grids=[grid])
    hh = ops.create_household(a.store, grid, "西门路 56号", phone="13800138000")
    a.syncer.sync()
    b.syncer.sync()
    ops.update_household(a.store, hh["id"], phone="13900139000")
    ops.update_household(b.store, hh["id"], phone="13700137000")
    a.syncer.sync()
    report = b.syncer.sync()
    assert report.conflicts == 1
    conflicts = queries.conflicts(b.store)
    assert len(conflicts) == 1
    assert (conflicts[0]["theirs"], conflicts[0]["ours"]) == ("13900139000", "13700137000")
    ops.resolve_conflict(b.store, conflicts[0]["id"], "theirs")
    b.syncer.sync()
    a.syncer.sync()
    assert queries.household_detail(a.store, hh["id"])["phone"] == "13900139000"
    assert queries.household_detail(b.store, hh["id"])["phone"] == "13900139000"
    assert queries.conflicts(b.store) == []


def test_concurrent_transitions_are_judged_in_arrival_order(world):
    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    sup = world.client("sup", "supervisor", grids=[grid])
    it = ops.raise_issue(a.store, "68号楼下井盖破损", "facilities", grid_id=grid)
    a.syncer.sync()
    sup.syncer.sync()
    ops.add_issue_update(sup.store, it["id"], "resolved", "已更换井盖")
    ops.add_issue_update(a.store, it["id"], "escalated", "上报12345")  # a's view: still open
    a.syncer.sync()
    sup.syncer.sync()
    a.syncer.sync()
    # Both transitions were allowed from the status each saw; the server judged in order.
    # The worker's escalation arrived first (open → escalated), then the supervisor's
    # resolution (escalated → resolved): both laptops end on the server's status.
    statuses = {queries.issue_detail(s.store, it["id"])["status"] for s in (a, sup)}
    assert statuses == {"resolved"}


def test_transition_rejected_by_the_server_is_undone_locally(world):
    grid = world.service.grid("g1")
    sup = world.client("sup", "supervisor", grids=[grid])
    a = world.client("wa", grids=[grid])
    it = ops.raise_issue(a.store, "西门路商户需要防汛沙袋", "flood", grid_id=grid)
    ops.add_issue_update(a.store, it["id"], "in_progress", "已联系社区仓库")
    a.syncer.sync()
    sup.syncer.sync()
    ops.add_issue_update(sup.store, it["id"], "resolved", "已发放沙袋")
    ops.add_issue_update(sup.store, it["id"], "closed", "核实完毕")
    sup.syncer.sync()
    # Offline, the worker still sees 处理中 and escalates; locally that is allowed.
    ops.add_issue_update(a.store, it["id"], "escalated", "上报街道")
    assert queries.issue_detail(a.store, it["id"])["status"] == "escalated"
    report = a.syncer.sync()
    assert report.rejected == 1
    assert queries.issue_detail(a.store, it["id"])["status"] == "closed"
    codes = [r["code"] for r in queries.rejections(a.store) if r["source"] == "device"]
    assert codes == ["invalid_transition"]


def test_worker_cannot_close_an_issue_locally(world):
    import pytest

    from sync.protocol.errors import WorkflowError

    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    it = ops.raise_issue(a.store, "楼道堆放杂物", "safety_hazard", grid_id=grid)
    ops.add_issue_update(a.store, it["id"], "resolved", "已清理")
    with pytest.raises(WorkflowError, match="网格长"):
        ops.add_issue_update(a.store, it["id"], "closed", "办结")
    assert queries.status(a.store)["pending"] == 2


def test_household_move_evicts_but_keeps_unsent_edits(world):
    g1, g2 = world.service.grid("g1"), world.service.grid("g2")
    a = world.client("wa", grids=[g1])
    hh = ops.create_household(a.store, g1, "朐阳小区 1号楼 1单元 101室")
    other = ops.create_household(a.store, g1, "朐阳小区 1号楼 1单元 102室")
    a.syncer.sync()
    ops.update_household(a.store, hh["id"], notes="离线时写的备注")
    admin.move_household(world.service.engine, world.service.settings, hh["id"], g2)
    a.syncer.sync()
    # The unsent edit reached the server as a visible rejection, and only then did it leave.
    with a.store.read() as conn:
        rejected = (
            conn.execute(select(Outbox.error_code).where(Outbox.status == "rejected"))
            .scalars()
            .all()
        )
        ids = set(conn.execute(select(ENTITY_TABLES["households"].c.id)).scalars())
    assert rejected == ["out_of_scope"]
    assert ids == {other["id"]}
    assert [r["code"] for r in queries.rejections(a.store) if r["source"] == "device"] == [
        "out_of_scope"
    ]


def test_the_head_revision_constant_matches_the_migrations(tmp_path):
    from gridworker.store.db import HEAD_REVISION, head_revision, make_engine

    assert head_revision(make_engine(tmp_path / "x.db")) == HEAD_REVISION
