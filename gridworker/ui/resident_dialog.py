"""Adding or editing a resident (居民), with 身份证号 and phone checked at the field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
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
from .widgets import FlowLayout, FormDialog, dialog_buttons

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


class ResidentDialog(FormDialog):
    def __init__(
        self,
        ctx: AppContext,
        household_id: str,
        resident: Row | None = None,
        parent: QWidget | None = None,
        household_phone: str | None = None,
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
        self.present = QCheckBox(self.tr("Living here (uncheck if away for a while)"))
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
        # The head of household's phone and the household's 联系电话 change together unless
        # the user unticks this (shown when they would drift apart).
        self.household_phone = household_phone
        self.also_household = QCheckBox(self.tr("Also change the household's phone"))
        self.also_household.setChecked(True)
        self.also_household.setVisible(False)
        self.phone.textChanged.connect(self._phone_changed)
        self.relation.currentIndexChanged.connect(self._phone_changed)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("&Name"), with_error(self.name, checked["name"]))
        form.addRow(self.tr("&Relation to head"), self.relation)
        form.addRow(self.tr("&Gender"), self.gender)
        form.addRow(self.tr("&ID number"), with_error(self.id_number, checked["id_number"]))
        form.addRow(self.tr("&Date of birth"), with_error(self.birth_date, checked["birth_date"]))
        phone_box = with_error(self.phone, checked["phone"])
        phone_layout = phone_box.layout()
        assert phone_layout is not None
        phone_layout.addWidget(self.also_household)
        form.addRow(self.tr("&Phone"), phone_box)
        form.addRow(self.tr("Tags"), self.tags)
        form.addRow("", self.present)
        form.addRow(self.tr("N&otes"), self.notes)

        buttons, self.save_button = dialog_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.watch_text(self.name, self.id_number, self.birth_date, self.phone, self.notes)
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _phone_changed(self) -> None:
        phone = self.phone.text().strip()
        self.also_household.setVisible(
            self.relation.currentData() == "head"
            and bool(phone)
            and phone != (self.household_phone or "")
        )

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
        also_household = not self.also_household.isHidden() and self.also_household.isChecked()
        try:
            if self.resident is None:
                name = values_.pop("name")
                self.saved = ops.add_resident(store, self.household_id, name, **values_)
                if also_household and self.saved["phone"]:
                    ops.update_household(store, self.household_id, phone=self.saved["phone"])
            else:
                changes = {k: v for k, v in values_.items() if v != self.resident.get(k)}
                self.saved = (
                    ops.update_resident(
                        store,
                        self.resident["id"],
                        also_household_phone=also_household,
                        **changes,
                    )
                    if changes
                    else self.resident
                )
        except ProtocolError as exc:
            if not self.fields.show(exc):
                self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()
        super().accept()


class DepartureDialog(FormDialog):
    """迁出 (moved away for good, with where to) or 已故 (died, with the date)."""

    def __init__(self, ctx: AppContext, resident: Row, state: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.resident = resident
        self.state = state
        self.saved: Row | None = None
        name = resident.get("name") or ""
        if state == "deceased":
            self.setWindowTitle(self.tr("Record a death"))
            intro = self.tr("%1 died. The record stays in the ledger, shown as deceased.")
        else:
            self.setWindowTitle(self.tr("Record moving out"))
            intro = self.tr("%1 moved away for good. The record stays in the ledger.")
        text = QLabel(intro.replace("%1", name))
        text.setWordWrap(True)
        self.date = QLineEdit(labels.today_local().isoformat())
        self.date.setPlaceholderText(self.tr("YYYY-MM-DD"))
        self.destination = QLineEdit()
        self.destination.setPlaceholderText(self.tr("e.g. 南京市鼓楼区, or another grid's address"))
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.hide()
        form = QFormLayout()
        form.addRow(self.tr("&Date"), self.date)
        if state != "deceased":
            form.addRow(self.tr("Moved &to"), self.destination)
        buttons, self.save_button = dialog_buttons(self)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)
        self.watch_text(self.destination)
        (self.date if state == "deceased" else self.destination).setFocus()

    def accept(self) -> None:
        store = self.ctx.store
        day = self.date.text().strip() or None
        try:
            if self.state == "deceased":
                self.saved = ops.mark_deceased(store, self.resident["id"], day)
            else:
                where = self.destination.text().strip() or None
                self.saved = ops.record_move_out(store, self.resident["id"], where, day)
        except ProtocolError as exc:
            self.error.setText(exc.message)
            self.error.show()
            self.date.setFocus()
            return
        self.ctx.tasks.notify_changed()
        super().accept()
