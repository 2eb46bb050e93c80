"""待办走访: the visits a supervisor returned and the visits marked 需要跟进, to fix or resolve."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.domain import queries, worklists
from sync.protocol.errors import ProtocolError

from . import labels
from .context import AppContext
from .issues import CommentDialog
from .models import URGENT, WARNING_BG, Column, RowsModel
from .qtcompat import emit
from .widgets import current_row, select_row, table_view

Row = dict[str, Any]
translate = QCoreApplication.translate


def reason_text(visit: Row) -> str:
    if visit.get("review_status") == "returned":
        return translate("Lists", "Returned")
    return translate("Lists", "Follow-up")


def followups_model(parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(
                translate("Lists", "Why"),
                reason_text,
                foreground=lambda r: URGENT if r.get("review_status") == "returned" else None,
                bold=lambda r: True,
            ),
            Column(translate("Lists", "Time"), lambda r: labels.local_time(r["visited_at"])),
            Column(translate("Lists", "Address"), lambda r: labels.short_address(r.get("address"))),
            Column(
                translate("Lists", "Outcome"), lambda r: labels.code_label("outcome", r["outcome"])
            ),
            Column(
                translate("Lists", "Supervisor's comment / notes"),
                lambda r: (
                    (r.get("review_comment") or "")
                    if r.get("review_status") == "returned"
                    else (r.get("notes") or "")
                ).replace("\n", " "),
                tooltip=lambda r: r.get("review_comment") or r.get("notes") or "",
            ),
        ],
        background=lambda r: WARNING_BG if r.get("review_status") == "returned" else None,
        parent=parent,
    )


class FollowupsPage(QWidget):
    """A worker's list of visits to act on; opening one opens the visit dialog."""

    edit_visit_requested = Signal(object)
    open_household_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.model = followups_model(self)
        self.table = table_view(self.model, stretch=4)
        self.table.activated.connect(lambda _i: self.open_visit())
        self.table.doubleClicked.connect(lambda _i: self.open_visit())
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.summary.setWordWrap(True)
        self.open_button = QPushButton(self.tr("Open the visit (Enter)"))
        self.open_button.setObjectName("primary")
        self.open_button.clicked.connect(self.open_visit)
        self.household_button = QPushButton(self.tr("Show the household"))
        self.household_button.clicked.connect(self._open_household)
        self.resolve_button = QPushButton(self.tr("Follow-up done…"))
        self.resolve_button.clicked.connect(self.resolve)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.household_button)
        bar.addWidget(self.resolve_button)
        bar.addWidget(self.open_button)
        hint = QLabel(
            self.tr(
                "Returned visits go back to the supervisor when you save your changes; "
                "a follow-up leaves the list when you mark it done."
            )
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._buttons())
        ctx.tasks.changed.connect(self.reload)
        ctx.session_replaced.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        keep = self.current()
        rows = worklists.visits_to_act_on(self.ctx.store)
        self.model.set_rows(rows)
        returned = sum(1 for r in rows if r.get("review_status") == "returned")
        self.summary.setText(
            self.tr("%n returned by the supervisor", "", returned)
            + self.tr(", %n to follow up", "", len(rows) - returned)
        )
        row = self.model.row_of(keep["id"]) if keep else -1
        select_row(self.table, row if row >= 0 else 0)
        self._buttons()

    def take_new_returns(self) -> int:
        """How many visits were returned since this was last asked (after a sync); they
        count as told from now on."""
        fresh = worklists.unseen_returns(self.ctx.store)
        if fresh:
            ops.mark_returns_seen(self.ctx.store, fresh)
        return len(fresh)

    def count(self) -> int:
        return self.model.rowCount()

    def current(self) -> Row | None:
        return self.model.row_at(current_row(self.table))

    def _buttons(self) -> None:
        visit = self.current()
        self.open_button.setEnabled(visit is not None)
        self.household_button.setEnabled(visit is not None)
        self.resolve_button.setEnabled(bool(visit and visit.get("follow_up")))

    def open_visit(self) -> None:
        visit = self.current()
        if visit is not None:
            emit(self.edit_visit_requested, queries.row(self.ctx.store, "visits", visit["id"]))

    def _open_household(self) -> None:
        visit = self.current()
        if visit is not None:
            emit(self.open_household_requested, visit["household_id"])

    def resolve(self) -> QDialog | None:
        """跟进完成: what was done goes into the visit's notes; the flag is cleared."""
        visit = self.current()
        if visit is None or not visit.get("follow_up"):
            return None
        dialog = CommentDialog(self.tr("Follow-up done"), self)
        dialog.text.setPlaceholderText(self.tr("What was done (added to the visit's notes)"))
        dialog.ok.setText(self.tr("Done"))
        visit_id = visit["id"]
        dialog.accepted.connect(lambda: self._resolve(visit_id, dialog.comment()))
        dialog.open()
        return dialog

    def _resolve(self, visit_id: str, note: str) -> None:
        try:
            ops.resolve_follow_up(self.ctx.store, visit_id, note)
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()
