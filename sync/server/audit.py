"""The audit trail: who did what, when, to which grid, user or device, and how many rows.

Recorded: logins (success and failure), ledger exports and imports (by ``gridsync`` or
reported by a laptop at its next sync), device revocations, and every admin command, from
the command line or the admin endpoints. Listed by ``gridsync audit`` and, for admins,
``GET /api/v1/admin/audit``.

The trail holds no personal data: a target is a grid id, a staff username or a device id; a
detail is made of fixed keys with codes, counts and dates. Every text is also passed through
``sync.redact`` before it is stored, so that an ID number or a phone typed as a username on
a failed login is never kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from sync.protocol.values import SHANGHAI, format_time
from sync.redact import redact

from .context import ApiError, Caller
from .db import write_tx
from .models import AuditEvent

log = logging.getLogger(__name__)

# Every action the trail records, with its label in the listings.
ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "ledger_export": "导出台账",
    "ledger_import": "导入台账",
    "workorder_import": "导入12345工单",
    "workorder_replies": "导出工单回复",
    "revoke_device": "停用设备",
    "wipe_delivered": "清除指令已送达",
    "create_grid": "新建网格",
    "create_user": "新建用户",
    "assign": "分配网格",
    "unassign": "取消网格",
    "move_household": "迁移住户",
    "seed_demo": "载入演示数据",
    "init_db": "初始化数据库",
    "backup": "备份",
    "restore": "恢复",
    "campaign_create": "发起任务",
    "campaign_close": "结束任务",
    "campaign_export": "导出任务结果",
    "purge": "清除过期数据",
}
# What a laptop may report of what it did with its own copy.
REPORTED_ACTIONS = ("ledger_export", "ledger_import")
CLI_NAME = "cli"


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (by username, with the device and address of the request) or the
    command line (``gridsync`` runs with the database's rights, as no user)."""

    name: str
    user_id: str | None = None
    device_id: str | None = None
    source: str | None = None


CLI = Actor(CLI_NAME)


def actor_of(caller: Caller, source: str | None) -> Actor:
    return Actor(caller.username, caller.user_id, caller.device_id, source)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text(value: object, limit: int) -> str | None:
    if value is None:
        return None
    text = redact(" ".join(str(value).split()))
    return text[:limit] or None


def detail_text(detail: Mapping[str, object] | None) -> str | None:
    """``{"entity": "residents", "format": "csv"}`` as ``entity=residents format=csv``."""
    if not detail:
        return None
    parts = []
    for key, value in detail.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            value = ",".join(str(v) for v in value)
        parts.append(f"{key}={value}")
    return _text(" ".join(parts), 500)


def event_row(
    actor: Actor,
    action: str,
    *,
    at: dt.datetime | None = None,
    recorded_at: dt.datetime | None = None,
    target: object = None,
    rows: int | None = None,
    detail: Mapping[str, object] | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    at = at or _utc_now()
    return {
        "at": at,
        "recorded_at": recorded_at or at,
        "actor": _text(actor.name, 64) or "?",
        "actor_id": actor.user_id,
        "action": action,
        "target": _text(target, 200),
        "rows": rows,
        "source": _text(actor.source, 64),
        "device_id": actor.device_id,
        "event_id": event_id,
        "detail": detail_text(detail),
    }


def record(
    bind: Engine | Connection,
    actor: Actor,
    action: str,
    *,
    at: dt.datetime | None = None,
    target: object = None,
    rows: int | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    """Add one event. Given a connection, in its transaction (the event is kept exactly when
    what it records is); given an engine, in a transaction of its own."""
    row = event_row(actor, action, at=at, target=target, rows=rows, detail=detail)
    if isinstance(bind, Connection):
        bind.execute(insert(AuditEvent).values(**row))
        return
    with write_tx(bind) as conn:
        conn.execute(insert(AuditEvent).values(**row))


def record_quietly(bind: Engine | Connection, actor: Actor, action: str, **fields: Any) -> None:
    """``record`` for what already happened and must not fail because of its trail (a login
    that succeeded); a failure to record is logged (by type) instead."""
    try:
        record(bind, actor, action, **fields)
    except SQLAlchemyError as exc:
        log.error("audit event %s not recorded: %s", action, type(exc).__name__)


def record_login(
    engine: Engine,
    at: dt.datetime,
    username: str,
    *,
    ok: bool,
    source: str | None = None,
    user_id: str | None = None,
    device_id: str | None = None,
    reason: str | None = None,
) -> None:
    """A login and its outcome (``reason``: the error code of a refused one)."""
    actor = Actor(username, user_id, device_id, source)
    detail = {"reason": reason} if reason else None
    action = "login" if ok else "login_failed"
    record_quietly(engine, actor, action, at=at, target=device_id, detail=detail)


class Trail:
    """The trail as a request of an admin endpoint writes to it: who, from where, when."""

    def __init__(self, engine: Engine, actor: Actor, clock: Any = _utc_now):
        self.engine = engine
        self.actor = actor
        self.clock = clock

    def record(
        self,
        action: str,
        target: object = None,
        rows: int | None = None,
        detail: Mapping[str, object] | None = None,
    ) -> None:
        fields = {"target": target, "rows": rows, "detail": detail}
        record_quietly(self.engine, self.actor, action, at=self.clock(), **fields)


LoginFunction = Callable[..., Awaitable[dict[str, Any]]]
# Refusals of a login that are recorded: wrong credentials, a refused device. Not 429: a
# throttled attempt checks no password, and recording each would let a flood of them write.
_LOGIN_REFUSALS = (401, 403)


def records_logins(login: LoginFunction) -> LoginFunction:
    """Decorates ``auth.login(engine, settings, body, source=None)``: each login that gets
    as far as its credentials is recorded, succeeded (with the user and device) or refused
    (with the error code). A malformed request or a busy server is not a login attempt."""

    @functools.wraps(login)
    async def recorded(
        engine: Engine, settings: Any, body: Any, source: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        now = settings.clock()
        username = body.get("username") if isinstance(body, dict) else None
        device_id = body.get("device_id") if isinstance(body, dict) else None
        try:
            result = await login(engine, settings, body, source, **kw)
        except ApiError as exc:
            if exc.status in _LOGIN_REFUSALS and isinstance(username, str):
                device = device_id.lower()[:36] if isinstance(device_id, str) else None
                await run_in_threadpool(
                    record_login,
                    engine,
                    now,
                    username,
                    ok=False,
                    source=source,
                    device_id=device,
                    reason=exc.code,
                )
            raise
        user = result.get("user") or {}
        await run_in_threadpool(
            record_login,
            engine,
            now,
            str(user.get("username") or username),
            ok=True,
            source=source,
            user_id=user.get("id"),
            device_id=str(device_id).lower(),
        )
        return result

    return recorded


# -- the command line ------------------------------------------------------------------------


def _cli_target(args: argparse.Namespace) -> tuple[object, dict[str, object] | None]:
    """What a ``gridsync`` command acted on, from its arguments (never a file's contents)."""
    command = args.command
    if command == "create-grid":
        return args.grid_id, None
    if command == "create-user":
        return args.username, {"role": args.role}
    if command in ("assign", "unassign"):
        return args.username, {"grids": list(args.grid_ids)}
    if command == "move-household":
        return args.grid_id, {"household": args.household_id.lower()}
    if command == "revoke-device":
        wipe = bool(getattr(args, "wipe", False))
        return args.device_id.lower(), {"wipe": "yes"} if wipe else None
    if command == "seed-demo":
        return None, {"size": args.size}
    if command in ("backup", "restore"):
        return getattr(args, "file", None) and args.file.name, None
    if command == "purge":
        return None, {"cleared": getattr(args, "cleared", None)}
    return None, None


def record_command(engine: Engine, args: argparse.Namespace, code: int) -> int:
    """Record a ``gridsync`` admin command that succeeded; returns ``code``.

    Ledger exports and imports are recorded where their row counts are known
    (sync.server.ledgers); ``serve`` and ``audit`` itself are not admin acts."""
    action = str(args.command).replace("-", "_")
    if code != 0 or action not in ACTIONS:
        return code
    target, detail = _cli_target(args)
    # After a restore the database may be an old one without the trail: say so, go on.
    record_quietly(engine, CLI, action, target=target, detail=detail)
    return code


# -- what laptops report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reported:
    """One event a laptop reports: its own id, the action, when (laptop time), the grid
    (None: every grid the laptop holds), the rows, and a detail of fixed keys."""

    event_id: str
    action: str
    at: dt.datetime
    grid_id: str | None
    rows: int | None
    detail: Mapping[str, object]


def record_reported(
    engine: Engine, now: dt.datetime, actor: Actor, events: Sequence[Reported]
) -> list[str]:
    """Record the events a laptop reports; returns the ids now on record (those recorded
    before included), so that the laptop can forget them. A report sent twice counts once."""
    for attempt in range(2):
        try:
            return _insert_reported(engine, now, actor, events)
        except IntegrityError:
            # The same report arrived twice at once: the second sees the first's rows now.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _insert_reported(
    engine: Engine, now: dt.datetime, actor: Actor, events: Sequence[Reported]
) -> list[str]:
    ids = [e.event_id for e in events]
    with write_tx(engine) as conn:
        known = set(
            conn.execute(
                select(AuditEvent.event_id).where(
                    AuditEvent.device_id == actor.device_id, AuditEvent.event_id.in_(ids)
                )
            ).scalars()
        )
        rows = []
        for event in events:
            if event.event_id in known:
                continue
            known.add(event.event_id)
            row = event_row(
                actor,
                event.action,
                at=event.at,
                recorded_at=now,
                target=event.grid_id or "*",
                rows=event.rows,
                detail={"via": "laptop", **event.detail},
                event_id=event.event_id,
            )
            rows.append(row)
        if rows:
            conn.execute(insert(AuditEvent), rows)
    return ids


# -- listing ---------------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)


def list_events(
    engine: Engine,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    user: str | None = None,
    action: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """The events of a period (local dates, inclusive), oldest first: the latest ``limit``."""
    query = select(AuditEvent.__table__)
    if date_from is not None:
        query = query.where(AuditEvent.at >= _day_start(date_from))
    if date_to is not None:
        query = query.where(AuditEvent.at < _day_start(date_to + dt.timedelta(days=1)))
    if user:
        query = query.where(AuditEvent.actor == user)
    if action:
        query = query.where(AuditEvent.action == action)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    with engine.connect() as conn:
        found = [_event_json(e) for e in conn.execute(query).mappings()]
        conn.rollback()
    return found[::-1]


_LISTED = ("id", "actor", "action", "target", "rows", "source", "device_id", "detail")


def _event_json(event: Any) -> dict[str, Any]:
    return {"at": format_time(event["at"]), **{k: event[k] for k in _LISTED}}


def table_text(events: Iterable[Mapping[str, Any]]) -> str:
    """The events as an aligned text table (local times) for ``gridsync audit``."""
    from sync.ledger.writer import display_width

    header = ["时间", "操作人", "操作", "对象", "行数", "来源", "说明"]
    lines = [header]
    for e in events:
        at = dt.datetime.fromisoformat(str(e["at"]).replace("Z", "+00:00")).astimezone(SHANGHAI)
        lines.append(
            [
                at.strftime("%Y-%m-%d %H:%M:%S"),
                str(e["actor"]),
                ACTIONS.get(str(e["action"]), str(e["action"])),
                e["target"] or "",
                "" if e["rows"] is None else str(e["rows"]),
                e["source"] or "",
                e["detail"] or "",
            ]
        )
    widths = [max(display_width(str(line[i])) for line in lines) for i in range(len(header))]
    out = []
    for line in lines:
        cells = [
            str(cell) + " " * (width - display_width(str(cell)))
            for cell, width in zip(line, widths, strict=True)
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)
