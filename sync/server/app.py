"""The FastAPI application factory."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from sync import __version__
from sync.protocol import wire

from .api import admin_routes, auth_routes, sync_routes
from .blobs import BlobStore
from .context import ApiError
from .db import make_engine
from .schemas import LoginRequest, PullRequest, PushRequest
from .settings import Settings

log = logging.getLogger("gridsync")


def create_app(settings: Settings, engine: Any = None) -> FastAPI:
    app = FastAPI(
        title="Gridworker sync service",
        version=__version__,
        description="PROTOCOL.md v1: push, pull, attachments, conflicts and rejections.",
    )
    app.state.settings = settings
    app.state.engine = engine if engine is not None else make_engine(settings.database_url)
    app.state.blobs = BlobStore(settings.resolved_blob_dir())

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

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, exc: Exception) -> JSONResponse:
        # The type only: a database error's text could carry a resident's data.
        log.error("internal error: %s", type(exc).__name__)
        log.debug("internal error traceback", exc_info=exc)
        return error_response(ApiError(500, "internal_error", "服务器内部错误"))

    app.include_router(auth_routes.router, prefix=wire.API_PREFIX)
    app.include_router(sync_routes.router, prefix=wire.API_PREFIX)
    app.include_router(admin_routes.router, prefix=wire.API_PREFIX)
    _document_raw_bodies(app)
    return app


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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(wire.API_PREFIX + "/") and path != wire.API_PREFIX + "/health":
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


def app_from_env() -> FastAPI:
    """The app for ``uvicorn --factory`` worker processes (``gridsync serve --workers N``)."""
    return create_app(Settings.from_env())


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers or None)
