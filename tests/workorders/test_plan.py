"""The work-order planner alone (no database): columns in any order and wording, deadlines,
rows with errors, and any table either planned or refused with a LedgerError."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.ledger.errors import LedgerError
from sync.ledger.reader import Table
from sync.workorders import plan_workorders
from sync.workorders.plan import add_workdays, map_category

from .helpers import HOUSEHOLDS

NOW = dt.datetime(2026, 11, 20, 0, 0, tzinfo=dt.UTC)
ROWS = [
    ["工单编号", "诉求地址", "诉求内容", "诉求类别", "办理时限", "来电时间"],
    ["A1", "秦东门大街68号楼2单元301室", "井盖破损。", "市政设施", "2个工作日", "2026-11-20 09:00"],
    ["A2", "西门路7号", "占道经营", "城市管理", "48小时", "2026-11-20 09:00"],
    ["", "人民路1号", "无编号", "其他", None, None],
    ["A3", "人民路1号", "", "其他", None, None],
    ["A4", "人民路1号", "期限看不懂", "其他", "尽快", None],
]


def households():
    return [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, k)),
            "grid_id": g,
            "address": a,
            "building": b,
            "unit": u,
            "room": r,
        }
        for k, (g, a, b, u, r) in HOUSEHOLDS.items()
    ]


def plan_of(rows):
    width = max(len(r) for r in rows)
    table = Table([list(r) + [None] * (width - len(r)) for r in rows], [], "Sheet1")
    return plan_workorders(table, "grid-a", households(), set(), now=NOW)


def test_rows_deadlines_and_errors():
    plan = plan_of(ROWS)
    by = {o.ticket: o.values for o in plan.orders}
    # Friday 2026-11-20 + 2 working days: Tuesday the 24th; 48 hours: Sunday the 22nd.
    assert by["A1"]["due_date"] == "2026-11-24" and by["A1"]["category"] == "facilities"
    assert by["A2"]["due_date"] == "2026-11-22" and by["A2"]["category"] == "environment"
    assert by["A4"]["due_date"] is None
    lines = [p.line() for p in plan.problems]
    assert "第4行 工单编号(A列): 缺少工单编号" in lines
    assert "第5行 诉求内容(C列): 缺少诉求内容" in lines
    assert "第6行 办理时限(E列): 办理时限不是可识别的日期或天数，未设置期限" in lines
    assert plan.error_rows == 2 and len(plan.orders) == 3


def test_columns_in_any_order_and_wording_plan_alike():
    base = plan_of(ROWS)
    order = list(range(len(ROWS[0])))
    random.Random(7).shuffle(order)
    renamed = {
        "工单编号": "工单号",
        "诉求地址": "事发地址",
        "诉求内容": "来电内容",
        "办理时限": "办结时限",
    }
    rows = [[row[i] for i in order] for row in ROWS]
    rows[0] = [f"{renamed.get(h, h)}*" for h in rows[0]]  # stars of required columns, too
    shuffled = plan_of([["某市12345工单"], [], *rows])
    assert shuffled.header_row == 3
    strip = lambda plan: [{k: v for k, v in o.values.items() if k != "id"} for o in plan.orders]  # noqa: E731
    assert strip(shuffled) == strip(base)


def test_calendar_and_categories():
    assert add_workdays(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 23)
    assert map_category("城乡建设/市政设施/井盖") == "facilities"
    assert map_category("咨询") is None


def test_a_table_without_the_ticket_column_is_refused():
    with pytest.raises(LedgerError, match="未找到工单表头"):
        plan_of([["地址", "姓名", "身份证号"], ["x", "y", "z"]])


CELL = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["工单编号", "诉求地址", "诉求内容", "办理时限", "3个工作日", "2026-13-45"]),
    st.integers(-10, 10**12),
    st.floats(allow_nan=True),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=7), min_size=1, max_size=8))
def test_any_table_plans_or_is_refused(rows):
    header = ["工单编号", "诉求地址", "诉求内容"]
    for table_rows in (rows, [header, *rows]):
        try:
            plan = plan_of(table_rows)
        except LedgerError:
            continue
        for order in plan.orders:
            assert order.values["external_ref"] and order.values["title"]


def test_the_orders_sheet_is_found_behind_a_summary_sheet(tmp_path):
    from openpyxl import load_workbook

    from sync.workorders import read_orders

    from .helpers import messy_export

    path = messy_export(tmp_path / "工单.xlsx")
    wb = load_workbook(path)
    summary = wb.create_sheet("统计", 0)
    summary.append(["姓名", "联系电话", "地址", "件数"])  # a ledger would read this sheet
    summary.append(["王先生", "13912345678", "秦东门大街", 3])
    wb.save(path)
    table = read_orders(path)
    assert table.sheet == "工单列表"
    assert len(plan_workorders(table, "grid-a", households(), set(), now=NOW).orders) == 9
