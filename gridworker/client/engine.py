"""The sync engine: PROTOCOL.md's order, every step resumable.

1. upload queued attachments; 2. push the outbox in batches until empty; 3. pull every grid
until ``has_more`` is false, each page and its cursors in one transaction; 4. compare
checksums, downloading a grid again on mismatch (the outbox is kept). Then the conflicts and
rejections that concern the user are fetched, and settled conflicts reported.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, literal_column, select, update

from sync.protocol.values import format_time

from ..store import handled, pruning
from ..store import rows as rowlib
from ..store.blobs import BlobFiles
from ..store.local import Store
from ..store.replica import apply_page, evict_grid, recount, sharing
from ..store.schema import BlobQueue, ConflictRecord, GridState, Outbox, RejectionRecord
from . import audit, recovery, wipe
from .http import Api, DeviceRevoked, Offline, ServerError, SyncError

log = logging.getLogger(__name__)

PUSH_BATCH = 500
# Changes asked for per pull request. Decoding a page's JSON holds the GIL throughout (a
# 5,000-change page: ~35 ms quiet, >130 ms on a busy machine), and a visit saved meanwhile on
# the GUI thread waits for it; 1,000 (the service's default) keeps that wait short, and the
# next page is fetched while one is written.
PULL_LIMIT = 1000
# Changes of a pulled page written per transaction (a save waits for one such chunk at most).
APPLY_CHUNK = 100
# Chunks written between two checkpoints of the WAL (each one copies and fsyncs; after every
# page, 72 of them took ~15 % of a first download).
CHECKPOINT_CHUNKS = 40
SETTLE_CHUNK = 50
# Protocol extensions this laptop declares in a pull (docs/protocol.md): rows of the campaigns
# extension are sent to it and counted in its grids' checksums.
EXTENSIONS: tuple[str, ...] = ("campaigns",)

Progress = Callable[[str, int, int], None]


@dataclass
class SyncReport:
    uploaded: int = 0
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    rejected: int = 0
    repaired_grids: list[str] = field(default_factory=list)
    # Grids whose checksum still differed after downloading them again (told, not looped on).
    damaged_grids: list[str] = field(default_factory=list)
    new_conflicts: int = 0
    new_rejections: int = 0
    seconds: float = 0.0


class Syncer:
    def __init__(
        self,
        store: Store,
        api: Api,
        blobs: BlobFiles,
        *,
        push_batch: int = PUSH_BATCH,
        pull_limit: int = PULL_LIMIT,
        apply_chunk: int = APPLY_CHUNK,
    ):
        self.store = store
        self.api = api
        self.blobs = blobs
        self.push_batch = push_batch
        self.pull_limit = pull_limit
        self.apply_chunk = apply_chunk
        self._verified = False  # the first sync of a session recounts every grid
        self.failures = 0
        # Set by each pull: the last page's checksums, and the grids downloaded from cursor 0
        # in this sync (every row was just counted: they need no recount).
        self._last_checksums: dict[str, Any] = {}
        self._fresh: set[str] = set()
        # What the pull declares; () behaves exactly as a client of protocol version 1.
        self.extensions: tuple[str, ...] = EXTENSIONS

    # -- backoff -----------------------------------------------------------------------------

    def backoff_seconds(self) -> float:
        """How long to wait before the next automatic attempt after failures (capped)."""
        if self.failures == 0:
            return 0.0
        return float(min(600, 5 * 2 ** min(self.failures - 1, 7)))

    # -- the whole run -------------------------------------------------------------------------

    def sync(self, progress: Progress | None = None) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport()
        if self.store.get_meta("locked"):
            raise DeviceRevoked("此设备已被管理员停用，数据已锁定", code="device_revoked")
        try:
            recovery.begin_sync(self.store)
            report.uploaded = self.upload_blobs()
            self.push(report)
            acked_before_pull = self._max_acked()
            self.pull(report, progress)
            if self._server_forgot():
                # The server was restored from a backup older than our acknowledged
                # mutations: send them again rather than lose them.
                self.push(report)
                acked_before_pull = self._max_acked()
                self.pull(report, progress)
            if recovery.download_again(self.store):  # the server was restored: new epoch
                self.pull(report, progress)
            self.verify(report, progress)
            self._settle_acked(acked_before_pull)
            self.refresh_reports(report)
            audit.send_queued(self.store, self.api)  # ledger exports and imports done here
        except DeviceRevoked as exc:
            if exc.wipe:  # noted first: the session's owner deletes the data (client.wipe)
                wipe.order_received(self.store.path.parent)
            with self.store.write() as conn:
                self.store.set_meta(conn, "locked", True)
                self.store.set_meta(conn, "token", None)
            raise
        except (Offline, ServerError):
            self.failures += 1
            raise
        self.failures = 0
        with self.store.write() as conn:
            self.store.set_meta(conn, "last_sync_at", format_time(self.store.clock()))
        pruning.prune(self.store)  # acknowledged entries no longer needed (store.pruning)
        self.store.keep_backup()  # a rolling copy of the database and of the unsent outbox
        report.seconds = time.perf_counter() - started
        return report

    # -- 1. attachments ------------------------------------------------------------------------

    def upload_blobs(self) -> int:
        with self.store.read() as conn:
            queued = list(
                conn.execute(
                    select(BlobQueue.sha256, BlobQueue.media_type).where(
                        BlobQueue.uploaded.is_(False)
                    )
                )
            )
        for sha256, media_type in queued:
            self.api.put_blob(sha256, self.blobs.read(sha256), media_type)
            with self.store.write() as conn:
                conn.execute(
                    update(BlobQueue).where(BlobQueue.sha256 == sha256).values(uploaded=True)
                )
        return len(queued)

    # -- 2. push -------------------------------------------------------------------------------

    def push(self, report: SyncReport) -> None:
        device_id = self.store.get_meta("device_id")
        # What was saved up to now: edits made while this push runs go with the next sync,
        # or a user saving faster than a round trip would keep the sync pushing for ever.
        with self.store.read() as conn:
            until = conn.execute(select(func.coalesce(func.max(Outbox.seq), 0))).scalar_one()
        # After the first batch, the next ones are read along the seq index from where the
        # last began (nothing before it is pending any more): finding every pending mutation
        # and sorting them for each batch made a large upload quadratic (61,000: 122 batches).
        after: int | None = None
        while True:
            pending = (
                Outbox.status == "pending"
                if after is None
                else and_(literal_column("+outbox.status") == "pending", Outbox.seq > after)
            )
            with self.store.read() as conn:
                batch = list(
                    conn.execute(
                        select(Outbox.__table__)
                        .where(pending, Outbox.seq <= until, recovery.sendable(self.store, conn))
                        .order_by(Outbox.seq)
                        .limit(self.push_batch)
                    )
                )
            if not batch:
                return
            mutations = [_wire_mutation(m) for m in batch]
            try:
                response = self.api.push(device_id, mutations)
            except SyncError as exc:
                if exc.code != "mutation_gap":
                    raise
                self._resolve_gap(int(exc.details.get("expected", 0)), batch[0].seq)
                after = None  # mutations before this batch may be pending again
                continue
            self._record_results(response, report)
            after = batch[0].seq - 1

    def _resolve_gap(self, expected: int, first_pending: int) -> None:
        with self.store.write() as conn:
            if expected > first_pending:
                # The server applied these already; their response was lost.
                conn.execute(
                    update(Outbox)
                    .where(Outbox.status == "pending", Outbox.seq < expected)
                    .values(status="duplicate", acked_at=self.store.clock())
                )
            else:
                # The server lacks mutations it once acknowledged (restored from a backup):
                # send them again rather than lose them.
                conn.execute(
                    update(Outbox)
                    .where(Outbox.seq >= expected)
                    .values(status="pending", settled=False)
                )

    def _record_results(self, response: dict[str, Any], report: SyncReport) -> None:
        """Store each mutation's outcome (one statement for the batch); undo rejected ones."""
        now = self.store.clock()
        params = []
        rejected: list[int] = []
        for result in response["results"]:
            error = result.get("error") or {}
            params.append(
                {
                    "b_seq": result["seq"],
                    "status": result["status"],
                    "result_version": result.get("version"),
                    "error_code": error.get("code"),
                    "error_message": error.get("message"),
                    "acked_at": now,
                }
            )
            report.pushed += 1
            if result["status"] == "conflict":
                report.conflicts += 1
            elif result["status"] == "rejected":
                report.rejected += 1
                rejected.append(result["seq"])
        with self.store.write() as conn:
            if params:
                conn.execute(
                    update(Outbox)
                    .where(Outbox.seq == bindparam("b_seq"), Outbox.status == "pending")
                    .values(
                        status=bindparam("status"),
                        result_version=bindparam("result_version"),
                        error_code=bindparam("error_code"),
                        error_message=bindparam("error_message"),
                        acked_at=bindparam("acked_at"),
                    ),
                    params,
                )
            self.store.set_meta(conn, "server_last_seq", response.get("last_seq"))
            recovery.observe(self.store, conn, response)
            recovery.resend_refused(self.store, conn, response["results"])
            rebuild: list[tuple[str, str]] = []
            if rejected:
                for row in conn.execute(
                    select(Outbox.entity, Outbox.row_id, Outbox.payload).where(
                        Outbox.seq.in_(rejected)
                    )
                ):
                    rebuild.append((row.entity, row.row_id))
                    if row.entity == "issue_updates" and isinstance(row.payload, dict):
                        rebuild.append(("issues", row.payload.get("issue_id", "")))
            for entity, row_id in rebuild:
                rowlib.rebuild(conn, entity, row_id, self.store.user)

    def _server_forgot(self) -> bool:
        """Whether the server's last_seq for this device is behind what it acknowledged."""
        server_last = self.store.get_meta("server_last_seq")
        if server_last is None or server_last >= self._max_acked():
            return False
        with self.store.write() as conn:
            conn.execute(
                update(Outbox)
                .where(Outbox.seq > server_last, Outbox.status != "pending")
                .values(
                    status="pending",
                    settled=False,
                    result_version=None,
                    error_code=None,
                    error_message=None,
                    acked_at=None,
                )
            )
        log.warning(
            "the server lost acknowledged mutations after seq %s: sending them again", server_last
        )
        return True

    def _max_acked(self) -> int:
        with self.store.read() as conn:
            return int(
                conn.execute(
                    select(func.coalesce(func.max(Outbox.seq), 0)).where(Outbox.status != "pending")
                ).scalar_one()
            )

    def _settle_acked(self, up_to: int) -> None:
        """After a complete pull, acknowledged mutations are part of the server's rows.

        Settled ``SETTLE_CHUNK`` at a time (each row is rebuilt: a few statements), each in a
        short transaction (after a large upload they are tens of thousands); what an
        interruption leaves is settled at the next sync.
        """
        unsettled = (Outbox.settled.is_(False), Outbox.status != "pending", Outbox.seq <= up_to)
        while True:
            with self.store.write() as conn:
                rows = list(
                    conn.execute(
                        select(Outbox.seq, Outbox.entity, Outbox.row_id, Outbox.payload)
                        .where(*unsettled)
                        .order_by(Outbox.seq)
                        .limit(SETTLE_CHUNK)
                    )
                )
                conn.execute(
                    update(Outbox).where(Outbox.seq.in_([r.seq for r in rows])).values(settled=True)
                )
                touched = {(r.entity, r.row_id) for r in rows}
                touched |= {
                    ("issues", r.payload["issue_id"]) for r in rows if r.entity == "issue_updates"
                }
                for entity, row_id in sorted(touched):
                    rowlib.rebuild(conn, entity, row_id, self.store.user)
            if len(rows) < SETTLE_CHUNK:
                return

    # -- 3. pull -------------------------------------------------------------------------------

    def pull(self, report: SyncReport, progress: Progress | None = None) -> None:
        """Pull until done. The next page is fetched while this one is applied: the server's
        cursors say where it starts, so waiting on the network overlaps writing to disk."""
        with self.store.read() as conn:
            cursors = {
                g.grid_id: g.cursor
                for g in conn.execute(select(GridState.grid_id, GridState.cursor))
            }
        # Grids downloaded from scratch need no recount: every row was just counted.
        self._fresh = {g for g, c in cursors.items() if c == 0}
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull") as fetcher:
            pending = fetcher.submit(self.api.pull, dict(cursors), self.pull_limit, self.extensions)
            while True:
                page = pending.result()
                cursors.update(page["cursors"])
                for grid_id in page.get("revoked_grids", []):
                    cursors.pop(grid_id, None)
                added = [g["id"] for g in page.get("grids", []) if g["id"] not in cursors]
                for grid_id in added:
                    cursors[grid_id] = 0
                    self._fresh.add(grid_id)
                more = page["has_more"] or bool(added)
                if more:
                    pending = fetcher.submit(
                        self.api.pull, dict(cursors), self.pull_limit, self.extensions
                    )
                self._apply_pull_page(page)
                report.pulled += len(page["changes"])
                if progress is not None:
                    progress("pull", report.pulled, 0)
                if not more:
                    self._last_checksums = page.get("checksums", {})
                    self.store.refresh_search()
                    return

    def _apply_pull_page(self, page: dict[str, Any]) -> bool:
        """Apply a page in chunks of ``apply_chunk`` changes, each chunk and its cursors in one
        short transaction (a save waits for one chunk at most). Within a grid changes come in
        version order, so after a chunk a grid's cursor is the last version of it applied;
        the last chunk takes the page's own cursors, revoked grids and grid list. An
        interrupted pull resumes after the last chunk written. True if grids were added."""
        changes = page["changes"]
        step = max(1, self.apply_chunk)
        starts = range(0, len(changes), step)
        observed = False
        index, since_checkpoint = 0, 0
        while index < len(starts) - 1:
            # One transaction runs on from chunk to chunk while nobody waits to write: a
            # save that queues ends it after the chunk in progress.
            with self.store.write() as conn:
                if not observed:
                    recovery.observe(self.store, conn, page)
                    observed = True
                cursors: dict[str, int] = {}
                with sharing(conn, self.store.user):  # counts, stale keys: once at the end
                    while index < len(starts) - 1:
                        chunk = changes[starts[index] : starts[index] + step]
                        for change in chunk:
                            cursors[change["grid_id"]] = change["version"]
                        apply_page(conn, chunk, self.store.user)
                        index += 1
                        since_checkpoint += 1
                        if self.store.writes.waiting():
                            break
                self._store_cursors(conn, cursors)
            if since_checkpoint >= CHECKPOINT_CHUNKS:
                since_checkpoint = 0
                self.store.checkpoint()  # here, not inside a save's commit
        for grid_id in page.get("revoked_grids", []):
            # Evicted in short transactions first; the grid goes with the page's last chunk.
            while not self.store_evict(grid_id):
                pass
        with self.store.write() as conn:
            if not observed:
                recovery.observe(self.store, conn, page)
            apply_page(conn, changes[starts[-1] :] if starts else [], self.store.user)
            self._store_cursors(conn, page["cursors"])
            for grid_id in page.get("revoked_grids", []):
                evict_grid(conn, grid_id)
                conn.execute(delete(GridState).where(GridState.grid_id == grid_id))
            held = set(conn.execute(select(GridState.grid_id)).scalars())
            added = False
            for grid in page.get("grids", []):
                values = {k: grid.get(k) for k in ("name", "community", "street", "district")}
                if grid["id"] in held:
                    conn.execute(
                        update(GridState).where(GridState.grid_id == grid["id"]).values(values)
                    )
                else:
                    conn.execute(
                        insert(GridState).values(
                            grid_id=grid["id"], cursor=0, row_count=0, digest="0" * 16, **values
                        )
                    )
                    added = True
            if page.get("last_seq") is not None:
                self.store.set_meta(conn, "server_last_seq", page["last_seq"])
        return added

    @staticmethod
    def _store_cursors(conn: Any, cursors: dict[str, int]) -> None:
        for grid_id, cursor in cursors.items():
            conn.execute(
                update(GridState).where(GridState.grid_id == grid_id).values(cursor=cursor)
            )

    def store_evict(self, grid_id: str) -> bool:
        """Remove up to ``apply_chunk`` of a grid's rows in one transaction; True when none
        are left to remove (rows with unsent mutations stay)."""
        with self.store.write() as conn:
            return evict_grid(conn, grid_id, limit=self.apply_chunk)

    # -- 4. checksums --------------------------------------------------------------------------

    def verify(
        self, report: SyncReport, progress: Progress | None = None, *, again: bool = True
    ) -> None:
        """Compare the checksums of the last pull with this laptop's rows.

        A grid that differs is downloaded again (keeping the outbox) once per sync; if it still
        differs it is reported in ``report.damaged_grids`` and left for the next sync, never
        downloaded in a loop. Recounts read a snapshot outside the write queue (in WAL a
        reader blocks no writer), then store the result in a short write that applies only if
        the grid's figures did not change meanwhile.
        """
        checksums: dict[str, Any] = self._last_checksums
        bad: list[str] = []
        for grid_id, server in checksums.items():
            with self.store.read() as conn:
                state = conn.execute(
                    select(GridState.row_count, GridState.digest).where(
                        GridState.grid_id == grid_id
                    )
                ).first()
                if state is None:
                    continue
                mine = (state.row_count, state.digest)
                first_look = not self._verified and grid_id not in self._fresh
                counted = first_look or mine != (server["count"], server["digest"])
                if counted:
                    mine = recount(conn, grid_id)
            if counted:
                with self.store.write() as conn:
                    conn.execute(
                        update(GridState)
                        .where(
                            GridState.grid_id == grid_id,
                            GridState.row_count == state.row_count,
                            GridState.digest == state.digest,
                        )
                        .values(row_count=mine[0], digest=mine[1])
                    )
            if mine != (server["count"], server["digest"]):
                bad.append(grid_id)
        self._verified = True
        if not bad:
            return
        if not again:
            for grid_id in bad:
                log.warning(
                    "checksum of grid %s still differs after downloading it again: "
                    "reported as damaged",
                    grid_id,
                )
            report.damaged_grids = bad
            return
        for grid_id in bad:
            log.warning("checksum mismatch in grid %s: downloading it again", grid_id)
            while not self.store_evict(grid_id):
                pass
            with self.store.write() as conn:
                conn.execute(
                    update(GridState)
                    .where(GridState.grid_id == grid_id)
                    .values(cursor=0, row_count=0, digest="0" * 16)
                )
        report.repaired_grids = bad
        self.pull(report, progress)
        self._verified = False  # recount what was downloaded again
        self.verify(report, progress, again=False)

    # -- conflicts and rejections -------------------------------------------------------------

    def refresh_reports(self, report: SyncReport) -> None:
        with self.store.read() as conn:
            settling = list(
                conn.execute(
                    select(ConflictRecord.id).where(ConflictRecord.state == "settling")
                ).scalars()
            )
            known_conflicts = set(conn.execute(select(ConflictRecord.id)).scalars())
            last_rejection = int(
                conn.execute(select(func.coalesce(func.max(RejectionRecord.id), 0))).scalar_one()
            )
        for conflict_id in settling:
            try:
                self.api.settle(conflict_id)
            except SyncError as exc:
                if exc.status != 404:
                    raise
        # Two independent reads: ask for both at once.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="reports") as pool:
            later = pool.submit(self.api.rejections, last_rejection)
            people = pool.submit(self.api.people)
            conflicts = self.api.conflicts()
            rejections = later.result()
            directory = people.result()
        report.new_conflicts = len({c["id"] for c in conflicts} - known_conflicts)
        report.new_rejections = len(rejections)
        with self.store.write() as conn:
            self.store.set_meta(conn, "people", directory)
            # Open conflicts are replaced (they get settled); rejections only ever accrue. A
            # conflict the user settled here while this ran is still "settling": it stays so
            # (told to the server at the next sync), whatever the server's list says.
            settled_here = set(
                conn.execute(
                    select(ConflictRecord.id).where(
                        ConflictRecord.state == "settling", ConflictRecord.id.not_in(settling)
                    )
                ).scalars()
            )
            conn.execute(delete(ConflictRecord).where(ConflictRecord.id.not_in(settled_here)))
            fresh = [_conflict_row(c) for c in conflicts if c["id"] not in settled_here]
            if fresh:
                conn.execute(insert(ConflictRecord), fresh)
            if rejections:
                conn.execute(
                    insert(RejectionRecord).prefix_with("OR IGNORE"),
                    [_rejection_row(r) for r in rejections],
                )
        self._send_handled()
        self._fetch_handled()

    def _send_handled(self) -> None:
        """Tells the server of the rejections marked handled here (an offline mark waits in
        the queue). A 404 (not the caller's to mark, or an older service) drops the sending and
        keeps the local mark; a 405 (an older service) leaves the queue as it is."""
        with self.store.read() as conn:
            keys = handled.handled_keys(self.store, conn)
            waiting = handled.unsent(self.store, conn)
            device = [k for k in keys if k.startswith("device:")]
            known = set(keys)
            late = [
                i
                for i in handled.server_ids(self.store, conn, device)
                if f"server:{i}" not in known
            ]
        if late:
            # marks made on this device's own entries before the server's record was fetched
            with self.store.write() as conn:
                handled.mark(self.store, conn, [f"server:{i}" for i in late], send=True)
                waiting = handled.unsent(self.store, conn)
        done: list[int] = []
        try:
            for rejection_id in waiting:
                try:
                    self.api.handle_rejection(rejection_id)
                except SyncError as exc:
                    if exc.status != 404:
                        raise
                done.append(rejection_id)
        except SyncError as exc:
            if exc.status != 405:
                raise
        finally:
            if done:
                with self.store.write() as conn:
                    handled.drop(self.store, conn, done)

    def _fetch_handled(self) -> None:
        """Asks the server which of the rejections still shown here were handled (by a
        supervisor, or on another laptop) and hides those; an older service is ignored."""
        with self.store.read() as conn:
            known = set(handled.handled_keys(self.store, conn))
            records = list(
                conn.execute(
                    select(RejectionRecord.id, RejectionRecord.seq, RejectionRecord.user_name)
                )
            )
        open_ids = [r.id for r in records if f"server:{r.id}" not in known]
        if not open_ids:
            return
        try:
            found = self.api.handled_rejections(open_ids)
        except SyncError as exc:
            if exc.status in (404, 405):
                return
            raise
        ids = {int(item["id"]) for item in found}
        if not ids:
            return
        me = self.store.user.get("display_name")
        mine = {r.seq for r in records if r.id in ids and r.user_name == me}
        with self.store.write() as conn:
            own = (
                set(
                    conn.execute(
                        select(Outbox.seq).where(Outbox.status == "rejected", Outbox.seq.in_(mine))
                    ).scalars()
                )
                if mine
                else set()
            )
            keys = [f"server:{i}" for i in sorted(ids)] + [f"device:{s}" for s in sorted(own)]
            handled.mark(self.store, conn, keys, send=False)


def _wire_mutation(m: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"seq": m.seq, "entity": m.entity, "id": m.row_id, "op": m.op}
    if m.op == "create":
        out["values"] = m.payload
    elif m.op == "update":
        out["changes"] = m.payload
    return out


def _conflict_row(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": c["id"],
        "grid_id": c["grid_id"],
        "entity": c["entity"],
        "row_id": c["row_id"],
        "field": c["field"],
        "kind": c["kind"],
        "base": c["base"],
        "theirs": c["theirs"],
        "ours": c["ours"],
        "user_name": c.get("user_name"),
        "theirs_user_name": c.get("theirs_user_name"),
        "created_at": c["created_at"],
        "state": c["state"],
    }


def _rejection_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "grid_id": r.get("grid_id"),
        "entity": r.get("entity"),
        "row_id": r.get("row_id"),
        "user_name": r.get("user_name"),
        "seq": r["seq"],
        "code": r["error"]["code"],
        "message": r["error"]["message"],
        "mutation": r["mutation"],
        "created_at": r["created_at"],
    }


__all__ = ["SyncReport", "Syncer", "dt"]
