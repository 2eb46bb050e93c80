"""The questionnaire widget: skip logic live, messages at the field, canonical answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel, QRadioButton

from gridworker.ui.form_widget import FormWidget
from sync.forms import Questionnaire, read_xlsform
from tests.forms.conftest import (
    FLOOD_CHOICES,
    FLOOD_SETTINGS,
    FLOOD_SURVEY,
    HEATING_CHOICES,
    HEATING_SETTINGS,
    HEATING_SURVEY,
    write_xlsform,
)

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def heating(tmp_path: Path) -> Questionnaire:
    return read_xlsform(
        write_xlsform(tmp_path / "h.xlsx", HEATING_SURVEY, HEATING_CHOICES, HEATING_SETTINGS)
    )


@pytest.fixture
def flood(tmp_path: Path) -> Questionnaire:
    return read_xlsform(
        write_xlsform(tmp_path / "f.xlsx", FLOOD_SURVEY, FLOOD_CHOICES, FLOOD_SETTINGS)
    )


def shown(widget: FormWidget, name: str) -> bool:
    return widget.editors[name].container.isVisibleTo(widget)


def make(qtbot: Any, form: Questionnaire, **kwargs: Any) -> FormWidget:
    widget = FormWidget(form, today=TODAY, **kwargs)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    with qtbot.waitActive(widget):
        widget.show()
        widget.activateWindow()
    return widget


def test_flood_skip_logic_follows_the_radio_buttons(qtbot: Any, flood: Questionnaire) -> None:
    widget = make(qtbot, flood)
    assert not shown(widget, "help")
    radios = {b.text(): b for b in widget.editors["safe"].container.findChildren(QRadioButton)}
    assert set(radios) == {"安全", "不安全"}
    with qtbot.waitSignal(widget.changed):
        qtbot.mouseClick(radios["不安全"], Qt.MouseButton.LeftButton)
    assert shown(widget, "help")
    assert widget.check() == {"help": "此题必答"}
    assert widget.editors["help"].error.text() == "此题必答"
    assert widget.editors["help"].error.isVisibleTo(widget)
    for check in widget.editors["help"].checks[:2]:
        qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert widget.check() == {}
    assert not widget.editors["help"].error.isVisibleTo(widget)
    assert widget.answers() == {"safe": "no", "help": ["evacuate", "food"]}
    qtbot.mouseClick(radios["安全"], Qt.MouseButton.LeftButton)
    assert not shown(widget, "help")
    assert widget.answers() == {"safe": "yes"}  # the hidden answer is dropped


def test_heating_temperature_message_and_follow_up(qtbot: Any, heating: Questionnaire) -> None:
    widget = make(qtbot, heating)
    temp = widget.editors["room_temp"]
    temp.line.setFocus()
    qtbot.keyClicks(temp.line, "4")
    assert not temp.error.isVisibleTo(widget)  # not scolded while typing
    assert shown(widget, "cold_help")  # 4 ℃ < 16: live
    qtbot.keyClicks(temp.line, "1")
    qtbot.keyClick(temp.line, Qt.Key.Key_Tab)
    assert temp.error.isVisibleTo(widget)
    assert temp.error.text() == "室内温度应在 0 到 40 ℃ 之间"
    assert temp.line.property("invalid") is True
    assert not shown(widget, "cold_help")
    temp.line.clear()
    qtbot.keyClicks(temp.line, "12x")  # the validator refuses the letter
    assert temp.line.text() == "12"
    assert shown(widget, "cold_help")
    assert not temp.error.isVisibleTo(widget)


def test_heating_filled_in_and_read_back(qtbot: Any, heating: Questionnaire) -> None:
    widget = make(qtbot, heating)
    errors = widget.check()
    assert errors == {"room_temp": "此题必答", "heating": "此题必答"}
    assert widget.editors["room_temp"].line.hasFocus()  # the first question at fault
    qtbot.keyClicks(widget.editors["room_temp"].line, "10")
    radios = {b.text(): b for b in widget.editors["heating"].container.findChildren(QRadioButton)}
    qtbot.mouseClick(radios["燃煤炉"], Qt.MouseButton.LeftButton)
    widget.editors["cold_help"].checks[1].setChecked(True)
    widget.editors["last_check"].date.setDate(QDate(2026, 12, 2))
    qtbot.keyClicks(widget.editors["contact_phone"].line, "1391234567")
    widget.editors["contact_phone"].line.editingFinished.emit()
    assert widget.check() == {
        "last_check": "日期不能晚于今天",
        "contact_phone": "请填写 11 位手机号",
    }
    widget.editors["last_check"].date.setDate(QDate(2026, 11, 28))
    qtbot.keyClicks(widget.editors["contact_phone"].line, "8")
    assert widget.check() == {}
    assert widget.answers() == {
        "room_temp": 10,
        "heating": "coal",
        "cold_help": ["blanket"],
        "last_check": "2026-11-28",
        "contact_phone": "13912345678",
    }


def test_given_answers_are_shown_and_notes_substituted(qtbot: Any, heating: Questionnaire) -> None:
    answers = {
        "room_temp": 14,
        "heating": "none",
        "cold_help": "heater move",
        "last_check": "2026-11-01",
    }
    widget = make(qtbot, heating, answers=answers)
    assert widget.answers() == answers | {"cold_help": ["heater", "move"]}
    assert widget.editors["room_temp"].line.text() == "14"
    assert not any(e.error.isVisibleTo(widget) for e in widget.editors.values())
    assert widget.editors["intro"].label.text() == "请入户查看独居老人的取暖情况"


def test_no_text_is_cut_at_1366x768(qtbot: Any, heating: Questionnaire) -> None:
    widget = make(qtbot, heating, answers={"room_temp": 12})
    widget.resize(1366, 768)
    widget.check()
    qtbot.wait(50)
    labels = [lb for lb in widget.findChildren(QLabel) if lb.isVisibleTo(widget) and lb.text()]
    assert len(labels) >= 8
    for label in labels:
        if label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()), label.text()
        else:
            assert label.width() >= label.sizeHint().width(), label.text()


def test_long_choice_lists_use_a_combo_and_photos_a_path(qtbot: Any, tmp_path: Path) -> None:
    survey = [
        ("type", "name", "label"),
        ("select_one street", "street", "所在街道"),
        ("image", "pic", "门牌照片"),
    ]
    streets = ["新浦", "海州", "浦南", "路南", "新南", "洪门", "朐阳"]
    choices = [("list_name", "name", "label")] + [
        ("street", f"s{i}", n) for i, n in enumerate(streets)
    ]
    form = read_xlsform(write_xlsform(tmp_path / "s.xlsx", survey, choices))
    widget = make(qtbot, form)
    combo = widget.editors["street"].combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["", *streets]
    combo.setCurrentIndex(3)
    widget.editors["pic"].set_value(str(tmp_path / "门牌.jpg"))
    assert widget.editors["pic"].photo_name.text() == "门牌.jpg"
    assert widget.answers() == {"street": "s2", "pic": str(tmp_path / "门牌.jpg")}
