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

How it is fast (docs/data-model.md, "How import is fast"): for Parquet and
UTF-8 CSV, DuckDB reads the file itself, twice. The first pass collects the
distinct senders and the distinct recipient values (and counts rows and naive
timestamps); only those are pseudonymised in Python
(:mod:`socialhr.ingest.identity`), into two small lookup tables. The second
pass is one ``INSERT ... SELECT`` that joins the file to them and parses and
checks every value in SQL. A bad value raises inside that statement; the
batch then rolls back and the file is read again on the streamed path below,
which names the exact line (the bulk statement cannot).

The streamed path (JSON Lines, other encodings, and every error): rows come
through Arrow in batches, identifiers are pseudonymised per distinct value
of each batch, and every value is parsed and checked by DuckDB in the
statement that inserts it, with each row's index, so a failure names its
line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..workspace import Workspace
from .batch import Batch, BatchResult
from .identity import IdentityResolver
from .tabular import open_table

REQUIRED = ["timestamp", "sender", "recipients", "channel"]
OPTIONAL = ["duration_minutes", "kind", "weight", "context"]
KINDS = ("message", "meeting", "broadcast", "reply", "mention")

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
    )
    with Batch(ws, "interactions", src.path) as batch:
        if batch.is_duplicate:
            return batch.result
        if progress:
            progress(0, src.total_rows)
        try:
            ws.db.execute("SET TimeZone = ?", [ws.settings["timezone"]])
            done = None
            if _bulk_relation(src) is not None:
                try:
                    done = _import_bulk(ws, src, batch)
                except duckdb.Error:
                    # A bad value (or a file DuckDB reads differently): start
                    # again on the streamed path, which names the line.
                    batch.restart()
                    ws.db.execute("SET TimeZone = ?", [ws.settings["timezone"]])
            if done is None:
                done = _import_streamed(ws, src, batch, progress)
        finally:
            ws.db.execute("SET TimeZone = 'UTC'")
        rows, naive, resolver = done
        if progress:
            progress(rows, rows)
        new_identities = resolver.counts()
        resolver.flush()
        batch.rows_read = rows
        batch.rows_imported = rows
        kinds = dict(ws.db.execute("SELECT kind, count(*) FROM interactions WHERE batch_id = ? GROUP BY kind", [batch.batch_id]).fetchall())
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


# -- the bulk path: DuckDB reads the file --------------------------------------

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _bulk_relation(src) -> str | None:
    """SQL that reads the file in DuckDB with canonical column names, or None
    when only the streamed path reads it (JSON Lines, XLSX, other encodings)."""
    path = _literal(str(src.path))
    if src.format == "parquet":
        cols = ", ".join(f"{_quote(s)} AS {_quote(c)}" for c, s in zip(src.columns, src.source_columns))
        return f"(SELECT {cols} FROM read_parquet({path}))"
    if src.format in ("csv", "tsv") and src.encoding == "utf-8" and src.header:
        index: dict[str, int] = {}
        for i, h in enumerate(src.header):
            index.setdefault(h, i)
        if any(s not in index for s in src.source_columns):
            return None
        types = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(src.header)))
        cols = ", ".join(f"c{index[s]} AS {_quote(c)}" for c, s in zip(src.columns, src.source_columns))
        delim = "\t" if src.format == "tsv" else ","
        return (
            f"(SELECT {cols} FROM read_csv({path}, header = true, auto_detect = false, columns = {{{types}}}, "
            f"delim = '{delim}', quote = '\"', escape = '\"', skip = {int(src.skip_lines)}, "
            "strict_mode = true, null_padding = false, encoding = 'utf-8'))"
        )
    return None


def _arrow(result) -> pa.Table:
    out = result.arrow()
    return out.read_all() if hasattr(out, "read_all") else out


def _import_bulk(ws: Workspace, src, batch: Batch) -> tuple[int, int, IdentityResolver]:
    db = ws.db
    rel = _bulk_relation(src)
    types = {r[0]: r[1] for r in db.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    ts_type = types["timestamp"]
    if ts_type == "VARCHAR":
        naive = (
            "count_if(\"timestamp\" IS NOT NULL AND length(\"timestamp\") > 10 "
            "AND NOT regexp_matches(\"timestamp\", '(Z|z|[+-]\\d\\d(:?\\d\\d)?)$'))"
        )
    elif ts_type.startswith("TIMESTAMP") and "WITH TIME ZONE" not in ts_type:
        naive = "count(*)"
    else:
        naive = "0"
    rtype = types["recipients"]
    rkey = "recipients" if rtype == "VARCHAR" else ("CAST(recipients AS VARCHAR[])" if rtype.endswith("[]") else "CAST(recipients AS VARCHAR)")
    # Pass 1: the distinct identities, the row count and the naive timestamps, in one scan.
    first = _arrow(db.execute(
        f"SELECT CAST(sender AS VARCHAR) AS s, {rkey} AS r, grouping(s) AS gs, grouping(r) AS gr, count(*) AS n, coalesce(CAST({naive} AS BIGINT), 0) AS naive "
        f"FROM {rel} GROUP BY GROUPING SETS ((s), (r), ())"
    ))
    gs, gr = first.column("gs"), first.column("gr")
    total = first.filter(pc.and_(pc.equal(gs, 1), pc.equal(gr, 1)))
    rows, naive_count = int(total.column("n")[0].as_py()), int(total.column("naive")[0].as_py())
    if rows == 0:
        raise _no_rows(src)
    senders = first.filter(pc.and_(pc.equal(gs, 0), pc.is_valid(first.column("s")))).column("s")
    recipients = first.filter(pc.and_(pc.equal(gr, 0), pc.is_valid(first.column("r")))).column("r")
    del first, total
    resolver = IdentityResolver(ws, batch.batch_id)
    smap = pa.table({"key": senders.combine_chunks() if senders.num_chunks else pa.array([], senders.type), "pseudo": resolver.resolve_array(senders)})
    rmap = pa.table({"key": recipients.combine_chunks() if recipients.num_chunks else pa.array([], recipients.type), "r": resolver.resolve_lists(recipients)})
    # Pass 2: one statement joins each row to its pseudonyms, checks and inserts.
    others = [c for c in src.columns if c not in ("sender", "recipients")]
    staged = (
        "(SELECT " + ", ".join(f"t.{_quote(c)}" for c in others)
        + ", m.pseudo AS sender, rm.r AS recipients, -1 AS __row "
        f"FROM {rel} t LEFT JOIN _smap m ON m.key = CAST(t.sender AS VARCHAR) "
        f"LEFT JOIN _rmap rm ON rm.key = {rkey.replace('recipients', 't.recipients')})"
    )
    schema = pa.schema([(c, pa.string() if types[c] == "VARCHAR" else pa.float64()) for c in others])
    db.register("_smap", smap)
    db.register("_rmap", rmap)
    try:
        db.execute(_insert_sql(schema, ws.settings["broadcast_threshold"], staged), [batch.batch_id])
    finally:
        db.unregister("_smap")
        db.unregister("_rmap")
    return rows, naive_count, resolver


# -- the streamed path: Arrow batches, with line numbers ------------------------

def _import_streamed(ws: Workspace, src, batch: Batch, progress) -> tuple[int, int, IdentityResolver]:
    resolver = IdentityResolver(ws, batch.batch_id)
    naive = 0
    offset = 0
    for rb in src.batches():
        staged = _stage(rb, resolver, offset)
        ws.db.register("_staged", staged)
        try:
            naive += _count_naive(ws.db, staged)
            ws.db.execute(_insert_sql(staged.schema, ws.settings["broadcast_threshold"]), [batch.batch_id])
        except duckdb.Error as e:
            problem = _explain(e, src, staged, offset)
            batch.abort()
            raise problem from None
        finally:
            ws.db.unregister("_staged")
        offset += rb.num_rows
        if progress:
            progress(offset, src.total_rows)
    if offset == 0:
        raise _no_rows(src)
    return offset, naive, resolver


def _stage(rb: pa.RecordBatch, resolver: IdentityResolver, offset: int) -> pa.Table:
    """Pseudonymise the identifier columns of one batch; add each row's index."""
    cols = {name: rb.column(name) for name in rb.schema.names}
    cols["sender"] = resolver.resolve_array(cols["sender"])
    cols["recipients"] = resolver.resolve_lists(cols["recipients"])
    cols["__row"] = pa.array(range(offset, offset + rb.num_rows), pa.int64())
    return pa.table(cols)


def _count_naive(db: duckdb.DuckDBPyConnection, staged: pa.Table) -> int:
    t = staged.schema.field("timestamp").type
    if pa.types.is_timestamp(t):
        return 0 if t.tz else staged.num_rows
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return 0
    # An offset is Z, +hh, +hhmm or +hh:mm at the end, after a time part.
    return db.execute(
        "SELECT count(*) FROM _staged WHERE \"timestamp\" IS NOT NULL AND length(\"timestamp\") > 10 "
        "AND NOT regexp_matches(\"timestamp\", '(Z|z|[+-]\\d\\d(:?\\d\\d)?)$')"
    ).fetchone()[0]


def _fail(code: str) -> str:
    return f"error('socialhr:{code}:' || __row)"


def _value(name: str, schema: pa.Schema) -> str:
    """A column as SQL, with blank text read as missing (as in CSV)."""
    t = schema.field(name).type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return f"NULLIF(TRIM({name}), '')"
    return name


def _insert_sql(schema: pa.Schema, broadcast_threshold: int, source: str = "_staged") -> str:
    has = set(schema.names)
    ts = 'TRY_CAST("timestamp" AS TIMESTAMPTZ)'
    # Lists hold nulls only where a blank stood between separators.
    recipients = "CASE WHEN list_position(recipients, NULL) IS NULL THEN recipients ELSE list_filter(recipients, lambda x: x IS NOT NULL) END"
    duration = "NULL::DOUBLE"
    if "duration_minutes" in has:
        raw = _value("duration_minutes", schema)
        d = f"TRY_CAST({raw} AS DOUBLE)"
        duration = f"CASE WHEN {raw} IS NULL THEN NULL WHEN {d} IS NULL OR {d} < 0 THEN {_fail('duration_minutes')} ELSE {d} END"
    default_kind = "CASE WHEN ch IN ('meeting', 'call') THEN 'meeting' ELSE 'message' END"
    kind = default_kind
    if "kind" in has:
        k = f"lower({_value('kind', schema)})"
        allowed = ", ".join(f"'{x}'" for x in KINDS)
        kind = f"CASE WHEN {k} IS NULL THEN {default_kind} WHEN {k} IN ({allowed}) THEN {k} ELSE {_fail('kind')} END"
    weight = "1.0 / n"
    if "weight" in has:
        raw = _value("weight", schema)
        w = f"TRY_CAST({raw} AS DOUBLE)"
        weight = f"CASE WHEN {raw} IS NULL THEN 1.0 / n WHEN {w} IS NULL OR {w} <= 0 THEN {_fail('weight')} ELSE {w} END"
    context = f"CAST({_value('context', schema)} AS VARCHAR)" if "context" in has else "NULL"
    # Each derived value is computed once in the inner query, then checked.
    return f"""
        INSERT INTO interactions
        SELECT ?,
               CASE WHEN ts IS NULL THEN {_fail('timestamp')} ELSE ts END,
               CASE WHEN ch IS NULL THEN {_fail('channel')} ELSE ch END,
               CASE WHEN n > {int(broadcast_threshold)} THEN 'broadcast' ELSE {kind} END,
               CASE WHEN sender IS NULL THEN {_fail('sender')} ELSE sender END,
               CASE WHEN coalesce(n, 0) = 0 THEN {_fail('recipients')} ELSE r END,
               {weight},
               {duration},
               {context}
        FROM (SELECT *, len(r) AS n
              FROM (SELECT *, {ts} AS ts, lower({_value('channel', schema)}) AS ch, {recipients} AS r FROM {source}))
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
