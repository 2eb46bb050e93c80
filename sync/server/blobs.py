"""Attachment bytes: content-addressed, hash-checked, size-limited, scope-checked on read.

The bytes live in a ``BlobStorage``: files under a directory (``FileBlobStore``) or objects in
any S3-compatible store (``S3BlobStore``: AWS, MinIO, Ceph, moto…), chosen by the
``blob_store`` setting (``open_blob_store``). Both are content-addressed by SHA-256, so a put
that races another put of the same bytes is harmless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Text, cast, insert, select

from sync.files import write_atomically

from .context import ApiError, Caller
from .db import write_tx
from .models import ENTITY_TABLES, Blob, BlobHolder
from .settings import Settings

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_MEDIA_RE = re.compile(r"^[\w.+-]+/[\w.+-]+$")


class BlobStorage(ABC):
    """Where attachment bytes are kept, by their SHA-256."""

    @abstractmethod
    def has(self, sha256: str) -> bool: ...

    @abstractmethod
    def put(self, sha256: str, data: bytes) -> None: ...

    @abstractmethod
    def get(self, sha256: str) -> bytes: ...

    @abstractmethod
    def check_writable(self) -> None:
        """Raise unless a blob could be stored now (readiness)."""


class FileBlobStore(BlobStorage):
    """Files under a directory, two levels of fan-out: ``ab/abcdef…``."""

    def __init__(self, root: Path):
        self.root = root

    def check_writable(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / f".ready-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, sha256: str, data: bytes) -> None:
        # Write then rename, so a reader never sees half a file.
        write_atomically(self.path(sha256), data)

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()


# The name the file store had before S3 came (backups and tests use it).
BlobStore = FileBlobStore


class S3BlobStore(BlobStorage):
    """Objects ``{prefix}ab/abcdef…`` in a bucket of an S3-compatible store (boto3, path-style
    addressing, which every S3-compatible server understands). One PUT is atomic: a reader
    never sees half an object."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        config = Config(
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 4, "mode": "standard"},
            s3={"addressing_style": "path"},
        )
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def has(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put(self, sha256: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=data)

    def get(self, sha256: str) -> bytes:
        answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        return bytes(answer["Body"].read())

    def check_writable(self) -> None:
        probe = f"{self.prefix}.ready-{uuid.uuid4().hex}"
        self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"")
        self.client.delete_object(Bucket=self.bucket, Key=probe)


def open_blob_store(settings: Settings) -> BlobStorage:
    """The store the settings name (``blob_store``: fs or s3)."""
    if settings.blob_store == "s3":
        assert settings.s3_bucket is not None  # Settings.check
        return S3BlobStore(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint=settings.s3_endpoint,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
        )
    return FileBlobStore(settings.resolved_blob_dir())


def check_sha(sha256: str) -> str:
    sha256 = sha256.lower()
    if not _SHA_RE.match(sha256):
        raise ApiError(400, "invalid_value", "附件摘要应为 64 位十六进制 SHA-256")
    return sha256


def put_blob(
    engine: Engine,
    settings: Settings,
    store: BlobStorage,
    caller: Caller,
    sha256: str,
    data: bytes,
    media_type: str | None,
) -> bool:
    """Store the bytes; True when they were new (201), False when already present (200)."""
    sha256 = check_sha(sha256)
    if len(data) > settings.max_attachment_bytes:
        raise ApiError(
            413,
            "too_large",
            f"附件不能超过 {settings.max_attachment_bytes // (1024 * 1024)} MB",
            {"max_bytes": settings.max_attachment_bytes},
        )
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ApiError(400, "hash_mismatch", "附件内容与摘要不符")
    if media_type is not None:
        media_type = media_type.split(";")[0].strip()[:100]
        if not _MEDIA_RE.match(media_type):
            media_type = None
    with write_tx(engine) as conn:
        known = conn.execute(select(Blob.sha256).where(Blob.sha256 == sha256)).first()
        _record_holder(conn, sha256, caller.user_id, settings.clock())
        if known and store.has(sha256):
            return False
        store.put(sha256, data)
        if not known:
            conn.execute(
                insert(Blob).values(
                    sha256=sha256,
                    size=len(data),
                    media_type=media_type,
                    created_at=settings.clock(),
                    created_by=caller.user_id,
                )
            )
    return True


def _record_holder(conn: Connection, sha256: str, user_id: str, now: dt.datetime) -> None:
    """The caller sent these bytes: they may attach them (``apply``, attachments)."""
    held = conn.execute(
        select(BlobHolder.sha256).where(BlobHolder.sha256 == sha256, BlobHolder.user_id == user_id)
    ).first()
    if held is None:
        conn.execute(insert(BlobHolder).values(sha256=sha256, user_id=user_id, created_at=now))


def _response_photo_grids(conn: Connection, sha256: str) -> set[str]:
    """Grids whose live campaign responses list this photo (the campaigns extension: a
    response's ``photos``, image answers included, are SHA-256 references like attachments).
    ``sha256`` is checked hex, so the pattern holds nothing but the digest."""
    responses = ENTITY_TABLES.get("campaign_responses")
    if responses is None:
        return set()
    query = select(responses.c.grid_id).where(
        responses.c.deleted.is_(False),
        cast(responses.c.photos, Text).like(f'%"{sha256}"%'),
    )
    return set(conn.execute(query).scalars())


def get_blob(engine: Engine, store: BlobStorage, caller: Caller, sha256: str) -> tuple[bytes, str]:
    sha256 = check_sha(sha256)
    attachments = ENTITY_TABLES["attachments"]
    with engine.connect() as conn:
        query = select(attachments.c.grid_id).where(
            attachments.c.sha256 == sha256, attachments.c.deleted.is_(False)
        )
        grids = set(conn.execute(query).scalars())
        if not any(caller.holds(g) for g in grids):
            grids |= _response_photo_grids(conn, sha256)
        media = conn.execute(
            select(Blob.media_type).where(Blob.sha256 == sha256)
        ).scalar_one_or_none()
    # Same answer for "no such blob" and "not yours": existence is not disclosed.
    if not any(caller.holds(g) for g in grids) or not store.has(sha256):
        raise ApiError(404, "not_found", "附件不存在或无权查看")
    return store.get(sha256), media or "application/octet-stream"
