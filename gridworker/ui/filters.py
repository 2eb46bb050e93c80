"""Filter widgets the supervisor screens share: grid, worker, and dates that may be left open."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QWidget

from gridworker.domain import queries

from .context import AppContext
from .labels import today_local

translate = QCoreApplication.translate

# A date edit at its minimum shows "no limit" (QDateEdit's special value text).
OPEN_DATE = QDate(2000, 1, 1)


def grid_combo(
    ctx: AppContext, parent: QWidget | None = None, *, everything: bool = True
) -> QComboBox:
    combo = QComboBox(parent)
    fill_grids(ctx, combo, everything=everything)
    return combo


def fill_grids(ctx: AppContext, combo: QComboBox, *, everything: bool = True) -> None:
    keep = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    if everything:
        combo.addItem(translate("Filters", "All grids"), None)
    for grid_id, name in queries.grid_names(ctx.store).items():
        combo.addItem(name, grid_id)
    index = combo.findData(keep)
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def fill_workers(ctx: AppContext, combo: QComboBox, grid_id: str | None = None) -> None:
    """Everyone who holds the grid (the server's directory), by name."""
    keep = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(translate("Filters", "Everyone"), None)
    for person in queries.workers_of(ctx.store, grid_id):
        combo.addItem(person["display_name"], person["id"])
    index = combo.findData(keep)
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def date_edit(parent: QWidget | None = None, *, open_ended: bool = False) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if open_ended:
        edit.setMinimumDate(OPEN_DATE)
        edit.setSpecialValueText(translate("Filters", "Any"))
        edit.setDate(OPEN_DATE)
    else:
        today = today_local()
        edit.setDate(QDate(today.year, today.month, today.day))
    return edit


def date_of(edit: QDateEdit) -> dt.date | None:
    """The chosen date, or None when an open-ended edit is left at "any"."""
    if edit.specialValueText() and edit.date() == edit.minimumDate():
        return None
    chosen: dt.date = edit.date().toPython()  # type: ignore[assignment]
    return chosen
