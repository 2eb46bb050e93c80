"""validate/clean/visible_fields never raise, whatever a laptop (or an attacker) sends."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.forms import FormError, Questionnaire, clean, validate, visible_fields
from tests.forms.test_answers import TODAY

NAMES = [
    "safe",
    "help",
    "remark",
    "room_temp",
    "heating",
    "cold_help",
    "last_check",
    "contact_phone",
    "photo",
    "intro",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "yes",
            "no",
            "food",
            "heater blanket",
            "2026-11-30",
            "2026-02-30",
            "13912345678",
            "12",
            "-1",
            "41",
            " ",
            "1e5",
            "NaN",
            "inf",
        ]
    ),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
answers = st.dictionaries(
    st.one_of(st.sampled_from(NAMES), st.text(max_size=8)), values, max_size=8
)

BOUNDED = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _check(form: Questionnaire, raw: dict[str, Any]) -> None:
    errors = validate(form, raw, today=TODAY)
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in errors.items())
    kept = clean(form, raw, today=TODAY)
    shown = visible_fields(form, raw, today=TODAY)
    assert set(kept) <= set(shown)
    # What clean keeps is, on its own, free of type and choice problems.
    again = validate(form, kept, today=TODAY)
    assert not {
        k for k, v in again.items() if v in ("请填写整数", "请从列表中选择一项", "有选项不在列表中")
    }


@BOUNDED
@given(raw=answers)
def test_heating_never_raises(heating: Questionnaire, raw: dict[str, Any]) -> None:
    _check(heating, raw)


@BOUNDED
@given(raw=answers)
def test_flood_never_raises(flood: Questionnaire, raw: dict[str, Any]) -> None:
    _check(flood, raw)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@BOUNDED
@given(
    data=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "fields": st.lists(
                    st.dictionaries(
                        st.sampled_from(
                            [
                                "name",
                                "type",
                                "label",
                                "relevant",
                                "constraint",
                                "choices",
                                "group",
                                "required",
                            ]
                        ),
                        json_values,
                    ),
                    max_size=3,
                )
            }
        ),
    )
)
def test_wire_definitions_are_refused_cleanly(data: Any) -> None:
    """A definition from the wire either reads or raises FormError, nothing else."""
    with contextlib.suppress(FormError):
        Questionnaire.from_dict(data)
