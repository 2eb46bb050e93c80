"""住户: search as you type (pinyin initials), tag toggles, due first, Ctrl+F, the detail pane."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gridworker.ui.household_model import ADDRESS, HEAD, NEXT_VISIT
from tests.ui.conftest import add_households


def open_window(qtbot, ui_world):
    ui_world.user("wa")
    session = ui_world.client("wa")
    homes = add_households(session, ui_world.grid)
    window = ui_world.window(session)
    qtbot.waitUntil(window.isVisible)
    return window, homes


def test_typing_zs_finds_zhangsan(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    page = window.households
    assert page.model.rowCount() == 3
    qtbot.keyClicks(page.search, "zs")
    # Debounced: the list follows once typing pauses (~150 ms).
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=2000)
    model = page.model
    assert model.data(model.index(0, HEAD)) == "张三"
    assert model.data(model.index(0, ADDRESS)) == "朐阳小区 3号楼 1单元 201室"
    assert page.count.text() == "共 1 户"
    # The first match is selected, so Ctrl+N works at once; the detail shows the household.
    assert page.current_id() == homes["zhang"]["id"]
    detail = page.detail
    assert detail.address.text() == "海州区海州街道 朐阳小区 3号楼 1单元 201室"
    assert [detail.residents.data(detail.residents.index(r, 0)) for r in range(2)] == [
        "张三",
        "李秀英",
    ]
    assert detail.tabs.tabText(0) == "居民（2）"


def test_search_by_phone_address_and_full_pinyin(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    page = window.households
    for text, expected in (("13800138000", "zhang"), ("西门", "li"), ("wangwu", "wang")):
        page.search.setText(text)
        page.run_search()
        assert [page.model.id_at(r) for r in range(page.model.rowCount())] == [
            homes[expected]["id"]
        ], text


def test_tag_toggles_and_due_first(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    page = window.households
    qtbot.mouseClick(page.tag_buttons["party_member"], Qt.MouseButton.LeftButton)
    assert [page.model.id_at(r) for r in range(page.model.rowCount())] == [homes["wang"]["id"]]
    qtbot.mouseClick(page.tag_buttons["party_member"], Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == 3
    # Never visited: every household is due, and marked so.
    model = page.model
    assert {model.data(model.index(r, NEXT_VISIT)) for r in range(3)} == {"从未走访"}
    qtbot.mouseClick(page.due_first, Qt.MouseButton.LeftButton)
    assert page.model.sort_key == "due" and page.model.rowCount() == 3


def test_ctrl_f_focuses_search_and_down_enters_the_list(qtbot, ui_world):
    window, _homes = open_window(qtbot, ui_world)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.tabs.setCurrentIndex(1)
    window.households.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.households.search)
    qtbot.keyClick(window.households.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.households.table


def test_list_keeps_the_selection_when_data_changes(qtbot, ui_world):
    from gridworker.domain import operations as ops

    window, homes = open_window(qtbot, ui_world)
    page = window.households
    page.show_household(homes["wang"]["id"])
    assert page.current_id() == homes["wang"]["id"]
    ops.update_household(window.ctx.store, homes["li"]["id"], head_name="李四新")
    window.ctx.tasks.notify_changed()
    assert page.current_id() == homes["wang"]["id"]
