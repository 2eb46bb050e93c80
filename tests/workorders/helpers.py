"""A realistic, messy 12345 work-order export, made with openpyxl, and the households it
is matched against."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook

# The households of the community (grid, address, building, unit, room): written the way the
# ledgers wrote them, not the way the callers do.
HOUSEHOLDS: dict[str, tuple[str, str, str | None, str | None, str | None]] = {
    "qdm301": ("grid-a", "海州区 秦东门大街 68号楼 2单元 301室", "68号楼", "2单元", "301室"),
    "qdm302": ("grid-a", "秦东门大街68号楼2单元302室", None, None, None),
    "qy301": ("grid-b", "海州区 朐阳小区 2号楼 1单元 301室", "2号楼", "1单元", "301室"),
    "xf101": ("grid-b", "幸福路3号楼", None, "1单元", "101"),
    "shop1": ("grid-a", "西门路7号 百姓超市", None, None, None),
    "shop2": ("grid-a", "西门路7号 鲜果店", None, None, None),
}

HEADER = [
    "序号",
    "工单号",
    "来电时间",
    "事发地址",
    "诉求内容",
    "诉求类别",
    "诉求人",
    "来电号码",
    "办理时限",
    "承办单位",
]
CALLED = dt.datetime(2026, 11, 18, 9, 30)


def order(
    n: int, ticket: str, address: str, content: str, category: str, deadline: Any = None
) -> list[Any]:
    return [
        n,
        ticket,
        CALLED,
        address,
        content,
        category,
        "王先生",
        "13912345678",
        deadline,
        "海州街道幸福社区",
    ]


def messy_export(path: Path) -> Path:
    """Two merged title rows, the header on row 3 in its own order, five ways of writing an
    address, a duplicate ticket, an unknown category, an address matching nothing, a merged
    section row and a 承办单位 merged down two rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "工单列表"
    ws.append(["连云港市12345政务服务便民热线 工单导出"])
    ws.append(["导出时间：2026-11-20 08:00　共 10 条"])
    ws.append(HEADER)
    rows = [
        order(
            1,
            "LYG20261118001",
            "连云港市海州区海州街道幸福社区秦东门大街６８幢二单元３０１室",
            "68号楼下水道盖板破损需要更换，行人易绊倒",
            "城乡建设/市政设施",
            dt.datetime(2026, 11, 25, 17, 0),
        ),
        order(
            2,
            "LYG20261118002",
            "秦东门大街 68栋 2单元 302户",
            "楼道堆放杂物，影响通行。",
            "环境保护",
            "3个工作日",
        ),
        order(
            3,
            "LYG20261118003",
            "朐阳小区2-1-301",
            "西门路沿街商户需要沙袋防止雨水倒灌",
            "防汛抗旱",
            "2026/11/22",
        ),
        order(4, "LYG20261118004", "幸福路3座1单元101", "物业不处理漏水", "物业管理", "5天"),
        order(5, "LYG20261118005", "秦东门大街68号楼", "楼顶水箱漏水", "城乡建设", None),
        order(6, "LYG20261118006", "西门路7号", "门口路灯不亮", "城乡建设/路灯", None),
        order(7, "LYG20261118007", "人民路100号", "咨询老旧小区改造政策", "政策咨询", None),
        order(
            8,
            "LYG20261118001",
            "秦东门大街68号楼2单元301室",
            "重复来电：盖板破损",
            "城乡建设/市政设施",
            None,
        ),
        ["以下为转办工单"],
        order(9, "LYG20261119008", "秦东门大街68-2-302", "噪音扰民", "环境保护", "2026-11-26"),
        order(10, "LYG20261119009", "人民路100号", "井盖缺失", "城乡建设/市政设施", None),
    ]
    for row in rows:
        ws.append(row)
    ws.merge_cells("A1:J1")
    ws.merge_cells("A2:J2")
    ws.merge_cells("A12:J12")  # the section row
    ws.merge_cells("J13:J14")  # 承办单位 merged down
    wb.save(path)
    return path
