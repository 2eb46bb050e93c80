"""民情事项: raising an issue, from a household (location prefilled) or free-standing."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.domain import queries
from sync.protocol.errors import ProtocolError

from . import labels
from .context import AppContext
from .fields import CheckedField, FieldSet
from .photos import PhotoStrip
from .resident_dialog import with_error
from .widgets import FormDialog, buddy_label, dialog_buttons

Row = dict[str, Any]


class IssueDialog(FormDialog):
    def __init__(
        self, ctx: AppContext, household: Row | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.household = household
        self.saved: Row | None = None
        self.setWindowTitle(self.tr("Raise an issue"))
        self.setMinimumWidth(620)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.grid = QComboBox()
        for grid_id, name in queries.grid_names(ctx.store).items():
            self.grid.addItem(name, grid_id)
        if household is None and self.grid.count() > 1:
            form.addRow(self.tr("&Grid"), self.grid)
        if household is not None:
            self.grid.setCurrentIndex(max(0, self.grid.findData(household.get("grid_id"))))

        self.category = QComboBox()
        for code, label in labels.code_items("category"):
            self.category.addItem(label, code)
        self.subcategory = QComboBox()
        self.category.currentIndexChanged.connect(self._fill_subcategories)
        self._fill_subcategories()
        category_row = QHBoxLayout()
        category_row.addWidget(self.category, 1)
        category_row.addWidget(self.subcategory, 1)
        form.addRow(buddy_label(self.tr("&Category"), self.category), category_row)

        self.title = QLineEdit()
        self.title.setPlaceholderText(
            self.tr("Short and concrete, e.g. the manhole cover under building 68 is broken")
        )
        self.location = QLineEdit(household.get("address") or "" if household else "")
        self.external_ref = QLineEdit()
        self.external_ref.setPlaceholderText(
            self.tr("Only if the issue came in through the 12345 hotline")
        )
        checked = {
            "title": CheckedField("issues", "title", self.title, parent=self),
            "location": CheckedField("issues", "location", self.location, parent=self),
            "external_ref": CheckedField("issues", "external_ref", self.external_ref, parent=self),
        }
        self.fields = FieldSet(*checked.values())
        form.addRow(self.tr("&Title"), with_error(self.title, checked["title"]))
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(80)
        form.addRow(self.tr("&Description"), self.description)
        form.addRow(self.tr("&Location"), with_error(self.location, checked["location"]))

        self.priorities = QButtonGroup(self)
        priority_row = QHBoxLayout()
        for number, (code, label) in enumerate(labels.code_items("priority")):
            button = QRadioButton(label)
            button.setProperty("code", code)
            button.setChecked(code == "normal")
            self.priorities.addButton(button, number)
            priority_row.addWidget(button)
        priority_row.addStretch(1)
        form.addRow(self.tr("Priority"), priority_row)

        self.has_due = QCheckBox(self.tr("Due by"))
        self.due_date = QDateEdit(QDate.currentDate().addDays(7))
        self.due_date.setDisplayFormat("yyyy-MM-dd")
        self.due_date.setCalendarPopup(True)
        self.due_date.setEnabled(False)
        self.has_due.toggled.connect(self.due_date.setEnabled)
        due_row = QHBoxLayout()
        due_row.addWidget(self.has_due)
        due_row.addWidget(self.due_date)
        due_row.addStretch(1)
        form.addRow(self.tr("Due date"), due_row)
        form.addRow(self.tr("12345 ticket"), with_error(self.external_ref, checked["external_ref"]))
        self.photos = PhotoStrip(self)
        form.addRow(self.tr("Photos"), self.photos)

        buttons, self.save_button = dialog_buttons(self, self.tr("Raise (Ctrl+Enter)"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.watch_text(self.title, self.description, self.location, self.external_ref)
        self.category.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill_subcategories(self) -> None:
        self.subcategory.clear()
        self.subcategory.addItem(self.tr("(no subcategory)"), None)
        for code, label in labels.code_items(labels.subcategory_set(self.category.currentData())):
            self.subcategory.addItem(label, code)

    def priority(self) -> str:
        button = self.priorities.checkedButton()
        return str(button.property("code")) if button is not None else "normal"

    def accept(self) -> None:
        if not self.fields.check_all():
            return
        typed = self.fields.values()
        fields = {
            "subcategory": self.subcategory.currentData(),
            "description": self.description.toPlainText().strip() or None,
            "location": typed["location"],
            "priority": self.priority(),
            "due_date": self.due_date.date().toString("yyyy-MM-dd")
            if self.has_due.isChecked()
            else None,
            "external_ref": typed["external_ref"],
        }
        store = self.ctx.store
        try:
            self.saved = ops.raise_issue(
                store,
                typed["title"],
                self.category.currentData(),
                grid_id=None if self.household else self.grid.currentData(),
                household_id=self.household["id"] if self.household else None,
                **fields,
            )
            self.photos.attach_to(store, self.ctx.blobs, "issues", self.saved["id"])
        except ProtocolError as exc:
            if not self.fields.show(exc):
                self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()
        super().accept()
