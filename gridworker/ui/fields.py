"""Fields checked where they are typed, by the shared rules (``sync.protocol.entities``).

A wrong 身份证号 or phone number is refused at the field: the rule's Chinese message appears
under it and the form is not saved. The same rule runs again in the store and on the server.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from sync.protocol.entities import ENTITIES
from sync.protocol.errors import ProtocolError, ValidationError

from . import labels
from .widgets import error_label


def set_invalid(widget: QWidget, invalid: bool) -> None:
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class CheckedField(QObject):
    """A line edit bound to one entity field; ``check()`` says whether its text is valid."""

    def __init__(
        self,
        entity: str,
        field: str,
        edit: QLineEdit,
        *,
        required: bool = False,
        parent: QObject | None = None,
    ):
        super().__init__(parent or edit)
        self.entity = entity
        self.field = field
        self.spec = ENTITIES[entity].fields[field]
        self.edit = edit
        self.required = required or self.spec.required
        self.error: QLabel = error_label()
        self.error.setObjectName("fieldError")
        self.error.setAccessibleName(labels.field_label(entity, field))
        edit.editingFinished.connect(self.check)
        edit.textEdited.connect(self._recheck_if_shown)

    def value(self) -> Any:
        """The normalised value (None for an empty field); raises ``ValidationError``."""
        text = self.edit.text().strip()
        if not text:
            if self.required:
                raise ValidationError(
                    self.tr("%1 is required").replace(
                        "%1", labels.field_label(self.entity, self.field)
                    ),
                    code="required",
                    field=self.field,
                )
            return None
        return self.spec.normalise(text)

    def check(self) -> bool:
        try:
            self.value()
        except ValidationError as exc:
            self.show_error(exc.message)
            return False
        self.clear_error()
        return True

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        set_invalid(self.edit, True)

    def clear_error(self) -> None:
        self.error.hide()
        self.error.clear()
        set_invalid(self.edit, False)

    def _recheck_if_shown(self) -> None:
        if self.error.isVisible():
            self.check()


class FieldSet:
    """The checked fields of one form."""

    def __init__(self, *fields: CheckedField):
        self.fields = {f.field: f for f in fields}

    def check_all(self) -> bool:
        """Check every field; focus the first wrong one."""
        first: CheckedField | None = None
        for field in self.fields.values():
            if not field.check() and first is None:
                first = field
        if first is not None:
            first.edit.setFocus()
            first.edit.selectAll()
        return first is None

    def show(self, exc: ProtocolError) -> bool:
        """Show an operation's error at its field; False when no field of this form has it."""
        field = self.fields.get(exc.field or "")
        if field is None:
            return False
        field.show_error(exc.message)
        field.edit.setFocus()
        return True

    def values(self) -> dict[str, Any]:
        return {name: field.value() for name, field in self.fields.items()}
