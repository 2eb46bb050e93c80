"""Refused changes marked handled (已处理): the keys hidden from the list, and the marks made
on this laptop that the server has not been told of yet (sent at the next sync)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, select, update

from sync.protocol.values import format_time, parse_time

from .local import Store
from .schema import RejectionRecord

HANDLED_KEY = "handled_rejections"  # keys of the list ("device:SEQ", "server:ID")
UNSENT_KEY = "handled_rejections_unsent"  # server ids marked here, not yet told to the server
# When each key was marked (laptop clock): its values are cleared a retention period later.
MARKED_AT_KEY = "handled_rejections_at"


def handled_keys(store: Store, conn: Connection) -> list[str]:
    return list(store.get_meta(HANDLED_KEY, [], conn) or [])


def unsent(store: Store, conn: Connection) -> list[int]:
    return [int(i) for i in store.get_meta(UNSENT_KEY, [], conn) or []]


def mark(store: Store, conn: Connection, keys: Iterable[str], *, send: bool) -> None:
    """Marks ``keys`` handled; with ``send``, queues the server's rejections among them (and
    those a device key stands for) to be told to the server."""
    handled = handled_keys(store, conn)
    new = [key for key in dict.fromkeys(keys) if key not in set(handled)]
    if new:
        store.set_meta(conn, HANDLED_KEY, handled + new)
        marked = dict(store.get_meta(MARKED_AT_KEY, {}, conn) or {})
        now = format_time(store.clock())
        marked.update({key: now for key in new})
        store.set_meta(conn, MARKED_AT_KEY, marked)
    if send:
        queue(store, conn, server_ids(store, conn, keys))


def queue(store: Store, conn: Connection, ids: Iterable[int]) -> None:
    waiting = unsent(store, conn)
    added = [i for i in dict.fromkeys(ids) if i not in set(waiting)]
    if added:
        store.set_meta(conn, UNSENT_KEY, waiting + added)


def drop(store: Store, conn: Connection, ids: Iterable[int]) -> None:
    gone = set(ids)
    waiting = unsent(store, conn)
    if gone & set(waiting):
        store.set_meta(conn, UNSENT_KEY, [i for i in waiting if i not in gone])


def server_ids(store: Store, conn: Connection, keys: Iterable[str]) -> list[int]:
    """The server rejections the keys stand for: ``server:ID`` itself, and for ``device:SEQ``
    the server's record of this user's mutation SEQ once it was fetched."""
    ids: list[int] = []
    seqs: set[int] = set()
    for key in keys:
        kind, _, value = str(key).partition(":")
        if not value.isdigit():
            continue
        if kind == "server":
            ids.append(int(value))
        elif kind == "device":
            seqs.add(int(value))
    if seqs:
        me = store.user.get("display_name")
        ids += [
            r.id
            for r in conn.execute(
                select(RejectionRecord.id, RejectionRecord.user_name).where(
                    RejectionRecord.seq.in_(sorted(seqs))
                )
            )
            if r.user_name == me
        ]
    return ids


def purge_handled(store: Store, conn: Connection, cutoff: dt.datetime) -> int:
    """Clear the refused values of the server's rejections marked handled before ``cutoff``
    (the entry stays, with the names of the fields it carried); how many were cleared.
    A mark older than this record of times counts from the first purge that sees it."""
    handled = handled_keys(store, conn)
    marked = dict(store.get_meta(MARKED_AT_KEY, {}, conn) or {})
    now = format_time(store.clock())
    unknown = [key for key in handled if key not in marked]
    if unknown:
        marked.update({key: now for key in unknown})
        store.set_meta(conn, MARKED_AT_KEY, marked)
    due = [
        int(key.partition(":")[2])
        for key in handled
        if key.startswith("server:")
        and key.partition(":")[2].isdigit()
        and parse_time(marked[key]) < cutoff
    ]
    cleared = 0
    for start in range(0, len(due), 500):
        for r in conn.execute(
            select(RejectionRecord.id, RejectionRecord.mutation).where(
                RejectionRecord.id.in_(due[start : start + 500])
            )
        ):
            mutation = r.mutation if isinstance(r.mutation, dict) else {}
            if mutation.get("cleared"):
                continue
            conn.execute(
                update(RejectionRecord)
                .where(RejectionRecord.id == r.id)
                .values(mutation=cleared_mutation(mutation))
            )
            cleared += 1
    return cleared


def cleared_mutation(mutation: dict[str, object]) -> dict[str, object]:
    """A refused mutation without its values: what it was, and which fields it carried."""
    out: dict[str, object] = {k: mutation.get(k) for k in ("seq", "entity", "id", "op")}
    fields = mutation.get("values") if mutation.get("op") == "create" else mutation.get("changes")
    if isinstance(fields, dict):
        out["fields"] = sorted(str(k) for k in fields)
    out["cleared"] = True
    return out
