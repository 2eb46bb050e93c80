"""A service under test and the devices that talk to it over its real HTTP interface."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync.protocol.wire import PROTOCOL_HEADER, uuid7
from sync.server import admin
from sync.server.app import create_app
from sync.server.settings import Settings

PASSWORD = "correct horse 1"
HEADERS = {PROTOCOL_HEADER: "1"}


class FakeClock:
    def __init__(self, start: dt.datetime | None = None):
        self.now = start or dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class Service:
    def __init__(
        self, engine: Engine, tmp_path: Path, clock: FakeClock | None = None, **settings: Any
    ):
        self.clock = clock or FakeClock()
        self.engine = engine
        self.settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            blob_dir=tmp_path / "blobs",
            clock=self.clock,
            **settings,
        )
        self.app = create_app(self.settings, engine)
        self.http = TestClient(self.app, raise_server_exceptions=False)

    def grid(self, grid_id: str, name: str | None = None) -> str:
        admin.create_grid(
            self.engine,
            self.settings,
            grid_id,
            name or f"网格 {grid_id}",
            "幸福社区",
            "海州街道",
            "海州区",
        )
        return grid_id

    def user(self, username: str, role: str = "worker", grids: list[str] | None = None) -> str:
        user = admin.create_user(self.engine, self.settings, username, role, PASSWORD, username)
        if grids:
            admin.assign(self.engine, username, grids)
        return str(user["id"])

    def login(self, username: str, device_id: str | None = None) -> Device:
        device_id = device_id or str(uuid.uuid4())
        response = self.http.post(
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": PASSWORD,
                "device_id": device_id,
                "device_name": "test",
            },
            headers=HEADERS,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return Device(self, body["token"], device_id, body["user"])


class Device:
    """One installation: a token, a device id, and the next mutation seq."""

    def __init__(self, service: Service, token: str, device_id: str, user: dict[str, Any]):
        self.service = service
        self.token = token
        self.device_id = device_id
        self.user = user
        self.seq = 0
        self.cursors: dict[str, int] = {}

    @property
    def headers(self) -> dict[str, str]:
        return {**HEADERS, "Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.service.http.request(method, "/api/v1" + path, headers=headers, **kwargs)

    def push_raw(self, mutations: list[dict[str, Any]], **extra: Any) -> Any:
        body = {"device_id": self.device_id, "mutations": mutations, **extra}
        return self.request("POST", "/sync/push", json=body)

    def push(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        """Number the mutations with this device's next seqs and push them; the results."""
        numbered = []
        for m in mutations:
            self.seq += 1
            numbered.append({"seq": self.seq, **m})
        response = self.push_raw(numbered)
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    def push_one(self, mutation: dict[str, Any]) -> dict[str, Any]:
        return self.push(mutation)[0]

    def pull(
        self, cursors: dict[str, int] | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"cursors": cursors if cursors is not None else dict(self.cursors)}
        if limit is not None:
            body["limit"] = limit
        response = self.request("POST", "/sync/pull", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def pull_all(self, grid_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        """Every change of a grid from this device's cursor on, advancing the cursor."""
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull({grid_id: self.cursors.get(grid_id, 0)}, limit)
            changes += page["changes"]
            self.cursors.update(page["cursors"])
            if not page["has_more"]:
                self.last_page = page
                return changes


def create(entity: str, values: dict[str, Any], row_id: str | None = None) -> dict[str, Any]:
    return {"entity": entity, "id": row_id or uuid7(), "op": "create", "values": values}


def update(entity: str, row_id: str, **changes: tuple[Any, Any]) -> dict[str, Any]:
    return {
        "entity": entity,
        "id": row_id,
        "op": "update",
        "changes": {k: {"old": old, "new": new} for k, (old, new) in changes.items()},
    }


def delete(entity: str, row_id: str) -> dict[str, Any]:
    return {"entity": entity, "id": row_id, "op": "delete"}


def household(grid_id: str, **values: Any) -> dict[str, Any]:
    return create(
        "households", {"grid_id": grid_id, "address": "海州区幸福路 1号楼 1单元 101室", **values}
    )


def resident(household_id: str, **values: Any) -> dict[str, Any]:
    return create("residents", {"household_id": household_id, "name": "张三", **values})


def visit(
    household_id: str, visited_at: str = "2026-11-20T07:00:00Z", **values: Any
) -> dict[str, Any]:
    return create(
        "visits",
        {"household_id": household_id, "visited_at": visited_at, "outcome": "met", **values},
    )


def issue(grid_id: str, **values: Any) -> dict[str, Any]:
    return create(
        "issues",
        {"grid_id": grid_id, "title": "68号楼下井盖破损", "category": "facilities", **values},
    )


def issue_update(
    issue_id: str, status: str | None, from_status: str | None = None, **values: Any
) -> dict[str, Any]:
    return create(
        "issue_updates",
        {"issue_id": issue_id, "status": status, "from_status": from_status, **values},
    )
