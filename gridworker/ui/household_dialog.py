"""Adding or editing a household (住户): address parts, type, tags, visit interval, phone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.domain import queries
from sync.protocol.errors import ProtocolError
from sync.protocol.workflow import DEFAULT_INTERVAL_DAYS, visit_interval_days

from .context import AppContext
from .fields import CheckedField, FieldSet
from .resident_dialog import TagToggles, code_combo, with_error
from .widgets import FormDialog, dialog_buttons

Row = dict[str, Any]


class HouseholdDialog(FormDialog):
    """新增住户 / 编辑住户. The address text is made from its parts as they are typed (and
    can still be edited); the interval follows the tags until it is changed by hand."""

    def __init__(
        self,
        ctx: AppContext,
        household: Row | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.household = household
        self.saved: Row | None = None
        h = household or {}
        self.setWindowTitle(self.tr("Edit household") if household else self.tr("Add household"))
        self.setMinimumWidth(620)

        self.grid = QComboBox()
        for grid_id, name in queries.grid_names(ctx.store).items():
            self.grid.addItem(name, grid_id)
        if household is not None:
            self.grid.setCurrentIndex(max(0, self.grid.findData(h.get("grid_id"))))
            self.grid.setEnabled(False)  # moving a household is an admin's job
        self.place = QLineEdit()
        self.place.setPlaceholderText(self.tr("Estate or street, e.g. 朐阳小区"))
        self.building = QLineEdit(h.get("building") or "")
        self.unit = QLineEdit(h.get("unit") or "")
        self.room = QLineEdit(h.get("room") or "")
        for edit, hint in (
            (self.building, self.tr("Building")),
            (self.unit, self.tr("Unit")),
            (self.room, self.tr("Room")),
        ):
            edit.setPlaceholderText(hint)
            edit.setMaximumWidth(80)
        self.address = QLineEdit(h.get("address") or "")
        self.address.setPlaceholderText(self.tr("Made from the parts above; can be edited"))
        # Editing: the parts still make the address when it was made from them.
        self._address_typed = household is not None
        tail = ops.compose_address(None, h.get("building"), h.get("unit"), h.get("room"))
        address = h.get("address") or ""
        if household is not None and tail and address.endswith(tail):
            self.place.setText(address[: -len(tail)].strip())
            self._address_typed = False
        self.address.textEdited.connect(self._address_edited)
        for edit in (self.place, self.building, self.unit, self.room):
            edit.textEdited.connect(self._compose)

        self.head_name = QLineEdit(h.get("head_name") or "")
        self.phone = QLineEdit(h.get("phone") or "")
        self.phone.setPlaceholderText(self.tr("Mobile, or landline with area code"))
        self.kind = code_combo("kind", h.get("kind") or "resident", self.tr("(not recorded)"))
        self.tags = TagToggles(h.get("tags"))
        self.interval = QSpinBox()
        self.interval.setRange(1, 3650)
        self.interval.setSuffix(self.tr(" days"))
        self.interval.setValue(h.get("visit_interval_days") or DEFAULT_INTERVAL_DAYS)
        self._interval_typed = household is not None
        self._updating_interval = False
        self.interval.valueChanged.connect(self._interval_edited)
        for button in self.tags.buttons.values():
            button.toggled.connect(self._tags_changed)
        self.interval_hint = QLabel()
        self.interval_hint.setObjectName("muted")
        self.interval_hint.setWordWrap(True)
        self.notes = QPlainTextEdit(h.get("notes") or "")
        self.notes.setMinimumHeight(60)
        self.notes.setTabChangesFocus(True)

        # The head of household's phone follows the household's, unless the user says not.
        self.head = self._head()
        self.also_head = QCheckBox()
        self.also_head.setChecked(True)
        self.also_head.setVisible(False)
        self.phone.textChanged.connect(self._phone_changed)

        checked = {
            "address": CheckedField("households", "address", self.address, parent=self),
            "head_name": CheckedField("households", "head_name", self.head_name, parent=self),
            "phone": CheckedField("households", "phone", self.phone, parent=self),
        }
        self.fields = FieldSet(*checked.values())

        parts = QHBoxLayout()
        parts.setContentsMargins(0, 0, 0, 0)
        parts.addWidget(self.place, 1)
        for edit, word in (
            (self.building, self.tr("bldg.")),
            (self.unit, self.tr("unit")),
            (self.room, self.tr("room")),
        ):
            parts.addWidget(edit)
            parts.addWidget(QLabel(word))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Grid"), self.grid)
        form.addRow(self.tr("Address parts"), parts)
        form.addRow(self.tr("&Address"), with_error(self.address, checked["address"]))
        form.addRow(self.tr("&Head of household"), with_error(self.head_name, checked["head_name"]))
        phone_box = with_error(self.phone, checked["phone"])
        phone_layout = phone_box.layout()
        assert phone_layout is not None
        phone_layout.addWidget(self.also_head)
        form.addRow(self.tr("&Phone"), phone_box)
        form.addRow(self.tr("Type"), self.kind)
        form.addRow(self.tr("Tags"), self.tags)
        interval_row = QHBoxLayout()
        interval_row.addWidget(self.interval)
        interval_row.addWidget(self.interval_hint, 1)
        form.addRow(self.tr("Visit every"), interval_row)
        form.addRow(self.tr("N&otes"), self.notes)

        buttons, self.save_button = dialog_buttons(self, self.tr("Save (Ctrl+Enter)"))

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._tags_changed()
        self.watch_text(
            self.place,
            self.building,
            self.unit,
            self.room,
            self.address,
            self.head_name,
            self.phone,
            self.notes,
        )
        (self.address if household else self.place).setFocus(Qt.FocusReason.OtherFocusReason)

    # -- live help -------------------------------------------------------------------------

    def _compose(self) -> None:
        if not self._address_typed:
            self.address.setText(
                ops.compose_address(
                    self.place.text(), self.building.text(), self.unit.text(), self.room.text()
                )
            )

    def _address_edited(self) -> None:
        self._address_typed = True

    def _interval_edited(self) -> None:
        if not self._updating_interval:
            self._interval_typed = True
        self._tags_changed()

    def _tags_changed(self) -> None:
        by_tags = visit_interval_days(self.tags.selected())
        if not self._interval_typed:
            self._updating_interval = True
            self.interval.setValue(by_tags)
            self._updating_interval = False
        if by_tags < DEFAULT_INTERVAL_DAYS and self.interval.value() > by_tags:
            self.interval_hint.setText(
                self.tr(
                    "These tags make it a key household: visited every %1 days at most."
                ).replace("%1", str(by_tags))
            )
        else:
            self.interval_hint.setText("")

    def _head(self) -> Row | None:
        if self.household is None:
            return None
        detail = queries.household_detail(self.ctx.store, self.household["id"]) or {}
        for resident in detail.get("residents", []):
            if resident.get("relation") == "head":
                return dict(resident)
        return None

    def _phone_changed(self) -> None:
        if self.head is None or self.household is None:
            return
        changed = self.phone.text().strip() != (self.household.get("phone") or "")
        self.also_head.setText(
            self.tr("Also change the phone of the head of household %1").replace(
                "%1", self.head.get("name") or ""
            )
        )
        self.also_head.setVisible(changed)

    # -- saving ----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        typed = self.fields.values()
        return {
            **typed,
            "building": self.building.text().strip() or None,
            "unit": self.unit.text().strip() or None,
            "room": self.room.text().strip() or None,
            "kind": self.kind.currentData(),
            "tags": self.tags.selected(),
            "visit_interval_days": self.interval.value(),
            "notes": self.notes.toPlainText().strip() or None,
        }

    def accept(self) -> None:
        if not self.fields.check_all():
            return
        values = self.values()
        store = self.ctx.store
        try:
            if self.household is None:
                grid_id = self.grid.currentData()
                address = values.pop("address")
                self.saved = ops.create_household(store, grid_id, address, **values)
            else:
                changes = {k: v for k, v in values.items() if v != self.household.get(k)}
                if not changes:
                    super().accept()
                    return
                self.saved = ops.update_household(
                    store,
                    self.household["id"],
                    also_head_phone=not self.also_head.isHidden() and self.also_head.isChecked(),
                    **changes,
                )
        except ProtocolError as exc:
            if not self.fields.show(exc):
                self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()
        super().accept()
