"""What the laptop keeps of acknowledged changes, and for how long (PROTOCOL.md 1.1).

The outbox keeps every mutation after it is sent, with its outcome and its values. Unsent
entries are never touched here. An acknowledged one is still needed:

- until it is settled (pulled back): rows are rebased on it (``rows.outstanding``);
- for ``OUTBOX_RETENTION`` after its acknowledgement: a server restored from a backup asks
  for the mutations it forgot again, and the recovery sends them from here
  (``client.recovery``, docs/protocol-extensions/epoch.md). The service's backups must be
  younger than this: a mutation pruned here cannot be sent again;
- a refused one while it is shown as refused (until marked handled, 已处理).

After that it is removed (``prune``, at the end of every successful sync). A delete entry
carries no values (``Store.delete``); the create and updates of a row deleted since keep
theirs for the retention period: a server restored from a backup taken before them needs
them whole (a create sent again without its name is refused, and the row would be missing
where every laptop holds its tombstone).

Refused and conflicting values kept as copies of the server's lists are cleared after
``HANDLED_RETENTION`` (``handled.purge_handled``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, or_, select

from . import handled
from .local import Store
from .schema import Outbox

# How long acknowledged mutations stay for a server restored from a backup to ask again.
OUTBOX_RETENTION = dt.timedelta(days=30)
# How long refused and conflicting values stay after being handled.
HANDLED_RETENTION = dt.timedelta(days=30)
# Acknowledged outcomes whose entry is no longer needed once settled and old enough.
_DONE = ("applied", "duplicate", "conflict", "resent")
_BATCH = 500


@dataclass
class Pruned:
    removed: int = 0
    cleared: int = 0  # refused values of the server's list, handled long enough ago


def prune(
    store: Store,
    retention: dt.timedelta = OUTBOX_RETENTION,
    handled_retention: dt.timedelta = HANDLED_RETENTION,
) -> Pruned:
    """Remove acknowledged entries past the retention, clear old handled refusals' values;
    in short transactions (a save waits for one batch at most)."""
    now = store.clock()
    done = Pruned()
    with store.read() as conn:
        shown = handled_seqs(store, conn)
    cutoff = now - retention
    last = 0
    while True:
        with store.write() as conn:
            seqs = list(
                conn.execute(
                    select(Outbox.seq, Outbox.status)
                    .where(
                        Outbox.seq > last,
                        Outbox.settled.is_(True),
                        Outbox.acked_at < cutoff,
                        or_(Outbox.status.in_(_DONE), Outbox.status == "rejected"),
                    )
                    .order_by(Outbox.seq)
                    .limit(_BATCH)
                )
            )
            # A refused one stays while it is shown (not marked handled).
            gone = [s.seq for s in seqs if s.status != "rejected" or s.seq in shown]
            if gone:
                conn.execute(delete(Outbox).where(Outbox.seq.in_(gone)))
        done.removed += len(gone)
        if len(seqs) < _BATCH:
            break
        last = seqs[-1].seq
    with store.write() as conn:
        done.cleared = handled.purge_handled(store, conn, now - handled_retention)
    return done


def handled_seqs(store: Store, conn: Connection) -> set[int]:
    """Seqs of this laptop's refused mutations marked handled (no longer shown)."""
    out = set()
    for key in handled.handled_keys(store, conn):
        kind, _, value = str(key).partition(":")
        if kind == "device" and value.isdigit():
            out.add(int(value))
    return out
