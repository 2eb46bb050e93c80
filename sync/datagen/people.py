"""The households of a grid and the people living in them."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from ..protocol import codes, workflow
from . import names, texts
from .common import DAY, Weighted, uuid_at
from .places import Address, GridPlan, Roadside, apartments

KINDS = Weighted.of([("resident", 0.77), ("rental", 0.13), ("vacant", 0.05), ("shop", 0.05)])
TAG_ORDER = {tag: i for i, tag in enumerate(codes.TAGS)}
ELDERLY_ALONE_SHARE = 0.10  # of "resident" households: about 8% of all households

# Household templates by size: (weight, head age range, share of male heads, other members).
# Members: S spouse, C child, P parent, G grandchild, A absent child (the parent of
# grandchildren working elsewhere), O child's spouse, T tenant.
RESIDENT_TEMPLATES = {
    1: ((1.0, 22, 64, 0.55, ""),),
    2: ((0.45, 60, 88, 0.9, "S"), (0.30, 23, 59, 0.8, "S"), (0.25, 32, 75, 0.35, "C")),
    3: ((0.70, 26, 52, 0.75, "SC"), (0.13, 52, 76, 0.8, "SC"), (0.10, 30, 52, 0.75, "SP"),
        (0.07, 55, 72, 0.4, "GA")),
    4: ((0.55, 30, 52, 0.75, "SCC"), (0.20, 30, 52, 0.75, "SCP"), (0.10, 52, 72, 0.8, "SGA"),
        (0.15, 50, 70, 0.8, "SCG")),
    5: ((0.30, 30, 50, 0.75, "SCPP"), (0.30, 32, 52, 0.75, "SCCP"), (0.10, 52, 72, 0.8, "SGGA"),
        (0.30, 50, 70, 0.8, "SCOG")),
}
RENTAL_TEMPLATES = {
    1: ((1.0, 20, 55, 0.6, ""),),
    2: ((0.6, 22, 50, 0.7, "S"), (0.4, 20, 45, 0.6, "T")),
    3: ((0.6, 24, 45, 0.75, "SC"), (0.4, 20, 45, 0.7, "TT")),
    4: ((0.5, 26, 45, 0.75, "SCC"), (0.5, 20, 45, 0.8, "TTT")),
}
RESIDENT_SIZES = (0.12, 0.27, 0.30, 0.18, 0.13)
RENTAL_SIZES = (0.35, 0.30, 0.22, 0.13)
RELATIONS = {"S": "spouse", "C": "child", "P": "parent", "G": "grandchild", "A": "child", "O": "other", "T": "tenant"}


@dataclass(slots=True)
class Person:
    id: str
    relation: str
    gender: str
    age: int
    present: bool
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Household:
    """What visits and issues need to know of a generated household."""

    id: str
    kind: str
    tags: list[str]
    interval: int
    address: Address
    people: list[Person]


def _tilted(base: tuple[float, ...], mean: float) -> list[float]:
    """``base`` (over sizes 1..n) exponentially tilted to have ``mean``."""
    sizes = range(1, len(base) + 1)
    lo, hi = -8.0, 8.0
    for _ in range(60):
        theta = (lo + hi) / 2
        weights = [b * math.exp(theta * s) for b, s in zip(base, sizes, strict=True)]
        if sum(w * s for w, s in zip(weights, sizes, strict=True)) / sum(weights) < mean:
            lo = theta
        else:
            hi = theta
    return weights


def plan_sizes(rng: random.Random, kinds: list[str], total: int) -> list[tuple[int, bool]]:
    """(size, elderly alone) per household, sizes summing to exactly ``total`` residents."""
    alone = [k == "resident" and rng.random() < ELDERLY_ALONE_SHARE for k in kinds]
    fixed = sum(1 for k, a in zip(kinds, alone, strict=True) if a or k in ("vacant", "shop"))
    n_rental = kinds.count("rental")
    n_free = sum(1 for k, a in zip(kinds, alone, strict=True) if k == "resident" and not a)
    rental_mean = sum(p * s for s, p in enumerate(RENTAL_SIZES, 1))
    need = total - fixed - 0.4 * kinds.count("shop") - rental_mean * n_rental
    mean = min(4.8, max(1.05, need / n_free)) if n_free else 3.0
    res_weights = _tilted(RESIDENT_SIZES, mean)
    sizes: list[int] = []
    for kind, is_alone in zip(kinds, alone, strict=True):
        if is_alone or kind == "vacant":
            sizes.append(1)
        elif kind == "shop":
            sizes.append(1 if rng.random() < 0.6 else 2)
        elif kind == "rental":
            sizes.append(rng.choices((1, 2, 3, 4), RENTAL_SIZES)[0])
        else:
            sizes.append(rng.choices((1, 2, 3, 4, 5), res_weights)[0])
    diff = total - sum(sizes)
    flexible = [i for i, k in enumerate(kinds) if k in ("resident", "rental") and not alone[i]]
    if not flexible and diff:
        raise ValueError("no household can take the requested number of residents")
    attempts = 0
    while diff:
        attempts += 1
        if attempts > 100 * len(kinds) + 1000:
            raise ValueError("cannot place the requested number of residents in these households")
        i = rng.choice(flexible)
        top = 5 if kinds[i] == "resident" else 4
        step = 1 if diff > 0 else -1
        if 1 <= sizes[i] + step <= top:
            sizes[i] += step
            diff -= step
    return list(zip(sizes, alone, strict=True))


class People:
    """Makes one grid's households and residents as canonical rows."""

    def __init__(self, rng: random.Random, grid: GridPlan, now: int, ids: names.IdNumbers) -> None:
        self.rng = rng
        self.grid = grid
        self.now = now
        self.today = (now + 8 * 3600) // DAY + 719_163  # Shanghai date as an ordinal
        self.ids = ids

    def households(self, count: int, residents: int) -> tuple[list[dict], list[dict], list[Household]]:
        rng = self.rng
        prefix = f"{self.grid.district}{self.grid.street}"
        flats = apartments(rng, self.grid, prefix)
        roadside = Roadside(rng, self.grid, prefix)
        kinds = [KINDS.pick(rng) for _ in range(count)]
        plan = plan_sizes(rng, kinds, residents)
        household_rows: list[dict] = []
        resident_rows: list[dict] = []
        infos: list[Household] = []
        for kind, (size, alone) in zip(kinds, plan, strict=True):
            if kind == "shop":
                shop = self._shop_name(roadside.roads)
                address = roadside.take(rng.choice(roadside.roads), shop)
            elif rng.random() < 0.12:
                street = rng.choice(roadside.lanes if rng.random() < 0.7 else roadside.roads)
                address = roadside.take(street)
            else:
                address = next(flats)
            created = self.now - 1100 * DAY - rng.randrange(400 * DAY)
            hid = uuid_at(rng, created)
            members, tags = self._members(kind, size, alone)
            rows, people = self._residents(hid, kind, members, tags, created)
            head_row = rows[0]
            if kind == "rental":
                tags.append("rental")
            tags = sorted({*tags, *(t for p in people for t in p.tags)}, key=TAG_ORDER.__getitem__)
            interval = workflow.visit_interval_days(tags)
            household_rows.append(
                {
                    "id": hid,
                    "grid_id": self.grid.id,
                    "address": address.text,
                    "building": address.building,
                    "unit": address.unit,
                    "room": address.room,
                    "head_name": head_row["name"],
                    "phone": self._household_phone(head_row, rows),
                    "kind": kind,
                    "tags": tags,
                    "visit_interval_days": interval,
                    "notes": self._household_notes(kind, tags),
                }
            )
            resident_rows.extend(rows)
            infos.append(Household(hid, kind, tags, interval, address, people))
        return household_rows, resident_rows, infos

    def _shop_name(self, roads: tuple[str, ...]) -> str:
        rng = self.rng
        kind = rng.choice(texts.SHOP_KINDS)
        r = rng.random()
        if r < 0.4:
            return f"{names.surname(rng)}记{kind}"
        if r < 0.6:
            return f"{rng.choice(roads)[:2]}{kind}"
        return f"{rng.choice(texts.SHOP_WORDS)}{kind}"

    def _members(self, kind: str, size: int, alone: bool) -> tuple[list[list], list[str]]:
        """[relation code, gender, age, present] per member (head first) and household tags."""
        rng = self.rng
        tags: list[str] = []
        if alone:
            age = min(99, int(rng.triangular(65, 96, 78)))
            return [["H", "female" if rng.random() < 0.7 else "male", age, True]], ["elderly_alone"]
        if kind == "vacant":
            return [["H", "male" if rng.random() < 0.6 else "female", rng.randint(35, 78), False]], tags
        if kind == "shop":
            template = (1.0, 25, 60, 0.6, "S" if size == 2 else "")
        else:
            options = (RENTAL_TEMPLATES if kind == "rental" else RESIDENT_TEMPLATES)[size]
            template = rng.choices(options, [o[0] for o in options])[0]
        _, lo, hi, p_male, roles = template
        head_age = rng.randint(lo, hi)
        head_gender = "male" if rng.random() < p_male else "female"
        members: list[list] = [["H", head_gender, head_age, True]]
        child_age = None
        for role in roles:
            if role == "S":
                gap = rng.randint(-1, 4)
                members.append(["S", _other(head_gender), max(20, head_age - gap if head_gender == "male" else head_age + gap), True])
            elif role in "CA":
                floor = 20 if ("G" in roles or role == "A") else 0
                age = head_age - rng.randint(22, 34)
                age = max(age, floor) if age >= 0 or floor else rng.randint(0, 2)
                child_age = age
                gender = "male" if rng.random() < 0.52 else "female"
                present = role == "C" and not (18 <= age <= 24 and rng.random() < 0.4) and not (age > 24 and rng.random() < 0.08)
                members.append(["C" if role == "C" else "A", gender, age, present])
            elif role == "P":
                has_parent = any(m[0] == "P" for m in members)
                gender = _other(members[-1][1]) if has_parent else ("female" if rng.random() < 0.6 else "male")
                members.append(["P", gender, min(99, head_age + rng.randint(23, 33)), True])
            elif role == "G":
                base = child_age if child_age is not None else head_age - 28
                age = min(16, max(0, base - rng.randint(22, 32))) if base >= 22 else rng.randint(0, 12)
                members.append(["G", "male" if rng.random() < 0.52 else "female", age, True])
            elif role == "O":
                child = next(m for m in members if m[0] == "C")
                members.append(["O", _other(child[1]), max(20, child[2] + rng.randint(-3, 3)), True])
            elif role == "T":
                members.append(["T", "male" if rng.random() < 0.6 else "female", rng.randint(19, 50), True])
        if "A" in roles:
            tags.append("left_behind_child")
        elif roles == "S" and head_age >= 60 and rng.random() < 0.65:
            tags.append("empty_nest")
        return members, tags

    def _residents(
        self, hid: str, kind: str, members: list[list], household_tags: list[str], created: int
    ) -> tuple[list[dict], list[Person]]:
        rng = self.rng
        head_gender = members[0][1]
        family = names.surname(rng)
        head_surname = family if head_gender == "male" or not any(m[0] == "S" for m in members) else names.surname(rng)
        rows: list[dict] = []
        people: list[Person] = []
        low_income = kind == "resident" and rng.random() < (0.10 if len(members) == 1 else 0.025)
        for i, (role, gender, age, present) in enumerate(members):
            relation = "head" if role == "H" else RELATIONS[role]
            if role == "H":
                surname = head_surname
            elif role in "CGA" or (role == "S" and gender == "male") or (role == "P" and gender == "male" and head_gender == "male"):
                surname = family
            elif role == "P" and gender == "male":
                surname = head_surname
            else:
                surname = names.surname(rng)
            born = self.today - int(age * 365.25) - rng.randrange(365)
            born = min(born, self.today - 30)
            migrant = kind == "rental" or (kind == "shop" and rng.random() < 0.3)
            year = (born - 693_596) // 365 + 1900
            number = self.ids.issue(names.region_code(rng, self.grid.home_code, year, migrant=migrant), born, gender == "male")
            birth_date = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
            if role == "T" and rng.random() < 0.04:
                number = None  # a tenant who has not shown an ID card yet
            tags, notes = self._person_tags(role, gender, age, present, household_tags)
            if role == "H" and low_income:
                tags.append("low_income")
            tags.sort(key=TAG_ORDER.__getitem__)
            if not present and notes is None:
                notes = rng.choice(texts.ABSENT_NOTES if kind != "vacant" else texts.VACANT_NOTES)
            rid = uuid_at(rng, created + 60 * (i + 1))
            people.append(Person(rid, relation, gender, age, present, tags))
            rows.append(
                {
                    "id": rid,
                    "household_id": hid,
                    "name": surname + names.given_name(rng, gender, year),
                    "gender": gender,
                    "id_number": number,
                    "birth_date": birth_date,
                    "relation": relation,
                    "phone": self._person_phone(age),
                    "tags": tags,
                    "present": present,
                    "notes": notes,
                }
            )
        return rows, people

    def _person_tags(
        self, role: str, gender: str, age: int, present: bool, household: list[str]
    ) -> tuple[list[str], str | None]:
        rng = self.rng
        tags: list[str] = []
        notes = None
        if role == "H" and "elderly_alone" in household:
            tags.append("elderly_alone")
        if role in "HS" and "empty_nest" in household:
            tags.append("empty_nest")
        if role == "G" and "left_behind_child" in household:
            tags.append("left_behind_child")
        if age >= 25 and rng.random() < (0.10 if age >= 55 else 0.06):
            tags.append("party_member")
        if gender == "male" and age >= 38 and rng.random() < 0.03:
            tags.append("veteran")
        if rng.random() < 0.009 * (2 if age >= 60 else 1):
            tags.append("disabled")
            notes = rng.choice(texts.DISABILITY_NOTES)
        if 18 <= age <= 70 and role != "T" and rng.random() < 0.01:
            tags.append("key_attention")
            notes = rng.choice(texts.KEY_NOTES)
        if gender == "female" and 22 <= age <= 38 and role in "HS" and present and rng.random() < 0.03:
            tags.append("pregnant")
        if notes is None and age >= 65 and rng.random() < 0.15:
            notes = rng.choice(texts.HEALTH_NOTES)
        return tags, notes

    def _person_phone(self, age: int) -> str | None:
        r = self.rng.random()
        if age < 12 or (age < 18 and r < 0.6) or (age >= 70 and r < 0.35) or r < 0.04:
            return None
        return names.mobile(self.rng)

    def _household_phone(self, head: dict, rows: list[dict]) -> str | None:
        rng = self.rng
        r = rng.random()
        if r < 0.08:
            return names.landline(rng)
        if head["phone"] and r < 0.9:
            return head["phone"]
        other = next((row["phone"] for row in rows if row["phone"]), None)
        if other:
            return other
        return names.mobile(rng) if r < 0.97 else None  # a child's phone elsewhere, or none

    def _household_notes(self, kind: str, tags: list[str]) -> str | None:
        rng = self.rng
        if kind == "rental" and rng.random() < 0.7:
            return f"房东：{names.full_name(rng, 'male' if rng.random() < 0.6 else 'female', 1965)}，{names.mobile(rng)}"
        if kind == "shop" and rng.random() < 0.3:
            return rng.choice(("营业执照已办理", "门前三包责任书已签订", "个体工商户"))
        if "elderly_alone" in tags and rng.random() < 0.5:
            return rng.choice(texts.ALONE_NOTES)
        return None


def _other(gender: str) -> str:
    return "female" if gender == "male" else "male"
