"""The sync engine's limits: a checksum that never matches, threads and HTTP sessions, a busy
service (503 with Retry-After), rejections page by page, conflicts settled during a sync,
and search terms nobody would type."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from gridworker.client.http import Api, ServerError
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.store.schema import ConflictRecord
from tests.client.profiles import local_profile

# -- a checksum that never matches -------------------------------------------------------------


def test_a_grid_whose_checksum_never_matches_is_downloaded_again_once_then_reported(
    world, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    grid = world.service.grid("g1")
    laptop = world.client("wa", grids=[grid])
    ops.create_household(laptop.store, grid, "朐阳小区 1号楼", head_name="欧阳秀英")
    laptop.syncer.sync()
    # A mismatch no download repairs: the service's checksum disagrees with its own rows.
    pulls: list[int] = []
    pull = laptop.syncer.api.pull

    def wrong_checksums(cursors: dict[str, int], limit: int, extensions: Any = ()) -> Any:
        pulls.append(cursors.get(grid, -1))
        if len(pulls) > 10:
            raise AssertionError("downloading the grid again without end")
        page = pull(cursors, limit, extensions)
        for figures in page.get("checksums", {}).values():
            figures["count"] += 1
        return page

    monkeypatch.setattr(laptop.syncer.api, "pull", wrong_checksums)
    report = laptop.syncer.sync()
    assert pulls.count(0) == 1  # downloaded again from cursor 0 once, then no more
    assert report.repaired_grids == [grid] and report.damaged_grids == [grid]
    assert "still differs" in caplog.text and "欧阳" not in caplog.text
    # The next sync tries again, once.
    pulls.clear()
    report = laptop.syncer.sync()
    assert pulls.count(0) == 1 and report.damaged_grids == [grid]
    # Nothing was lost meanwhile; with sound checksums all is well again.
    monkeypatch.undo()
    assert queries.count_households(laptop.store) == 1
    assert laptop.syncer.sync().damaged_grids == []


# -- one HTTP session per thread ------------------------------------------------------------------


def test_each_thread_talks_through_its_own_session(world, monkeypatch):
    grid = world.service.grid("g1")
    supervisor = world.client("sv", role="supervisor", grids=[grid])
    api = supervisor.api
    used: dict[str, int] = {}
    request = api.request

    def recorded(*args: Any, **kwargs: Any) -> Any:
        used[threading.current_thread().name] = id(api.session)
        return request(*args, **kwargs)

    monkeypatch.setattr(api, "request", recorded)
    ops.create_household(supervisor.store, grid, "海连路 1号")
    supervisor.syncer.sync()
    # The main thread, the pull's prefetch thread and the reports pool: each its own session.
    names = sorted(used)
    assert any(n.startswith("pull") for n in names) and any(n.startswith("reports") for n in names)
    assert len(set(used.values())) == len(used) >= 3
    assert api.session is api.session  # one per thread, kept


# -- a fake service on loopback -----------------------------------------------------------------


class FakeService:
    """Answers from a script: each request takes the next answer for its path."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, dict[str, str], Any]]] = {}
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                owner.requests.append(self.path)
                path = urlparse(self.path).path
                script = owner.answers.get(path, [])
                status, headers, body = script.pop(0) if len(script) > 1 else script[0]
                if callable(body):
                    body = body(parse_qs(urlparse(self.path).query))
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeService]:
    service = FakeService()
    yield service
    service.close()


def _busy(retry_after: str | None) -> tuple[int, dict[str, str], Any]:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return 503, headers, {"error": {"code": "busy", "message": "busy", "details": {}}}


def _api(fake: FakeService) -> tuple[Api, list[float]]:
    api = Api(fake.url, token="t")
    slept: list[float] = []
    api.sleep = slept.append  # a fake clock: nothing really waits
    return api, slept


PUSHED = {"last_seq": 3, "results": [], "server_time": "2026-12-01T00:00:00Z"}


def test_a_busy_service_is_retried_as_its_retry_after_says(fake):
    fake.answers["/api/v1/sync/push"] = [_busy("2"), _busy("1"), (200, {}, PUSHED)]
    api, slept = _api(fake)
    assert api.push("d", [])["last_seq"] == 3
    assert slept == [2.0, 1.0] and len(fake.requests) == 3


def test_a_busy_service_is_given_up_on_within_bounds_and_the_backoff_takes_over(fake):
    fake.answers["/api/v1/sync/push"] = [_busy("10")]
    api, slept = _api(fake)
    with pytest.raises(ServerError) as caught:
        api.push("d", [])
    assert caught.value.status == 503 and "繁忙" in caught.value.message
    assert sum(slept) <= 30 and len(slept) == 3 and len(fake.requests) == 4
    # A Retry-After beyond the bound is not waited for at all.
    fake.requests.clear()
    fake.answers["/api/v1/sync/push"] = [_busy("3600")]
    api, slept = _api(fake)
    with pytest.raises(ServerError):
        api.push("d", [])
    assert slept == [] and len(fake.requests) == 1


def test_rejections_are_read_page_by_page(fake):
    rows = [{"id": i, "seq": i} for i in range(1, 8)]

    def page(query: dict[str, list[str]]) -> Any:
        after, limit = int(query["after_id"][0]), min(int(query["limit"][0]), 3)
        chosen = [r for r in rows if r["id"] > after][:limit]
        return {"rejections": chosen, "has_more": bool(chosen) and chosen[-1]["id"] < 7}

    fake.answers["/api/v1/rejections"] = [(200, {}, page)]
    api, _ = _api(fake)
    assert [r["id"] for r in api.rejections(2)] == [3, 4, 5, 6, 7]
    assert [parse_qs(urlparse(p).query)["after_id"] for p in fake.requests] == [["2"], ["5"]]
    # A service without paging answers without has_more: one request.
    fake.requests.clear()
    fake.answers["/api/v1/rejections"] = [(200, {}, {"rejections": rows})]
    assert len(api.rejections(0)) == 7 and len(fake.requests) == 1


def test_open_conflicts_are_read_page_by_page(fake):
    rows = [{"id": i, "state": "open"} for i in range(1, 6)]

    def page(query: dict[str, list[str]]) -> Any:
        assert query["state"] == ["open"]
        after, limit = int(query["after_id"][0]), min(int(query["limit"][0]), 2)
        chosen = [r for r in rows if r["id"] > after][:limit]
        return {"conflicts": chosen, "has_more": bool(chosen) and chosen[-1]["id"] < 5}

    fake.answers["/api/v1/conflicts"] = [(200, {}, page)]
    api, _ = _api(fake)
    assert [c["id"] for c in api.conflicts()] == [1, 2, 3, 4, 5]
    assert [parse_qs(urlparse(p).query)["after_id"] for p in fake.requests] == [
        ["0"],
        ["2"],
        ["4"],
    ]
    fake.requests.clear()
    fake.answers["/api/v1/conflicts"] = [(200, {}, {"conflicts": rows})]
    assert len(api.conflicts()) == 5 and len(fake.requests) == 1


# -- conflicts settled while a sync runs ----------------------------------------------------------


def test_a_conflict_settled_during_a_sync_stays_settled(world, monkeypatch):
    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    b = world.client("wb", grids=[grid])
    hh = ops.create_household(a.store, grid, "西门路 56号", phone="13800138000")
    a.syncer.sync()
    b.syncer.sync()
    ops.update_household(a.store, hh["id"], phone="13900139000")
    ops.update_household(b.store, hh["id"], phone="13700137000")
    a.syncer.sync()
    b.syncer.sync()
    [conflict] = queries.conflicts(b.store)
    conflicts = b.api.conflicts

    def settled_meanwhile() -> Any:
        answer = conflicts()  # the server still lists it as open...
        ops.resolve_conflict(b.store, conflict["id"], "theirs")  # ...as the user settles it
        return answer

    monkeypatch.setattr(b.api, "conflicts", settled_meanwhile)
    b.syncer.sync()
    monkeypatch.undo()
    # Not listed as open again: still waiting to be told to the server.
    assert queries.conflicts(b.store) == []
    with b.store.read() as conn:
        states = conn.execute(select(ConflictRecord.id, ConflictRecord.state)).all()
    assert [tuple(r) for r in states] == [(conflict["id"], "settling")]
    b.syncer.sync()
    a.syncer.sync()
    with b.store.read() as conn:
        assert conn.execute(select(ConflictRecord.id)).all() == []
    assert queries.household_detail(a.store, hh["id"])["phone"] == "13900139000"


# -- search terms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        "张" * 100_000,
        "zs" * 50_000,
        "\ud800",
        "zs\udfff",
        "zs\x00",
        "\x00",
        "a " * 5_000,
        "%_\\",
        "\x1f",
    ],
)
def test_any_search_term_is_answered(tmp_path, term):
    session = local_profile(tmp_path / "p")
    hh = ops.create_household(session.store, "g1", "海连路 1号", head_name="张三")
    store = session.store
    assert queries.count_households(store, term) in (0, 1)
    assert isinstance(queries.household_ids(store, term), list)
    assert isinstance(queries.search_households(store, term), list)
    assert [h["id"] for h in queries.search_households(store, "zs")] == [hh["id"]]
    session.close()
