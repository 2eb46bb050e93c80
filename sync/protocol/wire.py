"""Constants of the wire protocol and the helpers both sides compute identically."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterable

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = (1, 1)
PROTOCOL_HEADER = "Gridworker-Protocol"
API_PREFIX = "/api/v1"

MAX_BATCH = 1000
MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_PULL_LIMIT = 1000
MAX_PULL_LIMIT = 5000
FUTURE_TOLERANCE_SECONDS = 600

OPS = ("create", "update", "delete")
PUSH_STATUSES = ("applied", "conflict", "duplicate", "rejected")


def row_hash(entity: str, row_id: str, version: int) -> int:
    """The first 8 bytes of ``sha256("{entity}:{id}:{version}")`` as an integer."""
    digest = hashlib.sha256(f"{entity}:{row_id}:{version}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def grid_digest(rows: Iterable[tuple[str, str, int]]) -> tuple[int, str]:
    """``(count, digest)`` over ``(entity, id, version)`` of a grid's live rows (PROTOCOL.md)."""
    count = 0
    acc = 0
    for entity, row_id, version in rows:
        count += 1
        acc ^= row_hash(entity, row_id, version)
    return count, format_digest(acc)


def format_digest(value: int) -> str:
    return f"{value:016x}"


def uuid7() -> str:
    """A time-ordered UUID (RFC 9562 version 7) as canonical text."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
