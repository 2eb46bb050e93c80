"""Writing ledgers: what Excel shows, and that an exported ledger imports back unchanged."""

from __future__ import annotations

import datetime as dt
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from sync.datagen import generate
from sync.ledger import ExistingData, LedgerError, plan_import, read_table, write_ledger
from sync.ledger.columns import EXPORT_COLUMNS
from sync.ledger.source import HOUSEHOLD_KEYS
from sync.ledger.writer import period_text

from .helpers import id_number

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
WORKER = "0195f000-0000-7000-8000-000000000001"
RESIDENT_FIELDS = (
    "name",
    "gender",
    "id_number",
    "birth_date",
    "relation",
    "phone",
    "tags",
    "present",
    "notes",
)


def demo_ledger(households: int = 120) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Households of the first demo grid and their residents as ledger rows."""
    homes: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    grid = None
    for entity, row in islice(generate("demo", seed=7, now=NOW), 20000):
        if entity == "households" and (grid is None or row["grid_id"] == grid):
            grid = row["grid_id"]
            if len(homes) < households:
                homes[row["id"]] = row
        elif entity == "residents" and row["household_id"] in homes:
            home = homes[row["household_id"]]
            rows.append({**row, **{f"household_{k}": home[k] for k in HOUSEHOLD_KEYS}})
    return list(homes.values()), rows


def test_xlsx_shows_chinese_headers_labels_local_times_and_text_ids(tmp_path):
    number = id_number("32070519500101001")
    visit = {
        "visited_at": "2026-11-19T16:30:00Z",  # 00:30 on the 20th in Shanghai
        "grid_id": "hz-xm-01",
        "address": "海州区海州街道 朐阳小区 1号楼 1单元 101室",
        "head_name": "曹秀珍",
        "outcome": "not_home",
        "people_met": [
            "0195f000-0000-7000-8000-0000000000aa",
            "0195f000-0000-7000-8000-0000000000bb",
        ],
        "worker_id": WORKER,
        "notes": "=老人不在家，邻居说去女儿家了",
        "follow_up": True,
        "review_status": "returned",
        "review_comment": "请补充电话走访",
        "reviewed_by": "0195f111-0000-7000-8000-000000000002",
        "reviewed_at": "2026-11-20T01:05:09.5Z",
    }
    names = {WORKER: "王网格", "0195f000-0000-7000-8000-0000000000aa": "曹秀珍"}
    path = tmp_path / "走访.xlsx"
    assert write_ledger(path, "visits", [visit], names) == 1

    ws = load_workbook(path).active
    assert ws.title == "走访记录"
    # Ready to print: a title row, the header in row 2 on every page, 序号, landscape.
    assert ws.freeze_panes == "A3"
    assert ws["A1"].value == "走访记录" and ws["A1"].font.b
    header = [c.value for c in ws[2]]
    assert header == ["序号", *(c.header for c in EXPORT_COLUMNS["visits"])]
    assert all(c.font.b for c in ws[2])
    assert ws.print_title_rows == "$2:$2"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert "&P" in ws.oddFooter.center.text
    assert [c.value for c in ws[3]] == [
        1,
        "2026-11-20 00:30",
        "hz-xm-01",
        "海州区海州街道 朐阳小区 1号楼 1单元 101室",
        "曹秀珍",
        "不在家",
        "曹秀珍、0195f000",
        "王网格",
        "=老人不在家，邻居说去女儿家了",
        "是",
        "已退回",
        "请补充电话走访",
        "0195f111",
        "2026-11-20 09:05",
    ]
    assert ws["I3"].data_type == "s"  # a note starting with "=" is no formula
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["D"] > 40  # the address: 17 CJK characters and more
    assert widths["C"] < widths["D"]

    resident = {
        "name": "张伟",
        "gender": "male",
        "id_number": number,
        "birth_date": "1950-01-01",
        "relation": "head",
        "phone": "13812345678",
        "tags": ["low_income", "party_member"],
        "present": False,
        "notes": None,
        "household_address": "朐阳小区1号楼101室",
        "household_kind": "rental",
        "household_tags": ["elderly_alone"],
        "household_visit_interval_days": 7,
    }
    path = tmp_path / "居民.xlsx"
    write_ledger(path, "residents", [resident], title="西门网格一")
    ws = load_workbook(path)["西门网格一"]
    assert ws["A1"].value == "西门网格一 居民台账"
    cells = {h.value: c for h, c in zip(ws[2], ws[3], strict=True)}
    assert cells["身份证号"].value == number
    assert cells["身份证号"].data_type == "s"
    assert cells["身份证号"].number_format == "@"
    assert cells["联系电话"].data_type == "s"
    assert cells["性别"].value == "男"
    assert cells["与户主关系"].value == "户主"
    assert cells["人员类别"].value == "低保、党员"
    assert cells["户类型"].value == "出租"
    assert cells["户标签"].value == "独居老人"
    assert cells["居住状态"].value == "外出"
    assert cells["走访周期（天）"].value == 7
    assert cells["楼栋"].value is None


def test_issue_and_household_ledgers(tmp_path):
    issue = {
        "grid_id": "hz-xm-01",
        "title": "秦东门街68号楼下井盖破损",
        "category": "facilities",
        "subcategory": "manhole_cover",
        "location": "秦东门街68号",
        "description": None,
        "priority": "urgent",
        "status": "escalated",
        "due_date": "2026-11-25",
        "assignee_id": WORKER,
        "external_ref": "12345-2026-0001",
        "updated_at": "2026-11-20T08:00:00Z",
    }
    path = tmp_path / "事项.csv"
    write_ledger(path, "issues", [issue], {WORKER: "王网格"})
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "民情事项"
    assert lines[2] == (
        "1,hz-xm-01,秦东门街68号楼下井盖破损,公用设施,井盖,秦东门街68号,,紧急,已上报,"
        "2026-11-25,王网格,12345-2026-0001,2026-11-20 16:00"
    )
    household = {"grid_id": "g", "address": "-1层储藏室", "tags": [], "last_visit": None}
    path = tmp_path / "住户.csv"
    write_ledger(path, "households", [household])
    # Text Excel would run as a formula is guarded; the importer removes the guard.
    assert path.read_text(encoding="utf-8-sig").splitlines()[2].startswith("1,g,'-1层储藏室,")


def test_csv_has_a_bom_and_ledger_errors_are_chinese(tmp_path):
    path = tmp_path / "居民.csv"
    write_ledger(path, "residents", [])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert path.read_text(encoding="utf-8-sig").startswith(
        "居民台账\n序号,地址,楼栋,单元,室,户类型"
    )
    with pytest.raises(LedgerError, match="不支持的导出格式"):
        write_ledger(tmp_path / "x.xls", "residents", [])
    with pytest.raises(LedgerError, match="无法写入"):
        write_ledger(tmp_path / "no-such-dir" / "x.xlsx", "residents", [])
    assert not list(tmp_path.glob("no-such-dir*"))


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_an_exported_residents_ledger_imports_back_unchanged(tmp_path, suffix):
    households, rows = demo_ledger()
    path = tmp_path / f"居民台账{suffix}"
    assert write_ledger(path, "residents", rows) == len(rows)

    plan = plan_import(read_table(path), "g2", ExistingData(), now=NOW)
    assert [p for p in plan.problems if p.severity != "info"] == []
    assert plan.error_rows == 0
    assert plan.new_residents == len(rows)

    def household_view(h: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(h[k] for k in HOUSEHOLD_KEYS)

    inhabited = {r["household_id"] for r in rows}
    expected_households = sorted(household_view(h) for h in households if h["id"] in inhabited)
    planned = [h.values for h in plan.households if h.values]
    assert sorted(household_view(h) for h in planned) == expected_households

    def resident_view(r: dict[str, Any], address: str) -> tuple[Any, ...]:
        return (address, *(r[k] for k in RESIDENT_FIELDS))

    address_of = {h["id"]: h["address"] for h in households}
    expected = sorted(resident_view(r, address_of[r["household_id"]]) for r in rows)
    got = sorted(
        resident_view(r, h.values["address"])
        for h in plan.households
        if h.values
        for r in h.residents
    )
    assert got == expected


def test_a_large_visit_ledger_is_written(tmp_path: Path):
    rows = [
        {
            "visited_at": f"2026-11-{1 + i % 28:02d}T0{i % 10}:12:00Z",
            "grid_id": "hz-xm-01",
            "address": f"海州区海州街道 朐阳小区 {i % 40}号楼 1单元 {i}室",
            "outcome": "met",
            "people_met": [],
            "worker_id": WORKER,
            "follow_up": False,
            "review_status": "pending",
        }
        for i in range(5000)
    ]
    path = tmp_path / "visits.xlsx"
    assert write_ledger(path, "visits", rows, {WORKER: "王网格"}) == 5000
    table = read_table(path)
    assert len(table.rows) == 5002  # the title row, the header, 5,000 visits
    assert table.rows[5001][0] == 5000 and table.rows[5001][7] == "王网格"


def test_a_csv_ledger_has_the_title_with_the_period_and_a_serial_column(tmp_path: Path):
    """Like the .xlsx: the grid's name, the ledger and its period in row 1; 序号 in column A."""
    visits = [
        {"visited_at": "2026-11-02T01:00:00Z", "grid_id": "g1", "outcome": "met"},
        {"visited_at": "2026-11-03T01:00:00Z", "grid_id": "g1", "outcome": "not_home"},
    ]
    period = period_text(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    path = tmp_path / "走访.csv"
    write_ledger(path, "visits", visits, {"g1": "西门网格一"}, title="西门网格一", period=period)
    table = read_table(path)
    assert table.rows[0][0] == "西门网格一 走访记录（2026-11-01 至 2026-11-30）"
    assert table.rows[1][:3] == ["序号", "走访时间", "网格"]
    assert [r[0] for r in table.rows[2:]] == ["1", "2"]
    assert table.rows[2][2] == "西门网格一"  # the grid's name, not its id
    assert period_text(dt.date(2026, 11, 1), None) == "2026-11-01 起"
    assert period_text(None, dt.date(2026, 11, 30)) == "截至 2026-11-30"
    assert period_text(None, None) is None
