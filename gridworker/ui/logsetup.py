"""The rotating log file in the data dir; ID numbers and phone numbers never reach it."""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "gridworker.log"

# 18-character 身份证号 (and 15-digit first-generation ones), Chinese mobile and fixed-line
# numbers. Over-matching a harmless number costs nothing; leaking one is not acceptable.
_SENSITIVE = [
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), "[身份证号]"),
    (re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])"), "[身份证号]"),
    (
        re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])"),
        "[电话]",
    ),
    (re.compile(r"(?<![0-9A-Za-z])0\d{2,3}[ -]?\d{7,8}(?![0-9A-Za-z])"), "[电话]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SENSITIVE:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(data_dir: Path, level: int = logging.INFO) -> Path:
    """Log to ``data_dir/logs/gridworker.log`` (1 MB, 5 files kept); returns the file's path."""
    folder = data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, RotatingFileHandler):
            root.removeHandler(handler)
            handler.close()
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    for other in root.handlers:  # the console keeps showing warnings only
        if other.level == logging.NOTSET:
            other.setLevel(logging.WARNING)
    root.addHandler(handler)
    root.setLevel(level)
    return path


def install_qt_message_handler() -> None:
    """Qt's own warnings go to the same log (redacted like everything else)."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)
