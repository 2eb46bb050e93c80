"""After the service's database was restored from a backup: nothing saved here is lost.

The service gives its database a new random *epoch* when it is restored, and every push and
pull answer carries it (docs/protocol-extensions/epoch.md). The last epoch seen is kept in the
store's meta. An answer with another epoch than the one kept starts a recovery:

1. Mutations the server forgot (seq above its ``last_seq`` for this device) are sent again: the
   sync engine's gap and ``last_seq`` checks already do that.
2. The restored server may lack the parent of such a mutation because another laptop has not
   sent it again yet (a visit of a household created elsewhere after the backup). While the
   recovery lasts, a mutation refused ``parent_not_found`` or ``not_found`` is not dropped: it
   is sent again as a new mutation (a new seq, same content) at the next sync, and so on until
   the server takes it or the recovery ends (``MAX_ROUNDS`` syncs that sent such copies, or
   ``MAX_AGE``; syncs that fail offline do not count); after that a refusal is shown like any
   other. So laptops may send again in any order.
3. Every grid is downloaded again from cursor 0, keeping the outbox (as after a checksum
   mismatch): the restored server hands out again version numbers this laptop has already
   seen, for other content, which neither cursors nor checksums can notice.

Attachment files are not uploaded again: a restore keeps the service's attachment files and
adds back those of the backup (sync.server.backup). The server's list of refused changes is fetched again whole: the restored database hands out its
ids again, so the laptop's copy (fetched "after the highest id it has") is dropped, with the
已处理 marks of its entries (marks of this laptop's own refusals stay). So are the conflicts
kept here, those being settled too: a conflict id may now name another conflict, which must
not be settled by mistake (a conflict the restored server still has is listed open again).

The state lives in the meta key ``recovery``: the epoch, when it began (laptop clock: a local
timer, ordering nothing), the syncs that made copies, whether the download is still due, and
``hold_from``: the first seq of the copies made during the current sync, which wait for the
next one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, insert, select, true, update

from sync.protocol.values import format_time, parse_time

from ..store.local import Store
from ..store.replica import evict_grid
from ..store.schema import ConflictRecord, GridState, Outbox, RejectionRecord

log = logging.getLogger(__name__)

EPOCH_KEY = "server_epoch"
STATE_KEY = "recovery"
# Refusals that mean "the server does not have it (yet)": another laptop may still send it.
RETRY_CODES = frozenset({"parent_not_found", "not_found"})
# Status of a refused mutation that was sent again as a new one (neither pending nor refused).
RESENT = "resent"
MAX_ROUNDS = 48
MAX_AGE = dt.timedelta(days=3)


def observe(store: Store, conn: Connection, answer: dict[str, Any]) -> bool:
    """Keep the epoch of a push or pull answer (in the transaction storing the answer);
    True when it differs from the one kept, which starts a recovery."""
    epoch = answer.get("epoch")
    if not isinstance(epoch, str) or not epoch:
        return False  # a service without the extension
    known = store.get_meta(EPOCH_KEY, None, conn)
    if known == epoch:
        return False
    store.set_meta(conn, EPOCH_KEY, epoch)
    if known is None:
        return False  # the first answer this profile sees
    log.warning("the server's database was restored from a backup: recovering")
    store.set_meta(
        conn,
        STATE_KEY,
        {
            "epoch": epoch,
            "started_at": format_time(store.clock()),
            "rounds": 0,
            "download": True,
            "hold_from": None,
        },
    )
    conn.execute(delete(RejectionRecord))
    conn.execute(delete(ConflictRecord))
    handled = store.get_meta("handled_rejections", [], conn) or []
    kept = [key for key in handled if not str(key).startswith("server:")]
    if kept != handled:
        store.set_meta(conn, "handled_rejections", kept)
    # Marks not sent yet name the forgotten database's rejection ids: they are not sent.
    store.set_meta(conn, "handled_rejections_unsent", [])
    return True


def _state(store: Store, conn: Connection | None = None) -> dict[str, Any] | None:
    state = store.get_meta(STATE_KEY, None, conn)
    return dict(state) if isinstance(state, dict) else None


def active(store: Store, conn: Connection | None = None) -> bool:
    return _state(store, conn) is not None


def begin_sync(store: Store) -> None:
    """At the start of a sync: the copies made last time may go; the recovery ends when its
    bound is reached (what is refused after that is shown as refused)."""
    if not active(store):
        return
    with store.write() as conn:
        state = _state(store, conn)
        if state is None:
            return
        _hide_refusals_sent_again(store, conn)
        age = store.clock() - parse_time(state["started_at"])
        if state["rounds"] >= MAX_ROUNDS or age > MAX_AGE or age < -MAX_AGE:
            done = conn.execute(select(func.count()).where(Outbox.status == RESENT)).scalar_one()
            log.info("recovery after a restore ended (%s mutations were sent again)", done)
            store.set_meta(conn, STATE_KEY, None)
            return
        if state["hold_from"] is not None:
            state["hold_from"] = None
            store.set_meta(conn, STATE_KEY, state)


def _hide_refusals_sent_again(store: Store, conn: Connection) -> None:
    """The server lists each refusal of a mutation that was then sent again (fetched at the end
    of the sync that sent it): its copy's outcome is what counts, so the author's laptop marks
    those entries handled (已处理). A refusal for good stays shown."""
    resent = set(conn.execute(select(Outbox.seq).where(Outbox.status == RESENT)).scalars())
    if not resent:
        return
    me = store.user.get("display_name")
    keys = [
        f"server:{r.id}"
        for r in conn.execute(
            select(RejectionRecord.id, RejectionRecord.seq, RejectionRecord.user_name).where(
                RejectionRecord.code.in_(sorted(RETRY_CODES))
            )
        )
        if r.seq in resent and r.user_name == me
    ]
    handled = list(store.get_meta("handled_rejections", [], conn) or [])
    new = [key for key in keys if key not in set(handled)]
    if new:
        store.set_meta(conn, "handled_rejections", handled + new)


def sendable(store: Store, conn: Connection) -> ColumnElement[bool]:
    """Which pending mutations a push may send now: not the copies made during this sync."""
    state = _state(store, conn)
    if state is None or state.get("hold_from") is None:
        return true()
    return Outbox.seq < int(state["hold_from"])


def resend_refused(store: Store, conn: Connection, results: list[dict[str, Any]]) -> list[int]:
    """During a recovery, turn the push results refused for a missing row or parent into new
    pending mutations of the same content (in the transaction recording the results, before
    rows are rebuilt, so the local view keeps them). The seqs of the originals."""
    state = _state(store, conn)
    if state is None:
        return []
    refused = [
        r["seq"]
        for r in results
        if r.get("status") == "rejected" and (r.get("error") or {}).get("code") in RETRY_CODES
    ]
    if not refused:
        return []
    originals = list(
        conn.execute(
            select(Outbox.__table__)
            .where(Outbox.seq.in_(refused), Outbox.status == "rejected")
            .order_by(Outbox.seq)
        )
    )
    if not originals:
        return []
    seq = int(store.get_meta("next_seq", 1, conn))
    if state.get("hold_from") is None:  # the first copies of this sync
        state["hold_from"] = seq
        state["rounds"] += 1
        store.set_meta(conn, STATE_KEY, state)
    # The same numbering as Store._append; the copy keeps the original's (laptop) time.
    conn.execute(
        insert(Outbox),
        [
            {
                "seq": seq + i,
                "entity": m.entity,
                "row_id": m.row_id,
                "op": m.op,
                "payload": m.payload,
                "created_at": m.created_at,
                "status": "pending",
                "settled": False,
            }
            for i, m in enumerate(originals)
        ],
    )
    store.set_meta(conn, "next_seq", seq + len(originals))
    conn.execute(
        update(Outbox)
        .where(Outbox.seq.in_([m.seq for m in originals]))
        .values(status=RESENT, settled=True)
    )
    log.info("%s mutations refused for a missing row will be sent again", len(originals))
    return [m.seq for m in originals]


def download_again(store: Store) -> bool:
    """Once per recovery: empty every grid (rows with unsent mutations stay) and set its cursor
    to 0, so the next pull downloads the restored server's rows. True when done now.

    One transaction a grid (a save waits for one grid at most); the flag goes last, so a laptop
    that stops halfway empties every grid again at its next sync."""
    with store.read() as conn:
        state = _state(store, conn)
        if state is None or not state.get("download"):
            return False
        grids = list(conn.execute(select(GridState.grid_id)).scalars())
    for grid_id in grids:
        with store.write() as conn:
            evict_grid(conn, grid_id)
            conn.execute(
                update(GridState)
                .where(GridState.grid_id == grid_id)
                .values(cursor=0, row_count=0, digest="0" * 16)
            )
    with store.write() as conn:
        state = _state(store, conn)
        if state is not None:
            state["download"] = False
            store.set_meta(conn, STATE_KEY, state)
    log.warning("downloading every grid again after the server's restore")
    return True
