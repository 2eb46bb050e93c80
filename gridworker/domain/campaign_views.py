"""What the campaign screens need beyond ``campaigns``: the emergency targets that lead the
worker's day list, and a household list read from Excel on the supervisor's laptop.

Kept apart from ``campaigns`` (the protocol-facing core) so that the screens' conveniences do
not grow it. Qt-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sync.campaign_results import match_household_list

from ..store.local import Store
from ..store.schema import ENTITY_TABLES
from . import campaigns as camp

Row = dict[str, Any]
H = ENTITY_TABLES["households"]


def emergency_targets(store: Store) -> list[Row]:
    """Targets of active emergency campaigns not answered yet, nearest deadline first."""
    if not any(c.emergency for c in camp.active_campaigns(store)):
        return []  # the usual day: one cheap query, no target resolution
    return [t for t in camp.targets(store) if t["kind"] == "emergency" and t["outcome"] is None]


def lead_with_emergencies(store: Store, due: Sequence[Row]) -> list[Row]:
    """Today's list with the households an emergency campaign still waits for at its head
    (each once, marked with the campaign), then the usual due households."""
    urgent = emergency_targets(store)
    if not urgent:
        return list(due)
    by_id = {r["id"]: r for r in due}
    lead: list[Row] = []
    seen: set[str] = set()
    for t in urgent:
        if t["household_id"] in seen:
            continue
        seen.add(t["household_id"])
        base = by_id.get(t["household_id"]) or {
            "id": t["household_id"],
            "address": t["address"],
            "head_name": t["head_name"],
            "tags": t["tags"],
        }
        lead.append({**base, "campaign": t["title"], "campaign_deadline": t["deadline"]})
    return lead + [r for r in due if r["id"] not in seen]


def read_household_list(store: Store, path: Path, grids: Sequence[str]) -> tuple[list[str], int]:
    """Household ids from an Excel list (a 住户编号 or 地址 column, as ``gridsync campaign
    create --households`` reads it), matched against this laptop's households of ``grids``.
    Returns the ids found and how many non-empty rows matched none."""
    with store.read() as conn:
        live = {
            r.id: r.address
            for r in conn.execute(
                select(H.c.id, H.c.address).where(
                    H.c.grid_id.in_(sorted(grids)), H.c.deleted.is_(False)
                )
            )
        }
    return match_household_list(path, live)


__all__ = ["emergency_targets", "lead_with_emergencies", "read_household_list"]
