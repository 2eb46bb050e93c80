"""Tables of the local store.

Entity tables come from the shared builder (``sync.tables``), so their columns are the server's.
Each row holds the local view (server state with this device's outstanding mutations applied)
plus the bookkeeping that makes rebasing possible:

- ``version``: the server version the row is based on (0: created here, never pulled);
- ``base_grid`` / ``base_deleted``: the grid and tombstone flag of that server state, i.e. what
  the checksum of PROTOCOL.md counts (``base_grid`` is NULL for rows the server never sent and
  for rows kept only because they still have unsent mutations);
- ``base``: the server's row as JSON while local mutations are outstanding, else NULL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sync.tables import NAMING_CONVENTION, UTCDateTime, build_entity_tables


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _bookkeeping(name: str) -> list[Any]:
    columns: list[Any] = [
        Column("grid_id", String(64), nullable=True),
        Column("base_grid", String(64), nullable=True),
        Column("base_deleted", Boolean, nullable=False, default=False),
        Column("base", JSON, nullable=True),
    ]
    if name in ("households", "issues"):
        columns.append(Index(f"ix_{name}_grid_id", "grid_id"))
    if name == "visits":
        columns.append(Index("ix_visits_household_id_visited_at", "household_id", "visited_at"))
        columns.append(Index("ix_visits_review_status", "review_status"))
    if name == "issues":
        columns.append(Index("ix_issues_status", "status"))
    if name == "campaigns":
        columns.append(Index("ix_campaigns_campaign_id", "campaign_id"))
    if name == "campaign_responses":
        columns.append(Index("ix_campaign_responses_campaign_id", "campaign_id"))
    return columns


# Every index costs time on a first download: visits are found through the compound index.
ENTITY_TABLES = build_entity_tables(
    Base.metadata, _bookkeeping, server=False, skip_indexes=frozenset({"ix_visits_household_id"})
)


class Meta(Base):
    """Key-value facts of this profile: device id, next seq, server, user, token."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class Outbox(Base):
    """Every local mutation, numbered per device. Kept after it is sent, with its outcome."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(16))
    payload: Mapped[Any] = mapped_column(JSON)  # values (create) or changes (update)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # client clock: data only
    # pending → applied | conflict | duplicate | rejected
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Acknowledged but perhaps not yet pulled back: still re-applied when the row is rebased.
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    result_version: Mapped[int | None] = mapped_column(BigInteger)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    acked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_outbox_entity_row_id", "entity", "row_id"),
        Index("ix_outbox_status_settled", "status", "settled"),
    )


class GridState(Base):
    """A grid this user holds, and the pull cursor of its change sequence."""

    __tablename__ = "grid_state"

    grid_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    community: Mapped[str | None] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(200))
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Count and XOR digest of the synced live rows, kept with every page (PROTOCOL.md).
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    digest: Mapped[str] = mapped_column(String(16), default="0" * 16)


class ConflictRecord(Base):
    """A conflict the server recorded that concerns this user (GET /conflicts)."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    grid_id: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    base: Mapped[Any] = mapped_column(JSON, nullable=True)
    theirs: Mapped[Any] = mapped_column(JSON, nullable=True)
    ours: Mapped[Any] = mapped_column(JSON, nullable=True)
    user_name: Mapped[str | None] = mapped_column(String(200))
    theirs_user_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))
    # open → settling (settled here, not yet told to the server) → settled
    state: Mapped[str] = mapped_column(String(16), default="open")


class RejectionRecord(Base):
    """A rejected mutation of this user's grids (GET /rejections), beside the outbox's own."""

    __tablename__ = "rejections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    grid_id: Mapped[str | None] = mapped_column(String(64))
    entity: Mapped[str | None] = mapped_column(String(64))
    row_id: Mapped[str | None] = mapped_column(String(200))
    user_name: Mapped[str | None] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    mutation: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(40))


class BlobQueue(Base):
    """Attachment bytes stored locally (content-addressed) and whether the server has them."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SearchKey(Base):
    """Derived per live household: the list's columns, what it is found by (address, names,
    phones, the names' pinyin) and when it is next due for a visit. Rebuilt whenever its
    rows change, so a keystroke reads this one table."""

    __tablename__ = "search_keys"

    household_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grid_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(200), index=True)
    # The address with its digit runs padded (``natural_key``): the list's order, so that
    # 2号楼 sorts before 10号楼 in SQL however many households match.
    address_order: Mapped[str] = mapped_column(Text, server_default="")
    head_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(32))
    tags: Mapped[str] = mapped_column(Text, default="")  # " code1 code2 " for LIKE '% code %'
    visit_interval_days: Mapped[int | None] = mapped_column(BigInteger)
    keys: Mapped[str] = mapped_column(Text)
    # The last visit that counts (met in person or by phone), and the date it is due again.
    last_visit: Mapped[str | None] = mapped_column(String(40))
    due_on: Mapped[str | None] = mapped_column(String(10), index=True)


class SearchStale(Base):
    """Households whose search keys a pull has outdated: refreshed once the pull is done."""

    __tablename__ = "search_stale"

    household_id: Mapped[str] = mapped_column(String(36), primary_key=True)
