"""The idle lock: after a while without keyboard or mouse input the app hides every window's
data and asks for the password again; 退出登录 returns to the login screen.

What locking does to the main window: its central content is taken out (not covered: a
screenshot or an accessibility tool sees nothing of it) and the lock screen put in its place;
the menus, toolbars and every shortcut are off; every other window of the app (open dialogs,
the photo viewer, message boxes) is hidden, and shown again as it was after the unlock. The
status bar stays (the sync state, the user's name, no residents' data): background sync goes
on while locked. The rules (when, which password) are Qt-free in ``gridworker.client.lock``.

Activity is seen by an application-wide event filter: it only notes the time (a float), the
timer looks at it when it fires, so that the filter costs next to nothing per event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QToolBar,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from gridworker.client import wipe
from gridworker.client.lock import (
    DEFAULT_IDLE_MINUTES,
    IDLE_MINUTES_CHOICES,
    IdlePolicy,
    TryLater,
    check_password,
)

from . import labels
from .qtcompat import emit
from .widgets import heading

log = logging.getLogger(__name__)

IDLE_SETTING = "security/idle_lock_minutes"

# The input that counts as someone at the laptop.
ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
    }
)


def idle_minutes(settings: Any) -> int:
    """The idle time before the lock, from the app's settings (``AppSettings``' QSettings)."""
    try:
        minutes = int(settings.q.value(IDLE_SETTING, DEFAULT_IDLE_MINUTES))
    except (TypeError, ValueError):
        return DEFAULT_IDLE_MINUTES
    return minutes if minutes in IDLE_MINUTES_CHOICES else DEFAULT_IDLE_MINUTES


def set_idle_minutes(settings: Any, minutes: int) -> None:
    settings.q.setValue(IDLE_SETTING, int(minutes))


class ActivityFilter(QObject):
    """Installed on the application: calls ``on_activity`` for keyboard and mouse input."""

    def __init__(self, on_activity: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self.on_activity = on_activity

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self.on_activity()
        return False


class LockScreen(QWidget):
    """已锁定 · 请输入密码解锁: the user's name, the password, 解锁 and 退出登录."""

    unlock_requested = Signal(str)
    sign_out_requested = Signal()

    def __init__(self, user: dict[str, Any], minutes: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lockScreen")
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(460)
        title = heading(self.tr("Locked · enter your password to unlock"), name="loginHeading")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        role = labels.code_label("role", user.get("role"))
        self.user = QLabel(f"{user.get('display_name') or user.get('username', '')}（{role}）")
        self.user.setObjectName("lockUser")
        self.user.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Password"))
        self.password.returnPressed.connect(self._unlock)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._unlock)
        self.sign_out_button = QPushButton(self.tr("Log out"))
        self.sign_out_button.clicked.connect(lambda: emit(self.sign_out_requested))
        note = QLabel(
            self.tr(
                "To protect residents' information the app locks after %n minute(s) without "
                "use. Syncing goes on in the background.",
                "",
                minutes,
            )
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(12)
        inner.addWidget(title)
        inner.addWidget(self.user)
        inner.addWidget(self.password)
        inner.addWidget(self.error)
        inner.addLayout(buttons)
        inner.addWidget(note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def _unlock(self) -> None:
        emit(self.unlock_requested, self.password.text())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.password.selectAll()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)


class IdleLock(QObject):
    """Locks ``window`` (a ``MainWindow``) after the idle time set in the settings."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        window: QMainWindow,
        ctx: Any,
        *,
        clock: Callable[[], float] = time.monotonic,
        attempts_clock: Callable[[], float] | None = None,
    ):
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.attempts_clock = attempts_clock
        self.policy = IdlePolicy.minutes(idle_minutes(ctx.settings), clock)
        self.screen: LockScreen | None = None
        self._content: QWidget | None = None
        self._hidden: list[QWidget] = []
        self._bars: list[QWidget] = []
        self._actions: list[tuple[QAction, bool]] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.check)
        self.filter = ActivityFilter(self._activity, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.filter)
            # Where the platform says the app is suspended (mobile-like platforms): lock now.
            if isinstance(app, QGuiApplication):
                app.applicationStateChanged.connect(self._state_changed)
        self.schedule()

    @property
    def is_locked(self) -> bool:
        return self.screen is not None

    # -- when ------------------------------------------------------------------------------------

    def _activity(self) -> None:
        if self.screen is None:
            self.policy.touch()

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationSuspended:
            self.lock()

    def apply_settings(self) -> None:
        """The idle time was changed in the settings dialog."""
        self.policy.timeout = idle_minutes(self.ctx.settings) * 60.0
        self.schedule()

    def schedule(self) -> None:
        remaining = self.policy.remaining()
        if remaining == float("inf") or self.screen is not None:
            self.timer.stop()
            return
        # Looked at again when due; activity meanwhile only moved the due time later.
        self.timer.start(int(min(remaining, 24 * 3600) * 1000) + 50)

    def check(self) -> bool:
        """Lock if the idle time has passed (else wait for the rest); True when locked."""
        if self.screen is None and self.policy.should_lock():
            self.lock()
        elif self.screen is None:
            self.schedule()
        return self.screen is not None

    def stop(self) -> None:
        """The window closes: no more timer, no more filtering of every event."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.filter)

    # -- locking ---------------------------------------------------------------------------------

    def lock(self) -> None:
        if self.screen is not None:
            return
        window = self.window
        QToolTip.hideText()
        self._hidden = [
            w
            for w in QApplication.topLevelWidgets()
            if w is not window and w.isWindow() and w.isVisible()
        ]
        for widget in self._hidden:
            widget.hide()
        self._actions = [(a, a.isEnabled()) for a in window.findChildren(QAction)]
        for action, _enabled in self._actions:
            action.setEnabled(False)
        self._bars = [
            bar
            for bar in (
                window.menuBar(),
                *window.findChildren(QToolBar),
                *window.findChildren(QDockWidget),
            )
            if bar.isVisible()
        ]
        for bar in self._bars:
            bar.hide()
        self._content = window.takeCentralWidget()
        self.screen = LockScreen(self.ctx.user, round(self.policy.timeout / 60))
        self.screen.unlock_requested.connect(self.try_unlock)
        self.screen.sign_out_requested.connect(self._sign_out)
        window.setCentralWidget(self.screen)
        self.screen.show()  # now, not at the next turn of the event loop
        self.screen.password.setFocus(Qt.FocusReason.OtherFocusReason)
        self.timer.stop()
        log.info("idle lock: locked")
        emit(self.locked)

    def try_unlock(self, password: str) -> bool:
        """Check the password (slowed after wrong ones); unlock when right."""
        if self.screen is None:
            return True
        from gridworker.client.attempts import Attempts

        clock = self.attempts_clock
        attempts = Attempts(self.ctx.session.profile, *((clock,) if clock else ()))
        try:
            ok = check_password(self.ctx.session, password, attempts)
        except TryLater as exc:
            self.screen.show_error(exc.message)
            return False
        if not ok:
            wait = attempts.wait_seconds()
            if wait > 0:
                from gridworker.client.attempts import wait_message

                self.screen.show_error(wait_message(wait))
            else:
                self.screen.show_error(self.tr("Wrong password"))
            return False
        self.unlock()
        return True

    def unlock(self) -> None:
        """Put the window back as it was (after the right password, or on sign-out)."""
        screen, self.screen = self.screen, None
        if screen is None:
            return
        window = self.window
        window.takeCentralWidget()
        screen.deleteLater()
        if self._content is not None:
            window.setCentralWidget(self._content)
            self._content.show()
            self._content = None
        for bar in self._bars:
            bar.show()
        for action, enabled in self._actions:
            action.setEnabled(enabled)
        self._bars, self._actions = [], []
        hidden, self._hidden = self._hidden, []
        for widget in hidden:
            if _alive(widget):
                widget.show()
        self.policy.touch()
        self.schedule()
        log.info("idle lock: unlocked")
        emit(self.unlocked)

    def forget_windows(self) -> list[QWidget]:
        """The windows hidden by the lock, no longer to be shown again (signing out)."""
        hidden, self._hidden = self._hidden, []
        return [w for w in hidden if _alive(w)]

    def _sign_out(self) -> None:
        sign_out(self.window)


def _alive(widget: QWidget) -> bool:
    try:
        import shiboken6

        return bool(shiboken6.isValid(widget))
    except ImportError:  # pragma: no cover - shiboken6 ships with PySide6
        return True


# -- back to the login screen ---------------------------------------------------------------------


def sign_out(window: Any, message: str | None = None, *, wiped: bool = False) -> QDialog:
    """Leave the main window for the login screen: the lock's 退出登录, or a wipe ordered by
    the admin (``wiped``: the session's data is deleted first, the login screen says so).

    The same window comes back after a login of the same kind of user (``replace_session``);
    another role gets a window of its own. Returns the login dialog."""
    from .login import LoginDialog

    ctx = window.ctx
    lock: IdleLock | None = getattr(window, "idle_lock", None)
    others = lock.forget_windows() if lock is not None else []
    others += [
        w
        for w in QApplication.topLevelWidgets()
        if w is not window and w.isWindow() and w.isVisible()
    ]
    for widget in others:  # dialogs of the session that ends: hidden first, so none asks
        widget.hide()
        widget.close()
    window.sync.stop()
    window.sync.stop_probe()
    ctx.tasks.wait(30000)
    if wiped:
        try:
            wipe.wipe_session(ctx.session)
        except OSError as exc:  # finished at the next start (WIPE_ORDER stays)
            log.warning("wipe incomplete: %s", type(exc).__name__)
    if lock is not None:
        lock.unlock()  # the window's content back in place, hidden with the window
        lock.timer.stop()
    window.hide()
    dialog = LoginDialog(ctx.tasks, ctx.settings, ctx.data_dir)
    if message:
        dialog.show_notice(message)
    dialog.logged_in.connect(lambda session: _reopen(window, session))
    dialog.rejected.connect(QApplication.quit)
    window._login_dialog = dialog  # kept alive with the window
    dialog.show()
    return dialog


def _reopen(window: Any, session: Any) -> Any:
    from sync.protocol.workflow import REVIEWER_ROLES

    ctx = window.ctx
    same_kind = (session.user.get("role") in REVIEWER_ROLES) == window.supervising
    if not same_kind:
        from .context import AppContext

        fresh = type(window)(
            AppContext(session, ctx.settings, ctx.tasks, ctx.data_dir, demo=ctx.demo)
        )
        window._successor = fresh  # the old window stays hidden; the Launcher closes it
        fresh.show()
        fresh.sync.start()
        return fresh
    ctx.replace_session(session)
    window.sync.online = session.online
    window.sync.probe_timer.start()
    if window.idle_lock is not None:
        window.idle_lock.policy.touch()
        window.idle_lock.schedule()
    window.show()
    window.sync.start()
    return window
