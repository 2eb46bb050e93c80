"""The server's tables.

Administrative tables (grids, users, devices, tokens …) are typed ORM models. The replicated
entity tables are built from the shared field definitions in ``sync.protocol.entities`` so that
no field is declared twice; each also carries the envelope (version, deleted, updated_at,
updated_by) and ``grid_id``, the grid the server derived for it (PROTOCOL.md, "Rows").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sync.tables import NAMING_CONVENTION, UTCDateTime, build_entity_tables


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


UUID_LEN = 36


class Grid(Base):
    __tablename__ = "grids"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    community: Mapped[str | None] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(200))
    # The grid's change sequence: the last version handed out, assigned under this row's lock.
    last_version: Mapped[int] = mapped_column(BigInteger, default=0)
    # Live rows of the grid and the XOR digest over them, kept with every change (PROTOCOL.md
    # "checksums"), so that a pull need not read the whole grid.
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    digest: Mapped[str] = mapped_column(String(16), default="0" * 16)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class UserGrid(Base):
    __tablename__ = "user_grids"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    grid_id: Mapped[str] = mapped_column(ForeignKey("grids.id"), primary_key=True)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # The last mutation seq applied or consumed, updated in the same transaction as the data.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # A random secret handed back at every login: the laptop wraps its data key with it too,
    # so a password reset here still opens the laptop's data (migration 0007).
    key_escrow: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # revoke-device --wipe: the laptop deletes its local data when told (migration 0009).
    wipe_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    wipe_delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Token(Base):
    __tablename__ = "tokens"

    # SHA-256 of the bearer token: the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The client's address: failures are counted per address as well as per username.
    source: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_login_failures_username_failed_at", "username", "failed_at"),
        Index("ix_login_failures_source_failed_at", "source", "failed_at"),
        Index("ix_login_failures_failed_at", "failed_at"),
    )


class Leave(Base):
    """A row that left a grid (moved household): one version of the old grid's sequence."""

    __tablename__ = "leaves"

    grid_id: Mapped[str] = mapped_column(ForeignKey("grids.id"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[str] = mapped_column(String(UUID_LEN))


class Conflict(Base):
    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grid_id: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    field: Mapped[str] = mapped_column(String(64))
    # "field": both sides changed the field; "deleted": an update of a row deleted on the server.
    kind: Mapped[str] = mapped_column(String(16), default="field")
    base: Mapped[Any] = mapped_column(JSON, nullable=True)
    theirs: Mapped[Any] = mapped_column(JSON, nullable=True)
    ours: Mapped[Any] = mapped_column(JSON, nullable=True)
    user_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)  # whose mutation arrived
    theirs_user_id: Mapped[str | None] = mapped_column(String(UUID_LEN))  # who wrote theirs
    device_id: Mapped[str] = mapped_column(String(UUID_LEN))
    seq: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int | None] = mapped_column(BigInteger)  # the row's version after the merge
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="open")
    settled_by: Mapped[str | None] = mapped_column(String(UUID_LEN))
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Rejection(Base):
    __tablename__ = "rejections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grid_id: Mapped[str | None] = mapped_column(String(64), index=True)
    entity: Mapped[str | None] = mapped_column(String(64))
    row_id: Mapped[str | None] = mapped_column(String(200))
    device_id: Mapped[str] = mapped_column(String(UUID_LEN))
    user_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    mutation: Mapped[Any] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[str | None] = mapped_column(String(UUID_LEN))

    __table_args__ = (UniqueConstraint("device_id", "seq"),)


class Blob(Base):
    """An uploaded attachment's bytes, content-addressed; the bytes live in the blob store."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(UUID_LEN))


class BlobHolder(Base):
    """A user who uploaded a blob's bytes: proof that they hold them. An attachment row may
    reference only a blob its author holds (or one already attached in the author's grids)."""

    __tablename__ = "blob_holders"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DatabaseEpoch(Base):
    """One row: a random id a restore from a backup replaces, so that laptops notice
    (sync.server.epoch)."""

    __tablename__ = "database_epoch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    epoch: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """The audit trail (sync.server.audit): who did what, when, to which grid, user or device.

    Never personal data: the target is a grid id, a staff username or a device id."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)  # when it happened
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64), index=True)  # a username, or "cli"
    actor_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    rows: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(64))  # the client's address
    device_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    # A laptop's own id for an event it reports, so that a report sent twice counts once.
    event_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    detail: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (UniqueConstraint("device_id", "event_id"),)


class ExtensionSum(Base):
    """A grid's live-row count and digest over the rows of one protocol extension (the
    campaigns), kept apart from the grid's own so that a client without the extension gets
    checksums of the rows it receives (docs/protocol.md, "Extension — campaigns")."""

    __tablename__ = "extension_sums"

    grid_id: Mapped[str] = mapped_column(ForeignKey("grids.id"), primary_key=True)
    extension: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    digest: Mapped[str] = mapped_column(String(16), default="0" * 16)


ENTITY_TABLES: dict[str, Table] = build_entity_tables(
    Base.metadata,
    lambda name: [
        # The grid the row belongs to: its own grid_id for households and free-standing
        # issues, else derived by the server from its parent.
        Column("grid_id", String(64), ForeignKey("grids.id"), nullable=False),
        Index(f"ix_{name}_grid_id_version", "grid_id", "version"),
        # A ledger import looks its ID numbers up across every grid.
        *([Index("ix_residents_id_number", "id_number")] if name == "residents" else []),
        *(
            [Index("ix_campaign_responses_campaign_id", "campaign_id")]
            if name == "campaign_responses"
            else []
        ),
        *([Index("ix_campaigns_campaign_id", "campaign_id")] if name == "campaigns" else []),
    ],
)
