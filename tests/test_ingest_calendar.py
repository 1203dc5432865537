"""Calendar import: attendees, recurrence (RRULE, EXDATE, overrides, DST), duplicates across calendars, errors."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialhr.errors import InputError
from socialhr.ingest import ingest


def rows(ws):
    return sorted(ws.db.execute(
        'SELECT "timestamp", kind, sender, list_sort(recipients), weight, duration_minutes FROM interactions').fetchall())


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_outlook_export_gives_the_documented_meetings(rostered, data):
    ws, p = rostered, rostered.pseudonymiser
    result = ingest(ws, "calendar", data / "calendar" / "outlook.ics")
    assert (result.rows_read, result.rows_imported) == (7, 6)
    assert result.skipped == {"all_day": 1, "cancelled": 1, "fewer_than_two_participants": 1}
    assert result.notes["attendees_left_out"] == {"declined": 1, "rooms_and_resources": 1, "tentative": 1, "needs_action": 1}
    assert result.notes["occurrences_overridden"] == 1
    assert result.notes["naive_timestamps"] == 1  # the floating "focus time"
    ada, alan, grace, edsger = (p.person(f"E00{i}") for i in range(1, 5))
    katherine, hedy = p.person("E006"), p.person("E008")
    team = sorted([grace, edsger])
    assert rows(ws) == [
        (utc(2026, 10, 7, 9, 0), "meeting", alan, team, 0.5, 45.0),       # 10:00 London summer time
        (utc(2026, 10, 8, 8, 30), "meeting", ada, [alan], 1.0, 30.0),     # organizer listed as attendee counts once
        (utc(2026, 10, 9, 12, 0), "meeting", katherine, sorted([hedy, p.token("email", "buyer@globex.example")]), 0.5, 60.0),
        # 14 Oct is an EXDATE; 21 Oct moved to 22 Oct 15:00 with Edsger tentative
        (utc(2026, 10, 22, 14, 0), "meeting", alan, [grace], 1.0, 45.0),
        (utc(2026, 10, 28, 10, 0), "meeting", alan, team, 0.5, 45.0),     # 10:00 London winter time
        (utc(2026, 11, 4, 10, 0), "meeting", alan, team, 0.5, 45.0),      # UNTIL is inclusive
    ]


def test_google_folder_expands_open_series_to_the_export_time_and_counts_shared_events_once(rostered, data, tmp_path):
    result = ingest(rostered, "calendar", data / "calendar" / "google")
    # the 1:1 is in both calendars; the weekday standup runs from 2 Nov to the export (10 Nov 12:00): 7 days
    assert (result.rows_read, result.rows_imported) == (3, 8)
    assert result.skipped == {"duplicates": 1}
    assert result.notes["period"] == ["2026-10-08T08:30:00+00:00", "2026-11-10T12:00:00+00:00"]
    shutil.make_archive(str(tmp_path / "takeout"), "zip", data / "calendar" / "google")
    again = ingest(rostered, "calendar", tmp_path / "takeout.zip")
    assert (again.rows_read, again.rows_imported) == (3, 8)


def test_period_options_bound_the_expansion(rostered, data):
    result = ingest(rostered, "calendar", data / "calendar" / "google", start="2026-11-03", end="2026-11-05")
    assert result.rows_imported == 3  # standups on 3, 4, 5 Nov
    assert result.skipped == {"outside_period": 2}  # the 1:1 on 8 Oct, in both calendars


def test_meetings_make_ties_between_every_pair_of_participants(rostered, data):
    ingest(rostered, "calendar", data / "calendar" / "outlook.ics")
    # the engine's rule for kind 'meeting': every pair, both ways (docs/data-model.md)
    kinds = rostered.db.execute("SELECT DISTINCT kind, channel FROM interactions").fetchall()
    assert kinds == [("meeting", "meeting")]


@pytest.mark.parametrize("name,message", [
    ("broken_rrule.ics", "broken_rrule.ics, line 17, field 'RRULE': cannot read the recurrence rule 'FREQ=SOMETIMES;BYDAY=XX' "
                         "(invalid 'FREQ': SOMETIMES). Use an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=MO;UNTIL=20261231T000000Z; "
                         "export the calendar again if it was not edited by hand."),
    ("not_ics.ics", "not_ics.ics, line 1: not an iCalendar file: it should start with BEGIN:VCALENDAR. Export the calendar as .ics "
                    "(Google Calendar: Settings > Import & export; Outlook: Save calendar)."),
])
def test_bad_calendars_are_refused_and_change_nothing(rostered, data, snap, name, message):
    before = snap(rostered)
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "calendar", data / "calendar" / name)
    assert str(excinfo.value) == message
    assert snap(rostered) == before


def test_runaway_rules_and_broken_dates_are_refused(rostered, tmp_path, snap):
    base = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261110T120000Z\r\n{}"
            "ORGANIZER:mailto:a@x.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:b@x.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    (tmp_path / "minutely.ics").write_text(base.format("DTSTART:20260101T000000Z\r\nRRULE:FREQ=MINUTELY\r\n"), newline="")
    (tmp_path / "date.ics").write_text(base.format("DTSTART:2026-13-01\r\n"), newline="")
    before = snap(rostered)
    with pytest.raises(InputError, match=r"^minutely.ics, line 3, field 'RRULE': the recurrence rule 'FREQ=MINUTELY' repeats more than 10,000 times"):
        ingest(rostered, "calendar", tmp_path / "minutely.ics")
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "calendar", tmp_path / "date.ics")
    assert str(excinfo.value) == ("date.ics, line 3, field 'DTSTART': not a date or date-time: '2026-13-01'. Use the iCalendar form, "
                                  "e.g. 20260701T090000Z or DTSTART;TZID=Europe/Paris:20260701T090000.")
    assert snap(rostered) == before


def test_bad_period_option(rostered, data):
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "calendar", data / "calendar" / "google", start="last week")
    assert str(excinfo.value) == "the start of the period is not a date: 'last week'. Use YYYY-MM-DD."


# -- the streaming reader (calendar.py reads plain files line by line, not with Calendar.from_ical) -------------

def batch_rows(ws, batch_id):
    return sorted(ws.db.execute(
        'SELECT "timestamp", kind, sender, list_sort(recipients), weight, duration_minutes, context FROM interactions '
        "WHERE batch_id = ?", [batch_id]).fetchall())


def _fold(text: str, width: int, newline: str) -> str:
    out = []
    for line in text.split("\r\n"):
        if line.startswith(("BEGIN:", "END:")):  # kept whole: the file must start with BEGIN:VCALENDAR as written
            out.append(line)
            continue
        parts = [line[:width]] + [" " + line[i:i + width] for i in range(width, len(line), width)]
        out.append(newline.join(parts))
    return newline.join(out)


@pytest.mark.parametrize("width,newline,chunk", [(9, "\r\n", 64), (30, "\n", 1), (75, "\r\n", 1 << 20)])
def test_folded_lines_and_chunk_boundaries_read_the_same(rostered, data, tmp_path, monkeypatch, width, newline, chunk):
    """Lines folded anywhere (RFC 5545: CRLF or LF then a space), LF line ends, and folds that cross the
    reader's chunk boundaries give the same meetings as the plain file."""
    from socialhr.ingest import calendar as cal

    plain = ingest(rostered, "calendar", data / "calendar" / "outlook.ics")
    expected = batch_rows(rostered, plain.batch_id)  # (the folded file, a later export of the same events, replaces them)
    text = (data / "calendar" / "outlook.ics").read_bytes().decode().replace("\r\n", "\n").replace("\n", "\r\n")
    folded = tmp_path / "folded.ics"
    folded.write_bytes(_fold(text.rstrip("\r\n"), width, newline).encode() + newline.encode())
    monkeypatch.setattr(cal, "_CHUNK", chunk)
    again = ingest(rostered, "calendar", folded)
    assert (again.rows_read, again.rows_imported, again.skipped) == (plain.rows_read, plain.rows_imported, plain.skipped)
    assert batch_rows(rostered, again.batch_id) == expected


def test_error_lines_are_the_lines_of_the_file(rostered, tmp_path):
    # a folded line before the event: the error names the line BEGIN:VEVENT is on, as written
    path = tmp_path / "late.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:a very long\r\n  calendar name\r\n\r\n"
                     b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260701T090000Z\r\nEND:VEVENT\r\n"
                     b"BEGIN:VEVENT\r\nUID:y\r\nDTSTART:20260701T0900\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with pytest.raises(InputError, match=r"^late.ics, line 10, field 'DTSTART': not a date or date-time: '20260701T0900'"):
        ingest(rostered, "calendar", path)


def _readings(path):
    """What the streaming reader and icalendar (the whole file, as before) read from one file."""
    from socialhr.ingest import calendar as cal

    def dump(records, fields):
        return [tuple(repr(getattr(r, f)) for f in fields) for r in records]

    light_fields = ("line", "index", "has_start", "start", "start_raw", "stamp", "has_rid", "rid", "rid_future", "uid")
    full_fields = tuple(f for f in cal._Rec.__slots__ if f != "stamp")
    try:
        ref = cal._Source(path, None, lambda: open(path, "rb"))
        ref.parse_whole()
        reference = (dump(ref.legacy, light_fields), dump(ref.legacy, full_fields), ref.wr_timezone)
    except InputError as e:
        reference = str(e)
    zones = cal._Zones()
    src = cal._Source(path, None, lambda: open(path, "rb"))
    try:
        streamed = (dump(src.records(True, zones), light_fields), dump(src.records(False, zones), full_fields), src.wr_timezone)
    except cal._Odd:
        return None, reference  # handed to icalendar whole
    except InputError as e:
        streamed = str(e)
    return streamed, reference


_EVENT_LINES = [
    "DTSTART:20261007T100000Z", "DTSTART;TZID=Europe/London:20261007T100000", 'DTSTART;TZID="Europe/Paris":20261007T100000',
    "DTSTART;VALUE=DATE:20261012", "DTSTART:20261012", "DTSTART:2026-13-01", "DTSTART;TZID=Nowhere/City:20261007T100000",
    "dtstart:20261007T100000", "DTSTART :20261007T100000Z", "DTSTART;TZID=Europe/London:20261007T100000Z",
    "DTSTART:20261007T250000Z", "DTSTART;TZID=Europe/London:20261012", "DTSTART:PT1H", "DTSTART;VALUE=TEXT:x",
    "DTEND:20261007T110000Z", "DTEND;TZID=Europe/London:20261007T110000", "DTEND:20261007", "DURATION:PT45M", "DURATION:bad",
    "DTSTAMP:20261110T120000Z", "DTSTAMP;TZID=Europe/Paris:20261110T120000", "DTSTAMP:20261110",
    "UID:a@x", "UID:b@x", "UID:", "UID:a\\,b", "uid:a@x", "STATUS:CANCELLED", "STATUS:cancelled", "STATUS:CONFIRMED",
    "ORGANIZER:mailto:p0@acme.example", 'ORGANIZER;CN="Zero, P":mailto:p0@acme.example', "ORGANIZER;EMAIL=p0@acme.example:urn:x",
    "ORGANIZER:p0@acme.example", "ORGANIZER;CN=x;EMAIL=\"p0@acme.example\":none",
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:p1@acme.example", "ATTENDEE;PARTSTAT=accepted:MAILTO:p2@acme.example",
    'ATTENDEE;CN="Two: P";PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p2@acme.example', "ATTENDEE;PARTSTAT=DECLINED:mailto:p3@acme.example",
    "ATTENDEE;PARTSTAT=ACCEPTED,DECLINED:mailto:p3@acme.example", 'ATTENDEE;PARTSTAT="ACCEPTED":mailto:p4@acme.example',
    "ATTENDEE; PARTSTAT=ACCEPTED:mailto:p4@acme.example", "ATTENDEE;PARTSTAT=ACCEPTED :mailto:p5@acme.example",
    "ATTENDEE;CUTYPE=ROOM;PARTSTAT=ACCEPTED:mailto:room@acme.example", "ATTENDEE;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:p5@acme.example",
    "ATTENDEE;CN=^'Five^';PARTSTAT=ACCEPTED:mailto:p5@acme.example", "ATTENDEE;EMAIL=p1@acme.example;PARTSTAT=ACCEPTED:urn:uuid:1",
    "ATTENDEE;PARTSTAT=TENTATIVE:mailto:p1@acme.example", "ATTENDEE:mailto:p2@acme.example", "ATTENDEE;PARTSTAT=ACCEPTED:",
    "ATTENDEE;CN=a\\;b;PARTSTAT=ACCEPTED:mailto:p1@acme.example", "ATTENDEE;X-A=%3A;PARTSTAT=ACCEPTED:mailto:p2@acme.example",
    "RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20261104T100000Z", "RRULE:FREQ=DAILY;COUNT=3", "RRULE:BYDAY=MO;FREQ=WEEKLY;COUNT=2",
    "RRULE:FREQ=SOMETIMES", "RRULE:FREQ=DAILY;UNTIL=20261010", "rrule:freq=daily;count=2",
    "EXDATE:20261008T100000Z", "EXDATE;TZID=Europe/London:20261014T100000,20261015T100000", "EXDATE:bad", "EXDATE:",
    "RDATE:20261020T100000Z,20261021T100000Z", "RDATE;VALUE=DATE:20261020", "RDATE;VALUE=PERIOD:20261020T100000Z/PT1H", "RDATE:",
    "RECURRENCE-ID:20261008T100000Z", "RECURRENCE-ID;TZID=Europe/London:20261021T100000", "RECURRENCE-ID:junk",
    "RECURRENCE-ID;RANGE=THISANDFUTURE:20261008T100000Z", 'RECURRENCE-ID;RANGE="thisandfuture";TZID=Europe/London:20261021T100000',
    "RDATE;TZID=Europe/London;VALUE=PERIOD:20261020T100000/20261020T113000,20261027T100000/PT45M",
    "RDATE;VALUE=PERIOD:20261020/20261021", "RDATE;VALUE=PERIOD:20261020T100000Z/20261020", "EXDATE;VALUE=DATE:20261014",
    "X-WR-TIMEZONE:Europe/Berlin",
    "SUMMARY:Weekly\\, with a comma", "DESCRIPTION;ALTREP=\"cid:x\":y", "X-JUNK;X=\"a;b:c\":d", "NOT A PROPERTY", "X_Y:z",
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM", "BEGIN:VALARM\r\nTRIGGER:junk\r\nEND:VALARM",
]
_CALENDAR_LINES = ["X-WR-CALNAME:team", "X-WR-TIMEZONE:Europe/Berlin", "METHOD:PUBLISH", "X-BROKEN", "BEGIN:VTIMEZONE\r\nTZID:Custom/Zone\r\nBEGIN:STANDARD\r\n"
                   "DTSTART:16011028T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\nEND:VTIMEZONE",
                   "BEGIN:VTODO\r\nUID:t\r\nEND:VTODO", "DTSTAMP:bad"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(_EVENT_LINES), max_size=8), min_size=1, max_size=4),
       st.lists(st.sampled_from(_CALENDAR_LINES), max_size=2), st.integers(0, 80), st.sampled_from(["\r\n", "\n"]),
       st.booleans())
def test_streaming_reader_reads_what_icalendar_reads(tmp_path_factory, events, head, fold, newline, blank):
    """Whatever the streaming reader accepts, it reads exactly as icalendar.Calendar.from_ical does
    (dates and their zones, parameters, addresses, rules, line numbers, errors); the rest it hands to icalendar."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0"] + head
    for body in events:
        lines += ["BEGIN:VEVENT"] + body + ["END:VEVENT"] + ([""] if blank else [])
    lines.append("END:VCALENDAR")
    text = "\r\n".join(lines) + "\r\n"
    if fold:
        text = _fold(text, fold, "\r\n")
    path = tmp_path_factory.mktemp("ics") / "cal.ics"
    path.write_bytes(text.replace("\r\n", newline).encode())
    streamed, reference = _readings(path)
    if streamed is not None:
        assert streamed == reference


def test_plain_exports_are_streamed(data, tmp_path):
    """The samples (Outlook with VTIMEZONE, Google) are read by the streaming reader, not handed to icalendar."""
    for path in [data / "calendar" / "outlook.ics", *sorted((data / "calendar" / "google").glob("*.ics")),
                 *sorted((data / "calendar" / "recurrence").glob("*.ics"))]:
        streamed, reference = _readings(path)
        assert streamed is not None and streamed == reference


# -- every recurrence form of RFC 5545 (issue 15): samples in tests/data/calendar/recurrence ----------------------

def meetings(ws, result):
    """(start, duration, sender, recipients) of what one import stored."""
    return [(t, d, s, r) for t, _k, s, r, _w, d, _c in batch_rows(ws, result.batch_id)]


def test_rdate_without_rrule_adds_occurrences(rostered, data):
    p = rostered.pseudonymiser
    result = ingest(rostered, "calendar", data / "calendar" / "recurrence" / "rdate_only.ics")
    ada, alan = p.person("E001"), p.person("E002")
    # DTSTART is the first occurrence, each RDATE one more, with the event's duration
    assert meetings(rostered, result) == [(utc(2013, m, d, 19), 60.0, ada, [alan])
                                          for m, d in ((8, 3), (8, 31), (10, 5), (11, 2))]
    assert result.skipped == {}


def test_rdate_periods_add_occurrences_with_their_own_duration(rostered, data):
    result = ingest(rostered, "calendar", data / "calendar" / "recurrence" / "rdate_period.ics")
    stored = [(t, d) for t, d, _s, _r in meetings(rostered, result)]
    assert stored == [
        (utc(2024, 9, 2, 8), 30.0),     # review: RRULE, 09:00 London summer time
        (utc(2024, 9, 6, 12), 60.0),    # workshop: DTSTART
        (utc(2024, 9, 9, 8), 90.0),     # review: an RRULE occurrence that an RDATE period lengthens (once, 1 h 30)
        (utc(2024, 9, 13, 12), 120.0),  # workshop: PERIOD start/PT2H, no RRULE
        (utc(2024, 9, 16, 8), 30.0),    # review: RRULE
        (utc(2024, 9, 20, 12), 180.0),  # workshop: PERIOD start/end
        (utc(2024, 9, 27, 13), 45.0),   # review: PERIOD with TZID
    ]


def test_this_and_future_override_moves_every_later_occurrence(rostered, data):
    p = rostered.pseudonymiser
    katherine, hedy, ada = p.person("E006"), p.person("E008"), p.person("E001")
    result = ingest(rostered, "calendar", data / "calendar" / "recurrence" / "this_and_future.ics")
    both = sorted([hedy, ada])
    # Tuesdays 10:00 Paris; from 20 Oct on: Wednesdays 14:00, 90 minutes, with Ada (Paris leaves summer time on 25 Oct)
    assert [(t, d, s, sorted(r)) for t, d, s, r in meetings(rostered, result)] == [
        (utc(2026, 10, 6, 8), 60.0, katherine, [hedy]),
        (utc(2026, 10, 13, 8), 60.0, katherine, [hedy]),
        (utc(2026, 10, 21, 12), 90.0, katherine, both),   # the override itself
        (utc(2026, 10, 28, 13), 90.0, katherine, both),
        (utc(2026, 11, 4, 13), 90.0, katherine, both),
        (utc(2026, 11, 11, 13), 90.0, katherine, both),
    ]
    assert result.notes["occurrences_overridden"] == 1


def test_the_period_holds_occurrences_where_the_override_moved_them(rostered, data):
    # 3 Nov (before the period) moves into it, to 4 Nov; 10 Nov (in it) moves out, to 11 Nov
    result = ingest(rostered, "calendar", data / "calendar" / "recurrence" / "this_and_future.ics",
                    start="2026-11-04", end="2026-11-10")
    assert [(t, d) for t, d, *_ in meetings(rostered, result)] == [(utc(2026, 11, 4, 13), 90.0)]
    assert result.skipped == {"outside_period": 2}  # the override's own meeting (21 Oct), and 11 Nov


def test_this_and_future_override_that_cancels_ends_the_series(rostered, data, tmp_path):
    text = (data / "calendar" / "recurrence" / "this_and_future.ics").read_text()
    cancelled = tmp_path / "cancelled.ics"
    cancelled.write_text(text.replace("SEQUENCE:1\n", "SEQUENCE:1\nSTATUS:CANCELLED\n"), newline="")
    result = ingest(rostered, "calendar", cancelled)
    assert [t for t, *_ in meetings(rostered, result)] == [utc(2026, 10, 6, 8), utc(2026, 10, 13, 8)]
    assert result.skipped == {"cancelled": 4}  # the override, and the three occurrences after it


def test_dates_in_a_timed_series_and_times_in_an_all_day_one(rostered, data):
    result = ingest(rostered, "calendar", data / "calendar" / "recurrence" / "mixed_dates.ics")
    # Mondays 15:00 London; EXDATE;VALUE=DATE:20261012 removes that day's meeting; RDATE;VALUE=DATE:20261016 adds an
    # all-day occurrence (no meeting); the all-day offsite stays all-day whatever its RDATE holds.
    assert [(t, d) for t, d, *_ in meetings(rostered, result)] == [
        (utc(2026, 10, 5, 14), 30.0), (utc(2026, 10, 19, 14), 30.0), (utc(2026, 10, 26, 15), 30.0)]
    assert result.skipped == {"all_day": 2}


def test_a_calendar_of_all_day_events_says_so(rostered, data, snap):
    before = snap(rostered)
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "calendar", data / "calendar" / "recurrence" / "all_day_only.ics")
    assert str(excinfo.value) == (
        "all_day_only.ics: only all-day events found (2): absences, holidays and reminders, not meetings. Meetings have "
        "a start time (DTSTART with a time of day); check that you exported the right calendar.")
    assert snap(rostered) == before


def test_floating_times_take_the_calendars_x_wr_timezone(rostered, data):
    result = ingest(rostered, "calendar", data / "calendar" / "recurrence" / "x_wr_timezone.ics")
    # 10:00 floating in a Google calendar whose X-WR-TIMEZONE is Europe/Berlin: 09:00 UTC in November
    assert [t for t, *_ in meetings(rostered, result)] == [utc(2026, 11, 2, 9), utc(2026, 11, 3, 15), utc(2026, 11, 9, 9)]
    assert result.notes["naive_timestamps"] == 1
    assert result.notes["timezone_from_calendar"] == {"Europe/Berlin": 1}
    assert result.notes["timezone_assumed"] is None  # (the workspace's zone was not needed)


def test_an_unknown_x_wr_timezone_falls_back_to_the_workspace_zone(rostered, data, tmp_path):
    path = tmp_path / "nowhere.ics"
    path.write_text((data / "calendar" / "recurrence" / "x_wr_timezone.ics").read_text()
                    .replace("X-WR-TIMEZONE:Europe/Berlin", "X-WR-TIMEZONE:Nowhere/City"), newline="")
    result = ingest(rostered, "calendar", path)
    assert [t for t, *_ in meetings(rostered, result)][0] == utc(2026, 11, 2, 10)  # the workspace's zone: UTC
    assert result.notes["timezone_assumed"] == "UTC"
    assert result.notes["timezone_from_calendar_unknown"] == ["Nowhere/City"]
