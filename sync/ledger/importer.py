"""Planning the import of a household ledger (住户/居民台账) into a grid.

``plan_import`` is pure: it reads a ``Table`` and what the grid already holds
(``ExistingData``) and returns an ``ImportPlan``: the households and residents to create, as
protocol create mutations, and every problem found, by Excel row and column. Nothing is
written; the caller applies ``plan.mutations()`` the way it applies any other change (the
service in one transaction, the app through its outbox).

Each data row is one resident; rows are grouped into households by their address. A row with
an address and no name describes the household only. A row with an error is left out whole;
the others are imported. Every planned value has passed the same ``Field.normalise`` the server
runs, so nothing the server would reject is planned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.protocol import workflow
from sync.protocol.entities import HOUSEHOLD_FIELDS, RESIDENT_FIELDS
from sync.protocol.errors import ValidationError
from sync.protocol.values import (
    SHANGHAI,
    id_number_birth_date,
    id_number_gender,
)
from sync.protocol.wire import uuid7

from . import parse
from .errors import LedgerError
from .headers import guess_mapping, is_head_name_column, recognised
from .parse import CellError, cell_text
from .plan import (
    ERROR,
    INFO,
    SPACES,
    WARNING,
    ExistingData,
    ImportPlan,
    PlannedHousehold,
    Problem,
    address_key,
    column_name,
    mask_id_number,
)
from .reader import HEADER_SCAN_ROWS, Table

__all__ = [
    "ERROR",
    "INFO",
    "WARNING",
    "ExistingData",
    "ImportPlan",
    "PlannedHousehold",
    "Problem",
    "address_key",
    "candidate_id_numbers",
    "find_header_row",
    "mask_id_number",
    "plan_import",
]


# Fields of the household taken from each row (target -> household field).
_HOUSEHOLD_OF = {
    "address": "address",
    "building": "building",
    "unit": "unit",
    "room": "room",
    "head_name": "head_name",
    "household_phone": "phone",
    "household_kind": "kind",
    "household_tags": "tags",
    "visit_interval_days": "visit_interval_days",
    "household_notes": "notes",
}
# Filled resident fields that make a row without a name an error (not a household-only row).
_PERSON_TARGETS = ("gender", "id_number", "birth_date", "relation", "phone", "present")
_TOTAL_WORDS = frozenset({"合计", "总计", "小计", "共计"})


def find_header_row(table: Table) -> int | None:
    """The 0-based index of the first of the first 15 rows naming at least two fields."""
    for index, row in enumerate(table.rows[:HEADER_SCAN_ROWS]):
        if recognised(row) >= 2:
            return index
    return None


def candidate_id_numbers(table: Table, mapping: Mapping[int, str] | None = None) -> set[str]:
    """The valid ID numbers a ledger holds (to look up only those in a large database)."""
    header = find_header_row(table)
    if header is None:
        return set()
    mapping = mapping if mapping is not None else guess_mapping(table.rows[header])
    columns = [i for i, t in mapping.items() if t == "id_number"]
    found = set()
    for row in table.rows[header + 1 :]:
        for index in columns:
            if row[index] is None:
                continue
            try:
                number = parse.id_number(row[index], lambda code, message: None)
            except CellError:
                continue
            if number:
                found.add(number)
    return found


def plan_import(
    table: Table,
    grid_id: str,
    existing: ExistingData,
    mapping: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
    *,
    header_row: int | None = None,
) -> ImportPlan:
    """Plan the import of ``table`` into ``grid_id``; raises ``LedgerError`` if it has no
    recognisable header (within the first 15 rows) or no address column.

    ``mapping`` (column index -> target field, see ``headers``) overrides the guessed one;
    ``header_row`` (1-based) overrides the detected header row.
    """
    header_index = header_row - 1 if header_row else find_header_row(table)
    if header_index is None or header_index >= len(table.rows):
        raise LedgerError(
            "未找到表头：前 15 行中没有一行含有至少两个可识别的列名（如 地址、姓名、身份证号）"
        )
    raw_headers = table.rows[header_index]
    headers = [_header_text(h) for h in raw_headers]
    mapping = dict(mapping) if mapping is not None else guess_mapping(raw_headers)
    if not {"address", "building", "unit", "room"} & set(mapping.values()):
        raise LedgerError("台账缺少地址列（地址、住址，或 楼栋/单元/室）")
    if "name" not in mapping.values():
        # A household ledger: phone, tags and notes describe the household.
        renames = {"phone": "household_phone", "tags": "household_tags", "notes": "household_notes"}
        for index, target in list(mapping.items()):
            if target in renames and renames[target] not in mapping.values():
                mapping[index] = renames[target]
    names_are_heads = any(
        t == "name" and is_head_name_column(raw_headers[i]) for i, t in mapping.items()
    )
    today = (now or dt.datetime.now(dt.UTC)).astimezone(SHANGHAI).date()
    planner = _Planner(grid_id, existing, headers, mapping, names_are_heads, today)
    planner.plan(table, header_index)
    return planner.result(table.sheet, header_index + 1)


def _header_text(value: object) -> str:
    text = cell_text(value)
    return SPACES.sub("", text) if text else ""


@dataclass
class _Row:
    """One data row being read: its values and what was found wrong with it."""

    number: int
    cells: dict[str, object]
    household: dict[str, Any] = field(default_factory=dict)
    resident: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    imported: bool = False  # the row adds a household or a resident

    @property
    def failed(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


class _Planner:
    def __init__(
        self,
        grid_id: str,
        existing: ExistingData,
        headers: list[str],
        mapping: dict[int, str],
        names_are_heads: bool,
        today: dt.date,
    ):
        self.grid_id = grid_id
        self.existing = existing
        self.headers = headers
        self.mapping = mapping
        self.column_of = {t: i for i, t in mapping.items()}
        self.names_are_heads = names_are_heads
        self.today = today
        self.problems: list[Problem] = []
        self.by_key: dict[str, PlannedHousehold] = {}
        self.households: list[PlannedHousehold] = []
        self.seen_ids: dict[str, int] = {}
        self.seen_names: dict[tuple[str, str], tuple[int, bool]] = {}
        self.rows_read = self.skipped = self.error_rows = 0

    # -- problems ------------------------------------------------------------------------

    def column(self, target: str | None) -> str | None:
        if target is None or target not in self.column_of:
            return None
        return column_name(self.headers, self.column_of[target])

    def problem(
        self, row: _Row, severity: str, code: str, message: str, target: str | None = None
    ) -> None:
        row.problems.append(
            Problem(row.number, self.column(target), target, severity, code, message)
        )

    # -- rows ----------------------------------------------------------------------------

    def plan(self, table: Table, header_index: int) -> None:
        rows, sections = self._unmerge(table, header_index)
        last = max(
            (
                i
                for i in range(header_index + 1, len(rows))
                if self._cells(rows[i]) or i in sections
            ),
            default=header_index,
        )
        for index in range(header_index + 1, last + 1):
            self.rows_read += 1
            row = _Row(table.row_number(index), self._cells(rows[index]))
            if index in sections or self._is_total(rows[index], row.cells):
                self.problem(row, INFO, "section_row", "标题或合计行（合并单元格），已跳过")
            elif not row.cells:
                self.problem(row, INFO, "blank_row", "空行，已跳过")
            else:
                self._read(row)
                if not row.failed and self._place(row):
                    row.imported = True
            self.problems += row.problems
            if row.failed:
                self.error_rows += 1
            elif not row.imported:
                self.skipped += 1

    def _unmerge(self, table: Table, header_index: int) -> tuple[list[list[object]], set[int]]:
        """Rows with merged values filled in, and the rows that are section titles or totals.

        A merged cell across most of the columns is a title ("3号楼") or a total (合计); any
        other merged cell (an address merged down a household's rows) gives its value to
        every cell it covers.
        """
        rows = [list(r) for r in table.rows]
        sections: set[int] = set()
        wide = max(2, (len(self.mapping) + 1) // 2)
        for min_row, max_row, min_col, max_col in table.merged:
            if max_row - 1 <= header_index:
                continue
            covered = sum(1 for i in self.mapping if min_col - 1 <= i <= max_col - 1)
            first = max(min_row - 1, header_index + 1)
            if covered >= wide:
                sections.update(range(first, max_row))
                continue
            value = table.rows[min_row - 1][min_col - 1] if min_row - 1 < len(rows) else None
            for r in range(first, min(max_row, len(rows))):
                for c in range(min_col - 1, min(max_col, len(rows[r]))):
                    rows[r][c] = value
        return rows, sections

    def _cells(self, values: list[object]) -> dict[str, object]:
        out = {}
        for index, target in self.mapping.items():
            value = values[index] if index < len(values) else None
            if isinstance(value, str) and not value.strip():
                value = None
            if value is not None:
                out[target] = value
        return out

    def _is_total(self, values: list[object], cells: dict[str, object]) -> bool:
        # "合计" is often typed in the name column itself: a person is never called that.
        if "id_number" in cells:
            return False
        return any(isinstance(v, str) and _is_total_word(v) for v in values)

    def _read(self, row: _Row) -> None:
        cells = row.cells

        def parsed(target: str, parser: Any) -> Any:
            """``parser(value, warn)`` on the cell of ``target``; its errors become problems."""
            if target not in cells:
                return None

            def warn(code: str, message: str) -> None:
                self.problem(row, WARNING, code, message, target)

            try:
                return parser(cells[target], warn)
            except CellError as exc:
                self.problem(row, ERROR, exc.code, exc.message, target)
                return None

        hh = row.household
        for target in ("address", "building", "unit", "room", "head_name", "household_notes"):
            hh[_HOUSEHOLD_OF[target]] = cell_text(cells.get(target))
        hh["phone"] = parsed("household_phone", _phone)
        hh["kind"] = parsed(
            "household_kind", lambda v, w: parse.lookup(v, parse.KIND_WORDS, "户类型")
        )
        hh["tags"] = parsed("household_tags", lambda v, w: _tags(v, w, "户标签")) or []
        hh["visit_interval_days"] = parsed(
            "visit_interval_days", lambda v, w: parse.integer(v, "走访周期")
        )

        res = row.resident
        res["name"] = cell_text(cells.get("name"))
        res["gender"] = parsed("gender", lambda v, w: parse.lookup(v, parse.GENDER_WORDS, "性别"))
        res["id_number"] = parsed("id_number", parse.id_number)
        res["relation"] = parsed(
            "relation", lambda v, w: parse.lookup(v, parse.RELATION_WORDS, "与户主关系")
        )
        res["phone"] = parsed("phone", _phone)
        res["tags"] = parsed("tags", lambda v, w: _tags(v, w, "人员类别")) or []
        res["present"] = parsed("present", lambda v, w: parse.present(v, "居住状态"))
        res["notes"] = cell_text(cells.get("notes"))
        self._birth_date(row)

        if not res["name"]:
            if any(t in cells for t in _PERSON_TARGETS):
                self.problem(
                    row, ERROR, "missing_name", "缺少姓名：本行填写了居民信息但没有姓名", "name"
                )
            # A household-only row: the resident columns left describe the household.
            if not hh["tags"]:
                hh["tags"] = res["tags"]
            hh["notes"] = hh["notes"] or res["notes"]
            row.resident = {}
        elif self.names_are_heads:
            hh["head_name"] = hh["head_name"] or res["name"]
            res["relation"] = res["relation"] or "head"
        hh["address"] = _full_address(hh["address"], hh["building"], hh["unit"], hh["room"])
        if not hh["address"]:
            column = "address" if "address" in self.column_of else None
            self.problem(
                row, ERROR, "missing_address", "缺少地址（地址或楼栋/单元/室均为空）", column
            )
        self._validate(row)

    def _birth_date(self, row: _Row) -> None:
        res, cells = row.resident, row.cells
        date_error: CellError | None = None
        try:
            res["birth_date"] = parse.date(cells.get("birth_date"), "出生日期", self.today)
        except CellError as exc:
            res["birth_date"] = None
            date_error = exc
        number = res["id_number"]
        if number is None:
            if date_error is not None:
                self.problem(row, ERROR, date_error.code, date_error.message, "birth_date")
            return
        born, gender = id_number_birth_date(number), id_number_gender(number)
        if date_error is not None:
            self.problem(
                row,
                WARNING,
                "birth_date_mismatch",
                f"{date_error.message}，已按身份证号填写出生日期",
                "birth_date",
            )
        elif res["birth_date"] not in (None, born):
            self.problem(
                row,
                WARNING,
                "birth_date_mismatch",
                "出生日期与身份证号不一致，已按身份证号填写",
                "birth_date",
            )
        if res["gender"] not in (None, gender):
            self.problem(
                row, WARNING, "gender_mismatch", "性别与身份证号不一致，已按身份证号填写", "gender"
            )
        res["birth_date"], res["gender"] = born, gender

    def _validate(self, row: _Row) -> None:
        """Every value through the protocol's own check (lengths, ranges, codes)."""
        targets = {v: k for k, v in _HOUSEHOLD_OF.items()}
        for name, value in list(row.household.items()):
            try:
                row.household[name] = HOUSEHOLD_FIELDS[name].normalise(value)
            except ValidationError as exc:
                self.problem(row, ERROR, exc.code, exc.message, targets.get(name))
        for name, value in list(row.resident.items()):
            try:
                row.resident[name] = RESIDENT_FIELDS[name].normalise(value)
            except ValidationError as exc:
                self.problem(row, ERROR, exc.code, exc.message, name)

    # -- households ----------------------------------------------------------------------

    def _place(self, row: _Row) -> bool:
        """Add the row to its household; whether it adds anything to the plan."""
        key = address_key(row.household["address"])
        planned = self.by_key.get(key)
        household_id = planned.id if planned else self.existing.households.get(key)
        if row.resident and not self._resident_ok(row, key, household_id):
            return False
        if (
            not row.resident
            and household_id is not None
            and (planned is None or not planned.is_new)
        ):
            self.problem(
                row,
                INFO,
                "household_exists",
                "该地址的住户已在网格中，已跳过（住户信息不修改）",
                "address",
            )
            return False
        if planned is None:
            planned = self._new_household(row, key)
        else:
            self._merge_household(row, planned)
        planned.rows.append(row.number)
        if row.resident:
            resident = {"id": uuid7(), "household_id": planned.id, **row.resident}
            if resident["present"] is None:
                resident["present"] = True
            planned.residents.append(resident)
            planned.resident_rows.append(row.number)
        return True

    def _new_household(self, row: _Row, key: str) -> PlannedHousehold:
        existing_id = self.existing.households.get(key)
        if existing_id is not None:
            planned = PlannedHousehold(row.number, existing_id=existing_id)
            self.problem(
                row,
                INFO,
                "household_exists",
                "该地址的住户已在网格中，居民将加入该户（住户信息不修改）",
                "address",
            )
        else:
            values = {"id": uuid7(), "grid_id": self.grid_id, **row.household}
            planned = PlannedHousehold(row.number, values=values)
        self.by_key[key] = planned
        self.households.append(planned)
        return planned

    def _merge_household(self, row: _Row, planned: PlannedHousehold) -> None:
        """Household fields of a later row: blanks filled, disagreements warned (first wins)."""
        if planned.values is None:
            return
        for name, value in row.household.items():
            if value in (None, []):
                continue
            current = planned.values.get(name)
            if current in (None, []):
                planned.values[name] = value
            elif name == "head_name" and "head_name" not in row.cells:
                # A member's own name standing in for a missing 户主姓名 column is no
                # disagreement: only the 户主姓名 column itself is compared.
                continue
            elif not _same(name, current, value):
                label = HOUSEHOLD_FIELDS[name].label
                target = {v: k for k, v in _HOUSEHOLD_OF.items()}[name]
                self.problem(
                    row,
                    WARNING,
                    "household_conflict",
                    f"{label}与第{planned.row}行（同一住户）不一致，已按第{planned.row}行",
                    target,
                )

    def _resident_ok(self, row: _Row, key: str, household_id: str | None) -> bool:
        """Duplicates inside the ledger (errors) and against the database (skipped or errors)."""
        res = row.resident
        name, number = res["name"], res["id_number"]
        if number is not None:
            first = self.seen_ids.get(number)
            if first is not None:
                self.problem(
                    row, ERROR, "duplicate_in_file", f"身份证号与第{first}行重复", "id_number"
                )
                return False
        same_name = self.seen_names.get((key, name))
        if same_name is not None and (number is None or not same_name[1]):
            self.problem(
                row,
                ERROR,
                "duplicate_in_file",
                f"与第{same_name[0]}行同一住户、同一姓名，且无身份证号可区分，疑为重复",
                "name",
            )
            return False
        if number is not None:
            self.seen_ids[number] = row.number
        self.seen_names.setdefault((key, name), (row.number, number is not None))

        if number is not None and number in self.existing.residents_by_id_number:
            registered_household, registered_grid = self.existing.residents_by_id_number[number]
            if registered_household == household_id:
                self.problem(
                    row, INFO, "already_imported", "该居民已在此住户中登记，已跳过", "id_number"
                )
                return False
            if registered_grid == self.grid_id:
                self.problem(
                    row,
                    ERROR,
                    "id_number_elsewhere",
                    f"身份证号（{mask_id_number(number)}）已登记在本网格的另一户中；"
                    "如属搬迁，请先在系统中修改原住户",
                    "id_number",
                )
                return False
            # Another grid's ledger (a grid split, a new grid taking over streets, a move not
            # yet recorded): imported as the ledger says, and said so, for someone to check.
            self.problem(
                row,
                WARNING,
                "id_number_in_other_grid",
                f"身份证号（{mask_id_number(number)}）已登记在其他网格的住户中，仍按台账导入；"
                "如属同一人迁入，请核实后在原网格处理",
                "id_number",
            )
        if household_id is not None and name in self.existing.resident_names.get(household_id, ()):
            message = "同名居民已在此住户中登记，已跳过"
            if number is not None:
                message += "（如需补充身份证号，请在系统中修改该居民）"
            self.problem(row, INFO, "already_imported", message, "name")
            return False
        return True

    def result(self, sheet: str, header_row: int) -> ImportPlan:
        for planned in self.households:
            values = planned.values
            if values is None:
                continue
            if not values.get("head_name"):
                head = next((r for r in planned.residents if r["relation"] == "head"), None)
                values["head_name"] = head["name"] if head else None
            if values.get("visit_interval_days") is None:
                values["visit_interval_days"] = workflow.visit_interval_days(values["tags"])
        self.problems.sort(key=lambda p: p.row)
        return ImportPlan(
            grid_id=self.grid_id,
            sheet=sheet,
            header_row=header_row,
            headers=self.headers,
            mapping=self.mapping,
            households=self.households,
            problems=self.problems,
            rows_read=self.rows_read,
            skipped=self.skipped,
            error_rows=self.error_rows,
        )


_SUFFIXES = {
    "building": (("栋", "幢", "楼", "号", "座"), "栋"),
    "unit": (("单元",), "单元"),
    "room": (("室", "号", "户"), "室"),
}


def _is_total_word(value: str) -> bool:
    text = SPACES.sub("", value).rstrip(":：")
    return text in _TOTAL_WORDS or any(
        text.startswith(word + sep) for word in _TOTAL_WORDS for sep in (":", "：")
    )


def _phone(value: object, warn: parse.Warn) -> str | None:
    """``parse.phone``, saying what is wrong with an all-digit number of the wrong length
    (its own message, "只能包含数字", blamed the digits)."""
    try:
        return parse.phone(value, warn)
    except CellError as exc:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        digits = SPACES.sub("", str(value)).lstrip("'")
        if exc.code == "invalid_phone" and digits.isdigit() and len(digits) not in (11, 12):
            raise CellError(
                exc.code,
                f"联系电话位数不对（{len(digits)} 位）：手机号应为 11 位，"
                "固定电话应带区号（如 0518-85123456）",
            ) from None
        raise


def _tags(value: object, warn: parse.Warn, label: str) -> list[str]:
    """The known tags of a cell; an unknown word is dropped with a warning (the person or
    household is still imported)."""
    try:
        return parse.tags(value, label)
    except CellError:
        pass
    known: list[str] = []
    unknown: list[str] = []
    for word in parse._SEPARATORS.split(str(cell_text(value) or "")):
        if not word:
            continue
        try:
            codes = parse.tags(word, label)
        except CellError:
            unknown.append(word)
            continue
        known += [code for code in codes if code not in known]
    warn("unknown_tag", f"{label}中的“{'、'.join(unknown)}”不是可识别的类别，已忽略")
    return known


def _same(name: str, a: Any, b: Any) -> bool:
    """Whether two rows agree on a household field ("3" and "3栋" name the same building)."""
    if name == "address":
        return True  # rows were grouped by it
    if name in _SUFFIXES:
        suffixes, suffix = _SUFFIXES[name]
        return address_key(_suffixed(a, suffixes, suffix)) == address_key(
            _suffixed(b, suffixes, suffix)
        )
    return bool(a == b)


def _suffixed(value: str | None, suffixes: tuple[str, ...], suffix: str) -> str:
    if not value:
        return ""
    return value if value.endswith(suffixes) else value + suffix


def _full_address(
    address: str | None, building: str | None, unit: str | None, room: str | None
) -> str | None:
    """The display address: as written, completed with building/unit/room where missing.

    Without an address column the address is composed ("3栋2单元501室"); an address that
    names only the estate gets the parts it lacks appended.
    """
    parts = [
        _suffixed(building, *_SUFFIXES["building"]),
        _suffixed(unit, *_SUFFIXES["unit"]),
        _suffixed(room, *_SUFFIXES["room"]),
    ]
    if not address:
        return "".join(parts) or None
    if not room:
        return address
    compact = address_key(address)
    missing = [p for p in parts if p and address_key(p) not in compact]
    if not missing or (room and address_key(room) in compact):
        return address
    return address + "".join(missing)
