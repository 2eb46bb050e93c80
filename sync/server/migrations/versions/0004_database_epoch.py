"""the database epoch: a restore from a backup gets a new one, so laptops notice

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "database_epoch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_database_epoch")),
    )
    op.bulk_insert(
        table,
        [{"id": 1, "epoch": uuid.uuid4().hex, "created_at": dt.datetime.now(dt.UTC)}],
    )


def downgrade() -> None:
    op.drop_table("database_epoch")
