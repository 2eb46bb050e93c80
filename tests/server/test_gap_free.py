"""Invariant 5: a pull never skips a change, even when writers commit out of start order.

Writers push to one grid from several threads through a real HTTP server while a reader pulls
incrementally; every committed row must be seen by the reader. The same check run against a
plain database sequence (the "sequence" allocator, PostgreSQL only) must find skipped rows:
that shows the check can fail.
"""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
import requests
from sqlalchemy import select, text

from sync.protocol.wire import PROTOCOL_HEADER
from sync.server.models import ENTITY_TABLES
from sync.server.settings import TestHooks

from .harness import PASSWORD, FakeClock, Service, household
from .live import LiveServer

WRITERS = 4
BATCHES = 15
BATCH_SIZE = 5


def _login(url: str, username: str) -> tuple[dict[str, str], str]:
    device_id = str(uuid.uuid4())
    body = {"username": username, "password": PASSWORD, "device_id": device_id}
    r = requests.post(
        f"{url}/api/v1/auth/login", json=body, headers={PROTOCOL_HEADER: "1"}, timeout=30
    )
    r.raise_for_status()
    return {PROTOCOL_HEADER: "1", "Authorization": f"Bearer {r.json()['token']}"}, device_id


def _run(service: Service) -> tuple[set[str], set[str]]:
    grid = service.grid("grid-race")
    for i in range(WRITERS):
        service.user(f"writer-{i}", "worker", [grid])
    service.user("reader", "worker", [grid])
    seen: set[str] = set()
    errors: list[BaseException] = []
    done = threading.Event()

    held = threading.Lock()
    first = [True]

    def jitter() -> None:
        # One writer holds its transaction open a long while (after taking its versions),
        # the others a little: later versions commit first, and the reader pulls meanwhile.
        with held:
            long_wait, first[0] = first[0], False
        time.sleep(0.3 if long_wait else random.random() * 0.004)

    service.settings.test_hooks.before_commit = jitter
    with LiveServer(service.app) as live:

        def writer(index: int) -> None:
            try:
                headers, device_id = _login(live.url, f"writer-{index}")
                seq = 0
                for _ in range(BATCHES):
                    mutations = []
                    for _ in range(BATCH_SIZE):
                        seq += 1
                        mutations.append({"seq": seq, **household(grid)})
                    r = requests.post(
                        f"{live.url}/api/v1/sync/push",
                        json={"device_id": device_id, "mutations": mutations},
                        headers=headers,
                        timeout=60,
                    )
                    r.raise_for_status()
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        def reader(headers: dict[str, str]) -> None:
            cursor = 0
            try:
                while True:
                    finished = done.is_set()
                    r = requests.post(
                        f"{live.url}/api/v1/sync/pull",
                        json={"cursors": {grid: cursor}, "limit": 50},
                        headers=headers,
                        timeout=60,
                    )
                    r.raise_for_status()
                    page = r.json()
                    seen.update(c["id"] for c in page["changes"])
                    cursor = page["cursors"][grid]
                    if finished and not page["has_more"]:
                        return
            except BaseException as exc:
                errors.append(exc)

        reader_headers, _ = _login(live.url, "reader")
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
        pull_thread = threading.Thread(target=reader, args=(reader_headers,))
        pull_thread.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done.set()
        pull_thread.join()
    assert not errors, errors
    table = ENTITY_TABLES["households"]
    with service.engine.connect() as conn:
        committed = set(conn.execute(select(table.c.id).where(table.c.grid_id == grid)).scalars())
    return committed, seen


def test_incremental_pull_sees_every_committed_row(engine, tmp_path):
    service = Service(engine, tmp_path, FakeClock())
    committed, seen = _run(service)
    assert len(committed) == WRITERS * BATCHES * BATCH_SIZE
    assert committed - seen == set()


def test_the_check_fails_against_a_plain_sequence(pg_engine, tmp_path):
    """A plain sequence hands out versions outside the grid lock: readers skip rows."""
    with pg_engine.begin() as conn:
        conn.execute(text("DROP SEQUENCE IF EXISTS gridsync_unsafe_versions"))
        conn.execute(text("CREATE SEQUENCE gridsync_unsafe_versions"))
    service = Service(
        pg_engine, tmp_path, FakeClock(), test_hooks=TestHooks(version_allocator="sequence")
    )
    committed, seen = _run(service)
    missed = committed - seen
    if not missed:
        pytest.fail("the gap-free check did not notice a plain sequence: it cannot fail")
