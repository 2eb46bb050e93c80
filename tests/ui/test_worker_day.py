"""Issue 11, jobs 1, 2, 3 and 5 through the real widgets and a real service on loopback:
households added and edited offline, departures, key households by their residents' tags,
the due list's reasons, returned and follow-up visits, the 见面 rule, batch review with undo,
a supervisor's new deadline, natural room order and the member a search found."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.ui.household_dialog import HouseholdDialog
from gridworker.ui.household_model import ADDRESS, KIND
from gridworker.ui.resident_dialog import DepartureDialog
from gridworker.ui.visit_dialog import VisitDialog
from tests.ui.test_supervisor_review import focus_table, supervisor_window
from tests.ui.test_visits_and_sync import open_window, sync

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def listed_ids(page: Any) -> list[str]:
    return [page.model.id_at(r) for r in range(page.model.rowCount())]


def days_ago(n: int) -> str:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=n)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_add_a_household_offline_then_sync_it_to_the_server(qtbot, ui_world):
    window, _homes = open_window(qtbot, ui_world)
    pending = window.ctx.store.pending_count()
    page = window.households
    dialog = page.add_household()
    assert isinstance(dialog, HouseholdDialog) and dialog.isVisible()
    assert dialog.windowTitle() == "新增住户"
    dialog.place.setText("朐阳小区")  # QTest types ASCII only; the parts below are typed
    for edit, text in ((dialog.building, "5"), (dialog.unit, "1"), (dialog.room, "602")):
        qtbot.keyClicks(edit, text)
    assert dialog.address.text() == "朐阳小区 5号楼 1单元 602室"
    dialog.head_name.setText("赵大")
    qtbot.keyClicks(dialog.phone, "1380013")  # too short: refused at the field
    dialog.tags.buttons["low_income"].setChecked(True)
    assert dialog.interval.value() == 30  # follows the tags
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.fields.fields["phone"].error.text() == "联系电话不是有效的手机或固定电话号码"
    dialog.phone.setText("13800138009")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    new_id = dialog.saved["id"]
    assert page.current_id() == new_id  # selected in the list at once, offline
    assert page.detail.address.text() == "朐阳小区 5号楼 1单元 602室"
    assert page.detail.facts["interval"].text() == "30 天"

    # 5号楼602 and 5-1-602 find it.
    for term in ("5号楼602", "5-1-602"):
        page.search.setText(term)
        page.run_search()
        assert listed_ids(page) == [new_id], term

    # Edited: the address parts and the phone; the head's phone is offered to follow.
    head = ops.add_resident(window.ctx.store, new_id, "赵大", relation="head", phone="13800138009")
    window.households.detail.show_household(new_id)
    edit = page.detail.edit_household()
    assert isinstance(edit, HouseholdDialog) and edit.windowTitle() == "编辑住户"
    edit.room.clear()
    qtbot.keyClicks(edit.room, "603")  # the parts still make the address
    assert edit.address.text() == "朐阳小区 5号楼 1单元 603室"
    edit.phone.setText("13900139009")
    assert not edit.also_head.isHidden() and edit.also_head.text() == "同时修改户主 赵大 的电话"
    qtbot.mouseClick(edit.save_button, Qt.MouseButton.LeftButton)
    assert not edit.isVisible()
    assert queries.row(window.ctx.store, "residents", head["id"])["phone"] == "13900139009"

    # Saved on the laptop only, until the sync.
    assert window.ctx.store.pending_count() == pending + 4
    sync(qtbot, window)
    assert window.ctx.store.pending_count() == 0
    from sqlalchemy import select

    from sync.server.models import ENTITY_TABLES as SERVER_TABLES

    table = SERVER_TABLES["households"]
    with ui_world.service.engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.id == new_id)).mappings().one()
    assert (row["address"], row["room"], row["phone"], row["tags"]) == (
        "朐阳小区 5号楼 1单元 603室",
        "603",
        "13900139009",
        ["low_income"],
    )


def test_moved_out_and_deceased_are_shown_right_and_not_offered_as_met(
    qtbot, ui_world, monkeypatch
):
    window, homes = open_window(qtbot, ui_world)
    detail = window.households.detail
    window.households.show_household(homes["zhang"]["id"])
    detail.residents_view.setCurrentIndex(detail.residents.index(1, 0))  # 李秀英
    dialog = detail.record_move_out()
    assert isinstance(dialog, DepartureDialog) and dialog.windowTitle() == "登记迁出"
    dialog.destination.setText("南京市鼓楼区")
    dialog.date.setText("2026-11-02")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert detail.residents.data(detail.residents.index(1, 5)) == "迁出（南京市鼓楼区）"
    assert detail.vacated.isHidden()

    detail.residents_view.setCurrentIndex(detail.residents.index(0, 0))  # 张三
    dialog = detail.mark_deceased()
    assert dialog.windowTitle() == "登记死亡"
    dialog.date.setText("2999-01-01")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error.text() == "日期不能晚于今天"
    dialog.date.setText("2026-11-20")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert detail.residents.data(detail.residents.index(0, 5)) == "已故（2026-11-20）"
    # Nobody lives here any more: said in the detail and marked in the list.
    assert not detail.vacated.isHidden()
    assert detail.vacated.text() == "本户人员均已迁出或已故，请告知网格长。"
    model = window.households.model
    row = model.row_of(homes["zhang"]["id"])
    assert model.data(model.index(row, KIND)) == "无人在住"

    # Neither is offered as met in the visit dialog.
    visit = window.log_visit()
    assert isinstance(visit, VisitDialog)
    assert visit.people == {}
    visit.reject()

    # The supervisor sees the flag too, after a sync, in the due list.
    sync(qtbot, window)
    ui_world.user("sup", "supervisor")
    boss = supervisor_window(qtbot, ui_world)
    due = boss.due
    marks = {r["id"]: r for r in due.model.rows()}
    assert marks[homes["zhang"]["id"]]["vacated"]
    zrow = due.model.row_of(homes["zhang"]["id"])
    assert "无人在住" in due.model.data(due.model.index(zrow, 0))


def test_a_resident_tagged_key_household_is_due_with_why_and_in_coverage(qtbot, ui_world):
    ui_world.user("wa")
    session = ui_world.client("wa")
    store = session.store
    grid = ui_world.grid
    # An imported ledger tags the person, not the household.
    lonely = ops.create_household(store, grid, "西门新村 2号楼 101室", head_name="钱一")
    ops.add_resident(store, lonely["id"], "钱一", relation="head", tags=["elderly_alone"])
    ops.log_visit(store, lonely["id"], "met", notes="见到老人", visited_at=days_ago(22))
    poor = ops.create_household(store, grid, "西门新村 2号楼 1001室", head_name="孙二")
    ops.add_resident(store, poor["id"], "孙二", relation="head", tags=["low_income"])
    ops.log_visit(store, poor["id"], "not_home", visited_at=days_ago(3))
    empty = ops.create_household(store, grid, "西门新村 2号楼 102室", kind="vacant")
    plain = ops.create_household(store, grid, "西门新村 10号楼 101室", head_name="周三")
    session.syncer.sync()
    window = ui_world.window(session)
    qtbot.waitUntil(window.isVisible)

    due = window.due
    ids = [r["id"] for r in due.model.rows()]
    # Key households first (7-day before 30-day), vacant flats last.
    assert ids[:2] == [lonely["id"], poor["id"]]
    assert ids[-1] == empty["id"]
    assert plain["id"] in ids
    texts = {r["id"]: r for r in due.model.rows()}
    column = due.model.columnCount() - 1
    reason = {
        hid: due.model.data(due.model.index(due.model.row_of(hid), column))
        for hid in (lonely["id"], poor["id"])
    }
    assert reason[lonely["id"]] == "逾期 15 天"
    assert reason[poor["id"]] == "从未走访"  # a 不在家 is no visit for the clock
    key_mark = due.model.data(due.model.index(due.model.row_of(poor["id"]), 0))
    assert key_mark == "重点"
    assert texts[poor["id"]]["visit_interval_days"] == 30
    assert "共 " in due.summary.text() and "重点户 2 户" in due.summary.text()

    # The tag filter finds them too; the detail says the last visit was 不在家.
    page = window.households
    page.tag_buttons["low_income"].setChecked(True)
    assert listed_ids(page) == [poor["id"]]
    page.tag_buttons["low_income"].setChecked(False)
    page.show_household(poor["id"])
    visits_text = page.detail.facts["visits"].text()
    assert "不在家" in visits_text and "从未见面" in visits_text
    # Rooms sort as numbers: 101 before 102 before 1001, 2号楼 before 10号楼.
    assert listed_ids(page)[-4:] == [lonely["id"], empty["id"], poor["id"], plain["id"]]

    # Coverage counts them as key households.
    from gridworker.domain import coverage

    today = dt.datetime.now(SHANGHAI).date()
    figures = coverage.coverage(store, today - dt.timedelta(days=29), today)
    assert figures.total.key_households == 2


def test_search_names_the_family_member_it_found(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    page = window.households
    page.search.setText("lxy")  # 李秀英, 张三's wife
    page.run_search()
    assert listed_ids(page) == [homes["zhang"]["id"]]
    text = page.model.data(page.model.index(0, ADDRESS))
    assert text == "〔匹配：李秀英（配偶）〕 朐阳小区 3号楼 1单元 201室"


def test_a_met_visit_with_nobody_and_no_note_is_refused_at_the_field(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    window.households.show_household(homes["li"]["id"])  # nobody registered
    dialog = window.log_visit()
    assert dialog.outcome() == "met"
    pending = window.ctx.store.pending_count()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.people_error.isVisible()
    assert (
        dialog.people_error.text()
        == "见面走访请勾选见到的人、填写未登记的人，或在走访情况中写明见到了谁"
    )
    assert window.ctx.store.pending_count() == pending
    dialog.notes.setPlainText("见到租户王某（未登记）")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_returned_and_follow_up_list_with_count_and_a_notice_after_sync(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    store = window.ctx.store
    first = ops.log_visit(store, homes["zhang"]["id"], "met", notes="见到老人")
    ops.log_visit(store, homes["wang"]["id"], "met", notes="反映漏水", follow_up=True)
    window.ctx.tasks.notify_changed()
    assert window.tabs.tabText(window.tabs.indexOf(window.followups)) == "待办走访（1）"
    sync(qtbot, window)

    ui_world.user("sup", "supervisor")
    boss = ui_world.client("sup")
    boss.syncer.sync()
    ops.review_visit(boss.store, first["id"], False, "请写明老人的身体状况")
    boss.syncer.sync()

    sync(qtbot, window)
    assert not window.returns_banner.isHidden()
    assert window.returns_banner.text.text() == "网格长退回了 1 条走访记录，请修改后重新提交。"
    assert window.tabs.tabText(window.tabs.indexOf(window.followups)) == "待办走访（2）"
    qtbot.mouseClick(window.returns_banner.action, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.followups
    page = window.followups
    assert next(r["id"] for r in page.model.rows()) == first["id"]
    assert page.model.data(page.model.index(0, 0)) == "被退回"
    # A second sync with nothing new says nothing again.
    window.returns_banner.hide()
    sync(qtbot, window)
    assert window.returns_banner.isHidden()

    # Open it, fix it: it goes back to review and leaves the list.
    page.table.setCurrentIndex(page.model.index(0, 0))
    page.open_visit()
    dialog = window.findChild(VisitDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.notes.setPlainText("见到老人，身体状况良好，血压正常")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert [r["review_status"] for r in page.model.rows()] == ["pending"]  # the follow-up
    # The follow-up is resolved with what was done.
    page.table.setCurrentIndex(page.model.index(0, 0))
    done = page.resolve()
    done.text.setPlainText("已联系物业维修")
    qtbot.mouseClick(done.ok, Qt.MouseButton.LeftButton)
    assert page.count() == 0
    assert window.tabs.tabText(window.tabs.indexOf(window.followups)) == "待办走访（0）"


def test_overdue_issues_are_marked_in_my_issues(qtbot, ui_world):
    window, _homes = open_window(qtbot, ui_world)
    late = (dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=5)).isoformat()
    ops.raise_issue(
        window.ctx.store, "楼道灯不亮", "facilities", grid_id=ui_world.grid, due_date=late
    )
    window.ctx.tasks.notify_changed()
    page = window.issues
    due_column = page.model.columnCount() - 1
    assert page.model.data(page.model.index(0, due_column)) == f"{late}（逾期 5 天）"
    assert page.panel.facts["due"].text() == f"{late}（逾期 5 天）"


def test_batch_approve_asks_once_and_undo_puts_them_back(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    for name in ("zhang", "li", "wang"):
        ops.log_visit(window.ctx.store, homes[name]["id"], "met", notes="入户走访")
    sync(qtbot, window)
    ui_world.user("sup", "supervisor")
    boss = supervisor_window(qtbot, ui_world)
    page = boss.review
    assert len(page.model.rows()) == 3
    focus_table(qtbot, boss)
    page.select_all()
    asked: list[Any] = []
    original = QMessageBox.open

    def count_open(box: QMessageBox) -> None:
        asked.append(box)
        original(box)

    QMessageBox.open = count_open  # type: ignore[method-assign]
    try:
        with qtbot.waitSignal(page.reviewed, timeout=3000):
            qtbot.keyClick(page.table, Qt.Key.Key_A)
            assert len(asked) == 1 and page.confirm_box is asked[0]
            assert page.confirm_box.text() == "通过选中的 3 条走访记录？"
            page.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    finally:
        QMessageBox.open = original  # type: ignore[method-assign]
    assert len(asked) == 1
    assert page.model.rows() == []
    assert not page.undo_bar.isHidden() and page.undo_text.text() == "已通过 3 条走访记录。"
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert len(page.model.rows()) == 3
    assert page.undo_bar.isHidden()
    assert {
        queries.row(boss.ctx.store, "visits", r["id"])["review_status"] for r in page.model.rows()
    } == {"pending"}


def test_supervisor_changes_a_deadline_and_the_worker_sees_it(qtbot, ui_world):
    window, _homes = open_window(qtbot, ui_world)
    issue = ops.raise_issue(
        window.ctx.store, "井盖破损", "facilities", grid_id=ui_world.grid, due_date="2026-11-01"
    )
    sync(qtbot, window)
    ui_world.user("sup", "supervisor")
    boss = supervisor_window(qtbot, ui_world)
    boss.open_issue(issue["id"])
    panel = boss.issues.panel
    assert panel.issue["id"] == issue["id"]
    dialog = panel.change_deadline()
    assert dialog.windowTitle() == "修改办理期限"
    from PySide6.QtCore import QDate

    dialog.date.setDate(QDate(2026, 12, 31))
    dialog.reason.setPlainText("需协调燃气公司")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert panel.facts["due"].text().startswith("2026-12-31")
    sync(qtbot, boss)
    sync(qtbot, window)
    window.open_issue(issue["id"])
    assert window.issues.panel.facts["due"].text().startswith("2026-12-31")
    updates = window.issues.panel.updates
    assert "办理期限改为 2026-12-31：需协调燃气公司" in [
        updates.data(updates.index(r, 2)) for r in range(updates.rowCount())
    ]
    # A worker has no such button.
    assert not hasattr(window.issues.panel, "deadline_button") or (
        window.issues.panel.deadline_button.parent() is None
    )
