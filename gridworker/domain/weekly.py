"""The weekly work list (巷理事工作清单) of a community or a grid. Qt-free.

What the lane stewards print, post and share each week: open and overdue issues, the 12345
work orders that came in this week, key households due for a visit (the same 'due' as the
worker's list, ``queries.due_today``) and visits returned by the supervisor, grouped by street
or lane (the road of the address, ``sync.addresses``) and sorted by building, each line short
enough to act on: ``秦东门大街68号楼 下水道盖板破损需要更换（逾期3天）``. ``build_weekly``
makes the list; ``weekly_text`` and ``write_weekly_xlsx`` give it as text and as Excel, and
``gridworker.ui.printing`` prints it, saves it as PDF and as a phone-sized picture.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sync.addresses import AddressKey, address_key
from sync.protocol import codes
from sync.protocol.values import SHANGHAI

from ..store.local import Store
from ..store.schema import ENTITY_TABLES
from ..store.search import natural_key
from . import queries

H = ENTITY_TABLES["households"]
I = ENTITY_TABLES["issues"]  # noqa: E741
V = ENTITY_TABLES["visits"]

# The kinds of line, in the order they are listed within a place.
OVERDUE, NEW_ORDER, OPEN, VISIT, RETURNED = "overdue", "new_order", "open", "visit", "returned"
KIND_LABELS = {
    OVERDUE: "逾期",
    NEW_ORDER: "新工单",
    OPEN: "待办",
    VISIT: "待走访",
    RETURNED: "走访退回",
}
_KIND_ORDER = {k: i for i, k in enumerate(KIND_LABELS)}
TITLE_MAX = 24
OTHER_PLACE = "其他地点"


@dataclass(frozen=True)
class Line:
    kind: str
    place: str  # 秦东门大街68号楼
    what: str  # 下水道盖板破损需要更换
    note: str = ""  # 逾期3天, 12345, 独居老人…
    sort: tuple[Any, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.place} {self.what}" + (f"（{self.note}）" if self.note else "")


@dataclass
class Group:
    road: str  # the street or lane, 其他地点 when an address names none
    lines: list[Line] = field(default_factory=list)


@dataclass
class WeeklyList:
    title: str  # 幸福社区 巷理事工作清单
    scope: str  # the grids' names
    week_start: dt.date
    week_end: dt.date
    made_on: dt.date
    groups: list[Group] = field(default_factory=list)

    @property
    def period(self) -> str:
        return f"{self.week_start:%Y-%m-%d} 至 {self.week_end:%Y-%m-%d}"

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KIND_LABELS, 0)
        for group in self.groups:
            for line in group.lines:
                out[line.kind] += 1
        return out

    def summary(self) -> str:
        c = self.counts()
        return "、".join(f"{KIND_LABELS[k]} {n} 项" for k, n in c.items() if n) or "本周无待办事项"


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week of ``day``."""
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


def _place(key: AddressKey) -> str:
    """The street or lane and the building or number: the place a line is about."""
    out = key.road
    if key.number is not None:
        out += f"{key.number}号"
    if key.building is not None:
        out += f"{key.building}号楼"
    return out or OTHER_PLACE


def _short(text: str | None) -> str:
    text = (text or "").strip().replace("\n", " ")
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def _created(row_id: str) -> dt.datetime | None:
    """When a row was created, from its time-ordered id (UUID v7); None for other ids."""
    try:
        value = uuid.UUID(row_id)
    except ValueError:
        return None
    if value.version != 7:
        return None
    return dt.datetime.fromtimestamp((value.int >> 80) / 1000, dt.UTC)


def build_weekly(
    store: Store,
    grid_ids: Iterable[str] | None = None,
    day: dt.date | None = None,
    title: str | None = None,
) -> WeeklyList:
    """The list of the week of ``day`` (default today) for ``grid_ids`` (None: every grid
    the laptop holds)."""
    today = dt.date.fromisoformat(queries.today(store))
    day = day or today
    start, end = week_of(day)
    names = queries.grid_names(store)
    grids = list(grid_ids) if grid_ids is not None else list(names)
    scope = "、".join(names.get(g, g) for g in grids)
    community = {g.get("community") for g in queries.grids(store) if g["grid_id"] in grids}
    community.discard(None)
    head = title or (f"{community.pop()} " if len(community) == 1 else "") + "巷理事工作清单"
    weekly = WeeklyList(head, scope, start, end, today)
    lines: list[tuple[AddressKey, Line]] = []
    homes = _households(store, grids)
    lines += _issue_lines(store, grids, homes, today, start, end)
    lines += _visit_lines(store, grids, homes)
    by_road: dict[str, Group] = {}
    for key, line in lines:
        road = key.road or OTHER_PLACE
        by_road.setdefault(road, Group(road)).lines.append(line)
    for group in by_road.values():
        group.lines.sort(key=lambda line: line.sort)
    weekly.groups = sorted(
        by_road.values(), key=lambda g: (g.road == OTHER_PLACE, natural_key(g.road))
    )
    return weekly


def _households(store: Store, grids: list[str]) -> dict[str, dict[str, Any]]:
    query = select(H.c.id, H.c.address, H.c.building, H.c.unit, H.c.room, H.c.head_name).where(
        H.c.grid_id.in_(grids), H.c.deleted.is_(False)
    )
    with store.read() as conn:
        return {r.id: dict(r._mapping) for r in conn.execute(query)}


def _key_of(home: dict[str, Any] | None, text: str | None) -> AddressKey:
    if home is not None:
        return address_key(
            home["address"], building=home["building"], unit=home["unit"], room=home["room"]
        )
    return address_key(text)


def _sort(key: AddressKey, kind: str, extra: Any = "") -> tuple[Any, ...]:
    return (
        key.number or 0,
        key.building or 0,
        key.unit or 0,
        key.room or 0,
        _KIND_ORDER[kind],
        extra,
    )


def _issue_lines(
    store: Store,
    grids: list[str],
    homes: dict[str, dict[str, Any]],
    today: dt.date,
    start: dt.date,
    end: dt.date,
) -> list[tuple[AddressKey, Line]]:
    query = select(I).where(
        I.c.grid_id.in_(grids),
        I.c.deleted.is_(False),
        I.c.status.in_(queries.UNFINISHED_STATUSES),
    )
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    out = []
    for issue in rows:
        key = _key_of(homes.get(issue["household_id"] or ""), issue["location"])
        due = dt.date.fromisoformat(issue["due_date"]) if issue["due_date"] else None
        created = _created(issue["id"])
        created_day = created.astimezone(SHANGHAI).date() if created else None
        notes = []
        if due is not None and due < today:
            kind = OVERDUE
            notes.append(f"逾期{(today - due).days}天")
        elif issue["external_ref"] and created_day and start <= created_day <= end:
            kind = NEW_ORDER
        else:
            kind = OPEN
        if issue["external_ref"]:
            notes.insert(0, "12345")
        if due is not None and kind != OVERDUE:
            notes.append(f"{due:%m-%d}前")
        if issue["status"] == "escalated":
            notes.append(codes.label(codes.ISSUE_STATUSES, "escalated"))
        line = Line(
            kind,
            _place(key),
            _short(issue["title"]),
            "，".join(notes),
            _sort(key, kind, issue["due_date"] or "9999"),
        )
        out.append((key, line))
    return out


def _visit_lines(
    store: Store, grids: list[str], homes: dict[str, dict[str, Any]]
) -> list[tuple[AddressKey, Line]]:
    out = []
    for row in queries.due_today(store, limit=2000):
        if row["grid_id"] not in grids:
            continue
        key_tags = [t for t in row["tags"] if t in queries.KEY_TAGS]
        if not key_tags:
            continue
        home = homes.get(row["id"])
        key = _key_of(home, row["address"])
        who = _flat(key) + (row.get("head_name") or "")
        days = row.get("overdue_days")
        note = "、".join(codes.label(codes.TAGS, t) for t in key_tags)
        note += "，从未走访" if days is None else (f"，超期{days}天" if days else "，今日到期")
        line = Line(VISIT, _place(key), f"{who} 待走访", note, _sort(key, VISIT))
        out.append((key, line))
    query = (
        select(V.c.id, V.c.household_id, V.c.review_comment, V.c.visited_at)
        .where(V.c.grid_id.in_(grids), V.c.deleted.is_(False), V.c.review_status == "returned")
        .order_by(V.c.visited_at)
    )
    with store.read() as conn:
        returned = conn.execute(query).all()
    for visit in returned:
        home = homes.get(visit.household_id)
        key = _key_of(home, None)
        who = _flat(key) + ((home or {}).get("head_name") or "")
        comment = _short(visit.review_comment) if visit.review_comment else "请补充后重新提交"
        out.append(
            (
                key,
                Line(
                    RETURNED,
                    _place(key),
                    f"{who} 走访被退回",
                    comment,
                    _sort(key, RETURNED, visit.visited_at),
                ),
            )
        )
    return out


def _flat(key: AddressKey) -> str:
    parts = []
    if key.unit is not None:
        parts.append(f"{key.unit}单元")
    if key.room is not None:
        parts.append(f"{key.room}室")
    return "".join(parts) + (" " if parts else "")


def weekly_text(weekly: WeeklyList) -> str:
    """The list as plain text (what the PDF and the picture show)."""
    lines = [weekly.title, f"{weekly.scope}　{weekly.period}", weekly.summary()]
    for group in weekly.groups:
        lines.append(f"【{group.road}】")
        lines += [f"{i}. {line.text}" for i, line in enumerate(group.lines, 1)]
    return "\n".join(lines)


def write_weekly_xlsx(weekly: WeeklyList, path: Path) -> int:
    """The list as an Excel sheet ready to print (landscape, header on every page)."""
    from openpyxl import Workbook

    from sync.ledger.writer import _fill_sheet

    body: list[list[Any]] = []
    number = 0
    for group in weekly.groups:
        for line in group.lines:
            number += 1
            body.append(
                [
                    number,
                    group.road,
                    line.place,
                    KIND_LABELS[line.kind],
                    line.what,
                    line.note or None,
                ]
            )
    header = ["序号", "街巷", "楼栋/门牌", "类别", "事项", "说明"]
    heading = f"{weekly.title}（{weekly.scope} {weekly.period}）"
    with open(path, "wb") as out:
        wb = Workbook(write_only=True)
        _fill_sheet(wb, "工作清单", header, body, [], heading=heading)
        wb.save(out)
    return len(body)
