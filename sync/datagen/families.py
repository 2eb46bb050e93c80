"""Who lives together: household sizes and the members of each household."""

from __future__ import annotations

import math
import random
from typing import Any

Member = list[Any]  # [role letter, gender, age, present]

ELDERLY_ALONE_SHARE = 0.105  # of "resident" households: about 8% of all households

# Household templates by size: (weight, head age range, share of male heads, other members).
# Members: S spouse, C child, P parent, G grandchild, A absent child (the parent of
# grandchildren working elsewhere), O child's spouse, T tenant.
RESIDENT_TEMPLATES = {
    1: ((1.0, 22, 64, 0.55, ""),),
    2: ((0.50, 60, 88, 0.9, "S"), (0.27, 23, 59, 0.8, "S"), (0.23, 32, 75, 0.35, "C")),
    3: (
        (0.72, 26, 52, 0.75, "SC"),
        (0.14, 52, 76, 0.8, "SC"),
        (0.11, 30, 52, 0.75, "SP"),
        (0.03, 55, 72, 0.4, "AG"),
    ),
    4: (
        (0.57, 30, 52, 0.75, "SCC"),
        (0.22, 30, 52, 0.75, "SCP"),
        (0.04, 52, 72, 0.8, "SAG"),
        (0.17, 50, 70, 0.8, "SCG"),
    ),
    5: (
        (0.32, 30, 50, 0.75, "SCPP"),
        (0.32, 32, 52, 0.75, "SCCP"),
        (0.04, 52, 72, 0.8, "SAGG"),
        (0.32, 50, 70, 0.8, "SCOG"),
    ),
}
RENTAL_TEMPLATES = {
    1: ((1.0, 20, 55, 0.6, ""),),
    2: ((0.6, 22, 50, 0.7, "S"), (0.4, 20, 45, 0.6, "T")),
    3: ((0.6, 24, 45, 0.75, "SC"), (0.4, 20, 45, 0.7, "TT")),
    4: ((0.5, 26, 45, 0.75, "SCC"), (0.5, 20, 45, 0.8, "TTT")),
}
RESIDENT_SIZES = (0.12, 0.27, 0.30, 0.18, 0.13)
RENTAL_SIZES = (0.35, 0.30, 0.22, 0.13)
RELATIONS = {
    "S": "spouse",
    "C": "child",
    "P": "parent",
    "G": "grandchild",
    "A": "child",
    "O": "other",
    "T": "tenant",
}


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


def members(
    rng: random.Random, kind: str, size: int, alone: bool
) -> tuple[list[Member], list[str]]:
    """[relation code, gender, age, present] per member (head first) and household tags."""
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
    members: list[Member] = [["H", head_gender, head_age, True]]
    child_age = None
    for role in roles:
        if role == "S":
            gap = rng.randint(-1, 4)
            members.append(
                [
                    "S",
                    _other(head_gender),
                    max(20, head_age - gap if head_gender == "male" else head_age + gap),
                    True,
                ]
            )
        elif role in "CA":
            floor = 20 if ("G" in roles or role == "A") else 0
            age = head_age - rng.randint(22, 34)
            age = max(age, floor) if age >= 0 or floor else rng.randint(0, 2)
            child_age = age
            gender = "male" if rng.random() < 0.52 else "female"
            present = (
                role == "C"
                and not (18 <= age <= 24 and rng.random() < 0.4)
                and not (age > 24 and rng.random() < 0.08)
            )
            members.append(["C" if role == "C" else "A", gender, age, present])
        elif role == "P":
            has_parent = any(m[0] == "P" for m in members)
            gender = (
                _other(members[-1][1])
                if has_parent
                else ("female" if rng.random() < 0.6 else "male")
            )
            members.append(["P", gender, min(99, head_age + rng.randint(23, 33)), True])
        elif role == "G":
            base = child_age if child_age is not None else head_age - 28
            age = min(16, max(0, base - rng.randint(22, 32))) if base >= 22 else rng.randint(0, 12)
            members.append(["G", "male" if rng.random() < 0.52 else "female", age, True])
        elif role == "O":
            child = next(m for m in members if m[0] == "C")
            members.append(["O", _other(child[1]), max(20, child[2] + rng.randint(-3, 3)), True])
        elif role == "T":
            members.append(
                ["T", "male" if rng.random() < 0.6 else "female", rng.randint(19, 50), True]
            )
    if "A" in roles:
        tags.append("left_behind_child")
    elif roles == "S" and head_age >= 60 and rng.random() < 0.75:
        tags.append("empty_nest")
    return members, tags


def _other(gender: str) -> str:
    return "female" if gender == "male" else "male"
