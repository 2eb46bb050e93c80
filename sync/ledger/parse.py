"""Reading single ledger cells as the domain's values: Chinese words to codes, dates, 身份证号.

The rules of the values themselves (ID checksum, phone numbers, code lists) are those of
``sync.protocol.values``; this module only turns what people type into Excel into the form
those rules take, and says what it corrected. Parsers raise ``CellError`` for a value that
cannot be imported and call ``warn(code, message)`` for one imported after a correction.
Messages never quote an ID number or a phone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping

from sync.protocol import codes, values
from sync.protocol.errors import ValidationError

Warn = Callable[[str, str], None]


class CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _table(code_set: codes.CodeSet, **aliases: Iterable[str]) -> dict[str, str]:
    """Chinese word -> code: each code, its label, and the aliases given."""
    out = {code: code for code in code_set}
    out.update({label: code for code, label in code_set.items()})
    for code, words in aliases.items():
        out.update({word: code for word in words})
    return out


GENDER_WORDS = _table(codes.GENDERS, male=("男", "男性", "M"), female=("女", "女性", "F"))

RELATION_WORDS = _table(
    codes.RELATIONS,
    head=("户主", "本人", "户主本人"),
    spouse=("配偶", "妻", "夫", "妻子", "丈夫", "老伴", "爱人"),
    child=(
        *("子", "女", "儿子", "女儿", "子女", "独子", "独女", "养子", "养女", "继子", "继女"),
        *("长子", "次子", "三子", "四子", "五子", "长女", "次女", "三女", "四女", "五女"),
    ),
    parent=("父", "母", "父亲", "母亲", "父母", "公公", "婆婆", "岳父", "岳母"),
    grandchild=("孙子", "孙女", "外孙", "外孙子", "外孙女", "孙子女", "外孙子女", "孙辈"),
    sibling=(
        *("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
        *("兄弟", "姐妹", "兄妹", "姐弟", "兄弟姐妹"),
    ),
    tenant=("租户", "租客", "承租人", "房客"),
    other=("其他", "其它", "儿媳", "女婿", "祖父", "祖母", "外祖父", "外祖母", "保姆", "亲属"),
)

TAG_WORDS = _table(
    codes.TAGS,
    elderly_alone=("独居老人", "独居", "孤寡老人"),
    empty_nest=("空巢老人", "空巢"),
    low_income=("低保", "低保户", "低保对象", "低保人员"),
    disabled=("残疾", "残疾人", "残障", "残障人士"),
    veteran=("退役军人", "退伍军人", "复员军人", "转业军人"),
    party_member=("党员", "中共党员", "共产党员"),
    key_attention=("重点关注", "重点人员", "重点关注人员", "重点人群"),
    left_behind_child=("留守儿童",),
    rental=("出租", "出租户", "出租屋", "出租房"),
    pregnant=("孕产妇", "孕妇", "产妇"),
)

KIND_WORDS = _table(
    codes.HOUSEHOLD_KINDS,
    resident=("常住", "自住", "常住户", "自住房", "户籍"),
    rental=("出租", "出租户", "出租房", "出租屋"),
    vacant=("空置", "空置房", "空房", "闲置"),
    shop=("商户", "商铺", "门面", "店铺", "门店", "沿街商铺"),
)

PRESENT_WORDS = {
    **{w: True for w in ("在住", "是", "在", "居住", "常住", "Y", "YES", "TRUE", "1")},
    **{w: False for w in ("外出", "否", "迁出", "不在住", "离开", "N", "NO", "FALSE", "0")},
}

_SEPARATORS = re.compile(r"[、,，;；/／\s]+")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
_ID_JUNK = re.compile(r"[\s\-]+")
_PHONE_SPLIT = re.compile(r"[/、,，;；]|\s{2,}")
_DATE_FULL = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_INTEGER = re.compile(r"^(\d+)\s*天?$")


def cell_text(value: object) -> str | None:
    """A cell as text: numbers without a trailing .0, dates as YYYY-MM-DD, blank as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    # The exporter writes a leading ' before text Excel would take for a formula.
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        text = text[1:].strip()
    return text or None


def _quote(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"


def lookup(value: object, words: Mapping[str, str], label: str) -> str | None:
    text = cell_text(value)
    if text is None:
        return None
    key = values.fold_width(text).replace(" ", "")
    found = words.get(key) or words.get(key.lower()) or words.get(key.upper())
    if found is None:
        raise CellError("invalid_code", f"{label}“{_quote(text)}”不是可识别的选项")
    return found


def tags(value: object, label: str) -> list[str]:
    text = cell_text(value)
    if text is None:
        return []
    out: list[str] = []
    unknown: list[str] = []
    for word in _SEPARATORS.split(values.fold_width(text)):
        if not word or word in ("无", "-"):
            continue
        code = TAG_WORDS.get(word) or TAG_WORDS.get(word.lower())
        if code is None:
            unknown.append(_quote(word))
        elif code not in out:
            out.append(code)
    if unknown:
        raise CellError("invalid_code", f"{label}中的“{'、'.join(unknown)}”不是可识别的类别")
    return out


def present(value: object, label: str) -> bool | None:
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if text is None:
        return None
    found = PRESENT_WORDS.get(values.fold_width(text).replace(" ", "").upper())
    if found is None:
        raise CellError("invalid_code", f"{label}“{_quote(text)}”应为 在住 或 外出")
    return found


def integer(value: object, label: str) -> int | None:
    if isinstance(value, bool):
        raise CellError("invalid_value", f"{label}应为整数")
    if isinstance(value, int):
        return value
    text = cell_text(value)
    if text is None:
        return None
    match = _INTEGER.match(values.fold_width(text))
    if match is None:
        raise CellError("invalid_value", f"{label}应为整数（天数）")
    return int(match.group(1))


def date(value: object, label: str, today: dt.date) -> str | None:
    """A date from an Excel date cell or 1950-01-02, 1950/1/2, 1950.1.2, 19500102, 1950年1月2日.

    Raises ``CellError`` with code ``partial_date`` for a year and month only (出生年月).
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        parsed = value
    else:
        text = cell_text(value)
        if text is None:
            return None
        text = values.fold_width(text)
        match = _DATE_FULL.match(text) or _DATE_COMPACT.match(text)
        if match is None:
            if _YEAR_MONTH.match(text):
                raise CellError("partial_date", f"{label}只有年月，没有日")
            raise CellError("invalid_date", f"{label}不是可识别的日期（应如 1950-01-02）")
        try:
            parsed = dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            raise CellError("invalid_date", f"{label}不是有效的日期") from None
    if parsed > today or parsed.year < 1880:
        raise CellError("invalid_date", f"{label}不在合理范围内")
    return parsed.isoformat()


def id_number(value: object, warn: Warn, label: str = "身份证号") -> str | None:
    """A canonical 18-character 身份证号, or ``CellError``; warns about what it corrected."""
    stored_as_number = False
    if isinstance(value, bool):
        raise CellError("invalid_id_number", f"{label}格式错误")
    if isinstance(value, float):
        # Excel keeps 15 significant digits: a longer number has lost its last digits.
        if not value.is_integer() or value >= 1e15:
            raise CellError("id_number_as_number", _as_number_message(label))
        value = int(value)
    if isinstance(value, int):
        stored_as_number = True
        text = str(value)
    else:
        text = str(value).strip().lstrip("'")
    folded = values.fold_width(text)
    if _SCIENTIFIC.match(folded):  # a CSV saved from a sheet where it was a number
        raise CellError("id_number_as_number", _as_number_message(label))
    compact = _ID_JUNK.sub("", folded)
    if not compact:
        return None
    try:
        number = values.id_number(compact, label=label)
    except ValidationError as exc:
        if stored_as_number and len(compact) > 15:
            raise CellError("id_number_as_number", _as_number_message(label)) from None
        raise CellError(exc.code, exc.message) from None
    if folded != text:
        warn("full_width", f"{label}含全角字符，已转换为半角")
    if compact != folded:
        warn("normalised", f"{label}中的空格或横线已去除")
    if len(compact) == 15:
        warn("id_number_15", f"15 位（一代）{label}已转换为 18 位")
    return number


def _as_number_message(label: str) -> str:
    return (
        f"{label}被 Excel 存成了数字，末尾几位已丢失（显示为 3.2E+17 之类的科学计数法）。"
        "请把该列设为“文本”格式后重新录入"
    )


def phone(value: object, warn: Warn, label: str = "联系电话") -> str | None:
    if isinstance(value, bool):
        raise CellError("invalid_phone", f"{label}格式错误")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().lstrip("'")
    folded = values.fold_width(text)
    parts = [p.strip() for p in _PHONE_SPLIT.split(folded) if p.strip()]
    if not parts:
        return None
    try:
        number = values.phone(parts[0], label=label)
    except ValidationError as exc:
        raise CellError(exc.code, exc.message) from None
    if len(parts) > 1:
        warn("several_phones", f"{label}填写了多个号码，只导入了第一个")
    if folded != text:
        warn("full_width", f"{label}含全角字符，已转换为半角")
    elif number != parts[0] and len(parts) == 1:
        warn("normalised", f"{label}已规范为标准格式（去除空格、横线等）")
    return number
