"""What an import plan is made of: the households and residents to create, the problems found
by row and column, and what the database already holds. ``importer`` makes plans."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sync.protocol.values import fold_width

ERROR, WARNING, INFO = "error", "warning", "info"
SPACES = re.compile(r"\s+")


def address_key(text: str) -> str:
    """The key two spellings of one address share: width folded, no spaces, lower case."""
    return SPACES.sub("", fold_width(text)).lower()


def mask_id_number(number: str) -> str:
    """An ID number as it may be shown: 3201**********1234."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


@dataclass
class ExistingData:
    """What the database already holds, as far as an import into one grid needs it."""

    households: dict[str, str] = field(default_factory=dict)  # address_key -> id, this grid
    # Live residents' ID numbers anywhere -> (household_id, grid_id).
    residents_by_id_number: dict[str, tuple[str, str]] = field(default_factory=dict)
    resident_names: dict[str, set[str]] = field(default_factory=dict)  # household_id -> names

    def register(self, number: str, household_id: str, grid_id: str, into_grid: str) -> None:
        """Note where an ID number is registered. One number may live in several grids (an
        earlier import from another grid's ledger): the registration in the grid being
        imported into wins, so that a duplicate there is never hidden by another grid's."""
        known = self.residents_by_id_number.get(number)
        if known is None or (grid_id == into_grid and known[1] != into_grid):
            self.residents_by_id_number[number] = (household_id, grid_id)


@dataclass(frozen=True)
class Problem:
    row: int  # the Excel row number, as the user sees it
    column: str | None  # the header as in the file and its letter: "身份证号(D列)"
    field: str | None
    severity: str  # error: row not imported; warning: imported after a correction; info
    code: str
    message: str

    def line(self) -> str:
        where = f"第{self.row}行" + (f" {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class PlannedHousehold:
    row: int  # the first row of the household
    values: dict[str, Any] | None = None  # a new household's create values (with id)
    existing_id: str | None = None  # or the household already in the grid
    residents: list[dict[str, Any]] = field(default_factory=list)  # create values (with ids)
    rows: list[int] = field(default_factory=list)  # the rows that went into it
    resident_rows: list[int] = field(default_factory=list)  # the row of each resident

    @property
    def id(self) -> str:
        if self.values is not None:
            return str(self.values["id"])
        assert self.existing_id is not None
        return self.existing_id

    @property
    def is_new(self) -> bool:
        return self.values is not None


@dataclass
class ImportPlan:
    grid_id: str
    sheet: str
    header_row: int
    headers: list[str]
    mapping: dict[int, str]
    households: list[PlannedHousehold] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    skipped: int = 0  # rows left out with nothing wrong (blank, titles, already imported)
    error_rows: int = 0  # rows left out because of an error

    @property
    def new_households(self) -> int:
        return sum(1 for h in self.households if h.is_new)

    @property
    def existing_households(self) -> int:
        return sum(1 for h in self.households if not h.is_new)

    @property
    def new_residents(self) -> int:
        return sum(len(h.residents) for h in self.households)

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "new_households": self.new_households,
            "existing_households": self.existing_households,
            "new_residents": self.new_residents,
            "skipped": self.skipped,
            "error_rows": self.error_rows,
        }

    def source_rows(self) -> dict[str, int]:
        """The ledger row each planned household and resident comes from, by id."""
        out = {h.id: h.row for h in self.households}
        for h in self.households:
            out.update({r["id"]: row for r, row in zip(h.residents, h.resident_rows, strict=True)})
        return out

    def mutations(self) -> list[dict[str, Any]]:
        """Protocol create mutations (without seq): new households first, then residents."""
        out = [
            {"entity": "households", "id": h.id, "op": "create", "values": dict(h.values)}
            for h in self.households
            if h.values is not None
        ]
        out += [
            {"entity": "residents", "id": r["id"], "op": "create", "values": dict(r)}
            for h in self.households
            for r in h.residents
        ]
        return out

    def report_text(self) -> str:
        """A plain Chinese report: the counts, the columns, then one line per problem."""
        lines = [
            f"台账：工作表“{self.sheet}”，表头在第 {self.header_row} 行，导入到网格 {self.grid_id}",
            f"读取 {self.rows_read} 行：新增住户 {self.new_households} 户、居民 "
            f"{self.new_residents} 人；已有住户 {self.existing_households} 户；"
            f"跳过 {self.skipped} 行；有错误未导入 {self.error_rows} 行",
        ]
        used = [f"{column_name(self.headers, i)}" for i in sorted(self.mapping)]
        lines.append("识别的列：" + "、".join(used))
        ignored = [
            column_name(self.headers, i)
            for i, h in enumerate(self.headers)
            if h and i not in self.mapping
        ]
        if ignored:
            lines.append("未识别（不导入）的列：" + "、".join(ignored))
        if self.error_rows:
            lines.append(
                f"注意：有 {self.error_rows} 行因错误未导入，请在原表中修改后重新导入这些行"
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


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_name(headers: list[str], index: int) -> str:
    header = headers[index] if index < len(headers) else ""
    return f"{header}({column_letter(index)}列)"
