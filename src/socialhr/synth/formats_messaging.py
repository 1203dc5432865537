"""The synthetic organization's activity as a Slack export, an mbox and an .ics file.

:func:`write_messaging_formats` reads the ``roster.csv`` and
``interactions.csv`` the generator wrote and splits the same interactions by
channel, so that importing the three files gives the same people, times,
senders, recipients and weights as importing ``interactions.csv``:

* ``chat`` rows -> ``slack.zip``, a Slack export as Slack delivers it (users.json,
  channels.json, dms.json, mpims.json, one folder per conversation with one
  JSON file per UTC day). It is a zip, not a folder, because the 2,000-person
  demo has about 50,000 day files: written one by one they took 10 seconds
  on the project's machine, zipped under one. A chat whose recipients are all in the sender's
  team is a post in the team's channel mentioning them; all in the sender's
  department, a post in the department's channel mentioning them (so mention
  ties, as teams chat in practice, and far fewer files); any other chat is a
  direct message (one recipient) or a group DM (several);
* ``email`` rows -> ``mail.mbox``: headers only (From, To, Date, Message-ID)
  and an empty body, ``Date`` in the sender's local time with its offset;
* ``meeting`` rows -> ``calendar.ics``: one VEVENT per row in UTC, the sender
  as ORGANIZER and every other attendee ``PARTSTAT=ACCEPTED``, DTSTAMP the
  end of the window (the export time).

No randomness: the files depend only on the two CSVs, so the generator stays
deterministic. User ids are ``U`` and seven digits, in roster order then in
address order; Message-IDs and UIDs number the rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import zipfile
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from . import company as co

FILES = {"slack": "slack.zip", "mbox": "mail.mbox", "ics": "calendar.ics"}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def write_messaging_formats(out_dir: str | os.PathLike, *, roster: Path, interactions: Path,
                            end_date: dt.date) -> dict[str, str]:
    """Write ``slack/``, ``mail.mbox`` and ``calendar.ics`` into ``out_dir``; return name -> path."""
    out = Path(out_dir)
    people = _read_roster(roster)
    table = pacsv.read_csv(interactions, convert_options=pacsv.ConvertOptions(
        column_types={"timestamp": pa.string(), "sender": pa.string(), "recipients": pa.string(),
                      "channel": pa.string(), "duration_minutes": pa.float64()}))
    epoch = table.column("timestamp").cast(pa.timestamp("s", tz="UTC")).cast(pa.int64()).to_pylist()
    cols = {name: table.column(name).to_pylist() for name in ("timestamp", "sender", "recipients", "channel",
                                                              "duration_minutes")}
    del table
    rows = {"email": [], "chat": [], "meeting": []}
    for i, channel in enumerate(cols["channel"]):
        rows[channel].append(i)
    paths = {key: out / name for key, name in FILES.items()}
    _write_mbox(paths["mbox"], rows["email"], cols, epoch)
    _write_ics(paths["ics"], rows["meeting"], cols, epoch, end_date)
    _write_slack(paths["slack"], rows["chat"], cols, epoch, people)
    return {key: str(path) for key, path in paths.items()}


def _read_roster(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _atomic(path: Path):
    tmp = path.with_name(path.name + ".partial")
    return tmp, open(tmp, "w", encoding="utf-8", newline="\n")


# -- e-mail ------------------------------------------------------------------

def _write_mbox(path: Path, idx: list[int], cols: dict, epoch: list[int]) -> None:
    ts, sender, recipients = cols["timestamp"], cols["sender"], cols["recipients"]
    weekday: dict[str, str] = {}
    tmp, f = _atomic(path)
    with f:
        parts = []
        for i in idx:
            t = ts[i]
            day = t[:10]
            wd = weekday.get(day)
            if wd is None:
                wd = weekday[day] = _WEEKDAYS[dt.date.fromisoformat(day).weekday()]
            mon = _MONTHS[int(t[5:7]) - 1]
            # The envelope line carries the same local time (its zone is not part of the format).
            parts.append(
                f"From {sender[i]} {wd} {mon} {int(t[8:10]):2d} {t[11:19]} {t[:4]}\n"
                f"From: {sender[i]}\n"
                f"To: {recipients[i].replace(';', ', ')}\n"
                f"Date: {wd}, {int(t[8:10])} {mon} {t[:4]} {t[11:19]} {t[19:22]}{t[23:25]}\n"
                f"Message-ID: <m{i}@{co.COMPANY_DOMAIN}>\n\n")
            if len(parts) >= 10_000:
                f.write("".join(parts))
                parts.clear()
        f.write("".join(parts))
    os.replace(tmp, path)


# -- calendar ----------------------------------------------------------------

def _fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, continued with a space (ASCII here)."""
    if len(line) <= 75:
        return line + "\r\n"
    out = [line[:75]]
    rest = line[75:]
    while rest:
        out.append(" " + rest[:74])
        rest = rest[74:]
    return "\r\n".join(out) + "\r\n"


_DAYS: dict[int, tuple[str, str]] = {}


def _day(seconds: int) -> tuple[str, str]:
    """("YYYY-MM-DD", "YYYYMMDD") of a UTC epoch second, cached per day."""
    d = seconds // 86_400
    hit = _DAYS.get(d)
    if hit is None:
        iso = (dt.date(1970, 1, 1) + dt.timedelta(days=d)).isoformat()
        hit = _DAYS[d] = (iso, iso.replace("-", ""))
    return hit


def _ics_time(seconds: int) -> str:
    rest = seconds % 86_400
    return f"{_day(seconds)[1]}T{rest // 3600:02d}{rest // 60 % 60:02d}{rest % 60:02d}Z"


def _write_ics(path: Path, idx: list[int], cols: dict, epoch: list[int], end_date: dt.date) -> None:
    sender, recipients, duration = cols["sender"], cols["recipients"], cols["duration_minutes"]
    stamp = (end_date + dt.timedelta(days=1)).strftime("%Y%m%dT000000Z")
    tmp, f = _atomic(path)
    with f:
        f.write(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//socialhr//synthetic {co.COMPANY_NAME}//EN\r\n"
                "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n")
        parts = []
        for i in idx:
            start = epoch[i]
            minutes = duration[i] if duration[i] is not None else 30
            lines = [
                "BEGIN:VEVENT",
                f"UID:meeting-{i}@{co.COMPANY_DOMAIN}",
                f"DTSTAMP:{stamp}",
                f"DTSTART:{_ics_time(start)}",
                f"DTEND:{_ics_time(start + int(minutes * 60))}",
                f"ORGANIZER:mailto:{sender[i]}",
            ]
            parts.append("\r\n".join(lines) + "\r\n")
            parts.extend(_fold(f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{a}") for a in recipients[i].split(";"))
            parts.append("END:VEVENT\r\n")
            if len(parts) >= 20_000:
                f.write("".join(parts))
                parts.clear()
        parts.append("END:VCALENDAR\r\n")
        f.write("".join(parts))
    os.replace(tmp, path)


# -- Slack ---------------------------------------------------------------------

def _write_slack(root: Path, idx: list[int], cols: dict, epoch: list[int], people: list[dict]) -> None:
    sender, recipients = cols["sender"], cols["recipients"]
    user_id: dict[str, str] = {}
    names: dict[str, str] = {}
    for p in people:
        user_id[p["email"]] = f"U{len(user_id) + 1:07d}"
        names[p["email"]] = p["name"]
    others = sorted({a for i in idx for a in [sender[i], *recipients[i].split(";")]} - set(user_id))
    for a in others:
        user_id[a] = f"U{len(user_id) + 1:07d}"
    team = {p["email"]: p["team"] for p in people}
    dept = {p["email"]: p["department"] for p in people}
    channel_of = {}  # (kind, name) -> folder
    members: dict[str, set[str]] = defaultdict(set)
    for p in people:
        for kind, name in (("team", p["team"]), ("dept", p["department"])):
            folder = channel_of.setdefault((kind, name), _channel_name(kind, name, channel_of))
            members[folder].add(user_id[p["email"]])
    dms: dict[tuple[str, ...], str] = {}
    days: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for seq, i in enumerate(idx):
        s = sender[i]
        rec = recipients[i].split(";")
        uid = user_id[s]
        ts = f"{epoch[i]}.{seq % 1_000_000:06d}"
        day = _day(epoch[i])[0]
        t = team.get(s)
        if t is not None and all(team.get(r) == t for r in rec):
            folder = channel_of[("team", t)]
        elif s in dept and all(dept.get(r) == dept[s] for r in rec):
            folder = channel_of[("dept", dept[s])]
        else:
            folder = None
        if folder is not None:
            text = " ".join(f"<@{user_id[r]}>" for r in rec)
            days[(folder, day)].append({"type": "message", "user": uid, "text": text, "ts": ts})
            continue
        key = tuple(sorted({uid, *(user_id[r] for r in rec)}))
        folder = dms.get(key)
        if folder is None:
            n = len(dms) + 1
            folder = dms[key] = f"D{n:08d}" if len(key) == 2 else f"mpdm-{n:08d}-1"
        days[(folder, day)].append({"type": "message", "user": uid, "text": "", "ts": ts})
    tmp = root.with_name(root.name + ".partial")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        def put(name: str, value) -> None:
            # A fixed date keeps the archive byte-identical from run to run.
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, json.dumps(value, separators=(",", ":"), ensure_ascii=False))

        put("users.json", [
            {"id": uid, "name": email.split("@")[0], "deleted": False, "is_bot": False,
             "profile": {"real_name": names.get(email, email.split("@")[0]), "email": email}}
            for email, uid in user_id.items()])
        put("channels.json", [
            {"id": f"C{n:07d}", "name": folder, "is_archived": False, "members": sorted(members[folder])}
            for n, folder in enumerate(channel_of.values(), 1)])
        put("dms.json", [{"id": folder, "members": list(key)} for key, folder in dms.items() if len(key) == 2])
        put("mpims.json", [{"id": f"G{n:07d}", "name": folder, "members": list(key)}
                           for n, (key, folder) in enumerate(dms.items(), 1) if len(key) > 2])
        for (folder, day), messages in sorted(days.items()):
            put(f"{folder}/{day}.json", messages)
    os.replace(tmp, root)


def _channel_name(kind: str, name: str, taken: dict) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    slug = "-".join(filter(None, slug.split("-")))
    base = f"team-{slug}" if kind == "team" else f"dept-{slug}"
    used = set(taken.values())
    out, n = base, 2
    while out in used:
        out, n = f"{base}-{n}", n + 1
    return out

