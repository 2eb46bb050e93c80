"""Attachment bytes on the laptop: content-addressed files, queued for upload."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from .errors import classify, raise_storage_error


class BlobFiles:
    def __init__(self, root: Path):
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def add(self, data: bytes) -> str:
        """Store the bytes (once) and return their SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if not target.exists():
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".add-")
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(data)
                    os.replace(tmp, target)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
            except OSError as exc:
                if classify(exc) is None:
                    raise
                raise_storage_error(exc)  # a full disk or a read-only folder, in Chinese
        return sha256

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()
