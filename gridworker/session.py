"""Logging in online, unlocking offline, and opening a profile's store and sync engine.

Everything a profile keeps is encrypted with its data key (``client.keyring``): the password
opens it offline; an online login the server accepted opens it even after the password was
reset elsewhere (the device's key escrow) and re-wraps it with the new password. A profile of
the release before encryption is converted at its next login or unlock with the right
password (``_encrypt_profile``). The database also keeps an Argon2 hash of the current
password (``password_hash``) for the idle lock. A device the admin revoked stays locked.
Wrong passwords offline slow down (``client.attempts``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update

from .client import keyring
from .client.attempts import Attempts, wait_message
from .client.engine import Syncer
from .client.http import Api, DeviceRevoked, Offline, SyncError
from .client.keyring import DataKeys, Keyring, KeyringError
from .client.wipe import wipe_profile
from .paths import profile_dir
from .store import safety
from .store.blobs import BlobFiles
from .store.db import encrypt_in_place, is_plain, open_engine, restrict_to_owner
from .store.local import Store, storage_errors, utc_now
from .store.schema import GridState

_hasher = PasswordHasher()
LAST_PROFILE = "last-profile.json"
DATABASE = "gridworker.db"
# The command line reads the password from here when set (scripts), else asks for it.
PASSWORD_ENV = "GRIDWORKER_PASSWORD"


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
    profile: Path,
    clock: Callable[[], dt.datetime] = utc_now,
    ca_bundle: str | None = None,
    *,
    keys: DataKeys | None = None,
) -> Session:
    """Open a profile's data with its keys (given, or those this process already unlocked it
    with). A damaged database is restored from its backups with the unsent edits applied
    again (``store.safety``); ``Session.notice`` then says so. Files left in clear by the
    release before encryption are encrypted first.

    Without keys only a profile that has no keyring opens (in clear: the release before
    encryption, as tools and tests of old profiles use it); ``login``/``unlock`` give keys.
    """
    keys = keys if keys is not None else keyring.remembered(profile)
    if keys is None and (profile / keyring.FILE_NAME).exists():
        raise UnlockError("请输入密码以打开本机数据", code="password_required")
    path = profile / DATABASE
    with storage_errors(path):
        profile.mkdir(parents=True, exist_ok=True)
        if keys is not None:
            keyring.remember(profile, keys)  # the backups and the outbox copy find them
        recovery = safety.recover(path)
        if keys is not None:
            _encrypt_profile(profile, keys)
        store = Store(open_engine(path, keys=keys), path, clock)
    if recovery.reason is not None:
        store.reapply_outbox(recovery)
    store.refresh_search()  # a pull interrupted before it finished
    server = store.get_meta("server_url", "")
    api = Api(
        server, token=store.get_meta("token"), ca_bundle=ca_bundle or store.get_meta("ca_bundle")
    )
    blobs = BlobFiles(profile / "attachments", keys)
    if keys is not None:
        with storage_errors(path):
            blobs.encrypt_plain_files()  # photos of the release before encryption
    return Session(
        store,
        api,
        blobs,
        Syncer(store, api, blobs),
        profile,
        online=False,
        notice=recovery.notice,
    )


def _encrypt_profile(profile: Path, keys: DataKeys) -> None:
    """Encrypt what the release before encryption left in clear: the database (copied into an
    encrypted file, rows counted, swapped atomically), then its backups and the outbox's
    copy. Each step replaces a file by its encrypted copy, so a kill leaves either one and
    the next open finishes the job; nothing clear is left at the end."""
    path = profile / DATABASE
    if path.exists() and is_plain(path):
        encrypt_in_place(path, keys)
    safety.encrypt_leftovers(path, keys)


def _load_ring(profile: Path) -> Keyring | None:
    try:
        return Keyring.load(profile)
    except KeyringError as exc:
        raise UnlockError(
            "本机数据的密钥文件已损坏，无法打开本机数据，请联系管理员", code="keyring_damaged"
        ) from exc


def _legacy_facts(
    profile: Path, clock: Callable[[], dt.datetime]
) -> tuple[str | None, bool, str | None]:
    """device_id, locked and password_hash of a profile of the release before encryption
    (opened in clear, read-only use; it is converted once the password is known right)."""
    session = open_profile(profile, clock)
    try:
        store = session.store
        return (
            store.get_meta("device_id"),
            bool(store.get_meta("locked")),
            store.get_meta("password_hash"),
        )
    finally:
        session.close()


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
    """Log in online; when the server cannot be reached, unlock offline if this laptop can.

    The first login creates the profile's data key and keyring. A password the keyring does
    not know (reset by the admin, changed on another laptop) is accepted once the server
    accepted it: the key escrow the server returns opens the data, which is then re-wrapped
    with the new password."""
    profile = profile_dir(data_dir, server_url, username)
    ring = _load_ring(profile)
    keys = ring.open_with_password(password) if ring is not None else None
    legacy = ring is None and (profile / DATABASE).exists()
    session: Session | None = None
    legacy_hash: str | None = None
    if keys is not None:
        session = open_profile(profile, clock, ca_bundle, keys=keys)
        store = session.store
        if store.get_meta("locked"):
            session.close()
            raise DeviceRevoked("此设备已被管理员停用，数据已锁定", code="device_revoked")
        device_id = store.get_meta("device_id") or (ring.device_id if ring else None)
        api = session.api
    else:
        device_id = ring.device_id if ring is not None else None
        if legacy:
            device_id, locked, legacy_hash = _legacy_facts(profile, clock)
            if locked:
                raise DeviceRevoked("此设备已被管理员停用，数据已锁定", code="device_revoked")
        api = Api(server_url, ca_bundle=ca_bundle)
    device_id = device_id or str(uuid.uuid4())
    api.base_url = server_url.rstrip("/")

    def close() -> None:
        if session is not None:
            session.close()
        else:
            api.close()

    try:
        result = api.login(username, password, device_id, platform.node() or "laptop")
    except Offline:
        close()
        if allow_offline and (ring is not None or legacy_hash):
            return unlock(data_dir, server_url, username, password, clock=clock)
        raise
    except DeviceRevoked as exc:
        if session is not None:
            with session.store.write() as conn:
                session.store.set_meta(conn, "locked", True)
        close()
        if exc.wipe:  # revoked with --wipe: the local data goes (gridworker.client.wipe)
            wipe_profile(profile)
        raise
    except SyncError:
        close()
        raise
    escrow = result.get("key_escrow")
    rewrap = keys is None
    if session is None:
        api.close()
        if ring is not None:
            keys = ring.open_with_escrow(escrow)
            if keys is None:
                raise UnlockError(
                    "密码已在其他地方更改，但本机数据仍使用旧密码加密。"
                    "请用旧密码登录一次，或联系管理员",
                    code="key_unavailable",
                )
        else:
            keys = DataKeys(keyring.new_data_key())
            ring = Keyring.create(profile, keys, password, device_id=device_id, escrow=escrow)
            rewrap = False
        session = open_profile(profile, clock, ca_bundle, keys=keys)
    assert ring is not None and keys is not None
    if rewrap:
        ring.change_password(keys, password)
    if escrow and not ring.escrow_matches(keys, escrow):
        ring.set_escrow(keys, escrow)
    ring.set_device_id(device_id)
    Attempts(profile).succeeded()
    store = session.store
    session.api.base_url = server_url.rstrip("/")
    session.api.token = result["token"]
    with store.write() as conn:
        if store.get_meta("device_id", None, conn) != device_id:
            store.set_meta(conn, "device_id", device_id)
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
    """Open the local data with the password of the last online login, without a network.

    Wrong passwords in a row make the next try wait (``client.attempts``)."""
    profile = profile_dir(data_dir, server_url, username)
    ring = _load_ring(profile)
    if ring is None and not (profile / DATABASE).exists():
        raise UnlockError("此电脑上还没有该用户的数据，请先联网登录一次")
    attempts = Attempts(profile)
    wait = attempts.wait_seconds()
    if wait > 0:
        raise UnlockError(wait_message(wait), code="too_many_attempts")
    if ring is not None:
        keys = ring.open_with_password(password)
    else:
        # The release before encryption: its database holds the password's hash.
        device_id, _locked, stored = _legacy_facts(profile, clock)
        keys = DataKeys(keyring.new_data_key()) if _verify(stored, password) else None
        if keys is not None:
            Keyring.create(profile, keys, password, device_id=device_id)
    if keys is None:
        attempts.failed()
        raise UnlockError("密码错误")
    attempts.succeeded()
    session = open_profile(profile, clock, keys=keys)
    store = session.store
    if store.get_meta("locked"):
        session.close()
        raise DeviceRevoked("此设备已被管理员停用，数据已锁定", code="device_revoked")
    if not _verify(store.get_meta("password_hash"), password):
        # Re-wrapped elsewhere (an interrupted login): keep the idle lock's hash current.
        with store.write() as conn:
            store.set_meta(conn, "password_hash", _hasher.hash(password))
    _remember(data_dir, server_url, username)
    return session


def _verify(stored: Any, password: str) -> bool:
    try:
        return bool(stored) and _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(session: Session, old_password: str, new_password: str) -> None:
    """Re-wrap the profile's data key with a new password (no data is rewritten) and keep the
    idle lock's hash current. The server's password is another matter: an admin sets it
    (``gridsync set-password``); the next online login with it re-wraps by itself."""
    ring = _load_ring(session.profile)
    if ring is None:
        raise UnlockError("本机数据尚未加密，请先用密码登录一次")
    keys = ring.open_with_password(old_password)
    if keys is None:
        raise UnlockError("原密码错误")
    ring.change_password(keys, new_password)
    store = session.store
    with store.write() as conn:
        store.set_meta(conn, "password_hash", _hasher.hash(new_password))


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


def open_last(
    data_dir: Path,
    clock: Callable[[], dt.datetime] = utc_now,
    password: Callable[[], str] | None = None,
) -> Session:
    """The profile of the last login, with its saved token (for the command line). Its data
    is encrypted: the password comes from ``GRIDWORKER_PASSWORD`` or ``password()``."""
    last = last_profile(data_dir)
    if last is None:
        raise UnlockError("尚未登录：请先运行 gridworker login")
    profile = profile_dir(data_dir, *last)
    if keyring.remembered(profile) is not None:
        return open_profile(profile, clock)
    secret = os.environ.get(PASSWORD_ENV)
    if secret is None:
        if password is None:
            raise UnlockError("需要密码才能打开本机数据", code="password_required")
        secret = password()
    return unlock(data_dir, *last, secret, clock=clock)
