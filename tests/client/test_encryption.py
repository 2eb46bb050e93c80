"""Encryption at rest: a laptop's files say nothing about residents without the password.

Against the real service on loopback (both backends) where a login is involved; the files are
read back as raw bytes, and with SQLite and SQLCipher without the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import update

from gridworker.client import keyring
from gridworker.client.attempts import Attempts
from gridworker.client.http import Api
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.paths import profile_dir
from gridworker.session import (
    UnlockError,
    change_password,
    login,
    open_last,
    open_profile,
    unlock,
)
from gridworker.store import safety
from gridworker.store.blobs import BlobFiles
from sync.server.auth import hash_password
from sync.server.models import User
from tests.server.harness import PASSWORD

NAME = "欧阳秀英"
ID_NUMBER = "320705195001010014"
PHONE = "13912345678"
NOTE = f"{NAME}腿脚不便，电话{PHONE}"
PRIVATE = [v.encode("utf-8") for v in (NAME, ID_NUMBER, PHONE)]
PHOTO = b"\x89PNG\r\n\x1a\n" + f"photo of {NAME} {ID_NUMBER}".encode() * 200


def _private_edits(store, blobs, grid: str) -> dict[str, str]:
    hh = ops.create_household(store, grid, "朐阳小区 3号楼 201室", head_name=NAME, phone=PHONE)
    person = ops.add_resident(store, hh["id"], NAME, id_number=ID_NUMBER, phone=PHONE)
    visit = ops.log_visit(store, hh["id"], "met", notes=NOTE)
    ops.attach_file(store, blobs, "visits", visit["id"], PHOTO, "门牌.png")
    return {"household": hh["id"], "resident": person["id"], "visit": visit["id"]}


def _files(profile: Path) -> list[Path]:
    return sorted(p for p in profile.rglob("*") if p.is_file())


def _assert_nothing_readable(profile: Path) -> None:
    """No file holds a resident's name, ID number or phone, nor the photo, in clear; no file
    is a plain SQLite database, and none opens with SQLCipher without the key."""
    files = _files(profile)
    assert files
    photo_sha = hashlib.sha256(PHOTO).hexdigest()
    for file in files:
        raw = file.read_bytes()
        for value in [*PRIVATE, PHOTO[:64]]:
            assert value not in raw, (file.name, value)
        assert not raw.startswith(b"SQLite format 3"), file.name
        assert photo_sha not in file.name
    for file in files:
        if file.name.endswith(".db") or ".db." in file.name or file.name == "gridworker.db":
            if file.name.endswith(("-shm", "-wal")) or not file.stat().st_size:
                continue
            with pytest.raises(sqlite3.DatabaseError):
                sqlite3.connect(file).execute("SELECT count(*) FROM sqlite_master").fetchall()
            plain = sqlcipher.connect(str(file))
            with pytest.raises(sqlcipher.DatabaseError):
                plain.execute("SELECT count(*) FROM sqlite_master").fetchall()
            plain.close()


def _set_server_password(world, username: str, password: str) -> None:
    """What an admin's reset does on the server: a new Argon2 hash for the user."""
    with world.service.engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.username == username)
            .values(password_hash=hash_password(password))
        )


def test_the_profile_files_hold_nothing_readable_without_the_password(world, tmp_path):
    grid = world.service.grid("g1")
    world.service.user("wa", "worker", [grid])
    data_dir = tmp_path / "laptop"
    session = login(data_dir, world.url, "wa", PASSWORD)
    store = session.store
    ids = _private_edits(store, session.blobs, grid)
    session.syncer.sync()  # pushes, and leaves a rolling backup
    assert list((session.profile / "backups").glob("*.db"))
    ops.update_household(store, ids["household"], notes=NOTE)  # unsent: in the outbox copy
    assert "next_seq" not in (session.profile / safety.OUTBOX_COPY).read_text()
    # Open: the WAL is there too, and says nothing either.
    assert (session.profile / "gridworker.db-wal").exists()
    _assert_nothing_readable(session.profile)
    token = store.get_meta("token")
    session.close()
    _assert_nothing_readable(session.profile)
    for file in _files(session.profile):
        assert token.encode() not in file.read_bytes()

    again = unlock(data_dir, world.url, "wa", PASSWORD)
    world.sessions.append(again)
    detail = queries.household_detail(again.store, ids["household"])
    assert detail["notes"] == NOTE
    assert [r["id_number"] for r in detail["residents"]] == [ID_NUMBER]
    [attachment] = queries.attachments_of(again.store, ids["visit"])
    assert again.blobs.read(attachment["sha256"]) == PHOTO
    entries, _next_seq, _device = safety.OutboxCopy(again.profile / safety.OUTBOX_COPY).read()
    assert [e["id"] for e in entries] == [ids["household"]]


def test_a_password_change_rewraps_the_key_and_keeps_the_data(world, tmp_path):
    grid = world.service.grid("g1")
    world.service.user("wa", "worker", [grid])
    data_dir = tmp_path / "laptop"
    session = login(data_dir, world.url, "wa", PASSWORD)
    ids = _private_edits(session.store, session.blobs, grid)
    keys = keyring.remembered(session.profile)
    assert keys is not None
    with pytest.raises(UnlockError):
        change_password(session, "not-the-password", "new-password-2")
    change_password(session, PASSWORD, "new-password-2")
    session.close()
    # The same data key, wrapped anew: nothing was re-encrypted.
    ring = keyring.Keyring.load(session.profile)
    assert ring is not None and ring.open_with_password(PASSWORD) is None
    reopened = ring.open_with_password("new-password-2")
    assert reopened is not None and reopened.data_key == keys.data_key
    keyring.forget(session.profile)

    with pytest.raises(UnlockError):
        unlock(data_dir, world.url, "wa", PASSWORD)
    Attempts(session.profile).succeeded()
    again = unlock(data_dir, world.url, "wa", "new-password-2")
    world.sessions.append(again)
    assert queries.household_detail(again.store, ids["household"])["head_name"] == NAME
    # The idle lock's hash follows the new password.
    from argon2 import PasswordHasher

    assert PasswordHasher().verify(again.store.get_meta("password_hash"), "new-password-2")


def test_a_password_reset_on_the_server_opens_the_data_after_an_online_login(world, tmp_path):
    grid = world.service.grid("g1")
    world.service.user("wa", "worker", [grid])
    data_dir = tmp_path / "laptop"
    session = login(data_dir, world.url, "wa", PASSWORD)
    ids = _private_edits(session.store, session.blobs, grid)
    session.close()
    keyring.forget(session.profile)
    _set_server_password(world, "wa", "reset-by-admin-9")

    with pytest.raises(UnlockError):  # offline, the laptop does not know the new one yet
        unlock(data_dir, world.url, "wa", "reset-by-admin-9")
    Attempts(session.profile).succeeded()
    online = login(data_dir, world.url, "wa", "reset-by-admin-9")
    assert queries.household_detail(online.store, ids["household"])["head_name"] == NAME
    online.close()
    keyring.forget(session.profile)
    # Re-wrapped: the new password now opens offline, the old one no longer.
    with pytest.raises(UnlockError):
        unlock(data_dir, world.url, "wa", PASSWORD)
    offline = unlock(data_dir, world.url, "wa", "reset-by-admin-9")
    world.sessions.append(offline)
    assert offline.blobs.read(hashlib.sha256(PHOTO).hexdigest()) == PHOTO


def test_the_login_answer_carries_the_same_escrow_for_a_device_and_another_for_another(world):
    world.service.user("wa", "worker", [])
    api = Api(world.url)
    try:
        first = api.login("wa", PASSWORD, "0d9f7c1e-0000-4000-8000-000000000001", "a")
        second = api.login("wa", PASSWORD, "0d9f7c1e-0000-4000-8000-000000000001", "a")
        other = api.login("wa", PASSWORD, "0d9f7c1e-0000-4000-8000-000000000002", "b")
    finally:
        api.close()
    assert first["key_escrow"] and len(first["key_escrow"]) >= 40
    assert second["key_escrow"] == first["key_escrow"]
    assert other["key_escrow"] != first["key_escrow"]


def test_wrong_passwords_slow_down(world, tmp_path):
    grid = world.service.grid("g1")
    world.service.user("wa", "worker", [grid])
    data_dir = tmp_path / "laptop"
    login(data_dir, world.url, "wa", PASSWORD).close()
    profile = profile_dir(data_dir, world.url, "wa")
    keyring.forget(profile)
    for _ in range(4):
        with pytest.raises(UnlockError) as caught:
            unlock(data_dir, world.url, "wa", "wrong-password")
        assert caught.value.message == "密码错误"
    with pytest.raises(UnlockError) as caught:  # even the right one must wait now
        unlock(data_dir, world.url, "wa", PASSWORD)
    assert "秒后再试" in caught.value.message
    assert Attempts(profile).failures == 4
    time.sleep(Attempts(profile).wait_seconds() + 0.05)
    unlock(data_dir, world.url, "wa", PASSWORD).close()
    assert Attempts(profile).failures == 0


def test_the_command_line_asks_for_the_password(world, tmp_path, monkeypatch):
    grid = world.service.grid("g1")
    world.service.user("wa", "worker", [grid])
    data_dir = tmp_path / "laptop"
    session = login(data_dir, world.url, "wa", PASSWORD)
    session.close()
    keyring.forget(session.profile)
    monkeypatch.delenv("GRIDWORKER_PASSWORD", raising=False)
    with pytest.raises(UnlockError):
        open_last(data_dir)
    open_last(data_dir, password=lambda: PASSWORD).close()
    keyring.forget(session.profile)
    monkeypatch.setenv("GRIDWORKER_PASSWORD", PASSWORD)
    open_last(data_dir).close()


# -- a profile of the release before encryption ----------------------------------------------


def _plain_profile(world, tmp_path: Path) -> tuple[Path, dict[str, str], int]:
    """What the release before encryption left: logged in (plain database with the password's
    hash), data synced, a rolling backup, unsent edits in the outbox and its copy, a photo."""
    grid = world.service.grid("g1")
    world.service.user("wa", "worker", [grid])
    data_dir = tmp_path / "laptop"
    profile = profile_dir(data_dir, world.url, "wa")
    assert keyring.Keyring.load(profile) is None
    session = open_profile(profile)  # no keyring, no keys: the old release's plain files
    store = session.store
    device = world.service.login("wa")
    from argon2 import PasswordHasher
    from sqlalchemy import insert

    from gridworker.store.schema import GridState

    with store.write() as conn:
        store.set_meta(conn, "device_id", device.device_id)
        store.set_meta(conn, "server_url", world.url)
        store.set_meta(conn, "username", "wa")
        store.set_meta(conn, "token", device.token)
        store.set_meta(conn, "password_hash", PasswordHasher().hash(PASSWORD))
        store.set_user(conn, device.user)
        conn.execute(
            insert(GridState).values(
                grid_id=grid, name="网格 g1", cursor=0, row_count=0, digest="0" * 16
            )
        )
    blobs = BlobFiles(profile / "attachments")
    ids = _private_edits(store, blobs, grid)
    store.keep_backup()
    ops.update_household(store, ids["household"], notes=NOTE)
    pending = store.pending_count()
    session.close()
    (data_dir / "last-profile.json").write_text(
        json.dumps({"server_url": world.url, "username": "wa"}), encoding="utf-8"
    )
    assert (profile / "gridworker.db").read_bytes().startswith(b"SQLite format 3")
    assert (profile / "attachments" / hashlib.sha256(PHOTO).hexdigest()[:2]).is_dir()
    assert NAME in (profile / safety.OUTBOX_COPY).read_text(encoding="utf-8")
    return data_dir, ids, pending


def _assert_converted(session, ids: dict[str, str], pending: int) -> None:
    store = session.store
    detail = queries.household_detail(store, ids["household"])
    assert detail["head_name"] == NAME and detail["notes"] == NOTE
    assert [r["id_number"] for r in detail["residents"]] == [ID_NUMBER]
    assert store.pending_count() == pending
    assert session.blobs.read(hashlib.sha256(PHOTO).hexdigest()) == PHOTO
    entries, _n, _d = safety.OutboxCopy(session.profile / safety.OUTBOX_COPY).read()
    assert len(entries) == pending and entries[-1]["id"] == ids["household"]
    assert not list(session.profile.glob("*.encrypting"))


def test_an_unencrypted_profile_is_converted_at_its_next_unlock(world, tmp_path):
    data_dir, ids, pending = _plain_profile(world, tmp_path)
    profile = profile_dir(data_dir, world.url, "wa")
    with pytest.raises(UnlockError):
        unlock(data_dir, world.url, "wa", "wrong-password")
    assert keyring.Keyring.load(profile) is None  # nothing converted with a wrong password
    session = unlock(data_dir, world.url, "wa", PASSWORD)
    _assert_converted(session, ids, pending)
    session.close()
    _assert_nothing_readable(profile)
    keyring.forget(profile)
    online = login(data_dir, world.url, "wa", PASSWORD)  # then syncs as before
    world.sessions.append(online)
    report = online.syncer.sync()
    assert report.rejected == 0 and online.store.pending_count() == 0


def test_an_unencrypted_profile_is_converted_at_its_next_online_login(world, tmp_path):
    data_dir, ids, pending = _plain_profile(world, tmp_path)
    session = login(data_dir, world.url, "wa", PASSWORD)
    world.sessions.append(session)
    _assert_converted(session, ids, pending)
    _assert_nothing_readable(session.profile)


_CONVERT = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from gridworker.session import unlock
print("ready", flush=True)
sys.stdin.readline()
unlock(Path({data_dir!r}), {url!r}, "wa", {password!r}).close()
print("done", flush=True)
"""


def test_a_conversion_killed_at_any_moment_loses_nothing(world, tmp_path):
    data_dir, ids, pending = _plain_profile(world, tmp_path)
    pristine = tmp_path / "pristine"
    shutil.copytree(data_dir, pristine)
    root = str(Path(__file__).resolve().parents[2])
    finished = 0
    # Kill delays spread over the conversion (Argon2 of the new keyring, the export, the
    # swap, the backups, the photos and the outbox copy): fixed, not random.
    for delay in [0.0, 0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8, 1.2]:
        shutil.rmtree(data_dir)
        shutil.copytree(pristine, data_dir)
        script = _CONVERT.format(
            root=root, data_dir=str(data_dir), url=world.url, password=PASSWORD
        )
        child = subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        child.stdin.write("go\n")
        child.stdin.flush()
        time.sleep(delay)
        child.kill()
        out, _ = child.communicate()
        finished += "done" in out
        profile = profile_dir(data_dir, world.url, "wa")
        keyring.forget(profile)
        session = unlock(data_dir, world.url, "wa", PASSWORD)
        _assert_converted(session, ids, pending)
        session.close()
        keyring.forget(profile)
        _assert_nothing_readable(profile)
    assert finished < 12  # some kills did land mid-way


def test_a_blob_file_renamed_to_another_photo_does_not_open(tmp_path):
    keys = keyring.DataKeys(keyring.new_data_key())
    blobs = BlobFiles(tmp_path / "attachments", keys)
    a, b = blobs.add(b"photo a" * 10), blobs.add(b"photo b" * 10)
    os.replace(blobs.path(a), blobs.path(b))
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        blobs.read(b)
    assert (
        BlobFiles(tmp_path / "attachments", keyring.DataKeys(keyring.new_data_key())).has(a)
        is False
    )
