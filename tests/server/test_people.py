"""GET /api/v1/people: who holds the caller's grids, by name (sync/server/directory.py).

A caller sees the active users holding at least one of the caller's grids, each with their
display name, role and the grids they hold among the caller's; an admin sees everyone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update as sql_update

from gridworker.domain import queries
from gridworker.session import login
from sync.server import admin
from sync.server.models import User

from .harness import HEADERS, PASSWORD, Service
from .live import LiveServer

# username: (display name, role, grids)
STAFF: dict[str, tuple[str, str, list[str]]] = {
    "sup-ab": ("张网格长", "supervisor", ["A", "B"]),
    "sup-c": ("赵网格长", "supervisor", ["C"]),
    "w-a": ("王芳", "worker", ["A"]),
    "w-a2": ("李娜", "worker", ["A"]),
    "w-ac": ("刘强", "worker", ["A", "C"]),
    "w-b": ("陈静", "worker", ["B"]),
    "w-c": ("杨洋", "worker", ["C"]),
    "w-none": ("孙磊", "worker", []),
    "w-gone": ("周敏", "worker", ["A"]),  # deactivated below
    "root": ("管理员", "admin", []),
}


@pytest.fixture
def office(service: Service) -> dict[str, str]:
    """Grids A, B, C and the staff above; the username -> user id."""
    for grid in ("A", "B", "C"):
        service.grid(grid)
    ids = {}
    for username, (name, role, grids) in STAFF.items():
        user = admin.create_user(
            service.engine, service.settings, username, role, PASSWORD, display_name=name
        )
        if grids:
            admin.assign(service.engine, username, grids)
        ids[username] = str(user["id"])
    with service.engine.begin() as conn:
        conn.execute(sql_update(User).where(User.username == "w-gone").values(active=False))
    return ids


def people(service: Service, username: str) -> list[dict[str, Any]]:
    response = service.login(username).request("GET", "/people")
    assert response.status_code == 200, response.text
    return list(response.json()["users"])


def expected(ids: dict[str, str], *entries: tuple[str, list[str]]) -> list[dict[str, Any]]:
    """The listing of these users with these grids, in display-name order."""
    rows = [
        {"id": ids[u], "display_name": STAFF[u][0], "role": STAFF[u][1], "grids": grids}
        for u, grids in entries
    ]
    return sorted(rows, key=lambda r: r["display_name"])


def test_a_supervisor_sees_who_holds_their_grids(service, office):
    # A and B: sup-ab itself, the A workers (w-ac with A only: C is not the caller's), w-b.
    # Not sup-c or w-c (C only), w-none (no grid), w-gone (inactive), root (no grid).
    assert people(service, "sup-ab") == expected(
        office,
        ("sup-ab", ["A", "B"]),
        ("w-a", ["A"]),
        ("w-a2", ["A"]),
        ("w-ac", ["A"]),
        ("w-b", ["B"]),
    )
    # The supervisor of C: w-ac with C only.
    assert people(service, "sup-c") == expected(
        office, ("sup-c", ["C"]), ("w-ac", ["C"]), ("w-c", ["C"])
    )


def test_a_worker_sees_colleagues_of_their_grid_only(service, office):
    # w-a (A): the supervisor with A only, the colleagues of A; nobody of B or C alone.
    assert people(service, "w-a") == expected(
        office,
        ("sup-ab", ["A"]),
        ("w-a", ["A"]),
        ("w-a2", ["A"]),
        ("w-ac", ["A"]),
    )
    assert people(service, "w-b") == expected(office, ("sup-ab", ["B"]), ("w-b", ["B"]))
    # w-ac holds A and C: both grids' people, each with the grids shared with the caller.
    assert people(service, "w-ac") == expected(
        office,
        ("sup-ab", ["A"]),
        ("sup-c", ["C"]),
        ("w-a", ["A"]),
        ("w-a2", ["A"]),
        ("w-ac", ["A", "C"]),
        ("w-c", ["C"]),
    )
    # A worker without a grid sees nobody, not even themself.
    assert people(service, "w-none") == []


def test_an_admin_sees_everyone(service, office):
    listed = people(service, "root")
    everyone_active = [(u, grids) for u, (_, _, grids) in STAFF.items() if u != "w-gone"]
    assert listed == expected(office, *everyone_active)


def test_only_the_directory_fields_are_disclosed(service, office):
    for row in people(service, "sup-ab"):
        assert set(row) == {"id", "display_name", "role", "grids"}


def test_changes_of_assignment_show_at_once(service, office):
    admin.unassign(service.engine, "w-a2", ["A"])
    admin.assign(service.engine, "w-c", ["B"])
    assert [p["display_name"] for p in people(service, "w-b")] == sorted(
        ["张网格长", "陈静", "杨洋"]
    )
    names = {p["display_name"] for p in people(service, "w-a")}
    assert "李娜" not in names and "王芳" in names


@pytest.mark.parametrize("authorization", [None, "Bearer garbage", "garbage"])
def test_people_needs_a_valid_token(service, office, authorization):
    headers = dict(HEADERS)
    if authorization is not None:
        headers["Authorization"] = authorization
    response = service.http.get("/api/v1/people", headers=headers)
    assert response.status_code == 401, response.text
    assert set(response.json()["error"]) >= {"code", "message"}


def test_a_revoked_device_is_refused(service, office):
    device = service.login("w-a")
    admin.revoke_device(service.engine, service.settings, device.device_id)
    response = device.request("GET", "/people")
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "device_revoked"


def test_the_client_keeps_the_directory_at_each_sync(service, office, tmp_path):
    # The laptops' clocks are real; let the server's agree (as the client tests do).
    service.clock.now = dt.datetime.now(dt.UTC)
    with LiveServer(service.app) as live:
        sup = login(tmp_path / "sup", live.url, "sup-ab", PASSWORD)
        worker = login(tmp_path / "w-b", live.url, "w-b", PASSWORD)
        try:
            sup.syncer.sync()
            worker.syncer.sync()
            assert queries.people(sup.store) == expected(
                office,
                ("sup-ab", ["A", "B"]),
                ("w-a", ["A"]),
                ("w-a2", ["A"]),
                ("w-ac", ["A"]),
                ("w-b", ["B"]),
            )
            assert queries.names(sup.store) == {
                office[u]: STAFF[u][0] for u in ("sup-ab", "w-a", "w-a2", "w-ac", "w-b")
            }
            assert queries.names(worker.store) == {
                office["sup-ab"]: "张网格长",
                office["w-b"]: "陈静",
            }
            assert [p["display_name"] for p in queries.workers_of(sup.store, "B")] == [
                "张网格长",
                "陈静",
            ]

            # A later sync replaces it: w-a2 leaves A, w-c joins B.
            admin.unassign(service.engine, "w-a2", ["A"])
            admin.assign(service.engine, "w-c", ["B"])
            sup.syncer.sync()
            names = queries.names(sup.store)
            assert office["w-a2"] not in names
            assert names[office["w-c"]] == "杨洋"
            assert {p["id"]: p["grids"] for p in queries.people(sup.store)}[office["w-c"]] == ["B"]
        finally:
            sup.close()
            worker.close()
