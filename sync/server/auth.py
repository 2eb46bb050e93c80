"""Passwords, login throttling, device-bound tokens (PROTOCOL.md, "Authentication")."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import ipaddress
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from starlette.concurrency import run_in_threadpool

from sync.protocol.errors import ValidationError
from sync.protocol.values import format_time, uuid_text

from . import audit
from .context import ApiError, Caller
from .db import write_tx
from .epoch import current_epoch, read_epoch
from .models import Device, Grid, LoginFailure, Token, User, UserGrid
from .settings import Settings

T = TypeVar("T")


def client_address(request: Any, settings: Settings) -> str | None:
    """The client's address for the throttle, the audit trail and /metrics: the peer's, or,
    when the peer is one of ``settings.trusted_proxies``, the nearest X-Forwarded-For hop that
    is not a trusted proxy (right to left: only trusted proxies' additions are believed)."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for")
    return forwarded_source(peer, forwarded, settings.trusted_proxies)


def forwarded_source(
    peer: str | None, forwarded: str | None, trusted: tuple[Any, ...]
) -> str | None:
    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    if peer is None or not trusted or not forwarded or not is_trusted(peer):
        return peer
    source = peer
    for hop in reversed([h.strip() for h in forwarded.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return source  # unreadable: the last trusted hop is all we know
        source = hop
        if not is_trusted(hop):
            return hop
    return source


# A login's database steps running in worker threads at once (see _in_login_thread).
LOGIN_THREADS = 4

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both cases cost the same time.
_DUMMY_HASH = _hasher.hash("gridsync-dummy-password")


def configure_password_hashing(**params: int) -> None:
    """Argon2 parameters (``time_cost``, ``memory_cost``, ``parallelism``); tests lower them."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(**params)  # type: ignore[arg-type]
    _DUMMY_HASH = _hasher.hash("gridsync-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_grids(conn: Connection, user: User | Any) -> list[dict[str, Any]]:
    query = select(Grid.id, Grid.name, Grid.community, Grid.street, Grid.district).order_by(Grid.id)
    if user.role != "admin":
        query = query.join(UserGrid, UserGrid.grid_id == Grid.id).where(UserGrid.user_id == user.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def user_json(user: User | Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
    }


def _text_ok(value: str) -> bool:
    """No NUL (PostgreSQL text cannot hold it) and no lone surrogate (not encodable)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_login_body(body: Any) -> tuple[str, str, str, str | None]:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "请求体应为 JSON 对象")
    username, password = body.get("username"), body.get("password")
    device_name = body.get("device_name")
    if not isinstance(username, str) or not username or len(username) > 64:
        raise ApiError(422, "invalid_request", "请填写用户名")
    if not _text_ok(username):
        raise ApiError(422, "invalid_request", "用户名含有无效字符")
    if not isinstance(password, str) or not password or len(password) > 1024:
        raise ApiError(422, "invalid_request", "请填写密码")
    if not _text_ok(password):
        raise ApiError(422, "invalid_request", "密码含有无效字符")
    try:
        device_id = uuid_text(body.get("device_id"), label="device_id")
    except ValidationError:
        device_id = None
    if device_id is None:
        raise ApiError(422, "invalid_request", "device_id 应为 UUID")
    if device_name is not None and not isinstance(device_name, str):
        raise ApiError(422, "invalid_request", "device_name 应为文字")
    if device_name is not None and not _text_ok(device_name):
        raise ApiError(422, "invalid_request", "device_name 含有无效字符")
    return username, password, device_id, (device_name or None) and device_name[:200]


# -- throttling -----------------------------------------------------------------------------
#
# An attempt is reserved before its password is checked: one short transaction, serialised per
# username and per source address (PostgreSQL advisory locks; SQLite BEGIN IMMEDIATE), counts
# the failures in the window and inserts this attempt as a failure. The password is checked
# after that transaction, and a success deletes the reservation. So N parallel attempts, in any
# number of processes, never check more than the limit's number of passwords.


@dataclass(frozen=True)
class Attempt:
    """A reserved login attempt: its failure row and the user it names (None if unknown)."""

    failure_id: int
    user: Any


def _locked_out(
    conn: Connection, settings: Settings, column: Any, key: str, limit: int, now: dt.datetime
) -> int | None:
    """Seconds until ``key`` may try again, or None when it is under its limit."""
    failures = list(
        conn.execute(
            select(LoginFailure.failed_at)
            .where(column == key, LoginFailure.failed_at > now - settings.login_window)
            .order_by(LoginFailure.failed_at.desc())
            .limit(limit)
        ).scalars()
    )
    if len(failures) < limit:
        return None
    # Locked until the oldest of the last N failures leaves the window.
    unlock = failures[-1] + settings.login_window
    return max(1, math.ceil((unlock - now).total_seconds()))


def _refuse_if_locked(
    conn: Connection, settings: Settings, username: str, source: str | None, now: dt.datetime
) -> None:
    retry = _locked_out(
        conn, settings, LoginFailure.username, username, settings.login_max_failures, now
    )
    if retry is None and source:
        retry = _locked_out(
            conn, settings, LoginFailure.source, source, settings.login_max_failures_per_source, now
        )
    if retry is not None:
        raise ApiError(
            429,
            "too_many_attempts",
            "登录失败次数过多，请稍后再试",
            {"retry_after": retry},
            {"Retry-After": str(retry)},
        )


def reserve_attempt(
    engine: Engine, settings: Settings, username: str, source: str | None, now: dt.datetime
) -> Attempt:
    """Count and record this attempt atomically; 429 when the username or address is locked."""
    # A locked username or address (a flood's usual case) is refused by a plain read, without
    # taking the write lock that pushes need.
    with engine.connect() as conn:
        _refuse_if_locked(conn, settings, username, source, now)
        conn.rollback()
    with write_tx(engine) as conn:
        if conn.dialect.name == "postgresql":
            # In one order (username, then address): no two logins wait on each other crosswise.
            for key in ("u:" + username, *(("s:" + source,) if source else ())):
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
        # Again under the lock: what decides.
        _refuse_if_locked(conn, settings, username, source, now)
        failure_id = conn.execute(
            insert(LoginFailure)
            .values(username=username, source=source, failed_at=now)
            .returning(LoginFailure.id)
        ).scalar_one()
        # Long-past failures go (by the failed_at index; usually nothing to delete).
        conn.execute(
            delete(LoginFailure).where(LoginFailure.failed_at < now - 4 * settings.login_window)
        )
        user = conn.execute(
            select(
                User.id,
                User.username,
                User.display_name,
                User.role,
                User.active,
                User.password_hash,
            ).where(User.username == username)
        ).first()
    return Attempt(failure_id, user)


def forget_attempt(engine: Engine, attempt: Attempt) -> None:
    """Take back a reservation whose password was never checked (the service was busy)."""
    with write_tx(engine) as conn:
        conn.execute(delete(LoginFailure).where(LoginFailure.id == attempt.failure_id))


class HashSlots:
    """Process-wide permits, by kind: "hash" for password checks (Argon2 takes cores and tens
    of MB each), "db" for a login's database steps; a flood of logins must not take every
    core, or every worker thread, from syncing."""

    _lock = threading.Lock()
    _semaphores: ClassVar[dict[tuple[str, int], threading.BoundedSemaphore]] = {}

    @classmethod
    def semaphore(cls, size: int, kind: str = "hash") -> threading.BoundedSemaphore:
        with cls._lock:
            sem = cls._semaphores.get((kind, size))
            if sem is None:
                sem = cls._semaphores[kind, size] = threading.BoundedSemaphore(max(1, size))
            return sem


def busy(settings: Settings) -> ApiError:
    retry = settings.retry_after_busy
    return ApiError(
        503,
        "busy",
        "服务器繁忙，请稍后再试",
        {"retry_after": retry},
        {"Retry-After": str(retry)},
    )


async def _permit(sem: threading.BoundedSemaphore, settings: Settings) -> None:
    """Take a permit, waiting on the event loop (holding no worker thread: threads run pushes
    and pulls); 503 busy after ``login_busy_timeout``."""
    deadline = time.monotonic() + settings.login_busy_timeout
    delay = 0.002
    while not sem.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise busy(settings)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


async def _in_login_thread(settings: Settings, fn: Callable[..., T], *args: Any) -> T:
    """Run a login's database step in a worker thread, at most LOGIN_THREADS at once: a flood
    of logins must not take every thread of the pool that pushes and pulls run in."""
    sem = HashSlots.semaphore(LOGIN_THREADS, "db")
    await _permit(sem, settings)
    try:
        return await run_in_threadpool(fn, *args)
    finally:
        sem.release()


async def check_password(settings: Settings, attempt: Attempt, password: str) -> bool:
    """Verify off the event loop, at most ``login_hash_concurrency`` at once in this process."""
    sem = HashSlots.semaphore(settings.login_hash_concurrency)
    await _permit(sem, settings)
    try:
        user = attempt.user
        stored = user.password_hash if user is not None else _DUMMY_HASH
        # Looked up at call time, so that a test can count the checks.
        ok = await run_in_threadpool(verify_password, stored, password)
    finally:
        sem.release()
    return bool(ok) and user is not None and bool(user.active)


def complete_login(
    engine: Engine,
    settings: Settings,
    attempt: Attempt,
    device_id: str,
    device_name: str | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """A right password: the device, a new token (the device's older ones end), the grids."""
    user = attempt.user
    with write_tx(engine) as conn:
        device = conn.execute(select(Device.__table__).where(Device.id == device_id)).first()
        if device is not None and device.revoked_at is not None:
            raise revoked(wipe=device.wipe_requested_at is not None)
        if device is not None and device.user_id != user.id:
            raise ApiError(403, "device_mismatch", "此设备编号已属于另一个用户")
        escrow = device.key_escrow if device is not None else None
        if escrow is None:
            # The device's key escrow (docs/protocol.md "Encryption at rest"), made once.
            escrow = secrets.token_urlsafe(32)
            if device is not None:
                conn.execute(update(Device).where(Device.id == device_id).values(key_escrow=escrow))
        if device is None:
            conn.execute(
                insert(Device).values(
                    id=device_id,
                    user_id=user.id,
                    name=device_name,
                    last_seq=0,
                    created_at=now,
                    key_escrow=escrow,
                )
            )
        elif device_name:
            conn.execute(update(Device).where(Device.id == device_id).values(name=device_name))
        conn.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
        conn.execute(
            delete(LoginFailure).where(LoginFailure.failed_at < now - 4 * settings.login_window)
        )
        # One installation, one live token: a new login ends the device's older sessions.
        conn.execute(delete(Token).where(Token.device_id == device_id))
        token = secrets.token_urlsafe(32)
        expires = now + settings.token_ttl
        conn.execute(
            insert(Token).values(
                token_hash=token_hash(token),
                device_id=device_id,
                user_id=user.id,
                created_at=now,
                expires_at=expires,
            )
        )
        grids = user_grids(conn, user)
    return {
        "token": token,
        "expires_at": format_time(expires),
        "user": user_json(user),
        "grids": grids,
        "server_time": format_time(now),
        "key_escrow": escrow,
    }


@audit.records_logins  # each attempt, succeeded or refused, in the audit trail
async def login(
    engine: Engine, settings: Settings, body: Any, source: str | None = None
) -> dict[str, Any]:
    """PROTOCOL.md "Authentication"; ``source`` is the client's address (throttled too).

    No transaction is open while a password is hashed."""
    username, password, device_id, device_name = _check_login_body(body)
    if source is not None and (len(source) > 64 or not _text_ok(source)):
        source = None
    now = settings.clock()
    attempt = await _in_login_thread(
        settings, reserve_attempt, engine, settings, username, source, now
    )
    try:
        ok = await check_password(settings, attempt, password)
    except ApiError:
        await run_in_threadpool(forget_attempt, engine, attempt)
        raise
    if not ok:
        raise ApiError(401, "invalid_credentials", "用户名或密码错误")
    try:
        return await _in_login_thread(
            settings, complete_login, engine, settings, attempt, device_id, device_name, now
        )
    except ApiError as exc:
        if exc.status != 503:
            # A right password on a revoked or foreign device: refused, not a failed guess.
            await run_in_threadpool(forget_attempt, engine, attempt)
        if exc.details.get("wipe"):
            user = attempt.user
            await run_in_threadpool(
                wipe_delivered, engine, now, device_id, user.username, user.id, source
            )
        raise


def revoked(wipe: bool = False) -> ApiError:
    """403 device_revoked; for a device revoked with ``--wipe`` the details say
    ``{"wipe": true}`` (extension, docs/protocol.md "Wiping a revoked laptop")."""
    details: dict[str, Any] = {"wipe": True} if wipe else {}
    return ApiError(403, "device_revoked", "此设备已被停用，请联系管理员", details)


def wipe_delivered(
    engine: Engine,
    at: dt.datetime,
    device_id: str,
    username: str,
    user_id: str | None,
    source: str | None = None,
) -> None:
    """The wipe order reached the laptop: noted on the device and in the audit trail, the
    first time only (a laptop that failed to wipe asks again; the trail need not grow)."""
    with write_tx(engine) as conn:
        first = conn.execute(
            update(Device)
            .where(Device.id == device_id, Device.wipe_delivered_at.is_(None))
            .values(wipe_delivered_at=at)
        ).rowcount
        if first:
            actor = audit.Actor(username, user_id, device_id, source)
            audit.record(conn, actor, "wipe_delivered", at=at, target=device_id)


def authenticate(engine: Engine, settings: Settings, authorization: str | None) -> Caller:
    """The caller behind a bearer token, or 401/403."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "请先登录", headers={"WWW-Authenticate": "Bearer"})
    token = authorization[7:].strip()
    now = settings.clock()
    with engine.connect() as conn:
        row = conn.execute(
            select(
                Token.expires_at,
                Device.id.label("device_id"),
                Device.revoked_at,
                Device.wipe_requested_at,
                User.id,
                User.username,
                User.role,
                User.active,
            )
            .join(Device, Device.id == Token.device_id)
            .join(User, User.id == Token.user_id)
            .where(Token.token_hash == token_hash(token))
        ).first()
        if row is None:
            raise ApiError(
                401,
                "unauthorized",
                "登录已失效，请重新登录",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if row.revoked_at is not None:
            wipe = row.wipe_requested_at is not None
            conn.rollback()
            if wipe:
                wipe_delivered(engine, now, row.device_id, row.username, row.id)
            raise revoked(wipe)
        if row.expires_at <= now:
            raise ApiError(
                401,
                "token_expired",
                "登录已过期，请重新登录",
                headers={"WWW-Authenticate": "Bearer"},
            )
        user = row
        if not user.active:
            raise ApiError(401, "unauthorized", "账号已停用")
        grids: frozenset[str] | None = None
        if user.role != "admin":
            grids = frozenset(
                conn.execute(select(UserGrid.grid_id).where(UserGrid.user_id == user.id)).scalars()
            )
        conn.rollback()
    return Caller(user.id, user.username, user.role, row.device_id, grids)


def me(engine: Engine, settings: Settings, caller: Caller) -> dict[str, Any]:
    with engine.connect() as conn:
        user = conn.execute(select(User.__table__).where(User.id == caller.user_id)).one()
        grids = user_grids(conn, user)
        epoch = read_epoch(conn)
    return {
        "user": user_json(user),
        "grids": grids,
        "server_time": format_time(settings.clock()),
        # Extension (docs/protocol-extensions/epoch.md): a restore gives a new epoch.
        "epoch": epoch or current_epoch(engine),
    }
