"""Personal data and secrets never reach a log: 身份证号, phone numbers, tokens, passwords.

One module for the service and the desktop app. ``redact`` rewrites a text; the logging side
works at three places, each enough on its own for what it covers:

- ``RedactingFilter`` on a handler rewrites every record that reaches it (message, arguments,
  exception text and stack) before any formatter sees it;
- ``RedactingFormatter`` redacts the fully formatted line (it can wrap another formatter,
  such as uvicorn's coloured ones), catching what only the formatting puts together;
- ``install_redaction`` adds both to the handlers of the root logger and of uvicorn's
  loggers, and installs a log record factory, so records of every logger (SQLAlchemy's, a
  handler added later) are redacted when they are made.

``log_config`` is uvicorn's logging configuration with both in place, for ``gridsync serve``.
Over-matching a harmless number costs little; leaking one is not acceptable.
"""

from __future__ import annotations

import copy
import importlib
import logging
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

ID_NUMBER = "[身份证号]"
PHONE = "[电话]"
SECRET = "[已隐去]"


def _keep_quotes(match: re.Match[str]) -> str:
    value = match.group(0)[len(match.group(1)) :]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group(1)}{quote}{SECRET}{quote}"


# Secrets first: a token may hold a run of digits that looks like an ID number.
_SECRETS: list[tuple[re.Pattern[str], Any]] = [
    # Authorization: Bearer …, Basic …
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+"), rf"\1\2{SECRET}"),
    # token=…, "token": "…", password: …, in query strings, JSON and reprs.
    (
        re.compile(
            r"(?i)((?:token|password|passwd|secret)[\"']?\s*[:=]\s*)(?!\[已隐去\])"
            r"(?:\"[^\"]*\"|'[^']*'|[^\s\"'&,;}\]]+)"
        ),
        _keep_quotes,
    ),
    # secrets.token_urlsafe(32): 43 characters of the URL-safe alphabet.
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"), SECRET),
]
_PERSONAL: list[tuple[re.Pattern[str], Any]] = [
    # 18-character 身份证号 (check character 0-9 or X) and 15-digit first-generation ones.
    (re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])"), ID_NUMBER),
    (re.compile(r"(?<![0-9])\d{15}(?![0-9Xx])"), ID_NUMBER),
    # Mobile numbers, with +86 and spaces or dashes.
    (re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])"), PHONE),
    # Fixed lines with their area code: 0518-85201234, (0518)85201234, 051885201234.
    (
        re.compile(r"(?<![0-9])(?:\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})[ -]?[2-9]\d{6,7}(?![0-9])"),
        PHONE,
    ),
]
_PATTERNS = _SECRETS + _PERSONAL
# Every pattern needs a digit or one of these words: most log lines skip the regexes.
_TRIGGER = re.compile(r"(?i)\d|bearer|basic|token|passw|secret|[A-Za-z0-9_-]{43}")


def redact(text: str) -> str:
    """``text`` with ID numbers, phone numbers, bearer tokens and passwords replaced."""
    if not _TRIGGER.search(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if value is None or isinstance(value, numbers.Number):
        return value  # kept for %d and %f
    if isinstance(value, str):
        return redact(value)
    # Anything else (an exception, a dict, a row) is logged by its text: if that text holds
    # something to hide, the redacted text takes its place; else the object stays (for %r).
    text = str(value)
    hidden = redact(text)
    return value if hidden == text else hidden


_formatter = logging.Formatter()
_DONE = "gridworker_redacted"


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite ``record`` in place: message, arguments, exception text and stack."""
    if getattr(record, _DONE, False):
        return record
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    elif record.msg is not None:
        record.msg = redact(str(record.msg))
    args = record.args
    if isinstance(args, Mapping):
        record.args = {k: _redact_value(v) for k, v in args.items()}
    elif isinstance(args, tuple):
        record.args = tuple(_redact_value(a) for a in args)
    if record.exc_info and not record.exc_text:
        record.exc_text = _formatter.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    setattr(record, _DONE, True)
    return record


class RedactingFilter(logging.Filter):
    """On a handler: every record it handles is redacted before it is formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


class RedactingFormatter(logging.Formatter):
    """Formats like ``inner`` (a formatter, or the dotted name of a formatter class built
    with the other arguments, as ``logging.config.dictConfig`` passes them), then redacts."""

    def __init__(
        self,
        fmt: str | None = None,
        datefmt: str | None = None,
        style: Any = "%",
        *,
        inner: logging.Formatter | str | None = None,
        **options: Any,
    ):
        super().__init__(fmt, datefmt, style)
        if isinstance(inner, str):
            module, _, name = inner.rpartition(".")
            factory = getattr(importlib.import_module(module), name)
            inner = factory(fmt=fmt, datefmt=datefmt, style=style, **options)
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record) if self.inner is not None else super().format(record)
        if record.exc_text:  # cached on the record: another handler would print it as is
            record.exc_text = redact(record.exc_text)
        return redact(text)


SERVICE_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")

_original_factory: Callable[..., logging.LogRecord] | None = None


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _original_factory is not None
    return redact_record(_original_factory(*args, **kwargs))


def install_redaction(*logger_names: str, records: bool = True) -> None:
    """Redact every line written by the handlers of the root logger, uvicorn's loggers and
    ``logger_names``, and (``records``) every record made in this process from now on, by
    any logger, whatever handler it reaches. Safe to call again (for handlers added since).

    ``records`` replaces the process's log record factory: right for a program (the service,
    the app), not for a library call inside someone else's process."""
    global _original_factory
    if records and _original_factory is None:
        _original_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_redacting_factory)
    loggers = [logging.getLogger()]
    loggers += [logging.getLogger(n) for n in (*SERVICE_LOGGERS, "sqlalchemy", *logger_names)]
    for logger in loggers:
        for handler in logger.handlers:
            protect(handler)


def uninstall_record_factory() -> None:
    """Put back the record factory ``install_redaction`` replaced (for tests)."""
    global _original_factory
    if _original_factory is not None:
        logging.setLogRecordFactory(_original_factory)
        _original_factory = None


def protect(handler: logging.Handler) -> logging.Handler:
    """Give ``handler`` the redacting filter and a redacting formatter around its own."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
    if not isinstance(handler.formatter, RedactingFormatter):
        handler.setFormatter(RedactingFormatter(inner=handler.formatter or logging.Formatter()))
    return handler


SERVICE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging configuration with every formatter redacting and a redacting filter
    on every handler; the root logger (the service's own loggers, Starlette's, SQLAlchemy's)
    writes through a redacting handler to stderr too."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        inner = formatter.pop("()", None) or "logging.Formatter"
        formatter["()"] = f"{__name__}.RedactingFormatter"
        formatter["inner"] = inner
    config["formatters"]["service"] = {
        "()": f"{__name__}.RedactingFormatter",
        "fmt": SERVICE_FORMAT,
    }
    config.setdefault("filters", {})["redact"] = {"()": f"{__name__}.RedactingFilter"}
    config["handlers"]["service"] = {
        "formatter": "service",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["root"] = {"handlers": ["service"], "level": level.upper()}
    return config
