"""Ledgers (台账) from the desktop app: export what the laptop holds, import a household ledger.

Rows for a ledger come from ``sync.ledger.source`` (the same query the service's ``gridsync
export`` runs, over the client's copy of the tables). An import is planned by
``sync.ledger.importer`` against the households and residents this laptop holds, and committed
as ordinary creates (row + outbox in one local transaction), so it reaches the server and the
grid's change sequence at the next sync, like any other change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from sync.ledger import source
from sync.ledger.importer import ExistingData, ImportPlan, address_key
from sync.ledger.source import DATED_ENTITIES
from sync.ledger.writer import period_text, write_ledger
from sync.protocol.errors import PermissionDenied
from sync.protocol.workflow import REVIEWER_ROLES

from ..client import audit
from ..store.local import Store
from ..store.schema import ENTITY_TABLES
from . import queries

H = ENTITY_TABLES["households"]
R = ENTITY_TABLES["residents"]

Progress = Callable[[int, int], None]


def export_ledger(
    store: Store,
    entity: str,
    grid_id: str | None,
    path: Path,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> int:
    """Write the ledger of a grid (None: every grid the laptop holds) to ``path`` (.xlsx or
    .csv); returns the number of rows."""
    users = queries.names(store)
    with store.read() as conn:
        rows = source.ledger_rows(conn, ENTITY_TABLES, entity, grid_id, date_from, date_to)
        names = source.names(conn, ENTITY_TABLES, entity, rows, users)
    grid_names = queries.grid_names(store)
    names.update(grid_names)  # the 网格 column shows the grid's name, not its id
    grid_name = grid_names.get(grid_id, grid_id) if grid_id else "全部网格"
    period = period_text(date_from, date_to) if entity in DATED_ENTITIES else None
    count = write_ledger(Path(path), entity, rows, names, title=grid_name, period=period)
    suffix = Path(path).suffix.lower().lstrip(".")
    detail = {"entity": entity, "format": suffix, "from": date_from, "to": date_to}
    audit.queue_event(store, "ledger_export", grid_id=grid_id, rows=count, detail=detail)
    return count


def existing_data(store: Store, grid_id: str) -> ExistingData:
    """What the laptop already holds, to find the ledger's duplicates."""
    with store.read() as conn:
        households = {
            address_key(r.address): r.id
            for r in conn.execute(
                select(H.c.id, H.c.address).where(H.c.grid_id == grid_id, H.c.deleted.is_(False))
            )
        }
        existing = ExistingData(households=households)
        for r in conn.execute(
            select(R.c.household_id, R.c.name, R.c.id_number, R.c.grid_id).where(
                R.c.deleted.is_(False)
            )
        ):
            if r.id_number:
                existing.register(r.id_number, r.household_id, r.grid_id, grid_id)
            existing.resident_names.setdefault(r.household_id, set()).add(r.name)
    return existing


def check_may_import(store: Store) -> None:
    if store.user.get("role") not in REVIEWER_ROLES:
        raise PermissionDenied("只有网格长或管理员可以导入台账", code="forbidden")


def commit_import(
    store: Store, plan: ImportPlan, progress: Progress | None = None
) -> dict[str, int]:
    """Create the plan's households and residents in one local transaction."""
    check_may_import(store)
    mutations = plan.mutations()
    counts = {"households": 0, "residents": 0}
    with store.write() as conn:
        for done, m in enumerate(mutations, 1):
            values = {k: v for k, v in m["values"].items() if k != "id"}
            # The planned ids: residents point at their planned household.
            store.create(conn, m["entity"], values, row_id=m["id"])
            counts[m["entity"]] = counts.get(m["entity"], 0) + 1
            if progress is not None and done % 200 == 0:
                progress(done, len(mutations))
        audit.queue_event(
            store,
            "ledger_import",
            grid_id=plan.grid_id,
            rows=len(mutations),
            detail=counts,
            conn=conn,
        )
    if progress is not None:
        progress(len(mutations), len(mutations))
    return counts
