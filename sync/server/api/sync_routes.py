"""Push, pull, attachments, conflicts and rejections."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from sync.protocol.values import format_time

from .. import blobs, directory, metrics, reports
from .. import pull as pull_service
from .. import push as push_service
from ..schemas import (
    ERROR_RESPONSES,
    ConflictList,
    ErrorBody,
    HandledList,
    HandledQuery,
    HandledRejection,
    PeopleList,
    PullResponse,
    PushResponse,
    RejectionList,
    SettleResponse,
)
from .deps import (
    BlobsDep,
    CallerDep,
    EngineDep,
    SettingsDep,
    protocol_header,
    read_bytes,
    read_json,
)

router = APIRouter(dependencies=[Depends(protocol_header)], responses=ERROR_RESPONSES)


def _body(schema: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    }


@router.post(
    "/sync/push",
    tags=["sync"],
    response_model=PushResponse,
    openapi_extra=_body("PushRequest"),
    responses={409: {"model": ErrorBody, "description": "mutation_gap"}},
)
async def push(
    request: Request, caller: CallerDep, engine: EngineDep, settings: SettingsDep
) -> Any:
    """Apply the device's mutations exactly once, in order; each is judged on its own."""
    body = await read_json(request)
    result = await run_in_threadpool(push_service.push, engine, settings, caller, body)
    metrics.count_push(result)
    return await _json(result)


@router.post(
    "/sync/pull", tags=["sync"], response_model=PullResponse, openapi_extra=_body("PullRequest")
)
async def pull(
    request: Request, caller: CallerDep, engine: EngineDep, settings: SettingsDep
) -> Any:
    """Changes of the named grids since their cursors, in version order."""
    body = await read_json(request, 1024 * 1024, plain_text=True)
    now = format_time(settings.clock())
    result = await run_in_threadpool(pull_service.pull, engine, caller, body, now)
    metrics.count_pull(result)
    return await _json(result)


async def _json(content: Any) -> Response:
    """Large sync bodies are encoded once, off the event loop, without re-validation: the
    service builds them in the documented shape (``response_model`` stays for the docs)."""
    data = await run_in_threadpool(json.dumps, content, ensure_ascii=False, separators=(",", ":"))
    return Response(content=data.encode(), media_type="application/json")


Sha = Annotated[str, Path(min_length=64, max_length=64, pattern="^[0-9a-fA-F]{64}$")]


@router.put(
    "/attachments/{sha256}",
    tags=["attachments"],
    status_code=201,
    responses={200: {"description": "Already present"}, 201: {"description": "Stored"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def put_attachment(
    sha256: Sha,
    request: Request,
    caller: CallerDep,
    engine: EngineDep,
    settings: SettingsDep,
    store: BlobsDep,
) -> Response:
    data = await read_bytes(request, settings.max_attachment_bytes)
    media_type = request.headers.get("content-type")
    new = await run_in_threadpool(
        blobs.put_blob, engine, settings, store, caller, sha256, data, media_type
    )
    return Response(status_code=201 if new else 200)


@router.get(
    "/attachments/{sha256}",
    tags=["attachments"],
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, 404: {"model": ErrorBody}},
)
def get_attachment(sha256: Sha, caller: CallerDep, engine: EngineDep, store: BlobsDep) -> Response:
    data, media_type = blobs.get_blob(engine, store, caller, sha256)
    return Response(content=data, media_type=media_type)


GridQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]


# Paging of the conflict and rejection lists: ascending ids after the cursor. Any 64-bit
# cursor is accepted (ids are 32-bit on PostgreSQL, a larger cursor simply matches nothing).
AfterId = Annotated[int, Query(ge=0, le=2**63 - 1, description="only those with a larger id")]


@router.get("/conflicts", tags=["conflicts"], response_model=ConflictList)
async def conflicts(
    caller: CallerDep,
    engine: EngineDep,
    grid_id: GridQuery = None,
    state: Annotated[str, Query(pattern="^(open|settled|all)$")] = "open",
    after_id: AfterId = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
) -> Any:
    """A page in ascending id order after ``after_id``; ``has_more`` when another follows."""
    result = await run_in_threadpool(
        reports.list_conflicts, engine, caller, grid_id, state, limit, after_id
    )
    return await _json(result)


@router.post("/conflicts/{conflict_id}/settle", tags=["conflicts"], response_model=SettleResponse)
def settle(
    conflict_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    caller: CallerDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> Any:
    return reports.settle_conflict(engine, settings, caller, conflict_id)


@router.get("/rejections", tags=["conflicts"], response_model=RejectionList)
async def rejections(
    caller: CallerDep,
    engine: EngineDep,
    grid_id: GridQuery = None,
    after_id: AfterId = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """A page in ascending id order after ``after_id``; ``has_more`` when another follows."""
    result = await run_in_threadpool(
        reports.list_rejections, engine, caller, grid_id, limit, after_id
    )
    return await _json(result)


RejectionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post(
    "/rejections/{rejection_id}/handle",
    tags=["conflicts"],
    response_model=HandledRejection,
    responses={404: {"model": ErrorBody}},
)
def handle_rejection(
    rejection_id: RejectionId, caller: CallerDep, engine: EngineDep, settings: SettingsDep
) -> Any:
    """已处理: marks a rejection handled (a reviewer holding its grid, or its author; 404 for
    anyone else). Marking it again changes nothing."""
    return reports.handle_rejection(engine, settings, caller, rejection_id)


@router.post("/rejections/handled", tags=["conflicts"], response_model=HandledList)
def handled_rejections(body: HandledQuery, caller: CallerDep, engine: EngineDep) -> Any:
    """Of the ids asked about (at most 1,000), those the caller may see that are handled."""
    return reports.handled_rejections(engine, caller, body.ids)


@router.get("/people", tags=["conflicts"], response_model=PeopleList)
def people(caller: CallerDep, engine: EngineDep) -> Any:
    """The users who hold the caller's grids, by name: for reviews, coverage and assignments."""
    return directory.list_people(engine, caller)
