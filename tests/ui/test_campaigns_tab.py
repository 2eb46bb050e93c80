"""The worker's 任务 tab against a real service: an emergency flood sweep published by the
supervisor (through the domain API), answered with the outcome keys and the questionnaire's
skip logic, offline through the outbox; the banner, the one-minute sync and the day list led
by the sweep's households while it lasts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QRadioButton

from gridworker.domain import campaigns as camp
from gridworker.domain import queries
from gridworker.ui.campaigns import CampaignsPage
from sync.forms import read_xlsform
from tests.forms.conftest import FLOOD_CHOICES, FLOOD_SETTINGS, FLOOD_SURVEY, write_xlsform
from tests.ui.conftest import add_households

DEADLINE = "2026-12-31T10:00:00Z"


def publish_flood(ui_world: Any, tmp_path: Path) -> tuple[Any, Any, dict[str, Any], str]:
    ui_world.user("w1")
    ui_world.user("sup", "supervisor")
    worker = ui_world.client("w1")
    homes = add_households(worker, ui_world.grid)
    assert worker.syncer.sync().rejected == 0
    sup = ui_world.client("sup")
    sup.syncer.sync()
    form = read_xlsform(
        write_xlsform(tmp_path / "flood.xlsx", FLOOD_SURVEY, FLOOD_CHOICES, FLOOD_SETTINGS)
    )
    campaign_id = camp.create_campaign(
        sup.store,
        "暴雨前安全排查",
        [ui_world.grid],
        DEADLINE,
        kind="emergency",
        form=form,
        publish=True,
    )
    assert sup.syncer.sync().rejected == 0
    worker.syncer.sync()
    return worker, sup, homes, campaign_id


def open_window(qtbot: Any, ui_world: Any, session: Any) -> Any:
    window = ui_world.window(session)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window


def test_flood_sweep_answered_with_keys_and_skip_logic(qtbot, ui_world, tmp_path):
    worker, _sup, homes, campaign_id = publish_flood(ui_world, tmp_path)
    window = open_window(qtbot, ui_world, worker)
    page = window.campaigns
    assert isinstance(page, CampaignsPage)
    index = window.tabs.indexOf(page)
    assert window.tabs.tabText(index) == "任务 (3)"
    assert [a.shortcut().toString() for a in window.tab_actions][-1] == "Ctrl+6"
    row = page.campaigns.rows()[0]
    assert (row["title"], row["kind_label"], f"{row['answered']}/{row['targets']}") == (
        "暴雨前安全排查",
        "应急排查",
        "0/3",
    )
    assert [b.text() for b in page.outcome_buttons] == ["1  安全", "2  需帮助", "3  未联系上"]
    assert page.targets.rowCount() == 3
    assert "13800138000" in {page.targets.data(page.targets.index(r, 2)) for r in range(3)}

    # The emergency: a banner, a sync every minute, its households first in today's list.
    assert window.campaign_banner.isVisible()
    assert "暴雨前安全排查" in window.campaign_banner.text.text()
    window.sync.schedule()
    assert window.sync.timer.interval() == 60_000
    due_ids = [window.due.model.row_at(r)["id"] for r in range(window.due.count())]
    assert set(due_ids[:3]) == {h["id"] for h in homes.values()}
    assert window.due.model.data(window.due.model.index(0, 0)).startswith("应急")

    # Offline: the answers go to the outbox.
    ui_world.stop_server()
    window.tabs.setCurrentWidget(page)
    page.target_table.setFocus()
    first = page.current_target()
    assert first is not None and first["outcome"] is None
    qtbot.keyClick(page.target_table, Qt.Key.Key_2)  # 需帮助: the questionnaire opens
    assert page.outcome == "needs_help" and page.form is not None
    form = page.form
    assert not form.editors["help"].container.isVisibleTo(form)
    radios = {b.text(): b for b in form.editors["safe"].container.findChildren(QRadioButton)}
    qtbot.waitUntil(lambda: radios["不安全"].isVisible() and radios["不安全"].width() > 0)
    qtbot.mouseClick(radios["不安全"], Qt.MouseButton.LeftButton)
    assert form.editors["help"].container.isVisibleTo(form)  # skip logic, live
    assert page.save() is None  # 需要的帮助 is required once shown
    assert form.editors["help"].error.text() == "此题必答"
    assert form.editors["help"].error.isVisibleTo(form)
    qtbot.mouseClick(form.editors["help"].checks[0], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.saved):
        qtbot.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    saved = camp.responses(worker.store, campaign_id, first["household_id"])
    assert [(r["outcome"], r["answers"]) for r in saved] == [
        ("needs_help", {"safe": "no", "help": ["evacuate"]})
    ]

    # The next household not answered is selected; 3 (未联系上) saves at once, no form.
    second = page.current_target()
    assert second is not None and second["household_id"] != first["household_id"]
    assert second["outcome"] is None
    assert page.target_table.hasFocus()
    qtbot.keyClick(page.target_table, Qt.Key.Key_3)
    assert page.form is None
    saved = camp.responses(worker.store, campaign_id, second["household_id"])
    assert [(r["outcome"], r["answers"]) for r in saved] == [("unreachable", {})]
    assert page.campaigns.rows()[0]["answered"] == 2
    assert window.tabs.tabText(index) == "任务 (1)"
    assert queries.status(worker.store)["pending"] >= 2
    # Answered households leave the head of the day list; the one left still leads it.
    lead = window.due.model.row_at(0)
    third = (
        {h["id"] for h in homes.values()} - {first["household_id"], second["household_id"]}
    ).pop()
    assert lead["id"] == third and lead.get("campaign") == "暴雨前安全排查"


def test_answers_reach_the_supervisor_and_a_closed_sweep_leaves_the_day(qtbot, ui_world, tmp_path):
    worker, sup, _homes, campaign_id = publish_flood(ui_world, tmp_path)
    window = open_window(qtbot, ui_world, worker)
    page = window.campaigns
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)  # 任务
    assert window.tabs.currentWidget() is page
    page.target_table.setFocus()
    qtbot.keyClick(page.target_table, Qt.Key.Key_1)  # 安全: the questionnaire
    assert page.form is not None
    radios = {b.text(): b for b in page.form.editors["safe"].container.findChildren(QRadioButton)}
    qtbot.waitUntil(lambda: radios["安全"].isVisible() and radios["安全"].width() > 0)
    qtbot.mouseClick(radios["安全"], Qt.MouseButton.LeftButton)
    assert page.save() is not None
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        assert window.sync_now()
    sup.syncer.sync()
    figures = camp.progress(sup.store, campaign_id)
    assert (figures["targets"], figures["answered"], figures["by_outcome"]["safe"]) == (3, 1, 1)

    camp.close(sup.store, campaign_id)
    sup.syncer.sync()
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        assert window.sync_now()
    assert page.campaigns.rowCount() == 0 and page.empty.isVisibleTo(page)
    assert window.campaign_banner.isHidden()
    assert window.sync.timer.interval() == window.ctx.settings.sync_minutes * 60_000
    assert all(not window.due.model.row_at(r).get("campaign") for r in range(window.due.count()))
