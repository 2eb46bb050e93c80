"""A save never waits behind a sync: one fair write queue, short page transactions.

Not timed (the machine is shared): the write queue reports, for every write transaction, how
many transactions were ahead of it when it asked, and the tests count those.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from gridworker.client import engine as engine_module
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.store.replica import recount
from gridworker.store.schema import ENTITY_TABLES, GridState
from gridworker.store.writer import Turn, WriteQueue


def test_the_write_queue_serves_in_arrival_order_and_is_not_reentrant():
    queue = WriteQueue()
    served: list[int] = []
    started: list[threading.Thread] = []
    with queue.turn():
        for i in range(5):
            t = threading.Thread(target=lambda i=i: _take(queue, served, i))
            t.start()
            started.append(t)
            # Each asks only after the one before it is queued.
            deadline = time.monotonic() + 5
            while queue._next_ticket < i + 2 and time.monotonic() < deadline:
                time.sleep(0.001)
        with pytest.raises(RuntimeError), queue.turn():
            pass
    for t in started:
        t.join(5)
    assert served == [0, 1, 2, 3, 4]


def _take(queue: WriteQueue, served: list[int], i: int) -> None:
    with queue.turn():
        served.append(i)


def _colleague_rows(world: Any, grid: str, households: int) -> None:
    colleague = world.client("colleague", grids=[grid])
    store = colleague.store
    with store.write() as conn:
        for i in range(households):
            hh = store.create(conn, "households", {"grid_id": grid, "address": f"海连路 {i}号"})
            store.create(conn, "residents", {"household_id": hh["id"], "name": f"王{i}"})
    colleague.syncer.sync()


def test_saves_during_a_first_download_wait_for_one_chunk_at_most(world, monkeypatch):
    grid = world.service.grid("g1")
    _colleague_rows(world, grid, 300)  # 600 rows for the laptop to download
    laptop = world.client("wa", grids=[grid])
    home = ops.create_household(laptop.store, grid, "朐阳小区 1号楼")
    syncer = laptop.syncer
    syncer.pull_limit = 200
    syncer.apply_chunk = 40

    # A slow network: each page takes a while to come, so saves meet the download's writes.
    pull = syncer.api.pull

    def slow_pull(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)
        return pull(*args, **kwargs)

    monkeypatch.setattr(syncer.api, "pull", slow_pull)
    applied: list[int] = []
    apply_page = engine_module.apply_page

    def counted_apply(conn: Any, changes: list[Any], user: Any) -> None:
        applied.append(len(changes))
        time.sleep(0.005)  # a slower disk: a chunk's transaction lasts a while
        apply_page(conn, changes, user)

    monkeypatch.setattr(engine_module, "apply_page", counted_apply)
    turns: list[Turn] = []
    laptop.store.writes.observer = turns.append

    outcome: dict[str, Any] = {}

    def download() -> None:
        try:
            outcome["report"] = syncer.sync()
        except BaseException as exc:  # asserted below
            outcome["error"] = exc

    thread = threading.Thread(target=download, name="sync")
    thread.start()
    saved = 0
    errors: list[BaseException] = []
    while thread.is_alive():
        try:
            ops.log_visit(laptop.store, home["id"], "met", notes="入户走访")
            saved += 1
        except Exception as exc:  # "database is locked" would land here
            errors.append(exc)
        time.sleep(0.01)
    thread.join()
    assert "error" not in outcome, outcome.get("error")
    assert errors == []
    assert outcome["report"].pulled >= 600
    assert saved >= 5
    mine = [t for t in turns if t.thread == threading.current_thread().name]
    theirs = [t for t in turns if t.thread == "sync"]
    assert len(mine) == saved and len(theirs) > 15
    # FIFO: a save waited for at most the one transaction in progress, never for a queue.
    assert max(t.ahead for t in mine) <= 1
    assert any(t.ahead == 1 for t in mine), "the saves never met the download"
    # Short transactions: a pulled page is written in chunks of at most apply_chunk changes.
    assert max(applied) <= 40 and sum(applied) >= 600
    # And the result is whole: every row, the checksums right, the saves kept.
    with laptop.store.read() as conn:
        state = conn.execute(
            select(GridState.row_count, GridState.digest, GridState.cursor).where(
                GridState.grid_id == grid
            )
        ).one()
        assert (state.row_count, state.digest) == recount(conn, grid)
    assert queries.count_households(laptop.store) == 301
    assert len(queries.household_detail(laptop.store, home["id"])["visits"]) == saved
    laptop.syncer.sync()
    assert queries.status(laptop.store)["pending"] == 0


class PowerLoss(Exception):
    pass


def test_a_pull_interrupted_between_chunks_resumes_where_it_stopped(world, monkeypatch):
    grid = world.service.grid("g1")
    _colleague_rows(world, grid, 100)
    laptop = world.client("wa", grids=[grid])
    laptop.syncer.pull_limit = 1000
    laptop.syncer.apply_chunk = 30
    apply_page = engine_module.apply_page
    calls: list[int] = []

    def dies_on_the_fourth_chunk(conn: Any, changes: list[Any], user: Any) -> None:
        calls.append(len(changes))
        if len(calls) == 4:
            raise PowerLoss
        apply_page(conn, changes, user)

    monkeypatch.setattr(engine_module, "apply_page", dies_on_the_fourth_chunk)
    # A save waits all along, so every chunk ends its transaction (with nobody waiting the
    # chunks of a page share one; see the test below).
    monkeypatch.setattr(laptop.store.writes, "waiting", lambda: 1)
    with pytest.raises(PowerLoss):
        laptop.syncer.sync()
    monkeypatch.undo()
    with laptop.store.read() as conn:
        cursor = conn.execute(select(GridState.cursor).where(GridState.grid_id == grid)).scalar()
    # Three chunks and their cursors are kept: the next run asks for what follows.
    assert cursor == 90
    with laptop.store.read() as conn:
        kept = conn.execute(select(func.count()).select_from(ENTITY_TABLES["households"]))
        assert kept.scalar_one() > 0
    monkeypatch.setattr(engine_module, "apply_page", apply_page)
    asked: list[dict[str, int]] = []
    pull = laptop.syncer.api.pull

    def recorded_pull(cursors: dict[str, int], limit: int, extensions: Any = ()) -> Any:
        asked.append(dict(cursors))
        return pull(cursors, limit, extensions)

    monkeypatch.setattr(laptop.syncer.api, "pull", recorded_pull)
    report = laptop.syncer.sync()
    assert asked[0][grid] == cursor
    assert report.pulled == 200 - 90 and report.repaired_grids == []
    assert queries.count_households(laptop.store) == 100
    with laptop.store.read() as conn:
        state = conn.execute(
            select(GridState.row_count, GridState.digest).where(GridState.grid_id == grid)
        ).one()
        assert tuple(state) == recount(conn, grid)


def test_with_nobody_waiting_a_page_is_one_transaction_and_a_crash_loses_only_that_page(
    world, monkeypatch
):
    grid = world.service.grid("g1")
    _colleague_rows(world, grid, 100)
    laptop = world.client("wa", grids=[grid])
    laptop.syncer.pull_limit = 120
    laptop.syncer.apply_chunk = 30
    apply_page = engine_module.apply_page
    calls: list[int] = []

    def dies_in_the_second_page(conn: Any, changes: list[Any], user: Any) -> None:
        calls.append(len(changes))
        if len(calls) == 6:  # the second chunk of the second page
            raise PowerLoss
        apply_page(conn, changes, user)

    monkeypatch.setattr(engine_module, "apply_page", dies_in_the_second_page)
    with pytest.raises(PowerLoss):
        laptop.syncer.sync()
    monkeypatch.undo()
    with laptop.store.read() as conn:
        cursor = conn.execute(select(GridState.cursor).where(GridState.grid_id == grid)).scalar()
    # The first page is whole; nothing of the second one is half-applied.
    assert cursor == 120
    report = laptop.syncer.sync()
    assert report.pulled == 200 - 120 and report.repaired_grids == []
    assert queries.count_households(laptop.store) == 100
    with laptop.store.read() as conn:
        state = conn.execute(
            select(GridState.row_count, GridState.digest).where(GridState.grid_id == grid)
        ).one()
        assert tuple(state) == recount(conn, grid)
