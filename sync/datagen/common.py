"""Small helpers every part of the generator shares: ids, times, weighted choices."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Row = dict[str, Any]  # one generated row, keyed by field name

DAY = 86_400  # seconds; day 0 of the epoch is date.fromordinal(719_163)


def uuid_at(rng: random.Random, seconds: float) -> str:
    """A UUIDv7 (RFC 9562 layout) for a row made at ``seconds`` since the epoch.

    Built from the seeded ``rng`` so that the same seed gives the same ids; the time prefix
    keeps ids of one data set roughly in creation order, as real clients' UUIDv7s are.
    """
    value = (int(seconds * 1000) & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7000 << 64 | rng.getrandbits(12) << 64
    value |= 0b10 << 62 | rng.getrandbits(62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_DAY_TEXT: dict[int, str] = {}


def format_time(seconds: int) -> str:
    """Canonical wire time (UTC, ``Z``, whole seconds) of an epoch second."""
    day, rest = divmod(int(seconds), DAY)
    prefix = _DAY_TEXT.get(day)
    if prefix is None:
        prefix = _DAY_TEXT[day] = dt.date.fromordinal(day + 719_163).isoformat()
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{prefix}T{hours:02d}:{minutes:02d}:{secs:02d}Z"


@dataclass(frozen=True)
class Weighted(Generic[T]):
    """A population with weights, drawn from in O(log n) by ``pick``."""

    items: tuple[T, ...]
    cum: tuple[float, ...] = field(repr=False)

    @classmethod
    def of(cls, pairs: Sequence[tuple[T, float]]) -> Weighted[T]:
        items = tuple(p[0] for p in pairs)
        cum = tuple(itertools.accumulate(p[1] for p in pairs))
        return cls(items, cum)

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def pick(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    """One item of ``(item, weight)`` pairs (for the few draws outside hot loops)."""
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def split_exact(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` into integers that sum to it exactly.

    Largest remainder, so the result is deterministic and every share is within 1 of its
    proportional value.
    """
    if not weights:
        return []
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    out = [math.floor(r) for r in raw]
    short = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[:short]:
        out[i] += 1
    return out


def systematic_counts(rng: random.Random, expected: Sequence[float], total: int) -> list[int]:
    """Integer counts near ``expected`` (which sums to about ``total``) summing to ``total``.

    Systematic sampling: one random offset, so each count is the floor or ceiling of its
    expectation and the rounding is spread fairly over all rows.
    """
    whole = sum(expected)
    if total == 0 or whole <= 0:
        return [0] * len(expected)
    scale = total / whole
    offset = rng.random()
    out: list[int] = []
    acc = 0.0
    prev = 0
    for e in expected:
        acc += e * scale
        cur = math.floor(acc + offset)
        out.append(cur - prev)
        prev = cur
    out[-1] += total - prev  # float drift only: a difference of 0 or 1
    if out[-1] < 0:  # pragma: no cover - cannot happen with exact floats
        raise AssertionError("systematic rounding went negative")
    return out


def words(text: str) -> tuple[str, ...]:
    """A table written as space-separated words."""
    return tuple(text.split())


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 35 → 三十五 (grid names)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else digits[tens]
    return head + "十" + (digits[ones] if ones else "")
