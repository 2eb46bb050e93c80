"""Answers checked at the door: skip logic, required, constraints, types and choice lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from sync.forms import (
    Questionnaire,
    clean,
    initial_answers,
    read_xlsform,
    validate,
    visible_fields,
)

TODAY = dt.date(2026, 12, 1)
MakeForm = Callable[..., Path]


# ---- flood sweep ---------------------------------------------------------------------------


def test_flood_help_only_asked_when_not_safe(flood: Questionnaire) -> None:
    assert visible_fields(flood, {"safe": "yes"}) == ["safe", "remark"]
    assert visible_fields(flood, {"safe": "no"}) == ["safe", "help", "remark"]
    assert visible_fields(flood, {}) == ["safe", "remark"]


def test_flood_required_messages(flood: Questionnaire) -> None:
    assert validate(flood, {}) == {"safe": "请选择是否安全"}
    assert validate(flood, {"safe": "no"}) == {"help": "此题必答"}
    assert validate(flood, {"safe": "no", "help": ["food", "medicine"]}) == {}
    assert validate(flood, {"safe": "yes"}) == {}


def test_flood_answers_of_hidden_questions_are_dropped(flood: Questionnaire) -> None:
    answers = {"safe": "yes", "help": "food", "remark": "已提醒转移车辆"}
    assert validate(flood, answers) == {}  # not relevant: not checked, not required
    assert clean(flood, answers) == {"safe": "yes", "remark": "已提醒转移车辆"}
    assert clean(flood, {"safe": "no", "help": "food evacuate food"}) == {
        "safe": "no",
        "help": ["food", "evacuate"],
    }


def test_flood_choices_must_be_in_the_list(flood: Questionnaire) -> None:
    assert validate(flood, {"safe": "maybe"}) == {"safe": "请从列表中选择一项"}
    assert validate(flood, {"safe": "no", "help": ["food", "boat"]}) == {"help": "有选项不在列表中"}
    assert validate(flood, {"safe": "no", "help": [1, 2]}) == {"help": "选项格式错误"}


def test_unknown_question_reported(flood: Questionnaire) -> None:
    assert validate(flood, {"safe": "yes", "boat": "x"}) == {"boat": "问卷中没有这个问题"}


# ---- winter heating ------------------------------------------------------------------------

GOOD = {
    "room_temp": 18,
    "heating": "electric",
    "last_check": "2026-11-20",
    "contact_phone": "13912345678",
}


def test_heating_good_answers_pass(heating: Questionnaire) -> None:
    assert validate(heating, GOOD, today=TODAY) == {}
    assert clean(heating, {**GOOD, "intro": "x"}, today=TODAY) == GOOD


@pytest.mark.parametrize(
    ("temp", "message"),
    [
        (41, "室内温度应在 0 到 40 ℃ 之间"),
        ("41", "室内温度应在 0 到 40 ℃ 之间"),
        ("18.5", "请填写整数"),
        ("十八", "请填写整数"),
        (True, "请填写整数"),
        (2**40, "数字太大"),
    ],
)
def test_room_temperature_constraint_and_type(
    heating: Questionnaire, temp: object, message: str
) -> None:
    assert validate(heating, {**GOOD, "room_temp": temp}, today=TODAY) == {"room_temp": message}


@pytest.mark.parametrize("temp", [0, 40, "0", "40", 18.0])
def test_room_temperature_bounds_included(heating: Questionnaire, temp: object) -> None:
    answers = {**GOOD, "room_temp": temp, "cold_help": ["heater"]}
    assert validate(heating, answers, today=TODAY) == {}


def test_out_of_range_cold_room_still_asks_for_help(heating: Questionnaire) -> None:
    assert validate(heating, {**GOOD, "room_temp": -1}, today=TODAY) == {
        "room_temp": "室内温度应在 0 到 40 ℃ 之间",
        "cold_help": "此题必答",
    }


def test_cold_room_asks_what_help_is_needed(heating: Questionnaire) -> None:
    cold = {**GOOD, "room_temp": 12}
    assert "cold_help" in visible_fields(heating, cold, today=TODAY)
    assert "cold_help" not in visible_fields(heating, GOOD, today=TODAY)
    assert "cold_help" not in visible_fields(heating, {}, today=TODAY)  # unanswered: not < 16
    assert validate(heating, cold, today=TODAY) == {"cold_help": "此题必答"}
    assert validate(heating, {**cold, "cold_help": "heater blanket"}, today=TODAY) == {}
    # Warmed up: the follow-up disappears and its answer is not kept.
    assert clean(heating, {**GOOD, "cold_help": ["heater"]}, today=TODAY) == GOOD


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-12-02", "日期不能晚于今天"),
        ("2027-01-01", "日期不能晚于今天"),
        ("2026-02-30", "没有这一天"),
        ("2026/11/20", "请按 年-月-日 填写日期，例如 2026-12-01"),
        (20261120, "请按 年-月-日 填写日期，例如 2026-12-01"),
    ],
)
def test_last_check_not_in_the_future(heating: Questionnaire, value: object, message: str) -> None:
    assert validate(heating, {**GOOD, "last_check": value}, today=TODAY) == {"last_check": message}


def test_last_check_today_and_date_objects_accepted(heating: Questionnaire) -> None:
    assert validate(heating, {**GOOD, "last_check": "2026-12-01"}, today=TODAY) == {}
    assert (
        clean(heating, {**GOOD, "last_check": dt.date(2026, 1, 5)}, today=TODAY)["last_check"]
        == "2026-01-05"
    )


@pytest.mark.parametrize("phone", ["12912345678", "1391234567", "139123456789x", "电话"])
def test_phone_regex(heating: Questionnaire, phone: str) -> None:
    errors = validate(heating, {**GOOD, "contact_phone": phone}, today=TODAY)
    assert errors == {"contact_phone": "请填写 11 位手机号"}
    assert phone not in errors["contact_phone"]  # a message never repeats the answer


def test_optional_answers_are_not_constrained_when_empty(heating: Questionnaire) -> None:
    answers = {**GOOD, "contact_phone": "  ", "last_check": None}
    assert validate(heating, answers, today=TODAY) == {}
    assert "contact_phone" not in clean(heating, answers, today=TODAY)


def test_required_applies_to_each_required_question(heating: Questionnaire) -> None:
    assert validate(heating, {}, today=TODAY) == {"room_temp": "此题必答", "heating": "此题必答"}


# ---- skip logic chains and groups ----------------------------------------------------------


def test_hidden_question_hides_those_that_depend_on_it(xlsform: MakeForm) -> None:
    survey = [
        ("type", "name", "label", "relevant"),
        ("select_one yn", "alone", "是否独居", None),
        ("select_one yn", "sick", "是否患病", "${alone} = 'yes'"),
        ("text", "medicine", "所需药品", "${sick} = 'yes'"),
    ]
    choices = [("list_name", "name", "label"), ("yn", "yes", "是"), ("yn", "no", "否")]
    form = read_xlsform(xlsform(survey, choices))
    answers = {"alone": "no", "sick": "yes", "medicine": "降压药"}
    assert visible_fields(form, answers) == ["alone"]
    assert clean(form, answers) == {"alone": "no"}
    assert visible_fields(form, {**answers, "alone": "yes"}) == ["alone", "sick", "medicine"]


def test_group_relevance_hides_its_questions(xlsform: MakeForm) -> None:
    survey = [
        ("type", "name", "label", "relevant", "required"),
        ("integer", "age", "年龄", None, "yes"),
        ("begin_group", "elder", "老人情况", "${age} >= 60", None),
        ("select_one yn", "alone", "是否独居", None, "yes"),
        ("text", "carer", "照护人", "${alone} = 'no'", None),
        ("end_group", None, None, None, None),
    ]
    choices = [("list_name", "name", "label"), ("yn", "yes", "是"), ("yn", "no", "否")]
    form = read_xlsform(xlsform(survey, choices))
    assert visible_fields(form, {"age": 45, "alone": "no"}) == ["age"]
    assert validate(form, {"age": 45}) == {}
    assert validate(form, {"age": 75}) == {"alone": "此题必答"}
    assert visible_fields(form, {"age": "75", "alone": "no"}) == ["age", "alone", "carer"]


def test_dynamic_required_and_decimal(xlsform: MakeForm) -> None:
    survey = [
        ("type", "name", "label", "required", "constraint", "default"),
        ("decimal", "income", "月收入（元）", None, ". >= 0", "0"),
        ("text", "reason", "低收入原因", "${income} < 1000", None, None),
    ]
    form = read_xlsform(xlsform(survey))
    assert initial_answers(form) == {"income": 0.0}
    assert validate(form, {"income": "800.5"}) == {"reason": "此题必答"}
    assert validate(form, {"income": 2500}) == {}
    assert validate(form, {"income": "-3", "reason": "失业"}) == {"income": "答案不符合要求"}
    assert validate(form, {"income": "1e3"}) == {"income": "请填写数字"}
    assert validate(form, {"income": float("nan")}) == {"income": "请填写数字"}


def test_validate_takes_only_a_mapping(flood: Questionnaire) -> None:
    assert validate(flood, ["safe"]) == {"": "答案格式错误"}  # type: ignore[arg-type]
