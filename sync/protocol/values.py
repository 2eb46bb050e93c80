"""Canonical forms and validation of single values (PROTOCOL.md, "Canonical forms").

Every function takes what a user or a client sent and returns the canonical value, or raises
``ValidationError`` with a code and a Chinese message. Equal values compare equal only after
this normalisation, so both sides run every value through it before storing or comparing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from functools import lru_cache

import phonenumbers
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from .errors import ValidationError

UTC = dt.UTC
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

# First two digits of a 身份证号: the provinces (DESIGN.md: only these are checked, since
# district codes outlive renamed and merged districts).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    ]
)

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SPACES_RE = re.compile(r"[\s\-()（）.·]+")
# What no stored text may hold: C0 controls other than tab, line feed and carriage return
# (NUL: PostgreSQL refuses it in text and JSON), DEL, and lone UTF-16 surrogates (a JSON "\ud800"
# parses in Python but cannot be encoded as UTF-8 by either database, nor sent back).
UNSAFE_TEXT_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def fold_width(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def text(value: object, *, label: str, max_length: int, multiline: bool = False) -> str | None:
    """Text: surrounding whitespace stripped, empty becomes None, no control characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{label}应为文字", code="invalid_type")
    value = value.strip()
    if not multiline:
        value = " ".join(value.split())
    if not value:
        return None
    if UNSAFE_TEXT_RE.search(value):
        raise ValidationError(f"{label}含有不可见的控制字符或无效字符", code="invalid_value")
    if len(value) > max_length:
        raise ValidationError(f"{label}不能超过 {max_length} 个字", code="too_long")
    return value


def safe_text(value: str, replacement: str = "\ufffd") -> str:
    """``value`` with every character ``text`` refuses (``UNSAFE_TEXT_RE``) replaced: for
    text that must be kept or shown although it was refused (a rejected mutation, a message)."""
    return UNSAFE_TEXT_RE.sub(replacement, value)


def code(value: object, *, label: str, codes: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in codes:  # type: ignore[operator]
        raise ValidationError(f"{label}不是允许的选项", code="invalid_code")
    return value


def open_code(value: object, *, label: str) -> str | None:
    """A code from a list that may grow (issue subcategories): any lowercase identifier."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CODE_RE.fullmatch(value):
        raise ValidationError(f"{label}格式错误", code="invalid_code")
    return value


def code_list(value: object, *, label: str, codes: object) -> list[str]:
    """A list of codes (tags): order kept as sent, repeats dropped."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"{label}应为列表", code="invalid_type")
    seen: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in codes:  # type: ignore[operator]
            raise ValidationError(f"{label}含有不允许的选项", code="invalid_code")
        if item not in seen:
            seen.append(item)
    return seen


# Anchored by fullmatch (``$`` would let a trailing newline through) and ASCII digits only
# (``\d`` matches any script's digits).
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CANONICAL_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def uuid_text(value: object, *, label: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value  # already canonical: the common case on every push
    if not isinstance(value, str):
        raise ValidationError(f"{label}格式错误", code="invalid_uuid")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise ValidationError(f"{label}格式错误", code="invalid_uuid") from None
    return str(parsed)


def uuid_list(value: object, *, label: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"{label}应为列表", code="invalid_type")
    out: list[str] = []
    for item in value:
        canonical = uuid_text(item, label=label)
        if canonical is not None and canonical not in out:
            out.append(canonical)
    return out


def integer(value: object, *, label: str, minimum: int, maximum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{label}应为整数", code="invalid_type")
    if not minimum <= value <= maximum:
        raise ValidationError(f"{label}应在 {minimum} 到 {maximum} 之间", code="invalid_value")
    return value


def boolean(value: object, *, label: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ValidationError(f"{label}应为是或否", code="invalid_type")
    return value


def date(value: object, *, label: str) -> str | None:
    """A calendar date as ``YYYY-MM-DD``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value.strip()):
        raise ValidationError(f"{label}应为 年-月-日 格式", code="invalid_date")
    try:
        parsed = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"{label}不是有效的日期", code="invalid_date") from None
    return parsed.isoformat()


def parse_time(value: str) -> dt.datetime:
    """An ISO 8601 time with a zone, as an aware UTC datetime (no canonical check)."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise ValidationError("时间格式错误", code="invalid_time") from None
    if parsed.tzinfo is None:
        raise ValidationError("时间须带时区", code="invalid_time")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValidationError("时间超出范围", code="invalid_time") from None


def format_time(moment: dt.datetime) -> str:
    """The canonical form: UTC, ``Z``, seconds, and a fraction only when there is one."""
    moment = moment.astimezone(UTC)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        base += f".{moment.microsecond:06d}".rstrip("0")
    return base + "Z"


def local_day_bound(day: dt.date) -> str:
    """A bound to compare canonical times with as text: local (Asia/Shanghai) midnight
    starting ``day``, in UTC, without its ``Z``.

    ``time >= bound`` holds exactly for the times from that midnight on: a canonical time of
    that very second, with or without a fraction (``…T16:00:00Z``, ``…T16:00:00.5Z``), sorts
    after its prefix, an earlier one before it.
    """
    start = dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%S")


def time(value: object, *, label: str) -> str | None:
    """A moment in time, canonical (UTC with ``Z``)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{label}应为时间", code="invalid_time")
    if UNSAFE_TEXT_RE.search(value):  # fromisoformat lets a NUL before the zone through
        raise ValidationError(f"{label}应为带时区的 ISO 8601 时间", code="invalid_time")
    try:
        return format_time(parse_time(value))
    except ValidationError:
        raise ValidationError(f"{label}应为带时区的 ISO 8601 时间", code="invalid_time") from None


def sha256_hex(value: object, *, label: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA256_RE.fullmatch(value.lower()):
        raise ValidationError(f"{label}应为 64 位十六进制 SHA-256", code="invalid_value")
    return value.lower()


def id_number(value: object, *, label: str = "身份证号") -> str | None:
    """A 身份证号: 18 characters, upper-case ``X``; a 15-digit number becomes 18 digits.

    Checks the province, the birth date and the ISO 7064 check character, not the district
    (see DESIGN.md), so real numbers of older residents and merged districts stay valid.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{label}应为文字", code="invalid_type")
    number = _SPACES_RE.sub("", fold_width(value)).upper()
    if not number:
        return None
    if len(number) == 15 and number.isdigit():
        body = number[:6] + "19" + number[6:]
        number = body + ric.calc_check_digit(body + "0")
    if len(number) != 18 or not number.isascii():
        raise ValidationError(f"{label}应为 18 位", code="invalid_id_number")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(f"{label}只能由数字和末位 X 组成", code="invalid_id_number")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(f"{label}的地区码无效", code="invalid_id_number")
    try:
        born = ric.get_birth_date(number)
    except StdnumError:
        raise ValidationError(f"{label}中的出生日期无效", code="invalid_id_number") from None
    if born.year < 1880 or born > dt.datetime.now(SHANGHAI).date():
        raise ValidationError(f"{label}中的出生日期无效", code="invalid_id_number")
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(f"{label}校验位错误，请核对", code="invalid_id_number")
    return number


def id_number_birth_date(number: str) -> str:
    """The birth date a canonical 身份证号 carries, as ``YYYY-MM-DD``."""
    return f"{number[6:10]}-{number[10:12]}-{number[12:14]}"


def id_number_gender(number: str) -> str:
    """``male`` or ``female`` from the sequence digit of a canonical 身份证号."""
    return "male" if int(number[16]) % 2 else "female"


def phone(value: object, *, label: str = "联系电话") -> str | None:
    """A Chinese mobile (11 digits) or fixed line (``0<area>-<number>``)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{label}应为文字", code="invalid_type")
    if _CANONICAL_MOBILE.fullmatch(value):
        if _mobile_segment_valid(value[:7]):
            return value
        raise ValidationError(f"{label}不是有效的手机或固定电话号码", code="invalid_phone")
    raw = _SPACES_RE.sub("", fold_width(value))
    if not raw:
        return None
    if raw.startswith("0086"):
        raw = "+86" + raw[4:]
    if not re.fullmatch(r"\+?\d{5,16}", raw):
        raise ValidationError(f"{label}格式错误，只能包含数字", code="invalid_phone")
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(f"{label}格式错误", code="invalid_phone") from None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(f"{label}不是有效的手机或固定电话号码", code="invalid_phone")
    national = str(parsed.national_number)
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return national
    if kind in (
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        area_len = 2 if national[0] in "12" else 3
        return f"0{national[:area_len]}-{national[area_len:]}"
    raise ValidationError(f"{label}不是有效的手机或固定电话号码", code="invalid_phone")


@lru_cache(maxsize=8192)
def _mobile_segment_valid(segment: str) -> bool:
    """Whether a mobile number segment (号段, the first seven digits) is allocated.

    libphonenumber decides Chinese mobile numbers by their leading digits only; asking once
    per segment saves parsing every number of a large push.
    """
    try:
        number = phonenumbers.parse(segment + "0000", "CN")
    except phonenumbers.NumberParseException:
        return False  # e.g. a carrier-selection prefix (17951…) swallows the digits
    return bool(
        phonenumbers.is_valid_number(number)
        and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    )
