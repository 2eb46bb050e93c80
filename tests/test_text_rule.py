"""The one text rule both sides share (sync.protocol.values): what no stored text may hold,
and canonical forms that are exactly canonical (no trailing newline, ASCII digits only)."""

from __future__ import annotations

import pytest

from sync.protocol import values
from sync.protocol.entities import ENTITIES
from sync.protocol.errors import ValidationError

NOTES = ENTITIES["households"].fields["notes"]
NAME = ENTITIES["residents"].fields["name"]


@pytest.mark.parametrize(
    "bad", ["\ud800", "\udfff", "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\x7f"]
)
def test_a_note_refuses_lone_surrogates_and_control_characters(bad):
    with pytest.raises(ValidationError) as raised:
        NOTES.normalise(f"第一行{bad}第二行")
    assert raised.value.code == "invalid_value" and raised.value.field == "notes"
    assert bad not in raised.value.message


def test_a_note_keeps_tabs_and_line_breaks():
    assert NOTES.normalise("第一行\r\n\t第二行") == "第一行\r\n\t第二行"


@pytest.mark.parametrize("bad", ["\ud800", "\x00", "\x7f"])
def test_a_name_refuses_them_too(bad):
    with pytest.raises(ValidationError):
        NAME.normalise(f"张{bad}三")


def test_safe_text_replaces_what_text_refuses():
    assert values.safe_text("a\ud800b\x00c\td\ne") == "a\ufffdb\ufffdc\td\ne"


@pytest.mark.parametrize(
    ("normalise", "value"),
    [
        (lambda v: values.uuid_text(v, label="id"), "0195b6a2-0000-7000-8000-000000000000\n"),
        (lambda v: values.sha256_hex(v, label="sha"), "ab" * 32 + "\n"),
        (lambda v: values.open_code(v, label="sub"), "drain\n"),
        (lambda v: values.date(v, label="day"), "٢٠٢٦-١١-٢٠"),
        (lambda v: values.time(v, label="at"), "2026-11-20T07:00:00\x00Z"),
        (lambda v: values.id_number(v), "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"),
    ],
)
def test_canonical_forms_are_exact(normalise, value):
    with pytest.raises(ValidationError):
        normalise(value)


def test_a_trailing_newline_after_a_mobile_is_dropped():
    assert values.phone("13912345678\n") == "13912345678"


def test_full_width_digits_still_fold():
    assert values.id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
