"""事项督办: the supervisor's views of every issue of their grids, the category × grid summary,
reassign (改派), escalate with a 12345 ticket (上报), close after verification and reopen.

Two grids: g1 (workers wa and wc), g2 (worker wb); a supervisor of both. The workers raise and
move their issues on their laptops and sync; the supervisor's window acts; the workers' laptops
see the outcome after the syncs.

| issue | grid | category   | due              | status                         |
| i1    | g1   | facilities | 2026-11-01 (late) | open, assigned to wa          |
| i2    | g1   | flood      | in a month       | in_progress                    |
| i3    | g1   | facilities | 2026-11-01       | resolved (late but finished)   |
| i7    | g1   | facilities | —                | open                           |
| i4    | g2   | facilities | in a month       | open                           |
| i5    | g2   | dispute    | —                | escalated (ticket A-100)       |
| i6    | g2   | flood      | —                | closed (by the supervisor)     |
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.ui.issue_actions import EscalateDialog, ReassignDialog
from gridworker.ui.issues import CommentDialog, IssuesPage
from gridworker.ui.oversight import OversightPage
from tests.ui.test_visits_and_sync import sync

LATE = "2026-11-01"


@pytest.fixture
def office(qtbot, ui_world) -> dict[str, Any]:
    g1 = ui_world.grid
    g2 = ui_world.service.grid("g2", "西门网格二")
    ids = {
        "wa": ui_world.user("wa"),
        "wc": ui_world.user("wc"),
        "wb": ui_world.service.user("wb", "worker", [g2]),
    }
    ui_world.service.user("sup", "supervisor", [g1, g2])
    wa, wb, wc = ui_world.client("wa"), ui_world.client("wb"), ui_world.client("wc")
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()

    def raise_issue(session: Any, grid: str, title: str, category: str, **fields: Any) -> str:
        return str(ops.raise_issue(session.store, title, category, grid_id=grid, **fields)["id"])

    i = {
        "i1": raise_issue(
            wa, g1, "3号楼下井盖破损", "facilities", due_date=LATE, assignee_id=ids["wa"]
        ),
        "i2": raise_issue(wa, g1, "西门路商户需要防汛沙袋", "flood", due_date=later),
        "i3": raise_issue(wa, g1, "鼓楼巷路灯不亮", "facilities", due_date=LATE),
        "i7": raise_issue(wa, g1, "朐阳小区健身器材损坏", "facilities"),
        "i4": raise_issue(wb, g2, "西门新村水管漏水", "facilities", due_date=later),
        "i5": raise_issue(wb, g2, "楼上楼下噪音纠纷", "dispute"),
        "i6": raise_issue(wb, g2, "地下车库积水", "flood"),
    }
    ops.add_issue_update(wa.store, i["i2"], "in_progress", "已联系社区仓库")
    ops.add_issue_update(wa.store, i["i3"], "resolved", "已报修，路灯已亮")
    ops.escalate_issue(wb.store, i["i5"], "A-100", "调解不成，上报街道")
    ops.add_issue_update(wb.store, i["i6"], "resolved", "已抽水")
    for session in (wa, wb):
        assert session.syncer.sync().rejected == 0
    wc.syncer.sync()

    sup = ui_world.client("sup")
    sup.syncer.sync()
    ops.add_issue_update(sup.store, i["i6"], "closed", "现场核实，已办结")
    window = ui_world.window(sup)
    window.tabs.setCurrentWidget(window.issues)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return {
        "ui_world": ui_world,
        "window": window,
        "page": window.issues,
        "i": i,
        "g1": g1,
        "g2": g2,
        "wa": wa,
        "wb": wb,
        "wc": wc,
        **{f"{k}_id": v for k, v in ids.items()},
    }


def listed(page: OversightPage) -> set[str]:
    return {row["id"] for row in page.model.rows()}


def choose_view(page: OversightPage, key: str) -> set[str]:
    page.view.setCurrentIndex(page.view.findData(key))
    return listed(page)


def summary_cells(page: OversightPage) -> list[list[str]]:
    table = page.summary
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def click_summary(qtbot: Any, page: OversightPage, row: int, column: int) -> None:
    table = page.summary
    rect = table.visualItemRect(table.item(row, column))
    assert rect.isValid()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def click_row(qtbot: Any, page: OversightPage, row: int) -> None:
    rect = page.table.visualRect(page.model.index(row, 1))
    assert rect.isValid()
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def visible_dialog(parent: Any, kind: type) -> Any:
    dialogs = [d for d in parent.findChildren(kind) if d.isVisible()]
    assert len(dialogs) == 1, dialogs
    return dialogs[0]


def comment_and_save(qtbot: Any, panel: Any, text: str) -> None:
    dialog = visible_dialog(panel, CommentDialog)
    qtbot.keyClicks(dialog.text, text)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_views_and_the_summary_list_the_right_issues(qtbot, office):
    page, i = office["page"], office["i"]
    g1, g2 = office["g1"], office["g2"]
    assert isinstance(page, OversightPage)
    # Not finished (the default): open, in progress, escalated, in both grids.
    assert page.view.currentData() == "unfinished"
    assert listed(page) == {i["i1"], i["i2"], i["i7"], i["i4"], i["i5"]}
    assert page.open_count() == 5
    # Overdue: unfinished and past the due date: i1 only (i3 is late but resolved).
    assert choose_view(page, "overdue") == {i["i1"]}
    assert choose_view(page, "escalated") == {i["i5"]}
    assert choose_view(page, "resolved") == {i["i3"]}
    assert choose_view(page, "closed") == {i["i6"]}
    assert choose_view(page, "all") == set(i.values())

    # The summary of unfinished issues: categories down (facilities, flood, dispute in the
    # code order), grids across (g1, g2), totals last.
    choose_view(page, "unfinished")
    assert page._summary_keys == (["facilities", "flood", "dispute"], [g1, g2])
    assert summary_cells(page) == [
        ["2", "1", "3"],
        ["1", "", "1"],
        ["", "1", "1"],
        ["3", "2", "5"],
    ]
    # The summary follows the view: overdue is one facilities issue of g1.
    choose_view(page, "overdue")
    assert page._summary_keys == (["facilities"], [g1])
    assert summary_cells(page) == [["1", "1"], ["1", "1"]]

    # A click on a cell filters the list by its category and grid.
    choose_view(page, "unfinished")
    click_summary(qtbot, page, 0, 1)  # facilities × g2
    assert (page.category.currentData(), page.grid.currentData()) == ("facilities", g2)
    assert listed(page) == {i["i4"]}
    click_summary(qtbot, page, 0, 0)  # facilities × g1
    assert listed(page) == {i["i1"], i["i7"]}
    click_summary(qtbot, page, 3, 0)  # every category of g1
    assert (page.category.currentData(), page.grid.currentData()) == (None, g1)
    assert listed(page) == {i["i1"], i["i2"], i["i7"]}
    click_summary(qtbot, page, 2, 2)  # dispute, every grid
    assert (page.category.currentData(), page.grid.currentData()) == ("dispute", None)
    assert listed(page) == {i["i5"]}
    click_summary(qtbot, page, 3, 2)  # everything
    assert listed(page) == {i["i1"], i["i2"], i["i7"], i["i4"], i["i5"]}
    # The filters stay with another view.
    click_summary(qtbot, page, 0, 2)
    assert choose_view(page, "all") == {i["i1"], i["i3"], i["i7"], i["i4"]}


def test_reassign_to_another_worker_of_the_grid_reaches_their_laptop(qtbot, office):
    page, i, window = office["page"], office["i"], office["window"]
    wa, wc = office["wa"], office["wc"]
    store = window.ctx.store
    assert {r["id"] for r in queries.issues(wa.store, mine=True)} >= {i["i1"]}

    window.open_issue(i["i1"])
    panel = page.panel
    assert panel.issue["id"] == i["i1"]
    qtbot.mouseClick(panel.reassign_button, Qt.MouseButton.LeftButton)
    dialog = visible_dialog(panel, ReassignDialog)
    # Whoever holds g1, and nobody; not wb (g2 only).
    people = [dialog.person.itemData(n) for n in range(dialog.person.count())]
    assert people[0] is None
    assert {office["wa_id"], office["wc_id"]} <= set(people)
    assert office["wb_id"] not in people
    assert dialog.assignee() == office["wa_id"]  # the current assignee first
    dialog.person.setCurrentIndex(dialog.person.findData(office["wc_id"]))
    qtbot.keyClicks(dialog.comment, "Please call the property manager")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    issue = queries.issue_detail(store, i["i1"])
    assert issue["assignee_id"] == office["wc_id"]
    assert issue["status"] == "open"
    last = issue["updates"][-1]
    assert last["status"] is None and last["from_status"] == "open"
    assert "wc" in last["comment"]
    assert last["comment"].endswith("：Please call the property manager")
    assert len(issue["updates"]) == 1
    assert panel.updates.rowCount() == 1
    assert panel.facts["assignee"].text() == "wc"

    # After the syncs the issue is wc's, and no longer wa's.
    sync(qtbot, window)
    assert queries.status(store)["pending"] == 0
    for session in (wa, wc):
        assert session.syncer.sync().rejected == 0
    assert i["i1"] in {r["id"] for r in queries.issues(wc.store, mine=True)}
    assert i["i1"] not in {r["id"] for r in queries.issues(wa.store, mine=True)}
    seen = queries.issue_detail(wc.store, i["i1"])
    assert seen["updates"][-1]["comment"] == last["comment"]

    # wc's own window: 我的事项 lists it; a worker's window has no review or coverage tab.
    worker_window = office["ui_world"].window(wc)
    assert isinstance(worker_window.issues, IssuesPage)
    assert worker_window.issues.mine.isChecked()
    assert worker_window.issues.model.row_of(i["i1"]) >= 0
    assert worker_window.review is None and worker_window.coverage is None
    assert worker_window.tabs.count() == 6  # with 待办走访 and 任务
    assert not hasattr(worker_window.issues.panel, "reassign_button")


def test_escalate_with_a_12345_ticket_refuses_an_invalid_number(qtbot, office):
    page, i, window = office["page"], office["i"], office["window"]
    store = window.ctx.store
    window.open_issue(i["i4"])
    panel = page.panel
    assert list(panel.transition_buttons) == ["in_progress", "escalated", "resolved"]
    qtbot.mouseClick(panel.transition_buttons["escalated"], Qt.MouseButton.LeftButton)
    dialog = visible_dialog(panel, EscalateDialog)

    # "##" is no ticket number: refused in the dialog, nothing written.
    qtbot.keyClicks(dialog.ticket, "##")
    qtbot.keyClicks(dialog.comment, "Water company must repair the main pipe")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.isVisible() and dialog.error.text()
    issue = queries.issue_detail(store, i["i4"])
    assert (issue["status"], issue["external_ref"], issue["updates"]) == ("open", None, [])

    # A valid number but no comment: refused too.
    dialog.ticket.clear()
    qtbot.keyClicks(dialog.ticket, "2026112600123")
    dialog.comment.clear()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert queries.issue_detail(store, i["i4"])["status"] == "open"

    qtbot.keyClicks(dialog.comment, "Water company must repair the main pipe")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    issue = queries.issue_detail(store, i["i4"])
    assert (issue["status"], issue["external_ref"]) == ("escalated", "2026112600123")
    (update,) = issue["updates"]
    assert (update["from_status"], update["status"], update["comment"]) == (
        "open",
        "escalated",
        "Water company must repair the main pipe",
    )
    assert panel.facts["ref"].text() == "2026112600123"
    assert choose_view(page, "escalated") == {i["i4"], i["i5"]}

    # The worker who raised it sees the escalation and the ticket after the syncs.
    sync(qtbot, window)
    wb = office["wb"]
    assert wb.syncer.sync().rejected == 0
    seen = queries.issue_detail(wb.store, i["i4"])
    assert (seen["status"], seen["external_ref"]) == ("escalated", "2026112600123")


def test_a_resolved_issue_is_closed_by_the_supervisor_and_reopened(qtbot, office):
    page, i, window = office["page"], office["i"], office["window"]
    store = window.ctx.store
    assert choose_view(page, "resolved") == {i["i3"]}
    click_row(qtbot, page, 0)
    panel = page.panel
    assert panel.issue["id"] == i["i3"]
    # The supervisor may close a resolved issue (a worker may only reopen it).
    assert list(panel.transition_buttons) == ["open", "closed"]

    qtbot.mouseClick(panel.transition_buttons["closed"], Qt.MouseButton.LeftButton)
    comment_and_save(qtbot, panel, "Checked on site, the lamp works")
    assert queries.issue_detail(store, i["i3"])["status"] == "closed"
    assert list(panel.transition_buttons) == ["open"]
    assert panel.issue["id"] == i["i3"]  # still shown, though it left the view
    assert listed(page) == set()
    assert choose_view(page, "closed") == {i["i3"], i["i6"]}

    window.open_issue(i["i3"])
    qtbot.mouseClick(panel.transition_buttons["open"], Qt.MouseButton.LeftButton)
    comment_and_save(qtbot, panel, "The lamp is out again")
    issue = queries.issue_detail(store, i["i3"])
    assert issue["status"] == "open"
    assert [(u["from_status"], u["status"]) for u in issue["updates"]] == [
        ("open", "resolved"),
        ("resolved", "closed"),
        ("closed", "open"),
    ]
    assert list(panel.transition_buttons) == ["in_progress", "escalated", "resolved"]

    sync(qtbot, window)
    assert queries.status(store)["pending"] == 0
    wa = office["wa"]
    assert wa.syncer.sync().rejected == 0
    seen = queries.issue_detail(wa.store, i["i3"])
    assert seen["status"] == "open"
    assert [u["comment"] for u in seen["updates"]][-2:] == [
        "Checked on site, the lamp works",
        "The lamp is out again",
    ]
    # The issue closed before the window opened reached the server too.
    wb = office["wb"]
    wb.syncer.sync()
    assert queries.issue_detail(wb.store, i["i6"])["status"] == "closed"


def test_escalating_keeps_a_long_ticket_number_entered_by_the_worker(qtbot, office):
    page, window = office["page"], office["window"]
    store = window.ctx.store
    wb = office["wb"]
    # A 50-character ticket (letters, digits, dashes; the field takes up to 64).
    ticket = "LYG-12345-20261126-000123-" + "A" * 24
    assert len(ticket) == 50
    issue_id = ops.raise_issue(
        wb.store, "市场门口占道经营", "public_order", grid_id=office["g2"], external_ref=ticket
    )["id"]
    assert wb.syncer.sync().rejected == 0
    sync(qtbot, window)
    assert queries.issue_detail(store, issue_id)["external_ref"] == ticket

    window.open_issue(issue_id)
    panel = page.panel
    qtbot.mouseClick(panel.transition_buttons["escalated"], Qt.MouseButton.LeftButton)
    dialog = visible_dialog(panel, EscalateDialog)
    qtbot.keyClicks(dialog.comment, "Handed to the market office")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    issue = queries.issue_detail(store, issue_id)
    assert issue["status"] == "escalated"
    assert issue["external_ref"] == ticket
