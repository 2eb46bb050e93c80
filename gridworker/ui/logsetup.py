"""The rotating log file in the data dir; ID numbers and phone numbers never reach it."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

# One redaction for the service and the app (ID numbers, phones, tokens, passwords).
from sync.redact import RedactingFormatter, install_redaction, redact

__all__ = [
    "LOG_NAME",
    "RedactingFormatter",
    "configure_logging",
    "install_qt_message_handler",
    "redact",
]

LOG_NAME = "gridworker.log"


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
    install_redaction()  # every record of every logger, and the console too
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
