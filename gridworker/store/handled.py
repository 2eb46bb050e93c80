"""Refused changes marked handled (已处理): the keys hidden from the list, and the marks made
on this laptop that the server has not been told of yet (sent at the next sync)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from .local import Store
from .schema import RejectionRecord

HANDLED_KEY = "handled_rejections"  # keys of the list ("device:SEQ", "server:ID")
UNSENT_KEY = "handled_rejections_unsent"  # server ids marked here, not yet told to the server


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
