"""The main window around the screens: first download progress, settings, layout, the log."""

from __future__ import annotations

import logging

from gridworker.domain import operations as ops
from gridworker.ui.logsetup import configure_logging, redact
from gridworker.ui.settings_dialog import SettingsDialog
from tests.ui.conftest import add_households


def test_first_download_shows_progress_then_the_households(qtbot, ui_world):
    ui_world.user("office")
    office = ui_world.client("office")
    add_households(office, ui_world.grid)
    office.syncer.sync()
    ui_world.user("wa")
    window = ui_world.window(ui_world.client("wa"))  # never synced: a first download
    assert window.households.model.rowCount() == 0
    downloaded: list[int] = []
    window.sync.progress.connect(downloaded.append)
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        window.sync_now()
        assert window.indicator.bar.isVisible()
        assert window.indicator.downloaded.text() == "首次下载…"
    assert downloaded and downloaded[-1] >= 5  # 3 households, 2 residents
    assert not window.indicator.bar.isVisible()
    assert window.households.model.rowCount() == 3
    assert window.tabs.tabText(1) == "今日待访（3）"


def test_settings_change_the_sync_interval(qtbot, ui_world):
    ui_world.user("wa")
    window = ui_world.window(ui_world.client("wa"))
    assert window.ctx.settings.sync_minutes == 10  # the default
    dialog = window.open_settings()
    assert isinstance(dialog, SettingsDialog)
    assert dialog.language.currentText() == "简体中文"
    dialog.interval.setValue(3)
    dialog.ca_bundle.setText("/etc/ssl/gov-ca.pem")
    dialog.accept()
    assert window.ctx.settings.sync_minutes == 3
    assert window.ctx.settings.ca_bundle == "/etc/ssl/gov-ca.pem"
    assert window.sync.timer.isActive() and window.sync.timer.interval() == 3 * 60 * 1000


def test_the_window_comes_back_with_its_size_and_layout(qtbot, ui_world):
    ui_world.user("wa")
    session = ui_world.client("wa")
    window = ui_world.window(session)
    window.resize(760, 560)  # within the offscreen screen (800x600): restoring clamps to it
    window.households.splitter.setSizes([500, 240])
    size, sizes = window.size(), window.households.splitter.sizes()
    assert size.width() == 760
    window.close()
    again = ui_world.window(session)
    assert again.size() == size
    assert again.households.splitter.sizes() == sizes


def test_log_file_never_holds_id_numbers_or_phones(ui_world, tmp_path):
    path = configure_logging(tmp_path)
    log = logging.getLogger("gridworker.test")
    log.warning("resident 320705195001010014 phone 13800138000 landline 0518-85452725")
    try:
        ops.add_resident(None, "x", "张三")  # type: ignore[arg-type]
    except AttributeError:
        log.exception("id 32070519500101001X failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    for secret in ("320705195001010014", "13800138000", "85452725", "32070519500101001X"):
        assert secret not in text
    assert "[身份证号]" in text and "[电话]" in text
    assert redact("uuid 0183ccbe-5bf8-7bda-a15c-201234567890") == (
        "uuid 0183ccbe-5bf8-7bda-a15c-201234567890"
    )
