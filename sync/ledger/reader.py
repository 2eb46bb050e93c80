"""Reading a ledger file into a plain table of cell values (.xlsx/.xlsm or .csv)."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LedgerError
from .headers import recognised

HEADER_SCAN_ROWS = 15
# ="text": a formula whose value is a text constant (no quote inside, so nothing else runs).
_TEXT_FORMULA = re.compile(r'="([^"]*)"')

Merge = tuple[int, int, int, int]  # min_row, max_row, min_col, max_col (1-based, inclusive)


@dataclass
class Table:
    """The cells of one sheet. ``rows[i]`` is the sheet's row ``i + 1`` (as Excel numbers it);
    every row has the same length. ``merged`` lists the merged ranges."""

    rows: list[list[object]]
    merged: list[Merge] = field(default_factory=list)
    sheet: str = ""

    def row_number(self, index: int) -> int:
        return index + 1


def read_table(path: Path) -> Table:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise LedgerError("暂不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入")
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise LedgerError(
            f"不支持的文件类型“{path.suffix or '无扩展名'}”，请使用 .xlsx 或 .csv 文件"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LedgerError(f"找不到文件 {path.name}") from None
    except OSError:
        raise LedgerError(f"无法打开文件 {path.name}：请检查权限，或先在 Excel 中关闭它") from None
    if not data.strip():
        raise LedgerError(f"文件 {path.name} 是空的")
    if suffix in (".csv", ".txt"):
        return _read_csv(data, path.name)
    return _read_xlsx(data, path.name)


def _read_xlsx(data: bytes, name: str) -> Table:
    from openpyxl import load_workbook

    if data[:4] == b"\xd0\xcf\x11\xe0":
        # An OLE file: an encrypted workbook, or an .xls renamed to .xlsx.
        raise LedgerError(
            f"无法读取 {name}：文件已加密（设置了打开密码），或是改了扩展名的旧版 .xls 文件。"
            "请在 Excel 中取消密码或另存为 .xlsx 后再导入"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LedgerError(f"无法读取 {name}：不是有效的 Excel 文件，可能已损坏")
    try:
        # Not read-only mode: merged ranges are only known to a fully loaded sheet.
        wb = load_workbook(io.BytesIO(data), data_only=True)
        sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or wb.worksheets
        best = None
        best_score = -1
        tables = []
        for ws in sheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            score = max((recognised(r) for r in rows[:HEADER_SCAN_ROWS]), default=0)
            merged = [(m.min_row, m.max_row, m.min_col, m.max_col) for m in ws.merged_cells.ranges]
            tables.append(Table(_rectangular(rows), merged, ws.title))
            if score > best_score:
                best, best_score = tables[-1], score
    except Exception:  # a damaged file makes openpyxl raise almost anything
        raise LedgerError(f"无法读取 {name}：Excel 文件已损坏或格式不受支持") from None
    if best is None:
        raise LedgerError(f"{name} 中没有工作表")
    return best


def _rectangular(rows: list[list[Any]]) -> list[list[object]]:
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]


def decode(data: bytes) -> str:
    """CSV text: UTF-16 by its BOM, else UTF-8 (BOM optional), else GB18030 (Excel's GBK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030", "utf-16")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise LedgerError("无法识别文件的文字编码，请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后再导入")


def _read_csv(data: bytes, name: str) -> Table:
    text = decode(data)
    sample = text.splitlines()[:HEADER_SCAN_ROWS]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in sample))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise LedgerError(f"无法读取 {name}：CSV 格式错误（引号不配对？）") from None
    rows: list[list[Any]] = [[_csv_value(cell) for cell in r] for r in records]
    return Table(_rectangular(rows), [], Path(name).stem)


def _csv_value(cell: str) -> str | None:
    """A CSV cell as Excel shows it: ``="0518-85201234"`` (how our exports keep ID numbers and
    phones as text, and other systems' too) is its inner text; blank is None."""
    text = cell.strip()
    if not text:
        return None
    match = _TEXT_FORMULA.fullmatch(text)
    if match is not None:
        return match.group(1).strip() or None
    return cell
