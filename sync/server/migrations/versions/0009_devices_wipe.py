"""a revoked device told to wipe its local data at its next contact

``wipe_requested_at``: when ``gridsync revoke-device --wipe`` asked for it (NULL: a plain
revoke, the laptop locks but keeps its data). ``wipe_delivered_at``: when the order first
reached the laptop (its next request or login), also written to the audit trail.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("wipe_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("wipe_delivered_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("wipe_delivered_at")
        batch.drop_column("wipe_requested_at")
