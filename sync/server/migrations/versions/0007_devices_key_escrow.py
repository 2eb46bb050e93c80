"""a second wrap of each laptop's data key (given back at login, for a password changed elsewhere)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Made at the device's next login (sync.server.auth.complete_login); never logged.
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("key_escrow", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("key_escrow")
