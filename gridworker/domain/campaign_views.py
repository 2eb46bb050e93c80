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

from sync.protocol.errors import ValidationError

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
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or non-Excel file
        raise ValidationError("无法读取住户名单，请选择 .xlsx 文件", code="invalid_value") from exc
    try:
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        raise ValidationError("住户名单为空", code="required")
    header = [str(c or "").strip() for c in rows[0]]
    by_id = next((i for i, h in enumerate(header) if h in ("住户编号", "编号", "id")), None)
    by_address = next((i for i, h in enumerate(header) if h in ("地址", "住址", "address")), None)
    if by_id is None and by_address is None:
        raise ValidationError("住户名单第 1 行应有“住户编号”或“地址”列", code="invalid_value")
    with store.read() as conn:
        live = {
            r.id: r.address
            for r in conn.execute(
                select(H.c.id, H.c.address).where(
                    H.c.grid_id.in_(sorted(grids)), H.c.deleted.is_(False)
                )
            )
        }
    by_text = {address: h_id for h_id, address in live.items()}
    found: list[str] = []
    missed = 0
    for cells in rows[1:]:
        if by_id is not None:
            key = str(cells[by_id] if by_id < len(cells) else "").strip().lower()
            hit = key if key in live else None
        else:
            assert by_address is not None
            cell = cells[by_address] if by_address < len(cells) else None
            hit = by_text.get(str(cell or "").strip())
        if hit is None:
            if any(c not in (None, "") for c in cells):
                missed += 1
        elif hit not in found:
            found.append(hit)
    return found, missed


__all__ = ["emergency_targets", "lead_with_emergencies", "read_household_list"]
