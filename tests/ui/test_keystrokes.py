"""Issue 11: a complete 见面 visit from the household list in 6 keystrokes plus the search
text. The sequence (README):

    Ctrl+F  zs  Enter  Ctrl+N  Alt+1  Ctrl+1  Ctrl+Enter

find the household (Ctrl+F, its pinyin initials, Enter selects the first match), open the
visit dialog on 见面 (Ctrl+N), tick the first resident as met (Alt+1), add 常用语 1 to the
note (Ctrl+1), save (Ctrl+Enter).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from gridworker.domain import queries
from gridworker.ui.visit_dialog import VisitDialog
from tests.ui.test_visits_and_sync import open_window

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def _focus(qtbot, window):
    from PySide6.QtWidgets import QApplication

    return QApplication.focusWidget() or window


def test_a_met_visit_takes_six_keystrokes_plus_the_search(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    keys: list[str] = []

    def press(key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier, name: str = "") -> None:
        keys.append(name)
        qtbot.keyClick(_focus(qtbot, window), key, modifier)

    press(Qt.Key.Key_F, CTRL, "Ctrl+F")
    assert window.households.search.hasFocus()
    qtbot.keyClicks(window.households.search, "zs")  # the search text: 张三's initials
    press(Qt.Key.Key_Return, name="Enter")
    assert window.households.current_id() == homes["zhang"]["id"]
    press(Qt.Key.Key_N, CTRL, "Ctrl+N")
    dialog = window.findChild(VisitDialog)
    assert dialog is not None and dialog.isVisible() and dialog.outcome() == "met"
    dialog.activateWindow()  # a window manager activates a new dialog by itself
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    press(Qt.Key.Key_1, ALT, "Alt+1")
    assert dialog.people_met() == [next(iter(dialog.people))]
    press(Qt.Key.Key_1, CTRL, "Ctrl+1")
    assert dialog.notes.toPlainText() == "家中一切正常"
    press(Qt.Key.Key_Return, CTRL, "Ctrl+Enter")
    assert not dialog.isVisible()

    assert keys == ["Ctrl+F", "Enter", "Ctrl+N", "Alt+1", "Ctrl+1", "Ctrl+Enter"]
    assert len(keys) <= 6
    visits = queries.household_detail(window.ctx.store, homes["zhang"]["id"])["visits"]
    assert len(visits) == 1
    visit = visits[0]
    assert visit["outcome"] == "met" and visit["notes"] == "家中一切正常"
    assert len(visit["people_met"]) == 1


def test_phrases_append_to_what_was_typed(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    dialog = window.log_visit_for(homes["zhang"]["id"])
    dialog.notes.setPlainText("楼道灯不亮")
    dialog.phrases.menu.actions()[4].trigger()
    assert dialog.notes.toPlainText() == "楼道灯不亮；未反映困难诉求"
    assert len(dialog.phrases.menu.actions()) == 9
    dialog.watch_text(dialog.notes)
    dialog.done(0)
