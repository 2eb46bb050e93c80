"""Prometheus metrics of the service and the ``GET /metrics`` endpoint that shows them.

Counters live in this process's default registry. With several uvicorn workers
(``gridsync serve --workers N``) each worker is a process of its own: ``gridsync serve`` then
sets PROMETHEUS_MULTIPROC_DIR (the ``metrics_dir`` setting, or a fresh temporary directory)
before the workers start, they write their samples there, and whichever worker answers a
scrape adds up all of them. Separate ``gridsync serve`` processes (systemd's gridsync@PORT)
are scraped one by one, as separate targets.

/metrics is answered to the ``metrics_allow`` networks (loopback by default; the address is the
client's as ``trusted_proxies`` report it) or to a bearer ``metrics_token``; else 403.
"""

from __future__ import annotations

import contextvars
import hmac
import ipaddress
import os
import time
import uuid
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol.wire import API_PREFIX

from .settings import Settings

REQUESTS = Counter(
    "gridsync_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "gridsync_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
PUSHES = Counter("gridsync_pushes", "Pushes answered (each one transaction)")
MUTATIONS = Counter(
    "gridsync_mutations",
    "Pushed mutations by outcome (applied, conflict, duplicate, rejected) and rejection code",
    ["outcome", "code"],
)
CONFLICTS = Counter("gridsync_conflicts", "Conflicts recorded (fields two devices changed)")
PULLS = Counter("gridsync_pulls", "Pulls answered")
PULL_ROWS = Counter("gridsync_pull_rows", "Changes sent by pulls")
LOGINS = Counter(
    "gridsync_logins", "Logins by outcome (success, failure) and error code", ["outcome", "code"]
)

# The request being answered, for the logs (``sync.server.logs``) and the X-Request-ID header.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "gridsync_request_id", default=None
)


def count_push(result: dict[str, Any]) -> None:
    PUSHES.inc()
    for item in result.get("results", ()):
        error = item.get("error") or {}
        MUTATIONS.labels(item.get("status", "?"), error.get("code", "")).inc()
        CONFLICTS.inc(len(item.get("conflicts") or ()))


def count_pull(result: dict[str, Any]) -> None:
    PULLS.inc()
    PULL_ROWS.inc(len(result.get("changes", ())))


def count_login(code: str | None) -> None:
    """``code`` None: a success; else the error code answered."""
    LOGINS.labels("success" if code is None else "failure", code or "").inc()


def _safe_request_id(value: bytes | None) -> str:
    """The proxy's X-Request-ID when it looks like one (nginx's $request_id), else a new one."""
    if value and 8 <= len(value) <= 64 and all(chr(c).isalnum() or c in b"-_" for c in value):
        return value.decode()
    return uuid.uuid4().hex


class RequestMetrics:
    """Outermost middleware: a request id for the logs, and every answer counted and timed by
    its route template (``/api/v1/attachments/{sha256}``, never the path itself)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"x-request-id")
        rid = _safe_request_id(header)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def tracked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        finally:
            template = route_template(scope)
            method = scope.get("method", "?")
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(time.perf_counter() - started)
            request_id.reset(token)


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (``unmatched`` for none): a label of
    bounded cardinality, with no id or digest from the path in it."""
    route = scope.get("route")
    if route is not None:
        path = str(route.path)
        # Routes of an included router know their path without its prefix.
        if scope.get("path", "").startswith(API_PREFIX + "/") and not path.startswith(API_PREFIX):
            path = API_PREFIX + path
        return path
    partial = None
    for candidate in getattr(scope.get("app"), "routes", ()):
        template = getattr(candidate, "path", None)
        if not isinstance(template, str):
            continue  # an included router: its routes set scope["route"] when they answer
        try:
            match, _ = candidate.matches(scope)
        except Exception:  # counting must never fail a request
            continue
        if match == Match.FULL:
            return template
        if match == Match.PARTIAL and partial is None:
            partial = template  # the path matched, the method did not
    return partial or "unmatched"


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def allowed(request: Request, settings: Settings) -> bool:
    from .auth import client_address

    if settings.metrics_token:
        given = request.headers.get("authorization", "")
        expected = "Bearer " + settings.metrics_token
        if hmac.compare_digest(given.encode(), expected.encode()):
            return True
    address = client_address(request, settings)
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in settings.metrics_allow)


async def metrics_endpoint(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not allowed(request, settings):
        return Response("forbidden\n", status_code=403, media_type="text/plain")
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
