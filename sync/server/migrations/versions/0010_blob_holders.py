"""who has proved to hold an attachment's bytes (by uploading them)

An attachment row may reference a blob only when its author uploaded those bytes (or the
blob is already attached in one of the author's grids): otherwise knowing a photo's SHA-256
would be enough to attach it in one's own grid and download it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_holders",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "user_id", name="pk_blob_holders"),
    )
    # The first uploader of each existing blob held its bytes.
    op.execute(
        "INSERT INTO blob_holders (sha256, user_id, created_at) "
        "SELECT sha256, created_by, created_at FROM blobs WHERE created_by IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("blob_holders")
