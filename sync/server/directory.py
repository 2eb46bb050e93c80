"""Who works in the caller's grids: names for the review queue, coverage and assignments.

Visits, issues and reviews carry user ids; a supervisor's screens show names. A caller sees the
active users who hold at least one of the caller's grids (an admin sees everyone), with the
grids they hold among the caller's. Nothing else about a user is disclosed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, select

from .context import Caller
from .models import User, UserGrid


def list_people(engine: Engine, caller: Caller) -> dict[str, Any]:
    query = (
        select(User.id, User.display_name, User.role, UserGrid.grid_id)
        .select_from(User)
        .join(UserGrid, UserGrid.user_id == User.id, isouter=caller.grids is None)
        .where(User.active.is_(True))
    )
    if caller.grids is not None:
        query = query.where(UserGrid.grid_id.in_(sorted(caller.grids)))
    people: dict[str, dict[str, Any]] = {}
    grids: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as conn:
        for r in conn.execute(query):
            people.setdefault(r.id, {"id": r.id, "display_name": r.display_name, "role": r.role})
            if r.grid_id is not None:
                grids[r.id].add(r.grid_id)
    return {
        "users": [
            {**person, "grids": sorted(grids[user_id])}
            for user_id, person in sorted(people.items(), key=lambda p: p[1]["display_name"])
        ]
    }
