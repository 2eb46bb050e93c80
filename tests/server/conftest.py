from __future__ import annotations

import pytest

from .harness import FakeClock, Service


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(engine, tmp_path, clock) -> Service:
    return Service(engine, tmp_path, clock)


@pytest.fixture
def grid_a(service: Service) -> str:
    return service.grid("grid-a", "西门网格")


@pytest.fixture
def grid_b(service: Service) -> str:
    return service.grid("grid-b", "东门网格")


@pytest.fixture
def worker(service: Service, grid_a: str):
    service.user("worker-a", "worker", [grid_a])
    return service.login("worker-a")


@pytest.fixture
def worker2(service: Service, grid_a: str):
    service.user("worker-a2", "worker", [grid_a])
    return service.login("worker-a2")


@pytest.fixture
def supervisor(service: Service, grid_a: str, grid_b: str):
    service.user("super", "supervisor", [grid_a, grid_b])
    return service.login("super")
