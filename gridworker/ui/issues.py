"""我的事项: the issues to move forward, their history, and the status buttons the workflow allows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.domain import queries
from sync.protocol.errors import ProtocolError
from sync.protocol.workflow import REVIEWER_ROLES

from . import labels
from .context import AppContext
from .household_detail import due_text, issues_model
from .issue_actions import EscalateDialog, ReassignDialog
from .models import Column, RowsModel
from .photos import PhotoStrip, fetcher_for
from .qtcompat import emit
from .widgets import (
    FlowLayout,
    FormDialog,
    current_row,
    detail_pages,
    dialog_buttons,
    facts_form,
    heading,
    list_and_detail,
    select_row,
    table_view,
)

Row = dict[str, Any]
translate = QCoreApplication.translate

UNFINISHED = ("open", "in_progress", "escalated")


def updates_model(parent: Any = None) -> RowsModel:
    def change(u: Row) -> str:
        if not u.get("status") or u.get("status") == u.get("from_status"):
            return translate("Lists", "Comment")
        return f"{labels.code_label('status', u.get('from_status'))} → {labels.code_label('status', u['status'])}"

    return RowsModel(
        [
            Column(translate("Lists", "Time"), lambda u: labels.local_time(u.get("created_at"))),
            Column(translate("Lists", "Change"), change),
            Column(
                translate("Lists", "Comment"),
                lambda u: (u.get("comment") or "").replace("\n", " "),
                tooltip=lambda u: u.get("comment") or "",
            ),
        ],
        parent=parent,
    )


class CommentDialog(FormDialog):
    """The comment that goes with a status change (处置说明); ``label`` names it otherwise
    (a returned visit's 退回意见)."""

    def __init__(self, title: str, parent: QWidget | None = None, label: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(self.tr("What was done, who was contacted, what comes next"))
        self.text.setTabChangesFocus(True)
        buttons, self.ok = dialog_buttons(self, ok=True)
        self.ok.setEnabled(False)
        self.text.textChanged.connect(
            lambda: self.ok.setEnabled(bool(self.text.toPlainText().strip()))
        )
        layout = QVBoxLayout(self)
        self.label = QLabel(label or self.tr("Comment (required)"))
        layout.addWidget(self.label)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.watch_text(self.text)

    def submit(self) -> None:
        if self.ok.isEnabled():
            self.accept()

    def comment(self) -> str:
        return self.text.toPlainText().strip()


class DeadlineDialog(QDialog):
    """改期限: a new 办理期限 for an issue, with an optional reason."""

    def __init__(self, issue: Row, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Change the deadline"))
        self.setMinimumWidth(420)
        current = issue.get("due_date")
        self.date = QDateEdit(QDate.fromString(current, "yyyy-MM-dd") if current else QDate())
        if not current:
            self.date.setDate(QDate.currentDate().addDays(7))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.no_deadline = QCheckBox(self.tr("No deadline"))
        self.no_deadline.toggled.connect(lambda on: self.date.setEnabled(not on))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("Why (optional): shown in the issue's history"))
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(80)
        form = QFormLayout()
        form.addRow(self.tr("Current deadline"), QLabel(current or "—"))
        row = QHBoxLayout()
        row.addWidget(self.date)
        row.addWidget(self.no_deadline)
        row.addStretch(1)
        form.addRow(self.tr("New deadline"), row)
        form.addRow(self.tr("Reason"), self.reason)
        buttons, self.save_button = dialog_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.date.setFocus()

    def due_date(self) -> str | None:
        if self.no_deadline.isChecked():
            return None
        return str(self.date.date().toString("yyyy-MM-dd"))

    def comment_text(self) -> str:
        return self.reason.toPlainText().strip()


# The workflow buttons' fixed order (issue 11: they moved with the issue's state).
ACTION_ORDER = ("in_progress", "escalated", "resolved", "closed", "open")


class IssuePanel(QWidget):
    """One issue: what and where, its photos, its history, and what can happen next."""

    open_household_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.issue: Row | None = None
        self.stack, _empty, layout = detail_pages(self, self.tr("Choose an issue."))
        self.title = heading("", name="detailHeading")
        layout.addWidget(self.title)
        facts, self.facts = facts_form(
            (
                ("status", self.tr("Status")),
                ("category", self.tr("Category")),
                ("priority", self.tr("Priority")),
                ("assignee", self.tr("Assignee")),
                ("due", self.tr("Due date")),
                ("location", self.tr("Location")),
                ("ref", self.tr("12345 ticket")),
            )
        )
        layout.addLayout(facts)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.description)
        self.household_button = QPushButton(self.tr("Open the household"))
        self.household_button.clicked.connect(self._open_household)
        layout.addWidget(self.household_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.photos = PhotoStrip(editable=False)
        self.photos.download_with(fetcher_for(ctx))  # photos taken on another laptop
        layout.addWidget(self.photos)
        layout.addWidget(QLabel(self.tr("History")))
        self.updates = updates_model(self)
        self.updates_view = table_view(self.updates, stretch=2)
        layout.addWidget(self.updates_view, 1)
        self.actions_box = QWidget()
        self.action_flow = FlowLayout(self.actions_box, spacing=6)
        layout.addWidget(self.actions_box)
        self.transition_buttons: dict[str, QPushButton] = {}
        self.all_actions: dict[str, QPushButton] = {}

    def show_issue(self, issue_id: str | None) -> None:
        issue = queries.issue_detail(self.ctx.store, issue_id) if issue_id else None
        self.issue = issue
        if issue is None:
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        self.title.setText(issue["title"])
        category = labels.code_label("category", issue["category"])
        sub = labels.code_label(labels.subcategory_set(issue["category"]), issue.get("subcategory"))
        self.facts["status"].setText(labels.code_label("status", issue["status"]))
        self.facts["category"].setText(f"{category} / {sub}" if sub else category)
        self.facts["priority"].setText(labels.code_label("priority", issue.get("priority")))
        self.facts["due"].setText(due_text(issue) or "—")
        self.facts["location"].setText(issue.get("location") or "—")
        self.facts["ref"].setText(issue.get("external_ref") or "—")
        assignee = issue.get("assignee_id")
        self.facts["assignee"].setText(
            queries.names(self.ctx.store).get(assignee, "") if assignee else "—"
        )
        self.description.setText(issue.get("description") or "")
        self.description.setVisible(bool(issue.get("description")))
        self.household_button.setVisible(bool(issue.get("household_id")))
        self.photos.show_attachments(issue["attachments"], self.ctx.blobs)
        self.photos.setVisible(bool(issue["attachments"]))
        self.updates.set_rows(issue["updates"])
        self._rebuild_actions(issue)

    def _rebuild_actions(self, issue: Row) -> None:
        # Every button keeps its place whatever the issue's state (a click never lands on
        # another action); those the state does not allow are disabled, not hidden.
        if not self.all_actions:
            self._build_actions()
        allowed = ops.transitions_for(self.ctx.store, issue)
        for status, button in self.all_actions.items():
            button.setEnabled(status in allowed)
        self.transition_buttons = {s: self.all_actions[s] for s in allowed if s in self.all_actions}

    def _build_actions(self) -> None:
        supervising = self.ctx.user.get("role") in REVIEWER_ROLES
        for status in ACTION_ORDER:
            if status == "closed" and not supervising:
                continue  # only supervisors close issues
            button = QPushButton(self._action_text(status))
            button.setObjectName("primary" if status == "resolved" else "")
            button.clicked.connect(lambda _=False, s=status: self.change_status(s))
            self.action_flow.addWidget(button)
            self.all_actions[status] = button
        if supervising:
            reassign = QPushButton(self.tr("Reassign…"))
            reassign.clicked.connect(self.reassign)
            self.action_flow.addWidget(reassign)
            self.reassign_button = reassign
            deadline = QPushButton(self.tr("Change deadline…"))
            deadline.clicked.connect(self.change_deadline)
            self.action_flow.addWidget(deadline)
            self.deadline_button = deadline
        comment = QPushButton(self.tr("Add a comment"))
        comment.clicked.connect(lambda: self.change_status(None))
        self.action_flow.addWidget(comment)

    def _action_text(self, status: str) -> str:
        texts = {
            "open": self.tr("Reopen"),
            "in_progress": self.tr("Start handling"),
            "escalated": self.tr("Escalate"),
            "resolved": self.tr("Mark resolved"),
            "closed": self.tr("Close"),
        }
        return texts.get(status, labels.code_label("status", status))

    def change_status(self, status: str | None) -> QDialog | None:
        """Ask for the comment, then append the update (a status change or a comment)."""
        if self.issue is None:
            return None
        if status == "escalated":
            return self.escalate()
        title = self._action_text(status) if status else self.tr("Add a comment")
        dialog = CommentDialog(title, self)
        issue_id = self.issue["id"]
        dialog.accepted.connect(lambda: self.add_update(issue_id, status, dialog.comment()))
        dialog.open()
        return dialog

    def escalate(self) -> EscalateDialog | None:
        if self.issue is None:
            return None
        dialog = EscalateDialog(self.issue, self)
        issue_id = self.issue["id"]
        dialog.accepted.connect(
            lambda: self._run(
                ops.escalate_issue,
                self.ctx.store,
                issue_id,
                dialog.ticket_number(),
                dialog.comment_text(),
            )
        )
        dialog.open()
        return dialog

    def reassign(self) -> ReassignDialog | None:
        if self.issue is None:
            return None
        dialog = ReassignDialog(self.ctx, self.issue, self)
        issue_id = self.issue["id"]
        dialog.accepted.connect(
            lambda: self._run(
                ops.reassign_issue,
                self.ctx.store,
                issue_id,
                dialog.assignee(),
                self.tr("Reassigned to %1").replace("%1", dialog.assignee_name()),
                dialog.comment_text(),
            )
        )
        dialog.open()
        return dialog

    def change_deadline(self) -> DeadlineDialog | None:
        """改期限 (supervisors): a new 办理期限, said in the history."""
        if self.issue is None:
            return None
        dialog = DeadlineDialog(self.issue, self)
        issue_id = self.issue["id"]

        def save() -> None:
            due = dialog.due_date()
            note = (
                self.tr("Deadline changed to %1").replace("%1", due)
                if due
                else self.tr("Deadline removed")
            )
            if dialog.comment_text():
                note += f"：{dialog.comment_text()}"
            self._run(ops.change_due_date, self.ctx.store, issue_id, due, note)

        dialog.accepted.connect(save)
        dialog.open()
        return dialog

    def _run(self, operation: Any, *args: Any) -> None:
        try:
            operation(*args)
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()

    def add_update(self, issue_id: str, status: str | None, comment: str) -> None:
        try:
            ops.add_issue_update(self.ctx.store, issue_id, status, comment)
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()

    def reload(self) -> None:
        if self.issue is not None:
            self.show_issue(self.issue["id"])

    def follow_list(self, table: QTableView, model: RowsModel, keep: str | None) -> None:
        """After the list was reloaded: select the issue shown (``keep``) or the first one."""
        row = model.row_of(keep)
        if row >= 0:
            select_row(table, row)
            self.reload()
        elif keep is not None:
            # Just resolved (so no longer in this list): keep showing it until another is chosen.
            self.reload()
        elif model.rowCount():
            select_row(table, 0)
        else:
            self.show_issue(None)

    def _open_household(self) -> None:
        if self.issue and self.issue.get("household_id"):
            emit(self.open_household_requested, self.issue["household_id"])


class IssuesPage(QWidget):
    raise_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.status = QComboBox()
        self.status.addItem(self.tr("Not finished"), UNFINISHED)
        self.status.addItem(self.tr("All"), ())
        for code, label in labels.code_items("status"):
            self.status.addItem(label, (code,))
        self.mine = QCheckBox(self.tr("Only mine"))
        self.mine.setChecked(True)
        self.count = QLabel()
        self.count.setObjectName("muted")
        raise_button = QPushButton(self.tr("Raise an issue (Ctrl+I)"))
        raise_button.clicked.connect(self.raise_requested)
        self.status.currentIndexChanged.connect(self.reload)
        self.mine.toggled.connect(self.reload)

        self.model = issues_model(self)
        self.model.columns.insert(3, Column(self.tr("Location"), lambda r: r.get("location") or ""))
        self.table = table_view(self.model, stretch=0)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.panel = IssuePanel(ctx)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Status")))
        bar.addWidget(self.status)
        bar.addWidget(self.mine)
        bar.addStretch(1)
        bar.addWidget(self.count)
        bar.addWidget(raise_button)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.table, 1)
        self.splitter = list_and_detail("issuesSplitter", left, self.panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)
        ctx.tasks.changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        keep = self.panel.issue["id"] if self.panel.issue else None
        rows = queries.issues(
            self.ctx.store, self.status.currentData() or (), mine=self.mine.isChecked()
        )
        self.model.set_rows(rows)
        self.count.setText(self.tr("%n issue(s)", "", len(rows)))
        self.panel.follow_list(self.table, self.model, keep)

    def show_issue(self, issue_id: str) -> None:
        if self.model.row_of(issue_id) < 0:
            self.status.setCurrentIndex(1)  # all
            self.mine.setChecked(False)
        select_row(self.table, self.model.row_of(issue_id))
        self.panel.show_issue(issue_id)

    def open_count(self) -> int:
        return len(queries.issues(self.ctx.store, UNFINISHED, mine=True))

    def _row_changed(self, index: QModelIndex) -> None:
        issue = self.model.row_at(index.row()) if index.isValid() else None
        self.panel.show_issue(issue["id"] if issue else None)

    def current_issue_id(self) -> str | None:
        issue = self.model.row_at(current_row(self.table))
        return issue["id"] if issue else None
