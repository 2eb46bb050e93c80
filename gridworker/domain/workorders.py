"""12345 work orders on the supervisor's laptop: import the hotline's export, the 待分派 list,
the reply sheet. Qt-free.

The laptop import is supported as well as the service's (``gridsync import-workorders``): the
plan is the same (``sync.workorders``), made against the households and tickets this laptop
holds (a supervisor's laptop holds all of their grids), and committed as ordinary issue
creates through the outbox, so the orders reach the service and the workers at the next sync.
A ticket already on the laptop is never created twice; one imported elsewhere and not yet
downloaded would be, so sync before importing (the dialog says so). The import and the reply
export are reported to the service's audit trail as a ledger import / export of issues.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select

from sync.protocol.errors import PermissionDenied
from sync.protocol.values import format_time, parse_time
from sync.protocol.workflow import REVIEWER_ROLES
from sync.workorders import (
    WorkOrderPlan,
    plan_workorders,
    read_orders,
    reply_rows,
    write_replies,
)

from ..client import audit
from ..store.local import Store
from ..store.schema import ENTITY_TABLES
from . import queries
from .queries import UNFINISHED_STATUSES

H = ENTITY_TABLES["households"]
I = ENTITY_TABLES["issues"]  # noqa: E741
LAST_EXPORT_KEY = "workorder_replies_at"

Row = dict[str, Any]


def check_may_import(store: Store) -> None:
    if store.user.get("role") not in REVIEWER_ROLES:
        raise PermissionDenied("只有网格长或管理员可以导入 12345 工单", code="forbidden")


def plan_file(store: Store, path: Path, default_grid: str) -> WorkOrderPlan:
    """Read and plan a work-order export against what this laptop holds (nothing written)."""
    table = read_orders(Path(path))
    with store.read() as conn:
        households = [
            dict(r)
            for r in conn.execute(
                select(H.c.id, H.c.grid_id, H.c.address, H.c.building, H.c.unit, H.c.room).where(
                    H.c.deleted.is_(False)
                )
            ).mappings()
        ]
        refs = set(
            conn.execute(select(I.c.external_ref).where(I.c.external_ref.is_not(None))).scalars()
        )
    return plan_workorders(table, default_grid, households, refs, now=store.clock())


def commit(store: Store, plan: WorkOrderPlan) -> int:
    """Create the plan's issues in one local transaction (row + outbox each)."""
    check_may_import(store)
    mutations = plan.mutations()
    with store.write() as conn:
        for m in mutations:
            values = {k: v for k, v in m["values"].items() if k != "id"}
            store.create(conn, "issues", values, row_id=m["id"])
        audit.queue_event(
            store,
            "ledger_import",
            grid_id=plan.default_grid,
            rows=len(mutations),
            detail={"entity": "issues"},
            conn=conn,
        )
    return len(mutations)


def unassigned(store: Store) -> list[Row]:
    """The 待分派 list: unfinished work orders with no household and no assignee, oldest
    deadline first. The supervisor assigns each to a worker (改派) by hand."""
    query = (
        select(I)
        .where(
            and_(
                I.c.deleted.is_(False),
                I.c.external_ref.is_not(None),
                I.c.household_id.is_(None),
                I.c.assignee_id.is_(None),
                I.c.status.in_(UNFINISHED_STATUSES),
            )
        )
        .order_by(I.c.due_date.is_(None), I.c.due_date, I.c.external_ref)
    )
    with store.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def last_export(store: Store) -> dt.datetime | None:
    value = store.get_meta(LAST_EXPORT_KEY)
    return parse_time(value) if value else None


def export_replies(store: Store, path: Path, *, everything: bool = False) -> int:
    """Write the reply sheet of the orders resolved since the last export from this laptop
    (``everything``: all resolved orders) and remember the time; returns the rows."""
    now = store.clock()
    since = None if everything else last_export(store)
    with store.read() as conn:
        rows = reply_rows(conn, ENTITY_TABLES, since, None, queries.names(store))
    count = write_replies(Path(path), rows)
    with store.write() as conn:
        store.set_meta(conn, LAST_EXPORT_KEY, format_time(now))
        audit.queue_event(
            store,
            "ledger_export",
            grid_id=None,
            rows=count,
            detail={"entity": "issues", "format": "xlsx"},
            conn=conn,
        )
    return count
