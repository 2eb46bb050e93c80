"""The households of a grid and the people living in them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..protocol import codes, workflow
from . import families, names, texts
from .common import DAY, Row, Weighted, uuid_at
from .families import Member
from .places import Address, GridPlan, Roadside, apartments

KINDS = Weighted.of([("resident", 0.77), ("rental", 0.13), ("vacant", 0.05), ("shop", 0.05)])
TAG_ORDER = {tag: i for i, tag in enumerate(codes.TAGS)}


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


class People:
    """Makes one grid's households and residents as canonical rows."""

    def __init__(self, rng: random.Random, grid: GridPlan, now: int, ids: names.IdNumbers) -> None:
        self.rng = rng
        self.grid = grid
        self.now = now
        self.today = (now + 8 * 3600) // DAY + 719_163  # Shanghai date as an ordinal
        self.ids = ids

    def households(
        self, count: int, residents: int
    ) -> tuple[list[Row], list[Row], list[Household]]:
        rng = self.rng
        prefix = f"{self.grid.district}{self.grid.street}"
        roadside = Roadside(rng, self.grid, prefix)
        kinds = [KINDS.pick(rng) for _ in range(count)]
        plan = families.plan_sizes(rng, kinds, residents)
        # Shops stand on roads, about one household in eight lives in a bungalow (平房).
        on_road = [kind == "shop" or rng.random() < 0.12 for kind in kinds]
        flats = iter(apartments(rng, self.grid, prefix, on_road.count(False)))
        household_rows: list[Row] = []
        resident_rows: list[Row] = []
        infos: list[Household] = []
        for kind, (size, alone), road in zip(kinds, plan, on_road, strict=True):
            if kind == "shop":
                shop = self._shop_name(roadside.roads)
                address = roadside.take(rng.choice(roadside.roads), shop)
            elif road:
                street = rng.choice(roadside.lanes if rng.random() < 0.7 else roadside.roads)
                address = roadside.take(street)
            else:
                address = next(flats)
            created = self.now - 1100 * DAY - rng.randrange(400 * DAY)
            hid = uuid_at(rng, created)
            members, tags = families.members(rng, kind, size, alone)
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
                    "phone": self._household_phone(rows),
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

    def _residents(
        self, hid: str, kind: str, members: list[Member], household_tags: list[str], created: int
    ) -> tuple[list[Row], list[Person]]:
        rng = self.rng
        head_gender = members[0][1]
        family = names.surname(rng)
        head_surname = (
            family
            if head_gender == "male" or not any(m[0] == "S" for m in members)
            else names.surname(rng)
        )
        rows: list[Row] = []
        people: list[Person] = []
        low_income = kind == "resident" and rng.random() < (0.12 if len(members) == 1 else 0.035)
        for i, (role, gender, age, present) in enumerate(members):
            relation = "head" if role == "H" else families.RELATIONS[role]
            if role == "H":
                surname = head_surname
            elif (
                role in "CGA"
                or (role == "S" and gender == "male")
                or (role == "P" and gender == "male" and head_gender == "male")
            ):
                surname = family
            elif role == "P" and gender == "male":
                surname = head_surname
            else:
                surname = names.surname(rng)
            born = self.today - int(age * 365.25) - rng.randrange(365)
            born = min(born, self.today - 30)
            migrant = kind == "rental" or (kind == "shop" and rng.random() < 0.3)
            year = (born - 693_596) // 365 + 1900
            number: str | None = self.ids.issue(
                names.region_code(rng, self.grid.home_code, year, migrant=migrant),
                born,
                gender == "male",
            )
            birth_date = f"{number[6:10]}-{number[10:12]}-{number[12:14]}" if number else None
            if role == "T" and rng.random() < 0.04:
                number = None  # a tenant who has not shown an ID card yet
            tags, notes = self._person_tags(role, gender, age, present, household_tags)
            if role == "H" and low_income:
                tags.append("low_income")
            tags.sort(key=TAG_ORDER.__getitem__)
            if not present and notes is None:
                notes = rng.choice(
                    texts.VACANT_NOTES if kind == "vacant" else texts.ABSENT_NOTES[_life_stage(age)]
                )
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
        if 18 <= age <= 70 and role != "T" and rng.random() < 0.007:
            tags.append("key_attention")
            notes = rng.choice(texts.KEY_NOTES)
        if (
            gender == "female"
            and 22 <= age <= 38
            and role in "HS"
            and present
            and rng.random() < 0.03
        ):
            tags.append("pregnant")
        if notes is None and age >= 65 and rng.random() < 0.15:
            notes = rng.choice(texts.HEALTH_NOTES)
        return tags, notes

    def _person_phone(self, age: int) -> str | None:
        r = self.rng.random()
        if age < 12 or (age < 18 and r < 0.6) or (age >= 70 and r < 0.35) or r < 0.04:
            return None
        return names.mobile(self.rng)

    def _household_phone(self, rows: list[Row]) -> str | None:
        """Mostly the head's mobile (rows[0]), else another member's, a landline or a child's."""
        rng = self.rng
        r = rng.random()
        if r < 0.08:
            return names.landline(rng)
        phones: list[str] = [row["phone"] for row in rows if row["phone"]]
        if phones:
            return phones[0] if r < 0.9 or len(phones) == 1 else phones[1]
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


def _life_stage(age: int) -> str:
    return "student" if age < 25 else "working" if age < 60 else "old"
