"""The reproducible data generator: canonical rows, exact counts, consistent references."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from stdnum.cn import ric

from sync.datagen import SIZES, DatasetSize, generate
from sync.protocol import codes, values, workflow
from sync.protocol.entities import ENTITIES

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
NOW_TEXT = "2026-11-20T08:00:00Z"
ORDER = ("grids", "users", "households", "residents", "visits", "issues", "issue_updates")


def _digest(stream) -> str:
    h = hashlib.sha256()
    for entity, row in stream:
        h.update(json.dumps([entity, row], ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()


def _collect(stream) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = defaultdict(list)
    for entity, row in stream:
        rows[entity].append(row)
    return rows


@pytest.fixture(scope="module")
def demo() -> dict[str, list[dict]]:
    return _collect(generate("demo"))


@pytest.fixture(scope="module")
def worker() -> dict[str, list[dict]]:
    started = time.perf_counter()
    rows = _collect(generate("worker"))
    print(f"\nworker set generated in {time.perf_counter() - started:.2f} s")
    return rows


@pytest.fixture(params=["demo", "worker"])
def dataset(request) -> dict[str, list[dict]]:
    return request.getfixturevalue(request.param)


def test_same_seed_same_stream_and_other_seed_differs():
    first = _digest(generate("demo"))
    assert first == _digest(generate("demo", seed=20261126, now=NOW))
    assert first != _digest(generate("demo", seed=7))


def test_output_does_not_depend_on_the_interpreter_run():
    """No set or dict ordering leaks into the rows: another process, another hash seed."""
    script = (
        "import hashlib, json\n"
        "from sync.datagen import generate\n"
        "h = hashlib.sha256()\n"
        "for e, r in generate('demo'):\n"
        "    h.update(json.dumps([e, r], ensure_ascii=False, sort_keys=True).encode())\n"
        "print(h.hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == _digest(generate("demo"))


def test_stream_puts_parents_first_and_grids_in_blocks():
    seen: list[str] = []
    grid_of_household: dict[str, str] = {}
    block_grid = None
    for entity, row in generate("demo"):
        if not seen or seen[-1] != entity:
            seen.append(entity)
        if entity == "households":
            grid_of_household[row["id"]] = row["grid_id"]
            block_grid = row["grid_id"]
        elif entity in ("residents", "visits"):
            assert grid_of_household[row["household_id"]] == block_grid
    # grids, users, then per grid: households, residents, visits, issues, updates
    assert seen[:2] == ["grids", "users"]
    assert seen[2:] == list(ORDER[2:]) * 3


def test_counts_of_the_demo(demo):
    size = SIZES["demo"]
    assert len(demo["grids"]) == 3
    assert len(demo["households"]) == size.households
    assert len(demo["residents"]) == size.residents
    assert len(demo["visits"]) == size.visits
    assert len(demo["issues"]) == size.issues
    assert 800 <= size.households <= 1000 and 2000 <= size.residents <= 3000
    assert {g["community"] for g in demo["grids"]} == {"西门社区"}
    assert {g["street"] for g in demo["grids"]} == {"海州街道"}
    assert [g["id"] for g in demo["grids"]] == ["hz-xm-01", "hz-xm-02", "hz-xm-03"]


def test_demo_users(demo):
    users = {u["username"]: u for u in demo["users"]}
    grids = [g["id"] for g in demo["grids"]]
    assert set(users) == {"demo-worker", "demo-supervisor", "worker-02", "worker-03"}
    assert users["demo-worker"]["role"] == "worker"
    assert users["demo-worker"]["grids"] == grids[:1]
    assert users["demo-supervisor"]["role"] == "supervisor"
    assert users["demo-supervisor"]["grids"] == grids
    assert users["worker-03"]["grids"] == grids[2:]
    for user in users.values():
        assert set(user) == {"id", "username", "display_name", "role", "grids"}
        assert values.uuid_text(user["id"], label="id") == user["id"]
        assert 2 <= len(user["display_name"]) <= 4


def test_counts_of_the_worker_set_are_exact(worker):
    size = SIZES["worker"]
    assert len(worker["grids"]) == size.grids
    assert len(worker["households"]) == size.households
    assert len(worker["residents"]) == size.residents
    assert len(worker["visits"]) == size.visits
    assert len(worker["issues"]) == size.issues
    assert sorted(u["role"] for u in worker["users"]) == ["supervisor", "worker"]


def test_every_row_is_canonical_with_exactly_the_entity_fields(dataset):
    for entity, rows in dataset.items():
        if entity in ("grids", "users"):
            continue
        fields = ENTITIES[entity].fields
        keys = {"id", *fields}
        for row in rows:
            assert set(row) == keys, entity
            assert values.uuid_text(row["id"], label="id") == row["id"]
            for name, field in fields.items():
                assert field.normalise(row[name]) == row[name], (entity, name, row[name])
            for name, field in fields.items():
                if field.required:
                    assert row[name] is not None, (entity, name)
    for grid in dataset["grids"]:
        assert set(grid) == {"id", "name", "community", "street", "district"}
        assert grid["community"].endswith("社区") and "网格" in grid["name"]


def test_ids_are_unique(dataset):
    ids = [row["id"] for entity, rows in dataset.items() if entity != "grids" for row in rows]
    assert len(ids) == len(set(ids))
    numbers = [r["id_number"] for r in dataset["residents"] if r["id_number"]]
    assert len(numbers) == len(set(numbers))
    assert len(numbers) >= 0.95 * len(dataset["residents"])


def test_id_numbers_agree_with_birth_date_and_gender(dataset):
    now = NOW.date()
    for r in dataset["residents"]:
        number = r["id_number"]
        if number is None:
            continue
        assert values.id_number(number) == number
        assert ric.calc_check_digit(number) == number[-1]
        assert values.id_number_birth_date(number) == r["birth_date"]
        assert values.id_number_gender(number) == r["gender"]
        assert dt.date.fromisoformat(r["birth_date"]) < now
    prefixes = Counter(r["id_number"][:6] for r in dataset["residents"] if r["id_number"])
    assert prefixes.most_common(1)[0][0] == "320706"
    assert prefixes["320705"] > 0  # older residents first registered in 新浦区
    assert sum(n for p, n in prefixes.items() if not p.startswith("32")) > 0


def test_households_and_residents_fit_together(dataset):
    households = {h["id"]: h for h in dataset["households"]}
    members: dict[str, list[dict]] = defaultdict(list)
    for r in dataset["residents"]:
        members[r["household_id"]].append(r)
    assert set(members) <= set(households)
    for hid, h in households.items():
        people = members[hid]
        assert 1 <= len(people) <= 5
        heads = [p for p in people if p["relation"] == "head"]
        assert len(heads) == 1
        head = heads[0]
        assert h["head_name"] == head["name"]
        assert h["visit_interval_days"] == workflow.visit_interval_days(h["tags"])
        assert (h["kind"] == "rental") == ("rental" in h["tags"])
        head_born = dt.date.fromisoformat(head["birth_date"])
        for p in people:
            born = dt.date.fromisoformat(p["birth_date"])
            gap = (born - head_born).days / 365.25
            if p["relation"] == "child":
                assert gap >= 15
            elif p["relation"] == "parent":
                assert gap <= -15
            elif p["relation"] == "grandchild":
                assert gap >= 30
            if "elderly_alone" in p["tags"] or "empty_nest" in p["tags"]:
                assert (NOW.date() - born).days / 365.25 >= 55
            if "left_behind_child" in p["tags"]:
                assert (NOW.date() - born).days / 365.25 < 18
        if "elderly_alone" in h["tags"]:
            assert len(people) == 1
        if h["building"] is not None:
            assert f"{h['building']} {h['unit']} {h['room']}" in h["address"]
    addresses = [(h["grid_id"], h["address"]) for h in households.values()]
    assert len(addresses) == len(set(addresses))


def test_proportions_look_like_a_real_grid(worker):
    households = worker["households"]
    n = len(households)
    kinds = Counter(h["kind"] for h in households)
    assert kinds["resident"] > 0.6 * n and 0 < kinds["shop"] < 0.1 * n
    tags = Counter(t for h in households for t in h["tags"])
    assert sum(1 for h in households if not h["tags"]) > 0.4 * n
    assert 0.05 * n < tags["elderly_alone"] < 0.11 * n
    for tag in ("low_income", "disabled", "key_attention"):
        assert 0.005 * n < tags[tag] < 0.06 * n, tag
    assert set(codes.TAGS) <= set(tags)
    outcomes = Counter(v["outcome"] for v in worker["visits"])
    assert outcomes["met"] > 0.7 * len(worker["visits"])
    assert set(outcomes) == set(codes.VISIT_OUTCOMES)
    reviews = Counter(v["review_status"] for v in worker["visits"])
    assert reviews["approved"] > 0.9 * len(worker["visits"])
    assert reviews["pending"] > 0 and reviews["returned"] > 0
    assert all(v["review_comment"] for v in worker["visits"] if v["review_status"] == "returned")
    mobiles = sum(1 for h in households if h["phone"] and not h["phone"].startswith("0"))
    assert mobiles > 0.8 * n


def test_visits_reference_their_household_and_people(dataset):
    households = {h["id"]: h for h in dataset["households"]}
    residents = {r["id"]: r for r in dataset["residents"]}
    users = {u["id"]: u for u in dataset["users"]}
    visited = Counter()
    for v in dataset["visits"]:
        home = households[v["household_id"]]
        visited[v["household_id"]] += 1
        assert v["visited_at"] <= NOW_TEXT
        worker = users[v["worker_id"]]
        assert worker["role"] == "worker" and home["grid_id"] in worker["grids"]
        for rid in v["people_met"]:
            assert residents[rid]["household_id"] == v["household_id"]
        if v["outcome"] == "met":
            assert v["people_met"]
            assert all(residents[rid]["present"] for rid in v["people_met"])
        if v["outcome"] in ("not_home", "refused"):
            assert v["people_met"] == []
        if v["review_status"] == "pending":
            assert v["reviewed_by"] is None and v["reviewed_at"] is None
        else:
            reviewer = users[v["reviewed_by"]]
            assert reviewer["role"] == "supervisor" and home["grid_id"] in reviewer["grids"]
            assert v["visited_at"] < v["reviewed_at"] <= NOW_TEXT
    # weekly households are visited more often than the others
    weekly = [visited[h] for h, row in households.items() if row["visit_interval_days"] == 7]
    default = [visited[h] for h, row in households.items() if row["visit_interval_days"] == 90]
    assert sum(weekly) / len(weekly) > 4 * sum(default) / len(default)


def test_issues_and_updates_walk_the_workflow(dataset):
    households = {h["id"]: h for h in dataset["households"]}
    users = {u["id"]: u for u in dataset["users"]}
    grids = {g["id"] for g in dataset["grids"]}
    issues = {i["id"]: i for i in dataset["issues"]}
    updates: dict[str, list[dict]] = defaultdict(list)
    for u in dataset["issue_updates"]:
        updates[u["issue_id"]].append(u)
    assert set(updates) <= set(issues)
    assert {i["status"] for i in issues.values()} == set(codes.ISSUE_STATUSES)
    for issue_id, issue in issues.items():
        assert issue["grid_id"] in grids
        if issue["household_id"]:
            assert households[issue["household_id"]]["grid_id"] == issue["grid_id"]
        if issue["subcategory"]:
            assert issue["subcategory"] in codes.ISSUE_SUBCATEGORIES[issue["category"]]
        if issue["external_ref"]:
            assert len(issue["external_ref"]) == 16 and issue["external_ref"].isdigit()
        current = "open"
        last = ""
        for u in sorted(updates[issue_id], key=lambda u: u["created_at"]):
            assert last < u["created_at"] <= NOW_TEXT
            last = u["created_at"]
            author = users[u["author_id"]]
            assert issue["grid_id"] in author["grids"]
            assert u["from_status"] == current
            assert u["comment"]
            if u["status"] is None:
                continue
            assert workflow.check_transition(current, u["status"], author["role"]) == u["status"]
            current = u["status"]
        assert current == issue["status"], issue_id


def test_demo_has_issues_in_every_status_in_every_grid(demo):
    statuses = Counter((i["grid_id"], i["status"]) for i in demo["issues"])
    for grid in demo["grids"]:
        for status in codes.ISSUE_STATUSES:
            assert statuses[grid["id"], status] >= 1
    assert 24 <= len(demo["issues"]) <= 80
    assert any(i["external_ref"] for i in demo["issues"])
    assert any(i["household_id"] for i in demo["issues"])
    assert any(u["status"] is None for u in demo["issue_updates"])


def test_a_custom_size_and_moment():
    now = dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC)
    size = DatasetSize(grids=2, households=60, residents=170, visits=400, issues=12)
    rows = _collect(generate(size, seed=1, now=now))
    counts = [len(rows[e]) for e in ("grids", "households", "residents", "visits", "issues")]
    assert counts == [2, 60, 170, 400, 12]
    limit = "2025-03-01T02:30:00Z"
    assert max(v["visited_at"] for v in rows["visits"]) <= limit
    assert max(v["reviewed_at"] or "" for v in rows["visits"]) <= limit
    assert max(u["created_at"] for u in rows["issue_updates"]) <= limit
    with pytest.raises(ValueError):
        next(generate(size, now=dt.datetime(2025, 3, 1)))
    with pytest.raises(ValueError):
        next(generate(DatasetSize(grids=1, households=10, residents=80, visits=0, issues=0)))


def test_the_city_set_streams():
    started = time.perf_counter()
    head = list(itertools.islice(generate("city"), 12_000))
    assert time.perf_counter() - started < 10
    kinds = Counter(entity for entity, _ in head)
    assert kinds["grids"] == SIZES["city"].grids
    assert kinds["users"] == SIZES["city"].grids + SIZES["city"].grids // 10
    assert kinds["households"] > 100  # the first grid arrives before the rest is made
    grid_ids = [row["id"] for entity, row in head if entity == "grids"]
    assert len(set(grid_ids)) == len(grid_ids)
