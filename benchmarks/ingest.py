"""Ingest speed and peak memory: interaction rows per second from Parquet and CSV.

Usage::

    python benchmarks/ingest.py                  # 10 million rows, 20,000 people
    python benchmarks/ingest.py --rows 1000000   # quicker
    python benchmarks/ingest.py --floor          # also what DuckDB alone takes on each file
    python benchmarks/ingest.py --external 0.01  # 1% of rows to people outside: new identities as they come
    python benchmarks/ingest.py --contexts 100000  # each row in one of 100,000 threads (a context column, stored as tokens)
    python benchmarks/ingest.py --formats parquet,csv,jsonl   # also JSON Lines (written once, about 1.6 GB)
    python benchmarks/ingest.py --repeat 3       # best and median of three runs (this machine varies by 25%)
    python benchmarks/ingest.py --connectors     # also the e-mail and Slack lines (issue 3)
    python benchmarks/ingest.py --connectors --messages 200000 --formats ''   # only those, quicker

Generates the files once under --dir (not timed), then runs each import in a
fresh child process so its peak memory is measured on its own: "peak RSS" is
the highest resident set during the interactions import alone (the roster
import before it is not counted), "process peak" the whole child's; "CPU" the
least CPU time (every thread) an import took, which a busy machine disturbs
less than the elapsed time. Prints one
line per format; targets (issue 2, 2 cores): Parquet 3,000,000 rows/s, CSV
2,000,000 rows/s, peak under 2 GB. With --connectors it then prints the lines
of benchmarks/ingest_messaging.py (messages per second and peak memory for a
synthetic mbox and Slack export). Tests never assert timings; this script reports.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

CHILD = r"""
import json, sys, time
from pathlib import Path
from socialhr.workspace import Workspace
from socialhr.ingest import ingest
ws_dir, roster, path = map(Path, sys.argv[1:4])
ws = Workspace.init(ws_dir)
ingest(ws, "roster", roster)

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024

before = status("VmHWM")  # the peak so far: workspace and roster
try:
    with open("/proc/self/clear_refs", "w") as f:  # reset the peak (VmHWM) so it measures this import alone
        f.write("5")
except OSError:
    pass
t, cpu = time.perf_counter(), time.process_time()
result = ingest(ws, "interactions", path)
elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
peak = status("VmHWM")
ws.close()
# (Not ru_maxrss: Linux carries it over from the parent, which may have generated the files.)
print(json.dumps({"rows": result.rows_imported, "seconds": elapsed, "cpu_seconds": cpu, "peak_mb": peak, "maxrss_mb": max(before, peak)}))
"""

TARGETS = {"parquet": 3_000_000, "csv": 2_000_000}


def generate(out: Path, rows: int, people: int, external: float = 0.0, contexts: int = 0) -> dict[str, Path]:
    """A roster and interaction files with realistic shapes (1-3 recipients, offsets, meetings);
    with ``external``, that share of rows is sent to someone outside the organization; with
    ``contexts``, every row names one of that many threads in a ``context`` column."""
    out.mkdir(parents=True, exist_ok=True)
    name = f"interactions_{rows}" + (f"_external{external:g}" if external else "") + (f"_contexts{contexts}" if contexts else "")
    context = f", 'Thread ' || (hash(i + 7) % {int(contexts)}) || ' about the roadmap' AS context" if contexts else ""
    files = {"roster": out / f"roster_{people}.csv", "parquet": out / f"{name}.parquet", "csv": out / f"{name}.csv",
             "jsonl": out / f"{name}.jsonl"}
    if all(p.exists() for k, p in files.items() if k != "jsonl"):
        return files
    con = duckdb.connect()
    con.execute(f"""
        COPY (SELECT 'E' || lpad(i::VARCHAR, 6, '0') AS employee_id, 'user' || i || '@acme.example' AS email,
                     'Person ' || i AS name, 'Dept ' || (i % 12) AS department, 'Team ' || (i // 8) AS team,
                     CASE WHEN i > 0 THEN 'E' || lpad((i // 8)::VARCHAR, 6, '0') END AS manager_id,
                     'IC' || (1 + i % 4) AS level, 'City ' || (i % 5) AS location, DATE '2015-01-01' + (i % 3650)::INTEGER AS hire_date,
                     NULL AS exit_date
              FROM range({people}) t(i)) TO '{files['roster']}' (HEADER)""")
    # Team-local traffic with some cross-team; timestamps over 12 weeks with a +01:00 offset.
    con.execute(f"""
        COPY (SELECT strftime(TIMESTAMP '2026-06-01 08:00:00' + to_seconds((hash(i) % 7257600)::BIGINT), '%Y-%m-%dT%H:%M:%S') || '+01:00' AS timestamp,
                     'user' || s || '@acme.example' AS sender,
                     CASE WHEN hash(i + 5) % 100000 < {int(external * 100000)} THEN 'contact' || (hash(i + 4) % 5000) || '@partner.example'
                          WHEN i % 5 = 0 THEN 'user' || ((s + 1 + hash(i + 1) % 7) % {people}) || '@acme.example;user' || ((s + 9 + hash(i + 2) % 64) % {people}) || '@acme.example'
                          WHEN i % 11 = 0 THEN 'user' || (hash(i + 3) % {people}) || '@acme.example'
                          ELSE 'user' || ((s + 1 + hash(i + 1) % 7) % {people}) || '@acme.example' END AS recipients,
                     CASE i % 3 WHEN 0 THEN 'email' WHEN 1 THEN 'chat' ELSE 'meeting' END AS channel,
                     CASE WHEN i % 3 = 2 THEN 30 END AS duration_minutes{context}
              FROM (SELECT i, hash(i * 31) % {people} AS s FROM range({rows}) t(i)))
        TO '{files['parquet']}' (FORMAT parquet)""")
    con.execute(f"COPY (SELECT * FROM '{files['parquet']}') TO '{files['csv']}' (HEADER)")
    con.close()
    return files


def jsonl(files: dict[str, Path]) -> None:
    """The Parquet file's rows as JSON Lines, written once when asked for."""
    if not files["jsonl"].exists():
        duckdb.connect().execute(f"COPY (SELECT * FROM '{files['parquet']}') TO '{files['jsonl']}' (FORMAT json)")


def run(files: dict[str, Path], fmt: str, work: Path) -> dict:
    ws = work / f"ws_{fmt}_{time.time_ns()}"
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(ws), str(files["roster"]), str(files[fmt])], capture_output=True, text=True)
    finally:
        shutil.rmtree(ws, ignore_errors=True)  # a workspace of ten million rows takes about 120 MB
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


FLOOR = r"""
import json, sys, time, duckdb
path, fmt, db = sys.argv[1:4]
src = {"parquet": f"read_parquet('{path}')", "csv": f"read_csv('{path}', header = true, all_varchar = true)",
       "jsonl": f"read_json('{path}', format = 'newline_delimited')"}[fmt]
con = duckdb.connect(db)
con.execute("SET preserve_insertion_order = false")
con.execute("SET memory_limit = '1GB'")
t = time.perf_counter()
con.execute(f"SELECT count(sender), count(recipients), count(channel), count(TRY_CAST(\"timestamp\" AS TIMESTAMPTZ)) FROM {src}").fetchall()
read = time.perf_counter() - t
t = time.perf_counter()
# (The shape of schema 6: channel id, kind and zone flag packed in one integer; a default weight null.)
con.execute(f'''CREATE TABLE t AS SELECT 1 AS batch_id, TRY_CAST("timestamp" AS TIMESTAMPTZ) AS ts,
    CAST(hash(channel) % 4 * 16 AS INTEGER) AS code, CAST(hash(sender) % 20000 AS INTEGER) AS sender,
    [CAST(hash(recipients) % 20000 AS INTEGER)] AS recipients, CAST(NULL AS DOUBLE) AS weight,
    TRY_CAST(duration_minutes AS DOUBLE) AS duration_minutes, CAST(NULL AS VARCHAR) AS context FROM {src}''')
write = time.perf_counter() - t
print(json.dumps({"read": read, "write": write}))
"""


def floor(files: dict[str, Path], fmt: str, work: Path, rows: int) -> None:
    """What DuckDB alone takes on the same file and machine, without any of socialhr's work:
    reading and parsing it, and reading it into a table of interaction_rows' shape with stand-in integers."""
    db = work / f"floor_{time.time_ns()}.duckdb"
    try:
        proc = subprocess.run([sys.executable, "-c", FLOOR, str(files[fmt]), fmt, str(db)], capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(proc.stderr)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        db.unlink(missing_ok=True)
    print(f"  floor: DuckDB alone reads and parses it at {rows / r['read']:,.0f} rows/s, and reads it into a table of "
          f"interaction_rows' shape with stand-in integers in {r['write']:.2f} s ({rows / r['write']:,.0f} rows/s: "
          "the import without its pseudonymising and checks)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--dir", type=Path, default=Path("bench-data"))
    ap.add_argument("--formats", default="parquet,csv", help="comma-separated; empty for none")
    ap.add_argument("--connectors", action="store_true", help="also run benchmarks/ingest_messaging.py (mbox and Slack export)")
    ap.add_argument("--messages", type=int, action="append", help="with --connectors: messages per input (default 1,000,000; repeat for several sizes)")
    ap.add_argument("--floor", action="store_true", help="also print what DuckDB alone takes on each file (the floor of the import)")
    ap.add_argument("--repeat", type=int, default=1, help="run each import this many times; print the best (and the median)")
    ap.add_argument("--contexts", type=int, default=0, help="distinct contexts (threads) the rows name (default 0: no context column)")
    ap.add_argument("--external", type=float, default=0.0,
                    help="share of rows sent outside the organization (default 0: everyone is on the roster; otherwise "
                         "new identities are recorded as the import meets them)")
    args = ap.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    if formats:
        t = time.perf_counter()
        files = generate(args.dir, args.rows, args.people, args.external, args.contexts)
        print(f"data: {args.rows:,} interaction rows, {args.people:,} people, {args.external:.1%} of rows to someone outside, "
              f"{args.contexts:,} distinct contexts (generated or reused in {time.perf_counter() - t:.1f} s)")
    for fmt in formats:
        if fmt == "jsonl":
            jsonl(files)
        runs = sorted((run(files, fmt, args.dir) for _ in range(args.repeat)), key=lambda r: r["seconds"])
        r = runs[0]
        size = files[fmt].stat().st_size / 1e6
        rate = r["rows"] / r["seconds"]
        target = TARGETS.get(fmt)
        verdict = f"  {'ok' if rate >= target and r['peak_mb'] < 2048 else 'below'} ({target:,}/s, < 2 GB)" if target else ""
        spread = f" (best of {len(runs)}; median {runs[len(runs) // 2]['seconds']:.2f} s)" if len(runs) > 1 else ""
        print(f"{fmt:<8} {r['rows']:>12,} rows  {r['seconds']:7.2f} s  {rate:>12,.0f} rows/s  CPU {min(x['cpu_seconds'] for x in runs):.2f} s  peak RSS {max(x['peak_mb'] for x in runs):,.0f} MB "
              f"(process peak {max(x['maxrss_mb'] for x in runs):,.0f} MB; file {size:,.0f} MB){verdict}{spread}", flush=True)
        if args.floor:
            floor(files, fmt, args.dir, r["rows"])
    if args.connectors:
        # The connector lines come from their own benchmark, run as it runs alone.
        cmd = [sys.executable, str(Path(__file__).with_name("ingest_messaging.py")), "--people", str(args.people), "--dir", str(args.dir / "messaging")]
        for n in args.messages or []:
            cmd += ["--messages", str(n)]
        proc = subprocess.run(cmd)
        if proc.returncode:
            raise SystemExit(proc.returncode)


if __name__ == "__main__":
    main()
