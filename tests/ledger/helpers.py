"""Small builders for ledger tests: valid ID numbers and openpyxl sheets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from stdnum.cn import ric

from sync.ledger.reader import Table


def id_number(body17: str) -> str:
    """A valid 18-character 身份证号 from its first 17 digits."""
    return body17 + ric.calc_check_digit(body17 + "0")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def table(*rows: list[Any]) -> Table:
    width = max(len(r) for r in rows)
    return Table([list(r) + [None] * (width - len(r)) for r in rows], [], "Sheet1")


def save(path: Path, rows: list[list[Any]], merges: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for merge in merges:
        ws.merge_cells(merge)
    wb.save(path)
    return path


# Ledger people: valid 身份证号 built from their first 17 digits.
ZHANG = id_number("32070519500101001")  # male, 1950-01-01
LI_15 = "320705520304002"  # first generation: female, 1952-03-04
LI = id_number("32070519520304002")
BAD = "320705198001010030"  # the check character is 4
ZHAO = id_number("32070519900202002")  # female

HEADER = [
    "序号",
    "地址",
    "姓名",
    "公民身份号码",
    "性别",
    "与户主关系",
    "手机号",
    "人员类别",
    "备注",
]


def messy_ledger(path: Path) -> Path:
    """A ledger as offices keep them: a merged title, a note, the header in row 3, an address
    merged down a household, a blank row, a section title, a total, and broken values."""
    rows = [
        ["西门社区住户台账"],
        ["填表日期：2026年11月"],
        HEADER,
        [1, "朐阳小区1号楼1单元101室", "张伟", ZHANG, "男", "户主", "138 1234 5678", "低保、党员"],
        [2, None, "李芳", LI_15, "女", "妻子", full_width("13912345678")],
        [3, None, "张小明", BAD, "男", "儿子"],
        [],
        ["3号楼"],
        [4, "朐阳小区3号楼2单元502室", "王强", 3.20705196001011e17, "男", "户主", "13912345678"],
        [5, "朐阳小区3号楼2单元502室", "赵敏", full_width(ZHAO), "女", "表姐"],
        [6, "朐阳小区3号楼2单元503室", "陈静", ZHANG, None, "户主"],
        [7, "朐阳小区3号楼2单元504室", None, None, None, None, None, None, "空置"],
        ["合计：7人"],
    ]
    return save(path, rows, merges=("A1:I1", "B4:B6", "A8:I8", "A13:I13"))


def sheet_rows(path: Path) -> list[tuple[Any, ...]]:
    """An exported .xlsx's header and data rows as the reader sees them: the print layout's
    title row above the header and its 序号 column left out."""
    from openpyxl import load_workbook

    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    return [tuple(r[1:]) for r in rows[header:]]
