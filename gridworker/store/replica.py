"""Applying what the server sends: pull pages, leaves, revoked grids, checksums, acks.

Each function runs inside the caller's transaction; the sync engine applies a page and its
cursors in one transaction, so an interrupted pull resumes where it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, and_, delete, select, update

from sync.protocol.entities import ENTITIES, tombstone
from sync.protocol.wire import format_digest, grid_digest, row_hash

from . import rows as rowlib
from .schema import ENTITY_TABLES, GridState, Outbox, SearchKey
from .search import mark_stale

_BOOK = ("id", "version", "grid_id", "base_grid", "base_deleted", "household_id")


class GridBook:
    """The maintained count and digest of the grids a page touches."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.state: dict[str, list[int]] = {}

    def _get(self, grid_id: str) -> list[int] | None:
        if grid_id not in self.state:
            row = self.conn.execute(
                select(GridState.row_count, GridState.digest).where(GridState.grid_id == grid_id)
            ).first()
            if row is None:
                return None
            self.state[grid_id] = [row.row_count, int(row.digest, 16)]
        return self.state[grid_id]

    def toggle(
        self, grid_id: str | None, entity: str, row_id: str, version: int, sign: int
    ) -> None:
        if grid_id is None or version <= 0:
            return
        book = self._get(grid_id)
        if book is not None:
            book[0] += sign
            book[1] ^= row_hash(entity, row_id, version)

    def save(self) -> None:
        for grid_id, (count, digest) in self.state.items():
            self.conn.execute(
                update(GridState)
                .where(GridState.grid_id == grid_id)
                .values(row_count=count, digest=format_digest(digest))
            )


def _existing(conn: Connection, entity: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The bookkeeping columns of the rows already here, in plain SQL (once per chunk of a
    pull: building an IN of 100 bound values through SQLAlchemy cost more than the query)."""
    table = ENTITY_TABLES[entity]
    names = [c for c in _BOOK if c in table.c]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = tuple(ids[start : start + 500])
        sql = (
            f"SELECT {', '.join(names)} FROM {table.name} "
            f"WHERE id IN ({', '.join('?' for _ in chunk)})"
        )
        for r in conn.exec_driver_sql(sql, chunk):
            found[r[0]] = dict(zip(names, r, strict=True))
    return found


# One encoder for every JSON column of a pull (``json.dumps`` with an option builds a new one
# per call); the same text as ``json.dumps(value, ensure_ascii=False)``.
_encode_json = json.JSONEncoder(ensure_ascii=False).encode


def _put_rows(conn: Connection, entity: str, rows: list[dict[str, Any]]) -> None:
    """Insert or replace whole rows through the driver's executemany (a pull's hot path)."""
    table = ENTITY_TABLES[entity]
    names = [c.name for c in table.columns]
    json_at = [i for i, c in enumerate(table.columns) if isinstance(c.type, JSON)]
    getter = itemgetter(*names)
    sql = (
        f"INSERT OR REPLACE INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    params = []
    dumps = _encode_json
    for row in rows:
        values = list(getter(row))
        for i in json_at:
            if values[i] is not None:
                values[i] = "[]" if values[i] == [] else dumps(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


class Applying:
    """What the pages applied in one transaction share, read once and written once at its end
    (``finish``): the grids' counts and digests, whether any mutation needs rebasing (only a
    local write adds one, and none runs inside the transaction), the issues to rebuild and the
    households whose search keys went stale. A pull writes chunks of 100 changes; per chunk,
    these took as many statements as the rows themselves."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.book = GridBook(conn)
        self.any_outstanding = rowlib.any_outstanding(conn)
        self.searched: set[str] = set()
        self.issues: list[str] = []

    def finish(self, user: dict[str, Any]) -> None:
        self.book.save()
        _refresh_issue_statuses(self.conn, self.issues, user)
        mark_stale(self.conn, self.searched)
        self.searched.clear()
        self.issues.clear()


_SHARED = "replica_applying"


@contextmanager
def sharing(conn: Connection, user: dict[str, Any]) -> Iterator[None]:
    """The pages applied inside share one ``Applying``, written when the block ends."""
    state = Applying(conn)
    conn.info[_SHARED] = state
    try:
        yield
        state.finish(user)
    finally:
        conn.info.pop(_SHARED, None)


def apply_page(conn: Connection, changes: list[dict[str, Any]], user: dict[str, Any]) -> None:
    """Store a page of changes: upserts (rebased over outstanding mutations) and leaves.
    Inside ``sharing``, what the transaction's pages share is written at its end."""
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        if change.get("entity") in ENTITIES:
            by_entity.setdefault(change["entity"], []).append(change)
    shared: Applying | None = conn.info.get(_SHARED)
    state = shared if shared is not None else Applying(conn)
    book = state.book
    any_outstanding = state.any_outstanding
    searched = state.searched
    issues_to_rebuild = state.issues
    for entity, entity_changes in by_entity.items():
        table = ENTITY_TABLES[entity]
        ids = list({c["id"] for c in entity_changes})
        existing = _existing(conn, entity, ids)
        waiting = rowlib.outstanding(conn, entity, ids) if any_outstanding else {}
        puts: dict[str, dict[str, Any]] = {}
        drops: set[str] = set()
        unbased: set[str] = set()
        for change in entity_changes:
            row_id, grid = change["id"], change["grid_id"]
            old = existing.get(row_id)
            if change["op"] == "upsert":
                server_row = change["row"]
                if server_row["deleted"]:
                    # Whatever a server of an older release still sends (PROTOCOL.md 1.1).
                    server_row = tombstone(entity, server_row)
                if old is not None and not old["base_deleted"]:
                    book.toggle(old["base_grid"], entity, row_id, old["version"], -1)
                if not server_row["deleted"]:
                    book.toggle(grid, entity, row_id, server_row["version"], +1)
                own_grid = server_row.get("grid_id") if entity in ("households", "issues") else grid
                mutations = waiting.get(row_id)
                local = (
                    rowlib.replay(entity, server_row, mutations, user) if mutations else server_row
                )
                assert local is not None
                if local["deleted"] and mutations:
                    local = tombstone(entity, local)
                puts[row_id] = {
                    **local,
                    "grid_id": own_grid,
                    "base": server_row if mutations else None,
                    "base_grid": grid,
                    "base_deleted": server_row["deleted"],
                }
                if entity == "issues":
                    issues_to_rebuild.append(row_id)
                drops.discard(row_id)
                unbased.discard(row_id)
                existing[row_id] = {
                    "id": row_id,
                    "version": server_row["version"],
                    "grid_id": own_grid,
                    "base_grid": grid,
                    "base_deleted": server_row["deleted"],
                    "household_id": server_row.get("household_id"),
                }
            elif change["op"] == "leave" and old is not None:
                if grid not in (old["base_grid"], old["grid_id"]):
                    continue  # already arrived in its new grid (a client holding both grids)
                if not old["base_deleted"]:
                    book.toggle(old["base_grid"], entity, row_id, old["version"], -1)
                puts.pop(row_id, None)
                if rowlib.has_pending(conn, entity, row_id):
                    unbased.add(row_id)
                else:
                    drops.add(row_id)
                existing.pop(row_id, None)
            if entity == "households":
                searched.add(row_id)
            elif entity in ("residents", "visits") and change["op"] == "upsert":
                searched.add(change["row"]["household_id"])
            elif entity in ("residents", "visits") and old is not None and old.get("household_id"):
                searched.add(old["household_id"])
        if puts:
            _put_rows(conn, entity, list(puts.values()))
        if drops:
            conn.execute(delete(table).where(table.c.id.in_(sorted(drops))))
        if unbased:
            conn.execute(
                update(table)
                .where(table.c.id.in_(sorted(unbased)))
                .values(base_grid=None, base_deleted=False)
            )
    if "issue_updates" in by_entity:
        issues_to_rebuild += [
            c["row"]["issue_id"] for c in by_entity["issue_updates"] if c["op"] == "upsert"
        ]
    if shared is None:
        state.finish(user)


def _refresh_issue_statuses(
    conn: Connection, issue_ids: Iterable[str], user: dict[str, Any]
) -> None:
    """An issue whose status this device is changing keeps showing the new status."""
    pending_issues = set(
        p.get("issue_id")
        for p in conn.execute(
            select(Outbox.payload).where(
                Outbox.entity == "issue_updates",
                Outbox.status.in_(("pending", *rowlib.KEPT)),
                Outbox.settled.is_(False),
            )
        ).scalars()
    )
    for issue_id in set(issue_ids) & pending_issues:
        rowlib.rebuild(conn, "issues", issue_id, user)


def evict_grid(conn: Connection, grid_id: str, limit: int | None = None) -> bool:
    """Remove a grid's rows (revoked, or to download again), except rows with unsent mutations.

    With ``limit``, at most that many rows go (call it in one short transaction after another
    until it returns True); without, all of them. True when none are left to remove.
    """
    budget = limit
    for entity, table in ENTITY_TABLES.items():
        pending = select(Outbox.row_id).where(Outbox.status == "pending", Outbox.entity == entity)
        in_grid = (table.c.grid_id == grid_id) | (table.c.base_grid == grid_id)
        query = select(table.c.id).where(in_grid, ~table.c.id.in_(pending))
        if budget is not None:
            query = query.limit(budget + 1)
        drop = sorted(conn.execute(query).scalars())
        if budget is not None and len(drop) > budget:
            drop = drop[:budget]
            for start in range(0, len(drop), 500):
                conn.execute(delete(table).where(table.c.id.in_(drop[start : start + 500])))
            return False
        for start in range(0, len(drop), 500):
            conn.execute(delete(table).where(table.c.id.in_(drop[start : start + 500])))
        if budget is not None:
            budget -= len(drop)
        conn.execute(
            update(table)
            .where(in_grid, table.c.id.in_(pending))
            .values(base_grid=None, base_deleted=False)
        )
    households = ENTITY_TABLES["households"]
    conn.execute(delete(SearchKey).where(~SearchKey.household_id.in_(select(households.c.id))))
    return True


def recount(conn: Connection, grid_id: str) -> tuple[int, str]:
    """Count and digest of a grid computed from the rows themselves (catches local damage)."""
    rows: list[tuple[str, str, int]] = []
    for entity, table in ENTITY_TABLES.items():
        query = select(table.c.id, table.c.version).where(
            and_(table.c.base_grid == grid_id, table.c.base_deleted.is_(False), table.c.version > 0)
        )
        rows += [(entity, r.id, r.version) for r in conn.execute(query)]
    return grid_digest(rows)
