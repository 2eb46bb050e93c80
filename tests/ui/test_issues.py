"""民情事项: raise one with a photo; status buttons only where the workflow allows; history."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gridworker.domain import queries
from gridworker.ui.issue_dialog import IssueDialog
from gridworker.ui.issues import CommentDialog
from tests.ui.test_visits_and_sync import open_window


def test_raise_an_issue_with_a_photo_from_a_household(qtbot, ui_world, photo):
    window, homes = open_window(qtbot, ui_world)
    window.households.show_household(homes["zhang"]["id"])
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(IssueDialog)
    assert dialog is not None and dialog.isVisible()
    # Location prefilled from the household.
    assert dialog.location.text() == "海州区海州街道 朐阳小区 3号楼 1单元 201室"
    dialog.category.setCurrentIndex(dialog.category.findData("facilities"))
    assert dialog.subcategory.itemText(dialog.subcategory.findData("manhole_cover")) == "井盖"
    dialog.subcategory.setCurrentIndex(dialog.subcategory.findData("manhole_cover"))

    # Without a title the form says so at the field and saves nothing.
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.fields.fields["title"].error.text() == "请填写标题"

    dialog.title.setText("3号楼下井盖破损")
    dialog.description.setPlainText("井盖松动，夜间有老人绊倒的危险")
    dialog.priorities.buttons()[1].setChecked(True)  # 紧急
    qtbot.keyClicks(dialog.external_ref, "20261126-0042")
    dialog.photos.add_files([photo])
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    issue = queries.issue_detail(window.ctx.store, dialog.saved["id"])
    assert (issue["category"], issue["subcategory"], issue["priority"]) == (
        "facilities",
        "manhole_cover",
        "urgent",
    )
    assert issue["household_id"] == homes["zhang"]["id"]
    assert [a["filename"] for a in issue["attachments"]] == ["manhole.png"]
    assert window.ctx.blobs.has(issue["attachments"][0]["sha256"])
    # The issue, its photo: two unsent records; the household shows its issue.
    assert window.indicator.unsent.text() == "未上传 2 条"
    assert window.households.detail.tabs.tabText(2) == "事项（1）"

    window.open_issue(issue["id"])
    panel = window.issues.panel
    assert window.tabs.currentWidget() is window.issues
    assert panel.title.text() == "3号楼下井盖破损"
    assert panel.facts["category"].text() == "公用设施 / 井盖"
    assert panel.facts["ref"].text() == "20261126-0042"
    assert panel.photos.list.count() == 1 and not panel.photos.list.item(0).icon().isNull()


def test_status_buttons_follow_the_workflow_and_keep_a_history(qtbot, ui_world):
    from gridworker.domain import operations as ops

    window, _homes = open_window(qtbot, ui_world)
    issue = ops.raise_issue(
        window.ctx.store, "西门路商户需要防汛沙袋", "flood", grid_id=ui_world.grid
    )
    window.ctx.tasks.notify_changed()
    window.open_issue(issue["id"])
    panel = window.issues.panel
    assert list(panel.transition_buttons) == ["in_progress", "escalated", "resolved"]
    assert panel.transition_buttons["in_progress"].text() == "开始处理"

    qtbot.mouseClick(panel.transition_buttons["in_progress"], Qt.MouseButton.LeftButton)
    comment = panel.findChild(CommentDialog)
    assert comment is not None and not comment.ok.isEnabled()  # a comment is required
    comment.text.setPlainText("已联系社区仓库")
    qtbot.mouseClick(comment.ok, Qt.MouseButton.LeftButton)
    assert panel.facts["status"].text() == "处理中"
    assert list(panel.transition_buttons) == ["escalated", "resolved"]
    updates = panel.updates
    assert updates.data(updates.index(0, 1)) == "待处理 → 处理中"
    assert updates.data(updates.index(0, 2)) == "已联系社区仓库"

    qtbot.mouseClick(panel.transition_buttons["resolved"], Qt.MouseButton.LeftButton)
    comment = next(c for c in panel.findChildren(CommentDialog) if c.isVisible())
    comment.text.setPlainText("沙袋已发放")
    qtbot.mouseClick(comment.ok, Qt.MouseButton.LeftButton)
    # A worker may reopen a resolved issue but not close it: closing is the supervisor's.
    assert list(panel.transition_buttons) == ["open"]
    assert panel.transition_buttons["open"].text() == "重新打开"
    # 我的事项 lists unfinished issues by default: the resolved one has left the list.
    assert window.issues.model.row_of(issue["id"]) < 0
    window.issues.status.setCurrentIndex(window.issues.status.findText("已解决"))
    assert window.issues.model.row_of(issue["id"]) == 0
