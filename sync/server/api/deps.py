"""Dependencies of the routes: the engine, settings, the caller, and body reading."""

from __future__ import annotations

import json
import zlib
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy import Engine

from sync.protocol import wire

from ..auth import authenticate
from ..blobs import BlobStorage
from ..context import ApiError, Caller
from ..settings import Settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_blobs(request: Request) -> BlobStorage:
    return request.app.state.blobs  # type: ignore[no-any-return]


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
BlobsDep = Annotated[BlobStorage, Depends(get_blobs)]


def get_caller(
    engine: EngineDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    return authenticate(engine, settings, authorization)


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_admin(caller: CallerDep) -> Caller:
    if caller.role != "admin":
        raise ApiError(403, "forbidden", "只有管理员可以执行此操作")
    return caller


AdminDep = Annotated[Caller, Depends(get_admin)]


def protocol_header(
    gridworker_protocol: Annotated[
        str | None, Header(alias=wire.PROTOCOL_HEADER, description="Must be 1")
    ] = None,
) -> None:
    """Documents the header; the middleware enforces it before authentication."""


async def read_json(
    request: Request, max_bytes: int = wire.MAX_BODY_BYTES, plain_text: bool = False
) -> Any:
    """The request's JSON body: size-limited (413), gunzipped if sent so, parsed (400).

    ``plain_text``: a body whose strings (keys too) hold a NUL or a lone surrogate is 422
    (neither database nor the response encoder takes them). A push judges its mutations'
    text itself, per mutation."""
    data = await read_bytes(request, max_bytes)
    try:
        body = json.loads(data, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "malformed_json", "请求体不是有效的 JSON") from None
    if plain_text and not _plain(body):
        raise ApiError(422, "invalid_request", "请求含有无效字符")
    return body


def _plain(value: Any) -> bool:
    """No string in the value holds a NUL or a lone surrogate (iterative: bodies may nest)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_bytes(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    data = b"".join(chunks)
    if request.headers.get("content-encoding", "").lower() == "gzip":
        data = _gunzip(data, max_bytes)
    return data


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decomp.decompress(data, max_bytes + 1)
    except zlib.error:
        raise ApiError(400, "invalid_request", "gzip 数据损坏") from None
    if len(out) > max_bytes or decomp.unconsumed_tail:
        raise _too_large(max_bytes)
    return out


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"请求体不能超过 {max_bytes // (1024 * 1024)} MB",
        {"max_bytes": max_bytes},
    )
