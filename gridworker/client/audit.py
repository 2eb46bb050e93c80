"""Ledger exports and imports done on this laptop, reported to the service's audit trail.

The 台账 menu works on the laptop's own copy, often offline, so the service cannot see it
happen. Each export or import queues an event in the profile's meta (``queue_event``); the
sync engine sends the queue at the end of a sync (``send_queued``), and the service records
each event once (by its id), so a report that is cut off is simply sent again.

An event holds no personal data: the action, when, the grid, how many rows, and a detail of
fixed keys (ledger entity, file format, period, counts), never a file name or a value.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection

from sync.protocol.values import format_time

from ..store.local import Store
from .http import Api, AuthRequired, DeviceRevoked, Offline, ServerError, SyncError

log = logging.getLogger(__name__)

QUEUE_KEY = "audit_queue"
# Bounded: a laptop that never syncs again keeps the latest events, not an ever-growing list.
MAX_QUEUED = 1000
BATCH = 100  # the service takes at most this many events per report


def queue_event(
    store: Store,
    action: str,
    *,
    grid_id: str | None,
    rows: int,
    detail: Mapping[str, Any] | None = None,
    conn: Connection | None = None,
) -> None:
    """Queue ``action`` (``ledger_export`` or ``ledger_import``) for the next sync; inside
    ``conn``'s transaction when given (an import is queued with the rows it creates)."""
    event = {
        "id": str(uuid.uuid4()),
        "action": action,
        "at": format_time(store.clock()),
        "grid_id": grid_id,
        "rows": rows,
        # Dates as YYYY-MM-DD, counts as numbers (the meta is JSON).
        "detail": {
            k: v if isinstance(v, int | str) else str(v)
            for k, v in (detail or {}).items()
            if v is not None
        },
    }
    if conn is None:
        with store.write() as own:
            _append(store, own, event)
    else:
        _append(store, conn, event)


def _append(store: Store, conn: Connection, event: dict[str, Any]) -> None:
    queue = list(store.get_meta(QUEUE_KEY, None, conn) or [])
    queue.append(event)
    store.set_meta(conn, QUEUE_KEY, queue[-MAX_QUEUED:])


def queued(store: Store) -> list[dict[str, Any]]:
    return list(store.get_meta(QUEUE_KEY) or [])


def _forget(store: Store, ids: Iterable[str]) -> None:
    done = set(ids)
    with store.write() as conn:
        queue = store.get_meta(QUEUE_KEY, None, conn) or []
        store.set_meta(conn, QUEUE_KEY, [e for e in queue if e.get("id") not in done])


def send_queued(store: Store, api: Api) -> int:
    """Report the queued events; returns how many the service now holds.

    Connection and authentication errors end the sync as any other step's would. Events the
    service refuses as invalid are dropped (logged), so that they cannot hold back the ones
    after them; any other refusal keeps the queue for the next sync."""
    queue = queued(store)
    sent = 0
    while queue:
        batch = queue[:BATCH]
        try:
            response = api.request("POST", "/audit", body={"events": batch})
        except (Offline, AuthRequired, DeviceRevoked, ServerError):
            raise
        except SyncError as exc:
            if exc.status != 422:
                log.warning("audit report refused (%s): kept for the next sync", exc.code)
                return sent
            bad = _refused(exc, batch)
            log.warning("audit report: %d invalid events dropped (%s)", len(bad), exc.code)
            _forget(store, bad)
            queue = [e for e in queue if e.get("id") not in bad]
            continue
        accepted = [str(i) for i in response.json().get("accepted", [])]
        _forget(store, accepted)
        sent += len(accepted)
        queue = queue[len(batch) :]
    return sent


def _refused(exc: SyncError, batch: list[dict[str, Any]]) -> set[str]:
    """The ids of the events a 422 names (``events.3.detail``), else of the whole batch."""
    named = set()
    for where in (exc.details or {}).get("fields", []):
        parts = str(where).split(".")
        if len(parts) > 1 and parts[0] == "events" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(batch):
                named.add(str(batch[index].get("id")))
    return named or {str(e.get("id")) for e in batch}
