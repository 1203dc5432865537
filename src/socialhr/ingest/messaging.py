"""What the messaging connectors (Slack, Teams, e-mail, calendar) share.

The connectors parse their formats in Python, resolve identifiers to
pseudonyms as they go, and hand each interaction to an :class:`InteractionSink`,
which buffers columns, turns them into Arrow batches and inserts them into
``interaction_rows`` (pseudonyms as identity ids, a channel id and a kind
code packed in ``code``; the view ``interactions`` shows them as before) with one SQL
statement per batch, so memory stays flat.

The rules the tabular importer applies (:mod:`.interactions`) hold here too:

* timestamps are stored in UTC; the sink takes microseconds since the epoch;
* ``weight`` (of each sender->recipient tie) defaults to 1 / number of
  recipients;
* more recipients than ``broadcast_threshold`` makes a ``broadcast``;
* recipients are a set: the sender and repeats are dropped;
* a context is a keyed token the connector made (:mod:`.contexts`).

A sink made with ``keys="skip"`` or ``keys="replace"`` takes each row's
natural key (a keyed token: an e-mail's Message-ID, a Slack message's channel
and ts...) and stores only the first row of each key and kind within the
batch; a key an earlier batch stored is skipped, or replaces the earlier rows
(:mod:`.keys`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

import pyarrow as pa

from ..errors import InputError
from ..schema import KINDS, code_sql, unpacked
from ..workspace import Workspace
from .contexts import Contexts
from .identity import IdentityResolver
from .keys import NaturalKeys

_STAGE_SCHEMA = pa.schema([
    ("seq", pa.int64()),
    ("ts", pa.timestamp("us", tz="UTC")),
    ("channel", pa.int16()),
    ("kind", pa.uint8()),
    ("sender", pa.int32()),
    ("recipients", pa.list_(pa.int32())),
    ("weight", pa.float64()),
    ("duration_minutes", pa.float64()),
    ("context_id", pa.int32()),
    ("key", pa.int64()),
    ("part", pa.bool_()),
    ("series", pa.int64()),
    ("occurrence", pa.timestamp("us", tz="UTC")),
])

# Named columns, so a later migration that adds one does not shift these inserts.
_TARGET = '(batch_id, "timestamp", code, sender, recipients, weight, duration_minutes, context_id)'
_COLUMNS = f'?, ts, {code_sql("channel", "kind")}, sender, recipients, weight, duration_minutes, context_id'
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}


def channel_ids(db, names: Iterable[str]) -> dict[str, int]:
    """The id of each channel name (lower case), recording the new ones in ``channels``."""
    names = set(names)
    known = dict(db.execute("SELECT name, channel_id FROM channels").fetchall())
    fresh = sorted(n for n in names if n not in known)
    if fresh:
        start = max(known.values(), default=0) + 1
        if start + len(fresh) > 32767:
            raise InputError(f"too many distinct channels ({len(known) + len(fresh):,}); at most 32,767 are kept",
                             hint="The channel column names a medium (email, chat, meeting...), not a conversation; put conversation ids in 'context'.")
        db.executemany("INSERT INTO channels VALUES (?, ?)", [(start + i, n) for i, n in enumerate(fresh)])
        known.update({n: start + i for i, n in enumerate(fresh)})
    return {n: known[n] for n in names}


def kinds_stored(db, batch_id: int) -> dict[str, int]:
    """Rows of one batch by kind."""
    return stored_counts(db, batch_id)[0]


def stored_counts(db, batch_id: int) -> tuple[dict[str, int], int]:
    """Rows of one batch by kind, and how many took the workspace's zone.

    Grouped by the packed ``code`` itself (a few distinct values), which is
    read back here: about twice as fast as grouping by the kind computed from
    it (0.04 against 0.07 s for ten million rows), at the end of an import,
    when nothing else runs."""
    kinds: dict[int, int] = {}
    naive = 0
    for code, n in db.execute("SELECT code, count(*) FROM interaction_rows WHERE batch_id = ? GROUP BY code", [batch_id]).fetchall():
        kind, zone_assumed = unpacked(code)[1:]
        kinds[kind] = kinds.get(kind, 0) + n
        naive += n if zone_assumed else 0
    return {KINDS[k]: kinds[k] for k in sorted(kinds)}, naive


class InteractionSink:
    """Buffers interactions and inserts them, a chunk at a time, into ``interactions``.

    Parameters
    ----------
    ws
        The workspace, inside an open :class:`~socialhr.ingest.batch.Batch`.
    batch_id
        The batch the rows belong to.
    threshold
        More recipients than this makes the row a ``broadcast``.
    keys
        ``"skip"`` or ``"replace"``: take each row's natural key and store only the first
        row of each key (and kind) of the batch; a key an earlier batch stored is skipped,
        or replaces what it stored (:mod:`.keys`). None: rows have no keys.
    chunk
        Rows per Arrow batch (the rows of one message, added one after the other with
        the same key, are never split).
    """

    def __init__(self, ws: Workspace, batch_id: int, *, threshold: int, keys: str | None = None, chunk: int = 100_000,
                 resolver: IdentityResolver | None = None):
        self.ws = ws
        self.batch_id = batch_id
        # Pseudonyms become identity ids through the batch's resolver (or one of the sink's own).
        self.resolver = resolver
        self._own_resolver = resolver is None
        self._channels: dict[str, int] = {}
        self._contexts: Contexts | None = None
        self.threshold = int(threshold)
        self.keys = NaturalKeys(ws.db, batch_id, keys) if keys else None
        self.chunk = chunk
        self.kinds: Counter[str] = Counter()
        self.rows = 0
        self.stored = 0
        self._reset()

    def _reset(self) -> None:
        self._ts: list[int] = []
        self._channel: list[str] = []
        self._kind: list[str] = []
        self._sender: list[str] = []
        self._recipients: list[list[str]] = []
        self._weight: list[float | None] = []
        self._duration: list[float | None] = []
        self._context: list[str | None] = []
        self._key: list[int | None] = []
        self._part: list[bool] = []
        self._series: list[int | None] = []
        self._occurrence: list[int | None] = []

    def add(self, ts_us: int, channel: str, kind: str, sender: str, recipients: list[str], *,
            weight: float | None = None, duration: float | None = None, context: str | None = None,
            key: int | None = None, series: int | None = None, occurrence: int | None = None) -> None:
        """Add one interaction; ``recipients`` must already be a list of distinct pseudonyms
        without the sender (broadcast channel posts may have none), and ``context`` a keyed
        token (a channel's group id, a meeting UID's token), never text (:mod:`.contexts`).
        ``key`` is its natural key (:meth:`socialhr.privacy.Pseudonymiser.key`); a calendar
        occurrence also gives its ``series`` (its UID's key) and ``occurrence`` (its original
        start, in microseconds)."""
        if len(self._ts) >= self.chunk and (key is None or key != self._key[-1]):
            self._flush()  # (full, and not in the middle of one message's rows)
        n = len(recipients)
        # A message makes at most one row of its own and one of mentions: its rows' parts.
        self._part.append(kind == "mention")
        if n > self.threshold:
            kind = "broadcast"
        self._ts.append(ts_us)
        self._channel.append(channel)
        self._kind.append(kind)
        self._sender.append(sender)
        self._recipients.append(recipients)
        # Null is the default, 1 / number of recipients (schema 5); a post to no one weighs 1.
        self._weight.append(weight if weight is not None else (None if n else 1.0))
        self._duration.append(duration)
        self._context.append(context)
        self._key.append(key)
        self._series.append(series)
        self._occurrence.append(occurrence)
        self.kinds[kind] += 1

    def _flush(self) -> None:
        n = len(self._ts)
        if not n:
            return
        if self.resolver is None:
            self.resolver = IdentityResolver(self.ws, self.batch_id)
        missing = set(self._channel) - self._channels.keys()
        if missing:
            self._channels.update(channel_ids(self.ws.db, missing))
        if any(c is not None for c in self._context):
            if self._contexts is None:  # (known contexts read only once there is one: there may be millions)
                self._contexts = Contexts(self.ws, self.batch_id)
            contexts = self._contexts.ids_of_tokens(pa.array(self._context, pa.string()))
            self._contexts.flush()
        else:
            contexts = pa.nulls(n, pa.int32())
        table = pa.Table.from_arrays([
            pa.array(range(self.rows, self.rows + n), pa.int64()),
            pa.array(self._ts, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            pa.array([self._channels[c] for c in self._channel], pa.int16()),
            pa.array([_KIND_CODE[k] for k in self._kind], pa.uint8()),
            self.resolver.id_array(pa.array(self._sender, pa.string())),
            self.resolver.id_lists(pa.array(self._recipients, pa.list_(pa.string()))),
            pa.array(self._weight, pa.float64()),
            pa.array(self._duration, pa.float64()),
            contexts,
            pa.array(self._key, pa.int64()),
            pa.array(self._part, pa.bool_()),
            pa.array(self._series, pa.int64()),
            pa.array(self._occurrence, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        ], schema=_STAGE_SCHEMA)
        if self.keys is not None:
            table = table.filter(pa.array(self.keys.kept(table)))
        db = self.ws.db
        db.register("_sink", table)
        try:
            db.execute(f"INSERT INTO interaction_rows {_TARGET} SELECT {_COLUMNS} FROM _sink", [self.batch_id])
        finally:
            db.unregister("_sink")
        if self.keys is not None:
            self.keys.record(table)
        self.rows += n
        self.stored += table.num_rows
        self._reset()

    def finish(self) -> int:
        """Insert what is left; returns the number of rows stored (repeated keys left out)."""
        self._flush()
        if self._own_resolver and self.resolver is not None:
            self.resolver.flush()
        if self.keys is not None and self.stored != self.rows:
            self.kinds = Counter(kinds_stored(self.ws.db, self.batch_id))
        return self.stored

    @property
    def duplicates(self) -> int:
        """Rows left out because their key (and kind) came earlier in this batch."""
        return self.keys.duplicates if self.keys is not None else 0

    @property
    def already_imported(self) -> int:
        """Rows left out because an earlier batch stored their key (``keys="skip"``)."""
        return self.keys.already_imported if self.keys is not None else 0

    def covers(self, series: int) -> None:
        """``keys="replace"``: this batch holds an event of this series (see :mod:`.keys`)."""
        self.keys.covers(series)

    def replace_earlier(self, start_us: int, end_us: int) -> int:
        """``keys="replace"``: remove what earlier batches stored of what this batch replaces,
        over the period [start, end) (see :mod:`.keys`); returns how many occurrences."""
        return self.keys.replace_earlier(start_us, end_us)


def store_groups(ws: Workspace, batch_id: int, source_kind: str, groups: Iterable[tuple[str, str, str]],
                 members: Iterable[tuple[str, str]]) -> int:
    """Add collaboration spaces ``(group_id, kind, name)`` and memberships ``(group_id, person)``.

    A group already known (from an earlier export) keeps its row; a membership
    already recorded is not added twice. Returns the number of new groups.
    """
    groups = list(groups)
    members = list(dict.fromkeys(members))
    db = ws.db
    before = db.execute("SELECT count(*) FROM groups").fetchone()[0]
    if groups:
        db.register("_g", pa.table({"group_id": [g[0] for g in groups], "kind": [g[1] for g in groups],
                                    "name": [g[2] for g in groups]}))
        try:
            db.execute("INSERT INTO groups (group_id, kind, name, parent, source_kind, batch_id) SELECT DISTINCT ON (group_id) group_id, kind, name, NULL, ?, ? FROM _g "
                       "ON CONFLICT (group_id) DO NOTHING", [source_kind, batch_id])
        finally:
            db.unregister("_g")
    if members:
        db.register("_m", pa.table({"group_id": [m[0] for m in members], "person": [m[1] for m in members]}))
        try:
            db.execute("INSERT INTO group_members (group_id, person, valid_from, valid_to, batch_id) SELECT m.group_id, m.person, NULL, NULL, ? FROM _m m "
                       "ANTI JOIN group_members g ON g.group_id = m.group_id AND g.person = m.person", [batch_id])
        finally:
            db.unregister("_m")
    return db.execute("SELECT count(*) FROM groups").fetchone()[0] - before


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def micros(dt: datetime, zone: ZoneInfo | None = None) -> int:
    """Microseconds since the epoch; a naive ``dt`` is read in ``zone`` (UTC if None)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone or timezone.utc)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def other_members(members: list[str], sender: str) -> list[str]:
    """The distinct members of a conversation other than the sender, in order."""
    return [m for m in dict.fromkeys(members) if m != sender]
