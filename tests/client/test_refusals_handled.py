"""已处理 travels: a refused change a supervisor marked handled leaves the worker's list too
(POST /rejections/{id}/handle at the marking laptop's next sync, POST /rejections/handled at
everyone's), and a mark made offline is sent later."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gridworker.client.http import Offline, SyncError
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.store import handled
from sync.server.models import Rejection


def _refused_transition(grid_id: str, worker: Any, boss: Any) -> None:
    """The supervisor resolves an issue; the worker, not yet told, moves it to in_progress."""
    issue = ops.raise_issue(worker.store, "楼道灯不亮", "facilities", grid_id=grid_id)
    worker.syncer.sync()
    boss.syncer.sync()
    ops.add_issue_update(boss.store, issue["id"], "resolved", "物业已修好")
    boss.syncer.sync()
    ops.add_issue_update(worker.store, issue["id"], "in_progress", "明天联系物业")
    assert worker.syncer.sync().rejected == 1


def _server_marks(world: Any) -> dict[int, tuple[Any, Any]]:
    with world.service.engine.connect() as conn:
        rows = conn.execute(select(Rejection.id, Rejection.handled_at, Rejection.handled_by))
        return {r.id: (r.handled_at, r.handled_by) for r in rows}


def _open_codes(session: Any) -> list[str]:
    return [r["code"] for r in queries.rejections(session.store)]


def test_a_supervisors_mark_leaves_the_workers_list(world):
    g1 = world.service.grid("g1")
    worker = world.client("wa", grids=[g1])
    boss = world.client("sup", "supervisor", [g1])
    _refused_transition(g1, worker, boss)
    worker.syncer.sync()
    boss.syncer.sync()
    assert _open_codes(worker) == ["invalid_transition"]
    (refused,) = queries.rejections(boss.store)
    assert refused["code"] == "invalid_transition"

    ops.mark_rejection_handled(boss.store, refused["key"])
    assert queries.rejections(boss.store) == []
    (rejection_id,) = _server_marks(world)
    assert _server_marks(world)[rejection_id] == (None, None)  # not told yet
    boss.syncer.sync()
    handled_at, handled_by = _server_marks(world)[rejection_id]
    assert handled_at is not None and handled_by == boss.user["id"]
    with boss.store.read() as conn:
        assert handled.unsent(boss.store, conn) == []

    assert _open_codes(worker) == ["invalid_transition"]
    worker.syncer.sync()
    assert _open_codes(worker) == []  # neither the device's entry nor the server's
    assert [r["code"] for r in queries.rejections(worker.store, include_handled=True)] == [
        "invalid_transition"
    ]
    # Nothing more to send or to hide at later syncs.
    worker.syncer.sync()
    boss.syncer.sync()
    assert _open_codes(worker) == [] and queries.rejections(boss.store) == []


def test_a_worker_cannot_mark_another_workers_refusal(world):
    g1 = world.service.grid("g1")
    worker = world.client("wa", grids=[g1])
    other = world.client("wb", grids=[g1])
    boss = world.client("sup", "supervisor", [g1])
    _refused_transition(g1, worker, boss)
    (rejection_id,) = _server_marks(world)

    with pytest.raises(SyncError) as refused:
        other.syncer.api.handle_rejection(rejection_id)
    assert refused.value.status == 404
    assert other.syncer.api.handled_rejections([rejection_id]) == []

    # A mark the server refuses (404) is dropped from the queue; the local mark stays.
    with other.store.write() as conn:
        handled.mark(other.store, conn, [f"server:{rejection_id}"], send=True)
    other.syncer.sync()
    with other.store.read() as conn:
        assert handled.unsent(other.store, conn) == []
        assert f"server:{rejection_id}" in handled.handled_keys(other.store, conn)
    assert _server_marks(world)[rejection_id] == (None, None)
    boss.syncer.sync()
    assert _open_codes(boss) == ["invalid_transition"]


def test_a_mark_made_offline_is_sent_at_the_next_sync(world, monkeypatch):
    g1 = world.service.grid("g1")
    worker = world.client("wa", grids=[g1])
    boss = world.client("sup", "supervisor", [g1])
    _refused_transition(g1, worker, boss)
    (rejection_id,) = _server_marks(world)

    # The worker marks their own refusal (the device's entry) while the network is down.
    (own,) = queries.rejections(worker.store)
    assert own["key"].startswith("device:")
    ops.mark_rejection_handled(worker.store, own["key"])
    assert _open_codes(worker) == []

    def unreachable(*_args: Any, **_kwargs: Any) -> Any:
        raise Offline("无法连接服务器，已离线保存，稍后自动重试")

    with monkeypatch.context() as patch:
        patch.setattr(worker.syncer.api, "handle_rejection", unreachable)
        with pytest.raises(Offline):
            worker.syncer.sync()
    with worker.store.read() as conn:
        assert handled.unsent(worker.store, conn) == [rejection_id]
    assert _server_marks(world)[rejection_id] == (None, None)

    worker.syncer.sync()  # back online
    assert _server_marks(world)[rejection_id][1] == worker.user["id"]
    with worker.store.read() as conn:
        assert handled.unsent(worker.store, conn) == []
    boss.syncer.sync()
    assert queries.rejections(boss.store) == []


def test_an_older_service_without_the_endpoints_is_ignored(world, monkeypatch):
    g1 = world.service.grid("g1")
    worker = world.client("wa", grids=[g1])
    boss = world.client("sup", "supervisor", [g1])
    _refused_transition(g1, worker, boss)
    boss.syncer.sync()
    (refused,) = queries.rejections(boss.store)
    ops.mark_rejection_handled(boss.store, refused["key"])

    def not_allowed(*_args: Any, **_kwargs: Any) -> Any:
        raise SyncError("服务器不支持", status=405)

    def not_found(*_args: Any, **_kwargs: Any) -> Any:
        raise SyncError("服务器不支持", status=404)

    monkeypatch.setattr(boss.syncer.api, "handle_rejection", not_allowed)
    monkeypatch.setattr(worker.syncer.api, "handled_rejections", not_found)
    boss.syncer.sync()
    worker.syncer.sync()
    with boss.store.read() as conn:
        assert handled.unsent(boss.store, conn) == [refused["id"]]  # kept for a newer service
    assert _open_codes(worker) == ["invalid_transition"]
