"""Logging in online, unlocking offline, and opening a profile's store and sync engine.

After one online login the same password opens the local data without a network: the
profile keeps an Argon2 hash of it. A device the admin revoked stays locked.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update

from .client.engine import Syncer
from .client.http import Api, DeviceRevoked, Offline, SyncError
from .client.wipe import wipe_profile
from .paths import profile_dir
from .store import safety
from .store.blobs import BlobFiles
from .store.db import open_engine, restrict_to_owner
from .store.local import Store, storage_errors, utc_now
from .store.schema import GridState

_hasher = PasswordHasher()
LAST_PROFILE = "last-profile.json"


class UnlockError(SyncError):
    code = "unlock_failed"


@dataclass
class Session:
    store: Store
    api: Api
    blobs: BlobFiles
    syncer: Syncer
    profile: Path
    online: bool
    # Said once to the user after opening (a damaged database restored from its backup).
    notice: str | None = None

    @property
    def user(self) -> dict[str, Any]:
        return self.store.user

    def close(self) -> None:
        self.api.close()
        self.store.close()


def open_profile(
    profile: Path, clock: Callable[[], dt.datetime] = utc_now, ca_bundle: str | None = None
) -> Session:
    """Open a profile's data. A damaged database is restored from its backups with the unsent
    edits applied again (``store.safety``); ``Session.notice`` then says so."""
    path = profile / "gridworker.db"
    with storage_errors(path):
        profile.mkdir(parents=True, exist_ok=True)
        recovery = safety.recover(path)
        store = Store(open_engine(path), path, clock)
    if recovery.reason is not None:
        store.reapply_outbox(recovery)
    store.refresh_search()  # a pull interrupted before it finished
    server = store.get_meta("server_url", "")
    api = Api(
        server, token=store.get_meta("token"), ca_bundle=ca_bundle or store.get_meta("ca_bundle")
    )
    blobs = BlobFiles(profile / "attachments")
    return Session(
        store,
        api,
        blobs,
        Syncer(store, api, blobs),
        profile,
        online=False,
        notice=recovery.notice,
    )


def login(
    data_dir: Path,
    server_url: str,
    username: str,
    password: str,
    *,
    ca_bundle: str | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    allow_offline: bool = True,
) -> Session:
    """Log in online; when the server cannot be reached, unlock offline if this laptop can."""
    profile = profile_dir(data_dir, server_url, username)
    session = open_profile(profile, clock, ca_bundle)
    store = session.store
    if store.get_meta("locked"):
        session.close()
        raise DeviceRevoked("此设备已被管理员停用，数据已锁定", code="device_revoked")
    device_id = store.get_meta("device_id")
    if device_id is None:
        device_id = str(uuid.uuid4())
        with store.write() as conn:
            store.set_meta(conn, "device_id", device_id)
    session.api.base_url = server_url.rstrip("/")
    try:
        result = session.api.login(username, password, device_id, platform.node() or "laptop")
    except Offline:
        if allow_offline and store.get_meta("password_hash"):
            session.close()
            return unlock(data_dir, server_url, username, password, clock=clock)
        session.close()
        raise
    except DeviceRevoked as exc:
        with store.write() as conn:
            store.set_meta(conn, "locked", True)
        session.close()
        if exc.wipe:  # revoked with --wipe: the local data goes (gridworker.client.wipe)
            wipe_profile(profile)
        raise
    except SyncError:
        session.close()
        raise
    session.api.token = result["token"]
    with store.write() as conn:
        store.set_meta(conn, "server_url", server_url.rstrip("/"))
        store.set_meta(conn, "ca_bundle", ca_bundle)
        store.set_meta(conn, "username", username)
        store.set_meta(conn, "token", result["token"])
        store.set_meta(conn, "token_expires_at", result["expires_at"])
        store.set_meta(conn, "password_hash", _hasher.hash(password))
        store.set_user(conn, result["user"])
        held = set(conn.execute(select(GridState.grid_id)).scalars())
        for grid in result["grids"]:
            values = {k: grid.get(k) for k in ("name", "community", "street", "district")}
            if grid["id"] in held:
                conn.execute(
                    update(GridState).where(GridState.grid_id == grid["id"]).values(values)
                )
            else:
                conn.execute(
                    insert(GridState).values(
                        grid_id=grid["id"], cursor=0, row_count=0, digest="0" * 16, **values
                    )
                )
    restrict_to_owner(store.path)
    _remember(data_dir, server_url, username)
    session.online = True
    return session


def unlock(
    data_dir: Path,
    server_url: str,
    username: str,
    password: str,
    *,
    clock: Callable[[], dt.datetime] = utc_now,
) -> Session:
    """Open the local data with the password of the last online login, without a network."""
    profile = profile_dir(data_dir, server_url, username)
    if not (profile / "gridworker.db").exists():
        raise UnlockError("此电脑上还没有该用户的数据，请先联网登录一次")
    session = open_profile(profile, clock)
    store = session.store
    if store.get_meta("locked"):
        session.close()
        raise DeviceRevoked("此设备已被管理员停用，数据已锁定", code="device_revoked")
    stored = store.get_meta("password_hash")
    try:
        ok = bool(stored) and _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        session.close()
        raise UnlockError("密码错误")
    _remember(data_dir, server_url, username)
    return session


def _remember(data_dir: Path, server_url: str, username: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / LAST_PROFILE).write_text(
        json.dumps({"server_url": server_url.rstrip("/"), "username": username}), encoding="utf-8"
    )


def last_profile(data_dir: Path) -> tuple[str, str] | None:
    try:
        data = json.loads((data_dir / LAST_PROFILE).read_text(encoding="utf-8"))
        return str(data["server_url"]), str(data["username"])
    except (OSError, ValueError, KeyError):
        return None


def open_last(data_dir: Path, clock: Callable[[], dt.datetime] = utc_now) -> Session:
    """The profile of the last login, with its saved token (for the command line)."""
    last = last_profile(data_dir)
    if last is None:
        raise UnlockError("尚未登录：请先运行 gridworker login")
    return open_profile(profile_dir(data_dir, *last), clock)
