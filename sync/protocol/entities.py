"""One definition of every replicated entity's fields, used by the client and the server.

A ``Field`` says what a value is (its kind, limits and code list), who may write it, and how
it is normalised. ``ENTITIES`` maps each entity name to its fields in display order. Both
sides' database tables, the server's push validation and the client's forms are derived from
these definitions; nothing else lists an entity's fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from . import codes, values
from .errors import ValidationError

NAME_MAX = 200
NOTE_MAX = 4000


class Kind(StrEnum):
    TEXT = "text"  # single line
    NOTE = "note"  # multi-line
    CODE = "code"
    OPEN_CODE = "open_code"
    TAGS = "tags"
    UUID = "uuid"
    UUIDS = "uuids"
    GRID = "grid"  # a grid's text id
    DATE = "date"
    TIME = "time"
    INT = "int"
    BOOL = "bool"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    SHA256 = "sha256"
    JSON = "json"  # a JSON object or list (campaign extension: questionnaires, answers)


class Writer(StrEnum):
    CLIENT = "client"  # any role in scope
    SUPERVISOR = "supervisor"  # supervisors (and admins) only
    SERVER = "server"  # set by the server; a create may carry it only as null or its default


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    label: str
    required: bool = False
    max_length: int = NAME_MAX
    codes: codes.CodeSet | None = None
    writer: Writer = Writer.CLIENT
    immutable: bool = False  # fixed after the create (grid_id, household_id, parents)
    default: Any = None
    minimum: int = 0
    maximum: int = 0
    # Kept on a tombstone (PROTOCOL.md 1.1): a link to another row (grid_id, household_id …),
    # or a required code or time that says nothing about a person (a visit's outcome).
    kept: bool = False

    def normalise(self, value: object) -> Any:
        """The canonical value, or ``ValidationError`` naming this field."""
        try:
            result = _NORMALISERS[self.kind](self, value)
        except ValidationError as exc:
            exc.field = self.name
            raise
        return result

    @property
    def kept_on_tombstone(self) -> bool:
        """Whether a deleted row keeps this field; every other field is personal or free text
        and is cleared (``tombstone``)."""
        return self.kept or self.writer is Writer.SERVER

    def empty(self) -> Any:
        """The value a create gets when it leaves this field out."""
        if self.kind in (Kind.TAGS, Kind.UUIDS):
            return []
        return self.default


def _max(field: Field) -> int:
    return field.max_length


_NORMALISERS: dict[Kind, Callable[[Field, object], Any]] = {
    Kind.TEXT: lambda f, v: values.text(v, label=f.label, max_length=_max(f)),
    Kind.NOTE: lambda f, v: values.text(v, label=f.label, max_length=_max(f), multiline=True),
    Kind.CODE: lambda f, v: values.code(v, label=f.label, codes=f.codes),
    Kind.OPEN_CODE: lambda f, v: values.open_code(v, label=f.label),
    Kind.TAGS: lambda f, v: values.code_list(v, label=f.label, codes=f.codes),
    Kind.UUID: lambda f, v: values.uuid_text(v, label=f.label),
    Kind.UUIDS: lambda f, v: values.uuid_list(v, label=f.label),
    Kind.GRID: lambda f, v: values.text(v, label=f.label, max_length=64),
    Kind.DATE: lambda f, v: values.date(v, label=f.label),
    Kind.TIME: lambda f, v: values.time(v, label=f.label),
    Kind.INT: lambda f, v: values.integer(v, label=f.label, minimum=f.minimum, maximum=f.maximum),
    Kind.BOOL: lambda f, v: values.boolean(v, label=f.label),
    Kind.PHONE: lambda f, v: values.phone(v, label=f.label),
    Kind.ID_NUMBER: lambda f, v: values.id_number(v, label=f.label),
    Kind.SHA256: lambda f, v: values.sha256_hex(v, label=f.label),
    Kind.JSON: lambda f, v: _json_value(v, f),
}


def _json_value(value: object, field: Field) -> Any:
    """A JSON object or list, at most ``max_length`` characters once encoded; its deeper
    meaning (a questionnaire, answers) is judged by the entity's own rules."""
    if value is None:
        return None
    if not isinstance(value, (dict, list)):
        raise ValidationError(f"{field.label}格式错误", code="invalid_type")
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise ValidationError(f"{field.label}格式错误", code="invalid_type") from None
    if len(text) > field.max_length:
        raise ValidationError(f"{field.label}内容过长", code="too_long")
    result: Any = json.loads(text)
    return result


def _fields(*fields: Field) -> Mapping[str, Field]:
    return MappingProxyType({f.name: f for f in fields})


def _text(name: str, label: str, **kw: Any) -> Field:
    return Field(name, Kind.TEXT, label, **kw)


def _note(name: str, label: str, **kw: Any) -> Field:
    return Field(name, Kind.NOTE, label, max_length=NOTE_MAX, **kw)


GRID_FIELDS = _fields(
    _text("name", "网格名称", required=True),
    _text("community", "社区"),
    _text("street", "街道"),
    _text("district", "区"),
)

HOUSEHOLD_FIELDS = _fields(
    Field("grid_id", Kind.GRID, "网格", required=True, immutable=True, kept=True),
    _text("address", "地址", required=True),
    _text("building", "楼栋", max_length=32),
    _text("unit", "单元", max_length=32),
    _text("room", "室", max_length=32),
    _text("head_name", "户主姓名"),
    Field("phone", Kind.PHONE, "联系电话"),
    Field("kind", Kind.CODE, "户类型", codes=codes.HOUSEHOLD_KINDS),
    Field("tags", Kind.TAGS, "标签", codes=codes.TAGS),
    Field("visit_interval_days", Kind.INT, "走访周期（天）", minimum=1, maximum=3650),
    _note("notes", "备注"),
)

RESIDENT_FIELDS = _fields(
    Field("household_id", Kind.UUID, "所属住户", required=True, immutable=True, kept=True),
    _text("name", "姓名", required=True),
    Field("gender", Kind.CODE, "性别", codes=codes.GENDERS),
    Field("id_number", Kind.ID_NUMBER, "身份证号"),
    Field("birth_date", Kind.DATE, "出生日期"),
    Field("relation", Kind.CODE, "与户主关系", codes=codes.RELATIONS),
    Field("phone", Kind.PHONE, "联系电话"),
    Field("tags", Kind.TAGS, "标签", codes=codes.TAGS),
    Field("present", Kind.BOOL, "在住", default=True),
    _note("notes", "备注"),
)

VISIT_FIELDS = _fields(
    Field("household_id", Kind.UUID, "所属住户", required=True, immutable=True, kept=True),
    Field("visited_at", Kind.TIME, "走访时间", required=True, kept=True),
    Field("outcome", Kind.CODE, "走访结果", required=True, codes=codes.VISIT_OUTCOMES, kept=True),
    Field("worker_id", Kind.UUID, "网格员", writer=Writer.SERVER),
    Field("people_met", Kind.UUIDS, "见到的人员"),
    _note("notes", "走访情况"),
    Field("follow_up", Kind.BOOL, "需跟进"),
    Field(
        "review_status",
        Kind.CODE,
        "审核状态",
        codes=codes.REVIEW_STATUSES,
        writer=Writer.SUPERVISOR,
        default="pending",
    ),
    _note("review_comment", "审核意见", writer=Writer.SUPERVISOR),
    Field("reviewed_by", Kind.UUID, "审核人", writer=Writer.SERVER),
    Field("reviewed_at", Kind.TIME, "审核时间", writer=Writer.SERVER),
)

ISSUE_FIELDS = _fields(
    Field("grid_id", Kind.GRID, "网格", required=True, immutable=True, kept=True),
    _text("title", "标题", required=True),
    Field("category", Kind.CODE, "类别", required=True, codes=codes.ISSUE_CATEGORIES, kept=True),
    Field("household_id", Kind.UUID, "关联住户", immutable=True, kept=True),
    Field("subcategory", Kind.OPEN_CODE, "子类"),
    _note("description", "描述"),
    _text("location", "位置"),
    Field("priority", Kind.CODE, "紧急程度", codes=codes.ISSUE_PRIORITIES, default="normal"),
    Field(
        "status",
        Kind.CODE,
        "状态",
        codes=codes.ISSUE_STATUSES,
        writer=Writer.SERVER,
        default="open",
    ),
    Field("due_date", Kind.DATE, "办理期限"),
    Field("assignee_id", Kind.UUID, "承办人"),
    _text("external_ref", "12345 工单号", max_length=64),
)

ISSUE_UPDATE_FIELDS = _fields(
    Field("issue_id", Kind.UUID, "所属事项", required=True, immutable=True, kept=True),
    Field("from_status", Kind.CODE, "原状态", codes=codes.ISSUE_STATUSES),
    Field("status", Kind.CODE, "新状态", codes=codes.ISSUE_STATUSES),
    _note("comment", "处置说明"),
    Field("author_id", Kind.UUID, "处置人", writer=Writer.SERVER),
    Field("created_at", Kind.TIME, "处置时间"),
)

ATTACHMENT_FIELDS = _fields(
    Field("sha256", Kind.SHA256, "文件摘要", required=True, immutable=True, kept=True),
    Field(
        "owner_entity",
        Kind.CODE,
        "所属类型",
        required=True,
        codes=codes.ATTACHMENT_OWNERS,
        immutable=True,
        kept=True,
    ),
    Field("owner_id", Kind.UUID, "所属记录", required=True, immutable=True, kept=True),
    _text("filename", "文件名"),
    _text("media_type", "文件类型", max_length=100),
    Field("size", Kind.INT, "大小", minimum=0, maximum=2**40),
)

# Extension "campaigns" (docs/protocol.md): a campaign as the supervisor defines it, one row
# per grid it covers (id: ``sync.protocol.campaigns.campaign_row_id``), and the responses.
CAMPAIGN_FIELDS = _fields(
    Field("grid_id", Kind.GRID, "网格", required=True, immutable=True, kept=True),
    Field("campaign_id", Kind.UUID, "任务编号", required=True, immutable=True, kept=True),
    _text("title", "任务名称", required=True),
    Field("kind", Kind.CODE, "任务类型", required=True, codes=codes.CAMPAIGN_KINDS, kept=True),
    Field(
        "status",
        Kind.CODE,
        "任务状态",
        required=True,
        codes=codes.CAMPAIGN_STATUSES,
        default="draft",
        kept=True,
    ),
    Field("target_rule", Kind.JSON, "任务对象", max_length=2_000_000),
    Field("form", Kind.JSON, "问卷", max_length=1_000_000),
    Field("outcomes", Kind.JSON, "结果选项", max_length=10_000),
    Field("starts_at", Kind.TIME, "开始时间"),
    Field("deadline", Kind.TIME, "截止时间", required=True, kept=True),
    Field("targets", Kind.UUIDS, "对象住户", writer=Writer.SERVER),
    Field("created_by", Kind.UUID, "发起人", writer=Writer.SERVER),
    Field("published_at", Kind.TIME, "发布时间", writer=Writer.SERVER),
    Field("closed_at", Kind.TIME, "结束时间", writer=Writer.SERVER),
)

CAMPAIGN_RESPONSE_FIELDS = _fields(
    Field("household_id", Kind.UUID, "住户", required=True, immutable=True, kept=True),
    Field("campaign_id", Kind.UUID, "任务编号", required=True, immutable=True, kept=True),
    Field("outcome", Kind.OPEN_CODE, "结果", required=True, kept=True),
    Field("answers", Kind.JSON, "问卷答案", max_length=64_000),
    Field("photos", Kind.JSON, "照片", max_length=10_000),
    _note("notes", "备注"),
    Field("responded_at", Kind.TIME, "填报时间", required=True, kept=True),
    Field("responder_id", Kind.UUID, "填报人", writer=Writer.SERVER),
)


@dataclass(frozen=True)
class Entity:
    name: str
    label: str
    fields: Mapping[str, Field]
    parent_field: str | None  # the field naming the row whose grid this row shares
    parent_entity: str | None
    create_only: bool = False


ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {
        "households": Entity("households", "住户", HOUSEHOLD_FIELDS, None, None),
        "residents": Entity("residents", "居民", RESIDENT_FIELDS, "household_id", "households"),
        "visits": Entity("visits", "走访记录", VISIT_FIELDS, "household_id", "households"),
        "issues": Entity("issues", "民情事项", ISSUE_FIELDS, "household_id", "households"),
        "issue_updates": Entity(
            "issue_updates", "处置记录", ISSUE_UPDATE_FIELDS, "issue_id", "issues", create_only=True
        ),
        "attachments": Entity(
            "attachments", "附件", ATTACHMENT_FIELDS, "owner_id", None, create_only=True
        ),
        "campaigns": Entity("campaigns", "任务", CAMPAIGN_FIELDS, None, None),
        "campaign_responses": Entity(
            "campaign_responses",
            "任务反馈",
            CAMPAIGN_RESPONSE_FIELDS,
            "household_id",
            "households",
            create_only=True,
        ),
    }
)

# The order in which entities are applied and sent: parents before children.
ENTITY_ORDER: tuple[str, ...] = tuple(ENTITIES)

# Entities of protocol extensions: sent in a pull only to clients that declare the extension
# (``"extensions": [...]``), and counted in a grid's checksum only for them, so that a client
# of version 1 never meets a row it does not know (docs/protocol.md, "Extension — campaigns").
EXTENSION_ENTITIES: Mapping[str, frozenset[str]] = MappingProxyType(
    {"campaigns": frozenset({"campaigns", "campaign_responses"})}
)
EXTENSION_OF: Mapping[str, str] = MappingProxyType(
    {entity: ext for ext, names in EXTENSION_ENTITIES.items() for entity in names}
)


def entities_for(extensions: frozenset[str] | set[str] = frozenset()) -> tuple[str, ...]:
    """The entities a client declaring ``extensions`` receives, in ``ENTITY_ORDER``."""
    return tuple(e for e in ENTITY_ORDER if e not in EXTENSION_OF or EXTENSION_OF[e] in extensions)


# Envelope fields every replicated row carries besides its entity fields.
ENVELOPE_FIELDS = ("id", "version", "deleted", "updated_at", "updated_by")


def row_keys(entity: str) -> tuple[str, ...]:
    """All keys of a replicated row of ``entity`` on the wire, in order."""
    return ("id", *ENTITIES[entity].fields, "version", "deleted", "updated_at", "updated_by")


def tombstone(entity: str, row: Mapping[str, Any], *, stored: bool = True) -> dict[str, Any]:
    """``row`` as a tombstone keeps it (PROTOCOL.md 1.1): its id, links, envelope and
    server-owned fields; every other field cleared, so that no personal data outlives a delete.

    Cleared is null on the wire (``stored=False``); in a database a required text column
    (an address, a name, a title) cannot hold null and gets the empty text instead.
    """
    out = dict(row)
    for name, field in ENTITIES[entity].fields.items():
        if name in out and not field.kept_on_tombstone:
            out[name] = "" if stored and field.required else None
    out["deleted"] = True
    return out


def personal_fields(entity: str) -> tuple[str, ...]:
    """The fields of ``entity`` a tombstone clears."""
    return tuple(n for n, f in ENTITIES[entity].fields.items() if not f.kept_on_tombstone)
