"""Reading replicated rows, and turning stored rows into wire rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from sync.protocol.entities import ENTITIES

from .models import ENTITY_TABLES

StoredRow = dict[str, Any]

# Entities whose grid_id is one of their own fields (the others' is derived).
OWN_GRID = frozenset({"households", "issues"})

_CHUNK = 500


def to_wire(entity: str, row: StoredRow) -> dict[str, Any]:
    """The row as the protocol sends it: its entity fields plus the envelope."""
    out: dict[str, Any] = {"id": row["id"]}
    for name in ENTITIES[entity].fields:
        value = row[name]
        if isinstance(value, list):
            value = list(value)
        out[name] = value
    out["version"] = row["version"]
    out["deleted"] = bool(row["deleted"])
    out["updated_at"] = row["updated_at"]
    out["updated_by"] = row["updated_by"]
    return out


def fetch_rows(conn: Connection, entity: str, ids: Iterable[str]) -> dict[str, StoredRow]:
    table = ENTITY_TABLES[entity]
    wanted = sorted(set(ids))
    found: dict[str, StoredRow] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in conn.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            found[row["id"]] = dict(row)
    return found


def children_of_household(conn: Connection, household_id: str) -> dict[str, list[StoredRow]]:
    """Every row that belongs to a household, tombstones included, parents first."""
    out: dict[str, list[StoredRow]] = {}
    for entity in ("residents", "visits", "issues"):
        table = ENTITY_TABLES[entity]
        out[entity] = [
            dict(r)
            for r in conn.execute(
                select(table).where(table.c.household_id == household_id).order_by(table.c.id)
            ).mappings()
        ]
    issue_ids = [r["id"] for r in out["issues"]]
    updates = ENTITY_TABLES["issue_updates"]
    out["issue_updates"] = []
    for start in range(0, len(issue_ids), _CHUNK):
        chunk = issue_ids[start : start + _CHUNK]
        out["issue_updates"] += [
            dict(r)
            for r in conn.execute(
                select(updates).where(updates.c.issue_id.in_(chunk)).order_by(updates.c.id)
            ).mappings()
        ]
    owners = [household_id] + [r["id"] for rows in out.values() for r in rows]
    attachments = ENTITY_TABLES["attachments"]
    out["attachments"] = []
    for start in range(0, len(owners), _CHUNK):
        chunk = owners[start : start + _CHUNK]
        out["attachments"] += [
            dict(r)
            for r in conn.execute(
                select(attachments)
                .where(attachments.c.owner_id.in_(chunk))
                .order_by(attachments.c.id)
            ).mappings()
        ]
    return out
