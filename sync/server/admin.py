"""Admin operations shared by the CLI and the admin endpoints."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import Engine, bindparam, delete, insert, select, update

from sync.protocol import codes
from sync.protocol.entities import GRID_FIELDS, entities_for
from sync.protocol.errors import ProtocolError
from sync.protocol.values import format_time

from .auth import hash_password
from .context import ApiError
from .db import retrying, write_tx
from .grid_versions import GridVersions
from .models import ENTITY_TABLES, Device, Grid, Leave, User, UserGrid
from .rows import children_of_household, fetch_rows
from .settings import Settings

_GRID_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


def create_grid(
    engine: Engine,
    settings: Settings,
    grid_id: str,
    name: str,
    community: str | None = None,
    street: str | None = None,
    district: str | None = None,
) -> dict[str, Any]:
    if not _GRID_ID_RE.match(grid_id or ""):
        raise ApiError(422, "invalid_value", "网格编号只能包含字母、数字、-、_、.，最长 64 位")
    try:
        values = {
            "name": GRID_FIELDS["name"].normalise(name),
            "community": GRID_FIELDS["community"].normalise(community),
            "street": GRID_FIELDS["street"].normalise(street),
            "district": GRID_FIELDS["district"].normalise(district),
        }
    except ProtocolError as exc:
        raise ApiError(422, exc.code, exc.message) from None
    if not values["name"]:
        raise ApiError(422, "required", "网格名称为必填项")
    with write_tx(engine) as conn:
        if conn.execute(select(Grid.id).where(Grid.id == grid_id)).first():
            raise ApiError(409, "already_exists", f"网格 {grid_id} 已存在")
        conn.execute(
            insert(Grid).values(
                id=grid_id,
                last_version=0,
                row_count=0,
                digest="0" * 16,
                created_at=settings.clock(),
                **values,
            )
        )
    return {"id": grid_id, **values}


def create_user(
    engine: Engine,
    settings: Settings,
    username: str,
    role: str,
    password: str,
    display_name: str | None = None,
) -> dict[str, Any]:
    if not _USERNAME_RE.match(username or ""):
        raise ApiError(422, "invalid_value", "用户名只能包含字母、数字和 _ . @ -，最长 64 位")
    if role not in codes.ROLES:
        raise ApiError(422, "invalid_code", "角色应为 worker、supervisor 或 admin")
    if len(password) < 8:
        raise ApiError(422, "weak_password", "密码至少 8 位")
    user_id = str(uuid.uuid4())
    with write_tx(engine) as conn:
        if conn.execute(select(User.id).where(User.username == username)).first():
            raise ApiError(409, "already_exists", f"用户 {username} 已存在")
        conn.execute(
            insert(User).values(
                id=user_id,
                username=username,
                display_name=(display_name or username)[:200],
                role=role,
                password_hash=hash_password(password),
                active=True,
                created_at=settings.clock(),
            )
        )
    return {
        "id": user_id,
        "username": username,
        "display_name": display_name or username,
        "role": role,
    }


def _user_id(conn: Any, username: str) -> str:
    user_id = conn.execute(select(User.id).where(User.username == username)).scalar_one_or_none()
    if user_id is None:
        raise ApiError(404, "not_found", f"用户 {username} 不存在")
    return str(user_id)


def assign(engine: Engine, username: str, grid_ids: list[str]) -> list[str]:
    """Add grids to a user; returns the user's grids afterwards."""
    with write_tx(engine) as conn:
        user_id = _user_id(conn, username)
        known = set(conn.execute(select(Grid.id).where(Grid.id.in_(grid_ids))).scalars())
        missing = sorted(set(grid_ids) - known)
        if missing:
            raise ApiError(404, "not_found", f"网格不存在：{', '.join(missing)}")
        held = set(
            conn.execute(select(UserGrid.grid_id).where(UserGrid.user_id == user_id)).scalars()
        )
        new = sorted(set(grid_ids) - held)
        if new:
            conn.execute(insert(UserGrid), [{"user_id": user_id, "grid_id": g} for g in new])
        return sorted(held | set(new))


def unassign(engine: Engine, username: str, grid_ids: list[str]) -> list[str]:
    with write_tx(engine) as conn:
        user_id = _user_id(conn, username)
        conn.execute(
            delete(UserGrid).where(UserGrid.user_id == user_id, UserGrid.grid_id.in_(grid_ids))
        )
        return sorted(
            conn.execute(select(UserGrid.grid_id).where(UserGrid.user_id == user_id)).scalars()
        )


def revoke_device(engine: Engine, settings: Settings, device_id: str, wipe: bool = False) -> None:
    """Refuse the device from now on; ``wipe``: also tell it to delete its local data at its
    next contact (a plain revoke only locks the laptop's data)."""
    now = settings.clock()
    values: dict[str, Any] = {"revoked_at": now}
    if wipe:
        values["wipe_requested_at"] = now
    with write_tx(engine) as conn:
        found = conn.execute(
            update(Device).where(Device.id == device_id.lower()).values(**values)
        ).rowcount
        if not found:
            raise ApiError(404, "not_found", "设备不存在")


def move_household(
    engine: Engine,
    settings: Settings,
    household_id: str,
    target_grid: str,
    admin_id: str | None = None,
) -> dict[str, Any]:
    """Move a household with everything that belongs to it to another grid.

    The old grid's sequence gets a ``leave`` for every moved row; the rows get new versions in
    the new grid's sequence, parents first, so the new grid's clients receive the whole history.
    """

    def run() -> dict[str, Any]:
        now = settings.clock()
        now_text = format_time(now)
        with write_tx(engine) as conn:
            household = fetch_rows(conn, "households", [household_id]).get(household_id)
            if household is None:
                raise ApiError(404, "not_found", "住户不存在")
            source = household["grid_id"]
            if source == target_grid:
                raise ApiError(409, "same_grid", "住户已在该网格")
            ledger = GridVersions(conn, settings.test_hooks.version_allocator)
            if ledger.lock([source, target_grid]) != {source, target_grid}:
                raise ApiError(404, "not_found", f"网格 {target_grid} 不存在")
            # Read again under the locks: the household may have moved meanwhile.
            household = fetch_rows(conn, "households", [household_id])[household_id]
            if household["grid_id"] != source:
                raise _Moved()
            moving = {"households": [household], **children_of_household(conn, household_id)}
            counts: dict[str, int] = {}
            leaves = []
            # A campaign's rows stay in their grid: responses count where they were given.
            for entity in entities_for():
                rows = moving.get(entity, [])
                counts[entity] = len(rows)
                updates = []
                for row in rows:
                    live = not row["deleted"]
                    leaves.append(
                        {
                            "grid_id": source,
                            "version": ledger.next_version(source),
                            "entity": entity,
                            "row_id": row["id"],
                        }
                    )
                    ledger.row_changed(
                        source, entity, row["id"], row["version"] if live else None, None
                    )
                    version = ledger.next_version(target_grid)
                    ledger.row_changed(
                        target_grid, entity, row["id"], None, version if live else None
                    )
                    updates.append(
                        {
                            "b_id": row["id"],
                            "grid_id": target_grid,
                            "version": version,
                            "updated_at": now_text,
                            "updated_by": admin_id,
                        }
                    )
                if updates:
                    table = ENTITY_TABLES[entity]
                    conn.execute(
                        update(table)
                        .where(table.c.id == bindparam("b_id"))
                        .values(
                            grid_id=bindparam("grid_id"),
                            version=bindparam("version"),
                            updated_at=bindparam("updated_at"),
                            updated_by=bindparam("updated_by"),
                        ),
                        updates,
                    )
            if leaves:
                conn.execute(insert(Leave), leaves)
            ledger.flush()
        return {"household_id": household_id, "from": source, "to": target_grid, "moved": counts}

    for _ in range(5):
        try:
            return retrying(run)
        except _Moved:
            continue
    raise ApiError(503, "busy", "住户正在被移动，请稍后重试")


class _Moved(Exception):
    pass
