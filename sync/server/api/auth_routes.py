"""Health, login and the caller's identity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sync import __version__

from .. import auth
from ..schemas import ERROR_RESPONSES, ErrorBody, Health, LoginResponse, MeResponse
from .deps import CallerDep, EngineDep, SettingsDep, protocol_header, read_json

router = APIRouter(tags=["auth"])


@router.get("/health", response_model=Health)
def health(engine: EngineDep) -> Any:
    """Liveness and database reachability; no header, no token."""
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
    source = request.client.host if request.client else None
    return await auth.login(engine, settings, body, source)


@router.get(
    "/me",
    response_model=MeResponse,
    dependencies=[Depends(protocol_header)],
    responses=ERROR_RESPONSES,
)
def me(caller: CallerDep, engine: EngineDep, settings: SettingsDep) -> Any:
    return auth.me(engine, settings, caller)
