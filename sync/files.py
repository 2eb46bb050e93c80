"""Writing a file so that a reader (or a crash) never sees half of it. Shared by the laptop
(photos, the keyring, the unlock-attempts count) and the service (attachments on disk)."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomically(
    target: Path, data: bytes, *, fsync: bool = False, owner_only: bool = False
) -> None:
    """Write ``data`` under a temporary name beside ``target``, then replace ``target`` with it
    (``os.replace``: atomic on POSIX and Windows). ``fsync`` flushes it to the disk first (for
    files whose loss would lose data, such as the keyring); ``owner_only`` restricts its
    permissions where the platform has POSIX modes. The folder is created when missing; the
    temporary file never stays behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:16]}-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        if owner_only:
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
