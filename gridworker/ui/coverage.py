"""覆盖率: coverage of a period per grid and per worker; click a bar to list the households behind it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QCoreApplication, QDate, QMargins, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import coverage as cov
from gridworker.domain import queries

from . import filters, labels
from .context import AppContext
from .models import URGENT, Column, RowsModel
from .qtcompat import emit
from .widgets import heading, list_and_detail, table_view

Row = dict[str, Any]
translate = QCoreApplication.translate

VISITED, KEY = "visited", "key"
BLUE, RED, GREEN = QColor("#1565c0"), QColor("#c62828"), QColor("#2e7d32")


def month_range(today: dt.date, months_back: int = 0) -> tuple[dt.date, dt.date]:
    year, month = today.year, today.month - months_back
    while month < 1:
        year, month = year - 1, month + 12
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def behind_model(parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(
                translate("Lists", "Address"),
                lambda r: labels.short_address(r.get("address")),
                tooltip=lambda r: " ".join(
                    [r.get("address") or "", labels.tag_labels(r.get("tags"))]
                ),
            ),
            Column(
                translate("Lists", "Head"),
                lambda r: r.get("head_name") or "",
                tooltip=lambda r: labels.tag_labels(r.get("tags")),
            ),
            Column(
                translate("Lists", "Last visit"),
                lambda r: labels.local_date(r.get("last_visit")) or translate("Lists", "Never"),
            ),
            Column(
                translate("Lists", "Overdue since"),
                overdue_text,
                foreground=lambda r: URGENT if r.get("overdue_since") else None,
            ),
        ],
        parent=parent,
    )


def day_labels(days: list[dt.date], step: int) -> list[tuple[int, str]]:
    """(index, label) of every ``step``-th day: its number, or month-day where the number
    came before (labels must be unique)."""
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for n, day in enumerate(days):
        if n % step:
            continue
        text = str(day.day)
        if text in seen:
            text = f"{day.month}-{day.day}"
        seen.add(text)
        out.append((n, text))
    return out


def overdue_text(row: dict[str, Any]) -> str:
    """When the household became overdue and, when a visit came after that, the visit too: a
    household visited late still missed its due date ("09-17 起逾期，11-01 已走访")."""
    since = row.get("overdue_since") or ""
    visited = labels.local_date(row.get("last_visit")) if row.get("last_visit") else ""
    if since and visited and visited >= since:
        return (
            translate("Lists", "Overdue since %1, visited %2")
            .replace("%1", since[5:])
            .replace("%2", visited[5:])
        )
    return since


class Figure(QFrame):
    """One headline number with its caption; a click lists the households behind it."""

    clicked = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("figureCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.value = QLabel("—")
        self.value.setObjectName("figureValue")
        self.caption = QLabel(caption)
        self.caption.setObjectName("muted")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.setToolTip(detail)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            emit(self.clicked)
        super().mouseReleaseEvent(event)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


class CoverageChart(QChartView):
    """Horizontal bars per group: households visited and key households on time, in percent."""

    bar_clicked = Signal(str, int)  # VISITED or KEY, group index

    def __init__(self, title: str, parent: QWidget | None = None):
        chart = QChart()
        chart.setTitle(title)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(QMargins(4, 4, 4, 4))
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.groups: list[cov.Figures] = []
        self.sets: dict[str, QBarSet] = {}

    def show_figures(self, groups: list[cov.Figures]) -> None:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        self.groups = list(reversed(groups))  # the first group at the top
        visited = QBarSet(self.tr("Households visited %"))
        visited.setColor(BLUE)
        key = QBarSet(self.tr("Key households on time %"))
        key.setColor(RED)
        for bars in (visited, key):
            bars.setLabelColor(QColor("#1f2933"))
        for group in self.groups:
            visited.append(round(100 * group.visited_ratio, 1))
            key.append(round(100 * group.key_ratio, 1) if group.key_households else 0)
        self.sets = {VISITED: visited, KEY: key}
        visited.clicked.connect(lambda index: emit(self.bar_clicked, VISITED, index))
        key.clicked.connect(lambda index: emit(self.bar_clicked, KEY, index))
        series = QHorizontalBarSeries()
        series.append(visited)
        series.append(key)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value%")
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        chart.addSeries(series)
        names = QBarCategoryAxis()
        names.append([g.label for g in self.groups])
        chart.addAxis(names, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(names)
        values = QValueAxis()
        values.setRange(0, 115)
        values.setTickCount(6)
        values.setLabelFormat("%d")
        values.setTickType(QValueAxis.TickType.TicksDynamic)
        values.setTickInterval(20)
        values.setTickAnchor(0)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(values)
        self.setMinimumHeight(max(220, 90 + 46 * len(self.groups)))

    def group_at(self, index: int) -> cov.Figures | None:
        return self.groups[index] if 0 <= index < len(self.groups) else None


class DailyChart(QChartView):
    day_clicked = Signal(int)  # index into the days shown

    def __init__(self, parent: QWidget | None = None):
        chart = QChart()
        chart.setTitle(self.tr("Visits per day"))
        chart.legend().hide()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setMargins(QMargins(4, 4, 4, 4))
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(200)

    def show_days(self, days: list[tuple[dt.date, int]]) -> None:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        bars = QBarSet(self.tr("Visits"))
        bars.setColor(GREEN)
        bars.clicked.connect(lambda index: emit(self.day_clicked, index))
        for _day, count in days:
            bars.append(count)
        series = QBarSeries()
        series.append(bars)
        series.setBarWidth(0.7)
        chart.addSeries(series)
        # Day numbers on a value axis (bar n at x = n), one every ``step`` days, each at its
        # bar: a category axis gives every day a slot and cut two-digit numbers to "…" on a
        # 1366-pixel screen.
        step = 1 if len(days) <= 16 else 3 if len(days) <= 45 else 7
        axis = QCategoryAxis()
        axis.setRange(-0.5, len(days) - 0.5)
        axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        axis.setGridLineVisible(False)
        for n, label in day_labels([d for d, _c in days], step):
            axis.append(label, n)
        font = axis.labelsFont()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        axis.setLabelsFont(font)
        chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis)
        values = QValueAxis()
        values.setLabelFormat("%d")
        values.setRange(0, max([c for _d, c in days] + [4]) * 1.1)
        values.applyNiceNumbers()
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(values)


class CoveragePage(QWidget):
    open_household_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.report: cov.Coverage | None = None
        self.period = QComboBox()
        for text, key in (
            (self.tr("This month"), "this_month"),
            (self.tr("Last month"), "last_month"),
            (self.tr("Last 7 days"), "7"),
            (self.tr("Last 30 days"), "30"),
            (self.tr("Chosen dates"), "custom"),
        ):
            self.period.addItem(text, key)
        # The last 30 days, not 本月: on the 2nd of a month, 本月 is nearly empty.
        self.period.setCurrentIndex(self.period.findData("30"))
        self.date_from = filters.date_edit()
        self.date_to = filters.date_edit()
        self.grid = filters.grid_combo(ctx)
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.reload)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.date_from.dateChanged.connect(self._dates_edited)
        self.date_to.dateChanged.connect(self._dates_edited)
        self.grid.currentIndexChanged.connect(self.reload)

        self.visited = Figure(self.tr("Households visited"))
        self.key = Figure(self.tr("Key households visited in time"))
        self.visits = Figure(self.tr("Visits"))
        self.missed = Figure(self.tr("Key households overdue"))
        self.missed.value.setProperty("alert", True)

        self.grid_chart = CoverageChart(self.tr("By grid"))
        self.worker_chart = CoverageChart(self.tr("By worker"))
        self.daily_chart = DailyChart()
        self.visited.clicked.connect(lambda: self._show_total(VISITED))
        self.key.clicked.connect(lambda: self._show_total(KEY))
        self.missed.clicked.connect(lambda: self._show_total(KEY))
        self.daily_chart.day_clicked.connect(self.show_day)
        self.grid_chart.bar_clicked.connect(
            lambda which, index: self.show_behind(self.grid_chart.group_at(index), which)
        )
        self.worker_chart.bar_clicked.connect(
            lambda which, index: self.show_behind(self.worker_chart.group_at(index), which)
        )

        self.behind_title = heading(
            self.tr("Click a bar to list the households behind it."), name="sectionHeading"
        )
        self.behind = behind_model(self)
        self.behind_view = table_view(self.behind, stretch=0)
        self.behind_view.doubleClicked.connect(self._open_household)
        self.behind_hint = QLabel(self.tr("Double-click a household to open it."))
        self.behind_hint.setObjectName("muted")

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Period")))
        bar.addWidget(self.period)
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("—"))
        bar.addWidget(self.date_to)
        bar.addSpacing(12)
        bar.addWidget(QLabel(self.tr("Grid")))
        bar.addWidget(self.grid)
        bar.addStretch(1)
        bar.addWidget(refresh)
        cards = QHBoxLayout()
        for card in (self.visited, self.key, self.visits, self.missed):
            cards.addWidget(card, 1)

        charts = QWidget()
        grid = QGridLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.grid_chart, 0, 0)
        grid.addWidget(self.worker_chart, 0, 1)
        grid.addWidget(self.daily_chart, 1, 0, 1, 2)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(4, 0, 0, 0)
        side_layout.addWidget(self.behind_title)
        side_layout.addWidget(self.behind_view, 1)
        side_layout.addWidget(self.behind_hint)
        self.splitter = list_and_detail("coverageSplitter", charts, side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addLayout(cards)
        layout.addWidget(self.splitter, 1)
        ctx.session_replaced.connect(lambda: filters.fill_grids(ctx, self.grid))
        ctx.tasks.changed.connect(self._data_changed)
        self._loaded = False
        self._stale = False
        self._asked = 0
        self._period_changed()

    def _data_changed(self) -> None:
        if self.isVisible():
            self.reload()
        else:
            self._stale = True  # computed again when the page is shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload()

    # -- the period ----------------------------------------------------------------------------

    def _period_changed(self) -> None:
        key = self.period.currentData()
        today = labels.today_local()
        if key == "custom":
            return
        if key == "this_month":
            start, end = month_range(today)
        elif key == "last_month":
            start, end = month_range(today, 1)
        else:
            start, end = today - dt.timedelta(days=int(key) - 1), today
        for edit, day in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.reload()

    def _dates_edited(self) -> None:
        self.period.blockSignals(True)
        self.period.setCurrentIndex(self.period.findData("custom"))
        self.period.blockSignals(False)
        self.reload()

    def set_period(self, start: dt.date, end: dt.date) -> None:
        for edit, day in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self._dates_edited()

    # -- figures -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Compute in the background (a month of a large community takes a moment)."""
        start = filters.date_of(self.date_from) or labels.today_local()
        end = filters.date_of(self.date_to) or start
        grid_id = self.grid.currentData()
        store = self.ctx.store
        self._asked += 1
        asked = self._asked
        self.ctx.tasks.run(
            lambda: cov.coverage(store, start, end, grid_id=grid_id),
            on_done=lambda report: self._computed(report, asked),
        )

    def _computed(self, report: cov.Coverage, asked: int) -> None:
        # Computations may finish out of order: only the last one asked for is shown.
        if asked == self._asked:
            self.show_report(report)

    def show_report(self, report: cov.Coverage) -> None:
        self.report = report
        total = report.total
        self.visited.set(
            percent(total.visited, total.households),
            self.tr("%1 of %2 households")
            .replace("%1", str(total.visited))
            .replace("%2", str(total.households)),
        )
        self.visited.caption.setText(
            self.tr("Households visited (%1 / %2)")
            .replace("%1", str(total.visited))
            .replace("%2", str(total.households))
        )
        self.key.set(percent(total.key_on_time, total.key_households))
        self.key.caption.setText(
            self.tr("Key households visited in time (%1 / %2)")
            .replace("%1", str(total.key_on_time))
            .replace("%2", str(total.key_households))
        )
        self.visits.set(str(total.visits))
        self.missed.set(str(len(total.missed)))
        self.grid_chart.show_figures(report.grids)
        self.worker_chart.show_figures(report.workers)
        self.daily_chart.show_days(report.per_day)
        if not self._loaded or self._behind is None:
            self._loaded = True
            self.show_behind(total, KEY)
        else:
            self._refresh_behind()

    _behind: tuple[str, str] | None = None  # (group key, which)

    def show_behind(self, group: cov.Figures | None, which: str) -> list[str]:
        """List the households behind a figure: not visited, or key households overdue."""
        if group is None:
            return []
        self._behind = (group.key, which)
        if which == KEY:
            ids = list(group.missed)
            title = self.tr("%1: %n key household(s) overdue", "", len(ids))
        else:
            ids = list(group.unvisited_ids)
            title = self.tr("%1: %n household(s) not visited", "", len(ids))
        self.behind_title.setText(title.replace("%1", group.label))
        rows = queries.households_by_id(self.ctx.store, ids)
        listed = []
        for hid in ids:
            row = rows.get(hid)
            if row is not None:
                listed.append({**row, "overdue_since": group.missed.get(hid)})
        listed.sort(key=lambda r: (r["overdue_since"] or "9999", r["address"] or ""))
        self.behind.set_rows(listed)
        return [r["id"] for r in listed]

    def _show_total(self, which: str) -> None:
        if self.report is not None:
            self.show_behind(self.report.total, which)

    def show_day(self, index: int) -> list[str]:
        """The households visited on a day of the visits-per-day chart."""
        if self.report is None or not 0 <= index < len(self.report.per_day):
            return []
        day = self.report.per_day[index][0]
        ids = self.report.visited_on.get(day, [])
        self._behind = None
        self.behind_title.setText(
            self.tr("%1: %n household(s) visited", "", len(ids)).replace("%1", day.isoformat())
        )
        rows = queries.households_by_id(self.ctx.store, ids)
        listed = [{**rows[h], "overdue_since": None} for h in ids if h in rows]
        listed.sort(key=lambda r: r["address"] or "")
        self.behind.set_rows(listed)
        return [r["id"] for r in listed]

    def _refresh_behind(self) -> None:
        if self.report is None or self._behind is None:
            return
        key, which = self._behind
        groups = [self.report.total, *self.report.grids, *self.report.workers]
        group = next((g for g in groups if g.key == key), self.report.total)
        self.show_behind(group, which)

    def listed_ids(self) -> list[str]:
        return [r["id"] for r in self.behind.rows()]

    def _open_household(self, index: QModelIndex) -> None:
        row = self.behind.row_at(index.row())
        if row:
            emit(self.open_household_requested, row["id"])
