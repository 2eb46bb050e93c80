"""住户: find a household fast (search as you type, tag toggles, due first) and see it."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from . import labels
from .context import AppContext
from .household_detail import HouseholdDetail
from .household_dialog import HouseholdDialog
from .household_model import (
    ADDRESS,
    HEAD,
    KIND,
    LAST_VISIT,
    NEXT_VISIT,
    PHONE,
    TAGS,
    HouseholdTableModel,
)
from .qtcompat import emit
from .widgets import (
    FlowLayout,
    RowLegend,
    current_row,
    list_and_detail,
    select_row,
    table_view,
)

SEARCH_DELAY_MS = 150


class SearchBox(QLineEdit):
    """The search field; Down moves into the list, Escape clears."""

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            emit(self.down_pressed)
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


class HouseholdsPage(QWidget):
    current_changed = Signal(object)  # the selected household's id, or None

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.model = HouseholdTableModel(lambda: ctx.store, self)

        self.search = SearchBox()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(
            self.tr("Search by name, address, phone or pinyin initials (Ctrl+F)")
        )
        self.search.setClearButtonEnabled(True)
        self.count = QLabel()
        self.count.setObjectName("muted")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search.textChanged.connect(self._debounce.start)

        self.tag_buttons: dict[str, QToolButton] = {}
        filters = QWidget()
        flow = FlowLayout(filters, spacing=4)
        self.due_first = self._toggle(self.tr("Due first"), flow, "sortToggle")
        self.due_only = self._toggle(self.tr("Due only"), flow, "sortToggle")
        for code, label in labels.code_items("tag"):
            self.tag_buttons[code] = self._toggle(label, flow, "tagToggle")

        self.table = table_view(self.model, stretch=ADDRESS, fit=False)
        self.table.setObjectName("households")
        header = self.table.horizontalHeader()
        # Widths from the fonts and the labels in use, so they fit any CJK font and language.
        metrics, bold = self.table.fontMetrics(), header.fontMetrics()
        kinds = [label for _code, label in labels.code_items("kind")]
        for column, samples in (
            (HEAD, ["欧阳建国"]),
            (PHONE, ["0518-85452725"]),
            (KIND, kinds),
            (TAGS, ["空巢老人、党员"]),
            (LAST_VISIT, ["2026-11-03"]),
            (NEXT_VISIT, ["2026-11-03"]),
        ):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            width = max(
                max(metrics.horizontalAdvance(s) for s in samples),
                bold.horizontalAdvance(title) + 6,
            )
            header.resizeSection(column, width + 18)
        header.setMinimumSectionSize(48)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.search.down_pressed.connect(self._focus_list)
        self.search.returnPressed.connect(self._focus_list)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton(self.tr("Add household"))
        self.add_button.setToolTip(self.tr("A new building, new arrivals (Ctrl+Shift+N)"))
        self.add_button.clicked.connect(self.add_household)
        QShortcut(QKeySequence("Ctrl+Shift+N"), self, self.add_household)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.count)
        search_row.addWidget(self.add_button)
        left_layout.addLayout(search_row)
        left_layout.addWidget(filters)
        left_layout.addWidget(self.table, 1)
        self.legend = RowLegend()  # pink and bold rows, said once
        left_layout.addWidget(self.legend)

        self.detail = HouseholdDetail(ctx)
        self.splitter = list_and_detail("householdsSplitter", left, self.detail)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)

        ctx.tasks.changed.connect(self.refresh)
        self.setTabOrder(self.search, self.table)
        self.run_search()

    def _toggle(self, text: str, flow: FlowLayout, name: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setText(text)
        button.setCheckable(True)
        button.toggled.connect(self.run_search)
        flow.addWidget(button)
        return button

    # -- searching -----------------------------------------------------------------------------

    def current_id(self) -> str | None:
        return self.model.id_at(current_row(self.table))

    def run_search(self) -> None:
        """Query again now (the debounce timer calls this ~150 ms after the last keystroke)."""
        self._debounce.stop()
        keep = self.current_id()
        tags = [code for code, button in self.tag_buttons.items() if button.isChecked()]
        self.model.set_query(
            self.search.text(),
            tags,
            due_only=self.due_only.isChecked(),
            sort="due" if self.due_first.isChecked() else "address",
        )
        self._after_reload(keep, first_if_gone=True)

    def refresh(self) -> None:
        """Data changed: same query, same selection, same scroll position."""
        keep = self.current_id()
        scroll = self.table.verticalScrollBar().value()
        self.model.reload()
        self._after_reload(keep, first_if_gone=False)
        self.table.verticalScrollBar().setValue(scroll)

    def _after_reload(self, keep: str | None, first_if_gone: bool) -> None:
        total = self.model.rowCount()
        self.count.setText(self.tr("%n household(s)", "", total))
        row = self.model.row_of(keep)
        if row < 0 and first_if_gone and total:
            row = 0
        if row >= 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(self.model.index(row, 0))
        else:
            self._row_changed(QModelIndex())

    def add_household(self) -> HouseholdDialog:
        """新增住户: saved offline at once, then selected in the list."""
        dialog = HouseholdDialog(self.ctx, parent=self)
        dialog.accepted.connect(lambda: self._added(dialog))
        dialog.open()
        return dialog

    def _added(self, dialog: HouseholdDialog) -> None:
        if dialog.saved is not None:
            self.show_household(dialog.saved["id"])

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _focus_list(self) -> None:
        if self._debounce.isActive():  # Enter typed within the debounce: search first
            self.run_search()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if current_row(self.table) < 0:
            select_row(self.table, 0)

    def show_household(self, household_id: str) -> None:
        """Select a household (from 今日待访 or an issue), clearing a search that hides it."""
        if self.model.row_of(household_id) < 0:
            self.search.clear()
            for button in (*self.tag_buttons.values(), self.due_only):
                button.blockSignals(True)
                button.setChecked(False)
                button.blockSignals(False)
            self.run_search()
        select_row(self.table, self.model.row_of(household_id))

    def _row_changed(self, index: QModelIndex) -> None:
        household_id = self.model.id_at(index.row()) if index.isValid() else None
        if self.detail.household is None or self.detail.household["id"] != household_id:
            self.detail.show_household(household_id)
        emit(self.current_changed, household_id)
