"""The client against the real service when things go wrong (PROTOCOL.md, "Sync order on the
client": a failure at any step leaves everything consistent, and the next run continues).

Lost push answers, connections cut in the middle of a pull, a laptop that dies between
applying a page and saving its cursor, a server that is down, a damaged local database, laptop
clocks days wrong, a household moved away under unsent edits, an old local database upgraded,
an expired token and a revoked device. The network faults are fakes of the network
(``tests/client/flaky.py``); the crash is a fault in the local database driver.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select

from gridworker.client.http import AuthRequired, DeviceRevoked, Offline
from gridworker.client.keyring import remembered
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.paths import profile_dir
from gridworker.session import Session, login, open_profile, unlock
from gridworker.store.db import connect, current_revision, head_revision, open_engine
from gridworker.store.local import Store
from gridworker.store.replica import recount
from gridworker.store.rows import wire_row
from gridworker.store.schema import ENTITY_TABLES, GridState, Outbox
from sync.protocol.values import format_time
from sync.protocol.wire import uuid7
from sync.server import admin
from sync.server.models import ENTITY_TABLES as SERVER_TABLES
from sync.server.models import Conflict, Device, Grid, Rejection
from sync.server.rows import to_wire
from tests.client.flaky import LOSE_RESPONSE, FlakyAdapter, LossyProxy
from tests.server.harness import PASSWORD

# -- laptops -------------------------------------------------------------------------------------


def laptop(
    world: Any,
    username: str,
    role: str = "worker",
    grids: list[str] | None = None,
    *,
    url: str | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> tuple[Session, Path]:
    """A new user logged in on a laptop of their own; the session and the laptop's data dir."""
    world.service.user(username, role, grids or [])
    data_dir = world.tmp_path / f"laptop-{username}-{uuid.uuid4().hex[:8]}"
    extra: dict[str, Any] = {"clock": clock} if clock is not None else {}
    session = login(data_dir, url or world.url, username, PASSWORD, **extra)
    world.sessions.append(session)
    return session, data_dir


def restart(world: Any, session: Session) -> Session:
    """The app is closed (or dies) and started again: the profile opened with its saved token."""
    session.close()
    reopened = open_profile(session.profile, session.store.clock)
    world.sessions.append(reopened)
    return reopened


@pytest.fixture
def proxy(world: Any) -> Iterator[LossyProxy]:
    p = LossyProxy(world.url)
    yield p
    p.close()


class SimulatedCrash(Exception):
    """The laptop lost power: whatever transaction is open never commits."""


class CrashBeforeCursorSaved:
    """A fault in the local database driver: the page's transaction dies after ``apply_page``
    wrote the page's rows, at the statement that saves the pulled cursor."""

    def __init__(self, store: Store, pages_that_commit: int):
        self.engine = store.engine
        self.left = pages_that_commit
        self.fired = False
        event.listen(self.engine, "before_cursor_execute", self._check)

    def _check(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if " ".join(statement.split()).upper().startswith("UPDATE GRID_STATE SET CURSOR"):
            if self.left == 0:
                self.fired = True
                raise SimulatedCrash("power lost between apply_page and the cursor")
            self.left -= 1

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._check)


def skewed_clock(days: float) -> Callable[[], dt.datetime]:
    return lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


# -- reading both sides --------------------------------------------------------------------------


def client_rows(session: Session) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    with session.store.read() as conn:
        for entity, table in ENTITY_TABLES.items():
            for row in conn.execute(select(table)).mappings():
                out[(entity, row["id"])] = wire_row(entity, row)
    return out


def server_rows(world: Any, grids: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    with world.service.engine.connect() as conn:
        for entity, table in SERVER_TABLES.items():
            query = select(table).where(table.c.grid_id.in_(grids))
            for row in conn.execute(query).mappings():
                out[(entity, row["id"])] = to_wire(entity, dict(row))
    return out


def server_row(world: Any, entity: str, row_id: str) -> dict[str, Any] | None:
    table = SERVER_TABLES[entity]
    with world.service.engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    return None if row is None else dict(row)


def local_row(session: Session, entity: str, row_id: str) -> dict[str, Any] | None:
    table = ENTITY_TABLES[entity]
    with session.store.read() as conn:
        row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    return None if row is None else dict(row)


def held_grids(session: Session) -> list[str]:
    return [g["grid_id"] for g in queries.grids(session.store)]


def assert_converged(world: Any, session: Session) -> None:
    """Invariant 6: an empty outbox, and the laptop's rows equal the server's in its grids."""
    assert session.store.pending_count() == 0
    mine, theirs = client_rows(session), server_rows(world, held_grids(session))
    assert sorted(mine) == sorted(theirs)
    for key, row in theirs.items():
        assert mine[key] == row, key


def outbox(session: Session) -> list[dict[str, Any]]:
    with session.store.read() as conn:
        return [
            dict(r) for r in conn.execute(select(Outbox.__table__).order_by(Outbox.seq)).mappings()
        ]


def client_last_seq(session: Session) -> int:
    with session.store.read() as conn:
        return int(conn.execute(select(func.coalesce(func.max(Outbox.seq), 0))).scalar_one())


def server_last_seq(world: Any, session: Session) -> int:
    device_id = str(session.store.get_meta("device_id")).lower()
    with world.service.engine.connect() as conn:
        return int(conn.execute(select(Device.last_seq).where(Device.id == device_id)).scalar_one())


def grid_version(world: Any, grid_id: str) -> int:
    with world.service.engine.connect() as conn:
        return int(conn.execute(select(Grid.last_version).where(Grid.id == grid_id)).scalar_one())


def server_count(world: Any, model: Any, **where: Any) -> int:
    with world.service.engine.connect() as conn:
        query = select(func.count()).select_from(model)
        columns = model.c if hasattr(model, "c") else model.__table__.c
        for name, value in where.items():
            query = query.where(columns[name] == value)
        return int(conn.execute(query).scalar_one())


def cursor_of(session: Session, grid_id: str) -> int:
    with session.store.read() as conn:
        return int(
            conn.execute(select(GridState.cursor).where(GridState.grid_id == grid_id)).scalar_one()
        )


def book_of(session: Session, grid_id: str) -> tuple[tuple[int, str], tuple[int, str]]:
    """The grid's maintained (count, digest) and the same counted from the rows themselves."""
    with session.store.read() as conn:
        state = conn.execute(
            select(GridState.row_count, GridState.digest).where(GridState.grid_id == grid_id)
        ).one()
        return (state.row_count, state.digest), recount(conn, grid_id)


def households(session: Session, grid_id: str, n: int, residents: int = 0) -> list[str]:
    ids = []
    for i in range(n):
        hh = ops.create_household(
            session.store, grid_id, f"朐阳小区 {i // 6 + 1}号楼 {i % 6 + 1}单元 {100 + i}室"
        )
        for j in range(residents):
            ops.add_resident(session.store, hh["id"], f"住户{i}-{j}")
        ids.append(hh["id"])
    return ids


# -- 1. the server committed a push and the answer was lost ------------------------------------


def _offline_batch(a: Session, b: Session, grid: str) -> dict[str, Any]:
    """A colleague changes a phone; meanwhile, offline, the worker creates, edits and visits."""
    h0 = ops.create_household(a.store, grid, "朐阳小区 1号楼 1单元 101室", phone="13800138000")
    a.syncer.sync()
    b.syncer.sync()
    ops.update_household(b.store, h0["id"], phone="13900139000")
    b.syncer.sync()
    h1 = ops.create_household(a.store, grid, "朐阳小区 1号楼 1单元 102室", head_name="李四")
    r1 = ops.add_resident(a.store, h1["id"], "李四", phone="13600136000")
    v1 = ops.log_visit(a.store, h0["id"], "met", notes="老人身体状况良好")
    ops.update_household(a.store, h0["id"], phone="13700137000")  # conflicts with b's
    return {"h0": h0["id"], "h1": h1["id"], "r1": r1["id"], "v1": v1["id"]}


def _applied_once(world: Any, a: Session, grid: str, ids: dict[str, Any], before: int) -> None:
    # Four accepted changes, each given one version: none was applied twice.
    assert grid_version(world, grid) == before + 4
    assert server_row(world, "households", ids["h0"])["phone"] == "13700137000"
    assert server_row(world, "households", ids["h0"])["version"] == before + 4
    assert server_row(world, "households", ids["h1"])["version"] == before + 1
    assert server_count(world, SERVER_TABLES["visits"], household_id=ids["h0"]) == 1
    assert server_count(world, SERVER_TABLES["residents"], household_id=ids["h1"]) == 1
    assert server_count(world, Conflict, row_id=ids["h0"]) == 1
    assert server_count(world, Rejection) == 0
    assert server_last_seq(world, a) == client_last_seq(a)


def test_lost_push_answer_is_replayed_within_one_sync(world, proxy):
    grid = world.service.grid("g1")
    a, _ = laptop(world, "wa", grids=[grid], url=proxy.url)
    b, _ = laptop(world, "wb", grids=[grid])
    ids = _offline_batch(a, b, grid)
    before = grid_version(world, grid)
    proxy.drop_responses("/sync/push", times=1)
    report = a.syncer.sync()
    # The server answered the first push; the answer was lost and urllib3 sent it again.
    assert proxy.count("/sync/push", delivered=False) == 1
    assert proxy.count("/sync/push", delivered=True) >= 1
    _applied_once(world, a, grid, ids, before)
    statuses = {m["seq"]: m["status"] for m in outbox(a)}
    assert set(statuses.values()) <= {"applied", "conflict", "duplicate"}
    assert list(statuses.values())[-4:] == ["duplicate"] * 4
    assert report.rejected == 0
    # The conflict the lost answer reported is still visible: the server kept its record.
    conflicts = queries.conflicts(a.store)
    assert [(c["row_id"], c["theirs"], c["ours"]) for c in conflicts] == [
        (ids["h0"], "13900139000", "13700137000")
    ]
    assert_converged(world, a)
    b.syncer.sync()
    assert_converged(world, b)


def test_lost_push_answer_is_replayed_by_the_next_sync(world, proxy):
    grid = world.service.grid("g1")
    a, _ = laptop(world, "wa", grids=[grid], url=proxy.url)
    b, _ = laptop(world, "wb", grids=[grid])
    ids = _offline_batch(a, b, grid)
    before = grid_version(world, grid)
    proxy.drop_responses("/sync/push", times=None)  # every retry's answer is lost too
    with pytest.raises(Offline):
        a.syncer.sync()
    assert proxy.count("/sync/push", delivered=False) >= 2  # urllib3 replayed it meanwhile
    assert a.store.pending_count() == 4
    _applied_once(world, a, grid, ids, before)  # applied once, though sent several times
    # More work while the answers are missing.
    v2 = ops.log_visit(a.store, ids["h1"], "phone", notes="电话回访")
    proxy.stop_dropping()
    report = a.syncer.sync()
    statuses = [m["status"] for m in outbox(a)]
    assert statuses[-5:] == ["duplicate"] * 4 + ["applied"]
    assert report.pushed == 5
    assert grid_version(world, grid) == before + 5
    assert server_row(world, "visits", v2["id"])["version"] == before + 5
    assert server_count(world, Conflict, row_id=ids["h0"]) == 1
    assert server_last_seq(world, a) == client_last_seq(a)
    assert len(queries.conflicts(a.store)) == 1
    assert_converged(world, a)


def test_lost_answer_of_a_later_push_batch(world):
    """The outbox goes in batches: the answer to the second batch is lost (the first arrived);
    the next sync sends the second batch again and the rest after it."""
    grid = world.service.grid("g1")
    a, _ = laptop(world, "wa", grids=[grid])
    a.syncer.push_batch = 2
    net = FlakyAdapter.install(a.api)
    ids = households(a, grid, 3)  # seqs 1..3
    ops.update_household(a.store, ids[0], notes="离线备注")  # seq 4
    ops.log_visit(a.store, ids[1], "met")  # seq 5
    net.fail("/sync/push", LOSE_RESPONSE, skip=1, times=1)
    with pytest.raises(Offline):
        a.syncer.sync()
    assert [m["status"] for m in outbox(a)] == ["applied"] * 2 + ["pending"] * 3
    assert server_last_seq(world, a) == 4  # the server has the second batch
    assert grid_version(world, grid) == 4
    report = a.syncer.sync()
    assert [m["status"] for m in outbox(a)] == ["applied"] * 2 + ["duplicate"] * 2 + ["applied"]
    assert [c.body["mutations"][0]["seq"] for c in net.sent("/sync/push")] == [1, 3, 3, 5]
    assert report.pushed == 3
    assert grid_version(world, grid) == 5
    assert server_row(world, "households", ids[0])["version"] == 4
    assert server_last_seq(world, a) == client_last_seq(a) == 5
    assert_converged(world, a)


# -- 2. the connection drops in the middle of a pull --------------------------------------------


def test_pull_cut_after_some_pages_resumes_from_the_saved_cursor(world):
    grid = world.service.grid("g1")
    b, _ = laptop(world, "wb", grids=[grid])
    made = households(b, grid, 12, residents=2)  # 36 rows
    b.syncer.sync()
    a, _ = laptop(world, "wa", grids=[grid])
    a.syncer.pull_limit = 7
    net = FlakyAdapter.install(a.api)
    net.fail("/sync/pull", LOSE_RESPONSE, skip=3, times=None)
    with pytest.raises(Offline):
        a.syncer.sync()
    pages = net.delivered("/sync/pull")
    assert len(pages) == 3
    saved = cursor_of(a, grid)
    assert saved == pages[-1].response["cursors"][grid] > 0
    received = [c for p in pages for c in p.response["changes"]]
    assert len(received) == 21
    assert {(e, i) for e, i in client_rows(a)} == {(c["entity"], c["id"]) for c in received}
    maintained, counted = book_of(a, grid)
    assert maintained == counted
    # While the laptop is cut off, the colleague changes rows it has and rows it has not seen.
    ops.update_household(b.store, made[0], notes="第一页的住户改了")
    ops.update_household(b.store, made[-1], notes="最后一页的住户改了")
    first_resident = next(i for (e, i) in client_rows(a) if e == "residents")
    ops.update_resident(b.store, first_resident, phone="13500135000")
    ops.create_household(b.store, grid, "朐阳小区 9号楼 1单元 901室")
    b.syncer.sync()
    net.heal()
    report = a.syncer.sync()
    resumed = [c for c in net.sent("/sync/pull") if c.fault is None][3]
    assert resumed.body["cursors"] == {grid: saved}
    assert report.repaired_grids == []
    seen = [
        (c["entity"], c["id"], c["version"])
        for p in net.delivered("/sync/pull")
        for c in p.response["changes"]
    ]
    assert len(seen) == len(set(seen))  # nothing received twice
    assert_converged(world, a)
    assert queries.household_detail(a.store, made[-1])["notes"] == "最后一页的住户改了"


# -- 3. the laptop dies between applying a page and saving its cursor --------------------------


def test_crash_between_page_and_cursor_recovers_after_restart(world):
    grid = world.service.grid("g1")
    a, _ = laptop(world, "wa", grids=[grid])
    b, _ = laptop(world, "wb", grids=[grid])
    mine = ops.create_household(a.store, grid, "海宁路 12号 3室")
    a.syncer.sync()
    households(b, grid, 10, residents=2)
    b.syncer.sync()
    # Offline work, pushed by the sync that dies.
    ops.update_household(a.store, mine["id"], notes="断电前的备注")
    visit = ops.log_visit(a.store, mine["id"], "met")
    a.syncer.pull_limit = 7
    net = FlakyAdapter.install(a.api)
    crash = CrashBeforeCursorSaved(a.store, pages_that_commit=2)
    start = cursor_of(a, grid)
    with pytest.raises(SimulatedCrash):
        a.syncer.sync()
    crash.remove()
    assert crash.fired
    pages = net.delivered("/sync/pull")
    committed, lost = pages[:2], pages[2]
    assert [m["status"] for m in outbox(a)][-2:] == ["applied", "applied"]

    a = restart(world, a)
    # Consistent: the two committed pages and their cursor, nothing of the page that died.
    assert cursor_of(a, grid) == committed[-1].response["cursors"][grid] > start
    rows = client_rows(a)
    for change in (c for p in committed for c in p.response["changes"]):
        assert rows[(change["entity"], change["id"])]["version"] == change["version"]
    for change in lost.response["changes"]:
        assert (change["entity"], change["id"]) not in rows
    maintained, counted = book_of(a, grid)
    assert maintained == counted
    assert queries.household_detail(a.store, mine["id"])["notes"] == "断电前的备注"

    a.syncer.pull_limit = 7
    report = a.syncer.sync()
    assert report.repaired_grids == []
    assert report.pushed == 0
    assert server_last_seq(world, a) == client_last_seq(a)
    assert server_count(world, SERVER_TABLES["visits"], household_id=mine["id"]) == 1
    assert server_row(world, "visits", visit["id"]) is not None
    assert server_row(world, "households", mine["id"])["notes"] == "断电前的备注"
    assert_converged(world, a)


# -- 4. the server is down ------------------------------------------------------------------------


def test_server_down_then_back(world, proxy):
    grid = world.service.grid("g1")
    a, _ = laptop(world, "wa", grids=[grid], url=proxy.url)
    hh = ops.create_household(a.store, grid, "朐阳小区 2号楼 1单元 301室")
    a.syncer.sync()
    assert a.syncer.backoff_seconds() == 0
    ops.update_household(a.store, hh["id"], notes="服务器停机时写的")
    ops.log_visit(a.store, hh["id"], "met")
    saved = outbox(a)
    proxy.go_down()
    waits = []
    for i in range(3):
        started = time.monotonic()
        with pytest.raises(Offline):
            a.syncer.sync()
        assert time.monotonic() - started < 10
        waits.append(a.syncer.backoff_seconds())
        # Work goes on offline meanwhile.
        ops.add_resident(a.store, hh["id"], f"住户{i}")
        assert outbox(a)[: len(saved)] == saved
    assert 0 < waits[0] < waits[1] < waits[2]
    assert a.store.pending_count() == 5
    assert server_last_seq(world, a) == 1
    proxy.come_back()
    report = a.syncer.sync()
    assert report.pushed == 5 and report.rejected == 0
    assert a.syncer.backoff_seconds() == 0
    assert server_last_seq(world, a) == client_last_seq(a) == 6
    assert server_count(world, SERVER_TABLES["residents"], household_id=hh["id"]) == 3
    assert server_row(world, "households", hh["id"])["notes"] == "服务器停机时写的"
    assert_converged(world, a)
    # A later outage starts its backoff from the beginning again.
    proxy.go_down()
    with pytest.raises(Offline):
        a.syncer.sync()
    assert a.syncer.backoff_seconds() == waits[0]


# -- 5. local damage ------------------------------------------------------------------------------


def test_damaged_local_rows_are_detected_and_downloaded_again(world):
    grid = world.service.grid("g1")
    a, _ = laptop(world, "wa", grids=[grid])
    h1 = ops.create_household(a.store, grid, "西门路 56号")
    r1 = ops.add_resident(a.store, h1["id"], "王五", phone="13800138000")
    h3 = ops.create_household(a.store, grid, "西门路 58号")
    a.syncer.sync()
    ops.update_household(a.store, h1["id"], notes="修复前的离线备注")
    pushed_seq = client_last_seq(a)
    a.close()
    # Damage behind the app's back: a synced row deleted, another's version changed.
    db = connect(a.store.path, remembered(a.profile))  # encrypted: with the profile's key
    with db:
        db.execute("DELETE FROM residents WHERE id = ?", (r1["id"],))
        db.execute("UPDATE households SET version = version + 100 WHERE id = ?", (h3["id"],))
    db.close()

    a = restart(world, a)
    assert local_row(a, "residents", r1["id"]) is None
    edited: list[str] = []

    def edit_while_pulling(step: str, done: int, total: int) -> None:
        # The worker edits the damaged row while the sync runs, before the repair.
        if not edited:
            ops.update_household(a.store, h3["id"], phone="13900139000")
            edited.append(h3["id"])

    report = a.syncer.sync(progress=edit_while_pulling)
    assert edited
    assert report.repaired_grids == [grid]
    assert (
        local_row(a, "residents", r1["id"])["version"]
        == server_row(world, "residents", r1["id"])["version"]
    )
    assert (
        local_row(a, "households", h3["id"])["version"]
        == server_row(world, "households", h3["id"])["version"]
    )
    # The mutation made before the repair survived it, still pending, still shown.
    assert a.store.pending_count() == 1
    assert local_row(a, "households", h3["id"])["phone"] == "13900139000"
    assert [m["status"] for m in outbox(a) if m["seq"] == pushed_seq] == ["applied"]
    assert server_row(world, "households", h1["id"])["notes"] == "修复前的离线备注"
    maintained, counted = book_of(a, grid)
    assert maintained == counted
    report = a.syncer.sync()
    assert report.pushed == 1 and report.repaired_grids == []
    assert server_row(world, "households", h3["id"])["phone"] == "13900139000"
    assert_converged(world, a)


# -- 6. laptop clocks three days wrong ----------------------------------------------------------


def test_skewed_laptop_clocks_order_nothing(world):
    grid = world.service.grid("g1")
    ahead, _ = laptop(world, "wa", grids=[grid], clock=skewed_clock(3))
    behind, _ = laptop(world, "wb", grids=[grid], clock=skewed_clock(-3))
    hh = ops.create_household(ahead.store, grid, "朐阳小区 5号楼 2单元 502室", head_name="周八")
    ahead.syncer.sync()
    behind.syncer.sync()

    # Days offline: visits stamped by each laptop's own clock, and edits of the same fields.
    future = ops.log_visit(ahead.store, hh["id"], "met", notes="时钟快了三天")
    earlier = format_time(dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    typed = ops.log_visit(ahead.store, hh["id"], "phone", visited_at=earlier)
    past = ops.log_visit(behind.store, hh["id"], "met", notes="时钟慢了三天")
    ops.update_household(ahead.store, hh["id"], phone="13800000001")
    ops.update_household(behind.store, hh["id"], phone="13900000002")

    # The laptop three days ahead arrives first, the one three days behind later: later wins.
    ahead.syncer.sync()
    report = behind.syncer.sync()
    assert report.conflicts == 1
    assert server_row(world, "households", hh["id"])["phone"] == "13900000002"

    # And the other way round on another field.
    ops.update_household(ahead.store, hh["id"], head_name="吴九")
    ops.update_household(behind.store, hh["id"], head_name="郑十")
    behind.syncer.sync()
    report = ahead.syncer.sync()
    assert report.conflicts == 1
    assert server_row(world, "households", hh["id"])["head_name"] == "吴九"
    with world.service.engine.connect() as conn:
        recorded = {
            (c.field, c.theirs, c.ours)
            for c in conn.execute(
                select(Conflict.field, Conflict.theirs, Conflict.ours).where(
                    Conflict.row_id == hh["id"]
                )
            )
        }
    assert recorded == {("phone", "13800000001", "13900000002"), ("head_name", "郑十", "吴九")}

    # The visit stamped three days in the future is rejected, visibly; the others arrived as
    # stamped (client times are data).
    assert server_row(world, "visits", future["id"]) is None
    assert server_row(world, "visits", typed["id"])["visited_at"] == earlier
    assert server_row(world, "visits", past["id"])["visited_at"] == past["visited_at"]
    rejected = [(m["row_id"], m["error_code"]) for m in outbox(ahead) if m["status"] == "rejected"]
    assert rejected == [(future["id"], "time_in_future")]
    shown = [r for r in queries.rejections(ahead.store) if r["source"] == "device"]
    assert [(r["row_id"], r["code"]) for r in shown] == [(future["id"], "time_in_future")]
    assert server_count(world, Rejection, code="time_in_future") == 1
    assert [m["status"] for m in outbox(behind)] and all(
        m["status"] in ("applied", "conflict") for m in outbox(behind)
    )

    ahead.syncer.sync()
    behind.syncer.sync()
    assert_converged(world, ahead)
    assert_converged(world, behind)


# -- 7. a household moved away under unsent edits -------------------------------------------------


def test_moved_household_edits_are_rejected_visibly_before_it_leaves(world):
    g1, g2 = world.service.grid("g1"), world.service.grid("g2")
    a, _ = laptop(world, "wa", grids=[g1])
    b, _ = laptop(world, "wb", grids=[g2])
    hh = ops.create_household(a.store, g1, "朐阳小区 1号楼 1单元 101室", phone="13800138000")
    resident = ops.add_resident(a.store, hh["id"], "张三")
    other = ops.create_household(a.store, g1, "朐阳小区 1号楼 1单元 102室")
    a.syncer.sync()
    ops.update_household(a.store, hh["id"], notes="离线时写的备注")
    ops.update_resident(a.store, resident["id"], phone="13600136000")
    visit = ops.log_visit(a.store, hh["id"], "met")
    admin.move_household(world.service.engine, world.service.settings, hh["id"], g2)
    report = a.syncer.sync()
    assert report.rejected == 3
    codes = [(m["row_id"], m["error_code"]) for m in outbox(a) if m["status"] == "rejected"]
    assert codes == [
        (hh["id"], "out_of_scope"),
        (resident["id"], "out_of_scope"),
        (visit["id"], "out_of_scope"),
    ]
    shown = [r["code"] for r in queries.rejections(a.store) if r["source"] == "device"]
    assert shown == ["out_of_scope"] * 3
    assert server_count(world, Rejection, code="out_of_scope") == 3
    for entity, row_id in (("households", hh["id"]), ("residents", resident["id"])):
        assert local_row(a, entity, row_id) is None
    assert local_row(a, "visits", visit["id"]) is None
    assert local_row(a, "households", other["id"]) is not None
    assert_converged(world, a)
    b.syncer.sync()
    assert queries.household_detail(b.store, hh["id"])["notes"] is None
    assert_converged(world, b)


def test_move_meeting_an_edit_made_during_the_pull_keeps_it_until_pushed(world):
    g1, g2 = world.service.grid("g1"), world.service.grid("g2")
    a, _ = laptop(world, "wa", grids=[g1])
    c, _ = laptop(world, "wc", grids=[g1])
    hh = ops.create_household(a.store, g1, "海宁路 8号 1室")
    other = ops.create_household(a.store, g1, "海宁路 8号 2室")
    a.syncer.sync()
    c.syncer.sync()
    ops.update_household(c.store, other["id"], notes="同事的修改")
    c.syncer.sync()
    admin.move_household(world.service.engine, world.service.settings, hh["id"], g2)
    a.syncer.pull_limit = 1  # the colleague's change on one page, the leave on the next
    edited: list[str] = []

    def edit_while_pulling(step: str, done: int, total: int) -> None:
        if not edited:
            ops.update_household(a.store, hh["id"], notes="同步过程中写的备注")
            edited.append(hh["id"])

    a.syncer.sync(progress=edit_while_pulling)
    assert edited
    # The leave arrived while the edit was unsent: the household stays (invariant 7).
    assert a.store.pending_count() == 1
    assert local_row(a, "households", hh["id"])["notes"] == "同步过程中写的备注"
    report = a.syncer.sync()
    assert report.rejected == 1
    assert [m["error_code"] for m in outbox(a) if m["status"] == "rejected"] == ["out_of_scope"]
    assert [r["code"] for r in queries.rejections(a.store) if r["source"] == "device"] == [
        "out_of_scope"
    ]
    # Pushed and rejected: only now does it leave this laptop.
    assert local_row(a, "households", hh["id"]) is None
    assert_converged(world, a)


# -- 8. a local database from the first migration ------------------------------------------------


def _old_profile(world: Any, grid: str) -> tuple[Path, dict[str, Any]]:
    """A profile written by the release whose local schema was 0001: logged in, one synced
    household, and unsent work in the outbox (an issue and its edit through the Store API at
    that revision; a household and a resident as the old release wrote them, in SQL)."""
    world.service.user("wa", "worker", [grid])
    device = world.service.login("wa")
    synced_id = uuid7()
    device.push_one(
        {"entity": "households", "id": synced_id, "op": "create",
         "values": {"grid_id": grid, "address": "海宁路 1号 101室", "head_name": "陈一"}}
    )  # fmt: skip
    synced = device.pull_all(grid)[0]
    data_dir = world.tmp_path / "laptop-old"
    profile = profile_dir(data_dir, world.url, "wa")
    path = profile / "gridworker.db"
    engine = open_engine(path, revision="0001")
    assert current_revision(engine) == "0001"
    store = Store(engine, path)
    with store.write() as conn:
        store.set_meta(conn, "device_id", device.device_id)
        store.set_meta(conn, "server_url", world.url)
        store.set_meta(conn, "username", "wa")
        store.set_meta(conn, "token", device.token)
        store.set_meta(conn, "next_seq", device.seq + 1)
        store.set_user(conn, device.user)
        conn.execute(
            insert(GridState).values(
                grid_id=grid,
                name="网格 g1",
                cursor=device.cursors[grid],
                row_count=1,
                digest=device.last_page["checksums"][grid]["digest"],
            )
        )
        conn.execute(
            insert(ENTITY_TABLES["households"]).values(
                {**synced["row"], "grid_id": grid, "base_grid": grid, "base_deleted": False}
            )
        )
    with store.write() as conn:
        issue = store.create(
            conn, "issues", {"grid_id": grid, "title": "路灯不亮", "category": "facilities"}
        )
    with store.write() as conn:
        store.update(conn, "issues", issue["id"], {"priority": "urgent"})
    hh_id, resident_id = uuid7(), uuid7()
    hh_values = {"grid_id": grid, "address": "海宁路 2号 202室", "head_name": "林二"}
    resident_values = {"household_id": hh_id, "name": "林二"}
    now = dt.datetime.now(dt.UTC)
    with store.write() as conn:
        seq = int(store.get_meta("next_seq", 1, conn))
        conn.execute(
            insert(ENTITY_TABLES["households"]).values(
                id=hh_id, **hh_values, tags=[], visit_interval_days=30, version=0,
                deleted=False, updated_by=device.user["id"], base_grid=None, base_deleted=False,
            )
        )  # fmt: skip
        conn.execute(
            insert(ENTITY_TABLES["residents"]).values(
                id=resident_id, **resident_values, tags=[], present=True, version=0,
                deleted=False, updated_by=device.user["id"], grid_id=grid, base_grid=None,
                base_deleted=False,
            )
        )  # fmt: skip
        conn.execute(
            insert(Outbox),
            [
                {"seq": seq, "entity": "households", "row_id": hh_id, "op": "create",
                 "payload": hh_values, "created_at": now, "status": "pending", "settled": False},
                {"seq": seq + 1, "entity": "residents", "row_id": resident_id, "op": "create",
                 "payload": resident_values, "created_at": now, "status": "pending",
                 "settled": False},
            ],
        )  # fmt: skip
        store.set_meta(conn, "next_seq", seq + 2)
    engine.dispose()
    return profile, {
        "synced": synced_id,
        "issue": issue["id"],
        "household": hh_id,
        "resident": resident_id,
        "device": device,
    }


def test_database_from_the_first_migration_upgrades_and_syncs_its_outbox(world):
    grid = world.service.grid("g1")
    profile, made = _old_profile(world, grid)
    path = profile / "gridworker.db"
    old = sqlite3.connect(path)
    before = old.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
    old.close()
    assert [r[0] for r in before] == [2, 3, 4, 5]  # seq 1 went out before the upgrade

    session = open_profile(profile)  # the new release starts
    world.sessions.append(session)
    assert current_revision(session.store.engine) == head_revision(session.store.engine)
    backups = list(profile.glob("gridworker.db.*.bak"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    assert copy.execute("SELECT * FROM outbox ORDER BY seq").fetchall() == before
    copy.close()
    upgraded = sqlite3.connect(path)
    assert upgraded.execute("SELECT * FROM outbox ORDER BY seq").fetchall() == before
    upgraded.close()

    report = session.syncer.sync()
    assert report.pushed == 4 and report.rejected == 0
    assert [m["status"] for m in outbox(session)] == ["applied"] * 4
    assert server_row(world, "issues", made["issue"])["priority"] == "urgent"
    assert server_row(world, "households", made["household"])["head_name"] == "林二"
    assert server_row(world, "residents", made["resident"])["name"] == "林二"
    assert server_last_seq(world, session) == 5
    assert report.repaired_grids == []
    assert_converged(world, session)


def test_households_of_a_first_migration_database_are_listed_after_the_upgrade(world):
    """Upgraded offline, before any sync: the households the old release held are listed."""
    grid = world.service.grid("g1")
    profile, made = _old_profile(world, grid)
    session = open_profile(profile)
    world.sessions.append(session)
    listed = {h["id"] for h in queries.search_households(session.store)}
    assert listed == {made["synced"], made["household"]}
    assert [h["id"] for h in queries.search_households(session.store, "chenyi")] == [made["synced"]]


# -- 9. an expired token and a revoked device ----------------------------------------------------


def test_expired_token_asks_for_login_and_loses_nothing(world):
    grid = world.service.grid("g1")
    a, data_dir = laptop(world, "wa", grids=[grid])
    hh = ops.create_household(a.store, grid, "朐阳小区 3号楼 2单元 402室")
    a.syncer.sync()
    ops.update_household(a.store, hh["id"], notes="令牌过期前写的")
    visit = ops.log_visit(a.store, hh["id"], "met")
    saved = outbox(a)
    world.service.clock.advance(days=31)
    with pytest.raises(AuthRequired):
        a.syncer.sync()
    assert outbox(a) == saved
    assert a.store.pending_count() == 2
    assert not a.store.get_meta("locked")
    assert server_last_seq(world, a) == 1
    a.close()
    # Offline the same password still opens the data; online, a new login gets a new token.
    unlock(data_dir, world.url, "wa", PASSWORD).close()
    a = login(data_dir, world.url, "wa", PASSWORD)
    world.sessions.append(a)
    assert outbox(a) == saved
    report = a.syncer.sync()
    assert report.pushed == 2 and report.rejected == 0
    assert server_row(world, "households", hh["id"])["notes"] == "令牌过期前写的"
    assert server_row(world, "visits", visit["id"]) is not None
    assert server_last_seq(world, a) == client_last_seq(a) == 3
    assert_converged(world, a)


def test_revoked_device_is_refused_and_locked(world):
    grid = world.service.grid("g1")
    a, data_dir = laptop(world, "wa", grids=[grid])
    hh = ops.create_household(a.store, grid, "朐阳小区 4号楼 1单元 101室")
    a.syncer.sync()
    ops.update_household(a.store, hh["id"], notes="停用前没来得及同步")
    admin.revoke_device(world.service.engine, world.service.settings, a.store.get_meta("device_id"))
    with pytest.raises(DeviceRevoked):
        a.syncer.sync()
    assert a.store.get_meta("locked")
    assert server_last_seq(world, a) == 1
    assert server_row(world, "households", hh["id"])["notes"] is None
    with pytest.raises(DeviceRevoked):
        a.syncer.sync()  # locked: refused without asking the server
    a.close()
    with pytest.raises(DeviceRevoked):
        unlock(data_dir, world.url, "wa", PASSWORD)
    with pytest.raises(DeviceRevoked):
        login(data_dir, world.url, "wa", PASSWORD)
