"""Import meetings from iCalendar (.ics) files: one file, a folder, or a .zip (Google, Outlook).

Parsing is done by the maintained ``icalendar`` package; recurring series are
expanded with ``dateutil.rrule`` (RFC 5545 RRULE, RDATE, EXDATE, and
RECURRENCE-ID overrides).

Rules (docs/connectors.md):

* a meeting is an event with at least two participants: the organizer and
  the attendees whose ``PARTSTAT`` is ``ACCEPTED``. Declined, tentative and
  unanswered attendees, rooms and resources (``CUTYPE``), and non-participants
  (``ROLE``) are left out and counted in ``notes``;
* it makes one ``meeting`` interaction from the organizer to the other
  participants, with its duration; the network engine ties every pair of
  participants both ways. Each tie weighs 1 / (participants - 1); more than
  ``broadcast_threshold`` recipients makes a ``broadcast``;
* recurring series are expanded over the imported period: ``start`` and
  ``end`` if given, else from the earliest event start to the export time
  (the latest ``DTSTAMP``, as Google and Outlook stamp every event when they
  export) or the latest event start if later. Occurrences outside it are
  skipped and counted, as are cancelled events and occurrences, all-day events
  (absences, holidays), events without a start, and the same occurrence (UID
  and start) exported in two calendars;
* times keep their zone (TZID, UTC); floating times take the workspace's zone.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

import icalendar
from dateutil import rrule as du_rrule

from ..errors import InputError
from ..workspace import Workspace
from .archive import MAX_RATIO, MemberError, iter_files, open_tree
from .batch import Batch, BatchResult
from .identity import IdentityResolver
from .messaging import InteractionSink, micros

MAX_OCCURRENCES = 20_000  # per series, counted from its first start: a guard against rules that never stop
_UNTIL = re.compile(r"UNTIL=(\d{8}(?:T\d{6}Z?)?)", re.I)
_UTC = dt.timezone.utc


def import_calendar(ws: Workspace, path: str | Path, *, start: str | dt.date | None = None,
                    end: str | dt.date | None = None,
                    progress: Callable[[int, int | None], None] | None = None) -> BatchResult:
    """Import .ics files (a file, a folder or a .zip) as one batch. See the module docstring for the rules.

    Parameters
    ----------
    start, end
        The imported period (ISO dates, inclusive, in UTC); by default from the first
        event to the export time.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file or folder: {path}", hint="Check the path; it is relative to where you run the command.")
    lo = _day(start, "start")
    hi = _day(end, "end")
    zone = ZoneInfo(ws.settings["timezone"])
    calendars = list(_read_calendars(path, ws.settings.get("archive_max_ratio", MAX_RATIO)))
    with Batch(ws, "calendar", path) as batch:
        if batch.is_duplicate:
            return batch.result
        _Import(ws, batch, zone, calendars, lo, hi + 86_400_000_000 if hi is not None else None, progress).run()
    return batch.result


def _day(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            raise InputError(f"the {name} of the period is not a date: {value!r}", hint="Use YYYY-MM-DD.") from None
    return micros(dt.datetime(value.year, value.month, value.day, tzinfo=_UTC))


class _Cal:
    """One parsed .ics: its events and the line each starts on."""

    def __init__(self, source: Path, member: str | None, events: list, lines: list[int]):
        self.source, self.member, self.events, self.lines = source, member, events, lines

    def error(self, message: str, index: int, field: str | None = None, hint: str | None = None) -> InputError:
        line = self.lines[index] if index < len(self.lines) else None
        return MemberError(message, source=self.source, member=self.member, line=line, field=field, hint=hint)


def _read_calendars(path: Path, max_ratio: float) -> Iterator[_Cal]:
    if path.is_file() and path.suffix.lower() != ".zip":
        yield _parse(path.read_bytes(), path.parent / path.name, None)
        return
    with open_tree(path, max_ratio=max_ratio) as tree:
        found = False
        for member in iter_files(tree, (".ics", ".ical", ".ifb")):
            found = True
            yield _parse(tree.read(member), tree.path, member)
        if not found:
            raise InputError("no .ics files found", file=path,
                             hint="Give an .ics file, or a folder or .zip holding .ics files (Google Calendar and Outlook exports).")


def _parse(data: bytes, source: Path, member: str | None) -> _Cal:
    where = dict(source=source, member=member)
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MemberError(f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})", **where,
                          line=data.count(b"\n", 0, e.start) + 1,
                          hint="iCalendar files are UTF-8 (RFC 5545); export the calendar again.") from None
    if "BEGIN:VCALENDAR" not in text[:1000].upper():
        raise MemberError("not an iCalendar file: it should start with BEGIN:VCALENDAR", **where, line=1,
                          hint="Export the calendar as .ics (Google Calendar: Settings > Import & export; Outlook: Save calendar).")
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip().upper() == "BEGIN:VEVENT"]
    try:
        cals = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, KeyError, IndexError) as e:
        raise MemberError(f"cannot read this iCalendar file ({e})", **where,
                          hint="The file may be truncated or damaged; export the calendar again.") from None
    events = [ev for cal in cals for ev in cal.walk("VEVENT")]
    return _Cal(source, member, events, lines)


class _Import:
    def __init__(self, ws, batch, zone, calendars, lo, hi, progress):
        self.ws, self.batch, self.zone, self.calendars = ws, batch, zone, calendars
        self.lo, self.hi, self.progress = lo, hi, progress
        self.resolver = IdentityResolver(ws, batch.batch_id)
        self.sink = InteractionSink(ws, batch.batch_id, threshold=ws.settings["broadcast_threshold"])
        self.skip: dict[str, int] = {}
        self.left_out: dict[str, int] = {}
        self.naive = 0
        self.overridden = 0
        self.seen: set[tuple[str, int]] = set()

    def count(self, reason: str, n: int = 1) -> None:
        self.skip[reason] = self.skip.get(reason, 0) + n

    def run(self) -> None:
        overrides: dict[str, set[int]] = {}
        stamps, starts = [], []
        for cal in self.calendars:
            for i, ev in enumerate(cal.events):
                start = self.start_of(cal, i, ev)
                if start is not None:
                    starts.append(start)
                stamp = ev.get("DTSTAMP")
                if stamp is not None and isinstance(_dt(stamp), dt.datetime):
                    stamps.append(micros(stamp.dt, self.zone))
                rid = ev.get("RECURRENCE-ID")
                if rid is not None and isinstance(_dt(rid), dt.date):
                    overrides.setdefault(str(ev.get("UID", "")), set()).add(self.us(rid.dt))
        if not starts:
            raise InputError("no events with a start time found", file=self.calendars[0].source if self.calendars else None,
                             hint="The calendar holds no meetings (VEVENT with DTSTART); check that you exported the right calendar.")
        lo = self.lo if self.lo is not None else min(starts)
        hi = self.hi if self.hi is not None else max(stamps + starts) + 1
        self.period = (lo, hi)
        read = 0
        for cal in self.calendars:
            for i, ev in enumerate(cal.events):
                read += 1
                self.event(cal, i, ev, overrides)
            if self.progress:
                self.progress(read, None)
        stored = self.sink.finish()
        for reason, n in self.skip.items():
            self.batch.skip(reason, n)
        new_identities = self.resolver.counts()
        self.resolver.flush()
        self.batch.rows_read = read
        self.batch.rows_imported = stored
        self.batch.notes.update({
            "events": read,
            "kinds": dict(self.sink.kinds),
            "new_identities": new_identities,
            "attendees_left_out": self.left_out,
            "occurrences_overridden": self.overridden,
            "period": [dt.datetime.fromtimestamp(lo // 1_000_000, _UTC).isoformat(),
                       dt.datetime.fromtimestamp(hi // 1_000_000, _UTC).isoformat()],
            "naive_timestamps": self.naive,
            "timezone_assumed": self.ws.settings["timezone"] if self.naive else None,
            "files": len(self.calendars),
        })

    # -- helpers -------------------------------------------------------------
    def us(self, value: dt.date) -> int:
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        return micros(value, self.zone)

    def start_of(self, cal: _Cal, i: int, ev) -> int | None:
        prop = ev.get("DTSTART")
        if prop is None:
            return None
        value = _dt(prop)
        if not isinstance(value, dt.date):
            raise cal.error(f"not a date or date-time: {_raw(prop)!r}", i, "DTSTART",
                            "Use the iCalendar form, e.g. 20260701T090000Z or DTSTART;TZID=Europe/Paris:20260701T090000.")
        if not isinstance(value, dt.datetime):
            return None
        return self.us(value)

    def people(self, ev) -> tuple[str | None, list[str]]:
        """(organizer address, accepted attendees' addresses); others counted in left_out."""
        organizer = _address(ev.get("ORGANIZER"))
        attendees = ev.get("ATTENDEE")
        if attendees is None:
            attendees = []
        elif not isinstance(attendees, list):
            attendees = [attendees]
        accepted = []
        for a in attendees:
            params = getattr(a, "params", {})
            cutype = str(params.get("CUTYPE", "INDIVIDUAL")).upper()
            role = str(params.get("ROLE", "REQ-PARTICIPANT")).upper()
            status = str(params.get("PARTSTAT", "NEEDS-ACTION")).upper()
            if cutype in ("ROOM", "RESOURCE"):
                reason = "rooms_and_resources"
            elif role == "NON-PARTICIPANT":
                reason = "non_participants"
            elif status == "ACCEPTED":
                addr = _address(a)
                if addr:
                    accepted.append(addr)
                    continue
                reason = "no_address"
            else:
                reason = status.lower().replace("-", "_")
            self.left_out[reason] = self.left_out.get(reason, 0) + 1
        return organizer, accepted

    def event(self, cal: _Cal, i: int, ev, overrides: dict[str, set[int]]) -> None:
        prop = ev.get("DTSTART")
        if prop is None:
            self.count("no_start")
            return
        start = _dt(prop)
        self.start_of(cal, i, ev)  # raises on a broken value
        if not isinstance(start, dt.datetime):
            self.count("all_day")
            return
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            self.count("cancelled")
            return
        uid = str(ev.get("UID") or f"{cal.member or cal.source.name}#{i}")
        duration = _duration(ev, start)
        is_override = ev.get("RECURRENCE-ID") is not None
        if ev.get("RRULE") is not None and not is_override:
            occurrences = self.expand(cal, i, ev, start, overrides.get(uid, set()))
        else:
            occurrences = [self.us(start)]
        if start.tzinfo is None:
            self.naive += 1
        organizer, accepted = self.people(ev)
        participants = list(dict.fromkeys(
            [self.resolver.resolve(a) for a in ([organizer] if organizer else []) + accepted]))
        context = self.ws.pseudonymiser.token("ical_uid", uid)
        lo, hi = self.period
        for when in occurrences:
            if not lo <= when < hi:
                self.count("outside_period")
                continue
            if (uid, when) in self.seen:
                self.count("duplicates")
                continue
            self.seen.add((uid, when))
            if len(participants) < 2:
                self.count("fewer_than_two_participants")
                continue
            self.sink.add(when, "meeting", "meeting", participants[0], participants[1:], duration=duration,
                          context=context)

    def expand(self, cal: _Cal, i: int, ev, start: dt.datetime, moved: set[int]) -> list[int]:
        """Occurrence starts (µs, UTC) of a recurring event within the period, in local wall time."""
        tz = start.tzinfo or self.zone
        local = start.replace(tzinfo=None)
        rules = ev.get("RRULE")
        rules = rules if isinstance(rules, list) else [rules]
        lo, hi = self.period
        hi_local = dt.datetime.fromtimestamp(hi / 1e6, _UTC).astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=1)
        out: set[int] = set()
        for rule in rules:
            text = _raw(rule)
            text = _UNTIL.sub(lambda m: "UNTIL=" + _local_until(m.group(1), tz), text)
            try:
                parsed = du_rrule.rrulestr(text, dtstart=local, ignoretz=True)
            except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
                raise cal.error(f"cannot read the recurrence rule {text!r} ({e})", i, "RRULE",
                                "Use an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=MO;UNTIL=20261231T000000Z; "
                                "export the calendar again if it was not edited by hand.") from None
            n = 0
            try:
                for occ in parsed:
                    if occ > hi_local:
                        break
                    n += 1
                    if n > MAX_OCCURRENCES:
                        raise cal.error(f"the recurrence rule {text!r} repeats more than {MAX_OCCURRENCES:,} times "
                                        "before the end of the period", i, "RRULE",
                                        "A meeting series this frequent is not a meeting; fix or remove the event, "
                                        "or import a shorter period (the start and end options).")
                    v = micros(occ.replace(tzinfo=tz))
                    if lo <= v < hi:
                        out.add(v)
            except (ValueError, OverflowError) as e:
                raise cal.error(f"cannot expand the recurrence rule {text!r} ({e})", i, "RRULE",
                                "Use an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=MO.") from None
        for name, add in (("RDATE", True), ("EXDATE", False)):
            props = ev.get(name)
            for p in (props if isinstance(props, list) else [props] if props is not None else []):
                for d in getattr(p, "dts", None) or []:
                    when = _dt(d)
                    if isinstance(when, dt.datetime):
                        v = micros(when, tz)
                        if add and lo <= v < hi:
                            out.add(v)
                        else:
                            out.discard(v)
        self.overridden += len(out & moved)
        return sorted(out - moved)


def _dt(prop: Any) -> Any:
    """A property's value (date, datetime, timedelta), or None when icalendar could not parse it."""
    if prop is None or isinstance(prop, str):  # a broken value is kept as text (vBroken)
        return None
    try:
        return prop.dt
    except Exception:
        return None


def _raw(prop: Any) -> str:
    if isinstance(prop, str):  # icalendar keeps a value it cannot parse as text (vBroken)
        return str(prop)
    try:
        raw = prop.to_ical()
    except Exception:  # a broken property: show what it holds
        raw = str(prop)
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _local_until(value: str, tz) -> str:
    """UNTIL in the event's local wall time (dateutil compares naive with naive)."""
    if value.upper().endswith("Z"):
        t = dt.datetime.strptime(value[:15], "%Y%m%dT%H%M%S").replace(tzinfo=_UTC).astimezone(tz)
        return t.strftime("%Y%m%dT%H%M%S")
    return value


def _address(prop: Any) -> str | None:
    if prop is None:
        return None
    text = str(prop).strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if "@" not in text:
        email = getattr(prop, "params", {}).get("EMAIL")
        text = str(email) if email else ""
    return text.strip() or None


def _duration(ev, start: dt.datetime) -> float | None:
    end = ev.get("DTEND")
    if end is not None and isinstance(_dt(end), dt.datetime):
        e = end.dt
        if (e.tzinfo is None) != (start.tzinfo is None):
            return None
        return max(0.0, (e - start).total_seconds() / 60)
    d = ev.get("DURATION")
    if d is not None and isinstance(_dt(d), dt.timedelta):
        return max(0.0, d.dt.total_seconds() / 60)
    return None
