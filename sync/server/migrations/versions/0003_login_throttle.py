"""login throttling by source address as well as by username

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(sa.Column("source", sa.String(length=64), nullable=True))
    op.create_index("ix_login_failures_source_failed_at", "login_failures", ["source", "failed_at"])
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_failed_at", table_name="login_failures")
    op.drop_index("ix_login_failures_source_failed_at", table_name="login_failures")
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_column("source")
