"""Reading XLSForms: what is accepted as the author meant it, and what is refused (row, reason)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sync.forms import FormError, Questionnaire, read_xlsform
from tests.forms.conftest import (
    FLOOD_CHOICES,
    HEATING_CHOICES,
    HEATING_SURVEY,
    SURVEY_HEADER,
    survey_row,
)

MakeForm = Callable[..., Path]
YES_NO = [("list_name", "name", "label"), ("yn", "yes", "是"), ("yn", "no", "否")]


def test_flood_sweep_is_read_with_chinese_labels(flood: Questionnaire) -> None:
    assert (flood.id, flood.title, flood.version) == ("flood_sweep", "暴雨前安全排查", "2026120101")
    assert [(f.name, f.type) for f in flood.fields] == [
        ("safe", "select_one"),
        ("help", "select_multiple"),
        ("remark", "text"),
    ]
    safe, helped, remark = flood.fields
    assert safe.label == "是否安全" and safe.required and safe.required_message == "请选择是否安全"
    assert [(c.name, c.label) for c in safe.choices] == [("yes", "安全"), ("no", "不安全")]
    assert helped.relevant == "${safe} = 'no'" and helped.hint == "可多选"
    assert helped.choice_label("food") == "食物和饮水"
    assert not remark.required and remark.relevant == ""


def test_heating_survey_keeps_constraints_messages_and_types(heating: Questionnaire) -> None:
    assert heating.title == "独居老人冬季取暖走访"
    types = {f.name: f.type for f in heating.fields}
    assert types == {
        "intro": "note",
        "room_temp": "integer",
        "heating": "select_one",
        "cold_help": "select_multiple",
        "last_check": "date",
        "contact_phone": "text",
        "photo": "image",
    }
    temp = heating.field("room_temp")
    assert temp.constraint == ". >= 0 and . <= 40"
    assert temp.constraint_message == "室内温度应在 0 到 40 ℃ 之间"
    assert temp.row == 3  # Excel's row: header is row 1, the note row 2
    assert heating.field("contact_phone").constraint == "regex(., '^1[3-9][0-9]{9}$')"


def test_definition_survives_json_round_trip(heating: Questionnaire) -> None:
    wire = json.loads(json.dumps(heating.to_dict(), ensure_ascii=False))
    again = Questionnaire.from_dict(wire)
    assert again.to_dict() == heating.to_dict()
    assert again.field("heating").choice_names == ("central", "electric", "coal", "none")


@pytest.mark.parametrize(
    "column",
    ["label::中文", "label::Chinese (zh)", "label::中文 (zh)", "label::简体中文", "label"],
)
def test_chinese_label_variants(xlsform: MakeForm, column: str) -> None:
    survey = [
        ("type", "name", "label::English (en)", column),
        ("select_one yn", "ok", "Are you safe?", "是否安全"),
    ]
    choices = [
        ("list_name", "name", "label::English (en)", column),
        ("yn", "yes", "Yes", "是"),
        ("yn", "no", "No", "否"),
    ]
    form = read_xlsform(xlsform(survey, choices))
    field = form.field("ok")
    if column == "label":  # untranslated column: pyxform's "default" language, next to English
        assert field.label in ("是否安全", "Are you safe?")
    else:
        assert field.label == "是否安全"
        assert [c.label for c in field.choices] == ["是", "否"]


def test_groups_are_flattened_with_their_relevance(xlsform: MakeForm) -> None:
    survey = [
        ("type", "name", "label", "relevant"),
        ("select_one yn", "alone", "是否独居", None),
        ("begin_group", "elder", "老人情况", "${alone} = 'yes'"),
        ("integer", "age", "年龄", None),
        ("end_group", None, None, None),
        ("text", "remark", "备注", None),
    ]
    form = read_xlsform(xlsform(survey, YES_NO))
    assert [g.name for g in form.groups] == ["elder"]
    assert form.group("elder").relevant == "${alone} = 'yes'"
    assert form.field("age").group == "elder" and form.field("remark").group is None


def test_or_other_adds_a_specify_field_said_in_chinese(xlsform: MakeForm) -> None:
    survey = [("type", "name", "label"), ("select_one yn or_other", "ok", "是否安全")]
    form = read_xlsform(xlsform(survey, YES_NO))
    assert form.field("ok").choice_label("other") == "其他"
    other = form.field("ok_other")
    assert (other.type, other.label, other.relevant) == (
        "text",
        "请注明其他",
        "selected(${ok}, 'other')",
    )


def test_author_comment_columns_are_ignored(xlsform: MakeForm) -> None:
    survey = [("type", "name", "label", "备注说明"), ("text", "a", "姓名", "问户主")]
    assert [f.name for f in read_xlsform(xlsform(survey)).fields] == ["a"]


def test_reads_bytes_and_open_files(xlsform: MakeForm) -> None:
    path = xlsform([("type", "name", "label"), ("text", "a", "姓名")])
    assert read_xlsform(path.read_bytes()).field("a").label == "姓名"
    with path.open("rb") as handle:
        assert read_xlsform(handle).field("a").label == "姓名"


# ---- refused, with the row and the reason --------------------------------------------------


def refused(make: MakeForm, survey: list, choices: list | None = YES_NO) -> FormError:
    with pytest.raises(FormError) as caught:
        read_xlsform(make(survey, choices))
    return caught.value


def test_unsupported_type_refused_with_row(xlsform: MakeForm) -> None:
    survey = [
        ("type", "name", "label"),
        ("text", "a", "姓名"),
        (None, None, None),  # a blank row still counts in Excel's numbering
        ("integer", "b", "人数"),
        ("geopoint", "where", "位置"),
    ]
    error = refused(xlsform, survey)
    assert str(error) == "第 5 行（survey 表）：不支持的题型 geopoint"
    assert (error.sheet, error.row, error.code) == ("survey", 5, "invalid_form")


@pytest.mark.parametrize(
    ("kind", "shown"),
    [("phone number", "phone number"), ("calculate", "calculate"), ("time", "time")],
)
def test_other_pyxform_types_refused(xlsform: MakeForm, kind: str, shown: str) -> None:
    survey = [("type", "name", "label", "calculation"), ("text", "a", "姓名", None)]
    survey.append((kind, "b", "乙", "1 + 1" if kind == "calculate" else None))
    error = refused(xlsform, survey)
    assert error.row == 3
    assert f"不支持的{'题型 ' + shown if kind != 'calculate' else '列 calculation'}" in error.reason


def test_pyxform_refusal_keeps_row_and_pyxform_words(xlsform: MakeForm) -> None:
    survey = [
        ("type", "name", "label"),
        ("text", "a", "姓名"),
        ("begin_group", "g", "组"),
        ("text", "b", "乙"),
    ]
    error = refused(xlsform, survey)
    assert error.row == 3
    assert error.reason.startswith("begin_group 没有对应的 end_group")
    assert error.detail is not None and "Unmatched 'begin_group'" in error.detail


def test_unknown_type_located_although_pyxform_gives_no_row(xlsform: MakeForm) -> None:
    survey = [("type", "name", "label"), ("text", "a", "姓名"), ("shuzi", "b", "乙")]
    error = refused(xlsform, survey)
    assert (error.row, error.reason.split("（")[0]) == (3, "不认识的题型 shuzi")


def test_unknown_choice_list_refused(xlsform: MakeForm) -> None:
    survey = [("type", "name", "label"), ("text", "a", "姓名"), ("select_one yesno", "b", "乙")]
    error = refused(xlsform, survey)
    assert error.row == 3 and "choices 表中没有名为 yesno 的选项列表" in error.reason


@pytest.mark.parametrize(
    ("column", "expression", "reason"),
    [
        ("relevant", "${nobody} = 'yes'", "引用了不存在的问题 ${nobody}"),
        ("constraint", "${nobody} > 1", "引用了不存在的问题 ${nobody}"),
        ("constraint", "upper-case(.) = 'A'", "不支持的函数 upper-case()"),
        ("constraint", "pulldata('a', 'b', 'c', .)", "不支持的函数 pulldata()"),
        ("relevant", "if(${a} = 'x', true(), false())", "不支持的函数 if()"),
        ("relevant", "jr:choice-name(${a}, '${a}') = 'x'", "不支持的函数或写法 jr:choice-name"),
        ("constraint", ". > 1 and", "表达式写法有误"),
        ("constraint", "1 to 3", "不支持的写法 “to”"),
        ("constraint", "../a = 'x'", "不支持的写法"),
        ("constraint", "regex(., '[0-9')", "正则表达式写错了"),
        ("constraint", "selected(.)", "函数的参数个数不对"),
        ("relevant", "${when} = '2026-01-01'", "类型不匹配"),
    ],
)
def test_unusable_expressions_refused(
    xlsform: MakeForm, column: str, expression: str, reason: str
) -> None:
    survey = [
        ("type", "name", "label", column),
        ("text", "a", "姓名", None),
        ("date", "when", "日期", None),
        ("text", "b", "乙", expression),
    ]
    error = refused(xlsform, survey)
    assert error.row == 4, str(error)
    assert reason in error.reason


@pytest.mark.parametrize(
    ("survey", "row", "reason"),
    [
        (
            [
                ("type", "name", "label", "choice_filter"),
                ("select_one yn", "a", "甲", "name = 'yes'"),
            ],
            2,
            "不支持的列 choice_filter",
        ),
        (
            [
                ("type", "name", "label"),
                ("begin_repeat", "kids", "子女"),
                ("text", "n", "姓名"),
                ("end_repeat", None, None),
            ],
            2,
            "不支持重复组",
        ),
        (
            [("type", "name", "label", "default"), ("integer", "n", "人数", "三")],
            2,
            "默认值 三 不符合题型",
        ),
        (
            [("type", "name", "label", "default"), ("date", "d", "日期", "today()")],
            2,
            "不支持计算型默认值",
        ),
        (
            [
                ("type", "name", "label"),
                ("begin_group", "g", "组"),
                ("text", "a", "甲"),
                ("end_group", None, None),
                ("begin_group", "h", "组二"),
                ("text", "a", "甲二"),
                ("end_group", None, None),
            ],
            6,
            "名称 a 重复（与第 3 行重复）",
        ),
        (
            [("type", "name", "label", "constraint_message"), ("text", "a", "甲", "请重填")],
            2,
            "没有 constraint",
        ),
    ],
)
def test_forms_we_cannot_honour_are_refused(
    xlsform: MakeForm, survey: list, row: int, reason: str
) -> None:
    error = refused(xlsform, survey)
    assert error.row == row, str(error)
    assert reason in error.reason, str(error)


def test_not_an_excel_file_is_refused_in_chinese() -> None:
    with pytest.raises(FormError) as caught:
        read_xlsform(b"PK\x03\x04 not really a workbook")
    assert caught.value.row is None
    assert "无法读取这个 Excel 文件" in str(caught.value)


def test_zip_bomb_refused_before_parsing(tmp_path: Path) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(FormError, match="解压后太大"):
        read_xlsform(buffer.getvalue())


def test_a_form_with_nothing_to_answer_is_refused(xlsform: MakeForm) -> None:
    error = refused(xlsform, [("type", "name", "label"), ("note", "n", "仅说明")])
    assert "没有需要回答的题目" in error.reason


def test_malformed_wire_definition_is_refused() -> None:
    with pytest.raises(FormError):
        Questionnaire.from_dict({"id": "x", "fields": [{"name": "a"}]})
    with pytest.raises(FormError):
        Questionnaire.from_dict(
            {"id": "x", "fields": [{"name": "a", "type": "text", "relevant": "${zz} = 1"}]}
        )
    with pytest.raises(FormError, match="升级"):
        Questionnaire.from_dict({"format": 99, "fields": []})


def test_fixture_forms_use_the_documented_columns() -> None:
    # The shared header is what docs/questionnaires.md tells authors to use.
    assert SURVEY_HEADER[:3] == ("type", "name", "label::中文")
    assert len(HEATING_SURVEY) == 8 and len(FLOOD_CHOICES) == 6 and len(HEATING_CHOICES) == 8
    assert survey_row("text", "a", "甲")[:3] == ("text", "a", "甲")


def test_headers_as_authors_write_them(xlsform: MakeForm) -> None:
    # Modelled on pyxform's own examples: upper-case headers, the old single-colon language
    # separator, "list name" with a space.
    survey = [
        ("TYPE", "NAME", "LABEL:中文", "REQUIRED", "RELEVANT"),
        ("select one yn", "ok", "是否安全", "TRUE", None),
        ("text", "why", "原因", None, "${ok} = 'no'"),
    ]
    choices = [("list name", "name", "label:中文"), ("yn", "yes", "是"), ("yn", "no", "否")]
    form = read_xlsform(xlsform(survey, choices))
    ok = form.field("ok")
    assert (ok.type, ok.label, ok.required) == ("select_one", "是否安全", True)
    assert [c.label for c in ok.choices] == ["是", "否"]
    assert form.field("why").relevant == "${ok} = 'no'"
