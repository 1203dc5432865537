"""Speed and peak memory of the programs: introductions for new joiners, and a round of cross-team matching.

Usage::

    python benchmarks/programs.py                          # introductions: 100,000 people, 500 joiners; matching: 20,000 people
    python benchmarks/programs.py --intros-people 20000 --match-people 5000   # quicker

Each organization comes from socialhr.synth's org chart and contact network
(``build_org``, ``build_contacts``: departments, teams, managers, levels,
offices, hire dates, who works with whom), written straight into the
workspace's tables as ``socialhr analyze`` would leave them (the roster, one
analysis window whose edges are the contact network, communities from
igraph's Leiden on it), since going through the files, the importers and a
full analysis takes minutes at 100,000 people and is measured by
benchmarks/network.py. For introductions, 500 of the people hired in the
last twelve weeks stay new joiners (the others are hired a year earlier).

Each timed step runs in a fresh child process, so its peak resident memory
(VmHWM) is its own: loading the population (``programs.population.load``),
then the whole command as the CLI runs it (``intros.propose`` or
``matching.propose``: loading, choosing and storing), and ``choose`` alone.
The target is under 60 s each on 2 cores. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

END = dt.date(2026, 9, 27)  # the last day of the data
WEEKS = 12
ZONES = ["Bengaluru=Asia/Kolkata"]  # the one synthetic office not named after its IANA zone

CHILD = r"""
import json, sys, time
from socialhr.workspace import Workspace
from socialhr.programs import intros, matching
from socialhr.programs.population import load
ws = Workspace.open(sys.argv[1])
what = sys.argv[2]
t = time.perf_counter()
pop = load(ws)
load_s = time.perf_counter() - t
if what == "intros":
    t = time.perf_counter()
    _, summary = intros.choose(pop, since=84, count=20, min_level=None, max_per_colleague=3, seed=0)
    choose_s = time.perf_counter() - t
    del pop
    t = time.perf_counter()
    summary = intros.propose(ws, since=84, count=20, max_per_colleague=3, seed=0)
    figures = {"joiners": summary["joiners"], "introductions": summary["introductions"], "short": summary["short"],
               "communities_reached_mean": summary["communities_reached_mean"]}
else:
    size, mode = int(sys.argv[3]), sys.argv[4]
    recent = matching.recent_groups(ws.db, pop, rounds=ws.settings["match_repeat_rounds"])
    t = time.perf_counter()
    _, summary = matching.choose(pop, size=size, mode=mode, recent=recent, seed=0, location_time_zones=ws.settings["location_time_zones"])
    choose_s = time.perf_counter() - t
    del pop
    t = time.perf_counter()
    summary = matching.propose(ws, size=size, mode=mode, seed=1)
    figures = {k: summary[k] for k in ("people", "groups", "matched", "unmatched", "untied_pair_share", "cross_community_pair_share")}
propose_s = time.perf_counter() - t
ws.close()
peak = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
print(json.dumps({"load_s": load_s, "choose_s": choose_s, "propose_s": propose_s, "peak_mb": peak, **figures}))
"""


def build_workspace(folder: Path, people: int, seed: int, *, joiners: int | None) -> tuple[Path, float, int]:
    """A workspace holding an analysed synthetic organization of ``people``; its path, build seconds and tie count."""
    import igraph as ig
    import numpy as np
    import pyarrow as pa

    from socialhr.network import store
    from socialhr.network.aggregate import ALL_CHANNELS
    from socialhr.schema import code_sql
    from socialhr.synth import company as co
    from socialhr.synth.contacts import build_contacts
    from socialhr.synth.org import NO_EXIT, build_org
    from socialhr.workspace import Workspace

    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    start = END - dt.timedelta(days=7 * WEEKS - 1)
    org = build_org(people, weeks=WEEKS, window_start_weekday=start.weekday(), rng=rng)
    contacts = build_contacts(org, rng)
    hire_day = org.hire_day.copy()
    if joiners is not None:
        recent = np.flatnonzero(hire_day >= 0)
        keep = rng.choice(recent, size=min(joiners, len(recent)), replace=False)
        earlier = np.setdiff1d(recent, keep)
        hire_day[earlier] -= 365

    def days(d: np.ndarray) -> pa.Array:
        return pa.array([start + dt.timedelta(days=int(x)) for x in d], pa.date32())

    n = org.size
    person = np.array([f"{i:016x}" for i in range(n)], dtype=object)
    exit_ = org.exit_day
    roster = pa.table({
        "person": person, "valid_from": pa.array([dt.date(1900, 1, 1)] * n, pa.date32()), "valid_to": pa.nulls(n, pa.date32()),
        "department": np.asarray(org.dept_names, dtype=object)[org.dept], "team": np.asarray(org.team_names, dtype=object)[org.team],
        "manager": pa.array([person[m] if m >= 0 else None for m in org.manager], pa.string()),
        "level": np.asarray(co.LEVELS, dtype=object)[org.level], "location": np.asarray(co.LOCATION_NAMES, dtype=object)[org.location],
        "hire_date": days(hire_day),
        "exit_date": pa.array([start + dt.timedelta(days=int(x)) if x != NO_EXIT else None for x in exit_], pa.date32()),
        "attributes": pa.nulls(n, pa.string()), "batch_id": pa.array([1] * n, pa.int32()),
    })
    src = np.repeat(np.arange(n), np.diff(contacts.ptr))
    a, b = np.minimum(src, contacts.target), np.maximum(src, contacts.target)
    pairs = np.unique(np.stack([a[a != b], b[a != b]], axis=1), axis=0)
    graph = ig.Graph(n=n, edges=pairs.tolist())
    random.seed(seed)  # igraph draws from Python's random module: the same communities every time
    community = np.array(graph.community_leiden(objective_function="modularity", n_iterations=2).membership)
    path = folder / "ws"
    with Workspace.init(path, settings={"duckdb_memory_limit": "4GB", "location_time_zones": ZONES}) as ws:
        with ws.transaction() as db:
            store.insert(db, "people_history", roster)
            db.execute("INSERT INTO channels VALUES (1, 'email')")
            db.execute(f"""INSERT INTO interaction_rows (batch_id, "timestamp", code, sender, recipients, weight)
                           VALUES (1, ?, {code_sql("1", "0")}, 1, [2], 1.0), (1, ?, {code_sql("1", "0")}, 2, [1], 1.0)""",
                       [dt.datetime.combine(start, dt.time(12), dt.timezone.utc), dt.datetime.combine(END, dt.time(12), dt.timezone.utc)])
            store.reset(db)
            db.execute("INSERT INTO network_analysis VALUES (now(), 'all', 'duckdb', '{}', '{}')")
            db.execute("INSERT INTO network_windows VALUES ('all', 0, ?, ?, ?, ?, '{}')", [start, END, n, len(pairs)])
            store.insert(db, "network_edges", pa.table({
                "window_id": ["all"] * len(pairs), "channel": [ALL_CHANNELS] * len(pairs),
                "source": person[pairs[:, 0]], "target": person[pairs[:, 1]], "weight": np.ones(len(pairs)),
            }))
            store.insert(db, "person_metrics", pa.table({"window_id": ["all"] * n, "person": person,
                                                         "community": community.astype(np.int32)}))
    return path, time.perf_counter() - started, len(pairs)


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intros-people", type=int, default=100_000)
    parser.add_argument("--joiners", type=int, default=500)
    parser.add_argument("--match-people", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=2, help="matching: people per group")
    parser.add_argument("--mode", default="any", help="matching: any, in-person or virtual")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="socialhr-bench-") as tmp:
        path, build, ties = build_workspace(Path(tmp) / "intros", args.intros_people, args.seed, joiners=args.joiners)
        print(f"introductions: {args.intros_people:,} people, {ties:,} ties (built in {build:.0f} s)", flush=True)
        r = run_child(str(path), "intros")
        print(f"  {r['joiners']:,} joiners, {r['introductions']:,} introductions ({r['short']} short, "
              f"{r['communities_reached_mean']} communities reached each): load {r['load_s']:.1f} s, choose {r['choose_s']:.1f} s, "
              f"propose (load, choose, store) {r['propose_s']:.1f} s; peak {r['peak_mb']:.0f} MB", flush=True)
    with tempfile.TemporaryDirectory(prefix="socialhr-bench-") as tmp:
        path, build, ties = build_workspace(Path(tmp) / "match", args.match_people, args.seed, joiners=None)
        print(f"matching: {args.match_people:,} people, {ties:,} ties (built in {build:.0f} s), size {args.size}, mode {args.mode}",
              flush=True)
        for round_ in (1, 2):  # the second round also avoids the pairs of the first
            r = run_child(str(path), "match", str(args.size), args.mode)
            print(f"  round {round_}: {r['groups']:,} groups, {r['matched']:,} matched, {r['unmatched']:,} unmatched, "
                  f"{r['untied_pair_share']:.1%} of pairs untied, {r['cross_community_pair_share']:.1%} across communities: "
                  f"load {r['load_s']:.1f} s, choose {r['choose_s']:.1f} s, propose (load, choose, store) {r['propose_s']:.1f} s; "
                  f"peak {r['peak_mb']:.0f} MB", flush=True)
    print("peak MB: the child process's own peak resident memory (VmHWM).")


if __name__ == "__main__":
    main()
