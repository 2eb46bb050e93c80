"""A household moved to another grid leaves the old grid's clients with its whole history."""

from __future__ import annotations

import hashlib

from sync.protocol.wire import grid_digest
from sync.server import admin

from .harness import create, household, issue, issue_update, resident, update, visit


def _checksum_of(changes_by_id):
    return grid_digest((e, i, v) for i, (e, v, deleted) in changes_by_id.items() if not deleted)


def test_move_household_leaves_old_grid_and_arrives_whole(service, grid_a, grid_b, clock):
    service.user("wa", "worker", [grid_a])
    service.user("wb", "worker", [grid_b])
    wa, wb = service.login("wa"), service.login("wb")

    hh = household(grid_a)
    other = household(grid_a)
    residents = [resident(hh["id"], name=n) for n in ("王建国", "李秀英")]
    old_visit = visit(hh["id"], visited_at="2025-03-01T02:00:00Z")
    it = issue(grid_a, household_id=hh["id"])
    photo = b"\x89PNG fake photo bytes"
    sha = hashlib.sha256(photo).hexdigest()
    assert (
        wa.request(
            "PUT", f"/attachments/{sha}", content=photo, headers={"Content-Type": "image/png"}
        ).status_code
        == 201
    )
    attachment = create(
        "attachments",
        {"sha256": sha, "owner_entity": "issues", "owner_id": it["id"], "filename": "井盖.png"},
    )
    progress = issue_update(it["id"], "in_progress")
    wa.push(hh, other, *residents, old_visit, it, progress, attachment)
    wa.push(create("residents", {"household_id": hh["id"], "name": "已删除"}, None))
    wa.pull_all(grid_a)
    wb.push(household(grid_b))
    wb.pull_all(grid_b)
    clock.advance(days=2)

    moved = admin.move_household(service.engine, service.settings, hh["id"], grid_b)
    assert moved["moved"] == {
        "households": 1,
        "residents": 3,
        "visits": 1,
        "issues": 1,
        "issue_updates": 1,
        "attachments": 1,
    }

    # The old grid's client gets a leave for each moved row and keeps the other household.
    changes_a = wa.pull_all(grid_a)
    moved_ids = {
        hh["id"],
        *(r["id"] for r in residents),
        old_visit["id"],
        it["id"],
        progress["id"],
        attachment["id"],
    }
    leaves = {c["id"] for c in changes_a if c["op"] == "leave"}
    assert moved_ids <= leaves
    assert all(c["op"] == "leave" for c in changes_a)
    assert wa.last_page["checksums"][grid_a]["count"] == 1  # only `other` is left

    # The new grid's client, already synced, receives the household's whole history.
    changes_b = wb.pull_all(grid_b)
    upserts = {c["id"]: c for c in changes_b if c["op"] == "upsert"}
    assert moved_ids <= set(upserts)
    assert upserts[hh["id"]]["row"]["grid_id"] == grid_b
    assert upserts[it["id"]]["row"]["grid_id"] == grid_b
    assert upserts[old_visit["id"]]["row"]["visited_at"] == "2025-03-01T02:00:00Z"
    order = [c["entity"] for c in changes_b if c["id"] in moved_ids]
    assert order.index("households") < order.index("residents") < order.index("issue_updates")
    # The bytes follow the row: B's worker may now fetch the photo, A's may not.
    assert wb.request("GET", f"/attachments/{sha}").content == photo
    assert wa.request("GET", f"/attachments/{sha}").status_code == 404
    # And B's checksum agrees with a full download.
    fresh = service.login("wb")
    full = fresh.pull_all(grid_b)
    rows = {
        c["id"]: (c["entity"], c["version"], c["row"]["deleted"])
        for c in full
        if c["op"] == "upsert"
    }
    count, digest = _checksum_of(rows)
    assert fresh.last_page["checksums"][grid_b] == {"count": count, "digest": digest}


def test_edit_of_moved_household_is_rejected_visibly(service, grid_a, grid_b, supervisor):
    service.user("wa", "worker", [grid_a])
    wa = service.login("wa")
    hh = household(grid_a)
    wa.push(hh)
    admin.move_household(service.engine, service.settings, hh["id"], grid_b)
    result = wa.push_one(update("households", hh["id"], notes=(None, "离线时写的备注")))
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "out_of_scope"
    # Kept for a person to act on: the author and the new grid's supervisor see it.
    assert [r["seq"] for r in wa.request("GET", "/rejections").json()["rejections"]] == [2]
    seen = supervisor.request("GET", f"/rejections?grid_id={grid_b}").json()["rejections"]
    assert seen[0]["mutation"]["changes"]["notes"]["new"] == "离线时写的备注"


def test_move_back_and_forth_converges(service, grid_a, grid_b, supervisor):
    hh = household(grid_a)
    res = resident(hh["id"])
    supervisor.push(hh, res)
    supervisor.pull_all(grid_a)
    supervisor.pull_all(grid_b)
    admin.move_household(service.engine, service.settings, hh["id"], grid_b)
    admin.move_household(service.engine, service.settings, hh["id"], grid_a)
    a = supervisor.pull_all(grid_a)
    b = supervisor.pull_all(grid_b)
    # Applying both grids' changes in version order leaves the household in A.
    assert [c["op"] for c in a if c["id"] == hh["id"]] == ["leave", "upsert"]
    # B only says the row left: its upsert there was superseded.
    assert [c["op"] for c in b if c["id"] == hh["id"]] == ["leave"]
    assert supervisor.last_page["checksums"][grid_b]["count"] == 0
