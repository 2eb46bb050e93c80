"""The admin command line, in exactly the forms operators script against."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from sqlalchemy import select

from sync.server.cli import main
from sync.server.db import make_engine
from sync.server.models import ENTITY_TABLES, Device, Grid, User, UserGrid


@pytest.fixture
def db(engine):
    return engine.url.render_as_string(hide_password=False)


def run(db: str, *args: str, stdin: str = "", capsys=None) -> int:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(["--db", db, *args])
    finally:
        sys.stdin = old


def test_admin_commands_end_to_end(db, engine, capsys):
    assert run(db, "init-db") == 0
    assert (
        run(
            db,
            "create-grid",
            "xm-01",
            "--name",
            "西门网格一",
            "--community",
            "西门社区",
            "--street",
            "海州街道",
            "--district",
            "海州区",
        )
        == 0
    )
    assert run(db, "create-grid", "xm-02", "--name", "西门网格二") == 0
    assert (
        run(
            db,
            "create-user",
            "wang",
            "--role",
            "worker",
            "--display-name",
            "王网格",
            "--password-stdin",
            stdin="s3cret-pass\n",
        )
        == 0
    )
    assert run(db, "assign", "wang", "xm-01", "xm-02") == 0
    assert run(db, "unassign", "wang", "xm-02") == 0
    capsys.readouterr()
    with engine.connect() as conn:
        grid = conn.execute(select(Grid.__table__).where(Grid.id == "xm-01")).one()
        user = conn.execute(select(User.__table__).where(User.username == "wang")).one()
        held = set(
            conn.execute(select(UserGrid.grid_id).where(UserGrid.user_id == user.id)).scalars()
        )
    assert (grid.name, grid.community, grid.district) == ("西门网格一", "西门社区", "海州区")
    assert (user.display_name, user.role) == ("王网格", "worker")
    assert user.password_hash.startswith("$argon2")
    assert "s3cret-pass" not in user.password_hash
    assert held == {"xm-01"}


def test_errors_are_reported_not_raised(db, capsys):
    run(db, "create-grid", "xm-01", "--name", "西门网格一")
    assert run(db, "create-grid", "xm-01", "--name", "again") == 1
    assert "已存在" in capsys.readouterr().err
    assert run(db, "assign", "nobody", "xm-01") == 1
    assert run(db, "revoke-device", str(uuid.uuid4())) == 1
    assert run(db, "move-household", str(uuid.uuid4()), "xm-01") == 1


def test_seed_demo_then_move_and_revoke(db, engine, capsys):
    assert run(db, "seed-demo") == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["households"] == 900
    assert counts["residents"] == 2500
    households = ENTITY_TABLES["households"]
    with engine.connect() as conn:
        hh = conn.execute(select(households.c.id, households.c.grid_id).limit(1)).one()
        target = conn.execute(select(Grid.id).where(Grid.id != hh.grid_id).limit(1)).scalar_one()
        worker = conn.execute(select(User.id).where(User.username == "demo-worker")).scalar_one()
    assert run(db, "move-household", hh.id, target) == 0
    with engine.connect() as conn:
        assert (
            conn.execute(select(households.c.grid_id).where(households.c.id == hh.id)).scalar_one()
            == target
        )
    device_id = str(uuid.uuid4())
    with engine.begin() as conn:
        import datetime as dt

        conn.execute(
            Device.__table__.insert().values(
                id=device_id, user_id=worker, last_seq=0, created_at=dt.datetime.now(dt.UTC)
            )
        )
    assert run(db, "revoke-device", device_id) == 0
    with engine.connect() as conn:
        assert (
            conn.execute(select(Device.revoked_at).where(Device.id == device_id)).scalar_one()
            is not None
        )
    # Seeding twice refuses instead of duplicating.
    assert run(db, "seed-demo") == 1


def test_password_from_stdin_is_required_when_not_a_terminal(db):
    with pytest.raises(SystemExit):
        run(db, "create-user", "li", "--role", "worker", stdin="")
    make_engine(db).dispose()
