"""The service's database restored from an older backup while four laptops keep working
(issue 9, point 7; docs/protocol-extensions/epoch.md).

Three workers and a supervisor work; ``gridsync backup``; more work on every laptop, among it a
household laptop A creates after the backup and visits of it that laptop B makes (B pulled A's
household); ``gridsync restore`` while a laptop syncs; more local work; then the laptops sync
in an order where B sends its visits again before A sends the household again, and a few
rounds more. Afterwards nothing any laptop saved is lost and every laptop equals the server
field for field (the supervisor's ``updated_at``/``reviewed_at`` included: the restored server
handed out the same version numbers again for other content, which checksums cannot see).

Bounded and derandomised: fixed rows, a fixed sync order; the one concurrent sync may land
before or after the restore, and the checks hold either way.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gridworker.client import recovery
from gridworker.client.http import SyncError
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.session import Session
from gridworker.store.schema import Outbox, RejectionRecord
from sync.server import backup as backups
from sync.server.epoch import read_epoch
from sync.server.models import ENTITY_TABLES as SERVER_TABLES
from sync.server.models import Grid, Rejection
from tests.client.model import server_recount
from tests.client.test_faults import assert_converged, book_of, client_rows, held_grids

G1, G2, G3 = "g-ximen", "g-dongmen", "g-nanmen"


def outbox_rows(session: Session) -> list[Any]:
    with session.store.read() as conn:
        return list(conn.execute(select(Outbox.__table__).order_by(Outbox.seq)))


def created(session: Session, entity: str) -> set[str]:
    return {m.row_id for m in outbox_rows(session) if m.entity == entity and m.op == "create"}


def server_ids(world: Any, entity: str) -> set[str]:
    table = SERVER_TABLES[entity]
    with world.service.engine.connect() as conn:
        return set(conn.execute(select(table.c.id).where(table.c.deleted.is_(False))).scalars())


def server_epoch(world: Any) -> str | None:
    with world.service.engine.connect() as conn:
        return read_epoch(conn)


def sync(session: Session) -> None:
    session.syncer.sync()


def visit_ids(session: Session, household_id: str) -> list[str]:
    return sorted(
        row_id
        for (entity, row_id), row in client_rows(session).items()
        if entity == "visits" and row["household_id"] == household_id
    )


def test_restore_from_an_older_backup_loses_nothing(world: Any, tmp_path: Path) -> None:
    service = world.service
    service.grid(G1, "西门网格")
    service.grid(G2, "东门网格")
    service.grid(G3, "南门网格")
    a = world.client("wang", grids=[G1])
    b = world.client("li", grids=[G1])
    c = world.client("zhao", grids=[G2, G3])
    s = world.client("chen", role="supervisor", grids=[G1, G2])
    everyone = [a, b, c, s]

    # -- before the backup: households, residents, visits, reviews ---------------------------
    old: dict[str, list[str]] = {}
    for session, grid, street in ((a, G1, "朐阳路"), (b, G1, "西门路"), (c, G2, "东门路")):
        ids = []
        for i in range(3):
            hh = ops.create_household(session.store, grid, f"{street} {i + 1}号")
            ops.add_resident(session.store, hh["id"], f"住户{i}", phone=f"1380013800{i}")
            ops.log_visit(session.store, hh["id"], "met", notes=f"第{i}次走访")
            ids.append(hh["id"])
        old[session.store.user["username"]] = ids
        sync(session)
    sync(s)
    pending_review = [v for h in old["wang"] + old["zhao"] for v in visit_ids(s, h)]
    ops.review_visit(s.store, pending_review[0], approve=True)
    ops.review_visit(s.store, pending_review[1], approve=False, comment="请补充走访情况")
    sync(s)
    for session in everyone:
        sync(session)
    service.clock.advance(minutes=10)

    file = tmp_path / "gridsync.backup"
    backups.backup(service.settings, service.engine, file)
    epoch_before = server_epoch(world)

    # -- after the backup: A's new household, B's visits of it, reviews, other work ---------
    h_new = ops.create_household(a.store, G1, "朐阳路 99号", head_name="孙九")
    r_new = ops.add_resident(a.store, h_new["id"], "孙九", phone="13900139000")
    sync(a)
    sync(b)  # B pulls A's new household
    b_visits = [
        ops.log_visit(b.store, h_new["id"], "met", notes="新住户首次走访")["id"],
        ops.log_visit(b.store, h_new["id"], "phone", notes="电话回访")["id"],
    ]
    ops.update_household(b.store, old["li"][0], phone="13700137000")
    ops.update_resident(b.store, r_new["id"], phone="13900139001")  # a row the backup lacks
    sync(b)
    c_new = ops.create_household(c.store, G3, "南门路 88号")
    ops.log_visit(c.store, c_new["id"], "not_home")
    sync(c)
    service.clock.advance(minutes=5)
    sync(s)
    ops.review_visit(s.store, b_visits[0], approve=True)  # a visit the backup lacks
    # After the backup grid G2 changes only by these reviews: sent again in the same order
    # after the restore, they get the same versions again, with other times.
    for visit_id in [v for h in old["li"][:2] + old["zhao"] for v in visit_ids(s, h)]:
        ops.review_visit(s.store, visit_id, approve=True)
    sync(s)
    for session in (a, b, c):
        sync(session)
    # Unsent work when the server's disk dies.
    ops.log_visit(a.store, old["wang"][1], "met", notes="恢复前未同步")
    ops.log_visit(c.store, c_new["id"], "met", notes="恢复前未同步")
    service.clock.advance(minutes=10)

    # -- the restore, while laptop C syncs --------------------------------------------------
    errors: list[BaseException] = []

    def c_syncs() -> None:
        try:
            sync(c)
        except SyncError:
            pass  # the server was busy restoring: the next sync continues
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    racing = threading.Thread(target=c_syncs)
    racing.start()
    outcome = backups.restore(service.settings, service.engine, file)
    racing.join(60)
    assert not racing.is_alive() and not errors, errors
    assert outcome.epoch == server_epoch(world) != epoch_before
    service.clock.advance(minutes=10)

    # The laptops keep working.
    ops.log_visit(b.store, old["li"][2], "met", notes="恢复后")
    ops.review_visit(s.store, pending_review[2], approve=True)

    # -- B sends its visits again before A sends their household again --------------------
    saved_visits = set().union(*(created(x, "visits") for x in everyone))
    saved_households = set().union(*(created(x, "households") for x in everyone))
    saved_residents = set().union(*(created(x, "residents") for x in everyone))
    for session in (b, c, s, a):
        sync(session)
    assert h_new["id"] in server_ids(world, "households")
    for _ in range(3):
        for session in (b, c, s, a):
            sync(session)

    # -- nothing lost ------------------------------------------------------------------------
    assert saved_visits <= server_ids(world, "visits")
    assert saved_households <= server_ids(world, "households")
    assert saved_residents <= server_ids(world, "residents")
    for session in everyone:
        statuses = {m.status for m in outbox_rows(session)}
        assert statuses <= {"applied", "duplicate", "conflict", recovery.RESENT}, statuses
    # The supervisor's reviews made after the backup, made again by the restored server.
    visits = SERVER_TABLES["visits"]
    with service.engine.connect() as conn:
        reviewed = dict(
            conn.execute(
                select(visits.c.id, visits.c.review_status).where(visits.c.id.in_(b_visits))
            ).all()
        )
        assert reviewed[b_visits[0]] == "approved"
        # Counts and digests of the server equal a recount of its rows.
        for grid_id, count, digest in conn.execute(select(Grid.id, Grid.row_count, Grid.digest)):
            assert server_recount(conn, grid_id) == (count, digest)

    # -- every laptop equals the server field for field -------------------------------------
    for session in everyone:
        assert_converged(world, session)
        for grid_id in held_grids(session):
            kept, counted = book_of(session, grid_id)
            assert kept == counted
    # Each laptop keeps the epoch it last saw: the restored database's.
    assert all(x.store.get_meta(recovery.EPOCH_KEY) == outcome.epoch for x in everyone)


def test_a_parent_never_sent_again_ends_as_a_refusal_after_the_bound(
    world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """Laptop A, which created the household after the backup, is lost: B's visit of it is
    sent again at a bounded number of syncs, then shown refused as before the recovery."""
    monkeypatch.setattr(recovery, "MAX_ROUNDS", 2)
    service = world.service
    service.grid(G1)
    a = world.client("wang", grids=[G1])
    b = world.client("li", grids=[G1])
    kept = ops.create_household(a.store, G1, "朐阳路 1号")
    sync(a)
    sync(b)
    file = tmp_path / "gridsync.backup"
    backups.backup(service.settings, service.engine, file)
    lost = ops.create_household(a.store, G1, "朐阳路 2号")
    sync(a)
    sync(b)
    visit = ops.log_visit(b.store, lost["id"], "met", notes="失联住户")
    other = ops.log_visit(b.store, kept["id"], "met", notes="照常")
    sync(b)
    backups.restore(service.settings, service.engine, file)

    def statuses() -> list[str]:
        return [m.status for m in outbox_rows(b) if m.row_id == visit["id"]]

    sync(b)  # refused parent_not_found, kept and sent again next time
    assert statuses() == [recovery.RESENT, "pending"]
    assert ("visits", visit["id"]) in client_rows(b)  # still shown on B
    for _ in range(4):
        sync(b)
    # Sent again at MAX_ROUNDS syncs, then refused for good (no endless re-sending).
    assert statuses() == [recovery.RESENT, recovery.RESENT, "rejected"]
    assert recovery.active(b.store) is False
    assert b.store.pending_count() == 0
    rows = client_rows(b)
    assert ("visits", visit["id"]) not in rows and ("visits", other["id"]) in rows
    assert other["id"] in server_ids(world, "visits")
    assert visit["id"] not in server_ids(world, "visits")
    # B's list of refused changes shows the refusal for good once, not each one sent again.
    refused = [r for r in queries.rejections(b.store) if r["row_id"] == visit["id"]]
    assert [r["code"] for r in refused] == ["parent_not_found"]


def test_the_list_of_refused_changes_is_the_restored_servers(world: Any, tmp_path: Path) -> None:
    """The restored database hands out rejection ids again: a laptop that had fetched one
    recorded after the backup must not keep it in place of the new one with the same id."""
    service = world.service
    service.grid(G1)
    a = world.client("wang", grids=[G1])
    b = world.client("li", grids=[G1])
    s = world.client("chen", role="supervisor", grids=[G1])
    gone = ops.create_household(b.store, G1, "西门路 5号")
    sync(b)
    sync(a)
    file = tmp_path / "gridsync.backup"
    backups.backup(service.settings, service.engine, file)
    ops.delete_household(b.store, gone["id"])
    sync(b)
    late = ops.log_visit(a.store, gone["id"], "met", notes="住户已搬走")  # refused: deleted
    created_after = ops.create_household(a.store, G1, "朐阳路 7号")
    sync(a)
    sync(b)
    orphan = ops.log_visit(b.store, created_after["id"], "met")
    sync(b)
    sync(s)  # the supervisor fetched the refusal of A's visit
    backups.restore(service.settings, service.engine, file)
    for _ in range(3):
        for session in (b, s, a):
            sync(session)

    def shown(session: Session) -> set[tuple[int, int, str]]:
        with session.store.read() as conn:
            return {
                (r.id, r.seq, r.row_id)
                for r in conn.execute(
                    select(RejectionRecord.id, RejectionRecord.seq, RejectionRecord.row_id)
                )
            }

    with service.engine.connect() as conn:  # what the supervisor may see: the grid's
        listed = {
            (r.id, r.seq, r.row_id)
            for r in conn.execute(
                select(Rejection.id, Rejection.seq, Rejection.row_id).where(Rejection.grid_id == G1)
            )
        }
    assert late["id"] in {row_id for _, _, row_id in listed}
    assert sorted(shown(s)) == sorted(listed), (sorted(shown(s)), sorted(listed))
    assert orphan["id"] in server_ids(world, "visits")
    assert late["id"] not in server_ids(world, "visits")
    for session in (a, b, s):
        assert_converged(world, session)
