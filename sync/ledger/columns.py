"""The columns of exported ledgers (台账): one definition for the service CLI and the app.

Each entity's export is a tuple of ``Column``: the key of the row dict it reads, the Chinese
header, and how the value is shown (``kind``). Codes are shown by their Chinese labels, times
in Asia/Shanghai, user and resident ids by name.

Row dicts are the entity's stored fields plus, per entity:

- ``households``: ``last_visit`` (the latest counting visit's ``visited_at``, 见面 or 电话走访).
- ``residents``: the household's fields prefixed ``household_`` (``household_address``,
  ``household_building``, ``household_unit``, ``household_room``, ``household_kind``,
  ``household_tags``, ``household_visit_interval_days``), so that one row per resident carries
  everything ``plan_import`` needs to import the file again. A household without residents
  has one row with the resident fields blank (imported again as a household-only row).
- ``visits``: ``address``, ``head_name`` and ``grid_id`` of the visited household.
- ``issues``: nothing more.

``names`` maps user ids (workers, reviewers, assignees), resident ids (people met) and grid ids
to the names shown; a user or resident id it does not know is shown as its first 8 characters,
a grid id as itself. Headers are the app's labels of the fields (``sync.protocol.entities``):
one label per field, on screen and on paper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sync.protocol import codes
from sync.protocol.values import SHANGHAI, parse_time

from .errors import LedgerError

Cell = str | int | None

TAG_SEPARATOR = "、"
PRESENT_LABELS = ("在住", "外出")
YES_NO = ("是", "否")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # text, code, subcategory, tags, date, time, bool, int, user, people, grid
    kind: str = "text"
    codes: codes.CodeSet | None = None  # for kind "code"
    labels: tuple[str, str] = YES_NO  # for kind "bool": (true, false)
    default: Any = None  # shown for a missing value (a visit's unset follow_up is "否")


def _code(key: str, header: str, code_set: codes.CodeSet) -> Column:
    return Column(key, header, "code", codes=code_set)


EXPORT_COLUMNS: dict[str, tuple[Column, ...]] = {
    "households": (
        Column("grid_id", "网格", "grid"),
        Column("address", "地址"),
        Column("building", "楼栋"),
        Column("unit", "单元"),
        Column("room", "室"),
        Column("head_name", "户主姓名"),
        Column("phone", "联系电话"),
        _code("kind", "户类型", codes.HOUSEHOLD_KINDS),
        Column("tags", "户标签", "tags"),
        Column("visit_interval_days", "走访周期（天）", "int"),
        Column("last_visit", "最近走访", "time"),
        Column("notes", "备注"),
    ),
    "residents": (
        Column("household_address", "地址"),
        Column("household_building", "楼栋"),
        Column("household_unit", "单元"),
        Column("household_room", "室"),
        _code("household_kind", "户类型", codes.HOUSEHOLD_KINDS),
        Column("household_tags", "户标签", "tags"),
        Column("household_visit_interval_days", "走访周期（天）", "int"),
        Column("name", "姓名"),
        _code("gender", "性别", codes.GENDERS),
        Column("id_number", "身份证号"),
        Column("birth_date", "出生日期", "date"),
        _code("relation", "与户主关系", codes.RELATIONS),
        Column("phone", "联系电话"),
        Column("tags", "人员类别", "tags"),
        Column("present", "居住状态", "bool", labels=PRESENT_LABELS),
        Column("notes", "备注"),
    ),
    "visits": (
        Column("visited_at", "走访时间", "time"),
        Column("grid_id", "网格", "grid"),
        Column("address", "地址"),
        Column("head_name", "户主姓名"),
        _code("outcome", "走访结果", codes.VISIT_OUTCOMES),
        Column("people_met", "见到的人员", "people"),
        Column("worker_id", "走访人", "user"),
        Column("notes", "走访情况"),
        Column("follow_up", "需跟进", "bool", default=False),
        _code("review_status", "审核状态", codes.REVIEW_STATUSES),
        Column("review_comment", "审核意见"),
        Column("reviewed_by", "审核人", "user"),
        Column("reviewed_at", "审核时间", "time"),
    ),
    "issues": (
        Column("grid_id", "网格", "grid"),
        Column("title", "标题"),
        _code("category", "类别", codes.ISSUE_CATEGORIES),
        Column("subcategory", "子类", "subcategory"),
        Column("location", "位置"),
        Column("description", "描述"),
        _code("priority", "紧急程度", codes.ISSUE_PRIORITIES),
        _code("status", "状态", codes.ISSUE_STATUSES),
        Column("due_date", "办理期限", "date"),
        Column("assignee_id", "承办人", "user"),
        Column("external_ref", "12345工单号"),
        Column("updated_at", "最近更新", "time"),
    ),
}

# Columns whose text must stay text in Excel (18 digits would become 3.2E+17).
TEXT_KEYS = frozenset({"id_number", "phone"})


def columns_of(entity: str) -> tuple[Column, ...]:
    try:
        return EXPORT_COLUMNS[entity]
    except KeyError:
        raise LedgerError(f"不支持导出该类数据：{entity}") from None


def headers(entity: str) -> list[str]:
    return [c.header for c in columns_of(entity)]


@lru_cache(maxsize=4096)
def local_time(value: str) -> str:
    """A canonical UTC time as Asia/Shanghai ``YYYY-MM-DD HH:MM``."""
    return parse_time(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _name(names: Mapping[str, str], row_id: str) -> str:
    return names.get(row_id) or row_id[:8]


def _renderer(column: Column, names: Mapping[str, str]) -> Callable[[dict[str, Any]], Cell]:
    key, kind = column.key, column.kind

    def text(row: dict[str, Any]) -> Cell:
        value = row.get(key)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def code(row: dict[str, Any]) -> Cell:
        value = row.get(key)
        return codes.label(column.codes or {}, value) if value else None

    def subcategory(row: dict[str, Any]) -> Cell:
        value = row.get(key)
        if not value:
            return None
        known = codes.ISSUE_SUBCATEGORIES.get(row.get("category") or "", {})
        return codes.label(known, value)

    def tags(row: dict[str, Any]) -> Cell:
        value = row.get(key) or []
        return TAG_SEPARATOR.join(codes.label(codes.TAGS, t) for t in value) or None

    def time(row: dict[str, Any]) -> Cell:
        value = row.get(key)
        return local_time(value) if value else None

    def boolean(row: dict[str, Any]) -> Cell:
        value = row.get(key, column.default)
        if value is None:
            value = column.default
        if value is None:
            return None
        return column.labels[0] if value else column.labels[1]

    def integer(row: dict[str, Any]) -> Cell:
        value = row.get(key)
        return int(value) if value is not None else None

    def user(row: dict[str, Any]) -> Cell:
        value = row.get(key)
        return _name(names, value) if value else None

    def grid(row: dict[str, Any]) -> Cell:
        value = row.get(key)
        return names.get(value) or value if value else None

    def people(row: dict[str, Any]) -> Cell:
        value = row.get(key) or []
        return TAG_SEPARATOR.join(_name(names, v) for v in value) or None

    renderers: dict[str, Callable[[dict[str, Any]], Cell]] = {
        "text": text,
        "date": text,
        "code": code,
        "subcategory": subcategory,
        "tags": tags,
        "time": time,
        "bool": boolean,
        "int": integer,
        "user": user,
        "people": people,
        "grid": grid,
    }
    return renderers[kind]


def render_rows(
    entity: str, rows: Iterable[dict[str, Any]], names: Mapping[str, str] | None = None
) -> Iterator[list[Cell]]:
    """Each row as the cells of its ledger line, in ``EXPORT_COLUMNS[entity]`` order."""
    renderers = [_renderer(c, names or {}) for c in columns_of(entity)]
    for row in rows:
        yield [render(row) for render in renderers]
