"""Speed of ``socialhr onboarding`` on a synthetic organization.

Usage::

    python benchmarks/onboarding.py                           # 5,000 people, 16 weeks
    python benchmarks/onboarding.py --people 2000 --weeks 12 --keep /tmp/onb

Builds a workspace from ``socialhr.synth`` (roster and interactions through
the importers, analysed by month; with ``--keep DIR`` it is kept there and
reused), then measures every joiner's weeks (``onboarding.measure``: the
joiners' interactions read, their ties aggregated by day with the network
engine's rules, the figures and the benchmark computed and stored) and prints
the seconds. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=16)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Folder to build the workspace in and reuse.")
    args = parser.parse_args()

    from socialhr import ingest, synth
    from socialhr.network.analyze import analyze
    from socialhr.programs import onboarding
    from socialhr.workspace import Workspace

    root = (args.keep or Path(tempfile.mkdtemp())) / f"onboarding-{args.people}-{args.weeks}-{args.seed}"
    if not (root / "ws").exists():
        t = time.perf_counter()
        info = synth.synthesize(root / "source", people=args.people, seed=args.seed, weeks=args.weeks)
        with Workspace.init(root / "ws") as ws:
            ingest.ingest(ws, "roster", info["files"]["roster"])
            ingest.ingest(ws, "interactions", info["files"]["interactions"])
            analyze(ws, window="month")
        print(f"built {root / 'ws'} in {time.perf_counter() - t:.1f} s")
    with Workspace.open(root / "ws") as ws:
        interactions = ws.db.execute("SELECT count(*) FROM interaction_rows").fetchone()[0]
        t = time.perf_counter()
        summary = onboarding.measure(ws)
        seconds = time.perf_counter() - t
    flagged = ", ".join(f"week {k}: {v['flagged']} of {v['compared']}" for k, v in summary["checkpoints"].items())
    print(f"{args.people:,} people, {args.weeks} weeks, {interactions:,} interactions: {summary['joiners']:,} joiners "
          f"measured and stored in {seconds:.1f} s (flagged {flagged})")


if __name__ == "__main__":
    main()
