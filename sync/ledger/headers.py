"""Recognising the columns of a household ledger by their Chinese headers.

Ledgers come from many offices, each with its own wording (住址 / 家庭住址, 公民身份号码 /
身份证号 …), with stars for required columns, units in brackets and line breaks inside the
header cell. ``guess_mapping`` maps column indexes to the importer's target fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sync.protocol.values import fold_width

# Target fields: a resident's fields, and the household's (prefixed or named as below).
RESIDENT_TARGETS = (
    "name",
    "gender",
    "id_number",
    "birth_date",
    "relation",
    "phone",
    "tags",
    "present",
    "notes",
)
HOUSEHOLD_TARGETS = (
    "address",
    "building",
    "unit",
    "room",
    "head_name",
    "household_phone",
    "household_kind",
    "household_tags",
    "household_notes",
    "visit_interval_days",
)

_ALIASES: dict[str, tuple[str, ...]] = {
    "address": ("地址", "住址", "家庭住址", "详细地址", "现住址", "居住地址", "房屋地址"),
    "building": ("楼栋", "楼号", "栋", "幢", "楼栋号", "栋号", "幢号"),
    "unit": ("单元", "单元号"),
    "room": ("室", "房号", "房间号", "门牌号", "户号", "室号"),
    "name": ("姓名", "居民姓名", "人员姓名", "户主姓名"),
    "head_name": ("户主",),
    "household_phone": ("户主电话", "户主联系电话"),
    "gender": ("性别",),
    "id_number": ("身份证号", "公民身份号码", "身份证号码", "证件号码", "身份证", "证件号"),
    "birth_date": ("出生日期", "出生年月", "生日", "出生年月日"),
    "relation": ("与户主关系", "关系", "家庭关系"),
    "phone": ("联系电话", "手机号", "手机号码", "电话", "联系方式", "电话号码", "手机"),
    "tags": ("人员类别", "标签", "人员标签", "特殊人群", "人群类别"),
    "present": ("居住状态", "在住", "是否在住", "在住情况"),
    "notes": ("备注",),
    "household_kind": ("户类型", "房屋类型", "房屋性质", "户别"),
    "household_tags": ("户标签", "户类别"),
    "visit_interval_days": ("走访周期", "走访周期（天）"),
}

_DROP = re.compile(r"[\s*＊:：]")
_BRACKETS = re.compile(r"[()\[\]【】〔〕<>《》]")
_BRACKETED = re.compile(r"[(\[【〔<《][^)\]】〕>》]*[)\]】〕>》]")


def _forms(header: str) -> tuple[str, str]:
    """The header without spaces, stars and bracket marks; and without bracketed words."""
    text = _DROP.sub("", fold_width(header))
    return _BRACKETS.sub("", text), _BRACKETS.sub("", _BRACKETED.sub("", text))


HEADER_ALIASES: dict[str, str] = {
    _forms(alias)[0]: target for target, aliases in _ALIASES.items() for alias in aliases
}
_HEAD_NAME = _forms("户主姓名")[0]


def target_of(header: object) -> str | None:
    """The field a header names, or None (e.g. 序号)."""
    if not isinstance(header, str) or not header.strip():
        return None
    plain, short = _forms(header)
    return HEADER_ALIASES.get(plain) or HEADER_ALIASES.get(short)


def guess_mapping(headers: Sequence[object]) -> dict[int, str]:
    """Column index (0-based) -> target field, the first column winning for each field.

    户主姓名 is the resident's name, unless the ledger also has a 姓名 column: then it names
    the head of each household (``head_name``).
    """
    targets = [target_of(h) for h in headers]
    has_name = any(
        t == "name" and _forms(str(h))[0] != _HEAD_NAME
        for h, t in zip(headers, targets, strict=True)
    )
    mapping: dict[int, str] = {}
    for index, (header, target) in enumerate(zip(headers, targets, strict=True)):
        if target == "name" and has_name and _forms(str(header))[0] == _HEAD_NAME:
            target = "head_name"
        if target is not None and target not in mapping.values():
            mapping[index] = target
    return mapping


def is_head_name_column(header: object) -> bool:
    return isinstance(header, str) and _forms(header)[0] == _HEAD_NAME


def recognised(headers: Sequence[object]) -> int:
    """How many different fields these headers name (to find the header row)."""
    return len({t for t in (target_of(h) for h in headers) if t is not None})
