"""台账: export a ledger to Excel or CSV; import a household ledger (mapping, report, commit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import ledgers
from sync.ledger.errors import LedgerError
from sync.ledger.headers import HOUSEHOLD_TARGETS, RESIDENT_TARGETS, guess_mapping
from sync.ledger.importer import ImportPlan, find_header_row, plan_import
from sync.ledger.parse import cell_text
from sync.ledger.reader import Table, read_table
from sync.ledger.source import DATED_ENTITIES

from . import filters, labels
from .context import AppContext
from .coverage import month_range
from .models import MUTED, URGENT, Column, RowsModel
from .qtcompat import emit
from .widgets import error_label, heading, table_view

Row = dict[str, Any]
translate = QCoreApplication.translate

ENTITIES = ("households", "residents", "visits", "issues")
DATED = DATED_ENTITIES  # the ledgers a period filters (the others: the grid as it is)

# Import targets as the entity field they fill (for their names in the mapping table).
TARGET_FIELDS: dict[str, tuple[str, str]] = {
    **{t: ("residents", t) for t in RESIDENT_TARGETS},
    "address": ("households", "address"),
    "building": ("households", "building"),
    "unit": ("households", "unit"),
    "room": ("households", "room"),
    "head_name": ("households", "head_name"),
    "household_phone": ("households", "phone"),
    "household_kind": ("households", "kind"),
    "household_tags": ("households", "tags"),
    "household_notes": ("households", "notes"),
    "visit_interval_days": ("households", "visit_interval_days"),
}


def target_label(target: str) -> str:
    entity, field = TARGET_FIELDS[target]
    prefix = labels.entity_label(entity)
    return f"{prefix} · {labels.field_label(entity, field)}"


def documents_dir() -> Path:
    """The user's Documents folder when it exists (a fresh Windows profile redirected to a
    missing OneDrive folder has none), else the home folder."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def export_folder(remembered: str) -> Path:
    """The folder of the last export while it exists, else Documents (or home)."""
    return Path(remembered) if remembered and Path(remembered).is_dir() else documents_dir()


# -- export ----------------------------------------------------------------------------------


class ExportDialog(QDialog):
    exported = Signal(str, int)  # path, rows

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Export a ledger"))
        self.setMinimumWidth(560)
        self.entity = QComboBox()
        for entity in ENTITIES:
            self.entity.addItem(labels.entity_label(entity), entity)
        self.grid = filters.grid_combo(ctx)
        start, end = month_range(labels.today_local())
        self.date_from = filters.date_edit()
        self.date_to = filters.date_edit()
        self.date_from.setDate(QDate(start.year, start.month, start.day))
        self.date_to.setDate(QDate(end.year, end.month, end.day))
        self.period_note = QLabel(self.tr("Households and residents: the grid as it is now."))
        self.period_note.setObjectName("muted")
        self.xlsx = QRadioButton(self.tr("Excel (.xlsx)"))
        self.csv = QRadioButton(self.tr("CSV (opens in Excel)"))
        self.xlsx.setChecked(True)
        self.path = QLineEdit()
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self.choose_path)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.error = error_label()
        self.open_folder = QPushButton(self.tr("Open the folder"))
        self.open_folder.hide()
        self.open_folder.clicked.connect(self._open_folder)

        period = QHBoxLayout()
        period.addWidget(self.date_from)
        period.addWidget(QLabel("—"))
        period.addWidget(self.date_to)
        period.addStretch(1)
        formats = QHBoxLayout()
        formats.addWidget(self.xlsx)
        formats.addWidget(self.csv)
        formats.addStretch(1)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Ledger"), self.entity)
        form.addRow(self.tr("Grid"), self.grid)
        form.addRow(self.tr("Period"), period)
        form.addRow("", self.period_note)
        form.addRow(self.tr("Format"), formats)
        form.addRow(self.tr("Save as"), where)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        self.export_button = buttons.addButton(
            self.tr("Export"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setObjectName("primary")
        self.export_button.clicked.connect(self.export)
        self.print_button = buttons.addButton(
            self.tr("Print…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.print_button.clicked.connect(self.print_preview)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.open_folder, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(buttons)
        for signal in (
            self.entity.currentIndexChanged,
            self.grid.currentIndexChanged,
            self.date_from.dateChanged,
            self.date_to.dateChanged,
            self.xlsx.toggled,
        ):
            signal.connect(self._suggest_path)
        self._suggested = ""
        self.overwrite_box: QMessageBox | None = None
        self._suggest_path()

    def _suggest_path(self, *_args: Any) -> None:
        entity = self.entity.currentData()
        dated = entity in DATED
        for widget in (self.date_from, self.date_to):
            widget.setEnabled(dated)
        self.period_note.setVisible(not dated)
        suffix = ".xlsx" if self.xlsx.isChecked() else ".csv"
        name = f"{self.grid.currentText()}-{self.entity.currentText()}台账"
        if dated:
            name += f"-{self.date_from.date().toString('yyyyMMdd')}-{self.date_to.date().toString('yyyyMMdd')}"
        current = self.path.text().strip()
        folder = Path(current).parent if current else export_folder(self.ctx.settings.export_folder)
        # The name follows the ledger and its period unless the user typed one of their own:
        # a name kept from another ledger type overwrote that ledger.
        if not current or current == self._suggested or self._suggested_name(current):
            self._suggested = str(folder / f"{name}{suffix}")
            self.path.setText(self._suggested)

    def _suggested_name(self, path: str) -> bool:
        """Whether ``path`` carries a name this dialog made up (for any ledger or period)."""
        stem = Path(path).stem
        return stem.startswith(f"{self.grid.currentText()}-") or any(
            f"-{self.entity.itemText(i)}台账" in stem for i in range(self.entity.count())
        )

    def choose_path(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the ledger as"),
            self.path.text(),
            self.tr("Excel (*.xlsx);;CSV (*.csv)"),
        )
        if chosen:
            self.path.setText(chosen)
            self.csv.setChecked(chosen.lower().endswith(".csv"))
            self.xlsx.setChecked(not chosen.lower().endswith(".csv"))

    def export(self) -> None:
        self.error.hide()
        grid_id = self.grid.currentData()  # None: every grid
        text = self.path.text().strip()
        if self.grid.count() <= 1:
            self._fail(self.tr("There is no grid to export yet: sync first."))
            return
        if not text:
            self._fail(self.tr("Please choose where to save the ledger."))
            return
        path = Path(text)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_suffix(".xlsx" if self.xlsx.isChecked() else ".csv")
        entity = self.entity.currentData()
        dated = entity in DATED
        start: dt.date | None = filters.date_of(self.date_from) if dated else None
        end: dt.date | None = filters.date_of(self.date_to) if dated else None
        if start and end and end < start:
            self._fail(self.tr("The period ends before it starts."))
            return
        if path.is_file() and not self.confirm_overwrite(path):
            return
        store = self.ctx.store
        self.export_button.setEnabled(False)
        self.status.setText(self.tr("Exporting…"))
        self.ctx.tasks.run(
            lambda: ledgers.export_ledger(store, entity, grid_id, path, start, end),
            on_done=lambda rows: self._done(path, rows),
            on_error=self._failed,
        )

    def print_preview(self) -> QDialog:
        """打印: the chosen ledger on paper (landscape, header on every page, page numbers)."""
        from .printing import ledger_preview

        entity = self.entity.currentData()
        dated = entity in DATED
        start = filters.date_of(self.date_from) if dated else None
        end = filters.date_of(self.date_to) if dated else None
        dialog = ledger_preview(self.ctx, entity, self.grid.currentData(), start, end, self)
        self.preview = dialog
        dialog.open()
        return dialog

    def confirm_overwrite(self, path: Path) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Replace the file?"))
        box.setText(
            self.tr("%1 already exists. Replace it with this ledger?").replace("%1", path.name)
        )
        replace = box.addButton(self.tr("Replace"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        self.overwrite_box = box
        box.exec()
        self.overwrite_box = None
        return box.clickedButton() is replace

    def _done(self, path: Path, rows: int) -> None:
        self.ctx.settings.export_folder = str(path.parent)
        self.export_button.setEnabled(True)
        self.status.setText(self.tr("%n row(s) exported to %1", "", rows).replace("%1", str(path)))
        self.open_folder.show()
        self._last = path
        emit(self.exported, str(path), rows)

    def _failed(self, exc: BaseException) -> bool:
        self.export_button.setEnabled(True)
        self.status.setText("")
        message = getattr(exc, "message", None)
        if isinstance(exc, OSError):
            message = self.tr("The file could not be written (is it open in Excel?): %1").replace(
                "%1", exc.strerror or type(exc).__name__
            )
        if message is None:
            return False  # a defect: shown and logged by the task runner
        self._fail(message)
        return True

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._last.parent)))


# -- import ----------------------------------------------------------------------------------


def problems_model(parent: Any = None) -> RowsModel:
    severities = {
        "error": translate("Ledgers", "Not imported"),
        "warning": translate("Ledgers", "Corrected"),
        "info": translate("Ledgers", "Note"),
    }
    return RowsModel(
        [
            Column(translate("Ledgers", "Row"), lambda p: str(p["row"]) if p["row"] else ""),
            Column(translate("Ledgers", "Column"), lambda p: p["column"] or ""),
            Column(
                translate("Ledgers", "Result"),
                lambda p: severities.get(p["severity"], p["severity"]),
                foreground=lambda p: URGENT if p["severity"] == "error" else None,
            ),
            Column(
                translate("Ledgers", "Problem"),
                lambda p: p["message"],
                tooltip=lambda p: p["message"],
            ),
        ],
        foreground=lambda p: MUTED if p["severity"] == "info" else None,
        parent=parent,
    )


class ImportDialog(QDialog):
    """Choose a file and a grid; check the column mapping; read the report; import."""

    imported = Signal(dict)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.table: Table | None = None
        self.header_row = 1
        self.plan: ImportPlan | None = None
        self.setWindowTitle(self.tr("Import a household ledger"))
        self.resize(980, 720)
        self.path = QLineEdit()
        self.path.setPlaceholderText(self.tr("An Excel (.xlsx) or CSV file, one row per resident"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self.choose_file)
        self.grid = filters.grid_combo(ctx, everything=False)
        self.grid.currentIndexChanged.connect(self.replan)
        self.error = error_label()

        self.mapping = QTableWidget(0, 3)
        self.mapping.setObjectName("mappingTable")
        self.mapping.setHorizontalHeaderLabels(
            [self.tr("Column in the file"), self.tr("Imported as"), self.tr("First values")]
        )
        self.mapping.verticalHeader().hide()
        self.mapping.verticalHeader().setDefaultSectionSize(30)
        header = self.mapping.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.combos: list[QComboBox] = []

        self.summary = QLabel(self.tr("Choose a ledger file to begin."))
        self.summary.setWordWrap(True)
        self.summary.setObjectName("importSummary")
        self.errors_only = QCheckBox(self.tr("Only rows that will not be imported"))
        self.errors_only.toggled.connect(self._show_problems)
        self.problems = problems_model(self)
        self.problems_view = table_view(self.problems, stretch=3)
        self.progress = QProgressBar()
        self.progress.hide()

        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Ledger file"), where)
        form.addRow(self.tr("Into grid"), self.grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(self.tr("Close"))
        self.commit_button = buttons.addButton(
            self.tr("Import"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.commit_button.setObjectName("primary")
        self.commit_button.setEnabled(False)
        self.commit_button.clicked.connect(self.commit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(heading(self.tr("1. Columns"), name="sectionHeading"))
        layout.addWidget(self.mapping, 2)
        layout.addWidget(heading(self.tr("2. What will happen"), name="sectionHeading"))
        layout.addWidget(self.summary)
        layout.addWidget(self.errors_only)
        layout.addWidget(self.problems_view, 3)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        self.path.returnPressed.connect(lambda: self.load(Path(self.path.text().strip())))

    # -- the file ------------------------------------------------------------------------------

    def choose_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a household ledger"),
            str(documents_dir()),
            self.tr("Ledgers (*.xlsx *.xlsm *.csv);;All files (*)"),
        )
        if chosen:
            self.path.setText(chosen)
            self.load(Path(chosen))

    def load(self, path: Path) -> None:
        """Read the file (in the background) and show its columns."""
        self.error.hide()
        self.commit_button.setEnabled(False)
        self.summary.setText(self.tr("Reading %1…").replace("%1", path.name))
        self.ctx.tasks.run(lambda: read_table(path), on_done=self._loaded, on_error=self._failed)

    def _loaded(self, table: Table) -> None:
        self.table = table
        header = find_header_row(table)
        if header is None:
            self.table = None
            self.mapping.setRowCount(0)
            self._failed(
                LedgerError(
                    self.tr(
                        "No header row found: none of the first 15 rows names at least two "
                        "known columns (such as 地址, 姓名, 身份证号)."
                    )
                )
            )
            return
        self.header_row = header + 1
        self._fill_mapping(table, header)
        self.replan()

    def _fill_mapping(self, table: Table, header: int) -> None:
        headers = table.rows[header]
        guessed = guess_mapping(headers)
        body = table.rows[header + 1 :]
        samples = [
            [t for t in (cell_text(row[n]) for row in body[:12]) if t][:3]
            for n in range(len(headers))
        ]
        self.mapping.setRowCount(len(headers))
        self.combos = []
        for column, header_cell in enumerate(headers):
            item = QTableWidgetItem(cell_text(header_cell) or "")
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.mapping.setItem(column, 0, item)
            combo = QComboBox()
            combo.addItem(self.tr("(not imported)"), None)
            for target in (*HOUSEHOLD_TARGETS, *RESIDENT_TARGETS):
                combo.addItem(target_label(target), target)
            combo.setCurrentIndex(max(combo.findData(guessed.get(column)), 0))
            combo.currentIndexChanged.connect(self.replan)
            self.mapping.setCellWidget(column, 1, combo)
            self.combos.append(combo)
            values = QTableWidgetItem("  |  ".join(samples[column]))
            values.setFlags(values.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.mapping.setItem(column, 2, values)

    def current_mapping(self) -> dict[int, str]:
        return {n: c.currentData() for n, c in enumerate(self.combos) if c.currentData()}

    def set_target(self, column: int, target: str | None) -> None:
        combo = self.combos[column]
        combo.setCurrentIndex(max(combo.findData(target), 0))

    # -- the plan ------------------------------------------------------------------------------

    def replan(self, *_args: Any) -> None:
        if self.table is None:
            return
        grid_id = self.grid.currentData()
        if not grid_id:
            self.error.setText(self.tr("There is no grid to import into yet: sync first."))
            self.error.show()
            return
        table, mapping, store = self.table, self.current_mapping(), self.ctx.store
        header_row = self.header_row
        self.commit_button.setEnabled(False)

        def plan() -> ImportPlan:
            existing = ledgers.existing_data(store, grid_id)
            return plan_import(table, grid_id, existing, mapping, header_row=header_row)

        self.ctx.tasks.run(plan, on_done=self._planned, on_error=self._failed)

    def _planned(self, plan: ImportPlan) -> None:
        self.plan = plan
        counts = plan.counts()
        self.summary.setText(
            self.tr(
                "%1 row(s) read. To import: %2 new household(s), %3 new resident(s). "
                "Left out: %4 row(s) with errors; %5 row(s) skipped (blank, titles, or already "
                "imported)."
            )
            .replace("%1", str(counts.get("rows_read", 0)))
            .replace("%2", str(counts.get("new_households", 0)))
            .replace("%3", str(counts.get("new_residents", 0)))
            .replace("%4", str(counts.get("error_rows", 0)))
            .replace("%5", str(counts.get("skipped", 0)))
        )
        self._show_problems()
        self.commit_button.setEnabled(bool(plan.mutations()))

    def _show_problems(self, *_args: Any) -> None:
        if self.plan is None:
            return
        wanted = [
            p
            for p in self.plan.problems
            if not self.errors_only.isChecked() or p.severity == "error"
        ]
        self.problems.set_rows([asdict(p) for p in wanted])

    # -- commit --------------------------------------------------------------------------------

    def commit(self) -> None:
        if self.plan is None:
            return
        plan, store = self.plan, self.ctx.store
        self.commit_button.setEnabled(False)
        self.progress.setRange(0, max(1, len(plan.mutations())))
        self.progress.setValue(0)
        self.progress.show()
        self.ctx.tasks.run(
            lambda report: ledgers.commit_import(store, plan, report),
            progress=lambda done, total: self.progress.setValue(done),
            on_done=self._committed,
            on_error=self._failed,
        )

    def _committed(self, counts: dict[str, int]) -> None:
        self.progress.hide()
        self.summary.setText(
            self.tr(
                "Imported %1 household(s) and %2 resident(s). They reach the server at the "
                "next sync."
            )
            .replace("%1", str(counts.get("households", 0)))
            .replace("%2", str(counts.get("residents", 0)))
        )
        self.plan = None
        self.ctx.tasks.notify_changed()
        emit(self.imported, counts)

    def _failed(self, exc: BaseException) -> bool:
        self.progress.hide()
        message = getattr(exc, "message", None)
        if message is None:
            return False
        self.error.setText(message)
        self.error.show()
        self.summary.setText("")
        return True
