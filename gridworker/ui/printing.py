"""Printing: the weekly work list and every ledger on paper, as PDF, and as a phone picture.

One path for all of them: the content is HTML laid out by a ``QTextDocument`` (tables with a
``<thead>`` repeat their header row on every page), painted page by page with the title's
date and ``第 n 页，共 N 页`` at the foot, onto a ``QPrinter`` (the print dialog and its
preview) or a ``QPdfWriter``. Ledgers print landscape with the grid's name and the date in the
title. The phone picture is the same list one column wide, 1080 px, big type, to share in a
WeChat group.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from gridworker.domain.weekly import KIND_LABELS, WeeklyList

FONT_FAMILIES = ["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimSun", "sans-serif"]
PHONE_WIDTH = 1080
_KIND_COLOURS = {
    "overdue": "#c62828",
    "new_order": "#1565c0",
    "open": "#37474f",
    "visit": "#2e7d32",
    "returned": "#ef6c00",
}


class Printable:
    """What can be printed: HTML, its orientation, and the line at every page's foot."""

    def __init__(self, body: str, *, landscape: bool, footer: str = ""):
        self.body = body
        self.landscape = landscape
        self.footer = footer


def _font(point_size: float) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(point_size)
    return font


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text))


# -- content ---------------------------------------------------------------------------------


def weekly_html(weekly: WeeklyList, *, phone: bool = False) -> str:
    """The weekly list as HTML: the title, the period, then each street with its lines."""
    size = "" if not phone else ' style="font-size: 40px"'
    parts = [
        f"<h2 align=center>{_e(weekly.title)}</h2>",
        f"<p align=center>{_e(weekly.scope)}　{_e(weekly.period)}</p>",
        f"<p align=center><b>{_e(weekly.summary())}</b></p>",
    ]
    for group in weekly.groups:
        parts.append(f"<h3>{_e(group.road)}</h3><ol>")
        for line in group.lines:
            colour = _KIND_COLOURS[line.kind]
            parts.append(
                f"<li{size}><span style='color:{colour}'>[{KIND_LABELS[line.kind]}]</span> "
                f"{_e(line.text)}</li>"
            )
        parts.append("</ol>")
    if not weekly.groups:
        parts.append("<p align=center>本周没有需要处理的事项。</p>")
    parts.append(f"<p align=right>制表日期：{weekly.made_on:%Y-%m-%d}</p>")
    return "".join(parts)


def weekly_printable(weekly: WeeklyList) -> Printable:
    return Printable(weekly_html(weekly), landscape=False, footer=f"{weekly.title} {weekly.period}")


def table_html(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A table whose header row repeats on every printed page (``<thead>``)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in ["序号", *headers])
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in [n, *row]) + "</tr>"
        for n, row in enumerate(rows, 1)
    )
    return (
        f"<h3 align=center>{_e(title)}</h3>"
        "<table border=1 cellspacing=0 cellpadding=3 width=100%>"
        f"<thead><tr style='background:#e0e0e0'>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def ledger_printable(
    entity: str,
    rows: Iterable[dict[str, Any]],
    names: Mapping[str, str] | None,
    grid_name: str,
    period: str | None = None,
    today: dt.date | None = None,
) -> Printable:
    """A ledger as printed: landscape, the grid's name, ledger, period and date in the title."""
    from sync.ledger.columns import headers, render_rows
    from sync.ledger.writer import ledger_heading

    day = today or dt.date.today()
    title = f"{ledger_heading(entity, grid_name, period)}　打印日期：{day:%Y-%m-%d}"
    body = table_html(title, headers(entity), render_rows(entity, rows, names))
    return Printable(body, landscape=True, footer=ledger_heading(entity, grid_name, period))


def ledger_preview(
    ctx: Any,
    entity: str,
    grid_id: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    parent: QWidget | None = None,
) -> QPrintPreviewDialog:
    """The print preview of a ledger as the export dialog has it chosen (its 打印 button)."""
    from gridworker.domain import queries
    from gridworker.store.schema import ENTITY_TABLES
    from sync.ledger import source
    from sync.ledger.writer import period_text

    store = ctx.store
    users = queries.names(store)
    with store.read() as conn:
        rows = source.ledger_rows(conn, ENTITY_TABLES, entity, grid_id, date_from, date_to)
        names = source.names(conn, ENTITY_TABLES, entity, rows, users)
    grid_names = queries.grid_names(store)
    names.update(grid_names)
    grid_name = grid_names.get(grid_id, grid_id) if grid_id else "全部网格"
    period = period_text(date_from, date_to) if entity in source.DATED_ENTITIES else None
    today = dt.date.fromisoformat(queries.today(store))
    printable = ledger_printable(entity, rows, names, grid_name, period, today)
    return preview_dialog(printable, parent)


# -- painting --------------------------------------------------------------------------------


def _document(printable: Printable, device: Any, point_size: float = 10.0) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(_font(point_size))
    doc.documentLayout().setPaintDevice(device)
    doc.setHtml(printable.body)
    return doc


def paint(printable: Printable, device: QPagedPaintDevice) -> int:
    """Lay ``printable`` out on ``device``'s pages and paint it; returns the pages."""
    layout = device.pageLayout()
    orientation = (
        QPageLayout.Orientation.Landscape
        if printable.landscape
        else QPageLayout.Orientation.Portrait
    )
    if layout.orientation() != orientation:
        device.setPageOrientation(orientation)
    rect = device.pageLayout().paintRectPixels(device.logicalDpiX())
    width, height = float(rect.width()), float(rect.height())
    footer_height = height * 0.05
    body_height = height - footer_height
    doc = _document(printable, device)
    doc.setPageSize(QSizeF(width, body_height))
    pages = max(1, doc.pageCount())
    painter = QPainter(device)
    try:
        painter.setFont(_font(8))
        for page in range(pages):
            if page:
                device.newPage()
            painter.save()
            painter.translate(0, -page * body_height)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = QRectF(0, page * body_height, width, body_height)
            painter.setClipRect(context.clip)
            doc.documentLayout().draw(painter, context)
            painter.restore()
            foot = QRectF(0, body_height, width, footer_height)
            text = f"{printable.footer}　第 {page + 1} 页，共 {pages} 页".strip()
            painter.drawText(foot, int(Qt.AlignmentFlag.AlignCenter), text)
    finally:
        painter.end()
    return pages


def save_pdf(printable: Printable, path: Path) -> int:
    """Write ``printable`` to a PDF (A4); returns the pages."""
    writer = QPdfWriter(str(path))
    writer.setResolution(150)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)
    writer.setTitle(printable.footer or "工作清单")
    writer.setCreator("网格通")
    return paint(printable, writer)


def phone_image(weekly: WeeklyList, width: int = PHONE_WIDTH) -> QImage:
    """The list as one tall picture ``width`` pixels wide, type sized for a phone screen."""
    margin = width // 24
    doc = QTextDocument()
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(max(12, width // 27))  # 40 px on 1080: 13–14 pt on a phone
    doc.setDefaultFont(font)
    doc.setDocumentMargin(margin)
    doc.setHtml(weekly_html(weekly))
    doc.setTextWidth(width)
    height = int(doc.size().height()) + 1
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        doc.drawContents(painter)
    finally:
        painter.end()
    return image


def save_phone_png(weekly: WeeklyList, path: Path, width: int = PHONE_WIDTH) -> QImage:
    image = phone_image(weekly, width)
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]
        raise OSError(f"无法保存图片 {Path(path).name}")
    return image


# -- dialogs ---------------------------------------------------------------------------------


def _printer(printable: Printable) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    orientation = (
        QPageLayout.Orientation.Landscape
        if printable.landscape
        else QPageLayout.Orientation.Portrait
    )
    printer.setPageOrientation(orientation)
    printer.setDocName(printable.footer or "打印")
    return printer


def preview_dialog(printable: Printable, parent: QWidget | None = None) -> QPrintPreviewDialog:
    """A print preview (its own 打印 button opens the system's print dialog)."""
    printer = _printer(printable)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle("打印预览")
    dialog.paintRequested.connect(lambda p: paint(printable, p))
    dialog._printer = printer  # type: ignore[attr-defined]  # kept alive with the dialog
    return dialog


def print_with_dialog(printable: Printable, parent: QWidget | None = None) -> bool:
    """The system's print dialog, then the pages; False when the user cancelled."""
    printer = _printer(printable)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("打印")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    paint(printable, printer)
    return True
