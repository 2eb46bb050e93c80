"""The supervisor's 12345 work orders and everyone's weekly work list, from the 台账 menu.

- ``WorkOrdersDialog``: import the hotline's export (the report by row and column first,
  nothing written until 导入), the 待分派 list assigned by hand, and the reply sheet.
- ``WeeklyDialog``: the 巷理事工作清单 of a grid or of every grid, shown, printed (preview and
  the system's dialog), saved as PDF, Excel or a phone picture.

The work is done by ``gridworker.domain.workorders`` / ``weekly`` and ``printing``; the import
commits through the outbox and the window syncs after it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.domain import queries, weekly, workorders
from sync.ledger.errors import LedgerError
from sync.protocol.errors import ProtocolError
from sync.workorders import WorkOrderPlan

from . import filters, printing
from .context import AppContext
from .qtcompat import emit
from .widgets import error_label

translate = QCoreApplication.translate


def _message(exc: BaseException) -> str | None:
    if isinstance(exc, (LedgerError, ProtocolError)):
        return exc.message
    if isinstance(exc, OSError):
        return f"无法读写文件：{getattr(exc, 'filename', '') or exc}"
    return None


class WorkOrdersDialog(QDialog):
    imported = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.plan: WorkOrderPlan | None = None
        self.setWindowTitle(self.tr("12345 work orders"))
        self.resize(900, 620)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._import_page(), self.tr("Import"))
        self.tabs.addTab(self._unassigned_page(), self.tr("To assign"))
        self.tabs.addTab(self._replies_page(), self.tr("Replies"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.refresh_unassigned()

    # -- import ------------------------------------------------------------------------------

    def _import_page(self) -> QWidget:
        page = QWidget()
        self.grid = filters.grid_combo(self.ctx, everything=False)
        self.file_label = QLabel(self.tr("No file chosen"))
        choose = QPushButton(self.tr("Choose the export…"))
        choose.clicked.connect(self.choose_file)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.error = error_label()
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.setObjectName("primary")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.commit)
        note = QLabel(
            self.tr(
                "Sync first: tickets already on this laptop are skipped. Orders whose address "
                "matches no household, or several, go to the grid below, to be assigned by hand."
            )
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        row = QHBoxLayout()
        row.addWidget(choose)
        row.addWidget(self.file_label, 1)
        form = QFormLayout()
        form.addRow(self.tr("Export file"), row)
        form.addRow(self.tr("Unmatched orders to"), self.grid)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.import_button)
        self.grid.currentIndexChanged.connect(lambda _i: self.replan())
        self.path: Path | None = None
        return page

    def choose_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Open the 12345 export"), "", self.tr("Excel (*.xlsx *.xlsm)")
        )
        if chosen:
            self.load(Path(chosen))

    def load(self, path: Path) -> None:
        self.path = path
        self.file_label.setText(path.name)
        self.replan()

    def replan(self) -> None:
        self.error.hide()
        self.plan = None
        self.import_button.setEnabled(False)
        if self.path is None:
            return
        grid_id = self.grid.currentData()
        if grid_id is None:
            self._fail(self.tr("There is no grid yet: sync first."))
            return
        try:
            self.plan = workorders.plan_file(self.ctx.store, self.path, grid_id)
        except Exception as exc:
            if _message(exc) is None:
                raise
            self.report.clear()
            self._fail(_message(exc) or "")
            return
        self.report.setPlainText(self.plan.report_text())
        self.import_button.setEnabled(bool(self.plan.orders))

    def commit(self) -> None:
        if self.plan is None:
            return
        try:
            count = workorders.commit(self.ctx.store, self.plan)
        except ProtocolError as exc:
            self._fail(exc.message)
            return
        self.import_button.setEnabled(False)
        self.report.appendPlainText(
            "\n" + self.tr("%1 work order(s) imported.").replace("%1", str(count))
        )
        self.plan = None
        self.refresh_unassigned()
        emit(self.imported, count)

    def _fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    # -- the 待分派 list ----------------------------------------------------------------------

    def _unassigned_page(self) -> QWidget:
        page = QWidget()
        self.unassigned = QTableWidget(0, 5)
        self.unassigned.setHorizontalHeaderLabels(
            [
                self.tr("Ticket"),
                self.tr("Title"),
                self.tr("Address"),
                self.tr("Grid"),
                self.tr("Deadline"),
            ]
        )
        self.unassigned.horizontalHeader().setStretchLastSection(True)
        self.unassigned.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.unassigned.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.assignee = QComboBox()
        self.assign_button = QPushButton(self.tr("Assign"))
        self.assign_button.clicked.connect(self.assign)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Assign the selected order to")))
        row.addWidget(self.assignee, 1)
        row.addWidget(self.assign_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.unassigned, 1)
        layout.addLayout(row)
        return page

    def refresh_unassigned(self) -> None:
        rows = workorders.unassigned(self.ctx.store)
        grids = queries.grid_names(self.ctx.store)
        self.unassigned.setRowCount(len(rows))
        for r, issue in enumerate(rows):
            values = [
                issue["external_ref"],
                issue["title"],
                issue["location"] or "",
                grids.get(issue["grid_id"], issue["grid_id"]),
                issue["due_date"] or "",
            ]
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                item.setData(256, issue["id"])
                self.unassigned.setItem(r, c, item)
        self.unassigned.resizeColumnsToContents()
        self.assignee.clear()
        for person in queries.people(self.ctx.store):
            self.assignee.addItem(person.get("display_name") or person["id"][:8], person["id"])
        self.tabs.setTabText(1, self.tr("To assign (%1)").replace("%1", str(len(rows))))

    def assign(self) -> None:
        item = self.unassigned.item(self.unassigned.currentRow(), 0)
        assignee = self.assignee.currentData()
        if item is None or assignee is None:
            return
        note = self.tr("Assigned to %1").replace("%1", self.assignee.currentText())
        ops.reassign_issue(self.ctx.store, item.data(256), assignee, note)
        self.refresh_unassigned()

    # -- replies -----------------------------------------------------------------------------

    def _replies_page(self) -> QWidget:
        page = QWidget()
        self.everything = QCheckBox(
            self.tr("Every resolved order, not only those since the last export")
        )
        last = workorders.last_export(self.ctx.store)
        when = last.astimezone().strftime("%Y-%m-%d %H:%M") if last else self.tr("never")
        self.last_label = QLabel(self.tr("Last export: %1").replace("%1", when))
        self.replies_status = QLabel()
        self.replies_status.setWordWrap(True)
        button = QPushButton(self.tr("Export the reply sheet…"))
        button.setObjectName("primary")
        button.clicked.connect(self.choose_replies)
        layout = QVBoxLayout(page)
        layout.addWidget(self.last_label)
        layout.addWidget(self.everything)
        layout.addWidget(button)
        layout.addWidget(self.replies_status)
        layout.addStretch(1)
        return page

    def choose_replies(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save the reply sheet as"), "12345工单回复.xlsx", "Excel (*.xlsx)"
        )
        if chosen:
            self.export_replies(Path(chosen))

    def export_replies(self, path: Path) -> int | None:
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        try:
            count = workorders.export_replies(
                self.ctx.store, path, everything=self.everything.isChecked()
            )
        except (LedgerError, OSError) as exc:
            self.replies_status.setText(_message(exc) or "")
            return None
        self.replies_status.setText(
            self.tr("%1 reply line(s) written to %2")
            .replace("%1", str(count))
            .replace("%2", str(path))
        )
        return count


class WeeklyDialog(QDialog):
    """The weekly list of a grid (or every grid) and a week, with its ways out."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Weekly work list"))
        self.resize(760, 680)
        self.grid = filters.grid_combo(ctx)
        self.day = filters.date_edit()
        self.day.setDate(QDate.currentDate())
        self.view = QTextBrowser()
        self.status = QLabel()
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Grid"), self.grid)
        form.addRow(self.tr("Week of"), self.day)
        buttons = QHBoxLayout()
        for text, slot in (
            (self.tr("Print preview…"), self.preview),
            (self.tr("Print…"), self.print_it),
            (self.tr("Save as PDF…"), lambda: self.save("pdf")),
            (self.tr("Save as Excel…"), lambda: self.save("xlsx")),
            (self.tr("Save a phone picture…"), lambda: self.save("png")),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.grid.currentIndexChanged.connect(lambda _i: self.rebuild())
        self.day.dateChanged.connect(lambda _d: self.rebuild())
        self.last_preview: Any = None
        self.rebuild()

    def rebuild(self) -> None:
        grid_id = self.grid.currentData()
        self.list = weekly.build_weekly(
            self.ctx.store, [grid_id] if grid_id else None, filters.date_of(self.day)
        )
        self.view.setHtml(printing.weekly_html(self.list))

    def preview(self) -> Any:
        dialog = printing.preview_dialog(printing.weekly_printable(self.list), self)
        self.last_preview = dialog
        dialog.open()
        return dialog

    def print_it(self) -> None:
        printing.print_with_dialog(printing.weekly_printable(self.list), self)

    def save(self, kind: str, path: Path | None = None) -> Path | None:
        filters_of = {"pdf": "PDF (*.pdf)", "xlsx": "Excel (*.xlsx)", "png": "PNG (*.png)"}
        if path is None:
            name = f"{self.list.title}-{self.list.week_start:%Y%m%d}.{kind}"
            chosen, _filter = QFileDialog.getSaveFileName(
                self, self.tr("Save the list as"), name, filters_of[kind]
            )
            if not chosen:
                return None
            path = Path(chosen)
        path = path.with_suffix(f".{kind}")
        try:
            if kind == "pdf":
                printing.save_pdf(printing.weekly_printable(self.list), path)
            elif kind == "xlsx":
                weekly.write_weekly_xlsx(self.list, path)
            else:
                printing.save_phone_png(self.list, path)
        except OSError as exc:
            self.status.setText(_message(exc) or "")
            return None
        self.status.setText(self.tr("Saved to %1").replace("%1", str(path)))
        return path


def add_ledger_actions(window: Any, menu: QMenu) -> None:
    """The 台账 menu's entries: the weekly list for everyone, work orders for supervisors."""
    week = menu.addAction(translate("WorkOrdersMenu", "Weekly work list…"))
    week.triggered.connect(lambda: open_dialog(window, WeeklyDialog(window.ctx, window)))
    if window.supervising:
        orders = menu.addAction(translate("WorkOrdersMenu", "12345 work orders…"))
        orders.triggered.connect(lambda: open_work_orders(window))


def open_dialog(window: Any, dialog: QDialog) -> QDialog:
    window._workorder_dialog = dialog  # the window's latest, for tests
    dialog.open()
    return dialog


def open_work_orders(window: Any) -> QDialog:
    dialog = WorkOrdersDialog(window.ctx, window)
    dialog.imported.connect(lambda _count: window.sync_now())
    return open_dialog(window, dialog)
