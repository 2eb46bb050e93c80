"""The authorisation matrix (PROTOCOL.md "Authentication", "Roles and fields", "Rows").

Every rejected mutation here must also be consumed: the device's ``last_seq`` counts it and the
mutation after it in the same batch is applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import pytest

from sync.protocol.wire import PROTOCOL_HEADER
from sync.server import admin

from .harness import (
    HEADERS,
    PASSWORD,
    create,
    delete,
    household,
    issue,
    issue_update,
    resident,
    update,
    visit,
)

# -- helpers ---------------------------------------------------------------------------------


def rows_of(device: Any, grid_id: str) -> dict[str, dict[str, Any]]:
    """The grid's current rows as this device receives them from cursor 0."""
    page = device.pull({grid_id: 0}, limit=5000)
    assert not page["has_more"]
    return {c["id"]: c["row"] for c in page["changes"] if c["op"] == "upsert"}


def last_seq(device: Any) -> int:
    return int(device.pull({})["last_seq"])


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def statuses(results: list[dict[str, Any]]) -> list[str]:
    return [r["status"] for r in results]


def codes(results: list[dict[str, Any]]) -> list[str | None]:
    return [(r["error"] or {}).get("code") for r in results]


def rejections(device: Any, **params: str) -> list[dict[str, Any]]:
    response = device.request("GET", "/rejections", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["rejections"])


def conflicts(device: Any, **params: str) -> list[dict[str, Any]]:
    response = device.request("GET", "/conflicts", params={"state": "all", **params})
    assert response.status_code == 200, response.text
    return list(response.json()["conflicts"])


def z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sentinel(grid_id: str) -> dict[str, Any]:
    """A valid mutation to put after a rejected one: it must be applied."""
    return household(grid_id, address="海州区幸福路 9号楼 9单元 909室")


@pytest.fixture
def worker_b(service, grid_b):
    service.user("worker-b", "worker", [grid_b])
    return service.login("worker-b")


@pytest.fixture
def supervisor_b(service, grid_b):
    service.user("super-b", "supervisor", [grid_b])
    return service.login("super-b")


@pytest.fixture
def admin_device(service):
    service.user("root", "admin")
    return service.login("root")


@pytest.fixture
def hb(supervisor, grid_b):
    """A household of grid B with a resident and a visit, written by the supervisor."""
    hh = household(grid_b, address="东门路 2号楼 101室")
    res = resident(hh["id"], name="李四")
    vis = visit(hh["id"])
    iss = issue(grid_b)
    results = supervisor.push(hh, res, vis, iss)
    assert statuses(results) == ["applied"] * 4
    return {"household": hh["id"], "resident": res["id"], "visit": vis["id"], "issue": iss["id"]}


# -- pulling another grid ----------------------------------------------------------------------


def test_worker_cannot_pull_another_grid(worker, supervisor, grid_a, grid_b, hb):
    own = household(grid_a)
    assert worker.push_one(own)["status"] == "applied"

    page = worker.pull({grid_b: 0})
    assert page["changes"] == []
    assert page["revoked_grids"] == [grid_b]
    assert grid_b not in page["cursors"]
    assert grid_b not in page.get("checksums", {})
    assert [g["id"] for g in page["grids"]] == [grid_a]

    both = worker.pull({grid_a: 0, grid_b: 0})
    assert {c["grid_id"] for c in both["changes"]} == {grid_a}
    assert [c["id"] for c in both["changes"]] == [own["id"]]
    assert both["revoked_grids"] == [grid_b]

    # The supervisor of both grids does receive grid B's rows.
    assert hb["household"] in rows_of(supervisor, grid_b)


# -- writing another grid's rows ---------------------------------------------------------------


def test_worker_cannot_update_or_delete_rows_of_another_grid(
    worker, supervisor, grid_a, grid_b, hb
):
    before = rows_of(supervisor, grid_b)
    after_it = sentinel(grid_a)
    results = worker.push(
        update("households", hb["household"], address=("东门路 2号楼 101室", "被改了")),
        delete("households", hb["household"]),
        update("residents", hb["resident"], name=("李四", "王五")),
        delete("residents", hb["resident"]),
        update("visits", hb["visit"], notes=(None, "x")),
        update("issues", hb["issue"], title=("68号楼下井盖破损", "x")),
        delete("issues", hb["issue"]),
        after_it,
    )
    assert statuses(results) == ["rejected"] * 7 + ["applied"]
    assert codes(results)[:7] == ["out_of_scope"] * 7
    assert all(r["version"] is None for r in results[:7])
    assert [r["seq"] for r in results] == list(range(1, 9))
    assert last_seq(worker) == 8
    assert after_it["id"] in rows_of(worker, grid_a)
    assert rows_of(supervisor, grid_b) == before
    # Each rejection is stored for its author to see.
    mine = {r["seq"]: r["error"]["code"] for r in rejections(worker)}
    assert mine == {seq: "out_of_scope" for seq in range(1, 8)}


def test_worker_cannot_create_rows_in_another_grid(worker, supervisor, grid_a, grid_b, hb):
    before = rows_of(supervisor, grid_b)
    blob = hashlib.sha256(b"photo").hexdigest()
    bad = [
        household(grid_b),
        issue(grid_b),
        resident(hb["household"]),
        visit(hb["household"]),
        # An issue of grid B's household claiming grid A: its grid is the household's.
        issue(grid_a, household_id=hb["household"]),
        issue_update(hb["issue"], None, "open", comment="看过了"),
        create(
            "attachments",
            {"sha256": blob, "owner_entity": "households", "owner_id": hb["household"], "size": 5},
        ),
        household("no-such-grid"),
    ]
    after_it = sentinel(grid_a)
    results = worker.push(*bad, after_it)
    assert statuses(results) == ["rejected"] * len(bad) + ["applied"]
    for result in results[: len(bad)]:
        assert result["error"]["code"] in {"out_of_scope", "forbidden"}, result
    assert last_seq(worker) == len(bad) + 1
    assert rows_of(supervisor, grid_b) == before
    own = rows_of(worker, grid_a)
    assert set(own) == {after_it["id"]}


# -- grid_id and household_id are fixed -------------------------------------------------------


def test_no_role_changes_grid_or_household_of_a_row(worker, supervisor, grid_a, grid_b):
    hh1, hh2 = household(grid_a), household(grid_a, address="海州区幸福路 2号楼 202室")
    res, vis = resident(hh1["id"]), visit(hh1["id"])
    iss, free = issue(grid_a, household_id=hh1["id"]), issue(grid_a)
    assert statuses(worker.push(hh1, hh2, res, vis, iss, free)) == ["applied"] * 6
    before = rows_of(worker, grid_a)

    after_it = sentinel(grid_a)
    results = worker.push(
        update("households", hh1["id"], grid_id=(grid_a, grid_b)),
        update("residents", res["id"], household_id=(hh1["id"], hh2["id"])),
        update("visits", vis["id"], household_id=(hh1["id"], hh2["id"])),
        update("issues", iss["id"], household_id=(hh1["id"], hh2["id"])),
        update("issues", free["id"], grid_id=(grid_a, grid_b)),
        update("issues", free["id"], household_id=(None, hh1["id"])),
        after_it,
    )
    assert statuses(results) == ["rejected"] * 6 + ["applied"]
    assert codes(results)[:6] == ["field_not_writable"] * 6
    assert last_seq(worker) == 6 + 7

    # A supervisor holding both grids may not move a row by push either.
    sup = supervisor.push(
        update("households", hh1["id"], grid_id=(grid_a, grid_b)),
        update("residents", res["id"], household_id=(hh1["id"], hh2["id"])),
    )
    assert statuses(sup) == ["rejected", "rejected"]
    assert codes(sup) == ["field_not_writable", "field_not_writable"]

    # A create of an existing id that would change its household is rejected too.
    again = resident(hh2["id"], name="张三")
    again["id"] = res["id"]
    results = worker.push(again, sentinel(grid_a))
    assert statuses(results) == ["rejected", "applied"]

    after = rows_of(worker, grid_a)
    for row_id, row in before.items():
        assert after[row_id] == row
    assert after[res["id"]]["household_id"] == hh1["id"]
    assert after[hh1["id"]]["grid_id"] == grid_a
    assert rows_of(supervisor, grid_b) == {}


# -- review fields and server-owned fields -----------------------------------------------------


def test_worker_cannot_set_review_fields(worker, grid_a):
    hh = household(grid_a)
    assert worker.push_one(hh)["status"] == "applied"
    ok_pending = visit(hh["id"], review_status="pending")
    ok_null = visit(hh["id"], review_status=None, review_comment=None)
    results = worker.push(
        visit(hh["id"], review_status="approved"),
        visit(hh["id"], review_status="returned"),
        visit(hh["id"], review_comment="写得很好"),
        ok_pending,
        ok_null,
    )
    assert statuses(results) == ["rejected", "rejected", "rejected", "applied", "applied"]
    assert codes(results)[:3] == ["field_not_writable"] * 3

    after_it = sentinel(grid_a)
    results = worker.push(
        update("visits", ok_pending["id"], review_status=("pending", "approved")),
        update("visits", ok_pending["id"], review_status=("pending", "returned")),
        update("visits", ok_pending["id"], review_comment=(None, "通过")),
        after_it,
    )
    assert statuses(results) == ["rejected", "rejected", "rejected", "applied"]
    assert codes(results)[:3] == ["field_not_writable"] * 3
    assert last_seq(worker) == 1 + 5 + 4

    rows = rows_of(worker, grid_a)
    assert set(rows) == {hh["id"], ok_pending["id"], ok_null["id"], after_it["id"]}
    for row_id in (ok_pending["id"], ok_null["id"]):
        assert rows[row_id]["review_status"] == "pending"
        assert rows[row_id]["review_comment"] is None
        assert rows[row_id]["reviewed_by"] is None
        assert rows[row_id]["reviewed_at"] is None


def test_server_owned_fields_are_not_writable(worker, worker2, supervisor, grid_a):
    me, other = worker.user["id"], worker2.user["id"]
    boss = supervisor.user["id"]
    hh = household(grid_a)
    iss = issue(grid_a)
    assert statuses(worker.push(hh, iss)) == ["applied", "applied"]

    own_worker = visit(hh["id"], worker_id=me)
    open_issue = issue(grid_a, status="open")
    creates = [
        household(grid_a, version=5),
        household(grid_a, updated_at="2026-11-20T07:00:00Z"),
        household(grid_a, updated_by=other),
        visit(hh["id"], worker_id=other),
        visit(hh["id"], reviewed_by=boss),
        visit(hh["id"], reviewed_at="2026-11-20T07:00:00Z"),
        issue(grid_a, status="in_progress"),
        issue(grid_a, status="closed"),
        issue_update(iss["id"], None, "open", comment="x", author_id=other),
    ]
    results = worker.push(*creates, own_worker, open_issue)
    assert statuses(results) == ["rejected"] * len(creates) + ["applied", "applied"]
    assert codes(results)[: len(creates)] == ["field_not_writable"] * len(creates)

    before = rows_of(worker, grid_a)
    assert before[own_worker["id"]]["worker_id"] == me
    assert before[open_issue["id"]]["status"] == "open"

    updates = [
        update("households", hh["id"], version=(1, 99)),
        update("households", hh["id"], updated_at=(None, "2026-11-20T07:00:00Z")),
        update("households", hh["id"], updated_by=(me, other)),
        update("visits", own_worker["id"], worker_id=(me, other)),
        update("visits", own_worker["id"], reviewed_by=(None, boss)),
        update("visits", own_worker["id"], reviewed_at=(None, "2026-11-20T07:00:00Z")),
        update("issues", iss["id"], status=("open", "resolved")),
    ]
    after_it = sentinel(grid_a)
    results = worker.push(*updates, after_it)
    assert statuses(results) == ["rejected"] * len(updates) + ["applied"]
    assert codes(results)[: len(updates)] == ["field_not_writable"] * len(updates)
    assert last_seq(worker) == 2 + len(creates) + 2 + len(updates) + 1

    # Not even a supervisor writes an issue's status or the review stamps directly.
    sup = supervisor.push(
        update("issues", iss["id"], status=("open", "closed")),
        update("visits", own_worker["id"], reviewed_by=(None, boss)),
        update("visits", own_worker["id"], worker_id=(me, boss)),
    )
    assert statuses(sup) == ["rejected"] * 3
    assert codes(sup) == ["field_not_writable"] * 3

    after = rows_of(worker, grid_a)
    for row_id, row in before.items():
        assert after[row_id] == row


def test_issue_updates_and_attachments_are_create_only(worker, service, grid_a):
    hh, iss = household(grid_a), issue(grid_a)
    upd = issue_update(iss["id"], None, "open", comment="已联系物业")
    data = b"photo of the manhole"
    sha = hashlib.sha256(data).hexdigest()
    put = worker.request(
        "PUT", f"/attachments/{sha}", content=data, headers={"Content-Type": "image/jpeg"}
    )
    assert put.status_code == 201, put.text
    att = create(
        "attachments",
        {"sha256": sha, "owner_entity": "issues", "owner_id": iss["id"], "size": len(data)},
    )
    assert statuses(worker.push(hh, iss, upd, att)) == ["applied"] * 4
    before = rows_of(worker, grid_a)

    after_it = sentinel(grid_a)
    results = worker.push(
        update("issue_updates", upd["id"], comment=("已联系物业", "改过了")),
        delete("issue_updates", upd["id"]),
        update("attachments", att["id"], filename=(None, "x.jpg")),
        delete("attachments", att["id"]),
        after_it,
    )
    assert statuses(results) == ["rejected"] * 4 + ["applied"]
    assert all(r["error"]["code"] for r in results[:4])
    assert last_seq(worker) == 4 + 5
    after = rows_of(worker, grid_a)
    for row_id, row in before.items():
        assert after[row_id] == row
    assert after[upd["id"]]["comment"] == "已联系物业"
    assert after[att["id"]]["deleted"] is False


# -- issue workflow by role --------------------------------------------------------------------


def test_only_a_supervisor_closes_or_reopens_a_closed_issue(worker, supervisor, grid_a):
    iss = issue(grid_a)
    assert worker.push_one(iss)["status"] == "applied"

    def status() -> str:
        return str(rows_of(worker, grid_a)[iss["id"]]["status"])

    # A worker cannot jump from open to closed.
    assert (
        worker.push_one(issue_update(iss["id"], "closed", "open"))["error"]["code"]
        == "invalid_transition"
    )
    assert status() == "open"

    assert worker.push_one(issue_update(iss["id"], "resolved", "open"))["status"] == "applied"
    assert status() == "resolved"

    after_it = sentinel(grid_a)
    results = worker.push(issue_update(iss["id"], "closed", "resolved"), after_it)
    assert statuses(results) == ["rejected", "applied"]
    assert results[0]["error"]["code"] == "invalid_transition"
    assert status() == "resolved"

    assert supervisor.push_one(issue_update(iss["id"], "closed", "resolved"))["status"] == "applied"
    assert status() == "closed"

    results = worker.push(issue_update(iss["id"], "open", "closed"), sentinel(grid_a))
    assert statuses(results) == ["rejected", "applied"]
    assert results[0]["error"]["code"] == "invalid_transition"
    assert status() == "closed"

    assert supervisor.push_one(issue_update(iss["id"], "open", "closed"))["status"] == "applied"
    assert status() == "open"

    # A worker may reopen a resolved (not closed) issue.
    assert worker.push_one(issue_update(iss["id"], "resolved", "open"))["status"] == "applied"
    assert worker.push_one(issue_update(iss["id"], "open", "resolved"))["status"] == "applied"
    assert status() == "open"
    assert last_seq(worker) == 9
    rejected = sorted(
        r["seq"] for r in rejections(worker) if r["error"]["code"] == "invalid_transition"
    )
    assert rejected == [2, 4, 6]


# -- visit review ------------------------------------------------------------------------------


def test_supervisor_approves_and_returns_visits(worker, supervisor, grid_a, clock):
    hh = household(grid_a)
    v1, v2 = visit(hh["id"]), visit(hh["id"], visited_at="2026-11-20T07:30:00Z")
    assert statuses(worker.push(hh, v1, v2)) == ["applied"] * 3

    clock.advance(hours=2)
    reviewed_at = z(clock.now)
    results = supervisor.push(
        update("visits", v1["id"], review_status=("pending", "approved")),
        update(
            "visits",
            v2["id"],
            review_status=("pending", "returned"),
            review_comment=(None, "请补充见面人员"),
        ),
    )
    assert statuses(results) == ["applied", "applied"]
    rows = rows_of(worker, grid_a)
    assert rows[v1["id"]]["review_status"] == "approved"
    assert rows[v2["id"]]["review_status"] == "returned"
    assert rows[v2["id"]]["review_comment"] == "请补充见面人员"
    for row_id in (v1["id"], v2["id"]):
        assert rows[row_id]["reviewed_by"] == supervisor.user["id"]
        assert rows[row_id]["reviewed_at"] == reviewed_at
        assert rows[row_id]["worker_id"] == worker.user["id"]
        assert rows[row_id]["updated_by"] == supervisor.user["id"]


def test_worker_edit_of_returned_visit_goes_back_to_pending(worker, supervisor, grid_a, clock):
    hh = household(grid_a)
    vis = visit(hh["id"], notes="见到户主")
    assert statuses(worker.push(hh, vis)) == ["applied", "applied"]
    clock.advance(hours=1)
    reviewed_at = z(clock.now)
    results = supervisor.push(
        update(
            "visits",
            vis["id"],
            review_status=("pending", "returned"),
            review_comment=(None, "请补充"),
        )
    )
    assert statuses(results) == ["applied"]

    # A change that alters nothing keeps the visit returned.
    assert (
        worker.push_one(update("visits", vis["id"], notes=("见到户主", "见到户主")))["status"]
        == "applied"
    )
    assert rows_of(worker, grid_a)[vis["id"]]["review_status"] == "returned"

    # A worker may not send it back to pending by writing review_status...
    result = worker.push_one(update("visits", vis["id"], review_status=("returned", "pending")))
    assert result["error"]["code"] == "field_not_writable"

    # ...but editing it does, keeping the last review's stamps.
    clock.advance(hours=1)
    result = worker.push_one(update("visits", vis["id"], notes=("见到户主", "见到户主及其配偶")))
    assert result["status"] == "applied"
    row = rows_of(worker, grid_a)[vis["id"]]
    assert row["notes"] == "见到户主及其配偶"
    assert row["review_status"] == "pending"
    assert row["reviewed_by"] == supervisor.user["id"]
    assert row["reviewed_at"] == reviewed_at
    assert row["updated_by"] == worker.user["id"]


# -- devices and tokens ------------------------------------------------------------------------

SHA_ZERO = "0" * 64


def every_endpoint(device: Any) -> list[Any]:
    """One call of each authenticated endpoint, with well-formed bodies."""
    return [
        device.request("GET", "/me"),
        device.push_raw([]),
        device.request("POST", "/sync/pull", json={"cursors": {}}),
        device.request("PUT", f"/attachments/{SHA_ZERO}", content=b""),
        device.request("GET", f"/attachments/{SHA_ZERO}"),
        device.request("GET", "/conflicts"),
        device.request("GET", "/rejections"),
        device.request("POST", "/conflicts/1/settle"),
        device.request("POST", "/rejections/1/handle"),
        device.request("POST", "/rejections/handled", json={"ids": [1]}),
        device.request("POST", "/audit", json={"events": []}),
        device.request("POST", "/admin/grids", json={"id": "grid-z", "name": "z"}),
    ]


def test_revoked_device_is_refused_everywhere(service, worker, worker2, grid_a):
    assert worker.push_one(household(grid_a))["status"] == "applied"
    admin.revoke_device(service.engine, service.settings, worker.device_id)

    pushed = worker.push_raw([{"seq": 2, **household(grid_a)}])
    login = service.http.post(
        "/api/v1/auth/login",
        json={
            "username": "worker-a",
            "password": PASSWORD,
            "device_id": worker.device_id,
            "device_name": "x",
        },
        headers=HEADERS,
    )
    wrong = [
        f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}"
        for r in [*every_endpoint(worker), pushed, login]
        if r.status_code != 403 or error_code(r) != "device_revoked"
    ]
    assert wrong == []
    assert len(rows_of(worker2, grid_a)) == 1

    # The user is not revoked: another installation may log in, and other devices go on.
    fresh = service.login("worker-a")
    assert fresh.request("GET", "/me").status_code == 200
    assert worker2.request("GET", "/me").status_code == 200


def test_expired_token_gets_401(service, worker, clock):
    clock.advance(days=29, hours=23)
    assert worker.request("GET", "/me").status_code == 200
    clock.advance(hours=1, seconds=1)
    for response in (
        worker.request("GET", "/me"),
        worker.push_raw([]),
        worker.request("POST", "/sync/pull", json={"cursors": {}}),
        worker.request("GET", "/rejections"),
    ):
        assert response.status_code == 401, response.text
        assert error_code(response) == "token_expired"
    again = service.login("worker-a", worker.device_id)
    assert again.request("GET", "/me").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer garbage", "Basic d29ya2VyLWE6eA==", "garbage"],
)
def test_missing_or_garbage_token_gets_401(service, worker, authorization):
    headers = dict(HEADERS)
    if authorization is not None:
        headers["Authorization"] = authorization
    for method, path, body in (
        ("GET", "/api/v1/me", None),
        ("POST", "/api/v1/sync/pull", {"cursors": {}}),
        ("POST", "/api/v1/sync/push", {"device_id": worker.device_id, "mutations": []}),
        ("GET", "/api/v1/rejections", None),
        ("POST", "/api/v1/rejections/1/handle", None),
        ("POST", "/api/v1/rejections/handled", {"ids": [1]}),
        ("GET", "/api/v1/conflicts", None),
        ("GET", f"/api/v1/attachments/{SHA_ZERO}", None),
        ("POST", "/api/v1/audit", {"events": []}),
        ("GET", "/api/v1/admin/audit", None),
    ):
        response = service.http.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert set(response.json()["error"]) >= {"code", "message", "details"}


def test_a_token_of_another_device_is_not_this_device(worker, worker2, grid_a):
    # The worker's token with worker2's device id.
    response = worker.push_raw([{"seq": 1, **household(grid_a)}], device_id=worker2.device_id)
    assert response.status_code == 403
    assert error_code(response) == "device_mismatch"
    response = worker.push_raw([{"seq": 1, **household(grid_a)}], device_id=str(uuid.uuid4()))
    assert response.status_code == 403
    assert error_code(response) == "device_mismatch"
    assert last_seq(worker) == 0
    assert last_seq(worker2) == 0
    assert rows_of(worker, grid_a) == {}
    # The same device id in upper case is still this device.
    ok = worker.push_raw([{"seq": 1, **household(grid_a)}], device_id=worker.device_id.upper())
    assert ok.status_code == 200, ok.text


def test_push_without_device_id_is_device_mismatch(worker, grid_a):
    """PROTOCOL.md, Transport: "a device_id missing or not the token's device (403 device_mismatch)"."""
    response = worker.request(
        "POST", "/sync/push", json={"mutations": [{"seq": 1, **household(grid_a)}]}
    )
    assert response.status_code == 403, response.text
    assert error_code(response) == "device_mismatch"
    assert rows_of(worker, grid_a) == {}


# -- the protocol header ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "2", "0", "", "abc", "1, 2"])
def test_missing_or_unsupported_protocol_header_gets_426_before_authentication(
    service, worker, value
):
    base = {} if value is None else {PROTOCOL_HEADER: value}
    calls = [
        ("GET", "/api/v1/me", None),
        ("POST", "/api/v1/sync/push", {"device_id": worker.device_id, "mutations": []}),
        ("POST", "/api/v1/sync/pull", {"cursors": {}}),
        (
            "POST",
            "/api/v1/auth/login",
            {
                "username": "worker-a",
                "password": PASSWORD,
                "device_id": worker.device_id,
                "device_name": "x",
            },
        ),
        ("GET", "/api/v1/rejections", None),
        ("GET", f"/api/v1/attachments/{SHA_ZERO}", None),
        ("POST", "/api/v1/admin/grids", {"id": "g", "name": "g"}),
    ]
    for with_token in (False, True):
        headers = dict(base)
        if with_token:
            headers["Authorization"] = f"Bearer {worker.token}"
        for method, path, body in calls:
            response = service.http.request(method, path, json=body, headers=headers)
            assert response.status_code == 426, (path, with_token, response.text)
            error = response.json()["error"]
            assert error["code"] == "protocol_unsupported"
            assert error["details"]["supported"] == [1, 1]
    # Nothing was pushed while the header was wrong.
    assert last_seq(worker) == 0


def test_health_needs_no_header_nor_token(service):
    response = service.http.get("/api/v1/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert isinstance(body["version"], str) and body["version"]


# -- admin endpoints --------------------------------------------------------------------------


def test_admin_endpoints_refuse_workers_and_supervisors(
    service, worker, worker2, supervisor, admin_device, grid_a, grid_b
):
    hh = household(grid_a)
    assert worker.push_one(hh)["status"] == "applied"
    calls = [
        ("POST", "/admin/grids", {"id": "grid-x", "name": "新网格"}),
        (
            "POST",
            "/admin/users",
            {"username": "mallory", "role": "admin", "password": "password123"},
        ),
        ("POST", "/admin/users/worker-a/grids", {"grid_ids": [grid_b]}),
        ("DELETE", "/admin/users/worker-a2/grids", {"grid_ids": [grid_a]}),
        ("POST", f"/admin/devices/{worker2.device_id}/revoke", None),
        ("POST", f"/admin/households/{hh['id']}/move", {"grid_id": grid_b}),
    ]
    for device in (worker, supervisor):
        for method, path, body in calls:
            response = device.request(method, path, json=body)
            assert response.status_code == 403, (device.user["username"], path, response.text)

    # None of it happened.
    assert [g["id"] for g in worker.request("GET", "/me").json()["grids"]] == [grid_a]
    assert worker2.request("GET", "/me").status_code == 200
    assert [g["id"] for g in worker2.request("GET", "/me").json()["grids"]] == [grid_a]
    assert rows_of(supervisor, grid_a)[hh["id"]]["grid_id"] == grid_a
    assert (
        service.http.post(
            "/api/v1/auth/login",
            json={"username": "mallory", "password": "password123", "device_id": str(uuid.uuid4())},
            headers=HEADERS,
        ).status_code
        == 401
    )
    # The admin may: the grid the others tried to create does not exist yet.
    created = admin_device.request("POST", "/admin/grids", json={"id": "grid-x", "name": "新网格"})
    assert created.status_code == 201, created.text


def test_unassigning_a_grid_revokes_it(service, worker, admin_device, grid_a, grid_b):
    hh = household(grid_a)
    assert worker.push_one(hh)["status"] == "applied"
    worker.pull_all(grid_a)

    response = admin_device.request(
        "DELETE", "/admin/users/worker-a/grids", json={"grid_ids": [grid_a]}
    )
    assert response.status_code == 200, response.text

    page = worker.pull({grid_a: worker.cursors[grid_a]})
    assert page["revoked_grids"] == [grid_a]
    assert page["changes"] == []
    assert page["grids"] == []
    from_zero = worker.pull({grid_a: 0})
    assert from_zero["changes"] == [] and from_zero["revoked_grids"] == [grid_a]
    assert worker.request("GET", "/me").json()["grids"] == []

    # A mutation of a row no longer in scope is rejected, consumed and listed.
    results = worker.push(update("households", hh["id"], notes=(None, "x")))
    assert statuses(results) == ["rejected"]
    assert codes(results) == ["out_of_scope"]
    assert last_seq(worker) == 2
    assert [r["seq"] for r in rejections(worker)] == [2]

    # A newly assigned grid shows up in "grids".
    admin.assign(service.engine, "worker-a", [grid_b])
    assert [g["id"] for g in worker.pull({})["grids"]] == [grid_b]


# -- attachments are read in scope -------------------------------------------------------------


def test_attachment_bytes_only_for_grids_holding_a_reference(
    service, worker, worker_b, supervisor, grid_a, grid_b
):
    photo, other, orphan = b"\xff\xd8 photo A", b"\xff\xd8 photo B", b"\xff\xd8 never referenced"
    sha_a, sha_b, sha_orphan = (hashlib.sha256(x).hexdigest() for x in (photo, other, orphan))
    for device, data, sha in (
        (worker, photo, sha_a),
        (worker_b, other, sha_b),
        (worker, orphan, sha_orphan),
    ):
        put = device.request(
            "PUT", f"/attachments/{sha}", content=data, headers={"Content-Type": "image/jpeg"}
        )
        assert put.status_code == 201, put.text

    # Uploaded but not yet referenced: nobody gets it, not even its uploader.
    assert worker.request("GET", f"/attachments/{sha_a}").status_code == 404

    ha, hb_ = household(grid_a), household(grid_b)
    att_a = create(
        "attachments",
        {"sha256": sha_a, "owner_entity": "households", "owner_id": ha["id"], "size": len(photo)},
    )
    att_b = create(
        "attachments",
        {"sha256": sha_b, "owner_entity": "households", "owner_id": hb_["id"], "size": len(other)},
    )
    assert statuses(worker.push(ha, att_a)) == ["applied", "applied"]
    assert statuses(worker_b.push(hb_, att_b)) == ["applied", "applied"]

    got = worker.request("GET", f"/attachments/{sha_a}")
    assert got.status_code == 200 and got.content == photo
    assert supervisor.request("GET", f"/attachments/{sha_a}").content == photo
    assert supervisor.request("GET", f"/attachments/{sha_b}").content == other
    assert worker_b.request("GET", f"/attachments/{sha_b}").content == other

    for device, sha in (
        (worker_b, sha_a),
        (worker, sha_b),
        (worker, sha_orphan),
        (supervisor, sha_orphan),
    ):
        response = device.request("GET", f"/attachments/{sha}")
        assert response.status_code == 404, response.text
        assert error_code(response) == "not_found"
        assert response.content != photo and response.content != other

    # When the household moves, its photo goes with it.
    admin.move_household(service.engine, service.settings, ha["id"], grid_b)
    assert worker.request("GET", f"/attachments/{sha_a}").status_code == 404
    assert worker_b.request("GET", f"/attachments/{sha_a}").content == photo


# -- who sees which conflicts and rejections ---------------------------------------------------


def test_rejections_are_shown_to_their_author_and_the_grids_supervisors(
    service, worker, worker2, worker_b, supervisor, supervisor_b, grid_a, grid_b
):
    ha, hb_ = household(grid_a), household(grid_b)
    assert worker.push_one(ha)["status"] == "applied"
    assert worker_b.push_one(hb_)["status"] == "applied"

    assert (
        worker.push_one(
            update("households", ha["id"], address=("海州区幸福路 1号楼 1单元 101室", "x" * 201))
        )["status"]
        == "rejected"
    )
    assert (
        worker2.push_one(update("households", ha["id"], kind=(None, "palace")))["status"]
        == "rejected"
    )
    assert (
        worker_b.push_one(update("households", hb_["id"], tags=([], ["rich"])))["status"]
        == "rejected"
    )

    def keys(rows: list[dict[str, Any]]) -> set[tuple[str, int]]:
        return {(r["device_id"], r["seq"]) for r in rows}

    w, w2, wb = (worker.device_id, 2), (worker2.device_id, 1), (worker_b.device_id, 2)
    assert keys(rejections(worker)) == {w}
    assert keys(rejections(worker2)) == {w2}
    assert keys(rejections(worker_b)) == {wb}
    assert keys(rejections(supervisor)) == {w, w2, wb}
    assert keys(rejections(supervisor_b)) == {wb}
    assert keys(rejections(supervisor, grid_id=grid_a)) == {w, w2}
    assert keys(rejections(supervisor, grid_id=grid_b)) == {wb}

    # A worker asking for another grid learns nothing of it.
    response = worker.request("GET", "/rejections", params={"grid_id": grid_b})
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert response.json()["rejections"] == []


def test_rejected_creates_with_bad_values_are_shown_to_the_supervisor(
    worker, supervisor, supervisor_b, grid_a
):
    """A create whose values are invalid still belongs to a grid a supervisor can see."""
    hh = household(grid_a)
    assert worker.push_one(hh)["status"] == "applied"
    results = worker.push(
        resident(hh["id"], phone="12345"),
        household(grid_a, address="x" * 201),
        visit(hh["id"], outcome="chatted"),
    )
    assert statuses(results) == ["rejected"] * 3
    seen = {(r["device_id"], r["seq"]) for r in rejections(supervisor)}
    assert seen == {(worker.device_id, 2), (worker.device_id, 3), (worker.device_id, 4)}
    assert all(r["grid_id"] == grid_a for r in rejections(supervisor))
    assert rejections(supervisor_b) == []


def test_conflicts_are_shown_to_the_writers_involved_and_the_grids_supervisors(
    service, worker, worker2, worker_b, supervisor, supervisor_b, grid_a, grid_b
):
    service.user("worker-a3", "worker", [grid_a])
    bystander = service.login("worker-a3")
    ha, hb_ = household(grid_a), household(grid_b)
    assert worker.push_one(ha)["status"] == "applied"
    assert worker_b.push_one(hb_)["status"] == "applied"

    assert (
        worker.push_one(update("households", ha["id"], head_name=(None, "李四")))["status"]
        == "applied"
    )
    result = worker2.push_one(update("households", ha["id"], head_name=(None, "王五")))
    assert result["status"] == "conflict"
    assert (
        worker_b.push_one(update("households", hb_["id"], head_name=(None, "赵六")))["status"]
        == "applied"
    )
    assert (
        supervisor.push_one(update("households", hb_["id"], head_name=(None, "钱七")))["status"]
        == "conflict"
    )

    def fields(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(r["row_id"], r["ours"]) for r in rows}

    in_a, in_b = (ha["id"], "王五"), (hb_["id"], "钱七")
    assert fields(conflicts(worker)) == {in_a}  # its own row, overwritten
    assert fields(conflicts(worker2)) == {in_a}  # its own mutation
    assert fields(conflicts(bystander)) == set()
    assert fields(conflicts(worker_b)) == {in_b}
    assert fields(conflicts(supervisor)) == {in_a, in_b}
    assert fields(conflicts(supervisor_b)) == {in_b}
    assert fields(conflicts(supervisor, grid_id=grid_b)) == {in_b}

    # Settling is for those who may see it.
    conflict_a = conflicts(supervisor, grid_id=grid_a)[0]["id"]
    assert bystander.request("POST", f"/conflicts/{conflict_a}/settle").status_code in (403, 404)
    assert supervisor_b.request("POST", f"/conflicts/{conflict_a}/settle").status_code in (403, 404)
    assert conflicts(supervisor, grid_id=grid_a)[0]["state"] == "open"
    assert worker2.request("POST", f"/conflicts/{conflict_a}/settle").status_code == 200
    assert conflicts(supervisor, grid_id=grid_a)[0]["state"] == "settled"
