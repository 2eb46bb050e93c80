"""The worker's whole day, in the Qt-free core against the real service (SQLite and PostgreSQL):
households and departures, key households by their residents' tags, the app's 见面 rule,
returned and follow-up visits, undoing a review, a supervisor's new deadline, search forms."""

from __future__ import annotations

import datetime as dt

import pytest

from gridworker.domain import coverage, queries, worklists
from gridworker.domain import operations as ops
from sync.protocol.errors import PermissionDenied, ValidationError
from sync.protocol.workflow import household_interval_days, residence


def test_shared_rules_for_intervals_and_departures():
    assert household_interval_days(None, []) == 90
    assert household_interval_days(90, [], ["low_income"]) == 30
    assert household_interval_days(90, ["party_member"], ["elderly_alone", "disabled"]) == 7
    assert household_interval_days(14, [], ["low_income"]) == 14  # shorter stays
    assert household_interval_days(90, ["elderly_alone"]) == 7  # never longer than the tags
    assert residence(True, None).state == "present"
    assert residence(False, "在外打工").state == "away"
    moved = residence(False, "【迁出 2026-11-02：南京市鼓楼区】 原租户")
    assert (moved.state, moved.date, moved.destination, moved.notes) == (
        "moved_out",
        "2026-11-02",
        "南京市鼓楼区",
        "原租户",
    )
    assert residence(False, "【已故 2026-10-01】").gone
    assert not residence(False, "外出").gone


def test_app_rule_for_a_met_visit_names_someone_or_carries_a_note():
    with pytest.raises(ValidationError) as caught:
        ops.check_met("met", [], "  ")
    assert caught.value.field == "people_met" and "见面" in caught.value.message
    ops.check_met("met", [], "见到老人的女儿")
    ops.check_met("met", ["0190a0c0-0000-7000-8000-000000000001"], None)
    ops.check_met("not_home", [], None)


def test_compose_address():
    assert ops.compose_address("朐阳小区", "5", "1", "602") == "朐阳小区 5号楼 1单元 602室"
    assert ops.compose_address("西门新村", "A座", "", "1001") == "西门新村 A座 1001室"


def test_add_household_departures_and_vacated_flag_sync(world):
    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    b = world.client("wb", grids=[grid])
    address = ops.compose_address("朐阳小区", "5", "1", "602")
    hh = ops.create_household(
        a.store, grid, address, building="5", unit="1", room="602", head_name="赵大"
    )
    head = ops.add_resident(a.store, hh["id"], "赵大", relation="head", phone="13800138001")
    son = ops.add_resident(a.store, hh["id"], "赵小", relation="child")
    # 联系电话 and the head's phone move together when asked.
    ops.update_household(a.store, hh["id"], also_head_phone=True, phone="13900139002")
    assert queries.row(a.store, "residents", head["id"])["phone"] == "13900139002"
    ops.update_resident(a.store, head["id"], also_household_phone=True, phone="13700137003")
    assert queries.row(a.store, "households", hh["id"])["phone"] == "13700137003"
    detail = queries.household_detail(a.store, hh["id"])
    assert ops.phone_mismatch(detail, detail["residents"]) is None

    ops.record_move_out(a.store, son["id"], "南京市鼓楼区", "2026-11-02")
    assert worklists.vacated_households(a.store, [hh["id"]]) == set()
    ops.mark_deceased(a.store, head["id"], "2026-11-20")
    assert worklists.vacated_households(a.store, [hh["id"]]) == {hh["id"]}
    with pytest.raises(ValidationError):
        ops.mark_deceased(a.store, head["id"], "2999-01-01")

    a.syncer.sync()
    b.syncer.sync()
    residents = {r["name"]: r for r in queries.household_detail(b.store, hh["id"])["residents"]}
    assert residence(residents["赵大"]["present"], residents["赵大"]["notes"]).state == "deceased"
    moved = residence(residents["赵小"]["present"], residents["赵小"]["notes"])
    assert (moved.state, moved.destination) == ("moved_out", "南京市鼓楼区")
    assert worklists.vacated_households(b.store) == {hh["id"]}
    # Back home: the marker goes, the person counts as living there again.
    ops.mark_present(b.store, residents["赵小"]["id"])
    assert worklists.vacated_households(b.store) == set()
    # Address forms people type find the flat; the member who matched is named.
    for term in ("5号楼602", "5-1-602", "5栋602室", "朐阳小区5号楼"):
        assert [h["id"] for h in queries.search_households(b.store, term)] == [hh["id"]], term
    assert worklists.matched_members(b.store, "zx", [hh["id"]]) == {hh["id"]: "赵小（子女）"}


def test_resident_tags_make_a_key_household_in_lists_and_coverage(world):
    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    plain = ops.create_household(a.store, grid, "朐阳小区 1号楼 101室", head_name="钱一")
    ops.add_resident(a.store, plain["id"], "钱一", relation="head", tags=["low_income"])
    other = ops.create_household(a.store, grid, "朐阳小区 1号楼 102室", head_name="孙二")
    gone = ops.add_resident(a.store, other["id"], "孙二", tags=["elderly_alone"])
    ops.mark_deceased(a.store, gone["id"])
    a.syncer.sync()

    (listed,) = queries.search_households(a.store, "钱一")
    assert "low_income" in listed["tags"] and listed["visit_interval_days"] == 30
    assert [h["id"] for h in queries.search_households(a.store, tags=["low_income"])] == [
        plain["id"]
    ]
    # A deceased resident's tag no longer makes the household key.
    (neighbour,) = queries.search_households(a.store, "孙二")
    assert "elderly_alone" not in neighbour["tags"] and neighbour["visit_interval_days"] == 90

    today = a.store.clock().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    figures = coverage.coverage(a.store, today - dt.timedelta(days=29), today)
    assert figures.total.key_households == 1


def test_review_undo_and_returned_list_with_a_notice(world):
    grid = world.service.grid("g1")
    worker = world.client("wa", grids=[grid])
    boss = world.client("boss", role="supervisor", grids=[grid])
    hh = ops.create_household(worker.store, grid, "朐阳小区 2号楼 201室", head_name="周五")
    first = ops.log_visit(worker.store, hh["id"], "met", notes="见到户主")
    second = ops.log_visit(worker.store, hh["id"], "met", notes="见到户主", follow_up=True)
    worker.syncer.sync()
    boss.syncer.sync()

    with pytest.raises(PermissionDenied):
        ops.review_visits(worker.store, [first["id"]], True)
    done = ops.review_visits(boss.store, [first["id"], second["id"]], True)
    assert [r["review_status"] for r in done] == ["approved", "approved"]
    ops.undo_reviews(boss.store, done)
    assert queries.review_count(boss.store) == 2
    ops.review_visit(boss.store, first["id"], False, "请补充见到的人")
    boss.syncer.sync()
    assert queries.row(boss.store, "visits", first["id"])["review_status"] == "returned"
    assert queries.row(boss.store, "visits", second["id"])["review_status"] == "pending"

    assert worklists.unseen_returns(worker.store) == []
    worker.syncer.sync()
    rows = worklists.visits_to_act_on(worker.store)
    assert [(r["id"], r["review_status"]) for r in rows] == [
        (first["id"], "returned"),
        (second["id"], "pending"),
    ]
    fresh = worklists.unseen_returns(worker.store)
    assert len(fresh) == 1
    ops.mark_returns_seen(worker.store, fresh)
    assert worklists.unseen_returns(worker.store) == []
    ops.resolve_follow_up(worker.store, second["id"], "已联系社区医生")
    assert [r["id"] for r in worklists.visits_to_act_on(worker.store)] == [first["id"]]
    assert "已联系社区医生" in queries.row(worker.store, "visits", second["id"])["notes"]


def test_supervisor_changes_a_deadline_and_the_worker_sees_it(world):
    grid = world.service.grid("g1")
    worker = world.client("wa", grids=[grid])
    boss = world.client("boss", role="supervisor", grids=[grid])
    issue = ops.raise_issue(
        worker.store, "井盖破损", "facilities", grid_id=grid, due_date="2026-11-01"
    )
    worker.syncer.sync()
    boss.syncer.sync()
    with pytest.raises(PermissionDenied):
        ops.change_due_date(worker.store, issue["id"], "2026-12-31", "改期")
    ops.change_due_date(boss.store, issue["id"], "2026-12-31", "办理期限改为 2026-12-31")
    boss.syncer.sync()
    worker.syncer.sync()
    detail = queries.issue_detail(worker.store, issue["id"])
    assert detail["due_date"] == "2026-12-31"
    assert detail["updates"][-1]["comment"] == "办理期限改为 2026-12-31"
