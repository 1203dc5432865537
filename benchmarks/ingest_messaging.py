"""Messaging connectors' speed and peak memory: an mbox and a Slack export of N messages, an .ics of N events.

Usage::

    python benchmarks/ingest_messaging.py                    # 1 million messages each, 200,000 events, 20,000 people
    python benchmarks/ingest_messaging.py --messages 200000  # quicker
    python benchmarks/ingest_messaging.py --messages 200000 --messages 1000000  # is memory flat?
    python benchmarks/ingest_messaging.py --only calendar --events 50000 --events 500000

Generates the inputs once under --dir (not timed): a header-only mbox (From, To,
Cc, Date, Message-ID, In-Reply-To; 1-4 recipients, a few broadcasts and
duplicates, a short body) and a Slack export .zip (users.json, 300 channels,
2,000 DMs and 500 group DMs, one JSON file per conversation per day; threads,
mentions, bots, joins); and an Outlook-style calendar.ics (a VTIMEZONE, 1-8
attendees with CN, PARTSTAT and RSVP, lines folded at 75 octets, some declined
or tentative attendees, rooms, all-day and cancelled events, and 1 event in 20 a
weekly series in Europe/London with an EXDATE and a moved occurrence). Each import runs in a fresh child process so its peak
memory is its own: "RSS MB" is the process before the import (after the roster),
"peak MB" the highest resident set during the import alone. Prints one line per connector and size; targets
(issue 3, 2 cores): e-mail 20,000 messages/s, Slack 50,000 messages/s, calendar 10,000 events/s, flat memory.
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


def _fold(line: str) -> str:
    """RFC 5545 folding: lines longer than 75 octets continue on lines starting with a space."""
    if len(line) <= 75:
        return line + "\r\n"
    parts = [line[:75]] + [line[i:i + 74] for i in range(75, len(line), 74)]
    return "\r\n ".join(parts) + "\r\n"


def ics(out: Path, n: int, people: int) -> Path:
    path = out / f"calendar_{n}.ics"
    if path.exists():
        return path
    rng = random.Random(3)
    series = START.replace(tzinfo=None)
    stamp = (START + dt.timedelta(seconds=SPAN)).strftime("%Y%m%dT%H%M%SZ")
    with open(path, "w", newline="") as f:
        f.write("BEGIN:VCALENDAR\r\nPRODID:-//socialhr//benchmark//EN\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\n"
                "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nBEGIN:STANDARD\r\nDTSTART:16011028T020000\r\n"
                "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\n"
                "BEGIN:DAYLIGHT\r\nDTSTART:16010325T010000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
                "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n")
        buf = []
        for i in range(n):
            s = rng.randrange(people)
            t = START + dt.timedelta(seconds=rng.randrange(SPAN) // 900 * 900)
            lines = ["BEGIN:VEVENT", f"UID:{i:08d}-bench@acme.example", f"SUMMARY:Meeting {i}", f"DTSTAMP:{stamp}"]
            kind = i % 20
            if kind == 0:  # a weekly series in London time, one week skipped, one moved
                series = t.replace(tzinfo=None)
                lines += [f"DTSTART;TZID=Europe/London:{series:%Y%m%dT%H%M%S}",
                          f"DTEND;TZID=Europe/London:{series + dt.timedelta(minutes=30):%Y%m%dT%H%M%S}",
                          "RRULE:FREQ=WEEKLY;COUNT=8",
                          f"EXDATE;TZID=Europe/London:{series + dt.timedelta(weeks=2):%Y%m%dT%H%M%S}"]
            elif kind == 1:  # the previous series' fourth meeting, moved a day later
                moved = series + dt.timedelta(weeks=3)
                lines[1] = f"UID:{i - 1:08d}-bench@acme.example"
                lines += [f"RECURRENCE-ID;TZID=Europe/London:{moved:%Y%m%dT%H%M%S}",
                          f"DTSTART;TZID=Europe/London:{moved + dt.timedelta(days=1):%Y%m%dT%H%M%S}", "DURATION:PT30M"]
            elif kind == 2:  # an absence
                lines += [f"DTSTART;VALUE=DATE:{t:%Y%m%d}", f"DTEND;VALUE=DATE:{t + dt.timedelta(days=1):%Y%m%d}"]
            else:
                lines += [f"DTSTART:{t:%Y%m%dT%H%M%SZ}", f"DTEND:{t + dt.timedelta(minutes=rng.choice((15, 30, 60))):%Y%m%dT%H%M%SZ}"]
                if kind == 3 and i % 60 == 3:
                    lines.append("STATUS:CANCELLED")
            lines.append(f'ORGANIZER;CN="Person {s}":mailto:user{s}@acme.example')
            k = 30 if i % 499 == 0 else rng.choice((1, 1, 2, 3, 4, 5, 8))
            for _ in range(k):
                a = (s + 1 + rng.randrange(64)) % people
                status = rng.choice(("ACCEPTED",) * 6 + ("DECLINED", "TENTATIVE", "NEEDS-ACTION"))
                lines.append(f'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={status};RSVP=TRUE;'
                             f'CN="Person {a}, Team {a // 8}":mailto:user{a}@acme.example')
            if i % 10 == 4:
                lines.append("ATTENDEE;CUTYPE=ROOM;PARTSTAT=ACCEPTED;CN=Room 4.01:mailto:room401@acme.example")
            lines.append("END:VEVENT")
            buf.append("".join(_fold(x) for x in lines))
            if len(buf) >= 10_000:
                f.write("".join(buf))
                buf.clear()
        buf.append("END:VCALENDAR\r\n")
        f.write("".join(buf))
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
    ap.add_argument("--events", type=int, action="append", help="events in the calendar (repeat for several sizes)")
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/socialhr-bench-messaging"))
    ap.add_argument("--only", choices=("email", "slack", "calendar"))
    args = ap.parse_args()
    sizes = args.messages or [1_000_000]
    args.dir.mkdir(parents=True, exist_ok=True)
    roster_path = roster(args.dir, args.people)
    events = args.events or [200_000]
    print(f"{'connector':<10} {'messages':>10} {'stored':>10} {'seconds':>8} {'msg/s':>9} {'RSS MB':>7} {'peak MB':>8}  target")
    print(f"{'':<10} {'(events)':>10} {'':>10} {'':>8} {'(ev/s)':>9}")
    runs = [(kind, make, target, n) for n in sizes for kind, make, target in (("email", mbox, 20_000), ("slack", slack, 50_000))]
    runs += [("calendar", ics, 10_000, n) for n in events]
    for kind, make, target, n in runs:
        if args.only and kind != args.only:
            continue
        path = make(args.dir, n, args.people)
        r = run(args.dir / "ws", roster_path, kind, path)
        rate = r["read"] / r["seconds"]
        print(f"{kind:<10} {r['read']:>10,} {r['stored']:>10,} {r['seconds']:>8.1f} {rate:>9,.0f} "
              f"{r['before_mb']:>7.0f} {r['peak_mb']:>8.0f}  {'ok' if rate >= target else 'below'} ({target:,}/s)", flush=True)


if __name__ == "__main__":
    main()
