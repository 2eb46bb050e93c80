"""A grid's visit history and its issues with their handling records."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from ..protocol import codes
from . import texts
from .common import DAY, Row, Weighted, format_time, pick, systematic_counts, uuid_at
from .people import Household
from .places import GridPlan

MAX_SPAN_DAYS = 1095  # visit history never reaches further back than three years
MIN_SPAN_DAYS = 14

OUTCOMES = Weighted.of([("met", 0.82), ("not_home", 0.11), ("phone", 0.05), ("refused", 0.02)])
VACANT_OUTCOMES = Weighted.of([("not_home", 0.55), ("phone", 0.45)])
SHOP_OUTCOMES = Weighted.of([("met", 0.95), ("not_home", 0.04), ("phone", 0.01)])
NOTE_KEYS = ("key_attention", "left_behind_child", "disabled", "low_income", "pregnant")
CATEGORIES = (
    ("facilities", 18),
    ("roads", 8),
    ("environment", 20),
    ("greenery", 6),
    ("housing", 7),
    ("safety_hazard", 10),
    ("flood", 5),
    ("dispute", 8),
    ("public_order", 4),
    ("livelihood", 12),
    ("other", 2),
)
STATUS_BY_AGE = (  # (younger than so many days, weights of open, in_progress, escalated, resolved, closed)
    (2, (0.6, 0.3, 0.05, 0.05, 0.0)),
    (14, (0.15, 0.35, 0.12, 0.23, 0.15)),
    (60, (0.04, 0.10, 0.06, 0.15, 0.65)),
    (10**9, (0.01, 0.02, 0.02, 0.05, 0.90)),
)
STATUSES = tuple(codes.ISSUE_STATUSES)
# Statuses an issue passes through after "open" to end in each status.
PATHS = {
    "open": (((), 0.9), (("resolved", "open"), 0.05), (("in_progress", "resolved", "open"), 0.05)),
    "in_progress": ((("in_progress",), 0.85), (("escalated", "in_progress"), 0.15)),
    "escalated": ((("escalated",), 0.8), (("in_progress", "escalated"), 0.2)),
    "resolved": (
        (("in_progress", "resolved"), 0.55),
        (("resolved",), 0.2),
        (("escalated", "resolved"), 0.1),
        (("escalated", "in_progress", "resolved"), 0.1),
        (("in_progress", "resolved", "open", "in_progress", "resolved"), 0.05),
    ),
}
SUPERVISOR_ONLY = frozenset({("resolved", "closed"), ("closed", "open")})


class Activity:
    """Visits and issues of one grid, as canonical rows."""

    def __init__(
        self,
        rng: random.Random,
        grid: GridPlan,
        now: int,
        worker_id: str,
        supervisor_id: str,
        households: list[Household],
    ) -> None:
        self.rng = rng
        self.grid = grid
        self.now = now
        self.midnight = (now + 8 * 3600) // DAY * DAY - 8 * 3600  # today 00:00 in Shanghai
        self.today = (now + 8 * 3600) // DAY + 719_163
        self.worker = worker_id
        self.supervisor = supervisor_id
        self.households = households
        self.span = 180.0

    # -- visits ---------------------------------------------------------------------------

    def visits(self, total: int) -> list[Row]:
        """Exactly ``total`` visits, each household visited about every interval."""
        rng = self.rng
        homes = self.households
        rates = [
            rng.uniform(0.8, 1.3) / h.interval * (0.6 if h.kind == "vacant" else 1.0) for h in homes
        ]
        if total and homes:
            self.span = min(MAX_SPAN_DAYS, max(MIN_SPAN_DAYS, total / sum(rates)))
        counts = systematic_counts(rng, rates, total) if homes else []
        moments: list[tuple[int, int]] = []
        for index, k in enumerate(counts):
            spacing = self.span / k if k else 0
            for j in range(k):
                days_ago = self.span - (j + 0.5 + rng.uniform(-0.35, 0.35)) * spacing
                moments.append((self._moment(max(0.0, days_ago)), index))
        moments.sort()
        return [self._visit(ts, homes[i]) for ts, i in moments]

    def _moment(self, days_ago: float) -> int:
        """A working-hours time on the day ``days_ago`` before now, never after now."""
        rng = self.rng
        day = int(days_ago)
        weekday = (self.today - day - 1) % 7  # date.weekday() of that day: 5 Sat, 6 Sun
        if (weekday == 6 and rng.random() < 0.85) or (weekday == 5 and rng.random() < 0.6):
            day += weekday - 4 + rng.randrange(5)  # few visits at weekends: a weekday before
        r = rng.random()
        if r < 0.45:
            tod = 30_600 + rng.randrange(10_800)  # 08:30-11:30
        elif r < 0.9:
            tod = 50_400 + rng.randrange(12_600)  # 14:00-17:30
        else:
            tod = 66_600 + rng.randrange(5_400)  # 18:30-20:00, families home from work
        ts = self.midnight - day * DAY + tod
        while ts >= self.now:
            ts -= DAY
        return ts

    def _visit(self, ts: int, home: Household) -> Row:
        rng = self.rng
        if home.kind == "vacant":
            outcome = VACANT_OUTCOMES.pick(rng)
        elif home.kind == "shop":
            outcome = SHOP_OUTCOMES.pick(rng)
        else:
            outcome = OUTCOMES.pick(rng)
        present = [p for p in home.people if p.present]
        if outcome == "met" and not present:
            outcome = "phone"
        met: list[str] = []
        follow_up = False
        if outcome == "met":
            n = min(len(present), rng.choices((1, 2, 3), (0.55, 0.35, 0.10))[0])
            met = [p.id for p in rng.sample(present, n)]
            note = self._met_note(home, ts)
        elif outcome == "phone":
            met = [home.people[0].id]
            note = (
                texts.VISIT_PHONE[2] if home.kind == "vacant" else rng.choice(texts.VISIT_PHONE[:2])
            )
        elif outcome == "not_home":
            note = rng.choice(texts.VISIT_NOT_HOME)
        else:
            note = rng.choice(texts.VISIT_REFUSED)
        if outcome in ("met", "phone") and home.kind != "vacant" and rng.random() < 0.05:
            follow_up = True
            note = rng.choice(texts.VISIT_FOLLOW_UP)
        status, comment, reviewer, reviewed_at = "pending", None, None, None
        review = self._office(ts + 1800 + int(rng.expovariate(1 / (2.5 * DAY))))
        if review < self.now:
            r = rng.random()
            if r < 0.025:
                status, comment = "returned", rng.choice(texts.REVIEW_RETURNED)
            elif r < 0.035 and self.now - ts < 30 * DAY:
                review = 0  # not reached in the review queue yet
            else:
                status = "approved"
            if review:
                reviewer, reviewed_at = self.supervisor, format_time(review)
        return {
            "id": uuid_at(rng, ts),
            "household_id": home.id,
            "visited_at": format_time(ts),
            "outcome": outcome,
            "worker_id": self.worker,
            "people_met": met,
            "notes": note,
            "follow_up": follow_up,
            "review_status": status,
            "review_comment": comment,
            "reviewed_by": reviewer,
            "reviewed_at": reviewed_at,
        }

    def _met_note(self, home: Household, ts: int) -> str:
        rng = self.rng
        key = None
        if home.kind == "shop":
            key = "shop"
        elif rng.random() < 0.65:
            key = next((t for t in NOTE_KEYS if t in home.tags), None)
            if key is None and (
                "elderly_alone" in home.tags
                or "empty_nest" in home.tags
                or any(p.age >= 70 for p in home.people)
            ):
                key = "elderly"
            if key is None and home.kind == "rental":
                key = "rental"
        note = rng.choice(texts.VISIT_MET[key])
        if rng.random() < 0.25:
            month = dt.datetime.fromtimestamp(ts + 8 * 3600, dt.UTC).month
            tips = next(v for k, v in texts.SEASONAL.items() if month in k)
            note = f"{note}；{rng.choice(tips)}"
        return note

    def _office(self, ts: int) -> int:
        """``ts``, or if outside 08:30-17:30 Shanghai, a moment early the next working morning."""
        local = (ts + 8 * 3600) % DAY
        if 30_600 <= local <= 63_000:
            return ts
        start = ts - local + 30_600 + self.rng.randrange(7_200)
        return start if local < 30_600 else start + DAY

    # -- issues ---------------------------------------------------------------------------

    def issues(self, total: int) -> tuple[list[Row], list[Row]]:
        """Exactly ``total`` issues over the visit history, with their handling records."""
        rng = self.rng
        span = int(self.span * DAY)
        created = sorted(
            min(self.now - 600, self._office(self.now - 600 - rng.randrange(max(1, span - 600))))
            for _ in range(total)
        )
        statuses = [self._status((self.now - c) / DAY) for c in created]
        if total >= len(STATUSES):  # every status shows up in every grid
            for status in STATUSES:
                if status not in statuses:
                    seen = Counter(statuses)
                    spare = [i for i, s in enumerate(statuses) if seen[s] > 1]
                    statuses[rng.choice(spare)] = status
        flats = [h for h in self.households if h.address.building]
        houses = [h for h in self.households if not h.address.building]
        issue_rows: list[Row] = []
        update_rows: list[Row] = []
        for ts, status in zip(created, statuses, strict=True):
            row = self._issue(ts, status, flats, houses)
            issue_rows.append(row)
            update_rows.extend(self._updates(row, ts))
        update_rows.sort(key=lambda u: u["created_at"])
        return issue_rows, update_rows

    def _status(self, age_days: float) -> str:
        weights = next(w for limit, w in STATUS_BY_AGE if age_days < limit)
        return self.rng.choices(STATUSES, weights)[0]

    def _issue(self, ts: int, status: str, flats: list[Household], houses: list[Household]) -> Row:
        rng = self.rng
        month = dt.datetime.fromtimestamp(ts + 8 * 3600, dt.UTC).month
        flood_season = 6 <= month <= 9
        category = pick(
            rng,
            [(c, w * (4 if flood_season else 0.3) if c == "flood" else w) for c, w in CATEGORIES],
        )
        subs = list(codes.ISSUE_SUBCATEGORIES[category])
        sub = rng.choice(subs) if subs else None
        template = rng.choice(texts.ISSUE_TITLES[category, sub])
        roads = self.grid.roads or ("幸福路",)
        road = rng.choice(roads)
        others = [r for r in (*roads, *self.grid.lanes) if r != road] or [road]
        home = None
        values = {"road": road, "road2": rng.choice(others)}
        if "{b}" in template and flats:
            home = rng.choice(flats)
            a = home.address
            values.update(
                estate=a.place, b=(a.building or "")[:-2], u=a.unit or "", room=a.room or ""
            )
            location = a.near
        elif "{street}" in template and houses:
            home = rng.choice(houses)
            a = home.address
            values.update(street=a.place, no=a.near[len(a.place) : -1])
            location = a.near
        else:
            estate = rng.choice(self.grid.estates or ("幸福小区",))
            values.update(estate=estate, b=str(rng.randint(1, 30)), u="1单元", room="101室")
            values.update(street=road, no=str(rng.randint(1, 120)))
            location = estate if "{estate}" in template else road
            if "{road2}" in template:
                location = f"{road}与{values['road2']}交叉口"
        title = template.format(**values)
        linked = home is not None and sub in texts.HOUSEHOLD_SUBCATEGORIES and rng.random() < 0.8
        urgent = rng.random() < (0.3 if category in ("safety_hazard", "flood") else 0.07)
        day = dt.date.fromordinal((ts + 8 * 3600) // DAY + 719_163)
        due = day + dt.timedelta(days=rng.choice((1, 2, 3) if urgent else (7, 7, 15, 15, 30)))
        external = None
        reporter = rng.choice(texts.REPORTERS)
        if rng.random() < 0.15:
            external = f"{day:%Y%m%d}{rng.randrange(100_000_000):08d}"
            reporter = "12345热线转办："
        detail = rng.choice(texts.ISSUE_DETAILS[category])
        r = rng.random()
        assignee = self.worker if r < 0.8 else self.supervisor if r < 0.88 else None
        return {
            "id": uuid_at(rng, ts),
            "grid_id": self.grid.id,
            "title": title,
            "category": category,
            "household_id": home.id if linked and home else None,
            "subcategory": sub,
            "description": f"{reporter}{title}（{location}）。{detail}",
            "location": location,
            "priority": "urgent" if urgent else "normal",
            "status": status,
            "due_date": due.isoformat(),
            "assignee_id": assignee,
            "external_ref": external,
        }

    def _updates(self, issue: Row, created: int) -> list[Row]:
        """Handling records that walk the workflow from ``open`` to the issue's status."""
        rng = self.rng
        final = issue["status"]
        if final == "closed":
            steps = [*pick(rng, PATHS["resolved"]), "closed"]
            if rng.random() < 0.03:
                steps += ["open", "in_progress", "resolved", "closed"]
        else:
            steps = list(pick(rng, PATHS[final]))
        records: list[tuple[str, str | None]] = []  # (from, to or None for a comment)
        current = "open"
        if not steps and rng.random() < 0.3:
            records.append((current, None))
        for step in steps:
            records.append((current, step))
            current = step
            if rng.random() < 0.2 and step != final:
                records.append((current, None))
        if not records:
            return []
        age = self.now - created
        if final in ("resolved", "closed"):
            span = min(int(age * 0.95), int(rng.expovariate(1 / (6 * DAY))) + 3600)
        else:
            span = int(age * rng.uniform(0.3, 0.95))
        # Issues are at least ten minutes old, so there is always room for distinct seconds.
        span = min(max(span, 60 * (len(records) + 2)), age - 1)
        raw = sorted(created + offset for offset in rng.sample(range(60, span), len(records)))
        times = sorted(self._office(t) for t in raw)
        for i in range(1, len(times)):
            times[i] = max(times[i], times[i - 1] + 1)
        if times[-1] >= self.now:
            times = raw  # too close to now to wait for office hours
        out = []
        for (before, after), ts in zip(records, times, strict=True):
            supervisor_turn = (
                (before, after) in SUPERVISOR_ONLY
                or (after is None and rng.random() < 0.3)
                or ((before, after) == ("escalated", "in_progress") and rng.random() < 0.5)
            )
            author = self.supervisor if supervisor_turn or rng.random() >= 0.85 else self.worker
            if after is None:
                comment = rng.choice(texts.UPDATE_COMMENTS[None])
            elif after == "resolved":
                comment = rng.choice(texts.RESOLUTIONS[issue["category"]])
            else:
                comment = rng.choice(texts.UPDATE_COMMENTS[before, after])
            out.append(
                {
                    "id": uuid_at(rng, ts),
                    "issue_id": issue["id"],
                    "from_status": before,
                    "status": after,
                    "comment": comment,
                    "author_id": author,
                    "created_at": format_time(ts),
                }
            )
        return out
