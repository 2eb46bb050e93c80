"""What survives a damaged database file: rolling backups and a copy of the unsent outbox.

- After a successful sync the database is copied (SQLite's online backup, a consistent
  snapshot that does not block writers) into ``backups/`` beside it; the newest few are kept.
- Every mutation a write transaction adds to the outbox is also appended, once the transaction
  committed, to ``outbox-backup.jsonl`` (flushed and fsync'd). A successful sync rewrites the
  file (temporary file, then ``os.replace``) to what is still unsent, with the device's
  ``next_seq``, so that a restored device never numbers a new mutation with a used seq.
- At open, a database that is not sound (no SQLite header, shorter than its header says, a
  failed ``PRAGMA quick_check`` after an error said "malformed", an empty or missing file
  beside backups) is never silently recreated: it is moved aside, the newest sound backup is
  restored and the unsent mutations of the copy are applied again (``reapply_outbox``). When
  nothing can be restored, the damaged file stays where it is and opening fails, saying so.

These files hold residents' data like the database itself: owner-only, never logged, and
encrypted with the profile's keys when it has them (``client.keyring``; the profile's keys
are found by its folder, ``keyring.remembered``): the backups are SQLCipher databases keyed
like the database, each line of the outbox's copy is one AES-GCM record.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import logging
import os
import stat
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag

from ..client import keyring
from . import db

if TYPE_CHECKING:
    from ..client.keyring import DataKeys

log = logging.getLogger(__name__)

OUTBOX_COPY = "outbox-backup.jsonl"
BACKUP_DIR = "backups"
KEEP_BACKUPS = 3
SQLITE_HEADER = db.SQLITE_HEADER
CIPHER_PAGE_SIZE = 4096  # SQLCipher 4's default, kept (the cheapest for this load)
# A line of the outbox's copy that is an encrypted record (others are plain JSON: the
# release before encryption, converted at the next unlock).
SEALED = "E1:"
_OUTBOX_AAD = b"gridworker-outbox-copy-v1"


def keys_for(path: Path) -> DataKeys | None:
    """The keys of the profile holding ``path`` (a file in the profile folder), when open."""
    return keyring.remembered(path.parent)


def _owner_only(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


# -- the outbox's copy -------------------------------------------------------------------------


def outbox_entry(
    seq: int, entity: str, row_id: str, op: str, payload: Any, created_at: dt.datetime
) -> dict[str, Any]:
    return {
        "seq": seq,
        "entity": entity,
        "id": row_id,
        "op": op,
        "payload": payload,
        "created_at": created_at.isoformat(),
    }


def pending_entries(conn: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from .schema import Outbox

    return [
        outbox_entry(r.seq, r.entity, r.row_id, r.op, r.payload, r.created_at)
        for r in conn.execute(
            select(Outbox.seq, Outbox.entity, Outbox.row_id, Outbox.op, Outbox.payload)
            .add_columns(Outbox.created_at)
            .where(Outbox.status == "pending")
            .order_by(Outbox.seq)
        )
    ]


class OutboxCopy:
    """``outbox-backup.jsonl``: a header line ``{"next_seq": N}``, then one mutation a line.

    An append is written and flushed to the operating system at once (it survives the app
    dying, as the database's commit does) and fsync'd a moment later by a background thread:
    an fsync takes from 1 to several hundred milliseconds on a busy disk, which a save on the
    GUI thread must not wait for. (The database's own commits are not fsync'd either in WAL
    mode with ``synchronous=NORMAL``; a rewrite is fsync'd before it replaces the file.)
    """

    def __init__(self, path: Path, keys: DataKeys | None = None):
        self.path = path
        self.keys = keys if keys is not None else keys_for(path)
        self._due = threading.Event()
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._closed = False

    def append(self, entries: Iterable[dict[str, Any]]) -> None:
        """Append after a commit. The save itself already succeeded: a failure here is
        logged (without data), never raised."""
        text = "".join(self._line(e) for e in entries)
        try:
            new = not self.path.exists()
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(text)
                f.flush()
            if new:
                _owner_only(self.path)
        except OSError as exc:
            log.warning("could not copy unsent mutations to the outbox backup (%s)", exc.errno)
            return
        self._sync_soon()

    def _sync_soon(self) -> None:
        with self._lock:
            if self._closed:
                self.sync()
                return
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._flush_loop, name="outbox-copy", daemon=True
                )
                self._flusher.start()
        self._due.set()

    def _flush_loop(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()
            if self._closed:
                return
            self.sync()

    def sync(self) -> None:
        """fsync what was appended (an fsync of any descriptor of the file flushes it)."""
        try:
            with open(self.path, "rb") as f:
                os.fsync(f.fileno())
        except OSError as exc:
            log.warning("could not flush the outbox backup to disk (%s)", exc.errno)

    def close(self) -> None:
        """Flush now and stop the background thread (the profile is being closed)."""
        with self._lock:
            self._closed = True
            flusher, self._flusher = self._flusher, None
        self._due.set()
        if flusher is not None:
            flusher.join(5)
        if self.path.exists():
            self.sync()

    def rewrite(self, entries: list[dict[str, Any]], next_seq: int, device_id: str | None) -> None:
        temp = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(temp, "w", encoding="utf-8") as f:
                f.write(self._line({"next_seq": next_seq, "device_id": device_id}))
                for e in entries:
                    f.write(self._line(e))
                f.flush()
                os.fsync(f.fileno())
            _owner_only(temp)
            os.replace(temp, self.path)
        except OSError as exc:
            log.warning("could not rewrite the outbox backup (%s)", exc.errno)
            with contextlib.suppress(OSError):
                temp.unlink()

    def _line(self, item: dict[str, Any]) -> str:
        text = json.dumps(item, ensure_ascii=False)
        if self.keys is None:
            return text + "\n"
        record = keyring.seal(self.keys.outbox, text.encode("utf-8"), _OUTBOX_AAD)
        return SEALED + base64.b64encode(record).decode("ascii") + "\n"

    def _parse(self, line: str) -> Any:
        """A line's item; ValueError when it cannot be read (torn, altered, other key)."""
        if not line.startswith(SEALED):
            return json.loads(line)
        if self.keys is None:
            raise ValueError("an encrypted line without the key")
        try:
            record = base64.b64decode(line[len(SEALED) :].encode("ascii"), validate=True)
            return json.loads(keyring.unseal(self.keys.outbox, record, _OUTBOX_AAD))
        except (InvalidTag, binascii.Error, UnicodeError) as exc:
            raise ValueError("unreadable line") from exc

    def holds_plain_lines(self) -> bool:
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                return any(line.strip() and not line.startswith(SEALED) for line in f)
        except OSError:
            return False

    def read(self) -> tuple[list[dict[str, Any]], int, str | None]:
        """The entries (by seq, each once), the next seq and the device the copy knows of.
        A torn last line (a crash while appending) is skipped."""
        entries: dict[int, dict[str, Any]] = {}
        next_seq = 1
        device_id: str | None = None
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return [], 1, None
        for line in lines:
            try:
                item = self._parse(line)
            except ValueError:
                continue
            if not isinstance(item, dict):
                continue
            if "next_seq" in item and isinstance(item["next_seq"], int):
                next_seq = max(next_seq, item["next_seq"])
                device_id = item.get("device_id") or device_id
            elif isinstance(item.get("seq"), int) and {"entity", "id", "op"} <= item.keys():
                entries[item["seq"]] = item
                next_seq = max(next_seq, item["seq"] + 1)
        return [entries[s] for s in sorted(entries)], next_seq, device_id


# -- rolling backups ---------------------------------------------------------------------------


def backup_dir(path: Path) -> Path:
    return path.parent / BACKUP_DIR


def backups(path: Path) -> list[Path]:
    """Backups of the database, newest first: the rolling ones, then those made before
    migrations."""
    rolling = sorted(backup_dir(path).glob(f"{path.stem}-*.db"), reverse=True)
    migrations = sorted(
        path.parent.glob(f"{path.name}.*.bak"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    return rolling + migrations


def copy_database(source: Path, target: Path, keys: DataKeys | None = None) -> None:
    """A consistent copy (online backup, WAL included), written under a temporary name,
    encrypted with the same key as the source."""
    keys = keys if keys is not None else _keys_of_database(target)
    if db.is_plain(source):
        keys = None  # a backup of the release before encryption: converted after the restore
    temp = target.with_name(target.name + ".tmp")
    with contextlib.suppress(OSError):
        temp.unlink()
    src = db.connect(source, keys, read_only=True)
    try:
        dest = db.connect(temp, keys)
        try:
            src.backup(dest)
        finally:
            dest.close()
    finally:
        src.close()
    _owner_only(temp)
    os.replace(temp, target)


def rolling_backup(path: Path, keep: int = KEEP_BACKUPS, min_age: float = 0.0) -> Path | None:
    """Copy the database into ``backups/``, keeping the newest ``keep``; None if skipped
    (the newest is younger than ``min_age`` seconds) or if it failed (logged)."""
    folder = backup_dir(path)
    existing = sorted(folder.glob(f"{path.stem}-*.db"), reverse=True)
    now = dt.datetime.now(dt.UTC).timestamp()
    if existing and min_age > 0 and now - existing[0].stat().st_mtime < min_age:
        return None
    target = folder / f"{path.stem}-{_stamp()}.db"
    failures: tuple[type[BaseException], ...] = (OSError, *db.database_errors())
    try:
        folder.mkdir(exist_ok=True)
        copy_database(path, target)
    except failures as exc:
        log.warning("rolling backup of the local database failed (%s)", type(exc).__name__)
        with contextlib.suppress(OSError):
            target.with_name(target.name + ".tmp").unlink()
        return None
    for old in sorted(folder.glob(f"{path.stem}-*.db"), reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


# -- damage ------------------------------------------------------------------------------------


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".damaged")


def mark_damaged(path: Path) -> None:
    """Remember that SQLite called the file malformed: the next open checks it through."""
    with contextlib.suppress(OSError):
        _marker(path).touch()


def quick_check(path: Path, keys: DataKeys | None = None) -> bool:
    keys = keys if keys is not None else _keys_of_database(path)
    try:
        conn = db.connect(path, None if db.is_plain(path) else keys, read_only=True)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except db.database_errors():
        return False
    return bool(rows == [("ok",)])


def _keys_of_database(path: Path) -> DataKeys | None:
    """The keys of a database file of a profile: the database itself, a migration's backup
    beside it or a rolling backup in ``backups/``."""
    folder = path.parent.parent if path.parent.name == BACKUP_DIR else path.parent
    return keyring.remembered(folder)


def _probe(path: Path, keys: DataKeys) -> str | None:
    """Open an encrypted database and read its first pages: SQLite checks the header's page
    count against the file's size there."""
    try:
        # Not read-only: a read-only connection to a WAL database leaves -wal and -shm behind.
        conn = db.connect(path, keys)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        finally:
            conn.close()
    except db.database_errors() as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name == "SQLITE_NOTADB":
            return "not_a_database"
        if name.startswith("SQLITE_CORRUPT"):
            return "truncated"
    return None


def damage(path: Path) -> str | None:
    """Why the database file cannot be trusted (a short code), or None when it can."""
    if not path.exists():
        has_copy = (path.parent / OUTBOX_COPY).exists()
        return "missing" if backups(path) or has_copy else None
    try:
        with open(path, "rb") as f:
            head = f.read(100)
        size = path.stat().st_size
    except OSError:
        return None  # unreadable: opening says so (read-only, permissions) without moving it
    if size == 0:
        return "empty"
    keys = _keys_of_database(path)
    if keys is not None and not head.startswith(SQLITE_HEADER):
        # Encrypted: the header cannot be read without the key.
        if size % CIPHER_PAGE_SIZE:
            return "truncated"
        found = _probe(path, keys)
        if found is not None:
            return found
        if _marker(path).exists() and not quick_check(path, keys):
            return "malformed"
        return None
    if len(head) < 100 or not head.startswith(SQLITE_HEADER):
        return "not_a_database"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    valid_count = head[24:28] == head[92:96]  # the header's page count is current
    if page_size < 512 or size % page_size or (valid_count and size < pages * page_size):
        return "truncated"
    if _marker(path).exists() and not quick_check(path):
        return "malformed"
    return None


@dataclass
class Recovery:
    """What opening found and did."""

    reason: str | None = None
    restored_from: Path | None = None
    aside: Path | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    next_seq: int = 1
    device_id: str | None = None
    reapplied: int = 0

    @property
    def notice(self) -> str | None:
        """What to tell the user, in Chinese (no data, no paths with names in them)."""
        if self.reason is None:
            return None
        source = (
            f"已从 {self.restored_from.name} 的备份恢复"
            if self.restored_from
            else "已重新建立本机数据"
        )
        return (
            f"本机数据文件已损坏，{source}，并重新写入了 {self.reapplied} 条未同步的修改。"
            "损坏的文件已另存保留。联网同步后，其余数据将从服务器重新下载。"
        )


def recover(path: Path) -> Recovery:
    """Before opening: if the file is damaged, put it aside and restore what can be restored.

    Raises ``DamagedStorage`` (the file left where it is) when nothing can be restored.
    """
    from .errors import DamagedStorage

    reason = damage(path)
    if reason is None:
        with contextlib.suppress(OSError):
            _marker(path).unlink()
        return Recovery()
    copy = OutboxCopy(path.with_name(OUTBOX_COPY))
    entries, next_seq, device_id = copy.read()
    sound = next((b for b in backups(path) if quick_check(b)), None)
    if reason == "empty" and sound is None and not entries:
        path.unlink()  # never held anything: nothing to keep, nothing to restore
        return Recovery()
    if sound is None and not entries:
        log.error("the local database is damaged (%s) and no backup can be restored", reason)
        raise DamagedStorage(
            "本机数据文件已损坏，且没有可用的备份，无法恢复。损坏的文件已原样保留，"
            "请不要删除它，并联系管理员处理。"
        )
    aside = None
    if path.exists():
        aside = path.with_name(f"{path.name}.damaged-{_stamp()}")
        os.replace(path, aside)
        _owner_only(aside)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            if aside is not None:
                os.replace(extra, aside.with_name(aside.name + suffix))
            else:
                extra.unlink()
    if sound is not None:
        copy_database(sound, path)
    log.warning(
        "the local database was damaged (%s): restored from %s, %d unsent mutations to apply",
        reason,
        "a backup" if sound is not None else "nothing (new file)",
        len(entries),
    )
    with contextlib.suppress(OSError):
        _marker(path).unlink()
    return Recovery(reason, sound, aside, entries, next_seq, device_id)


# -- converting the files of the release before encryption ------------------------------------


def encrypt_leftovers(path: Path, keys: DataKeys) -> None:
    """Encrypt what a profile of the release before encryption kept in clear beside its
    (already encrypted) database: backups, the outbox's copy, damaged files kept aside. Each
    file is replaced atomically by its encrypted copy, so running this again after an
    interruption finishes the job."""
    failures: tuple[type[BaseException], ...] = (OSError, *db.database_errors())
    for candidate in [*backups(path), *path.parent.glob(f"{path.name}.damaged-*")]:
        if candidate.suffix in (".tmp", ".encrypting") or not db.is_plain(candidate):
            continue
        try:
            db.encrypt_in_place(candidate, keys)
        except failures as exc:
            if ".damaged-" not in candidate.name:
                raise
            # A damaged copy kept for someone to look at: it cannot be copied row by row.
            log.warning("a damaged database copy could not be encrypted (%s)", type(exc).__name__)
    copy = OutboxCopy(path.with_name(OUTBOX_COPY), keys)
    if copy.holds_plain_lines():
        entries, next_seq, device_id = copy.read()
        copy.rewrite(entries, next_seq, device_id)
        if copy.holds_plain_lines():
            raise OSError("the outbox copy could not be encrypted")
    copy.path.with_name(copy.path.name + ".tmp").unlink(missing_ok=True)
