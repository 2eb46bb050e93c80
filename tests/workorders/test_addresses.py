"""Addresses written five ways normalise to one key; the matcher says how sure it is."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.addresses import BUILDING, EXACT, NONE, SEVERAL, AddressIndex, address_key, chinese_number

from .helpers import HOUSEHOLDS

ROADS = ("秦东门大街", "朐阳小区", "幸福路", "新浦市场", "西门路", "海宁东路")
PREFIXES = (
    "",
    "连云港市",
    "连云港市海州区",
    "海州区海州街道",
    "江苏省连云港市海州区海州街道幸福社区",
)
DIGITS = "零一二三四五六七八九"


def chinese(n: int) -> str:
    """1..199 the way people write it: 二十三, 一百零五."""
    if n < 10:
        return DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")
    rest = n - 100
    if rest == 0:
        return "一百"
    return "一百" + (
        "零" + DIGITS[rest] if rest < 10 else chinese(rest) if rest >= 20 else "一" + chinese(rest)
    )


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


def five_ways(road: str, prefix: str, building: int, unit: int, room: int) -> list[str]:
    return [
        f"{road}{building}号楼{unit}单元{room}室",
        f"{prefix}{road}{full_width(str(building))}幢{chinese(unit)}单元{full_width(str(room))}室",
        f"{prefix} {road} {building}栋 {unit}单元 {room}户",
        f"{road}{chinese(building)}座{unit}单元{room}",
        f"{prefix}{road}{building}-{unit}-{room}",
    ]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    road=st.sampled_from(ROADS),
    prefix=st.sampled_from(PREFIXES),
    building=st.integers(1, 199),
    unit=st.integers(1, 9),
    room=st.integers(101, 2899),
)
def test_five_ways_of_writing_one_flat_normalise_equal(road, prefix, building, unit, room):
    keys = {address_key(text) for text in five_ways(road, prefix, building, unit, room)}
    assert keys == {address_key(f"{road}{building}号楼{unit}单元{room}室")}
    (key,) = keys
    assert (key.road, key.building, key.unit, key.room) == (road, building, unit, room)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.integers(1, 199))
def test_chinese_numerals(n):
    assert chinese_number(chinese(n)) == n


def test_house_number_and_building_apart():
    key = address_key("秦东门大街68号3幢一单元十二室")
    assert (key.road, key.number, key.building, key.unit, key.room) == ("秦东门大街", 68, 3, 1, 12)
    shop = address_key("海州区 西门路 7号 百姓超市")
    assert (shop.road, shop.number, shop.building) == ("西门路", 7, None)
    # 小区 and 市场 are names, not a district or a city.
    assert address_key("朐阳小区2号楼").road == "朐阳小区"
    assert address_key("新浦市场3号").road == "新浦市场"


def test_matcher_says_how_sure():
    ids = {name: str(uuid.uuid5(uuid.NAMESPACE_DNS, name)) for name in HOUSEHOLDS}
    index = AddressIndex.of(
        {"id": ids[k], "grid_id": g, "address": a, "building": b, "unit": u, "room": r}
        for k, (g, a, b, u, r) in HOUSEHOLDS.items()
    )
    exact = index.match("连云港市海州区秦东门大街６８幢二单元３０１室")
    assert (exact.sureness, exact.household_id, exact.grid_id) == (EXACT, ids["qdm301"], "grid-a")
    # The household's own building/unit/room fields complete its address.
    assert index.match("幸福路3号楼1单元101室").household_id == ids["xf101"]
    building = index.match("秦东门大街68号楼")
    assert (building.sureness, building.grid_id, len(building.candidates)) == (
        BUILDING,
        "grid-a",
        2,
    )
    several = index.match("西门路7号")
    assert (several.sureness, several.household_id, len(several.candidates)) == (SEVERAL, None, 2)
    assert index.match("人民路100号").sureness == NONE
    assert index.match("").sureness == NONE
    assert index.match("秦东门大街68号楼2单元999室").sureness == BUILDING
