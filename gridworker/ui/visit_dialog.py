"""走访: logging a door-knock in a few keystrokes, or editing one the supervisor returned.

Ctrl+N on a household opens this with the outcome on 见面; Ctrl+Enter saves at once, offline.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.domain import queries
from sync.protocol.errors import ProtocolError
from sync.protocol.values import format_time, parse_time

from . import labels
from .context import AppContext
from .photos import PhotoStrip, fetcher_for
from .phrases import PhrasePicker
from .widgets import (
    FlowLayout,
    FormDialog,
    buddy_label,
    dialog_buttons,
    error_label,
    heading,
)

Row = dict[str, Any]

SHANGHAI_TZ = QTimeZone(8 * 3600)
# Between names typed for the unregistered people met: 、，, ; ； and spaces.
_NAME_SEPARATORS = re.compile(r"[、，,;；\s]+")


def to_qdatetime(value: str | None) -> QDateTime:
    moment = parse_time(value) if value else dt.datetime.now(dt.UTC)
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), SHANGHAI_TZ)


def from_qdatetime(value: QDateTime) -> str:
    return format_time(dt.datetime.fromtimestamp(value.toSecsSinceEpoch(), dt.UTC))


class NamesEdit(QLineEdit):
    """The unregistered names: Enter goes on to the note (Qt's Enter would save the visit
    half-written); Ctrl+Enter still saves."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.next_widget: QWidget | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain and self.next_widget:
            self.next_widget.setFocus(Qt.FocusReason.TabFocusReason)
            event.accept()
            return
        super().keyPressEvent(event)


class VisitDialog(FormDialog):
    def __init__(
        self,
        ctx: AppContext,
        household: Row,
        visit: Row | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.household = household
        self.visit = visit
        self.saved: Row | None = None
        v = visit or {}
        self.setWindowTitle(self.tr("Edit visit") if visit else self.tr("Log a visit"))
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(household["address"] or "", name="dialogHeading"))
        head = household.get("head_name")
        if head:
            layout.addWidget(QLabel(self.tr("Head of household: %1").replace("%1", head)))

        if v.get("review_status") == "returned":
            returned = QLabel(
                self.tr(
                    "Returned by the supervisor: %1\nSaving your changes sends it for review again."
                ).replace("%1", v.get("review_comment") or self.tr("(no comment)"))
            )
            returned.setObjectName("returnedNotice")
            returned.setWordWrap(True)
            layout.addWidget(returned)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.outcomes = QButtonGroup(self)
        outcome_row = QHBoxLayout()
        for number, (code, label) in enumerate(labels.code_items("outcome")):
            button = QRadioButton(label)
            button.setProperty("code", code)
            self.outcomes.addButton(button, number)
            outcome_row.addWidget(button)
            if code == (v.get("outcome") or "met"):
                button.setChecked(True)
        outcome_row.addStretch(1)
        form.addRow(self.tr("Outcome"), outcome_row)

        self.visited_at = QDateTimeEdit(to_qdatetime(v.get("visited_at")))
        self.visited_at.setTimeZone(SHANGHAI_TZ)
        self.visited_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.visited_at.setCalendarPopup(True)
        self.visited_at.setMaximumDateTime(to_qdatetime(None).addSecs(60))
        self._time_touched = visit is not None
        self.visited_at.dateTimeChanged.connect(self._touch_time)
        form.addRow(self.tr("Visit time"), self.visited_at)

        self.people: dict[str, QCheckBox] = {}
        people_box = QWidget()
        people_flow = FlowLayout(people_box)
        met = set(v.get("people_met") or [])
        for resident in household.get("residents", []):
            if resident.get("present") is False and resident["id"] not in met:
                continue
            relation = labels.code_label("relation", resident.get("relation"))
            text = f"{resident['name']}（{relation}）" if relation else resident["name"]
            box = QCheckBox(text)
            box.setChecked(resident["id"] in met)
            people_flow.addWidget(box)
            self.people[resident["id"]] = box
        if not self.people:
            people_flow.addWidget(QLabel(self.tr("No residents recorded")))
        # People met who are not registered (a tenant, a relative staying): typed by name;
        # the protocol has no field for them, so ops keeps them on the notes' first line.
        others, notes = ops.split_others_met(v.get("notes"))
        self.others = NamesEdit("、".join(others))
        self.others.setObjectName("othersMet")
        self.others.setPlaceholderText(self.tr("Name (relation); several separated by 、 (Alt+0)"))
        self.others.setClearButtonEnabled(True)
        # A 见面 visit names someone met or carries a note (ops.check_met): said here.
        self.people_error = error_label()
        self.people_error.setObjectName("fieldError")
        people_field = QWidget()
        people_layout = QVBoxLayout(people_field)
        people_layout.setContentsMargins(0, 0, 0, 0)
        people_layout.addWidget(people_box)
        others_row = QHBoxLayout()
        others_row.addWidget(buddy_label(self.tr("Not registered:"), self.others))
        others_row.addWidget(self.others, 1)
        people_layout.addLayout(others_row)
        people_layout.addWidget(self.people_error)
        form.addRow(self.tr("People met"), people_field)
        for box in self.people.values():
            box.toggled.connect(self.people_error.hide)
        self.others.textChanged.connect(self.people_error.hide)

        self.notes = QPlainTextEdit(notes or "")
        self.others.next_widget = self.notes
        self.notes.textChanged.connect(self.people_error.hide)
        self.notes.setPlaceholderText(self.tr("What you saw and heard; what the family needs"))
        self.notes.setTabChangesFocus(True)
        self.notes.setMinimumHeight(90)
        form.addRow(self.tr("Notes"), self.notes)
        self.phrases = PhrasePicker(self.notes, self)
        form.addRow("", self.phrases)
        self.follow_up = QCheckBox(self.tr("Needs follow-up"))
        self.follow_up.setChecked(bool(v.get("follow_up")))
        form.addRow("", self.follow_up)
        self.photos = PhotoStrip(self)
        self.photos.download_with(fetcher_for(ctx))
        if visit is not None:
            self.photos.show_attachments(queries.attachments_of(ctx.store, visit["id"]), ctx.blobs)
        form.addRow(self.tr("Photos"), self.photos)
        layout.addLayout(form)

        buttons, self.save_button = dialog_buttons(self, self.tr("Save (Ctrl+Enter)"))
        layout.addWidget(buttons)
        self.watch_text(self.notes, self.others)
        # Alt+1 … Alt+9 tick the people met without leaving the note; Alt+0 types a name.
        for number, box in enumerate(list(self.people.values())[:9], start=1):
            box.setToolTip(f"Alt+{number}")
            QShortcut(QKeySequence(f"Alt+{number}"), self, box.toggle)
        QShortcut(QKeySequence("Alt+0"), self, self._type_other)
        self.notes.setFocus(Qt.FocusReason.OtherFocusReason)

    def _touch_time(self) -> None:
        self._time_touched = True

    def outcome(self) -> str:
        button = self.outcomes.checkedButton()
        return str(button.property("code")) if button is not None else "met"

    def people_met(self) -> list[str]:
        return [rid for rid, box in self.people.items() if box.isChecked()]

    def others_met(self) -> list[str]:
        """The unregistered names typed, split at 、，, ; or spaces."""
        return [n for n in _NAME_SEPARATORS.split(self.others.text()) if n.strip()]

    def _type_other(self) -> None:
        self.others.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.others.selectAll()

    def accept(self) -> None:
        store = self.ctx.store
        notes = self.notes.toPlainText().strip() or None
        values: dict[str, Any] = {
            "outcome": self.outcome(),
            "people_met": self.people_met(),
            "notes": notes,
            "follow_up": self.follow_up.isChecked(),
        }
        visited_at = from_qdatetime(self.visited_at.dateTime()) if self._time_touched else None
        try:
            if self.visit is None:
                self.saved = ops.log_visit(
                    store,
                    self.household["id"],
                    visited_at=visited_at,
                    app_rules=True,
                    others_met=self.others_met(),
                    **values,
                )
            else:
                values["notes"] = ops.with_others_met(notes, self.others_met())
                # Compared at the editor's precision (seconds): a visit logged "now" has
                # microseconds, and an untouched time is no change.
                stored_at = from_qdatetime(to_qdatetime(self.visit.get("visited_at")))
                if visited_at and visited_at != stored_at:
                    values["visited_at"] = visited_at
                changes = {k: val for k, val in values.items() if val != self.visit.get(k)}
                if not changes and self.visit.get("review_status") == "returned":
                    # An unchanged edit is no edit: it would not go back for review.
                    self.ctx.tasks.message(
                        self.tr("Change the visit as the supervisor asked, then save."), self
                    )
                    return
                self.saved = (
                    ops.edit_visit(store, self.visit["id"], app_rules=True, **changes)
                    if changes
                    else None
                )
            visit_id = (self.saved or self.visit or {})["id"]
            self.photos.attach_to(store, self.ctx.blobs, "visits", visit_id)
        except ProtocolError as exc:
            if exc.field == "people_met":
                self.people_error.setText(exc.message)
                self.people_error.show()
                self.notes.setFocus()
                return
            self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()
        super().accept()
