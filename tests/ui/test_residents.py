"""Residents: 身份证号 and phone refused at the field with the Chinese message; add, edit."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gridworker.domain import queries
from gridworker.ui.resident_dialog import ResidentDialog
from tests.ui.test_visits_and_sync import open_window


def add_dialog(qtbot, window, household_id):
    window.households.show_household(household_id)
    dialog = window.households.detail.add_resident()
    assert isinstance(dialog, ResidentDialog) and dialog.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog


def test_an_invalid_id_number_is_refused_at_the_field(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    dialog = add_dialog(qtbot, window, homes["li"]["id"])
    pending = window.ctx.store.pending_count()
    dialog.name.setText("李小龙")
    dialog.id_number.setFocus()
    qtbot.keyClicks(dialog.id_number, "32070519500101001X")  # wrong check character
    qtbot.keyClick(dialog.id_number, Qt.Key.Key_Tab)  # leaving the field checks it
    field = dialog.fields.fields["id_number"]
    assert field.error.isVisible()
    assert field.error.text() == "身份证号校验位错误，请核对"
    assert dialog.id_number.property("invalid") is True

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # not saved
    assert dialog.focusWidget() is dialog.id_number
    assert window.ctx.store.pending_count() == pending
    assert len(queries.household_detail(window.ctx.store, homes["li"]["id"])["residents"]) == 0

    # Typing again re-checks as you type; a valid number fills birth date and gender.
    dialog.id_number.clear()
    qtbot.keyClicks(dialog.id_number, "320705195001010014")
    assert not field.error.isVisible()
    qtbot.keyClick(dialog.id_number, Qt.Key.Key_Tab)
    assert dialog.birth_date.text() == "1950-01-01"
    assert dialog.gender.currentData() == "male"

    qtbot.keyClicks(dialog.phone, "1380013800")  # one digit short
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.fields.fields["phone"].error.text() == "联系电话不是有效的手机或固定电话号码"
    dialog.phone.setText("138 0013 8000")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    (resident,) = queries.household_detail(window.ctx.store, homes["li"]["id"])["residents"]
    assert (resident["name"], resident["phone"], resident["birth_date"]) == (
        "李小龙",
        "13800138000",
        "1950-01-01",
    )


def test_edit_and_mark_moved_out(qtbot, ui_world, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window, homes = open_window(qtbot, ui_world)
    window.households.show_household(homes["zhang"]["id"])
    detail = window.households.detail
    detail.residents_view.setCurrentIndex(detail.residents.index(1, 0))  # 李秀英
    dialog = detail.edit_resident()
    assert dialog is not None and dialog.name.text() == "李秀英"
    dialog.phone.setText("0518-85452725")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert detail.residents.data(detail.residents.index(1, 4)) == "0518-85452725"

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    detail.residents_view.setCurrentIndex(detail.residents.index(1, 0))
    detail.mark_moved_out()
    assert detail.residents.data(detail.residents.index(1, 5)) == "外出"


def test_the_resident_dialog_asks_before_discarding_and_saves_with_ctrl_enter(qtbot, ui_world):
    from tests.ui.test_confusions import _answer_discard

    window, homes = open_window(qtbot, ui_world)
    dialog = add_dialog(qtbot, window, homes["li"]["id"])
    dialog.name.setText("李小龙")  # (QTest types ASCII only)
    seen: dict = {}
    _answer_discard(dialog, "继续编辑", seen)
    qtbot.keyClick(dialog.name, Qt.Key.Key_Escape)
    assert seen["title"] == "放弃已输入的内容？"
    assert dialog.isVisible() and dialog.name.text() == "李小龙"
    dialog.activateWindow()  # the question had the focus (a window manager gives it back)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.isVisible()
    names = [
        r["name"]
        for r in queries.household_detail(window.ctx.store, homes["li"]["id"])["residents"]
    ]
    assert names == ["李小龙"]
