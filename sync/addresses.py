"""Chinese addresses as keys: one flat written five ways is one key, and a matcher that says
how sure it is.

12345 work orders, ledgers and the households of the database write the same flat as
``连云港市海州区海州街道幸福社区秦东门大街６８幢二单元３０１室``, ``秦东门大街68号楼2单元301室``,
``秦东门大街 68栋 2单元 301户`` or ``秦东门大街68-2-301``. ``address_key`` reduces each to
``AddressKey(road, number, building, unit, room)``: width folded (NFKC), the district, street
and community prefixes dropped, Chinese numerals in house numbers made digits, 号楼/幢/栋/座 read
as the building, 单元 as the unit, 室/户 as the room. ``AddressIndex`` matches a key against the
households (their ``address``, ``building``, ``unit``, ``room``) and answers exact (one flat),
building (the building, not the flat), several or none. Qt-free, no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

EXACT, BUILDING, SEVERAL, NONE = "exact", "building", "several", "none"
SURENESS_LABELS = {
    EXACT: "精确匹配",
    BUILDING: "仅匹配到楼栋",
    SEVERAL: "匹配到多户",
    NONE: "未匹配",
}

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGIT.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
_NUMERAL = "零〇一二两三四五六七八九十百"
_MARKS = "号楼|号|幢|栋|座|楼|单元|室|户|层"
# A Chinese numeral where a house number is written: before a mark, or after 第.
_CHINESE_NUMBER = re.compile(rf"(?:(?<=第)[{_NUMERAL}]+|[{_NUMERAL}]+(?=(?:{_MARKS})))")
# Administrative prefixes: 省, 市 (not 市场), 区 (not 小区, 园区, 社区 handled on its own),
# 县, 街道, 镇, 乡, 社区, 居委会. Each a short run of non-digits.
_PREFIX = re.compile(
    r"^[^\d]{1,10}?(?:省|自治区|市(?!场)|(?<![小园校营])区(?!域)|县|街道|镇|乡|社区|居委会|村委会)"
)
_DASHED = re.compile(r"(\d+)-(\d+)-(\d+)")
_PUNCTUATION = re.compile(r"[\s\-_,，、.。·:：;；()（）\[\]【】#/]+")
_TOKEN = re.compile(r"(\d+)(号楼|号|幢|栋|座|楼|单元|室|户|层)?")


@dataclass(frozen=True)
class AddressKey:
    """The parts of an address a match compares; a part not written is None."""

    road: str
    number: int | None = None
    building: int | None = None
    unit: int | None = None
    room: int | None = None

    @property
    def flat(self) -> tuple[int | None, int | None, int | None]:
        return (self.building, self.unit, self.room)

    def text(self) -> str:
        """The key as a short address: 秦东门大街68号楼2单元301室."""
        out = self.road
        if self.number is not None:
            out += f"{self.number}号"
        if self.building is not None:
            out += f"{self.building}号楼"
        if self.unit is not None:
            out += f"{self.unit}单元"
        if self.room is not None:
            out += f"{self.room}室"
        return out


def chinese_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零三 → 103, 三零一 → 301 (digit by digit)."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_DIGIT[c]) for c in text))
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGIT[char]
    return total + current


def clean(text: str) -> str:
    """Width folded, Chinese house numbers as digits, the administrative prefixes dropped,
    dashes between three numbers read as building-unit-room, spaces and punctuation gone."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    text = re.sub(r"\s+", "", text)
    text = _CHINESE_NUMBER.sub(lambda m: str(chinese_number(m.group())), text)
    text = text.replace("第", "")
    text = _DASHED.sub(r"\1号楼\2单元\3室", text)
    text = _PUNCTUATION.sub("", text)
    while True:
        match = _PREFIX.match(text)
        # Keep a prefix that is the whole address, or that leaves no name before the numbers.
        if match is None or match.end() >= len(text) or text[match.end()].isdigit():
            break
        text = text[match.end() :]
    return text


def address_key(text: str | None, **parts: str | None) -> AddressKey:
    """The key of an address; ``building``, ``unit``, ``room`` (a household's own fields,
    e.g. 2号楼 / 1单元 / 301室) fill in what the address text leaves out."""
    body = clean(text or "")
    first = re.search(r"\d", body)
    road = body[: first.start()] if first else body
    found: dict[str, int] = {}
    pending: int | None = None  # a number with 号: the house number, or the building
    rest = body[first.start() :] if first else ""
    position = 0
    while position < len(rest):
        match = _TOKEN.match(rest, position)
        if match is None:
            break  # words after the numbers (a shop's name, 楼下): not part of the key
        number, mark = int(match.group(1)), match.group(2)
        position = match.end()
        if mark in ("号楼", "幢", "栋", "座", "楼"):
            if pending is not None:
                found.setdefault("number", pending)
                pending = None
            found.setdefault("building", number)
        elif mark == "号":
            if pending is not None:
                found.setdefault("number", pending)
            pending = number
        elif mark == "单元":
            if pending is not None:
                found.setdefault("building", pending)
                pending = None
            found.setdefault("unit", number)
        elif mark in ("室", "户"):
            if pending is not None:
                found.setdefault("building", pending)
                pending = None
            found.setdefault("room", number)
        elif mark == "层":
            continue
        else:  # a bare number: the room after a building or unit, else the house number
            if "building" in found or "unit" in found or pending is not None:
                if pending is not None and "building" not in found:
                    found["building"] = pending
                    pending = None
                found.setdefault("room", number)
            else:
                pending = number
    if pending is not None:
        found.setdefault("number", pending)
    for name in ("building", "unit", "room"):
        value = parts.get(name)
        if name not in found and value:
            digits = re.search(r"\d+", clean(value))
            if digits:
                found[name] = int(digits.group())
    return AddressKey(road, **found)


@dataclass(frozen=True)
class Match:
    """How an address matched: ``sureness`` one of exact, building, several, none; the
    household (exact only) and the candidates' ids; the grid when they all share one."""

    sureness: str
    household_id: str | None = None
    grid_id: str | None = None
    candidates: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return SURENESS_LABELS[self.sureness]


def _same_road(a: str, b: str) -> bool:
    """Roads agree when equal or one ends with the other (a prefix the other kept)."""
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 2 and longer.endswith(shorter)


@dataclass
class AddressIndex:
    """The households' keys, grouped by house number and building for quick matching."""

    households: dict[str, tuple[AddressKey, str]] = field(default_factory=dict)  # id -> key, grid
    # (house number, building) -> road -> household ids: a match compares a few roads only.
    _by_place: dict[tuple[int | None, int | None], dict[str, list[str]]] = field(
        default_factory=dict
    )

    @classmethod
    def of(cls, rows: Iterable[Mapping[str, Any]]) -> AddressIndex:
        """From household rows with ``id``, ``grid_id``, ``address`` and optionally
        ``building``, ``unit``, ``room``."""
        index = cls()
        for row in rows:
            key = address_key(
                row["address"],
                building=row.get("building"),
                unit=row.get("unit"),
                room=row.get("room"),
            )
            index.households[row["id"]] = (key, row["grid_id"])
            place = index._by_place.setdefault((key.number, key.building), {})
            place.setdefault(key.road, []).append(row["id"])
        return index

    def match(self, text: str | None) -> Match:
        key = address_key(text)
        if not key.road and key.number is None and key.building is None:
            return Match(NONE)
        roads = self._by_place.get((key.number, key.building), {})
        same_place = [
            hid for road, ids in roads.items() if _same_road(road, key.road) for hid in ids
        ]
        if not same_place:
            return Match(NONE)
        exact = [hid for hid in same_place if self.households[hid][0].flat == key.flat]
        if len(exact) == 1:
            return Match(EXACT, exact[0], self.households[exact[0]][1], (exact[0],))
        if len(exact) > 1:
            return Match(SEVERAL, None, self._grid(exact), tuple(sorted(exact)))
        if key.building is None and key.room is None and key.number is not None:
            # 西门路7号 against several flats at No. 7: which one is not said.
            return Match(SEVERAL, None, self._grid(same_place), tuple(sorted(same_place)))
        return Match(BUILDING, None, self._grid(same_place), tuple(sorted(same_place)))

    def _grid(self, ids: list[str]) -> str | None:
        grids = {self.households[hid][1] for hid in ids}
        return grids.pop() if len(grids) == 1 else None
