"""The rules of the campaigns extension, one definition shared by the service and the laptop.

A campaign (平急转换 sweep or survey) is replicated as one ``campaigns`` row per grid it
covers, all sharing ``campaign_id``; the row's id is derived (``campaign_row_id``) so that
every side names the same row. Responses (``campaign_responses``) are append-only rows of a
household. What a campaign row may hold (``check_definition``), how its status moves
(``check_status``) and whether a response is acceptable (``check_response``) are judged here,
with the questionnaire engine ``sync.forms``, so that the laptop refuses at the door exactly
what the service would refuse in a push.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sync.forms import FormError, Questionnaire, clean, validate
from sync.protocol import codes
from sync.protocol.errors import ValidationError, WorkflowError
from sync.protocol.values import SHANGHAI, parse_time, sha256_hex, uuid_text

EXTENSION = "campaigns"

# Fixed: changing it would rename every campaign row.
_NAMESPACE = uuid.UUID("6f1d3c52-8a3e-4c61-9b1e-2f4b8a7c9d10")

# Fields a supervisor may change only while the campaign is a draft: once published, the
# households answer this questionnaire with these outcomes.
DRAFT_ONLY = frozenset({"kind", "target_rule", "form", "outcomes"})

# draft → active (published) → closed; a draft may also be dropped by closing it.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "draft": frozenset({"active", "closed"}),
    "active": frozenset({"closed"}),
    "closed": frozenset(),
}

_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_OUTCOMES = 12
MAX_PHOTOS = 20


def campaign_row_id(campaign_id: str, grid_id: str) -> str:
    """The id of a campaign's row in a grid (the same on every laptop and the service)."""
    return str(uuid.uuid5(_NAMESPACE, f"{campaign_id}:{grid_id}"))


def outcomes_of(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The campaign's outcomes (code, label, form), the default three when it names none."""
    outcomes = row.get("outcomes")
    if not outcomes:
        return [dict(o) for o in codes.DEFAULT_CAMPAIGN_OUTCOMES]
    return [
        {"code": o["code"], "label": o["label"], "form": bool(o.get("form", True))}
        for o in outcomes
    ]


_FORMS: dict[str, Questionnaire] = {}


def questionnaire_of(row: Mapping[str, Any]) -> Questionnaire | None:
    """The campaign's questionnaire, read and compiled once per definition (a push of many
    responses, or a laptop's list of targets, must not compile it per household)."""
    form = row.get("form")
    if not form:
        return None
    key = json.dumps(form, sort_keys=True, ensure_ascii=False)
    found = _FORMS.get(key)
    if found is None:
        found = Questionnaire.from_dict(form)
        found.compiled()
        if len(_FORMS) >= 32:
            _FORMS.clear()
        _FORMS[key] = found
    return found


def check_outcomes(outcomes: Any) -> None:
    if outcomes is None:
        return
    if not isinstance(outcomes, list) or not 1 <= len(outcomes) <= MAX_OUTCOMES:
        raise ValidationError(f"结果选项应为 1 到 {MAX_OUTCOMES} 项", code="invalid_value")
    seen: set[str] = set()
    for item in outcomes:
        if not isinstance(item, dict) or set(item) - {"code", "label", "form"}:
            raise ValidationError("结果选项格式错误", code="invalid_value", field="outcomes")
        code, label = item.get("code"), item.get("label")
        if not isinstance(code, str) or not _CODE.fullmatch(code) or code in seen:
            raise ValidationError("结果选项的代码无效或重复", code="invalid_value")
        if not isinstance(label, str) or not label.strip() or len(label) > 20:
            raise ValidationError("结果选项的名称不能为空且不超过 20 字", code="invalid_value")
        if not isinstance(item.get("form", True), bool):
            raise ValidationError("结果选项格式错误", code="invalid_value", field="outcomes")
        seen.add(code)


def check_target_rule(rule: Any) -> None:
    """``{"kind": "all"}``, ``{"kind": "tags", "tags": [...]}`` (households or residents
    carrying any of them) or ``{"kind": "households", "ids": [...]}`` (an imported list)."""
    if not isinstance(rule, dict):
        raise ValidationError("请选择任务对象", code="required", field="target_rule")
    kind = rule.get("kind")
    if kind == "all" and set(rule) == {"kind"}:
        return
    if kind == "tags" and set(rule) == {"kind", "tags"}:
        tags = rule["tags"]
        if isinstance(tags, list) and tags and all(t in codes.TAGS for t in tags):
            return
        raise ValidationError("任务对象的标签无效", code="invalid_code", field="target_rule")
    if kind == "households" and set(rule) == {"kind", "ids"}:
        ids = rule["ids"]
        if isinstance(ids, list) and all(
            isinstance(i, str) and uuid_text(i, label="住户编号") == i for i in ids
        ):
            return
        raise ValidationError("任务对象的住户名单无效", code="invalid_value", field="target_rule")
    raise ValidationError("任务对象格式错误", code="invalid_value", field="target_rule")


def check_definition(row: Mapping[str, Any]) -> None:
    """A campaign row's own content: rule of targets, outcomes, questionnaire, times."""
    check_target_rule(row.get("target_rule"))
    check_outcomes(row.get("outcomes"))
    if row.get("form") is not None:
        try:
            Questionnaire.from_dict(row["form"]).compiled()
        except FormError as exc:
            raise ValidationError(f"问卷无效：{exc.message}", code="invalid_form") from None
    starts, deadline = row.get("starts_at"), row.get("deadline")
    if starts and deadline and parse_time(deadline) <= parse_time(starts):
        raise ValidationError("截止时间应晚于开始时间", code="invalid_value", field="deadline")


def check_status(old: str, new: str) -> None:
    if old != new and new not in TRANSITIONS.get(old, frozenset()):
        raise WorkflowError(
            f"任务不能从“{codes.label(codes.CAMPAIGN_STATUSES, old)}”改为"
            f"“{codes.label(codes.CAMPAIGN_STATUSES, new)}”"
        )


def check_changes(current: Mapping[str, Any], changed: Sequence[str]) -> None:
    """A change of a campaign row: the questionnaire and the targets are fixed once published,
    and nothing changes once it is closed."""
    if current.get("status") == "closed":
        raise ValidationError("任务已结束，不能修改", code="campaign_closed")
    if current.get("status") != "draft":
        fixed = sorted(set(changed) & DRAFT_ONLY)
        if fixed:
            raise ValidationError(
                "任务已发布，问卷、对象和结果选项不能再修改", code="field_not_writable"
            )


def response_day(responded_at: str) -> dt.date:
    """The day (Asia/Shanghai) a response was given: what ``today()`` means in its form."""
    return parse_time(responded_at).astimezone(SHANGHAI).date()


def check_response(
    campaign: Mapping[str, Any] | None, household_id: str, response: Mapping[str, Any]
) -> dict[str, Any]:
    """Judge a response against its campaign row (that of the household's grid); returns its
    canonical answers. Raises ``ValidationError`` with a Chinese message otherwise."""
    if campaign is None or campaign.get("deleted"):
        raise ValidationError("任务不存在", code="not_found", field="campaign_id")
    status = campaign.get("status")
    if status == "draft":
        raise ValidationError("任务尚未发布", code="campaign_not_active", field="campaign_id")
    responded_at = response.get("responded_at")
    if not isinstance(responded_at, str):
        raise ValidationError("填报时间为必填项", code="required", field="responded_at")
    closed_at = campaign.get("closed_at")
    if status == "closed" and (
        closed_at is None or parse_time(responded_at) > parse_time(closed_at)
    ):
        raise ValidationError("任务已结束，不再接收反馈", code="campaign_closed")
    if household_id not in (campaign.get("targets") or ()):
        raise ValidationError(
            "该住户不在本任务的对象名单中", code="not_target", field="household_id"
        )
    outcome = response.get("outcome")
    chosen = next((o for o in outcomes_of(campaign) if o["code"] == outcome), None)
    if chosen is None:
        raise ValidationError("不是本任务的结果选项", code="invalid_code", field="outcome")
    photos = response.get("photos") or []
    if not isinstance(photos, list) or len(photos) > MAX_PHOTOS:
        raise ValidationError(f"照片最多 {MAX_PHOTOS} 张", code="invalid_value", field="photos")
    for photo in photos:
        sha256_hex(photo, label="照片")
    answers = response.get("answers") or {}
    if not isinstance(answers, dict):
        raise ValidationError("问卷答案格式错误", code="invalid_type", field="answers")
    form = questionnaire_of(campaign)
    if form is None or not chosen["form"]:
        if answers:
            raise ValidationError("该结果不填写问卷", code="invalid_answer", field="answers")
        return {}
    today = response_day(responded_at)
    problems = validate(form, answers, today=today)
    if problems:
        raise ValidationError(
            "问卷填写有误：" + "；".join(_problem(form, n, m) for n, m in problems.items()),
            code="invalid_answer",
            field="answers",
        )
    return clean(form, answers, today=today)


def _problem(form: Questionnaire, name: str, message: str) -> str:
    label = form.field(name).label if form.has_field(name) else ""
    return f"{label or name}：{message}" if name else message
