"""The campaigns extension on the service (both backends): ``gridsync campaign`` (create with
a form, tags or an imported list; a broken form refused with its row; list, close, export),
what a push of campaign rows and responses may do, and a pull without the extension that
never sees them (checksums included).
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from sync.protocol.campaigns import campaign_row_id
from sync.protocol.entities import ENTITIES
from sync.protocol.wire import grid_digest, uuid7
from sync.server.cli import main
from sync.server.models import AuditEvent
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

from .harness import create, household, resident, update

V1 = {"households", "residents", "visits", "issues", "issue_updates", "attachments"}


def run(db: str, *args: str) -> int:
    old = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        return main(["--db", db, *args])
    finally:
        sys.stdin = old


@pytest.fixture
def db(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def homes(service, worker, grid_a, grid_b) -> dict[str, str]:
    """Three households in grid A (one 独居老人 by its tag, one by a resident's), one in B."""
    a = household(grid_a, address="朐阳小区 1号楼 101室", tags=["elderly_alone"])
    b = household(grid_a, address="朐阳小区 1号楼 102室", head_name="李强")
    c = household(grid_a, address="朐阳小区 2号楼 201室")
    results = worker.push(a, b, c, resident(b["id"], name="李老汉", tags=["elderly_alone"]))
    assert {r["status"] for r in results} == {"applied"}
    service.user("worker-b", "worker", [grid_b])
    wb = service.login("worker-b")
    d = household(grid_b, address="西门路 5号")
    assert wb.push_one(d)["status"] == "applied"
    return {"a": a["id"], "b": b["id"], "c": c["id"], "d": d["id"], "worker_b": wb}  # type: ignore[dict-item]


def pull_ext(device: Any, grid_id: str) -> list[dict[str, Any]]:
    """Every change of a grid, declaring the campaigns extension."""
    body = {"cursors": {grid_id: 0}, "limit": 5000, "extensions": ["campaigns"]}
    page = device.request("POST", "/sync/pull", json=body).json()
    assert not page["has_more"]
    return list(page["changes"])


def created_id(capsys: Any) -> dict[str, Any]:
    out = capsys.readouterr().out
    return dict(json.loads(out[out.index("{") :]))


def respond(campaign_id: str, household_id: str, outcome: str, answers: dict[str, Any], **kw: Any):
    values = {
        "campaign_id": campaign_id,
        "household_id": household_id,
        "outcome": outcome,
        "answers": answers,
        "responded_at": kw.pop("responded_at", "2026-11-20T07:00:00Z"),
        **kw,
    }
    return create("campaign_responses", values)


def test_cli_campaigns_with_forms_tags_and_lists(
    db, engine, service, worker, worker2, supervisor, homes, grid_a, grid_b, tmp_path, capsys
):
    flood = write_xlsform(tmp_path / "flood.xlsx", FLOOD_SURVEY, FLOOD_CHOICES, FLOOD_SETTINGS)
    heating = write_xlsform(
        tmp_path / "heating.xlsx", HEATING_SURVEY, HEATING_CHOICES, HEATING_SETTINGS
    )
    capsys.readouterr()
    assert (
        run(
            db,
            "campaign",
            "create",
            "--title",
            "暴雨前安全排查",
            "--grids",
            grid_a,
            grid_b,
            "--kind",
            "emergency",
            "--form",
            str(flood),
            "--deadline",
            "2026-11-21 18:00",
        )
        == 0
    )
    flood_done = created_id(capsys)
    assert flood_done["targets"] == {grid_a: 3, grid_b: 1}
    assert (
        run(
            db,
            "campaign",
            "create",
            "--title",
            "独居老人冬季取暖走访",
            "--grids",
            grid_a,
            "--tags",
            "elderly_alone",
            "--form",
            str(heating),
            "--deadline",
            "2026-11-30",
        )
        == 0
    )
    heating_done = created_id(capsys)
    assert heating_done["targets"] == {grid_a: 2}
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["地址", "说明"])
    sheet.append(["朐阳小区 2号楼 201室", "低洼"])
    sheet.append(["不存在的地址", ""])
    book.save(tmp_path / "list.xlsx")
    assert (
        run(
            db,
            "campaign",
            "create",
            "--title",
            "低洼户转移",
            "--grids",
            grid_a,
            "--households",
            str(tmp_path / "list.xlsx"),
            "--deadline",
            "2026-11-21",
        )
        == 0
    )
    listed = created_id(capsys)
    assert listed["targets"] == {grid_a: 1} and listed["unmatched_rows"] == 1

    flood_id, heating_id = flood_done["campaign_id"], heating_done["campaign_id"]
    # Workers of grid A receive the rows of A only, and only when they declare the extension.
    page = worker.request(
        "POST", "/sync/pull", json={"cursors": {grid_a: 0}, "extensions": ["campaigns"]}
    ).json()
    rows = {c["id"]: c["row"] for c in page["changes"] if c["entity"] == "campaigns"}
    assert set(rows) == {
        campaign_row_id(i, grid_a) for i in (flood_id, heating_id, listed["campaign_id"])
    }
    assert sorted(rows[campaign_row_id(heating_id, grid_a)]["targets"]) == sorted(
        [homes["a"], homes["b"]]
    )
    assert page["extensions"] == ["campaigns"]

    # Offline answers from two devices, one household on both; a later one wins its state.
    assert [
        r["status"]
        for r in worker.push(
            respond(flood_id, homes["a"], "safe", {"safe": "yes"}),
            respond(
                flood_id,
                homes["b"],
                "needs_help",
                {"safe": "no", "help": ["food"]},
                notes="独居，行动不便",
            ),
            respond(
                heating_id,
                homes["a"],
                "needs_help",
                {"room_temp": 10, "heating": "none", "cold_help": ["heater", "move"]},
            ),
        )
    ] == ["applied"] * 3
    assert (
        worker2.push(
            respond(
                flood_id, homes["b"], "safe", {"safe": "yes"}, responded_at="2026-11-20T07:30:00Z"
            )
        )[0]["status"]
        == "applied"
    )

    assert run(db, "campaign", "list") == 0
    summary = {c["campaign_id"]: c for c in json.loads(capsys.readouterr().out)}
    assert (summary[flood_id]["targets"], summary[flood_id]["answered"]) == (4, 2)
    assert summary[flood_id]["grids"] == [grid_a, grid_b]

    out = tmp_path / "flood-results.xlsx"
    assert run(db, "campaign", "export", flood_id, "--out", str(out)) == 0
    rows_ = [list(r) for r in openpyxl.load_workbook(out).active.iter_rows(values_only=True)]
    header = rows_[1]
    assert header[9:12] == ["是否安全", "需要的帮助", "备注"]
    by_address = {r[2]: r for r in rows_[2:]}
    assert len(by_address) == 4
    assert by_address["朐阳小区 1号楼 102室"][5:11] == [
        "安全",
        "worker-a2",
        "2026-11-20 15:30",
        2,
        "安全",
        None,
    ]
    assert by_address["西门路 5号"][5] == "未反馈"
    assert by_address["朐阳小区 2号楼 201室"][5] == "未反馈"

    # The supervisor closes grid A's row by push (at the service's 08:00), the command the rest.
    row_a = campaign_row_id(flood_id, grid_a)
    closed = supervisor.push_one(update("campaigns", row_a, status=("active", "closed")))
    assert closed["status"] == "applied"
    capsys.readouterr()
    assert run(db, "campaign", "close", flood_id) == 0
    assert capsys.readouterr().out.strip() == "任务已结束（1 个网格）"
    # A response given before the close still counts; one given after it is refused.
    late = worker.push(
        respond(flood_id, homes["c"], "safe", {"safe": "yes"}, responded_at="2026-11-20T07:59:00Z"),
        respond(flood_id, homes["c"], "safe", {"safe": "yes"}, responded_at="2026-11-20T08:01:00Z"),
    )
    assert late[0]["status"] == "applied"
    assert late[1]["error"]["code"] == "campaign_closed"
    with engine.connect() as conn:
        actions = [
            a
            for (a,) in conn.execute(select(AuditEvent.action).order_by(AuditEvent.id))
            if a.startswith("campaign")
        ]
    assert actions == ["campaign_create"] * 3 + ["campaign_export", "campaign_close"]


def test_a_broken_form_is_refused_at_create_with_row_and_reason(db, grid_a, tmp_path, capsys):
    broken = write_xlsform(
        tmp_path / "broken.xlsx",
        [
            SURVEY_HEADER,
            survey_row("text", "name1", "姓名"),
            survey_row("geopoint", "where", "位置"),
        ],
    )
    assert (
        run(
            db,
            "campaign",
            "create",
            "--title",
            "坏问卷",
            "--grids",
            grid_a,
            "--form",
            str(broken),
            "--deadline",
            "2026-11-21",
        )
        == 1
    )
    assert "第 3 行（survey 表）：不支持的题型 geopoint" in capsys.readouterr().err
    assert run(db, "campaign", "list") == 0
    assert json.loads(capsys.readouterr().out) == []


def campaign_values(grid_id: str, campaign_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "grid_id": grid_id,
        "campaign_id": campaign_id,
        "title": "入户排查",
        "kind": "emergency",
        "status": "active",
        "target_rule": {"kind": "all"},
        "deadline": "2026-11-21T10:00:00Z",
        **extra,
    }


def test_push_rules_for_campaigns_and_responses(service, worker, supervisor, homes, grid_a, grid_b):
    cid = str(uuid7())
    row_id = campaign_row_id(cid, grid_a)
    # A worker may not create (or publish) a campaign.
    refused = worker.push_one(create("campaigns", campaign_values(grid_a, cid), row_id))
    assert refused["error"]["code"] == "forbidden" and "网格长" in refused["error"]["message"]
    # A supervisor publishes by push; the service resolves the targets and stamps the row.
    flood = {
        "format": 1,
        "id": "f",
        "title": "排查",
        "fields": [
            {
                "name": "safe",
                "type": "select_one",
                "label": "是否安全",
                "required": True,
                "choices": [{"name": "yes", "label": "安全"}, {"name": "no", "label": "不安全"}],
            },
            {
                "name": "people",
                "type": "integer",
                "label": "在家人数",
                "constraint": ". >= 0",
                "constraint_message": "人数不能为负",
            },
        ],
    }
    assert (
        supervisor.push_one(create("campaigns", campaign_values(grid_a, cid, form=flood), row_id))[
            "status"
        ]
        == "applied"
    )
    (stored,) = [c["row"] for c in pull_ext(supervisor, grid_a) if c["entity"] == "campaigns"]
    assert stored["targets"] == sorted([homes["a"], homes["b"], homes["c"]])
    assert stored["created_by"] == supervisor.user["id"] and stored["published_at"]
    # Published: the questionnaire is fixed; a status may not go back.
    assert (
        supervisor.push_one(update("campaigns", row_id, form=(flood, None)))["error"]["code"]
        == "field_not_writable"
    )
    assert (
        supervisor.push_one(update("campaigns", row_id, status=("active", "draft")))["error"][
            "code"
        ]
        == "invalid_transition"
    )
    assert (
        worker.push_one(update("campaigns", row_id, title=("入户排查", "改")))["error"]["code"]
        == "forbidden"
    )

    # Responses: judged with the questionnaire, a Chinese message per field.
    bad = worker.push_one(respond(cid, homes["a"], "safe", {"safe": "no", "people": -1}))
    assert bad["status"] == "rejected" and bad["error"]["code"] == "invalid_answer"
    assert bad["error"]["message"] == "问卷填写有误：在家人数：人数不能为负"
    assert worker.push_one(respond(cid, homes["a"], "safe", {}))["error"]["message"] == (
        "问卷填写有误：是否安全：此题必答"
    )
    assert (
        worker.push_one(respond(cid, homes["a"], "lost", {"safe": "yes"}))["error"]["code"]
        == "invalid_code"
    )
    assert (
        worker.push_one(respond(cid, homes["a"], "unreachable", {"safe": "yes"}))["error"]["code"]
        == "invalid_answer"
    )
    ok = worker.push_one(respond(cid, homes["a"], "unreachable", {}))
    assert ok["status"] == "applied"
    again = respond(cid, homes["a"], "safe", {"safe": "yes", "people": "2"})
    assert worker.push_one(again)["status"] == "applied"
    assert (
        worker.push_one(update("campaign_responses", again["id"], outcome=("safe", "needs_help")))[
            "error"
        ]["code"]
        == "create_only"
    )
    # Another grid's household: out of scope, whatever the campaign.
    wb = homes["worker_b"]
    assert (
        worker.push_one(respond(cid, homes["d"], "safe", {"safe": "yes"}))["error"]["code"]
        == "out_of_scope"
    )
    # Grid B has no row of this campaign: nothing to answer there.
    assert (
        wb.push_one(respond(cid, homes["d"], "safe", {"safe": "yes"}))["error"]["code"]
        == "not_found"
    )
    # A household created after the publication is not a target (the list is a snapshot).
    newcomer = household(grid_a, address="朐阳小区 9号楼 901室")
    assert worker.push_one(newcomer)["status"] == "applied"
    assert (
        worker.push_one(respond(cid, newcomer["id"], "safe", {"safe": "yes"}))["error"]["code"]
        == "not_target"
    )
    # Photos must be held by their author, as an attachment's bytes must.
    photo = respond(cid, homes["b"], "safe", {"safe": "yes"}, photos=["ab" * 32])
    assert worker.push_one(photo)["error"]["code"] == "not_found"
    # An uploaded photo travels with the response: the grid's supervisor (who never held the
    # bytes) downloads it; a worker of another grid who knows its hash does not.
    data = "门口积水照片".encode() + b"\xff\xd8"
    sha = hashlib.sha256(data).hexdigest()
    put = worker.request(
        "PUT", f"/attachments/{sha}", content=data, headers={"Content-Type": "image/jpeg"}
    )
    assert put.status_code == 201, put.text
    with_photo = respond(cid, homes["b"], "safe", {"safe": "yes"}, photos=[sha])
    assert worker.push_one(with_photo)["status"] == "applied"
    assert supervisor.request("GET", f"/attachments/{sha}").content == data
    assert wb.request("GET", f"/attachments/{sha}").status_code == 404
    changes = {c["id"]: c["row"] for c in pull_ext(worker, grid_a)}
    assert changes[again["id"]]["answers"] == {"safe": "yes", "people": 2}
    assert changes[again["id"]]["responder_id"] == worker.user["id"]


def test_a_pull_without_the_extension_never_sees_campaign_rows(worker, supervisor, homes, grid_a):
    cid = str(uuid7())
    supervisor.push_one(
        create("campaigns", campaign_values(grid_a, cid), campaign_row_id(cid, grid_a))
    )
    worker.push_one(respond(cid, homes["a"], "safe", {}))
    worker.push_one(household(grid_a, address="朐阳小区 3号楼 301室"))

    v1 = worker.request("POST", "/sync/pull", json={"cursors": {grid_a: 0}}).json()
    assert {c["entity"] for c in v1["changes"]} == V1 - {
        "visits",
        "issues",
        "issue_updates",
        "attachments",
    }
    live = [(c["entity"], c["id"], c["version"]) for c in v1["changes"] if not c["row"]["deleted"]]
    count, digest = grid_digest(live)
    assert v1["checksums"][grid_a] == {"count": count, "digest": digest}
    assert "extensions" not in v1 or v1["extensions"] == []

    full = worker.request(
        "POST", "/sync/pull", json={"cursors": {grid_a: 0}, "extensions": ["campaigns", "nope"]}
    ).json()
    assert full["extensions"] == ["campaigns"]
    entities = {c["entity"] for c in full["changes"]}
    assert {"campaigns", "campaign_responses"} <= entities <= set(ENTITIES)
    live = [
        (c["entity"], c["id"], c["version"]) for c in full["changes"] if not c["row"]["deleted"]
    ]
    count, digest = grid_digest(live)
    assert full["checksums"][grid_a] == {"count": count, "digest": digest}
    # A v1 cursor that ends before campaign rows is still exact: the next pull is empty.
    again = worker.request("POST", "/sync/pull", json={"cursors": v1["cursors"]}).json()
    assert again["changes"] == [] and not again["has_more"]
