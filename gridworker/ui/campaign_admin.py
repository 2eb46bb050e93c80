"""任务 (supervisors): create and publish a campaign, follow it live — by grid and by worker,
in charts — with the households that need help at the top of the list; close it; export the
results to Excel. The figures are this laptop's copy, refreshed after every sync (every
minute while an emergency campaign is active).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QCoreApplication, QMargins, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import campaigns as camp
from sync.campaign_results import NOT_REACHED
from sync.protocol.errors import ProtocolError

from . import labels
from .campaign_dialog import CampaignDialog
from .context import AppContext
from .models import MUTED, URGENT, Column, RowsModel
from .qtcompat import emit
from .widgets import table_view

Row = dict[str, Any]
translate = QCoreApplication.translate

# Outcome colours: safe green, needs help red, others amber/blue; not answered grey.
COLOURS = {"safe": "#2e7d32", "needs_help": "#c62828", "unreachable": "#f9a825"}
OTHER_COLOURS = ["#1565c0", "#6a1b9a", "#00838f", "#4e342e"]
NOT_ANSWERED_COLOUR = "#bdbdbd"


def results_model(parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(translate("Campaigns", "State"), lambda r: r["outcome_label"]),
            Column(translate("Campaigns", "Grid"), lambda r: r.get("grid_name") or r["grid_id"]),
            Column(translate("Campaigns", "Address"), lambda r: labels.short_address(r["address"])),
            Column(translate("Campaigns", "Head of household"), lambda r: r["head_name"] or ""),
            Column(translate("Campaigns", "Phone"), lambda r: r["phone"] or ""),
            Column(
                translate("Campaigns", "Answered at"),
                lambda r: labels.local_time(r["responded_at"]) if r["responded_at"] else "",
            ),
        ],
        foreground=lambda r: (
            URGENT if r["outcome"] == "needs_help" else MUTED if r["outcome"] is None else None
        ),
        bold=lambda r: r["outcome"] == "needs_help",
        parent=parent,
    )


class _Chart(QChartView):
    def __init__(self, title: str, parent: QWidget | None = None):
        chart = QChart()
        chart.setTitle(title)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(QMargins(4, 4, 4, 4))
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(160)
        self.categories: list[str] = []
        self.sets: dict[str, QBarSet] = {}

    def _reset(self) -> QChart:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        self.sets = {}
        return chart

    def _axes(self, series: Any, categories: list[str], top: float) -> None:
        chart = self.chart()
        names = QBarCategoryAxis()
        names.append(categories)
        chart.addAxis(names, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(names)
        values = QValueAxis()
        values.setLabelFormat("%d")
        values.setRange(0, max(top, 4) * 1.15)
        values.applyNiceNumbers()
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(values)
        self.categories = categories
        self.setMinimumHeight(max(160, 80 + 36 * len(categories)))


class GridChart(_Chart):
    """Per grid, households by latest outcome, stacked, with those not answered yet."""

    def show_progress(self, figures: Row) -> None:
        chart = self._reset()
        grids = list(reversed(figures["by_grid"]))  # the first grid at the top
        series = QHorizontalStackedBarSeries()
        extra = iter(OTHER_COLOURS)
        for code, label in figures["outcome_labels"].items():
            bars = QBarSet(label)
            bars.setColor(QColor(COLOURS.get(code) or next(extra, "#455a64")))
            for grid in grids:
                bars.append(grid["by_outcome"].get(code, 0))
            series.append(bars)
            self.sets[code] = bars
        waiting = QBarSet(self.tr("Not answered yet"))
        waiting.setColor(QColor(NOT_ANSWERED_COLOUR))
        for grid in grids:
            waiting.append(grid["not_reached"])
        series.append(waiting)
        self.sets[""] = waiting
        chart.addSeries(series)
        top = max([g["targets"] for g in grids] + [0])
        self._axes(series, [g["name"] for g in grids], top)


class WorkerChart(_Chart):
    """Per worker, the responses given (a household answered twice counts twice)."""

    def show_progress(self, figures: Row) -> None:
        chart = self._reset()
        workers = list(reversed(figures["by_worker"]))
        bars = QBarSet(self.tr("Responses"))
        bars.setColor(QColor("#1565c0"))
        for worker in workers:
            bars.append(worker["responses"])
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        chart.addSeries(series)
        self.sets["responses"] = bars
        top = max([w["responses"] for w in workers] + [0])
        self._axes(series, [w["name"] or self.tr("(unknown)") for w in workers] or [""], float(top))


class CampaignAdminPage(QWidget):
    """The 任务 tab of a supervisor."""

    open_household_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.all: list[camp.Campaign] = []
        self.figures: Row | None = None
        self.picker = QComboBox()
        self.picker.setMinimumWidth(320)
        self.picker.currentIndexChanged.connect(lambda _i: self.show_campaign())
        self.new_button = QPushButton(self.tr("New campaign…"))
        self.new_button.setObjectName("primary")
        self.new_button.clicked.connect(self.new_campaign)
        self.publish_button = QPushButton(self.tr("Publish"))
        self.publish_button.clicked.connect(self.publish)
        self.close_button = QPushButton(self.tr("Close the campaign"))
        self.close_button.clicked.connect(self.close_campaign)
        self.export_button = QPushButton(self.tr("Export the results…"))
        self.export_button.clicked.connect(self._choose_export)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Campaign")))
        bar.addWidget(self.picker, 1)
        for button in (self.publish_button, self.close_button, self.export_button):
            bar.addWidget(button)
        bar.addWidget(self.new_button)
        self.summary = QLabel()
        self.summary.setObjectName("sectionHeading")
        self.summary.setWordWrap(True)
        self.grid_chart = GridChart(self.tr("By grid (households)"))
        self.worker_chart = WorkerChart(self.tr("By worker (responses)"))
        charts = QWidget()
        chart_column = QVBoxLayout(charts)
        chart_column.setContentsMargins(0, 0, 0, 0)
        chart_column.addWidget(self.grid_chart, 1)
        chart_column.addWidget(self.worker_chart, 1)
        self.results = results_model(self)
        self.table = table_view(self.results, stretch=2)
        self.table.activated.connect(self._open)
        listing = QWidget()
        list_column = QVBoxLayout(listing)
        list_column.setContentsMargins(0, 0, 0, 0)
        self.list_heading = QLabel(self.tr("Households, those needing help first"))
        self.list_heading.setObjectName("sectionHeading")
        list_column.addWidget(self.list_heading)
        list_column.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(charts)
        self.splitter.addWidget(listing)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([600, 760])  # the charts' legends whole on a 1366 screen
        self.empty = QLabel(self.tr("No campaign yet. Create one with 'New campaign…'."))
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.splitter, 1)
        self._stale = False
        ctx.tasks.changed.connect(self._data_changed)
        self.reload()

    def count(self) -> int:
        """Active campaigns (the tab's number)."""
        if self._stale:
            return len(camp.active_campaigns(self.ctx.store))
        return sum(1 for c in self.all if c.status == "active")

    def _data_changed(self) -> None:
        # A 20,000-household sweep takes a second or two to tally: only while it is looked at.
        if self.isVisible():
            self.reload()
        else:
            self._stale = True  # computed again when the page is shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        self._stale = False
        keep = self.current_id()
        self.all = camp.campaigns(self.ctx.store, ("draft", "active", "closed"))
        # Active first, then drafts, then closed; nearest deadline first in each.
        rank = {"active": 0, "draft": 1, "closed": 2}
        self.all.sort(key=lambda c: (rank.get(c.status, 3), c.deadline, c.title))
        self.picker.blockSignals(True)
        self.picker.clear()
        for c in self.all:
            self.picker.addItem(f"{c.title}（{c.kind_label} · {c.status_label}）", c.campaign_id)
        index = self.picker.findData(keep) if keep else 0
        self.picker.setCurrentIndex(max(index, 0))
        self.picker.blockSignals(False)
        self.show_campaign()

    def current_id(self) -> str | None:
        data = self.picker.currentData()
        return str(data) if data else None

    def current(self) -> camp.Campaign | None:
        wanted = self.current_id()
        return next((c for c in self.all if c.campaign_id == wanted), None)

    def show_campaign(self) -> None:
        found = self.current()
        self.empty.setVisible(found is None)
        self.splitter.setVisible(found is not None)
        self.publish_button.setEnabled(found is not None and found.status == "draft")
        self.close_button.setEnabled(found is not None and found.status != "closed")
        self.export_button.setEnabled(found is not None)
        if found is None:
            self.figures = None
            self.summary.clear()
            self.results.set_rows([])
            return
        figures = camp.progress(self.ctx.store, found.campaign_id)
        self.figures = figures
        parts = [
            self.tr("Deadline %1").replace("%1", labels.local_time(found.deadline)),
            self.tr("%1 of %2 households answered")
            .replace("%1", str(figures["answered"]))
            .replace("%2", str(figures["targets"])),
        ]
        parts += [
            f"{figures['outcome_labels'][code]} {n}" for code, n in figures["by_outcome"].items()
        ]
        parts.append(f"{NOT_REACHED} {figures['not_reached']}")
        if not found.synced:
            parts.append(self.tr("not yet sent to the server"))
        self.summary.setText(" · ".join(parts))
        self.grid_chart.show_progress(figures)
        self.worker_chart.show_progress(figures)
        names = {g["grid_id"]: g["name"] for g in figures["by_grid"]}
        rows = camp.needs_help_first(self.ctx.store, found.campaign_id)
        self.results.set_rows(
            [{**r, "id": r["household_id"], "grid_name": names.get(r["grid_id"])} for r in rows]
        )

    # -- actions -------------------------------------------------------------------------------

    def new_campaign(self) -> CampaignDialog:
        dialog = CampaignDialog(self.ctx, self)
        dialog.created.connect(self._created)
        dialog.open()
        return dialog

    def _created(self, campaign_id: str) -> None:
        self.reload()
        index = self.picker.findData(campaign_id)
        if index >= 0:
            self.picker.setCurrentIndex(index)
        self._sync()

    def publish(self) -> None:
        found = self.current()
        if found is None:
            return
        self._apply(camp.publish, found.campaign_id)

    def close_campaign(self) -> None:
        found = self.current()
        if found is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Close the campaign"),
            self.tr("Close “%1”? Workers can no longer answer it.").replace("%1", found.title),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.accepted.connect(lambda: self._apply(camp.close, found.campaign_id))
        box.open()
        self.close_box = box

    def _apply(self, action: Any, campaign_id: str) -> bool:
        try:
            action(self.ctx.store, campaign_id)
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return False
        self.ctx.tasks.notify_changed()
        self._sync()
        return True

    def _sync(self) -> None:
        window = self.window()
        if hasattr(window, "sync_now"):
            window.sync_now()  # the publication goes out at once when online

    def _choose_export(self) -> None:
        found = self.current()
        if found is None:
            return
        folder = Path(self.ctx.settings.export_folder or Path.home())
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Export the results"),
            str(folder / f"{found.title}.xlsx"),
            self.tr("Excel workbooks (*.xlsx)"),
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> int:
        found = self.current()
        if found is None:
            return 0
        written = camp.export_results(self.ctx.store, found.campaign_id, path)
        window = self.window()
        if hasattr(window, "show_status"):
            window.show_status(
                self.tr("%n row(s) exported to %1", "", written).replace("%1", path.name), 8000
            )
        return written

    def _open(self, index: Any) -> None:
        row = self.results.row_at(index.row())
        if row is not None:
            emit(self.open_household_requested, row["household_id"])
