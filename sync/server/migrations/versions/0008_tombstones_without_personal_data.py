"""tombstones keep no personal data (protocol 1.1); old values of handled rejections and conflicts expire

Existing tombstones (rows with ``deleted`` true written by older releases) keep their id,
links and server-owned fields; their personal and free-text fields are cleared: null, or the
empty text where the column needs a value (an address, a name, a title), the same as
``sync.protocol.entities.tombstone``. So are the file names of attachments that a deleted
row owns. The values of handled rejections and conflicts are the service's retention purge's
(sync.server.retention), run when the service starts.

The columns are listed here as they are at this revision (a migration must not follow later
changes of the field definitions). Rows are read and written ``BATCH`` ids at a time by key,
so no statement grows with the table; the whole runs in the migration's transaction (which
holds the migration lock: see sync.server.migrate).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 1000

# Personal fields of each entity at this revision; those in REQUIRED get "" (NOT NULL).
PERSONAL = {
    "households": (
        "address",
        "building",
        "unit",
        "room",
        "head_name",
        "phone",
        "kind",
        "tags",
        "visit_interval_days",
        "notes",
    ),
    "residents": (
        "name",
        "gender",
        "id_number",
        "birth_date",
        "relation",
        "phone",
        "tags",
        "present",
        "notes",
    ),
    "visits": ("people_met", "notes", "follow_up", "review_status", "review_comment"),
    "issues": (
        "title",
        "subcategory",
        "description",
        "location",
        "priority",
        "due_date",
        "assignee_id",
        "external_ref",
    ),
    "issue_updates": ("from_status", "status", "comment", "created_at"),
    "attachments": ("filename", "media_type", "size"),
}
REQUIRED = frozenset({("households", "address"), ("residents", "name"), ("issues", "title")})
OWNERS = ("households", "residents", "visits", "issues")


def _cleared(entity: str) -> dict[str, object]:
    return {name: ("" if (entity, name) in REQUIRED else sa.null()) for name in PERSONAL[entity]}


def _table(entity: str, *extra: str) -> sa.TableClause:
    names = ("id", "deleted", *PERSONAL[entity], *extra)
    return sa.table(entity, *(sa.column(n) for n in names))


def _clean(conn: sa.Connection, table: sa.TableClause, where: sa.ColumnElement[bool]) -> int:
    """Clear the personal fields of the rows ``where`` selects, BATCH ids at a time."""
    entity = table.name
    cleared = _cleared(entity)
    done = 0
    last = ""
    while True:
        ids = list(
            conn.execute(
                sa.select(table.c.id)
                .where(where, table.c.id > last)
                .order_by(table.c.id)
                .limit(BATCH)
            ).scalars()
        )
        if not ids:
            return done
        conn.execute(sa.update(table).where(table.c.id.in_(ids)).values(cleared))
        done += len(ids)
        last = ids[-1]


def upgrade() -> None:
    conn = op.get_bind()
    for entity in PERSONAL:
        table = _table(entity)
        _clean(conn, table, table.c.deleted == sa.true())
    # Attachments of a deleted row: their file names say whose photo it was.
    attachments = _table("attachments", "owner_entity", "owner_id")
    for owner in OWNERS:
        owners = sa.table(owner, sa.column("id"), sa.column("deleted"))
        _clean(
            conn,
            attachments,
            sa.and_(
                attachments.c.owner_entity == owner,
                sa.exists().where(
                    owners.c.id == attachments.c.owner_id, owners.c.deleted == sa.true()
                ),
            ),
        )


def downgrade() -> None:
    pass  # cleared values cannot come back
