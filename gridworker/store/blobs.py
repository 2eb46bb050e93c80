"""Attachment bytes on the laptop: content-addressed files, queued for upload.

With the profile's keys (``client.keyring``) each file is one AES-256-GCM record (the blobs
sub-key, the SHA-256 as associated data, so a file renamed to another photo's name does not
open), and its name is an HMAC of the SHA-256 rather than the SHA-256 itself: someone holding
a known photo cannot tell from the folder whether this laptop has it. Without keys (the
release before encryption) files are plain and named by their SHA-256;
``encrypt_plain_files`` converts them.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sync.files import write_atomically

from .errors import classify, raise_storage_error

if TYPE_CHECKING:
    from ..client.keyring import DataKeys

SEALED_SUFFIX = ".enc"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobFiles:
    def __init__(self, root: Path, keys: DataKeys | None = None):
        self.root = root
        self.keys = keys

    def path(self, sha256: str) -> Path:
        """The file holding the attachment (encrypted when the profile is: read it with
        ``read``, never directly)."""
        if self.keys is None:
            return self.root / sha256[:2] / sha256
        name = self.keys.blob_name(sha256)
        return self.root / name[:2] / (name + SEALED_SUFFIX)

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def add(self, data: bytes) -> str:
        """Store the bytes (once) and return their SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if not target.exists():
            self._write(target, self._seal(sha256, data))
        return sha256

    def read(self, sha256: str) -> bytes:
        """The attachment's bytes, decrypted."""
        raw = self.path(sha256).read_bytes()
        if self.keys is None:
            return raw
        from ..client.keyring import unseal

        return unseal(self.keys.blobs, raw, sha256.encode("ascii"))

    def _seal(self, sha256: str, data: bytes) -> bytes:
        if self.keys is None:
            return data
        from ..client.keyring import seal

        return seal(self.keys.blobs, data, sha256.encode("ascii"))

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        try:
            write_atomically(target, data)
        except OSError as exc:
            if classify(exc) is None:
                raise
            raise_storage_error(exc)  # a full disk or a read-only folder, in Chinese

    def encrypt_plain_files(self) -> int:
        """Encrypt the files the release before encryption kept in clear (named by their
        SHA-256), then delete them; returns how many. The encrypted copy is in place before
        the clear one goes, so an interruption loses nothing and a rerun finishes."""
        if self.keys is None or not self.root.is_dir():
            return 0
        done = 0
        for file in sorted(self.root.glob("*/*")):
            if not file.is_file() or file.suffix == SEALED_SUFFIX:
                continue
            if _SHA256.fullmatch(file.name):
                data = file.read_bytes()
                if hashlib.sha256(data).hexdigest() == file.name:
                    self.add(data)
                    done += 1
            # A clear file that is not a whole attachment (a temporary one left by a crash,
            # or a damaged one) is of no use: it goes too.
            file.unlink()
        return done
