"""The service's log configuration: text lines or one JSON object per line, always redacted.

Built on ``sync.redact.log_config`` (uvicorn's configuration with a redacting filter on every
handler and a redacting formatter around every formatter); ``json`` swaps each inner formatter
for ``JsonFormatter``, uvicorn's access and error loggers included. Every record gets the id
of the request being answered (``request_id``, also sent back as X-Request-ID).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from sync.redact import log_config

from .metrics import request_id
from .settings import Settings


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, request_id, and exc when there is one."""

    def __init__(
        self, fmt: str | None = None, datefmt: str | None = None, style: Any = "%", **_: Any
    ):
        super().__init__(fmt, datefmt, style)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def service_log_config(settings: Settings) -> dict[str, Any]:
    """``logging.config.dictConfig`` input for uvicorn (``log_config=``)."""
    config = log_config(settings.log_level)
    config["filters"]["request_id"] = {"()": f"{__name__}.RequestIdFilter"}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "request_id"]
    if settings.log_format == "json":
        for formatter in config["formatters"].values():
            formatter["inner"] = f"{__name__}.JsonFormatter"
            formatter.pop("use_colors", None)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        if name in config["loggers"]:
            config["loggers"][name]["level"] = settings.log_level
    return config
