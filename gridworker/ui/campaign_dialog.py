"""新建任务: a supervisor's campaign — title, kind, grids, whom it targets (tags, every
household, a list from Excel), the questionnaire (.xlsx, checked at once: a broken form shows
its row and reason here, never at the door), start and deadline; saved as a draft or
published. The service resolves the targets when the publication arrives.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import campaign_views, queries
from gridworker.domain import campaigns as camp
from sync.forms import Questionnaire
from sync.protocol import codes
from sync.protocol.errors import ProtocolError
from sync.protocol.values import format_time

from . import labels
from .context import AppContext
from .qtcompat import emit
from .widgets import FlowLayout

EVERY, TAGS, LIST = "all", "tags", "households"


def _wrapping(name: str = "") -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setObjectName(name)
    return label


class CampaignDialog(QDialog):
    created = Signal(str)  # campaign id

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("New campaign"))
        self.form: Questionnaire | None = None
        self.household_ids: list[str] | None = None
        self.title = QLineEdit()
        self.title.setPlaceholderText(self.tr("e.g. Safety check before the rainstorm"))
        self.kind = QComboBox()
        for code, label in codes.CAMPAIGN_KINDS.items():
            self.kind.addItem(label, code)
        grid_box = QWidget()
        grid_flow = FlowLayout(grid_box, spacing=14)
        self.grid_checks: dict[str, QCheckBox] = {}
        for grid_id, name in queries.grid_names(ctx.store).items():
            check = QCheckBox(name)
            check.setChecked(True)
            grid_flow.addWidget(check)
            self.grid_checks[grid_id] = check

        # Whom: every household, households (or residents) with a tag, a list from Excel.
        self.rule = QButtonGroup(self)
        rule_box = QWidget()
        rule_row = QHBoxLayout(rule_box)
        rule_row.setContentsMargins(0, 0, 0, 0)
        for code, text in (
            (EVERY, self.tr("Every household")),
            (TAGS, self.tr("Households with a tag")),
            (LIST, self.tr("A list from Excel")),
        ):
            radio = QRadioButton(text)
            radio.setProperty("rule", code)
            self.rule.addButton(radio)
            rule_row.addWidget(radio)
            if code == EVERY:
                radio.setChecked(True)
        rule_row.addStretch(1)
        self.rule.buttonToggled.connect(lambda *_a: self._rule_changed())
        self.tag_box = QWidget()
        tag_flow = FlowLayout(self.tag_box, spacing=14)
        self.tag_checks: dict[str, QCheckBox] = {}
        for code in codes.TAGS:
            check = QCheckBox(labels.code_label("tag", code))
            tag_flow.addWidget(check)
            self.tag_checks[code] = check
        self.list_box = QWidget()
        list_row = QHBoxLayout(self.list_box)
        list_row.setContentsMargins(0, 0, 0, 0)
        self.list_button = QPushButton(self.tr("Choose the list…"))
        self.list_button.clicked.connect(self._choose_list)
        self.list_label = _wrapping("muted")
        list_row.addWidget(self.list_button)
        list_row.addWidget(self.list_label, 1)

        form_box = QWidget()
        form_row = QHBoxLayout(form_box)
        form_row.setContentsMargins(0, 0, 0, 0)
        self.form_button = QPushButton(self.tr("Choose the questionnaire (.xlsx)…"))
        self.form_button.clicked.connect(self._choose_form)
        self.form_label = _wrapping("muted")
        self.form_label.setText(self.tr("No questionnaire: outcomes only"))
        form_row.addWidget(self.form_button)
        form_row.addWidget(self.form_label, 1)
        self.form_error = _wrapping("fieldError")
        self.form_error.hide()

        now = QDateTime.currentDateTime()
        self.starts = QDateTimeEdit(now)
        self.deadline = QDateTimeEdit(now.addSecs(24 * 3600))
        for edit in (self.starts, self.deadline):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.publish_now = QCheckBox(self.tr("Publish at once"))
        self.publish_now.setChecked(True)
        self.error = _wrapping("fieldError")
        self.error.hide()

        layout = QFormLayout()
        layout.addRow(self.tr("Title"), self.title)
        layout.addRow(self.tr("Kind"), self.kind)
        layout.addRow(self.tr("Grids"), grid_box)
        layout.addRow(self.tr("Households"), rule_box)
        layout.addRow("", self.tag_box)
        layout.addRow("", self.list_box)
        layout.addRow(self.tr("Questionnaire"), form_box)
        layout.addRow("", self.form_error)
        layout.addRow(self.tr("Starts"), self.starts)
        layout.addRow(self.tr("Deadline"), self.deadline)
        layout.addRow("", self.publish_now)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Create"))
        buttons.accepted.connect(self.create_campaign)
        buttons.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.addLayout(layout)
        outer.addWidget(self.error)
        outer.addWidget(buttons)
        self._rule_changed()
        self.resize(760, 560)

    # -- choices -------------------------------------------------------------------------------

    def rule_code(self) -> str:
        button = self.rule.checkedButton()
        return str(button.property("rule")) if button is not None else EVERY

    def set_rule(self, code: str) -> None:
        for button in self.rule.buttons():
            if button.property("rule") == code:
                button.setChecked(True)

    def _rule_changed(self) -> None:
        self.tag_box.setVisible(self.rule_code() == TAGS)
        self.list_box.setVisible(self.rule_code() == LIST)

    def grids(self) -> list[str]:
        return [g for g, check in self.grid_checks.items() if check.isChecked()]

    def _choose_list(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Household list"), "", self.tr("Excel workbooks (*.xlsx)")
        )
        if path:
            self.load_list(Path(path))

    def load_list(self, path: Path) -> bool:
        """Read a household list (住户编号 or 地址 column) against the chosen grids."""
        try:
            found, missed = campaign_views.read_household_list(self.ctx.store, path, self.grids())
        except ProtocolError as exc:
            self.household_ids = None
            self.list_label.setText(str(exc))
            self.list_label.setObjectName("fieldError")
            self._repolish(self.list_label)
            return False
        self.household_ids = found
        text = self.tr("%n household(s) found", "", len(found))
        if missed:
            text += self.tr(", %n row(s) matched no household", "", missed)
        self.list_label.setText(f"{path.name}: {text}")
        self.list_label.setObjectName("muted")
        self._repolish(self.list_label)
        return True

    def _choose_form(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Questionnaire"), "", self.tr("Excel workbooks (*.xlsx)")
        )
        if path:
            self.load_form(Path(path))

    def load_form(self, path: Path) -> bool:
        """Read and check an XLSForm now: a broken one shows the row and the reason."""
        try:
            self.form = camp.read_form(path)
        except (ProtocolError, OSError, ValueError) as exc:  # FormError: its row and reason
            self.form = None
            self.form_label.setText(path.name)
            reason = str(exc) if isinstance(exc, ProtocolError) else self.tr("not an Excel file")
            self.form_error.setText(
                self.tr("This questionnaire cannot be used: %1").replace("%1", reason)
            )
            self.form_error.show()
            return False
        self.form_error.hide()
        questions = sum(1 for f in self.form.fields if f.type != "note")
        self.form_label.setText(
            self.tr("%1: %n question(s)", "", questions).replace("%1", self.form.title or path.name)
        )
        return True

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    # -- create --------------------------------------------------------------------------------

    def create_campaign(self) -> str | None:
        rule = self.rule_code()
        if not self.form_error.isHidden():
            self._say(self.tr("Choose a questionnaire that can be used, or none."))
            return None
        tags = [t for t, check in self.tag_checks.items() if check.isChecked()]
        if rule == TAGS and not tags:
            self._say(self.tr("Choose at least one tag."))
            return None
        if rule == LIST and not self.household_ids:
            self._say(self.tr("Choose a household list with at least one household."))
            return None
        starts = _utc(self.starts.dateTime())
        deadline = _utc(self.deadline.dateTime())
        if deadline <= starts:
            self._say(self.tr("The deadline must come after the start."))
            return None
        try:
            campaign_id = camp.create_campaign(
                self.ctx.store,
                self.title.text().strip(),
                self.grids(),
                format_time(deadline),
                kind=str(self.kind.currentData()),
                tags=tags if rule == TAGS else (),
                household_ids=self.household_ids if rule == LIST else None,
                form=self.form,
                starts_at=format_time(starts),
                publish=self.publish_now.isChecked(),
            )
        except ProtocolError as exc:
            self._say(str(exc))
            return None
        self.ctx.tasks.notify_changed()
        emit(self.created, campaign_id)
        self.accept()
        return campaign_id

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


def _utc(value: QDateTime) -> dt.datetime:
    seconds = value.toSecsSinceEpoch()
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


__all__ = ["CampaignDialog"]
