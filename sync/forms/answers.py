"""A household's answers checked against a questionnaire, as ODK Collect would at the door.

Canonical answers (what ``clean`` returns and what travels in the protocol): text, select_one,
date (``YYYY-MM-DD``) and image (the photo's reference) as strings, integer as ``int``,
decimal as ``float``, select_multiple as a list of choice names. Raw input may also be ODK's
text form ("12", "food med"). Messages never repeat the answer: it may be a phone number.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from sync.forms.definition import DISPLAY_ONLY, Field, Questionnaire
from sync.forms.expressions import Answer, Expression, days

INT_LIMIT = 2**31 - 1  # ODK integers are 32-bit
MAX_TEXT = 10_000
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

REQUIRED = "此题必答"
CONSTRAINT = "答案不符合要求"
UNKNOWN = "问卷中没有这个问题"


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return len(value) == 0
    return False


def normalize(fld: Field, value: Any) -> tuple[Any, str | None]:
    """(canonical value or None if unanswered, Chinese problem or None). Never raises."""
    if is_empty(value):
        return None, None
    kind = fld.type
    if kind == "integer":
        if isinstance(value, bool):
            return None, "请填写整数"
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and _INTEGER.fullmatch(value.strip()) and len(value) < 20:
            value = int(value.strip())
        if not isinstance(value, int):
            return None, "请填写整数"
        if abs(value) > INT_LIMIT:
            return None, "数字太大"
        return value, None
    if kind == "decimal":
        if isinstance(value, bool):
            return None, "请填写数字"
        if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()) and len(value) < 40:
            value = float(value.strip())
        elif isinstance(value, int):
            value = float(value) if abs(value) < 10**15 else math.inf
        if not isinstance(value, float) or not math.isfinite(value):
            return None, "请填写数字"
        return value, None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return None, "请填写日期（年-月-日）"
        if isinstance(value, dt.date):
            return value.isoformat(), None
        if isinstance(value, str) and _DATE.fullmatch(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat(), None
            except ValueError:
                return None, "没有这一天"
        return None, "请按 年-月-日 填写日期，例如 2026-12-01"
    if kind == "select_one":
        if isinstance(value, str) and value.strip() in fld.choice_names:
            return value.strip(), None
        return None, "请从列表中选择一项"
    if kind == "select_multiple":
        items = value.split() if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
            return None, "选项格式错误"
        chosen: list[str] = []
        for item in items:
            if item.strip() not in fld.choice_names:
                return None, "有选项不在列表中"
            if item.strip() not in chosen:
                chosen.append(item.strip())
        return (chosen or None), None
    if kind in ("text", "image"):
        if not isinstance(value, str):
            return None, "请填写文字" if kind == "text" else "照片引用无效"
        if len(value) > MAX_TEXT:
            return None, "内容太长"
        return value, None
    return None, None  # notes hold no answer


def expression_value(fld: Field, canonical: Any) -> Any:
    """A canonical answer as expressions see it (text; a date as a number of days)."""
    if canonical is None:
        return Answer("")
    if fld.type == "date":
        return days(dt.date.fromisoformat(canonical))
    if fld.type == "select_multiple":
        return Answer(" ".join(canonical))
    if fld.type == "decimal":
        return Answer(repr(canonical))
    return Answer(str(canonical))


def _compiled(form: Questionnaire) -> dict[tuple[str, str], Expression]:
    return form.compiled()


def _normalized(
    form: Questionnaire, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for fld in form.fields:
        if fld.type in DISPLAY_ONLY:
            continue
        value, problem = normalize(fld, answers.get(fld.name))
        if problem is not None:
            problems[fld.name] = problem
        elif value is not None:
            values[fld.name] = value
    return values, problems


def _relevance(
    form: Questionnaire, values: Mapping[str, Any], today: dt.date | None
) -> tuple[set[str], dict[str, Any]]:
    """Names of the relevant fields, and the expression values with the others blanked.

    ODK blanks a non-relevant question, which can in turn hide or show others; repeat until
    stable (bounded: each round settles at least one more link of a chain).
    """
    compiled = _compiled(form)
    answered = {f.name: expression_value(f, values.get(f.name)) for f in form.fields}
    expr_values = dict(answered)
    relevant: set[str] | None = None
    for _ in range(len(form.fields) + 2):
        now: set[str] = set()
        groups_ok: dict[str, bool] = {}
        for grp in form.groups:
            expr = compiled.get((grp.name, "relevant"))
            parent_ok = groups_ok.get(grp.parent, True) if grp.parent else True
            groups_ok[grp.name] = parent_ok and (
                expr is None or expr.test(expr_values, None, today=today)
            )
        for fld in form.fields:
            if fld.group is not None and not groups_ok.get(fld.group, True):
                continue
            expr = compiled.get((fld.name, "relevant"))
            if expr is None or expr.test(expr_values, expr_values[fld.name], today=today):
                now.add(fld.name)
        if now == relevant:
            break
        relevant = now
        expr_values = {n: (v if n in now else Answer("")) for n, v in answered.items()}
    return relevant or set(), expr_values


def visible_fields(
    form: Questionnaire, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> list[str]:
    """The fields to show for these answers (skip logic), in form order, notes included."""
    values, _ = _normalized(form, answers)
    relevant, _ = _relevance(form, values, today)
    return [f.name for f in form.fields if f.name in relevant]


def clean(
    form: Questionnaire, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, Any]:
    """The canonical answers to keep: valid, relevant, no notes, no unknown names."""
    values, _ = _normalized(form, answers)
    relevant, _ = _relevance(form, values, today)
    return {name: value for name, value in values.items() if name in relevant}


def validate(
    form: Questionnaire, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, str]:
    """Problems by field name, each a Chinese message for the field; empty when all is well.

    Checked as ODK does: answers of non-relevant fields are ignored (and dropped by
    ``clean``); ``required`` applies only to relevant fields; a constraint only to an answer
    that is there and of the right type. Never raises, whatever ``answers`` holds.
    """
    if not isinstance(answers, Mapping):
        return {"": "答案格式错误"}
    compiled = _compiled(form)
    values, problems = _normalized(form, answers)
    relevant, expr_values = _relevance(form, values, today)
    errors: dict[str, str] = {}
    for key in answers:
        if not isinstance(key, str) or not form.has_field(key):
            errors[str(key)] = UNKNOWN
    for fld in form.fields:
        if fld.name not in relevant or fld.type in DISPLAY_ONLY:
            continue
        if fld.name in problems:
            errors[fld.name] = problems[fld.name]
            continue
        current = expr_values[fld.name]
        if fld.name not in values:
            needed = fld.required
            if needed and fld.required_if:
                needed = compiled[(fld.name, "required_if")].test(expr_values, current, today=today)
            if needed:
                errors[fld.name] = fld.required_message or REQUIRED
            continue
        expr = compiled.get((fld.name, "constraint"))
        if expr is not None and not expr.test(expr_values, current, today=today):
            errors[fld.name] = fld.constraint_message or CONSTRAINT
    return errors


def initial_answers(form: Questionnaire) -> dict[str, Any]:
    """The defaults, canonical, for a blank form."""
    out: dict[str, Any] = {}
    for fld in form.fields:
        if fld.default is not None:
            value, problem = normalize(fld, fld.default)
            if value is not None and problem is None:
                out[fld.name] = value
    return out
