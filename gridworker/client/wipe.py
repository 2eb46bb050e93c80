"""Deleting a laptop's local data when the admin revoked it with ``--wipe``.

``gridsync revoke-device DEVICE_ID --wipe`` makes the service answer the device's next request
(or login) with 403 ``device_revoked`` and ``details.wipe`` true (docs/protocol.md, "Wiping a
revoked laptop"). The laptop then:

1. writes ``WIPE_ORDER`` into the profile folder at once (``order_received``), a file outside
   the encrypted database, so that a wipe cut short (the app killed, a file held open by an
   antivirus) is finished at the next start (``finish_pending``);
2. closes the session (its database engine and open files), then deletes ``keyring.json``
   first: the wrapped data key, without which every other file of the profile is unreadable
   (crypto-erase); then the whole profile folder (database, -wal/-shm, backups/, attachments/,
   outbox-backup.jsonl, …), retrying files Windows still holds open or marks read-only;
3. leaves a note in the data folder (``WIPED_NOTE``) so that the login screen says
   ``WIPED_MESSAGE`` until the next successful login.

A plain revoke (no ``wipe``) keeps the data, locked, as before. Qt-free; the note holds no
personal data (a time and the count of profiles wiped).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEYRING = "keyring.json"
WIPE_ORDER = "WIPE_ORDER"
WIPED_NOTE = "wiped.json"
WIPED_MESSAGE = "此设备已被管理员停用并清除了本机数据"
PROFILES = "profiles"

RETRIES = 10
RETRY_WAIT = 0.2  # seconds, doubled up to 2 s: Windows releases a closed file's handle late


class WipeIncomplete(OSError):
    """Some files could not be deleted yet; ``finish_pending`` tries again at the next start."""


def data_dir_of(profile: Path) -> Path:
    """The data folder holding ``profiles/<profile>`` (see ``gridworker.paths.profile_dir``)."""
    return profile.parent.parent if profile.parent.name == PROFILES else profile.parent


def order_received(profile: Path) -> None:
    """Note in the profile folder that the wipe was ordered (before anything is deleted)."""
    try:
        (profile / WIPE_ORDER).write_text(_now(), encoding="utf-8")
    except OSError as exc:  # the wipe itself still runs; only its resumption is lost
        log.warning("wipe order not noted in the profile: %s", type(exc).__name__)


def is_ordered(profile: Path) -> bool:
    return (profile / WIPE_ORDER).exists()


def wipe_session(session: Any, sleep: Callable[[float], None] = time.sleep) -> None:
    """Close an open session (``gridworker.session.Session``) and wipe its profile."""
    profile = Path(session.profile)
    order_received(profile)
    try:
        session.close()
    except Exception as exc:  # closing a store whose files are going anyway: keep wiping
        log.warning("closing the session before the wipe failed: %s", type(exc).__name__)
    # Closed for good: a later close (the window's teardown, a replaced session) must not
    # reconnect to a database that is gone.
    session.close = _closed
    wipe_profile(profile, sleep=sleep)


def _closed() -> None:
    """A wiped session's ``close``: nothing is left to close."""


def wipe_profile(
    profile: Path, *, retries: int = RETRIES, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Delete the profile folder, ``keyring.json`` first, and leave the login screen's note.

    The session using it must be closed first. Raises ``WipeIncomplete`` when files remain
    after the retries (``WIPE_ORDER`` stays, so the next start finishes the job)."""
    if profile.exists():
        order_received(profile)
    _retry(lambda: _unlink(profile / KEYRING), retries, sleep)
    _retry(lambda: _remove_all_but_order(profile), retries, sleep)
    _retry(lambda: _unlink(profile / WIPE_ORDER), retries, sleep)
    _retry(lambda: _rmdir(profile), retries, sleep)
    _note(data_dir_of(profile))
    log.info("local data of a revoked device wiped")


def finish_pending(data_dir: Path, sleep: Callable[[float], None] = time.sleep) -> int:
    """Finish the wipes an earlier run was ordered but could not complete; how many."""
    done = 0
    for order in sorted((data_dir / PROFILES).glob(f"*/{WIPE_ORDER}")):
        try:
            wipe_profile(order.parent, sleep=sleep)
            done += 1
        except OSError as exc:
            log.warning("an ordered wipe is still incomplete: %s", type(exc).__name__)
    return done


def notice(data_dir: Path) -> str | None:
    """The login screen's sentence while a wipe happened since the last successful login."""
    return WIPED_MESSAGE if (data_dir / WIPED_NOTE).exists() else None


def clear_notice(data_dir: Path) -> None:
    (data_dir / WIPED_NOTE).unlink(missing_ok=True)


# -- deleting, robustly -------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _note(data_dir: Path) -> None:
    path = data_dir / WIPED_NOTE
    try:
        count = int(json.loads(path.read_text(encoding="utf-8")).get("profiles", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        count = 0
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"at": _now(), "profiles": count + 1}), encoding="utf-8")


def _writable(path: Path) -> None:
    """Windows refuses to delete a read-only file; clear the flag (harmless elsewhere)."""
    with contextlib.suppress(OSError):
        os.chmod(path, stat.S_IWRITE | stat.S_IREAD)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        return
    except PermissionError:
        _writable(path)
        path.unlink(missing_ok=True)


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except FileNotFoundError:
        return


def _remove_all_but_order(profile: Path) -> None:
    if not profile.exists():
        return

    def on_error(_func: Any, path: str, _exc: Any) -> None:
        _writable(Path(path))
        if os.path.isdir(path):
            os.rmdir(path)
        else:
            os.unlink(path)

    for child in profile.iterdir():
        if child.name == WIPE_ORDER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, onerror=on_error)
        else:
            _unlink(child)


def _retry(step: Callable[[], None], retries: int, sleep: Callable[[float], None]) -> None:
    wait = RETRY_WAIT
    for attempt in range(retries):
        try:
            step()
            return
        except OSError as exc:
            if attempt == retries - 1:
                raise WipeIncomplete(
                    f"本机数据未能全部清除（{type(exc).__name__}），将在下次启动时继续"
                ) from None
            sleep(wait)
            wait = min(wait * 2, 2.0)
