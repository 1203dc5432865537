"""Import meetings from iCalendar (.ics) files: one file, a folder, or a .zip (Google, Outlook).

Parsing follows the maintained ``icalendar`` package; recurring series are
expanded with ``dateutil.rrule`` (RFC 5545 RRULE, RDATE, EXDATE, and
RECURRENCE-ID overrides). The occurrences stored equal those of the
``recurring-ical-events`` package on the icalendar project's test calendars,
but for the deliberate rules listed in docs/connectors.md#conformance
(tests/test_ingest_calendar_conformance.py).

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
* a later export replaces what earlier imports stored of the events it holds
  (same UID) over its period: an occurrence (UID and original start, kept as a
  keyed token) moved, with other attendees, cancelled or no longer in its
  series is stored as the later export has it (:mod:`.keys`; counted in notes
  as ``occurrences_replaced``). Import a calendar's exports in the order they
  were made;
* a series' occurrences are DTSTART (always the first), those of its RRULEs and
  its RDATEs, with or without an RRULE (an RDATE period adds one with its own
  duration), less its EXDATEs (a DATE there removes that day's occurrences; a
  DATE in an RDATE of a timed series is an all-day occurrence, no meeting); an
  override with ``RANGE=THISANDFUTURE`` moves every later occurrence by as much
  as its own and gives them its duration and participants;
* times keep their zone (TZID, UTC); floating times take the calendar's
  ``X-WR-TIMEZONE`` when it names a known zone, else the workspace's (notes:
  ``timezone_from_calendar``, ``timezone_assumed``);
* what a file may cost is bounded (docs/connectors.md#bounds): a series
  expanded over more than ``calendar_max_years`` (from its start to the end of
  the period) or repeating more than ``calendar_max_occurrences`` times is
  refused, as is a calendar whose series check more dates than
  ``calendar_max_expansion`` per KB; a rule is never searched past the end of
  the period (:mod:`.recurrence`), and a series with no occurrence in the
  period is counted (``no_occurrences``).

How it reads (speed and memory)
-------------------------------
Parsing a whole export with ``icalendar.Calendar.from_ical`` costs about 2 ms
an event and holds every event in memory. Instead each file is streamed twice,
line by line, split at ``BEGIN:VEVENT``/``END:VEVENT`` with folded lines
unfolded as RFC 5545 (and ``icalendar``) do:

1. the first pass reads only what fixes the imported period and the moved
   occurrences (``DTSTART``, ``DTSTAMP``, ``RECURRENCE-ID``, ``UID``);
2. the second reads each event again and stores its occurrences, a chunk at a
   time (:class:`~.messaging.InteractionSink`).

Only the properties the rules use are read, and only in their plain forms
(``NAME;PARAM=value:value`` without backslash escapes, RFC 6868 carets or
parameter lists; dates ``YYYYMMDD[THHMMSS[Z]]``), with ``icalendar``'s own
semantics: time zones come from ``icalendar``'s time-zone provider (which also
learns the file's ``VTIMEZONE`` components), other date forms and recurrence
rules go through ``icalendar``'s value types. An event with anything else (an
alarm or other nested component, a line that is not plain, a repeated
singular property) is parsed by ``icalendar.Event.from_ical``, and a file
whose structure is not plain (stray line breaks, components that do not nest,
bytes that are not UTF-8, no ``BEGIN:VCALENDAR`` first) is parsed whole by
``icalendar`` as before, so odd input gets the same result and the same
errors. The parts of a calendar that are not events (its properties, time
zones, to-dos) are always checked by ``icalendar``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import re
from array import array
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

import icalendar
import numpy as np
from dateutil import rrule as du_rrule
from icalendar.parser import Contentline
from icalendar.prop import vDDDTypes, vRecur
from icalendar.timezone import tzp

from ..errors import InputError
from ..workspace import Workspace
from .archive import MAX_RATIO, MemberError, iter_files, open_tree
from .batch import Batch, BatchResult
from .identity import IdentityResolver
from .messaging import InteractionSink, micros
from .recurrence import Budget, BudgetSpent, occurrences as rule_occurrences

_MIN_EXPANSION = 200_000  # dates the series of any calendar may check, whatever its size (calendar_max_expansion)
_US_PER_YEAR = 365.2425 * 86_400_000_000
_UNTIL = re.compile(r"UNTIL=(\d{8}(?:T\d{6}Z?)?)", re.I)
_UTC = dt.timezone.utc
_EXTS = (".ics", ".ical", ".ifb")
_READ_ERRORS = (ValueError, KeyError, IndexError)


def import_calendar(ws: Workspace, path: str | Path, *, start: str | dt.date | None = None,
                    end: str | dt.date | None = None,
                    progress: Callable[[int, int | None], None] | None = None) -> BatchResult:
    """Import .ics files (a file, a folder or a .zip) as one batch. See the module docstring for the rules.

    Parameters
    ----------
    start, end
        The imported period (ISO dates, inclusive, in UTC); by default from the first
        event to the export time.
    progress
        Called as ``progress(events_read, None)`` after each file.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file or folder: {path}", hint="Check the path; it is relative to where you run the command.")
    lo = _day(start, "start")
    hi = _day(end, "end")
    zone = ZoneInfo(ws.settings["timezone"])
    if path.is_file() and path.suffix.lower() != ".zip":
        return _run(ws, path, [_Source(path.parent / path.name, None, lambda: open(path, "rb"))], zone, lo, hi, progress,
                    path.stat().st_size)
    with open_tree(path, max_ratio=ws.settings.get("archive_max_ratio", MAX_RATIO)) as tree:
        members = list(iter_files(tree, _EXTS))
        if not members:
            raise InputError("no .ics files found", file=path,
                             hint="Give an .ics file, or a folder or .zip holding .ics files (Google Calendar and Outlook exports).")
        return _run(ws, path, [_Source(tree.path, m, _opener(tree, m)) for m in members], zone, lo, hi, progress,
                    sum(tree.size(m) for m in members))


def _run(ws, path, sources, zone, lo, hi, progress, size: int) -> BatchResult:
    with Batch(ws, "calendar", path) as batch:
        if batch.is_duplicate:
            return batch.result
        _Import(ws, batch, zone, sources, lo, hi + 86_400_000_000 if hi is not None else None, progress, size).run()
    return batch.result


def _opener(tree, member: str) -> Callable[[], Any]:
    if tree.is_zip:
        return lambda: io.BytesIO(tree.read(member))
    return lambda: open(tree.path / member, "rb")


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


# -- sources -----------------------------------------------------------------------------

class _Source:
    """One .ics file: where it is, how to open it, and (after the first pass) how it reads."""

    def __init__(self, source: Path, member: str | None, open_: Callable[[], Any]):
        self.source, self.member, self.open = source, member, open_
        self.legacy: list[_Rec] | None = None  # the events, when the file is parsed whole by icalendar
        self.wr_timezone: str | None = None  # the calendar's X-WR-TIMEZONE (RFC 7986 practice), read in the first pass

    @property
    def name(self) -> str:
        return self.member or self.source.name

    def error(self, message: str, line: int | None, field: str | None = None, hint: str | None = None) -> InputError:
        return MemberError(message, source=self.source, member=self.member, line=line, field=field, hint=hint)

    def records(self, light: bool, tz: "_Zones") -> Iterator["_Rec"]:
        """The file's events in order, as records (light: only DTSTART, DTSTAMP, RECURRENCE-ID, UID)."""
        if self.legacy is not None:
            yield from self.legacy
            return
        with self.open() as f:
            for index, (line, props, block) in enumerate(_scan(f, self, tz, check=light)):
                rec = None if props is None else _fast_record(props, tz, light)
                if rec is None:
                    rec = _from_event(self._parse_event(block))
                rec.line, rec.index = line, index
                yield rec

    def _parse_event(self, block: list[str]):
        try:
            return icalendar.Event.from_ical("\r\n".join(block) + "\r\n")
        except _READ_ERRORS:  # icalendar cannot read the file: let it say so, as it reads the whole file
            raise _Odd from None

    def parse_whole(self) -> None:
        """Parse the file whole with icalendar (odd files): same checks and errors as always."""
        with self.open() as f:
            data = f.read()
        where = dict(source=self.source, member=self.member)
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
        except _READ_ERRORS as e:
            raise MemberError(f"cannot read this iCalendar file ({e})", **where,
                              hint="The file may be truncated or damaged; export the calendar again.") from None
        for cal in cals:  # (the first one, as the streaming reader takes it)
            zone = cal.get("X-WR-TIMEZONE")
            zone = zone[0] if isinstance(zone, list) and zone else zone
            if zone is not None and self.wr_timezone is None:
                self.wr_timezone = str(zone)
        records = []
        for index, ev in enumerate(ev for cal in cals for ev in cal.walk("VEVENT")):
            rec = _from_event(ev)
            rec.line, rec.index = (lines[index] if index < len(lines) else None), index
            records.append(rec)
        self.legacy = records


class _Odd(Exception):
    """The file is not plain enough for the streaming reader: parse it whole with icalendar."""


class _Zones:
    """TZID -> tzinfo through icalendar's provider (which knows the VTIMEZONEs parsed so far)."""

    def __init__(self):
        self.cache: dict[str, Any] = {}
        self.values: dict[tuple[str, str | None], Any] = {}  # (value, TZID) -> date, datetime or _BROKEN

    def get(self, tzid: str):
        try:
            return self.cache[tzid]
        except KeyError:
            tz = self.cache[tzid] = tzp.timezone(tzid)
            return tz

    def learn(self, block: list[str]) -> None:
        """Parse a VTIMEZONE with icalendar, which caches the zone it defines."""
        icalendar.Calendar.from_ical("BEGIN:VCALENDAR\r\n" + "\r\n".join(block) + "\r\nEND:VCALENDAR\r\n")
        self.cache.clear()
        self.values.clear()


# -- the streaming reader ------------------------------------------------------------------

# Line breaks for str.splitlines() (which numbered lines in errors) that are not RFC 5545's: a lone CR,
# VT, FF, FS, GS, RS, NEL, LS, PS. A file holding one is read whole by icalendar.
_ODD_BYTES = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
_CHUNK = 1 << 20


def _lines(f) -> Iterator[str]:
    """The lines of a UTF-8 stream without their CRLF or LF, read a megabyte at a time
    (each chunk completed to the end of its line). Raises _Odd for bytes that are not UTF-8
    or line breaks that are not CRLF or LF."""
    first = True
    while True:
        chunk = f.read(_CHUNK)
        if not chunk:
            return
        if chunk[-1:] != b"\n":
            chunk += f.readline()
        if first:
            chunk = chunk.removeprefix(b"\xef\xbb\xbf")
            first = False
        if chunk.count(b"\r") != chunk.count(b"\r\n") or any(b in chunk for b in _ODD_BYTES):
            raise _Odd
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise _Odd from None
        yield from text.splitlines()
_PV = r'(?:"[^"\x00-\x1f\x7f\\]*"|[^";:,\x00-\x1f\x7f\\]*)'
_LINE = re.compile(rf'([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+={_PV}(?:,{_PV})*)*):(.*)', re.S)
_PARAM = re.compile(rf';([A-Za-z0-9-]+)=({_PV}(?:,{_PV})*)')
_COMPONENT = re.compile(r"[A-Za-z0-9-]+")
_NAME_PREFIX = re.compile(r"[A-Za-z0-9-]+(?=[;:])")
_LIGHT_LINES = frozenset({"DTSTART", "DTSTAMP", "RECURRENCE-ID", "UID", "BEGIN", "END"})


def _looks_begin(piece: str) -> bool:
    last = piece[-1]
    return (last == "T" or last == "t" or last.isspace()) and piece.strip().upper() == "BEGIN:VEVENT"


def _scan(f, src: _Source, zones: _Zones, check: bool) -> Iterator[tuple[int, list | None, list[str]]]:
    """The VEVENTs of a plain .ics stream: (line of BEGIN:VEVENT, [(NAME, params, value)] or None if the
    event needs icalendar, the event's unfolded lines). Raises _Odd when the file is not plain.

    With ``check`` (the first pass) the parts that are not events are parsed by icalendar: the
    calendar's properties and components (errors as icalendar raises them), its VTIMEZONEs (learnt).
    """
    stack: list[str] = []
    skeleton: list[str] = []  # what is not an event, for icalendar to check
    zone_block: list[str] | None = None
    event: list[str] | None = None
    props: list | None = None
    begin = 0
    nested: list[str] = []
    cur: str | None = None
    cur_line = 0
    continued = False
    blank = False
    lineno = 0
    line_re, name_re, light_only = _LINE.fullmatch, _NAME_PREFIX.match, check
    for s in _lines(f):
        lineno += 1
        if lineno == 1 and s.upper() != "BEGIN:VCALENDAR":
            raise _Odd
        c = s[:1]
        if c == " " or c == "\t":
            # (str.splitlines() numbered lines: a piece reading BEGIN:VEVENT must be one, unfolded)
            if cur is None or blank or _looks_begin(s) or (not continued and _looks_begin(cur)):
                raise _Odd
            cur += s[1:]
            continued = True
            continue
        if not s:
            blank = True
            continue
        blank = False
        if cur is None:
            cur, cur_line, continued = s, lineno, False
            continue
        line, line_no = cur, cur_line
        cur, cur_line, continued = s, lineno, False
        # -- one logical (unfolded) line ---------------------------------------------------
        if light_only and event is not None:
            # The first pass reads four properties: a line that plainly names another one cannot change them.
            m = name_re(line)
            if m is not None and m.group().upper() not in _LIGHT_LINES:
                event.append(line)
                continue
        m = line_re(line)
        if m is None:
            try:
                name = Contentline(line).parts()[0].upper()
            except ValueError:
                name = ""
            if name in ("BEGIN", "END"):
                raise _Odd
            if event is not None:
                event.append(line)
                props = None
            elif zone_block is not None:
                zone_block.append(line)
            else:
                skeleton.append(line)
            continue
        name, pstr, value = m.groups()
        name = name.upper()
        if name == "BEGIN" or name == "END":
            if pstr or not _COMPONENT.fullmatch(value):
                raise _Odd
            value = value.upper()
            if name == "BEGIN":
                if not stack:
                    if value != "VCALENDAR":
                        raise _Odd
                    skeleton.append(line)
                elif event is not None:
                    if value == "VEVENT":
                        raise _Odd
                    nested.append(value)
                    event.append(line)
                    props = None
                    continue
                elif len(stack) == 1 and value == "VEVENT":
                    event, props, begin, nested = [line], [], line_no, []
                    continue
                elif value == "VEVENT" or value == "VCALENDAR":
                    raise _Odd
                elif len(stack) == 1 and value == "VTIMEZONE":
                    zone_block = [line]
                elif zone_block is not None:
                    zone_block.append(line)
                else:
                    skeleton.append(line)
                stack.append(value)
            else:
                if event is not None:
                    event.append(line)
                    if nested:
                        if nested.pop() != value:
                            raise _Odd
                        continue
                    if value != "VEVENT":
                        raise _Odd
                    yield begin, props, event
                    event = props = None
                    continue
                if not stack or stack.pop() != value:
                    raise _Odd
                if zone_block is not None:
                    zone_block.append(line)
                    if len(stack) == 1:
                        if check:
                            try:
                                zones.learn(zone_block)
                            except _READ_ERRORS:
                                raise _Odd from None
                        zone_block = None
                else:
                    skeleton.append(line)
            continue
        if event is not None:
            event.append(line)
            if props is not None and not nested:
                props.append((name, pstr, value))
        elif not stack:
            raise _Odd
        elif zone_block is not None:
            zone_block.append(line)
        else:
            if name == "X-WR-TIMEZONE" and len(stack) == 1 and src.wr_timezone is None and "\\" not in value:
                src.wr_timezone = value
            skeleton.append(line)
    if cur is not None:
        # the last line: END:VCALENDAR in a plain file
        m = line_re(cur)
        if m is None or m.group(1).upper() != "END" or m.group(2) or event is not None or zone_block is not None \
                or len(stack) != 1 or m.group(3).upper() != stack[0]:
            raise _Odd
        stack.pop()
        skeleton.append(cur)
    if stack or event is not None or lineno == 0:
        raise _Odd
    if check:
        try:
            icalendar.Calendar.from_ical("\r\n".join(skeleton) + "\r\n", multiple=True)
        except _READ_ERRORS:
            raise _Odd from None


# -- events as records ---------------------------------------------------------------------

class _Rec:
    """What the rules read from one VEVENT (the same whether read by the streaming reader or icalendar)."""

    __slots__ = ("line", "index", "has_start", "start", "start_raw", "stamp", "has_rid", "rid", "rid_future", "uid",
                 "cancelled", "end", "dur", "rrules", "rdates", "exdates", "organizer", "attendees")

    def __init__(self):
        self.line = self.index = None
        self.has_start = False
        self.start: Any = None  # date or datetime; None when present but unreadable
        self.start_raw = ""
        self.stamp = None  # datetime or None
        self.has_rid = False
        self.rid = None  # date or datetime or None
        self.rid_future = False  # RECURRENCE-ID;RANGE=THISANDFUTURE: the override stands for its occurrence and all later ones
        self.uid: str | None = None  # str(UID) when present
        self.cancelled = False
        self.end = None  # DTEND when a datetime
        self.dur = None  # DURATION when a timedelta
        self.rrules: list[str] | None = None
        self.rdates: list[Any] = []  # date, datetime, or a period as (start, timedelta) (_recurrence_value)
        self.exdates: list[Any] = []  # date or datetime
        self.organizer: str | None = None
        self.attendees: list[tuple[str, str, str, str | None]] = []  # (CUTYPE, ROLE, PARTSTAT, address)


def _from_event(ev) -> _Rec:
    """A record from an icalendar Event (the reference reading)."""
    r = _Rec()
    prop = ev.get("DTSTART")
    if prop is not None:
        r.has_start = True
        value = _dt(prop)
        if isinstance(value, dt.date):
            r.start = value
        else:
            r.start_raw = _raw(prop)
    stamp = ev.get("DTSTAMP")
    if stamp is not None and isinstance(_dt(stamp), dt.datetime):
        r.stamp = stamp.dt
    rid = ev.get("RECURRENCE-ID")
    if rid is not None:
        r.has_rid = True
        if isinstance(_dt(rid), dt.date):
            r.rid = rid.dt
        r.rid_future = str(getattr(rid, "params", {}).get("RANGE", "")).upper() == "THISANDFUTURE"
    uid = ev.get("UID")
    if uid is not None:
        r.uid = str(uid)
    r.cancelled = str(ev.get("STATUS", "")).upper() == "CANCELLED"
    end = ev.get("DTEND")
    if end is not None and isinstance(_dt(end), dt.datetime):
        r.end = end.dt
    d = ev.get("DURATION")
    if d is not None and isinstance(_dt(d), dt.timedelta):
        r.dur = d.dt
    rules = ev.get("RRULE")
    if rules is not None:
        r.rrules = [_raw(rule) for rule in (rules if isinstance(rules, list) else [rules])]
    for name, out in (("RDATE", r.rdates), ("EXDATE", r.exdates)):
        props = ev.get(name)
        for p in (props if isinstance(props, list) else [props] if props is not None else []):
            if isinstance(p, str):  # unreadable (vBroken, whose .dts raises): no dates
                continue
            for x in getattr(p, "dts", None) or []:
                when = _recurrence_value(_dt(x), name == "RDATE")
                if when is not None:
                    out.append(when)
    r.organizer = _address(ev.get("ORGANIZER"))
    attendees = ev.get("ATTENDEE")
    if attendees is None:
        attendees = []
    elif not isinstance(attendees, list):
        attendees = [attendees]
    for a in attendees:
        params = getattr(a, "params", {})
        r.attendees.append((str(params.get("CUTYPE", "INDIVIDUAL")).upper(), str(params.get("ROLE", "REQ-PARTICIPANT")).upper(),
                            str(params.get("PARTSTAT", "NEEDS-ACTION")).upper(), _address(a)))
    return r


def _recurrence_value(when: Any, rdate: bool) -> Any:
    """An RDATE or EXDATE value as the rules use it: a date or date-time, or (RDATE only) a period as
    (start, duration), its end given as a date-time or a duration (RFC 5545 3.3.9); None for anything else."""
    if isinstance(when, dt.date):
        return when
    if rdate and isinstance(when, tuple) and len(when) == 2 and isinstance(when[0], dt.date):
        start, end = when
        if isinstance(end, dt.timedelta):
            return start, end
        try:
            return start, end - start
        except TypeError:  # an end that cannot be compared with the start: the start alone
            return start
    return None


_NEEDED = frozenset({"DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "UID", "STATUS", "RRULE", "RDATE",
                     "EXDATE", "ORGANIZER", "ATTENDEE"})
_LIGHT = frozenset({"DTSTART", "DTSTAMP", "RECURRENCE-ID", "UID"})
_SINGULAR = frozenset({"DTSTART", "DTEND", "DURATION", "DTSTAMP", "RECURRENCE-ID", "UID", "STATUS", "ORGANIZER"})
_DT_VALUES = frozenset({"DATE", "DATE-TIME"})
_DTV = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?:T([0-9]{2})([0-9]{2})([0-9]{2})(Z?))?")
_BROKEN = object()
_PLAIN_PARAM = re.compile(r"[^\s,^][^,^]*(?<=[^\s])|")  # an unquoted value icalendar keeps as it is


class _Fallback(Exception):
    pass


def _param(params: dict[str, str], key: str) -> str | None:
    v = params.get(key)
    if v is None:
        return None
    if v[:1] == '"':
        if len(v) < 2 or v[-1] != '"' or '"' in v[1:-1] or "^" in v:
            raise _Fallback
        return v[1:-1]
    if not _PLAIN_PARAM.fullmatch(v):
        raise _Fallback
    return v


_PARAM_NAMES = frozenset({"VALUE", "TZID", "EMAIL", "CUTYPE", "ROLE", "PARTSTAT", "RANGE"})
_NO_PARAMS: dict[str, str] = {}
_PCACHE: dict[str, dict[str, str] | None] = {}
_MISS = object()


def _params_of(pstr: str) -> dict[str, str] | None:
    """The parameters the rules read, as icalendar gives them, or None when they need icalendar (cached)."""
    hit = _PCACHE.get(pstr, _MISS)
    if hit is _MISS:
        raw = {}
        for k, v in _PARAM.findall(pstr):
            k = k.upper()
            if k in _PARAM_NAMES:
                raw[k] = v  # the last of a repeated parameter wins, as in icalendar
        try:
            hit = {k: _param(raw, k) for k in raw}
        except _Fallback:
            hit = None
        if len(_PCACHE) > 100_000:
            _PCACHE.clear()
        _PCACHE[pstr] = hit
    return hit  # type: ignore[return-value]


def _fast_record(props: list, zones: _Zones, light: bool) -> _Rec | None:
    """A record from the plain lines of an event, or None when it needs icalendar."""
    r = _Rec()
    seen: set[str] = set()
    wanted = _LIGHT if light else _NEEDED
    try:
        for name, pstr, value in props:
            if name not in wanted:
                continue
            if name in _SINGULAR:
                if name in seen:
                    return None
                seen.add(name)
            if "\\" in value:
                return None
            if pstr:
                params = _params_of(pstr)
                if params is None:
                    return None
            else:
                params = _NO_PARAMS
            if name == "ATTENDEE" or name == "ORGANIZER":
                if "VALUE" in params:
                    return None
                addr = _address_text(value, params.get("EMAIL"))
                if name == "ORGANIZER":
                    r.organizer = addr
                else:
                    r.attendees.append((params.get("CUTYPE", "INDIVIDUAL").upper(), params.get("ROLE", "REQ-PARTICIPANT").upper(),
                                        params.get("PARTSTAT", "NEEDS-ACTION").upper(), addr))
                continue
            if name == "RDATE" or name == "EXDATE":
                if name == "RDATE" and value == "":
                    continue
                tzid = params.get("TZID")
                values = []
                for part in value.split(","):
                    v = _parse_dt(part, tzid, zones)
                    if v is _BROKEN:
                        values = []
                        break
                    values.append(v)
                rdate = name == "RDATE"
                for v in values:
                    v = _recurrence_value(v, rdate)
                    if v is not None:
                        (r.rdates if rdate else r.exdates).append(v)
                continue
            vparam = params.get("VALUE")
            if name in ("UID", "STATUS", "RRULE", "DURATION"):
                if vparam is not None:
                    return None
                if name == "UID":
                    r.uid = value
                elif name == "STATUS":
                    r.cancelled = value.upper() == "CANCELLED"
                elif name == "RRULE":
                    if r.rrules is None:
                        r.rrules = []
                    r.rrules.append(_rule_text(value))
                else:
                    d = _other_dt(value, None)
                    r.dur = d if isinstance(d, dt.timedelta) else None
                continue
            # DTSTART, DTEND, DTSTAMP, RECURRENCE-ID
            if vparam is not None and vparam.upper() not in _DT_VALUES:
                return None
            v = _parse_dt(value, params.get("TZID") if name != "DTSTAMP" else None, zones)
            if v is not _BROKEN and not isinstance(v, dt.date):
                return None  # a duration, time or period where a date belongs: let icalendar say it
            if name == "DTSTART":
                r.has_start = True
                if v is _BROKEN:
                    r.start_raw = value
                else:
                    r.start = v
            elif name == "DTEND":
                r.end = v if isinstance(v, dt.datetime) else None
            elif name == "DTSTAMP":
                r.stamp = v if isinstance(v, dt.datetime) else None
            else:
                r.has_rid = True
                r.rid = None if v is _BROKEN else v
                r.rid_future = (params.get("RANGE") or "").upper() == "THISANDFUTURE"
    except _Fallback:
        return None
    return r


def _parse_dt(value: str, tzid: str | None, zones: _Zones) -> Any:
    """A DATE or DATE-TIME value as icalendar reads it (vDDDTypes), or _BROKEN (cached while no VTIMEZONE is learnt)."""
    key = (value, tzid)
    cache = zones.values
    hit = cache.get(key)
    if hit is None:
        hit = _read_dt(value, tzid, zones)
        if len(cache) > 100_000:
            cache.clear()
        cache[key] = hit
    return hit


def _read_dt(value: str, tzid: str | None, zones: _Zones) -> Any:
    m = _DTV.fullmatch(value)
    if m is None:
        return _other_dt(value, tzid)
    y, mo, d, hh, mm, ss, z = m.groups()
    tz = zones.get(tzid) if tzid else None
    try:
        if hh is None:
            if tz is not None:
                return tzp.localize(dt.datetime(int(y), int(mo), int(d)), tz)
            return dt.date(int(y), int(mo), int(d))
        t = dt.datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss))
    except ValueError:
        return _BROKEN
    if tz is not None:
        return tzp.localize(t, tz)
    if z:
        return tzp.localize_utc(t)
    return t


_OTHER: dict[tuple[str, str | None], Any] = {}


def _other_dt(value: str, tzid: str | None) -> Any:
    """Any other date, date-time, duration or period value, parsed by icalendar (cached when it has no TZID,
    whose meaning can change as VTIMEZONEs are learnt)."""
    if tzid:
        try:
            return vDDDTypes.from_ical(value, tzid)
        except (ValueError, TypeError):
            return _BROKEN
    key = (value, None)
    hit = _OTHER.get(key)
    if hit is None:
        try:
            hit = vDDDTypes.from_ical(value)
        except (ValueError, TypeError):
            hit = _BROKEN
        if len(_OTHER) > 10_000:
            _OTHER.clear()
        _OTHER[key] = hit
    return hit


_RULES: dict[str, str] = {}


def _rule_text(value: str) -> str:
    """An RRULE as icalendar gives it back (vRecur re-serialised, or the raw text when it cannot read it)."""
    hit = _RULES.get(value)
    if hit is None:
        try:
            hit = _raw(vRecur(vRecur.from_ical(value)))
        except (ValueError, TypeError):
            hit = value
        if len(_RULES) > 10_000:
            _RULES.clear()
        _RULES[value] = hit
    return hit


# -- the import ---------------------------------------------------------------------------

class _Import:
    def __init__(self, ws, batch, zone, sources: list[_Source], lo, hi, progress, size: int = 0):
        self.ws, self.batch, self.zone, self.sources = ws, batch, zone, sources
        self.lo, self.hi, self.progress = lo, hi, progress
        # What expanding the series may check, for the whole import (the bound of one small file's cost).
        self.per_kb = ws.settings["calendar_max_expansion"]
        self.budget = Budget(max(_MIN_EXPANSION, self.per_kb * size // 1024))
        self.resolver = IdentityResolver(ws, batch.batch_id)
        self.sink = InteractionSink(ws, batch.batch_id, threshold=ws.settings["broadcast_threshold"], resolver=self.resolver,
                                    keys="replace")
        self.zones = _Zones()
        self.skip: dict[str, int] = {}
        self.left_out: dict[str, int] = {}
        self.naive = 0
        self.naive_zones: dict[str, int] = {}  # floating events read in a calendar's X-WR-TIMEZONE, by zone
        self.zones_of_files: dict[str, Any] = {}  # X-WR-TIMEZONE value -> tzinfo (None: not a known zone)
        self.all_day_events = 0
        self.overridden = 0
        # RECURRENCE-ID;RANGE=THISANDFUTURE: per UID, the overrides' original starts and shifts (first pass), what
        # each override makes of later occurrences (second pass), and the later occurrences of series held for them.
        self.futures: dict[str, list[tuple[int, int]]] = {}
        self.future_overrides: dict[str, dict[int, tuple | None]] = {}
        self.held: list[tuple] = []
        self.seen: set[tuple[str, int]] = set()
        self.repeated: set[int] = set()  # hash() of UIDs on more than one event: only those can be duplicates

    def count(self, reason: str, n: int = 1) -> None:
        self.skip[reason] = self.skip.get(reason, 0) + n

    def first_pass(self) -> tuple[int | None, int | None, dict[str, set[int]]]:
        """Earliest start, latest start or stamp, moved occurrences; checks every file and DTSTART."""
        overrides: dict[str, set[int]] = {}
        lo = hi = None
        first_error: InputError | None = None
        uids = array("q")
        for src in self.sources:
            try:
                f_lo, f_hi, f_over, f_fut, f_uids, f_err = self.scan(src)
            except _Odd:
                src.parse_whole()
                f_lo, f_hi, f_over, f_fut, f_uids, f_err = self.scan(src)
            if f_lo is not None:
                lo = f_lo if lo is None else min(lo, f_lo)
            if f_hi is not None:
                hi = f_hi if hi is None else max(hi, f_hi)
            for k, v in f_over.items():
                overrides.setdefault(k, set()).update(v)
            for k, v in f_fut.items():
                self.futures.setdefault(k, []).extend(v)
            uids.extend(f_uids)
            first_error = first_error or f_err
        if first_error is not None:
            raise first_error
        if len(uids):
            values, counts = np.unique(np.frombuffer(uids, dtype=np.int64), return_counts=True)
            self.repeated = set(values[counts > 1].tolist())
        for v in self.futures.values():
            v.sort()
        return lo, hi, overrides

    def scan(self, src: _Source):
        lo = hi = None
        overrides: dict[str, set[int]] = {}
        futures: dict[str, list[tuple[int, int]]] = {}
        uids = array("q")
        error = None
        name = src.name
        for rec in src.records(True, self.zones):
            try:
                start = self.start_of(src, rec)
            except InputError as e:
                error = error or e
                start = None
            if start is not None:
                lo = start if lo is None or start < lo else lo
                hi = start if hi is None or start > hi else hi
            elif rec.has_start and rec.start is not None:
                self.all_day_events += 1
            if rec.stamp is not None:
                s = micros(rec.stamp, self.zone_of(src))
                hi = s if hi is None or s > hi else hi
            if rec.rid is not None:
                rid = self.us(rec.rid, self.zone_of(src))
                overrides.setdefault(rec.uid if rec.uid is not None else "", set()).add(rid)
                if rec.rid_future:
                    futures.setdefault(rec.uid if rec.uid is not None else "", []).append(
                        (rid, start - rid if start is not None else 0))
            uids.append(hash(rec.uid if rec.uid else f"{name}#{rec.index}"))
        return lo, hi, overrides, futures, uids, error

    def run(self) -> None:
        lo, hi, overrides = self.first_pass()
        if lo is None:
            where = self.sources[0].source if self.sources else None
            if self.all_day_events:
                raise InputError(f"only all-day events found ({self.all_day_events:,}): absences, holidays and reminders, "
                                 "not meetings", file=where,
                                 hint="Meetings have a start time (DTSTART with a time of day); check that you exported "
                                      "the right calendar.")
            raise InputError("no events with a start time found", file=where,
                             hint="The calendar holds no meetings (VEVENT with DTSTART); check that you exported the right calendar.")
        lo = self.lo if self.lo is not None else lo
        hi = self.hi if self.hi is not None else hi + 1
        self.period = (lo, hi)
        read = 0
        for src in self.sources:
            for rec in src.records(False, self.zones):
                read += 1
                self.event(src, rec, overrides)
            if self.progress:
                self.progress(read, None)
        self.store_held()
        stored = self.sink.finish()
        replaced = self.sink.replace_earlier(*self.period)
        for reason, n in self.skip.items():
            self.batch.skip(reason, n)
        self.batch.skip("duplicates", self.sink.duplicates)
        new_identities = self.resolver.counts()
        self.resolver.flush()
        self.batch.rows_read = read
        self.batch.rows_imported = stored
        self.batch.notes.update({
            "events": read,
            "occurrences_replaced": replaced,
            "kinds": dict(self.sink.kinds),
            "new_identities": new_identities,
            "attendees_left_out": self.left_out,
            "occurrences_overridden": self.overridden,
            "period": [_utc(lo // 1_000_000 * 1_000_000).isoformat(), _utc(hi // 1_000_000 * 1_000_000).isoformat()],
            "naive_timestamps": self.naive,
            "timezone_assumed": self.ws.settings["timezone"] if self.naive > sum(self.naive_zones.values()) else None,
            "timezone_from_calendar": dict(self.naive_zones),
            "timezone_from_calendar_unknown": sorted(k for k, v in self.zones_of_files.items() if v is None),
            "files": len(self.sources),
        })

    # -- helpers -------------------------------------------------------------
    def us(self, value: dt.date, zone=None) -> int:
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        return micros(value, zone or self.zone)

    def zone_of(self, src: _Source):
        """The zone of the file's floating times: its calendar's X-WR-TIMEZONE (RFC 7986 practice, Google and
        Apple write it) when that names a known zone, else the workspace's."""
        name = src.wr_timezone
        if name is None:
            return self.zone
        try:
            tz = self.zones_of_files[name]
        except KeyError:
            try:
                tz = tzp.timezone(name.strip())
            except Exception:  # (the providers raise their own errors for names they cannot read)
                tz = None
            self.zones_of_files[name] = tz
        return tz or self.zone

    def start_of(self, src: _Source, rec: _Rec) -> int | None:
        if not rec.has_start:
            return None
        value = rec.start
        if value is None:
            raise src.error(f"not a date or date-time: {rec.start_raw!r}", rec.line, "DTSTART",
                            "Use the iCalendar form, e.g. 20260701T090000Z or DTSTART;TZID=Europe/Paris:20260701T090000.")
        if not isinstance(value, dt.datetime):
            return None
        return self.us(value, self.zone_of(src))

    def people(self, rec: _Rec) -> tuple[str | None, list[str]]:
        """(organizer address, accepted attendees' addresses); others counted in left_out."""
        accepted = []
        left_out = self.left_out
        for cutype, role, status, addr in rec.attendees:
            if cutype in ("ROOM", "RESOURCE"):
                reason = "rooms_and_resources"
            elif role == "NON-PARTICIPANT":
                reason = "non_participants"
            elif status == "ACCEPTED":
                if addr:
                    accepted.append(addr)
                    continue
                reason = "no_address"
            else:
                reason = status.lower().replace("-", "_")
            left_out[reason] = left_out.get(reason, 0) + 1
        return rec.organizer, accepted

    def event(self, src: _Source, rec: _Rec, overrides: dict[str, set[int]]) -> None:
        # An event this export holds replaces what earlier ones stored of its series, whatever becomes of it here.
        series = self.ws.pseudonymiser.key("ical_uid", rec.uid) if rec.uid else None
        if series is not None:
            self.sink.covers(series)
        if not rec.has_start:
            self.count("no_start")
            return
        start = rec.start
        self.start_of(src, rec)  # raises on a broken value
        uid = rec.uid if rec.uid else f"{src.name}#{rec.index}"
        future = rec.rid_future and rec.rid is not None and uid in self.futures
        if not isinstance(start, dt.datetime):
            self.count("all_day")
            if future:  # an all-day override of "this and future" occurrences: they are no meetings either
                self.future_overrides.setdefault(uid, {})[self.us(rec.rid, self.zone_of(src))] = None
            return
        zone = self.zone_of(src)
        if rec.cancelled:
            self.count("cancelled")
            if future:  # cancels this and every later occurrence
                self.future_overrides.setdefault(uid, {})[self.us(rec.rid, zone)] = None
            return
        duration = _duration(rec, start)
        recurring = (rec.rrules is not None or bool(rec.rdates)) and not rec.has_rid
        durations = None
        if recurring:
            occurrences, durations, held = self.expand(src, rec, start, overrides.get(uid, set()), zone,
                                                       self.futures.get(uid))
        else:
            occurrences, held = [self.us(start, zone)], None
        # The occurrence an override stands for: its RECURRENCE-ID (an expanded one is its own start).
        replaces = self.us(rec.rid, zone) if rec.has_rid and rec.rid is not None else None
        if start.tzinfo is None:
            self.naive += 1
            if zone is not self.zone:
                self.naive_zones[src.wr_timezone] = self.naive_zones.get(src.wr_timezone, 0) + 1
        organizer, accepted = self.people(rec)
        resolve = self.resolver.resolve
        participants = list(dict.fromkeys([resolve(a) for a in ([organizer] if organizer else []) + accepted]))
        if future:
            self.future_overrides.setdefault(uid, {})[replaces] = (self.us(start, zone) - replaces, duration, participants)
        if held:
            self.held.append((uid, rec.uid, series, held, (0, duration, participants)))
        self.store(uid, rec.uid, series, occurrences, participants, duration, durations, recurring, replaces)

    def store(self, uid: str, series_uid: str | None, series: int | None, occurrences, participants: list[str],
              duration: float | None, durations: dict[int, float] | None, recurring: bool, replaces: int | None,
              shift: int = 0) -> None:
        """Store an event's occurrences (original starts, µs; each held at its start plus ``shift``) in the period."""
        context = None
        lo, hi = self.period
        check = hash(uid) in self.repeated
        for original in occurrences:
            when = original + shift
            if not lo <= when < hi:
                self.count("outside_period")
                continue
            if check:
                if (uid, when) in self.seen:
                    self.count("duplicates")
                    continue
                self.seen.add((uid, when))
            if len(participants) < 2:
                self.count("fewer_than_two_participants")
                continue
            if context is None:
                context = self.ws.pseudonymiser.token("ical_uid", uid)
            key = None
            if series is not None:  # (the key of a single event is its UID: moved, it is the same meeting)
                if not recurring:
                    original = replaces if replaces is not None else when
                occurrence = original if recurring or replaces is not None else ""
                key = self.ws.pseudonymiser.key("ical_occurrence", f"{series_uid}\0{occurrence}")
            self.sink.add(when, "meeting", "meeting", participants[0], participants[1:],
                          duration=durations.get(original, duration) if durations else duration,
                          context=context, key=key, series=series, occurrence=original)

    def store_held(self) -> None:
        """The occurrences of series after a RECURRENCE-ID;RANGE=THISANDFUTURE override, as it has them: moved by
        as much as it moved its own occurrence, with its duration and participants (RFC 5545 3.8.4.4)."""
        for uid, series_uid, series, held, as_is in self.held:
            by_rid = self.future_overrides.get(uid, {})
            rids = sorted(by_rid)
            groups: dict[int | None, list[int]] = {}
            for original in held:
                i = bisect.bisect_right(rids, original) - 1
                groups.setdefault(rids[i] if i >= 0 else None, []).append(original)
            for rid, originals in groups.items():
                # (before any override that could be read, e.g. one without DTSTART: as the series has them)
                override = by_rid[rid] if rid is not None else as_is
                if override is None:  # cancelled, or all-day, from there on
                    self.count("cancelled", len(originals))
                    continue
                shift, duration, participants = override
                self.store(uid, series_uid, series, originals, participants, duration, None, True, None, shift)

    def expand(self, src: _Source, rec: _Rec, start: dt.datetime, moved: set[int], zone,
               futures: list[tuple[int, int]] | None = None) -> tuple[list[int], dict[int, float], list[int]]:
        """A recurring event's occurrences in the period, in local wall time: (their starts in µs, UTC, in order;
        the durations of those an RDATE period gives; the starts held for a RANGE=THISANDFUTURE override).

        The recurrence set is DTSTART (always the first occurrence, RFC 5545 3.8.5.3, unless past every rule's
        UNTIL), the occurrences of each RRULE, and the RDATEs (a period adds one with its own duration); less
        the EXDATEs (a date removes the occurrences that start on that day, in the event's zone). A date in an
        RDATE of a timed series is an all-day occurrence: no meeting, counted as ``all_day``."""
        tz = start.tzinfo or zone
        local = start.replace(tzinfo=None)
        lo, hi = self.period
        if futures:  # occurrences a later override moves into the period (or out of it) are searched too
            reach = max(abs(shift) for _, shift in futures)
            lo, hi = lo - reach, hi + reach
        out: set[int] = set()
        durations: dict[int, float] = {}
        with_start = True
        if rec.rrules is not None:
            with_start = self.expand_rules(src, rec, start, local, tz, lo, hi, out)
        if with_start:
            v = micros(start, tz)
            if lo <= v < hi:
                out.add(v)
        for when in rec.rdates:
            length = None
            if type(when) is tuple:
                when, length = when
            if not isinstance(when, dt.datetime):
                self.count("all_day")
                continue
            v = micros(when, tz)
            if lo <= v < hi:
                out.add(v)
                if length is not None:
                    durations[v] = max(0.0, length.total_seconds() / 60)
        days = None
        for when in rec.exdates:
            if isinstance(when, dt.datetime):
                out.discard(micros(when, tz))
            else:
                days = days or set()
                days.add(when)
        if days:
            out = {v for v in out if _utc(v).astimezone(tz).date() not in days}
        if not out:  # a rule that never matches (30 February), or a series wholly outside the period
            self.count("no_occurrences")
        self.overridden += len(out & moved)
        kept = sorted(out - moved)
        held: list[int] = []
        if futures:
            first = futures[0][0]
            held = [v for v in kept if v > first]
            kept = [v for v in kept if v < first]
        return kept, durations, held

    def expand_rules(self, src: _Source, rec: _Rec, start: dt.datetime, local: dt.datetime, tz, lo: int, hi: int,
                     out: set[int]) -> bool:
        """Add the occurrences of the event's RRULEs in [lo, hi) to ``out``; whether DTSTART is one of them
        (False when it comes after the UNTIL of every rule)."""
        self.check_span(src, rec, start)
        hi_local = _local_end(hi, tz)
        limit = self.ws.settings["calendar_max_occurrences"]
        with_start = False
        for text in rec.rrules:
            text = _UNTIL.sub(lambda m: "UNTIL=" + _local_until(m.group(1), tz), text)
            try:
                parsed = du_rrule.rrulestr(text, dtstart=local, ignoretz=True)
            except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
                raise src.error(f"cannot read the recurrence rule {text!r} ({e})", rec.line, "RRULE",
                                "Use an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=MO;UNTIL=20261231T000000Z; "
                                "export the calendar again if it was not edited by hand.") from None
            until = getattr(parsed, "_until", None)
            with_start = with_start or until is None or local <= until
            n = 0
            try:
                for occ in rule_occurrences(parsed, hi_local, self.budget):
                    n += 1
                    if n > limit:
                        raise src.error(f"the recurrence rule {text!r} repeats more than {limit:,} times before the end "
                                        f"of the imported period ({_utc(self.period[1] - 1).date().isoformat()})",
                                        rec.line, "RRULE",
                                        "If the series is genuine, raise the calendar_max_occurrences setting; otherwise "
                                        "fix or remove the event, or import a period that ends sooner (the end option).")
                    v = micros(occ.replace(tzinfo=tz))
                    if lo <= v < hi:
                        out.add(v)
            except BudgetSpent:
                raise src.error(f"expanding the recurring events of this calendar checks more than {self.budget.limit:,} "
                                f"dates for occurrences; the limit is {self.per_kb:,} per KB of calendar read, and at least "
                                f"{_MIN_EXPANSION:,}", rec.line, "RRULE",
                                "If the calendar is genuine, raise the calendar_max_expansion setting; otherwise import "
                                "a period that ends sooner (the end option).") from None
            except (ValueError, OverflowError) as e:
                raise src.error(f"cannot expand the recurrence rule {text!r} ({e})", rec.line, "RRULE",
                                "Use an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=MO.") from None
        return with_start

    def check_span(self, src: _Source, rec: _Rec, start: dt.datetime) -> None:
        """Refuse a series that would be expanded over more than calendar_max_years (each year costs
        its occurrences, or the dates searched for them)."""
        end = self.period[1] - 1
        years = (end - self.us(start)) / _US_PER_YEAR
        limit = self.ws.settings["calendar_max_years"]
        if years > limit:
            raise src.error(f"this series starts on {start.date().isoformat()} and would be expanded to the end of the "
                            f"imported period on {_utc(end).date().isoformat()}, over {int(years):,} years; a series is "
                            f"expanded over at most {limit:,} years", rec.line, "RRULE",
                            "Check the event's DTSTART and the end of the period (the end option, else the latest "
                            "DTSTAMP or event start); if the series is genuine, raise the calendar_max_years setting.")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)


def _utc(us: int) -> dt.datetime:
    """A time in µs since the epoch as a UTC datetime, held within the years datetime can show."""
    try:
        return _EPOCH + dt.timedelta(microseconds=us)
    except OverflowError:
        return dt.datetime.max.replace(tzinfo=_UTC) if us > 0 else dt.datetime.min.replace(tzinfo=_UTC)


def _local_end(hi: int, tz) -> dt.datetime:
    """The last wall time a series is expanded to: the end of the period in the event's zone, plus a day
    (held within the years datetime can show: a DTSTAMP in 9999 ends the period there)."""
    try:
        return _utc(hi).astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=1)
    except (OverflowError, ValueError):
        return dt.datetime.max if hi > 0 else dt.datetime.min + dt.timedelta(days=1)


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
    """UNTIL in the event's local wall time (dateutil compares naive with naive); a value that is not a
    date-time is left for dateutil to refuse, one at the end of time stays where it is."""
    if value.upper().endswith("Z"):
        try:
            t = dt.datetime.strptime(value[:15], "%Y%m%dT%H%M%S").replace(tzinfo=_UTC).astimezone(tz)
        except ValueError:
            return value
        except OverflowError:
            return value[:15]
        return f"{t.year:04d}{t.month:02d}{t.day:02d}T{t.hour:02d}{t.minute:02d}{t.second:02d}"
    return value


def _address(prop: Any) -> str | None:
    if prop is None:
        return None
    email = getattr(prop, "params", {}).get("EMAIL")
    return _address_text(str(prop), str(email) if email else None)


def _address_text(text: str, email: str | None) -> str | None:
    text = text.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if "@" not in text:
        text = email or ""
    return text.strip() or None


def _duration(rec: _Rec, start: dt.datetime) -> float | None:
    e = rec.end
    if e is not None:
        if (e.tzinfo is None) != (start.tzinfo is None):
            return None
        return max(0.0, (e - start).total_seconds() / 60)
    if rec.dur is not None:
        return max(0.0, rec.dur.total_seconds() / 60)
    return None
