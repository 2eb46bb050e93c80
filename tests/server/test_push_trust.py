"""A push can be trusted (issue 9, points 1 to 4), on SQLite and PostgreSQL:

- scope is judged first: a mutation naming another grid's row is ``out_of_scope`` and reveals
  nothing of the row (no values, no "duplicate" for matching values, not even its grid);
- a push sees its own earlier mutations, as if each had been pushed alone;
- a non-reviewer's change of an approved visit puts it back to pending (PROTOCOL.md 1.1);
- no value a client can send wedges its device: bad text, deep nesting, huge numbers are
  rejected per mutation, consumed, and the rejections list stays small and readable.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import Text, cast, func, select

from sync.protocol.values import UNSAFE_TEXT_RE
from sync.protocol.wire import grid_digest, uuid7
from sync.server import admin
from sync.server.models import ENTITY_TABLES, Conflict, Rejection
from sync.server.safe_json import MAX_BYTES

from .harness import create, delete, household, issue, issue_update, resident, update, visit

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


# -- helpers ---------------------------------------------------------------------------------


def rows_of(device: Any, grid_id: str) -> dict[str, dict[str, Any]]:
    page = device.pull({grid_id: 0}, limit=5000)
    assert not page["has_more"]
    return {c["id"]: c["row"] for c in page["changes"] if c["op"] == "upsert"}


def listed(device: Any, path: str) -> Any:
    response = device.request("GET", path)
    assert response.status_code == 200, response.text
    return response


def statuses(results: list[dict[str, Any]]) -> list[str]:
    return [r["status"] for r in results]


def recount(engine: Any, grid_id: str) -> dict[str, Any]:
    live = []
    with engine.connect() as conn:
        for entity, table in ENTITY_TABLES.items():
            query = select(table.c.id, table.c.version).where(
                table.c.grid_id == grid_id, table.c.deleted.is_(False)
            )
            live += [(entity, r.id, r.version) for r in conn.execute(query)]
    count, digest = grid_digest(live)
    return {"count": count, "digest": digest}


def assert_checksum_is_a_recount(service: Any, device: Any, grid_id: str) -> None:
    page = device.pull({grid_id: 0}, limit=5000)
    assert page["checksums"][grid_id] == recount(service.engine, grid_id)


@pytest.fixture
def victim(supervisor, grid_b):
    """A household of grid B with a resident and a photo, pushed by the supervisor."""
    hb = household(grid_b, address="海州区东门路 8号楼 2单元 602室", phone=PHONE)
    person = resident(hb["id"], name="王秀英", id_number=ID_NUMBER, phone=PHONE)
    photo = b"\xff\xd8 the victim's photo"
    sha = hashlib.sha256(photo).hexdigest()
    put = supervisor.request("PUT", f"/attachments/{sha}", content=photo)
    assert put.status_code == 201
    att = create(
        "attachments",
        {"sha256": sha, "owner_entity": "residents", "owner_id": person["id"], "size": len(photo)},
    )
    assert statuses(supervisor.push(hb, person, att)) == ["applied"] * 3
    return {"household": hb, "resident": person, "attachment": att, "photo": photo, "sha": sha}


SECRETS = (ID_NUMBER, PHONE, "王秀英", "东门路", "grid-b")


def assert_nothing_of_the_victim(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def assert_refused_quietly(attacker: Any, response: Any, sent: dict[str, Any]) -> None:
    """``out_of_scope`` and not a word about the row, in the answer or in the lists (but for
    the attacker's own guess, which the rejection keeps as sent)."""
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == "out_of_scope", result
    assert result["version"] is None and result["conflicts"] == []
    assert_nothing_of_the_victim(response.text)
    (rejection,) = listed(attacker, "/rejections").json()["rejections"]
    assert rejection["grid_id"] is None
    assert rejection.pop("mutation") == {"seq": attacker.seq, **sent}
    assert_nothing_of_the_victim(json.dumps(rejection, ensure_ascii=False))
    conflicts = listed(attacker, "/conflicts?state=all")
    assert conflicts.json()["conflicts"] == []


def push_one_raw(device: Any, mutation: dict[str, Any]) -> Any:
    device.seq += 1
    return device.push_raw([{"seq": device.seq, **mutation}])


# -- 1. scope first --------------------------------------------------------------------------


def test_create_of_another_grids_row_with_other_values_changes_nothing(
    service, worker, supervisor, grid_b, victim
):
    person = victim["resident"]
    before = rows_of(supervisor, grid_b)
    forged = create(
        "residents",
        {"household_id": victim["household"]["id"], "name": "李四", "id_number": None},
        person["id"],
    )
    assert_refused_quietly(worker, push_one_raw(worker, forged), forged)
    assert rows_of(supervisor, grid_b) == before
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Conflict)).scalar_one() == 0


def test_create_of_another_grids_row_with_equal_values_is_not_a_duplicate(
    worker, supervisor, grid_b, victim
):
    person = victim["resident"]
    guess = create("residents", dict(person["values"]), person["id"])
    assert_refused_quietly(worker, push_one_raw(worker, guess), guess)
    wrong_guess = create(
        "residents", dict(person["values"], id_number="320706198001010014"), person["id"]
    )
    response = push_one_raw(worker, wrong_guess)
    assert response.json()["results"][0]["error"]["code"] == "out_of_scope"


@pytest.mark.parametrize("op", ["update", "delete"])
def test_update_or_delete_of_another_grids_row_is_out_of_scope(
    worker, supervisor, grid_b, victim, op
):
    person = victim["resident"]
    before = rows_of(supervisor, grid_b)
    if op == "update":
        mutation = update("residents", person["id"], name=("王秀英", "李四"))
    else:
        mutation = delete("residents", person["id"])
    assert_refused_quietly(worker, push_one_raw(worker, mutation), mutation)
    assert rows_of(supervisor, grid_b) == before


def test_attachment_rows_of_another_grid_are_out_of_scope(
    worker, supervisor, grid_a, grid_b, victim
):
    ha = household(grid_a)
    assert statuses(worker.push(ha)) == ["applied"]
    att = victim["attachment"]
    # The victim's attachment row again (equal values): not "duplicate".
    again = create("attachments", att["values"], att["id"])
    assert_refused_quietly(worker, push_one_raw(worker, again), again)
    # A new attachment row under the victim's resident.
    onto = create("attachments", dict(att["values"]))
    response = push_one_raw(worker, onto)
    assert response.json()["results"][0]["error"]["code"] == "out_of_scope"
    assert_nothing_of_the_victim(response.text)
    # The photo's bytes stay out of reach.
    got = worker.request("GET", f"/attachments/{victim['sha']}")
    assert got.status_code == 404 and victim["photo"] not in got.content
    assert supervisor.request("GET", f"/attachments/{victim['sha']}").content == victim["photo"]


def test_a_replay_does_not_tell_another_grids_row_version(worker, grid_a, victim):
    assert statuses(worker.push(household(grid_a))) == ["applied"]
    replay = {"seq": 1, **update("residents", victim["resident"]["id"], name=("x", "y"))}
    response = worker.push_raw([replay])
    assert response.json()["results"][0] == {
        "seq": 1,
        "status": "duplicate",
        "version": None,
        "conflicts": [],
        "error": None,
    }


def test_a_refused_change_of_a_moved_household_is_filed_under_its_new_grid(
    service, worker, supervisor, grid_a, grid_b
):
    ha = household(grid_a)
    assert statuses(worker.push(ha)) == ["applied"]
    admin.move_household(service.engine, service.settings, ha["id"], grid_b)
    result = worker.push_one(update("households", ha["id"], notes=(None, "离线时写的")))
    assert result["error"]["code"] == "out_of_scope"
    (mine,) = listed(worker, "/rejections").json()["rejections"]
    assert mine["grid_id"] == grid_b  # the author held the row: the move is no secret
    (theirs,) = listed(supervisor, f"/rejections?grid_id={grid_b}").json()["rejections"]
    assert theirs["row_id"] == ha["id"]


def test_a_rejection_never_names_a_grid_its_author_does_not_hold(
    worker, supervisor, grid_a, grid_b, victim
):
    hb = victim["household"]["id"]
    results = worker.push(
        resident(hb, name="张\x00三"),  # invalid, and under another grid's household
        household(grid_b),
        household(grid_b, phone="12345"),
    )
    codes = [r["error"]["code"] for r in results]
    assert codes == ["invalid_value", "out_of_scope", "invalid_phone"]
    rejections = listed(worker, "/rejections").json()["rejections"]
    assert [r["grid_id"] for r in rejections] == [None, None, None]
    assert_nothing_of_the_victim(json.dumps([r["grid_id"] for r in rejections]))


# -- 2. a push sees its own earlier mutations ------------------------------------------------


def test_deleting_a_household_tombstones_residents_created_earlier_in_the_push(
    service, worker, grid_a
):
    old = household(grid_a)
    old_resident = resident(old["id"], name="赵一")
    assert statuses(worker.push(old, old_resident)) == ["applied"] * 2
    new = household(grid_a, address="海州区幸福路 2号楼")
    mutations = [
        resident(old["id"], name="钱二", id_number=ID_NUMBER),
        new,
        resident(new["id"], name="孙三"),
        delete("households", old["id"]),
        delete("households", new["id"]),
    ]
    assert statuses(worker.push(*mutations)) == ["applied"] * 5
    rows = rows_of(worker, grid_a)
    for r in (old_resident, mutations[0], mutations[2]):
        assert rows[r["id"]]["deleted"] is True, r["values"]["name"]
    assert_checksum_is_a_recount(service, worker, grid_a)
    assert recount(service.engine, grid_a)["count"] == 0


def test_a_push_sees_its_own_earlier_creates_updates_and_deletes(service, worker, grid_a):
    hh = household(grid_a)
    gone = household(grid_a, address="海州区幸福路 9号")
    results = worker.push(
        hh,
        update("households", hh["id"], phone=(None, PHONE)),
        update("households", hh["id"], phone=(PHONE, "13800138000"), notes=(None, "改过两次")),
        gone,
        delete("households", gone["id"]),
        update("households", gone["id"], notes=(None, "删后再改")),
        delete("households", gone["id"]),
        create("households", dict(gone["values"])),  # the same household again, a new id
    )
    assert statuses(results) == [
        "applied",
        "applied",
        "applied",
        "applied",
        "applied",
        "conflict",
        "applied",
        "applied",
    ]
    assert results[5]["conflicts"][0]["field"] == "notes"
    assert results[6]["version"] == results[4]["version"]  # deleting a deleted row: no version
    rows = rows_of(worker, grid_a)
    assert (rows[hh["id"]]["phone"], rows[hh["id"]]["notes"]) == ("13800138000", "改过两次")
    assert rows[hh["id"]]["version"] == results[2]["version"]
    assert rows[gone["id"]]["deleted"] is True
    assert_checksum_is_a_recount(service, worker, grid_a)


def test_issue_transitions_in_one_push_follow_each_other(service, worker, supervisor, grid_a):
    it = issue(grid_a)
    results = worker.push(
        it,
        issue_update(it["id"], "in_progress", "open"),
        issue_update(it["id"], "resolved", "in_progress"),
        issue_update(it["id"], "in_progress", "resolved"),  # resolved -> in_progress: refused
    )
    assert statuses(results) == ["applied", "applied", "applied", "rejected"]
    assert results[3]["error"]["code"] == "invalid_transition"
    assert rows_of(worker, grid_a)[it["id"]]["status"] == "resolved"
    results = supervisor.push(
        issue_update(it["id"], "closed", "resolved"), issue_update(it["id"], "open", "closed")
    )
    assert statuses(results) == ["applied", "applied"]
    assert rows_of(worker, grid_a)[it["id"]]["status"] == "open"
    assert_checksum_is_a_recount(service, worker, grid_a)


def test_a_child_of_a_household_deleted_earlier_in_the_push_is_refused(worker, grid_a):
    hh = household(grid_a)
    results = worker.push(hh, delete("households", hh["id"]), resident(hh["id"]), visit(hh["id"]))
    assert statuses(results) == ["applied", "applied", "rejected", "rejected"]
    assert {r["error"]["code"] for r in results[2:]} == {"parent_deleted"}


@pytest.mark.parametrize("status", ["approved", "returned"])
def test_a_workers_change_of_a_reviewed_visit_puts_it_back_to_pending(
    worker, supervisor, grid_a, status
):
    hh = household(grid_a)
    vis = visit(hh["id"], notes="见到户主")
    assert statuses(worker.push(hh, vis)) == ["applied"] * 2
    review = update("visits", vis["id"], review_status=("pending", status))
    assert supervisor.push_one(review)["status"] == "applied"
    # The supervisor's own edit keeps the review.
    edit = supervisor.push_one(update("visits", vis["id"], follow_up=(None, True)))
    assert edit["status"] == "applied"
    assert rows_of(worker, grid_a)[vis["id"]]["review_status"] == status
    edit = worker.push_one(update("visits", vis["id"], notes=("见到户主", "见到户主和老伴")))
    assert edit["status"] == "applied"
    row = rows_of(worker, grid_a)[vis["id"]]
    assert row["review_status"] == "pending"
    assert row["reviewed_by"] == supervisor.user["id"]  # the last review is kept


def test_a_visit_approved_earlier_in_the_same_push_goes_back_to_pending(worker, supervisor, grid_a):
    hh = household(grid_a)
    vis = visit(hh["id"])
    assert statuses(worker.push(hh, vis)) == ["applied"] * 2
    supervisor.push_one(update("visits", vis["id"], review_status=("pending", "approved")))
    results = worker.push(
        update("visits", vis["id"], notes=(None, "补记")),
        update("visits", vis["id"], follow_up=(None, True)),
    )
    assert statuses(results) == ["applied", "applied"]
    assert rows_of(worker, grid_a)[vis["id"]]["review_status"] == "pending"


# -- 3. a device is never wedged -------------------------------------------------------------

SURROGATE = "\ud800"
NUL = "\x00"


def _deep(depth: int) -> Any:
    value: Any = "elderly_alone"
    for _ in range(depth):
        value = [value]
    return value


def _bad_cases(w: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    hh, vis = w["hh"], w["visit"]
    cases: list[tuple[str, dict[str, Any]]] = []
    for name, bad in (("surrogate", SURROGATE), ("nul", NUL), ("unit_separator", "\x1f")):
        # A unit separator is whitespace: single-line text, phones and ID numbers drop it.
        spaces = name == "unit_separator"
        cases += [
            *([] if spaces else [(f"{name}_in_a_value", resident(hh, name=f"张{bad}三"))]),
            (f"{name}_in_a_note", resident(hh, name="张三", notes=f"第一行\n{bad}第二行")),
            (f"{name}_in_a_new_value", update("households", hh, notes=(None, f"备{bad}注"))),
            (f"{name}_in_an_old_value", update("households", hh, notes=(f"备{bad}注", "备注"))),
            (f"{name}_in_a_tag", household(w["grid"], tags=[f"elderly{bad}"])),
            (f"{name}_in_people_met", visit(hh, people_met=[f"{bad}"])),
            (f"{name}_in_a_values_key", household(w["grid"], **{f"no{bad}tes": "x"})),
            (
                f"{name}_in_a_changes_key",
                update("households", hh, **{f"no{bad}tes": (None, "x")}),
            ),
            *([] if spaces else [(f"{name}_in_the_grid_id", household(f"grid-a{bad}"))]),
            (f"{name}_in_the_entity", dict(household(w["grid"]), entity=f"house{bad}holds")),
            (f"{name}_in_the_id", dict(household(w["grid"]), id=f"{uuid7()}{bad}")),
            (f"{name}_in_the_op", dict(household(w["grid"]), op=f"cre{bad}ate")),
            *(
                []
                if spaces
                else [
                    (f"{name}_in_a_phone", household(w["grid"], phone=f"1391234{bad}5678")),
                    (f"{name}_in_an_id_number", resident(hh, id_number=f"1101051949{bad}12310029")),
                ]
            ),
            (f"{name}_in_a_time", visit(hh, visited_at=f"2026-11-20T07:00:00{bad}Z")),
            (f"{name}_in_a_code", visit(hh, outcome=f"met{bad}")),
            (f"{name}_in_a_subcategory", issue(w["grid"], subcategory=f"sub{bad}")),
            (
                f"{name}_in_an_extra_change_key",
                {
                    "entity": "households",
                    "id": hh,
                    "op": "update",
                    "changes": {"phone": {"old": None, "new": "123", f"k{bad}": f"v{bad}"}},
                },
            ),
        ]
    cases += [
        ("tags_nested_600_deep", household(w["grid"], tags=_deep(600))),
        ("changes_nested_600_deep", update("households", hh, tags=([], _deep(600)))),
        ("values_nested_600_deep", dict(household(w["grid"]), values=_deep(600))),
        ("huge_int_interval", household(w["grid"], visit_interval_days=2**70)),
        (
            "huge_int_size",
            create(
                "attachments",
                {"sha256": "0" * 64, "owner_entity": "households", "owner_id": hh, "size": 2**64},
            ),
        ),
        ("huge_negative_int", update("households", hh, visit_interval_days=(None, -(2**65)))),
        ("float_for_an_int", household(w["grid"], visit_interval_days=7.0)),
        ("float_for_a_bool", resident(hh, present=1.5)),
        ("huge_int_version", household(w["grid"], version=2**80)),
        ("huge_int_id", dict(household(w["grid"]), id=2**80)),
        ("newline_after_a_uuid", dict(household(w["grid"]), id=f"{uuid7()}\n")),
        (
            "newline_after_a_sha",
            create(
                "attachments",
                {"sha256": "0" * 64 + "\n", "owner_entity": "households", "owner_id": hh},
            ),
        ),
        ("arabic_digits_in_an_id_number", resident(hh, id_number="١١٠١٠٥١٩٤٩١٢٣١٠٠٢٩")),
        (
            "owner_entity_a_list",
            create(
                "attachments", {"sha256": "0" * 64, "owner_entity": ["households"], "owner_id": hh}
            ),
        ),
        ("visit_review_of_a_list", update("visits", vis, notes=([1, [2, {"a": [3]}]], "x"))),
    ]
    return cases


@pytest.fixture
def world(worker, grid_a):
    hh = household(grid_a, notes="备注")
    vis = visit(hh["id"])
    assert statuses(worker.push(hh, vis)) == ["applied"] * 2
    return {"grid": grid_a, "hh": hh["id"], "visit": vis["id"]}


CASE_NAMES = [name for name, _ in _bad_cases({"hh": uuid7(), "visit": uuid7(), "grid": "g"})]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_a_bad_value_is_rejected_consumed_and_listed(service, worker, world, case):
    bad = dict(_bad_cases(world))[case]
    good = household(world["grid"], address="海州区幸福路 5号")
    seq = worker.seq
    # Lone surrogates must travel as JSON escapes: encode as ASCII.
    body = {
        "device_id": worker.device_id,
        "mutations": [{"seq": seq + 1, **bad}, {"seq": seq + 2, **good}],
    }
    response = worker.request(
        "POST",
        "/sync/push",
        content=json.dumps(body, ensure_ascii=True).encode(),
        headers={"Content-Type": "application/json"},
    )
    worker.seq += 2
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["status"] == "rejected", first
    assert first["error"]["code"] in {
        "invalid_value",
        "invalid_type",
        "invalid_code",
        "invalid_uuid",
        "invalid_phone",
        "invalid_id_number",
        "invalid_time",
        "invalid_op",
        "unknown_entity",
        "unknown_field",
        "field_not_writable",
    }, first
    assert second["status"] == "applied", second
    assert response.json()["last_seq"] == seq + 2
    # The next push works, and the lists answer, small.
    assert worker.push_one(household(world["grid"], address="海州区幸福路 6号"))["status"] == (
        "applied"
    )
    rejections = listed(worker, "/rejections")
    assert len(rejections.content) < 2 * MAX_BYTES
    (stored,) = [r for r in rejections.json()["rejections"] if r["seq"] == seq + 1]
    unsafe = [t for t in strings(stored) if UNSAFE_TEXT_RE.search(t)]
    assert unsafe == [], unsafe
    # What the database holds is safe too, whoever reads it next.
    kept = stored_rejection(service, worker, seq + 1)
    unsafe = [t for t in strings(kept) if UNSAFE_TEXT_RE.search(t)]
    assert unsafe == [], unsafe
    assert rows_of(worker, world["grid"])[world["hh"]]["notes"] == "备注"


@pytest.mark.parametrize(
    "content",
    [
        b'{"device_id": "x", "mutations": [{"seq": 1, "entity": "\xff"}]}',  # not UTF-8
        b'{"device_id": "x", "mutations": [{"seq": 1, "size": ' + b"9" * 5000 + b"}]}",
        b'{"device_id": "x", "mutations": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"device_id": "x", "mutations": [{"seq": 1, "size": NaN}]}',
    ],
    ids=["not_utf8", "int_of_5000_digits", "nested_100000_deep", "nan"],
)
def test_a_body_that_cannot_be_decoded_is_400(worker, grid_a, content):
    before = worker.pull({})["last_seq"]
    content = content.replace(b'"x"', json.dumps(worker.device_id).encode())
    response = worker.request(
        "POST", "/sync/push", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed_json"
    assert worker.pull({})["last_seq"] == before
    assert worker.push_one(household(grid_a))["status"] == "applied"


def test_a_surrogate_encoded_in_utf8_is_judged_per_mutation(service, worker, grid_a):
    """Python's JSON reader decodes a UTF-8-encoded surrogate (bytes ED A0 80) as a lone
    surrogate: the mutation holding it is rejected like one sent as an escape."""
    content = json.dumps(
        {"device_id": worker.device_id, "mutations": [{"seq": 1, **household(grid_a)}]}
    ).encode()
    content = content.replace(b"grid-a", b"grid-a\xed\xa0\x80", 1)
    response = worker.request(
        "POST", "/sync/push", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["error"]["code"] == "invalid_value"
    worker.seq = 1
    assert worker.push_one(household(grid_a))["status"] == "applied"
    kept = stored_rejection(service, worker, 1)
    assert [t for t in strings(kept) if UNSAFE_TEXT_RE.search(t)] == []


def stored_rejection(service: Any, device: Any, seq: int) -> dict[str, Any]:
    """The rejection's row as the database holds it, its mutation parsed from the stored text."""
    table = Rejection.__table__
    columns = [c for c in table.c if c.name != "mutation"]
    query = select(*columns, cast(table.c.mutation, Text).label("mutation")).where(
        table.c.device_id == device.device_id, table.c.seq == seq
    )
    with service.engine.connect() as conn:
        row = dict(conn.execute(query).mappings().one())
    row["mutation"] = json.loads(row["mutation"])
    row.pop("created_at")
    return row


def strings(value: Any) -> list[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in [k, *strings(v)]]
    if isinstance(value, list):
        return [t for v in value for t in strings(v)]
    return []


def test_canonical_values_never_keep_a_trailing_newline(worker, world):
    hh = household(world["grid"], phone="13912345678\n")
    att = create(
        "attachments",
        {"sha256": "ab" * 32 + "\n", "owner_entity": "households", "owner_id": world["hh"]},
    )
    results = worker.push(hh, att, issue(world["grid"], subcategory="drain\n"))
    assert statuses(results) == ["applied", "rejected", "rejected"]
    assert rows_of(worker, world["grid"])[hh["id"]]["phone"] == "13912345678"


# -- 4. rejections cannot be poisoned or bloated ---------------------------------------------


def test_huge_rejected_mutations_are_stored_small(service, worker, grid_a):
    big = 9 * 1024 * 1024
    shapes = [
        household(grid_a, notes="x" * big),  # one long string
        household(grid_a, tags=["rich_people"] * (big // 16)),  # a long list
        household(grid_a, **{f"field_{i:07d}": i for i in range(big // 24)}),  # many keys
    ]
    for mutation in shapes:
        result = worker.push_one(mutation)
        assert result["status"] == "rejected", result
    with service.engine.connect() as conn:
        stored = [
            json.dumps(m, ensure_ascii=False).encode()
            for m in conn.execute(select(Rejection.mutation)).scalars()
        ]
    assert len(stored) == len(shapes)
    assert all(len(s) <= MAX_BYTES for s in stored), [len(s) for s in stored]
    assert all(json.loads(s).get("truncated") is True for s in stored)
    response = listed(worker, "/rejections")
    assert len(response.content) < len(shapes) * (MAX_BYTES + 2048)
    # What is kept still says what was refused.
    kinds = {r["mutation"]["entity"] for r in response.json()["rejections"]}
    assert kinds == {"households"}


def test_a_small_rejected_mutation_is_stored_exactly(service, worker, grid_a):
    bad = household(grid_a, phone="12345", notes="记" * 4000)
    assert worker.push_one(bad)["status"] == "rejected"
    (stored,) = listed(worker, "/rejections").json()["rejections"]
    assert stored["mutation"] == {"seq": worker.seq, **bad}
