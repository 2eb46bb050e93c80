"""search keys: the address's natural order (2号楼 before 10号楼), stored

The list sorted addresses naturally in Python, and only up to 5,000 matches (a supervisor's
broad first keystroke kept the plain text order). The padded form is now a column the query
orders by, whatever the number of matches. Existing rows are filled here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_DIGITS = re.compile(r"\d+")


def _natural(text: str | None) -> str:
    # As gridworker.store.search.natural_key at this revision (a migration keeps its own copy).
    return _DIGITS.sub(lambda m: m.group().zfill(10), text or "")


def upgrade() -> None:
    with op.batch_alter_table("search_keys") as batch:
        batch.add_column(sa.Column("address_order", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT household_id, address FROM search_keys")).all()
    update = sa.text("UPDATE search_keys SET address_order = :o WHERE household_id = :h")
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        conn.execute(update, [{"o": _natural(r.address), "h": r.household_id} for r in chunk])


def downgrade() -> None:
    with op.batch_alter_table("search_keys") as batch:
        batch.drop_column("address_order")
