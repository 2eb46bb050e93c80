"""Adding or editing a resident (居民), with 身份证号 and phone checked at the field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from sync.protocol import values
from sync.protocol.errors import ProtocolError, ValidationError

from . import labels
from .context import AppContext
from .fields import CheckedField, FieldSet
from .widgets import FlowLayout

Row = dict[str, Any]


def with_error(edit: QWidget, field: CheckedField) -> QWidget:
    """The field and, under it, the line that tells what is wrong with it."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(edit)
    layout.addWidget(field.error)
    box.setFocusProxy(edit)  # the form label's mnemonic focuses the field
    # Only as tall as its contents: spare height goes to the notes, not around the field.
    box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    return box


def code_combo(code_set: str, current: str | None, empty: str) -> QComboBox:
    combo = QComboBox()
    combo.addItem(empty, None)
    for code, label in labels.code_items(code_set):
        combo.addItem(label, code)
    combo.setCurrentIndex(max(0, combo.findData(current)) if current else 0)
    return combo


class TagToggles(QWidget):
    """One checkable button per tag."""

    def __init__(self, selected: list[str] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.flow = FlowLayout(self, spacing=4)
        self.buttons: dict[str, QToolButton] = {}
        for code, label in labels.code_items("tag"):
            button = QToolButton()
            button.setObjectName("tagToggle")
            button.setText(label)
            button.setCheckable(True)
            button.setChecked(code in (selected or []))
            self.flow.addWidget(button)
            self.buttons[code] = button

    def selected(self) -> list[str]:
        return [code for code, button in self.buttons.items() if button.isChecked()]


class ResidentDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        household_id: str,
        resident: Row | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.resident = resident
        self.saved: Row | None = None
        r = resident or {}
        self.setWindowTitle(self.tr("Edit resident") if resident else self.tr("Add resident"))
        self.setMinimumWidth(560)

        self.name = QLineEdit(r.get("name") or "")
        self.gender = code_combo("gender", r.get("gender"), self.tr("(not recorded)"))
        self.relation = code_combo("relation", r.get("relation"), self.tr("(not recorded)"))
        self.id_number = QLineEdit(r.get("id_number") or "")
        self.id_number.setPlaceholderText(self.tr("18 characters; a final X is allowed"))
        self.id_number.setMaxLength(24)
        self.birth_date = QLineEdit(r.get("birth_date") or "")
        self.birth_date.setPlaceholderText(self.tr("YYYY-MM-DD"))
        self.phone = QLineEdit(r.get("phone") or "")
        self.phone.setPlaceholderText(self.tr("Mobile, or landline with area code"))
        self.tags = TagToggles(r.get("tags"))
        self.present = QCheckBox(self.tr("Living here (uncheck if away or moved out)"))
        self.present.setChecked(r.get("present", True) is not False)
        self.notes = QPlainTextEdit(r.get("notes") or "")
        self.notes.setMinimumHeight(70)
        self.notes.setTabChangesFocus(True)

        checked = {
            "name": CheckedField("residents", "name", self.name, parent=self),
            "id_number": CheckedField("residents", "id_number", self.id_number, parent=self),
            "birth_date": CheckedField("residents", "birth_date", self.birth_date, parent=self),
            "phone": CheckedField("residents", "phone", self.phone, parent=self),
        }
        self.fields = FieldSet(*checked.values())
        self.id_number.editingFinished.connect(self._fill_from_id_number)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("&Name"), with_error(self.name, checked["name"]))
        form.addRow(self.tr("&Relation to head"), self.relation)
        form.addRow(self.tr("&Gender"), self.gender)
        form.addRow(self.tr("&ID number"), with_error(self.id_number, checked["id_number"]))
        form.addRow(self.tr("&Date of birth"), with_error(self.birth_date, checked["birth_date"]))
        form.addRow(self.tr("&Phone"), with_error(self.phone, checked["phone"]))
        form.addRow(self.tr("Tags"), self.tags)
        form.addRow("", self.present)
        form.addRow(self.tr("N&otes"), self.notes)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        QShortcut(QKeySequence("Ctrl+Return"), self, self.accept)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill_from_id_number(self) -> None:
        """A valid 身份证号 tells the birth date and gender: fill them when still empty."""
        try:
            number = self.fields.fields["id_number"].value()
        except ValidationError:
            return
        if not number:
            return
        if not self.birth_date.text().strip():
            self.birth_date.setText(values.id_number_birth_date(number))
        if self.gender.currentData() is None:
            self.gender.setCurrentIndex(self.gender.findData(values.id_number_gender(number)))

    def values(self) -> dict[str, Any]:
        typed = self.fields.values()
        return {
            **typed,
            "gender": self.gender.currentData(),
            "relation": self.relation.currentData(),
            "tags": self.tags.selected(),
            "present": self.present.isChecked(),
            "notes": self.notes.toPlainText().strip() or None,
        }

    def accept(self) -> None:
        if not self.fields.check_all():
            return
        values_ = self.values()
        store = self.ctx.store
        try:
            if self.resident is None:
                name = values_.pop("name")
                self.saved = ops.add_resident(store, self.household_id, name, **values_)
            else:
                changes = {k: v for k, v in values_.items() if v != self.resident.get(k)}
                self.saved = (
                    ops.update_resident(store, self.resident["id"], **changes)
                    if changes
                    else self.resident
                )
        except ProtocolError as exc:
            if not self.fields.show(exc):
                self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()
        super().accept()
