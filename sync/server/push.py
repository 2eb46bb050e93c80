"""Push: apply a device's mutations exactly once, in order (PROTOCOL.md, "Push").

The envelope (device, seqs, sizes) is judged for the whole request; everything inside a
mutation is judged per mutation by ``Batch`` (sync.server.apply), whose rejections are consumed
and stored. One push is one transaction: the device row is locked first, then the grids the
batch touches in sorted order, and the device's ``last_seq`` is written with the data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update

from sync.protocol import wire
from sync.protocol.values import format_time

from .apply import Batch
from .context import ApiError, Caller
from .db import retrying, write_tx
from .epoch import current_epoch, read_epoch
from .grid_versions import RelockNeeded
from .models import Device
from .settings import Settings


def check_envelope(body: Any, caller: Caller) -> list[dict[str, Any]]:
    """The mutations of a well-formed push, or an ``ApiError`` that changes nothing."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "请求体应为 JSON 对象")
    device_id = body.get("device_id")
    if not isinstance(device_id, str) or device_id.lower() != caller.device_id:
        raise ApiError(403, "device_mismatch", "device_id 与登录设备不一致")
    mutations = body.get("mutations")
    if not isinstance(mutations, list):
        raise ApiError(400, "invalid_request", "mutations 应为列表")
    if len(mutations) > wire.MAX_BATCH:
        raise ApiError(
            413, "too_large", f"一次最多提交 {wire.MAX_BATCH} 条变更", {"max": wire.MAX_BATCH}
        )
    previous: int | None = None
    for index, mutation in enumerate(mutations):
        if not isinstance(mutation, dict):
            raise ApiError(400, "invalid_request", "每条变更应为 JSON 对象", {"index": index})
        seq = mutation.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise ApiError(400, "invalid_seq", "seq 应为正整数", {"index": index})
        if previous is not None and seq != previous + 1:
            raise ApiError(400, "invalid_seq", "同一批变更的 seq 应连续", {"index": index})
        previous = seq
    return mutations


def push(engine: Engine, settings: Settings, caller: Caller, body: Any) -> dict[str, Any]:
    mutations = check_envelope(body, caller)
    extra_locks: set[str] = set()

    def attempt() -> dict[str, Any]:
        try:
            return _push_once(engine, settings, caller, mutations, extra_locks)
        except RelockNeeded as exc:
            # A row moved to a grid we did not lock between the pre-scan and the lock.
            extra_locks.add(exc.grid_id)
            raise _Retry() from exc

    for _ in range(5):
        try:
            return retrying(attempt)
        except _Retry:
            continue
    raise ApiError(503, "busy", "服务器繁忙，请稍后重试")


class _Retry(Exception):
    pass


def _push_once(
    engine: Engine,
    settings: Settings,
    caller: Caller,
    mutations: list[dict[str, Any]],
    extra_locks: set[str],
) -> dict[str, Any]:
    now = settings.clock()
    with write_tx(engine) as conn:
        query = select(Device.last_seq).where(Device.id == caller.device_id)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        last = conn.execute(query).scalar_one()
        if mutations and mutations[0]["seq"] > last + 1:
            raise ApiError(
                409,
                "mutation_gap",
                f"变更序号不连续：服务器期望 {last + 1}",
                {"expected": last + 1, "last_seq": last},
            )
        fresh = [m for m in mutations if m["seq"] > last]
        batch = Batch(conn, settings, caller, now, allocator=settings.test_hooks.version_allocator)
        batch.lock_for(fresh, extra_locks)
        results = []
        for mutation in mutations:
            if mutation["seq"] <= last:
                results.append(batch.duplicate_result(mutation))
            else:
                results.append(batch.apply(mutation))
        batch.write()
        new_last = max(last, mutations[-1]["seq"]) if mutations else last
        conn.execute(
            update(Device)
            .where(Device.id == caller.device_id)
            .values(last_seq=new_last, last_seen_at=now)
        )
        if settings.test_hooks.before_commit is not None and fresh:
            settings.test_hooks.before_commit()
        batch.versions.flush()
        epoch = read_epoch(conn)
    return {
        "last_seq": new_last,
        "results": results,
        "server_time": format_time(now),
        # Extension (docs/protocol-extensions/epoch.md): a restore gives a new epoch.
        "epoch": epoch or current_epoch(engine),
    }
