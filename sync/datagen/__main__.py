"""``python -m sync.datagen [size] [--seed N] [--jsonl FILE]``: generate, count and time a set."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter

from . import DEFAULT_SEED, SIZES, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync.datagen", description=__doc__)
    parser.add_argument("size", nargs="?", default="worker", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--jsonl", help="also write every (entity, row) as a JSON line here")
    args = parser.parse_args(argv)
    out = open(args.jsonl, "w", encoding="utf-8") if args.jsonl else None  # noqa: SIM115
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    try:
        for entity, row in generate(args.size, seed=args.seed):
            counts[entity] += 1
            if out:
                out.write(json.dumps({"entity": entity, "row": row}, ensure_ascii=False) + "\n")
    finally:
        if out:
            out.close()
    elapsed = time.perf_counter() - started
    total = sum(counts.values())
    for entity, n in counts.items():
        print(f"{entity:14} {n:>12,}")
    print(f"{'rows':14} {total:>12,}  in {elapsed:.2f} s ({total / elapsed:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
