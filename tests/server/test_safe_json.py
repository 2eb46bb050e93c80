"""The stored form of a rejected mutation: safe, bounded, and exact when it can be."""

from __future__ import annotations

import json
from typing import Any

from sync.protocol.values import UNSAFE_TEXT_RE
from sync.server.safe_json import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_STRING,
    bounded,
    bounded_mutation,
    json_size,
)

ID = "0195b6a2-0000-7000-8000-000000000001"


def mutation(**rest: Any) -> dict[str, Any]:
    return {"seq": 7, "entity": "households", "id": ID, "op": "create", **rest}


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in [k, *strings(v)]]
    if isinstance(value, list):
        return [t for v in value for t in strings(v)]
    return []


def assert_storable(value: Any) -> None:
    """Encodable as strict UTF-8 JSON, with no character the text rule refuses."""
    json.dumps(value, ensure_ascii=False, allow_nan=False).encode()
    assert [t for t in strings(value) if UNSAFE_TEXT_RE.search(t)] == []


def test_a_safe_small_mutation_is_kept_exactly():
    m = mutation(
        values={
            "grid_id": "grid-a",
            "address": "海州区幸福路 1号",
            "notes": "第一行\n第二行\t完" + "记" * 3990,
            "tags": ["elderly_alone"],
            "visit_interval_days": 7,
            "present": True,
            "phone": None,
            "ratio": 0.5,
        }
    )
    assert bounded_mutation(m) == m
    assert "truncated" not in bounded_mutation(m)


def test_bad_text_is_replaced_in_values_and_keys():
    m = mutation(
        entity="house\ud800holds",
        id="\x00" * 3,
        op="cre\x1fate",
        values={"na\ud800me": "张\x00三\udfff", "tags": ["a\x7f"]},
    )
    stored = bounded_mutation(m)
    assert_storable(stored)
    assert stored["entity"] == "house\ufffdholds"
    assert stored["values"] == {"na\ufffdme": "张\ufffd三\ufffd", "tags": ["a\ufffd"]}
    assert "truncated" not in stored  # replaced, not cut


def test_deep_nesting_is_cut_and_marked():
    deep: Any = "x"
    for _ in range(600):
        deep = [deep]
    stored = bounded_mutation(mutation(values={"tags": deep}))
    assert_storable(stored)
    assert stored["truncated"] is True
    depth, node = 0, stored
    while isinstance(node, dict | list):
        node = node["values"] if depth == 0 else (node["tags"] if depth == 1 else node[0])
        depth += 1
    assert depth <= MAX_DEPTH + 1


def test_long_strings_and_containers_are_cut():
    stored = bounded_mutation(
        mutation(values={"notes": "x" * (MAX_STRING + 1), "tags": ["a"] * (MAX_ITEMS + 5)})
    )
    assert len(stored["values"]["notes"]) == MAX_STRING
    assert len(stored["values"]["tags"]) == MAX_ITEMS
    assert stored["truncated"] is True


def test_numbers_json_cannot_carry_are_written_as_text():
    stored = bounded(
        {"big": 2**64, "small": -(2**70), "nan": float("nan"), "inf": float("-inf"), "ok": 2**62}
    )
    assert stored == {
        "big": "<integer>",
        "small": "<integer>",
        "nan": "nan",
        "inf": "-inf",
        "ok": 2**62,
    }
    assert_storable(stored)


def test_anything_else_is_its_type_name():
    assert bounded({"b": b"bytes", "s": {1, 2}}) == {"b": "<bytes>", "s": "<set>"}


def test_a_huge_mutation_keeps_only_its_envelope_and_field_names():
    m = mutation(values={f"field_{i:04d}": "记" * MAX_STRING for i in range(100)})
    assert json_size(bounded(m)) > MAX_BYTES
    stored = bounded_mutation(m)
    assert stored == {
        "seq": 7,
        "entity": "households",
        "id": ID,
        "op": "create",
        "fields": [f"field_{i:04d}" for i in range(50)],
        "truncated": True,
    }
    assert json_size(stored) < MAX_BYTES


def test_the_short_form_is_safe_too():
    m = {
        "seq": 2**70,
        "entity": "\ud800" * 10_000,
        "id": ["x"],
        "op": "update",
        "changes": {f"k\x00{i}" * 50: {"old": None, "new": "x" * MAX_STRING} for i in range(200)},
    }
    stored = bounded_mutation(m)
    assert_storable(stored)
    assert stored["truncated"] is True and stored["seq"] is None and stored["id"] is None
    assert len(stored["entity"]) == 64 and len(stored["fields"]) == 50
    assert json_size(stored) < 16 * 1024


def test_not_an_object():
    assert bounded_mutation(["a"]) == {"truncated": True}
