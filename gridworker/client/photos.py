"""Photos on demand: an attachment another laptop uploaded is downloaded when someone looks
at it (``GET /api/v1/attachments/{sha256}``) and kept in the profile's blob folder, so it is
downloaded once and shown offline afterwards (encrypted like every attachment: ``BlobFiles``).
Qt-free; the UI runs it off the GUI thread."""

from __future__ import annotations

import hashlib

from ..store.blobs import BlobFiles
from .http import Api, SyncError


class PhotoUnavailable(SyncError):
    code = "photo_unavailable"


def fetch_photo(api: Api, blobs: BlobFiles, sha256: str) -> bytes:
    """The photo's bytes (decrypted), downloaded first when it is not on this laptop yet."""
    if blobs.has(sha256):
        return blobs.read(sha256)
    data = api.get_blob(sha256)
    if hashlib.sha256(data).hexdigest() != sha256:
        # A truncated or wrong answer is not cached: the next look tries again.
        raise PhotoUnavailable("照片下载不完整，请稍后重试", code="photo_checksum")
    blobs.add(data)
    return data
