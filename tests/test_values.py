"""The shared value rules (sync.protocol.values): canonical forms both sides rely on."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol import values
from sync.protocol.errors import ValidationError


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("11010519491231002x", "11010519491231002X"),
        ("110105491231002", "11010519491231002X"),  # first generation, 15 digits
        ("320705195001010014", "320705195001010014"),  # former 新浦区 code, older resident
        ("３２０７０５１９５００１０１００１４", "320705195001010014"),  # full-width digits
    ],
)
def test_id_numbers_are_canonical(raw, canonical):
    assert values.id_number(raw) == canonical


@pytest.mark.parametrize(
    "raw", ["110105194912310021", "990105194912310021", "11010519491331002X", "1101051949123100"]
)
def test_bad_id_numbers_are_refused_in_chinese(raw):
    with pytest.raises(ValidationError) as err:
        values.id_number(raw)
    assert err.value.code == "invalid_id_number"
    assert "身份证号" in err.value.message
    assert raw not in err.value.message


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("0518-85821234", "0518-85821234"),
        ("(0518) 8582 1234", "0518-85821234"),
        ("010 8888 6666", "010-88886666"),
        ("02188886666", "021-88886666"),
    ],
)
def test_phones_are_canonical(raw, canonical):
    assert values.phone(raw) == canonical


@settings(max_examples=3000)
@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True))
def test_mobile_shortcut_agrees_with_libphonenumber(number):
    try:
        parsed = phonenumbers.parse(number, "CN")
        expected = phonenumbers.is_valid_number(parsed) and (
            phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        )
    except phonenumbers.NumberParseException:
        expected = False
    try:
        accepted = values.phone(number) == number
    except ValidationError:
        accepted = False
    assert accepted == expected


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("2026-11-20T16:30:00+08:00", "2026-11-20T08:30:00Z"),
        ("2026-11-20T08:30:00Z", "2026-11-20T08:30:00Z"),
        ("2026-11-20T08:30:00.250Z", "2026-11-20T08:30:00.25Z"),
    ],
)
def test_times_are_utc_with_z(raw, canonical):
    assert values.time(raw, label="时间") == canonical


@pytest.mark.parametrize("raw", ["2026-11-20T08:30:00", "yesterday", "9999-12-31T23:00:00-05:00"])
def test_bad_times_are_refused(raw):
    with pytest.raises(ValidationError):
        values.time(raw, label="时间")
