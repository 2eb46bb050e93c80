"""campaigns: the campaign rows of this laptop's grids and the responses to them

Tables of the campaigns extension (docs/protocol.md, "Extension — campaigns"), with the same
bookkeeping columns as every replicated entity. Empty until the sync engine, which now
declares the extension, pulls them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _bookkeeping(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("base_grid", sa.String(length=64), nullable=True),
        sa.Column("base_deleted", sa.Boolean(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("target_rule", sa.JSON(), nullable=True),
        sa.Column("form", sa.JSON(), nullable=True),
        sa.Column("outcomes", sa.JSON(), nullable=True),
        sa.Column("starts_at", sa.String(length=40), nullable=True),
        sa.Column("deadline", sa.String(length=40), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("published_at", sa.String(length=40), nullable=True),
        sa.Column("closed_at", sa.String(length=40), nullable=True),
        *_bookkeeping("campaigns"),
    )
    op.create_index("ix_campaigns_campaign_id", "campaigns", ["campaign_id"])
    op.create_table(
        "campaign_responses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("responded_at", sa.String(length=40), nullable=False),
        sa.Column("responder_id", sa.String(length=36), nullable=True),
        *_bookkeeping("campaign_responses"),
    )
    op.create_index("ix_campaign_responses_household_id", "campaign_responses", ["household_id"])
    op.create_index("ix_campaign_responses_campaign_id", "campaign_responses", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("campaign_responses")
    op.drop_table("campaigns")
