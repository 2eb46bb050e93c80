"""campaigns (平急转换 sweeps and surveys): campaign rows per grid, responses, extension sums

The campaigns extension (docs/protocol.md): ``campaigns`` holds one row per campaign and
grid, ``campaign_responses`` the append-only responses of households, and
``extension_sums`` each grid's live-row count and digest over those rows, kept apart from the
grid's own so that a client without the extension receives checksums of what it receives.
Nothing existing changes: a database upgraded to 0011 serves version 1 clients as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _envelope(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=f"fk_{table}_grid_id_grids"),
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
        *_envelope("campaigns"),
    )
    op.create_index("ix_campaigns_grid_id_version", "campaigns", ["grid_id", "version"])
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
        *_envelope("campaign_responses"),
    )
    op.create_index(
        "ix_campaign_responses_grid_id_version", "campaign_responses", ["grid_id", "version"]
    )
    op.create_index("ix_campaign_responses_household_id", "campaign_responses", ["household_id"])
    op.create_index("ix_campaign_responses_campaign_id", "campaign_responses", ["campaign_id"])
    op.create_table(
        "extension_sums",
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("extension", sa.String(length=32), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name="fk_extension_sums_grid_id_grids"),
        sa.PrimaryKeyConstraint("grid_id", "extension", name="pk_extension_sums"),
    )


def downgrade() -> None:
    op.drop_table("extension_sums")
    op.drop_table("campaign_responses")
    op.drop_table("campaigns")
