"""The rows of a ledger, read from either side's entity tables.

The service and the desktop app build their entity tables from the same field definitions
(``sync.tables``), both with ``grid_id`` and ``deleted``; ``ledger_rows`` reads either, given
the tables, and returns the row dicts ``sync.ledger.columns`` describes; ``names`` gives the
names a ledger shows for ids (users, and the residents a visit met).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, func, select

from sync.protocol import codes
from sync.protocol.entities import ENTITIES
from sync.protocol.values import local_day_bound
from sync.protocol.workflow import COUNTED_OUTCOMES

from .errors import LedgerError

HOUSEHOLD_KEYS = ("address", "building", "unit", "room", "kind", "tags", "visit_interval_days")
# The ledgers a period filters (visits by visit time, issues by last update); the others list
# every live row whatever the period.
DATED_ENTITIES = frozenset({"visits", "issues"})
_RELATION_ORDER = {code: i for i, code in enumerate(codes.RELATIONS)}
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str | None) -> tuple[Any, ...]:
    """Sort key in which 2号楼 comes before 10号楼."""
    parts = _DIGITS.split(text or "")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def ledger_rows(
    conn: Connection,
    tables: Mapping[str, Table],
    entity: str,
    grid_id: str | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The live rows of ``entity`` in ``grid_id`` (None: in every grid), in ledger order.

    Visits are filtered by the local date of ``visited_at``, issues by that of ``updated_at``
    (both ends inclusive); households and residents are never filtered by date.
    """
    if entity == "households":
        rows = _households(conn, tables["households"], grid_id)
        last = _last_visits(conn, tables["visits"], grid_id)
        for row in rows:
            row["last_visit"] = last.get(row["id"])
        return rows
    if entity == "residents":
        return _residents(conn, tables["residents"], tables["households"], grid_id)
    if entity == "visits":
        return _visits(conn, tables["visits"], tables["households"], grid_id, date_from, date_to)
    if entity == "issues":
        return _issues(conn, tables["issues"], grid_id, date_from, date_to)
    raise LedgerError(f"不支持导出该类数据：{entity}")


def _last_visits(conn: Connection, v: Table, grid_id: str | None) -> dict[str, str]:
    """Each household's last counting visit (the same rule as due dates and coverage)."""
    query = (
        select(v.c.household_id, func.max(v.c.visited_at))
        .where(*_in_grid(v, grid_id), v.c.deleted.is_(False), v.c.outcome.in_(COUNTED_OUTCOMES))
        .group_by(v.c.household_id)
    )
    return dict(conn.execute(query).all())


def names(
    conn: Connection,
    tables: Mapping[str, Table],
    entity: str,
    rows: list[dict[str, Any]],
    users: Mapping[str, str],
) -> dict[str, str]:
    """Names for the ids a ledger shows: ``users`` (id -> name), and for visits the names of
    the residents they met."""
    out = dict(users)
    if entity == "visits":
        r = tables["residents"]
        met = sorted({p for row in rows for p in row.get("people_met") or []})
        for start in range(0, len(met), 500):
            chunk = met[start : start + 500]
            out.update(dict(conn.execute(select(r.c.id, r.c.name).where(r.c.id.in_(chunk))).all()))
    return out


def _in_grid(table: Table, grid_id: str | None) -> list[Any]:
    """One grid's rows, or (None) every grid's the tables hold: a laptop's, all of its user's."""
    return [] if grid_id is None else [table.c.grid_id == grid_id]


def _fields(table: Table, entity: str) -> list[Any]:
    return [table.c.id, *(table.c[name] for name in ENTITIES[entity].fields if name != "grid_id")]


def _households(conn: Connection, h: Table, grid_id: str | None) -> list[dict[str, Any]]:
    query = select(*_fields(h, "households"), h.c.grid_id, h.c.updated_at).where(
        *_in_grid(h, grid_id), h.c.deleted.is_(False)
    )
    rows = [dict(r) for r in conn.execute(query).mappings()]
    rows.sort(key=lambda r: natural_key(r["address"]))
    return rows


def _residents(conn: Connection, r: Table, h: Table, grid_id: str | None) -> list[dict[str, Any]]:
    """Residents with their household's fields; a household without residents appears once,
    its resident fields blank, so that the file imports it again as a household-only row."""
    homes = _households(conn, h, grid_id)
    query = select(*_fields(r, "residents"), r.c.grid_id).where(
        *_in_grid(r, grid_id), r.c.deleted.is_(False)
    )
    people: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(query).mappings():
        people.setdefault(row["household_id"], []).append(dict(row))
    blank = {name: None for name in ("id", *ENTITIES["residents"].fields)}
    out = []
    for home in homes:
        household = {f"household_{k}": home[k] for k in HOUSEHOLD_KEYS}
        members = sorted(
            people.get(home["id"], []),
            key=lambda p: (
                _RELATION_ORDER.get(p["relation"], len(_RELATION_ORDER)),
                p["birth_date"] or "",
                p["name"],
            ),
        )
        for person in members or [dict(blank, household_id=home["id"], grid_id=home["grid_id"])]:
            out.append({**person, **household})
    return out


def _between(column: Any, date_from: dt.date | None, date_to: dt.date | None) -> list[Any]:
    out = []
    if date_from is not None:
        out.append(column >= local_day_bound(date_from))
    if date_to is not None:
        out.append(column < local_day_bound(date_to + dt.timedelta(days=1)))
    return out


def _visits(
    conn: Connection,
    v: Table,
    h: Table,
    grid_id: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[dict[str, Any]]:
    query = (
        select(*_fields(v, "visits"), v.c.grid_id, h.c.address, h.c.head_name)
        .join(h, h.c.id == v.c.household_id)
        .where(
            *_in_grid(v, grid_id),
            v.c.deleted.is_(False),
            *_between(v.c.visited_at, date_from, date_to),
        )
        .order_by(v.c.visited_at, v.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def _issues(
    conn: Connection,
    i: Table,
    grid_id: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[dict[str, Any]]:
    query = (
        select(*_fields(i, "issues"), i.c.grid_id, i.c.updated_at)
        .where(
            *_in_grid(i, grid_id),
            i.c.deleted.is_(False),
            *_between(i.c.updated_at, date_from, date_to),
        )
        .order_by(i.c.updated_at.desc(), i.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
