"""Coverage of a period (覆盖率): who was visited, and which key households were visited in time.

Definitions (the dashboard, its tests and the README say the same):

- A visit *counts* when its outcome is 见面 or 电话走访 (``COUNTED_OUTCOMES``), as for due
  dates everywhere in the app; 不在家 and 拒访 are door-knocks, not visits.
- The period is ``start`` … ``end``, local (Asia/Shanghai) dates, both included. Days after
  today have not happened yet: the period is judged up to today.
- A household is *visited* when it has a counting visit in the period.
- Key households (重点户) carry a tag that shortens their interval (独居老人, 重点关注, 留守儿童:
  7 days; 空巢老人, 残疾, 低保: 30 days), on the household or on a resident still living there
  (imported ledgers tag the person). Each is judged against its interval
  (``workflow.household_interval_days``: its own ``visit_interval_days``, never longer than
  its tags and its residents' tags ask for), as in the 今日待访 list.
- A key household is *due* on the day its interval runs out after its last counting visit
  (the same ``due_on`` as the worker's 今日待访 list); the clock of a household never visited
  before the period starts with the period (day before the start). It *missed* a due date
  when that day is over (before today) without a counting visit on or before it; a household
  already overdue when the period starts has missed. A key household is *on time* when it
  missed no due date in the period. Missed households are listed with the date they
  became overdue.
- Per grid: that grid's households. Per worker: the households of the worker's grids (from the
  server's directory); visited means visited by that worker; key households are on time
  whoever visited them; visits are the worker's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select

from sync.protocol.values import SHANGHAI, local_day_bound
from sync.protocol.workflow import (
    COUNTED_OUTCOMES,
    KEY_TAGS,
    household_interval_days,
    residence,
)

from ..store.local import Store
from ..store.schema import ENTITY_TABLES
from . import queries

H = ENTITY_TABLES["households"]
R = ENTITY_TABLES["residents"]
V = ENTITY_TABLES["visits"]

KEY_HOUSEHOLD_TAGS = KEY_TAGS


@dataclass
class Figures:
    """The figures of one grid, one worker, or everything."""

    key: str
    label: str
    households: int = 0
    visited: int = 0
    key_households: int = 0
    key_on_time: int = 0
    visits: int = 0
    unvisited_ids: list[str] = field(default_factory=list)
    missed: dict[str, str] = field(default_factory=dict)  # key household id -> overdue since

    @property
    def visited_ratio(self) -> float:
        return self.visited / self.households if self.households else 0.0

    @property
    def key_ratio(self) -> float:
        return self.key_on_time / self.key_households if self.key_households else 1.0


@dataclass
class Coverage:
    start: dt.date
    end: dt.date
    judged_to: dt.date  # the last day judged: min(end, today)
    total: Figures
    grids: list[Figures]
    workers: list[Figures]
    per_day: list[tuple[dt.date, int]]
    # household ids visited on each day (any outcome), for the list behind a day's bar
    visited_on: dict[dt.date, list[str]] = field(default_factory=dict)


def local_day(text: str) -> dt.date:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(SHANGHAI).date()


def is_key(tags: Iterable[str]) -> bool:
    return bool(set(tags) & KEY_HOUSEHOLD_TAGS)


def missed_since(
    last_before: dt.date | None,
    visits: list[dt.date],
    interval: int,
    start: dt.date,
    judged_to: dt.date,
    today: dt.date,
) -> dt.date | None:
    """The first due date in the period that passed without a counting visit, or None.

    ``visits``: the days of counting visits in the period, sorted.
    """
    last = last_before if last_before is not None else start - dt.timedelta(days=1)
    due = last + dt.timedelta(days=interval)
    pending = iter(visits)
    upcoming = next(pending, None)
    while due <= judged_to and due < today:
        while upcoming is not None and upcoming <= last:
            upcoming = next(pending, None)
        if upcoming is None or upcoming > due:
            return due
        last = upcoming
        due = last + dt.timedelta(days=interval)
    return None


def coverage(store: Store, start: dt.date, end: dt.date, *, grid_id: str | None = None) -> Coverage:
    """The figures of ``start`` … ``end`` for the user's grids (or one grid)."""
    if end < start:
        start, end = end, start
    today = store.clock().astimezone(SHANGHAI).date()
    judged_to = min(end, today)
    lo = local_day_bound(start)
    hi = local_day_bound(end + dt.timedelta(days=1))
    grid_names = queries.grid_names(store)

    household_filter: list[ColumnElement[bool]] = [H.c.deleted.is_(False)]
    visit_filter: list[ColumnElement[bool]] = [V.c.deleted.is_(False)]
    if grid_id:
        household_filter.append(H.c.grid_id == grid_id)
        visit_filter.append(V.c.grid_id == grid_id)
    with store.read() as conn:
        households = list(
            conn.execute(
                select(H.c.id, H.c.grid_id, H.c.tags, H.c.visit_interval_days).where(
                    *household_filter
                )
            )
        )
        grid_of = {h.id: h.grid_id for h in households}
        # Visits of a deleted household stay as history, but its figures are gone with it.
        in_period = [
            v
            for v in conn.execute(
                select(V.c.household_id, V.c.visited_at, V.c.outcome, V.c.worker_id)
                .where(*visit_filter, V.c.visited_at >= lo, V.c.visited_at < hi)
                .order_by(V.c.visited_at)
            )
            if v.household_id in grid_of
        ]
        member_tags = _living_members_key_tags(conn)

    interval: dict[str, int] = {}
    for h in households:
        extra = member_tags.get(h.id, ())
        if is_key(h.tags or ()) or extra:
            interval[h.id] = household_interval_days(h.visit_interval_days, h.tags or (), extra)
    key_ids = set(interval)
    last_before = _last_visits_before(store, sorted(key_ids), lo)
    counted_days: dict[str, list[dt.date]] = defaultdict(list)
    visitors: dict[str, set[str]] = defaultdict(set)
    visits_by_worker: Counter[str] = Counter()
    per_day: Counter[dt.date] = Counter()
    visits_by_grid: Counter[str] = Counter()
    visited_on: dict[dt.date, dict[str, None]] = defaultdict(dict)  # ordered sets
    for v in in_period:
        day = local_day(v.visited_at)
        if day > judged_to:
            continue
        per_day[day] += 1
        visits_by_grid[grid_of[v.household_id]] += 1
        visited_on[day][v.household_id] = None
        if v.worker_id:
            visits_by_worker[v.worker_id] += 1
        if v.outcome in COUNTED_OUTCOMES:
            counted_days[v.household_id].append(day)
            if v.worker_id:
                visitors[v.household_id].add(v.worker_id)

    total = Figures("*", "全部")
    by_grid: dict[str, Figures] = {}
    grid_households: dict[str, list[str]] = defaultdict(list)
    key_state: dict[str, str | None] = {}  # key household -> overdue since (None: on time)
    for h in households:
        grid_households[h.grid_id].append(h.id)
        figures = by_grid.get(h.grid_id)
        if figures is None:
            figures = by_grid[h.grid_id] = Figures(h.grid_id, grid_names.get(h.grid_id, h.grid_id))
        days = counted_days.get(h.id, [])
        for target in (total, figures):
            target.households += 1
            if days:
                target.visited += 1
            else:
                target.unvisited_ids.append(h.id)
        if h.id in key_ids:
            last = last_before.get(h.id)
            since = missed_since(
                local_day(last) if last else None,
                days,
                interval[h.id],
                start,
                judged_to,
                today,
            )
            key_state[h.id] = since.isoformat() if since else None
            for target in (total, figures):
                target.key_households += 1
                if since is None:
                    target.key_on_time += 1
                else:
                    target.missed[h.id] = since.isoformat()
    for gid, count in visits_by_grid.items():
        by_grid[gid].visits = count
    total.visits = sum(per_day.values())

    workers = _worker_figures(store, grid_households, key_state, visitors, visits_by_worker)
    days = [start + dt.timedelta(days=n) for n in range((judged_to - start).days + 1)]
    return Coverage(
        start=start,
        end=end,
        judged_to=judged_to,
        total=total,
        grids=sorted(by_grid.values(), key=lambda f: f.key),
        workers=workers,
        per_day=[(day, per_day.get(day, 0)) for day in days],
        visited_on={day: list(ids) for day, ids in visited_on.items()},
    )


def _living_members_key_tags(conn: Any) -> dict[str, set[str]]:
    """Household id -> the key tags of its residents who neither died nor moved out."""
    where = [R.c.deleted.is_(False), func.json_array_length(R.c.tags) > 0]
    out: dict[str, set[str]] = {}
    query = select(R.c.household_id, R.c.tags, R.c.present, R.c.notes).where(*where)
    for r in conn.execute(query):
        tags = set(r.tags or ()) & KEY_TAGS
        if tags and not residence(r.present, r.notes).gone:
            out.setdefault(r.household_id, set()).update(tags)
    return out


def _last_visits_before(store: Store, household_ids: list[str], bound: str) -> dict[str, str]:
    """The last counting visit before the period, of the key households only (the others
    need none): for each, a walk back down its (household, time) index from the period's
    start that stops at the first counting visit, not a scan of all its visits."""
    last = (
        select(V.c.visited_at)
        .where(
            V.c.household_id == H.c.id,
            V.c.visited_at < bound,
            V.c.outcome.in_(COUNTED_OUTCOMES),
            V.c.deleted.is_(False),
        )
        .order_by(V.c.visited_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    out: dict[str, str] = {}
    with store.read() as conn:
        for start in range(0, len(household_ids), 900):
            chunk = household_ids[start : start + 900]
            query = select(H.c.id, last).where(H.c.id.in_(chunk))
            out.update({hid: when for hid, when in conn.execute(query) if when})
    return out


def _worker_figures(
    store: Store,
    grid_households: dict[str, list[str]],
    key_state: dict[str, str | None],
    visitors: dict[str, set[str]],
    visits_by_worker: Counter[str],
) -> list[Figures]:
    directory = {p["id"]: p for p in queries.people(store)}
    people = {pid: p for pid, p in directory.items() if p.get("role") == "worker"}
    worker_grids: dict[str, set[str]] = {
        pid: set(p.get("grids") or ()) & set(grid_households) for pid, p in people.items()
    }
    # Someone who visited but is not (or no longer) in the directory: judged on the grids
    # where they visited. A supervisor's own visits count for the grid, not as a worker's.
    for household_grid, ids in grid_households.items():
        for hid in ids:
            for worker in visitors.get(hid, ()):
                if worker not in directory:
                    worker_grids.setdefault(worker, set()).add(household_grid)
    names = queries.names(store)
    out = []
    for worker, grids in worker_grids.items():
        if not grids and not visits_by_worker.get(worker):
            continue
        figures = Figures(worker, names.get(worker, worker[:8]))
        figures.visits = visits_by_worker.get(worker, 0)
        for gid in sorted(grids):
            for hid in grid_households[gid]:
                figures.households += 1
                if worker in visitors.get(hid, ()):
                    figures.visited += 1
                else:
                    figures.unvisited_ids.append(hid)
                if hid in key_state:
                    figures.key_households += 1
                    since = key_state[hid]
                    if since is None:
                        figures.key_on_time += 1
                    else:
                        figures.missed[hid] = since
        out.append(figures)
    out.sort(key=lambda f: f.label)
    return out
