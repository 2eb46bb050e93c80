"""Real .xlsx questionnaires written with openpyxl, as an author would save them from Excel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sync.forms import Questionnaire, read_xlsform

Rows = Sequence[Sequence[Any]]

SURVEY_HEADER = (
    "type",
    "name",
    "label::中文",
    "hint::中文",
    "required",
    "required_message::中文",
    "constraint",
    "constraint_message::中文",
    "relevant",
    "default",
)


def write_xlsform(
    path: Path,
    survey: Rows,
    choices: Rows | None = None,
    settings: Rows | None = None,
) -> Path:
    """Write the sheets as given (first row of each is its header)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(list(row))
    if choices is not None:
        sheet = book.create_sheet("choices")
        for row in choices:
            sheet.append(list(row))
    if settings is not None:
        sheet = book.create_sheet("settings")
        for row in settings:
            sheet.append(list(row))
    book.save(path)
    return path


def survey_row(type_: str, name: str, label: str = "", **columns: Any) -> tuple[Any, ...]:
    """A survey row under SURVEY_HEADER; keyword names are the header's base names."""
    values = {"type": type_, "name": name, "label": label, **columns}
    return tuple(values.get(h.split("::")[0]) for h in SURVEY_HEADER)


FLOOD_SURVEY = [
    SURVEY_HEADER,
    survey_row(
        "select_one safety", "safe", "是否安全", required="yes", required_message="请选择是否安全"
    ),
    survey_row(
        "select_multiple help",
        "help",
        "需要的帮助",
        hint="可多选",
        required="yes",
        relevant="${safe} = 'no'",
    ),
    survey_row("text", "remark", "备注"),
]
FLOOD_CHOICES = [
    ("list_name", "name", "label::中文"),
    ("safety", "yes", "安全"),
    ("safety", "no", "不安全"),
    ("help", "evacuate", "需要转移"),
    ("help", "food", "食物和饮水"),
    ("help", "medicine", "药品"),
]
FLOOD_SETTINGS = [
    ("form_title", "form_id", "version"),
    ("暴雨前安全排查", "flood_sweep", "2026120101"),
]

HEATING_SURVEY = [
    SURVEY_HEADER,
    survey_row("note", "intro", "请入户查看独居老人的取暖情况"),
    survey_row(
        "integer",
        "room_temp",
        "室内温度（℃）",
        required="yes",
        constraint=". >= 0 and . <= 40",
        constraint_message="室内温度应在 0 到 40 ℃ 之间",
    ),
    survey_row("select_one heating", "heating", "取暖方式", required="yes"),
    survey_row(
        "select_multiple cold_help",
        "cold_help",
        "室温偏低，需要的帮助",
        required="yes",
        relevant="${room_temp} < 16",
    ),
    survey_row(
        "date",
        "last_check",
        "上次检查取暖设备的日期",
        constraint=". <= today()",
        constraint_message="日期不能晚于今天",
    ),
    survey_row(
        "text",
        "contact_phone",
        "紧急联系人手机",
        constraint="regex(., '^1[3-9][0-9]{9}$')",
        constraint_message="请填写 11 位手机号",
    ),
    survey_row("image", "photo", "取暖设备照片"),
]
HEATING_CHOICES = [
    ("list_name", "name", "label::中文"),
    ("heating", "central", "集中供暖"),
    ("heating", "electric", "电暖器"),
    ("heating", "coal", "燃煤炉"),
    ("heating", "none", "无取暖"),
    ("cold_help", "heater", "送取暖器"),
    ("cold_help", "blanket", "送棉被"),
    ("cold_help", "move", "临时安置"),
]
HEATING_SETTINGS = [("form_title", "form_id"), ("独居老人冬季取暖走访", "winter_heating")]


@pytest.fixture
def xlsform(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(10_000))

    def make(survey: Rows, choices: Rows | None = None, settings: Rows | None = None) -> Path:
        return write_xlsform(tmp_path / f"form{next(counter)}.xlsx", survey, choices, settings)

    return make


@pytest.fixture
def flood(xlsform: Callable[..., Path]) -> Questionnaire:
    return read_xlsform(xlsform(FLOOD_SURVEY, FLOOD_CHOICES, FLOOD_SETTINGS))


@pytest.fixture
def heating(xlsform: Callable[..., Path]) -> Questionnaire:
    return read_xlsform(xlsform(HEATING_SURVEY, HEATING_CHOICES, HEATING_SETTINGS))
