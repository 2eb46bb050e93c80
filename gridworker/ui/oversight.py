"""事项督办: every issue of the supervisor's grids: open, overdue, escalated, waiting to be closed.

A summary by category and grid on top (click a cell to filter), the list, and the issue panel
with what a supervisor may do: reassign, escalate with the 12345 ticket, close after
verification, reopen.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import queries

from . import filters, labels
from .context import AppContext
from .issues import IssuePanel
from .models import URGENT, Column, RowsModel
from .widgets import current_row, list_and_detail, select_row, table_view

Row = dict[str, Any]
translate = QCoreApplication.translate

# view key -> (statuses, overdue only)
VIEWS: dict[str, tuple[tuple[str, ...], bool]] = {
    "unfinished": (queries.UNFINISHED_STATUSES, False),
    "overdue": ((), True),
    "escalated": (("escalated",), False),
    "resolved": (("resolved",), False),
    "closed": (("closed",), False),
    "all": ((), False),
}


def oversight_model(names: dict[str, str], grids: dict[str, str], parent: Any = None) -> RowsModel:
    today = labels.today_local().isoformat()

    def late(r: Row) -> bool:
        return bool(
            r.get("due_date")
            and r["due_date"] < today
            and r["status"] in queries.UNFINISHED_STATUSES
        )

    return RowsModel(
        [
            Column(
                translate("Lists", "Priority"),
                lambda r: labels.code_label("priority", r.get("priority")),
                foreground=lambda r: URGENT if r.get("priority") == "urgent" else None,
            ),
            Column(translate("Lists", "Title"), lambda r: r["title"]),
            Column(
                translate("Lists", "Category"),
                lambda r: labels.code_label("category", r["category"]),
            ),
            Column(translate("Lists", "Grid"), lambda r: grids.get(r["grid_id"], r["grid_id"])),
            Column(
                translate("Lists", "Status"), lambda r: labels.code_label("status", r["status"])
            ),
            Column(
                translate("Lists", "Assignee"),
                lambda r: names.get(r.get("assignee_id") or "", ""),
            ),
            Column(
                translate("Lists", "Due"),
                lambda r: r.get("due_date") or "",
                foreground=lambda r: URGENT if late(r) else None,
            ),
            Column(translate("Lists", "12345 ticket"), lambda r: r.get("external_ref") or ""),
        ],
        parent=parent,
    )


class OversightPage(QWidget):
    """Takes the place of 我的事项 for supervisors (same signals and methods)."""

    raise_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.view = QComboBox()
        for text, key in (
            (self.tr("Not finished"), "unfinished"),
            (self.tr("Overdue"), "overdue"),
            (self.tr("Escalated"), "escalated"),
            (self.tr("Waiting to be closed"), "resolved"),
            (self.tr("Closed"), "closed"),
            (self.tr("All"), "all"),
        ):
            self.view.addItem(text, key)
        self.category = QComboBox()
        self.category.addItem(self.tr("All categories"), None)
        for code, label in labels.code_items("category"):
            self.category.addItem(label, code)
        self.grid = filters.grid_combo(ctx)
        self.count = QLabel()
        self.count.setObjectName("muted")
        raise_button = QPushButton(self.tr("Raise an issue (Ctrl+I)"))
        raise_button.clicked.connect(self.raise_requested)
        for combo in (self.view, self.category, self.grid):
            combo.currentIndexChanged.connect(self._filters_changed)

        self.summary = QTableWidget()
        self.summary.setObjectName("issueSummary")
        self.summary.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.summary.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.summary.verticalHeader().setDefaultSectionSize(26)
        self.summary.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.summary.cellClicked.connect(self._summary_clicked)

        self.names: dict[str, str] = {}
        self.grid_names: dict[str, str] = {}
        self.model = oversight_model(self.names, self.grid_names, self)
        self.table = table_view(self.model, stretch=1)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.panel = IssuePanel(ctx)

        bar = QHBoxLayout()
        for text, widget in (
            (self.tr("Show"), self.view),
            (self.tr("Category"), self.category),
            (self.tr("Grid"), self.grid),
        ):
            bar.addWidget(QLabel(text))
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.count)
        bar.addWidget(raise_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary, 2)
        left_layout.addWidget(self.table, 5)
        self.splitter = list_and_detail("oversightSplitter", left, self.panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        ctx.tasks.changed.connect(self.reload)
        ctx.session_replaced.connect(lambda: filters.fill_grids(ctx, self.grid))
        self.reload()

    def _filters_changed(self) -> None:
        # Another list: start at its first issue (a data change keeps the one being read).
        self.panel.issue = None
        self.reload()

    def _filters(self) -> tuple[tuple[str, ...], bool]:
        return VIEWS[self.view.currentData()]

    def reload(self) -> None:
        keep = self.panel.issue["id"] if self.panel.issue else None
        self.names.clear()
        self.names.update(queries.names(self.ctx.store))
        self.grid_names.clear()
        self.grid_names.update(queries.grid_names(self.ctx.store))
        statuses, overdue = self._filters()
        self._fill_summary(queries.issue_counts(self.ctx.store, statuses, overdue=overdue))
        rows = queries.issues(
            self.ctx.store,
            statuses,
            grid_id=self.grid.currentData(),
            category=self.category.currentData(),
            overdue=overdue,
            limit=2000,
        )
        self.model.set_rows(rows)
        self.count.setText(self.tr("%n issue(s)", "", len(rows)))
        self.panel.follow_list(self.table, self.model, keep)

    def _fill_summary(self, counts: dict[tuple[str, str], int]) -> None:
        """Categories down, grids across, with totals; empty categories left out."""
        grids = [g for g in self.grid_names if any(k[1] == g for k in counts)] or list(
            self.grid_names
        )
        categories = [c for c, _ in labels.code_items("category") if any(k[0] == c for k in counts)]
        self.summary.clear()
        self.summary.setColumnCount(len(grids) + 1)
        self.summary.setRowCount(len(categories) + 1)
        self.summary.setHorizontalHeaderLabels(
            [self.grid_names[g] for g in grids] + [self.tr("Total")]
        )
        self.summary.setVerticalHeaderLabels(
            [labels.code_label("category", c) for c in categories] + [self.tr("Total")]
        )
        self._summary_keys = (categories, grids)
        for r, category in enumerate([*categories, None]):
            for c, grid in enumerate([*grids, None]):
                value = sum(
                    n
                    for (cat, g), n in counts.items()
                    if (category is None or cat == category) and (grid is None or g == grid)
                )
                item = QTableWidgetItem(str(value) if value else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if category is None or grid is None:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.summary.setItem(r, c, item)

    def _summary_clicked(self, row: int, column: int) -> None:
        categories, grids = self._summary_keys
        category = categories[row] if row < len(categories) else None
        grid = grids[column] if column < len(grids) else None
        for combo, value in ((self.category, category), (self.grid, grid)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.blockSignals(False)
        self._filters_changed()

    # -- the same interface as 我的事项 ---------------------------------------------------------

    def show_issue(self, issue_id: str) -> None:
        if self.model.row_of(issue_id) < 0:
            for combo in (self.category, self.grid):
                combo.blockSignals(True)
                combo.setCurrentIndex(0)
                combo.blockSignals(False)
            self.view.setCurrentIndex(self.view.findData("all"))
        select_row(self.table, self.model.row_of(issue_id))
        self.panel.show_issue(issue_id)

    def open_count(self) -> int:
        return sum(queries.issue_counts(self.ctx.store, queries.UNFINISHED_STATUSES).values())

    def _row_changed(self, index: QModelIndex) -> None:
        issue = self.model.row_at(index.row()) if index.isValid() else None
        self.panel.show_issue(issue["id"] if issue else None)

    def current_issue_id(self) -> str | None:
        issue = self.model.row_at(current_row(self.table))
        return issue["id"] if issue else None
