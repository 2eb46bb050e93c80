"""Issue 11: the worker's refused-changes list names the record and its grid, and does not
offer 重新提交 where it cannot work (the household left this laptop)."""

from __future__ import annotations

from gridworker.domain import operations as ops
from gridworker.session import login
from sync.server import admin
from tests.server.harness import PASSWORD


def test_a_refused_edit_of_a_moved_household_is_named_and_not_made_again_here(qtbot, ui_world):
    g1 = ui_world.grid
    g2 = ui_world.service.grid("g2", "西门网格二")
    ui_world.service.user("wa", "worker", [g1])
    worker = login(ui_world.data_dir("wa"), ui_world.url, "wa", PASSWORD)
    ui_world.sessions.append(worker)
    hh = ops.create_household(worker.store, g1, "朐阳小区 1号楼 1单元 101室", head_name="张三")
    worker.syncer.sync()
    window = ui_world.window(worker)
    ops.update_household(worker.store, hh["id"], phone="13800138000")
    admin.move_household(ui_world.service.engine, ui_world.service.settings, hh["id"], g2)
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        window.sync_now()
    page = window.conflicts
    model = page.rejections
    assert model.rowCount() == 1
    cells = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    record = cells[3]
    assert record.startswith("住户：") and record != "住户："
    assert cells[1] == "（已不在本机）"  # its grid left this laptop with it
    assert cells[4] == "联系电话：13800138000"
    again, _done = next(iter(page.rejection_buttons.values()))
    assert not again.isEnabled()
    assert "其他网格" in again.toolTip()
