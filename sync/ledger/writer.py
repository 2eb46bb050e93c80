"""Writing a ledger to .xlsx (openpyxl, write-only: streaming and fast) or .csv (UTF-8 + BOM)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .columns import TEXT_KEYS, Cell, columns_of, render_rows
from .errors import LedgerError

SHEET_TITLES = {
    "households": "住户台账",
    "residents": "居民台账",
    "visits": "走访记录",
    "issues": "民情事项",
}

MAX_WIDTH = 50
_PADDING = 2
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# A cell starting with one of these is a formula to Excel (CSV injection); see _csv_cell.
# Tab and carriage return too: Excel skips them and may then see one of the others.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What ``_csv_cell`` writes as ="…" in ID and phone columns: digits, inner dashes, a final X
# (身份证号, 13812345678, 0518-85201234). Nothing else can get inside the quotes.
_ID_OR_PHONE = re.compile(r"[0-9](?:[0-9-]*[0-9])?[Xx]?")
# Excel shows 12 digits and more in scientific notation and keeps only 15 of them.
_EXCEL_LONG_DIGITS = 12
# The first column of every ledger, as paper ledgers have (the importer ignores it).
SERIAL_HEADER = "序号"


def write_ledger(
    path: Path,
    entity: str,
    rows: Iterable[dict[str, Any]],
    names: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
    period: str | None = None,
) -> int:
    """Write ``rows`` of ``entity`` to ``path`` (.xlsx or .csv); returns the rows written.

    ``title`` names the worksheet (default: the entity's ledger name, e.g. 居民台账). An .xlsx
    is ready to print: a title row (``title``, the ledger's name, ``period``), a 序号 column,
    landscape, the header repeated on every page, fit to the page width, page numbers in the
    footer; its header is in row 2, within the rows the reader scans, so the file can be
    imported again. A .csv has the same title row and 序号 column (a paper ledger's shape;
    the importer finds the header in row 2 and ignores 序号). The file is written beside
    ``path`` first and moved into place, so a failed export never leaves half a file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise LedgerError(f"不支持的导出格式“{path.suffix or '无扩展名'}”，请使用 .xlsx 或 .csv")
    columns = columns_of(entity)
    header = [c.header for c in columns]
    body = list(render_rows(entity, rows, names))
    temp = path.with_name(f".{path.name}.part")
    text_columns = [
        i for i, c in enumerate(columns) if c.key.removeprefix("household_") in TEXT_KEYS
    ]
    heading = ledger_heading(entity, title, period)
    try:
        if suffix == ".csv":
            _write_csv(temp, header, body, text_columns, heading)
        else:
            _write_xlsx(
                temp, title or SHEET_TITLES[entity], header, body, text_columns, heading=heading
            )
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)
        raise LedgerError(
            f"无法写入文件 {path.name}：请检查文件夹是否存在、是否有写入权限，"
            "或该文件是否正在 Excel 中打开"
        ) from None
    return len(body)


def ledger_heading(entity: str, title: str | None, period: str | None) -> str:
    """The title row: e.g. ``西门网格一 走访记录（2026-11-01 至 2026-11-30）``."""
    heading = " ".join(part for part in (title, SHEET_TITLES[entity]) if part)
    return heading + (f"（{period}）" if period else "")


def period_text(date_from: dt.date | None, date_to: dt.date | None) -> str | None:
    """A period as the title row says it: both ends, one end, or None for no period."""
    if date_from and date_to:
        return f"{date_from:%Y-%m-%d} 至 {date_to:%Y-%m-%d}"
    if date_from:
        return f"{date_from:%Y-%m-%d} 起"
    if date_to:
        return f"截至 {date_to:%Y-%m-%d}"
    return None


def _write_csv(
    path: Path,
    header: list[str],
    body: list[list[Cell]],
    text_columns: list[int],
    heading: str = "",
) -> None:
    # utf-8-sig: the BOM makes Excel read the file as UTF-8 instead of the system's GBK.
    text = {i + 1 for i in text_columns}  # after the 序号 column
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        if heading:
            writer.writerow([_csv_cell(heading, False)])
        writer.writerow([SERIAL_HEADER, *header])
        writer.writerows(
            [number, *(_csv_cell(v, i in text) for i, v in enumerate(row, start=1))]
            for number, row in enumerate(body, start=1)
        )


def _csv_cell(value: Cell, text_column: bool) -> Cell:
    """A cell as Excel and WPS must see it: digits kept as text, formulas disarmed.

    Excel reads a CSV cell of digits as a number: an 18-digit 身份证号 becomes 3.2E+17 and
    loses its last digits when saved, a fixed line loses its leading 0. Such a cell is written
    as the text formula ``="…"``, which Excel and WPS show as the text and save back as the
    plain digits; our reader unwraps it. Only values of digits, dashes and a final X are
    wrapped, so no user text can ride inside it; all other text that Excel would run as a
    formula gets a leading ' (the importer removes it).
    """
    if isinstance(value, str):
        if _keeps_as_text(value, text_column):
            return f'="{value}"'
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def _keeps_as_text(value: str, text_column: bool) -> bool:
    if text_column:  # ID numbers and phones: the whole column stays text
        return _ID_OR_PHONE.fullmatch(value) is not None
    # Elsewhere only what Excel would damage: long digit strings and leading zeros.
    if not (value.isascii() and value.isdigit()):
        return False
    return len(value) >= _EXCEL_LONG_DIGITS or (len(value) > 1 and value[0] == "0")


def _write_xlsx(
    path: Path,
    title: str,
    header: list[str],
    body: list[list[Cell]],
    text_columns: list[int],
    heading: str = "",
) -> None:
    from openpyxl import Workbook

    # A 序号 column in front, as paper ledgers have (the importer ignores it).
    header = [SERIAL_HEADER, *header]
    body = [[number, *row] for number, row in enumerate(body, start=1)]
    text_columns = [i + 1 for i in text_columns]
    # Open the file first: a write-only sheet that never gets saved complains when collected.
    with open(path, "wb") as out:
        wb = Workbook(write_only=True)
        _fill_sheet(wb, title, header, body, text_columns, heading)
        wb.save(out)


def _print_setup(ws: Any, header_row: int) -> None:
    """Landscape, fit to one page wide, the header row on every page, 第 n 页 in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.print_options.horizontalCentered = True


def _fill_sheet(
    wb: Any,
    title: str,
    header: list[str],
    body: list[list[Cell]],
    text_columns: list[int],
    heading: str = "",
) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    ws = wb.create_sheet(_sheet_title(title))
    header_row = 2 if heading else 1
    # Write-only sheets take panes, widths and print settings, but only before the first row.
    ws.freeze_panes = f"A{header_row + 1}"
    for index, width in enumerate(column_widths(header, body), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    _print_setup(ws, header_row)
    if heading:
        cell = WriteOnlyCell(ws, value=heading)
        cell.font = Font(bold=True, size=14)
        ws.append([cell])
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in body:
        out: list[Any] = row
        for index in text_columns:
            value = row[index]
            if value is not None:
                # ID numbers and phones as text cells, shown as text (format "@") if edited.
                cell = WriteOnlyCell(ws, value=str(value))
                cell.number_format = "@"
                if out is row:
                    out = list(row)
                out[index] = cell
        for index, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                # openpyxl would store it as a formula; a note may well start with "=".
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                if out is row:
                    out = list(row)
                out[index] = cell
        ws.append(out)


def _sheet_title(title: str) -> str:
    return _BAD_SHEET_CHARS.sub("_", title).strip("'")[:31] or "Sheet1"


def display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK and full-width characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def column_widths(header: list[str], body: list[list[Cell]]) -> list[float]:
    """A width per column that fits its header and values, capped at ``MAX_WIDTH``."""
    widths = [display_width(h) for h in header]
    limit = MAX_WIDTH - _PADDING
    for row in body:
        for index, value in enumerate(row):
            if value is None:
                continue
            text = value if isinstance(value, str) else str(value)
            current = widths[index]
            # A text of n characters is n to 2n wide: skip those that cannot win.
            if current >= limit or 2 * len(text) <= current:
                continue
            widths[index] = max(current, min(limit, display_width(text)))
    return [float(min(MAX_WIDTH, w + _PADDING)) for w in widths]
