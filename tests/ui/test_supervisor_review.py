"""审核: a worker's visits reach the supervisor's queue; A approves, R returns with a comment,
several at once; the worker's laptop sees the outcome after the syncs; the filters narrow it.

Everything goes through the laptops' stores and the real service on loopback. Times are UTC;
02:00Z is 10:00 local (Asia/Shanghai), 17:00Z is 01:00 local the next day.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.store.schema import ENTITY_TABLES
from gridworker.ui.issues import CommentDialog
from tests.ui.conftest import add_households
from tests.ui.test_visits_and_sync import sync

V = ENTITY_TABLES["visits"]


def visit_row(store: Any, visit_id: str) -> dict[str, Any]:
    with store.read() as conn:
        row = conn.execute(select(V).where(V.c.id == visit_id)).mappings().one()
    return dict(row)


def queue_ids(page: Any) -> list[str]:
    return [row["id"] for row in page.model.rows()]


def supervisor_window(qtbot: Any, ui_world: Any, username: str = "sup") -> Any:
    session = ui_world.client(username)
    session.syncer.sync()
    window = ui_world.window(session)
    window.tabs.setCurrentWidget(window.review)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window


def focus_table(qtbot: Any, window: Any) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.review.table.setFocus()
    qtbot.waitUntil(window.review.table.hasFocus, timeout=3000)


def click_row(qtbot: Any, page: Any, row: int, modifier: Any = Qt.KeyboardModifier.NoModifier):
    table = page.table
    rect = table.visualRect(page.model.index(row, 1))
    assert rect.isValid()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def open_comment_dialog(page: Any) -> CommentDialog:
    dialogs = [d for d in page.findChildren(CommentDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def test_approve_with_a_return_with_r_and_a_batch_reach_the_worker(qtbot, ui_world):
    ui_world.user("wa")
    ui_world.user("sup", "supervisor")
    worker = ui_world.client("wa")
    homes = add_households(worker, ui_world.grid)
    visits = [
        ops.log_visit(worker.store, homes[name]["id"], outcome, visited_at=when, notes=note)["id"]
        for name, outcome, when, note in (
            ("zhang", "met", "2026-11-03T02:00:00Z", "老人身体尚可"),
            ("li", "not_home", "2026-11-04T02:00:00Z", "敲门无人应答"),
            ("wang", "phone", "2026-11-05T02:00:00Z", "电话联系，一切正常"),
            ("zhang", "met", "2026-11-06T02:00:00Z", "送去防寒物资"),
        )
    ]
    assert worker.syncer.sync().rejected == 0

    window = supervisor_window(qtbot, ui_world)
    page = window.review
    store = window.ctx.store
    # The queue: the worker's four visits, oldest first, with the worker and the address.
    assert queue_ids(page) == visits
    first = page.model.rows()[0]
    assert first["worker_id"] == worker.user["id"]
    assert first["address"] == homes["zhang"]["address"]
    assert page.pending_count() == 4
    assert page.names[worker.user["id"]] == "wa"

    # A on the first row: approved on the laptop, gone from the queue, the next one selected.
    click_row(qtbot, page, 0)
    assert page.selected_ids() == [visits[0]]
    focus_table(qtbot, window)
    with qtbot.waitSignal(page.reviewed, timeout=3000) as reviewed:
        qtbot.keyClick(page.table, Qt.Key.Key_A)
    assert reviewed.args == [1, True]
    assert visit_row(store, visits[0])["review_status"] == "approved"
    assert visit_row(store, visits[0])["reviewed_by"] == store.user["id"]
    assert queue_ids(page) == visits[1:]
    assert page.selected_ids() == [visits[1]]
    assert page.pending_count() == 3

    # R without a comment: the dialog cannot be accepted; cancelled, nothing changes.
    focus_table(qtbot, window)
    qtbot.keyClick(page.table, Qt.Key.Key_R)
    dialog = open_comment_dialog(page)
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.text, "   ")
    assert not dialog.ok.isEnabled()
    dialog.reject()
    assert not dialog.isVisible()
    assert visit_row(store, visits[1])["review_status"] == "pending"
    assert queue_ids(page) == visits[1:]

    # R with a comment: returned, with that comment.
    focus_table(qtbot, window)
    assert page.selected_ids() == [visits[1]]
    qtbot.keyClick(page.table, Qt.Key.Key_R)
    dialog = open_comment_dialog(page)
    qtbot.keyClicks(dialog.text, "Please visit again in the evening")
    assert dialog.ok.isEnabled()
    with qtbot.waitSignal(page.reviewed, timeout=3000) as reviewed:
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert reviewed.args == [1, False]
    assert not dialog.isVisible()
    returned = visit_row(store, visits[1])
    assert (returned["review_status"], returned["review_comment"]) == (
        "returned",
        "Please visit again in the evening",
    )
    assert queue_ids(page) == visits[2:]
    assert page.selected_ids() == [visits[2]]

    # The remaining two, shift-clicked, approved together with A.
    click_row(qtbot, page, 0)
    click_row(qtbot, page, 1, Qt.KeyboardModifier.ShiftModifier)
    assert page.selected_ids() == visits[2:]
    focus_table(qtbot, window)
    with qtbot.waitSignal(page.reviewed, timeout=3000) as reviewed:
        qtbot.keyClick(page.table, Qt.Key.Key_A)
        # Several at once: asked once.
        assert page.confirm_box is not None and page.confirm_box.isVisible()
        page.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    assert reviewed.args == [2, True]
    assert [visit_row(store, v)["review_status"] for v in visits[2:]] == ["approved"] * 2
    assert queue_ids(page) == []
    assert page.selected_ids() == []
    assert not page.approve_button.isEnabled() and not page.return_button.isEnabled()
    # A with nothing selected does nothing.
    focus_table(qtbot, window)
    qtbot.keyClick(page.table, Qt.Key.Key_A)
    assert page.approve_selected() == 0
    assert page.return_selected() is None

    # Both laptops sync: the worker sees approved, returned with the comment, approved.
    sync(qtbot, window)
    assert queries.status(store)["pending"] == 0
    assert worker.syncer.sync().rejected == 0
    seen = [visit_row(worker.store, v) for v in visits]
    assert [v["review_status"] for v in seen] == ["approved", "returned", "approved", "approved"]
    assert seen[1]["review_comment"] == "Please visit again in the evening"
    assert {v["reviewed_by"] for v in seen} == {store.user["id"]}
    assert [v["review_comment"] for v in (seen[0], seen[2], seen[3])] == [None] * 3
    # The supervisor's queue stays empty after the round trip.
    assert queries.review_queue(store) == []


def test_the_selected_visits_are_returned_together_with_one_comment(qtbot, ui_world):
    ui_world.user("wa")
    ui_world.user("sup", "supervisor")
    worker = ui_world.client("wa")
    homes = add_households(worker, ui_world.grid)
    visits = [
        ops.log_visit(worker.store, homes[name]["id"], visited_at=f"2026-11-0{n + 3}T02:00:00Z")[
            "id"
        ]
        for n, name in enumerate(("zhang", "li", "wang"))
    ]
    worker.syncer.sync()
    window = supervisor_window(qtbot, ui_world)
    page = window.review
    page.select_all()
    assert page.selected_ids() == visits
    focus_table(qtbot, window)
    qtbot.keyClick(page.table, Qt.Key.Key_R)
    dialog = open_comment_dialog(page)
    qtbot.keyClicks(dialog.text, "Missing the people met")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    rows = [visit_row(window.ctx.store, v) for v in visits]
    assert {(r["review_status"], r["review_comment"]) for r in rows} == {
        ("returned", "Missing the people met")
    }
    assert queue_ids(page) == []

    # The worker edits one: pending again; after the syncs it is back in the queue, alone.
    sync(qtbot, window)
    worker.syncer.sync()
    ops.edit_visit(worker.store, visits[1], notes="见到户主李四")
    assert worker.syncer.sync().rejected == 0
    sync(qtbot, window)
    assert queue_ids(page) == [visits[1]]
    assert page.model.rows()[0]["notes"] == "见到户主李四"


def test_grid_worker_and_dates_narrow_the_queue(qtbot, ui_world):
    g1 = ui_world.grid
    g2 = ui_world.service.grid("g2", "西门网格二")
    wa_id = ui_world.user("wa")
    wc_id = ui_world.user("wc")
    wb_id = ui_world.service.user("wb", "worker", [g2])
    ui_world.service.user("sup", "supervisor", [g1, g2])
    wa, wb, wc = ui_world.client("wa"), ui_world.client("wb"), ui_world.client("wc")
    h1 = ops.create_household(wa.store, g1, "海州区朐阳小区 1号楼 1单元 101室")["id"]
    wa.syncer.sync()
    wc.syncer.sync()
    h2 = ops.create_household(wb.store, g2, "海州区西门新村 2号楼 1单元 201室")["id"]
    # Local dates: a 11-03, b 11-05 01:00 (17:00Z on 11-04), c 11-06; d 11-04; e 11-05.
    a = ops.log_visit(wa.store, h1, visited_at="2026-11-03T02:00:00Z")["id"]
    b = ops.log_visit(wa.store, h1, "not_home", visited_at="2026-11-04T17:00:00Z")["id"]
    c = ops.log_visit(wa.store, h1, "phone", visited_at="2026-11-06T02:00:00Z")["id"]
    d = ops.log_visit(wb.store, h2, visited_at="2026-11-04T02:00:00Z")["id"]
    e = ops.log_visit(wc.store, h1, visited_at="2026-11-05T02:00:00Z")["id"]
    for session in (wa, wb, wc):
        assert session.syncer.sync().rejected == 0

    window = supervisor_window(qtbot, ui_world)
    page = window.review
    assert queue_ids(page) == [a, d, b, e, c]
    # Everyone who holds one of the supervisor's grids, by name.
    workers = {page.worker.itemData(i) for i in range(1, page.worker.count())}
    assert {wa_id, wb_id, wc_id} <= workers

    # Grid 2: wb's visit only; the worker list follows the grid.
    page.grid.setCurrentIndex(page.grid.findData(g2))
    assert queue_ids(page) == [d]
    workers = {page.worker.itemData(i) for i in range(1, page.worker.count())}
    assert wb_id in workers and wa_id not in workers and wc_id not in workers
    assert page.worker.findData(wa_id) < 0

    # Grid 1 and worker wc; then wa.
    page.grid.setCurrentIndex(page.grid.findData(g1))
    assert queue_ids(page) == [a, b, e, c]
    page.worker.setCurrentIndex(page.worker.findData(wc_id))
    assert queue_ids(page) == [e]
    page.worker.setCurrentIndex(page.worker.findData(wa_id))
    assert queue_ids(page) == [a, b, c]

    # Local dates 11-04 … 11-05 (both included): b (11-05 01:00 local), not a nor c.
    page.date_from.setDate(QDate(2026, 11, 4))
    page.date_to.setDate(QDate(2026, 11, 5))
    assert queue_ids(page) == [b]
    # Every grid and worker in those dates.
    page.grid.setCurrentIndex(page.grid.findData(None))
    page.worker.setCurrentIndex(page.worker.findData(None))
    assert queue_ids(page) == [d, b, e]
    # From alone, to alone.
    page.date_to.setDate(page.date_to.minimumDate())
    assert queue_ids(page) == [d, b, e, c]
    page.date_from.setDate(page.date_from.minimumDate())
    page.date_to.setDate(QDate(2026, 11, 3))
    assert queue_ids(page) == [a]

    # A approval under a filter acts on the filtered row only.
    page.date_to.setDate(page.date_to.minimumDate())
    page.worker.setCurrentIndex(page.worker.findData(wc_id))
    assert queue_ids(page) == [e]
    focus_table(qtbot, window)
    qtbot.keyClick(page.table, Qt.Key.Key_A)
    assert visit_row(window.ctx.store, e)["review_status"] == "approved"
    assert queue_ids(page) == []
    page.worker.setCurrentIndex(page.worker.findData(None))
    assert queue_ids(page) == [a, d, b, c]
