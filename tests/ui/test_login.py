"""Logging in online, then offline with the same password (the dialog says which)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gridworker.ui.login import LoginDialog


def log_in(qtbot, dialog: LoginDialog, password: str):
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText(password)
    with qtbot.waitSignal(dialog.logged_in, timeout=15000) as blocker:
        qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def fill(dialog: LoginDialog, url: str, username: str) -> None:
    dialog.server.setText(url)
    dialog.username.setText(username)


def test_login_online_then_offline(qtbot, ui_world):
    from tests.server.harness import PASSWORD

    ui_world.user("wa")
    data_dir = ui_world.data_dir("wa")
    tasks, settings = ui_world.make_tasks(), ui_world.settings()

    dialog = LoginDialog(tasks, settings, data_dir)
    fill(dialog, ui_world.url, "wa")
    session = log_in(qtbot, dialog, PASSWORD)
    ui_world.sessions.append(session)
    assert session.online
    assert dialog.mode.text() == "已联网登录。"
    assert settings.server_url == ui_world.url and settings.username == "wa"
    session.close()

    ui_world.stop_server()
    # The next start remembers the server and user; only the password is typed.
    again = LoginDialog(tasks, settings, data_dir)
    assert (again.server.text(), again.username.text()) == (ui_world.url, "wa")
    offline = log_in(qtbot, again, PASSWORD)
    ui_world.sessions.append(offline)
    assert not offline.online
    assert "无法连接服务器" in again.mode.text() and "离线解锁" in again.mode.text()
    assert offline.user["username"] == "wa"


def test_wrong_password_offline_is_refused_in_chinese(qtbot, ui_world):
    from tests.server.harness import PASSWORD

    ui_world.user("wa")
    ui_world.client("wa").close()
    ui_world.stop_server()
    dialog = LoginDialog(ui_world.make_tasks(), ui_world.settings(), ui_world.data_dir("wa"))
    qtbot.addWidget(dialog)
    fill(dialog, ui_world.url, "wa")
    dialog.show()
    dialog.password.setText(PASSWORD + "x")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=15000)
    assert dialog.error.text() == "密码错误"
    assert dialog.isVisible() and dialog.session is None
    assert dialog.login_button.isEnabled()
