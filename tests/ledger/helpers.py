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
