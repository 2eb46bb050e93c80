"""Coverage of a period (gridworker/domain/coverage.py) against figures worked out by hand.

Two grids, each with a worker, and a supervisor of both. The workers log visits on their own
laptops at chosen past times and sync; the supervisor syncs and computes the dashboard with a
fixed "today". Every expected figure below is derived by hand in the comments, household by
household, from the definitions in coverage.py's docstring; nothing is recomputed.

Times are UTC; dates are local (Asia/Shanghai, UTC+8): ``2026-11-03T17:00:00Z`` is 11-04 01:00.
Intervals: elderly_alone 7 days, low_income 30 days, no tag 90 days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gridworker.domain import coverage as cov
from gridworker.domain import operations as ops
from gridworker.domain import queries
from sync.protocol.values import SHANGHAI

D = dt.date


def at_local(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)


# The supervisor's "today": local 2026-11-20 (the service's own clock is the real one, later).
TODAY = at_local(2026, 11, 20)


def by_key(figures: list[cov.Figures]) -> dict[str, cov.Figures]:
    return {f.key: f for f in figures}


def per_day(report: cov.Coverage) -> dict[str, int]:
    return {day.isoformat()[5:]: n for day, n in report.per_day}


def build(world: Any) -> dict[str, Any]:
    """The fixture: households a1…a6 in G1 (worker w1), b1…b4 in G2 (worker w2).

    | hh | tags          | visits (local date, outcome)                                    |
    | a1 | elderly_alone | 10-30 met; 11-06 met; 11-13 phone                               |
    | a2 | elderly_alone | 10-25 met; 11-03 met                                            |
    | a3 | low_income    | 11-01 23:59:59 met (15:59:59Z: the last second before 11-02)    |
    | a4 | —             | 11-02 00:00 met (11-01T16:00:00Z); 11-18 met                    |
    | a5 | —             | 11-04 01:00 not_home (11-03T17:00:00Z)                          |
    | a6 | —             | 11-10 met, deleted                                              |
    | b1 | elderly_alone | never visited                                                   |
    | b2 | elderly_alone | 10-29 met; 11-06 met (a day late); 11-12 phone                  |
    | b3 | low_income    | 10-01 met; 11-10 refused                                        |
    | b4 | —             | 11-14 met; 11-15 23:30 phone; 11-16 00:00 met                   |
    """
    g1 = world.service.grid("G1", "朐阳网格")
    g2 = world.service.grid("G2", "西门网格")
    w1 = world.client("w1", grids=[g1])
    w2 = world.client("w2", grids=[g2])
    sup = world.client("sup", "supervisor", grids=[g1, g2])

    def household(session: Any, grid: str, room: str, tags: list[str]) -> str:
        address = f"海州区朐阳小区 1号楼 1单元 {room}室"
        return str(ops.create_household(session.store, grid, address, tags=tags)["id"])

    h = {
        "a1": household(w1, g1, "101", ["elderly_alone"]),
        "a2": household(w1, g1, "102", ["elderly_alone"]),
        "a3": household(w1, g1, "103", ["low_income"]),
        "a4": household(w1, g1, "104", []),
        "a5": household(w1, g1, "105", []),
        "a6": household(w1, g1, "106", []),
        "b1": household(w2, g2, "201", ["elderly_alone"]),
        "b2": household(w2, g2, "202", ["elderly_alone"]),
        "b3": household(w2, g2, "203", ["low_income"]),
        "b4": household(w2, g2, "204", []),
    }

    def visit(session: Any, hh: str, outcome: str, when: str) -> str:
        return str(ops.log_visit(session.store, h[hh], outcome, visited_at=when)["id"])

    visit(w1, "a1", "met", "2026-10-30T02:00:00Z")
    visit(w1, "a1", "met", "2026-11-06T02:00:00Z")
    visit(w1, "a1", "phone", "2026-11-13T02:00:00Z")
    visit(w1, "a2", "met", "2026-10-25T02:00:00Z")
    visit(w1, "a2", "met", "2026-11-03T02:00:00Z")
    visit(w1, "a3", "met", "2026-11-01T15:59:59Z")
    visit(w1, "a4", "met", "2026-11-01T16:00:00Z")
    visit(w1, "a4", "met", "2026-11-18T02:00:00Z")
    visit(w1, "a5", "not_home", "2026-11-03T17:00:00Z")
    deleted = visit(w1, "a6", "met", "2026-11-10T02:00:00Z")
    visit(w2, "b2", "met", "2026-10-29T02:00:00Z")
    visit(w2, "b2", "met", "2026-11-06T02:00:00Z")
    visit(w2, "b2", "phone", "2026-11-12T02:00:00Z")
    visit(w2, "b3", "met", "2026-10-01T02:00:00Z")
    visit(w2, "b3", "refused", "2026-11-10T02:00:00Z")
    visit(w2, "b4", "met", "2026-11-14T02:00:00Z")
    visit(w2, "b4", "phone", "2026-11-15T15:30:00Z")
    visit(w2, "b4", "met", "2026-11-15T16:00:00Z")
    w1.syncer.sync()
    # The deleted visit reached the server first, then its tombstone.
    with w1.store.write() as conn:
        w1.store.delete(conn, "visits", deleted)
    for session in (w1, w2):
        report = session.syncer.sync()
        assert report.rejected == 0
    sup.syncer.sync()
    sup.store.clock = lambda: TODAY
    return {
        "h": h,
        "sup": sup,
        "w1": w1.user["id"],
        "w2": w2.user["id"],
        "g1": g1,
        "g2": g2,
    }


def ids(h: dict[str, str], *names: str) -> list[str]:
    return sorted(h[n] for n in names)


def test_a_closed_period_before_today(world):
    f = build(world)
    h, sup = f["h"], f["sup"]
    assert {h["a1"], h["b4"]} <= {r["id"] for r in queries.search_households(sup.store)}
    assert len(queries.search_households(sup.store)) == 10

    # Period 11-02 … 11-15, today 11-20: judged to 11-15.
    #
    # Counting visits in the period (met/phone, local 11-02 … 11-15, not deleted):
    #   a1 [11-06, 11-13]; a2 [11-03]; a4 [11-02] (its 11-18 is after the end);
    #   b2 [11-06, 11-12]; b4 [11-14, 11-15] (its 11-16 00:00 is after the end).
    #   a3's 11-01 23:59:59 is before the start; a5 not_home, b3 refused do not count;
    #   a6's visit is deleted; b1 has none.
    # visited: a1 a2 a4 b2 b4 = 5 of 10; unvisited a3 a5 a6 b1 b3.
    #
    # Key households (a1 a2 a3 b1 b2 b3), walking the due dates:
    #   a1 (7): last before 10-30 → due 11-06, visited 11-06 (on the due date) → due 11-13,
    #       visited 11-13 → due 11-20, after the judged end 11-15 → on time.
    #   a2 (7): last before 10-25 → due 11-01, before the start: overdue when the period starts
    #       → missed since 11-01 (its 11-03 visit comes too late).
    #   a3 (30): last before 11-01 → due 12-01 → on time.
    #   b1 (7): never visited, its clock starts 11-01 → due 11-08, no visit → missed 11-08.
    #   b2 (7): last before 10-29 → due 11-05, next visit 11-06 (a day late) → missed 11-05.
    #   b3 (30): last counting visit 10-01 → due 10-31 (refused 11-10 does not count)
    #       → missed since 10-31.
    #   on time: a1 a3 = 2 of 6.
    #
    # Visits per day (every outcome, deleted excluded):
    #   11-02 a4; 11-03 a2; 11-04 a5 (not_home, local date of 11-03T17:00Z); 11-06 a1 b2;
    #   11-10 b3 (refused; a6's deleted visit not counted); 11-12 b2; 11-13 a1; 11-14 b4;
    #   11-15 b4 (23:30 local) → 10 in all: G1 a1 2 + a2 1 + a4 1 + a5 1 = 5,
    #   G2 b2 2 + b3 1 + b4 2 = 5.
    report = cov.coverage(sup.store, D(2026, 11, 2), D(2026, 11, 15))
    assert (report.start, report.end, report.judged_to) == (
        D(2026, 11, 2),
        D(2026, 11, 15),
        D(2026, 11, 15),
    )
    total = report.total
    assert (total.households, total.visited, total.key_households, total.key_on_time) == (
        10,
        5,
        6,
        2,
    )
    assert total.visits == 10
    assert sorted(total.unvisited_ids) == ids(h, "a3", "a5", "a6", "b1", "b3")
    assert total.missed == {
        h["a2"]: "2026-11-01",
        h["b1"]: "2026-11-08",
        h["b2"]: "2026-11-05",
        h["b3"]: "2026-10-31",
    }
    assert total.visited_ratio == pytest.approx(0.5)
    assert total.key_ratio == pytest.approx(2 / 6)
    assert per_day(report) == {
        "11-02": 1,
        "11-03": 1,
        "11-04": 1,
        "11-05": 0,
        "11-06": 2,
        "11-07": 0,
        "11-08": 0,
        "11-09": 0,
        "11-10": 1,
        "11-11": 0,
        "11-12": 1,
        "11-13": 1,
        "11-14": 1,
        "11-15": 1,
    }

    grids = by_key(report.grids)
    assert [g.key for g in report.grids] == ["G1", "G2"]
    assert grids["G1"].label == "朐阳网格"
    g1, g2 = grids["G1"], grids["G2"]
    # G1: a1…a6; visited a1 a2 a4; key a1 a2 a3, on time a1 a3; visits 5.
    assert (g1.households, g1.visited, g1.key_households, g1.key_on_time, g1.visits) == (
        6,
        3,
        3,
        2,
        5,
    )
    assert sorted(g1.unvisited_ids) == ids(h, "a3", "a5", "a6")
    assert g1.missed == {h["a2"]: "2026-11-01"}
    # G2: b1…b4; visited b2 b4; key b1 b2 b3, none on time; visits 5.
    assert (g2.households, g2.visited, g2.key_households, g2.key_on_time, g2.visits) == (
        4,
        2,
        3,
        0,
        5,
    )
    assert sorted(g2.unvisited_ids) == ids(h, "b1", "b3")
    assert g2.missed == {h["b1"]: "2026-11-08", h["b2"]: "2026-11-05", h["b3"]: "2026-10-31"}
    assert g2.key_ratio == 0.0

    # Per worker: the households of the worker's grids; w1 made every G1 visit, w2 every G2
    # visit, so the worker's figures are their grid's; the supervisor is not a worker.
    assert [(w.key, w.label) for w in report.workers] == [(f["w1"], "w1"), (f["w2"], "w2")]
    w1, w2 = report.workers
    assert (w1.households, w1.visited, w1.key_households, w1.key_on_time, w1.visits) == (
        6,
        3,
        3,
        2,
        5,
    )
    assert sorted(w1.unvisited_ids) == ids(h, "a3", "a5", "a6")
    assert w1.missed == {h["a2"]: "2026-11-01"}
    assert (w2.households, w2.visited, w2.key_households, w2.key_on_time, w2.visits) == (
        4,
        2,
        3,
        0,
        5,
    )
    assert sorted(w2.unvisited_ids) == ids(h, "b1", "b3")
    assert w2.missed == {h["b1"]: "2026-11-08", h["b2"]: "2026-11-05", h["b3"]: "2026-10-31"}

    # One grid: G1's figures alone; w2 holds no G1 household and made no G1 visit.
    one = cov.coverage(sup.store, D(2026, 11, 2), D(2026, 11, 15), grid_id="G1")
    assert [g.key for g in one.grids] == ["G1"]
    t = one.total
    assert (t.households, t.visited, t.key_households, t.key_on_time, t.visits) == (6, 3, 3, 2, 5)
    assert sorted(t.unvisited_ids) == ids(h, "a3", "a5", "a6")
    assert t.missed == {h["a2"]: "2026-11-01"}
    assert [w.key for w in one.workers] == [f["w1"]]
    assert one.workers[0].visits == 5
    # G1's visits per day: 11-02 a4, 11-03 a2, 11-04 a5, 11-06 a1, 11-13 a1.
    assert {d: n for d, n in per_day(one).items() if n} == {
        "11-02": 1,
        "11-03": 1,
        "11-04": 1,
        "11-06": 1,
        "11-13": 1,
    }

    # The dates may come in either order.
    swapped = cov.coverage(sup.store, D(2026, 11, 15), D(2026, 11, 2))
    assert (swapped.start, swapped.end) == (D(2026, 11, 2), D(2026, 11, 15))
    assert swapped.total == total


def test_a_period_ending_after_today_is_judged_to_today(world):
    f = build(world)
    h, sup = f["h"], f["sup"]

    # Period 11-09 … 11-30, today 11-20: judged to 11-20 (12 days).
    #
    # Counting visits 11-09 … 11-20: a1 [11-13]; a4 [11-18]; b2 [11-12];
    #   b4 [11-14, 11-15, 11-16]. b3's 11-10 is refused; a6's is deleted.
    # visited: a1 a4 b2 b4 = 4; unvisited a2 a3 a5 a6 b1 b3.
    #
    # Key households:
    #   a1 (7): last before 11-06 → due 11-13, visited 11-13 → due 11-20 = today: the day is
    #       not over, not missed → on time.
    #   a2 (7): last before 11-03 → due 11-10, no visit → missed since 11-10.
    #   a3 (30): last before 11-01 → due 12-01 → on time.
    #   b1 (7): never visited; clock starts 11-08 → due 11-15, no visit → missed 11-15.
    #   b2 (7): last before 11-06 → due 11-13, visited 11-12 (early) → due 11-19, no visit,
    #       11-19 is over → missed since 11-19.
    #   b3 (30): last counting 10-01 → due 10-31 → missed since 10-31.
    #   on time: a1 a3 = 2 of 6.
    #
    # Visits per day: 11-10 b3; 11-12 b2; 11-13 a1; 11-14 b4; 11-15 b4; 11-16 b4; 11-18 a4
    #   → 7: G1 a1 + a4 = 2, G2 b2 + b3 + 3 × b4 = 5.
    report = cov.coverage(sup.store, D(2026, 11, 9), D(2026, 11, 30))
    assert report.judged_to == D(2026, 11, 20)
    total = report.total
    assert (total.households, total.visited, total.key_households, total.key_on_time) == (
        10,
        4,
        6,
        2,
    )
    assert total.visits == 7
    assert sorted(total.unvisited_ids) == ids(h, "a2", "a3", "a5", "a6", "b1", "b3")
    assert total.missed == {
        h["a2"]: "2026-11-10",
        h["b1"]: "2026-11-15",
        h["b2"]: "2026-11-19",
        h["b3"]: "2026-10-31",
    }
    assert per_day(report) == {
        "11-09": 0,
        "11-10": 1,
        "11-11": 0,
        "11-12": 1,
        "11-13": 1,
        "11-14": 1,
        "11-15": 1,
        "11-16": 1,
        "11-17": 0,
        "11-18": 1,
        "11-19": 0,
        "11-20": 0,
    }
    grids = by_key(report.grids)
    g1, g2 = grids["G1"], grids["G2"]
    assert (g1.households, g1.visited, g1.key_households, g1.key_on_time, g1.visits) == (
        6,
        2,
        3,
        2,
        2,
    )
    assert g1.missed == {h["a2"]: "2026-11-10"}
    assert (g2.households, g2.visited, g2.key_households, g2.key_on_time, g2.visits) == (
        4,
        2,
        3,
        0,
        5,
    )
    w1, w2 = report.workers
    assert (w1.visited, w1.key_on_time, w1.visits) == (2, 2, 2)
    assert (w2.visited, w2.key_on_time, w2.visits) == (2, 0, 5)

    # A day later (today 11-21), a1's due date 11-20 is over without a visit: missed since
    # 11-20; the period is now judged to 11-21 (one more day, no visits).
    sup.store.clock = lambda: at_local(2026, 11, 21)
    later = cov.coverage(sup.store, D(2026, 11, 9), D(2026, 11, 30))
    assert later.judged_to == D(2026, 11, 21)
    assert later.total.key_on_time == 1
    assert later.total.missed == {
        h["a1"]: "2026-11-20",
        h["a2"]: "2026-11-10",
        h["b1"]: "2026-11-15",
        h["b2"]: "2026-11-19",
        h["b3"]: "2026-10-31",
    }
    assert per_day(later)["11-21"] == 0 and len(later.per_day) == 13


def test_the_local_date_decides_the_day(world):
    """Visits within the first or last moments of a local day fall on that local day."""
    f = build(world)
    sup = f["sup"]
    # 11-01 only: a3's 11-01T15:59:59Z (local 11-01 23:59:59) is the only visit.
    day = cov.coverage(sup.store, D(2026, 11, 1), D(2026, 11, 1))
    assert per_day(day) == {"11-01": 1}
    assert day.total.visited == 1 and day.total.unvisited_ids.count(f["h"]["a3"]) == 0
    # 11-16 only: b4's 11-15T16:00:00Z (local 11-16 00:00).
    day = cov.coverage(sup.store, D(2026, 11, 16), D(2026, 11, 16))
    assert per_day(day) == {"11-16": 1}
    assert day.total.visits == 1


def test_a_household_deleted_with_its_visits_leaves_the_figures_consistent(world):
    g1 = world.service.grid("G1")
    w1 = world.client("w1", grids=[g1])
    sup = world.client("sup", "supervisor", grids=[g1])
    kept = ops.create_household(w1.store, g1, "朐阳小区 1号楼 101室")["id"]
    gone = ops.create_household(w1.store, g1, "朐阳小区 1号楼 102室")["id"]
    ops.log_visit(w1.store, kept, "met", visited_at="2026-11-10T02:00:00Z")
    ops.log_visit(w1.store, gone, "met", visited_at="2026-11-10T03:00:00Z")
    w1.syncer.sync()
    ops.delete_household(w1.store, gone)  # a duplicate record; its visit row stays
    w1.syncer.sync()
    sup.syncer.sync()
    sup.store.clock = lambda: TODAY
    report = cov.coverage(sup.store, D(2026, 11, 9), D(2026, 11, 15))
    # One household is left, with one visit; the grid says so.
    assert report.total.households == 1
    assert [(g.key, g.visits) for g in report.grids] == [("G1", 1)]
    # The whole and the per-day chart must agree with the grid rows.
    assert report.total.visits == sum(g.visits for g in report.grids)
    assert sum(n for _, n in report.per_day) == report.total.visits


def test_a_visit_in_the_first_second_of_the_start_day_is_in_the_period(world):
    """Canonical times carry a fraction only when there is one (``…:00.5Z``)."""
    g1 = world.service.grid("G1")
    w1 = world.client("w1", grids=[g1])
    sup = world.client("sup", "supervisor", grids=[g1])
    hh = ops.create_household(w1.store, g1, "朐阳小区 1号楼 101室", tags=["elderly_alone"])["id"]
    # Local 11-02 00:00:00.5, half a second into the period 11-02 … 11-08.
    ops.log_visit(w1.store, hh, "met", visited_at="2026-11-01T16:00:00.5Z")
    w1.syncer.sync()
    sup.syncer.sync()
    sup.store.clock = lambda: TODAY
    report = cov.coverage(sup.store, D(2026, 11, 2), D(2026, 11, 8))
    # Visited on 11-02 → due 11-09, after the period: visited and on time, one visit on 11-02.
    assert per_day(report)["11-02"] == 1
    assert (report.total.visited, report.total.visits, report.total.key_on_time) == (1, 1, 1)
    # And the period before it (10-26 … 11-01) does not hold it.
    before = cov.coverage(sup.store, D(2026, 10, 26), D(2026, 11, 1))
    assert before.total.visits == 0


# -- missed_since ----------------------------------------------------------------------------


START, END, TODAY_DATE = D(2026, 11, 2), D(2026, 11, 15), D(2026, 11, 20)


def missed(
    last_before: dt.date | None,
    visits: list[dt.date],
    interval: int = 7,
    judged_to: dt.date = END,
    today: dt.date = TODAY_DATE,
) -> dt.date | None:
    return cov.missed_since(last_before, visits, interval, START, judged_to, today)


def test_missed_since_never_visited_starts_the_clock_the_day_before_the_start():
    # Clock 11-01 → due 11-08.
    assert missed(None, []) == D(2026, 11, 8)
    # Visited on the due date 11-08 → due 11-15, the judged end, not visited → missed 11-15.
    assert missed(None, [D(2026, 11, 8)]) == D(2026, 11, 15)
    # Judged to 11-14 only, 11-15 is not judged.
    assert missed(None, [D(2026, 11, 8)], judged_to=D(2026, 11, 14)) is None
    assert missed(None, [D(2026, 11, 9)]) == D(2026, 11, 8)  # a day late
    # 30-day interval: due 12-01, beyond the period.
    assert missed(None, [], interval=30) is None


def test_missed_since_walks_every_due_date():
    # 10-30 → due 11-06 (met) → due 11-13 (met) → due 11-20, beyond 11-15.
    assert missed(D(2026, 10, 30), [D(2026, 11, 6), D(2026, 11, 13)]) is None
    # 10-30 → due 11-06 (met) → due 11-13, next visit 11-14: missed since 11-13.
    assert missed(D(2026, 10, 30), [D(2026, 11, 6), D(2026, 11, 14)]) == D(2026, 11, 13)
    # Early visits move the due date earlier: 11-03 → due 11-10, visit 11-11 → missed 11-10.
    assert missed(D(2026, 10, 30), [D(2026, 11, 3), D(2026, 11, 11)]) == D(2026, 11, 10)
    # Two visits on the same day count once.
    assert missed(D(2026, 10, 30), [D(2026, 11, 6), D(2026, 11, 6), D(2026, 11, 13)]) is None


def test_missed_since_overdue_when_the_period_starts():
    # 10-20 → due 10-27, before the start: missed since 10-27 even if visited on day one.
    assert missed(D(2026, 10, 20), [D(2026, 11, 2)]) == D(2026, 10, 27)
    # Due on the day before the start: already over when the period starts.
    assert missed(D(2026, 10, 25), [D(2026, 11, 2)]) == D(2026, 11, 1)
    # Due on the first day and visited that day: on time.
    assert missed(D(2026, 10, 26), [D(2026, 11, 2), D(2026, 11, 9)]) is None


def test_missed_since_today_and_the_judged_end():
    # Due today (11-20) with the period judged to today: not missed yet.
    assert missed(D(2026, 11, 13), [], judged_to=D(2026, 11, 20)) is None
    # Due yesterday: missed.
    assert missed(D(2026, 11, 12), [], judged_to=D(2026, 11, 20)) == D(2026, 11, 19)
    # Due after the judged end of a past period: not judged.
    assert missed(D(2026, 11, 9), [], judged_to=D(2026, 11, 15)) is None
    # Due on the judged end of a past period, not visited: missed.
    assert missed(D(2026, 11, 8), [], judged_to=D(2026, 11, 15)) == D(2026, 11, 15)
