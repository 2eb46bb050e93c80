"""Issue 11, "things that confused the tester": the window, the status bar, quitting, the
health probe, one dialog per visit."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

from gridworker.domain import operations as ops
from gridworker.domain import queries
from tests.ui.conftest import add_households
from tests.ui.test_visits_and_sync import open_window


def _inside_screen(window) -> bool:
    area = QGuiApplication.primaryScreen().availableGeometry()
    return area.contains(window.frameGeometry())


def test_the_window_fits_the_screen_first_and_after_a_restore(qtbot, ui_world):
    window, _homes = open_window(qtbot, ui_world)
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert window.height() <= area.height() and window.width() <= area.width()
    assert _inside_screen(window)
    # A geometry saved on a bigger screen comes back within this one.
    window.hide()
    window.resize(2400, 1600)
    window.move(900, 700)
    window.save_layout()
    again = ui_world.window(window.ctx.session)
    assert again.height() <= area.height() and again.width() <= area.width()
    assert _inside_screen(again)


def test_the_banner_leaves_the_status_bar_in_place(qtbot, ui_world):
    window, _homes = open_window(qtbot, ui_world)
    height = window.height()
    bar = window.statusBar()
    window._notice(3, 2)
    qtbot.waitUntil(window.banner.isVisible, timeout=2000)
    QGuiApplication.processEvents()
    assert window.height() == height
    assert bar.isVisible() and bar.geometry().bottom() <= window.rect().bottom()
    assert window.banner.height() < 60


def test_a_notice_replaces_the_user_label_instead_of_drawing_over_it(qtbot, ui_world):
    window, _homes = open_window(qtbot, ui_world)
    window.show_status("已联网登录。", 50)
    assert window.status_notice.isVisible() and not window.user_label.isVisible()
    assert window.statusBar().currentMessage() == ""
    qtbot.waitUntil(lambda: window.user_label.isVisible(), timeout=2000)
    assert not window.status_notice.isVisible()


def test_quitting_with_unsent_changes_offers_a_last_sync(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    store = window.ctx.store
    ops.log_visit(store, homes["li"]["id"], "not_home", notes="敲门无人应答")
    assert queries.status(store)["pending"] == 1
    seen: dict[str, str] = {}

    def answer(button_text: str) -> None:
        box = window.quit_box
        seen["text"] = box.text() + box.informativeText()
        seen["buttons"] = "/".join(b.text() for b in box.buttons())
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, lambda: answer("取消"))
    window.close()
    assert window.isVisible()  # 取消 keeps the window
    assert "1 条修改尚未发送" in seen["text"] and "仍安全保存在这台电脑上" in seen["text"]
    assert sorted(seen["buttons"].split("/")) == sorted(["同步后退出", "直接退出", "取消"])

    QTimer.singleShot(0, lambda: answer("同步后退出"))
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert queries.status(store)["pending"] == 0


def test_quitting_offline_asks_nothing(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    ops.log_visit(window.ctx.store, homes["li"]["id"], "not_home")
    window.sync.online = False
    window.close()
    assert not window.isVisible()


def test_the_health_probe_shows_offline_and_online_between_syncs(qtbot, ui_world):
    window, _homes = open_window(qtbot, ui_world)
    assert 30_000 <= window.sync.probe_timer.interval() <= 60_000
    assert window.sync.online and window.indicator.state.text() == "在线"
    ui_world.stop_server()
    with qtbot.waitSignal(window.sync.state_changed, timeout=10000):
        assert window.sync.probe()
    assert window.indicator.state.text() == "离线"


def test_a_double_click_opens_one_edit_dialog(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    visit = ops.log_visit(window.ctx.store, homes["zhang"]["id"], "met", notes="身体好")
    first = window.edit_visit(visit)
    second = window.edit_visit(visit)
    assert first is second
    first.done(0)
    third = window.edit_visit(visit)
    assert third is not first
    third.done(0)


# -- dialogs: Esc asks before discarding, Ctrl+Enter submits, titles and labels ---------------


def _answer_discard(dialog, button_text: str, seen: dict) -> None:
    def click() -> None:
        box = dialog.discard_box
        seen["title"] = box.windowTitle()
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, click)


def test_esc_asks_before_a_typed_note_is_thrown_away(qtbot, ui_world):
    from PySide6.QtCore import Qt

    window, homes = open_window(qtbot, ui_world)
    dialog = window.log_visit_for(homes["zhang"]["id"])
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing typed: closes at once
    assert not dialog.isVisible()

    dialog = window.log_visit_for(homes["zhang"]["id"])
    dialog.notes.insertPlainText("老人反映楼道灯不亮")
    seen: dict = {}
    _answer_discard(dialog, "继续编辑", seen)
    qtbot.keyClick(dialog.notes, Qt.Key.Key_Escape)
    assert seen["title"] == "放弃已输入的内容？"
    assert dialog.isVisible() and dialog.notes.toPlainText() == "老人反映楼道灯不亮"
    _answer_discard(dialog, "放弃", seen)
    qtbot.keyClick(dialog.notes, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert queries.status(window.ctx.store)["pending"] == 0


def _activate(qtbot, dialog) -> None:
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)


def test_ctrl_enter_submits_every_form_dialog(qtbot, ui_world):
    from PySide6.QtCore import Qt

    from gridworker.ui.issue_actions import EscalateDialog
    from gridworker.ui.issues import CommentDialog

    window, _homes = open_window(qtbot, ui_world)
    issue = ops.raise_issue(window.ctx.store, "井盖破损", "facilities", grid_id=ui_world.grid)
    window.ctx.tasks.notify_changed()
    window.open_issue(issue["id"])
    panel = window.issues.panel

    qtbot.mouseClick(panel.transition_buttons["in_progress"], Qt.MouseButton.LeftButton)
    comment = next(c for c in panel.findChildren(CommentDialog) if c.isVisible())
    _activate(qtbot, comment)
    qtbot.keyClick(comment.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert comment.isVisible()  # empty: a comment is required
    comment.text.setPlainText("已联系物业")
    qtbot.keyClick(comment.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not comment.isVisible()
    assert panel.facts["status"].text() == "处理中"

    escalate = EscalateDialog(panel.issue, panel)
    escalate.open()
    _activate(qtbot, escalate)
    assert escalate.windowTitle() == "提级上报（街道或12345）"
    raised = window.raise_issue()
    assert escalate.windowTitle() != raised.windowTitle()
    raised.done(0)
    escalate.comment.setPlainText("需街道协调")
    qtbot.keyClick(escalate.comment, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)
    assert escalate.result() == escalate.DialogCode.Accepted


def test_workflow_buttons_keep_their_places(qtbot, ui_world):
    from PySide6.QtCore import Qt

    from gridworker.ui.issues import CommentDialog

    window, _homes = open_window(qtbot, ui_world)
    issue = ops.raise_issue(window.ctx.store, "路灯不亮", "facilities", grid_id=ui_world.grid)
    window.ctx.tasks.notify_changed()
    window.open_issue(issue["id"])
    panel = window.issues.panel
    buttons = panel.actions_box.findChildren(type(panel.household_button))
    places = {b.text(): b.pos() for b in buttons}
    qtbot.mouseClick(panel.transition_buttons["resolved"], Qt.MouseButton.LeftButton)
    comment = next(c for c in panel.findChildren(CommentDialog) if c.isVisible())
    comment.text.setPlainText("已修好")
    qtbot.mouseClick(comment.ok, Qt.MouseButton.LeftButton)
    assert {b.text(): b.pos() for b in buttons} == places
    enabled = [b.text() for b in buttons if b.isEnabled()]
    assert "重新打开" in enabled and "开始处理" not in enabled
    assert not panel.all_actions["in_progress"].isEnabled()


def test_the_return_dialog_asks_for_a_return_comment(qtbot, ui_world):
    from gridworker.ui.issues import CommentDialog

    ui_world.user("wa")
    worker = ui_world.client("wa")
    homes = add_households(worker, ui_world.grid)
    ops.log_visit(worker.store, homes["zhang"]["id"], "met", notes="身体好")
    worker.syncer.sync()
    ui_world.user("boss", "supervisor")
    boss = ui_world.client("boss")
    boss.syncer.sync()
    window = ui_world.window(boss)
    window.review.table.selectRow(0)
    dialog = window.review.return_selected()
    assert isinstance(dialog, CommentDialog)
    assert dialog.label.text() == "退回意见（必填）"
    dialog.done(0)


def test_coverage_opens_on_the_last_30_days_and_says_a_late_visit(qtbot, ui_world):
    import datetime as dt

    from gridworker.ui import labels
    from gridworker.ui.coverage import CoveragePage, behind_model

    ui_world.user("boss", "supervisor")
    boss = ui_world.client("boss")
    window = ui_world.window(boss)
    page = window.coverage
    assert isinstance(page, CoveragePage)
    assert page.period.currentText() == "最近 30 天"
    today = labels.today_local()
    assert page.date_from.date().toPython() == today - dt.timedelta(days=29)
    assert page.date_to.date().toPython() == today

    model = behind_model()
    model.set_rows(
        [
            {"address": "1号楼101", "overdue_since": "2026-09-17", "last_visit": None},
            {
                "address": "1号楼102",
                "overdue_since": "2026-09-17",
                "last_visit": "2026-11-01T02:00:00Z",
            },
        ]
    )
    assert model.data(model.index(0, 3)) == "2026-09-17"
    assert model.data(model.index(1, 3)) == "09-17 起逾期，11-01 已走访"


def test_qts_own_dialogs_speak_chinese(qtbot):
    from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

    from gridworker.ui.i18n import TRANSLATIONS

    assert (TRANSLATIONS / "qtbase_zh_CN.qm").is_file()  # shipped with the app
    box = QMessageBox()
    box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "取消"
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open)
    qtbot.addWidget(buttons)
    assert buttons.button(QDialogButtonBox.StandardButton.Open).text() == "打开"
    picker = QFileDialog()
    picker.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(picker)
    assert picker.labelText(QFileDialog.DialogLabel.FileName) == "文件名称(&N)："
    assert picker.labelText(QFileDialog.DialogLabel.Reject) == "取消"


def test_daily_labels_are_unique_numbers_at_their_bars():
    import datetime as dt

    from gridworker.ui.coverage import day_labels

    start = dt.date(2026, 11, 3)
    days = [start + dt.timedelta(days=n) for n in range(40)]
    labels = day_labels(days, 3)
    assert labels[:3] == [(0, "3"), (3, "6"), (6, "9")]
    texts = [text for _n, text in labels]
    assert len(set(texts)) == len(texts) and "12-3" in texts  # 12-03 after 11-03


def test_the_settings_dialog_saves_with_ctrl_enter(qtbot, ui_world):
    from PySide6.QtCore import Qt

    window, _homes = open_window(qtbot, ui_world)
    dialog = window.open_settings()
    _activate(qtbot, dialog)
    dialog.interval.setValue(4)
    qtbot.keyClick(dialog.interval, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.isVisible()
    assert window.ctx.settings.sync_minutes == 4
