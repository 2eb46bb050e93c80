"""One household: who lives there, its visits (newest first) and its issues."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.domain import queries
from sync.protocol.errors import ProtocolError

from . import labels
from .context import AppContext
from .models import MUTED, URGENT, WARNING_BG, Column, RowsModel
from .qtcompat import emit
from .resident_dialog import ResidentDialog
from .widgets import TagChips, current_row, detail_pages, heading, table_view

Row = dict[str, Any]
translate = QCoreApplication.translate


def residents_model(parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(translate("Lists", "Name"), lambda r: r["name"] or ""),
            Column(
                translate("Lists", "Relation"),
                lambda r: labels.code_label("relation", r.get("relation")),
            ),
            Column(
                translate("Lists", "Gender"), lambda r: labels.code_label("gender", r.get("gender"))
            ),
            Column(translate("Lists", "Born"), lambda r: r.get("birth_date") or ""),
            Column(translate("Lists", "Phone"), lambda r: r.get("phone") or ""),
            Column(
                translate("Lists", "Status"),
                lambda r: (
                    translate("Lists", "Living here")
                    if r.get("present") is not False
                    else translate("Lists", "Away")
                ),
            ),
            Column(
                translate("Lists", "Tags"),
                lambda r: labels.tag_labels(r.get("tags")),
                tooltip=lambda r: r.get("notes") or "",
            ),
        ],
        foreground=lambda r: MUTED if r.get("present") is False else None,
        parent=parent,
    )


def visits_model(parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(translate("Lists", "Time"), lambda r: labels.local_time(r["visited_at"])),
            Column(
                translate("Lists", "Outcome"), lambda r: labels.code_label("outcome", r["outcome"])
            ),
            Column(
                translate("Lists", "Review"),
                lambda r: labels.code_label("review", r.get("review_status")),
            ),
            Column(
                translate("Lists", "Follow-up"),
                lambda r: translate("Lists", "Yes") if r.get("follow_up") else "",
            ),
            Column(
                translate("Lists", "Notes"),
                lambda r: (r.get("notes") or "").replace("\n", " "),
                tooltip=lambda r: review_tooltip(r),
            ),
        ],
        background=lambda r: WARNING_BG if r.get("review_status") == "returned" else None,
        parent=parent,
    )


def review_tooltip(visit: Row) -> str:
    if visit.get("review_status") == "returned":
        comment = visit.get("review_comment") or ""
        return translate("Lists", "Returned: %1").replace("%1", comment)
    return visit.get("notes") or ""


def issues_model(parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(translate("Lists", "Title"), lambda r: r["title"] or ""),
            Column(
                translate("Lists", "Category"),
                lambda r: labels.code_label("category", r["category"]),
            ),
            Column(
                translate("Lists", "Status"), lambda r: labels.code_label("status", r["status"])
            ),
            Column(
                translate("Lists", "Priority"),
                lambda r: labels.code_label("priority", r.get("priority")),
            ),
            Column(translate("Lists", "Due"), lambda r: r.get("due_date") or ""),
        ],
        foreground=lambda r: URGENT if r.get("priority") == "urgent" else None,
        parent=parent,
    )


class HouseholdDetail(QWidget):
    """The right-hand pane of 住户."""

    log_visit_requested = Signal()
    raise_issue_requested = Signal()
    edit_visit_requested = Signal(object)
    open_issue_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.household: Row | None = None
        self.stack, self.empty, layout = detail_pages(
            self, self.tr("Choose a household on the left.")
        )

        self.address = heading("", name="detailHeading")
        layout.addWidget(self.address)
        self.tags = TagChips()
        layout.addWidget(self.tags)
        facts = QFormLayout()
        facts.setHorizontalSpacing(16)
        self.facts: dict[str, QLabel] = {}
        for key, title in (
            ("head", self.tr("Head of household")),
            ("phone", self.tr("Phone")),
            ("kind", self.tr("Type")),
            ("grid", self.tr("Grid")),
            ("interval", self.tr("Visit every")),
            ("visits", self.tr("Last visit")),
        ):
            value = QLabel()
            value.setWordWrap(True)
            self.facts[key] = value
            facts.addRow(title, value)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setObjectName("muted")
        layout.addLayout(facts)
        layout.addWidget(self.notes)

        actions = QHBoxLayout()
        self.visit_button = QPushButton(self.tr("Log a visit (Ctrl+N)"))
        self.visit_button.setObjectName("primary")
        self.issue_button = QPushButton(self.tr("Raise an issue (Ctrl+I)"))
        self.visit_button.clicked.connect(self.log_visit_requested)
        self.issue_button.clicked.connect(self.raise_issue_requested)
        actions.addWidget(self.visit_button)
        actions.addWidget(self.issue_button)
        actions.addStretch(1)
        layout.addLayout(actions)

        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.residents = residents_model(self)
        self.visits = visits_model(self)
        self.issues = issues_model(self)
        self.residents_view = table_view(self.residents, stretch=6)
        self.visits_view = table_view(self.visits, stretch=4)
        self.issues_view = table_view(self.issues, stretch=0)
        self.visits_view.doubleClicked.connect(self._edit_visit)
        self.visits_view.activated.connect(self._edit_visit)
        self.issues_view.activated.connect(self._open_issue)
        self.issues_view.doubleClicked.connect(self._open_issue)
        self.residents_view.doubleClicked.connect(lambda _i: self.edit_resident())

        residents_page = QWidget()
        rl = QVBoxLayout(residents_page)
        rl.setContentsMargins(0, 6, 0, 0)
        rl.addWidget(self.residents_view)
        row = QHBoxLayout()
        for text, slot in (
            (self.tr("Add resident"), self.add_resident),
            (self.tr("Edit"), self.edit_resident),
            (self.tr("Mark moved out"), self.mark_moved_out),
            (self.tr("Mark deceased"), self.mark_deceased),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        rl.addLayout(row)
        visits_page = QWidget()
        vl = QVBoxLayout(visits_page)
        vl.setContentsMargins(0, 6, 0, 0)
        vl.addWidget(self.visits_view)
        edit_row = QHBoxLayout()
        self.edit_visit_button = QPushButton(self.tr("Open visit"))
        self.edit_visit_button.clicked.connect(
            lambda: self._edit_visit(self.visits_view.currentIndex())
        )
        edit_row.addWidget(self.edit_visit_button)
        edit_row.addStretch(1)
        vl.addLayout(edit_row)
        self.tabs.addTab(residents_page, "")
        self.tabs.addTab(visits_page, "")
        self.tabs.addTab(self.issues_view, "")
        ctx.tasks.changed.connect(self.reload)

    # -- showing ---------------------------------------------------------------------------------

    def show_household(self, household_id: str | None) -> None:
        detail = queries.household_detail(self.ctx.store, household_id) if household_id else None
        self.household = detail
        if detail is None:
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        self.address.setText(detail["address"] or "")
        self.tags.set_tags(detail.get("tags"))
        self.facts["head"].setText(detail.get("head_name") or "—")
        self.facts["phone"].setText(detail.get("phone") or "—")
        self.facts["kind"].setText(labels.code_label("kind", detail.get("kind")) or "—")
        self.facts["grid"].setText(self._grid_name(detail["grid_id"]))
        self.facts["interval"].setText(
            self.tr("%1 days").replace("%1", str(detail.get("visit_interval_days") or 90))
        )
        last = labels.local_date(detail.get("last_visit")) or self.tr("never visited")
        due_on = detail.get("due_on")
        if due_on is None or due_on <= labels.today_local().isoformat():
            due = self.tr("due now")
        else:
            due = self.tr("next by %1").replace("%1", due_on)
        self.facts["visits"].setText(f"{last}（{due}）")
        self.notes.setText(detail.get("notes") or "")
        self.notes.setVisible(bool(detail.get("notes")))
        self.residents.set_rows(detail["residents"])
        self.visits.set_rows(detail["visits"])
        self.issues.set_rows(detail["issues"])
        self.tabs.setTabText(
            0, self.tr("Residents (%1)").replace("%1", str(len(detail["residents"])))
        )
        self.tabs.setTabText(1, self.tr("Visits (%1)").replace("%1", str(len(detail["visits"]))))
        self.tabs.setTabText(2, self.tr("Issues (%1)").replace("%1", str(len(detail["issues"]))))

    def reload(self) -> None:
        if self.household is not None:
            self.show_household(self.household["id"])

    def _grid_name(self, grid_id: str) -> str:
        return queries.grid_names(self.ctx.store).get(grid_id, grid_id)

    # -- residents -------------------------------------------------------------------------------

    def _current_resident(self) -> Row | None:
        return self.residents.row_at(current_row(self.residents_view))

    def add_resident(self) -> ResidentDialog | None:
        if self.household is None:
            return None
        dialog = ResidentDialog(self.ctx, self.household["id"], parent=self)
        dialog.open()
        return dialog

    def edit_resident(self) -> ResidentDialog | None:
        resident = self._current_resident()
        if self.household is None or resident is None:
            return None
        dialog = ResidentDialog(self.ctx, self.household["id"], resident, parent=self)
        dialog.open()
        return dialog

    def mark_moved_out(self) -> None:
        resident = self._current_resident()
        if resident is not None and self._confirm(
            self.tr("Mark %1 as moved out? The record stays in the ledger.").replace(
                "%1", resident["name"]
            )
        ):
            self._write(lambda: ops.mark_moved_out(self.ctx.store, resident["id"]))

    def mark_deceased(self) -> None:
        resident = self._current_resident()
        if resident is not None and self._confirm(
            self.tr("Mark %1 as deceased? The record stays in the ledger.").replace(
                "%1", resident["name"]
            )
        ):
            self._write(lambda: ops.mark_deceased(self.ctx.store, resident["id"]))

    def _confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, self.tr("Confirm"), text)
        return answer == QMessageBox.StandardButton.Yes

    def _write(self, operation: Any) -> None:
        try:
            operation()
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()

    # -- visits and issues -------------------------------------------------------------------

    def _edit_visit(self, index: Any) -> None:
        visit = self.visits.row_at(index.row()) if index.isValid() else None
        if visit is not None:
            emit(self.edit_visit_requested, visit)

    def _open_issue(self, index: Any) -> None:
        issue = self.issues.row_at(index.row()) if index.isValid() else None
        if issue is not None:
            emit(self.open_issue_requested, issue["id"])
