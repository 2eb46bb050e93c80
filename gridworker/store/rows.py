"""Local rows: the server's defaults for a create, applying mutations, rebasing.

A row's local view is always the server's last known state with this device's outstanding
mutations applied on top, in seq order. "Outstanding" means not yet sent, or sent and
acknowledged but not yet seen back in a complete pull. Rejected mutations are never outstanding,
so rebuilding a row after a rejection undoes the rejected change locally.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from sync.protocol import workflow
from sync.protocol.entities import ENTITIES
from sync.protocol.errors import WorkflowError

from .schema import ENTITY_TABLES, Outbox
from .search import refresh_at_commit

Row = dict[str, Any]

# Statuses of acknowledged mutations whose effect the server kept.
KEPT = ("applied", "conflict")


def wire_row(entity: str, stored: Any) -> Row:
    """The row as the protocol has it (entity fields and envelope) from a local row."""
    out: Row = {"id": stored["id"]}
    for name in ENTITIES[entity].fields:
        value = stored[name]
        out[name] = list(value) if isinstance(value, list) else value
    out["version"] = stored["version"]
    out["deleted"] = bool(stored["deleted"])
    out["updated_at"] = stored["updated_at"]
    out["updated_by"] = stored["updated_by"]
    return out


def materialise_create(
    entity: str, row_id: str, values: dict[str, Any], user_id: str | None
) -> Row:
    """The row a create makes, with the defaults the server will set (PROTOCOL.md)."""
    row: Row = {"id": row_id}
    for name, field in ENTITIES[entity].fields.items():
        row[name] = values[name] if name in values else field.empty()
    if entity == "households" and row["visit_interval_days"] is None:
        row["visit_interval_days"] = workflow.visit_interval_days(row["tags"])
    elif entity == "residents" and row["present"] is None:
        row["present"] = True
    elif entity == "visits":
        row["worker_id"] = user_id
        row["review_status"] = row["review_status"] or "pending"
    elif entity == "issues":
        row["status"] = "open"
        row["priority"] = row["priority"] or "normal"
    elif entity == "issue_updates":
        row["author_id"] = user_id
    row.update(version=0, deleted=False, updated_at=None, updated_by=user_id)
    return row


def apply_mutation(
    entity: str, row: Row | None, op: str, payload: Any, user: dict[str, Any]
) -> Row | None:
    """One mutation's effect on the local view of a row."""
    if op == "create":
        if row is None:
            return materialise_create(entity, payload.get("id") or "", payload, user.get("id"))
        return {**row, **{k: v for k, v in payload.items() if k in ENTITIES[entity].fields}}
    if row is None:
        return None
    if op == "delete":
        return {**row, "deleted": True}
    changed = {**row}
    for name, change in payload.items():
        changed[name] = change["new"]
    if entity == "visits" and "review_status" not in payload:
        changed["review_status"] = workflow.review_status_after_edit(
            row.get("review_status"), user.get("role")
        )
    return changed


def outstanding(conn: Connection, entity: str, row_ids: Iterable[str]) -> dict[str, list[Any]]:
    """The outstanding mutations of these rows, in seq order, by row id."""
    ids = list(row_ids)
    out: dict[str, list[Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            select(Outbox.__table__)
            .where(
                Outbox.entity == entity,
                Outbox.row_id.in_(chunk),
                or_(
                    Outbox.status == "pending",
                    and_(Outbox.status.in_(KEPT), Outbox.settled.is_(False)),
                ),
            )
            .order_by(Outbox.seq)
        )
        for r in rows:
            out.setdefault(r.row_id, []).append(r)
    return out


def any_outstanding(conn: Connection) -> bool:
    """Whether any mutation still needs rebasing (if not, a pull page can skip the lookups)."""
    query = select(Outbox.seq).where(
        or_(Outbox.status == "pending", and_(Outbox.status.in_(KEPT), Outbox.settled.is_(False)))
    )
    return conn.execute(query.limit(1)).first() is not None


def has_pending(conn: Connection, entity: str, row_id: str) -> bool:
    """Unsent mutations (the rule of eviction: such a row is never removed)."""
    return (
        conn.execute(
            select(Outbox.seq)
            .where(Outbox.entity == entity, Outbox.row_id == row_id, Outbox.status == "pending")
            .limit(1)
        ).first()
        is not None
    )


def replay(
    entity: str, snapshot: Row | None, mutations: Sequence[Any], user: dict[str, Any]
) -> Row | None:
    row = dict(snapshot) if snapshot is not None else None
    for m in mutations:
        payload = m.payload if m.op != "create" else {**m.payload, "id": m.row_id}
        row = apply_mutation(entity, row, m.op, payload, user)
    return row


def issue_status_after(conn: Connection, issue: Row, user: dict[str, Any]) -> str:
    """An issue's status with this device's outstanding issue updates applied in order."""
    status = issue["status"]
    pending = conn.execute(
        select(Outbox.payload)
        .where(
            Outbox.entity == "issue_updates",
            Outbox.op == "create",
            or_(
                Outbox.status == "pending", and_(Outbox.status.in_(KEPT), Outbox.settled.is_(False))
            ),
        )
        .order_by(Outbox.seq)
    ).scalars()
    for payload in pending:
        if payload.get("issue_id") != issue["id"]:
            continue
        try:
            target = workflow.check_transition(
                status, payload.get("status"), user.get("role", "worker")
            )
        except WorkflowError:
            continue
        status = target or status
    return str(status)


def store_row(
    conn: Connection,
    entity: str,
    row: Row,
    *,
    grid_id: str | None,
    base: Row | None,
    base_grid: str | None,
    base_deleted: bool,
    exists: bool,
) -> None:
    table = ENTITY_TABLES[entity]
    values = {
        **row,
        "grid_id": grid_id,
        "base": base,
        "base_grid": base_grid,
        "base_deleted": base_deleted,
    }
    if exists:
        conn.execute(update(table).where(table.c.id == row["id"]).values(values))
    else:
        conn.execute(insert(table).values(values))


def load_row(conn: Connection, entity: str, row_id: str) -> Any:
    table = ENTITY_TABLES[entity]
    return conn.execute(select(table).where(table.c.id == row_id)).mappings().first()


def rebuild(conn: Connection, entity: str, row_id: str, user: dict[str, Any]) -> None:
    """Recompute a row's local view from its server state and its outstanding mutations."""
    stored = load_row(conn, entity, row_id)
    if stored is None:
        return
    snapshot: Row | None
    if stored["base"] is not None:
        snapshot = dict(stored["base"])
    elif stored["version"] > 0:
        snapshot = wire_row(entity, stored)
    else:
        snapshot = None
    mutations = outstanding(conn, entity, [row_id]).get(row_id, [])
    local = replay(entity, snapshot, mutations, user)
    table = ENTITY_TABLES[entity]
    household = stored["id"] if entity == "households" else stored.get("household_id")
    if entity in ("households", "residents", "visits") and household:
        # The row may change the household's search keys or due date: refresh them when
        # the transaction ends (Store.write).
        refresh_at_commit(conn, [household])
    left = stored["version"] > 0 and stored["base_grid"] is None
    if local is None or (left and not mutations):
        # Created here and never accepted, or kept only for mutations that are now sent
        # after the row left this user's grids: it is gone from this laptop.
        conn.execute(delete(table).where(table.c.id == row_id))
        return
    if entity == "issues":
        local["status"] = issue_status_after(conn, local, user)
    conn.execute(
        update(table)
        .where(table.c.id == row_id)
        .values({**local, "base": snapshot if mutations and snapshot is not None else None})
    )
