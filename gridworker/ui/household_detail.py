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
from sync.protocol.workflow import residence

from . import labels
from .context import AppContext
from .household_dialog import HouseholdDialog
from .models import MUTED, URGENT, WARNING_BG, Column, RowsModel
from .qtcompat import emit
from .resident_dialog import DepartureDialog, ResidentDialog
from .widgets import FlowLayout, TagChips, current_row, detail_pages, heading, table_view

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
                residence_text,
                tooltip=lambda r: residence_tooltip(r),
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


def residence_text(resident: Row) -> str:
    """在住, 外出, 迁出（where, when） or 已故（when）: a death is never shown as 外出."""
    where = residence(resident.get("present"), resident.get("notes"))
    if where.state == "deceased":
        return translate("Lists", "Deceased") + (f"（{where.date}）" if where.date else "")
    if where.state == "moved_out":
        # Where to, shown; the date is in the tooltip (the pane is narrow on a laptop).
        details = where.destination or where.date
        return translate("Lists", "Moved out") + (f"（{details}）" if details else "")
    if where.state == "away":
        return translate("Lists", "Away")
    return translate("Lists", "Living here")


def residence_tooltip(resident: Row) -> str:
    where = residence(resident.get("present"), resident.get("notes"))
    return " ".join(x for x in (residence_text(resident), where.date or "") if x)


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


def due_text(issue: Row) -> str:
    """办理期限, and how late an unfinished issue is (as 事项督办 judges it)."""
    days = labels.issue_overdue_days(issue)
    due = issue.get("due_date") or ""
    if days:
        return due + translate("Lists", " (overdue %1 day(s))").replace("%1", str(days))
    return due


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
            Column(
                translate("Lists", "Due"),
                due_text,
                foreground=lambda r: URGENT if labels.issue_overdue_days(r) else None,
            ),
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
        # Said when nobody lives here any more: the supervisor sees it in the lists too.
        self.vacated = QLabel()
        self.vacated.setObjectName("returnedNotice")
        self.vacated.setWordWrap(True)
        layout.addLayout(facts)
        layout.addWidget(self.notes)
        layout.addWidget(self.vacated)

        actions = QHBoxLayout()
        self.visit_button = QPushButton(self.tr("Log a visit (Ctrl+N)"))
        self.visit_button.setObjectName("primary")
        self.issue_button = QPushButton(self.tr("Raise an issue (Ctrl+I)"))
        self.visit_button.clicked.connect(self.log_visit_requested)
        self.issue_button.clicked.connect(self.raise_issue_requested)
        self.edit_household_button = QPushButton(self.tr("Edit household"))
        self.edit_household_button.clicked.connect(self.edit_household)
        actions.addWidget(self.visit_button)
        actions.addWidget(self.issue_button)
        actions.addStretch(1)
        actions.addWidget(self.edit_household_button)
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
        # Wraps on a narrow pane (a 1366×768 laptop): the window never grows for it.
        resident_actions = QWidget()
        row = FlowLayout(resident_actions, spacing=6)
        for text, tip, slot in (
            (self.tr("Add resident"), self.tr("Someone moving in or born here"), self.add_resident),
            (self.tr("Edit"), "", self.edit_resident),
            (
                self.tr("Away"),
                self.tr("Away for a while, still of this household"),
                self.mark_moved_out,
            ),
            (
                self.tr("Moved out…"),
                self.tr("Moved away for good, with where to"),
                self.record_move_out,
            ),
            (self.tr("Deceased…"), self.tr("Died, with the date"), self.mark_deceased),
            (self.tr("Living here"), self.tr("Back home"), self.mark_present),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        rl.addWidget(resident_actions)
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
        phone = detail.get("phone") or "—"
        head = ops.phone_mismatch(detail, detail["residents"])
        if head is not None:
            phone += "  " + self.tr("(the head of household's phone is %1)").replace(
                "%1", head.get("phone") or self.tr("not recorded")
            )
        self.facts["phone"].setText(phone)
        self.facts["kind"].setText(labels.code_label("kind", detail.get("kind")) or "—")
        self.facts["grid"].setText(self._grid_name(detail["grid_id"]))
        self.facts["interval"].setText(
            self.tr("%1 days").replace("%1", str(detail.get("visit_interval_days") or 90))
        )
        self.facts["visits"].setText(self._visits_text(detail))
        living = [
            r for r in detail["residents"] if not residence(r.get("present"), r.get("notes")).gone
        ]
        self.vacated.setText(
            self.tr("Every resident has moved out or died: tell the supervisor.")
            if detail["residents"] and not living
            else ""
        )
        self.vacated.setVisible(bool(detail["residents"]) and not living)
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

    def _visits_text(self, detail: Row) -> str:
        """最近走访 with its outcome (a 不在家 is a visit too), whether anyone was ever met,
        and when the next visit is due (only 见面 and 电话走访 reset the clock)."""
        visits = detail["visits"]
        if not visits:
            text = self.tr("never visited")
        else:
            last = visits[0]
            when = labels.local_date(last["visited_at"])
            text = f"{when} {labels.code_label('outcome', last['outcome'])}"
            met = next((v for v in visits if v["outcome"] == "met"), None)
            if met is None:
                text += "；" + self.tr("never met in person")
            elif met is not last:
                text += "；" + self.tr("last met %1").replace(
                    "%1", labels.local_date(met["visited_at"])
                )
        due_on = detail.get("due_on")
        if due_on is None or due_on <= labels.today_local().isoformat():
            due = self.tr("due now")
        else:
            due = self.tr("next by %1").replace("%1", due_on)
        return f"{text}（{due}）"

    def reload(self) -> None:
        if self.household is not None:
            self.show_household(self.household["id"])

    def _grid_name(self, grid_id: str) -> str:
        return queries.grid_names(self.ctx.store).get(grid_id, grid_id)

    # -- residents -------------------------------------------------------------------------------

    def _current_resident(self) -> Row | None:
        return self.residents.row_at(current_row(self.residents_view))

    def edit_household(self) -> HouseholdDialog | None:
        if self.household is None:
            return None
        dialog = HouseholdDialog(self.ctx, self.household, parent=self)
        dialog.open()
        return dialog

    def add_resident(self) -> ResidentDialog | None:
        if self.household is None:
            return None
        dialog = ResidentDialog(
            self.ctx,
            self.household["id"],
            parent=self,
            household_phone=self.household.get("phone"),
        )
        dialog.open()
        return dialog

    def edit_resident(self) -> ResidentDialog | None:
        resident = self._current_resident()
        if self.household is None or resident is None:
            return None
        dialog = ResidentDialog(
            self.ctx,
            self.household["id"],
            resident,
            parent=self,
            household_phone=self.household.get("phone"),
        )
        dialog.open()
        return dialog

    def record_move_out(self) -> DepartureDialog | None:
        return self._departure("moved_out")

    def _departure(self, state: str) -> DepartureDialog | None:
        resident = self._current_resident()
        if resident is None:
            return None
        dialog = DepartureDialog(self.ctx, resident, state, parent=self)
        dialog.open()
        return dialog

    def mark_present(self) -> None:
        resident = self._current_resident()
        if resident is not None and resident.get("present") is False:
            self._write(lambda: ops.mark_present(self.ctx.store, resident["id"]))

    def mark_moved_out(self) -> None:
        resident = self._current_resident()
        if resident is not None and self._confirm(
            self.tr("Mark %1 as away for a while (still of this household)?").replace(
                "%1", resident["name"]
            )
        ):
            self._write(lambda: ops.mark_moved_out(self.ctx.store, resident["id"]))

    def mark_deceased(self) -> DepartureDialog | None:
        return self._departure("deceased")

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
