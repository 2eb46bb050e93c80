"""Loading a generated data set (``sync.datagen``) into the service database.

Rows enter their grid's change sequence like any other change: each gets the next version of
its grid and the grid's count and digest are kept, so clients download them as usual.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, insert, select, update

from sync.datagen import generate
from sync.protocol.entities import ENTITIES
from sync.protocol.values import format_time
from sync.protocol.wire import format_digest, row_hash

from .auth import hash_password
from .context import ApiError
from .db import write_tx
from .models import ENTITY_TABLES, Grid, User, UserGrid
from .settings import Settings

DEMO_PASSWORD = "demo-pass-2026"
_CHUNK = 5000


def seed(
    engine: Engine,
    settings: Settings,
    size: str = "demo",
    *,
    seed_value: int = 20261126,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Load the data set ``size`` (demo, worker, supervisor, city); returns the counts."""
    counts: dict[str, int] = defaultdict(int)
    grid_of: dict[str, str] = {}  # household or issue id -> grid
    versions: dict[str, int] = {}
    digests: dict[str, int] = defaultdict(int)
    live: dict[str, int] = defaultdict(int)
    pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
    password_hash = hash_password(DEMO_PASSWORD)
    created = settings.clock()
    stamp = format_time(now or created)
    grid_workers: dict[str, str] = {}

    with write_tx(engine) as conn:

        def flush(entity: str) -> None:
            if pending[entity]:
                conn.execute(insert(ENTITY_TABLES[entity]), pending[entity])
                pending[entity].clear()

        for entity, row in generate(size, seed=seed_value, now=now):
            counts[entity] += 1
            if entity == "grids":
                if conn.execute(select(Grid.id).where(Grid.id == row["id"])).first():
                    raise ApiError(
                        409, "already_exists", f"网格 {row['id']} 已存在：数据库已有演示数据"
                    )
                conn.execute(
                    insert(Grid).values(
                        last_version=0, row_count=0, digest="0" * 16, created_at=created, **row
                    )
                )
                versions[row["id"]] = 0
                continue
            if entity == "users":
                conn.execute(
                    insert(User).values(
                        id=row["id"],
                        username=row["username"],
                        display_name=row["display_name"],
                        role=row["role"],
                        password_hash=password_hash,
                        active=True,
                        created_at=created,
                    )
                )
                grids = list(row["grids"])
                if grids:
                    conn.execute(
                        insert(UserGrid), [{"user_id": row["id"], "grid_id": g} for g in grids]
                    )
                if row["role"] == "worker":
                    for g in grids:
                        grid_workers.setdefault(g, row["id"])
                continue
            grid_id = _grid_of(entity, row, grid_of)
            if entity in ("households", "issues"):
                grid_of[row["id"]] = grid_id
            versions[grid_id] += 1
            version = versions[grid_id]
            stored = {name: row.get(name) for name in ENTITIES[entity].fields}
            stored.update(
                id=row["id"],
                grid_id=grid_id,
                version=version,
                deleted=False,
                updated_at=stamp,
                updated_by=grid_workers.get(grid_id),
            )
            digests[grid_id] ^= row_hash(entity, row["id"], version)
            live[grid_id] += 1
            pending[entity].append(stored)
            if len(pending[entity]) >= _CHUNK:
                # Parents first: flush every entity before this one too.
                for earlier in ENTITIES:
                    flush(earlier)
                    if earlier == entity:
                        break
        for entity in ENTITIES:
            flush(entity)
        for grid_id, last in versions.items():
            conn.execute(
                update(Grid)
                .where(Grid.id == grid_id)
                .values(
                    last_version=last,
                    row_count=live[grid_id],
                    digest=format_digest(digests[grid_id]),
                )
            )
    return dict(counts)


def _grid_of(entity: str, row: dict[str, Any], grid_of: dict[str, str]) -> str:
    if entity == "households":
        return str(row["grid_id"])
    if entity == "issues":
        return grid_of.get(row.get("household_id") or "", str(row["grid_id"]))
    if entity in ("residents", "visits"):
        return grid_of[row["household_id"]]
    if entity == "issue_updates":
        return grid_of[row["issue_id"]]
    return str(grid_of[row["owner_id"]])
