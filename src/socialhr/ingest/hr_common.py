"""Pieces the HR connectors share: dates written several ways, and finding people.

Dates. HR tools write ``2026-03-01``, ``2026/03/01``, ``01/03/2026`` or
``3/1/2026 9:30:12``. ISO forms are read as they are. A slash date with the
year last is day-first or month-first: the file itself decides when one of
its dates has a first part above 12 (day-first) or a second part above 12
(month-first); when none does, socialhr refuses to guess and asks for
``--date-format``, since reading 01/04/2023 as 4 January instead of 1 April
moves a tie or an exit by three months without any sign.

>>> read_dates({"2026-03-01": 0, "31/01/2026": 1}, None, None, "date")["31/01/2026"]
datetime.date(2026, 1, 31)
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from ..errors import InputError
from ..workspace import Workspace

_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[ T])")
_SLASH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:$|[ ,T])")
FORMAT_HINT = "Pass --date-format %d/%m/%Y (day first) or --date-format %m/%d/%Y (month first)."


def read_dates(values: dict[str, int], fmt: str | None, src, field: str) -> dict[str, date]:
    """Parse distinct date texts (``text -> first row index``) into dates.

    ``src`` is the :class:`~socialhr.ingest.tabular.TableSource` used to name the
    line of a bad value (None only in doctests).
    """

    def fail(text: str, message: str, hint: str) -> InputError:
        if src is None:
            return InputError(message, hint=hint)
        return src.error(values[text], field, message, hint)

    out: dict[str, date] = {}
    if fmt:
        for text in values:
            try:
                out[text] = datetime.strptime(_date_part(text, fmt), fmt).date()
            except ValueError:
                raise fail(text, f"not a date in the format {fmt!r}: {text!r}", "Correct the value, or pass the file's own --date-format.") from None
        return out
    day_first = month_first = None
    slash: dict[str, tuple[int, int, int]] = {}
    for text in values:
        t = text.strip()
        m = _ISO.match(t)
        if m:
            try:
                out[text] = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise fail(text, f"not a date: {text!r}", "Use YYYY-MM-DD.") from None
            continue
        m = _SLASH.match(t)
        if not m:
            raise fail(text, f"not a date: {text!r}", "Use YYYY-MM-DD, or pass --date-format (for example --date-format %d/%m/%Y).")
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        slash[text] = (a, b, y)
        if a > 12 and day_first is None:
            day_first = text
        if b > 12 and month_first is None:
            month_first = text
    if slash:
        if day_first and month_first:
            raise fail(month_first, f"the file mixes day-first ({day_first!r}) and month-first ({month_first!r}) dates", FORMAT_HINT)
        if not day_first and not month_first:
            first = min(slash, key=values.__getitem__)
            raise fail(first, f"the date {first!r} could be day/month/year or month/day/year, and no date in the file tells which", FORMAT_HINT)
        for text, (a, b, y) in slash.items():
            d, mth = (a, b) if day_first else (b, a)
            try:
                out[text] = date(y, mth, d)
            except ValueError:
                raise fail(text, f"not a date: {text!r}", FORMAT_HINT) from None
    return out


def _date_part(text: str, fmt: str) -> str:
    """The leading part of a timestamp that a date-only format describes."""
    text = text.strip()
    if " " not in fmt and "T" not in fmt:
        text = re.split(r"[ T]", text, maxsplit=1)[0]
    return text


def people(ws: Workspace) -> set[str]:
    """Every person pseudonym with a record (roster, or a Viva id made a person)."""
    return {p for (p,) in ws.db.execute("SELECT DISTINCT person FROM people_history").fetchall()}


def fold_name(name: str) -> str:
    """A name as compared: accents dropped, case folded, spaces collapsed.

    >>> fold_name("  Lucía   HERRERA ")
    'lucia herrera'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


class NameIndex:
    """Roster names (from the vault) to person pseudonyms, for answers that name colleagues."""

    def __init__(self, ws: Workspace):
        self.index: dict[str, set[str]] = {}
        for person, name in ws.vault.connect().execute("SELECT person, name FROM people WHERE name IS NOT NULL"):
            self.index.setdefault(fold_name(name), set()).add(person)

    def lookup(self, name: str) -> tuple[str | None, int]:
        """(person, number of people with that name)."""
        found = self.index.get(fold_name(name), set())
        return (next(iter(found)) if len(found) == 1 else None), len(found)
