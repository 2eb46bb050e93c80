"""Chinese personal names, 身份证号 and phone numbers for generated people.

Surnames are weighted by their national frequency (per cent of the population, rounded from
the 2020 census lists), given names follow the fashions of the holder's birth decade.
"""

from __future__ import annotations

import datetime as dt
import random
from array import array

from stdnum.cn import ric

from .common import Weighted, words

_SURNAMES = """
王 7.1 李 7.0 张 6.8 刘 5.4 陈 4.5 杨 3.1 黄 2.2 赵 2.0 吴 1.8 周 1.7 徐 1.6 孙 1.5 马 1.3
朱 1.3 胡 1.2 郭 1.2 何 1.1 林 1.0 高 1.0 罗 0.9 郑 0.9 梁 0.8 谢 0.7 宋 0.6 唐 0.6 许 0.6
韩 0.6 冯 0.5 邓 0.5 曹 0.5 彭 0.5 曾 0.5 肖 0.5 田 0.4 董 0.4 袁 0.4 潘 0.4 于 0.4 蒋 0.4
蔡 0.4 余 0.4 杜 0.4 叶 0.4 程 0.4 苏 0.3 魏 0.3 吕 0.3 丁 0.3 任 0.3 沈 0.3 姚 0.3 卢 0.3
姜 0.3 崔 0.3 钟 0.3 谭 0.3 陆 0.3 汪 0.3 范 0.3 金 0.3 石 0.3 廖 0.3 贾 0.3 夏 0.3 韦 0.2
付 0.2 方 0.2 白 0.2 邹 0.2 孟 0.2 熊 0.2 秦 0.2 邱 0.2 江 0.2 尹 0.2 薛 0.2 闫 0.2 段 0.2
雷 0.2 侯 0.2 龙 0.2 史 0.2 陶 0.2 黎 0.2 贺 0.2 顾 0.2 毛 0.2 郝 0.2 龚 0.2 邵 0.2 万 0.2
钱 0.2 严 0.1 武 0.1 戴 0.1 莫 0.1 孔 0.1 向 0.1 汤 0.1 常 0.1 温 0.1 康 0.1 施 0.1 文 0.1
牛 0.1 樊 0.1 葛 0.1 邢 0.1 安 0.1 齐 0.1 易 0.1 乔 0.1 伍 0.1 庞 0.1 颜 0.1 倪 0.1 庄 0.1
聂 0.1 章 0.1 鲁 0.1 岳 0.1 翟 0.1 殷 0.1 申 0.1 耿 0.1 关 0.1 焦 0.1 俞 0.1 左 0.1 柳 0.1
祝 0.1 包 0.1 宁 0.1 尚 0.1 舒 0.1 季 0.1 梅 0.1 童 0.1 凌 0.1 毕 0.1 单 0.1 裴 0.1 霍 0.1
成 0.1 苗 0.1 谷 0.1 盛 0.1 曲 0.1 翁 0.1 骆 0.1 路 0.1 辛 0.1 管 0.1 柴 0.1 鲍 0.1 华 0.1
房 0.1 滕 0.1 解 0.1 时 0.1 穆 0.1 司 0.1 吉 0.1 缪 0.1 车 0.1 项 0.1 连 0.1 娄 0.1 戚 0.1
卜 0.05 席 0.05 卞 0.05 仲 0.05 惠 0.05 冀 0.05 郁 0.05 储 0.05 栾 0.05 厉 0.05 仇 0.05
欧阳 0.02 司马 0.01 诸葛 0.01 上官 0.01 皇甫 0.01 令狐 0.005
"""

SURNAMES = Weighted.of(
    [(w, float(p)) for w, p in zip(_SURNAMES.split()[::2], _SURNAMES.split()[1::2], strict=True)]
)

# Given names by birth era ("old" before 1960, "mid" 1960-79, "young" 1980-99, "kid" after).
_GIVEN = {  # "era gender": names
    "old male": "建国 国强 志强 德华 振华 建华 长林 宝山 玉林 广才 金山 国华 文华 德胜 树林 长海 "
    "庆华 永清 福林 振国 国庆 学文 守仁 秀山 玉山 春生 连生 德山 广明 兆明 洪亮 中华 德明 光明 "
    "桂林 殿臣 景山 万里 克勤 明 军 华 林 平 忠 福 贵 义",
    "old female": "秀英 桂英 秀兰 玉兰 桂兰 凤英 淑珍 玉珍 翠兰 秀珍 素芳 兰英 玉梅 桂芳 月英 "
    "秀云 玉英 桂珍 凤兰 素珍 秀芝 桂香 翠英 美兰 玉凤 金凤 春兰 秀梅 淑英 秀荣 玉华 桂芝 瑞英",
    "mid male": "建军 卫东 红兵 海涛 立新 志刚 永刚 建平 卫国 建新 红军 国平 东升 卫华 晓东 "
    "建明 海军 永生 爱国 向东 志勇 文斌 春雷 胜利 国栋 洪波 伟 勇 军 强 斌 刚 平 辉 涛 波 亮 杰",
    "mid female": "红 丽 敏 艳 霞 燕 芳 丽华 红梅 春燕 海燕 晓红 丽娟 秀梅 红霞 艳红 玉霞 "
    "春梅 美玲 丽萍 晓燕 爱华 卫红 小红 冬梅 雪梅 桂红 翠萍 月华 凤霞 海英",
    "young male": "磊 伟 涛 鹏 超 浩 杰 俊 亮 鑫 凯 飞 宇 晨 博 波 刚 俊杰 志伟 明辉 晓明 "
    "文博 海洋 建伟 家豪 子豪 宏伟 鹏飞 天宇 俊峰 冬冬 振宇 成龙 金龙 亚东 晓峰 志远 伟伟",
    "young female": "静 婷 娟 倩 颖 洁 琳 晶 佳 丹 玲 婷婷 晓燕 丽丽 倩倩 雪 慧 媛媛 佳佳 "
    "欣 莉 文静 晓丽 丹丹 莹莹 梦婷 思思 蕾 晓雪 亚楠 美琪 雅婷 露露",
    "kid male": "子轩 浩然 宇轩 梓豪 一鸣 子墨 俊熙 皓轩 睿 宇航 浩宇 梓睿 沐宸 奕辰 宇泽 "
    "思远 博文 铭 泽宇 昊然 锦程 子骞 晨阳 浩轩 瑞 嘉懿 沐阳 梓轩 俊宇 一航 承泽 宸 煜",
    "kid female": "子涵 欣怡 梓涵 诗涵 一诺 雨桐 可馨 梓萱 紫涵 思涵 语嫣 若汐 佳怡 欣妍 "
    "梦瑶 雨欣 悦 依诺 沐汐 芷若 安琪 雨萱 梓琪 思琪 晨曦 语桐 佳琪 诗雨 可欣 梓妍",
}
GIVEN = {tuple(key.split()): words(text) for key, text in _GIVEN.items()}

# Two-character names composed from common first and second characters, for variety.
_FIRST = {
    "male": "志建国海俊文明晓永家宏立振学世天卫德新金",
    "female": "秀玉桂丽晓春海美雪慧思雨佳欣梦红淑艳婉静",
}
_SECOND = {
    "male": "强伟华军平东明刚林杰峰涛辉斌龙成波宇鹏生",
    "female": "英兰芳梅华珍霞燕娟琴萍丽婷琳洁敏颖雯怡涵",
}


def era(birth_year: int) -> str:
    if birth_year < 1960:
        return "old"
    if birth_year < 1980:
        return "mid"
    if birth_year < 2000:
        return "young"
    return "kid"


def surname(rng: random.Random) -> str:
    return SURNAMES.pick(rng)


def given_name(rng: random.Random, gender: str, birth_year: int) -> str:
    if rng.random() < 0.3:
        return rng.choice(_FIRST[gender]) + rng.choice(_SECOND[gender])
    return rng.choice(GIVEN[era(birth_year), gender])


def full_name(rng: random.Random, gender: str, birth_year: int, family: str | None = None) -> str:
    return (family or surname(rng)) + given_name(rng, gender, birth_year)


# Mobile prefixes with rough market weights (all accepted by phonenumbers' CN metadata).
MOBILE_PREFIXES = Weighted.of(
    [(str(p), 3.0) for p in range(130, 140)]
    + [(str(p), 2.0) for p in (150, 151, 152, 153, 155, 156, 157, 158, 159)]
    + [(str(p), 2.5) for p in range(180, 190)]
    + [(str(p), 0.8) for p in (166, 173, 175, 176, 177, 178, 191, 198, 199)]
    + [("147", 0.3), ("145", 0.2)]
)


def mobile(rng: random.Random) -> str:
    return f"{MOBILE_PREFIXES.pick(rng)}{rng.randrange(100_000_000):08d}"


def landline(rng: random.Random) -> str:
    """A 连云港 fixed line (area code 0518, eight digits starting 8)."""
    return f"0518-8{rng.randrange(10_000_000):07d}"


# 身份证号 places of first registration. 连云港: 320703 连云区, 320705 新浦区 (merged into
# 海州区 in 2014, still on the cards of those registered there before), 320706 海州区,
# 320707 赣榆区, 320722 东海县, 320723 灌云县, 320724 灌南县.
LYG_CODES = ("320703", "320706", "320707", "320722", "320723", "320724")
XINPU = "320705"
ELSEWHERE = Weighted.of(
    [
        (c, 3.5)
        for c in words("320102 320106 320303 320311 320382 320803 320812 321302 321322 320902")
    ]
    + [(c, 2.5) for c in words("371302 371311 371321 371324 371102 370102 370202")]
    + [(c, 1.5) for c in words("410102 411302 411521 411622 410523")]
    + [(c, 1.5) for c in words("340102 341202 341321 340302 341221")]
    + [(c, 0.5) for c in words("110105 310115 330106 420102 510104 230102 210102 130102 360102")]
)


def region_code(rng: random.Random, home: str, birth_year: int, *, migrant: bool) -> str:
    """Where a person's number was first issued: mostly the grid's own district."""
    r = rng.random()
    local = 0.45 if migrant else 0.82
    if r < local:
        if home == "320706" and birth_year < 2012 and rng.random() < 0.22:
            return XINPU
        return home
    if r < local + 0.08:
        code = rng.choice(LYG_CODES)
        return XINPU if code == "320706" and birth_year < 2012 else code
    return ELSEWHERE.pick(rng)


class IdNumbers:
    """Issues 身份证号 that are unique across a whole data set in bounded memory.

    A number is region + birth date + a three-digit sequence whose last digit is odd for men
    and even for women. A per-(region, day, gender) counter walks the 500 sequences of that
    day in a scrambled order, so numbers never repeat and look random; the counters of a
    region stay in a compact array (about 240 KB per region used).
    """

    _BASE = 693_596  # date(1900, 1, 1).toordinal()
    _DAYS = 60_000  # birth dates up to 2064

    def __init__(self) -> None:
        self._used: dict[str, array[int]] = {}

    def issue(self, region: str, birth_ordinal: int, male: bool) -> str:
        """A new number; its birth date is ``birth_ordinal`` (or, if that day is full, later)."""
        counters = self._used.get(region)
        if counters is None:
            counters = self._used[region] = array("H", [0]) * (2 * self._DAYS)
        day = birth_ordinal - self._BASE
        slot = 2 * day + male
        count = counters[slot]
        if count >= 500:  # that day of that place is full: extremely rare, move a day on
            return self.issue(region, birth_ordinal + 1, male)
        counters[slot] = count + 1
        seq = (count * 193 + day * 7919 + int(region) * 31) % 500
        body = f"{region}{_date_digits(birth_ordinal)}{seq * 2 + male:03d}"
        return body + ric.calc_check_digit(body + "0")


_DATE_CACHE: dict[int, str] = {}


def _date_digits(ordinal: int) -> str:
    text = _DATE_CACHE.get(ordinal)
    if text is None:
        text = _DATE_CACHE[ordinal] = dt.date.fromordinal(ordinal).strftime("%Y%m%d")
    return text
