"""A laptop revoked with ``gridsync revoke-device DEVICE_ID --wipe`` deletes its local data at
its next contact (a sync or a login), on SQLite and PostgreSQL; a plain revoke keeps the data,
locked. The real service on loopback, the real command line, real profile folders."""

from __future__ import annotations

import io
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gridworker.client import wipe
from gridworker.client.http import DeviceRevoked
from gridworker.domain import operations as ops
from gridworker.paths import profile_dir
from gridworker.session import login, unlock
from sync.server.cli import main
from sync.server.models import AuditEvent
from tests.server.harness import PASSWORD


def gridsync(world: Any, *args: str) -> int:
    db = world.service.engine.url.render_as_string(hide_password=False)
    old = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        return main(["--db", db, *args])
    finally:
        sys.stdin = old


def laptop(world: Any, username: str, grid: str) -> tuple[Any, Path]:
    world.service.user(username, "worker", [grid])
    data_dir = world.tmp_path / f"laptop-{username}-{uuid.uuid4().hex[:8]}"
    session = login(data_dir, world.url, username, PASSWORD)
    return session, data_dir


def fill(session: Any, grid: str) -> None:
    """Data in every kind of file a profile holds: the database, a photo, the backups."""
    hh = ops.create_household(session.store, grid, "朐阳小区 4号楼 1单元 101室")
    session.syncer.sync()  # a rolling backup and the outbox copy are written after a sync
    ops.update_household(session.store, hh["id"], notes="停用前没来得及同步")
    session.blobs.add(b"\xff\xd8\xff\xe0 a photo of the door")


def wipe_events(world: Any) -> list[dict[str, Any]]:
    with world.service.engine.connect() as conn:
        rows = conn.execute(
            select(AuditEvent.__table__).where(AuditEvent.action == "wipe_delivered")
        ).mappings()
        return [dict(r) for r in rows]


def test_revoke_with_wipe_deletes_the_profile_at_the_next_sync(world):
    grid = world.service.grid("g1")
    session, data_dir = laptop(world, "wa", grid)
    fill(session, grid)
    profile = session.profile
    assert (profile / "gridworker.db").exists() and any((profile / "attachments").rglob("*"))
    device_id = session.store.get_meta("device_id")

    assert gridsync(world, "revoke-device", device_id, "--wipe") == 0
    with pytest.raises(DeviceRevoked) as refused:
        session.syncer.sync()
    assert refused.value.wipe
    assert wipe.is_ordered(profile)  # noted before anything is deleted
    wipe.wipe_session(session)
    session.close()  # closing again (the window's teardown) recreates nothing
    assert not profile.exists()
    assert wipe.notice(data_dir) == "此设备已被管理员停用并清除了本机数据"
    [event] = wipe_events(world)
    assert event["device_id"] == device_id and event["actor"] == "wa"

    # Nothing left to open offline; a new login starts from an empty profile.
    with pytest.raises(Exception, match="还没有该用户的数据"):
        unlock(data_dir, world.url, "wa", PASSWORD)


def test_revoke_with_wipe_deletes_the_profile_at_the_next_login(world):
    grid = world.service.grid("g1")
    session, data_dir = laptop(world, "wb", grid)
    fill(session, grid)
    profile = session.profile
    device_id = session.store.get_meta("device_id")
    session.close()
    assert gridsync(world, "revoke-device", device_id, "--wipe") == 0
    with pytest.raises(DeviceRevoked) as refused:
        login(data_dir, world.url, "wb", PASSWORD)
    assert refused.value.wipe
    assert not profile.exists()
    assert wipe.notice(data_dir) is not None
    assert len(wipe_events(world)) == 1
    wipe.clear_notice(data_dir)
    assert wipe.notice(data_dir) is None


def test_plain_revoke_keeps_the_data_locked(world):
    grid = world.service.grid("g1")
    session, data_dir = laptop(world, "wc", grid)
    fill(session, grid)
    profile = session.profile
    before = {p.relative_to(profile) for p in profile.rglob("*") if p.is_file()}
    before -= {Path("gridworker.db-wal"), Path("gridworker.db-shm")}  # gone at close
    assert gridsync(world, "revoke-device", session.store.get_meta("device_id")) == 0
    with pytest.raises(DeviceRevoked) as refused:
        session.syncer.sync()
    assert not refused.value.wipe
    assert session.store.get_meta("locked")
    session.close()
    assert not wipe.is_ordered(profile)
    after = {p.relative_to(profile) for p in profile.rglob("*") if p.is_file()}
    assert Path("gridworker.db") in before and before <= after
    with pytest.raises(DeviceRevoked):
        login(data_dir, world.url, "wc", PASSWORD)
    assert profile.exists() and wipe.notice(data_dir) is None
    assert wipe_events(world) == []


def test_a_wipe_cut_short_is_finished_at_the_next_start(tmp_path):
    data_dir = tmp_path / "data"
    profile = profile_dir(data_dir, "https://grid.example.gov.cn", "wd")
    (profile / "backups").mkdir(parents=True)
    (profile / "gridworker.db").write_bytes(b"SQLite format 3\x00" + b"x" * 100)
    (profile / "backups" / "gridworker-1.db").write_bytes(b"y" * 100)
    (profile / wipe.KEYRING).write_text("{}", encoding="utf-8")
    wipe.order_received(profile)  # then the app was killed
    other = profile_dir(data_dir, "https://grid.example.gov.cn", "someone-else")
    other.mkdir(parents=True)
    (other / "gridworker.db").write_bytes(b"kept")
    assert wipe.finish_pending(data_dir) == 1
    assert not profile.exists()
    assert (other / "gridworker.db").read_bytes() == b"kept"
    assert wipe.notice(data_dir) is not None


def test_the_keyring_goes_first_and_a_held_file_is_retried(tmp_path):
    profile = tmp_path / "profiles" / "we-0123456789ab"
    (profile / "attachments" / "ab").mkdir(parents=True)
    (profile / wipe.KEYRING).write_text("{}", encoding="utf-8")
    held = profile / "attachments" / "ab" / "photo"
    held.write_bytes(b"z")
    seen: list[bool] = []
    real_rmtree = wipe.shutil.rmtree

    def sleep(_seconds: float) -> None:
        # Between tries: the keyring is already gone while the photo was still held.
        seen.append((profile / wipe.KEYRING).exists())

    calls = {"n": 0}

    def flaky_rmtree(path: Any, onerror: Any = None) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # Windows: a file still open elsewhere
            raise PermissionError("held")
        real_rmtree(path, onerror=onerror)

    wipe.shutil.rmtree = flaky_rmtree  # type: ignore[assignment]
    try:
        wipe.wipe_profile(profile, sleep=sleep)
    finally:
        wipe.shutil.rmtree = real_rmtree  # type: ignore[assignment]
    assert seen == [False]
    assert not profile.exists()
    assert wipe.notice(tmp_path) is not None
