"""People met who are not registered (a tenant, a relative staying): typed by name in the visit
dialog (issue 11, job 5), kept on the notes' first line (the protocol's ``people_met`` holds
resident ids only), synced, shown again in their own field when the visit is edited."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.ui.visit_dialog import VisitDialog
from tests.ui.test_visits_and_sync import open_window, sync


def test_a_met_visit_names_an_unregistered_tenant_syncs_and_edits_back(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    window.households.show_household(homes["zhang"]["id"])
    dialog = window.log_visit()
    assert isinstance(dialog, VisitDialog) and dialog.outcome() == "met"
    assert dialog.others.isVisible()
    # Alt+0 goes to the field from the note, as Alt+1… tick the registered people.
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    assert dialog.notes.hasFocus()
    qtbot.keyClick(dialog.notes, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    assert dialog.others.hasFocus()
    dialog.others.setText("王某（租户）， 李阿姨")  # QTest types ASCII only
    # Enter after the names goes on to the note; it does not save the visit half-written.
    qtbot.keyClick(dialog.others, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.notes.hasFocus()
    pending = window.ctx.store.pending_count()
    # Only unregistered people, no note: a 见面 visit that names someone met is accepted.
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert window.ctx.store.pending_count() == pending + 1
    saved = dialog.saved
    assert saved is not None and saved["people_met"] == []
    assert saved["notes"] == "见到（未登记）：王某（租户）、李阿姨"

    sync(qtbot, window)
    ui_world.user("sup", "supervisor")
    boss = ui_world.client("sup")
    boss.syncer.sync()
    assert queries.row(boss.store, "visits", saved["id"])["notes"] == saved["notes"]

    # Edited: the names come back in their own field, the note without them.
    visit = queries.row(window.ctx.store, "visits", saved["id"])
    household = queries.household_detail(window.ctx.store, homes["zhang"]["id"])
    edit = VisitDialog(window.ctx, household, visit, window)
    qtbot.addWidget(edit)
    assert edit.others.text() == "王某（租户）、李阿姨"
    assert edit.notes.toPlainText() == ""
    edit.notes.setPlainText("租户反映楼道灯不亮")
    edit.others.setText("王某（租户）")
    edit.accept()
    assert edit.result() == VisitDialog.DialogCode.Accepted
    notes = queries.row(window.ctx.store, "visits", saved["id"])["notes"]
    assert notes == "见到（未登记）：王某（租户）\n租户反映楼道灯不亮"


def test_an_unchanged_edit_keeps_the_notes_and_clearing_the_names_drops_the_line(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    store = window.ctx.store
    visit = ops.log_visit(
        store, homes["li"]["id"], "met", notes="家中一切正常", others_met=["陈某（亲戚）"]
    )
    assert ops.split_others_met(visit["notes"]) == (["陈某（亲戚）"], "家中一切正常")
    household = queries.household_detail(store, homes["li"]["id"])
    edit = VisitDialog(window.ctx, household, visit, window)
    qtbot.addWidget(edit)
    assert (edit.others.text(), edit.notes.toPlainText()) == ("陈某（亲戚）", "家中一切正常")
    pending = store.pending_count()
    edit.accept()  # nothing changed: nothing queued
    assert edit.saved is None and store.pending_count() == pending

    again = VisitDialog(window.ctx, household, visit, window)
    qtbot.addWidget(again)
    again.others.clear()
    again.accept()
    assert queries.row(store, "visits", visit["id"])["notes"] == "家中一切正常"
    # Notes that merely mention the words are not taken apart.
    assert ops.split_others_met("没见到（未登记）的人") == ([], "没见到（未登记）的人")


def test_esc_asks_before_throwing_typed_names_away(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    window.households.show_household(homes["li"]["id"])
    dialog = window.log_visit()
    dialog.others.setText("王某")
    assert dialog.typed()
