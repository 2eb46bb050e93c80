"""Issue 11: the login screen says which problem it met, in Chinese; a failed first login
leaves no empty profile behind; the CA bundle can be chosen at login."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gridworker.ui.login import LoginDialog


def _failed_login(qtbot, ui_world, url: str, username: str = "wa") -> LoginDialog:
    dialog = LoginDialog(ui_world.make_tasks(), ui_world.settings(), ui_world.data_dir(username))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.server.setText(url)
    dialog.username.setText(username)
    dialog.password.setText("whatever-password")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20000)
    return dialog


def _profiles(ui_world, username: str = "wa") -> list:
    folder = ui_world.data_dir(username) / "profiles"
    return list(folder.iterdir()) if folder.exists() else []


def test_an_address_without_http_is_said_before_trying(qtbot, ui_world):
    dialog = _failed_login(qtbot, ui_world, "grid.example.gov.cn")
    assert "应以 http:// 或 https:// 开头" in dialog.error.text()
    assert _profiles(ui_world) == []


def test_a_server_that_is_down_is_not_called_saved_offline(qtbot, ui_world):
    url = ui_world.url
    ui_world.stop_server()
    dialog = _failed_login(qtbot, ui_world, url)
    assert "无法连接服务器" in dialog.error.text()
    assert "已离线保存" not in dialog.error.text()
    assert _profiles(ui_world) == []  # nothing left behind by the failed first login


def test_an_unknown_host_name_is_said(qtbot, ui_world):
    dialog = _failed_login(qtbot, ui_world, "http://no-such-grid-server.invalid:8000")
    assert "找不到服务器地址" in dialog.error.text()
    assert _profiles(ui_world) == []


def test_a_wrong_path_is_said_in_chinese(qtbot, ui_world):
    ui_world.user("wa")
    dialog = _failed_login(qtbot, ui_world, ui_world.url + "/not-the-service")
    assert "服务器地址不正确" in dialog.error.text()
    assert "Not Found" not in dialog.error.text()
    assert _profiles(ui_world) == []


def test_a_wrong_password_at_first_login_leaves_no_profile(qtbot, ui_world):
    ui_world.user("wa")
    dialog = _failed_login(qtbot, ui_world, ui_world.url)
    assert "用户名或密码错误" in dialog.error.text()
    assert _profiles(ui_world) == []


def test_the_ca_bundle_is_chosen_in_the_advanced_part(qtbot, ui_world, tmp_path):
    settings = ui_world.settings()
    dialog = LoginDialog(ui_world.make_tasks(), settings, ui_world.data_dir("wa"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.advanced.isVisible()
    qtbot.mouseClick(dialog.advanced_toggle, Qt.MouseButton.LeftButton)
    assert dialog.advanced.isVisible()
    assert dialog.advanced_toggle.text() == "高级"
    bundle = tmp_path / "gov-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    dialog.ca_bundle.setText(str(bundle))
    dialog.server.setText("https://127.0.0.1:9")
    dialog.username.setText("wa")
    dialog.password.setText("x")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20000)
    assert settings.ca_bundle == str(bundle)
