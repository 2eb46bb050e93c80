"""The weekly work list (巷理事工作清单) built from a supervisor's laptop, printed: PDF (its
text read back with Qt's own PDF reader), the phone picture, the print preview; and a long
ledger printed with its header row on every page and page numbers."""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor
from PySide6.QtPdf import QPdfDocument

from gridworker.domain import operations as ops
from gridworker.domain import queries, weekly, workorders
from gridworker.ui import printing
from tests.workorders.helpers import messy_export

from .conftest import add_households

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def pdf_pages(path: Path) -> list[str]:
    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    return [fold(doc.getAllText(page).text()) for page in range(doc.pageCount())]


# The CJK font's glyphs map back to radicals for some characters (⼯ for 工, ⻔ for 门):
# NFKC folds the Kangxi radicals, this table the radicals supplement seen here.
_RADICALS = str.maketrans({"⻔": "门", "⺠": "民", "⻚": "页", "戶": "户", "⻓": "长", "⻢": "马"})


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_RADICALS).replace("\r\n", "\n")


@pytest.fixture
def community(ui_world: Any, tmp_path: Path) -> Any:
    """g1 with three households, an overdue issue, this week's 12345 orders and a returned
    visit, as the supervisor's laptop holds them after a sync."""
    g1 = ui_world.grid
    ui_world.user("wa")
    ui_world.user("sup", "supervisor")
    worker = ui_world.client("wa")
    homes = add_households(worker, g1)
    visit = ops.log_visit(worker.store, homes["li"]["id"], notes="入户")
    today = dt.date.fromisoformat(queries.today(worker.store))
    past = (today - dt.timedelta(days=3)).isoformat()
    ops.raise_issue(
        worker.store,
        "下水道盖板破损需要更换",
        "facilities",
        household_id=homes["zhang"]["id"],
        due_date=past,
    )
    ops.raise_issue(
        worker.store, "沿街商户需要沙袋防止雨水倒灌", "flood", grid_id=g1, location="西门路7号"
    )
    assert worker.syncer.sync().rejected == 0
    sup = ui_world.client("sup")
    assert sup.syncer.sync().rejected == 0
    ops.review_visit(sup.store, visit["id"], False, "未写明见到的人")
    plan = workorders.plan_file(sup.store, messy_export(tmp_path / "工单.xlsx"), g1)
    assert workorders.commit(sup.store, plan) == 9
    assert sup.syncer.sync().rejected == 0
    return sup


def test_weekly_list_grouped_and_printed_to_pdf(community: Any, tmp_path: Path) -> None:
    store = community.store
    week = weekly.build_weekly(store, ["g1"])
    text = weekly.weekly_text(week)
    lines = text.splitlines()
    assert lines[0] == "幸福社区 巷理事工作清单"
    assert lines[1].startswith("西门网格一　")
    # Grouped by street: 朐阳小区's overdue issue and its key household due for a visit.
    # Grouped by street (sorted by building within), numbered within each street.
    roads = [line for line in lines if line.startswith("【")]
    assert roads == [
        "【人民路】",
        "【幸福路】",
        "【朐阳小区】",
        "【秦东门大街】",
        "【西门新村】",
        "【西门路】",
    ]
    items = [line.split(". ", 1)[1] for line in lines if line[:1].isdigit()]
    assert "朐阳小区3号楼 下水道盖板破损需要更换（逾期3天）" in items
    assert "朐阳小区3号楼 1单元201室 张三 待走访（独居老人，从未走访）" in items
    assert "西门新村1号楼 2单元301室 李四 走访被退回（未写明见到的人）" in items
    assert "西门路7号 沿街商户需要沙袋防止雨水倒灌" in items
    assert "西门路7号 门口路灯不亮（12345）" in items  # no deadline: never overdue
    qy = lines.index("【朐阳小区】")
    assert lines[qy + 2 : qy + 4] == [
        "2. 朐阳小区3号楼 下水道盖板破损需要更换（逾期3天）",
        "3. 朐阳小区3号楼 1单元201室 张三 待走访（独居老人，从未走访）",
    ]
    counts = week.counts()
    assert (counts["open"], counts["visit"], counts["returned"]) == (1, 1, 1)
    # The nine orders of the export: new this week, or overdue (their deadlines were in
    # November), with the overdue issue.
    assert counts["new_order"] + counts["overdue"] == 10
    assert len(items) == 13

    pdf = tmp_path / "清单.pdf"
    pages = printing.save_pdf(printing.weekly_printable(week), pdf)
    read = pdf_pages(pdf)
    assert len(read) == pages >= 1
    whole = "\n".join(read)
    assert fold("西门网格一　") in whole
    for expected in (
        "幸福社区 巷理事工作清单",
        "朐阳小区3号楼 下水道盖板破损需要更换（逾期3天）",
        "走访被退回",
        f"第 1 页，共 {pages} 页",
    ):
        assert fold(expected) in whole

    xlsx = tmp_path / "清单.xlsx"
    assert weekly.write_weekly_xlsx(week, xlsx) == sum(counts.values())
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    assert sheet["A2"].value == "序号" and sheet.print_title_rows == "$2:$2"


def test_phone_picture_and_print_preview(qtbot: Any, community: Any, tmp_path: Path) -> None:
    week = weekly.build_weekly(community.store, ["g1"])
    image = printing.save_phone_png(week, tmp_path / "清单.png")
    assert image.width() == printing.PHONE_WIDTH
    assert image.height() > 800
    # Text was drawn: dark pixels in the title line and in the body.
    dark = sum(
        1
        for y in range(0, image.height(), 7)
        for x in range(0, image.width(), 7)
        if QColor(image.pixel(x, y)).lightness() < 100
    )
    assert dark > 300

    dialog = printing.preview_dialog(printing.weekly_printable(week))
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    painted: list[int] = []
    dialog.paintRequested.connect(lambda printer: painted.append(1))
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: bool(painted), timeout=10000)
    if os.environ.get("GRIDWORKER_SCREENSHOTS"):
        IMAGES.mkdir(parents=True, exist_ok=True)
        dialog.grab().scaledToWidth(1000).save(str(IMAGES / "weekly-print-preview.png"))
        image.scaledToWidth(540).save(str(IMAGES / "weekly-phone.png"))
    dialog.close()


def test_a_long_ledger_repeats_its_header_and_numbers_its_pages(
    community: Any, tmp_path: Path
) -> None:
    store = community.store
    for n in range(60):
        ops.raise_issue(store, f"楼道杂物第{n}处", "environment", grid_id="g1")
    rows = queries.issues(store, limit=1000)
    printable = printing.ledger_printable(
        "issues", rows, queries.names(store), "西门网格一", today=dt.date(2026, 12, 1)
    )
    assert printable.landscape
    pdf = tmp_path / "事项.pdf"
    pages = printing.save_pdf(printable, pdf)
    read = pdf_pages(pdf)
    assert pages == len(read) >= 2
    assert fold("西门网格一 民情事项　打印日期：2026-12-01") in read[0]
    for number, page in enumerate(read, 1):
        assert "序号" in page and "标题" in page and "办理期限" in page  # the header row
        assert fold(f"第 {number} 页，共 {pages} 页") in page
