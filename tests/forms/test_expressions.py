"""Expressions evaluated with ODK's coercions, and refused when they use what we do not do."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sync.forms.expressions import (
    Answer,
    ExpressionError,
    compile_expression,
    days,
    references,
)

TODAY = dt.date(2026, 12, 1)
KNOWN = ["a", "b", "help", "born", "phone"]


def run(source: str, values: dict[str, Any], current: Any = None) -> bool:
    return compile_expression(source, KNOWN).test(values, current, today=TODAY)


@pytest.mark.parametrize(
    ("source", "values", "current", "expected"),
    [
        # Unanswered is the empty text: equal to '', and no number (comparisons false).
        ("${a} = ''", {}, None, True),
        ("${a} != ''", {}, None, False),
        ("${a} < 16", {"a": ""}, None, False),
        ("${a} >= 16", {"a": ""}, None, False),
        ("16 > ${a}", {"a": "12"}, None, True),
        # Numbers compare as numbers, texts as texts.
        ("${a} = 5", {"a": "5.0"}, None, True),
        ("${a} > 9", {"a": "10"}, None, True),
        ("${a} = ${b}", {"a": "5", "b": "5"}, None, True),
        ("${a} = 'abc'", {"a": "abc"}, None, True),
        ("${a} > 3", {"a": "abc"}, None, False),
        # Arithmetic, and/or/not, parentheses.
        ("${a} * 2 + ${b} = 11", {"a": "3", "b": "5"}, None, True),
        ("${a}-1 = 2", {"a": "3"}, None, True),
        ("(${a} + ${b}) div 2 = 4", {"a": "3", "b": "5"}, None, True),
        ("${a} mod 2 = 1", {"a": "7"}, None, True),
        ("${a} + 1 > 0", {}, None, False),  # arithmetic on an unanswered question: false
        ("${a} = 'x' and not(${b} = 'y')", {"a": "x", "b": "z"}, None, True),
        ("${a} = 'x' or ${b} = 'y'", {"a": "q", "b": "y"}, None, True),
        # ODK's functions.
        ("selected(${help}, 'food')", {"help": "water food"}, None, True),
        ("selected(${help}, 'foo')", {"help": "water food"}, None, False),
        ("count-selected(${help}) = 2", {"help": "water food"}, None, True),
        ("count-selected(.) <= 1", {}, "water food", False),
        ("string-length(.) = 4", {}, "独居老人", True),
        ("string-length(${a}) = 0", {}, None, True),
        ("regex(., '^1[3-9][0-9]{9}$')", {}, "13912345678", True),
        ("regex(., '[0-9]{3}')", {}, "房号 301 室", True),  # JavaRosa's find(), not a full match
        ("regex(., '^1[3-9][0-9]{9}$')", {}, "", False),
        ("contains(${a}, '街道')", {"a": "新浦街道"}, None, True),
        ("concat(${a}, ${b}) = 'ab'", {"a": "a", "b": "b"}, None, True),
        # Dates are day numbers, as ODK converts them.
        (". <= today()", {}, days(TODAY), True),
        (". <= today()", {}, days(TODAY) + 1, False),
        ("today() - ${born} > 365 * 80", {"born": days(dt.date(1940, 5, 1))}, None, True),
        ("${born} < date('1950-01-01')", {"born": days(dt.date(1940, 5, 1))}, None, True),
        # `.` is the current answer.
        (". >= 0 and . <= 40", {}, "40", True),
        (". >= 0 and . <= 40", {}, "40.5", False),
        (". >= 0 and . <= 40", {}, Answer("-0"), True),
        ("true() and not(false())", {}, None, True),
    ],
)
def test_evaluation(source: str, values: dict[str, Any], current: Any, expected: bool) -> None:
    assert run(source, values, current) is expected


@pytest.mark.parametrize(
    "pattern", ["^1[3-9][0-9]{9}$", "^(0|[1-9][0-9]*)$", "^(\\d{3,4}-)?\\d{7,8}$", "^[A-Z]{2}"]
)
def test_ordinary_patterns_accepted(pattern: str) -> None:
    compile_expression(f"regex(., '{pattern}')", KNOWN)


def test_today_defaults_to_the_real_date() -> None:
    expr = compile_expression(". = today()", [])
    assert expr.test({}, days(dt.date.today()))


def test_references_in_order() -> None:
    assert references("${a} + ${ b } > ${a}") == ["a", "b", "a"]
    assert compile_expression("${a} + ${b} > ${a}", KNOWN).references == ("a", "b")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("${zz} = 1", "引用了不存在的问题 ${zz}"),
        ("lower-case(.) = 'a'", "不支持的函数 lower-case()"),
        ("count(.) = 1", "不支持的函数 count()"),
        ("$a = 1", "不支持的写法 $a"),
        ("a = 1", "不支持的写法 “a”"),
        ("//a", "不支持的写法 “//”"),
        ("@a = 1", "不支持的写法 “@”"),
        ("for $i in 1 return $i", "不支持的写法 “for”"),
        ("1e3 > .", "不支持的写法 “(float)”"),
        ("(. = 1", "表达式写法有误"),
        ("   ", "表达式为空"),
        ("regex(., '(a+)+$')", "可能极慢"),
        ("regex(., '^(\\w+\\s?)*$')", "可能极慢"),
        ("regex(., ${a})", "须是写在引号中的正则表达式"),
    ],
)
def test_refused(source: str, reason: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source, KNOWN)
    assert reason in caught.value.reason


def test_threads_evaluate_independently() -> None:
    expr = compile_expression("${a} > 10 and selected(${help}, 'food')", KNOWN)

    def one(i: int) -> bool:
        return expr.test({"a": str(i), "help": "food" if i % 2 else "water"})

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(200)))
    assert results == [i > 10 and i % 2 == 1 for i in range(200)]
