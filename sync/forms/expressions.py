"""XLSForm expressions (``relevant``, ``constraint``, ``required``) evaluated for real.

The evaluator is elementpath's XPath 2.0 parser in XPath 1.0 compatibility mode — XLSForm is
an XPath 1.0 dialect — with ODK's own functions registered as external functions. An
expression is translated once: each ``${name}`` becomes an XPath variable, ``.`` is the context
item (the current field's value). Only a known subset of XPath is accepted (``SUPPORTED_*``):
anything else is refused when the form is published, not discovered at a household's door.

Values follow ODK's coercions: every answer is untyped text (an unanswered question is the
empty string), compared as a number against a number and as text against text; a text that is
no number compares false with any number (ODK's NaN) instead of failing. Dates are numbers of
days since 1970-01-01 in expressions, as in ODK, so ``. <= today()`` and ``today() - ${d} > 30``
work. An expression that still cannot be computed (arithmetic on an unanswered question) is
false.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import math
import re
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from elementpath import ElementPathError, XPath2Parser, XPathContext
from elementpath.datatypes import UntypedAtomic

#: Functions a form may call (ODK's selected/count-selected/regex/today/date plus the XPath 1.0
#: core ones whose meaning is the same in ODK).
SUPPORTED_FUNCTIONS = frozenset(
    {
        "not",
        "true",
        "false",
        "string-length",
        "concat",
        "contains",
        "starts-with",
        "number",
        "string",
        "selected",
        "count-selected",
        "regex",
        "today",
        "date",
    }
)
#: Operators and literals a form may use.
SUPPORTED_SYMBOLS = frozenset(
    {
        ".",
        "+",
        "-",
        "*",
        "div",
        "mod",
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "and",
        "or",
        "(",
        ",",
        "(string)",
        "(integer)",
        "(decimal)",
    }
)
REFERENCE = re.compile(r"\$\{([^{}]*)\}")
EPOCH = dt.date(1970, 1, 1)

_TODAY: contextvars.ContextVar[dt.date | None] = contextvars.ContextVar("forms_today", default=None)


class ExpressionError(ValueError):
    """An expression that cannot be accepted; ``reason`` is in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Answer(UntypedAtomic):
    """An answer as ODK sees it: untyped text, a number only when compared with one.

    elementpath's untyped value raises on ``'' < 16``; ODK converts the text to NaN, so the
    comparison is merely false. Overriding the coercion keeps XPath 1.0's behaviour.
    """

    def __float__(self) -> float:
        text = self.value.strip()
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            return math.nan
        return float(text)

    def _operator(self, op: Any, other: object, force_float: bool = True) -> Any:
        if isinstance(other, bool):
            return super()._operator(op, other, force_float)
        if isinstance(other, (int, float, decimal.Decimal)):
            return op(float(self), float(other))
        if isinstance(other, UntypedAtomic):
            if force_float:
                return op(float(self), float(other))
            return op(self.value, other.value)
        return super()._operator(op, other, force_float)


def days(value: dt.date) -> int:
    """A date as ODK's expressions see it: days since 1970-01-01."""
    return (value - EPOCH).days


# ---- ODK functions ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return _text(value[0]) if value else ""
    if isinstance(value, UntypedAtomic):
        return value.value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _selected(value: Any, choice: Any) -> bool:
    return _text(choice).strip() in _text(value).split()


def _count_selected(value: Any) -> int:
    return len(_text(value).split())


def _regex(value: Any, pattern: Any) -> bool:
    # ODK (JavaRosa) uses Matcher.find(): the pattern may match anywhere unless anchored.
    try:
        return re.search(_text(pattern), _text(value)) is not None
    except re.error:
        return False


def _today() -> int:
    return days(_TODAY.get() or dt.date.today())


def _date(value: Any) -> float:
    try:
        return days(dt.date.fromisoformat(_text(value).strip()))
    except ValueError:
        return math.nan


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "selected": _selected,
    "count-selected": _count_selected,
    "regex": _regex,
    "today": _today,
    "date": _date,
}

_local = threading.local()


def _parse(xpath: str) -> Any:
    """Parse with this thread's parser (elementpath's parser keeps state while parsing)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = XPath2Parser(compatibility_mode=True)
        for name, callback in _FUNCTIONS.items():
            parser.external_function(callback, name=name)
        _local.parser = parser
        _local.cache = {}
    cache: dict[str, Any] = _local.cache
    root = cache.get(xpath)
    if root is None:
        root = parser.parse(xpath)
        if len(cache) > 2000:
            cache.clear()
        cache[xpath] = root
    return root


@dataclass(frozen=True, slots=True)
class Expression:
    """A checked expression. ``references`` are the field names it reads, in order."""

    source: str
    xpath: str
    references: tuple[str, ...]

    def evaluate(
        self,
        values: Mapping[str, Any],
        current: Any = None,
        *,
        today: dt.date | None = None,
    ) -> Any:
        """Evaluate; raise ``ElementPathError`` (or ValueError/TypeError) if it cannot be.

        ``values`` map field names to expression values (see ``answers.expression_value``);
        a missing name counts as unanswered.
        """
        variables = {f"v{i}": _as_value(values.get(n)) for i, n in enumerate(self.references)}
        root = _parse(self.xpath)
        context = XPathContext(root=None, item=_as_value(current), variables=variables)
        token = _TODAY.set(today)
        try:
            result = root.evaluate(context)
            return root.boolean_value(result) if result is not None else False
        finally:
            _TODAY.reset(token)

    def value(
        self, values: Mapping[str, Any], current: Any = None, *, today: dt.date | None = None
    ) -> Any:
        """The raw result (a number, a text…), for tests and the form widget."""
        variables = {f"v{i}": _as_value(values.get(n)) for i, n in enumerate(self.references)}
        context = XPathContext(root=None, item=_as_value(current), variables=variables)
        token = _TODAY.set(today)
        try:
            return _parse(self.xpath).evaluate(context)
        finally:
            _TODAY.reset(token)

    def test(
        self, values: Mapping[str, Any], current: Any = None, *, today: dt.date | None = None
    ) -> bool:
        """True or False, never an exception: what cannot be computed is false (ODK's NaN)."""
        try:
            return bool(self.evaluate(values, current, today=today))
        except (ElementPathError, ArithmeticError, TypeError, ValueError, RecursionError):
            return False


def _as_value(value: Any) -> Any:
    if value is None:
        return Answer("")
    if isinstance(value, (Answer, int, float)) and not isinstance(value, bool):
        return value
    return Answer(str(value))


def references(source: str) -> list[str]:
    """The ``${name}`` references of an expression or a label, in order of appearance."""
    return [m.group(1).strip() for m in REFERENCE.finditer(source)]


def compile_expression(source: str, known: Collection[str]) -> Expression:
    """Translate and check one expression; raise ``ExpressionError`` with a Chinese reason."""
    refs: list[str] = []
    for name in references(source):
        if name not in known:
            raise ExpressionError(f"引用了不存在的问题 ${{{name}}}")
        if name not in refs:
            refs.append(name)

    def variable(match: re.Match[str]) -> str:
        return f"($v{refs.index(match.group(1).strip())})"

    xpath = REFERENCE.sub(variable, source)
    if not xpath.strip():
        raise ExpressionError("表达式为空")
    try:
        root = _parse(xpath)
    except ElementPathError as exc:
        raise ExpressionError(_parse_reason(source, exc)) from None
    except (ValueError, TypeError, RecursionError):
        raise ExpressionError(f"表达式写法有误：{source}") from None
    _check_tree(root, len(refs), source)
    return Expression(source=source, xpath=xpath, references=tuple(refs))


def _parse_reason(source: str, exc: ElementPathError) -> str:
    message = str(exc)
    if re.search(r"\bif\s*\(", source):
        return "不支持的函数 if()"
    unknown = re.search(r"unknown function '([^']+)'", message)
    if unknown:
        return f"不支持的函数 {unknown.group(1)}()"
    if "arguments" in message and ("Too" in message or "too" in message):
        return f"函数的参数个数不对：{source}"
    if getattr(exc, "code", "").endswith("XPST0081") or "prefix" in message:
        name = re.search(r"([A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*)", source)
        return f"不支持的函数或写法 {name.group(1) if name else source}"
    return f"表达式写法有误：{source}"


# A quantified group that itself contains a quantifier, e.g. (a+)+ or (\d*)*: Python's re
# backtracks exponentially on such patterns, and answers come from the field.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")


def _check_pattern(argument: Any) -> None:
    """The pattern of ``regex()`` must be a literal that compiles and cannot hang the check."""
    if argument.symbol != "(string)":
        raise ExpressionError("regex() 的第二个参数须是写在引号中的正则表达式")
    pattern = str(argument.value)
    try:
        re.compile(pattern)
    except re.error:
        raise ExpressionError(f"正则表达式写错了：{pattern}") from None
    if _NESTED_QUANTIFIER.search(pattern):
        raise ExpressionError(f"正则表达式含嵌套的重复（如 (a+)+），可能极慢：{pattern}")


def _check_tree(token: Any, n_refs: int, source: str) -> None:
    symbol = token.symbol
    label = getattr(token, "label", "")
    if symbol == "$":
        name = token[0].value if len(token) else ""
        if not (re.fullmatch(r"v\d+", str(name)) and int(str(name)[1:]) < n_refs):
            raise ExpressionError(f"不支持的写法 ${name}（引用问题请写 ${{问题名}}）")
        return
    if label in ("function", "external function"):
        name = str(symbol).removeprefix("fn:")
        if name not in SUPPORTED_FUNCTIONS:
            raise ExpressionError(f"不支持的函数 {name}()")
        if name == "regex" and len(token) == 2:
            _check_pattern(token[1])
    elif symbol not in SUPPORTED_SYMBOLS:
        shown = symbol if symbol not in ("(name)",) else getattr(token, "value", symbol)
        raise ExpressionError(f"不支持的写法 “{shown}”：{source}")
    for child in token:
        _check_tree(child, n_refs, source)
