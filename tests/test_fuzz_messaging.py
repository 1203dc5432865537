"""Fuzzing the messaging parsers: any input ends in an import or a clean InputError, never a crash or a partial batch.

Bounded: a few dozen examples per parser, no deadline per example, so CI spends seconds here.
Round trips check that what a well-formed file says is exactly what is stored.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialhr.errors import InputError
from socialhr.ingest import ingest

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
PEOPLE = [f"p{i}@acme.example" for i in range(6)]


def _state(ws):
    return (ws.counts(), ws.db.execute("SELECT count(*) FROM identities").fetchone()[0],
            ws.vault.connect().execute("SELECT count(*) FROM identities").fetchone()[0])


def _import_or_refuse(ws, kind, path):
    before = _state(ws)
    try:
        return ingest(ws, kind, path)
    except InputError as e:
        assert str(e)  # a message a user can read
        assert _state(ws) == before  # nothing partial stored
        return None


# -- e-mail ----------------------------------------------------------------------

header_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
header_line = st.one_of(
    st.builds(lambda n, v: f"{n}: {v}", st.sampled_from(["From", "To", "Cc", "Date", "Message-ID", "In-Reply-To",
                                                         "List-Id", "Precedence", "Auto-Submitted", "Subject"]),
              header_text),
    st.builds(lambda v: f" {v}", header_text),  # a continuation line
    header_text,
    st.sampled_from(["From: Ann <p0@acme.example>", "To: p1@acme.example, \"B, C\" <p2@acme.example>", "Cc: p3@acme.example",
                     "Date: Thu, 2 Jul 2026 09:30:00 +0200", "Date: 2 Jul 26 09:30 -0000", "Message-ID: <a@b>"]),
)


@FUZZ
@given(st.lists(st.lists(header_line, max_size=8), min_size=1, max_size=6), st.binary(max_size=40))
def test_mbox_fuzz(ws, tmp_path_factory, messages, junk):
    path = tmp_path_factory.mktemp("mbox") / "box.mbox"
    body = b"".join(b"From x Thu Jan 01 00:00:00 2026\n" + "\n".join(m).encode("utf-8", "surrogateescape") + b"\n\n" + junk + b"\n"
                    for m in messages)
    path.write_bytes(body)
    _import_or_refuse(ws, "email", path)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_mbox_or_eml(ws, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("eml")
    (folder / "a.eml").write_bytes(data)
    _import_or_refuse(ws, "email", folder)
    (folder / "x.mbox").write_bytes(b"From " + data)
    _import_or_refuse(ws, "email", folder / "x.mbox")


when = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)).map(lambda d: d.replace(microsecond=0))
offset = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
message = st.tuples(st.sampled_from(PEOPLE), st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=5), when, offset)


@FUZZ
@given(st.lists(message, min_size=1, max_size=12))
def test_mbox_round_trip(ws, tmp_path_factory, messages):
    """Write messages as an mbox, import, and find each one (sender removed from its recipients) stored."""
    path = tmp_path_factory.mktemp("rt") / "rt.mbox"
    lines, expected = [], []
    p = ws.pseudonymiser
    run = uuid.uuid4().hex  # (each example's own Message-IDs: one an earlier example stored is skipped as already imported)
    for i, (sender, to, naive, tz) in enumerate(messages):
        local = naive.replace(tzinfo=tz)
        lines.append(f"From {sender} Thu Jan 01 00:00:00 2026\nFrom: Someone <{sender}>\nTo: {', '.join(to)}\n"
                     f"Date: {local.strftime('%a, %d %b %Y %H:%M:%S %z')}\nMessage-ID: <{i}.{run}@rt>\n\nbody\n")
        recipients = sorted({p.token("email", r) for r in to} - {p.token("email", sender)})
        if recipients:
            expected.append((local.astimezone(timezone.utc), p.token("email", sender), recipients, pytest.approx(1 / len(recipients))))
    path.write_text("\n".join(lines))
    result = ingest(ws, "email", path)
    if result.status == "duplicate":
        return
    got = ws.db.execute('SELECT "timestamp", sender, list_sort(recipients), weight FROM interactions WHERE batch_id = ? '
                        'ORDER BY ALL', [result.batch_id]).fetchall()
    assert sorted(got) == sorted(expected)


# -- Slack -------------------------------------------------------------------------

json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
slack_message = st.fixed_dictionaries(
    {"ts": st.one_of(st.just("1782897300.000100"), st.text(max_size=12), st.integers())},
    optional={"user": st.sampled_from(["U1", "U2", "U3", "UX"]) | json_value, "text": st.text(max_size=30) | json_value,
              "subtype": st.sampled_from(["bot_message", "channel_join", "tombstone", "thread_broadcast"]) | json_value,
              "thread_ts": st.sampled_from(["1782897300.000100", "1782897200.000100"]) | json_value,
              "parent_user_id": st.sampled_from(["U1", "U2"]) | json_value, "bot_id": json_value},
)


@FUZZ
@given(st.lists(slack_message | json_value, max_size=8), st.lists(json_value, max_size=1), st.booleans())
def test_slack_fuzz(ws, tmp_path_factory, messages, users_extra, zipped):
    root = tmp_path_factory.mktemp("slack")
    users = [{"id": f"U{i}", "profile": {"email": PEOPLE[i]}} for i in range(1, 4)] + users_extra
    files = {"users.json": json.dumps(users), "channels.json": json.dumps([{"id": "C1", "name": "general", "members": ["U1", "U2"]}]),
             "dms.json": json.dumps([{"id": "D1", "members": ["U1", "U3"]}]),
             "general/2026-07-01.json": json.dumps(messages), "D1/2026-07-01.json": json.dumps(messages[::-1])}
    if zipped:
        path = root / "export.zip"
        with zipfile.ZipFile(path, "w") as z:
            for name, text in files.items():
                z.writestr(name, text)
    else:
        path = root / "export"
        for name, text in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text)
    _import_or_refuse(ws, "slack", path)


@FUZZ
@given(st.lists(st.text(alphabet="ab./\\:_-", min_size=1, max_size=12).filter(lambda n: n != "users.json"),
                min_size=1, max_size=5, unique=True))
def test_zip_member_names_fuzz(ws, tmp_path_factory, names):
    path = tmp_path_factory.mktemp("zip") / "x.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("users.json", "[]")
        for name in names:
            z.writestr(name, "[]")
    _import_or_refuse(ws, "slack", path)


# -- Teams ---------------------------------------------------------------------------

teams_message = st.fixed_dictionaries(
    {"messageType": st.sampled_from(["message", "systemEventMessage"]) | json_value,
     "createdDateTime": st.sampled_from(["2026-07-01T09:00:00Z", "2026-07-01T09:00:00", "noon"]) | json_value},
    optional={"from": st.fixed_dictionaries({"user": st.fixed_dictionaries({"id": st.sampled_from(["a", "b", "c"]) | json_value})}) | json_value,
              "chatId": st.sampled_from(["c1", "c2"]) | json_value,
              "channelIdentity": st.fixed_dictionaries({"teamId": st.just("t"), "channelId": st.sampled_from(["x", "y"])}) | json_value,
              "replyToId": st.sampled_from(["1", "2"]) | json_value, "id": st.sampled_from(["1", "2", "3"]) | json_value,
              "mentions": st.lists(st.fixed_dictionaries({"mentioned": st.fixed_dictionaries({"user": st.fixed_dictionaries({"id": st.sampled_from(["a", "d"])})})}) | json_value, max_size=2),
              "deletedDateTime": st.none() | json_value},
)


@FUZZ
@given(st.lists(teams_message | json_value, max_size=8) | json_value, st.booleans())
def test_teams_fuzz(ws, tmp_path_factory, messages, paged):
    path = tmp_path_factory.mktemp("teams") / "messages.json"
    path.write_text(json.dumps({"value": messages} if paged else messages))
    _import_or_refuse(ws, "teams", path)


# -- calendar --------------------------------------------------------------------------

rrule_text = st.one_of(
    st.builds(lambda f, c, b: f"FREQ={f}" + (f";COUNT={c}" if c is not None else "") + (f";BYDAY={b}" if b else ""),
              st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "SOMETIMES", ""]),
              st.none() | st.integers(-2, 50), st.sampled_from(["", "MO", "MO,WE", "1FR", "-1SU", "XX"])),
    st.text(alphabet="FREQ=;UNTILCOUNTBYDAY0123456789TZ,-", max_size=30),
)
ics_value = st.text(alphabet=st.characters(codec="ascii", exclude_characters="\r\n"), max_size=25)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["20260701T090000Z", "20260701T090000", "20260701", "2026-07-01", ""]) | ics_value,
                          st.none() | rrule_text,
                          st.lists(st.sampled_from(["ACCEPTED", "DECLINED", "TENTATIVE", "X"]), max_size=3),
                          st.sampled_from(["DTEND:20260701T100000Z", "DURATION:PT30M", "DURATION:bad", ""])),
                min_size=1, max_size=4),
       st.lists(st.tuples(st.sampled_from(["SUMMARY", "EXDATE", "RDATE", "RECURRENCE-ID", "STATUS", "X-JUNK"]), ics_value), max_size=3))
def test_calendar_fuzz(ws, tmp_path_factory, events, extra):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0"]
    for i, (start, rule, statuses, end) in enumerate(events):
        lines += ["BEGIN:VEVENT", f"UID:{i}", "DTSTAMP:20260801T000000Z"]
        if start:
            lines.append(f"DTSTART:{start}")
        if rule is not None:
            lines.append(f"RRULE:{rule}")
        if end:
            lines.append(end)
        lines.append("ORGANIZER:mailto:p0@acme.example")
        lines += [f"ATTENDEE;PARTSTAT={s}:mailto:p{j + 1}@acme.example" for j, s in enumerate(statuses)]
        lines += [f"{name}:{value}" for name, value in extra]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    path = tmp_path_factory.mktemp("ics") / "cal.ics"
    path.write_text("\r\n".join(lines) + "\r\n", newline="")
    _import_or_refuse(ws, "calendar", path)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_ics(ws, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("ics") / "x.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\n" + data)
    _import_or_refuse(ws, "calendar", path)
