"""search keys of households (names, phones, pinyin)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_keys",
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("head_name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("visit_interval_days", sa.BigInteger(), nullable=True),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("last_visit", sa.String(length=40), nullable=True),
        sa.Column("due_on", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_search_keys")),
    )
    op.create_index(op.f("ix_search_keys_due_on"), "search_keys", ["due_on"], unique=False)
    op.create_index(op.f("ix_search_keys_address"), "search_keys", ["address"], unique=False)
    op.create_table(
        "search_stale",
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_search_stale")),
    )
    # Existing households get their keys when the app next opens the store.
    op.execute("INSERT INTO search_stale (household_id) SELECT id FROM households")


def downgrade() -> None:
    op.drop_table("search_stale")
    op.drop_table("search_keys")
