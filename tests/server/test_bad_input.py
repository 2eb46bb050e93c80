"""Bad input never gets a 5xx and changes nothing (PROTOCOL.md "Transport", DESIGN.md "Validation").

A broken envelope fails the whole request with a 4xx and applies nothing; a broken mutation is
rejected on its own with a code, consumed, listed, and the batch goes on.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sync.protocol.wire import uuid7

from .harness import (
    HEADERS,
    PASSWORD,
    Service,
    create,
    delete,
    household,
    issue,
    issue_update,
    resident,
    update,
    visit,
)

# -- helpers ---------------------------------------------------------------------------------


def rows_of(device: Any, grid_id: str) -> dict[str, dict[str, Any]]:
    page = device.pull({grid_id: 0}, limit=5000)
    assert not page["has_more"]
    return {c["id"]: c["row"] for c in page["changes"] if c["op"] == "upsert"}


def rejections(device: Any) -> list[dict[str, Any]]:
    response = device.request("GET", "/rejections")
    assert response.status_code == 200, response.text
    return list(response.json()["rejections"])


def snapshot(device: Any, grid_id: str) -> tuple[int, dict[str, int], int]:
    """What a bad request must not change: last_seq, the grid's rows and the rejections."""
    page = device.pull({grid_id: 0}, limit=5000)
    versions = {c["id"]: c["version"] for c in page["changes"]}
    return page["last_seq"], versions, len(rejections(device))


def assert_error(response: Any, status: int | None = None, code: str | None = None) -> None:
    """A 4xx with the protocol's error body."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "details"}, body
    if code is not None:
        assert body["error"]["code"] == code, body


def post_push(device: Any, content: bytes, **headers: str) -> Any:
    return device.request(
        "POST",
        "/sync/push",
        content=content,
        headers={"Content-Type": "application/json", **headers},
    )


def body_of(device: Any, mutations: list[Any]) -> bytes:
    return json.dumps({"device_id": device.device_id, "mutations": mutations}).encode()


def numbered(start: int, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"seq": start + i, **m} for i, m in enumerate(mutations)]


def ok_household(grid_id: str) -> dict[str, Any]:
    return household(grid_id, address="海州区幸福路 3号楼 2单元 301室")


# -- the whole request: a broken envelope changes nothing ---------------------------------------


def test_malformed_json_is_400(worker, grid_a):
    before = snapshot(worker, grid_a)
    for content in (b'{"device_id": ', b"", b"not json", b"\xff\xfe\x00garbage", b"{'a': 1}"):
        response = post_push(worker, content)
        assert_error(response, 400, "malformed_json")
    assert snapshot(worker, grid_a) == before


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '[{"seq": 1}]',
        '"push"',
        "42",
        "null",
        "true",
    ],
)
def test_a_body_that_is_not_an_object_is_4xx(worker, grid_a, body):
    before = snapshot(worker, grid_a)
    assert_error(post_push(worker, body.encode()))
    assert snapshot(worker, grid_a) == before


def test_deeply_nested_json_is_4xx(worker, grid_a):
    before = snapshot(worker, grid_a)
    depth = 100_000
    assert_error(post_push(worker, b"[" * depth + b"]" * depth))
    nested = (
        b'{"device_id": "%s", "mutations": ' % worker.device_id.encode()
        + b"[" * depth
        + b"]" * depth
        + b"}"
    )
    assert_error(post_push(worker, nested))
    assert snapshot(worker, grid_a) == before


@pytest.mark.parametrize("mutations", [{}, {"seq": 1}, "mutations", 1, None, True])
def test_mutations_not_a_list_is_4xx(worker, grid_a, mutations):
    before = snapshot(worker, grid_a)
    response = worker.request(
        "POST", "/sync/push", json={"device_id": worker.device_id, "mutations": mutations}
    )
    assert_error(response)
    assert snapshot(worker, grid_a) == before


def test_missing_mutations_is_4xx(worker, grid_a):
    before = snapshot(worker, grid_a)
    assert_error(worker.request("POST", "/sync/push", json={"device_id": worker.device_id}))
    assert snapshot(worker, grid_a) == before


def test_missing_device_id_is_4xx(worker, grid_a):
    before = snapshot(worker, grid_a)
    response = worker.request(
        "POST", "/sync/push", json={"mutations": numbered(1, ok_household(grid_a))}
    )
    assert_error(response)
    for device_id in (None, 42, "", ["x"]):
        body = {"device_id": device_id, "mutations": numbered(1, ok_household(grid_a))}
        assert_error(worker.request("POST", "/sync/push", json=body))
    assert snapshot(worker, grid_a) == before


@pytest.mark.parametrize("seq", [0, -1, "1", True, False, 1.5, None, [1], {"n": 1}])
def test_a_seq_that_is_not_a_positive_integer_is_4xx(worker, grid_a, seq):
    before = snapshot(worker, grid_a)
    # The bad seq second: the valid first mutation must not be applied either.
    mutations = [{"seq": 1, **ok_household(grid_a)}, {"seq": seq, **ok_household(grid_a)}]
    assert_error(worker.push_raw(mutations))
    assert_error(worker.push_raw([{"seq": seq, **ok_household(grid_a)}]))
    assert snapshot(worker, grid_a) == before


def test_a_missing_seq_or_a_mutation_that_is_not_an_object_is_4xx(worker, grid_a):
    before = snapshot(worker, grid_a)
    assert_error(worker.push_raw([{"seq": 1, **ok_household(grid_a)}, ok_household(grid_a)]))
    for junk in ("create", 7, None, ["households"]):
        assert_error(worker.push_raw([{"seq": 1, **ok_household(grid_a)}, junk]))
    assert snapshot(worker, grid_a) == before


@pytest.mark.parametrize("seqs", [[1, 3], [2, 1], [1, 1], [1, 2, 4], [1, 2, 2]])
def test_seqs_not_consecutive_within_a_batch_are_4xx(worker, grid_a, seqs):
    before = snapshot(worker, grid_a)
    mutations = [{"seq": s, **ok_household(grid_a)} for s in seqs]
    response = worker.push_raw(mutations)
    assert_error(response)
    assert snapshot(worker, grid_a) == before


def test_a_seq_gap_is_409_with_the_expected_seq(worker, grid_a):
    before = snapshot(worker, grid_a)
    response = worker.push_raw(numbered(2, ok_household(grid_a), ok_household(grid_a)))
    assert_error(response, 409, "mutation_gap")
    assert response.json()["error"]["details"]["expected"] == 1
    assert snapshot(worker, grid_a) == before

    assert [r["status"] for r in worker.push(ok_household(grid_a), ok_household(grid_a))] == [
        "applied"
    ] * 2
    middle = snapshot(worker, grid_a)
    response = worker.push_raw(numbered(4, ok_household(grid_a)))
    assert_error(response, 409, "mutation_gap")
    assert response.json()["error"]["details"]["expected"] == 3
    huge = worker.push_raw(numbered(2**70, ok_household(grid_a)))
    assert_error(huge, 409, "mutation_gap")
    assert snapshot(worker, grid_a) == middle


def test_more_than_1000_mutations_is_413(worker, grid_a):
    before = snapshot(worker, grid_a)
    too_many = numbered(1, *(ok_household(grid_a) for _ in range(1001)))
    assert_error(worker.push_raw(too_many), 413)
    assert snapshot(worker, grid_a) == before
    exactly = worker.push_raw(numbered(1, *(ok_household(grid_a) for _ in range(1000))))
    assert exactly.status_code == 200, exactly.text
    assert exactly.json()["last_seq"] == 1000


def _big_body(device: Any, grid_id: str, size: int) -> bytes:
    hh = ok_household(grid_id)
    hh["values"]["notes"] = "x" * size
    return body_of(device, numbered(1, hh))


def test_a_body_over_10_mb_is_413(worker, grid_a):
    before = snapshot(worker, grid_a)
    big = _big_body(worker, grid_a, 10 * 1024 * 1024 + 10)
    assert_error(post_push(worker, big), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count itself
        for i in range(0, len(big), 1 << 20):
            yield big[i : i + (1 << 20)]

    response = worker.request(
        "POST", "/sync/push", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413)
    assert snapshot(worker, grid_a) == before


def test_a_large_body_under_10_mb_is_judged_per_mutation(worker, grid_a):
    response = post_push(worker, _big_body(worker, grid_a, 5 * 1024 * 1024))
    assert response.status_code == 200, response.text[:500]
    result = response.json()["results"][0]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "too_long"
    assert response.json()["last_seq"] == 1


def test_gzip_request_bodies_are_accepted(worker, grid_a):
    hh = ok_household(grid_a)
    response = post_push(
        worker, gzip.compress(body_of(worker, numbered(1, hh))), **{"Content-Encoding": "gzip"}
    )
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["applied"]
    assert hh["id"] in rows_of(worker, grid_a)


def test_a_broken_gzip_body_is_400(worker, grid_a):
    before = snapshot(worker, grid_a)
    packed = gzip.compress(body_of(worker, numbered(1, ok_household(grid_a))))
    for content in (
        b"\x1f\x8b\x08\x00garbage",
        b"plain text, not gzip",
        packed[: len(packed) // 2],
    ):
        response = post_push(worker, content, **{"Content-Encoding": "gzip"})
        assert_error(response, 400)
    assert snapshot(worker, grid_a) == before


def test_a_gzip_body_inflating_past_10_mb_is_413(worker, grid_a):
    before = snapshot(worker, grid_a)
    bomb = gzip.compress(_big_body(worker, grid_a, 11 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    assert_error(post_push(worker, bomb, **{"Content-Encoding": "gzip"}), 413)
    assert snapshot(worker, grid_a) == before


def test_responses_are_gzipped_for_clients_that_accept_it(worker, grid_a):
    worker.push(*(ok_household(grid_a) for _ in range(20)))
    response = worker.request(
        "POST", "/sync/pull", json={"cursors": {grid_a: 0}}, headers={"Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == "gzip"
    assert len(response.json()["changes"]) == 20


def test_nan_in_a_body_never_gets_a_5xx(worker, grid_a):
    """NaN is not JSON: either the request is malformed or the mutation is rejected."""
    good = ok_household(grid_a)
    nan = household(grid_a, address=float("nan"), visit_interval_days=float("inf"))
    text = json.dumps({"device_id": worker.device_id, "mutations": numbered(1, nan, good)})
    assert "NaN" in text
    response = post_push(worker, text.encode())
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["rejected", "applied"]
        assert good["id"] in rows_of(worker, grid_a)
    else:
        assert_error(response, 400)
        assert rows_of(worker, grid_a) == {}


# -- each mutation on its own -----------------------------------------------------------------


@pytest.fixture
def world(worker, grid_a):
    """A live household and visit, a deleted household and a deleted issue; seqs 1..6."""
    hh, gone, iss = household(grid_a), household(grid_a, address="已拆除"), issue(grid_a)
    vis = visit(hh["id"])
    results = worker.push(
        hh, gone, vis, iss, delete("households", gone["id"]), delete("issues", iss["id"])
    )
    assert [r["status"] for r in results] == ["applied"] * 6
    return {
        "grid": grid_a,
        "hh": hh["id"],
        "gone": gone["id"],
        "visit": vis["id"],
        "issue": iss["id"],
    }


def _mutation(
    entity: Any = "households", op: Any = "create", row_id: Any = None, **rest: Any
) -> dict[str, Any]:
    m = {"entity": entity, "id": row_id if row_id is not None else uuid7(), "op": op, **rest}
    return {k: v for k, v in m.items() if v is not _DROP}


_DROP = object()
NOW = "2026-11-20T08:00:00Z"  # the FakeClock's start
W = dict[str, Any]
Case = tuple[str, Callable[[W], dict[str, Any]], set[str] | None]

CASES: list[Case] = [
    # entity, op, id
    ("unknown_entity", lambda w: _mutation("pets", values={"name": "x"}), {"unknown_entity"}),
    ("entity_number", lambda w: _mutation(5, values={}), {"unknown_entity"}),
    ("entity_missing", lambda w: _mutation(_DROP, values={}), {"unknown_entity"}),
    ("entity_with_nul", lambda w: _mutation("pets\x00", values={}), {"unknown_entity"}),
    (
        "unknown_op",
        lambda w: _mutation(op="upsert", values={"grid_id": w["grid"], "address": "x"}),
        {"invalid_op"},
    ),
    (
        "op_missing",
        lambda w: _mutation(op=_DROP, values={"grid_id": w["grid"], "address": "x"}),
        {"invalid_op"},
    ),
    (
        "op_list",
        lambda w: _mutation(op=["create"], values={"grid_id": w["grid"], "address": "x"}),
        {"invalid_op"},
    ),
    ("unknown_field_create", lambda w: household(w["grid"], colour="red"), {"unknown_field"}),
    (
        "unknown_field_nul",
        lambda w: household(w["grid"], **{"col\x00our": "red"}),
        {"unknown_field"},
    ),
    (
        "unknown_field_update",
        lambda w: update("households", w["hh"], colour=(None, "red")),
        {"unknown_field"},
    ),
    (
        "bad_uuid",
        lambda w: _mutation(row_id="not-a-uuid", values={"grid_id": w["grid"], "address": "x"}),
        {"invalid_uuid"},
    ),
    (
        "uuid_number",
        lambda w: _mutation(row_id=42, values={"grid_id": w["grid"], "address": "x"}),
        {"invalid_uuid"},
    ),
    (
        "uuid_with_nul",
        lambda w: _mutation(row_id="\x00" * 3, values={"grid_id": w["grid"], "address": "x"}),
        {"invalid_uuid"},
    ),
    (
        "uuid_missing",
        lambda w: _mutation(row_id=_DROP, values={"grid_id": w["grid"], "address": "x"}),
        {"invalid_uuid"},
    ),
    ("bad_parent_uuid", lambda w: resident("not-a-uuid"), {"invalid_uuid"}),
    ("values_not_object", lambda w: _mutation(values="grid-a"), None),
    (
        "changes_not_object",
        lambda w: _mutation(op="update", row_id=w["hh"], changes=["address"]),
        None,
    ),
    (
        "change_not_old_new",
        lambda w: _mutation(op="update", row_id=w["hh"], changes={"address": "x"}),
        None,
    ),
    # wrong types
    ("name_number", lambda w: resident(w["hh"], name=123), {"invalid_type"}),
    ("address_number", lambda w: household(w["grid"], address=12), {"invalid_type"}),
    ("present_string", lambda w: resident(w["hh"], present="yes"), {"invalid_type"}),
    ("follow_up_number", lambda w: visit(w["hh"], follow_up=1), {"invalid_type"}),
    (
        "kind_list",
        lambda w: household(w["grid"], kind=["resident"]),
        {"invalid_type", "invalid_code"},
    ),
    ("outcome_list", lambda w: visit(w["hh"], outcome=["met"]), {"invalid_type", "invalid_code"}),
    ("tags_string", lambda w: household(w["grid"], tags="elderly_alone"), {"invalid_type"}),
    ("interval_string", lambda w: household(w["grid"], visit_interval_days="7"), {"invalid_type"}),
    ("interval_zero", lambda w: household(w["grid"], visit_interval_days=0), {"invalid_value"}),
    ("people_met_string", lambda w: visit(w["hh"], people_met="张三"), {"invalid_type"}),
    ("control_character", lambda w: resident(w["hh"], name="张\x00三"), {"invalid_value"}),
    # unknown codes
    ("unknown_kind", lambda w: household(w["grid"], kind="palace"), {"invalid_code"}),
    (
        "unknown_tag",
        lambda w: household(w["grid"], tags=["elderly_alone", "rich"]),
        {"invalid_code"},
    ),
    ("unknown_resident_tag", lambda w: resident(w["hh"], tags=["vip"]), {"invalid_code"}),
    ("unknown_outcome", lambda w: visit(w["hh"], outcome="chatted"), {"invalid_code"}),
    ("unknown_category", lambda w: issue(w["grid"], category="aliens"), {"invalid_code"}),
    ("unknown_gender", lambda w: resident(w["hh"], gender="x"), {"invalid_code"}),
    ("unknown_relation", lambda w: resident(w["hh"], relation="boss"), {"invalid_code"}),
    ("unknown_priority", lambda w: issue(w["grid"], priority="asap"), {"invalid_code"}),
    ("code_upper_case", lambda w: visit(w["hh"], outcome="MET"), {"invalid_code"}),
    (
        "unknown_code_update",
        lambda w: update("visits", w["visit"], outcome=("met", "chatted")),
        {"invalid_code"},
    ),
    # required fields
    ("household_no_address", lambda w: create("households", {"grid_id": w["grid"]}), {"required"}),
    (
        "household_no_grid",
        lambda w: create("households", {"address": "海州区幸福路 1号"}),
        {"required"},
    ),
    ("resident_no_name", lambda w: create("residents", {"household_id": w["hh"]}), {"required"}),
    ("resident_blank_name", lambda w: resident(w["hh"], name="   "), {"required"}),
    ("resident_no_household", lambda w: create("residents", {"name": "张三"}), {"required"}),
    (
        "visit_no_outcome",
        lambda w: create("visits", {"household_id": w["hh"], "visited_at": NOW}),
        {"required"},
    ),
    (
        "visit_no_time",
        lambda w: create("visits", {"household_id": w["hh"], "outcome": "met"}),
        {"required"},
    ),
    (
        "issue_no_title",
        lambda w: create("issues", {"grid_id": w["grid"], "category": "flood"}),
        {"required"},
    ),
    (
        "issue_no_category",
        lambda w: create("issues", {"grid_id": w["grid"], "title": "积水"}),
        {"required"},
    ),
    (
        "update_required_to_null",
        lambda w: update("households", w["hh"], address=("海州区幸福路 1号楼 1单元 101室", None)),
        {"required"},
    ),
    # text limits
    ("name_201", lambda w: resident(w["hh"], name="张" * 201), {"too_long"}),
    ("address_201", lambda w: household(w["grid"], address="路" * 201), {"too_long"}),
    ("title_201", lambda w: issue(w["grid"], title="题" * 201), {"too_long"}),
    ("location_201", lambda w: issue(w["grid"], location="位" * 201), {"too_long"}),
    ("notes_4001", lambda w: household(w["grid"], notes="记" * 4001), {"too_long"}),
    ("visit_notes_4001", lambda w: visit(w["hh"], notes="记" * 4001), {"too_long"}),
    ("description_4001", lambda w: issue(w["grid"], description="述" * 4001), {"too_long"}),
    (
        "update_name_201",
        lambda w: update(
            "households", w["hh"], address=("海州区幸福路 1号楼 1单元 101室", "x" * 201)
        ),
        {"too_long"},
    ),
    # 身份证号 and phones
    (
        "id_number_checksum",
        lambda w: resident(w["hh"], id_number="110105194912310021"),
        {"invalid_id_number"},
    ),
    ("id_number_short", lambda w: resident(w["hh"], id_number="1101051949"), {"invalid_id_number"}),
    (
        "id_number_bad_date",
        lambda w: resident(w["hh"], id_number="11010519491332002X"),
        {"invalid_id_number"},
    ),
    (
        "id_number_letters",
        lambda w: resident(w["hh"], id_number="11010519491231ABCX"),
        {"invalid_id_number"},
    ),
    (
        "id_number_bad_province",
        lambda w: resident(w["hh"], id_number="991051194912310028"),
        {"invalid_id_number"},
    ),
    (
        "id_number_number",
        lambda w: resident(w["hh"], id_number=110105194912310021),
        {"invalid_type", "invalid_id_number"},
    ),
    ("phone_short", lambda w: resident(w["hh"], phone="12345"), {"invalid_phone"}),
    ("phone_ten_digits", lambda w: household(w["grid"], phone="1380013800"), {"invalid_phone"}),
    ("phone_letters", lambda w: household(w["grid"], phone="138-abcd-8000"), {"invalid_phone"}),
    ("phone_foreign", lambda w: household(w["grid"], phone="+1 212 555 0100"), {"invalid_phone"}),
    (
        "phone_update",
        lambda w: update("households", w["hh"], phone=(None, "99999")),
        {"invalid_phone"},
    ),
    # times
    (
        "visit_11_minutes_ahead",
        lambda w: visit(w["hh"], visited_at="2026-11-20T08:11:00Z"),
        {"time_in_future"},
    ),
    (
        "visit_10_minutes_1_second_ahead",
        lambda w: visit(w["hh"], visited_at="2026-11-20T08:10:01Z"),
        {"time_in_future"},
    ),
    (
        "visit_ahead_in_shanghai_time",
        lambda w: visit(w["hh"], visited_at="2026-11-20T16:30:00+08:00"),
        {"time_in_future"},
    ),
    (
        "visit_update_ahead",
        lambda w: update(
            "visits", w["visit"], visited_at=("2026-11-20T07:00:00Z", "2026-11-21T07:00:00Z")
        ),
        {"time_in_future"},
    ),
    ("naive_time", lambda w: visit(w["hh"], visited_at="2026-11-20T07:00:00"), {"invalid_time"}),
    ("garbage_time", lambda w: visit(w["hh"], visited_at="yesterday"), {"invalid_time"}),
    (
        "time_number",
        lambda w: visit(w["hh"], visited_at=1763622000),
        {"invalid_time", "invalid_type"},
    ),
    (
        "time_year_9999_west",
        lambda w: visit(w["hh"], visited_at="9999-12-31T23:00:00-05:00"),
        {"invalid_time", "time_in_future"},
    ),
    (
        "time_year_1_east",
        lambda w: visit(w["hh"], visited_at="0001-01-01T00:00:00+05:00"),
        {"invalid_time"},
    ),
    ("bad_date", lambda w: issue(w["grid"], due_date="2026-02-30"), {"invalid_date"}),
    # rows and parents
    (
        "update_never_existed",
        lambda w: update("households", str(uuid.uuid4()), notes=(None, "x")),
        {"not_found"},
    ),
    ("delete_never_existed", lambda w: delete("residents", str(uuid.uuid4())), {"not_found"}),
    ("resident_of_deleted_household", lambda w: resident(w["gone"]), {"parent_deleted"}),
    ("visit_of_deleted_household", lambda w: visit(w["gone"]), {"parent_deleted"}),
    (
        "update_of_deleted_issue",
        lambda w: issue_update(w["issue"], None, "open", comment="x"),
        {"parent_deleted"},
    ),
    (
        "resident_of_missing_household",
        lambda w: resident(str(uuid.uuid4())),
        {"parent_not_found", "not_found"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_bad_mutation_is_rejected_consumed_and_listed(worker, world, case):
    _name, build, expected = case
    grid = world["grid"]
    before = rows_of(worker, grid)
    bad, good = build(world), ok_household(grid)
    response = worker.push_raw(numbered(7, bad, good))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["last_seq"] == 8
    first, second = body["results"]
    assert first["seq"] == 7 and first["status"] == "rejected", first
    assert first["version"] is None
    assert isinstance(first["error"]["message"], str) and first["error"]["message"]
    if expected is not None:
        assert first["error"]["code"] in expected, first
    else:
        assert first["error"]["code"]
    assert second["status"] == "applied", second

    # Nothing else changed; the good neighbour is there.
    after = rows_of(worker, grid)
    assert set(after) == set(before) | {good["id"]}
    for row_id, row in before.items():
        assert after[row_id] == row
    assert worker.pull({})["last_seq"] == 8

    listed = [r for r in rejections(worker) if r["seq"] == 7]
    assert len(listed) == 1
    assert listed[0]["error"]["code"] == first["error"]["code"]
    assert listed[0]["device_id"] == worker.device_id

    # A replay of the same batch changes nothing more.
    again = worker.push_raw(numbered(7, bad, good))
    assert again.status_code == 200
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert len([r for r in rejections(worker) if r["seq"] == 7]) == 1


def test_bad_mutations_between_good_ones_do_not_block_the_batch(worker, world):
    grid = world["grid"]
    goods = [ok_household(grid) for _ in range(3)]
    mutations = [
        goods[0],
        resident(world["hh"], phone="12345"),
        _mutation("pets", values={}),
        goods[1],
        household(grid, kind="palace"),
        goods[2],
    ]
    results = worker.push(*mutations)
    assert [r["status"] for r in results] == [
        "applied",
        "rejected",
        "rejected",
        "applied",
        "rejected",
        "applied",
    ]
    assert [r["seq"] for r in results] == list(range(7, 13))
    assert worker.pull({})["last_seq"] == 12
    rows = rows_of(worker, grid)
    assert all(g["id"] in rows for g in goods)
    assert sorted(r["seq"] for r in rejections(worker)) == [8, 9, 11]


# -- canonical forms of accepted values --------------------------------------------------------


def test_id_numbers_are_stored_canonical(worker, world):
    hh = world["hh"]
    lower = resident(hh, name="甲", id_number="11010519491231002x")
    spaced = resident(hh, name="乙", id_number=" 110105 19491231 002X ")
    first_gen = resident(hh, name="丙", id_number="110105491231002")
    old_xinpu = resident(hh, name="丁", id_number="320705195003150010")
    results = worker.push(lower, spaced, first_gen, old_xinpu)
    assert [r["status"] for r in results] == ["applied"] * 4, results
    rows = rows_of(worker, world["grid"])
    assert rows[lower["id"]]["id_number"] == "11010519491231002X"
    assert rows[spaced["id"]]["id_number"] == "11010519491231002X"
    assert rows[first_gen["id"]]["id_number"] == "11010519491231002X"
    assert rows[old_xinpu["id"]]["id_number"] == "320705195003150010"


def test_old_residents_numbers_of_renamed_districts_are_valid(worker, world):
    """新浦区 320705 merged into 海州区 in 2014; python-stdnum's validate() rejects this number."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError as StdnumError

    number = "320705195003150010"
    with pytest.raises(StdnumError):
        ric.validate(number)
    result = worker.push_one(
        resident(world["hh"], name="老住户", id_number=number, birth_date="1950-03-15")
    )
    assert result["status"] == "applied", result


def test_phones_are_stored_canonical(worker, world):
    grid, hh = world["grid"], world["hh"]
    cases = {
        "１３８ ００１３ ８０００": "13800138000",
        "138-0013-8000": "13800138000",
        "+86 138 0013 8000": "13800138000",
        "0518-85821234": "0518-85821234",
        "051885821234": "0518-85821234",
        "0518 8582 1234": "0518-85821234",
        "010 8888 6666": "010-88886666",
        "01088886666": "010-88886666",
        "021-62345678": "021-62345678",
    }
    muts = {}
    for raw in cases:
        muts[raw] = (household(grid, phone=raw), resident(hh, phone=raw))
    results = worker.push(*(m for pair in muts.values() for m in pair))
    assert [r["status"] for r in results] == ["applied"] * (2 * len(cases)), results
    rows = rows_of(worker, grid)
    for raw, (h, r) in muts.items():
        assert rows[h["id"]]["phone"] == cases[raw], raw
        assert rows[r["id"]]["phone"] == cases[raw], raw


def test_phone_update_compares_canonical_values(worker, world):
    grid = world["grid"]
    hh = household(grid, phone="13800138000")
    assert worker.push_one(hh)["status"] == "applied"
    version = rows_of(worker, grid)[hh["id"]]["version"]
    # old in another spelling is the same value: no conflict; new equal to theirs: no change.
    result = worker.push_one(
        update("households", hh["id"], phone=("138 0013 8000", "１３８００１３８０００"))
    )
    assert result["status"] == "applied"
    assert result["conflicts"] == []
    assert rows_of(worker, grid)[hh["id"]]["version"] == version


def test_visit_times_near_the_server_clock(worker, world):
    hh = world["hh"]
    five = visit(hh, visited_at="2026-11-20T08:05:00Z")
    ten = visit(hh, visited_at="2026-11-20T08:10:00Z")
    shanghai = visit(hh, visited_at="2026-11-20T15:00:00+08:00")
    results = worker.push(five, ten, shanghai)
    assert [r["status"] for r in results] == ["applied"] * 3, results
    rows = rows_of(worker, world["grid"])
    assert rows[five["id"]]["visited_at"] == "2026-11-20T08:05:00Z"
    assert rows[shanghai["id"]]["visited_at"] == "2026-11-20T07:00:00Z"


def test_text_at_the_limits_is_accepted(worker, world):
    grid, hh = world["grid"], world["hh"]
    muts = [
        resident(hh, name="张" * 200),
        household(grid, address="路" * 200, notes="记" * 4000),
        issue(grid, title="题" * 200, description="述" * 4000),
    ]
    assert [r["status"] for r in worker.push(*muts)] == ["applied"] * 3


# -- pull -------------------------------------------------------------------------------------


@pytest.mark.parametrize("cursor", [-1, "0", 1.5, True, None, [0], {"v": 0}])
def test_a_bad_pull_cursor_is_422(worker, grid_a, cursor):
    response = worker.request("POST", "/sync/pull", json={"cursors": {grid_a: cursor}})
    assert_error(response, 422)


@pytest.mark.parametrize(
    "body",
    [
        [],
        "x",
        {"cursors": []},
        {"cursors": "grid-a"},
        {"cursors": {}, "limit": "10"},
        {"cursors": {}, "limit": -5},
    ],
)
def test_a_bad_pull_body_is_4xx(worker, body):
    assert_error(worker.request("POST", "/sync/pull", json=body))


def test_a_huge_pull_cursor_never_gets_a_5xx(worker, grid_a):
    worker.push(ok_household(grid_a))
    response = worker.request("POST", "/sync/pull", json={"cursors": {grid_a: 2**80}})
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        assert response.json()["changes"] == []
    else:
        assert_error(response, 422)


def test_the_pull_limit_is_capped_at_5000(worker, grid_a):
    for _ in range(5):
        worker.push(*(ok_household(grid_a) for _ in range(1000)))
    worker.push(ok_household(grid_a))
    page = worker.pull({grid_a: 0}, limit=100_000)
    assert len(page["changes"]) == 5000
    assert page["has_more"] is True
    assert page["cursors"][grid_a] == 5000
    rest = worker.pull({grid_a: 5000}, limit=100_000)
    assert len(rest["changes"]) == 1
    assert rest["has_more"] is False


# -- other endpoints ---------------------------------------------------------------------------


def test_bad_query_parameters_are_4xx(worker):
    assert_error(worker.request("GET", "/conflicts", params={"state": "bogus"}), 422)
    assert_error(worker.request("GET", "/rejections", params={"grid_id": "g" * 65}))
    assert_error(worker.request("POST", "/conflicts/not-a-number/settle"))
    response = worker.request("POST", f"/conflicts/{2**80}/settle")
    assert response.status_code < 500, response.text
    assert_error(worker.request("POST", "/conflicts/12345/settle"), 404)


# -- attachments ------------------------------------------------------------------------------


def test_attachment_hash_mismatch_is_400(worker):
    data = b"a photo"
    wrong = hashlib.sha256(b"another photo").hexdigest()
    response = worker.request("PUT", f"/attachments/{wrong}", content=data)
    assert_error(response, 400, "hash_mismatch")
    # Nothing was stored under either hash.
    right = hashlib.sha256(data).hexdigest()
    assert worker.request("PUT", f"/attachments/{right}", content=data).status_code == 201
    assert (
        worker.request("PUT", f"/attachments/{wrong}", content=b"another photo").status_code == 201
    )


def test_attachment_put_twice_is_201_then_200(worker):
    data = b"\x89PNG a picture"
    sha = hashlib.sha256(data).hexdigest()
    headers = {"Content-Type": "image/png"}
    assert (
        worker.request("PUT", f"/attachments/{sha}", content=data, headers=headers).status_code
        == 201
    )
    assert (
        worker.request("PUT", f"/attachments/{sha}", content=data, headers=headers).status_code
        == 200
    )


@pytest.mark.parametrize(
    "name",
    [
        "z" * 64,
        "abc",
        "0" * 63,
        "0" * 65,
        "g" + "0" * 63,
        "../" + "0" * 61,
        "0" * 32 + "%00" + "0" * 29,
    ],
)
def test_a_bad_attachment_hash_is_4xx(worker, name):
    data = b"bytes"
    put = worker.request("PUT", f"/attachments/{name}", content=data)
    assert 400 <= put.status_code < 500, put.text
    get = worker.request("GET", f"/attachments/{name}")
    assert 400 <= get.status_code < 500, get.text


def test_attachment_over_the_limit_is_413(engine, tmp_path, clock):
    small = Service(engine, tmp_path / "small", clock, max_attachment_bytes=1024)
    small.grid("grid-a")
    small.user("worker-a", "worker", ["grid-a"])
    device = small.login("worker-a")
    big = b"x" * 1025
    sha = hashlib.sha256(big).hexdigest()
    response = device.request("PUT", f"/attachments/{sha}", content=big)
    assert_error(response, 413, "too_large")

    def chunks() -> Iterator[bytes]:
        yield big[:600]
        yield big[600:]

    assert_error(device.request("PUT", f"/attachments/{sha}", content=chunks()), 413, "too_large")
    fits = b"y" * 1024
    ok = device.request("PUT", f"/attachments/{hashlib.sha256(fits).hexdigest()}", content=fits)
    assert ok.status_code == 201, ok.text


# -- login ------------------------------------------------------------------------------------


def _login(service: Service, username: str, password: str, device_id: str | None = None) -> Any:
    return service.http.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": password,
            "device_id": device_id or str(uuid.uuid4()),
            "device_name": "test",
        },
        headers=HEADERS,
    )


def test_ten_failed_logins_lock_the_username_for_the_window(service, grid_a, clock):
    service.user("worker-a", "worker", [grid_a])
    service.user("worker-b", "worker", [grid_a])
    for attempt in range(10):
        response = _login(service, "worker-a", f"wrong password {attempt}")
        assert_error(response, 401, "invalid_credentials")
    for password in ("wrong again", PASSWORD):
        response = _login(service, "worker-a", password)
        assert_error(response, 429, "too_many_attempts")
        retry = response.headers.get("Retry-After")
        assert retry is not None and retry.isdigit()
        assert 0 < int(retry) <= 15 * 60
    # Another username is not locked.
    assert _login(service, "worker-b", PASSWORD).status_code == 200

    clock.advance(minutes=14)
    assert _login(service, "worker-a", PASSWORD).status_code == 429
    clock.advance(minutes=1)
    response = _login(service, "worker-a", PASSWORD)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["username"] == "worker-a"


def test_nine_failed_logins_do_not_lock(service, grid_a):
    service.user("worker-a", "worker", [grid_a])
    for attempt in range(9):
        assert _login(service, "worker-a", f"wrong {attempt}").status_code == 401
    assert _login(service, "worker-a", PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"",
        b"[]",
        b'"worker-a"',
        b"null",
        json.dumps({"username": "worker-a"}).encode(),
        json.dumps({"username": "worker-a", "password": PASSWORD}).encode(),
        json.dumps(
            {"username": "worker-a", "password": PASSWORD, "device_id": "not-a-uuid"}
        ).encode(),
        json.dumps({"username": 5, "password": PASSWORD, "device_id": str(uuid.uuid4())}).encode(),
        json.dumps(
            {"username": "worker-a", "password": ["x"], "device_id": str(uuid.uuid4())}
        ).encode(),
        json.dumps(
            {
                "username": "worker-a",
                "password": PASSWORD,
                "device_id": str(uuid.uuid4()),
                "device_name": 7,
            }
        ).encode(),
        json.dumps(
            {"username": "u" * 100_000, "password": PASSWORD, "device_id": str(uuid.uuid4())}
        ).encode(),
    ],
)
def test_a_malformed_login_is_4xx(service, grid_a, content):
    service.user("worker-a", "worker", [grid_a])
    response = service.http.post(
        "/api/v1/auth/login",
        content=content,
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    assert_error(response)
    assert "token" not in response.json()


# -- privacy ----------------------------------------------------------------------------------

# Sensitive values as sent, and the digit runs that must never show up anywhere.
ID_NUMBERS = [
    "11010519491231002x",
    "110105491231002",
    "320705195003150010",
    "110105194912310021",
    "440301199909319999",
]
PHONES = ["１３９ ００１３ ９０００", "13712345678", "0518-85821234", "1380013800", "23456789012"]
SECRETS = [
    "11010519491231002",
    "110105491231002",
    "32070519500315001",
    "110105194912310021",
    "44030119990931999",
    "13900139000",
    "13712345678",
    "85821234",
    "1380013800",
    "23456789012",
]


def _squeezed(text: str) -> str:
    """The text with widths folded and the separators people put in numbers removed."""
    return re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", text))


def _push_sensitive(worker: Any, supervisor: Any, world: W) -> tuple[list[Any], list[Any]]:
    """Residents and households with valid and invalid ID numbers and phones; every way back."""
    hh = world["hh"]
    mutations = []
    for i, number in enumerate(ID_NUMBERS):
        mutations.append(resident(hh, name=f"居民{i}", id_number=number))
    for i, phone in enumerate(PHONES):
        mutations.append(resident(hh, name=f"电话{i}", phone=phone))
        mutations.append(household(world["grid"], phone=phone))
    mutations.append(update("households", hh, phone=(None, "13712345678")))
    mutations.append(update("households", hh, phone=("13712345678", "1380013800")))
    results = worker.push(*mutations)
    statuses = [r["status"] for r in results]
    assert "applied" in statuses and "rejected" in statuses
    pulled = worker.pull({world["grid"]: 0}, limit=5000)
    listed = rejections(worker) + rejections(supervisor)
    assert any(r["error"]["code"] == "invalid_id_number" for r in listed)
    assert any(r["error"]["code"] == "invalid_phone" for r in listed)
    # The stored rows do carry them (so the checks are not vacuous).
    stored = json.dumps(pulled)
    assert "11010519491231002X" in stored and "13712345678" in stored
    return results, listed


def test_no_id_number_or_phone_in_an_error_message(worker, supervisor, world):
    results, listed = _push_sensitive(worker, supervisor, world)
    messages = [json.dumps(r["error"], ensure_ascii=False) for r in results if r["error"]]
    messages += [json.dumps(r["error"], ensure_ascii=False) for r in listed]
    assert len(messages) >= 5
    for text in messages:
        for secret in SECRETS:
            assert secret not in _squeezed(text), (secret, text)


LOGGERS = ("gridsync", "uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "fastapi")


def test_no_id_number_or_phone_reaches_a_log(worker, supervisor, world, caplog):
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    _push_sensitive(worker, supervisor, world)
    assert caplog.records  # the capture works: SQL statements at least are logged at DEBUG

    leaks = []
    for record in caplog.records:
        parts = [record.getMessage(), repr(record.args), record.exc_text or ""]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
        for text in parts:
            squeezed = _squeezed(text)
            leaks += [(secret, record.name, text[:160]) for secret in SECRETS if secret in squeezed]
    assert leaks == []
    for secret in SECRETS:
        assert secret not in _squeezed(caplog.text), secret
