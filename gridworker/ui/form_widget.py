"""A campaign questionnaire rendered as Qt widgets, with skip logic and messages at the field.

The rules are not here: what is shown, required or wrong comes from ``sync.forms`` (the
engine the service also runs), re-evaluated on every edit. A message appears once the
worker has left a field (or after ``check()``), so typing "4" on the way to "41" is not
scolded. Labels, hints and messages are the author's Chinese; the widget adds no wording of
its own but the photo button's, which is the photo strip's.

Empty matters in a questionnaire (unanswered ≠ 0): numbers are line edits with a validator
rather than spin boxes, and a date edit's minimum stands for "no date".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from sync.forms import Field, Questionnaire, clean, initial_answers, validate, visible_fields
from sync.forms.expressions import REFERENCE

from .widgets import FlowLayout

#: Up to this many choices a single choice is a row of radio buttons (one click, visible at a
#: glance); more become a combo box.
RADIO_LIMIT = 6
NO_DATE = QDate(1900, 1, 1)


class FieldEditor(QObject):
    """One question: its label, hint, editor and message, in a container shown or hidden."""

    edited = Signal()
    left = Signal()

    def __init__(self, field: Field, parent: QWidget):
        super().__init__(parent)
        self.field = field
        self.container = QWidget(parent)
        self.container.setObjectName(f"field_{field.name}")
        layout = QVBoxLayout(self.container)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.setSpacing(4)
        self.label = _wrapping_label(self.container)
        self.label.setObjectName("sectionHeading" if field.type != "note" else "")
        layout.addWidget(self.label)
        self.hint = _wrapping_label(self.container)
        self.hint.setObjectName("muted")
        self.hint.setVisible(bool(field.hint))
        layout.addWidget(self.hint)
        self.editor = self._make_editor()
        if self.editor is not None:
            layout.addWidget(self.editor)
            self.label.setBuddy(self._focus_widget())
        self.error = _wrapping_label(self.container)
        self.error.setObjectName("fieldError")
        self.error.setAccessibleName(field.label)
        self.error.hide()
        layout.addWidget(self.error)
        self.touched = False

    # ---- editors ------------------------------------------------------------------------

    def _make_editor(self) -> QWidget | None:
        kind = self.field.type
        if kind == "note":
            return None
        if kind in ("text", "integer", "decimal"):
            edit = QLineEdit()
            edit.setMaximumWidth(560)  # a phone or a name, not a page-wide bar
            if kind == "integer":
                edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[+-]?\d{0,10}")))
                edit.setMaximumWidth(220)
            elif kind == "decimal":
                edit.setValidator(
                    QRegularExpressionValidator(QRegularExpression(r"[+-]?\d{0,15}(\.\d{0,10})?"))
                )
                edit.setMaximumWidth(220)
            edit.textEdited.connect(self.edited)
            edit.editingFinished.connect(self.left)
            self.line = edit
            return edit
        if kind == "select_one" and len(self.field.choices) <= RADIO_LIMIT:
            box = QWidget()
            flow = FlowLayout(box, spacing=14)
            self.radios = QButtonGroup(self)
            for index, choice in enumerate(self.field.choices):
                button = QRadioButton(choice.label)
                button.setProperty("choice", choice.name)
                self.radios.addButton(button, index)
                flow.addWidget(button)
            self.radios.buttonToggled.connect(self._toggled)
            return box
        if kind == "select_one":
            combo = QComboBox()
            combo.addItem("", None)
            for choice in self.field.choices:
                combo.addItem(choice.label, choice.name)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._changed_and_left)
            self.combo = combo
            return combo
        if kind == "select_multiple":
            box = QWidget()
            flow = FlowLayout(box, spacing=14)
            self.checks: list[QCheckBox] = []
            for choice in self.field.choices:
                check = QCheckBox(choice.label)
                check.setProperty("choice", choice.name)
                check.toggled.connect(self._changed_and_left)
                flow.addWidget(check)
                self.checks.append(check)
            return box
        if kind == "date":
            date = QDateEdit()
            date.setCalendarPopup(True)
            date.setDisplayFormat("yyyy-MM-dd")
            date.setMinimumDate(NO_DATE)
            date.setSpecialValueText(" ")  # the minimum shows blank: no date yet
            date.setDate(NO_DATE)
            date.dateChanged.connect(self._changed_and_left)
            date.setMaximumWidth(220)
            self.date = date
            return date
        if kind == "image":
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            self.pick = QPushButton(QCoreApplication.translate("PhotoStrip", "Add photos…"))
            self.pick.clicked.connect(self._choose_photo)
            self.photo_name = QLabel()
            self.photo_name.setObjectName("muted")
            self.photo_path = ""
            row.addWidget(self.pick)
            row.addWidget(self.photo_name, 1)
            return box
        return None

    def _focus_widget(self) -> QWidget:
        if self.field.type == "select_one" and hasattr(self, "radios"):
            return self.radios.buttons()[0]
        if self.field.type == "select_multiple":
            return self.checks[0]
        if self.field.type == "image":
            return self.pick
        assert self.editor is not None
        return self.editor

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self._changed_and_left()

    def _changed_and_left(self, *_args: Any) -> None:
        self.touched = True
        self.edited.emit()

    def _choose_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.container,
            QCoreApplication.translate("PhotoStrip", "Choose photos"),
            "",
            "Images (*.jpg *.jpeg *.png *.heic *.webp)",
        )
        if path:
            self.set_value(path)
            self._changed_and_left()

    # ---- values -------------------------------------------------------------------------

    def value(self) -> Any:
        """The raw answer as the engine reads it (text, list of names, ISO date, or None)."""
        kind = self.field.type
        if kind in ("text", "integer", "decimal"):
            return self.line.text()
        if kind == "select_one" and hasattr(self, "radios"):
            button = self.radios.checkedButton()
            return button.property("choice") if button is not None else None
        if kind == "select_one":
            return self.combo.currentData()
        if kind == "select_multiple":
            return [c.property("choice") for c in self.checks if c.isChecked()]
        if kind == "date":
            return None if self.date.date() == NO_DATE else self.date.date().toString("yyyy-MM-dd")
        if kind == "image":
            return self.photo_path or None
        return None

    def set_value(self, value: Any) -> None:
        kind = self.field.type
        if kind in ("text", "integer", "decimal"):
            self.line.setText("" if value is None else str(value))
        elif kind == "select_one" and hasattr(self, "radios"):
            for button in self.radios.buttons():
                if button.property("choice") == value:
                    button.setChecked(True)
        elif kind == "select_one":
            index = self.combo.findData(value)
            self.combo.setCurrentIndex(max(index, 0))
        elif kind == "select_multiple":
            chosen = value.split() if isinstance(value, str) else list(value or ())
            for check in self.checks:
                check.setChecked(check.property("choice") in chosen)
        elif kind == "date":
            if isinstance(value, dt.date):
                value = value.isoformat()
            parsed = QDate.fromString(str(value or ""), "yyyy-MM-dd")
            self.date.setDate(parsed if parsed.isValid() else NO_DATE)
        elif kind == "image":
            self.photo_path = str(value or "")
            self.photo_name.setText(Path(self.photo_path).name if self.photo_path else "")

    def show_message(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        if hasattr(self, "line"):
            self.line.setProperty("invalid", bool(message))
            self.line.style().unpolish(self.line)
            self.line.style().polish(self.line)


class FormWidget(QScrollArea):
    """A questionnaire to fill in. ``answers()`` gives the canonical answers to save.

    ``changed`` is emitted on every edit; ``check()`` shows every message and says whether
    the answers can be saved.
    """

    changed = Signal()

    def __init__(
        self,
        form: Questionnaire,
        answers: Mapping[str, Any] | None = None,
        parent: QWidget | None = None,
        *,
        today: dt.date | None = None,
    ):
        super().__init__(parent)
        self.form = form
        self.today = today
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("questionnaire")
        self.setWidget(inner)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(16, 12, 16, 12)
        self.editors: dict[str, FieldEditor] = {}
        self.group_titles: dict[str, QLabel] = {}
        for fld in form.fields:
            for grp in form.group_chain(fld):
                if grp.name not in self.group_titles and grp.label:
                    title = _wrapping_label(inner)
                    title.setObjectName("detailHeading")
                    title.setText(grp.label)
                    layout.addWidget(title)
                    self.group_titles[grp.name] = title
            editor = FieldEditor(fld, inner)
            editor.edited.connect(self._refresh)
            editor.left.connect(self._left)
            layout.addWidget(editor.container)
            self.editors[fld.name] = editor
        layout.addStretch(1)
        self._show_all = False
        start = dict(initial_answers(form))
        start.update(answers or {})
        self.set_answers(start)

    def raw_answers(self) -> dict[str, Any]:
        return {name: ed.value() for name, ed in self.editors.items() if ed.field.type != "note"}

    def answers(self) -> dict[str, Any]:
        """Canonical answers of the shown questions (hidden ones are dropped, as ODK does)."""
        return clean(self.form, self.raw_answers(), today=self.today)

    def set_answers(self, answers: Mapping[str, Any]) -> None:
        for name, editor in self.editors.items():
            editor.blockSignals(True)
            for child in editor.container.findChildren(QObject):
                child.blockSignals(True)
            try:
                editor.set_value(answers.get(name))
            finally:
                for child in editor.container.findChildren(QObject):
                    child.blockSignals(False)
                editor.blockSignals(False)
        self._refresh(emit=False)

    def check(self) -> dict[str, str]:
        """Show every message; focus the first question at fault. Empty when all is well."""
        self._show_all = True
        errors = self._refresh(emit=False)
        for name, editor in self.editors.items():
            if name in errors:
                editor._focus_widget().setFocus()
                self.ensureWidgetVisible(editor.container)
                break
        return errors

    def errors(self) -> dict[str, str]:
        return validate(self.form, self.raw_answers(), today=self.today)

    def _left(self) -> None:
        sender = self.sender()
        if isinstance(sender, FieldEditor):
            sender.touched = True
        self._refresh()

    def _refresh(self, emit: bool = True) -> dict[str, str]:
        raw = self.raw_answers()
        shown = set(visible_fields(self.form, raw, today=self.today))
        errors = validate(self.form, raw, today=self.today)
        for name, editor in self.editors.items():
            editor.container.setVisible(name in shown)
            if editor.field.type == "note":
                editor.label.setText(self._substitute(editor.field.label, raw))
            else:
                editor.label.setText(editor.field.label + ("  *" if editor.field.required else ""))
            editor.hint.setText(self._substitute(editor.field.hint, raw))
            editor.show_message(errors.get(name) if (self._show_all or editor.touched) else None)
        for grp_name, title in self.group_titles.items():
            members = [
                f.name
                for f in self.form.fields
                if grp_name in {g.name for g in self.form.group_chain(f)}
            ]
            title.setVisible(any(m in shown for m in members))
        if emit:
            self.changed.emit()
        return errors

    def _substitute(self, text: str, raw: Mapping[str, Any]) -> str:
        """A note or hint's ``${name}`` replaced by the answer as the worker sees it."""

        def shown(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if not self.form.has_field(name):
                return match.group(0)
            fld = self.form.field(name)
            value = raw.get(name)
            if fld.type in ("select_one", "select_multiple") and value:
                names = value if isinstance(value, list) else [value]
                return "、".join(fld.choice_label(n) for n in names)
            return "" if value is None else str(value)

        return REFERENCE.sub(shown, text)


def _wrapping_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # authors' text is never HTML
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label
