"""Ledgers (台账) on the service: export a grid's rows, import a household ledger into a grid.

An import is applied like a push: one transaction, the grid locked, every row judged by
``Batch`` (sync.server.apply), so the new households and residents take versions in the
grid's change sequence and its count and digest stay right, and clients download them as
usual. The plan is made inside that transaction, under the grid's lock, so what is checked
for duplicates is what the import is written against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from sync.ledger import source
from sync.ledger.importer import (
    ExistingData,
    ImportPlan,
    address_key,
    candidate_id_numbers,
    plan_import,
)
from sync.ledger.reader import Table
from sync.ledger.source import DATED_ENTITIES
from sync.ledger.writer import period_text, write_ledger

from . import audit
from .apply import Batch
from .context import ApiError, Caller
from .db import read_tx, retrying, write_tx
from .models import ENTITY_TABLES, Grid, User
from .settings import Settings

H = ENTITY_TABLES["households"]
R = ENTITY_TABLES["residents"]
V = ENTITY_TABLES["visits"]

_CHUNK = 500
# The device recorded with anything the import's Batch notes; no device row is needed
# because a rejected import is rolled back whole and nothing of it is stored.
IMPORT_DEVICE = "gridsync-import"


def _grid_name(conn: Connection, grid_id: str) -> str:
    name = conn.execute(select(Grid.name).where(Grid.id == grid_id)).scalar_one_or_none()
    if name is None:
        raise ApiError(404, "not_found", f"网格 {grid_id} 不存在")
    return str(name)


def export_ledger(
    engine: Engine,
    entity: str,
    grid_id: str,
    out: Path,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    actor: audit.Actor = audit.CLI,
) -> int:
    """Write the live rows of ``entity`` in ``grid_id`` to ``out``; returns the rows written."""
    with read_tx(engine) as conn:
        grid_name = _grid_name(conn, grid_id)
        rows = source.ledger_rows(conn, ENTITY_TABLES, entity, grid_id, date_from, date_to)
        users = dict(conn.execute(select(User.id, User.display_name)).all())
        names = source.names(conn, ENTITY_TABLES, entity, rows, users)
    names[grid_id] = grid_name  # the 网格 column shows the grid's name, not its id
    period = period_text(date_from, date_to) if entity in DATED_ENTITIES else None
    count = write_ledger(out, entity, rows, names, title=grid_name, period=period)
    suffix = Path(out).suffix.lower().lstrip(".")
    detail = {"entity": entity, "format": suffix, "from": date_from, "to": date_to}
    audit.record(engine, actor, "ledger_export", target=grid_id, rows=count, detail=detail)
    return count


def existing_data(conn: Connection, grid_id: str, id_numbers: Iterable[str]) -> ExistingData:
    """The grid's households and residents, and where the ledger's ID numbers are registered.

    Only the ledger's own ID numbers are looked up (all grids): a city holds millions.
    """
    households = {
        address_key(address): household_id
        for household_id, address in conn.execute(
            select(H.c.id, H.c.address).where(H.c.grid_id == grid_id, H.c.deleted.is_(False))
        )
    }
    names: dict[str, set[str]] = {}
    for household_id, name in conn.execute(
        select(R.c.household_id, R.c.name).where(R.c.grid_id == grid_id, R.c.deleted.is_(False))
    ):
        names.setdefault(household_id, set()).add(name)
    wanted = sorted(set(id_numbers))
    existing = ExistingData(households, {}, names)
    for start in range(0, len(wanted), _CHUNK):
        query = select(R.c.id_number, R.c.household_id, R.c.grid_id).where(
            R.c.id_number.in_(wanted[start : start + _CHUNK]), R.c.deleted.is_(False)
        )
        for number, household_id, row_grid in conn.execute(query):
            existing.register(number, household_id, row_grid, grid_id)
    return existing


@dataclass
class ImportResult:
    plan: ImportPlan
    committed: bool
    versions: tuple[int, int] | None = None  # first and last version the rows took


def import_households(
    engine: Engine,
    settings: Settings,
    table: Table,
    grid_id: str,
    *,
    commit: bool = False,
    actor: audit.Actor = audit.CLI,
) -> ImportResult:
    """Plan the import of a household ledger into ``grid_id`` and, with ``commit``, apply it.

    Rows with errors are left out; the others go in one transaction. A mutation the server
    rejects (which the plan should have prevented) rolls everything back as an ``ApiError``.
    """
    id_numbers = candidate_id_numbers(table)
    if not commit:
        with read_tx(engine) as conn:
            _grid_name(conn, grid_id)
            existing = existing_data(conn, grid_id, id_numbers)
        plan = plan_import(table, grid_id, existing, now=settings.clock())
        return ImportResult(plan, committed=False)
    return retrying(lambda: _commit(engine, settings, table, grid_id, id_numbers, actor))


def _importer(conn: Connection) -> str | None:
    """Who the imported rows are ``updated_by``: the first active admin, else nobody.

    Importing a ledger is the back office's act (DESIGN.md: admins import ledgers), and the
    CLI runs with the database's rights, not as a logged-in user. A real admin's id lets the
    clients show a name for "last changed by"; with no admin yet, NULL, as for seeded rows.
    """
    query = (
        select(User.id)
        .where(User.role == "admin", User.active.is_(True))
        .order_by(User.created_at, User.username)
        .limit(1)
    )
    found = conn.execute(query).scalar_one_or_none()
    return str(found) if found is not None else None


def _commit(
    engine: Engine,
    settings: Settings,
    table: Table,
    grid_id: str,
    id_numbers: set[str],
    actor: audit.Actor,
) -> ImportResult:
    now = settings.clock()
    with write_tx(engine) as conn:
        _grid_name(conn, grid_id)
        admin_id = _importer(conn)
        caller = Caller(admin_id or "", "gridsync", "admin", IMPORT_DEVICE, grids=None)
        batch = Batch(conn, settings, caller, now, allocator=settings.test_hooks.version_allocator)
        batch.versions.lock([grid_id])
        plan = plan_import(table, grid_id, existing_data(conn, grid_id, id_numbers), now=now)
        mutations = [dict(m, seq=seq) for seq, m in enumerate(plan.mutations(), start=1)]
        # In the import's transaction: recorded exactly when the rows are written.
        counts = {"households": plan.new_households, "residents": plan.new_residents}
        audit.record(
            conn, actor, "ledger_import", at=now, target=grid_id, rows=len(mutations), detail=counts
        )
        if not mutations:
            return ImportResult(plan, committed=True)
        batch.lock_for(mutations, {grid_id})
        versions = apply_all_or_nothing(batch, mutations, plan.source_rows(), admin_id)
    return ImportResult(plan, committed=True, versions=(min(versions), max(versions)))


def apply_all_or_nothing(
    batch: Batch, mutations: list[dict[str, Any]], row_of: Mapping[str, int], admin_id: str | None
) -> list[int]:
    """Apply an import's mutations in the caller's transaction (the grids already locked):
    every one applied, or a 422 naming the source row of the first that was not, and the
    transaction rolls back, so nothing is written. Returns the versions given. Shared by the
    ledger import and the 12345 work-order import."""
    versions = []
    for m in mutations:
        result = batch.apply(m)
        if result["status"] != "applied":
            error = result["error"] or {"code": result["status"], "message": "记录已存在"}
            raise ApiError(
                422,
                str(error["code"]),
                f"第{row_of.get(m['id'], '?')}行未能导入：{error['message']}；"
                "整个导入已撤销，未写入任何数据",
            )
        versions.append(int(result["version"]))
    if admin_id is None:
        for row in batch.inserts.values():
            row["updated_by"] = None
    batch.write()
    batch.versions.flush()
    return versions
