"""台账 in a supervisor's window: the import dialog end to end on the messy ledger of
tests/ledger (mapping guessed, report by row and severity, a mapping changed, import, sync,
another laptop sees the rows), workers cannot import, and the export dialog (a period of
visits to .xlsx; a path that cannot be written gives a Chinese message, not a traceback).

Everything goes through the laptops' stores and the real service on loopback. Times are UTC;
02:00Z is 10:00 local (Asia/Shanghai), 17:00Z is 01:00 local the next day.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox, QStyle, QStyleOptionButton

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.ui.ledgers import ExportDialog, ImportDialog
from sync.ledger.columns import headers
from tests.ledger.helpers import HEADER, LI, ZHANG, id_number, messy_ledger

# What tests/ledger/test_importer.py expects of the same ledger (row, column, severity, code).
MESSY_PROBLEMS = [
    (4, "手机号(G列)", "warning", "normalised"),
    (5, "公民身份号码(D列)", "warning", "id_number_15"),
    (5, "手机号(G列)", "warning", "full_width"),
    (6, "公民身份号码(D列)", "error", "invalid_id_number"),
    (7, None, "info", "blank_row"),
    (8, None, "info", "section_row"),
    (9, "公民身份号码(D列)", "error", "id_number_as_number"),
    (10, "公民身份号码(D列)", "warning", "full_width"),
    (10, "与户主关系(F列)", "error", "invalid_code"),
    (11, "公民身份号码(D列)", "error", "duplicate_in_file"),
    (13, None, "info", "section_row"),
]
GUESSED = [None, "address", "name", "id_number", "gender", "relation", "phone", "tags", "notes"]
NOTES_COLUMN = HEADER.index("备注")
OTHER = id_number("32070519451111003")


def households(session: Any, grid_id: str) -> dict[str, Any]:
    """Three households of g1; nobody in them is in the messy ledger (its 张伟 has the ID
    number of tests/ui/conftest.py's 张三, which would make row 4 a duplicate of g1's)."""
    store = session.store
    zhang = ops.create_household(
        store, grid_id, "海州区海州街道 朐阳小区 3号楼 1单元 201室", head_name="张三"
    )
    ops.add_resident(store, zhang["id"], "张三", relation="head", id_number=OTHER)
    li = ops.create_household(
        store, grid_id, "海州区海州街道 西门新村 1号楼 2单元 301室", head_name="李四"
    )
    wang = ops.create_household(store, grid_id, "海州区海州街道 鼓楼巷 16号", head_name="王五")
    return {"zhang": zhang, "li": li, "wang": wang}


@pytest.fixture
def office(ui_world: Any) -> SimpleNamespace:
    """g1 (西门网格一) with wa's households and visits; g2 empty; a supervisor of both; wb,
    a worker of g2 with a laptop of her own."""
    g1 = ui_world.grid
    g2 = ui_world.service.grid("g2", "西门网格二")
    ui_world.user("wa")
    ui_world.service.user("wb", "worker", [g2])
    ui_world.service.user("sup", "supervisor", [g1, g2])
    worker = ui_world.client("wa")
    homes = households(worker, g1)
    for name, when in (
        ("zhang", "2026-11-03T02:00:00Z"),  # 11-03 local
        ("li", "2026-11-04T02:00:00Z"),  # 11-04
        ("wang", "2026-11-04T17:00:00Z"),  # 11-05 01:00 local
        ("zhang", "2026-11-05T16:30:00Z"),  # 11-06 00:30 local
    ):
        ops.log_visit(worker.store, homes[name]["id"], visited_at=when, notes="入户走访")
    assert worker.syncer.sync().rejected == 0
    return SimpleNamespace(world=ui_world, g1=g1, g2=g2, worker=worker, homes=homes)


def supervisor_window(qtbot: Any, ui_world: Any) -> Any:
    session = ui_world.client("sup")
    assert session.syncer.sync().rejected == 0
    window = ui_world.window(session)
    qtbot.waitExposed(window)
    return window


def settle(qtbot: Any, window: Any) -> None:
    """Every background task done and its result handed back to the GUI thread."""
    tasks = window.ctx.tasks
    assert tasks.wait()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10000)


def open_import(qtbot: Any, window: Any, path: Path, grid_id: str) -> ImportDialog:
    dialog = window.import_ledger()
    assert isinstance(dialog, ImportDialog) and dialog.isVisible()
    assert [dialog.grid.itemData(i) for i in range(dialog.grid.count())] == ["g1", "g2"]
    dialog.grid.setCurrentIndex(dialog.grid.findData(grid_id))
    load(qtbot, window, dialog, path)
    return dialog


def load(qtbot: Any, window: Any, dialog: ImportDialog, path: Path) -> None:
    dialog.plan = None
    dialog.load(path)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10000)
    settle(qtbot, window)


def shown_problems(dialog: ImportDialog) -> list[tuple[Any, ...]]:
    return [(p["row"], p["column"], p["severity"], p["code"]) for p in dialog.problems.rows()]


def click_box(qtbot: Any, box: QCheckBox) -> None:
    """A click on the check box's own area (the widget may be wider than its text)."""
    option = QStyleOptionButton()
    box.initStyleOption(option)
    area = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxClickRect, option, box)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=area.center())


def cell(model: Any, row: int, column: int) -> str:
    return str(model.index(row, column).data())


def test_the_import_dialog_guesses_the_columns_and_reports_the_messy_ledger(
    qtbot: Any, office: Any, tmp_path: Path
) -> None:
    path = messy_ledger(tmp_path / "西门社区住户台账.xlsx")
    window = supervisor_window(qtbot, office.world)
    dialog = open_import(qtbot, window, path, office.g2)

    # The header is found in row 3 and each column mapped to its target.
    assert dialog.header_row == 3
    assert [dialog.mapping.item(n, 0).text() for n in range(dialog.mapping.rowCount())] == HEADER
    assert [combo.currentData() for combo in dialog.combos] == GUESSED
    assert dialog.combos[0].currentText() == "（不导入）"
    assert dialog.current_mapping() == {n: t for n, t in enumerate(GUESSED) if t}
    assert dialog.mapping.item(HEADER.index("姓名"), 2).text() == "张伟  |  李芳  |  张小明"

    # The report: the same problems the planner's own test expects, in the same order.
    plan = dialog.plan
    assert plan is not None and plan.grid_id == office.g2
    assert shown_problems(dialog) == MESSY_PROBLEMS
    assert plan.counts() == {
        "rows_read": 10,
        "new_households": 2,
        "existing_households": 0,
        "new_residents": 2,
        "skipped": 3,
        "error_rows": 4,
    }
    assert dialog.summary.text() == (
        "共读取 10 行。将新增住户 2 户、居民 2 人。不导入：有错误的 4 行；"
        "跳过 3 行（空行、标题行或已导入）。"
    )
    model = dialog.problems
    assert [cell(model, r, 0) for r in (0, 3, 4)] == ["4", "6", "7"]
    assert [cell(model, r, 2) for r in (0, 3, 4)] == ["已更正", "不导入", "提示"]
    assert "表姐" in cell(model, 8, 3)
    # No full ID number is ever shown.
    shown = " ".join(cell(model, r, c) for r in range(model.rowCount()) for c in range(4))
    assert ZHANG not in shown and LI not in shown
    assert dialog.commit_button.isEnabled()

    # Only the rows that will not be imported.
    click_box(qtbot, dialog.errors_only)
    assert dialog.errors_only.isChecked()
    errors = [p for p in MESSY_PROBLEMS if p[2] == "error"]
    assert shown_problems(dialog) == errors
    assert {cell(model, r, 2) for r in range(model.rowCount())} == {"不导入"}
    click_box(qtbot, dialog.errors_only)
    assert not dialog.errors_only.isChecked()
    assert shown_problems(dialog) == MESSY_PROBLEMS

    # 备注 not imported: the plan is made again, and the vacant flat loses its note.
    first = plan
    vacant = [h for h in first.households if h.values and h.values["notes"]]
    assert [h.values["notes"] for h in vacant if h.values] == ["空置"]
    dialog.set_target(NOTES_COLUMN, None)
    assert dialog.combos[NOTES_COLUMN].currentData() is None
    qtbot.waitUntil(lambda: dialog.plan is not first, timeout=10000)
    settle(qtbot, window)
    again = dialog.plan
    assert again is not None and NOTES_COLUMN not in again.mapping
    assert [h.values["notes"] for h in again.households if h.values] == [None, None]
    assert shown_problems(dialog) == MESSY_PROBLEMS
    assert dialog.commit_button.isEnabled()

    # Another target for a column: 人员类别 as the household's tags.
    dialog.set_target(HEADER.index("人员类别"), "household_tags")
    qtbot.waitUntil(lambda: dialog.plan is not again, timeout=10000)
    settle(qtbot, window)
    assert dialog.plan is not None
    households = [h.values for h in dialog.plan.households if h.values]
    assert households[0]["tags"] == ["low_income", "party_member"]
    assert dialog.plan.households[0].residents[0]["tags"] == []

    # Nothing was written by planning.
    store = window.ctx.store
    assert queries.status(store)["pending"] == 0
    assert queries.count_households(store, grid_id=office.g2) == 0


def test_a_ledger_without_a_header_is_a_message(qtbot: Any, office: Any, tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_text("甲,乙\n1,2\n", encoding="utf-8")
    window = supervisor_window(qtbot, office.world)
    dialog = window.import_ledger()
    dialog.load(path)
    qtbot.waitUntil(dialog.error.isVisible, timeout=10000)
    settle(qtbot, window)
    assert dialog.error.text().startswith("未找到表头")
    assert dialog.plan is None and not dialog.commit_button.isEnabled()

    dialog.load(tmp_path / "旧台账.xls")
    qtbot.waitUntil(lambda: "另存为 .xlsx" in dialog.error.text(), timeout=10000)
    assert not dialog.commit_button.isEnabled()


def test_an_import_reaches_the_store_the_server_and_another_laptop(
    qtbot: Any, office: Any, tmp_path: Path
) -> None:
    path = messy_ledger(tmp_path / "西门社区住户台账.xlsx")
    window = supervisor_window(qtbot, office.world)
    store = window.ctx.store
    dialog = open_import(qtbot, window, path, office.g2)
    first = dialog.plan
    dialog.set_target(NOTES_COLUMN, None)
    qtbot.waitUntil(lambda: dialog.plan is not first, timeout=10000)
    settle(qtbot, window)
    assert dialog.commit_button.isEnabled()

    # The import is written locally; the window syncs at once. What the store holds when
    # that sync starts: the new rows, unsent.
    before_sync: dict[str, Any] = {}

    def on_sync_started() -> None:
        before_sync["pending"] = queries.status(store)["pending"]
        before_sync["households"] = queries.search_households(store, grid_id=office.g2)

    window.sync.started.connect(on_sync_started)
    imported: list[dict[str, int]] = []
    reports: list[Any] = []
    dialog.imported.connect(imported.append)
    window.sync.finished.connect(reports.append)
    qtbot.mouseClick(dialog.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(imported) or dialog.error.isVisible(), timeout=10000)
    assert not dialog.error.isVisible(), dialog.error.text()
    qtbot.waitUntil(lambda: bool(reports), timeout=20000)
    settle(qtbot, window)
    assert reports[0].rejected == 0
    assert imported == [{"households": 2, "residents": 2}]
    assert dialog.summary.text() == "已导入住户 2 户、居民 2 人，下次同步时上传到服务器。"
    assert before_sync["pending"] == 4
    assert sorted(h["address"] for h in before_sync["households"]) == [
        "朐阳小区1号楼1单元101室",
        "朐阳小区3号楼2单元504室",
    ]
    assert queries.status(store)["pending"] == 0

    # wb, a worker of g2, syncs her own laptop and finds them.
    newcomer = office.world.client("wb")
    assert newcomer.syncer.sync().rejected == 0
    found = {h["address"]: h for h in queries.search_households(newcomer.store, grid_id="g2")}
    assert sorted(found) == ["朐阳小区1号楼1单元101室", "朐阳小区3号楼2单元504室"]
    flat = queries.household_detail(newcomer.store, found["朐阳小区1号楼1单元101室"]["id"])
    assert flat is not None and flat["head_name"] == "张伟"
    got = [
        (p["name"], p["id_number"], p["relation"], p["phone"], p["tags"]) for p in flat["residents"]
    ]
    assert got == [
        ("张伟", ZHANG, "head", "13812345678", ["low_income", "party_member"]),
        ("李芳", LI, "spouse", "13912345678", []),
    ]
    vacant = queries.household_detail(newcomer.store, found["朐阳小区3号楼2单元504室"]["id"])
    assert vacant is not None and vacant["residents"] == [] and vacant["notes"] is None

    # The same file again: nothing to import, the Import button stays disabled.
    load(qtbot, window, dialog, path)
    assert dialog.plan is not None and dialog.plan.mutations() == []
    assert not dialog.commit_button.isEnabled()
    assert ("info", "already_imported") in {(p[2], p[3]) for p in shown_problems(dialog)}


def test_a_workers_window_cannot_import(qtbot: Any, office: Any) -> None:
    window = office.world.window(office.worker)
    qtbot.waitExposed(window)
    assert not window.supervising
    assert window.import_ledger() is None
    assert not window.import_action.isEnabled()
    menus = {a.text(): a.menu() for a in window.menuBar().actions() if a.menu()}
    ledgers = next(m for text, m in menus.items() if "台账" in text)
    assert window.import_action not in ledgers.actions()
    assert window.export_action in ledgers.actions() and window.export_action.isEnabled()
    assert window.findChildren(ImportDialog) == []


def test_the_export_dialog_writes_a_period_of_visits(
    qtbot: Any, office: Any, tmp_path: Path
) -> None:
    window = supervisor_window(qtbot, office.world)
    dialog = window.export_ledger()
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    # Households and residents: no period.
    assert not dialog.date_from.isEnabled() and not dialog.date_to.isEnabled()
    dialog.entity.setCurrentIndex(dialog.entity.findData("visits"))
    assert dialog.date_from.isEnabled() and dialog.date_to.isEnabled()
    dialog.grid.setCurrentIndex(dialog.grid.findData(office.g1))
    dialog.date_from.setDate(QDate(2026, 11, 4))
    dialog.date_to.setDate(QDate(2026, 11, 5))
    assert dialog.path.text().endswith("-20261104-20261105.xlsx")
    out = tmp_path / "exports" / "走访记录.xlsx"
    out.parent.mkdir()
    dialog.path.setText(str(out))

    with qtbot.waitSignal(dialog.exported, timeout=10000) as exported:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    # 11-04 local and 11-05 01:00 local; not 11-03, nor 11-06 00:30.
    assert exported.args == [str(out), 2]
    assert dialog.status.text() == f"已导出 2 行到 {out}"
    assert not dialog.error.isVisible()
    assert dialog.export_button.isEnabled()
    assert out.exists()
    assert list(out.parent.iterdir()) == [out]  # no temporary file left beside it
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    # Issue 11: a title row (grid and period), then the header with 序号, the grid by name.
    grid_name = dialog.grid.currentText()
    assert rows[0][0] == f"{grid_name} 走访记录（2026-11-04 至 2026-11-05）"
    assert list(rows[1]) == ["序号", *headers("visits")]
    assert rows[1][1:4] == ("走访时间", "网格", "地址")
    assert len(rows) == 2 + 2
    homes = office.homes
    assert [r[:4] for r in rows[2:]] == [
        (1, "2026-11-04 10:00", grid_name, homes["li"]["address"]),
        (2, "2026-11-05 01:00", grid_name, homes["wang"]["address"]),
    ]
    assert {r[7] for r in rows[2:]} == {"wa"}  # the worker, by name

    # The same period as CSV: the suffix follows the format when the path has none.
    dialog.csv.setChecked(True)
    dialog.path.setText(str(tmp_path / "exports" / "走访记录-csv"))
    with qtbot.waitSignal(dialog.exported, timeout=10000) as exported:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    csv_path = tmp_path / "exports" / "走访记录-csv.csv"
    assert exported.args == [str(csv_path), 2]
    text = csv_path.read_text(encoding="utf-8-sig")
    # The same title row and 序号 column as the .xlsx.
    assert text.splitlines()[0] == f"{grid_name} 走访记录（2026-11-04 至 2026-11-05）"
    assert text.splitlines()[1] == ",".join(["序号", *headers("visits")])
    assert len(text.splitlines()) == 4


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_an_unwritable_export_path_is_a_chinese_message(
    qtbot: Any, office: Any, tmp_path: Path, caplog: Any, where: str
) -> None:
    window = supervisor_window(qtbot, office.world)
    dialog = window.export_ledger()
    dialog.grid.setCurrentIndex(dialog.grid.findData(office.g1))
    if where == "missing folder":
        target = tmp_path / "没有这个文件夹" / "住户台账.xlsx"
    else:
        target = tmp_path / "住户台账.xlsx"
        target.mkdir()
    dialog.path.setText(str(target))
    with caplog.at_level(logging.INFO):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(dialog.error.isVisible, timeout=10000)
        settle(qtbot, window)
    assert dialog.error.text() == (
        "无法写入文件 住户台账.xlsx：请检查文件夹是否存在、是否有写入权限，"
        "或该文件是否正在 Excel 中打开"
    )
    assert dialog.status.text() == ""
    assert dialog.export_button.isEnabled()
    assert not dialog.open_folder.isVisible()
    # Handled by the dialog: no message box, nothing logged as a defect, no traceback.
    assert not [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text
    assert target.is_dir() == (where == "a folder")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
