"""Import e-mail metadata from an mbox file, a folder of .eml files, or a Maildir.

Only these headers are read: ``From``, ``To``, ``Cc``, ``Date``,
``Message-ID``, ``In-Reply-To`` (and ``List-Id``, ``Precedence``,
``Auto-Submitted`` to recognise list and automated mail). Bodies, subjects
and attachments are never read past the blank line that ends the headers.
Address lists are read as RFC 5322 and the standard library's parser read them
(:func:`addresses_of`: groups, source routes, quoted names, comments, encoded
words); only addresses are kept, so an encoded word in an unknown charset cannot
fail an import.

Rules (docs/connectors.md):

* one interaction from the sender to the distinct ``To`` and ``Cc``
  addresses (the sender removed); ``kind`` is ``reply`` when the message has
  ``In-Reply-To``, else ``message``;
* each tie weighs 1 / number of recipients; more recipients than
  ``broadcast_threshold`` (25) makes a ``broadcast``, which makes no tie;
* a ``Message-ID`` seen before counts once: in the same import (the same
  message in two folders) it is skipped as a ``duplicate``; stored by an
  earlier import (an mbox of July, then one of July and August) it is skipped
  as ``already_imported`` (:mod:`.keys`; the Message-ID is kept as a keyed token);
* skipped and counted: senders matching an exclusion pattern
  (``email_exclude``, e.g. ``noreply@*``), mailing-list mail (``List-Id`` or
  ``Precedence: list|bulk|junk``), automated mail (``Auto-Submitted`` other
  than ``no``), messages without a sender address, without recipients, or
  without a readable ``Date``; recipient addresses that match a pattern are
  dropped;
* a ``Date`` with an offset keeps it; one without takes the workspace's zone;
* identities are made only for addresses of stored messages; later copies of a
  ``Message-ID`` whose addresses differ from the first's are counted
  (``duplicates_with_different_addresses``).
"""

from __future__ import annotations

import datetime as dt
import email.policy
import fnmatch
import re
from array import array
from email.utils import parsedate_tz
from pathlib import Path
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow as pa

from ..errors import InputError
from ..workspace import Workspace
from .archive import folder_files
from .batch import Batch, BatchResult
from .identity import IdentityResolver
from .messaging import InteractionSink, micros

DEFAULT_EXCLUDE = [
    "noreply@*", "no-reply@*", "no_reply@*", "donotreply@*", "do-not-reply@*", "mailer-daemon@*", "postmaster@*",
    "*-bounces@*", "bounce*@*", "notifications@*", "notification@*", "calendar-notification@*",
]
_WANTED = frozenset({b"from", b"to", b"cc", b"date", b"message-id", b"in-reply-to", b"list-id", b"precedence",
                     b"auto-submitted"})
_LISTS = frozenset({b"to", b"cc"})
_BOM = b"\xef\xbb\xbf"
_BULK = frozenset({"list", "bulk", "junk"})
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), 1)}


def import_email(ws: Workspace, path: str | Path, *, exclude: list[str] | str | None = None,
                 progress: Callable[[int, int | None], None] | None = None) -> BatchResult:
    """Import an mbox file, a folder of .eml files or a Maildir as one batch.

    Parameters
    ----------
    ws
        The workspace.
    path
        An mbox file, or a folder holding .eml files, .mbox files or a Maildir (``cur/``, ``new/``).
    exclude
        Sender patterns to leave out (shell-style, case-insensitive), instead of the
        ``email_exclude`` setting; a comma-separated string is split.
    progress
        Called as ``progress(messages_read, None)`` after each file of a folder and every 10,000 messages.
    """
    path = Path(path)
    sources = _sources(path)
    if isinstance(exclude, str):
        exclude = [p.strip() for p in exclude.split(",") if p.strip()]
    patterns = exclude if exclude is not None else ws.settings.get("email_exclude", DEFAULT_EXCLUDE)
    excluded = _matcher(patterns)
    zone = ZoneInfo(ws.settings["timezone"])
    with Batch(ws, "email", path) as batch:
        if batch.is_duplicate:
            return batch.result
        resolver = IdentityResolver(ws, batch.batch_id)
        sink = InteractionSink(ws, batch.batch_id, threshold=ws.settings["broadcast_threshold"], resolver=resolver, keys="skip")
        keyed = ws.pseudonymiser.key
        resolve = resolver.resolve
        with _Copies(ws.db) as copies:
            read = naive = dropped = unreadable = 0
            skip: dict[str, int] = {}
            current = None
            for src_name, headers in _messages(path, sources):
                if progress and src_name != current:
                    if current is not None:
                        progress(read, None)
                    current = src_name
                read += 1
                if progress and read % 10_000 == 0:
                    progress(read, None)
                reason = _excluded_by_headers(headers)
                if reason:
                    skip[reason] = skip.get(reason, 0) + 1
                    continue
                senders = _addresses(headers.get(b"from"))
                if senders is None:
                    unreadable += 1
                if not senders:
                    skip["no_sender"] = skip.get("no_sender", 0) + 1
                    continue
                sender_addr = senders[0]
                if excluded(sender_addr):
                    skip["excluded_sender"] = skip.get("excluded_sender", 0) + 1
                    continue
                to, cc = _addresses(headers.get(b"to")), _addresses(headers.get(b"cc"))
                if to is None or cc is None:
                    unreadable += (to is None) + (cc is None)
                raw = (to or []) + (cc or [])
                sender = resolve(sender_addr)
                recipients = []
                for a in raw:
                    if excluded(a):
                        dropped += 1
                        continue
                    recipients.append(resolve(a))
                recipients = [r for r in dict.fromkeys(recipients) if r != sender]
                if not recipients:
                    skip["no_recipients"] = skip.get("no_recipients", 0) + 1
                    continue
                when = _date(headers.get(b"date"), zone)
                if when is None:
                    skip["no_date"] = skip.get("no_date", 0) + 1
                    continue
                ts, is_naive = when
                naive += is_naive
                mid = headers.get(b"message-id")
                key = keyed("message_id", mid.decode("utf-8", "replace").strip().strip("<>").strip()) if mid and mid.strip() else None
                kind = "reply" if headers.get(b"in-reply-to", b"").strip() else "message"
                if key is not None:
                    copies.add(key, hash((sender, frozenset(recipients))))
                sink.add(ts, "email", kind, sender, recipients, key=key)
            if read == 0:
                raise InputError("no e-mail messages found", file=path,
                                 hint="Give an mbox file (messages start with a 'From ' line), a folder of .eml files, or a Maildir.")
            stored = sink.finish()
            differing = copies.differing() if sink.duplicates else 0
        for reason, n in skip.items():
            batch.skip(reason, n)
        batch.skip("duplicates", sink.duplicates)
        batch.skip("already_imported", sink.already_imported)
        # Addresses met only in messages left out make no identity.
        resolver.drop_unused()
        new_identities = resolver.counts()
        resolver.flush()
        batch.rows_read = read
        batch.rows_imported = stored
        batch.notes.update({
            "kinds": dict(sink.kinds),
            "new_identities": new_identities,
            "recipients_excluded": dropped,
            "duplicates_with_different_addresses": differing,
            "unreadable_address_headers": unreadable,
            "naive_timestamps": naive,
            "timezone_assumed": ws.settings["timezone"] if naive else None,
            "files": len(sources),
        })
    return batch.result


# -- finding messages ------------------------------------------------------

def _sources(path: Path) -> list[Path]:
    """The files to read: the mbox itself, or a folder's .eml/.mbox files and Maildir messages."""
    if not path.exists():
        raise InputError(f"no such file or folder: {path}", hint="Check the path; it is relative to where you run the command.")
    if path.is_file():
        with open(path, "rb") as f:
            head = f.read(5 + len(_BOM))
        if not head:
            raise InputError("the file is empty", file=path, hint="Export the mailbox again as mbox.")
        if not head.removeprefix(_BOM).startswith(b"From "):
            if path.suffix.lower() == ".eml":
                return [path]
            raise InputError("not an mbox file: it should start with a 'From ' line", file=path, line=1,
                             hint="Export the mailbox as mbox (Thunderbird: ImportExportTools; Google Takeout: Mail), "
                                  "or give a folder of .eml files or a Maildir.")
        return [path]
    out = []
    for p in sorted(path / member for member in folder_files(path)):
        rel = p.relative_to(path).parts
        if rel[-1].startswith("."):
            continue
        if p.suffix.lower() in (".eml", ".mbox") or (len(rel) >= 2 and rel[-2] in ("cur", "new")):
            out.append(p)
    if not out:
        raise InputError("no e-mail messages found in this folder", file=path,
                         hint="The folder should hold .eml files, .mbox files, or a Maildir (cur/ and new/ folders).")
    return out


def _messages(root: Path, sources: list[Path]) -> Iterator[tuple[str, dict[bytes, bytes]]]:
    for src in sources:
        name = str(src.relative_to(root)) if src != root else src.name
        if src.suffix.lower() == ".mbox" or src == root and src.suffix.lower() != ".eml":
            with open(src, "rb") as f:
                first = f.read(5 + len(_BOM))
                if not first.removeprefix(_BOM).startswith(b"From "):
                    raise InputError("not an mbox file: it should start with a 'From ' line", file=src, line=1,
                                     hint="Export the mailbox as mbox, or give .eml files.")
                f.seek(len(_BOM) if first.startswith(_BOM) else 0)
                for headers in _mbox_headers(f):
                    yield name, headers
        else:
            with open(src, "rb") as f:
                yield name, _parse_headers(_header_lines(f))


def _header_lines(f) -> list[bytes]:
    lines = []
    for line in f:
        if line == b"\n" or line == b"\r\n":
            break
        if not lines and line.startswith(_BOM):
            line = line[len(_BOM):]
        lines.append(line)
    return lines


def _mbox_headers(f) -> Iterator[dict[bytes, bytes]]:
    """Header blocks of an mbox: each message starts with a 'From ' line; bodies are skipped."""
    lines: list[bytes] | None = None
    in_headers = False
    for line in f:
        if line.startswith(b"From "):
            if lines is not None:
                yield _parse_headers(lines)
            lines = []
            in_headers = True
        elif in_headers:
            if line == b"\n" or line == b"\r\n":
                in_headers = False
            else:
                lines.append(line)
    if lines is not None:
        yield _parse_headers(lines)


def _parse_headers(lines: list[bytes]) -> dict[bytes, bytes]:
    """The wanted headers, unfolded; To and Cc repeated are joined. (What is appended to a header, its
    folded lines or a repeated To, is joined once at the end: appending each piece to the header so
    far copied it every time, a cost that grew with the square of the header's length.)"""
    out: dict[bytes, bytes] = {}
    more: dict[bytes, list[bytes]] = {}
    current = None
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if current is not None:
                more.setdefault(current, []).append(b" " + line.strip())
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            current = None
            continue
        name = name.strip().lower()
        if name not in _WANTED:
            current = None
            continue
        value = value.strip()
        if name in out:
            if name in _LISTS:
                more.setdefault(name, []).append(b", " + value)
                current = name
            else:
                current = None
            continue
        out[name] = value
        current = name
    for name, pieces in more.items():
        out[name] += b"".join(pieces)
    return out


def _excluded_by_headers(headers: dict[bytes, bytes]) -> str | None:
    if b"list-id" in headers:
        return "mailing_list"
    prec = headers.get(b"precedence")
    if prec is not None and prec.strip().lower().decode("ascii", "replace") in _BULK:
        return "mailing_list"
    auto = headers.get(b"auto-submitted")
    if auto is not None and auto.strip().lower() not in (b"no", b""):
        return "automated"
    return None


# -- headers ---------------------------------------------------------------

def _addresses(value: bytes | None) -> list[str] | None:
    """The addresses of an address header's raw value (:func:`addresses_of`); None when the
    standard library's parser fails on it."""
    if not value:
        return []
    return _read_addresses(value.decode("utf-8", "replace"))


class _Copies:
    """Each copy of a Message-ID in this import with a fingerprint of its addresses, to count the
    copies whose sender or recipients differ from the first copy's (the one stored).

    Kept in a temporary table, a chunk at a time, so memory stays flat however many messages.
    """

    def __init__(self, db, chunk: int = 100_000):
        self.db, self.chunk = db, chunk
        self.keys, self.prints = array("q"), array("q")
        self.seen = 0
        self.db.execute("CREATE OR REPLACE TEMP TABLE _email_copies (seq BIGINT, key BIGINT, print BIGINT)")

    def add(self, key: int, fingerprint: int) -> None:
        self.keys.append(key)
        self.prints.append(fingerprint)
        if len(self.keys) >= self.chunk:
            self._flush()

    def _flush(self) -> None:
        n = len(self.keys)
        if not n:
            return
        _copies = pa.table({"seq": pa.array(range(self.seen, self.seen + n), pa.int64()),
                            "key": np.frombuffer(self.keys, np.int64), "print": np.frombuffer(self.prints, np.int64)})
        self.db.execute("INSERT INTO _email_copies SELECT seq, key, print FROM _copies")
        self.seen += n
        self.keys, self.prints = array("q"), array("q")

    def differing(self) -> int:
        """Copies, after the first of their Message-ID, whose addresses differ from the first's."""
        self._flush()
        return self.db.execute(
            """WITH firsts AS (SELECT key, arg_min(print, seq) AS first FROM _email_copies GROUP BY key HAVING count(*) > 1)
               SELECT count(*) FROM _email_copies c JOIN firsts f USING (key) WHERE c.print <> f.first""").fetchone()[0]

    def __enter__(self) -> "_Copies":
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.db.execute("DROP TABLE IF EXISTS _email_copies")
        except duckdb.Error:  # the batch's transaction failed: rolling it back drops the table
            if exc[0] is None:
                raise


# The plain forms of RFC 5322's address lists (3.4), read by one pattern, an entry at a time:
# a bare addr-spec (its parts dot-atoms, 3.2.3), or a phrase of atoms (with obs-phrase's
# periods: "Joe Q. Public") and quoted strings without quoted pairs before an angle-addr; an
# entry may open a group ("Team:") and end one (";"); simple comments (no nesting, no quoted
# pair) may stand where white space may. Quantifiers are possessive, so a list the pattern does
# not fit fails in linear time and goes to the standard library.
_ATEXT = r"A-Za-z0-9!#$%&'*+\-/=?^_`{|}~"
_DOT_ATOM = rf"[{_ATEXT}]++(?:\.[{_ATEXT}]++)*+"
_ADDR_SPEC = rf"{_DOT_ATOM}@{_DOT_ATOM}"
_CFWS = r"(?:[ \t]++|\([^()\\]*+\))*+"
_WORD = rf'(?:[{_ATEXT}.]++|"[^"\\]*+")'
_PHRASE = rf"(?:{_WORD}{_CFWS})++"
_PLAIN_ENTRY = re.compile(
    rf"{_CFWS}(?P<open>{_PHRASE}:{_CFWS})?+"
    rf"(?:(?:{_PHRASE})?+<[ \t]*+(?P<angle>{_ADDR_SPEC})[ \t]*+>{_CFWS}|(?P<bare>{_ADDR_SPEC}){_CFWS})?+"
    rf"(?P<end>,|;{_CFWS}(?:,|\Z)|\Z)")
# The two commonest forms, each read by one match: a list of bare addresses, one named mailbox.
_BARE_LIST = re.compile(rf"[ \t]*+{_ADDR_SPEC}[ \t]*+(?:,[ \t]*+{_ADDR_SPEC}[ \t]*+)*+")
_NAMED_MAILBOX = re.compile(rf"[ \t]*+(?:{_WORD}[ \t]*+)*+<[ \t]*+({_ADDR_SPEC})[ \t]*+>[ \t]*+")
# An encoded word (RFC 2047) the pattern may take as an atom: the standard library reads one
# from "=?" to the next "?=", across any special character, so a value with an "=?" that does
# not start one of these (a charset, Q or B, encoded text of atext without "?") is left to it.
_ENCODED_WORD = re.compile(r"=\?[A-Za-z0-9_\-]++(?:\*[A-Za-z0-9_\-]++)?+\?[QqBb]\?"
                           r"(?:=[0-9A-Fa-f]{2}|[A-Za-z0-9!#$%&'*+\-/^_`{|}~.])*+=*+\?=")
_ADDRESS_HEADER = email.policy.default.header_factory["to"]  # one class, made once (the registry makes one per call)
_MAILTO = re.compile(r"<\s*mailto:", re.IGNORECASE)


def addresses_of(value: str) -> list[str]:
    """The addresses of an address-list header value (``From``, ``To``, ``Cc``), as RFC 5322 reads them.

    The addr-spec of every mailbox in the list, in order, groups flattened (``Team: a@x, b@x;``
    gives both; the empty group ``undisclosed-recipients:;`` none), source routes dropped
    (``<@relay:mary@example.net>`` is ``mary@example.net``), comments, quoted display names and
    encoded words skipped over. A mailbox without a domain (``XX``,
    ``<Undisclosed-Recipient:@host;>``, ``<>``) is no address.

    Plain lists (bare addresses, ``Name <address>`` entries with quoted names, simple comments
    and groups, well-formed encoded words) are read by a pattern; anything else by the standard
    library's parser (``email.policy.default``), whose answer the pattern's equals (a property
    test checks). Deliberate differences: ``<mailto:a@x>`` (some web forms) is ``a@x``, where
    the standard library reads a group named ``mailto``; a value its parser fails on (``bob@``
    raises IndexError) has no address rather than failing the import (the import counts it),
    unless it is a plain form (``.<d@x.example>`` makes it raise AttributeError; it is
    ``d@x.example``).

    >>> addresses_of('Project Team: bob@acme.example, "Doe, Carl" <carl@acme.example>;, <@relay:mary@example.net>')
    ['bob@acme.example', 'carl@acme.example', 'mary@example.net']
    >>> addresses_of("undisclosed-recipients:;"), addresses_of("<Undisclosed-Recipient:@host;>")
    ([], [])
    """
    return _read_addresses(value) or []


def _read_addresses(value: str) -> list[str] | None:
    """:func:`addresses_of`, or None when the standard library's parser fails on the value."""
    if "=?" not in value:
        if _BARE_LIST.fullmatch(value) is not None:
            return [a.strip() for a in value.split(",")]
        m = _NAMED_MAILBOX.fullmatch(value)
        if m is not None:
            return [m.group(1)]
    else:
        at = value.find("=?")
        while at >= 0:
            if not _ENCODED_WORD.match(value, at):
                return _parsed(value)
            at = value.find("=?", at + 2)
    out = []
    pos, end = 0, len(value)
    match = _PLAIN_ENTRY.match
    in_group = False
    while pos < end:
        m = match(value, pos)
        if m is None or m.end() == pos:
            return _parsed(value)
        opens, angle, bare, ends = m.groups()
        if opens is not None:
            if in_group:  # a group within a group
                return _parsed(value)
            in_group = True
        if ends[:1] == ";":
            if not in_group:
                return _parsed(value)
            in_group = False
        a = angle or bare
        if a:
            if "=?" in a:  # what looks like an encoded word in an address: the stdlib decodes it
                return _parsed(value)
            out.append(a)
        pos = m.end()
    if in_group:  # a group never closed
        return _parsed(value)
    return out


def _parsed(value: str) -> list[str] | None:
    """:func:`addresses_of` by the standard library's RFC 5322 parser (None if it fails)."""
    if "mailto:" in value.lower():
        value = _MAILTO.sub("<", value)
    try:
        header = _ADDRESS_HEADER("to", value)
    except Exception:  # its parser raises on some malformed values (IndexError for "bob@"): counted by the caller
        return None
    return [a.addr_spec for a in header.addresses if a.username and a.domain]


_DATE = re.compile(r"(?:\w+,\s*)?(\d{1,2})\s+(\w{3})\w*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4})?\s*(?:\(.*\))?$")


def _date(value: bytes | None, zone: ZoneInfo) -> tuple[int, bool] | None:
    """(microseconds since the epoch, whether the date had no offset), or None if unreadable.

    A date without an offset is read in ``zone``. ``-0000`` (RFC 5322: UTC, local zone unknown) is UTC.

    >>> _date(b"Thu, 2 Jul 2026 09:30:00 +0200", ZoneInfo("UTC"))
    (1782977400000000, False)
    """
    if not value:
        return None
    text = value.decode("ascii", "replace").strip()
    m = _DATE.match(text)
    if m is not None and m.group(2).lower() in _MONTHS:
        day, mon, year, hh, mm, ss, off = m.groups()
        year = int(year)
        if year < 100:
            year += 2000 if year < 50 else 1900
        parts = (year, _MONTHS[mon.lower()], int(day), int(hh), int(mm), int(ss or 0))
        offset = None if off is None else (1 if off[0] == "+" else -1) * (int(off[1:3]) * 3600 + int(off[3:5]) * 60)
    else:
        t = parsedate_tz(text)
        if t is None:
            return None
        parts = t[:6]
        offset = t[9]
        if offset is None and text.rstrip().endswith("-0000"):
            offset = 0
    try:
        if offset is None:
            return micros(dt.datetime(*parts, tzinfo=zone)), True
        return micros(dt.datetime(*parts, tzinfo=dt.timezone.utc)) - offset * 1_000_000, False
    except (ValueError, OverflowError):
        return None


def _matcher(patterns: list[str]) -> Callable[[str], bool]:
    """A test for addresses matching any shell-style pattern, case-insensitive."""
    if not patterns:
        return lambda address: False
    rx = re.compile("|".join(fnmatch.translate(p.strip().lower()) for p in patterns if p.strip()))
    cache: dict[str, bool] = {}

    def match(address: str) -> bool:
        hit = cache.get(address)
        if hit is None:
            hit = cache[address] = rx.match(address.lower()) is not None
        return hit

    return match
