"""Search keys of households: found by address, names, phones and the names' pinyin.

张三 is found by ``zs`` (initials) and ``zhangsan`` (full pinyin), as well as by 张三 itself.
Keys are one lower-case text per household, matched with ``LIKE`` (see queries).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# Names are read a character at a time (with surname readings below), so pypinyin's phrase
# dictionaries (~55 MB and a slow import) are never needed.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

from pypinyin import lazy_pinyin
from sqlalchemy import Connection, delete, insert, select

from sync.protocol.values import SHANGHAI, fold_width, parse_time
from sync.protocol.workflow import (
    COUNTED_OUTCOMES,
    DEFAULT_INTERVAL_DAYS,
    KEY_TAGS,
    household_interval_days,
    residence,
)

from .schema import ENTITY_TABLES, SearchKey, SearchStale

SEPARATOR = "\x1f"  # never typed: a term cannot match across two keys


_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=65536)
def natural_key(text: str | None) -> str:
    """``3号楼 1001室`` sorts after ``3号楼 101室``: digit runs padded to compare as numbers."""
    return _DIGITS.sub(lambda m: m.group().zfill(10), text or "")


def due_on(last_visit: str | None, interval_days: int | None) -> str | None:
    """The local (Asia/Shanghai) date a household is due again; None: never visited, due now."""
    if last_visit is None:
        return None
    day = parse_time(last_visit).astimezone(SHANGHAI).date()
    return (day + dt.timedelta(days=interval_days or DEFAULT_INTERVAL_DAYS)).isoformat()


# Surnames read differently from the character's common reading (单 is shàn, not dān).
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "尉": "yu",
    "种": "chong",
    "秘": "bi",
    "召": "shao",
    "祭": "zhai",
    "繁": "po",
    "员": "yun",
    "眭": "sui",
    "阚": "kan",
}


@lru_cache(maxsize=16384)
def _char_pinyin(char: str) -> str:
    syllables = lazy_pinyin(char, errors="ignore")
    return syllables[0] if syllables else ""


@lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> str:
    """``zhangsan zs`` for 张三: full pinyin and initials, surname readings respected."""
    syllables = [
        SURNAME_READINGS.get(ch, "") if i == 0 and ch in SURNAME_READINGS else _char_pinyin(ch)
        for i, ch in enumerate(name)
    ]
    syllables = [s for s in syllables if s]
    if not syllables:
        return ""
    initials = "".join(s[0] for s in syllables)
    return f"{''.join(syllables)}{SEPARATOR}{initials}"


# What a search box may ask for: longer input is cut (a pasted page is no search term, and
# SQLite refuses LIKE patterns beyond 50,000 bytes and expressions deeper than 1,000).
MAX_QUERY_CHARS = 100
MAX_TERMS = 10


def clean_text(text: object, limit: int = MAX_QUERY_CHARS) -> str:
    """Any input as searchable text: at most ``limit`` characters, no lone surrogates (they
    cannot be encoded for SQLite), control characters (NUL, the keys' separator) as spaces."""
    if not isinstance(text, str):
        return ""
    text = text[: limit * 2]
    text = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch
        for ch in text
        if not "\ud800" <= ch <= "\udfff"
    )
    return fold_width(text)[:limit]


# How people write a flat: 5号楼602, 5栋602, 5幢602, 5#602, 5-1-602, 5-602 (building, unit,
# room). Keys carry the canonical forms of each address; a query's forms are folded the same.
_BUILDING = re.compile(r"(\d+)\s*(?:号楼|号|栋|幢|#|座)")
_UNIT = re.compile(r"(\d+)\s*单元")
_ROOM = re.compile(r"(\d+)\s*(?:室|号房)")
_DIGITS = re.compile(r"\d+")


def _number(text: str | None, pattern: re.Pattern[str]) -> str | None:
    if not text:
        return None
    found = pattern.search(text) or _DIGITS.fullmatch(text.strip())
    return str(int(found.group(1) if found.re is pattern else found.group(0))) if found else None


def address_forms(
    address: str | None,
    building: str | None = None,
    unit: str | None = None,
    room: str | None = None,
) -> list[str]:
    """Compact forms of a flat's address: ``5号楼602``, ``5-1-602``, ``5-602``, ``1单元602``."""
    text = fold_width(address or "")
    b = _number(building, _BUILDING) or _number(text, _BUILDING)
    u = _number(unit, _UNIT) or _number(text, _UNIT)
    r = _number(room, _ROOM) or _number(text, _ROOM)
    forms = ["".join(text.split())]
    if b and r:
        forms += [f"{b}号楼{r}", f"{b}-{r}"]
        if u:
            forms += [f"{b}-{u}-{r}", f"{b}号楼{u}单元{r}"]
    if u and r:
        forms.append(f"{u}单元{r}")
    return forms


def _fold_address_term(term: str) -> str:
    """5栋602室 → 5号楼602, 5#602 → 5号楼602 (the forms ``address_forms`` writes)."""
    term = re.sub(r"(\d+)(?:栋|幢|#|座|号楼)", r"\1号楼", term)
    return re.sub(r"(\d+)(?:室|号房)$", r"\1", term)


def normalise_query(text: object) -> list[str]:
    """Search terms: width-folded, lower-case, split on spaces; bounded, whatever the input."""
    terms: list[str] = []
    for raw in clean_text(text).lower().split():
        term = _fold_address_term(raw)
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def refresh_search_keys(conn: Connection, household_ids: Iterable[str]) -> None:
    ids = sorted(set(household_ids))
    if not ids:
        return
    households = ENTITY_TABLES["households"]
    residents = ENTITY_TABLES["residents"]
    visits = ENTITY_TABLES["visits"]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        parts: dict[str, list[str]] = {}
        listed: dict[str, Any] = {}
        for h in conn.execute(
            select(
                households.c.id,
                households.c.grid_id,
                households.c.address,
                households.c.head_name,
                households.c.phone,
                households.c.kind,
                households.c.tags,
                households.c.visit_interval_days,
                households.c.building,
                households.c.unit,
                households.c.room,
            ).where(households.c.id.in_(chunk), households.c.deleted.is_(False))
        ):
            keys = [*address_forms(h.address, h.building, h.unit, h.room), h.phone or ""]
            if h.head_name:
                keys += [h.head_name, pinyin_keys(h.head_name)]
            parts[h.id] = keys
            listed[h.id] = h
        # Each household's (household, time) index walked back to its newest counted visit
        # (usually the first row read): a MAX(...) GROUP BY read every visit of every
        # household of the chunk from the table, ~25 each (70 ms for 500 → 5 ms).
        newest = (
            select(visits.c.visited_at)
            .where(
                visits.c.household_id == households.c.id,
                visits.c.deleted.is_(False),
                visits.c.outcome.in_(COUNTED_OUTCOMES),
            )
            .order_by(visits.c.visited_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        last: dict[str, str] = {
            household_id: visited_at
            for household_id, visited_at in conn.execute(
                select(households.c.id, newest).where(households.c.id.in_(list(parts)))
            )
            if visited_at is not None
        }
        # Key tags of the people still living there make the household key (imported
        # ledgers tag the person); those who died or moved out no longer do.
        member_tags: dict[str, set[str]] = {}
        for r in conn.execute(
            select(
                residents.c.household_id,
                residents.c.name,
                residents.c.phone,
                residents.c.tags,
                residents.c.present,
                residents.c.notes,
            ).where(residents.c.household_id.in_(chunk), residents.c.deleted.is_(False))
        ):
            if r.household_id in parts:
                parts[r.household_id] += [r.name, pinyin_keys(r.name), r.phone or ""]
                if set(r.tags or ()) & KEY_TAGS and not residence(r.present, r.notes).gone:
                    member_tags.setdefault(r.household_id, set()).update(
                        t for t in r.tags if t in KEY_TAGS
                    )
        conn.execute(delete(SearchKey).where(SearchKey.household_id.in_(chunk)))
        rows = []
        for hid, keys in parts.items():
            h = listed[hid]
            own = list(h.tags or [])
            extra = sorted(member_tags.get(hid, set()) - set(own))
            interval = household_interval_days(h.visit_interval_days, own, extra)
            rows.append(
                {
                    "household_id": hid,
                    "grid_id": h.grid_id,
                    "address": h.address,
                    "address_order": natural_key(h.address),
                    "head_name": h.head_name,
                    "phone": h.phone,
                    "kind": h.kind,
                    # The household's tags, then its living residents' key tags.
                    "tags": " " + " ".join(own + extra) + " ",
                    "visit_interval_days": interval,
                    "keys": SEPARATOR.join(k for k in keys if k).lower(),
                    "last_visit": last.get(hid),
                    "due_on": due_on(last.get(hid), interval),
                }
            )
        if rows:
            conn.execute(insert(SearchKey), rows)


def mark_stale(conn: Connection, household_ids: Iterable[str]) -> None:
    """Note households whose keys must be rebuilt (cheap; a pull page calls it)."""
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), 500):
        conn.execute(
            insert(SearchStale).prefix_with("OR IGNORE"),
            [{"household_id": h} for h in ids[start : start + 500]],
        )


def refresh_stale(conn: Connection, limit: int | None = None) -> int:
    """Rebuild the keys of stale households (at most ``limit``); returns how many.

    With a limit, call it in one short transaction after another until it returns 0: a pull
    leaves thousands of households stale, and one transaction for all of them would make a
    visit saved meanwhile wait.
    """
    query = select(SearchStale.household_id)
    if limit is not None:
        query = query.limit(limit)
    ids = list(conn.execute(query).scalars())
    refresh_search_keys(conn, ids)
    if limit is None:
        conn.execute(delete(SearchStale))
    else:
        for start in range(0, len(ids), 500):
            conn.execute(
                delete(SearchStale).where(SearchStale.household_id.in_(ids[start : start + 500]))
            )
    return len(ids)


def refresh_at_commit(conn: Connection, household_ids: Iterable[str]) -> None:
    """Households a local write changed: their keys are rebuilt when its transaction ends
    (``Store.write``), only theirs, not those a running pull left stale."""
    ids = {h for h in household_ids if h}
    mark_stale(conn, ids)
    conn.info.setdefault("search_stale_ids", set()).update(ids)


def refresh_households(conn: Connection, household_ids: Iterable[str]) -> None:
    """Rebuild these households' keys now and take them off the stale list."""
    ids = sorted(set(household_ids))
    refresh_search_keys(conn, ids)
    for start in range(0, len(ids), 500):
        conn.execute(
            delete(SearchStale).where(SearchStale.household_id.in_(ids[start : start + 500]))
        )
