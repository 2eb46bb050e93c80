"""A real sync service on loopback (both backends) and desktop-client profiles talking to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gridworker.session import Session, login
from tests.server.harness import PASSWORD, FakeClock, Service
from tests.server.live import LiveServer


class World:
    """The service, its admin operations, and a factory of logged-in client profiles."""

    def __init__(self, service: Service, live: LiveServer, tmp_path: Path):
        self.service = service
        self.url = live.url
        self.tmp_path = tmp_path
        self.sessions: list[Session] = []

    def client(
        self,
        username: str,
        role: str = "worker",
        grids: list[str] | None = None,
        create: bool = True,
    ) -> Session:
        if create:
            self.service.user(username, role, grids or [])
        data_dir = self.tmp_path / f"laptop-{username}-{len(self.sessions)}"
        session = login(data_dir, self.url, username, PASSWORD)
        self.sessions.append(session)
        return session

    def close(self) -> None:
        for s in self.sessions:
            s.close()


@pytest.fixture
def world(engine, tmp_path) -> Iterator[World]:
    service = Service(engine, tmp_path, FakeClock())
    # The client's clock is the laptop's own; the server's fake clock only times the server.
    service.clock.now = service.clock.now.__class__.now(service.clock.now.tzinfo)
    with LiveServer(service.app) as live:
        w = World(service, live, tmp_path)
        yield w
        w.close()
