"""Request and response schemas, for the OpenAPI document.

The sync endpoints parse their bodies themselves (a malformed mutation must be judged on its
own, not fail the whole request), so these models describe the wire format rather than
validate it; they are the contract PROTOCOL.md states.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field


def _plain_text(value: str) -> str:
    """Text a database can store: no NUL, no lone surrogate (a 422 instead of a 500)."""
    if "\x00" in value:
        raise ValueError("contains NUL")
    value.encode("utf-8")  # UnicodeEncodeError is a ValueError: a lone surrogate
    return value


# Strings of the admin bodies, which FastAPI validates (and which reach SQL as they are).
PlainText = Annotated[str, AfterValidator(_plain_text)]


class ErrorDetail(BaseModel):
    code: str = Field(examples=["mutation_gap"])
    message: str
    details: dict[str, Any] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    version: str


class LoginRequest(BaseModel):
    username: str
    password: str
    device_id: str = Field(description="UUID of this (installation, user) pair")
    device_name: str | None = None


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: Literal["worker", "supervisor", "admin"]


class GridOut(BaseModel):
    id: str
    name: str
    community: str | None = None
    street: str | None = None
    district: str | None = None


class LoginResponse(BaseModel):
    token: str
    expires_at: str
    user: UserOut
    grids: list[GridOut]
    server_time: str
    key_escrow: str | None = Field(
        None,
        description="extension: this device's secret wrapping its local data key a second time "
        '(docs/protocol.md "Encryption at rest"); the same at every login of the device',
    )


class MeResponse(BaseModel):
    user: UserOut
    grids: list[GridOut]
    server_time: str
    epoch: str | None = Field(
        None, description="extension: the database epoch; a restore from a backup changes it"
    )


class FieldChange(BaseModel):
    old: Any = None
    new: Any = None


class Mutation(BaseModel):
    seq: int = Field(ge=1)
    entity: Literal["households", "residents", "visits", "issues", "issue_updates", "attachments"]
    id: str
    op: Literal["create", "update", "delete"]
    values: dict[str, Any] | None = Field(None, description="create: the row's fields")
    changes: dict[str, FieldChange] | None = Field(None, description="update: {field: {old, new}}")


class PushRequest(BaseModel):
    device_id: str
    mutations: list[Mutation] = Field(max_length=1000)


class ConflictOut(BaseModel):
    field: str
    base: Any = None
    theirs: Any = None
    ours: Any = None


class MutationError(BaseModel):
    code: str
    message: str
    field: str | None = None


class PushResult(BaseModel):
    seq: int
    status: Literal["applied", "conflict", "duplicate", "rejected"]
    version: int | None
    conflicts: list[ConflictOut] = []
    error: MutationError | None = None


class PushResponse(BaseModel):
    last_seq: int
    results: list[PushResult]
    server_time: str
    epoch: str | None = Field(
        None, description="extension: the database epoch; a restore from a backup changes it"
    )


class PullRequest(BaseModel):
    cursors: dict[str, int] = Field(
        default_factory=dict, description="grid id -> last version seen"
    )
    limit: int = Field(1000, ge=1, description="capped at 5000")
    extensions: list[str] = Field(
        default_factory=list,
        description="extension: protocol extensions the client supports, e.g. ['campaigns']; "
        "rows of an extension are sent (and counted in checksums) only to clients naming it",
    )


class Change(BaseModel):
    grid_id: str
    version: int
    entity: str
    id: str
    op: Literal["upsert", "leave"]
    row: dict[str, Any] | None


class Checksum(BaseModel):
    count: int
    digest: str = Field(description="16 hex digits: XOR of sha256('{entity}:{id}:{version}')[:8]")


class PullResponse(BaseModel):
    changes: list[Change]
    cursors: dict[str, int]
    has_more: bool
    grids: list[GridOut]
    revoked_grids: list[str]
    checksums: dict[str, Checksum]
    last_seq: int
    server_time: str
    epoch: str | None = Field(
        None, description="extension: the database epoch; a restore from a backup changes it"
    )
    extensions: list[str] = Field(
        default_factory=list, description="extension: the declared extensions applied"
    )


class ConflictRecord(BaseModel):
    id: int
    grid_id: str
    entity: str
    row_id: str
    field: str
    kind: Literal["field", "deleted"]
    base: Any = None
    theirs: Any = None
    ours: Any = None
    user_id: str
    user_name: str | None
    theirs_user_id: str | None
    theirs_user_name: str | None
    device_id: str
    seq: int
    version: int | None
    created_at: str
    state: Literal["open", "settled"]
    settled_by: str | None
    settled_at: str | None


class ConflictList(BaseModel):
    conflicts: list[ConflictRecord]
    has_more: bool = False


class SettleResponse(BaseModel):
    id: int
    state: Literal["settled"]


class RejectionRecord(BaseModel):
    id: int
    grid_id: str | None
    entity: str | None
    row_id: str | None
    device_id: str
    user_id: str
    user_name: str | None
    seq: int
    mutation: Any
    error: MutationError
    created_at: str
    handled_at: str | None = None
    handled_by: str | None = None


class RejectionList(BaseModel):
    rejections: list[RejectionRecord]
    has_more: bool = False


class HandledRejection(BaseModel):
    id: int
    handled_at: str
    handled_by: str | None


class HandledQuery(BaseModel):
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(max_length=1000)


class HandledList(BaseModel):
    handled: list[HandledRejection]


class Person(BaseModel):
    id: str
    display_name: str
    role: str
    grids: list[str]


class PeopleList(BaseModel):
    users: list[Person]


class GridCreate(BaseModel):
    id: PlainText
    name: PlainText
    community: PlainText | None = None
    street: PlainText | None = None
    district: PlainText | None = None


class UserCreate(BaseModel):
    username: PlainText
    role: Literal["worker", "supervisor", "admin"]
    password: PlainText
    display_name: PlainText | None = None


class GridIds(BaseModel):
    grid_ids: list[PlainText]


class UserGrids(BaseModel):
    username: str
    grids: list[str]


class MoveRequest(BaseModel):
    grid_id: PlainText


class MoveResponse(BaseModel):
    household_id: str
    from_: str = Field(alias="from")
    to: str
    moved: dict[str, int]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in {
        400: "Malformed request",
        401: "Not logged in, or the token expired",
        403: "Revoked device, device mismatch or forbidden",
        413: "Too large",
        422: "Invalid value",
        426: "Missing or unsupported Gridworker-Protocol header",
    }.items()
}
