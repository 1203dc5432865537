"""Import interaction metadata from CSV, Parquet or JSON Lines.

Columns: ``timestamp, sender, recipients, channel`` (required),
``duration_minutes, kind, weight, context`` (optional); recipients are
separated by ``;`` (or are a list in Parquet and JSON). Rules, documented in
docs/data-model.md:

* timestamps with an offset keep it; naive ones take the workspace's zone; all
  are stored in UTC;
* ``kind`` defaults to ``meeting`` for the channels meeting and call, else
  ``message``; more than ``broadcast_threshold`` recipients makes a broadcast;
* ``weight`` (of each sender->recipient tie) defaults to 1 / number of
  recipients, so a message to four people weighs 0.25 per recipient and a
  meeting of five attendees 0.25 per pair;
* recipients are a set: blanks and repeats are dropped.

How it is fast (docs/data-model.md, "How import is fast"): one path for
every format, in three stages that overlap on two cores. A thread reads the
file as Arrow batches (Parquet text stored with a dictionary arrives
dictionary-encoded) and gathers them in groups of at least
:data:`_MAP_ROWS` rows; another maps each group's identifiers to identity ids
(:mod:`socialhr.ingest.identity`: one hash look-up in Arrow per column and
group, recipients split in place, and Python only for a value not met before
in the batch) and parses times that carry an offset (:func:`_parsed_times`);
DuckDB parses what is left, checks every value Arrow has not already found
good (:func:`_checked`) and inserts about a million rows per statement, each
row with its index, so a bad value names its line.
Nothing is read twice, new identities included, and memory stays flat: a few
chunks are in flight at a time.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..lists import rechunked
from ..schema import KINDS, code_sql
from ..sql import quote_identifier
from ..workspace import Workspace
from .batch import Batch, BatchResult
from .contexts import Contexts
from .identity import IdentityResolver
from .messaging import channel_ids, stored_counts
from .tabular import open_table

REQUIRED = ["timestamp", "sender", "recipients", "channel"]
OPTIONAL = ["duration_minutes", "kind", "weight", "context"]

_FAILURE = re.compile(r"socialhr:(\w+):(\d+)")

# What each failure code means to the user: (field, message, hint).
_PROBLEMS = {
    "timestamp": ("not a timestamp: {value!r}", "Use ISO 8601, e.g. 2026-03-02T09:30:00+01:00 (a time without an offset takes the workspace's time zone)."),
    "sender": ("the sender is empty", "Every interaction needs the sender's e-mail address or employee id."),
    "recipients": ("there are no recipients", "List the recipients' e-mail addresses or employee ids, separated by ';'."),
    "channel": ("the channel is empty", "Name the channel, e.g. email, chat or meeting."),
    "duration_minutes": ("not a duration in minutes: {value!r}", "Give a number of minutes of zero or more, or leave it empty."),
    "weight": ("not a weight: {value!r}", "Give a number above zero, or leave it empty to use 1/number of recipients."),
    "kind": ("unknown kind {value!r}", "Use one of: " + ", ".join(KINDS) + ", or leave it empty."),
}


def import_interactions(
    ws: Workspace,
    path: str | Path,
    *,
    column_map: dict[str, str] | None = None,
    encoding: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> BatchResult:
    """Import one interactions file as one batch. See the module docstring for the rules."""
    cmap = {**ws.column_map("interactions"), **(column_map or {})}
    src = open_table(
        path, required=REQUIRED, optional=OPTIONAL, column_map=cmap, encoding=encoding,
        text_fields=("timestamp", "sender", "channel", "kind", "context"),
        dictionary_fields=("sender", "recipients", "channel", "kind", "context"), max_ratio=ws.settings["archive_max_ratio"],
    )
    # (Text is hashed as read: the same rows with a BOM, CRLF or blank lines are the same content.)
    with Batch(ws, "interactions", src.path, hash_alongside=True, text_lines=src.format in ("csv", "tsv", "jsonl")) as batch:
        if batch.is_duplicate:
            return batch.result
        if progress:
            progress(0, src.total_rows)
        try:
            ws.db.execute("SET TimeZone = ?", [ws.settings["timezone"]])
            rows, resolver = _import_rows(ws, src, batch, progress)
        finally:
            ws.db.execute("SET TimeZone = 'UTC'")
        if progress:
            progress(rows, rows)
        new_identities = resolver.counts()
        resolver.flush()
        batch.rows_read = rows
        batch.rows_imported = rows
        kinds, naive = stored_counts(ws.db, batch.batch_id)
        batch.notes.update(
            {
                "kinds": kinds,
                "new_identities": new_identities,
                "naive_timestamps": naive,
                "timezone_assumed": ws.settings["timezone"] if naive else None,
            }
        )
    return batch.result


def _no_rows(src) -> InputError:
    return InputError("the file has a header but no rows", file=src.path, hint="Export the interactions again; nothing was imported.")


# -- the pipeline: Arrow batches in, one INSERT per chunk -----------------------

# Rows per INSERT statement: large enough that DuckDB spreads each over its
# threads, small enough that memory stays flat (about 40 MB staged at a time).
_CHUNK_ROWS = 1 << 20

# Rows mapped at once (a Parquet row group; a few 4 MB CSV blocks): each
# column is looked up with one hash table of the values met so far per group.
_MAP_ROWS = 1 << 17


def _import_rows(ws: Workspace, src, batch: Batch, progress) -> tuple[int, IdentityResolver]:
    """Read, pseudonymise, check and insert every row; returns the row count and the resolver.

    Three stages overlap: a thread reads the file's next group of batches,
    another maps the identifiers of the group before (:func:`_stage`) and
    joins mapped groups in chunks, while DuckDB checks and inserts a chunk. A
    bad value fails the chunk's INSERT with the index of its row, which names
    the line.
    """
    resolver = IdentityResolver(ws, batch.batch_id)
    # (Known contexts are read only when the file has them: there may be millions.)
    contexts = Contexts(ws, batch.batch_id) if "context" in src.columns else None
    channels = _Channels(ws.db)
    offset = 0
    with ThreadPoolExecutor(1, thread_name_prefix="socialhr-read") as reading, \
            ThreadPoolExecutor(1, thread_name_prefix="socialhr-stage") as staging:
        groups = _read_ahead(reading, _gathered(src.batches(), _MAP_ROWS))
        for staged in _read_ahead(staging, _gathered(_staged(groups, resolver, contexts), _CHUNK_ROWS)):
            _staged_rows = staged.append_column("cid", channels.ids(staged.column("channel"))).drop_columns(["channel"])
            # DuckDB reads the table from this local variable by its name. (A
            # table registered by name stays referenced until the transaction
            # ends, so memory would grow with the file.)
            try:
                ws.db.execute(_insert_sql(_staged_rows.schema, ws.settings["broadcast_threshold"], channels.meeting,
                                          "_staged_rows", checked=_checked(_staged_rows)), [batch.batch_id])
            except duckdb.Error as e:
                problem = _explain(e, src, _staged_rows, offset)
                batch.abort()
                raise problem from None
            offset += _staged_rows.num_rows
            del _staged_rows
            if progress:
                progress(offset, src.total_rows)
    if offset == 0:
        raise _no_rows(src)
    if contexts is not None:
        contexts.flush()
    return offset, resolver


def _read_ahead(pool: ThreadPoolExecutor, items: Iterator):
    """The items of ``items``, each made in ``pool`` while the caller works on the one before."""
    future = pool.submit(next, items, None)
    while (item := future.result()) is not None:
        future = pool.submit(next, items, None)
        yield item


def _gathered(items: Iterator[pa.RecordBatch | pa.Table], rows: int) -> Iterator[pa.Table]:
    """Consecutive batches (or tables) gathered in tables of at least ``rows`` rows
    (the last may be smaller), each of one schema (JSON Lines may infer another
    type for a column in a later block; a chunk whose times Arrow parsed has
    another type than one left to DuckDB). Nothing is copied."""
    pending: list = []
    count = 0
    for item in items:
        if pending and (count >= rows or item.schema != pending[0].schema):
            yield _joined(pending)
            pending, count = [], 0
        pending.append(item)
        count += item.num_rows
    if pending:
        yield _joined(pending)


def _joined(items: list) -> pa.Table:
    return pa.Table.from_batches(items) if isinstance(items[0], pa.RecordBatch) else pa.concat_tables(items)


def _staged(groups: Iterator[pa.Table], resolver: IdentityResolver, contexts: Contexts | None) -> Iterator[pa.Table]:
    """Each group of batches as :func:`_stage` makes it, with its rows' indexes in the file."""
    offset = 0
    for group in groups:
        yield _stage(group, resolver, contexts, offset)
        offset += group.num_rows


def _stage(group: pa.Table, resolver: IdentityResolver, contexts: Contexts | None, offset: int) -> pa.Table:
    """One group of the file's batches as read, with the sender and recipients
    as identity ids (``sid``, ``rid``), the context as a context id
    (``context_id``), the channel dictionary-encoded, times parsed where
    Arrow can (:func:`_parsed_times`), and each row's index (``__row``). The
    group is mapped as a whole: each column is looked up with one hash table
    of the values met so far, not one per batch (about 0.4 CPU s less per
    column of ten million values in 4 MB CSV blocks); its batches'
    boundaries are kept."""
    cols = {name: group.column(name) for name in group.schema.names if name not in ("sender", "recipients", "channel", "context")}
    cols["timestamp"] = _parsed_times(cols["timestamp"])
    for name in ("duration_minutes", "weight"):
        if name in cols:
            cols[name] = _parsed_numbers(cols[name])
    if "context" in group.schema.names:
        cols["context_id"] = contexts.ids_of(_trimmed(group.column("context")))
    channel = group.column("channel")
    cols["channel"] = channel if pa.types.is_dictionary(channel.type) else pc.dictionary_encode(channel)
    cols["sid"] = resolver.ids_of(group.column("sender"))
    cols["rid"] = resolver.id_lists_of(group.column("recipients"))
    cols["__row"] = rechunked(pa.array(np.arange(offset, offset + group.num_rows, dtype=np.int64)), channel)
    return pa.table(cols)


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Values as text, spaces trimmed, a blank one missing (as in CSV); a
    dictionary-encoded column by its dictionary."""
    if pa.types.is_dictionary(column.type):
        return pa.chunked_array([pa.DictionaryArray.from_arrays(c.indices, _trimmed(pa.chunked_array([c.dictionary])).combine_chunks())
                                 for c in column.chunks])
    text = pc.utf8_trim(column if pa.types.is_string(column.type) else pc.cast(column, pa.string()), " ")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def _parsed_numbers(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Numbers in text (CSV), spaces trimmed and a blank one missing, parsed
    by Arrow as doubles; any other column, or text with a value Arrow does not
    take for a number, as it is, for DuckDB to parse and check (and name a
    bad value's line). Parsed here, about 0.15 CPU s per ten million values
    spares DuckDB about 0.3 s of trimming and casting text in the INSERT."""
    if not pa.types.is_string(column.type):
        return column
    try:
        return pc.cast(_trimmed(column), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return column


def _parsed_times(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Timestamps in text that all carry an offset (``2026-03-02T09:30:00+01:00``,
    ``...Z``), parsed by Arrow into UTC; any other column as it is, for DuckDB
    to parse and check in the INSERT (:func:`_insert_sql`).

    Arrow's parser is strict: it takes only ISO 8601 with an offset, which
    DuckDB reads the same way (tested against a list of forms), and refuses a
    time without one, so a batch it parses has no zone to assume. Anything it
    refuses (a naive time, a bad value, a form it does not know) leaves the
    batch to DuckDB, which reads the rest and names a bad value's line.
    """
    if pa.types.is_dictionary(column.type) or not pa.types.is_string(column.type):
        return column
    try:
        parsed = pc.cast(column, pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return column
    # Arrow also takes a time without seconds (09:00Z), which DuckDB refuses:
    # unless every time has them, the batch is DuckDB's to judge.
    if not all(_has_seconds(chunk) for chunk in (column.chunks if isinstance(column, pa.ChunkedArray) else [column])):
        return column
    return parsed


def _has_seconds(text: pa.StringArray) -> bool:
    """Does every value have a ``:`` at its 17th byte (``2026-03-02T09:30:00``)?
    Read from the text's own buffers: 0.04 CPU s per ten million values,
    against 0.1–0.2 s for Arrow's ``binary_slice`` and compare. (A null counts
    as no: its batch is left to DuckDB, which names it.)"""
    offsets = np.frombuffer(text.buffers()[1], np.int32)[text.offset: text.offset + len(text) + 1]
    if len(text) == 0:
        return True
    if text.null_count or (np.diff(offsets) < 17).any():
        return False
    return bool((np.frombuffer(text.buffers()[2], np.uint8)[offsets[:-1] + 16] == ord(":")).all())


class _Channels:
    """Channel ids for raw channel values, each distinct value mapped once per
    import (new channels are recorded), and the ids of meeting and call."""

    def __init__(self, db: duckdb.DuckDBPyConnection):
        self.db = db
        self.known: dict[str | None, int | None] = {}
        self.meeting: list[int] = []

    def ids(self, column: pa.ChunkedArray) -> pa.ChunkedArray:
        out = []
        for chunk in column.chunks:  # (each dictionary-encoded by _stage)
            raw = chunk.dictionary.cast(pa.string()).to_pylist()
            if new := [v for v in raw if v not in self.known]:
                self._learn(new)
            out.append(pc.take(pa.array([self.known[v] for v in raw], pa.int16()), chunk.indices))
        return pa.chunked_array(out, pa.int16())

    def _learn(self, raw: list[str | None]) -> None:
        """Map new raw values to channels: each lower-cased and trimmed into a
        name (by DuckDB, as names always were); a blank one has none."""
        names = dict(self.db.execute("SELECT k, lower(NULLIF(TRIM(k), '')) FROM unnest(?::VARCHAR[]) t(k)", [raw]).fetchall())
        ids = channel_ids(self.db, {n for n in names.values() if n})
        self.known.update({v: ids[n] if n else None for v, n in names.items()})
        self.meeting = sorted({*self.meeting, *(ids[n] for n in ("meeting", "call") if n in ids)})


def _fail(code: str) -> str:
    return f"error('socialhr:{code}:' || __row)"


def _is_text(t: pa.DataType) -> bool:
    """Text, plain or dictionary-encoded (as Parquet's string columns arrive in Arrow)."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _value(name: str, schema: pa.Schema) -> str:
    """A column as SQL, with blank text read as missing (as in CSV)."""
    if _is_text(schema.field(name).type):
        return f"NULLIF(TRIM(CAST({quote_identifier(name)} AS VARCHAR)), '')"
    return quote_identifier(name)


def _zone_assumed(schema: pa.Schema) -> str:
    """SQL: does this row's timestamp lack an offset (so the workspace's zone is assumed)?"""
    t = schema.field("timestamp").type
    if pa.types.is_timestamp(t):
        return "false" if t.tz else "true"
    if not _is_text(t):
        return "false"
    # An offset is Z, +hh, +hhmm or +hh:mm at the end, after a time part. The
    # usual +hh:mm is told by two characters (in a value that parses as a
    # timestamp, they are its offset); only other endings need the pattern.
    ts = '"timestamp"'
    return (f"CASE WHEN {ts} IS NULL OR length({ts}) <= 10 THEN false "
            f"WHEN substr({ts}, -6, 1) IN ('+', '-') AND substr({ts}, -3, 1) = ':' THEN false "
            f"ELSE NOT regexp_matches({ts}, '(Z|z|[+-]\\d\\d(:?\\d\\d)?)$') END")


def _checked(staged: pa.Table) -> set[str]:
    """The fields whose every value in ``staged`` Arrow has already found
    good (no missing sender, channel or time, at least one recipient; times
    parsed; durations and weights numbers, none below zero, no weight zero),
    from counts Arrow keeps or takes a moment to make, so that the INSERT
    need not check them row by row."""
    ok = {name for name, col in (("sender", "sid"), ("channel", "cid")) if staged.column(col).null_count == 0}
    times = staged.column("timestamp")
    if pa.types.is_timestamp(times.type) and times.null_count == 0:
        ok.add("timestamp")
    rid = staged.column("rid")
    if rid.null_count == 0 and (pc.min(pc.list_value_length(rid)).as_py() or 0) > 0:
        ok.add("recipients")
    for name, good in (("duration_minutes", lambda low: low >= 0), ("weight", lambda low: low > 0)):
        if name in staged.schema.names and _is_number(staged.schema.field(name).type):
            low = pc.min(staged.column(name)).as_py()  # (nulls and NaN left aside, as the check leaves them)
            if low is None or good(low):
                ok.add(name)
    return ok


def _is_number(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _insert_sql(schema: pa.Schema, broadcast_threshold: int, meeting_channels: list[int], source: str,
                checked: set[str] = frozenset()) -> str:
    """One INSERT into ``interaction_rows`` from ``source``, which has the raw
    ``timestamp`` (and ``kind``, ``weight``, ``duration_minutes``, ``context_id``
    when present), ``cid`` (channel id), ``sid`` (sender id), ``rid`` (recipient
    ids) and ``__row``. Every value is checked, except those of the fields in
    ``checked`` (:func:`_checked`); a bad one raises naming its row."""
    has = set(schema.names)
    ts = 'TRY_CAST("timestamp" AS TIMESTAMPTZ)'
    meeting = ", ".join(str(int(i)) for i in meeting_channels)
    default_kind = f"CASE WHEN cid IN ({meeting}) THEN 1 ELSE 0 END" if meeting else "0"
    kind = default_kind
    if "kind" in has:
        k = f"lower({_value('kind', schema)})"
        codes = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(KINDS))
        kind = f"CASE WHEN {k} IS NULL THEN {default_kind} ELSE CASE {k} {codes} ELSE {_fail('kind')} END END"
    broadcast = KINDS.index("broadcast")

    def required(field: str, value: str, bad: str) -> str:
        return value if field in checked else f"CASE WHEN {bad} THEN {_fail(field)} ELSE {value} END"

    columns = {
        "batch_id": "?",
        '"timestamp"': required("timestamp", "ts", "ts IS NULL"),
        "code": code_sql(required("channel", "cid", "cid IS NULL"),
                         f"CASE WHEN n > {int(broadcast_threshold)} THEN {broadcast} ELSE {kind} END",
                         _zone_assumed(schema)),
        "sender": required("sender", "sid", "sid IS NULL"),
        "recipients": required("recipients", "rid", "coalesce(n, 0) = 0"),
    }
    # Optional columns the file lacks are left out, to take their default,
    # null (for weight: 1 / n, schema 5): cheaper for DuckDB than a column of
    # nulls (about 0.1 CPU s per ten million rows for a number, 0.2 for text).
    for name, bad in (("weight", "<= 0"), ("duration_minutes", "< 0")):
        if name not in has:
            continue
        raw = _value(name, schema)
        x = f"TRY_CAST({raw} AS DOUBLE)"
        columns[name] = x if name in checked else f"CASE WHEN {raw} IS NULL THEN NULL WHEN {x} IS NULL OR {x} {bad} THEN {_fail(name)} ELSE {x} END"
    if "context_id" in has:
        columns["context_id"] = "context_id"
    # Each derived value is computed once in the inner query, then checked.
    return f"""
        INSERT INTO interaction_rows ({", ".join(columns)})
        SELECT {", ".join(columns.values())}
        FROM (SELECT *, len(rid) AS n FROM (SELECT *, {ts} AS ts FROM {source}))
    """


def _explain(e: duckdb.Error, src, staged: pa.Table, offset: int) -> InputError:
    m = _FAILURE.search(str(e))
    if not m:
        return InputError(f"cannot import the rows near {src.line_label} {src.line_of(offset)}: {e}", file=src.path)
    field, row = m.group(1), int(m.group(2))
    local = row - offset
    value = staged.column(field)[local].as_py() if field in staged.schema.names and field not in ("sender", "recipients") else None
    message, hint = _PROBLEMS[field]
    return src.error(row, field, message.format(value=value), hint)
