"""Speed and memory of ``socialhr analyze`` on synthetic organizations; ratio against NetworkX.

Usage::

    python benchmarks/network.py                 # 10,000 and 100,000 people, NetworkX ratio at 5,000
    python benchmarks/network.py --sizes 10000 --no-networkx

For each size it builds a workspace from ``socialhr.synth`` (four weeks of
e-mail, chat and meetings; roster and interactions through the importers),
then runs ``analyze(ws, window="all")`` in a fresh child process and prints
its wall-clock seconds and peak resident memory, and the seconds it then takes
to read the group and organization tables through the read path (where the
disclosure rules decide what is shown). At 5,000 people it also
times the same suite of person metrics and communities computed with
NetworkX (pagerank, betweenness, harmonic closeness, clustering, constraint,
effective size, Louvain) on the very network socialhr stored, and prints the
ratio. ``--generator sbm`` writes a block-model organization straight into
DuckDB instead of going through socialhr.synth (much faster to build at
100,000 people). Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from socialhr.workspace import Workspace
from socialhr.network.analyze import analyze
ws = Workspace.open(sys.argv[1])
t = time.perf_counter()
summary = analyze(ws, window="all")
seconds = time.perf_counter() - t
# The group figures, measured when read under the disclosure rules (socialhr.results).
from socialhr.results import read
t = time.perf_counter()
groups = read(ws, "group_metrics").to_arrow().num_rows
read(ws, "group_matrix").to_arrow()
read(ws, "org_metrics").to_arrow()
read_seconds = time.perf_counter() - t
ws.close()
# VmHWM is this process's own peak (ru_maxrss survives exec on Linux, so it
# would report the parent's); the workers' peak comes from RUSAGE_CHILDREN.
peak = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
w = summary["windows"][0]
print(json.dumps({"seconds": seconds, "read_seconds": read_seconds, "groups_shown": groups, "peak_mb": peak, "worker_peak_mb": workers, "people": w["people"], "ties": w["ties"],
                  "betweenness": w["betweenness"], "aggregation_seconds": summary["aggregation_seconds"]}))
"""

NX_CHILD = r"""
import json, resource, sys, time
import duckdb, networkx as nx
db = duckdb.connect(sys.argv[1], read_only=True)
people = [r[0] for r in db.execute("SELECT person FROM person_metrics").fetchall()]
edges = db.execute("SELECT source, target, weight FROM network_edges WHERE channel = 'all'").fetchall()
G = nx.DiGraph(); G.add_nodes_from(people); G.add_weighted_edges_from(edges)
U = nx.Graph(); U.add_nodes_from(people)
for u, v, w in edges:
    U.add_edge(u, v, weight=U[u][v]["weight"] + w if U.has_edge(u, v) else w)
t = time.perf_counter()
dict(G.in_degree()); dict(G.out_degree()); dict(G.in_degree(weight="weight")); dict(G.out_degree(weight="weight"))
nx.pagerank(G, alpha=0.85, weight="weight")
nx.betweenness_centrality(G, normalized=True)
nx.harmonic_centrality(G)
nx.clustering(U)
nx.constraint(U, weight="weight")
nx.effective_size(U, weight="weight")
nx.community.louvain_communities(U, weight="weight", seed=42)
peak = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
print(json.dumps({"seconds": time.perf_counter() - t, "peak_mb": peak}))
"""


def build_workspace(folder: Path, people: int, seed: int) -> tuple[Path, float]:
    """A workspace holding a synthetic organization of ``people``; return its path and the build time."""
    from socialhr.ingest import ingest
    from socialhr.synth import synthesize
    from socialhr.workspace import Workspace

    started = time.perf_counter()
    info = synthesize(folder / "org", people=people, seed=seed, weeks=4)
    path = folder / "ws"
    with Workspace.init(path, settings={"duckdb_memory_limit": "4GB"}) as ws:
        ingest(ws, "roster", info["files"]["roster"])
        ingest(ws, "interactions", info["files"]["interactions"])
    return path, time.perf_counter() - started


def sbm_workspace(folder: Path, people: int, seed: int) -> tuple[Path, float]:
    """A faster stand-in for socialhr.synth at large sizes: a stochastic block model written straight into DuckDB.

    Teams of 10, departments of 20 teams; each person sends 15 one-to-one
    messages in four weeks, 70% to their team, 20% to their department, 10%
    to anyone; each team meets once a week (about 10 directed ties per person).
    """
    from socialhr.schema import code_sql
    from socialhr.workspace import Workspace

    started = time.perf_counter()
    path = folder / "ws"
    with Workspace.init(path, settings={"duckdb_memory_limit": "4GB"}) as ws:
        db = ws.db
        db.execute(f"SELECT setseed({(seed % 1000) / 1000})")
        db.execute(f"CREATE TEMP TABLE p AS SELECT i, printf('%016x', i) AS person, i // 10 AS team, i // 200 AS dept FROM range({people}) t(i)")
        db.execute("""INSERT INTO people_history SELECT person, DATE '2020-01-01', NULL, 'D' || dept, 'T' || team, NULL,
                      'L' || (i % 4), 'Site' || (i % 7), DATE '2020-01-01', NULL, NULL, 1 FROM p""")
        # Stored as the importers store them: identity ids (person i is id i + 1), channel id and kind code packed in code.
        db.execute("INSERT INTO identities (token, kind, person, status, first_batch, id) "
                   "SELECT person, 'employee_id', person, 'person', 1, CAST(i + 1 AS INTEGER) FROM p")
        db.execute("INSERT INTO channels VALUES (1, 'email'), (2, 'chat'), (3, 'calendar')")
        db.execute(f"""INSERT INTO interaction_rows (batch_id, "timestamp", code, sender, recipients, weight)
            SELECT 1, TIMESTAMPTZ '2024-03-01 00:00:00+00' + to_seconds(CAST(floor(random() * 86400 * 28) AS BIGINT)),
                   {code_sql("CASE WHEN random() < 0.5 THEN 1 ELSE 2 END", "0")}, i + 1,
                   [CAST(CASE WHEN r < 0.7 THEN team * 10 + floor(random() * 10)
                              WHEN r < 0.9 THEN dept * 200 + floor(random() * 200)
                              ELSE floor(random() * {people}) END AS BIGINT) % {people} + 1],
                   1.0
            FROM (SELECT p.*, random() AS r FROM p, range(15))""")
        db.execute(f"""INSERT INTO interaction_rows (batch_id, "timestamp", code, sender, recipients, weight, duration_minutes)
            SELECT 1, TIMESTAMPTZ '2024-03-01 10:00:00+00' + to_days(CAST(w * 7 AS INTEGER)), {code_sql("3", "1")},
                   min(i) + 1, list(i + 1), 1.0, 30
            FROM p, range(4) t(w) GROUP BY team, w""")
    return path, time.perf_counter() - started


def run_child(code: str, arg: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--networkx-size", type=int, default=5_000)
    parser.add_argument("--no-networkx", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--generator", choices=["synth", "sbm"], default="synth",
                        help="synth: socialhr.synth through the importers (realistic, slow to build); sbm: block model written straight into DuckDB")
    args = parser.parse_args(argv)
    print(f"{'people':>8} {'ties':>9} {'betweenness':>12} {'build s':>8} {'analyze s':>10} {'peak MB':>8} {'worker MB':>9} {'groups read s':>13}")
    sizes = list(args.sizes) + ([] if args.no_networkx else [args.networkx_size])
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="socialhr-bench-") as tmp:
            make = build_workspace if args.generator == "synth" else sbm_workspace
            path, build = make(Path(tmp), size, args.seed)
            r = run_child(CHILD, str(path))
            method = r["betweenness"]["method"] + (f" k={r['betweenness']['sources']}" if "sources" in r["betweenness"] else "")
            print(f"{r['people']:>8} {r['ties']:>9} {method:>12} {build:>8.1f} {r['seconds']:>10.1f} {r['peak_mb']:>8.0f} {r['worker_peak_mb']:>9.0f} "
                  f"{r['read_seconds']:>13.1f}", flush=True)
            if size == args.networkx_size and not args.no_networkx:
                nx_r = run_child(NX_CHILD, str(path / "socialhr.duckdb"))
                print(f"NetworkX, same metrics + Louvain on the same {r['people']}-person network: {nx_r['seconds']:.1f} s, "
                      f"peak {nx_r['peak_mb']:.0f} MB; socialhr analyze (aggregation, all metrics, groups, storing) "
                      f"{r['seconds']:.1f} s: {nx_r['seconds'] / r['seconds']:.0f}x faster", flush=True)
    print("peak MB: the analyze process's own peak resident memory; worker MB: the largest shortest-path worker's.")


if __name__ == "__main__":
    main()
