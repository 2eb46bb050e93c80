"""Passwords, login throttling, device-bound tokens (PROTOCOL.md, "Authentication")."""

from __future__ import annotations

import hashlib
import math
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, insert, select, update

from sync.protocol.errors import ValidationError
from sync.protocol.values import format_time, uuid_text

from .context import ApiError, Caller
from .db import write_tx
from .models import Device, Grid, LoginFailure, Token, User, UserGrid
from .settings import Settings

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


def _check_login_body(body: Any) -> tuple[str, str, str, str | None]:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "请求体应为 JSON 对象")
    username, password = body.get("username"), body.get("password")
    device_name = body.get("device_name")
    if not isinstance(username, str) or not username or len(username) > 64:
        raise ApiError(422, "invalid_request", "请填写用户名")
    if not isinstance(password, str) or not password or len(password) > 1024:
        raise ApiError(422, "invalid_request", "请填写密码")
    try:
        device_id = uuid_text(body.get("device_id"), label="device_id")
    except ValidationError:
        device_id = None
    if device_id is None:
        raise ApiError(422, "invalid_request", "device_id 应为 UUID")
    if device_name is not None and not isinstance(device_name, str):
        raise ApiError(422, "invalid_request", "device_name 应为文字")
    return username, password, device_id, (device_name or None) and device_name[:200]


def login(engine: Engine, settings: Settings, body: Any) -> dict[str, Any]:
    username, password, device_id, device_name = _check_login_body(body)
    now = settings.clock()
    window_start = now - settings.login_window
    with write_tx(engine) as conn:
        failures = list(
            conn.execute(
                select(LoginFailure.failed_at)
                .where(LoginFailure.username == username, LoginFailure.failed_at > window_start)
                .order_by(LoginFailure.failed_at.desc())
                .limit(settings.login_max_failures)
            ).scalars()
        )
        if len(failures) >= settings.login_max_failures:
            # Locked until the oldest of the last N failures leaves the window.
            unlock = failures[-1] + settings.login_window
            retry = max(1, math.ceil((unlock - now).total_seconds()))
            raise ApiError(
                429,
                "too_many_attempts",
                "登录失败次数过多，请稍后再试",
                {"retry_after": retry},
                {"Retry-After": str(retry)},
            )
        user = conn.execute(select(User.__table__).where(User.username == username)).first()
        ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not ok or not user.active:
            conn.execute(insert(LoginFailure).values(username=username, failed_at=now))
            conn.execute(
                delete(LoginFailure).where(LoginFailure.failed_at < now - 4 * settings.login_window)
            )
            failed = True
        else:
            failed = False
    if failed:
        raise ApiError(401, "invalid_credentials", "用户名或密码错误")
    assert user is not None  # a failed login raised above
    with write_tx(engine) as conn:
        device = conn.execute(select(Device.__table__).where(Device.id == device_id)).first()
        if device is not None and device.revoked_at is not None:
            raise ApiError(403, "device_revoked", "此设备已被停用，请联系管理员")
        if device is not None and device.user_id != user.id:
            raise ApiError(403, "device_mismatch", "此设备编号已属于另一个用户")
        if device is None:
            conn.execute(
                insert(Device).values(
                    id=device_id, user_id=user.id, name=device_name, last_seq=0, created_at=now
                )
            )
        elif device_name:
            conn.execute(update(Device).where(Device.id == device_id).values(name=device_name))
        conn.execute(delete(LoginFailure).where(LoginFailure.username == username))
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
    }


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
            raise ApiError(403, "device_revoked", "此设备已被停用，请联系管理员")
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
    return {"user": user_json(user), "grids": grids, "server_time": format_time(settings.clock())}
