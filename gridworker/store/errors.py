"""What went wrong with the local disk, named, in Chinese, and without the SQL or its values.

SQLite's own messages are useless to a grid worker and SQLAlchemy's quote the statement (the
parameters are hidden, but a traceback may still carry a payload); the store's edge turns them
into these. They are ``ProtocolError``s so that every screen that already shows a refused save
in Chinese shows these too.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from typing import Any, NoReturn

from sqlalchemy.exc import DBAPIError

from sync.protocol.errors import ProtocolError

log = logging.getLogger(__name__)


class StorageError(ProtocolError):
    """The local database could not be read or written."""

    code = "storage_error"
    default_message = "读写本机数据出错，记录未保存。请检查磁盘后重试。"

    def __init__(self, message: str | None = None, *, code: str | None = None):
        super().__init__(message or self.default_message, code=code)


class DiskFull(StorageError):
    code = "disk_full"
    default_message = "磁盘空间不足，记录未保存。请清理磁盘空间后重试，已保存的记录不受影响。"


class ReadOnlyStorage(StorageError):
    code = "storage_read_only"
    default_message = (
        "数据文件夹不可写入（只读或没有权限），记录未保存。请检查数据文件夹的权限后重试。"
    )


class DamagedStorage(StorageError):
    code = "storage_damaged"
    default_message = "本机数据文件已损坏，记录未保存。请重新启动程序，程序会从备份恢复数据。"


class StorageBusy(StorageError):
    code = "storage_busy"
    default_message = "本机数据正被另一个程序使用，请稍后重试。"


_BY_NAME: dict[str, type[StorageError]] = {
    "SQLITE_FULL": DiskFull,
    "SQLITE_READONLY": ReadOnlyStorage,
    "SQLITE_CANTOPEN": ReadOnlyStorage,
    "SQLITE_PERM": ReadOnlyStorage,
    "SQLITE_CORRUPT": DamagedStorage,
    "SQLITE_NOTADB": DamagedStorage,
    "SQLITE_IOERR": StorageError,
    "SQLITE_BUSY": StorageBusy,
    "SQLITE_LOCKED": StorageBusy,
}

# Older SQLite modules carry no error name: fall back on the message's words.
_BY_TEXT: list[tuple[str, type[StorageError]]] = [
    ("disk is full", DiskFull),
    ("readonly database", ReadOnlyStorage),
    ("read-only", ReadOnlyStorage),
    ("unable to open database", ReadOnlyStorage),
    ("malformed", DamagedStorage),
    ("not a database", DamagedStorage),
    ("disk i/o error", StorageError),
    ("database is locked", StorageBusy),
]


def classify(exc: BaseException) -> type[StorageError] | None:
    """The storage error a driver or OS error stands for; None when it is not about storage."""
    if isinstance(exc, StorageError):
        return type(exc)
    original: BaseException = exc.orig if isinstance(exc, DBAPIError) else exc  # type: ignore[assignment]
    if isinstance(original, OSError):
        if original.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return DiskFull
        if original.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return ReadOnlyStorage
        if original.errno == errno.EIO:
            return StorageError
        return None
    # The encrypted store's driver (sqlcipher3) has its own classes, named as sqlite3's.
    sqlcipher = _sqlcipher()
    if not isinstance(original, sqlite3.Error | sqlcipher.Error):
        return None
    defects = (sqlite3.IntegrityError, sqlite3.ProgrammingError)
    if isinstance(original, (*defects, sqlcipher.IntegrityError, sqlcipher.ProgrammingError)):
        return None  # a defect, not the disk
    name = getattr(original, "sqlite_errorname", "") or ""
    base = name.split("_")[:2]
    found = _BY_NAME.get(name) or _BY_NAME.get("_".join(base))
    if found is not None:
        return found
    text = str(original).lower()
    for words, kind in _BY_TEXT:
        if words in text:
            return kind
    return None


def _sqlcipher() -> Any:
    import sqlcipher3.dbapi2

    return sqlcipher3.dbapi2


def raise_storage_error(exc: BaseException) -> NoReturn:
    """Raise the named error for ``exc`` (which must be one ``classify`` knows).

    Raised ``from None``: the driver's text (the SQL) stays out of tracebacks and logs; the log
    gets the error's code and SQLite's error name only.
    """
    kind = classify(exc)
    assert kind is not None
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    log.warning(
        "local storage error %s (%s)",
        kind.code,
        getattr(original, "sqlite_errorname", None) or type(original).__name__,
    )
    raise kind() from None
