"""Dialogs of the issue workflow that need more than a comment: escalate (上报) and reassign (改派)."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import queries
from sync.protocol.entities import ENTITIES

from .context import AppContext
from .widgets import FormDialog, dialog_buttons, error_label

Row = dict[str, Any]

# 12345 hotline ticket numbers: letters, digits and dashes (formats differ between cities).
TICKET_LENGTH = ENTITIES["issues"].fields["external_ref"].max_length
TICKET = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9-]{{2,{TICKET_LENGTH - 1}}}$")


class _Dialog(FormDialog):
    def __init__(self, title: str, parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.form = QFormLayout()
        self.comment = QPlainTextEdit()
        self.comment.setTabChangesFocus(True)
        self.comment.setMaximumHeight(110)
        self.error = error_label()
        buttons, self.ok = dialog_buttons(self, on_save=self._accept, ok=True)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.watch_text(self.comment)

    def submit(self) -> None:
        self._accept()

    def _accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.accept()

    def problem(self) -> str | None:
        return None

    def comment_text(self) -> str:
        return self.comment.toPlainText().strip()


class EscalateDialog(_Dialog):
    """上报: to the street office or the 12345 hotline, with the ticket number when there is one."""

    def __init__(self, issue: Row, parent: QWidget | None = None):
        # Not "上报事项": that is raising a new issue.
        super().__init__(self.tr("Escalate to the street or 12345"), parent)
        self.known_ticket = issue.get("external_ref") or ""
        self.ticket = QLineEdit(self.known_ticket)
        self.ticket.setPlaceholderText(self.tr("e.g. 2026112600123 (leave empty if none)"))
        self.ticket.setMaxLength(max(TICKET_LENGTH, len(self.known_ticket)))
        self.comment.setPlaceholderText(
            self.tr("Why it cannot be solved in the grid, and to whom it went")
        )
        self.form.addRow(self.tr("12345 ticket"), self.ticket)
        self.form.addRow(self.tr("Comment (required)"), self.comment)
        self.ok.setText(self.tr("Escalate"))
        self.watch_text(self.ticket, self.comment)

    def ticket_number(self) -> str | None:
        return self.ticket.text().strip() or None

    def problem(self) -> str | None:
        ticket = self.ticket_number()
        if ticket and ticket != self.known_ticket and not TICKET.match(ticket):
            return self.tr("The ticket number may only hold letters, digits and dashes.")
        if not self.comment_text():
            return self.tr("Please say why the issue is escalated.")
        return None


class ReassignDialog(_Dialog):
    """改派: another worker of the issue's grid takes it over."""

    def __init__(self, ctx: AppContext, issue: Row, parent: QWidget | None = None):
        super().__init__(self.tr("Reassign the issue"), parent)
        self.person = QComboBox()
        self.person.addItem(self.tr("(nobody)"), None)
        for person in queries.workers_of(ctx.store, issue.get("grid_id")):
            self.person.addItem(person["display_name"], person["id"])
        current = self.person.findData(issue.get("assignee_id"))
        self.person.setCurrentIndex(max(current, 0))
        self.comment.setPlaceholderText(self.tr("What the new assignee should know (optional)"))
        self.form.addRow(self.tr("Assign to"), self.person)
        self.form.addRow(self.tr("Comment"), self.comment)
        if self.person.count() == 1:
            self.form.addRow(
                QLabel(self.tr("Nobody else holds this grid yet: sync to load the names."))
            )
        self.ok.setText(self.tr("Reassign"))

    def assignee(self) -> str | None:
        person: str | None = self.person.currentData()
        return person

    def assignee_name(self) -> str:
        return self.person.currentText()
