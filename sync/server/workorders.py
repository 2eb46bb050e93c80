"""12345 work orders on the service: import the hotline's export, export the reply sheet.

An import is applied like the household ledger's (``sync.server.ledgers``): planned and
written in one transaction with the grids locked, every issue judged by ``Batch`` so it takes
a version in its grid's change sequence and reaches the laptops at their next sync. Addresses
are matched against the live households of every grid of the default grid's community (a
community's orders come as one file); the ticket numbers already in the database are never
created again. The reply sheet lists the orders resolved since the last reply export of that
community (the audit trail remembers it: ``workorder_replies`` events), or all with ``--all``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from sync.ledger.reader import Table
from sync.workorders import WorkOrderPlan, plan_workorders, reply_rows, write_replies

from . import audit
from .apply import Batch
from .context import Caller
from .db import read_tx, retrying, write_tx
from .ledgers import IMPORT_DEVICE, _grid_name, _importer, apply_all_or_nothing
from .models import ENTITY_TABLES, AuditEvent, Grid, User
from .settings import Settings

H = ENTITY_TABLES["households"]
I = ENTITY_TABLES["issues"]  # noqa: E741


def community_grids(conn: Connection, grid_id: str) -> list[str]:
    """The grids of ``grid_id``'s community (itself alone when it names no community)."""
    _grid_name(conn, grid_id)
    community = conn.execute(select(Grid.community).where(Grid.id == grid_id)).scalar_one()
    if not community:
        return [grid_id]
    query = select(Grid.id).where(Grid.community == community).order_by(Grid.id)
    return [str(g) for g in conn.execute(query).scalars()]


def _plan(conn: Connection, table: Table, grid_id: str, now: dt.datetime) -> WorkOrderPlan:
    grids = community_grids(conn, grid_id)
    households = [
        dict(r)
        for r in conn.execute(
            select(H.c.id, H.c.grid_id, H.c.address, H.c.building, H.c.unit, H.c.room).where(
                H.c.grid_id.in_(grids), H.c.deleted.is_(False)
            )
        ).mappings()
    ]
    # Every ticket ever imported, deleted issues too: a deleted order is not brought back.
    refs = conn.execute(select(I.c.external_ref).where(I.c.external_ref.is_not(None))).scalars()
    return plan_workorders(table, grid_id, households, set(refs), now=now)


@dataclass
class WorkOrderImport:
    plan: WorkOrderPlan
    committed: bool
    versions: tuple[int, int] | None = None


def import_workorders(
    engine: Engine,
    settings: Settings,
    table: Table,
    grid_id: str,
    *,
    commit: bool = False,
    actor: audit.Actor = audit.CLI,
) -> WorkOrderImport:
    """Plan the import into ``grid_id``'s community and, with ``commit``, write it."""
    if not commit:
        with read_tx(engine) as conn:
            return WorkOrderImport(_plan(conn, table, grid_id, settings.clock()), False)
    return retrying(lambda: _commit(engine, settings, table, grid_id, actor))


def _commit(
    engine: Engine, settings: Settings, table: Table, grid_id: str, actor: audit.Actor
) -> WorkOrderImport:
    now = settings.clock()
    with write_tx(engine) as conn:
        admin_id = _importer(conn)
        caller = Caller(admin_id or "", "gridsync", "admin", IMPORT_DEVICE, grids=None)
        batch = Batch(conn, settings, caller, now, allocator=settings.test_hooks.version_allocator)
        grids = community_grids(conn, grid_id)
        batch.versions.lock(grids)
        plan = _plan(conn, table, grid_id, now)
        mutations = [dict(m, seq=seq) for seq, m in enumerate(plan.mutations(), start=1)]
        counts = plan.counts()
        detail = {k: counts[k] for k in ("matched", "unassigned", "already_imported")}
        audit.record(
            conn,
            actor,
            "workorder_import",
            at=now,
            target=grid_id,
            rows=len(mutations),
            detail=detail,
        )
        if not mutations:
            return WorkOrderImport(plan, committed=True)
        batch.lock_for(mutations, set(grids))
        versions = apply_all_or_nothing(batch, mutations, plan.source_rows(), admin_id)
    return WorkOrderImport(plan, committed=True, versions=(min(versions), max(versions)))


def last_reply_export(conn: Connection, grid_id: str) -> dt.datetime | None:
    """When the replies of ``grid_id``'s community were last exported (the audit trail)."""
    query = select(func.max(AuditEvent.at)).where(
        AuditEvent.action == "workorder_replies", AuditEvent.target == grid_id
    )
    found = conn.execute(query).scalar_one_or_none()
    if found is not None and found.tzinfo is None:
        found = found.replace(tzinfo=dt.UTC)
    return found


def export_replies(
    engine: Engine,
    settings: Settings,
    grid_id: str,
    out: Path,
    *,
    everything: bool = False,
    actor: audit.Actor = audit.CLI,
) -> tuple[int, dt.datetime | None]:
    """Write the reply sheet of the orders resolved since the last export (``everything``:
    all resolved orders); returns the rows written and the time exported from."""
    now = settings.clock()
    with read_tx(engine) as conn:
        grids = community_grids(conn, grid_id)
        since = None if everything else last_reply_export(conn, grid_id)
        users = {str(k): str(v) for k, v in conn.execute(select(User.id, User.display_name))}
        rows = reply_rows(conn, ENTITY_TABLES, since, grids, users)
    count = write_replies(out, rows)
    detail = {"all": "yes" if everything else "no"}
    audit.record(
        engine, actor, "workorder_replies", at=now, target=grid_id, rows=count, detail=detail
    )
    return count, since
