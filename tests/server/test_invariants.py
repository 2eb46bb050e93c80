"""PROTOCOL.md's server-side invariants: exactly once, merge, conflicts, tombstones, rejections."""

from __future__ import annotations

from sqlalchemy import select

from sync.server.models import ENTITY_TABLES, Conflict, Rejection

from .harness import create, delete, household, issue, issue_update, resident, update, visit


def _rows(device, grid):
    return {
        c["id"]: c["row"] for c in device.pull({grid: 0}, 5000)["changes"] if c["op"] == "upsert"
    }


def test_replay_gives_duplicate_and_no_new_versions(worker, grid_a):
    hh = household(grid_a)
    batch = [{"seq": 1, **hh}, {"seq": 2, **update("households", hh["id"], notes=(None, "已走访"))}]
    first = worker.push_raw(batch).json()
    assert [r["status"] for r in first["results"]] == ["applied", "applied"]
    before = worker.pull({grid_a: 0})
    replay = worker.push_raw(batch).json()
    assert [r["status"] for r in replay["results"]] == ["duplicate", "duplicate"]
    assert replay["results"][1]["version"] == first["results"][1]["version"]
    assert replay["last_seq"] == 2
    after = worker.pull({grid_a: 0})
    assert after["changes"] == before["changes"]
    assert after["checksums"] == before["checksums"]


def test_partly_replayed_batch_applies_only_the_new_part(worker, grid_a):
    a, b = household(grid_a), household(grid_a)
    worker.push_raw([{"seq": 1, **a}])
    response = worker.push_raw([{"seq": 1, **a}, {"seq": 2, **b}]).json()
    assert [r["status"] for r in response["results"]] == ["duplicate", "applied"]
    assert set(_rows(worker, grid_a)) == {a["id"], b["id"]}


def test_gap_is_409_and_applies_nothing(worker, grid_a):
    worker.push(household(grid_a))
    response = worker.push_raw([{"seq": 3, **household(grid_a)}])
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "mutation_gap"
    assert error["details"]["expected"] == 2
    assert len(_rows(worker, grid_a)) == 1


def test_different_fields_merge_silently(worker, worker2, grid_a):
    hh = household(grid_a, phone="13800138000", notes="原备注")
    worker.push(hh)
    r1 = worker.push_one(update("households", hh["id"], phone=("13800138000", "13900139000")))
    r2 = worker2.push_one(update("households", hh["id"], notes=("原备注", "老人已搬走")))
    assert (r1["status"], r2["status"]) == ("applied", "applied")
    assert r2["conflicts"] == []
    row = _rows(worker, grid_a)[hh["id"]]
    assert row["phone"] == "13900139000"
    assert row["notes"] == "老人已搬走"


def test_same_field_different_values_conflict_keeps_both(service, worker, worker2, grid_a):
    hh = household(grid_a, phone="13800138000")
    worker.push(hh)
    worker.push_one(update("households", hh["id"], phone=("13800138000", "13900139000")))
    result = worker2.push_one(update("households", hh["id"], phone=("13800138000", "13700137000")))
    assert result["status"] == "conflict"
    assert result["conflicts"] == [
        {"field": "phone", "base": "13800138000", "theirs": "13900139000", "ours": "13700137000"}
    ]
    # The later arrival wins; the losing value is kept in the record.
    assert _rows(worker, grid_a)[hh["id"]]["phone"] == "13700137000"
    with service.engine.connect() as conn:
        stored = conn.execute(select(Conflict.__table__)).one()
    assert (stored.base, stored.theirs, stored.ours) == (
        "13800138000",
        "13900139000",
        "13700137000",
    )
    listed = worker2.request("GET", "/conflicts").json()["conflicts"]
    assert [c["row_id"] for c in listed] == [hh["id"]]
    assert listed[0]["theirs_user_id"] == worker.user["id"]


def test_same_field_same_value_is_no_conflict_and_no_new_version(worker, worker2, grid_a):
    hh = household(grid_a, phone="13800138000")
    worker.push(hh)
    first = worker.push_one(update("households", hh["id"], phone=("13800138000", "13900139000")))
    # Compared after normalisation: the same number written another way.
    second = worker2.push_one(
        update("households", hh["id"], phone=("138 0013 8000", "139-0013-9000"))
    )
    assert second["status"] == "applied"
    assert second["conflicts"] == []
    assert second["version"] == first["version"]


def test_update_of_deleted_row_keeps_it_deleted_and_records_the_update(
    service, worker, worker2, grid_a
):
    hh = household(grid_a)
    res = resident(hh["id"])
    worker.push(hh, res)
    worker.push_one(delete("residents", res["id"]))
    result = worker2.push_one(update("residents", res["id"], phone=(None, "13800138000")))
    assert result["status"] == "conflict"
    row = _rows(worker, grid_a)[res["id"]]
    assert row["deleted"] is True
    assert row["phone"] is None
    with service.engine.connect() as conn:
        stored = conn.execute(select(Conflict.__table__)).one()
    assert (stored.kind, stored.field, stored.ours) == ("deleted", "phone", "13800138000")


def test_delete_of_deleted_row_is_applied_without_new_version(worker, grid_a):
    hh = household(grid_a)
    worker.push(hh)
    first = worker.push_one(delete("households", hh["id"]))
    again = worker.push_one(delete("households", hh["id"]))
    assert again["status"] == "applied"
    assert again["version"] == first["version"]


def test_deleting_household_tombstones_residents_but_keeps_visits(worker, grid_a):
    hh = household(grid_a)
    res = resident(hh["id"])
    v = visit(hh["id"])
    worker.push(hh, res, v)
    worker.push(delete("households", hh["id"]))
    rows = _rows(worker, grid_a)
    assert rows[res["id"]]["deleted"] is True
    assert rows[v["id"]]["deleted"] is False
    page = worker.pull({grid_a: 0})
    assert page["checksums"][grid_a]["count"] == 1  # the visit stays as history


def test_rejected_mutation_is_consumed_stored_and_does_not_block(service, worker, grid_a):
    good_before = household(grid_a)
    bad = resident("0195b6a2-0000-7000-8000-000000000000")  # no such household
    good_after = household(grid_a)
    response = worker.push_raw(
        [{"seq": 1, **good_before}, {"seq": 2, **bad}, {"seq": 3, **good_after}]
    ).json()
    assert [r["status"] for r in response["results"]] == ["applied", "rejected", "applied"]
    assert response["results"][1]["error"]["code"] == "parent_not_found"
    assert response["results"][1]["version"] is None
    assert response["last_seq"] == 3
    with service.engine.connect() as conn:
        rejection = conn.execute(select(Rejection.__table__)).one()
    assert (rejection.seq, rejection.code, rejection.mutation["id"]) == (
        2,
        "parent_not_found",
        bad["id"],
    )
    listed = worker.request("GET", "/rejections").json()["rejections"]
    assert [r["seq"] for r in listed] == [2]
    # Replaying the batch reports the rejected seq as duplicate and stores nothing twice.
    replay = worker.push_raw([{"seq": 2, **bad}]).json()
    assert replay["results"][0]["status"] == "duplicate"
    assert worker.pull({})["last_seq"] == 3


def test_create_of_existing_id(worker, worker2, grid_a):
    hh = household(grid_a, phone="13800138000")
    worker.push(hh)
    same = worker2.push_one(create("households", dict(hh["values"]), hh["id"]))
    assert same["status"] == "duplicate"
    other = dict(hh["values"], phone="13900139000")
    merged = worker2.push_one(create("households", other, hh["id"]))
    assert merged["status"] == "conflict"
    assert merged["conflicts"][0]["field"] == "phone"
    assert merged["conflicts"][0]["base"] is None


def test_issue_workflow_through_updates(worker, supervisor, grid_a):
    it = issue(grid_a)
    worker.push(it)
    steps = [
        (worker, "in_progress", "applied"),
        (worker, "in_progress", "applied"),  # same status: a comment
        (worker, "closed", "rejected"),  # in_progress -> closed is not in the workflow
        (worker, "resolved", "applied"),
        (worker, "closed", "rejected"),  # only a supervisor closes
        (supervisor, "closed", "applied"),
        (worker, "open", "rejected"),  # only a supervisor reopens a closed issue
        (supervisor, "open", "applied"),
    ]
    for device, status, expected in steps:
        result = device.push_one(issue_update(it["id"], status, comment="处置中"))
        assert result["status"] == expected, (status, result)
        if expected == "rejected":
            assert result["error"]["code"] == "invalid_transition"
    rows = _rows(worker, grid_a)
    assert rows[it["id"]]["status"] == "open"
    updates = [r for r in rows.values() if r.get("issue_id") == it["id"]]
    assert len(updates) == 5


def test_issue_of_household_takes_the_households_grid(service, supervisor, grid_a, grid_b):
    hh = household(grid_a)
    supervisor.push(hh)
    it = issue(grid_b, household_id=hh["id"])
    assert supervisor.push_one(it)["status"] == "applied"
    assert _rows(supervisor, grid_a)[it["id"]]["grid_id"] == grid_a
    assert it["id"] not in _rows(supervisor, grid_b)


def test_server_sets_defaults_and_owned_fields(worker, grid_a):
    hh = household(grid_a, tags=["low_income"])
    it = issue(grid_a)
    v = visit(hh["id"])
    worker.push(hh, it, v, issue_update(it["id"], None, comment="已联系物业"))
    rows = _rows(worker, grid_a)
    assert rows[hh["id"]]["visit_interval_days"] == 30
    assert rows[hh["id"]]["tags"] == ["low_income"]
    assert rows[it["id"]]["status"] == "open"
    assert rows[it["id"]]["priority"] == "normal"
    assert rows[v["id"]]["worker_id"] == worker.user["id"]
    assert rows[v["id"]]["review_status"] == "pending"
    assert rows[v["id"]]["people_met"] == []
    comment = next(r for r in rows.values() if r.get("comment") == "已联系物业")
    assert comment["author_id"] == worker.user["id"]
    assert comment["created_at"] == "2026-11-20T08:00:00Z"
    assert all(r["updated_by"] == worker.user["id"] for r in rows.values())


def test_checksum_matches_a_recount(service, worker, grid_a):
    from sync.protocol.wire import grid_digest

    hh = household(grid_a)
    res = resident(hh["id"])
    worker.push(hh, res, visit(hh["id"]), update("households", hh["id"], notes=(None, "x")))
    worker.push(delete("residents", res["id"]))
    page = worker.pull({grid_a: 0})
    live = []
    with service.engine.connect() as conn:
        for entity, table in ENTITY_TABLES.items():
            q = select(table.c.id, table.c.version).where(
                table.c.grid_id == grid_a, table.c.deleted.is_(False)
            )
            live += [(entity, r.id, r.version) for r in conn.execute(q)]
    count, digest = grid_digest(live)
    assert page["checksums"][grid_a] == {"count": count, "digest": digest}
    assert count == 2
