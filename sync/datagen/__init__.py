"""Reproducible, realistic grid data: the demo community and the reference data sets.

``generate(size)`` streams ``(entity, row)`` pairs: first every grid and user, then grid by
grid its households, residents, visits (in time order), issues and issue updates, so parents
always come before their children and memory stays bounded by one grid, even for the city set
of 20 million visits. The same ``size``, ``seed`` and ``now`` always give the same rows.

Rows of replicated entities carry ``id`` and exactly the fields of
``sync.protocol.entities.ENTITIES[entity]``, every value already canonical, server-owned fields
(``worker_id``, review state, issue status, ``author_id``) filled as the server would have them.
Addresses use the convention "区街道 小区 12号楼 2单元 501室" with ``building``/``unit``/``room``
as "12号楼"/"2单元"/"501室"; bungalows (平房) and shops have a house number on a road or lane
and no building, unit or room.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from . import names
from .activity import Activity
from .common import DAY, Row, split_exact, uuid_at
from .people import People
from .places import GridPlan, plan_demo, plan_grids

__all__ = ["DEFAULT_NOW", "DEFAULT_SEED", "ENTITY_NAMES", "SIZES", "DatasetSize", "generate"]

DEFAULT_SEED = 20261126
DEFAULT_NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
ENTITY_NAMES = ("grids", "users", "households", "residents", "visits", "issues", "issue_updates")


@dataclass(frozen=True)
class DatasetSize:
    """Exact numbers of grids, households, residents, visits and issues of a data set.

    A size equal to ``SIZES["demo"]`` gets the demo community's fixed grids and users.
    """

    grids: int
    households: int
    residents: int
    visits: int
    issues: int


SIZES: dict[str, DatasetSize] = {
    "demo": DatasetSize(grids=3, households=900, residents=2500, visits=4000, issues=48),
    "worker": DatasetSize(grids=1, households=2000, residents=6000, visits=50000, issues=3000),
    "supervisor": DatasetSize(
        grids=10, households=20000, residents=60000, visits=500000, issues=30000
    ),
    "city": DatasetSize(
        grids=5000, households=1500000, residents=4500000, visits=20000000, issues=1000000
    ),
}


def generate(
    size: str | DatasetSize,
    *,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
) -> Iterator[tuple[str, Row]]:
    """Stream the ``(entity, row)`` pairs of a data set "as of" ``now`` (aware, UTC).

    ``size`` is a key of ``SIZES`` or a ``DatasetSize``. Counts of households, residents,
    visits and issues are exact; issue updates follow from the issues' statuses. Nothing
    happens after ``now`` (default ``DEFAULT_NOW``, so that output never depends on the clock).
    """
    spec = SIZES[size] if isinstance(size, str) else size
    _check(spec)
    moment = DEFAULT_NOW if now is None else now
    if moment.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now_s = int(moment.timestamp())
    demo = spec == SIZES["demo"]
    plans = plan_demo() if demo else plan_grids(spec.grids, seed)
    users = _users(plans, demo, seed, now_s)
    for plan in plans:
        yield "grids", plan.row()
    for user in users:
        yield "users", user
    workers = {g: u["id"] for u in users if u["role"] == "worker" for g in u["grids"]}
    supervisors = {g: u["id"] for u in users if u["role"] == "supervisor" for g in u["grids"]}
    if demo:
        weights = [1.1, 1.0, 0.9]
    else:
        rng = random.Random(f"{seed}:sizes")
        weights = [rng.uniform(0.75, 1.25) for _ in plans]
    households = split_exact(spec.households, weights)
    residents = split_exact(spec.residents, households)
    visits = split_exact(spec.visits, households)
    issues = split_exact(spec.issues, households)
    ids = names.IdNumbers()
    for plan, h, r, v, i in zip(plans, households, residents, visits, issues, strict=True):
        yield from _grid(plan, h, r, v, i, seed, now_s, ids, workers[plan.id], supervisors[plan.id])


def _check(spec: DatasetSize) -> None:
    if spec.grids < 1 or spec.households < spec.grids:
        raise ValueError("a data set needs at least one grid and one household per grid")
    if not spec.households <= spec.residents <= 4 * spec.households:
        raise ValueError("residents must be between 1 and 4 per household")
    if spec.visits < 0 or spec.issues < 0:
        raise ValueError("visit and issue counts cannot be negative")


def _grid(
    plan: GridPlan,
    n_households: int,
    n_residents: int,
    n_visits: int,
    n_issues: int,
    seed: int,
    now: int,
    ids: names.IdNumbers,
    worker: str,
    supervisor: str,
) -> Iterator[tuple[str, Row]]:
    people = People(random.Random(f"{seed}:{plan.id}:people"), plan, now, ids)
    household_rows, resident_rows, homes = people.households(n_households, n_residents)
    for row in household_rows:
        yield "households", row
    for row in resident_rows:
        yield "residents", row
    del household_rows, resident_rows
    activity = Activity(
        random.Random(f"{seed}:{plan.id}:activity"), plan, now, worker, supervisor, homes
    )
    for row in activity.visits(n_visits):
        yield "visits", row
    issue_rows, update_rows = activity.issues(n_issues)
    for row in issue_rows:
        yield "issues", row
    for row in update_rows:
        yield "issue_updates", row


def _users(plans: list[GridPlan], demo: bool, seed: int, now: int) -> list[Row]:
    """One worker per grid and one supervisor per ten grids (demo: the whole community)."""
    rng = random.Random(f"{seed}:users")
    width = max(2, len(str(len(plans))))
    made = now - 1500 * DAY

    def user(username: str, role: str, grids: list[str]) -> Row:
        gender = "male" if rng.random() < 0.5 else "female"
        return {
            "id": uuid_at(rng, made + rng.randrange(DAY)),
            "username": username,
            "display_name": names.full_name(rng, gender, rng.randint(1970, 1998)),
            "role": role,
            "grids": grids,
        }

    users = []
    for plan in plans:
        number = plan.index + 1
        name = "demo-worker" if demo and number == 1 else f"worker-{number:0{width}d}"
        users.append(user(name, "worker", [plan.id]))
    if demo:
        users.append(user("demo-supervisor", "supervisor", [p.id for p in plans]))
        return users
    sup_width = max(2, len(str((len(plans) + 9) // 10)))
    for k in range(0, len(plans), 10):
        grids = [p.id for p in plans[k : k + 10]]
        users.append(user(f"supervisor-{k // 10 + 1:0{sup_width}d}", "supervisor", grids))
    return users
