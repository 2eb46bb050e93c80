"""The audit trail over HTTP: laptops report their ledger exports and imports; admins list it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from .. import audit
from ..auth import client_address
from ..context import ApiError
from ..schemas import ERROR_RESPONSES
from .deps import AdminDep, CallerDep, EngineDep, SettingsDep, protocol_header, read_json

router = APIRouter(
    tags=["audit"], dependencies=[Depends(protocol_header)], responses=ERROR_RESPONSES
)

MAX_EVENTS = 100  # per report: a laptop sends its queue in batches of this size
MAX_REPORT_BYTES = 64 * 1024
_MAX_ROWS = 10_000_000


class ReportedDetail(BaseModel):
    """What a ledger event may say besides its counts: fixed keys, no free text."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    entity: Literal["households", "residents", "visits", "issues"] | None = None
    format: Literal["xlsx", "csv"] | None = None
    date_from: dt.date | None = Field(default=None, alias="from")
    date_to: dt.date | None = Field(default=None, alias="to")
    households: int | None = Field(default=None, ge=0, le=_MAX_ROWS)
    residents: int | None = Field(default=None, ge=0, le=_MAX_ROWS)


class ReportedEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    action: Literal["ledger_export", "ledger_import"]
    at: AwareDatetime
    grid_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    rows: int | None = Field(default=None, ge=0, le=_MAX_ROWS)
    detail: ReportedDetail = Field(default_factory=lambda: ReportedDetail())


class AuditReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[ReportedEvent] = Field(max_length=MAX_EVENTS)


class AuditAccepted(BaseModel):
    accepted: list[str] = Field(description="ids on record now (also those sent before)")


class AuditEventOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    target: str | None
    rows: int | None
    source: str | None
    device_id: str | None
    detail: str | None


class AuditList(BaseModel):
    events: list[AuditEventOut]


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` put in place (small, not recursive): the body is
    parsed by the route itself, so the OpenAPI document gets the schema this way."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return dict(resolve(schema))


def source_of(request: Request) -> str | None:
    return client_address(request, request.app.state.settings)


def admin_trail(
    request: Request, caller: AdminDep, engine: EngineDep, settings: SettingsDep
) -> audit.Trail:
    """The audit trail as this admin's request writes to it."""
    return audit.Trail(engine, audit.actor_of(caller, source_of(request)), settings.clock)


AdminTrail = Annotated[audit.Trail, Depends(admin_trail)]


@router.post(
    "/audit",
    response_model=AuditAccepted,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(AuditReport.model_json_schema())}},
        }
    },
)
async def report(
    request: Request, caller: CallerDep, engine: EngineDep, settings: SettingsDep
) -> Any:
    """A laptop reports what it did with its own copy (ledger exports and imports), at its
    next sync. Idempotent by event id; at most ``MAX_EVENTS`` events per request."""
    body = await read_json(request, MAX_REPORT_BYTES)
    try:
        parsed = AuditReport.model_validate(body)
    except PydanticValidationError as exc:
        fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]
        raise ApiError(422, "invalid_request", "审计事件格式错误", {"fields": fields}) from None
    events = [
        audit.Reported(
            event_id=str(e.id),
            action=e.action,
            at=e.at.astimezone(dt.UTC),
            grid_id=e.grid_id,
            rows=e.rows,
            detail=e.detail.model_dump(by_alias=True, exclude_none=True, mode="json"),
        )
        for e in parsed.events
    ]
    actor = audit.actor_of(caller, source_of(request))
    accepted = await run_in_threadpool(
        audit.record_reported, engine, settings.clock(), actor, events
    )
    return {"accepted": accepted}


@router.get("/admin/audit", response_model=AuditList)
def list_audit(
    _admin: AdminDep,
    engine: EngineDep,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> Any:
    """The audit trail (admins only): local dates, inclusive; oldest first, the latest
    ``limit`` events."""
    events = audit.list_events(
        engine, date_from=date_from, date_to=date_to, user=user, action=action, limit=limit
    )
    return {"events": events}
