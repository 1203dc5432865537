"""Planted-effect recovery of the attrition model, over many seeded synthetic organizations.

Usage::

    python benchmarks/insights.py                       # 50 seeds at 2,000 people, planted HR 3.0 and 1.0
    python benchmarks/insights.py --runs 10 --people 1000 --hr 1.0

For each seed it synthesizes an organization (``socialhr.synth``, 8 weeks) with a
planted hazard ratio of leaving for the bottom decile of network size, imports
roster, interactions and outcomes, analyses in 28-day windows (the first is the
generator's network-size window) and estimates the ``isolated`` attrition
hazard ratio (``socialhr.insights.outcomes``, Cox, stratified by department,
tenure and level as controls). It prints, per planted value, how many 95%
intervals contain the planted value, and how many are called significant
(p < 0.05): for a planted 1.0 that is the false-positive rate, which should be
about 5%. Also the seconds per run. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def one(people: int, seed: int, hr: float) -> dict:
    from insights.conftest import build

    from socialhr.insights import outcomes
    from socialhr.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        path, truth = build(Path(tmp), people=people, seed=seed, attrition_hr=hr)
        with Workspace.open(path) as ws:
            row = next(r for r in outcomes.effects(ws, outcomes=("attrition",)) if r["metric"] == "isolated")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--hr", type=float, action="append", help="planted hazard ratio (repeatable; default 3.0 and 1.0)")
    ap.add_argument("--first-seed", type=int, default=1000)
    args = ap.parse_args()
    for hr in args.hr or [3.0, 1.0]:
        covered = significant = 0
        t0 = time.perf_counter()
        for i in range(args.runs):
            row = one(args.people, args.first_seed + i, hr)
            inside = row["ci_low"] <= hr <= row["ci_high"]
            covered += inside
            significant += row["p_value"] < 0.05
            print(f"  hr {hr} seed {args.first_seed + i}: {row['estimate']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}] "
                  f"p={row['p_value']:.4f} n={row['n']} events={row['events']}{'' if inside else '  (misses)'}", flush=True)
        secs = (time.perf_counter() - t0) / args.runs
        print(f"planted HR {hr}, {args.people:,} people: interval contains it in {covered}/{args.runs} runs; "
              f"significant (p<0.05) in {significant}/{args.runs}; {secs:.1f} s per run", flush=True)


if __name__ == "__main__":
    main()
