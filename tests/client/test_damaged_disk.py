"""A full disk, a read-only data folder, a truncated or corrupted database: said in Chinese,
without SQL or residents' data, and no unsent edit is lost (store.safety, store.errors)."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, select

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.session import Session, open_profile
from gridworker.store.errors import DamagedStorage, DiskFull, ReadOnlyStorage, StorageError
from gridworker.store.schema import Outbox
from tests.client.profiles import local_profile

NAME = "欧阳秀英"
ID_NUMBER = "320705195001010014"
PHONE = "13912345678"
NOTE = f"{NAME}腿脚不便，电话{PHONE}，需要每周上门"
PRIVATE = (NAME, ID_NUMBER, PHONE, "腿脚不便")


def _private_edits(session: Session) -> dict[str, str]:
    store = session.store
    hh = ops.create_household(store, "g1", "朐阳小区 3号楼 201室", head_name=NAME, phone=PHONE)
    person = ops.add_resident(store, hh["id"], NAME, id_number=ID_NUMBER, phone=PHONE)
    visit = ops.log_visit(store, hh["id"], "met", notes=NOTE)
    return {"household": hh["id"], "resident": person["id"], "visit": visit["id"]}


def _assert_private_data_absent(*texts: str) -> None:
    for text in texts:
        for value in PRIVATE:
            assert value not in text


def _chained(exc: BaseException) -> str:
    """The message of an error and of everything a traceback would show with it."""
    parts = []
    seen: BaseException | None = exc
    while seen is not None:
        parts.append(f"{type(seen).__name__}: {seen}")
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return "\n".join(parts)


def test_a_full_disk_is_named_in_chinese_without_data_and_keeps_what_was_saved(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    session = local_profile(tmp_path / "p")
    store = session.store
    ids = _private_edits(session)
    with store.read() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    # SQLite itself reports SQLITE_FULL once the file may not grow: a real full disk for it.
    store.engine.dispose()
    event.listen(
        store.engine,
        "connect",
        lambda dbapi, _record: dbapi.execute(f"PRAGMA max_page_count={pages}"),
    )
    with pytest.raises(DiskFull) as caught:
        for _ in range(100):
            ops.log_visit(store, ids["household"], "met", notes=NOTE * 20)
    assert caught.value.message.startswith("磁盘空间不足")
    _assert_private_data_absent(_chained(caught.value), caplog.text)
    assert "INSERT" not in _chained(caught.value)
    # What was saved before is intact and still waits to be sent.
    assert queries.household_detail(store, ids["household"])["head_name"] == NAME
    assert store.pending_count() >= 3
    session.close()


@contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """The folder read-only for real: a read-only bind mount (as root, whom modes do not
    stop), else its modes."""
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        mode = folder.stat().st_mode
        for item in [folder, *folder.iterdir()]:
            item.chmod(stat.S_IRUSR | stat.S_IXUSR if item.is_dir() else stat.S_IRUSR)
        try:
            yield
        finally:
            for item in [*folder.iterdir(), folder]:
                item.chmod(mode if item.is_dir() else stat.S_IRUSR | stat.S_IWUSR)


def test_a_read_only_data_folder_is_named_in_chinese(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    profile = tmp_path / "p"
    session = local_profile(profile)
    _private_edits(session)
    session.close()
    before = (profile / "gridworker.db").read_bytes()
    with _read_only(profile):
        with pytest.raises(OSError):
            (profile / "probe").write_text("x")  # the folder really is read-only
        with pytest.raises(ReadOnlyStorage) as caught:
            opened = open_profile(profile)
            # Opened after all (a platform that opens read-only): the save must say so.
            ops.create_household(opened.store, "g1", "西门路 56号")
    assert "只读" in caught.value.message
    _assert_private_data_absent(_chained(caught.value), caplog.text)
    assert (profile / "gridworker.db").read_bytes() == before
    # Writable again: everything is there.
    session = open_profile(profile)
    assert session.store.pending_count() == 3
    session.close()


def _damage_and_reopen(profile: Path, damage: str) -> Session:
    path = profile / "gridworker.db"
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        path.write_bytes(bytes(data[: len(data) // 3]))
    elif damage == "empty":
        path.write_bytes(b"")
    return open_profile(profile)


@pytest.mark.parametrize("damage", ["truncate", "empty"])
def test_a_truncated_database_is_restored_from_its_backup_with_the_unsent_edits(
    tmp_path, caplog, damage
):
    caplog.set_level(logging.DEBUG)
    profile = tmp_path / "p"
    session = local_profile(profile)
    for i in range(40):
        ops.create_household(session.store, "g1", f"新浦小区 {i}号楼")
    session.store.keep_backup()  # what a successful sync does
    ids = _private_edits(session)  # made after the backup: only the outbox copy has them
    session.close()

    restored = _damage_and_reopen(profile, damage)
    store = restored.store
    assert restored.notice is not None and "损坏" in restored.notice and "3 条" in restored.notice
    _assert_private_data_absent(restored.notice, caplog.text)
    assert len(list(profile.glob("gridworker.db.damaged-*"))) == (damage != "missing")
    # The backup's rows and the later unsent edits, in the outbox in their order.
    assert queries.count_households(store) == 41
    detail = queries.household_detail(store, ids["household"])
    assert detail["head_name"] == NAME
    assert [v["notes"] for v in detail["visits"]] == [NOTE]
    assert queries.search_households(store, "oyxy")[0]["id"] == ids["household"]
    with store.read() as conn:
        outbox = list(conn.execute(select(Outbox.seq, Outbox.row_id, Outbox.status)))
    assert [r.seq for r in outbox] == list(range(1, 44))
    assert [r.row_id for r in outbox[-3:]] == [ids["household"], ids["resident"], ids["visit"]]
    assert all(r.status == "pending" for r in outbox)
    # A new edit takes the next number, never a used one.
    ops.log_visit(store, ids["household"], "phone")
    with store.read() as conn:
        assert conn.execute(select(Outbox.seq).order_by(Outbox.seq.desc())).scalar() == 44
    restored.close()


def test_corrupted_bytes_in_the_middle_are_named_then_restored(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    profile = tmp_path / "p"
    session = local_profile(profile)
    for i in range(300):
        hh = ops.create_household(session.store, "g1", f"海连路 {i}号", head_name=f"王{i}")
        ops.log_visit(session.store, hh["id"], "met", notes="情况正常" * 50)
    session.store.keep_backup()
    ids = _private_edits(session)
    session.close()
    path = profile / "gridworker.db"
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(len(data) // 3 // page * page, 2 * len(data) // 3, page):
        data[start : start + page] = bytes([0x5A]) * page
    path.write_bytes(bytes(data))

    damaged = open_profile(profile)  # the header is sound: noticed when a page is read
    with pytest.raises(DamagedStorage) as caught:
        for _ in range(3):
            queries.search_households(damaged.store, limit=1000)
            queries.due_today(damaged.store)
            queries.status(damaged.store)
            for r in queries.search_households(damaged.store, limit=1000):
                queries.household_detail(damaged.store, r["id"])
    assert "损坏" in caught.value.message
    _assert_private_data_absent(_chained(caught.value), caplog.text)
    damaged.close()

    restored = open_profile(profile)
    assert restored.notice is not None and "3 条" in restored.notice
    assert queries.count_households(restored.store) == 301
    assert queries.household_detail(restored.store, ids["household"])["phone"] == PHONE
    assert restored.store.pending_count() == 603
    _assert_private_data_absent(caplog.text)
    restored.close()


def test_with_nothing_to_restore_the_damaged_file_is_kept_and_opening_says_so(tmp_path):
    profile = tmp_path / "p"
    session = local_profile(profile)
    _private_edits(session)
    session.close()
    (profile / "outbox-backup.jsonl").unlink()
    path = profile / "gridworker.db"
    path.write_bytes(path.read_bytes()[:5000])
    before = path.read_bytes()
    with pytest.raises(DamagedStorage) as caught:
        open_profile(profile)
    assert "没有可用的备份" in caught.value.message
    assert path.read_bytes() == before  # never recreated, never moved
    with pytest.raises(StorageError):
        open_profile(profile)  # and so at every start, until someone looks at it
    assert path.read_bytes() == before
