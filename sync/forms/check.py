"""Everything that must hold before a questionnaire is published (and when one is received).

Each check names the row at fault. Beyond parsing each expression, every expression is run
once on plausible answers of the right types, so that a type mismatch (a date compared with a
text, arithmetic on a choice) is refused here rather than silently false at the door.
"""

from __future__ import annotations

import datetime as dt
import re

from elementpath import ElementPathError

from sync.forms.definition import FIELD_TYPES, Field, Questionnaire
from sync.forms.errors import FormError
from sync.forms.expressions import (
    Answer,
    Expression,
    ExpressionError,
    compile_expression,
    days,
    references,
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_COLUMN = {
    "relevant": "relevant",
    "constraint": "constraint",
    "required_if": "required",
}


def check_questionnaire(form: Questionnaire) -> dict[tuple[str, str], Expression]:
    """Raise ``FormError`` for the first fault; return the compiled expressions.

    The result maps (field or group name, column) to its expression.
    """
    names: dict[str, int | None] = {}
    for grp in form.groups:
        _check_name(grp.name, grp.row, names)
        if grp.parent is not None and grp.parent not in {g.name for g in form.groups}:
            raise FormError(f"组 {grp.name} 的上级组不存在", row=grp.row)
    for fld in form.fields:
        _check_name(fld.name, fld.row, names)
        if fld.type not in FIELD_TYPES:
            raise FormError(f"不支持的题型 {fld.type}", row=fld.row)
        if fld.group is not None and fld.group not in {g.name for g in form.groups}:
            raise FormError(f"题目 {fld.name} 所在的组不存在", row=fld.row)
        _check_choices(fld)
    known = [f.name for f in form.fields]
    compiled: dict[tuple[str, str], Expression] = {}
    samples = _samples(form)
    for grp in form.groups:
        if grp.relevant:
            compiled[(grp.name, "relevant")] = _compile(
                grp.relevant, "relevant", grp.row, known, samples, None
            )
        _check_label_refs(grp.label, grp.row, known)
    for fld in form.fields:
        for attr, column in _COLUMN.items():
            source = getattr(fld, attr)
            if source:
                compiled[(fld.name, attr)] = _compile(
                    source, column, fld.row, known, samples, samples.get(fld.name)
                )
        if fld.constraint_message and not fld.constraint:
            raise FormError("填写了 constraint_message，却没有 constraint", row=fld.row)
        _check_label_refs(fld.label, fld.row, known)
        _check_label_refs(fld.hint, fld.row, known)
        if fld.default is not None:
            _check_default(fld)
    return compiled


def _check_name(name: str, row: int | None, seen: dict[str, int | None]) -> None:
    if not _NAME.fullmatch(name):
        raise FormError(f"名称 “{name}” 无效：须以字母或下划线开头，只含字母、数字、_ - .", row=row)
    if name in seen:
        where = f"（与第 {seen[name]} 行重复）" if seen[name] else ""
        raise FormError(f"名称 {name} 重复{where}：Gridworker 要求整份问卷中名称唯一", row=row)
    seen[name] = row


def _check_choices(fld: Field) -> None:
    if fld.type in ("select_one", "select_multiple"):
        if not fld.choices:
            raise FormError(f"选择题 {fld.name} 没有选项", row=fld.row)
        seen: set[str] = set()
        for choice in fld.choices:
            if not choice.name or re.search(r"\s", choice.name):
                raise FormError(
                    f"选择题 {fld.name} 的选项名称 “{choice.name}” 不能为空或含空格", row=fld.row
                )
            if choice.name in seen:
                raise FormError(f"选择题 {fld.name} 的选项 {choice.name} 重复", row=fld.row)
            seen.add(choice.name)
    elif fld.choices:
        raise FormError(f"{fld.type} 题不能有选项", row=fld.row)


def _check_label_refs(text: str, row: int | None, known: list[str]) -> None:
    for name in references(text):
        if name not in known:
            raise FormError(f"标题或提示引用了不存在的问题 ${{{name}}}", row=row)


def _check_default(fld: Field) -> None:
    from sync.forms.answers import normalize

    if fld.type in ("note", "image"):
        raise FormError(f"{fld.type} 题不能设默认值", row=fld.row)
    if isinstance(fld.default, str) and "${" in fld.default:
        raise FormError(f"不支持计算型默认值：{fld.default}（请写一个固定值）", row=fld.row)
    value, problem = normalize(fld, fld.default)
    if problem is not None or value is None:
        raise FormError(
            f"默认值 “{fld.default}” 不符合题型 {fld.type}：{problem or '为空'}", row=fld.row
        )


def _samples(form: Questionnaire) -> dict[str, object]:
    """A plausible answer per field, in expression form, for the trial run."""
    out: dict[str, object] = {}
    for fld in form.fields:
        if fld.type == "date":
            out[fld.name] = days(dt.date.today())
        elif fld.type in ("select_one", "select_multiple") and fld.choices:
            out[fld.name] = Answer(fld.choices[0].name)
        elif fld.type == "decimal":
            out[fld.name] = Answer("1.5")
        elif fld.type == "note":
            out[fld.name] = Answer("")
        else:
            out[fld.name] = Answer("1")
    return out


def _compile(
    source: str,
    column: str,
    row: int | None,
    known: list[str],
    samples: dict[str, object],
    current: object,
) -> Expression:
    try:
        expr = compile_expression(source, known)
    except ExpressionError as exc:
        raise FormError(f"{column} 列：{exc.reason}", row=row) from None
    try:
        expr.evaluate(samples, current)
    except (ElementPathError, ArithmeticError, TypeError, ValueError) as exc:
        hint = ""
        if any(samples.get(n).__class__ is int for n in expr.references) or "today()" in source:
            hint = "（日期在表达式中是天数，请与 today() 或 date('2026-01-01') 比较）"
        raise FormError(
            f"{column} 列：表达式 {source} 的类型不匹配，无法计算{hint}", row=row, detail=str(exc)
        ) from None
    return expr
