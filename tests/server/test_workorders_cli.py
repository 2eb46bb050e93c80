"""``gridsync import-workorders`` and ``export-replies`` on SQLite and PostgreSQL: a messy
hotline export imported with its exact report, nothing created twice, replies for the
orders resolved since the last export."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from sync.server.cli import main
from sync.server.models import ENTITY_TABLES
from sync.server.workorders import export_replies
from tests.workorders.helpers import HOUSEHOLDS, messy_export

from .harness import household, issue_update

I = ENTITY_TABLES["issues"]  # noqa: E741

REPORT = """\
12345 工单：工作表“工单列表”，表头在第 3 行，未匹配住户的工单放入网格 grid-a
读取 11 行：新建事项 9 件（匹配到住户 5 件、待分派 4 件）；已导入过 0 件；文件内重复 1 件；跳过 1 行；有错误未导入 0 行
识别的列：工单号(B列)、来电时间(C列)、事发地址(D列)、诉求内容(E列)、诉求类别(F列)、诉求人(G列)、来电号码(H列)、办理时限(I列)、承办单位(J列)
未识别（不导入）的列：序号(A列)
第4行 工单 LYG20261118001：精确匹配
第5行 工单 LYG20261118002：精确匹配
第6行 工单 LYG20261118003：精确匹配
第7行 工单 LYG20261118004：精确匹配
第8行 工单 LYG20261118005：仅匹配到楼栋（2 户），待分派
第9行 工单 LYG20261118006：匹配到多户（2 户），待分派
第10行 工单 LYG20261118007：未匹配，待分派
第13行 工单 LYG20261119008：精确匹配
第14行 工单 LYG20261119009：未匹配，待分派
问题：错误 0 条（该行未导入），提醒 6 条（已导入，请留意），说明 1 条
[提醒] 第8行 事发地址(D列): 只找到楼栋（2 户），未找到具体住户，待分派
[提醒] 第9行 事发地址(D列): 对应 2 户，无法确定哪一户，待分派
[提醒] 第10行 诉求类别(F列): 诉求类别“政策咨询”无对应类别，已归为“其他”
[提醒] 第10行 事发地址(D列): 未找到对应住户，待分派
[提醒] 第11行 工单号(B列): 工单编号与第4行重复，只导入第一行
[说明] 第12行: 标题行（合并单元格），已跳过
[提醒] 第14行 事发地址(D列): 未找到对应住户，待分派
"""


@pytest.fixture
def db(service) -> str:
    return service.engine.url.render_as_string(hide_password=False)


def gridsync(db: str, *args: str) -> int:
    return main(["--db", db, *args])


@pytest.fixture
def community(service, supervisor) -> dict[str, Any]:
    """The community's households (grids a and b), pushed as a laptop would."""
    ids = {}
    mutations = []
    for key, (grid, address, building, unit, room) in HOUSEHOLDS.items():
        m = household(grid, address=address, building=building, unit=unit, room=room)
        ids[key] = m["id"]
        mutations.append(m)
    assert {r["status"] for r in supervisor.push(*mutations)} == {"applied"}
    return {"ids": ids, "supervisor": supervisor}


def _issues(engine) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(select(I).where(I.c.external_ref.is_not(None))).mappings().all()
    return {r["external_ref"]: r for r in rows}


def test_import_report_issues_reimport_and_replies(db, service, community, tmp_path, capsys):
    path = messy_export(tmp_path / "工单.xlsx")
    ids = community["ids"]

    # The dry run: the report, nothing written.
    assert gridsync(db, "import-workorders", str(path), "--grid", "grid-a") == 0
    out = capsys.readouterr().out
    assert out.startswith(REPORT)
    assert "这是预览，尚未写入数据库" in out
    assert "13912345678" not in out  # the caller's phone is never in the report
    assert _issues(service.engine) == {}

    assert gridsync(db, "import-workorders", str(path), "--grid", "grid-a", "--commit") == 0
    out = capsys.readouterr().out
    assert out.startswith(REPORT)
    assert "已导入 9 件工单（其中待分派 4 件）" in out
    issues = _issues(service.engine)
    got = {
        ref: (r["grid_id"], r["household_id"], r["category"], r["due_date"], r["title"])
        for ref, r in issues.items()
    }
    assert got == {
        "LYG20261118001": (
            "grid-a",
            ids["qdm301"],
            "facilities",
            "2026-11-25",
            "68号楼下水道盖板破损需要更换",
        ),
        "LYG20261118002": ("grid-a", ids["qdm302"], "environment", "2026-11-23", "楼道堆放杂物"),
        "LYG20261118003": (
            "grid-b",
            ids["qy301"],
            "flood",
            "2026-11-22",
            "西门路沿街商户需要沙袋防止雨水倒灌",
        ),
        "LYG20261118004": ("grid-b", ids["xf101"], "dispute", "2026-11-23", "物业不处理漏水"),
        "LYG20261118005": ("grid-a", None, "facilities", None, "楼顶水箱漏水"),
        "LYG20261118006": ("grid-a", None, "facilities", None, "门口路灯不亮"),
        "LYG20261118007": ("grid-a", None, "other", None, "咨询老旧小区改造政策"),
        "LYG20261119008": ("grid-a", ids["qdm302"], "environment", "2026-11-26", "噪音扰民"),
        "LYG20261119009": ("grid-a", None, "facilities", None, "井盖缺失"),
    }
    first = issues["LYG20261118001"]
    assert first["status"] == "open" and first["assignee_id"] is None
    assert first["location"] == "连云港市海州区海州街道幸福社区秦东门大街６８幢二单元３０１室"
    assert (
        "诉求人：王先生；联系电话：13912345678；来电时间：2026-11-18 09:30"
        in (first["description"])
    )
    assert "【待分派】" in issues["LYG20261118007"]["description"]
    # The laptops get them at their next sync, in their grid's sequence.
    supervisor = community["supervisor"]
    pulled = [c for c in supervisor.pull_all("grid-b") if c["entity"] == "issues"]
    assert sorted(c["row"]["external_ref"] for c in pulled) == [
        "LYG20261118003",
        "LYG20261118004",
    ]

    # The same file again creates nothing.
    assert gridsync(db, "import-workorders", str(path), "--grid", "grid-a", "--commit") == 0
    out = capsys.readouterr().out
    assert "新建事项 0 件" in out and "已导入过 9 件" in out
    assert "没有需要导入的新工单，数据库未改动" in out
    assert len(_issues(service.engine)) == 9

    # Replies: only resolved orders, and only those resolved since the last export.
    i1, i2 = issues["LYG20261118001"]["id"], issues["LYG20261118002"]["id"]
    results = supervisor.push(
        issue_update(
            i1, "in_progress", "open", comment="已联系市政", created_at="2026-11-20T08:00:00Z"
        ),
        issue_update(
            i1, "resolved", "in_progress", comment="已更换盖板", created_at="2026-11-21T02:00:00Z"
        ),
        issue_update(i2, "in_progress", "open", comment="已通知物业"),
    )
    assert {r["status"] for r in results} == {"applied"}, results
    service.clock.advance(days=1)
    replies = tmp_path / "回复.xlsx"
    engine, settings = service.engine, service.settings
    assert export_replies(engine, settings, "grid-a", replies) == (1, None)
    rows = list(load_workbook(replies).active.iter_rows(values_only=True))
    assert rows == [
        ("工单编号", "办理结果", "办结时间", "承办人", "办理过程"),
        (
            "LYG20261118001",
            "已更换盖板",
            "2026-11-21 10:00",
            "super",
            "11-20 处理中：已联系市政；11-21 已解决：已更换盖板",
        ),
    ]

    # Nothing resolved since: an empty sheet; then one more (synced after the export,
    # though done before it), and --all for every one.
    exported_at = service.clock()
    assert export_replies(engine, settings, "grid-a", replies) == (0, exported_at)
    assert list(load_workbook(replies).active.iter_rows(values_only=True))[1:] == []
    i3 = issues["LYG20261118003"]["id"]
    service.clock.advance(hours=1)
    results = supervisor.push(
        issue_update(i3, "resolved", "open", comment="已送沙袋", created_at="2026-11-20T09:00:00Z")
    )
    assert results[0]["status"] == "applied", results
    assert export_replies(engine, settings, "grid-a", replies)[0] == 1
    rows = list(load_workbook(replies).active.iter_rows(values_only=True))
    assert [r[:3] for r in rows[1:]] == [("LYG20261118003", "已送沙袋", "2026-11-20 17:00")]
    assert gridsync(db, "export-replies", "--grid", "grid-a", "--out", str(replies), "--all") == 0
    assert "已导出 2 条工单回复（全部办结的工单）" in capsys.readouterr().out
    rows = list(load_workbook(replies).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["LYG20261118003", "LYG20261118001"]

    # Both kinds of act are in the audit trail, with counts, never the file's contents.
    assert gridsync(db, "audit", "--action", "workorder_import") == 0
    assert capsys.readouterr().out.count("导入12345工单") == 2
    assert gridsync(db, "audit", "--action", "workorder_replies") == 0
    assert capsys.readouterr().out.count("导出工单回复") == 4


def test_unreadable_or_wrong_file(db, service, grid_a, tmp_path, capsys):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    assert gridsync(db, "import-workorders", str(bad), "--grid", grid_a) == 1
    assert "不是有效的 Excel 文件" in capsys.readouterr().err
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["姓名", "地址"])
    wb.save(tmp_path / "ledger.xlsx")
    assert gridsync(db, "import-workorders", str(tmp_path / "ledger.xlsx"), "--grid", grid_a) == 1
    assert "未找到工单表头" in capsys.readouterr().err
    assert gridsync(db, "import-workorders", str(bad), "--grid", "nowhere") == 1
