"""Sync: now (F5), every N minutes, again soon after the network returns; and what the status
bar says about it (online / offline / syncing, last sync, unsent records)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from gridworker.client.engine import SyncReport
from gridworker.client.http import AuthRequired, DeviceRevoked, Offline, ServerError
from gridworker.client.probe import server_reachable
from gridworker.domain import campaigns, queries

from . import labels
from .context import AppContext
from .qtcompat import emit

log = logging.getLogger(__name__)

PROBE_SECONDS = 45


class SyncController(QObject):
    started = Signal()
    finished = Signal(object)  # SyncReport
    failed = Signal(object)  # the exception
    progress = Signal(int)  # rows downloaded so far
    state_changed = Signal()
    notice = Signal(int, int)  # new conflicts, new or refused rejections
    login_needed = Signal()
    wipe_ordered = Signal()  # revoked with --wipe: the window deletes the data (lock_screen)

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.running = False
        self.online: bool = ctx.session.online
        self.first_download = False
        self.stopped = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(lambda: self.sync_now(automatic=True))
        self._network = _watch_network(self._network_changed)
        # Between syncs, a health probe keeps 在线/离线 true to the server's state.
        self.probe_timer = QTimer(self)
        self.probe_timer.setInterval(PROBE_SECONDS * 1000)
        self.probe_timer.timeout.connect(self.probe)
        self.probing = False
        self.probe_timer.start()

    # -- when ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Sync once now, then on the timer."""
        self.stopped = False
        self.sync_now(automatic=True)

    def stop(self) -> None:
        self.stopped = True
        self.timer.stop()

    def stop_probe(self) -> None:
        self.probe_timer.stop()

    def probe(self) -> bool:
        """Ask the server's health off the GUI thread; False when a probe or sync runs."""
        if self.probing or self.running:
            return False
        self.probing = True
        api = self.ctx.session.api
        self.ctx.tasks.run(
            lambda: server_reachable(api),
            on_done=self._probed,
            on_error=self._probe_failed,
            quiet=True,
        )
        return True

    def _probed(self, reachable: bool) -> None:
        self.probing = False
        if self.running or reachable == self.online:
            return
        was_offline = not self.online
        self.online = reachable
        emit(self.state_changed)
        if was_offline and reachable and not self.stopped:
            self.sync_now(automatic=True)  # the server is back: send what waits

    def _probe_failed(self, _exc: BaseException) -> bool:
        self.probing = False
        return False  # a defect: logged by the task runner

    def schedule(self) -> None:
        if self.stopped:
            return
        backoff = self.ctx.session.syncer.backoff_seconds()
        # Every minute while an emergency campaign is active (平急转换), else as set.
        interval = campaigns.sync_interval(self.ctx.store, self.ctx.settings.sync_minutes * 60)
        # After a failure, try sooner (5 s, 10 s, …) so a returning network is noticed soon.
        seconds = min(backoff, interval) if backoff else interval
        self.timer.start(int(seconds * 1000))

    def _network_changed(self, reachable: bool) -> None:
        if reachable and not self.online and not self.running:
            self.sync_now(automatic=True)

    # -- the run ---------------------------------------------------------------------------------

    def sync_now(self, automatic: bool = False) -> bool:
        """Start a sync off the GUI thread; False when one is already running."""
        if self.running or self.ctx.store.get_meta("locked"):
            return False
        self.running = True
        self.timer.stop()
        self.first_download = any(g["cursor"] == 0 for g in queries.grids(self.ctx.store))
        syncer = self.ctx.session.syncer
        emit(self.started)
        emit(self.state_changed)
        self.ctx.tasks.run(
            lambda report: syncer.sync(report),
            progress=self._progress,
            on_done=self._done,
            on_error=lambda exc: self._failed(exc, automatic),
            quiet=automatic,
        )
        return True

    def _progress(self, stage: str, done: int, _total: int) -> None:
        if stage == "pull":
            emit(self.progress, done)

    def _done(self, report: SyncReport) -> None:
        self.running = False
        self.online = True
        self.first_download = False
        log.info(
            "sync: pushed %d, pulled %d, conflicts %d, rejected %d in %.2fs",
            report.pushed,
            report.pulled,
            report.conflicts,
            report.rejected,
            report.seconds,
        )
        self.ctx.tasks.notify_changed()
        emit(self.finished, report)
        emit(self.state_changed)
        conflicts = report.new_conflicts
        rejections = max(report.new_rejections, report.rejected)
        if conflicts or rejections:
            emit(self.notice, conflicts, rejections)
        self.schedule()

    def _failed(self, exc: BaseException, automatic: bool) -> bool:
        self.running = False
        self.first_download = False
        handled = False
        if isinstance(exc, Offline | ServerError):
            self.online = False
            handled = automatic  # a manual sync says why it could not reach the server
        elif isinstance(exc, AuthRequired):
            self.online = False
            emit(self.login_needed)
            handled = True
        elif isinstance(exc, DeviceRevoked):
            self.stop()
            handled = exc.wipe  # no message box: the login screen says it
        self.ctx.tasks.notify_changed()  # a rejected change may have been undone locally
        emit(self.failed, exc)
        emit(self.state_changed)
        self.schedule()
        if isinstance(exc, DeviceRevoked) and exc.wipe:
            emit(self.wipe_ordered)  # last: the window then deletes what it shows
        return handled


def _watch_network(callback: Any) -> Any:
    """Qt's view of reachability, where the platform has a backend for it (else None)."""
    try:
        from PySide6.QtNetwork import QNetworkInformation
    except ImportError:
        return None
    if not QNetworkInformation.loadDefaultBackend():
        return None
    info = QNetworkInformation.instance()
    if info is None:
        return None
    info.reachabilityChanged.connect(
        lambda r: callback(r == QNetworkInformation.Reachability.Online)
    )
    return info


class SyncIndicator(QWidget):
    """The status-bar corner: a coloured dot, the state, last sync, unsent count, progress."""

    def __init__(self, ctx: AppContext, controller: SyncController, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller
        self.dot = QLabel("●")
        self.dot.setObjectName("syncDot")
        self.state = QLabel()
        self.state.setObjectName("syncState")
        self.last = QLabel()
        self.unsent = QLabel()
        self.unsent.setObjectName("unsent")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # the server does not say how much is coming: a busy bar
        self.bar.setFixedWidth(140)
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.downloaded = QLabel()
        self.downloaded.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(8)
        for widget in (self.bar, self.downloaded, self.dot, self.state, self.last, self.unsent):
            layout.addWidget(widget)
        controller.state_changed.connect(self.refresh)
        controller.progress.connect(self._downloaded)
        ctx.tasks.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        status = queries.status(self.ctx.store)
        if status["locked"]:
            state, colour = self.tr("Locked"), "#c62828"
        elif self.controller.running:
            state, colour = self.tr("Syncing…"), "#1565c0"
        elif self.controller.online:
            state, colour = self.tr("Online"), "#2e7d32"
        else:
            state, colour = self.tr("Offline"), "#9e9e9e"
        self.dot.setStyleSheet(f"color: {colour};")
        self.state.setText(state)
        last = labels.local_time(status["last_sync_at"]) if status["last_sync_at"] else ""
        self.last.setText(
            self.tr("Last sync %1").replace("%1", last[5:]) if last else self.tr("Never synced")
        )
        self.last.setToolTip(last)
        self.unsent.setText(self.tr("Unsent: %1").replace("%1", str(status["pending"])))
        self.unsent.setProperty("pending", status["pending"] > 0)
        self.unsent.style().unpolish(self.unsent)
        self.unsent.style().polish(self.unsent)
        self.pending = status["pending"]
        busy = self.controller.running and self.controller.first_download
        self.bar.setVisible(busy)
        self.downloaded.setVisible(busy)
        if busy:
            self.downloaded.setText(self.tr("First download…"))

    def _downloaded(self, rows: int) -> None:
        self.downloaded.setText(self.tr("Downloaded %1 records").replace("%1", str(rows)))
