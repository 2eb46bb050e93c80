"""Campaigns end to end on laptops and the real service (both backends): a flood sweep and a
winter heating survey published by a supervisor, answered offline on two laptops (one
household on both), synced, progress and export exact; a client of protocol version 1 (the
sync engine without the extension) keeps syncing cleanly beside them.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from gridworker.domain import campaigns as camp
from gridworker.domain import operations as ops
from gridworker.store.schema import ENTITY_TABLES
from sync.forms import FormError, read_xlsform
from sync.protocol.errors import PermissionDenied, ValidationError
from tests.forms.conftest import (
    FLOOD_CHOICES,
    FLOOD_SETTINGS,
    FLOOD_SURVEY,
    HEATING_CHOICES,
    HEATING_SETTINGS,
    HEATING_SURVEY,
    SURVEY_HEADER,
    survey_row,
    write_xlsform,
)

DEADLINE = "2026-12-02T10:00:00Z"
LATER = "2026-12-05T10:00:00Z"


@pytest.fixture
def town(world, tmp_path: Path) -> SimpleNamespace:
    """G1 with two workers on two laptops, G2 with one, a supervisor of both; households
    in both grids, some of them 独居老人 (by the household's tag or a resident's)."""
    g1 = world.service.grid("G1", "朐阳网格")
    g2 = world.service.grid("G2", "西门网格")
    w1 = world.client("w1", grids=[g1])
    w2 = world.client("w2", grids=[g1])
    w3 = world.client("w3", grids=[g2])
    sup = world.client("sup", "supervisor", grids=[g1, g2])
    h = {}
    h["a"] = ops.create_household(
        w1.store, g1, "朐阳小区 1号楼 101室", head_name="王秀英", tags=["elderly_alone"]
    )
    h["b"] = ops.create_household(w1.store, g1, "朐阳小区 1号楼 102室", head_name="李强")
    ops.add_resident(w1.store, h["b"]["id"], "李老汉", tags=["elderly_alone"], phone="13812345678")
    h["c"] = ops.create_household(w1.store, g1, "朐阳小区 2号楼 201室", head_name="赵敏")
    h["d"] = ops.create_household(
        w3.store, g2, "西门路 5号", head_name="孙立", phone="13900001111", tags=["elderly_alone"]
    )
    for s in (w1, w3):
        assert s.syncer.sync().rejected == 0
    for s in (w2, sup):
        s.syncer.sync()
    flood = read_xlsform(
        write_xlsform(tmp_path / "flood.xlsx", FLOOD_SURVEY, FLOOD_CHOICES, FLOOD_SETTINGS)
    )
    heating_path = write_xlsform(
        tmp_path / "heating.xlsx", HEATING_SURVEY, HEATING_CHOICES, HEATING_SETTINGS
    )
    return SimpleNamespace(
        world=world,
        g1=g1,
        g2=g2,
        w1=w1,
        w2=w2,
        w3=w3,
        sup=sup,
        h={k: v["id"] for k, v in h.items()},
        flood=flood,
        heating_path=heating_path,
        tmp_path=tmp_path,
    )


def sync_all(*sessions: Any) -> None:
    for s in sessions:
        report = s.syncer.sync()
        assert report.rejected == 0, s.store.user
        assert report.damaged_grids == []


def test_flood_sweep_and_heating_survey_end_to_end(town):
    t = town
    sup, w1, w2, w3 = t.sup, t.w1, t.w2, t.w3
    flood_id = camp.create_campaign(
        sup.store,
        "暴雨前安全排查",
        [t.g1, t.g2],
        DEADLINE,
        kind="emergency",
        form=t.flood,
        publish=True,
    )
    heating_id = camp.create_campaign(
        sup.store,
        "独居老人冬季取暖走访",
        [t.g1, t.g2],
        LATER,
        tags=["elderly_alone"],
        form=t.heating_path,
    )
    # A draft is the supervisor's own until published.
    assert [c.campaign_id for c in camp.active_campaigns(sup.store)] == [flood_id]
    camp.publish(sup.store, heating_id)
    sync_all(sup)

    # The service resolved the targets at publication: every household, or the tagged ones.
    flood = camp.campaign(sup.store, flood_id)
    assert flood is not None and flood.synced and flood.targets == 4 and flood.emergency
    heating = camp.campaign(sup.store, heating_id)
    assert heating is not None and heating.status == "active"
    assert {x["household_id"] for x in camp.targets(sup.store, heating_id)} == {
        t.h["a"],
        t.h["b"],
        t.h["d"],
    }

    sync_all(w1, w2, w3)
    assert [c.campaign_id for c in camp.active_campaigns(w1.store)] == [flood_id, heating_id]
    assert camp.sync_interval(w1.store, 900) == camp.EMERGENCY_SYNC_SECONDS
    # A worker sees only the targets of their grids, the emergency's first, with a phone.
    listed = camp.targets(w1.store)
    assert [x["campaign_id"] for x in listed[:3]] == [flood_id] * 3
    assert {x["household_id"] for x in listed if x["campaign_id"] == flood_id} == {
        t.h["a"],
        t.h["b"],
        t.h["c"],
    }
    b_row = next(x for x in listed if x["household_id"] == t.h["b"])
    assert b_row["phone"] == "13812345678"  # the resident's, the household has none

    # Offline answers. The laptop refuses what the service would, with the author's message.
    with pytest.raises(ValidationError) as refused:
        camp.record_response(w1.store, flood_id, t.h["a"], "needs_help", {"safe": "no"})
    assert "需要的帮助" in refused.value.message and "此题必答" in refused.value.message
    with pytest.raises(ValidationError) as refused:
        camp.record_response(
            w1.store, heating_id, t.h["a"], "safe", {"room_temp": 55, "heating": "electric"}
        )
    assert "室内温度应在 0 到 40 ℃ 之间" in refused.value.message
    with pytest.raises(ValidationError):
        camp.record_response(w1.store, heating_id, t.h["c"], "safe", {})  # not a target

    camp.record_response(
        w1.store,
        flood_id,
        t.h["a"],
        "safe",
        {"safe": "yes"},
        responded_at="2026-12-01T08:00:00Z",
    )
    camp.record_response(
        w1.store,
        flood_id,
        t.h["b"],
        "needs_help",
        {"safe": "no", "help": ["evacuate", "medicine"], "remark": "腿脚不便"},
        responded_at="2026-12-01T08:10:00Z",
    )
    camp.record_response(
        w1.store, flood_id, t.h["c"], "unreachable", {}, responded_at="2026-12-01T08:20:00Z"
    )
    # The same household answered on the second laptop, later: both count, the later wins.
    camp.record_response(
        w2.store,
        flood_id,
        t.h["c"],
        "safe",
        {"safe": "yes"},
        responded_at="2026-12-01T09:00:00Z",
    )
    camp.record_response(
        w1.store,
        heating_id,
        t.h["a"],
        "needs_help",
        {
            "room_temp": 12,
            "heating": "coal",
            "cold_help": ["heater", "blanket"],
            "contact_phone": "13700001234",
        },
        responded_at="2026-12-01T08:30:00Z",
    )
    camp.record_response(
        w2.store,
        heating_id,
        t.h["b"],
        "safe",
        {"room_temp": 20, "heating": "central", "cold_help": ["heater"]},  # not relevant: dropped
        responded_at="2026-12-01T09:10:00Z",
    )
    # Offline, the laptop already counts its own answers.
    assert camp.progress(w1.store, flood_id)["answered"] == 3

    sync_all(w1, w2, w3, sup)
    progress = camp.progress(sup.store, flood_id)
    assert progress["targets"] == 4 and progress["answered"] == 3 and progress["not_reached"] == 1
    assert progress["by_outcome"] == {"safe": 2, "needs_help": 1, "unreachable": 0}
    assert [(g["grid_id"], g["targets"], g["answered"]) for g in progress["by_grid"]] == [
        ("G1", 3, 3),
        ("G2", 1, 0),
    ]
    assert {(w["name"], w["responses"], w["households"]) for w in progress["by_worker"]} == {
        ("w1", 3, 3),
        ("w2", 1, 1),
    }
    first = camp.needs_help_first(sup.store, flood_id)
    assert first[0]["household_id"] == t.h["b"]
    assert first[-1]["household_id"] == t.h["d"] and first[-1]["outcome"] is None
    c_state = next(x for x in first if x["household_id"] == t.h["c"])
    assert (c_state["outcome"], c_state["responses"]) == ("safe", 2)

    heat = camp.progress(sup.store, heating_id)
    assert (heat["targets"], heat["answered"]) == (3, 2)
    (stored,) = camp.responses(sup.store, heating_id, t.h["b"])
    assert stored["answers"] == {"room_temp": 20, "heating": "central"}
    assert stored["responder_id"] == w2.user["id"]

    # The export: every target, reached or not; one column per question; labels, not codes.
    path = t.tmp_path / "flood.xlsx"
    assert camp.export_results(sup.store, flood_id, path) == 4
    sheet = openpyxl.load_workbook(path).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("暴雨前安全排查")
    header = rows[1]
    assert header[:10] == [
        "序号",
        "网格",
        "地址",
        "户主",
        "联系电话",
        "结果",
        "填报人",
        "填报时间",
        "反馈次数",
        "是否安全",
    ]
    assert header[10:] == ["需要的帮助", "备注", "填报备注", "照片数"]
    body = {r[2]: r for r in rows[2:]}
    assert body["朐阳小区 1号楼 102室"][5:12] == [
        "需帮助",
        "w1",
        "2026-12-01 16:10",
        1,
        "不安全",
        "需要转移、药品",
        "腿脚不便",
    ]
    assert body["朐阳小区 2号楼 201室"][5:10] == ["安全", "w2", "2026-12-01 17:00", 2, "安全"]
    assert body["西门路 5号"][5:9] == ["未反馈", None, None, 0]
    assert body["西门路 5号"][4] == "13900001111"
    assert rows[2][2] == "朐阳小区 1号楼 102室"  # 需帮助 first

    # Closing ends the emergency interval on the laptops.
    camp.close(sup.store, flood_id)
    sync_all(sup, w1)
    assert [c.campaign_id for c in camp.active_campaigns(w1.store)] == [heating_id]
    assert camp.sync_interval(w1.store, 900) == 900
    with pytest.raises(ValidationError) as closed:
        camp.record_response(w1.store, flood_id, t.h["a"], "safe", {"safe": "yes"})
    assert closed.value.code == "campaign_closed"


def test_a_worker_cannot_create_campaigns(town):
    with pytest.raises(PermissionDenied):
        camp.create_campaign(town.w1.store, "自建任务", [town.g1], DEADLINE)


def test_a_broken_form_is_refused_with_row_and_reason(town):
    path = write_xlsform(
        town.tmp_path / "broken.xlsx",
        [
            SURVEY_HEADER,
            survey_row("text", "name1", "姓名"),
            survey_row("integer", "age", "年龄", constraint="${nosuch} > 1"),
        ],
    )
    with pytest.raises(FormError) as refused:
        camp.create_campaign(town.sup.store, "坏问卷", [town.g1], DEADLINE, form=path)
    assert refused.value.row == 3
    assert refused.value.message.startswith("第 3 行（survey 表）：引用了不存在的问题")
    assert camp.campaigns(town.sup.store, ("draft", "active")) == []


def test_a_version_1_client_keeps_syncing_beside_active_campaigns(town):
    t = town
    old = t.world.client("old", grids=[t.g1])
    old.syncer.extensions = ()  # today's engine: declares nothing
    flood_id = camp.create_campaign(
        t.sup.store,
        "暴雨前安全排查",
        [t.g1],
        DEADLINE,
        kind="emergency",
        form=t.flood,
        publish=True,
    )
    sync_all(t.sup, t.w1)
    camp.record_response(t.w1.store, flood_id, t.h["a"], "safe", {"safe": "yes"})
    sync_all(t.w1)

    first = old.syncer.sync()
    assert first.rejected == 0 and first.damaged_grids == [] and first.repaired_grids == []
    hh = ops.create_household(old.store, t.g1, "朐阳小区 3号楼 301室")
    ops.log_visit(old.store, hh["id"], "met", notes="正常")
    again = old.syncer.sync()
    assert again.rejected == 0 and again.damaged_grids == [] and again.repaired_grids == []
    with old.store.read() as conn:
        for entity in ("campaigns", "campaign_responses"):
            table = ENTITY_TABLES[entity]
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
        households = ENTITY_TABLES["households"]
        assert conn.execute(select(func.count()).select_from(households)).scalar_one() == 4
    # And the campaigns' laptops still agree with the service after the old client's writes.
    sync_all(t.w1, t.sup)
