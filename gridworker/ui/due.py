"""今日待访: households whose visit interval has run out, key households first, with why."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gridworker.domain import campaign_views, queries, worklists
from sync.protocol.workflow import KEY_TAGS

from . import labels
from .context import AppContext
from .models import URGENT, Column, RowsModel
from .qtcompat import emit
from .widgets import current_row, select_row, table_view

Row = dict[str, Any]
translate = QCoreApplication.translate


def is_key(row: Row) -> bool:
    """A key household (重点户): its own or a living resident's tag asks for 7 or 30 days."""
    return any(t in KEY_TAGS for t in row.get("tags") or [])


def due_model(parent: Any = None) -> RowsModel:
    def attention(row: Row) -> str:
        marks = []
        if row.get("campaign"):
            marks.append(translate("Lists", "Emergency"))
        if is_key(row):
            marks.append(translate("Lists", "Key"))
        if row.get("vacated"):
            marks.append(translate("Lists", "Nobody left"))
        return " · ".join(marks)

    return RowsModel(
        [
            Column(
                translate("Lists", "Attention"),
                attention,
                foreground=lambda r: URGENT,
                bold=lambda r: True,
                tooltip=lambda r: (
                    translate("Lists", "Every resident has moved out or died")
                    if r.get("vacated")
                    else ""
                ),
            ),
            Column(translate("Lists", "Address"), lambda r: labels.short_address(r.get("address"))),
            Column(translate("Lists", "Head of household"), lambda r: r.get("head_name") or ""),
            Column(translate("Lists", "Tags"), lambda r: labels.tag_labels(r.get("tags"))),
            Column(
                translate("Lists", "Every"),
                lambda r: (
                    translate("Lists", "%1 days").replace("%1", str(r["visit_interval_days"]))
                    if r.get("visit_interval_days")
                    else ""
                ),
            ),
            Column(
                translate("Lists", "Last visit"), lambda r: labels.local_date(r.get("last_visit"))
            ),
            Column(
                translate("Lists", "Why due"),
                lambda r: (
                    translate("Lists", "%1, by %2")
                    .replace("%1", r["campaign"])
                    .replace("%2", labels.local_time(r.get("campaign_deadline")))
                    if r.get("campaign")
                    else labels.due_reason(r.get("overdue_days"))
                ),
                foreground=lambda r: (
                    URGENT if r.get("campaign") or (r.get("overdue_days") or 0) > 0 else None
                ),
            ),
        ],
        parent=parent,
    )


class DuePage(QWidget):
    open_household_requested = Signal(str)
    log_visit_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.model = due_model(self)
        self.table = table_view(self.model, stretch=1)
        self.table.activated.connect(lambda _i: self._open())
        self.table.doubleClicked.connect(lambda _i: self._open())
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        visit = QPushButton(self.tr("Log a visit (Ctrl+N)"))
        visit.setObjectName("primary")
        visit.clicked.connect(self._log_visit)
        show = QPushButton(self.tr("Show the household (Enter)"))
        show.clicked.connect(self._open)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(show)
        bar.addWidget(visit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        ctx.tasks.changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        keep = self.current_id()
        # An emergency campaign's households not answered yet lead the day (issue 12).
        rows = queries.due_today(self.ctx.store)
        rows = campaign_views.lead_with_emergencies(self.ctx.store, rows)
        vacated = worklists.vacated_households(self.ctx.store, [r["id"] for r in rows])
        rows = [{**r, "vacated": r["id"] in vacated} for r in rows]
        self.model.set_rows(rows)
        key = sum(1 for r in rows if is_key(r))
        text = self.tr("%n household(s) due for a visit", "", len(rows)) + self.tr(
            ", %n of them key attention", "", key
        )
        if vacated:
            text += self.tr(", %n with nobody left living there", "", len(vacated))
        self.summary.setText(text)
        row = self.model.row_of(keep)
        select_row(self.table, row if row >= 0 else 0)

    def count(self) -> int:
        return self.model.rowCount()

    def current_id(self) -> str | None:
        row = self.model.row_at(current_row(self.table))
        return row["id"] if row else None

    def _open(self) -> None:
        household_id = self.current_id()
        if household_id:
            emit(self.open_household_requested, household_id)

    def _log_visit(self) -> None:
        household_id = self.current_id()
        if household_id:
            emit(self.log_visit_requested, household_id)
