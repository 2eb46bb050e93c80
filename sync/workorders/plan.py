"""Planning the import of a 12345 work-order export: one issue per ticket, nothing written.

The hotline's export differs from city to city: a title row or two merged across the sheet,
the columns in any order and named a little differently (工单编号 / 工单号, 诉求地址 / 事发地址
…), sometimes a cell merged down several rows. The header is found and matched the way the
household ledger's is (``sync.ledger.headers``: the same folding of stars, brackets and
widths), and every problem is a ``sync.ledger.plan.Problem`` by Excel row and column, so the
report reads like the ledger import's.

Each order becomes an issue: ``external_ref`` the ticket number (the key: a ticket already in
the database, or twice in the file, is not created again), ``due_date`` the 办理时限, the
category mapped to our codes (an unknown one is reported and becomes 其他), the grid and the
household found from the address (``sync.addresses``). An order whose address matches no
household, or several, or only a building, is created without a household in the building's
grid (else the default grid) and is on the "待分派" list the supervisor assigns by hand: work
orders with no household and no assignee (``gridworker.domain.workorders.unassigned``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync.addresses import EXACT, AddressIndex, Match
from sync.ledger.errors import LedgerError
from sync.ledger.headers import _forms
from sync.ledger.parse import cell_text
from sync.ledger.plan import ERROR, INFO, WARNING, Problem, column_name
from sync.ledger.reader import HEADER_SCAN_ROWS, Table, read_table
from sync.protocol import codes
from sync.protocol.entities import ISSUE_FIELDS
from sync.protocol.errors import ValidationError
from sync.protocol.values import SHANGHAI, fold_width
from sync.protocol.wire import uuid7

UNASSIGNED_NOTE = "待分派"
TITLE_MAX = 30

_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket": ("工单编号", "工单号", "工单流水号", "受理编号", "编号", "工单编码"),
    "called_at": ("来电时间", "受理时间", "登记时间", "来电日期", "派单时间", "创建时间"),
    "caller": ("诉求人", "来电人", "联系人", "市民姓名", "来电人姓名", "姓名"),
    "phone": ("联系电话", "来电号码", "电话", "手机号", "联系方式", "回访电话"),
    "address": ("诉求地址", "事发地址", "地址", "事件地址", "发生地址", "详细地址", "问题地址"),
    "content": ("诉求内容", "来电内容", "工单内容", "问题描述", "诉求描述", "内容", "事项内容"),
    "category": ("诉求类别", "诉求分类", "工单类别", "问题类别", "类别", "分类", "业务类别"),
    "deadline": ("办理时限", "办结时限", "处理时限", "截止时间", "办理期限", "办结期限"),
    "office": ("承办单位", "处理单位", "责任单位", "办理单位", "承办部门"),
}
FIELD_LABELS = {
    "ticket": "工单编号",
    "called_at": "来电时间",
    "caller": "诉求人",
    "phone": "联系电话",
    "address": "诉求地址",
    "content": "诉求内容",
    "category": "诉求类别",
    "deadline": "办理时限",
    "office": "承办单位",
}
_TARGETS: dict[str, str] = {
    _forms(alias)[0]: target for target, aliases in _ALIASES.items() for alias in aliases
}

# The hotline's category words (first level or a path like 城乡建设/市政设施) -> our code,
# the first keyword found wins. Our own labels (公用设施 …) are found too.
CATEGORY_KEYWORDS: tuple[tuple[str, str], ...] = (
    *((label, code) for code, label in codes.ISSUE_CATEGORIES.items() if code != "other"),
    ("防汛", "flood"),
    ("积水", "flood"),
    ("内涝", "flood"),
    ("井盖", "facilities"),
    ("路灯", "facilities"),
    ("供水", "facilities"),
    ("排水", "facilities"),
    ("下水道", "facilities"),
    ("市政", "facilities"),
    ("城乡建设", "facilities"),
    ("供电", "facilities"),
    ("燃气", "facilities"),
    ("道路", "roads"),
    ("交通", "roads"),
    ("停车", "roads"),
    ("环境", "environment"),
    ("市容", "environment"),
    ("环卫", "environment"),
    ("垃圾", "environment"),
    ("噪音", "environment"),
    ("噪声", "environment"),
    ("城市管理", "environment"),
    ("城管", "environment"),
    ("绿化", "greenery"),
    ("园林", "greenery"),
    ("树木", "greenery"),
    ("房屋", "housing"),
    ("住房", "housing"),
    ("违建", "housing"),
    ("违章", "housing"),
    ("物业", "dispute"),
    ("纠纷", "dispute"),
    ("欠薪", "dispute"),
    ("劳动", "dispute"),
    ("消防", "safety_hazard"),
    ("安全", "safety_hazard"),
    ("治安", "public_order"),
    ("诈骗", "public_order"),
    ("社会保障", "livelihood"),
    ("社保", "livelihood"),
    ("医疗", "livelihood"),
    ("养老", "livelihood"),
    ("民政", "livelihood"),
    ("就业", "livelihood"),
    ("民生", "livelihood"),
    ("其他", "other"),
    ("其它", "other"),
)

_DATE_TIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?)?$"
)
_WITHIN = re.compile(r"^(\d+)\s*(个)?\s*(工作日|天|日|小时)(?:内)?$")
# The column an issue field comes from (to say where a value the protocol refuses was).
_SOURCE_OF = {
    "title": "content",
    "description": "content",
    "location": "address",
    "due_date": "deadline",
    "external_ref": "ticket",
    "category": "category",
}
_SENTENCE_END = re.compile(r"[。！？!?；;，,\n]")


def target_of(header: object) -> str | None:
    """The work-order field a header names, or None (序号, 回访结果 …)."""
    if not isinstance(header, str) or not header.strip():
        return None
    plain, short = _forms(header)
    return _TARGETS.get(plain) or _TARGETS.get(short)


def guess_mapping(headers: Iterable[object]) -> dict[int, str]:
    """Column index -> field, the first column winning for each field."""
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        target = target_of(header)
        if target is not None and target not in mapping.values():
            mapping[index] = target
    return mapping


def find_header_row(table: Table) -> int | None:
    """The first of the first 15 rows naming the ticket column and two more fields."""
    for index, row in enumerate(table.rows[:HEADER_SCAN_ROWS]):
        found = set(guess_mapping(row).values())
        if "ticket" in found and len(found) >= 3:
            return index
    return None


def read_orders(path: Path) -> Table:
    """The sheet of a workbook that holds the work orders: the ledger reader's choice, or
    (a workbook with a summary sheet first) the first visible sheet with a work-order header."""
    table = read_table(path)
    if find_header_row(table) is not None or Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return table
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except Exception:  # read_table read it: a second read failing is not expected
        return table
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == table.sheet:
            continue
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        width = max((len(r) for r in rows), default=0)
        merged = [(m.min_row, m.max_row, m.min_col, m.max_col) for m in ws.merged_cells.ranges]
        candidate = Table([r + [None] * (width - len(r)) for r in rows], merged, ws.title)
        if find_header_row(candidate) is not None:
            return candidate
    return table


def map_category(text: str | None) -> str | None:
    """Our category code for the hotline's words, or None (unknown: the caller uses 其他)."""
    if not text:
        return None
    folded = fold_width(text)
    for word, code in CATEGORY_KEYWORDS:
        if word in folded:
            return code
    return None


def _as_datetime(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = cell_text(value)
    if text is None:
        return None
    match = _DATE_TIME.match(fold_width(text).strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def add_workdays(start: dt.date, days: int) -> dt.date:
    """``days`` working days after ``start`` (Saturdays and Sundays not counted)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _title(content: str) -> str:
    """The first clause of the complaint, at most 30 characters: the issue's title."""
    first = _SENTENCE_END.split(content.strip(), maxsplit=1)[0].strip() or content.strip()
    return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"


@dataclass
class PlannedOrder:
    row: int
    ticket: str
    values: dict[str, Any]  # the issue's create values, with its id
    match: Match
    address: str | None

    @property
    def id(self) -> str:
        return str(self.values["id"])

    @property
    def unassigned(self) -> bool:
        return self.match.sureness != EXACT


@dataclass
class WorkOrderPlan:
    sheet: str
    header_row: int
    headers: list[str]
    mapping: dict[int, str]
    default_grid: str
    orders: list[PlannedOrder] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    already_imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    error_rows: int = 0

    @property
    def unassigned(self) -> list[PlannedOrder]:
        return [o for o in self.orders if o.unassigned]

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "new_orders": len(self.orders),
            "matched": len(self.orders) - len(self.unassigned),
            "unassigned": len(self.unassigned),
            "already_imported": self.already_imported,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "error_rows": self.error_rows,
        }

    def mutations(self) -> list[dict[str, Any]]:
        """Protocol create mutations (without seq), one issue per new order."""
        return [
            {"entity": "issues", "id": o.id, "op": "create", "values": dict(o.values)}
            for o in self.orders
        ]

    def source_rows(self) -> dict[str, int]:
        return {o.id: o.row for o in self.orders}

    def report_text(self) -> str:
        """The counts, the columns, each order's match, then one line per problem."""
        c = self.counts()
        lines = [
            f"12345 工单：工作表“{self.sheet}”，表头在第 {self.header_row} 行，"
            f"未匹配住户的工单放入网格 {self.default_grid}",
            f"读取 {c['rows_read']} 行：新建事项 {c['new_orders']} 件（匹配到住户 {c['matched']} 件、"
            f"待分派 {c['unassigned']} 件）；已导入过 {c['already_imported']} 件；"
            f"文件内重复 {c['duplicates']} 件；跳过 {c['skipped']} 行；"
            f"有错误未导入 {c['error_rows']} 行",
        ]
        lines.append(
            "识别的列：" + "、".join(column_name(self.headers, i) for i in sorted(self.mapping))
        )
        ignored = [
            column_name(self.headers, i)
            for i, h in enumerate(self.headers)
            if h and i not in self.mapping
        ]
        if ignored:
            lines.append("未识别（不导入）的列：" + "、".join(ignored))
        for order in self.orders:
            where = order.match.label
            if order.match.candidates and order.unassigned:
                where += f"（{len(order.match.candidates)} 户）"
            lines.append(
                f"第{order.row}行 工单 {order.ticket}：{where}"
                + ("，待分派" if order.unassigned else "")
            )
        if self.problems:
            by = {
                s: sum(1 for p in self.problems if p.severity == s) for s in (ERROR, WARNING, INFO)
            }
            lines.append(
                f"问题：错误 {by[ERROR]} 条（该行未导入），提醒 {by[WARNING]} 条（已导入，请留意），"
                f"说明 {by[INFO]} 条"
            )
            marks = {ERROR: "[错误]", WARNING: "[提醒]", INFO: "[说明]"}
            lines += [f"{marks[p.severity]} {p.line()}" for p in self.problems]
        return "\n".join(lines)


def _unmerge(table: Table, header_index: int, width: int) -> tuple[list[list[object]], set[int]]:
    """Rows with merged values filled in, and the rows a wide merged cell makes a title
    (the same rule as the household ledger's: wider than half the recognised columns)."""
    rows = [list(r) for r in table.rows]
    titles: set[int] = set()
    wide = max(2, (width + 1) // 2)
    for min_row, max_row, min_col, max_col in table.merged:
        if max_row - 1 <= header_index:
            continue
        first = max(min_row - 1, header_index + 1)
        if max_col - min_col + 1 >= wide:
            titles.update(range(first, max_row))
            continue
        value = table.rows[min_row - 1][min_col - 1]
        for r in range(first, min(max_row, len(rows))):
            for c in range(min_col - 1, min(max_col, len(rows[r]))):
                rows[r][c] = value
    return rows, titles


def plan_workorders(
    table: Table,
    default_grid: str,
    households: Iterable[Mapping[str, Any]],
    existing_refs: Iterable[str],
    now: dt.datetime | None = None,
) -> WorkOrderPlan:
    """Plan the import of a work-order export; ``households`` are the rows addresses are
    matched against (id, grid_id, address, building, unit, room), ``existing_refs`` the ticket
    numbers already in the database. Raises ``LedgerError`` without a recognisable header."""
    header_index = find_header_row(table)
    if header_index is None:
        raise LedgerError(
            "未找到工单表头：前 15 行中没有一行含有“工单编号”和至少两个可识别的列名"
            "（如 诉求地址、诉求内容、办理时限）"
        )
    raw = table.rows[header_index]
    headers = [re.sub(r"\s+", "", cell_text(h) or "") for h in raw]
    mapping = guess_mapping(raw)
    missing = [FIELD_LABELS[t] for t in ("address", "content") if t not in mapping.values()]
    if missing:
        raise LedgerError("工单表缺少列：" + "、".join(missing))
    column_of = {t: i for i, t in mapping.items()}
    plan = WorkOrderPlan(table.sheet, header_index + 1, headers, mapping, default_grid)
    index = AddressIndex.of(households)
    known = set(existing_refs)
    seen: dict[str, int] = {}
    today = (now or dt.datetime.now(dt.UTC)).astimezone(SHANGHAI).date()
    rows, titles = _unmerge(table, header_index, len(mapping))

    def where(target: str) -> str | None:
        return column_name(headers, column_of[target]) if target in column_of else None

    last = max(
        (i for i in range(header_index + 1, len(rows)) if any(_cell(rows[i], j) for j in mapping)),
        default=header_index,
    )
    for i in range(header_index + 1, last + 1):
        plan.rows_read += 1
        number = table.row_number(i)
        cells = {t: _cell(rows[i], j) for j, t in mapping.items()}
        problems: list[Problem] = []
        problem = _reporter(problems, number, where)

        if i in titles:
            problem(INFO, "section_row", "标题行（合并单元格），已跳过")
        elif not any(cells.values()):
            problem(INFO, "blank_row", "空行，已跳过")
        else:
            ticket = _ticket(cells)
            if ticket and ticket in seen:
                message = f"工单编号与第{seen[ticket]}行重复，只导入第一行"
                problem(WARNING, "duplicate_ticket", message, "ticket")
                plan.duplicates += 1
            elif ticket in known:
                seen[ticket] = number
                problem(INFO, "already_imported", "该工单已导入过，跳过", "ticket")
                plan.already_imported += 1
            else:
                order = _read_row(number, cells, problem, index, default_grid, today)
                if order is not None:
                    seen[order.ticket] = number
                    plan.orders.append(order)
        if any(p.severity == ERROR for p in problems):
            plan.error_rows += 1
        elif i in titles or not any(cells.values()):
            plan.skipped += 1
        plan.problems += problems
    return plan


def _reporter(problems: list[Problem], number: int, where: Any) -> Any:
    """``problem(severity, code, message, target)`` adding to this row's ``problems``."""

    def problem(severity: str, code: str, message: str, target: str | None = None) -> None:
        column = where(target) if target else None
        problems.append(Problem(number, column, target, severity, code, message))

    return problem


def _ticket(cells: Mapping[str, str | None]) -> str:
    """The ticket number as the key: width folded, no spaces."""
    return re.sub(r"\s+", "", fold_width(cells.get("ticket") or ""))


def _cell(row: list[object], index: int) -> str | None:
    value = row[index] if index < len(row) else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return cell_text(value)


def _read_row(
    number: int,
    cells: dict[str, str | None],
    problem: Any,
    index: AddressIndex,
    default_grid: str,
    today: dt.date,
) -> PlannedOrder | None:
    ticket = _ticket(cells)
    content = (cells.get("content") or "").strip()
    if not ticket:
        problem(ERROR, "missing_ticket", "缺少工单编号", "ticket")
    elif len(ticket) > 64:
        problem(ERROR, "invalid_ticket", "工单编号过长（超过 64 个字符）", "ticket")
    if not content:
        problem(ERROR, "missing_content", "缺少诉求内容", "content")
    if not ticket or len(ticket) > 64 or not content:
        return None

    raw_category = cells.get("category")
    category = map_category(raw_category)
    if category is None:
        category = "other"
        if raw_category:
            problem(
                WARNING,
                "unknown_category",
                f"诉求类别“{raw_category[:20]}”无对应类别，已归为“其他”",
                "category",
            )

    called = _as_datetime(cells.get("called_at"))
    due = _deadline(cells.get("deadline"), called, today, problem)

    address = cells.get("address")
    match = index.match(address)
    if not address:
        problem(WARNING, "missing_address", "缺少诉求地址，待分派", "address")
    elif match.sureness != EXACT:
        count = len(match.candidates)
        detail = {
            "none": "未找到对应住户",
            "several": f"对应 {count} 户，无法确定哪一户",
            "building": f"只找到楼栋（{count} 户），未找到具体住户",
        }[match.sureness]
        problem(WARNING, f"address_{match.sureness}", f"{detail}，待分派", "address")

    lines = [content]
    extra = [
        f"{FIELD_LABELS[k]}：{cells[k]}"
        for k in ("caller", "phone", "called_at", "office")
        if cells.get(k)
    ]
    if called is not None:
        extra = [
            e if not e.startswith("来电时间") else f"来电时间：{called:%Y-%m-%d %H:%M}"
            for e in extra
        ]
    if extra:
        lines.append("；".join(extra))
    if match.sureness != EXACT:
        lines.append(f"【{UNASSIGNED_NOTE}】地址{match.label}，请网格长指定住户或承办人")
    values: dict[str, Any] = {
        "id": uuid7(),
        "grid_id": match.grid_id or default_grid,
        "title": _title(content),
        "category": category,
        "household_id": match.household_id if match.sureness == EXACT else None,
        "description": "\n".join(lines),
        "location": address,
        "due_date": due,
        "external_ref": ticket,
    }
    for name, value in list(values.items()):
        if name == "id":
            continue
        try:
            values[name] = ISSUE_FIELDS[name].normalise(value)
        except ValidationError as exc:
            problem(ERROR, exc.code, exc.message, _SOURCE_OF.get(name))
            return None
    return PlannedOrder(number, ticket, values, match, address)


def _deadline(
    value: str | None, called: dt.datetime | None, today: dt.date, problem: Any
) -> str | None:
    """办理时限 as a date: a date or time as written, or N天 / N个工作日 / N小时 from the call."""
    if not value:
        return None
    when = _as_datetime(value)
    if when is not None:
        return when.date().isoformat()
    within = _WITHIN.match(fold_width(value).strip())
    if within is not None:
        start = called or dt.datetime.combine(today, dt.time())
        count, unit = int(within.group(1)), within.group(3)
        if unit == "工作日":
            return add_workdays(start.date(), count).isoformat()
        if unit == "小时":
            return (start + dt.timedelta(hours=count)).date().isoformat()
        return (start.date() + dt.timedelta(days=count)).isoformat()
    problem(WARNING, "invalid_deadline", "办理时限不是可识别的日期或天数，未设置期限", "deadline")
    return None
