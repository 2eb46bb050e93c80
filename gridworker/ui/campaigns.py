"""任务: the worker's campaigns (平急转换 sweeps, surveys) — each active campaign with its
progress, its target households nearest deadline first (phones shown for a phone sweep), one
key per outcome and the questionnaire at the side; all offline, saved through the outbox.

Keys: in the lists, 1, 2, 3 … pick the outcome shown on its button. An outcome without a
questionnaire (未联系上) is saved at once; one with it opens the form, saved with Ctrl+Enter.
After a save the next household not yet answered is selected, so a sweep is a run of keys.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import campaigns as camp
from sync.protocol.errors import ProtocolError

from . import labels
from .context import AppContext
from .form_widget import FormWidget
from .models import MUTED, URGENT, Column, RowsModel
from .qtcompat import emit
from .widgets import current_row, heading, select_row, table_view

Row = dict[str, Any]
translate = QCoreApplication.translate


def campaign_model(parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(translate("Campaigns", "Campaign"), lambda r: r["title"]),
            Column(translate("Campaigns", "Kind"), lambda r: r["kind_label"]),
            Column(translate("Campaigns", "Deadline"), lambda r: labels.local_time(r["deadline"])),
            Column(
                translate("Campaigns", "Progress"),
                lambda r: f"{r['answered']}/{r['targets']}",
                align=Qt.AlignmentFlag.AlignRight,
            ),
        ],
        foreground=lambda r: URGENT if r["kind"] == "emergency" else None,
        bold=lambda r: r["kind"] == "emergency",
        parent=parent,
    )


def target_model(parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(translate("Campaigns", "Address"), lambda r: labels.short_address(r["address"])),
            Column(translate("Campaigns", "Head of household"), lambda r: r["head_name"] or ""),
            Column(translate("Campaigns", "Phone"), lambda r: r["phone"] or ""),
            Column(translate("Campaigns", "Tags"), lambda r: labels.tag_labels(r["tags"])),
            Column(
                translate("Campaigns", "State"),
                lambda r: r["outcome_label"] if r["outcome"] else translate("Campaigns", "To do"),
                foreground=lambda r: URGENT if r["outcome"] == "needs_help" else None,
            ),
        ],
        foreground=lambda r: MUTED if r["outcome"] else None,
        parent=parent,
    )


class CampaignsPage(QWidget):
    """The 任务 tab of a worker."""

    saved = Signal(dict)  # the response row

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active: list[camp.Campaign] = []
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.campaigns = campaign_model(self)
        self.campaign_table = table_view(self.campaigns, stretch=0)
        self.campaign_table.setMaximumHeight(150)
        self.targets = target_model(self)
        self.target_table = table_view(self.targets, stretch=0)
        self.campaign_table.selectionModel().currentRowChanged.connect(
            lambda *_a: self._campaign_changed()
        )
        self.target_table.selectionModel().currentRowChanged.connect(
            lambda *_a: self._target_changed()
        )
        self.lists = QWidget()
        left = QVBoxLayout(self.lists)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.summary)
        left.addWidget(self.campaign_table)
        self.targets_heading = QLabel(self.tr("Households (nearest deadline first)"))
        self.targets_heading.setObjectName("sectionHeading")
        left.addWidget(self.targets_heading)
        left.addWidget(self.target_table, 1)

        # The answer pane: who, the outcome buttons, the questionnaire, save.
        self.pane = QWidget()
        right = QVBoxLayout(self.pane)
        right.setContentsMargins(8, 0, 0, 0)
        self.household_heading = heading("", name="detailHeading")
        right.addWidget(self.household_heading)
        self.outcome_bar = QHBoxLayout()
        right.addLayout(self.outcome_bar)
        self.outcome_group = QButtonGroup(self)
        self.outcome_group.setExclusive(True)
        self.outcome_buttons: list[QPushButton] = []
        self.form_holder = QVBoxLayout()
        right.addLayout(self.form_holder, 1)
        self.form: FormWidget | None = None
        self.message = QLabel()
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        self.message.hide()
        right.addWidget(self.message)
        self.save_button = QPushButton(self.tr("Save the answers (Ctrl+Enter)"))
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        right.addLayout(buttons)
        self.empty = QLabel(self.tr("No campaign is active in your grids."))
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.lists)
        self.splitter.addWidget(self.pane)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.empty)
        layout.addWidget(self.splitter, 1)

        # 1, 2, 3 … in the lists pick an outcome; Ctrl+Enter saves the questionnaire.
        self.key_shortcuts: list[QShortcut] = []
        for n in range(1, 10):
            shortcut = QShortcut(QKeySequence(str(n)), self.lists)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda n=n: self.choose_outcome(n - 1))
            self.key_shortcuts.append(shortcut)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            save = QShortcut(QKeySequence(keys), self)
            save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            save.activated.connect(self.save)
        self.outcome: str | None = None
        self._shown_target: tuple[str, str] | None = None
        self._shown_campaign: str | None = None
        ctx.tasks.changed.connect(self.reload)
        self.reload()

    # -- lists ---------------------------------------------------------------------------------

    def count(self) -> int:
        """Targets still to answer in the active campaigns (the tab's number)."""
        return sum(c.targets - c.answered for c in self.active)

    def reload(self) -> None:
        keep_campaign = self.current_campaign_id()
        self.active = camp.active_campaigns(self.ctx.store)
        self.campaigns.set_rows(
            [
                {
                    "id": c.campaign_id,
                    "title": c.title,
                    "kind": c.kind,
                    "kind_label": c.kind_label,
                    "deadline": c.deadline,
                    "answered": c.answered,
                    "targets": c.targets,
                }
                for c in self.active
            ]
        )
        has_any = bool(self.active)
        self.empty.setVisible(not has_any)
        self.splitter.setVisible(has_any)
        self.summary.setText(
            self.tr("%n active campaign(s)", "", len(self.active))
            + self.tr(", %n household(s) to answer", "", self.count())
        )
        row = self.campaigns.row_of(keep_campaign)
        select_row(self.campaign_table, row if row >= 0 else 0)
        self._campaign_changed()

    def current_campaign(self) -> camp.Campaign | None:
        row = self.campaigns.row_at(current_row(self.campaign_table))
        if row is None:
            return None
        return next((c for c in self.active if c.campaign_id == row["id"]), None)

    def current_campaign_id(self) -> str | None:
        found = self.current_campaign()
        return found.campaign_id if found else None

    def current_target(self) -> Row | None:
        return self.targets.row_at(current_row(self.target_table))

    def _campaign_changed(self) -> None:
        found = self.current_campaign()
        keep = self.current_target()
        rows = (
            [
                {**t, "id": t["household_id"]}
                for t in camp.targets(self.ctx.store, found.campaign_id)
            ]
            if found
            else []
        )
        self.targets.set_rows(rows)
        if found is not None and found.campaign_id != self._shown_campaign:
            self._shown_campaign = found.campaign_id
            self._build_outcomes(found)
            keep = None
        row = self.targets.row_of(keep["id"]) if keep else -1
        select_row(self.target_table, row if row >= 0 else 0)
        self._target_changed()

    def _build_outcomes(self, found: camp.Campaign) -> None:
        for button in self.outcome_buttons:
            self.outcome_group.removeButton(button)
            button.deleteLater()
        self.outcome_buttons = []
        while self.outcome_bar.count():
            self.outcome_bar.takeAt(0)  # the old stretch (the buttons are deleted above)
        for n, outcome in enumerate(found.outcomes, start=1):
            button = QPushButton(f"{n}  {outcome['label']}")
            button.setCheckable(True)
            button.setProperty("outcome", outcome["code"])
            button.setToolTip(self.tr("Key %1").replace("%1", str(n)))
            button.clicked.connect(lambda _c=False, i=n - 1: self.choose_outcome(i))
            self.outcome_group.addButton(button, n - 1)
            self.outcome_bar.addWidget(button)
            self.outcome_buttons.append(button)
        self.outcome_bar.addStretch(1)

    def _target_changed(self) -> None:
        target = self.current_target()
        key = (target["campaign_id"], target["household_id"]) if target else None
        if key == self._shown_target:
            return  # a reload after a sync: keep the worker's half-filled answers
        self._shown_target = key
        self._clear_form()
        self.outcome = None
        self.message.hide()
        for button in self.outcome_buttons:
            button.setEnabled(target is not None)
        checked = self.outcome_group.checkedButton()
        if checked is not None:
            self.outcome_group.setExclusive(False)
            checked.setChecked(False)
            self.outcome_group.setExclusive(True)
        self.save_button.setEnabled(False)
        if target is None:
            self.household_heading.setText("")
            return
        who = " · ".join(
            p for p in (target["head_name"], target["phone"], target["outcome_label"]) if p
        )
        self.household_heading.setText(f"{labels.short_address(target['address'])}\n{who}")

    def _clear_form(self) -> None:
        if self.form is not None:
            self.form_holder.removeWidget(self.form)
            self.form.hide()
            self.form.deleteLater()
            self.form = None

    # -- answering -----------------------------------------------------------------------------

    def choose_outcome(self, index: int) -> None:
        """Pick the outcome of the selected household (key ``index + 1``)."""
        found, target = self.current_campaign(), self.current_target()
        if found is None or target is None or not 0 <= index < len(found.outcomes):
            return
        code = found.outcomes[index]["code"]
        self.outcome = code
        self.outcome_buttons[index].setChecked(True)
        self.message.hide()
        if not found.asks_form(code):
            self._clear_form()
            self.save()
            return
        if self.form is None:
            assert found.form is not None
            self.form = FormWidget(found.form, parent=self.pane)
            self.form_holder.addWidget(self.form)
        self.save_button.setEnabled(True)
        first = next(iter(self.form.editors.values()), None)
        if first is not None and first.editor is not None:
            first._focus_widget().setFocus()

    def save(self) -> dict[str, Any] | None:
        """Save the chosen outcome (with the questionnaire's answers) for the household."""
        found, target = self.current_campaign(), self.current_target()
        if found is None or target is None or self.outcome is None:
            return None
        answers: dict[str, Any] = {}
        if self.form is not None and found.asks_form(self.outcome):
            if self.form.check():
                self._say(self.tr("Please correct the answers marked in red."))
                return None
            answers = self.form.answers()
        try:
            row = camp.record_response(
                self.ctx.store,
                found.campaign_id,
                target["household_id"],
                self.outcome,
                answers,
                blobs=self.ctx.blobs,
            )
        except ProtocolError as exc:
            self._say(str(exc))
            return None
        label = found.outcome_label(self.outcome)
        done = target["household_id"]
        self._shown_target = None
        self.ctx.tasks.notify_changed()  # reloads this tab, the day list, the sync corner
        self._select_next(done)
        self.target_table.setFocus()
        window = self.window()
        if hasattr(window, "show_status"):
            window.show_status(
                self.tr("Saved: %1 — %2")
                .replace("%1", labels.short_address(target["address"]))
                .replace("%2", label),
                5000,
            )
        emit(self.saved, row)
        return row

    def _select_next(self, done: str) -> None:
        """The next household not answered yet (the list keeps them first)."""
        rows = self.targets.rows()
        for number, row in enumerate(rows):
            if row["outcome"] is None and row["id"] != done:
                select_row(self.target_table, number)
                return
        select_row(self.target_table, max(self.targets.row_of(done), 0))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
