"""Pull: a grid's changes since a cursor, in version order (PROTOCOL.md, "Pull").

A page is read in one snapshot: each entity table and the leaves of a grid are read from the
cursor on, merged by version and cut at the limit, and the checksums of the last page come
from the same snapshot (the grid row, kept current by every writer).
"""

from __future__ import annotations

import heapq
from typing import Any

from sqlalchemy import Connection, Engine, select

from sync.protocol import wire
from sync.protocol.entities import EXTENSION_ENTITIES, entities_for, tombstone

from .campaigns import combined_checksums
from .context import ApiError, Caller
from .db import read_tx
from .epoch import current_epoch, read_epoch
from .models import ENTITY_TABLES, Device, Grid, Leave
from .rows import to_wire


def check_request(body: Any) -> tuple[dict[str, int], int]:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "请求体应为 JSON 对象")
    cursors = body.get("cursors", {})
    if not isinstance(cursors, dict):
        raise ApiError(422, "invalid_cursor", "cursors 应为 {网格: 游标} 对象")
    for grid_id, cursor in cursors.items():
        if isinstance(cursor, bool) or not isinstance(cursor, int) or not 0 <= cursor < 2**63:
            raise ApiError(422, "invalid_cursor", "游标应为非负整数", {"grid_id": grid_id[:64]})
    limit = body.get("limit", wire.DEFAULT_PULL_LIMIT)
    if limit is None:
        limit = wire.DEFAULT_PULL_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ApiError(422, "invalid_limit", "limit 应为正整数")
    return cursors, min(limit, wire.MAX_PULL_LIMIT)


def requested_extensions(body: Any) -> frozenset[str]:
    """The extensions the client declares it supports (``"extensions": [...]``), among those
    this service knows; a client of version 1 declares none and gets version 1 rows only."""
    declared = body.get("extensions") if isinstance(body, dict) else None
    if not isinstance(declared, list):
        return frozenset()
    return frozenset(e for e in declared if isinstance(e, str) and e in EXTENSION_ENTITIES)


def pull(engine: Engine, caller: Caller, body: Any, now_text: str) -> dict[str, Any]:
    cursors, limit = check_request(body)
    extensions = requested_extensions(body)
    entities = entities_for(extensions)
    with read_tx(engine) as conn:
        grids = _caller_grids(conn, caller)
        held = {g["id"] for g in grids}
        revoked = sorted(g for g in cursors if g not in held)
        changes: list[dict[str, Any]] = []
        new_cursors: dict[str, int] = {}
        has_more = False
        for grid_id in sorted(g for g in cursors if g in held):
            cursor = cursors[grid_id]
            room = limit - len(changes)
            if room <= 0:
                has_more = True
                new_cursors[grid_id] = cursor
                continue
            page, more = _grid_changes(conn, grid_id, cursor, room, entities)
            changes += page
            new_cursors[grid_id] = page[-1]["version"] if page else cursor
            has_more = has_more or more
        checksums = {}
        if not has_more and new_cursors:
            rows = conn.execute(
                select(Grid.id, Grid.row_count, Grid.digest).where(Grid.id.in_(new_cursors))
            )
            checksums = {r.id: {"count": r.row_count, "digest": r.digest} for r in rows}
            checksums = combined_checksums(conn, checksums, extensions)
        last_seq = conn.execute(
            select(Device.last_seq).where(Device.id == caller.device_id)
        ).scalar_one_or_none()
        epoch = read_epoch(conn)
    return {
        "changes": changes,
        "cursors": new_cursors,
        "has_more": has_more,
        "grids": grids,
        "revoked_grids": revoked,
        "checksums": checksums,
        "last_seq": last_seq or 0,
        "server_time": now_text,
        # Extension (docs/protocol-extensions/epoch.md): a restore gives a new epoch.
        "epoch": epoch or current_epoch(engine),
        # Extension: those of the declared extensions this service applied (docs/protocol.md).
        "extensions": sorted(extensions),
    }


def _caller_grids(conn: Connection, caller: Caller) -> list[dict[str, Any]]:
    query = select(Grid.id, Grid.name, Grid.community, Grid.street, Grid.district).order_by(Grid.id)
    if caller.grids is not None:
        query = query.where(Grid.id.in_(sorted(caller.grids)))
    return [dict(r) for r in conn.execute(query).mappings()]


def _grid_changes(
    conn: Connection, grid_id: str, cursor: int, room: int, entities: tuple[str, ...]
) -> tuple[list[dict[str, Any]], bool]:
    """The first ``room`` changes of a grid after ``cursor``, and whether more follow.

    The versions alone (an index-only read) find the page's last version first, so that only
    the rows of the page itself are read in full.
    """
    sources: list[tuple[str | None, Any]] = [(e, ENTITY_TABLES[e]) for e in entities]
    sources.append((None, Leave.__table__))
    versions: list[int] = []
    for _entity, table in sources:
        versions += conn.execute(
            select(table.c.version)
            .where(table.c.grid_id == grid_id, table.c.version > cursor)
            .order_by(table.c.version)
            .limit(room + 1)
        ).scalars()
    if not versions:
        return [], False
    versions.sort()
    more = len(versions) > room
    last = versions[min(room, len(versions)) - 1]
    streams = []
    for entity, table in sources:
        where = (table.c.grid_id == grid_id, table.c.version > cursor, table.c.version <= last)
        if entity is None:
            streams.append(
                [
                    {
                        "grid_id": grid_id,
                        "version": r.version,
                        "entity": r.entity,
                        "id": r.row_id,
                        "op": "leave",
                        "row": None,
                    }
                    for r in conn.execute(select(table).where(*where).order_by(table.c.version))
                ]
            )
            continue
        streams.append(
            [
                {
                    "grid_id": grid_id,
                    "version": r["version"],
                    "entity": entity,
                    "id": r["id"],
                    "op": "upsert",
                    "row": _wire_row(entity, dict(r)),
                }
                for r in conn.execute(
                    select(table).where(*where).order_by(table.c.version)
                ).mappings()
            ]
        )
    return list(heapq.merge(*streams, key=lambda c: c["version"])), more


def _wire_row(entity: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row as sent; a tombstone's personal fields are null whatever a row stored by an
    older release still holds (PROTOCOL.md 1.1)."""
    out = to_wire(entity, row)
    return tombstone(entity, out, stored=False) if out["deleted"] else out
