"""Helpers of the stateful sync test: realistic values, a flaky transport, and the views of
the client's and the server's databases that the invariants compare.

Nothing here fakes our own classes: the flaky transport is a ``requests`` adapter mounted on
the client's real HTTP session, and the databases are read with plain SQL.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import requests
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter
from sqlalchemy import Connection, select
from stdnum.cn import ric

from gridworker.store import schema as client_schema
from sync.protocol import codes
from sync.protocol.entities import ENTITIES, ENTITY_ORDER
from sync.protocol.values import format_time
from sync.protocol.wire import grid_digest
from sync.server import models as server_models

# -- realistic values ---------------------------------------------------------------------

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗"
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "秀英",
    "建国",
    "桂兰",
    "志强",
    "丽华",
    "海燕",
    "子涵",
    "浩然",
    "玉兰",
    "国庆",
]
COMPOUNDS = ["朐阳小区", "幸福里", "凤凰新城", "海宁花园", "民主路小区", "西门新村", "秦东门大街"]
NOTES = [
    "老人身体状况良好",
    "家中无人，已留联系卡",
    "反映楼道灯不亮",
    "子女在外地务工，独自居住",
    "已告知防汛注意事项",
    "低保材料已收齐",
    "需跟进医保报销问题",
    "租户已登记",
    "邻里关系融洽",
    "电动车在楼道充电，已劝离",
]
TITLES = [
    "68号楼下井盖破损",
    "西门路商户需要防汛沙袋",
    "楼道堆放杂物",
    "小区路灯不亮",
    "电动车违规充电",
    "雨水口堵塞积水",
    "邻里噪声纠纷",
    "独居老人需要送餐服务",
]
LOCATIONS = [
    "秦东门大街68号楼下",
    "西门路商铺前",
    "朐阳小区3号楼北侧",
    "幸福里东门",
    "凤凰新城广场",
]
COMMENTS = ["已联系物业", "已上报街道", "现场查看完毕", "已更换井盖", "已发放沙袋", "核实完毕"]

names = st.builds(lambda s, g: s + g, st.sampled_from(SURNAMES), st.sampled_from(GIVEN_NAMES))

addresses = st.builds(
    lambda c, b, u, r: f"海州区{c} {b}号楼 {u}单元 {r}室",
    st.sampled_from(COMPOUNDS),
    st.integers(1, 68),
    st.integers(1, 4),
    st.integers(101, 1802),
)

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# As typed: extra spaces, full-width digits (kept as typed; spaces are collapsed).
typed_addresses = st.one_of(
    addresses,
    addresses.map(lambda a: f"  {a.replace(' ', '   ')}\t"),
    addresses.map(lambda a: a.translate(_FULL_WIDTH)),
)

# Canonical values: equal values compare equal (the concurrent-edit check needs v1 != v2).
mobiles = st.builds(
    lambda prefix, n: f"{prefix}{n:08d}",
    st.sampled_from(["138", "139", "137", "135", "150", "158", "186", "188"]),
    st.integers(0, 10**8 - 1),
)
fixed_lines = st.builds(lambda n: f"0518-85{n:06d}", st.integers(0, 999_999))
phones = st.one_of(mobiles, fixed_lines)


def _spaced(phone: str) -> str:
    """How people type a mobile: ``138 0013 8000`` (the client normalises it)."""
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}" if "-" not in phone else phone


typed_phones = st.one_of(phones, phones.map(_spaced))


def _id_number(province: str, district: str, born: dt.date, seq: int) -> str:
    body = f"{province}{district}{born:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


id_numbers = st.builds(
    _id_number,
    st.sampled_from(["32", "11", "31", "44"]),
    st.sampled_from(["0705", "0706", "0102", "0104"]),  # 320705: 新浦区, merged into 海州区
    st.dates(dt.date(1930, 1, 1), dt.date(2015, 12, 31)),
    st.integers(1, 999),
)
dates = st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat)
birth_dates = st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31)).map(dt.date.isoformat)
notes = st.builds(lambda s, n: f"{s}（{n}）", st.sampled_from(NOTES), st.integers(1, 99))
tags = st.lists(st.sampled_from(list(codes.TAGS)), max_size=3, unique=True)
kinds = st.sampled_from(list(codes.HOUSEHOLD_KINDS))
genders = st.sampled_from(list(codes.GENDERS))
relations = st.sampled_from(list(codes.RELATIONS))
outcomes = st.sampled_from(list(codes.VISIT_OUTCOMES))
categories = st.sampled_from(list(codes.ISSUE_CATEGORIES))
priorities = st.sampled_from(list(codes.ISSUE_PRIORITIES))
statuses = st.sampled_from([None, *codes.ISSUE_STATUSES])
titles = st.builds(
    lambda t, n: f"{t}{n}",
    st.sampled_from(TITLES),
    st.sampled_from(["", "（复查）", "（再次反映）"]),
)
locations = st.sampled_from(LOCATIONS)
comments = st.builds(lambda s, n: f"{s}，编号{n}", st.sampled_from(COMMENTS), st.integers(1, 99))
external_refs = st.builds(lambda n: f"12345-2026-{n:06d}", st.integers(1, 999_999))
minutes_ago = st.integers(0, 60 * 24 * 60)


def past_time(minutes: int) -> str:
    return format_time(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes))


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def changes(optional: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=optional).filter(bool)


household_changes = changes(
    {
        "address": typed_addresses,
        "head_name": _optional(names),
        "phone": _optional(typed_phones),
        "kind": _optional(kinds),
        "tags": tags,
        "visit_interval_days": st.sampled_from([7, 30, 90]),
        "notes": _optional(notes),
    }
)
resident_changes = changes(
    {
        "name": names,
        "gender": _optional(genders),
        "id_number": _optional(id_numbers),
        "birth_date": _optional(birth_dates),
        "relation": _optional(relations),
        "phone": _optional(typed_phones),
        "tags": tags,
        "present": st.booleans(),
        "notes": _optional(notes),
    }
)
visit_changes = changes(
    {
        "outcome": outcomes,
        "notes": _optional(notes),
        "follow_up": st.booleans(),
        "visited_at": minutes_ago.map(past_time),
    }
)
issue_changes = changes(
    {
        "title": titles,
        "description": _optional(notes),
        "location": _optional(locations),
        "priority": priorities,
        "due_date": _optional(dates),
        "external_ref": _optional(external_refs),
    }
)

# Fields two laptops edit at the same time, with canonical values.
CONCURRENT_FIELDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "households": {"phone": phones, "head_name": names, "notes": notes, "kind": kinds},
    "residents": {"phone": phones, "notes": notes, "name": names, "present": st.booleans()},
    "visits": {"notes": notes, "outcome": outcomes, "follow_up": st.booleans()},
    "issues": {"description": notes, "title": titles, "location": locations},
}

# -- a flaky network ----------------------------------------------------------------------


class FlakyAdapter(HTTPAdapter):
    """Lets ``allow`` requests through, then the connection drops: before the request left
    (``lose_response=False``) or after the server answered (the answer is lost)."""

    def __init__(self, allow: int, lose_response: bool):
        super().__init__(max_retries=0)
        self.allow = allow
        self.lose_response = lose_response
        self.tripped = False

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if self.allow > 0:
            self.allow -= 1
            return super().send(request, *args, **kwargs)
        self.tripped = True
        if self.lose_response and not self._lost_once:
            self._lost_once = True
            response = super().send(request, *args, **kwargs)
            response.close()
            raise requests.ConnectionError("connection reset after the server answered")
        raise requests.ConnectionError("network unreachable")

    _lost_once = False


class BusyAdapter(HTTPAdapter):
    """Runs ``action`` when request number ``at`` of a sync leaves: the user edits, the admin
    moves a household or a colleague syncs while this sync is under way. Just before the
    request (``overlap=False``), or on another thread while the request is being served."""

    def __init__(self, at: int, action: Any, overlap: bool = False):
        super().__init__(max_retries=0)
        self.at = at
        self.action = action
        self.overlap = overlap
        self.sent = 0

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        action = None
        if self.sent == self.at and self.action is not None:
            action, self.action = self.action, None
        self.sent += 1
        if action is None:
            return super().send(request, *args, **kwargs)
        if not self.overlap:
            if threading.current_thread() is not threading.main_thread():
                # A pull request from the sync's fetcher thread: let the page before it be
                # applied first, so that the interleaving is the same on every replay.
                time.sleep(0.05)
            action()
            return super().send(request, *args, **kwargs)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                action()
            except BaseException as exc:  # re-raised on the sync's thread
                errors.append(exc)

        meanwhile = threading.Thread(target=run)
        meanwhile.start()
        try:
            return super().send(request, *args, **kwargs)
        finally:
            meanwhile.join(120)
            if errors:
                raise errors[0]


# -- reading both sides -------------------------------------------------------------------

COMPARED = ("version", "deleted", "updated_at", "updated_by")


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def entity_keys(entity: str) -> tuple[str, ...]:
    return ("id", *ENTITIES[entity].fields, "grid_id", *COMPARED)


def client_rows(conn: Connection, entity: str) -> dict[str, dict[str, Any]]:
    table = client_schema.ENTITY_TABLES[entity]
    keys = entity_keys(entity)
    return {
        r["id"]: {k: (bool(r[k]) if k == "deleted" else _plain(r[k])) for k in keys}
        for r in conn.execute(select(table)).mappings()
    }


def bookkeeping_left(conn: Connection, entity: str, theirs: dict[str, dict[str, Any]]) -> list[str]:
    """With nothing outstanding, a row keeps no base and is counted in its server grid."""
    table = client_schema.ENTITY_TABLES[entity]
    out = []
    for r in conn.execute(
        select(table.c.id, table.c.base, table.c.base_grid, table.c.base_deleted)
    ).mappings():
        server = theirs.get(r["id"])
        if server is None:
            continue  # an extra row: reported by the comparison
        if r["base"] is not None:
            out.append(f"{r['id']} keeps a base with nothing outstanding: {r['base']}")
        if (r["base_grid"], bool(r["base_deleted"])) != (server["grid_id"], server["deleted"]):
            out.append(
                f"{r['id']} counted as (grid {r['base_grid']}, deleted {r['base_deleted']}), "
                f"server row is (grid {server['grid_id']}, deleted {server['deleted']})"
            )
    return out


def server_rows(conn: Connection, entity: str, grids: set[str]) -> dict[str, dict[str, Any]]:
    table = server_models.ENTITY_TABLES[entity]
    keys = entity_keys(entity)
    return {
        r["id"]: {k: (bool(r[k]) if k == "deleted" else _plain(r[k])) for k in keys}
        for r in conn.execute(select(table).where(table.c.grid_id.in_(sorted(grids)))).mappings()
    }


def dump_tables(engine: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of every server table (the data sets here are small): a backup."""
    with engine.connect() as conn:
        return {
            t.name: [dict(r) for r in conn.execute(select(t)).mappings()]
            for t in server_models.Base.metadata.sorted_tables
        }


def restore_tables(engine: Any, backup: dict[str, list[dict[str, Any]]]) -> None:
    """Put the server's database back to a backup (in one transaction)."""
    tables = server_models.Base.metadata.sorted_tables
    with engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            if backup[table.name]:
                conn.execute(table.insert(), backup[table.name])


def server_recount(conn: Connection, grid_id: str) -> tuple[int, str]:
    """The checksum of a grid computed from the server's rows themselves."""
    rows: list[tuple[str, str, int]] = []
    for entity in ENTITY_ORDER:
        table = server_models.ENTITY_TABLES[entity]
        rows += [
            (entity, r.id, r.version)
            for r in conn.execute(
                select(table.c.id, table.c.version).where(
                    table.c.grid_id == grid_id, table.c.deleted.is_(False)
                )
            )
        ]
    return grid_digest(rows)


def server_orphans(conn: Connection) -> list[str]:
    """Live residents of deleted households on the server: there must be none, since deleting
    a household tombstones its residents, those created earlier in the same push included
    (PROTOCOL.md, "Push"), and a resident cannot be created under a deleted household."""
    residents = server_models.ENTITY_TABLES["residents"]
    households = server_models.ENTITY_TABLES["households"]
    query = (
        select(residents.c.id)
        .join(households, households.c.id == residents.c.household_id)
        .where(residents.c.deleted.is_(False), households.c.deleted.is_(True))
        .order_by(residents.c.id)
    )
    return list(conn.execute(query).scalars())


def diff_rows(
    mine: dict[str, dict[str, Any]],
    theirs: dict[str, dict[str, Any]],
    ignore: frozenset[str] = frozenset(),
) -> list[str]:
    """Human-readable differences between a client's rows and the server's (``ignore``:
    fields not compared when a row's version is the same on both sides)."""
    out = []
    for row_id in sorted(set(theirs) - set(mine)):
        row = theirs[row_id]
        out.append(f"missing {row_id} (server v{row['version']} deleted={row['deleted']})")
    for row_id in sorted(set(mine) - set(theirs)):
        row = mine[row_id]
        out.append(
            f"extra {row_id} (client v{row['version']} deleted={row['deleted']} "
            f"grid={row['grid_id']})"
        )
    for row_id in sorted(set(mine) & set(theirs)):
        a, b = mine[row_id], theirs[row_id]
        fields = [k for k in a if a[k] != b[k]]
        if a["version"] == b["version"]:
            fields = [k for k in fields if k not in ignore]
        if fields:
            shown = ", ".join(f"{k}: client={a[k]!r} server={b[k]!r}" for k in fields)
            out.append(f"differs {row_id}: {shown}")
    return out


def diff_keyed(kept: dict[str, dict[str, Any]], fresh: dict[str, dict[str, Any]]) -> list[str]:
    """Differences between a maintained derived table and the same rebuilt from scratch."""
    out = [f"has {k} that a rebuild drops" for k in sorted(set(kept) - set(fresh))]
    out += [f"lacks {k} that a rebuild makes" for k in sorted(set(fresh) - set(kept))]
    for k in sorted(set(kept) & set(fresh)):
        fields = {f: (kept[k][f], fresh[k][f]) for f in kept[k] if kept[k][f] != fresh[k][f]}
        if fields:
            out.append(f"{k}: {{field: (kept, rebuilt)}} = {fields}")
    return out
