"""Conflicts and rejected mutations, for the people who must see them (PROTOCOL.md)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import BigInteger, Engine, Text, bindparam, cast, or_, select, update

from sync.protocol.values import format_time

from .context import ApiError, Caller
from .db import write_tx
from .models import Conflict, Rejection, User

_STATES = ("open", "settled", "all")
PAGE_MAX = 500  # rows per page
PAGE_BYTES = 4 * 1024 * 1024  # of JSON per page (the first row always goes)
MUTATION_BYTES = 256 * 1024  # a stored mutation larger than this is listed short
VALUE_BYTES = 64 * 1024  # a conflict's base / theirs / ours
_MAX_DEPTH = 32
_JSON_COLUMNS = ("base", "theirs", "ours")
_BIGINT = 2**63 - 1


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
    engine: Engine,
    caller: Caller,
    grid_id: str | None,
    state: str,
    limit: int = PAGE_MAX,
    after_id: int = 0,
) -> dict[str, Any]:
    """A page of conflicts in ascending id order after ``after_id``; ``has_more`` if more."""
    if state not in _STATES:
        raise ApiError(422, "invalid_value", "state 应为 open、settled 或 all")
    limit = max(1, min(limit, PAGE_MAX))
    columns = [c for c in Conflict.__table__.c if c.name not in _JSON_COLUMNS]
    raw = [cast(Conflict.__table__.c[name], Text).label(name) for name in _JSON_COLUMNS]
    query = select(*columns, *raw).where(
        *_visible(Conflict, caller, grid_id), Conflict.id > _after(after_id)
    )
    if state != "all":
        query = query.where(Conflict.state == state)
    with engine.connect() as conn:
        rows = list(conn.execute(query.order_by(Conflict.id).limit(limit + 1)))
        names = _names(
            conn, {r.user_id for r in rows} | {r.theirs_user_id for r in rows if r.theirs_user_id}
        )
    page: list[dict[str, Any]] = []
    size = 0
    for r in rows[:limit]:
        item = {
            "id": r.id,
            "grid_id": r.grid_id,
            "entity": r.entity,
            "row_id": r.row_id,
            "field": r.field,
            "kind": r.kind,
            **{name: _stored_json(getattr(r, name)) for name in _JSON_COLUMNS},
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
        size += _size(item)
        if page and size > PAGE_BYTES:
            return {"conflicts": page, "has_more": True}
        page.append(item)
    return {"conflicts": page, "has_more": len(rows) > limit}


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
    engine: Engine, caller: Caller, grid_id: str | None, limit: int = 100, after_id: int = 0
) -> dict[str, Any]:
    """A page of rejections in ascending id order after ``after_id`` (rejections never change,
    so a client keeps the last id it saw); ``has_more`` when another page follows.

    A page holds at most ``limit`` rows and about ``PAGE_BYTES`` of JSON. A stored mutation
    that cannot be read back or sent whole (too deep, too large, a lone surrogate) is listed
    in a short form marked ``unreadable``: one bad row never fails the list."""
    limit = max(1, min(limit, PAGE_MAX))
    columns = [c for c in Rejection.__table__.c if c.name != "mutation"]
    query = select(*columns, cast(Rejection.mutation, Text).label("mutation")).where(
        *_visible(Rejection, caller, grid_id), Rejection.id > _after(after_id)
    )
    with engine.connect() as conn:
        rows = list(conn.execute(query.order_by(Rejection.id).limit(limit + 1)))
        names = _names(conn, {r.user_id for r in rows})
    page: list[dict[str, Any]] = []
    size = 0
    for r in rows[:limit]:
        mutation = _stored_json(r.mutation, MUTATION_BYTES)
        if isinstance(mutation, dict) and mutation.get("unreadable"):
            mutation.update(
                {"seq": r.seq, "entity": r.entity, "id": _short(r.row_id), "truncated": True}
            )
        item = {
            "id": r.id,
            "grid_id": r.grid_id,
            "entity": r.entity,
            "row_id": r.row_id,
            "device_id": r.device_id,
            "user_id": r.user_id,
            "user_name": names.get(r.user_id),
            "seq": r.seq,
            "mutation": mutation,
            "error": {"code": r.code, "message": _short(r.message, 1000)},
            "created_at": format_time(r.created_at),
            "handled_at": format_time(r.handled_at) if r.handled_at else None,
            "handled_by": r.handled_by,
        }
        size += _size(item)
        if page and size > PAGE_BYTES:
            return {"rejections": page, "has_more": True}
        page.append(item)
    return {"rejections": page, "has_more": len(rows) > limit}


HANDLED_IDS_MAX = 1000  # ids asked about in one call


def _may_handle(caller: Caller, row: Any) -> bool:
    """A reviewer holding the rejection's grid, or the rejection's author."""
    return (caller.is_reviewer and row.grid_id is not None and caller.holds(row.grid_id)) or (
        caller.user_id == row.user_id
    )


def handle_rejection(
    engine: Engine, settings: Any, caller: Caller, rejection_id: int
) -> dict[str, Any]:
    """已处理: marks a rejection handled (once: the first mark's time and person stay). 404 for
    one the caller may not see, so nothing about it is revealed."""
    with write_tx(engine) as conn:
        row = conn.execute(
            select(
                Rejection.id,
                Rejection.grid_id,
                Rejection.user_id,
                Rejection.handled_at,
                Rejection.handled_by,
            ).where(Rejection.id == rejection_id)
        ).first()
        if row is None or not _may_handle(caller, row):
            raise ApiError(404, "not_found", "被拒记录不存在")
        handled_at, handled_by = row.handled_at, row.handled_by
        if handled_at is None:
            handled_at, handled_by = settings.clock(), caller.user_id
            conn.execute(
                update(Rejection)
                .where(Rejection.id == rejection_id, Rejection.handled_at.is_(None))
                .values(handled_at=handled_at, handled_by=handled_by)
            )
    return {"id": rejection_id, "handled_at": format_time(handled_at), "handled_by": handled_by}


def handled_rejections(engine: Engine, caller: Caller, ids: list[int]) -> dict[str, Any]:
    """Of ``ids`` (at most HANDLED_IDS_MAX), those the caller may see that are handled."""
    wanted = sorted({i for i in ids if 0 < i <= 2**31 - 1})[:HANDLED_IDS_MAX]
    if not wanted:
        return {"handled": []}
    query = select(Rejection.id, Rejection.handled_at, Rejection.handled_by).where(
        *_visible(Rejection, caller, None),
        Rejection.id.in_(wanted),
        Rejection.handled_at.is_not(None),
    )
    with engine.connect() as conn:
        rows = list(conn.execute(query.order_by(Rejection.id)))
    return {
        "handled": [
            {"id": r.id, "handled_at": format_time(r.handled_at), "handled_by": r.handled_by}
            for r in rows
        ]
    }


# -- reading stored JSON back safely ---------------------------------------------------------


def _after(after_id: int) -> Any:
    """The cursor as a 64-bit parameter: ids are 32-bit on PostgreSQL, and a larger cursor
    bound as INTEGER would overflow instead of simply matching nothing."""
    return bindparam("after_id", max(0, min(after_id, _BIGINT)), type_=BigInteger)


def _stored_json(text: str | None, max_bytes: int = VALUE_BYTES) -> Any:
    """A stored JSON value as it can be sent: parsed, sendable, bounded; else a short marker."""
    if text is None:
        return None
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        return {"unreadable": "too_large"}
    try:
        value = json.loads(text)
        if _depth(value) > _MAX_DEPTH:
            return {"unreadable": "too_deep"}
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, TypeError, RecursionError, UnicodeError):
        return {"unreadable": "invalid"}
    return value


def _depth(value: Any) -> int:
    """Nesting depth, without recursion (a stored value may be nested thousands deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > _MAX_DEPTH:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _short(text: str | None, limit: int = 200) -> str | None:
    if text is None:
        return None
    text = text[:limit]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _size(item: dict[str, Any]) -> int:
    """Bytes of the item's JSON as it is sent (UTF-8)."""
    return len(json.dumps(item, ensure_ascii=False).encode("utf-8"))
