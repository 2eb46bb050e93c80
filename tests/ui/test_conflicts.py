"""A conflict arrives with a sync: a notice, both values listed, "保留对方的" settles it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gridworker.domain import operations as ops
from gridworker.domain import queries
from tests.ui.test_visits_and_sync import open_window, sync


def test_conflict_is_listed_with_both_values_and_keep_theirs_resolves_it(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    household = homes["li"]["id"]
    ui_world.user("wb")
    colleague = ui_world.client("wb")
    colleague.syncer.sync()
    ops.update_household(colleague.store, household, phone="13900139000")
    colleague.syncer.sync()
    ops.update_household(window.ctx.store, household, phone="13700137000")
    window.ctx.tasks.notify_changed()

    sync(qtbot, window)
    assert window.banner.isVisible()
    assert "1 处修改冲突" in window.banner.text.text()
    qtbot.mouseClick(window.banner.action, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.conflicts
    assert window.tabs.tabText(window.tabs.indexOf(window.conflicts)) == "冲突与被拒（1）"

    page = window.conflicts
    model = page.conflicts
    assert model.rowCount() == 1
    row = [model.data(model.index(0, c)) for c in range(2, 7)]
    assert row == [
        "住户：海州区海州街道 西门新村 1号楼 2单元 301室",
        "联系电话",
        "13700137000（wa）",
        "13900139000（wb）",
        "（空）",
    ]
    conflict_id = model.row_at(0)["id"]
    mine, theirs = page.buttons[conflict_id]
    assert (mine.text(), theirs.text()) == ("保留此值", "改回被覆盖的值")

    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        qtbot.mouseClick(theirs, Qt.MouseButton.LeftButton)  # one click: resolve, then sync
    assert model.rowCount() == 0
    assert window.tabs.tabText(window.tabs.indexOf(window.conflicts)) == "冲突与被拒（0）"
    assert window.indicator.unsent.text() == "未上传 0 条"
    assert queries.household_detail(window.ctx.store, household)["phone"] == "13900139000"
    colleague.syncer.sync()
    assert queries.household_detail(colleague.store, household)["phone"] == "13900139000"
    assert queries.conflicts(window.ctx.store) == []
