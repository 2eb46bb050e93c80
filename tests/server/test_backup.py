"""``gridsync backup`` / ``restore`` on both backends, and the database epoch they change
(docs/protocol-extensions/epoch.md). The laptops' side is tests/client/test_restore.py."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from sync.server import backup as backups
from sync.server import cli
from sync.server.blobs import BlobStore
from tests.server.harness import Service, household


def _url(engine: Any) -> str:
    return str(engine.url.render_as_string(hide_password=False))


def test_backup_and_restore_through_the_cli(
    engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    service = Service(engine, tmp_path)
    monkeypatch.setenv("GRIDSYNC_BLOB_DIR", str(service.settings.resolved_blob_dir()))
    service.grid("g1")
    service.user("wang", grids=["g1"])
    device = service.login("wang")
    kept = household("g1")
    device.push_one(kept)
    first = device.pull({"g1": 0})
    epoch = first["epoch"]
    assert epoch and device.request("GET", "/me").json()["epoch"] == epoch
    photo = b"\xff\xd8 a photo"
    sha = hashlib.sha256(photo).hexdigest()
    BlobStore(service.settings.resolved_blob_dir()).put(sha, photo)

    file = tmp_path / "backups" / "nightly.backup"
    file.parent.mkdir()
    assert cli.main(["--db", _url(engine), "backup", str(file)]) == 0
    assert file.is_file()
    assert (backups.blob_copy_dir(file) / sha[:2] / sha).read_bytes() == photo

    forgotten = household("g1", address="海州区幸福路 2号楼")
    assert device.push_one(forgotten)["status"] == "applied"
    BlobStore(service.settings.resolved_blob_dir()).path(sha).unlink()  # the disk died

    epochs = []
    for _ in range(2):  # two restores of the same file give two different epochs
        assert cli.main(["--db", _url(engine), "restore", str(file)]) == 0
        page = device.pull({"g1": 0})
        assert {c["id"] for c in page["changes"]} == {kept["id"]}
        assert page["checksums"]["g1"]["count"] == 1
        epochs.append(page["epoch"])
        assert device.request("GET", "/me").json()["epoch"] == page["epoch"]
    assert len({epoch, *epochs}) == 3
    assert BlobStore(service.settings.resolved_blob_dir()).get(sha) == photo
    out = capsys.readouterr().out
    assert "已备份" in out and "已从" in out and epochs[-1] in out


def test_a_file_that_is_no_backup_is_refused(engine: Any, tmp_path: Path, capsys: Any) -> None:
    Service(engine, tmp_path).grid("g1")
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    assert cli.main(["--db", _url(engine), "restore", str(junk)]) == 1
    assert cli.main(["--db", _url(engine), "restore", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert "备份文件不存在" in err and ("不是" in err or "pg_restore失败" in err)
    if engine.dialect.name == "sqlite":
        itself = str(engine.url.database)
        assert cli.main(["--db", _url(engine), "backup", itself]) == 1
        assert cli.main(["--db", _url(engine), "restore", itself]) == 1
        assert "数据库文件本身" in capsys.readouterr().err


def test_missing_postgresql_tools_are_named_and_the_password_never_shown(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sync.server.db import make_engine
    from sync.server.settings import Settings

    url = "postgresql://gridsync:s3cret-pass@127.0.0.1:5432/gridsync"
    engine = make_engine(url)
    target, env = backups._pg_target(engine)
    assert "s3cret" not in target and env["PGPASSWORD"] == "s3cret-pass"
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    with pytest.raises(backups.BackupError) as caught:
        backups.backup(Settings(database_url=url), engine, tmp_path / "x.backup")
    assert "pg_dump" in caught.value.message and "PATH" in caught.value.message
    assert "s3cret" not in caught.value.message
    engine.dispose()
