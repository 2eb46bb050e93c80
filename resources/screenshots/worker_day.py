"""The worker's-day screens of issue 11 (jobs 1, 2, 3, 5), at 1366×768:

    python resources/screenshots/take.py --worker-day

Households added and edited, departures, the due list's reasons, 待办走访 with the notice
after a sync, the 见面 rule at the field, batch approval asked once with 撤销, a new deadline,
and the family member a search found.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QApplication, QMessageBox
from take import save, settle

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.ui.context import AppContext
from gridworker.ui.main_window import MainWindow
from gridworker.ui.tasks import Tasks


def _window(app: QApplication, session, settings, demo) -> MainWindow:
    ctx = AppContext(session, settings, Tasks(), demo.data_dir, demo=True)
    window = MainWindow(ctx)
    window.show()
    settle(app)
    return window


def shoot_worker_day(app, worker, supervisor, settings, demo, out: Path, tmp: Path) -> int:
    store = worker.store
    grid = next(iter(queries.grid_names(store)))
    homes = [
        h
        for h in queries.search_households(store, "朐阳", limit=40)
        if len(queries.household_detail(store, h["id"])["residents"]) >= 2
    ]
    family, returned_home, followup_home = homes[0], homes[1], homes[2]

    # Departures: one moved out, one died; a household whose people all left.
    residents = queries.household_detail(store, family["id"])["residents"]
    ops.record_move_out(store, residents[1]["id"], "南京市鼓楼区", "2026-11-02")
    gone = queries.household_detail(store, homes[3]["id"])["residents"]
    for r in gone:
        ops.mark_deceased(store, r["id"], "2026-11-20")
    # A key household by a resident's tag (as imported ledgers do).
    tagged = queries.household_detail(store, homes[4]["id"])["residents"][0]
    ops.update_resident(store, tagged["id"], tags=[*tagged["tags"], "low_income"])
    # A returned visit and a follow-up.
    visit = ops.log_visit(store, returned_home["id"], "met", notes="见到户主，反映楼道灯不亮")
    ops.log_visit(
        store, followup_home["id"], "met", notes="老人腿脚不便，需协调助餐", follow_up=True
    )
    worker.syncer.sync()
    supervisor.syncer.sync()
    ops.review_visit(supervisor.store, visit["id"], False, "请写明见到的人，并拍照留存")
    supervisor.syncer.sync()

    window = _window(app, worker, settings, demo)
    window.households.show_household(family["id"])
    window.households.detail.tabs.setCurrentIndex(0)
    save(app, window, out, "household-departures")

    # 新增住户, filled in as a worker would for a new building.
    dialog = window.households.add_household()
    dialog.place.setText("朐阳小区")
    for edit, text in ((dialog.building, "12"), (dialog.unit, "2"), (dialog.room, "1001")):
        edit.setText(text)
        edit.textEdited.emit(text)
    dialog.head_name.setText("陈建国")
    dialog.phone.setText("13905181234")
    dialog.tags.buttons["elderly_alone"].setChecked(True)
    save(app, dialog, out, "household-add")
    dialog.reject()

    detail = window.households.detail
    detail.residents_view.setCurrentIndex(detail.residents.index(0, 0))
    departure = detail.record_move_out()
    departure.destination.setText("南京市鼓楼区")
    save(app, departure, out, "resident-moved-out")
    departure.reject()

    # Search: which family member matched; an address form.
    window.households.search.setText(residents[1]["name"][:2])
    window.households.run_search()
    save(app, window, out, "search-member")
    window.households.search.setText("")
    window.households.run_search()

    window.tabs.setCurrentWidget(window.due)
    save(app, window, out, "due-reasons")

    # After a sync: the notice of the returned visit, and the list to act on.
    window.sync_now()
    while window.sync.running:
        app.processEvents()
    settle(app, 20)
    window.tabs.setCurrentWidget(window.followups)
    save(app, window, out, "followups")

    # 见面 with nobody ticked and no note: refused at the field.
    plain = next(h for h in homes[5:] if h["id"] != family["id"])
    visit_dialog = window.log_visit_for(plain["id"])
    visit_dialog.accept()
    save(app, visit_dialog, out, "visit-met-nobody")
    visit_dialog.notes.setPlainText(".")  # no question about discarding typed text
    visit_dialog.notes.setPlainText("")
    visit_dialog.done(0)
    window.close()

    # The supervisor: several approved after one question; 撤销 right after.
    for h in homes[5:9]:
        ops.log_visit(store, h["id"], "met", notes="入户走访，家中情况正常")
    worker.syncer.sync()
    supervisor.syncer.sync()
    boss = _window(app, supervisor, settings, demo)
    boss.tabs.setCurrentWidget(boss.review)
    page = boss.review
    page.select_all()
    settle(app)
    page.approve_selected()
    settle(app)
    if page.confirm_box is not None:
        save(app, page.confirm_box, out, "review-approve-confirm")
        page.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    settle(app)
    save(app, boss, out, "review-undo")
    page.undo()

    issue = ops.raise_issue(
        store, "朐阳小区 3号楼井盖破损", "facilities", grid_id=grid, due_date="2026-11-25"
    )
    worker.syncer.sync()
    supervisor.syncer.sync()
    boss.ctx.tasks.notify_changed()
    boss.open_issue(issue["id"])
    deadline = boss.issues.panel.change_deadline()
    deadline.date.setDate(QDate(2026, 12, 15))
    deadline.reason.setPlainText("需协调燃气公司共同处置")
    save(app, deadline, out, "issue-deadline")
    deadline.reject()
    boss.sync.stop()
    boss.close()
    return 0
