"""Conflicts and rejected mutations, for the people who must see them (PROTOCOL.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, or_, select, update

from sync.protocol.values import format_time

from .context import ApiError, Caller
from .db import write_tx
from .models import Conflict, Rejection, User

_STATES = ("open", "settled", "all")


def _visible(model: Any, caller: Caller, grid_id: str | None) -> list[Any]:
    """Supervisors see their grids'; a worker sees those of their own mutations and rows."""
    where = []
    if grid_id is not None:
        if not caller.holds(grid_id):
            raise ApiError(403, "out_of_scope", "不在本人负责的网格内")
        where.append(model.grid_id == grid_id)
    if caller.is_reviewer:
        if caller.grids is not None:
            where.append(model.grid_id.in_(sorted(caller.grids)))
    else:
        mine = [model.user_id == caller.user_id]
        if model is Conflict:
            mine.append(Conflict.theirs_user_id == caller.user_id)
        where.append(or_(*mine))
    return where


def _names(conn: Any, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = conn.execute(select(User.id, User.display_name).where(User.id.in_(sorted(ids))))
    return {r.id: r.display_name for r in rows}


def list_conflicts(
    engine: Engine, caller: Caller, grid_id: str | None, state: str, limit: int = 500
) -> dict[str, Any]:
    if state not in _STATES:
        raise ApiError(422, "invalid_value", "state 应为 open、settled 或 all")
    query = select(Conflict.__table__).where(*_visible(Conflict, caller, grid_id))
    if state != "all":
        query = query.where(Conflict.state == state)
    with engine.connect() as conn:
        rows = list(conn.execute(query.order_by(Conflict.id.desc()).limit(limit)))
        names = _names(
            conn, {r.user_id for r in rows} | {r.theirs_user_id for r in rows if r.theirs_user_id}
        )
    return {
        "conflicts": [
            {
                "id": r.id,
                "grid_id": r.grid_id,
                "entity": r.entity,
                "row_id": r.row_id,
                "field": r.field,
                "kind": r.kind,
                "base": r.base,
                "theirs": r.theirs,
                "ours": r.ours,
                "user_id": r.user_id,
                "user_name": names.get(r.user_id),
                "theirs_user_id": r.theirs_user_id,
                "theirs_user_name": names.get(r.theirs_user_id or ""),
                "device_id": r.device_id,
                "seq": r.seq,
                "version": r.version,
                "created_at": format_time(r.created_at),
                "state": r.state,
                "settled_by": r.settled_by,
                "settled_at": format_time(r.settled_at) if r.settled_at else None,
            }
            for r in rows
        ]
    }


def settle_conflict(
    engine: Engine, settings: Any, caller: Caller, conflict_id: int
) -> dict[str, Any]:
    with write_tx(engine) as conn:
        row = conn.execute(select(Conflict.__table__).where(Conflict.id == conflict_id)).first()
        allowed = row is not None and (
            (caller.is_reviewer and caller.holds(row.grid_id))
            or caller.user_id in (row.user_id, row.theirs_user_id)
        )
        if row is None or not allowed:
            raise ApiError(404, "not_found", "冲突记录不存在")
        if row.state != "settled":
            now = settings.clock()
            conn.execute(
                update(Conflict)
                .where(Conflict.id == conflict_id)
                .values(state="settled", settled_by=caller.user_id, settled_at=now)
            )
    return {"id": conflict_id, "state": "settled"}


def list_rejections(
    engine: Engine, caller: Caller, grid_id: str | None, limit: int = 500, after_id: int = 0
) -> dict[str, Any]:
    """Newest first; ``after_id`` gives only those recorded after it (rejections never change)."""
    query = select(Rejection.__table__).where(
        *_visible(Rejection, caller, grid_id), Rejection.id > after_id
    )
    with engine.connect() as conn:
        rows = list(conn.execute(query.order_by(Rejection.id.desc()).limit(limit)))
        names = _names(conn, {r.user_id for r in rows})
    return {
        "rejections": [
            {
                "id": r.id,
                "grid_id": r.grid_id,
                "entity": r.entity,
                "row_id": r.row_id,
                "device_id": r.device_id,
                "user_id": r.user_id,
                "user_name": names.get(r.user_id),
                "seq": r.seq,
                "mutation": r.mutation,
                "error": {"code": r.code, "message": r.message},
                "created_at": format_time(r.created_at),
            }
            for r in rows
        ]
    }
