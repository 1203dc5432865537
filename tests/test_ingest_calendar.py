"""Calendar import: attendees, recurrence (RRULE, EXDATE, overrides, DST), duplicates across calendars, errors."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest


@pytest.fixture
def rostered(ws, data):
    ingest(ws, "roster", data / "roster" / "workday.csv")
    return ws


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
    with pytest.raises(InputError, match=r"^minutely.ics, line 3, field 'RRULE': the recurrence rule 'FREQ=MINUTELY' repeats more than 20,000 times"):
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
