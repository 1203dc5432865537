"""Where people are in time: each person's UTC offset, for meetings held virtually across offices.

Rosters rarely carry a time zone, but they carry a ``location``. A person's
zone is, in this order:

1. their ``time_zone`` (or ``timezone``, ``tz``) roster attribute, when the
   roster declared one (``--attribute time_zone``): an IANA name
   (``Europe/Paris``) or a UTC offset (``UTC+05:30``, ``-0500``, ``GMT-3``);
2. their location's zone in the ``location_time_zones`` setting
   (``["Bengaluru=Asia/Kolkata", ...]``);
3. the IANA zone named after their location's city (``New York`` is
   ``America/New_York``, ``London`` is ``Europe/London``);
4. otherwise unknown.

Offsets are taken on one day (the end of the data), so daylight saving time is
as it is then. Two offsets are compared around the clock: UTC+12 and UTC-11
are one hour apart.

>>> zone_of("UTC+05:30"), zone_of("GMT-3"), zone_of("Europe/Paris") is not None, zone_of("Mars/Olympus")
(5.5, -3.0, True, None)
>>> hours_apart(np.array([12.0, 1.0]), -11.0).tolist()
[1.0, 12.0]
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Any, Sequence

import numpy as np

from ..errors import SettingsError

ATTRIBUTES = ("time_zone", "timezone", "tz")
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def zone_of(text: str) -> float | str | None:
    """A fixed offset in hours (``UTC+05:30`` → 5.5), an IANA name, or None when ``text`` is neither."""
    text = text.strip()
    if text.upper() in ("UTC", "GMT", "Z"):
        return 0.0
    m = _OFFSET.match(text)
    if m:
        hours = int(m.group(2)) + int(m.group(3) or 0) / 60
        if m.group(1) == "+":
            return hours if hours <= 14 else None
        return -hours if hours <= 12 else None
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return text


def location_zones(entries: Sequence[str]) -> dict[str, str]:
    """The ``location_time_zones`` setting as {location: zone}; a :class:`SettingsError` for a bad entry."""
    out = {}
    for entry in entries:
        location, sep, zone = entry.partition("=")
        if not sep or not location.strip() or zone_of(zone) is None:
            raise SettingsError(f"setting 'location_time_zones': {entry!r} is not LOCATION=ZONE with a known zone",
                                hint="For example: location_time_zones = [\"Bengaluru=Asia/Kolkata\", \"Remote US=UTC-5\"].")
        out[location.strip().casefold()] = zone.strip()
    return out


@functools.lru_cache(maxsize=1)
def _cities() -> dict[str, str]:
    """IANA zones by their city, folded: 'new york' → 'America/New_York'."""
    out: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/")):
            continue
        city = name.rsplit("/", 1)[1].replace("_", " ").casefold()
        out.setdefault(city, name)
    return out


def offsets(locations: Sequence[str | None], attributes: Sequence[dict[str, Any]], *, on: dt.date,
            setting: Sequence[str] = ()) -> tuple[np.ndarray, dict[str, int]]:
    """Each person's UTC offset in hours on ``on`` (nan when unknown), and how many came from each source."""
    by_location = location_zones(setting)
    cities = _cities()
    noon = dt.datetime.combine(on, dt.time(12))
    cache: dict[Any, float] = {}

    def hours(zone: float | str | None) -> float:
        if zone is None:
            return np.nan
        if isinstance(zone, float):
            return zone
        if zone not in cache:
            offset = noon.replace(tzinfo=zoneinfo.ZoneInfo(zone)).utcoffset()
            cache[zone] = offset.total_seconds() / 3600 if offset is not None else np.nan
        return cache[zone]

    out = np.full(len(locations), np.nan)
    counts = {"attribute": 0, "setting": 0, "city": 0, "unknown": 0}
    for i, (location, attrs) in enumerate(zip(locations, attributes)):
        declared = next((attrs[k] for k in ATTRIBUTES if attrs.get(k) not in (None, "")), None)
        zone = zone_of(str(declared)) if declared is not None else None
        source = "attribute"
        if zone is None and location:
            key = location.strip().casefold()
            if key in by_location:
                zone, source = zone_of(by_location[key]), "setting"
            elif key in cities:
                zone, source = cities[key], "city"
        out[i] = hours(zone)
        counts[source if not np.isnan(out[i]) else "unknown"] += 1
    return out, counts


def hours_apart(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """Hours between UTC offsets, around the clock (at most 12)."""
    d = np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) % 24
    return np.minimum(d, 24 - d)
