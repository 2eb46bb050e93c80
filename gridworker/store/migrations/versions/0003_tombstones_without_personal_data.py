"""tombstones keep no personal data (protocol 1.1)

A laptop of an older release kept every field of a deleted row, pulled or deleted here, and
of the server's copy (``base``) of a deleted row with outstanding mutations. This clears
them as the server's migration 0008 does (null, or the empty text where the column needs a
value), and the file names of attachments a deleted row owns; search keys of deleted
households go, and households with deleted residents get theirs rebuilt (the search_stale
list, done when the app next opens the store).

Kept: the ``base`` of a row whose delete has not been sent yet (a delete the server refuses
is undone from it); it goes when the delete is acknowledged and pulled back.

The columns are listed as they are at this revision. Rows are read and written ``BATCH`` ids
at a time by key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 500

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


def _blank(entity: str, name: str) -> Any:
    return "" if (entity, name) in REQUIRED else None


def _clear_base(entity: str, raw: Any) -> str | None:
    """The server's copy of a deleted row, without its personal fields."""
    if raw is None:
        return None
    base = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(base, dict):
        return None
    for name in PERSONAL[entity]:
        if name in base:
            base[name] = _blank(entity, name)
    return json.dumps(base, ensure_ascii=False)


def _pending_deletes(conn: sa.Connection, entity: str) -> set[str]:
    return set(
        conn.execute(
            sa.text(
                "SELECT row_id FROM outbox WHERE entity = :entity AND op = 'delete' "
                "AND status = 'pending'"
            ),
            {"entity": entity},
        ).scalars()
    )


def _clean(conn: sa.Connection, entity: str, where: str) -> None:
    personal = PERSONAL[entity]
    waiting = _pending_deletes(conn, entity)
    sets = ", ".join(f"{name} = :{name}" for name in personal)
    blanks = {name: _blank(entity, name) for name in personal}
    last = ""
    while True:
        rows = list(
            conn.execute(
                sa.text(
                    f"SELECT id, base, base_deleted, deleted FROM {entity} "
                    f"WHERE ({where}) AND id > :last ORDER BY id LIMIT {BATCH}"
                ),
                {"last": last},
            )
        )
        if not rows:
            return
        params = []
        for r in rows:
            base = r.base
            if r.id not in waiting and base is not None and (r.base_deleted or r.deleted):
                base = _clear_base(entity, base)
            params.append({**blanks, "b_id": r.id, "b_base": base})
        conn.execute(
            sa.text(f"UPDATE {entity} SET {sets}, base = :b_base WHERE id = :b_id"), params
        )
        last = rows[-1].id


def upgrade() -> None:
    conn = op.get_bind()
    for entity in PERSONAL:
        _clean(conn, entity, "deleted = 1")
    for owner in ("households", "residents", "visits", "issues"):
        _clean(
            conn,
            "attachments",
            f"owner_entity = '{owner}' AND owner_id IN (SELECT id FROM {owner} WHERE deleted = 1)",
        )
    conn.execute(
        sa.text(
            "DELETE FROM search_keys WHERE household_id IN "
            "(SELECT id FROM households WHERE deleted = 1)"
        )
    )
    conn.execute(
        sa.text(
            "INSERT OR IGNORE INTO search_stale (household_id) "
            "SELECT DISTINCT household_id FROM residents WHERE deleted = 1"
        )
    )


def downgrade() -> None:
    pass  # cleared values cannot come back
