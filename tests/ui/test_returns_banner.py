"""Returned visits on both sides (issue 11, job 3): the worker's notice of new returns shows
beside the conflicts notice (one sync can bring both), and a supervisor sees the visits
returned to workers and whether each was fixed."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gridworker.domain import operations as ops
from gridworker.ui.visit_dialog import VisitDialog
from tests.ui.test_supervisor_review import queue_ids, supervisor_window
from tests.ui.test_visits_and_sync import open_window, sync


def test_a_sync_with_a_conflict_and_a_return_shows_both_notices(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    visit = ops.log_visit(window.ctx.store, homes["zhang"]["id"], notes="见到老人")
    sync(qtbot, window)
    # A supervisor returns the visit and a colleague changes a phone the worker changes too.
    ui_world.user("sup", "supervisor")
    boss = ui_world.client("sup")
    boss.syncer.sync()
    ops.review_visit(boss.store, visit["id"], False, "请写明老人的身体状况")
    boss.syncer.sync()
    ui_world.user("wb")
    colleague = ui_world.client("wb")
    colleague.syncer.sync()
    household = homes["li"]["id"]
    ops.update_household(colleague.store, household, phone="13900139000")
    colleague.syncer.sync()
    ops.update_household(window.ctx.store, household, phone="13700137000")
    window.ctx.tasks.notify_changed()

    sync(qtbot, window)
    assert window.banner.isVisible() and window.returns_banner.isVisible()
    assert "1 处修改冲突" in window.banner.text.text()
    assert window.returns_banner.text.text() == "网格长退回了 1 条走访记录，请修改后重新提交。"
    # Each opens its own page and leaves the other notice in place.
    qtbot.mouseClick(window.returns_banner.action, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.followups
    assert window.returns_banner.isHidden() and window.banner.isVisible()
    qtbot.mouseClick(window.banner.action, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.conflicts
    # Both notices fit the window at 1366×768 with the status bar in view.
    assert window.statusBar().isVisible()


def test_a_supervisor_sees_what_was_returned_and_whether_it_was_fixed(qtbot, ui_world):
    ui_world.user("wa")
    ui_world.user("sup", "supervisor")
    worker = ui_world.client("wa")
    from tests.ui.conftest import add_households

    homes = add_households(worker, ui_world.grid)
    returned = ops.log_visit(
        worker.store, homes["zhang"]["id"], visited_at="2026-11-03T02:00:00Z", notes="见到老人"
    )
    kept = ops.log_visit(
        worker.store, homes["li"]["id"], "not_home", visited_at="2026-11-04T02:00:00Z"
    )
    worker.syncer.sync()
    window = supervisor_window(qtbot, ui_world)
    page = window.review
    assert not page.showing_returns()
    assert queue_ids(page) == [returned["id"], kept["id"]]
    page.table.selectRow(0)
    page._review([returned["id"]], False, "请写明老人的身体状况")
    assert queue_ids(page) == [kept["id"]]

    # 已退回: the visit is listed, still with the worker.
    page.show_returns()
    assert page.show_what.currentText() == "已退回的走访"
    assert queue_ids(page) == [returned["id"]]
    state = page.model.columns.index(next(c for c in page.model.columns if c.title == "退回"))
    assert page.model.data(page.model.index(0, state)) == "待修改"
    assert page.count.text() == "已退回 1 条，已修改 0 条"
    window.sync_now()
    qtbot.waitUntil(lambda: not window.sync.running, timeout=20000)

    # The worker fixes it; after both syncs the supervisor sees it fixed, back in the queue.
    worker.syncer.sync()
    ops.edit_visit(worker.store, returned["id"], notes="见到老人，身体状况良好")
    worker.syncer.sync()
    sync(qtbot, window)
    assert queue_ids(page) == [returned["id"]]
    assert page.model.data(page.model.index(0, state)) == "已修改"
    assert page.count.text() == "已退回 1 条，已修改 1 条"
    page.show_returns(False)
    assert set(queue_ids(page)) == {returned["id"], kept["id"]}
    # Approved at last: it leaves the list of returns.
    page._review([returned["id"]], True, None)
    page.show_returns()
    assert queue_ids(page) == []
    assert not window.findChildren(VisitDialog)
