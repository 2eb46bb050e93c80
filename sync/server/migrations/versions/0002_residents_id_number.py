"""an index on residents' ID numbers (ledger imports look them up across every grid)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_residents_id_number", "residents", ["id_number"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_residents_id_number", table_name="residents")
