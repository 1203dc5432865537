"""Export speed and peak memory: interactions written to Parquet, CSV and JSON Lines, and the ``interactions`` view read in full.

Usage::

    python benchmarks/export.py                  # 10 million interactions, 20,000 people
    python benchmarks/export.py --rows 1000000   # quicker
    python benchmarks/export.py --formats parquet

Builds a workspace once under --dir from the files of benchmarks/ingest.py
(not timed), then runs each export in a fresh child process, so "peak RSS" is
that export's alone. Exports are streamed (socialhr.export), so the peak is
DuckDB's memory limit for the sort (the workspace's duckdb_memory_limit,
1 GB by default) plus one batch, whatever the number of rows. Tests never
assert timings; this script reports.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path
from socialhr.workspace import Workspace
from socialhr.export import export_table
ws = Workspace.open(Path(sys.argv[1]))
what, out = sys.argv[2], Path(sys.argv[3])
t = time.perf_counter()
if what == "view":
    ws.db.sql("SELECT * FROM interactions").write_parquet(str(out))  # (the path as an argument, never SQL text)
    elapsed = time.perf_counter() - t
    rows = ws.db.execute("SELECT count(*) FROM interactions").fetchone()[0]
else:
    rows = export_table(ws, "interactions", out, force=True)
    elapsed = time.perf_counter() - t
# The process's own peak (VmHWM): ru_maxrss would carry over the parent's, which may have generated the files.
peak = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
print(json.dumps({"rows": rows, "seconds": elapsed, "peak_mb": peak}))
"""

BUILD = r"""
import sys
from pathlib import Path
from socialhr.workspace import Workspace
from socialhr.ingest import ingest
ws = Workspace.init(Path(sys.argv[1]))
ingest(ws, "roster", Path(sys.argv[2]))
ingest(ws, "interactions", Path(sys.argv[3]))
ws.close()
"""

SUFFIX = {"parquet": ".parquet", "csv": ".csv", "jsonl": ".jsonl", "view": ".parquet"}


def _ingest_benchmark():
    spec = importlib.util.spec_from_file_location("ingest_benchmark", Path(__file__).with_name("ingest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--dir", type=Path, default=Path("bench-data"))
    ap.add_argument("--formats", default="parquet,csv,view", help="comma-separated from parquet, csv, jsonl, view")
    args = ap.parse_args()
    files = _ingest_benchmark().generate(args.dir, args.rows, args.people)
    ws = args.dir / f"export_ws_{args.rows}_{args.people}"
    if not (ws / "socialhr.duckdb").exists():
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", BUILD, str(ws), str(files["roster"]), str(files["parquet"])], check=True)
        print(f"workspace: {args.rows:,} interactions, {args.people:,} people (built in {time.perf_counter() - t:.1f} s)")
    for fmt in [f for f in args.formats.split(",") if f]:
        out = args.dir / f"export_{args.rows}{SUFFIX[fmt]}"
        proc = subprocess.run([sys.executable, "-c", CHILD, str(ws), "view" if fmt == "view" else "table", str(out)], capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(proc.stderr)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        label = "view" if fmt == "view" else fmt
        print(f"{label:<8} {r['rows']:>12,} rows  {r['seconds']:7.2f} s  {r['rows'] / r['seconds']:>12,.0f} rows/s  "
              f"peak RSS {r['peak_mb']:,.0f} MB  (file {out.stat().st_size / 1e6:,.0f} MB)", flush=True)
        out.unlink()


if __name__ == "__main__":
    main()
