"""Districts, streets, communities and grids of 连云港, and the addresses inside a grid."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from .common import chinese_number, split_exact, words

# district, short id, 身份证 region code, share of the city's grids, streets and towns.
DISTRICTS = (
    (
        "海州区",
        "hz",
        "320706",
        0.38,
        "海州街道 幸福路街道 朐阳街道 洪门街道 宁海街道 浦东街道 浦西街道 新南街道 路南街道 新海街道 "
        "新浦街道 新东街道 花果山街道 郁洲街道 云台街道 南城街道",
    ),
    (
        "连云区",
        "ly",
        "320703",
        0.08,
        "墟沟街道 连云街道 板桥街道 中云街道 猴嘴街道 宿城街道 高公岛街道 连岛街道",
    ),
    (
        "赣榆区",
        "gy",
        "320707",
        0.18,
        "青口镇 赣马镇 海头镇 城头镇 柘汪镇 宋庄镇 墩尚镇 城西镇 沙河镇 班庄镇 厉庄镇 黑林镇 金山镇 塔山镇",
    ),
    (
        "东海县",
        "dh",
        "320722",
        0.15,
        "牛山街道 石榴街道 白塔埠镇 平明镇 温泉镇 桃林镇 驼峰乡 安峰镇 石湖乡 青湖镇",
    ),
    (
        "灌云县",
        "gu",
        "320723",
        0.11,
        "伊山镇 侍庄街道 杨集镇 燕尾港镇 同兴镇 四队镇 圩丰镇 龙苴镇 下车镇 图河镇",
    ),
    (
        "灌南县",
        "gn",
        "320724",
        0.10,
        "新安镇 堆沟港镇 田楼镇 北陈集镇 张店镇 三口镇 孟兴庄镇 汤沟镇 百禄镇 新集镇 李集镇",
    ),
)

# Local place names: communities and estates (小区) are named after them.
PLACES = words(
    "西门 朐阳 锦屏 孔望 白虎 鼓楼 盐河 新坝 双龙 海宁 凌州 苍梧 郁洲 新浦 朝阳 通灌 解放 建设 陇海 "
    "民主 海连 云台 蔷薇 玉带 龙河 巨龙 宁海 浦南 新海 南城 秦东门 古城 幸福 花果山 东盐河 大庆 "
    "虹桥 月牙岛 金港湾 凤凰 龙湖 钟鼓楼 朐山 望海 锦绣 青松 桃园 凤鸣 秀逸 福源"
)
_COMMUNITY_FIRST = "东西南北新中上前后和安康福兴永春文建金华"
_COMMUNITY_SECOND = "门苑园城关街湖山河坝庄桥港塘岭湾岗林营集"
ESTATE_SUFFIXES = (
    ("小区", 5.0),
    ("新村", 3.0),
    ("花园", 2.0),
    ("家园", 1.5),
    ("苑", 1.0),
    ("嘉园", 1.0),
    ("一村", 0.8),
    ("二村", 0.6),
    ("名都", 0.5),
    ("雅苑", 0.5),
    ("公寓", 0.5),
    ("华庭", 0.4),
)
ROADS = words(
    "海连路 解放路 朝阳路 通灌路 建设路 人民路 新浦路 陇海路 郁洲路 苍梧路 凌州路 瀛洲路 海宁路 "
    "巨龙路 新孔路 孔望山路 秦东门大街 西门路 古城路 朐阳路 白虎山路 锦屏路 盐河路 西大街 南门路 "
    "东门路 幸福路 民主路 双龙路 龙河路 云台山路 北固山路 东盐河路 花果山大道 郁林路 振兴路"
)
LANES = words(
    "鼓楼巷 白虎巷 双龙巷 北门巷 坝头巷 钟楼巷 石狮巷 三元巷 碧霞巷 大寺巷 小东巷 后营巷 前营巷 "
    "太平巷 仓头巷 井巷 西湖巷 学前巷 柴市巷 盐仓巷"
)


@dataclass(frozen=True)
class GridPlan:
    """One grid and what its addresses are made of."""

    index: int  # 0-based position in the data set
    id: str
    name: str
    community: str
    street: str
    district: str
    home_code: str  # the district's 身份证 region code
    estates: tuple[str, ...]
    roads: tuple[str, ...]
    lanes: tuple[str, ...]

    def row(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "community": self.community,
            "street": self.street,
            "district": self.district,
        }


def _initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


def _community_pool(rng: random.Random, first: str | None) -> list[str]:
    pool = [p for p in PLACES if len(p) == 2] + [
        a + b for a in _COMMUNITY_FIRST for b in _COMMUNITY_SECOND
    ]
    pool = sorted(set(pool))
    rng.shuffle(pool)
    if first is None:
        return pool
    pool.remove(first)
    return [first, *pool]


def _estate_names(rng: random.Random) -> list[str]:
    names = [p + s for p in PLACES for s, _ in ESTATE_SUFFIXES if len(p + s) <= 5]
    rng.shuffle(names)
    return names


def plan_grids(n: int, seed: int) -> list[GridPlan]:
    """``n`` grids spread over the city's districts, streets and communities."""
    rng = random.Random(f"{seed}:plan")
    shares = [d[3] for d in DISTRICTS] if n > 40 else [1.0] + [0.0] * (len(DISTRICTS) - 1)
    per_district = split_exact(n, shares)
    plans: list[GridPlan] = []
    for (district, short, code, _, streets_text), count in zip(
        DISTRICTS, per_district, strict=True
    ):
        if not count:
            continue
        streets = streets_text.split()
        # 海州区's old town 西门社区 comes first, as in the demo.
        pool = _community_pool(rng, "西门" if short == "hz" else None)
        taken: set[str] = set()
        chunk = max(12, math.ceil(count / len(streets)))
        remaining = count
        street_no = 0
        while remaining:
            street = streets[street_no % len(streets)]
            street_no += 1
            in_street = min(chunk, remaining)
            remaining -= in_street
            while in_street:
                size = min(in_street, rng.randint(5, 12))
                in_street -= size
                place = pool.pop(0) if pool else f"{street[:2]}{len(plans) + 1}"
                stem = _initials(place)
                slug, k = stem, 2
                while slug in taken:
                    slug, k = f"{stem}{k}", k + 1
                taken.add(slug)
                plans.extend(
                    _community(rng, len(plans), place, slug, street, district, short, code, size)
                )
    return plans


def _community(
    rng: random.Random,
    start: int,
    place: str,
    slug: str,
    street: str,
    district: str,
    short: str,
    code: str,
    size: int,
) -> list[GridPlan]:
    estates = _estate_names(rng)
    roads = list(ROADS)
    rng.shuffle(roads)
    lanes = list(LANES)
    rng.shuffle(lanes)
    out = []
    for k in range(size):
        out.append(
            GridPlan(
                index=start + k,
                id=f"{short}-{slug}-{k + 1:02d}",
                name=f"{place}网格{chinese_number(k + 1)}",
                community=f"{place}社区",
                street=street,
                district=district,
                home_code=code,
                estates=tuple(estates[8 * k : 8 * k + 8]),
                roads=tuple(roads[(3 * k) % len(roads) :][:3] or roads[:3]),
                lanes=tuple(lanes[(2 * k) % len(lanes) :][:2] or lanes[:2]),
            )
        )
    return out


def plan_demo() -> list[GridPlan]:
    """西门社区 of 海州街道: three grids along 西门路 and 秦东门大街 in the old town."""
    common = {
        "community": "西门社区",
        "street": "海州街道",
        "district": "海州区",
        "home_code": "320706",
    }
    return [
        GridPlan(
            0,
            "hz-xm-01",
            "西门网格一",
            estates=("朐阳小区", "西门新村", "鼓楼花园"),
            roads=("西门路", "解放路"),
            lanes=("鼓楼巷",),
            **common,
        ),
        GridPlan(
            1,
            "hz-xm-02",
            "西门网格二",
            estates=("秦东门小区", "古城家园", "白虎新村"),
            roads=("秦东门大街", "古城路"),
            lanes=("白虎巷", "三元巷"),
            **common,
        ),
        GridPlan(
            2,
            "hz-xm-03",
            "西门网格三",
            estates=("孔望山嘉园", "锦屏小区", "盐河一村"),
            roads=("朐阳路", "锦屏路"),
            lanes=("碧霞巷",),
            **common,
        ),
    ]


@dataclass(frozen=True)
class Address:
    text: str  # display text
    building: str | None
    unit: str | None
    room: str | None
    place: str  # estate or road, for issue locations
    near: str  # short location: "朐阳小区12号楼" or "西门路56号"


def apartments(rng: random.Random, grid: GridPlan, prefix: str, count: int) -> list[Address]:
    """``count`` flats of the grid's estates in ledger order, about nine in ten registered."""
    if count <= 0:
        return []
    names = list(grid.estates) or ["幸福小区"]
    used = max(1, min(len(names), round(count / 150)))
    shares = split_exact(count, [rng.uniform(0.6, 1.4) for _ in range(used)])
    flats: list[Address] = []
    for estate, share in zip(names, shares, strict=False):
        if rng.random() < 0.3:  # a high-rise estate
            units, floors, rooms = rng.randint(1, 2), rng.randint(11, 26), rng.randint(2, 4)
        else:  # six-storey blocks of the 1990s
            units, floors, rooms = rng.randint(2, 4), rng.choice((5, 6, 6, 6, 7)), 2
        per_building = units * floors * rooms
        buildings = math.ceil(share / 0.88 / per_building)
        slots = rng.sample(range(buildings * per_building), share)
        slots.sort()
        for slot in slots:
            b, rest = divmod(slot, per_building)
            u, rest = divmod(rest, floors * rooms)
            f, r = divmod(rest, rooms)
            bt, ut, rt = f"{b + 1}号楼", f"{u + 1}单元", f"{f + 1}{r + 1:02d}室"
            flats.append(
                Address(f"{prefix} {estate} {bt} {ut} {rt}", bt, ut, rt, estate, f"{estate}{bt}")
            )
    return flats


class Roadside:
    """House numbers along the grid's roads (shops, 平房) and lanes (平房)."""

    def __init__(self, rng: random.Random, grid: GridPlan, prefix: str) -> None:
        self._rng = rng
        self._prefix = prefix
        self._next = {name: rng.randint(1, 20) for name in (*grid.roads, *grid.lanes)}
        self.roads = grid.roads or ("幸福路",)
        self.lanes = grid.lanes or self.roads
        for name in self.roads:
            self._next.setdefault(name, 1)

    def take(self, street: str, shop: str | None = None) -> Address:
        number = self._next[street]
        self._next[street] = number + self._rng.choice((1, 2, 2, 3))
        near = f"{street}{number}号"
        text = f"{self._prefix} {street} {number}号" + (f" {shop}" if shop else "")
        return Address(text, None, None, None, street, near)
