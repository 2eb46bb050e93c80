"""The idle lock: after the idle time (an injected clock, not ten real minutes) every window's
data is hidden and the password is asked again; wrong passwords are refused and slowed down;
the right one puts everything back; input resets the time; 退出登录 and a wipe ordered by the
admin go back to the login screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from gridworker.client import wipe
from gridworker.client.attempts import FREE_TRIES
from gridworker.ui.context import AppSettings
from gridworker.ui.login import LoginDialog
from gridworker.ui.settings_dialog import SettingsDialog
from sync.server.cli import main as gridsync
from tests.server.harness import PASSWORD
from tests.ui.conftest import add_households


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def visible_texts() -> str:
    """Every text a person could read on the screen now: labels, fields, buttons, lists."""
    texts: list[str] = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        for widget in [top, *top.findChildren(QWidget)]:
            if not widget.isVisible():
                continue
            if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
                texts.append(widget.text())
            elif isinstance(widget, QComboBox):
                texts.append(widget.currentText())
            elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
                model = widget.model()
                for row in range(min(model.rowCount(), 200)):
                    for column in range(model.columnCount()):
                        texts.append(str(model.index(row, column).data() or ""))
    return "\n".join(texts)


def locked_window(qtbot: Any, ui_world: Any) -> tuple[Any, Clock, Clock, dict[str, Any]]:
    ui_world.user("wang")
    session = ui_world.client("wang")
    homes = add_households(session, ui_world.grid)
    window = ui_world.window(session)
    qtbot.waitExposed(window)
    window.households.show_household(homes["zhang"]["id"])
    clock, attempts_clock = Clock(), Clock()
    lock = window.idle_lock
    lock.policy.clock = clock
    lock.policy.touch()
    lock.attempts_clock = attempts_clock
    return window, clock, attempts_clock, homes


def test_idle_time_locks_and_hides_every_window(qtbot, ui_world):
    window, clock, _attempts, homes = locked_window(qtbot, ui_world)
    lock = window.idle_lock
    assert lock.policy.timeout == 600  # the default: 10 minutes
    assert lock.timer.isActive()
    dialog = window.log_visit_for(homes["zhang"]["id"])
    assert dialog is not None and dialog.isVisible()
    before = visible_texts()
    assert "张三" in before and "朐阳小区" in before  # the data is on the screen
    content = window.centralWidget()

    clock.now += 599
    assert not lock.check()
    clock.now += 1
    assert lock.check() and lock.is_locked

    assert window.centralWidget() is lock.screen
    assert not content.isVisible() and not window.households.isVisible()
    assert not dialog.isVisible()  # the open visit dialog is hidden too
    assert not window.menuBar().isVisible()
    assert not window.sync_action.isEnabled() and not window.export_action.isEnabled()
    shown = visible_texts()
    for personal in ("张三", "李秀英", "李四", "王五", "朐阳小区", "13800138000", "320705"):
        assert personal not in shown, personal
    assert "已锁定 · 请输入密码解锁" in shown
    assert "wang" in lock.screen.user.text()
    assert lock.screen.sign_out_button.text() == "退出登录"
    # Shortcuts do nothing while locked.
    QTest.keySequence(window, "Ctrl+E")
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [window]


def test_wrong_passwords_are_refused_and_slowed_the_right_one_unlocks(qtbot, ui_world):
    window, clock, attempts_clock, homes = locked_window(qtbot, ui_world)
    lock = window.idle_lock
    dialog = window.log_visit_for(homes["zhang"]["id"])
    clock.now += 600
    assert lock.check()
    screen = lock.screen
    for _ in range(FREE_TRIES):
        QTest.keyClicks(screen.password, "wrong password")
        QTest.keyClick(screen.password, Qt.Key.Key_Return)
        assert lock.is_locked
        assert screen.error.text() == "密码错误"
        screen.password.clear()
    assert not lock.try_unlock("still wrong")
    assert "密码错误次数过多" in screen.error.text()
    # While the wait runs even the right password is not checked.
    assert not lock.try_unlock(PASSWORD)
    assert lock.is_locked and "秒后再试" in screen.error.text()
    attempts_clock.now += 60
    screen.password.setText(PASSWORD)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    assert not lock.is_locked
    assert window.centralWidget() is not screen and window.households.isVisible()
    assert dialog.isVisible()  # shown again as it was
    assert window.menuBar().isVisible() and window.sync_action.isEnabled()
    assert "张三" in visible_texts()
    assert lock.timer.isActive()  # and it locks again after the next idle time
    clock.now += 600
    assert lock.check()


def test_input_starts_the_idle_time_again(qtbot, ui_world):
    window, clock, _attempts, _homes = locked_window(qtbot, ui_world)
    lock = window.idle_lock
    clock.now += 500
    QTest.keyClick(window.households.search, Qt.Key.Key_A)  # typing in the search box
    clock.now += 500
    assert not lock.check()
    qtbot.mouseClick(window.tabs.tabBar(), Qt.MouseButton.LeftButton)
    clock.now += 599
    assert not lock.check()
    clock.now += 1
    assert lock.check()


def test_the_idle_time_is_a_setting(qtbot, ui_world):
    window, clock, _attempts, _homes = locked_window(qtbot, ui_world)
    dialog = window.open_settings()
    assert isinstance(dialog, SettingsDialog)
    assert dialog.idle_lock.currentText() == "10 分钟"
    assert [dialog.idle_lock.itemData(i) for i in range(dialog.idle_lock.count())] == [
        1,
        5,
        10,
        15,
        30,
    ]
    dialog.idle_lock.setCurrentIndex(dialog.idle_lock.findData(1))
    dialog.accept()
    assert window.idle_lock.policy.timeout == 60
    again = AppSettings(window.ctx.settings.q)
    assert SettingsDialog(again).idle_lock.currentData() == 1
    clock.now += 60
    assert window.idle_lock.check()


def test_log_out_from_the_lock_screen_goes_to_the_login(qtbot, ui_world):
    window, clock, _attempts, _homes = locked_window(qtbot, ui_world)
    clock.now += 600
    assert window.idle_lock.check()
    qtbot.mouseClick(window.idle_lock.screen.sign_out_button, Qt.MouseButton.LeftButton)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog)]
    login = next(d for d in dialogs if d.isVisible())
    assert not window.isVisible()
    assert login.username.text() == "wang"
    assert "张三" not in visible_texts()
    login.rejected.disconnect()
    login.password.setText(PASSWORD)
    with qtbot.waitSignal(login.logged_in, timeout=20000):
        login.log_in()
    assert window.isVisible() and not window.idle_lock.is_locked
    ui_world.sessions.append(window.ctx.session)


def test_a_wipe_ordered_while_the_app_runs_deletes_the_data(qtbot, ui_world):
    window, _clock, _attempts, homes = locked_window(qtbot, ui_world)
    dialog = window.log_visit_for(homes["zhang"]["id"])
    dialog.notes.setPlainText("门口的电表箱没锁")  # typed text: closing would ask, a wipe must not
    session = window.ctx.session
    profile = session.profile
    db = ui_world.service.engine.url.render_as_string(hide_password=False)
    device_id = session.store.get_meta("device_id")
    assert gridsync(["--db", db, "revoke-device", device_id, "--wipe"]) == 0
    with qtbot.waitSignal(window.sync.failed, timeout=20000):
        window.sync_now()
    qtbot.waitUntil(lambda: not profile.exists(), timeout=20000)
    assert not window.isVisible() and not dialog.isVisible()
    login = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()
    )
    assert login.notice.isVisible()
    assert login.notice.text() == "此设备已被管理员停用并清除了本机数据"
    assert wipe.notice(profile.parent.parent) is not None
    login.rejected.disconnect()
    login.close()
