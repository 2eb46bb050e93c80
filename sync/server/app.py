"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import traceback
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync import __version__
from sync.protocol import wire

from .api import admin_routes, audit_routes, auth_routes, sync_routes
from .blobs import open_blob_store
from .context import ApiError
from .db import make_engine, pool_options
from .metrics import RequestMetrics, metrics_endpoint
from .schemas import LoginRequest, PullRequest, PushRequest
from .settings import Settings

log = logging.getLogger("gridsync")


def create_app(settings: Settings, engine: Any = None) -> FastAPI:
    app = FastAPI(
        title="Gridworker sync service",
        version=__version__,
        description="PROTOCOL.md v1: push, pull, attachments, conflicts and rejections.",
        lifespan=purging,
    )
    app.state.settings = settings
    app.state.engine = (
        engine
        if engine is not None
        else make_engine(settings.database_url, **pool_options(settings))
    )
    app.state.blobs = open_blob_store(settings)

    # Level 3: most of the size win at a fraction of the CPU of the default 9.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=3)

    app.add_middleware(ProtocolHeader)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]
        return error_response(ApiError(422, "invalid_request", "请求参数无效", {"fields": fields}))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(ApiError(exc.status_code, code, str(exc.detail)))

    # Outermost of the app's own middleware: every other exception ends here (no handler for
    # Exception: Starlette's ServerErrorMiddleware would answer and then re-raise it, and the
    # server would print its traceback, text and all).
    app.add_middleware(ErrorBoundary, settings=settings)
    # Outside even that: counts and times every answer, 500s included; the request id.
    app.add_middleware(RequestMetrics)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)

    app.include_router(auth_routes.router, prefix=wire.API_PREFIX)
    app.include_router(sync_routes.router, prefix=wire.API_PREFIX)
    app.include_router(admin_routes.router, prefix=wire.API_PREFIX)
    app.include_router(audit_routes.router, prefix=wire.API_PREFIX)
    _document_raw_bodies(app)
    return app


@contextlib.asynccontextmanager
async def purging(app: FastAPI) -> AsyncIterator[None]:
    """Refused and conflicting values past their retention are cleared when the service
    starts and every ``retention.PURGE_EVERY`` while it runs (sync.server.retention)."""
    task = asyncio.create_task(_purge_periodically(app))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _purge_periodically(app: FastAPI) -> None:
    from .retention import PURGE_EVERY, purge

    settings: Settings = app.state.settings
    while True:
        try:
            await asyncio.to_thread(
                purge,
                app.state.engine,
                dt.timedelta(days=settings.retention_days),
                settings.clock(),
            )
        except (DBAPIError, OSError) as exc:  # the next pass tries again
            log.error("retention purge failed: %s", type(exc).__name__)
        await asyncio.sleep(PURGE_EVERY.total_seconds())


def _document_raw_bodies(app: FastAPI) -> None:
    """Add the schemas of the bodies the sync routes parse themselves to the OpenAPI document."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (LoginRequest, PushRequest, PullRequest):
            spec = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(spec.pop("$defs", {}))
            components[model.__name__] = spec
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


class ProtocolHeader:
    """426 for an /api/v1 request without ``Gridworker-Protocol: 1``, before authentication.

    Plain ASGI (no per-request task or body buffering, unlike ``@app.middleware``).
    """

    def __init__(self, app: ASGIApp):
        self.app = app
        self.header = wire.PROTOCOL_HEADER.lower().encode()
        self.version = str(wire.PROTOCOL_VERSION).encode()
        # Probes (a load balancer's, systemd's) send no protocol header.
        self.unversioned = {wire.API_PREFIX + "/health", wire.API_PREFIX + "/ready"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(wire.API_PREFIX + "/") and path not in self.unversioned:
            value = next((v for k, v in scope["headers"] if k == self.header), None)
            if value is None or value.strip() != self.version:
                error = ApiError(
                    426,
                    "protocol_unsupported",
                    "客户端协议版本不受支持，请升级",
                    {"supported": list(wire.SUPPORTED_VERSIONS)},
                )
                await error_response(error)(scope, receive, send)
                return
        await self.app(scope, receive, send)


# PostgreSQL SQLSTATEs of an overloaded or unreachable server, and of a lock not granted in time.
_UNAVAILABLE_STATES = {"53000", "53100", "53200", "53300", "57P01", "57P02", "57P03"}
_BUSY_STATES = {"55P03", "57014", "40001", "40P01"}


def overload_error(exc: BaseException, settings: Settings) -> ApiError | None:
    """503 for a database that is busy or unreachable (the client retries), else None."""
    busy = ApiError(503, "busy", "服务器繁忙，请稍后再试")
    unavailable = ApiError(503, "unavailable", "服务暂时不可用，请稍后再试")
    if isinstance(exc, PoolTimeout):
        error = busy  # every pooled connection in use for pool_timeout seconds
    elif isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None)
        text = str(exc.orig).lower() if exc.orig is not None else ""
        if state in _BUSY_STATES or "database is locked" in text or "table is locked" in text:
            error = busy
        elif (
            state in _UNAVAILABLE_STATES
            or (state or "").startswith("08")
            or isinstance(exc, OperationalError)
            or exc.connection_invalidated
        ):
            error = unavailable  # "too many clients", refused, shutting down, connection lost
        else:
            return None
    else:
        return None
    retry = settings.retry_after_busy * (1 if error is busy else 3)
    error.details = {"retry_after": retry}
    error.headers = {"Retry-After": str(retry)}
    return error


def _where(exc: BaseException) -> str:
    """Where an exception was raised (file, line, function): code, never data."""
    frames = traceback.extract_tb(exc.__traceback__)
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames[-3:])


class ErrorBoundary:
    """Every exception a request raises ends here as a JSON error body, logged by type only.

    Also refuses NUL in the path or the query string (400), before any of it reaches SQL, and
    treats a client that hung up as nothing worse than that."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            refused = ApiError(400, "invalid_request", "请求地址含有无效字符")
            await error_response(refused)(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except ClientDisconnect:
            # The client hung up while sending its body: nothing began, nothing to answer.
            log.info("client disconnected before its request was read")
            return
        except Exception as exc:
            error = overload_error(exc, self.settings)
            if error is None:
                # The type and place only: a database error's text could carry a resident's data.
                log.error("internal error: %s at %s", type(exc).__name__, _where(exc))
                error = ApiError(500, "internal_error", "服务器内部错误")
            else:
                log.warning("answered 503 %s: %s", error.code, type(exc).__name__)
            if started:
                return  # the status line is out; the server closes the connection
            with contextlib.suppress(OSError):
                await error_response(error)(scope, receive, send)


def app_from_env() -> FastAPI:
    """The app for ``uvicorn --factory`` worker processes (``gridsync serve --workers N``)."""
    return create_app(Settings.from_env())


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers or None)
