"""SQLAlchemy tables of the replicated entities, built from the shared field definitions.

The server and the desktop client both build their entity tables here, so a field is declared
once (``sync.protocol.entities``) and has the same column type on both sides. Each side adds
its own bookkeeping columns through ``extra``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

from sync.protocol.entities import ENTITIES, NOTE_MAX, Field, Kind

UUID_LEN = 36

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on both backends (SQLite keeps no zone: stored naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def column_for(field: Field) -> Column[Any]:
    kind = field.kind
    type_: Any
    if kind in (Kind.TEXT, Kind.GRID, Kind.CODE, Kind.OPEN_CODE, Kind.PHONE):
        length = {Kind.GRID: 64, Kind.CODE: 32, Kind.OPEN_CODE: 64, Kind.PHONE: 20}.get(kind)
        type_ = String(length or field.max_length)
    elif kind is Kind.NOTE:
        type_ = Text() if field.max_length >= NOTE_MAX else String(field.max_length)
    elif kind in (Kind.TAGS, Kind.UUIDS, Kind.JSON):
        type_ = JSON()
    elif kind is Kind.UUID:
        type_ = String(UUID_LEN)
    elif kind is Kind.DATE:
        type_ = String(10)
    elif kind is Kind.TIME:
        type_ = String(40)
    elif kind is Kind.INT:
        type_ = BigInteger()
    elif kind is Kind.BOOL:
        type_ = Boolean()
    elif kind is Kind.ID_NUMBER:
        type_ = String(18)
    elif kind is Kind.SHA256:
        type_ = String(64)
    else:  # pragma: no cover - a new Kind must choose its column type
        raise AssertionError(kind)
    return Column(field.name, type_, nullable=not field.required)


def build_entity_tables(
    metadata: MetaData,
    extra: Callable[[str], list[Any]],
    *,
    server: bool = True,
    skip_indexes: frozenset[str] = frozenset(),
) -> dict[str, Table]:
    """One table per entity: id, the entity's fields, the envelope, and ``extra(name)``.

    ``grid_id`` is left to ``extra``: the server and the client keep it differently. On the
    client a row created offline has no ``updated_at`` until the server gives it one.
    """
    tables = {}
    for name, entity in ENTITIES.items():
        columns: list[Any] = [Column("id", String(UUID_LEN), primary_key=True)]
        columns += [column_for(f) for f in entity.fields.values() if f.name != "grid_id"]
        columns += [
            Column("version", BigInteger, nullable=False),
            Column("deleted", Boolean, nullable=False, default=False),
            Column("updated_at", String(40), nullable=not server),
            Column("updated_by", String(UUID_LEN), nullable=True),
        ]
        if (
            entity.parent_field
            and entity.parent_field != "owner_id"
            and f"ix_{name}_{entity.parent_field}" not in skip_indexes
        ):
            columns.append(Index(f"ix_{name}_{entity.parent_field}", entity.parent_field))
        if name == "attachments":
            columns.append(Index(f"ix_{name}_owner_id", "owner_id"))
            columns.append(Index(f"ix_{name}_sha256", "sha256"))
        columns += extra(name)
        tables[name] = Table(name, metadata, *columns)
    return tables
