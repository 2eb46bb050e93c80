"""Health, login and the caller's identity."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sync import __version__

from .. import auth, metrics
from ..context import ApiError
from ..migrate import schema_is_current
from ..schemas import ERROR_RESPONSES, ErrorBody, Health, LoginResponse, MeResponse
from .deps import BlobsDep, CallerDep, EngineDep, SettingsDep, protocol_header, read_json

log = logging.getLogger("gridsync")

router = APIRouter(tags=["auth"])


@router.get("/ready", responses={503: {"description": "Not ready"}})
def ready(engine: EngineDep, store: BlobsDep) -> Any:
    """Readiness (a load balancer's probe): the database answers, its schema is at the
    migrations' head, the attachment store takes a write. 503 and which check failed."""
    checks = {"database": "ok", "migrations": "ok", "blobs": "ok"}
    try:
        if not schema_is_current(engine):
            checks["migrations"] = "behind"
    except Exception:  # unreachable: no schema to judge either
        checks["database"] = checks["migrations"] = "unavailable"
    try:
        store.check_writable()
    except Exception as exc:
        log.warning("attachment store not writable: %s", type(exc).__name__)
        checks["blobs"] = "unavailable"
    ok = all(v == "ok" for v in checks.values())
    body = {"status": "ready" if ok else "not_ready", **checks, "version": __version__}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/health", response_model=Health)
def health(engine: EngineDep) -> Any:
    """Liveness and database reachability; no header, no token. A database that does not
    answer is reported (status degraded) with 503, as clients' probes expect; systemd and
    proxies that only ask whether the process is up may take any answer as alive, and
    /ready says whether to send it traffic."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any database failure means "unavailable", never a 500
        database = "unavailable"
    body = {
        "status": "ok" if database == "ok" else "degraded",
        "database": database,
        "version": __version__,
    }
    return JSONResponse(body, status_code=200 if database == "ok" else 503)


@router.post(
    "/auth/login",
    response_model=LoginResponse,
    dependencies=[Depends(protocol_header)],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/LoginRequest"}}
            },
        }
    },
    responses={
        **ERROR_RESPONSES,
        429: {"model": ErrorBody, "description": "Too many failed logins"},
    },
)
async def login(request: Request, engine: EngineDep, settings: SettingsDep) -> Any:
    body = await read_json(request, 64 * 1024, plain_text=True)
    source = auth.client_address(request, settings)
    try:
        result = await auth.login(engine, settings, body, source)
    except ApiError as exc:
        metrics.count_login(exc.code)
        raise
    metrics.count_login(None)
    return result


@router.get(
    "/me",
    response_model=MeResponse,
    dependencies=[Depends(protocol_header)],
    responses=ERROR_RESPONSES,
)
def me(caller: CallerDep, engine: EngineDep, settings: SettingsDep) -> Any:
    return auth.me(engine, settings, caller)
