"""initial local store

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("owner_entity", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("base_grid", sa.String(length=64), nullable=True),
        sa.Column("base_deleted", sa.Boolean(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_owner_id", ["owner_id"], unique=False)
        batch_op.create_index("ix_attachments_sha256", ["sha256"], unique=False)

    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.Column("theirs", sa.JSON(), nullable=True),
        sa.Column("ours", sa.JSON(), nullable=True),
        sa.Column("user_name", sa.String(length=200), nullable=True),
        sa.Column("theirs_user_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    op.create_table(
        "grid_state",
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("community", sa.String(length=200), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("district", sa.String(length=200), nullable=True),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("grid_id", name=op.f("pk_grid_state")),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("building", sa.String(length=32), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("room", sa.String(length=32), nullable=True),
        sa.Column("head_name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("visit_interval_days", sa.BigInteger(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("base_grid", sa.String(length=64), nullable=True),
        sa.Column("base_deleted", sa.Boolean(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index("ix_households_grid_id", ["grid_id"], unique=False)

    op.create_table(
        "issue_updates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issue_id", sa.String(length=36), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("author_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.String(length=40), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("base_grid", sa.String(length=64), nullable=True),
        sa.Column("base_deleted", sa.Boolean(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_updates")),
    )
    with op.batch_alter_table("issue_updates", schema=None) as batch_op:
        batch_op.create_index("ix_issue_updates_issue_id", ["issue_id"], unique=False)

    op.create_table(
        "issues",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=True),
        sa.Column("subcategory", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("due_date", sa.String(length=10), nullable=True),
        sa.Column("assignee_id", sa.String(length=36), nullable=True),
        sa.Column("external_ref", sa.String(length=64), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("base_grid", sa.String(length=64), nullable=True),
        sa.Column("base_deleted", sa.Boolean(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issues")),
    )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index("ix_issues_grid_id", ["grid_id"], unique=False)
        batch_op.create_index("ix_issues_household_id", ["household_id"], unique=False)
        batch_op.create_index("ix_issues_status", ["status"], unique=False)

    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("result_version", sa.BigInteger(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("acked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_entity_row_id", ["entity", "row_id"], unique=False)
        batch_op.create_index("ix_outbox_status_settled", ["status", "settled"], unique=False)

    op.create_table(
        "rejections",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("entity", sa.String(length=64), nullable=True),
        sa.Column("row_id", sa.String(length=200), nullable=True),
        sa.Column("user_name", sa.String(length=200), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("mutation", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejections")),
    )
    op.create_table(
        "residents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("gender", sa.String(length=32), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("birth_date", sa.String(length=10), nullable=True),
        sa.Column("relation", sa.String(length=32), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("present", sa.Boolean(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("base_grid", sa.String(length=64), nullable=True),
        sa.Column("base_deleted", sa.Boolean(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index("ix_residents_household_id", ["household_id"], unique=False)

    op.create_table(
        "visits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("visited_at", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("worker_id", sa.String(length=36), nullable=True),
        sa.Column("people_met", sa.JSON(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.Boolean(), nullable=True),
        sa.Column("review_status", sa.String(length=32), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=36), nullable=True),
        sa.Column("reviewed_at", sa.String(length=40), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("base_grid", sa.String(length=64), nullable=True),
        sa.Column("base_deleted", sa.Boolean(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visits_household_id_visited_at", ["household_id", "visited_at"], unique=False
        )
        batch_op.create_index("ix_visits_review_status", ["review_status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_review_status")
        batch_op.drop_index("ix_visits_household_id_visited_at")

    op.drop_table("visits")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index("ix_residents_household_id")

    op.drop_table("residents")
    op.drop_table("rejections")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_settled")
        batch_op.drop_index("ix_outbox_entity_row_id")

    op.drop_table("outbox")
    op.drop_table("meta")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index("ix_issues_status")
        batch_op.drop_index("ix_issues_household_id")
        batch_op.drop_index("ix_issues_grid_id")

    op.drop_table("issues")
    with op.batch_alter_table("issue_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_issue_updates_issue_id")

    op.drop_table("issue_updates")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index("ix_households_grid_id")

    op.drop_table("households")
    op.drop_table("grid_state")
    op.drop_table("conflicts")
    op.drop_table("blobs")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_sha256")
        batch_op.drop_index("ix_attachments_owner_id")

    op.drop_table("attachments")
