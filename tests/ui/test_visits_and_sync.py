"""走访 offline: Ctrl+N, saved at once, in the history and the unsent count; then a real sync."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.ui.visit_dialog import VisitDialog
from tests.ui.conftest import add_households


def open_window(qtbot, ui_world, username="wa"):
    ui_world.user(username)
    session = ui_world.client(username)
    homes = add_households(session, ui_world.grid)
    session.syncer.sync()
    window = ui_world.window(session)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window, homes


def sync(qtbot, window) -> None:
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        assert window.sync_now()


def test_visit_logged_offline_shows_in_history_and_unsent_count(qtbot, ui_world, photo):
    window, homes = open_window(qtbot, ui_world)
    assert window.indicator.unsent.text() == "未上传 0 条"
    ui_world.stop_server()

    window.households.show_household(homes["zhang"]["id"])
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(VisitDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.outcome() == "met"  # 见面 by default
    assert [box.text() for box in dialog.people.values()] == ["张三（户主）", "李秀英（配偶）"]
    dialog.people[next(iter(dialog.people))].setChecked(True)
    dialog.notes.insertPlainText("老人身体状况良好，反映楼道灯不亮")  # QTest types ASCII only
    dialog.follow_up.setChecked(True)
    dialog.photos.add_files([photo])
    assert dialog.photos.list.count() == 1
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    detail = window.households.detail
    visits = detail.visits
    assert visits.rowCount() == 1
    assert visits.data(visits.index(0, 1)) == "见面"
    assert visits.data(visits.index(0, 4)) == "老人身体状况良好，反映楼道灯不亮"
    assert detail.tabs.tabText(1) == "走访记录（1）"
    # The visit, its attachment: two records waiting for the network.
    assert window.indicator.unsent.text() == "未上传 2 条"

    # A manual sync while offline says so in Chinese and keeps everything.
    window.sync_now()
    qtbot.waitUntil(lambda: not window.sync.running, timeout=20000)
    assert window.indicator.state.text() == "离线"
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert any("无法连接服务器" in b.text() for b in boxes if b.isVisible())
    for box in boxes:
        box.close()
    assert window.indicator.unsent.text() == "未上传 2 条"


def test_sync_against_the_service_brings_the_unsent_count_to_zero(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    store = window.ctx.store
    ops.log_visit(store, homes["li"]["id"], "not_home", notes="敲门无人应答")
    ops.raise_issue(store, "鼓楼巷16号门前井盖破损", "facilities", household_id=homes["wang"]["id"])
    window.ctx.tasks.notify_changed()
    assert window.indicator.unsent.text() == "未上传 2 条"
    assert window.indicator.unsent.property("pending") is True

    with qtbot.waitSignal(window.sync.finished, timeout=20000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert blocker.args[0].pushed == 2
    assert window.indicator.unsent.text() == "未上传 0 条"
    assert window.indicator.state.text() == "在线"
    assert window.indicator.last.text().startswith("上次同步 ")
    # A colleague's laptop now has the visit.
    ui_world.user("wb")
    other = ui_world.client("wb")
    other.syncer.sync()
    visits = queries.household_detail(other.store, homes["li"]["id"])["visits"]
    assert [v["notes"] for v in visits] == ["敲门无人应答"]


def test_a_returned_visit_shows_the_comment_and_goes_back_for_review(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    visit = ops.log_visit(window.ctx.store, homes["zhang"]["id"], notes="老人不在家")
    sync(qtbot, window)
    ui_world.user("boss", "supervisor")
    boss = ui_world.client("boss")
    boss.syncer.sync()
    ops.review_visit(boss.store, visit["id"], False, "请补充老人用药情况")
    boss.syncer.sync()
    sync(qtbot, window)

    window.households.show_household(homes["zhang"]["id"])
    detail = window.households.detail
    assert detail.visits.data(detail.visits.index(0, 2)) == "已退回"
    assert "请补充老人用药情况" in detail.visits.data(
        detail.visits.index(0, 4), Qt.ItemDataRole.ToolTipRole
    )
    detail.visits_view.setCurrentIndex(detail.visits.index(0, 0))
    qtbot.mouseClick(detail.edit_visit_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(VisitDialog)
    assert dialog is not None and dialog.visit is not None
    notice = dialog.findChild(type(detail.address), "returnedNotice")
    assert "网格长退回意见：请补充老人用药情况" in notice.text()
    dialog.notes.setPlainText("老人不在家；电话联系家属，降压药按时服用")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert detail.visits.data(detail.visits.index(0, 2)) == "待审核"
