"""Conformance: for every calendar of the icalendar project's own test suite (shipped in its wheel under
icalendar/tests/calendars), the occurrences socialhr stores equal those of recurring-ical-events, an
independent implementation of RFC 5545 recurrence, over the same period (docs/connectors.md#conformance).

Every event gets an organizer and one accepted attendee, so that each of its occurrences is a meeting.
Compared: each occurrence's start (UTC) and duration. Where socialhr differs on purpose, the reference is
read through the documented rule (:data:`RULES`) and the files where a rule changes something are listed
(:data:`DIFFERS`): a new difference, or a rule that no longer applies, fails the test.

Not compared, by the connector's rules: all-day and cancelled occurrences (no meetings) and events without
DTSTART (skipped as ``no_start``; recurring-ical-events refuses the whole calendar for one). Skipped and
counted: calendars icalendar cannot read (socialhr must refuse them), calendars recurring-ical-events cannot
expand (it raises), and calendars whose reference expansion exceeds :data:`CAP` occurrences. A calendar
socialhr refuses must have no meeting in the reference.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import icalendar
import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest
from socialhr.workspace import Workspace

recurring_ical_events = pytest.importorskip("recurring_ical_events")

CALENDARS = Path(icalendar.__file__).parent / "tests" / "calendars"
START, END = dt.date(1990, 1, 1), dt.date(2040, 12, 31)  # the imported period (inclusive)
CAP = 2_000  # reference occurrences per calendar; beyond, the calendar is skipped (and counted)
UTC = dt.timezone.utc
_LO = dt.datetime(START.year, START.month, START.day, tzinfo=UTC)
_HI = dt.datetime(END.year, END.month, END.day, tzinfo=UTC) + dt.timedelta(days=1)
_NO_END = "X-CONFORMANCE-NO-END"  # marks the events that give neither DTEND nor DURATION
_DATE_RDATES = "X-CONFORMANCE-DATE-RDATES"  # the DATE values in the RDATEs of a timed event

# The deliberate rules where socialhr differs from recurring-ical-events (docs/connectors.md#conformance).
RULES = {
    "no_end": "a timed event with neither DTEND nor DURATION: socialhr stores no duration (NULL, the export gives "
              "none); RFC 5545 3.6.1 and the reference make it an instant (0 minutes), which would pull average "
              "meeting lengths down",
    "date_rdate": "a DATE in an RDATE of a timed series: socialhr makes it an all-day occurrence, no meeting "
                  "(counted in all_day); the reference, an occurrence at midnight with the series' duration",
}

# The calendars where a rule changes the reference's occurrences.
DIFFERS = {
    "created_calendar_with_unicode_fields.ics": {"no_end"},
    "issue_1050_forward_timezone_reference.ics": {"no_end"},
    "issue_1050_simple_calendar.ics": {"no_end"},
    "issue_1081_empty_rdate.ics": {"no_end"},
    "issue_1081_event_with_rrule.ics": {"no_end"},
    "issue_1081_list_of_properties.ics": {"no_end"},
    "issue_1081_tzid_param.ics": {"no_end"},
    "issue_1231_recurrence.ics": {"no_end"},
    "issue_1633_rdate_with_dates.ics": {"no_end"},
    "issue_1633_rdate_with_dates_and_tzid.ics": {"no_end"},
    "issue_127_categories_with_commas.ics": {"no_end"},
    "issue_351_whitespace_in_property_and_params.ics": {"no_end"},
    "issue_722_missing_VTIMEZONE_custom.ics": {"no_end"},
    "issue_722_timezone_transition_ambiguity.ics": {"no_end"},
    "rfc_9253_examples.ics": {"no_end"},
    "timezone_rdate.ics": {"no_end"},
}


def _prepared(data: bytes) -> list[icalendar.Calendar]:
    """The file's calendars, every event with an organizer and one accepted attendee."""
    cals = icalendar.Calendar.from_ical(data, multiple=True)
    for cal in cals:
        for ev in cal.walk("VEVENT"):
            for name in ("ORGANIZER", "ATTENDEE"):
                ev.pop(name, None)
            ev.add("ORGANIZER", "mailto:organizer@conformance.example")
            ev.add("ATTENDEE", "mailto:guest@conformance.example", parameters={"PARTSTAT": "ACCEPTED"})
            if "DTEND" not in ev and "DURATION" not in ev:
                ev.add(_NO_END, "1")
            rdates = ev.get("RDATE", [])
            dates = [v.dt for p in (rdates if isinstance(rdates, list) else [rdates]) for v in getattr(p, "dts", [])
                     if type(v.dt) is dt.date]
            if dates and isinstance(ev.get("DTSTART") and ev["DTSTART"].dt, dt.datetime):
                ev.add(_DATE_RDATES, ",".join(d.isoformat() for d in dates))
    return cals


def _reference(cals: list[icalendar.Calendar]) -> tuple[list, set[str]] | None:
    """recurring-ical-events' meetings over the period: sorted (start, duration), and the rules that changed
    them; None past the cap."""
    out, used = [], set()
    for cal in cals:
        cal = icalendar.Calendar.from_ical(cal.to_ical())  # (a copy: events without a start are dropped from it)
        cal.subcomponents = [c for c in cal.subcomponents if c.name != "VEVENT" or "DTSTART" in c]
        n = 0
        for occ in recurring_ical_events.of(cal).between(START, END + dt.timedelta(days=1)):
            n += 1
            if n > CAP:
                return None
            start = occ["DTSTART"].dt
            if not isinstance(start, dt.datetime) or str(occ.get("STATUS", "")).upper() == "CANCELLED":
                continue  # not meetings
            if start.time() == dt.time(0) and start.date().isoformat() in str(occ.get(_DATE_RDATES, "")).split(","):
                used.add("date_rdate")
                continue
            aware = start if start.tzinfo else start.replace(tzinfo=UTC)  # (floating: the workspace's zone, UTC)
            if not _LO <= aware < _HI:
                continue
            end = occ["DTEND"].dt if "DTEND" in occ else start + occ["DURATION"].dt if "DURATION" in occ else start
            minutes = (end - start).total_seconds() / 60
            if _NO_END in occ and minutes == 0:  # (an RDATE period gives its occurrence a duration of its own)
                used.add("no_end")
                minutes = None
            out.append((aware.astimezone(UTC), minutes))
    return sorted(out, key=_order), used


def _socialhr(path: Path, tmp: Path, template: Path) -> list:
    shutil.copytree(template, tmp / "ws")  # (a fresh workspace, faster than Workspace.init)
    ws = Workspace.open(tmp / "ws")
    try:
        ingest(ws, "calendar", path, start=START, end=END)
        rows = ws.db.execute('SELECT "timestamp", duration_minutes FROM interactions').fetchall()
    finally:
        ws.close()
    return sorted((((t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC), d) for t, d in rows), key=_order)


def _order(occurrence):
    start, minutes = occurrence
    return start, minutes is not None, minutes or 0


@pytest.mark.filterwarnings("ignore:Timezone .* is a globally unique TZID")  # (icalendar's, on its own test files)
def test_occurrences_match_recurring_ical_events_on_icalendars_test_calendars(tmp_path):
    files = sorted(CALENDARS.glob("*.ics"))
    assert len(files) > 50, f"the icalendar wheel ships its test calendars under {CALENDARS}"
    counts = _compare(files, tmp_path, DIFFERS)
    assert counts["compared"] >= 40 and counts["over_cap"] <= 3


# Our own samples of each recurrence form (RDATE, periods, THISANDFUTURE, mixed dates, X-WR-TIMEZONE).
SAMPLE_DIFFERS = {"mixed_dates.ics": {"date_rdate"}}


def test_occurrences_match_recurring_ical_events_on_the_recurrence_samples(tmp_path, data):
    files = sorted((data / "calendar" / "recurrence").glob("*.ics"))
    counts = _compare(files, tmp_path, SAMPLE_DIFFERS)
    assert counts == {"compared": len(files) - 1, "unreadable": 0, "no_reference": 0, "over_cap": 0, "refused": 1}


def _compare(files: list[Path], tmp_path: Path, documented: dict[str, set[str]]) -> dict[str, int]:
    names: dict[str, list[str]] = {k: [] for k in ("compared", "unreadable", "no_reference", "over_cap", "refused")}
    differs: dict[str, set[str]] = {}
    failures = []
    template = tmp_path / "template"
    Workspace.init(template, settings={"calendar_max_years": 200}).close()  # (the period reaches back to 1990)
    for i, f in enumerate(files):
        tmp = tmp_path / str(i)
        tmp.mkdir()
        try:
            cals = _prepared(f.read_bytes())
        except ValueError:  # icalendar cannot read it: socialhr refuses it too
            names["unreadable"].append(f.name)
            with pytest.raises(InputError):
                _socialhr(f, tmp, template)
            continue
        path = tmp / f.name
        path.write_bytes(b"".join(cal.to_ical() for cal in cals))
        try:
            reference = _reference(cals)
        except Exception:  # recurring-ical-events cannot expand it (a broken DTSTART, RRULE, DURATION...)
            names["no_reference"].append(f.name)
            continue
        if reference is None:
            names["over_cap"].append(f.name)
            continue
        expected, used = reference
        try:
            stored = _socialhr(path, tmp, template)
        except InputError as e:
            names["refused"].append(f.name)
            if expected:
                failures.append(f"{f.name}: refused ({e}), but the reference has {len(expected)} meetings")
            continue
        names["compared"].append(f.name)
        if used:
            differs[f.name] = used
        if stored != expected:
            extra = sorted(set(stored) - set(expected), key=_order)[:3]
            missing = sorted(set(expected) - set(stored), key=_order)[:3]
            failures.append(f"{f.name}: {len(stored)} stored, {len(expected)} in the reference; "
                            f"only socialhr: {extra}; only the reference: {missing}")
    counts = {k: len(v) for k, v in names.items()}
    print(f"\nconformance with recurring-ical-events on {len(files)} calendars: {counts}")
    for k in ("unreadable", "no_reference", "over_cap"):
        print(f"  {k}: {', '.join(names[k])}")
    assert not failures, "\n".join(failures)
    assert differs == documented
    return counts
