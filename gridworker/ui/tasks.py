"""The one way long work leaves the GUI thread, and the one "changed" signal views listen to.

``Tasks.run(fn)`` runs ``fn`` on a worker thread of a QThreadPool and hands its result or its
exception back on the GUI thread through queued signals: the worker never touches a widget.
Errors the user can act on (``SyncError``, ``ProtocolError``) become a plain Chinese message;
anything else goes to the log file with its traceback and the user gets a short notice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gridworker.client.http import SyncError
from gridworker.store.errors import StorageError
from sync.protocol.errors import ProtocolError

from .qtcompat import emit

log = logging.getLogger(__name__)

Progress = Callable[..., None]


class Task(QObject):
    """One piece of background work; its signals arrive on the GUI thread."""

    finished = Signal(object)
    failed = Signal(object)
    progress = Signal(object)

    def report(self, *args: Any) -> None:
        """Called from the worker: forwarded to the GUI thread as ``progress``."""
        emit(self.progress, args)


class _Runnable(QRunnable):
    def __init__(self, task: Task, fn: Callable[..., Any], with_progress: bool):
        super().__init__()
        self.setAutoDelete(True)
        self.task = task
        self.fn = fn
        self.with_progress = with_progress

    def run(self) -> None:
        try:
            result = self.fn(self.task.report) if self.with_progress else self.fn()
        except BaseException as exc:  # handed to the GUI thread, which decides what to show
            emit(self.task.failed, exc)
        else:
            emit(self.task.finished, result)


def user_message(exc: BaseException) -> str | None:
    """The Chinese message of an error the user can act on, or None for a defect.

    A full or read-only disk or a damaged database (``StorageError``) says so in its own
    words; its text never holds SQL or values.
    """
    if isinstance(exc, SyncError | ProtocolError | StorageError):
        return exc.message
    return None


class Tasks(QObject):
    """Runs background work and announces that data changed."""

    changed = Signal()
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._running: set[Task] = set()
        self.window: QWidget | None = None  # parent of message boxes

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def run(
        self,
        fn: Callable[..., Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], bool] | None = None,
        progress: Callable[..., None] | None = None,
        quiet: bool = False,
    ) -> Task:
        """Run ``fn`` off the GUI thread (``fn(report)`` when ``progress`` is given).

        ``on_error`` returns True when it dealt with the error; otherwise the error is shown
        (or, with ``quiet``, only logged).
        """
        task = Task(self)
        self._running.add(task)
        if progress is not None:
            task.progress.connect(lambda args: progress(*args))
        task.finished.connect(lambda result: self._finished(task, result, on_done))
        task.failed.connect(lambda exc: self._failed(task, exc, on_error, quiet))
        if len(self._running) == 1:
            emit(self.busy_changed, True)
        self.pool.start(_Runnable(task, fn, progress is not None))
        return task

    def _settle(self, task: Task) -> None:
        self._running.discard(task)
        task.deleteLater()
        if not self._running:
            emit(self.busy_changed, False)

    def _finished(self, task: Task, result: Any, on_done: Callable[[Any], None] | None) -> None:
        self._settle(task)
        if on_done is not None:
            on_done(result)

    def _failed(
        self,
        task: Task,
        exc: BaseException,
        on_error: Callable[[BaseException], bool] | None,
        quiet: bool,
    ) -> None:
        self._settle(task)
        if on_error is not None and on_error(exc):
            return
        if quiet:
            self.log_error(exc)
            return
        self.show_error(exc)

    def log_error(self, exc: BaseException) -> None:
        if user_message(exc) is None:
            log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
        else:
            log.info("error shown to the user: %s", getattr(exc, "code", type(exc).__name__))

    def show_error(self, exc: BaseException, parent: QWidget | None = None) -> QMessageBox:
        """Tell the user, in plain words; defects go to the log with their traceback."""
        self.log_error(exc)
        text = user_message(exc) or self.tr(
            "Something unexpected went wrong. The details were written to the log file."
        )
        return self.message(text, parent)

    def message(self, text: str, parent: QWidget | None = None) -> QMessageBox:
        """A non-blocking warning box (window-modal, so background work keeps running)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Gridworker"),
            text,
            QMessageBox.StandardButton.Ok,
            parent or self.window or QApplication.activeWindow(),
        )
        box.setObjectName("errorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def notify_changed(self) -> None:
        """Data changed (a local write or a sync): every view reloads what it shows."""
        emit(self.changed)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until all tasks are done (for tests and shutdown)."""
        return self.pool.waitForDone(msecs)
