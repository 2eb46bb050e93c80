"""The database epoch: a random id kept in the database itself.

A restore from a backup gives the database a new epoch (``gridsync restore``), and every push
and pull answer carries it, so a laptop learns that the server forgot what happened after the
backup: versions handed out again for other content, mutations it had acknowledged. The first
migration that knows the epoch creates one; a database that lost it (emptied tables) gets a new
one on first use.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from .db import write_tx
from .models import DatabaseEpoch
from .settings import utc_now

ROW_ID = 1


def new_epoch() -> str:
    return uuid.uuid4().hex


def read_epoch(conn: Connection) -> str | None:
    value = conn.execute(
        select(DatabaseEpoch.epoch).where(DatabaseEpoch.id == ROW_ID)
    ).scalar_one_or_none()
    return None if value is None else str(value)


def current_epoch(engine: Engine, conn: Connection | None = None) -> str:
    """The epoch, read in ``conn`` when given; created (in a transaction of its own) if absent."""
    if conn is not None:
        found = read_epoch(conn)
        if found is not None:
            return found
    with engine.connect() as own:
        found = read_epoch(own)
        own.rollback()
    if found is not None:
        return found
    try:
        with write_tx(engine) as tx:
            found = read_epoch(tx)
            if found is None:
                found = new_epoch()
                tx.execute(
                    insert(DatabaseEpoch).values(id=ROW_ID, epoch=found, created_at=utc_now())
                )
        return found
    except IntegrityError:  # another request created it first
        with engine.connect() as own:
            value = read_epoch(own)
        assert value is not None
        return value


def replace_epoch(conn: Connection) -> str:
    """Give the database a new epoch (after a restore); the new value."""
    epoch = new_epoch()
    conn.execute(delete(DatabaseEpoch))
    conn.execute(insert(DatabaseEpoch).values(id=ROW_ID, epoch=epoch, created_at=utc_now()))
    return epoch
