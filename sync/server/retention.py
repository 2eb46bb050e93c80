"""How long refused and conflicting values are kept (PROTOCOL.md 1.1, "no personal data left
behind").

A rejection keeps the refused mutation and a conflict the values of both sides so that a
supervisor (or the author) can make the change again: personal data, needed only until the
entry is handled. ``purge`` clears those values once the entry was handled (a rejection's
``handled_at``, a conflict's ``settled_at``) more than ``Settings.retention_days`` ago, and
those of entries about a row that is deleted now (a tombstone keeps nothing personal, so its
refused or conflicting values should not outlive it) once the entry is that old. The entry
itself stays: its id, codes, times and who, with the names of the fields it carried.

It runs when the service starts, then every ``PURGE_EVERY`` in the background, and on
``gridsync purge``. Each pass works in batches of ``BATCH`` rows, one short transaction each.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, exists, null, or_, select, update

from sync.protocol.entities import ENTITIES

from .db import read_tx, write_tx
from .models import ENTITY_TABLES, Conflict, Rejection
from .safe_json import short_form

log = logging.getLogger(__name__)

BATCH = 500
PURGE_EVERY = dt.timedelta(hours=6)


@dataclass
class Purged:
    rejections: int = 0
    conflicts: int = 0

    @property
    def total(self) -> int:
        return self.rejections + self.conflicts


def cleared_mutation(mutation: Any) -> dict[str, Any]:
    """A stored mutation without its values: seq, entity, id, op and the field names."""
    out = short_form(mutation) if isinstance(mutation, dict) else {}
    out.pop("truncated", None)
    out["cleared"] = True
    return out


def _row_deleted(entity_column: Any, row_column: Any) -> Any:
    """SQL: the entry's row is a tombstone now."""
    return or_(
        *(
            and_(
                entity_column == name,
                exists().where(table.c.id == row_column, table.c.deleted.is_(True)),
            )
            for name, table in ENTITY_TABLES.items()
            if name in ENTITIES
        )
    )


def purge(engine: Engine, retention: dt.timedelta, now: dt.datetime) -> Purged:
    """Clear the values of entries past their retention (see the module); how many."""
    cutoff = now - retention
    done = Purged()
    # Already cleared ones match again; the JSON is checked in Python (both backends).
    rejection_due = or_(
        and_(Rejection.handled_at.is_not(None), Rejection.handled_at < cutoff),
        and_(Rejection.created_at < cutoff, _row_deleted(Rejection.entity, Rejection.row_id)),
    )
    # Found in a read (a pass with nothing to do writes nothing), cleared in a write; an
    # entry cleared twice by two instances at once is cleared all the same.
    last_id = 0
    while True:
        with read_tx(engine) as conn:
            rows = list(
                conn.execute(
                    select(Rejection.id, Rejection.mutation)
                    .where(rejection_due, Rejection.id > last_id)
                    .order_by(Rejection.id)
                    .limit(BATCH)
                )
            )
        todo = [
            (r.id, cleared_mutation(r.mutation))
            for r in rows
            if not (isinstance(r.mutation, dict) and r.mutation.get("cleared"))
        ]
        if todo:
            with write_tx(engine) as conn:
                for rejection_id, mutation in todo:
                    conn.execute(
                        update(Rejection)
                        .where(Rejection.id == rejection_id)
                        .values(mutation=mutation)
                    )
        done.rejections += len(todo)
        if len(rows) < BATCH:
            break
        last_id = rows[-1].id
    conflict_due = and_(
        or_(Conflict.base.is_not(None), Conflict.theirs.is_not(None), Conflict.ours.is_not(None)),
        or_(
            and_(Conflict.settled_at.is_not(None), Conflict.settled_at < cutoff),
            and_(Conflict.created_at < cutoff, _row_deleted(Conflict.entity, Conflict.row_id)),
        ),
    )
    while True:
        with read_tx(engine) as conn:
            ids = list(
                conn.execute(
                    select(Conflict.id).where(conflict_due).order_by(Conflict.id).limit(BATCH)
                ).scalars()
            )
        if ids:
            with write_tx(engine) as conn:
                # SQL NULL, not JSON null: what ``conflict_due`` looks for.
                conn.execute(
                    update(Conflict)
                    .where(Conflict.id.in_(ids))
                    .values(base=null(), theirs=null(), ours=null())
                )
        done.conflicts += len(ids)
        if len(ids) < BATCH:
            break
    if done.total:
        log.info(
            "retention: values of %s rejections and %s conflicts cleared",
            done.rejections,
            done.conflicts,
        )
    return done
