"""The local store of one profile (one user on one server) and its writes.

Every local change goes through ``create``, ``update`` or ``delete`` here: the shared rules
validate it, and the row and its outbox mutation are written in one transaction
(PROTOCOL.md, invariant 1).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from sync.protocol import workflow
from sync.protocol.entities import ENTITIES, Writer, personal_fields, tombstone
from sync.protocol.errors import PermissionDenied, ValidationError
from sync.protocol.values import format_time, parse_time
from sync.protocol.wire import FUTURE_TOLERANCE_SECONDS, uuid7

from . import rows as rowlib
from . import safety
from .errors import DamagedStorage, StorageError, classify, raise_storage_error
from .schema import ENTITY_TABLES, Meta, Outbox
from .search import refresh_at_commit, refresh_households, refresh_stale
from .writer import Later, WriteQueue

# Households whose search keys one transaction rebuilds after a pull (names, pinyin, phones,
# last visit: ~0.2 ms each): short enough that a save waiting behind it stays well under 50 ms.
CHUNK = 50
# Write transactions between two checkpoints when no long work does them (see checkpoint).
CHECKPOINT_EVERY = 200


log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _cleared(entity: str, **extra: Any) -> dict[str, Any]:
    """The values a tombstone of ``entity`` stores in its personal fields, and ``extra``."""
    blank = tombstone(entity, {name: None for name in personal_fields(entity)})
    return {**{name: blank[name] for name in personal_fields(entity)}, **extra}


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """The disk's troubles as named errors in Chinese (``errors``), without SQL or values.
    A file SQLite called malformed is marked, so that the next open checks and restores it."""
    try:
        yield
    except (DBAPIError, OSError, sqlite3.Error) as exc:
        kind = classify(exc)
        if kind is None:
            raise
        if issubclass(kind, DamagedStorage):
            safety.mark_damaged(path)
        raise_storage_error(exc)


class Store:
    def __init__(self, engine: Engine, path: Path, clock: Callable[[], dt.datetime] = utc_now):
        self.engine = engine
        self.path = path
        self.clock = clock
        self._user: dict[str, Any] | None = None
        # Every write transaction takes its turn here (fair: first come, first served).
        self.writes = WriteQueue()
        self.outbox_copy = safety.OutboxCopy(path.with_name(safety.OUTBOX_COPY))
        # Seconds between rolling backups (a sync every few minutes need not copy every time).
        self.backup_every = 600.0
        self._writes_since_checkpoint = 0
        self._checkpointer = Later(self.checkpoint, "checkpoint")

    # -- transactions and facts ------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction, in its turn (see ``writer``); households whose search keys
        it outdated are refreshed at its end, and the mutations it added to the outbox are
        copied to the outbox's backup file once it committed."""
        with self.writes.turn(), self._storage_errors():
            with self.engine.connect() as conn:
                conn.info.pop("search_stale_ids", None)  # left by a transaction that failed
                conn.info.pop("outbox_added", None)
                conn.execution_options(write=True)
                with conn.begin():
                    yield conn
                    stale = conn.info.pop("search_stale_ids", None)
                    if stale:
                        refresh_households(conn, stale)
                added = conn.info.pop("outbox_added", None)
            if added:
                self.outbox_copy.append(added)
        self._writes_since_checkpoint += 1
        if self._writes_since_checkpoint >= CHECKPOINT_EVERY:
            self._writes_since_checkpoint = 0
            self._checkpointer.request()  # on a thread of its own: a save never waits for it

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: a snapshot that never blocks a writer (WAL)."""
        with self._storage_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    def _storage_errors(self) -> AbstractContextManager[None]:
        return storage_errors(self.path)

    def refresh_search(self, chunk: int = CHUNK) -> int:
        """Rebuild the search keys a pull left stale, in short transactions; returns how many."""
        total = 0
        while True:
            # One transaction runs on from chunk to chunk while nobody waits to write (a save
            # that queues ends it after the chunk in progress), as a pull's pages do.
            with self.write() as conn:
                while True:
                    done = refresh_stale(conn, chunk)
                    total += done
                    if done < chunk or self.writes.waiting() or total % (chunk * 20) == 0:
                        break
            if done < chunk:
                return total
            if total % (chunk * 20) == 0:
                self.checkpoint()

    def checkpoint(self) -> None:
        """Copy the WAL into the database file now, outside the write queue.

        SQLite's automatic checkpoint is off for the store (``db.make_engine``): it runs inside
        whichever commit crosses 1,000 pages of WAL, perhaps a save's, which then waits for the
        copy and its fsyncs. Long work (a download) calls this between its transactions, and
        ``write`` asks a background thread for one after every ``CHECKPOINT_EVERY``
        transactions, both outside the write queue; a PASSIVE checkpoint lets writers go on.
        """
        self._writes_since_checkpoint = 0
        with self._storage_errors():
            raw = self.engine.raw_connection()
            try:
                driver = raw.driver_connection
                assert driver is not None
                driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                raw.close()

    def close(self) -> None:
        self._checkpointer.close()
        self.outbox_copy.close()
        with suppress(StorageError):  # already said when it happened; closing goes on
            self.checkpoint()
        self.engine.dispose()

    def keep_backup(self) -> None:
        """After a successful sync: a rolling copy of the database, and the outbox's backup
        file rewritten to what is still unsent (see ``safety``)."""
        safety.rolling_backup(self.path, min_age=self.backup_every)
        with self.writes.turn(), self._storage_errors(), self.read() as conn:
            self.outbox_copy.rewrite(
                safety.pending_entries(conn),
                int(self.get_meta("next_seq", 1, conn)),
                self.get_meta("device_id", None, conn),
            )

    def reapply_outbox(self, recovery: safety.Recovery) -> int:
        """After a restore: the unsent mutations of the outbox's copy that the restored
        database lacks go back into the outbox, and their rows are rebuilt on top of the
        restored state (created rows made again). Returns how many."""
        with self.write() as conn:
            device = self.get_meta("device_id", None, conn)
            if device is None and recovery.device_id:
                device = recovery.device_id
                self.set_meta(conn, "device_id", device)
            elif recovery.device_id not in (None, device):
                log.error("the outbox backup belongs to another device: not applied")
                return 0
            last = int(conn.execute(select(func.coalesce(func.max(Outbox.seq), 0))).scalar_one())
            fresh = [e for e in recovery.entries if e["seq"] > last]
            for e in fresh:
                conn.execute(
                    insert(Outbox).values(
                        seq=e["seq"],
                        entity=e["entity"],
                        row_id=e["id"],
                        op=e["op"],
                        payload=e.get("payload"),
                        created_at=dt.datetime.fromisoformat(e["created_at"]),
                        status="pending",
                        settled=False,
                    )
                )
            next_seq = max(
                int(self.get_meta("next_seq", 1, conn)),
                recovery.next_seq,
                last + 1,
                *(e["seq"] + 1 for e in fresh),
            )
            self.set_meta(conn, "next_seq", next_seq)
            touched: dict[tuple[str, str], None] = {}
            for e in fresh:
                if e["entity"] in ENTITY_TABLES:
                    touched[(e["entity"], e["id"])] = None
                if e["entity"] == "issue_updates" and isinstance(e.get("payload"), dict):
                    touched[("issues", e["payload"].get("issue_id") or "")] = None
            for entity, row_id in touched:
                if rowlib.load_row(conn, entity, row_id) is not None:
                    rowlib.rebuild(conn, entity, row_id, self.user)
                    continue
                mutations = rowlib.outstanding(conn, entity, [row_id]).get(row_id, [])
                local = rowlib.replay(entity, None, mutations, self.user)
                if local is None:
                    continue  # an edit of a row the backup lacks: the pull brings it back
                grid_id: str | None
                try:
                    grid_id, _ = self._parent(conn, entity, local)
                except ValidationError:
                    grid_id = local.get("grid_id")
                rowlib.store_row(
                    conn,
                    entity,
                    local,
                    grid_id=grid_id,
                    base=None,
                    base_grid=None,
                    base_deleted=False,
                    exists=False,
                )
                self._after_write(conn, entity, local)
        recovery.reapplied = len(fresh)
        return len(fresh)

    def get_meta(self, key: str, default: Any = None, conn: Connection | None = None) -> Any:
        if conn is None:
            with self.read() as own:
                return self.get_meta(key, default, own)
        value = conn.execute(select(Meta.value).where(Meta.key == key)).scalar_one_or_none()
        return default if value is None else value

    def set_meta(self, conn: Connection, key: str, value: Any) -> None:
        stmt = sqlite_insert(Meta).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    @property
    def user(self) -> dict[str, Any]:
        if self._user is None:
            self._user = dict(self.get_meta("user", {}))
        return self._user

    def set_user(self, conn: Connection, user: dict[str, Any]) -> None:
        self.set_meta(conn, "user", user)
        self._user = dict(user)

    def pending_count(self) -> int:
        with self.read() as conn:
            return int(
                conn.execute(select(func.count()).where(Outbox.status == "pending")).scalar_one()
            )

    # -- writes ------------------------------------------------------------------------------

    def _append(self, conn: Connection, entity: str, row_id: str, op: str, payload: Any) -> int:
        seq = int(self.get_meta("next_seq", 1, conn))
        conn.execute(
            insert(Outbox).values(
                seq=seq,
                entity=entity,
                row_id=row_id,
                op=op,
                payload=payload,
                created_at=self.clock(),
                status="pending",
                settled=False,
            )
        )
        self.set_meta(conn, "next_seq", seq + 1)
        conn.info.setdefault("outbox_added", []).append(
            safety.outbox_entry(seq, entity, row_id, op, payload, self.clock())
        )
        return seq

    def _check_writable(self, entity: str, name: str, value: Any) -> None:
        field = ENTITIES[entity].fields[name]
        if field.writer is Writer.SERVER:
            raise PermissionDenied(
                f"{field.label}由服务器填写", code="field_not_writable", field=name
            )
        if (
            field.writer is Writer.SUPERVISOR
            and self.user.get("role") not in workflow.REVIEWER_ROLES
        ) and value not in (None, field.default):
            raise PermissionDenied(
                f"只有网格长可以填写{field.label}", code="field_not_writable", field=name
            )

    def _check_time(self, value: str | None, field: str, label: str) -> None:
        if value and parse_time(value) > self.clock() + dt.timedelta(
            seconds=FUTURE_TOLERANCE_SECONDS
        ):
            raise ValidationError(f"{label}晚于当前时间", code="time_in_future", field=field)

    def _parent(
        self, conn: Connection, entity: str, row: rowlib.Row
    ) -> tuple[str, rowlib.Row | None]:
        spec = ENTITIES[entity]
        if entity == "households" or (entity == "issues" and not row.get("household_id")):
            grid = row.get("grid_id")
            if not grid:
                raise ValidationError("请选择网格", code="required", field="grid_id")
            return str(grid), None
        parent_entity = spec.parent_entity or row.get("owner_entity")
        parent_id = row.get(spec.parent_field or "")
        parent = (
            rowlib.load_row(conn, parent_entity, parent_id) if parent_entity and parent_id else None
        )
        if parent is None:
            raise ValidationError(
                "上级记录不存在", code="parent_not_found", field=spec.parent_field
            )
        if parent["deleted"]:
            raise ValidationError("上级记录已删除", code="parent_deleted", field=spec.parent_field)
        return str(parent["grid_id"]), dict(parent)

    def create(
        self, conn: Connection, entity: str, values: dict[str, Any], row_id: str | None = None
    ) -> rowlib.Row:
        """Validate and write a new row and its create mutation; returns the local row."""
        spec = ENTITIES[entity]
        row_id = row_id or uuid7()
        carried: dict[str, Any] = {}
        for name, value in values.items():
            if name not in spec.fields:
                raise ValidationError(f"未知的字段 {name}", code="unknown_field", field=name)
            normalised = spec.fields[name].normalise(value)
            if normalised is None or normalised == []:
                continue
            self._check_writable(entity, name, normalised)
            carried[name] = normalised
        row = rowlib.materialise_create(entity, row_id, carried, self.user.get("id"))
        for name, field in spec.fields.items():
            if field.required and row.get(name) in (None, ""):
                raise ValidationError(f"{field.label}为必填项", code="required", field=name)
        grid_id, parent = self._parent(conn, entity, row)
        if entity == "issues" and parent is not None:
            row["grid_id"] = grid_id
            carried["grid_id"] = grid_id
        if entity == "visits":
            self._check_time(row["visited_at"], "visited_at", "走访时间")
        if entity == "issue_updates":
            assert parent is not None
            target = workflow.check_transition(
                parent["status"], row["status"], self.user.get("role", "worker")
            )
            if row["created_at"] is None:
                row["created_at"] = format_time(self.clock())
                carried["created_at"] = row["created_at"]
            if target is not None:
                issues = ENTITY_TABLES["issues"]
                self._remember_base(conn, "issues", parent)
                conn.execute(
                    issues.update().where(issues.c.id == parent["id"]).values(status=target)
                )
        rowlib.store_row(
            conn,
            entity,
            row,
            grid_id=grid_id,
            base=None,
            base_grid=None,
            base_deleted=False,
            exists=False,
        )
        self._append(conn, entity, row_id, "create", carried)
        self._after_write(conn, entity, row)
        return row

    def _remember_base(self, conn: Connection, entity: str, stored: Any) -> None:
        """Before the first local change of a synced row, keep the server's state of it."""
        if stored["base"] is None and stored["version"] > 0:
            table = ENTITY_TABLES[entity]
            conn.execute(
                table.update()
                .where(table.c.id == stored["id"])
                .values(base=rowlib.wire_row(entity, stored))
            )

    def update(
        self, conn: Connection, entity: str, row_id: str, changes: dict[str, Any]
    ) -> rowlib.Row:
        """Write changed fields and an update mutation carrying the values seen before."""
        spec = ENTITIES[entity]
        if spec.create_only:
            raise ValidationError(f"{spec.label}只能新增", code="create_only")
        stored = rowlib.load_row(conn, entity, row_id)
        if stored is None:
            raise ValidationError("记录不存在", code="not_found")
        if stored["deleted"]:
            raise ValidationError("记录已删除", code="not_found")
        payload: dict[str, Any] = {}
        for name, value in changes.items():
            field = spec.fields.get(name)
            if field is None:
                raise ValidationError(f"未知的字段 {name}", code="unknown_field", field=name)
            if field.immutable:
                raise PermissionDenied(
                    f"不能修改{field.label}", code="field_not_writable", field=name
                )
            new = field.normalise(value)
            if field.required and new is None:
                raise ValidationError(f"{field.label}为必填项", code="required", field=name)
            self._check_writable(entity, name, new)
            old = stored[name]
            if isinstance(old, list):
                old = list(old)
            if new != old:
                payload[name] = {"old": old, "new": new}
        if not payload:
            return dict(stored)
        if entity == "visits" and "visited_at" in payload:
            self._check_time(payload["visited_at"]["new"], "visited_at", "走访时间")
        self._remember_base(conn, entity, stored)
        row = rowlib.apply_mutation(entity, dict(stored), "update", payload, self.user)
        assert row is not None
        if entity == "visits" and "review_status" in payload:
            row["reviewed_by"] = self.user.get("id")
            row["reviewed_at"] = format_time(self.clock())
        table = ENTITY_TABLES[entity]
        fields = {k: row[k] for k in spec.fields}
        conn.execute(table.update().where(table.c.id == row_id).values(fields))
        self._append(conn, entity, row_id, "update", payload)
        self._after_write(conn, entity, row)
        return {**dict(stored), **fields}

    def delete(self, conn: Connection, entity: str, row_id: str) -> None:
        spec = ENTITIES[entity]
        if spec.create_only:
            raise ValidationError(f"{spec.label}只能新增", code="create_only")
        stored = rowlib.load_row(conn, entity, row_id)
        if stored is None:
            raise ValidationError("记录不存在", code="not_found")
        if stored["deleted"]:
            return
        # The row becomes a tombstone at once (PROTOCOL.md 1.1): its personal fields are
        # cleared here too. ``base`` keeps the server's values only until the delete is
        # acknowledged and pulled back, so that a refused delete can be undone.
        self._remember_base(conn, entity, stored)
        table = ENTITY_TABLES[entity]
        conn.execute(
            table.update().where(table.c.id == row_id).values(_cleared(entity, deleted=True))
        )
        if entity == "households":
            # The server tombstones the residents with the household; show it at once.
            residents = ENTITY_TABLES["residents"]
            for resident in conn.execute(
                select(residents).where(
                    residents.c.household_id == row_id, residents.c.deleted.is_(False)
                )
            ).mappings():
                self._remember_base(conn, "residents", resident)
            conn.execute(
                residents.update()
                .where(residents.c.household_id == row_id)
                .values(_cleared("residents", deleted=True))
            )
        self._append(conn, entity, row_id, "delete", None)
        self._after_write(conn, entity, dict(stored))

    def _after_write(self, conn: Connection, entity: str, row: rowlib.Row) -> None:
        if entity == "households":
            refresh_at_commit(conn, [row["id"]])
        elif entity in ("residents", "visits"):
            refresh_at_commit(conn, [row["household_id"]])
