"""A visit's review, end to end: worker → supervisor's queue → returned → edited → approved.

Every step goes through the laptops' local stores and the real service on loopback (both
backends); nothing is written to the server but by sync, except the hand-made push that shows
the server itself refuses a worker's review.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from gridworker.domain import operations as ops
from gridworker.domain import queries
from sync.protocol.errors import PermissionDenied, ValidationError
from tests.server.harness import update


def visit_of(session: Any, household_id: str, visit_id: str) -> dict[str, Any]:
    detail = queries.household_detail(session.store, household_id)
    assert detail is not None
    (found,) = [v for v in detail["visits"] if v["id"] == visit_id]
    return found


def queue_ids(session: Any, **filters: Any) -> list[str]:
    return [v["id"] for v in queries.review_queue(session.store, **filters)]


@pytest.fixture
def office(world):
    """G1 with worker w1, G2 with worker w2, a supervisor of both."""
    g1 = world.service.grid("G1", "朐阳网格")
    g2 = world.service.grid("G2", "西门网格")
    w1 = world.client("w1", grids=[g1])
    w2 = world.client("w2", grids=[g2])
    sup = world.client("sup", "supervisor", grids=[g1, g2])
    return SimpleNamespace(world=world, g1=g1, g2=g2, w1=w1, w2=w2, sup=sup)


def test_a_review_flows_end_to_end(office):
    g1, w1, sup = office.g1, office.w1, office.sup
    hh = ops.create_household(w1.store, g1, "海州区朐阳小区 3号楼 1单元 201室", head_name="张三")
    visit = ops.log_visit(
        w1.store, hh["id"], "met", notes="老人身体尚可", visited_at="2026-11-03T17:00:00Z"
    )
    assert visit["review_status"] == "pending"
    assert w1.syncer.sync().rejected == 0

    # The supervisor finds it in the queue, with the household's address.
    sup.syncer.sync()
    queue = queries.review_queue(sup.store)
    assert [v["id"] for v in queue] == [visit["id"]]
    assert queue[0]["address"] == "海州区朐阳小区 3号楼 1单元 201室"
    assert queue[0]["head_name"] == "张三"
    assert queue[0]["worker_id"] == w1.user["id"]
    assert queries.names(sup.store)[queue[0]["worker_id"]] == "w1"

    # Returned with a comment, then synced.
    returned = ops.review_visit(sup.store, visit["id"], approve=False, comment="请补充见面人员")
    assert returned["review_status"] == "returned"
    assert queue_ids(sup) == []
    assert sup.syncer.sync().rejected == 0

    # The worker sees the return and the comment on the household.
    w1.syncer.sync()
    seen = visit_of(w1, hh["id"], visit["id"])
    assert seen["review_status"] == "returned"
    assert seen["review_comment"] == "请补充见面人员"
    assert seen["reviewed_by"] == sup.user["id"]
    assert seen["reviewed_at"]

    # The worker edits the notes: pending again, at once on the laptop and then on the server.
    ops.edit_visit(w1.store, visit["id"], notes="老人身体尚可，见到老人及其女儿")
    assert visit_of(w1, hh["id"], visit["id"])["review_status"] == "pending"
    assert w1.syncer.sync().rejected == 0
    assert visit_of(w1, hh["id"], visit["id"])["review_status"] == "pending"

    sup.syncer.sync()
    again = queries.review_queue(sup.store)
    assert [v["id"] for v in again] == [visit["id"]]
    assert again[0]["notes"] == "老人身体尚可，见到老人及其女儿"
    assert again[0]["review_status"] == "pending"
    # The last review is kept (PROTOCOL.md): who returned it, and when.
    assert again[0]["reviewed_by"] == sup.user["id"]

    ops.review_visit(sup.store, visit["id"], approve=True)
    assert queue_ids(sup) == []
    assert sup.syncer.sync().rejected == 0

    w1.syncer.sync()
    final = visit_of(w1, hh["id"], visit["id"])
    assert final["review_status"] == "approved"
    assert final["notes"] == "老人身体尚可，见到老人及其女儿"
    assert final["reviewed_by"] == sup.user["id"]
    # Nothing is left over anywhere.
    for session in (w1, sup):
        assert queries.status(session.store)["pending"] == 0
        assert queries.conflicts(session.store) == []
        assert [r for r in queries.rejections(session.store) if r["source"] == "device"] == []


def test_queue_filters(office):
    g1, g2, w1, w2, sup = office.g1, office.g2, office.w1, office.w2, office.sup
    h1 = ops.create_household(w1.store, g1, "朐阳小区 1号楼 101室")["id"]
    h2 = ops.create_household(w2.store, g2, "西门路 2号楼 201室")["id"]
    # Local dates: 11-03 10:00, 11-04 01:00 (17:00Z the day before), 11-05 10:00; 11-04 12:00.
    a = ops.log_visit(w1.store, h1, "met", visited_at="2026-11-03T02:00:00Z")["id"]
    b = ops.log_visit(w1.store, h1, "not_home", visited_at="2026-11-03T17:00:00Z")["id"]
    c = ops.log_visit(w1.store, h1, "phone", visited_at="2026-11-05T02:00:00Z")["id"]
    d = ops.log_visit(w2.store, h2, "met", visited_at="2026-11-04T04:00:00Z")["id"]
    w1.syncer.sync()
    w2.syncer.sync()
    sup.syncer.sync()
    w1_id, w2_id = w1.user["id"], w2.user["id"]

    # Oldest first.
    assert queue_ids(sup) == [a, b, d, c]
    assert queue_ids(sup, grid_id=g1) == [a, b, c]
    assert queue_ids(sup, grid_id=g2) == [d]
    assert queue_ids(sup, worker_id=w1_id) == [a, b, c]
    assert queue_ids(sup, worker_id=w2_id) == [d]
    assert queue_ids(sup, grid_id=g2, worker_id=w1_id) == []
    # Dates are local days, both ends included.
    assert queue_ids(sup, date_from="2026-11-04") == [b, d, c]
    assert queue_ids(sup, date_to="2026-11-03") == [a]
    assert queue_ids(sup, date_from="2026-11-04", date_to="2026-11-04") == [b, d]
    assert queue_ids(sup, date_from="2026-11-04", date_to="2026-11-04", worker_id=w1_id) == [b]
    assert queue_ids(sup, date_from="2026-11-06") == []
    assert queue_ids(sup, limit=2) == [a, b]

    # Reviewed visits leave the queue; the worker's own laptop has the same pending list.
    ops.review_visit(sup.store, a, approve=True)
    assert queue_ids(sup, grid_id=g1) == [b, c]
    assert queue_ids(w1) == [a, b, c]  # not yet synced


def test_queue_date_filter_with_a_fraction_of_a_second(office):
    g1, w1, sup = office.g1, office.w1, office.sup
    h1 = ops.create_household(w1.store, g1, "朐阳小区 1号楼 101室")["id"]
    # Local 11-04 00:00:00.5: a visit of 11-04.
    v = ops.log_visit(w1.store, h1, "met", visited_at="2026-11-03T16:00:00.5Z")["id"]
    w1.syncer.sync()
    sup.syncer.sync()
    assert queue_ids(sup, date_from="2026-11-04") == [v]
    assert queue_ids(sup, date_to="2026-11-03") == []


def test_a_worker_cannot_review(office):
    world, g1, w1, sup = office.world, office.g1, office.w1, office.sup
    hh = ops.create_household(w1.store, g1, "朐阳小区 1号楼 101室")["id"]
    visit = ops.log_visit(w1.store, hh, "met", visited_at="2026-11-03T02:00:00Z")
    w1.syncer.sync()

    # On the laptop: neither the review operation nor a direct edit of the field.
    with pytest.raises(PermissionDenied, match="网格长"):
        ops.review_visit(w1.store, visit["id"], approve=True)
    with pytest.raises(PermissionDenied, match="网格长"):
        ops.review_visit(w1.store, visit["id"], approve=False, comment="自己退回")
    with pytest.raises(PermissionDenied) as denied:
        ops.edit_visit(w1.store, visit["id"], review_status="approved")
    assert denied.value.code == "field_not_writable"
    assert queries.status(w1.store)["pending"] == 0

    # A hand-made push from the worker's account (another device) is refused by the server.
    device = world.service.login("w1")
    results = device.push(
        update("visits", visit["id"], review_status=("pending", "approved")),
        update("visits", visit["id"], review_comment=(None, "很好")),
    )
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert [r["error"]["code"] for r in results] == ["field_not_writable"] * 2
    rows = {c["id"]: c["row"] for c in device.pull({g1: 0})["changes"] if c["op"] == "upsert"}
    assert rows[visit["id"]]["review_status"] == "pending"
    assert rows[visit["id"]]["review_comment"] is None

    # Everyone still sees it pending, and the supervisor still has it to review.
    w1.syncer.sync()
    sup.syncer.sync()
    assert visit_of(w1, hh, visit["id"])["review_status"] == "pending"
    assert queue_ids(sup) == [visit["id"]]


def test_returning_needs_a_comment(office):
    g1, w1, sup = office.g1, office.w1, office.sup
    hh = ops.create_household(w1.store, g1, "朐阳小区 1号楼 101室")["id"]
    visit = ops.log_visit(w1.store, hh, "met", visited_at="2026-11-03T02:00:00Z")
    w1.syncer.sync()
    sup.syncer.sync()
    for comment in (None, "", "   "):
        with pytest.raises(ValidationError, match="退回时请填写审核意见") as refused:
            ops.review_visit(sup.store, visit["id"], approve=False, comment=comment)
        assert refused.value.code == "required"
        assert refused.value.field == "review_comment"
    # Nothing was written: still pending, nothing to send.
    assert queries.status(sup.store)["pending"] == 0
    assert queue_ids(sup) == [visit["id"]]
    # Approving needs no comment.
    assert ops.review_visit(sup.store, visit["id"], approve=True)["review_status"] == "approved"


def test_batch_approval_then_one_sync(office):
    g1, w1, sup = office.g1, office.w1, office.sup
    hh = ops.create_household(w1.store, g1, "朐阳小区 1号楼 101室")["id"]
    visits = [
        ops.log_visit(w1.store, hh, outcome, visited_at=when)["id"]
        for outcome, when in (
            ("met", "2026-11-03T02:00:00Z"),
            ("phone", "2026-11-04T02:00:00Z"),
            ("not_home", "2026-11-05T02:00:00Z"),
        )
    ]
    w1.syncer.sync()
    sup.syncer.sync()
    assert queue_ids(sup) == visits
    for visit_id in queue_ids(sup):
        ops.review_visit(sup.store, visit_id, approve=True)
    assert queue_ids(sup) == []
    assert queries.status(sup.store)["pending"] == 3
    report = sup.syncer.sync()
    assert (report.pushed, report.rejected) == (3, 0)

    w1.syncer.sync()
    for visit_id in visits:
        seen = visit_of(w1, hh, visit_id)
        assert seen["review_status"] == "approved"
        assert seen["reviewed_by"] == sup.user["id"]
    assert queue_ids(w1) == []
