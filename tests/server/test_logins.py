"""Logins never stall syncing and never beat the limit (issue 9, point 5).

A flood of wrong passwords, for a known user and for an unknown username, in parallel against
a real server: at most ``login_max_failures`` passwords are checked per username, the rest get
429, and a push during the flood is not held up. Passwords are checked outside any
transaction, at most ``login_hash_concurrency`` at once (503 ``busy`` when they stay taken);
source addresses are throttled too; a new login on a device ends its older tokens.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from sync.server import auth

from .harness import HEADERS, PASSWORD, Service, household
from .live import LiveServer

FLOOD = 40


class CountingVerify:
    """Wraps the module's password check: counts the checks per hash, each one slow like
    Argon2 at its production cost (the tests' own Argon2 parameters are cheap)."""

    def __init__(self, seconds: float = 0.05):
        self.seconds = seconds
        self.calls = 0
        self.lock = threading.Lock()
        self.real = auth.verify_password

    def __call__(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)
        return self.real(password_hash, password)


def login_body(username: str, password: str, device_id: str | None = None) -> dict[str, Any]:
    return {
        "username": username,
        "password": password,
        "device_id": device_id or str(uuid.uuid4()),
        "device_name": "test",
    }


def flood(url: str, username: str, n: int = FLOOD) -> Counter[int]:
    """n parallel wrong logins; their statuses."""
    barrier = threading.Barrier(n)

    def attempt(i: int) -> int:
        with requests.Session() as http:
            barrier.wait()
            r = http.post(
                url + "/api/v1/auth/login",
                json=login_body(username, f"wrong password {i}"),
                headers=HEADERS,
                timeout=60,
            )
            if r.status_code == 429:
                assert r.headers["Retry-After"].isdigit()
                assert r.json()["error"]["code"] == "too_many_attempts"
            return r.status_code

    with ThreadPoolExecutor(n) as pool:
        return Counter(pool.map(attempt, range(n)))


@pytest.mark.parametrize("known", [True, False], ids=["known-user", "unknown-username"])
def test_parallel_wrong_logins_check_at_most_the_limit(service, worker, grid_a, known, monkeypatch):
    verify = CountingVerify()
    monkeypatch.setattr(auth, "verify_password", verify)
    username = "worker-a" if known else "nobody-at-all"
    limit = service.settings.login_max_failures
    with LiveServer(service.app) as live:
        statuses = flood(live.url, username)
    assert verify.calls <= limit, statuses
    assert statuses[401] == verify.calls and statuses[429] == FLOOD - verify.calls, statuses
    assert set(statuses) <= {401, 429}, statuses
    # The username stays locked, even for the right password.
    r = service.http.post(
        "/api/v1/auth/login", json=login_body(username, PASSWORD), headers=HEADERS
    )
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_a_push_is_not_held_up_by_a_login_flood(service, worker, grid_a, monkeypatch):
    # Each check takes 0.2 s: inside a write transaction, 40 of them would hold every
    # writer for seconds (SQLite: one after another, behind the write lock).
    monkeypatch.setattr(auth, "verify_password", CountingVerify(0.2))
    service.settings.login_max_failures = 1000  # every attempt is checked
    service.settings.login_max_failures_per_source = 1000
    durations: list[float] = []
    with LiveServer(service.app) as live:
        token_headers = worker.headers

        def pushes() -> None:
            time.sleep(0.3)  # the flood is under way
            with requests.Session() as http:
                for seq in range(1, 4):
                    body = {
                        "device_id": worker.device_id,
                        "mutations": [{"seq": seq, **household(grid_a)}],
                    }
                    start = time.monotonic()
                    r = http.post(
                        live.url + "/api/v1/sync/push",
                        json=body,
                        headers=token_headers,
                        timeout=60,
                    )
                    durations.append(time.monotonic() - start)
                    assert r.status_code == 200, r.text
                    assert r.json()["results"][0]["status"] == "applied"

        pusher = threading.Thread(target=pushes)
        pusher.start()
        statuses = flood(live.url, "nobody-at-all")
        pusher.join()
    assert statuses[401] > 0, statuses
    assert len(durations) == 3
    assert max(durations) < 2.0, durations


def test_unknown_usernames_are_throttled_like_known_ones(service, grid_a, clock):
    for attempt in range(10):
        r = service.http.post(
            "/api/v1/auth/login", json=login_body("ghost", f"guess {attempt}"), headers=HEADERS
        )
        assert r.status_code == 401, r.text
    r = service.http.post("/api/v1/auth/login", json=login_body("ghost", "x"), headers=HEADERS)
    assert r.status_code == 429, r.text
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    clock.advance(minutes=15, seconds=1)
    r = service.http.post("/api/v1/auth/login", json=login_body("ghost", "x"), headers=HEADERS)
    assert r.status_code == 401, r.text


def test_a_source_address_is_throttled_across_usernames(engine, tmp_path, clock):
    service = Service(engine, tmp_path, clock, login_max_failures_per_source=5)
    service.grid("grid-a")
    service.user("worker-a", "worker", ["grid-a"])
    for i in range(5):
        r = service.http.post(
            "/api/v1/auth/login", json=login_body(f"name-{i}", "guess"), headers=HEADERS
        )
        assert r.status_code == 401, r.text
    # A sixth username from the same address, even a real one with its right password.
    for username, password in (("name-99", "guess"), ("worker-a", PASSWORD)):
        r = service.http.post(
            "/api/v1/auth/login", json=login_body(username, password), headers=HEADERS
        )
        assert r.status_code == 429, r.text
        assert r.json()["error"]["code"] == "too_many_attempts"
        assert int(r.headers["Retry-After"]) > 0
    clock.advance(minutes=16)
    assert service.login("worker-a").token


def test_a_new_login_on_a_device_ends_its_older_tokens(service, worker, grid_a):
    other = service.login("worker-a")  # another device of the same user
    again = service.login("worker-a", device_id=worker.device_id)
    assert worker.request("GET", "/me").status_code == 401
    assert again.request("GET", "/me").status_code == 200
    assert other.request("GET", "/me").status_code == 200


def test_a_login_waiting_too_long_for_a_password_check_is_503_busy(engine, tmp_path, clock):
    service = Service(engine, tmp_path, clock, login_hash_concurrency=1, login_busy_timeout=0.2)
    service.grid("grid-a")
    service.user("worker-a", "worker", ["grid-a"])
    slots = auth.HashSlots.semaphore(1)
    assert slots.acquire(timeout=10)  # every permit taken
    try:
        start = time.monotonic()
        r = service.http.post(
            "/api/v1/auth/login", json=login_body("worker-a", PASSWORD), headers=HEADERS
        )
        assert time.monotonic() - start < 5
    finally:
        slots.release()
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "busy"
    assert int(r.headers["Retry-After"]) > 0
    # The attempt whose password was never checked does not count as a failure.
    for i in range(9):
        assert (
            service.http.post(
                "/api/v1/auth/login", json=login_body("worker-a", f"bad {i}"), headers=HEADERS
            ).status_code
            == 401
        )
    assert service.login("worker-a").token


@pytest.mark.parametrize(
    "field, value",
    [
        ("username", "worker\x00-a"),
        ("username", "worker\ud800"),
        ("password", "pass\ud800word"),
        ("device_name", "laptop\x00"),
        ("device_name", "laptop\udfff"),
    ],
)
def test_nul_or_a_lone_surrogate_in_a_login_field_is_422(service, grid_a, field, value):
    import json

    service.user("worker-a", "worker", [grid_a])
    body = login_body("worker-a", PASSWORD)
    body[field] = value
    r = service.http.post(
        "/api/v1/auth/login",
        content=json.dumps(body).encode(),
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_request"
    assert "token" not in r.json()
