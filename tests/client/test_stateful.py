"""Three laptops and an admin against the real service, driven by a Hypothesis state machine.

Two grid workers (one of grid A, one of grids A and B) and a supervisor of both create, edit and
delete households, residents, visits and issues offline, move issues through their workflow,
review visits (and edit returned ones), attach files, edit one field on two laptops at once,
settle conflicts and sync at random moments. Faults: a connection that drops part-way (before a
request leaves, or after the server answered), two laptops syncing at the same time, the user
editing / the admin moving a household / a colleague syncing between two requests of a sync or
while one is being served, laptops switched off and on, laptop clocks that are wrong, and the
server restored from an older backup. The admin moves households between the grids and takes
grid B from a worker and gives it back.

After each example (and at random moments) every laptop syncs until nothing is left to send or
receive, and PROTOCOL.md's invariants are checked against the server's database:

1. every mutation a laptop made is in its outbox, applied, conflict, duplicate or rejected, and
   agrees with what the server recorded (device ``last_seq``, conflicts, rejections); the
   conflicts and rejections that concern a user are the ones their laptop shows (invariant 3);
2. each laptop holds exactly the server's rows of its grids, field for field, with no base or
   unsettled mutation left over (invariant 6); its attachments can be fetched;
3. each grid's checksum on each laptop equals the server's, and the server's equals its rows';
   no checksum mismatch ever made a laptop download a grid again (unless after a restore);
4. a clean race of two laptops on one field leaves a conflict record with both values
   (invariant 4); the search table equals a rebuild from the rows.
After every step: a row with unsent mutations is never removed (invariant 7) and shows them.

GRIDWORKER_STATEFUL_EXAMPLES / GRIDWORKER_STATEFUL_STEPS make the search longer for local runs;
GRIDWORKER_STATEFUL_STRICT=1 stops steering around the bugs marked KNOWN BUG below;
GRIDWORKER_STATEFUL_DEBUG=1 prints what the search reached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, select, text, update

from gridworker.client.http import AuthRequired, Offline
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.session import login
from gridworker.store.replica import recount
from gridworker.store.schema import (
    ENTITY_TABLES,
    ConflictRecord,
    GridState,
    Outbox,
    RejectionRecord,
    SearchKey,
    SearchStale,
)
from gridworker.store.search import refresh_search_keys
from sync.protocol import codes
from sync.protocol.entities import ENTITY_ORDER
from sync.protocol.errors import ProtocolError
from sync.server import admin
from sync.server.db import make_engine
from sync.server.models import ENTITY_TABLES as SERVER_TABLES
from sync.server.models import Base, Conflict, Device, Grid, Rejection, UserGrid
from tests.client import model as m
from tests.server.harness import PASSWORD, Service
from tests.server.live import LiveServer

# Off: the strategy steers around the known bugs marked KNOWN BUG, to find the next ones.
STRICT = bool(os.environ.get("GRIDWORKER_STATEFUL_STRICT"))
EXAMPLES = int(os.environ.get("GRIDWORKER_STATEFUL_EXAMPLES", "35"))
STEPS = int(os.environ.get("GRIDWORKER_STATEFUL_STEPS", "40"))

GRID_A, GRID_B = "grid-a", "grid-b"
STATS: Counter[str] = Counter()  # what the search reached (printed with GRIDWORKER_STATEFUL_DEBUG)
# name -> (role, grids at the start)
LAPTOPS = {
    "wa": ("worker", [GRID_A]),
    "wab": ("worker", [GRID_A, GRID_B]),
    "sup": ("supervisor", [GRID_A, GRID_B]),
}
FINAL = ("applied", "conflict", "duplicate", "rejected")
UPDATES = {
    "households": ops.update_household,
    "residents": ops.update_resident,
    "visits": ops.edit_visit,
    "issues": ops.update_issue,
}

CHOICE = st.integers(0, 2**16)  # picks a row: taken modulo the number of rows
clients = st.sampled_from(sorted(LAPTOPS))
workers = st.sampled_from(["wa", "wab"])
pairs = st.sampled_from(
    [("wa", "wab"), ("wa", "sup"), ("wab", "sup"), ("wab", "wa"), ("sup", "wa")]
)


# -- the service, once per test; a fresh database per example --------------------------------


class RealClock:
    """The server's clock is the real one: the laptops' visit times are real times too."""

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class Front:
    """An ASGI app forwarding to the current example's service (one loopback server per test)."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class Backend:
    def __init__(self, engine: Engine, tmp_path: Path):
        self.engine = engine
        self.tmp = tmp_path
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:
            # The fixture's database is freshly migrated and unused: every example copies it.
            self.template = tmp_path / "server-template.db"
            shutil.copyfile(str(engine.url.database), self.template)
        self.front = Front()
        self.live = LiveServer(self.front)
        self.url = self.live.url

    def __enter__(self) -> Backend:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(*exc)

    def fresh_service(self, root: Path) -> Service:
        if self.sqlite:
            path = root / "server.db"
            shutil.copyfile(self.template, path)
            engine = make_engine(f"sqlite:///{path}")
        else:
            engine = self.engine
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        service = Service(engine, root, RealClock())  # type: ignore[arg-type]
        self.front.app = service.app
        return service

    def release(self, service: Service) -> None:
        self.front.app = None
        if self.sqlite:
            service.engine.dispose()


# -- a laptop and the record of what it did --------------------------------------------------


class Laptop:
    def __init__(self, name: str, role: str, data_dir: Path, url: str):
        self.name = name
        self.role = role
        self.data_dir = data_dir
        self.url = url
        self.push_batch: int | None = None
        self.pull_limit: int | None = None
        self.skew = dt.timedelta(0)
        self.start()
        self.device_id = str(self.store.get_meta("device_id"))
        self.user_id = str(self.store.user["id"])

    def start(self) -> None:
        """Log in online (the first time, or after the laptop was switched off)."""
        self.session = login(self.data_dir, self.url, self.name, PASSWORD, clock=self.clock)
        self.store = self.session.store
        if self.push_batch is not None:
            self.session.syncer.push_batch = self.push_batch
        if self.pull_limit is not None:
            self.session.syncer.pull_limit = self.pull_limit

    def clock(self) -> dt.datetime:
        """The laptop's own clock, which may be wrong (invariant 8: it orders nothing)."""
        return dt.datetime.now(dt.UTC) + self.skew

    def restart(self) -> None:
        self.session.close()
        self.start()

    def rows(self, entity: str) -> list[dict[str, Any]]:
        table = ENTITY_TABLES[entity]
        with self.store.read() as conn:
            return [dict(r) for r in conn.execute(select(table)).mappings()]

    def row(self, entity: str, row_id: str) -> dict[str, Any] | None:
        table = ENTITY_TABLES[entity]
        with self.store.read() as conn:
            found = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
        return dict(found) if found else None

    def grids(self) -> list[str]:
        with self.store.read() as conn:
            return sorted(conn.execute(select(GridState.grid_id)).scalars())

    def outbox(self, since: int = 1) -> list[Any]:
        with self.store.read() as conn:
            return list(
                conn.execute(
                    select(Outbox.__table__).where(Outbox.seq >= since).order_by(Outbox.seq)
                )
            )

    def next_seq(self) -> int:
        return int(self.store.get_meta("next_seq", 1))


class Presampled:
    """Numbers drawn beforehand, for choices made off the test's thread."""

    def __init__(self, numbers: list[int]):
        self.numbers = numbers
        self.used = 0

    def next(self) -> int:
        value = self.numbers[self.used % len(self.numbers)]
        self.used += 1
        return value


@dataclass
class Made:
    """One mutation a laptop made: which step, which outbox entry."""

    step: int
    laptop: str
    seq: int
    entity: str
    row_id: str
    op: str
    payload: Any


@dataclass
class Concurrent:
    """Two laptops changed one field of one row to different values, both from version v."""

    step: int
    entity: str
    row_id: str
    field: str
    values: tuple[Any, Any]
    mutations: tuple[tuple[str, int], tuple[str, int]]  # (laptop, seq)


# -- the machine --------------------------------------------------------------------------------


class GridMachine(RuleBasedStateMachine):
    backend: Backend

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="example-", dir=self.backend.tmp))
        self.service = self.backend.fresh_service(self.root)
        self.laptops: dict[str, Laptop] = {}
        try:
            self.service.grid(GRID_A, "西门网格")
            self.service.grid(GRID_B, "东门网格")
            for name, (role, grids) in LAPTOPS.items():
                self.service.user(name, role, grids)
                self.laptops[name] = Laptop(
                    name, role, self.root / f"laptop-{name}", self.backend.url
                )
        except BaseException:
            self._release()
            raise
        self.step = 0
        self.order: dict[str, int] = {}  # row id -> creation order (stable picks on replay)
        self.log: list[Made] = []
        self.concurrent: list[Concurrent] = []
        self.repaired: list[tuple[str, str]] = []
        self.wab_holds_b = True
        self.backup: dict[str, list[dict[str, Any]]] | None = None
        self.restored = False
        self.guarded: dict[str, set[tuple[str, str]]] = {}  # rows kept for unsent mutations
        self.resending: set[str] = set()  # laptops yet to sync after a server restore

    # -- helpers -----------------------------------------------------------------------------

    def act(self, laptop: Laptop, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one local operation; record the outbox entries it wrote."""
        self.step += 1
        before = laptop.next_seq()
        try:
            result = fn(*args, **kwargs)
        except ProtocolError as exc:
            self.note(f"refused locally: {fn.__name__} {exc.code}")
            assert laptop.next_seq() == before, "a refused local edit left an outbox entry"
            return None
        for r in laptop.outbox(before):
            self.log.append(
                Made(self.step, laptop.name, r.seq, r.entity, r.row_id, r.op, r.payload)
            )
            if r.op == "create":
                self.order.setdefault(r.row_id, len(self.order))
        return result

    def pick(
        self, data: Any, laptop: Laptop, entity: str, where: Any = None
    ) -> dict[str, Any] | None:
        """A live local row of the laptop, drawn by its creation order."""
        rows = [r for r in laptop.rows(entity) if not r["deleted"] and (where is None or where(r))]
        rows.sort(key=lambda r: (self.order.get(r["id"], 1 << 60), r["id"]))
        index = self.choose(data, len(rows), f"{entity} #")
        if index is None:
            self.note(f"nothing to pick: {entity}")
            return None
        return rows[index]

    @staticmethod
    def choose(data: Any, n: int, label: str) -> int | None:
        """An index below ``n``, or None when n is 0.

        Drawn the same way whatever ``n`` is: with laptops syncing at the same time the
        number of rows can differ between runs of one example, and Hypothesis insists that
        an example's draws do not."""
        number = data.next() if isinstance(data, Presampled) else data.draw(CHOICE, label=label)
        return None if n == 0 else int(number) % n

    @staticmethod
    def note(message: str) -> None:
        """A Hypothesis event, when on the test's own thread."""
        STATS[message] += 1
        if threading.current_thread() is threading.main_thread():
            event(message)

    def sync(self, laptop: Laptop) -> Any:
        try:
            report = laptop.session.syncer.sync()
        except AuthRequired:
            if not self.restored:
                raise
            # The restored database forgot the token of a later login: log in again.
            laptop.restart()
            report = laptop.session.syncer.sync()
        self.repaired += [(laptop.name, g) for g in report.repaired_grids]
        self.resending.discard(laptop.name)
        return report

    # -- a starting point: some synced households on every laptop ---------------------------

    @initialize(
        households=st.lists(
            st.tuples(
                st.sampled_from([GRID_A, GRID_B]),
                m.addresses,
                m.names,
                st.none() | m.mobiles,
                m.tags,
                st.lists(st.tuples(m.names, st.none() | m.id_numbers), max_size=2),
                st.booleans(),
                st.none() | st.tuples(m.titles, m.categories),
            ),
            min_size=1,
            max_size=4,
        ),
        batches=st.tuples(*[st.sampled_from([1, 2, 500])] * len(LAPTOPS)),
        pages=st.tuples(*[st.sampled_from([2, 7, 2000])] * len(LAPTOPS)),
        skews=st.tuples(*[st.sampled_from([0, 0, -3 * 24 * 60, -90, 5, 120])] * len(LAPTOPS)),
    )
    def seed(self, households: list[Any], batches: Any, pages: Any, skews: Any) -> None:
        laptops = self.laptops.values()
        for laptop, batch, page, skew in zip(laptops, batches, pages, skews, strict=True):
            laptop.push_batch = laptop.session.syncer.push_batch = batch
            laptop.pull_limit = laptop.session.syncer.pull_limit = page
            laptop.skew = dt.timedelta(minutes=skew)  # a laptop clock minutes off
        sup = self.laptops["sup"]
        for grid_id, address, head, phone, tags, people, visited, issue in households:
            household = self.act(
                sup,
                ops.create_household,
                sup.store,
                grid_id,
                address,
                head_name=head,
                phone=phone,
                tags=tags,
            )
            for name, id_number in people:
                self.act(
                    sup, ops.add_resident, sup.store, household["id"], name, id_number=id_number
                )
            if visited:
                self.act(sup, ops.log_visit, sup.store, household["id"], "met", notes="入户走访")
            if issue is not None:
                title, category = issue
                self.act(
                    sup, ops.raise_issue, sup.store, title, category, household_id=household["id"]
                )
        for laptop in self.laptops.values():
            self.sync(laptop)

    # -- households and residents ----------------------------------------------------------

    @rule(
        client=clients,
        grid=st.integers(0, 1),
        address=m.typed_addresses,
        head=st.none() | m.names,
        phone=st.none() | m.typed_phones,
        tags=m.tags,
        kind=st.none() | m.kinds,
    )
    def create_household(
        self, client: str, grid: int, address: str, head: Any, phone: Any, tags: Any, kind: Any
    ) -> None:
        laptop = self.laptops[client]
        grids = laptop.grids()
        if not grids:
            return
        self.act(
            laptop,
            ops.create_household,
            laptop.store,
            grids[grid % len(grids)],
            address,
            head_name=head,
            phone=phone,
            tags=tags,
            kind=kind,
        )

    @rule(client=clients, data=st.data(), changes=m.household_changes)
    def update_household(self, client: str, data: Any, changes: dict[str, Any]) -> None:
        laptop = self.laptops[client]
        row = self.pick(data, laptop, "households")
        if row is not None:
            self.act(laptop, ops.update_household, laptop.store, row["id"], **changes)

    @rule(
        client=clients,
        data=st.data(),
        name=m.names,
        gender=st.none() | m.genders,
        relation=st.none() | m.relations,
        id_number=st.none() | m.id_numbers,
        phone=st.none() | m.typed_phones,
        tags=m.tags,
    )
    def add_resident(
        self,
        client: str,
        data: Any,
        name: str,
        gender: Any,
        relation: Any,
        id_number: Any,
        phone: Any,
        tags: Any,
    ) -> None:
        laptop = self.laptops[client]
        household = self.pick(data, laptop, "households")
        if household is not None:
            self.act(
                laptop,
                ops.add_resident,
                laptop.store,
                household["id"],
                name,
                gender=gender,
                relation=relation,
                id_number=id_number,
                phone=phone,
                tags=tags,
            )

    @rule(client=clients, data=st.data(), changes=m.resident_changes)
    def update_resident(self, client: str, data: Any, changes: dict[str, Any]) -> None:
        laptop = self.laptops[client]
        row = self.pick(data, laptop, "residents")
        if row is not None:
            self.act(laptop, ops.update_resident, laptop.store, row["id"], **changes)

    @rule(client=clients, data=st.data())
    def mark_moved_out(self, client: str, data: Any) -> None:
        laptop = self.laptops[client]
        row = self.pick(data, laptop, "residents", lambda r: r["present"])
        if row is not None:
            self.act(laptop, ops.mark_moved_out, laptop.store, row["id"])

    @rule(
        client=clients,
        data=st.data(),
        entity=st.sampled_from(["households", "residents", "visits", "issues"]),
    )
    def delete_row(self, client: str, data: Any, entity: str) -> None:
        laptop = self.laptops[client]
        row = self.pick(data, laptop, entity)
        if row is None:
            return
        if entity == "households":
            self.act(laptop, ops.delete_household, laptop.store, row["id"])
            return

        def delete_record(store: Any, row_id: str) -> None:
            with store.write() as conn:
                store.delete(conn, entity, row_id)

        self.act(laptop, delete_record, laptop.store, row["id"])

    # -- several mutations of one row family in one push -------------------------------------
    # Each scenario queues its edits on one laptop and pushes them in a single request,
    # whatever the laptop's batch size: a push must see its own earlier mutations, as if each
    # had been pushed alone (PROTOCOL.md 1.1). ``check`` then finds, besides the usual
    # invariants, any live resident of a deleted household on the server. One rule draws the
    # scenario, so that together they take one rule's share of the steps (each ends in a sync).

    @rule(
        client=clients,
        data=st.data(),
        scenario=st.sampled_from(
            ["residents_then_delete", "create_then_edit", "delete_then_recreate", "issue_steps"]
        ),
    )
    def several_edits_in_one_push(self, client: str, data: Any, scenario: str) -> None:
        if scenario == "residents_then_delete":
            people = st.lists(st.tuples(m.names, st.none() | m.id_numbers), min_size=1, max_size=3)
            self.add_residents_then_delete_household(
                client,
                data,
                data.draw(people, label="people"),
                data.draw(st.booleans(), label="new household"),
                data.draw(st.booleans(), label="visited"),
            )
        elif scenario == "create_then_edit":
            self.create_then_edit(
                client,
                data,
                data.draw(m.household_changes, label="household changes"),
                data.draw(m.resident_changes, label="resident changes"),
                data.draw(m.visit_changes, label="visit changes"),
                data.draw(m.names, label="name"),
            )
        elif scenario == "delete_then_recreate":
            self.delete_then_recreate_household(
                client, data, data.draw(st.booleans(), label="then edit")
            )
        else:
            steps = st.tuples(m.statuses, st.none() | m.comments)
            self.issue_steps_in_one_push(
                client, data, data.draw(st.lists(steps, min_size=1, max_size=3), label="steps")
            )

    def push_together(self, laptop: Laptop) -> None:
        """Sync with every outstanding mutation in one push."""
        syncer = laptop.session.syncer
        kept = syncer.push_batch
        syncer.push_batch = 1000
        try:
            self.sync(laptop)
        finally:
            syncer.push_batch = kept
        STATS["pushed together"] += 1

    def add_residents_then_delete_household(
        self, client: str, data: Any, people: list[Any], new_household: bool, visited: bool
    ) -> None:
        """Residents (and a visit) added to a household, then the household deleted."""
        laptop = self.laptops[client]
        if new_household:
            grids = laptop.grids()
            if not grids:
                return
            grid_id = grids[self.choose(data, len(grids), "grid #") or 0]
            household = self.act(
                laptop, ops.create_household, laptop.store, grid_id, "朐阳小区 9号楼 1单元 101室"
            )
        else:
            household = self.pick(data, laptop, "households")
        if household is None:
            return
        for name, id_number in people:
            self.act(
                laptop, ops.add_resident, laptop.store, household["id"], name, id_number=id_number
            )
        if visited:
            self.act(laptop, ops.log_visit, laptop.store, household["id"], "met")
        self.act(laptop, ops.delete_household, laptop.store, household["id"])
        self.push_together(laptop)

    def create_then_edit(
        self,
        client: str,
        data: Any,
        household_changes: dict[str, Any],
        resident_changes: dict[str, Any],
        visit_changes: dict[str, Any],
        name: str,
    ) -> None:
        """A household, a resident and a visit created and then edited, in one push."""
        laptop = self.laptops[client]
        grids = laptop.grids()
        if not grids:
            return
        grid_id = grids[self.choose(data, len(grids), "grid #") or 0]
        household = self.act(
            laptop, ops.create_household, laptop.store, grid_id, "幸福里 3号楼 2单元 201室"
        )
        if household is None:
            return
        person = self.act(laptop, ops.add_resident, laptop.store, household["id"], name)
        visit = self.act(laptop, ops.log_visit, laptop.store, household["id"], "met")
        self.act(laptop, ops.update_household, laptop.store, household["id"], **household_changes)
        if person is not None:
            self.act(laptop, ops.update_resident, laptop.store, person["id"], **resident_changes)
        if visit is not None:
            self.act(laptop, ops.edit_visit, laptop.store, visit["id"], **visit_changes)
        self.push_together(laptop)

    def delete_then_recreate_household(self, client: str, data: Any, then_edit: bool) -> None:
        """A household deleted and entered again (a new id: ids are never reused), in one push;
        the new one possibly edited at once."""
        laptop = self.laptops[client]
        old = self.pick(data, laptop, "households")
        if old is None:
            return
        self.act(laptop, ops.delete_household, laptop.store, old["id"])
        fields = {k: old[k] for k in ("head_name", "phone", "tags", "kind")}
        new = self.act(
            laptop, ops.create_household, laptop.store, old["grid_id"], old["address"], **fields
        )
        if new is not None and then_edit:
            self.act(laptop, ops.update_household, laptop.store, new["id"], notes="重新登记")
        self.push_together(laptop)

    def issue_steps_in_one_push(self, client: str, data: Any, steps: list[Any]) -> None:
        """Several status changes of one issue (a new one, or one the laptop has) in one push:
        each judged from the status the one before it left."""
        laptop = self.laptops[client]
        row = self.pick(data, laptop, "issues")
        if row is None:
            grids = laptop.grids()
            if not grids:
                return
            row = self.act(
                laptop, ops.raise_issue, laptop.store, "楼道灯不亮", "facilities", grid_id=grids[0]
            )
        if row is None:
            return
        for status, comment in steps:
            self.act(laptop, ops.add_issue_update, laptop.store, row["id"], status, comment)
        self.push_together(laptop)

    # -- visits ----------------------------------------------------------------------------

    @rule(
        client=clients,
        data=st.data(),
        outcome=m.outcomes,
        notes=st.none() | m.notes,
        follow_up=st.booleans(),
        minutes=st.none() | m.minutes_ago,
    )
    def log_visit(
        self, client: str, data: Any, outcome: str, notes: Any, follow_up: bool, minutes: Any
    ) -> None:
        """A door-knock now (by the laptop's own clock) or some time ago."""
        laptop = self.laptops[client]
        household = self.pick(data, laptop, "households")
        chosen = data.draw(st.lists(CHOICE, max_size=3), label="met #")
        if household is None:
            return
        residents = sorted(
            (
                r["id"]
                for r in laptop.rows("residents")
                if r["household_id"] == household["id"] and not r["deleted"]
            ),
            key=lambda i: (self.order.get(i, 1 << 60), i),
        )
        met = (
            list(dict.fromkeys(residents[i % len(residents)] for i in chosen)) if residents else []
        )
        self.act(
            laptop,
            ops.log_visit,
            laptop.store,
            household["id"],
            outcome,
            people_met=met,
            notes=notes,
            follow_up=follow_up,
            visited_at=None if minutes is None else m.past_time(minutes),
        )

    @rule(client=clients, data=st.data(), changes=m.visit_changes)
    def edit_visit(self, client: str, data: Any, changes: dict[str, Any]) -> None:
        laptop = self.laptops[client]
        row = self.pick(data, laptop, "visits")
        if row is not None:
            self.act(laptop, ops.edit_visit, laptop.store, row["id"], **changes)

    @rule(data=st.data(), approve=st.booleans(), comment=m.comments)
    def review_visit(self, data: Any, approve: bool, comment: str) -> None:
        laptop = self.laptops["sup"]
        row = self.pick(data, laptop, "visits")
        if row is not None:
            self.act(laptop, ops.review_visit, laptop.store, row["id"], approve, comment)

    @rule(client=workers, data=st.data(), notes=m.notes)
    def edit_returned_visit(self, client: str, data: Any, notes: str) -> None:
        laptop = self.laptops[client]
        row = self.pick(data, laptop, "visits", lambda r: r["review_status"] == "returned")
        if row is not None:
            self.act(laptop, ops.edit_visit, laptop.store, row["id"], notes=notes)

    # -- issues ----------------------------------------------------------------------------

    @rule(
        client=clients,
        data=st.data(),
        title=m.titles,
        category=m.categories,
        of_household=st.booleans(),
        grid=st.integers(0, 1),
        priority=st.none() | m.priorities,
        description=st.none() | m.notes,
    )
    def raise_issue(
        self,
        client: str,
        data: Any,
        title: str,
        category: str,
        of_household: bool,
        grid: int,
        priority: Any,
        description: Any,
    ) -> None:
        laptop = self.laptops[client]
        subcategories = sorted(codes.ISSUE_SUBCATEGORIES.get(category, {}))
        subcategory = (
            data.draw(st.none() | st.sampled_from(subcategories)) if subcategories else None
        )
        fields = {"priority": priority, "description": description, "subcategory": subcategory}
        if of_household:
            household = self.pick(data, laptop, "households")
            if household is None:
                return
            self.act(
                laptop,
                ops.raise_issue,
                laptop.store,
                title,
                category,
                household_id=household["id"],
                **fields,
            )
        else:
            grids = laptop.grids()
            if grids:
                grid_id = grids[grid % len(grids)]
                self.act(
                    laptop,
                    ops.raise_issue,
                    laptop.store,
                    title,
                    category,
                    grid_id=grid_id,
                    **fields,
                )

    @rule(client=clients, data=st.data(), changes=m.issue_changes)
    def update_issue(self, client: str, data: Any, changes: dict[str, Any]) -> None:
        laptop = self.laptops[client]
        row = self.pick(data, laptop, "issues")
        if row is not None:
            self.act(laptop, ops.update_issue, laptop.store, row["id"], **changes)

    @rule(client=clients, data=st.data(), status=m.statuses, comment=st.none() | m.comments)
    def add_issue_update(self, client: str, data: Any, status: Any, comment: Any) -> None:
        laptop = self.laptops[client]
        row = self.pick(data, laptop, "issues")
        if row is not None:
            self.act(laptop, ops.add_issue_update, laptop.store, row["id"], status, comment)

    # -- attachments -----------------------------------------------------------------------

    @rule(
        client=clients,
        data=st.data(),
        owner=st.sampled_from(sorted(codes.ATTACHMENT_OWNERS)),
        payload=st.binary(min_size=1, max_size=64),
        filename=st.sampled_from(["现场照片.jpg", "走访记录.pdf", "井盖.png", "低保申请表.docx"]),
    )
    def attach_file(
        self, client: str, data: Any, owner: str, payload: bytes, filename: str
    ) -> None:
        laptop = self.laptops[client]
        row = self.pick(data, laptop, owner)
        if row is not None:
            self.act(
                laptop,
                ops.attach_file,
                laptop.store,
                laptop.session.blobs,
                owner,
                row["id"],
                payload,
                filename,
            )

    # -- concurrent edits of one field -----------------------------------------------------

    @rule(pair=pairs, entity=st.sampled_from(sorted(m.CONCURRENT_FIELDS)), data=st.data())
    def concurrent_edit(self, pair: tuple[str, str], entity: str, data: Any) -> None:
        """Two laptops that both hold the same synced version change one field, offline."""
        a, b = self.laptops[pair[0]], self.laptops[pair[1]]
        theirs = {r["id"]: r for r in b.rows(entity)}
        both = [
            r
            for r in a.rows(entity)
            if r["id"] in theirs
            and not r["deleted"]
            and not theirs[r["id"]]["deleted"]
            and r["version"] > 0
            and r["version"] == theirs[r["id"]]["version"]
            and r["base"] is None
            and theirs[r["id"]]["base"] is None
        ]
        both.sort(key=lambda r: (self.order.get(r["id"], 1 << 60), r["id"]))
        index = self.choose(data, len(both), f"{entity} #")
        field = data.draw(st.sampled_from(sorted(m.CONCURRENT_FIELDS[entity])), label="field")
        strategy = m.CONCURRENT_FIELDS[entity][field]
        candidates = data.draw(st.lists(strategy, min_size=3, max_size=3, unique=True))
        if index is None:
            self.note("concurrent edit: no shared synced row")
            return
        row = both[index]
        current = row[field]
        v1, v2 = [v for v in candidates if v != current][:2]
        # Only a clean race is checked: nobody else has an unsent change of this row.
        clean = not any(
            r.status == "pending" and r.entity == entity and r.row_id == row["id"]
            for laptop in self.laptops.values()
            for r in laptop.outbox()
        )
        update = UPDATES[entity]
        seqs = []
        for laptop, value in ((a, v1), (b, v2)):
            before = laptop.next_seq()
            self.act(laptop, update, laptop.store, row["id"], **{field: value})
            seqs.append((laptop.name, before) if laptop.next_seq() > before else None)
        if clean and seqs[0] and seqs[1]:
            self.concurrent.append(
                Concurrent(self.step, entity, row["id"], field, (v1, v2), (seqs[0], seqs[1]))
            )

    # -- conflicts -------------------------------------------------------------------------

    @rule(client=clients, data=st.data(), keep=st.sampled_from(["mine", "theirs"]))
    def resolve_conflict(self, client: str, data: Any, keep: str) -> None:
        laptop = self.laptops[client]
        open_conflicts = sorted(queries.conflicts(laptop.store), key=lambda c: c["id"])
        index = self.choose(data, len(open_conflicts), "conflict #")
        if index is None:
            self.note("no conflict to resolve")
            return
        conflict = open_conflicts[index]
        self.act(laptop, ops.resolve_conflict, laptop.store, conflict["id"], keep)

    # -- the admin -------------------------------------------------------------------------

    @rule(data=st.data())
    def admin_moves_household(self, data: Any) -> None:
        table = SERVER_TABLES["households"]
        with self.service.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(table.c.id, table.c.grid_id)).mappings()]
        rows.sort(key=lambda r: (self.order.get(r["id"], 1 << 60), r["id"]))
        index = self.choose(data, len(rows), "household #")
        if index is None:
            return
        row = rows[index]
        target = GRID_B if row["grid_id"] == GRID_A else GRID_A
        admin.move_household(self.service.engine, self.service.settings, row["id"], target)

    @rule()
    def admin_toggles_grid_b_of_wab(self) -> None:
        if self.wab_holds_b:
            admin.unassign(self.service.engine, "wab", [GRID_B])
        else:
            admin.assign(self.service.engine, "wab", [GRID_B])
        self.wab_holds_b = not self.wab_holds_b

    # -- syncing ---------------------------------------------------------------------------

    @rule(client=clients)
    def sync_laptop(self, client: str) -> None:
        self.sync(self.laptops[client])

    @rule(client=clients)
    def restart_laptop(self, client: str) -> None:
        """Switched off and on again: only what is on disk survives."""
        self.laptops[client].restart()

    @rule(pair=st.sampled_from([("wa", "wab"), ("wa", "sup"), ("wab", "sup")]))
    def sync_at_the_same_time(self, pair: tuple[str, str]) -> None:
        """Two laptops sync at once (the server's locks order them)."""
        errors: list[BaseException] = []

        def run(laptop: Laptop) -> None:
            try:
                self.sync(laptop)
            except BaseException as exc:  # re-raised on the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(self.laptops[n],)) for n in pair]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        if errors:
            raise errors[0]

    @rule()
    def server_backup(self) -> None:
        """The nightly backup of the server's database."""
        self.backup = m.dump_tables(self.service.engine)

    @rule()
    def server_restored_from_backup(self) -> None:
        """The server's disk died: the database comes back from the last backup (the
        attachment files survive). Laptops must send again what the server forgot."""
        if self.backup is None:
            return
        with self.service.engine.connect() as conn:
            handed_out = dict(conn.execute(select(Grid.id, Grid.last_version)).all())
        m.restore_tables(self.service.engine, self.backup)
        self.restored = True
        self.resending = set(self.laptops)
        # Conflict records of earlier races may be gone with the rest.
        self.concurrent.clear()
        if STRICT:
            return
        # KNOWN BUG (restore reuses versions): the restored grids hand out again the versions
        # they handed out after the backup, to other content. A laptop whose cursor is past
        # them never pulls those changes, and the checksum (over entity:id:version) matches
        # when the same row got the same version again with other values, so the laptop keeps
        # its stale row for good. Continue the sequences where they were before the restore.
        with self.service.engine.begin() as conn:
            for grid_id, last_version in handed_out.items():
                conn.execute(
                    update(Grid).where(Grid.id == grid_id).values(last_version=last_version)
                )

    @rule(client=clients, allow=st.integers(0, 6), lose_response=st.booleans())
    def sync_interrupted(self, client: str, allow: int, lose_response: bool) -> None:
        """The connection drops after ``allow`` requests (the last answer lost, maybe)."""
        laptop = self.laptops[client]
        http = laptop.session.api.session
        original = http.get_adapter(laptop.session.api.base_url)
        flaky = m.FlakyAdapter(allow, lose_response)
        http.mount("http://", flaky)
        try:
            self.sync(laptop)
        except Offline:
            self.note("sync interrupted")
        finally:
            http.mount("http://", original)

    @rule(
        client=clients,
        at=st.integers(0, 3),
        meanwhile=st.sampled_from(
            ["local edit", "admin move", "grid b toggled", "colleague syncs"]
        ),
        overlap=st.booleans(),
        data=st.data(),
    )
    def sync_while_busy(
        self, client: str, at: int, meanwhile: str, overlap: bool, data: Any
    ) -> None:
        """Something happens between two requests of a sync (the UI and the server do not wait).

        Pull requests leave from the sync's fetcher thread and an overlapping action runs on a
        thread of its own, so everything the action needs is drawn here first (Hypothesis draws
        only on the test's thread). Overlapping runs are real races: a failure found with one
        may not replay exactly."""
        laptop = self.laptops[client]
        plan = Presampled(data.draw(st.lists(st.integers(0, 10**6), min_size=4, max_size=4)))
        if meanwhile == "local edit":
            edit = self.draw_local_edit(data)

            def action() -> None:
                self.local_edit(laptop, edit, plan)

        elif meanwhile == "admin move":

            def action() -> None:
                self.admin_moves_household(plan)

        elif meanwhile == "grid b toggled":
            action = self.admin_toggles_grid_b_of_wab
        else:
            other = self.laptops[data.draw(st.sampled_from(sorted(set(LAPTOPS) - {client})))]

            def action() -> None:
                self.sync(other)

        http = laptop.session.api.session
        original = http.get_adapter(laptop.session.api.base_url)
        busy = m.BusyAdapter(at, action, overlap)
        http.mount("http://", busy)
        try:
            self.sync(laptop)
        finally:
            http.mount("http://", original)
        self.note(f"during sync: {meanwhile} {'done' if busy.action is None else 'not reached'}")

    def draw_local_edit(self, data: Any) -> tuple[str, Any]:
        kind = data.draw(
            st.sampled_from(
                ["household", "resident", "visit", "issue update", "delete", "move out"]
            ),
            label="edit",
        )
        if kind == "household":
            return kind, data.draw(m.household_changes)
        if kind == "resident":
            return kind, data.draw(m.resident_changes)
        if kind == "visit":
            return kind, data.draw(m.visit_changes)
        if kind == "issue update":
            return kind, (data.draw(m.statuses), data.draw(m.comments))
        if kind == "delete":
            return kind, data.draw(st.sampled_from(["households", "residents", "visits", "issues"]))
        return kind, None

    def local_edit(self, laptop: Laptop, edit: tuple[str, Any], plan: Presampled) -> None:
        """One of the rules' local edits, on this laptop, with values drawn beforehand."""
        name = laptop.name
        kind, args = edit
        if kind == "household":
            self.update_household(name, plan, args)
        elif kind == "resident":
            self.update_resident(name, plan, args)
        elif kind == "visit":
            self.edit_visit(name, plan, args)
        elif kind == "issue update":
            self.add_issue_update(name, plan, *args)
        elif kind == "delete":
            self.delete_row(name, plan, args)
        else:
            self.mark_moved_out(name, plan)

    @rule()
    def settle_and_check(self) -> None:
        self.converge()
        self.check()

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def unsent_rows_are_kept(self) -> None:
        """PROTOCOL.md invariant 7: a row with unsent mutations is never removed.

        Checked as: a row that was there with unsent mutations after the previous step and
        still has them is still there. (After a server restore a laptop sends again what the
        server forgot, also mutations of rows that had left it before: those rows come back
        with the next pull.)"""
        for laptop in self.laptops.values():
            with laptop.store.read() as conn:
                pending = {
                    (p.entity, p.row_id)
                    for p in conn.execute(
                        select(Outbox.entity, Outbox.row_id).where(Outbox.status == "pending")
                    )
                }
                present = set()
                for entity in {e for e, _ in pending}:
                    table = ENTITY_TABLES[entity]
                    wanted = sorted(i for e, i in pending if e == entity)
                    present |= {
                        (entity, i)
                        for i in conn.execute(
                            select(table.c.id).where(table.c.id.in_(wanted))
                        ).scalars()
                    }
            lost = sorted((self.guarded.get(laptop.name, set()) & pending) - present)
            self.guarded[laptop.name] = present
            if laptop.name in self.resending:
                continue  # sending again what a restored server forgot (see above)
            assert not lost, f"{laptop.name} removed {lost} that still have unsent mutations"

    @invariant()
    def unsent_edits_are_shown(self) -> None:
        """Rebasing keeps a laptop's own unsent changes on top of whatever it pulled."""
        for laptop in self.laptops.values():
            expected: dict[tuple[str, str], dict[str, Any] | None] = {}
            for r in laptop.outbox():
                if r.status != "pending":
                    continue
                key = (r.entity, r.row_id)
                if r.op == "delete":
                    expected[key] = None
                elif expected.get(key, {}) is not None:
                    changes = (
                        r.payload
                        if r.op == "create"
                        else {f: c["new"] for f, c in r.payload.items()}
                    )
                    expected[key] = {**expected.get(key, {}), **changes}  # type: ignore[dict-item]
            for (entity, row_id), fields in expected.items():
                row = laptop.row(entity, row_id)
                if row is None or fields is None or row["deleted"]:
                    continue  # a lost row is the other invariant's; deleted rows show no fields
                wrong = {f: (v, row[f]) for f, v in fields.items() if row[f] != v}
                assert not wrong, (
                    f"{laptop.name}: unsent change of {entity} {row_id} not shown: "
                    f"{{field: (unsent, shown)}} = {wrong}"
                )

    def converge(self) -> None:
        """Sync every laptop until nothing is pending and a whole round pulls nothing (and no
        conflict was being settled when it began: a settlement travels outside the pull, and
        the laptops that synced before it see it in the next round)."""
        for _ in range(10):
            settling = any(self.settling(lt) for lt in self.laptops.values())
            pulled = 0
            for laptop in self.laptops.values():
                pulled += self.sync(laptop).pulled
            quiet = all(lt.store.pending_count() == 0 for lt in self.laptops.values())
            if pulled == 0 and quiet and not settling:
                return
        raise AssertionError("the laptops did not settle after 10 rounds of sync")

    @staticmethod
    def settling(laptop: Laptop) -> bool:
        with laptop.store.read() as conn:
            return (
                conn.execute(
                    select(ConflictRecord.id).where(ConflictRecord.state == "settling")
                ).first()
                is not None
            )

    def check(self) -> None:
        problems: list[str] = []
        with self.service.engine.connect() as server:
            for laptop in self.laptops.values():
                problems += self.check_outbox(laptop, server)
                problems += self.check_rows(laptop, server)
            for grid_id in (GRID_A, GRID_B):
                kept = server.execute(
                    select(Grid.row_count, Grid.digest).where(Grid.id == grid_id)
                ).one()
                actual = m.server_recount(server, grid_id)
                if tuple(kept) != actual:
                    problems.append(
                        f"server grid {grid_id}: kept checksum {tuple(kept)} but rows give {actual}"
                    )
            orphans = m.server_orphans(server)
            if orphans:
                problems.append(f"server: live residents of deleted households {orphans}")
            problems += self.check_concurrent(server)
        for laptop in self.laptops.values():
            problems += self.check_search_keys(laptop)
        if self.repaired and not self.restored:
            problems.append(f"checksum mismatch forced a download again: {self.repaired}")
        assert not problems, "\n".join(problems)

    def check_outbox(self, laptop: Laptop, server: Any) -> list[str]:
        """Invariant 3: every mutation made is accounted for, as the server recorded it."""
        out = []
        rows = laptop.outbox()
        made = [(x.seq, x.entity, x.row_id, x.op) for x in self.log if x.laptop == laptop.name]
        kept = [(r.seq, r.entity, r.row_id, r.op) for r in rows]
        if kept != made:
            out.append(f"{laptop.name}: outbox {kept} differs from the mutations made {made}")
        for r in rows:
            if r.status not in FINAL:
                out.append(f"{laptop.name}: seq {r.seq} ({r.entity} {r.op}) is {r.status}")
        last_seq = server.execute(
            select(Device.last_seq).where(Device.id == laptop.device_id)
        ).scalar_one()
        if last_seq != len(rows):
            out.append(f"{laptop.name}: server last_seq {last_seq}, outbox holds {len(rows)}")
        rejected = dict(
            server.execute(
                select(Rejection.seq, Rejection.code).where(Rejection.device_id == laptop.device_id)
            ).all()
        )
        conflicted = set(
            server.execute(
                select(Conflict.seq).where(Conflict.device_id == laptop.device_id)
            ).scalars()
        )
        for r in rows:
            what = f"{laptop.name}: seq {r.seq} ({r.entity} {r.op} {r.row_id})"
            if r.status == "rejected" and rejected.get(r.seq) != r.error_code:
                out.append(f"{what} rejected {r.error_code}, server has {rejected.get(r.seq)}")
            if r.status in ("applied", "conflict") and r.seq in rejected:
                out.append(f"{what} {r.status}, but the server rejected it")
            if r.status == "conflict" and r.seq not in conflicted:
                out.append(f"{what} conflict, but the server recorded none")
            if r.status == "applied" and r.seq in conflicted:
                out.append(f"{what} applied, but the server recorded a conflict")
        return out

    def check_rows(self, laptop: Laptop, server: Any) -> list[str]:
        """Invariant 6 and the checksums: the laptop holds exactly its grids' server rows."""
        out = []
        grids = set(
            server.execute(
                select(UserGrid.grid_id).where(UserGrid.user_id == laptop.user_id)
            ).scalars()
        )
        with laptop.store.read() as conn:
            local = set(conn.execute(select(GridState.grid_id)).scalars())
            if local != grids:
                out.append(f"{laptop.name}: holds grids {sorted(local)}, assigned {sorted(grids)}")
            for entity in ENTITY_ORDER:
                # KNOWN BUG (issue status stuck): an issue update acknowledged but not yet
                # pulled back is replayed on a newer server status that another user set
                # (rows.issue_status_after from replica._refresh_issue_statuses); rows.rebuild
                # then stores the derived status with no base, and Syncer._settle_acked takes
                # that local row for the server's: the laptop keeps e.g. 已解决 while the
                # server says 待处理, at the same version, for good.
                ignore = frozenset({"status"} if entity == "issues" and not STRICT else ())
                diffs = m.diff_rows(
                    m.client_rows(conn, entity), m.server_rows(server, entity, grids), ignore
                )
                out += [f"{laptop.name}: {entity} {d}" for d in diffs]
                out += [
                    f"{laptop.name}: {entity} {d}"
                    for d in m.bookkeeping_left(conn, entity, m.server_rows(server, entity, grids))
                ]
            unsettled = list(
                conn.execute(select(Outbox.seq).where(Outbox.settled.is_(False))).scalars()
            )
            if unsettled:
                out.append(f"{laptop.name}: acknowledged but never settled: seqs {unsettled}")
            for grid_id in sorted(grids & local):
                theirs = tuple(
                    server.execute(
                        select(Grid.row_count, Grid.digest).where(Grid.id == grid_id)
                    ).one()
                )
                mine = recount(conn, grid_id)
                kept = tuple(
                    conn.execute(
                        select(GridState.row_count, GridState.digest).where(
                            GridState.grid_id == grid_id
                        )
                    ).one()
                )
                if mine != theirs:
                    out.append(f"{laptop.name}: grid {grid_id} checksum {mine}, server {theirs}")
                if kept != mine:
                    out.append(f"{laptop.name}: grid {grid_id} kept checksum {kept}, rows {mine}")
            shown_conflicts = {
                r.id: r.state for r in conn.execute(select(ConflictRecord.id, ConflictRecord.state))
            }
            shown_rejections = set(
                conn.execute(
                    select(RejectionRecord.id, RejectionRecord.seq, RejectionRecord.row_id)
                ).all()
            )
            attachments = [
                r.sha256
                for r in conn.execute(
                    select(ENTITY_TABLES["attachments"].c.sha256).where(
                        ENTITY_TABLES["attachments"].c.deleted.is_(False)
                    )
                )
            ]
        out += self.check_shown(laptop, server, grids, shown_conflicts, shown_rejections)
        for sha256 in sorted(set(attachments)):
            try:
                data = laptop.session.api.get_blob(sha256)
            except Exception as exc:
                out.append(f"{laptop.name}: attachment {sha256[:12]} cannot be fetched: {exc!r}")
                continue
            if hashlib.sha256(data).hexdigest() != sha256:
                out.append(f"{laptop.name}: attachment {sha256[:12]} fetched with other bytes")
        return out

    def check_shown(
        self,
        laptop: Laptop,
        server: Any,
        grids: set[str],
        conflicts: dict[int, str],
        rejections: set[Any],
    ) -> list[str]:
        """Invariant 3: conflicts and rejections are visible to the people concerned."""
        out = []
        if laptop.role == "supervisor":
            mine_c = Conflict.grid_id.in_(sorted(grids))
            mine_r = Rejection.grid_id.in_(sorted(grids))
        else:
            mine_c = (Conflict.user_id == laptop.user_id) | (
                Conflict.theirs_user_id == laptop.user_id
            )
            mine_r = Rejection.user_id == laptop.user_id
        open_ = set(
            server.execute(select(Conflict.id).where(mine_c, Conflict.state == "open")).scalars()
        )
        if set(conflicts) != open_ or any(s != "open" for s in conflicts.values()):
            out.append(
                f"{laptop.name}: shows conflicts {conflicts}, open for them: {sorted(open_)}"
            )
        listed = set(
            server.execute(
                select(Rejection.id, Rejection.seq, Rejection.row_id).where(mine_r)
            ).all()
        )
        shown = {tuple(r) for r in rejections}
        if self.restored:
            # Rejections are fetched incrementally and kept: those a restore made the server
            # forget stay shown (they did happen).
            # KNOWN BUG (rejection ids reused after a restore): the restored server hands out
            # rejection ids again (SQLite reuses rowids; a PostgreSQL restore resets the
            # sequence), and the laptop fetches only ids above the highest it has
            # (Api.rejections(after_id), INSERT OR IGNORE by id): a new rejection that got an
            # old id is never shown, the forgotten one is shown in its place. Ids only, then.
            compared = (lambda r: r) if STRICT else (lambda r: r[0])
            missing = {compared(r) for r in listed} - {compared(r) for r in shown}
        else:
            missing = {r[0] for r in listed ^ shown}
        if missing:
            out.append(
                f"{laptop.name}: shows rejections {sorted(shown)}, server lists {sorted(listed)}"
            )
        return out

    def check_search_keys(self, laptop: Laptop) -> list[str]:
        """The derived search table equals a rebuild from the rows (rolled back after)."""
        households = ENTITY_TABLES["households"]
        with laptop.store.engine.connect() as conn:
            conn.execution_options(write=True)
            tx = conn.begin()
            try:
                stale = list(conn.execute(select(SearchStale.household_id)).scalars())
                kept = {
                    r["household_id"]: dict(r)
                    for r in conn.execute(select(SearchKey.__table__)).mappings()
                }
                ids = set(conn.execute(select(households.c.id)).scalars()) | set(kept)
                refresh_search_keys(conn, ids)
                fresh = {
                    r["household_id"]: dict(r)
                    for r in conn.execute(select(SearchKey.__table__)).mappings()
                }
            finally:
                tx.rollback()
        out = [f"{laptop.name}: households left stale in search_stale: {stale}"] if stale else []
        out += [f"{laptop.name}: search_keys {d}" for d in m.diff_keyed(kept, fresh)]
        return out

    def check_concurrent(self, server: Any) -> list[str]:
        """Invariant 4: a clean race on one field leaves a conflict record with both values."""
        out = []
        devices = {lt.name: lt.device_id for lt in self.laptops.values()}
        for race in self.concurrent:
            later = [
                x
                for x in self.log
                if x.step > race.step
                and x.entity == race.entity
                and x.row_id == race.row_id
                and x.op == "update"
                and race.field in (x.payload or {})
            ]
            if later:
                continue
            rejected = [
                server.execute(
                    select(Rejection.id).where(
                        Rejection.device_id == devices[name], Rejection.seq == seq
                    )
                ).first()
                for name, seq in race.mutations
            ]
            if any(rejected):
                continue
            records = server.execute(
                select(Conflict.kind, Conflict.theirs, Conflict.ours).where(
                    Conflict.entity == race.entity,
                    Conflict.row_id == race.row_id,
                    Conflict.field == race.field,
                )
            ).all()
            wanted = set(race.values)
            if not any(c.kind == "deleted" or {c.theirs, c.ours} == wanted for c in records):
                out.append(
                    f"race on {race.entity} {race.row_id} {race.field} {race.values} "
                    f"by {race.mutations}: conflict records {records}"
                )
        return out

    def teardown(self) -> None:
        try:
            if sys.exc_info()[0] is None:  # a failing step's own error stays the one reported
                self.converge()
                self.check()
                if os.environ.get("GRIDWORKER_STATEFUL_DEBUG"):
                    self._summary()
        finally:
            self._release()

    def _summary(self) -> None:
        statuses: Counter[str] = Counter()
        for laptop in self.laptops.values():
            for r in laptop.outbox():
                statuses[f"{r.entity}.{r.op}:{r.status}:{r.error_code or ''}"] += 1
        STATS.update(statuses)
        STATS["races checked"] += len(self.concurrent)
        STATS["examples"] += 1

    def _release(self) -> None:
        for laptop in self.laptops.values():
            laptop.session.close()
        self.backend.release(self.service)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.mark.slow
def test_random_offline_work_converges(engine: Engine, tmp_path: Path) -> None:
    with Backend(engine, tmp_path) as backend:

        class Machine(GridMachine):
            pass

        Machine.backend = backend
        run_state_machine_as_test(
            Machine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                # CI runs a fixed sequence of examples (the same on every run); local runs explore.
                derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            ),
        )
    if os.environ.get("GRIDWORKER_STATEFUL_DEBUG"):
        for key, count in sorted(STATS.items()):
            print(f"{count:6d}  {key}")
