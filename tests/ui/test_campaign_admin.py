"""The supervisor's 任务 screens against a real service: a campaign created in the dialog (a
broken questionnaire shown with its row and reason first), published, answered on two
laptops (one household on both), live progress by grid and worker exact in the charts,
需帮助 first, closed, exported to Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from PySide6.QtWidgets import QMessageBox

from gridworker.domain import campaigns as camp
from gridworker.ui.campaign_admin import CampaignAdminPage
from gridworker.ui.campaign_dialog import LIST, TAGS, CampaignDialog
from tests.forms.conftest import (
    HEATING_CHOICES,
    HEATING_SETTINGS,
    HEATING_SURVEY,
    write_xlsform,
)
from tests.ui.conftest import add_households


def sync(qtbot: Any, window: Any) -> None:
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        assert window.sync_now()


def supervisor_window(qtbot: Any, ui_world: Any) -> tuple[Any, Any, Any, dict[str, Any]]:
    ui_world.user("w1")
    ui_world.user("w2")
    ui_world.user("sup", "supervisor")
    w1 = ui_world.client("w1")
    homes = add_households(w1, ui_world.grid)
    assert w1.syncer.sync().rejected == 0
    w2 = ui_world.client("w2")
    w2.syncer.sync()
    sup = ui_world.client("sup")
    sup.syncer.sync()
    window = ui_world.window(sup)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window, w1, w2, homes


def test_create_publish_follow_close_and_export(qtbot, ui_world, tmp_path: Path):
    window, w1, w2, homes = supervisor_window(qtbot, ui_world)
    page = window.campaigns
    assert isinstance(page, CampaignAdminPage)
    window.tabs.setCurrentWidget(page)
    assert page.empty.isVisibleTo(page)

    dialog = page.new_campaign()
    assert isinstance(dialog, CampaignDialog)
    dialog.title.setText("独居老人冬季取暖走访")
    dialog.kind.setCurrentIndex(dialog.kind.findData("survey"))
    dialog.set_rule(TAGS)
    assert dialog.tag_box.isVisibleTo(dialog) and not dialog.list_box.isVisibleTo(dialog)
    broken = write_xlsform(
        tmp_path / "broken.xlsx",
        [("type", "name", "label"), ("text", "a", "姓名"), ("geopoint", "where", "位置")],
    )
    assert not dialog.load_form(broken)
    assert dialog.form_error.text() == "问卷无法使用：第 3 行（survey 表）：不支持的题型 geopoint"
    assert dialog.form_error.isVisibleTo(dialog)
    assert dialog.create_campaign() is None  # not with a broken form
    heating = write_xlsform(
        tmp_path / "heating.xlsx", HEATING_SURVEY, HEATING_CHOICES, HEATING_SETTINGS
    )
    assert dialog.load_form(heating)
    assert not dialog.form_error.isVisibleTo(dialog)
    assert dialog.form_label.text() == "独居老人冬季取暖走访：共 6 题"
    assert dialog.create_campaign() is None
    assert dialog.error.text() == "请至少选择一个标签。"
    dialog.tag_checks["elderly_alone"].setChecked(True)
    dialog.tag_checks["party_member"].setChecked(True)
    with qtbot.waitSignal(window.sync.finished, timeout=20000):  # published at once
        campaign_id = dialog.create_campaign()
    assert campaign_id is not None and not dialog.isVisible()
    found = camp.campaign(window.ctx.store, campaign_id)
    assert found is not None and found.status == "active" and found.synced
    assert found.targets == 2  # 张三 (独居老人) and 王五 (党员), resolved by the service

    # Two laptops answer; 张三's household on both (the later answer is its state).
    for s in (w1, w2):
        s.syncer.sync()
    zhang, wang = homes["zhang"]["id"], homes["wang"]["id"]
    warm = {"room_temp": 20, "heating": "central"}
    cold = {"room_temp": 12, "heating": "none", "cold_help": ["heater", "blanket"]}
    camp.record_response(w1.store, campaign_id, zhang, "safe", warm)
    camp.record_response(w1.store, campaign_id, wang, "safe", warm)
    w1.syncer.sync()
    camp.record_response(w2.store, campaign_id, zhang, "needs_help", cold)
    w2.syncer.sync()
    sync(qtbot, window)  # the page follows the sync

    figures = page.figures
    assert figures is not None
    assert (figures["targets"], figures["answered"], figures["not_reached"]) == (2, 2, 0)
    assert figures["by_outcome"] == {"safe": 1, "needs_help": 1, "unreachable": 0}
    assert page.summary.text().startswith("截止 ")
    assert "已反馈 2 / 2 户 · 安全 1 · 需帮助 1 · 未联系上 0" in page.summary.text()
    sets = page.grid_chart.sets
    assert page.grid_chart.categories == ["西门网格一"]
    assert [sets[c].at(0) for c in ("safe", "needs_help", "unreachable", "")] == [1, 1, 0, 0]
    workers = page.worker_chart
    assert [workers.sets["responses"].at(i) for i in range(2)] == [1, 2]  # w1 at the top
    assert len(workers.categories) == 2
    first = page.results.row_at(0)
    assert first is not None and (first["household_id"], first["outcome_label"]) == (
        zhang,
        "需帮助",
    )
    assert page.results.data(page.results.index(0, 0)) == "需帮助"

    # Exported: one row per target, choice labels, the latest answers.
    out = tmp_path / "results.xlsx"
    assert page.export_to(out) == 2
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert str(table[0][0]).startswith("独居老人冬季取暖走访")  # the title row
    start = next(i for i, row in enumerate(table) if "户主" in row)
    header = [str(c) for c in table[start]]
    table = table[start:]
    assert "取暖方式" in header and "室内温度（℃）" in header
    by_head = {row[header.index("户主")]: row for row in table[1:]}
    assert by_head["张三"][header.index("取暖方式")] == "无取暖"
    assert by_head["王五"][header.index("取暖方式")] == "集中供暖"

    # Closed after a question; it stays listed, closed.
    page.close_campaign()
    box = page.close_box
    assert isinstance(box, QMessageBox)
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        box.button(QMessageBox.StandardButton.Yes).click()
    found = camp.campaign(window.ctx.store, campaign_id)
    assert found is not None and found.status == "closed"
    assert "已结束" in page.picker.currentText()
    assert not page.close_button.isEnabled() and not page.publish_button.isEnabled()


def test_draft_from_a_household_list_then_published(qtbot, ui_world, tmp_path: Path):
    window, _w1, _w2, homes = supervisor_window(qtbot, ui_world)
    page = window.campaigns
    window.tabs.setCurrentWidget(page)
    dialog = page.new_campaign()
    dialog.title.setText("暴雨前安全排查")
    dialog.kind.setCurrentIndex(dialog.kind.findData("emergency"))
    dialog.set_rule(LIST)
    listing = tmp_path / "list.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["地址"])
    sheet.append([homes["li"]["address"]])
    sheet.append(["不存在的地址 9号"])
    book.save(listing)
    assert dialog.load_list(listing)
    assert dialog.list_label.text() == "list.xlsx: 找到 1 户，1 行未匹配到住户"
    dialog.publish_now.setChecked(False)
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        campaign_id = dialog.create_campaign()
    assert "草稿" in page.picker.currentText() and page.publish_button.isEnabled()
    assert window.sync.timer.interval() != 60_000  # a draft is nobody's emergency yet
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        page.publish_button.click()
    found = camp.campaign(window.ctx.store, campaign_id)
    assert found is not None and found.status == "active" and found.targets == 1
    assert page.figures is not None and page.figures["targets"] == 1
    assert window.campaign_banner.isHidden()  # the banner is the workers': here, the tab
    # Hidden, the page tallies nothing until shown again (the tab's number stays right).
    window.tabs.setCurrentWidget(window.households)
    camp.close(window.ctx.store, campaign_id)
    window.ctx.tasks.notify_changed()
    assert page.figures is not None and "进行中" in page.picker.currentText()
    assert window.tabs.tabText(window.tabs.indexOf(page)) == "任务 (0)"
    window.tabs.setCurrentWidget(page)
    assert "已结束" in page.picker.currentText()
    assert window.sync.timer.interval() == 60_000
