"""Where the client keeps its data (platformdirs; ``--data-dir`` overrides)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import platformdirs

APP_NAME = "Gridworker"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def profile_dir(data_dir: Path, server_url: str, username: str) -> Path:
    """One folder per (server, user): a device is one installation used by one user."""
    key = f"{server_url.rstrip('/').lower()}\n{username}".encode()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in username)[:40]
    return data_dir / "profiles" / f"{safe}-{hashlib.sha256(key).hexdigest()[:12]}"
