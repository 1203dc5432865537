"""Messaging connectors' speed and peak memory: an mbox and a Slack export of N messages.

Usage::

    python benchmarks/ingest_messaging.py                    # 1 million messages each, 20,000 people
    python benchmarks/ingest_messaging.py --messages 200000  # quicker
    python benchmarks/ingest_messaging.py --messages 200000 --messages 1000000  # is memory flat?

Generates the inputs once under --dir (not timed): a header-only mbox (From, To,
Cc, Date, Message-ID, In-Reply-To; 1-4 recipients, a few broadcasts and
duplicates, a short body) and a Slack export .zip (users.json, 300 channels,
2,000 DMs and 500 group DMs, one JSON file per conversation per day; threads,
mentions, bots, joins). Each import runs in a fresh child process so its peak
memory is its own: "RSS MB" is the process before the import (after the roster),
"peak MB" the highest resident set during the import alone. Prints one line per connector and size; targets
(issue 3, 2 cores): e-mail 20,000 messages/s, Slack 50,000 messages/s, flat memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from socialhr.workspace import Workspace
from socialhr.ingest import ingest
ws_dir, roster, kind, path = sys.argv[1:5]
ws = Workspace.init(Path(ws_dir))
ingest(ws, "roster", Path(roster))

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024

before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:  # reset the peak (VmHWM) so it measures this import alone
    f.write("5")
t = time.perf_counter()
result = ingest(ws, kind, Path(path))
elapsed = time.perf_counter() - t
peak = status("VmHWM")
ws.close()
print(json.dumps({"read": result.rows_read, "stored": result.rows_imported, "seconds": elapsed,
                  "before_mb": before, "peak_mb": peak}))
"""

START = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
SPAN = 84 * 86_400
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def roster(out: Path, people: int) -> Path:
    path = out / f"roster_{people}.csv"
    if not path.exists():
        with open(path, "w") as f:
            f.write("employee_id,email,name,department,team,manager_id\n")
            for i in range(people):
                f.write(f"E{i:06d},user{i}@acme.example,Person {i},Dept {i % 12},Team {i // 8},{'E%06d' % (i // 8) if i else ''}\n")
    return path


def mbox(out: Path, n: int, people: int) -> Path:
    path = out / f"mail_{n}.mbox"
    if path.exists():
        return path
    rng = random.Random(1)
    with open(path, "w") as f:
        buf = []
        for i in range(n):
            s = rng.randrange(people)
            k = 30 if i % 997 == 0 else rng.choice((1, 1, 1, 2, 3, 4))
            to = ", ".join(f"user{(s + 1 + rng.randrange(64)) % people}@acme.example" for _ in range(k))
            t = START + dt.timedelta(seconds=rng.randrange(SPAN))
            mid = i - 1 if i % 500 == 1 else i  # a few duplicates
            reply = f"In-Reply-To: <{i - 3}@acme.example>\n" if i % 4 == 0 else ""
            cc = f"Cc: Someone <user{(s + 7) % people}@acme.example>\n" if i % 6 == 0 else ""
            buf.append(f"From user{s}@acme.example {t:%a %b %d %H:%M:%S %Y}\n"
                       f"From: Person {s} <user{s}@acme.example>\nTo: {to}\n{cc}"
                       f"Subject: update {i}\nDate: {WEEKDAYS[t.weekday()]}, {t.day} {MONTHS[t.month - 1]} {t.year} "
                       f"{t:%H:%M:%S} +0000\nMessage-ID: <{mid}@acme.example>\n{reply}"
                       f"MIME-Version: 1.0\nContent-Type: text/plain\n\nHello,\nsee the notes.\n\n")
            if len(buf) >= 10_000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    return path


def slack(out: Path, n: int, people: int) -> Path:
    path = out / f"slack_{n}.zip"
    if path.exists():
        return path
    rng = random.Random(2)
    channels = [{"id": f"C{c:06d}", "name": f"channel-{c}",
                 "members": [f"U{(c * 50 + j) % people:06d}" for j in range(40)]} for c in range(300)]
    dms = [{"id": f"D{d:06d}", "members": [f"U{rng.randrange(people):06d}", f"U{rng.randrange(people):06d}"]} for d in range(2000)]
    mpims = [{"id": f"G{g:06d}", "name": f"mpdm-{g}", "members": [f"U{rng.randrange(people):06d}" for _ in range(4)]}
             for g in range(500)]
    convs = [(c["name"], c["members"], True) for c in channels] + [(d["id"], d["members"], False) for d in dms] + \
            [(g["name"], g["members"], False) for g in mpims]
    files: dict[tuple[str, int], list] = {}
    threads: dict[str, list[str]] = {}
    for i in range(n):
        name, members, is_channel = convs[rng.randrange(len(convs))] if i % 3 else convs[rng.randrange(300)]
        user = rng.choice(members)
        sec = rng.randrange(SPAN)
        ts = f"{int(START.timestamp()) + sec}.{i % 1_000_000:06d}"
        msg = {"type": "message", "user": user, "text": "status update", "ts": ts}
        if is_channel:
            r = i % 10
            if r == 0:
                msg["text"] = f"<@{rng.choice(members)}> can you look?"
            elif r in (1, 2) and threads.get(name):
                msg["thread_ts"] = rng.choice(threads[name])
                msg["parent_user_id"] = members[0]
            elif r == 3:
                threads.setdefault(name, []).append(ts)
                msg["thread_ts"] = ts
                msg["reply_count"] = 2
            elif r == 4 and i % 50 == 4:
                msg = {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": "deployed", "ts": ts}
            elif r == 5 and i % 50 == 5:
                msg["subtype"] = "channel_join"
        files.setdefault((name, sec // 86_400), []).append(msg)
    users = [{"id": f"U{i:06d}", "name": f"user{i}", "deleted": False, "is_bot": False,
              "profile": {"email": f"user{i}@acme.example", "real_name": f"Person {i}"}} for i in range(people)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("users.json", json.dumps(users))
        z.writestr("channels.json", json.dumps(channels))
        z.writestr("dms.json", json.dumps(dms))
        z.writestr("mpims.json", json.dumps(mpims))
        for (name, day), messages in sorted(files.items()):
            messages.sort(key=lambda m: m["ts"])
            z.writestr(f"{name}/{(START + dt.timedelta(days=day)):%Y-%m-%d}.json", json.dumps(messages))
    return path


def run(ws_dir: Path, roster_path: Path, kind: str, path: Path) -> dict:
    if ws_dir.exists():
        import shutil

        shutil.rmtree(ws_dir)
    out = subprocess.run([sys.executable, "-c", CHILD, str(ws_dir), str(roster_path), kind, str(path)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, action="append", help="messages per input (repeat for several sizes)")
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/socialhr-bench-messaging"))
    ap.add_argument("--only", choices=("email", "slack"))
    args = ap.parse_args()
    sizes = args.messages or [1_000_000]
    args.dir.mkdir(parents=True, exist_ok=True)
    roster_path = roster(args.dir, args.people)
    print(f"{'connector':<10} {'messages':>10} {'stored':>10} {'seconds':>8} {'msg/s':>9} {'RSS MB':>7} {'peak MB':>8}  target")
    for n in sizes:
        for kind, make, target in (("email", mbox, 20_000), ("slack", slack, 50_000)):
            if args.only and kind != args.only:
                continue
            path = make(args.dir, n, args.people)
            r = run(args.dir / "ws", roster_path, kind, path)
            rate = r["read"] / r["seconds"]
            print(f"{kind:<10} {r['read']:>10,} {r['stored']:>10,} {r['seconds']:>8.1f} {rate:>9,.0f} "
                  f"{r['before_mb']:>7.0f} {r['peak_mb']:>8.0f}  {'ok' if rate >= target else 'below'} ({target:,}/s)", flush=True)


if __name__ == "__main__":
    main()
