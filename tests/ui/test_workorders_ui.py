"""The supervisor's 台账 menu: 12345 work orders (report, import, 待分派, replies), the weekly
list's ways out, and the ledger export dialog's 打印."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from PySide6.QtGui import QImage

from gridworker.domain import operations as ops
from gridworker.domain import workorders
from gridworker.ui.workorders import WeeklyDialog, WorkOrdersDialog
from tests.workorders.helpers import messy_export

from .conftest import add_households


def _window(qtbot: Any, ui_world: Any) -> Any:
    ui_world.user("wa")
    ui_world.user("sup", "supervisor")
    worker = ui_world.client("wa")
    add_households(worker, ui_world.grid)
    assert worker.syncer.sync().rejected == 0
    session = ui_world.client("sup")
    assert session.syncer.sync().rejected == 0
    window = ui_world.window(session)
    qtbot.waitExposed(window)
    return window


def _menu_action(window: Any, text: str) -> Any:
    for menu in window.menuBar().actions():
        for action in menu.menu().actions():
            if action.text() == text:
                return action
    raise AssertionError(text)


def test_work_orders_from_the_ledgers_menu(qtbot: Any, ui_world: Any, tmp_path: Path) -> None:
    window = _window(qtbot, ui_world)
    _menu_action(window, "12345 工单…").trigger()
    dialog = window._workorder_dialog
    assert isinstance(dialog, WorkOrdersDialog)
    qtbot.waitExposed(dialog)
    dialog.load(messy_export(tmp_path / "工单.xlsx"))
    report = dialog.report.toPlainText()
    assert report.startswith(
        "12345 工单：工作表“工单列表”，表头在第 3 行，未匹配住户的工单放入网格 g1"
    )
    assert "[提醒] 第11行 工单号(B列): 工单编号与第4行重复，只导入第一行" in report
    assert dialog.import_button.isEnabled()
    assert workorders.unassigned(window.ctx.store) == []  # nothing written by the report

    with qtbot.waitSignal(dialog.imported) as imported:
        dialog.import_button.click()
    assert imported.args == [9]
    assert "已导入 9 件工单。" in dialog.report.toPlainText()
    # None of the community's addresses is on this laptop: all nine are to be assigned.
    assert dialog.unassigned.rowCount() == 9
    assert dialog.tabs.tabText(1) == "待分派（9）"
    dialog.unassigned.selectRow(0)
    dialog.assignee.setCurrentIndex(dialog.assignee.findText("wa"))
    dialog.assign_button.click()
    assert dialog.unassigned.rowCount() == 8

    # Resolve one order, export the replies: one line, then none since.
    store = window.ctx.store
    first = next(i for i in workorders_all(store) if i["external_ref"] == "LYG20261118001")
    ops.add_issue_update(store, first["id"], "resolved", "已更换盖板")
    out = tmp_path / "回复.xlsx"
    assert dialog.export_replies(out) == 1
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("LYG20261118001", "已更换盖板")
    assert dialog.export_replies(out) == 0
    dialog.everything.setChecked(True)
    assert dialog.export_replies(out) == 1
    dialog.close()


def workorders_all(store: Any) -> list[dict[str, Any]]:
    from gridworker.domain import queries

    return [i for i in queries.issues(store, limit=1000) if i["external_ref"]]


def test_weekly_list_dialog_and_ledger_print(qtbot: Any, ui_world: Any, tmp_path: Path) -> None:
    window = _window(qtbot, ui_world)
    _menu_action(window, "巷理事工作清单…").trigger()
    dialog = window._workorder_dialog
    assert isinstance(dialog, WeeklyDialog)
    qtbot.waitExposed(dialog)
    assert "张三 待走访（独居老人，从未走访）" in dialog.view.toPlainText()
    for kind in ("pdf", "xlsx", "png"):
        saved = dialog.save(kind, tmp_path / "清单")
        assert saved is not None and saved.suffix == f".{kind}" and saved.stat().st_size > 0
    assert QImage(str(tmp_path / "清单.png")).width() == 1080
    preview = dialog.preview()
    qtbot.waitExposed(preview)
    preview.close()
    dialog.close()

    export = window.export_ledger()
    export.entity.setCurrentIndex(export.entity.findData("households"))
    printed = export.print_preview()
    qtbot.waitExposed(printed)
    assert printed.windowTitle() == "打印预览"
    printed.close()
    export.close()
