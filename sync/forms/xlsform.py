"""Read an XLSForm (.xlsx) into a ``Questionnaire``, refusing at publication what we cannot do.

pyxform (the library ODK uses) reads and checks the workbook first, so authors get its
checks and wording; its message is translated to Chinese when we know it, the original kept in
``FormError.detail``. Then our own rules: only the types, columns and functions Gridworker
renders and evaluates (a form that passed pyxform may still use a ``geopoint`` or
``pulldata()``). Row numbers are Excel's (the header is row 1), taken from the workbook rows
pyxform read, blank rows included.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from pyxform.errors import PyXFormError
from pyxform.utils import default_is_dynamic
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from sync.forms.answers import normalize
from sync.forms.definition import Choice, Field, Group, Questionnaire
from sync.forms.errors import FormError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024

#: pyxform's internal type names → ours.
TYPES = {
    "text": "text",
    "integer": "integer",
    "decimal": "decimal",
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "date": "date",
    "note": "note",
    "photo": "image",
}
#: Survey columns that change what ODK does and that Gridworker does not do: a form using one
#: is refused (a silently ignored ``calculation`` or ``choice_filter`` would give wrong data).
#: Other unknown columns are authors' notes, ignored by pyxform and by us.
REFUSED_COLUMNS = frozenset(
    {
        "calculation",
        "choice_filter",
        "read_only",
        "repeat_count",
        "trigger",
        "save_to",
        "media",
        "image",
        "audio",
        "video",
        "big-image",
        "bind",
        "jr:count",
        "jr:choice_filter",
        "readonly",
    }
)
#: The English words pyxform writes for ``or_other``, said in Chinese.
_OR_OTHER = {"Other": "其他", "Specify other.": "请注明其他"}
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"", "no", "false", "false()", "0"}
_ROW = re.compile(r"\[row\s*:\s*(\d+)\]\s*")

Source = str | os.PathLike[str] | bytes | BinaryIO


def read_xlsform(source: Source) -> Questionnaire:
    """The questionnaire of an .xlsx file (a path, its bytes or an open binary file).

    Raise ``FormError`` (row, sheet, Chinese reason) for anything that would not work.
    """
    data = _read_bytes(source)
    if not zipfile.is_zipfile(io.BytesIO(data)):  # .xlsx is a zip; anything else is not ours
        raise FormError(_NOT_XLSX, sheet=None)
    _check_size(data)
    try:
        workbook = get_xlsform(io.BytesIO(data), file_type=".xlsx")
    except PyXFormError as exc:
        raise _from_pyxform(exc, []) from None
    except Exception as exc:  # openpyxl/zipfile raise many kinds on a file that is no .xlsx
        raise FormError(
            _NOT_XLSX,
            sheet=None,
            detail=f"{type(exc).__name__}: {exc}",
        ) from None
    rows: list[dict[str, Any]] = list(workbook.survey or [])
    if not rows:
        raise FormError("没有题目：survey 表为空或不存在", sheet="survey")
    warnings: list[str] = []
    try:
        result = convert(io.BytesIO(data), file_type=".xlsx", warnings=warnings)
    except PyXFormError as exc:
        raise _from_pyxform(exc, rows) from None
    except Exception as exc:  # a pyxform bug on odd input must still reach the author
        raise FormError(
            "pyxform 无法处理这份问卷", sheet=None, detail=f"{type(exc).__name__}: {exc}"
        ) from None
    _check_columns(rows)
    form = _build(result._pyxform or {}, rows)
    form.compiled()  # every expression parsed, referenced names checked, trial-run
    return form


def _check_size(data: bytes) -> None:
    """A questionnaire is a few kilobytes; refuse a huge (or zip-bomb) upload before parsing."""
    if len(data) > MAX_FILE_BYTES:
        raise FormError("问卷文件太大（超过 5 MB），请删去图片等无关内容", sheet=None)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FormError(_NOT_XLSX, sheet=None) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise FormError("问卷文件解压后太大，请删去图片等无关内容", sheet=None)


def _read_bytes(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, os.PathLike)):
        return Path(source).read_bytes()
    return source.read()


# ---- pyxform's errors ------------------------------------------------------------------------

_NOT_XLSX = "无法读取这个 Excel 文件：请提交 .xlsx 格式、含 survey 表的问卷"
_KNOWN: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Unknown question type '([^']*)'"), "不认识的题型 {0}"),
    (re.compile(r"List name not in choices sheet: (\S+)"), "choices 表中没有名为 {0} 的选项列表"),
    (re.compile(r"Could not find the name '([^']*)'"), "引用了不存在的问题 ${{{0}}}"),
    (re.compile(r"'name' value '([^']*)' is invalid\. Questions, groups"), "名称 {0} 重复"),
    (
        re.compile(r"'name' value is invalid\. Names must begin"),
        "名称无效：须以字母或下划线开头，只含字母、数字、_ - .",
    ),
    (re.compile(r"Unmatched 'begin_(group|repeat)'"), "begin_{0} 没有对应的 end_{0}"),
    (re.compile(r"Unmatched 'end_(group|repeat)'"), "end_{0} 没有对应的 begin_{0}"),
    (re.compile(r"named '([^']*)' has no label"), "题目 {0} 没有标题（label）"),
    (re.compile(r"[Qq]uestion or group with no name"), "题目缺少名称（name）"),
    (re.compile(r"[Dd]uplicate"), "有重复的内容"),
    (re.compile(r"not (recognized as )?a supported type"), _NOT_XLSX),
]


def _from_pyxform(exc: PyXFormError, rows: list[dict[str, Any]]) -> FormError:
    message = str(exc).strip()
    found = _ROW.search(message)
    row = int(found.group(1)) if found else None
    english = _ROW.sub("", message).strip()
    lowered = english.lower()
    sheet = "survey"
    for candidate in ("choices", "settings", "entities"):
        if f"'{candidate}' sheet" in lowered or f"{candidate} sheet" in lowered:
            sheet = candidate
            break
    reason = "pyxform 拒绝了这份问卷"
    for pattern, chinese in _KNOWN:
        hit = pattern.search(english)
        if hit:
            reason = chinese.format(*hit.groups())
            if row is None and hit.groups():
                row = _locate(rows, hit.group(1))
            break
    return FormError(f"{reason}（pyxform：{english}）", sheet=sheet, row=row, detail=message)


def _locate(rows: list[dict[str, Any]], word: str) -> int | None:
    """The first row whose name or type is ``word``: pyxform did not say which."""
    for index, row in enumerate(rows):
        if str(row.get("name", "")).strip() == word or str(row.get("type", "")).strip() == word:
            return index + 2
    return None


# ---- our own rules ---------------------------------------------------------------------------


def _check_columns(rows: list[dict[str, Any]]) -> None:
    for index, row in enumerate(rows):
        for column, value in row.items():
            if value is None or str(value).strip() == "":
                continue
            base = re.split(r"::?", str(column).strip().lower(), maxsplit=1)[0].strip()
            if base.replace(" ", "_") in REFUSED_COLUMNS or base in REFUSED_COLUMNS:
                raise FormError(
                    f"不支持的列 {column}（Gridworker 不会执行它，请删去）", row=index + 2
                )


def _build(survey: Mapping[str, Any], rows: list[dict[str, Any]]) -> Questionnaire:
    rows_by_name: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        name = str(row.get("name") or "").strip()
        if name:
            rows_by_name[name].append(index + 2)
    language = _language(survey)
    fields: list[Field] = []
    groups: list[Group] = []

    def row_of(name: str) -> int | None:
        found = rows_by_name.get(name)
        return found.pop(0) if found else None

    def raw_type(row: int | None, fallback: str) -> str:
        if row is None:
            return fallback
        words = str(rows[row - 2].get("type") or fallback).split()
        if not words:
            return fallback
        # "select_one list" names a list after the type; "phone number" is one type.
        return words[0] if words[0].startswith(("select", "rank")) else " ".join(words)

    def walk(children: Iterable[Mapping[str, Any]], group: str | None) -> None:
        for child in children:
            kind = str(child.get("type", ""))
            name = str(child.get("name", ""))
            if kind == "group" and name == "meta" and (child.get("control") or {}).get("bodyless"):
                continue  # pyxform's own instanceID, not an author's question
            row = row_of(name)
            bind = child.get("bind") or {}
            if kind == "group":
                groups.append(
                    Group(
                        name=name,
                        label=_pick(child.get("label"), language),
                        relevant=str(bind.get("relevant", "") or ""),
                        parent=group,
                        row=row,
                    )
                )
                walk(child.get("children") or (), name)
            elif kind == "repeat":
                raise FormError("不支持重复组（repeat）", row=row)
            elif kind in TYPES:
                fields.append(_field(child, TYPES[kind], group, row, language, survey))
            else:
                raise FormError(f"不支持的题型 {raw_type(row, kind)}", row=row)

    walk(survey.get("children") or (), None)
    if not [f for f in fields if f.type != "note"]:
        raise FormError("问卷中没有需要回答的题目", sheet="survey")
    return Questionnaire(
        id=str(survey.get("id_string") or survey.get("name") or ""),
        title=str(survey.get("title") or survey.get("id_string") or ""),
        version=str(survey.get("version") or ""),
        fields=tuple(fields),
        groups=tuple(groups),
    )


def _field(
    child: Mapping[str, Any],
    kind: str,
    group: str | None,
    row: int | None,
    language: str | None,
    survey: Mapping[str, Any],
) -> Field:
    bind = dict(child.get("bind") or {})
    if row is None and bind.get("relevant"):
        # A question pyxform made itself (``or_other``'s "specify other") refers to its
        # select as ``../name``; say it the author's way.
        bind["relevant"] = re.sub(r"\.\./([A-Za-z_][\w.-]*)", r"${\1}", str(bind["relevant"]))
    required_raw = str(bind.get("required", "") or "").strip()
    required, required_if = _required(required_raw)
    choices: tuple[Choice, ...] = ()
    if kind in ("select_one", "select_multiple"):
        listed = child.get("choices")
        if listed is None:
            listed = (survey.get("choices") or {}).get(
                child.get("itemset") or child.get("list_name")
            )
        if not listed:
            raise FormError(f"选择题的选项列表 {child.get('list_name', '')} 为空", row=row)
        choices = tuple(
            Choice(
                name=str(c.get("name", "")),
                label=_OR_OTHER.get(_pick(c.get("label"), language))
                or _pick(c.get("label"), language)
                or str(c.get("name", "")),
            )
            for c in listed
        )
    default = child.get("default")
    if default is not None and str(default).strip() != "":
        if default_is_dynamic(str(default), child.get("type")):
            raise FormError(f"不支持计算型默认值 {default}（请写一个固定值）", row=row)
        probe = Field(name=str(child.get("name")), type=kind, choices=choices, row=row)
        value, problem = normalize(probe, str(default))
        if problem is not None or value is None:
            raise FormError(f"默认值 {default} 不符合题型：{problem}", row=row)
        default = value
    else:
        default = None
    return Field(
        name=str(child.get("name", "")),
        type=kind,
        label=_OR_OTHER.get(_pick(child.get("label"), language))
        or _pick(child.get("label"), language),
        hint=_pick(child.get("hint"), language),
        required=required,
        required_if=required_if,
        required_message=_pick(bind.get("jr:requiredMsg"), language),
        constraint=str(bind.get("constraint", "") or ""),
        constraint_message=_pick(bind.get("jr:constraintMsg"), language),
        relevant=str(bind.get("relevant", "") or ""),
        default=default,
        choices=choices,
        group=group,
        row=row,
    )


def _required(raw: str) -> tuple[bool, str]:
    if raw.lower() in _TRUE:
        return True, ""
    if raw.lower() in _FALSE:
        return False, ""
    return True, raw  # an expression: required only when it holds


def _language(survey: Mapping[str, Any]) -> str | None:
    """The language to show: Chinese if the form has it, else the form's default."""
    found: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, Mapping):
            for key in ("label", "hint"):
                if isinstance(node.get(key), Mapping):
                    found.update(node[key])
            for child in node.get("children") or ():
                collect(child)

    collect(survey)
    for lang in sorted(found):
        if re.search(r"中文|汉语|简体|chinese|\bzh\b|zh[-_]", lang, re.IGNORECASE):
            return lang
    default = survey.get("default_language")
    if default in found:
        return str(default)
    if "default" in found:
        return "default"
    return sorted(found)[0] if found else None


def _pick(value: Any, language: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        if language in value:
            return str(value[language])
        if "default" in value:
            return str(value["default"])
        return str(next(iter(value.values()), ""))
    return str(value)
