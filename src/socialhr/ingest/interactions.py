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
UTF-8 CSV, DuckDB reads the file itself, in one ``INSERT ... SELECT`` that
maps each row to identity ids and parses and checks every value in SQL: the
sender and a single recipient by a join to a map of identifiers, a list of
recipients by a cast to an ENUM whose codes, modulo the highest id + 1, are
the identity ids (see :func:`_id_labels`). Memory thus depends on the number
of identifiers, not on the number of distinct recipient lists, which grows
with the file.

When a sample of the first rows names only people already known (their
e-mails and employee ids as the vault holds them), that map is made before
the file is read, and the file is read once (:func:`_import_known`); a later
row naming anyone else raises :data:`_UNKNOWN` and the batch starts again on
two passes. The first of those collects the distinct senders, recipient
identifiers (each identifier of a list on its own) and channels, and counts
the rows; only those identifiers are pseudonymised in Python
(:mod:`socialhr.ingest.identity`); the second is the statement above. A bad
value raises inside that statement; the batch then rolls back and the file is
read again on the streamed path below, which names the exact line (the bulk
statement cannot).

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
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..privacy import classify, normalise
from ..schema import KINDS
from ..workspace import Workspace
from .batch import Batch, BatchResult
from .identity import IdentityResolver
from .messaging import channel_ids, kinds_stored
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
        rows, resolver = done
        if progress:
            progress(rows, rows)
        new_identities = {}
        if resolver:  # (none when every identifier was already known)
            new_identities = resolver.counts()
            resolver.flush()
        batch.rows_read = rows
        batch.rows_imported = rows
        naive = ws.db.execute("SELECT count_if(zone_assumed) FROM interaction_rows WHERE batch_id = ?", [batch.batch_id]).fetchone()[0]
        batch.notes.update(
            {
                "kinds": kinds_stored(ws.db, batch.batch_id),
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


def _import_bulk(ws: Workspace, src, batch: Batch) -> tuple[int, IdentityResolver | None]:
    db = ws.db
    rel = _bulk_relation(src)
    types = {r[0]: r[1] for r in db.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    rkey, is_list = _recipients(types)
    parts = (f"CASE WHEN len({rkey}) > 0 THEN {rkey} ELSE [NULL::VARCHAR] END" if is_list
             else f"string_split(coalesce({rkey}, ''), ';')")
    try:
        done = _import_known(ws, src, batch, rel, types, parts)
    except duckdb.Error as e:
        if _UNKNOWN not in str(e):
            raise
        done = None  # an identifier or channel first seen after the sample: both passes after all
        batch.restart()
        db.execute("SET TimeZone = ?", [ws.settings["timezone"]])
    if done is not None:
        return done, None  # no new identities
    resolver = IdentityResolver(ws, batch.batch_id)
    # Pass 1, one scan: the distinct senders, recipient identifiers (each
    # identifier of a list on its own) and channels, and the number of rows.
    # Every row yields at least one identifier, so none of them is missed.
    first = _arrow(db.execute(
        "SELECT s, e, c, grouping(s) AS gs, grouping(e) AS ge, grouping(c) AS gc, count_if(k = 1) AS n FROM "
        f"(SELECT CAST(sender AS VARCHAR) AS s, unnest({parts}) AS e, generate_subscripts({parts}, 1) AS k, "
        f"CAST(channel AS VARCHAR) AS c FROM {rel}) GROUP BY GROUPING SETS ((s), (e), (c), ())"
    ))
    gs, ge, gc = first.column("gs"), first.column("ge"), first.column("gc")
    is_set = {name: pc.equal(flag, 0) for name, flag in (("s", gs), ("e", ge), ("c", gc))}
    total = first.filter(pc.and_(pc.and_(pc.equal(gs, 1), pc.equal(ge, 1)), pc.equal(gc, 1))).column("n").to_pylist()
    rows = int(total[0] or 0) if total else 0  # (count_if over no rows is NULL)
    if rows == 0:
        raise _no_rows(src)
    senders, elements, channels = (_column(first.filter(pc.and_(is_set[k], pc.is_valid(first.column(k)))), k) for k in ("s", "e", "c"))
    del first, is_set
    keys = pc.unique(pa.chunked_array([senders, elements], pa.string()).combine_chunks())
    ids = pa.table({"key": keys, "id": resolver.ids_of(keys)})
    # Recipient identifiers through an ENUM (see _id_labels), unless a blank
    # other than '' occurs or the ids reach too far beyond the batch's size:
    # then each distinct recipient value is mapped to its set of ids, and joined.
    element_ids = pc.take(ids.column("id"), pc.index_in(elements, value_set=keys))  # (resolved just above)
    blank = pc.invert(pc.is_valid(element_ids))
    enum = None
    if pc.filter(elements, blank).to_pylist() in ([], [""]):
        named = pc.filter(elements, pc.invert(blank)).to_pylist()
        codes = pc.filter(element_ids, pc.invert(blank)).to_numpy()
        enum = _id_labels(named, codes, max(100_000, 8 * len(named), rows // 4))
    rmap = None if enum is not None else _recipient_map(db, rel, rkey, resolver)
    cmap, meeting = _channel_map(db, channels)
    _insert_mapped(ws, batch, src, rel, types, ids, enum, rmap, cmap, meeting, check_known=False)
    return rows, resolver


def _recipients(types: dict[str, str], prefix: str = "") -> tuple[str, bool]:
    """SQL for the file's recipients as text (separated) or as a list of text, and whether it is a list."""
    rtype = types["recipients"]
    is_list = rtype.endswith("[]")
    column = f"{prefix}recipients"
    return (column if rtype == "VARCHAR" else f"CAST({column} AS {'VARCHAR[]' if is_list else 'VARCHAR'})"), is_list


def _import_known(ws: Workspace, src, batch: Batch, rel: str, types: dict[str, str], parts: str) -> int | None:
    """One pass, when every identifier of the file is one the workspace already
    knows, written as its vault has it (the usual case for a workspace whose
    roster is in). Their identity ids are known before the file is read, so the
    file is read once; a row naming anything else raises :data:`_UNKNOWN`, and
    the caller starts again on both passes. None, without reading the file,
    when a sample of its first rows already names something unknown."""
    known = _known_identifiers(ws)
    if known is None:
        return None
    keys, ids = known
    sample = _arrow(ws.db.execute(
        f"SELECT CAST(sender AS VARCHAR) AS s, unnest({parts}) AS e, CAST(channel AS VARCHAR) AS c "
        f"FROM (SELECT * FROM {rel} LIMIT {_SAMPLE_ROWS})"))
    if sample.num_rows == 0:
        return None
    names = pc.unique(pa.chunked_array([_column(sample, "s"), _column(sample, "e")], pa.string()).combine_chunks())
    if names.null_count:
        return None
    names = pc.filter(names, pc.not_equal(names, ""))  # a blank between separators
    fold = False
    if not pc.all(pc.is_in(names, value_set=keys)).as_py():
        # E-mail addresses in other capitals (Ann.Lee@Acme.example, as many
        # mail systems write them): the same once folded, as in SQL (_folded).
        folded = pa.array([n.lower() if "@" in n and n.isascii() else n for n in names.to_pylist()], pa.string())
        if not pc.all(pc.is_in(folded, value_set=keys)).as_py():
            return None
        fold = True
    enum = _id_labels(keys.to_pylist(), ids.to_numpy(), max(100_000, 4 * len(keys)))
    if enum is None:
        return None
    cmap, meeting = _channel_map(ws.db, pc.unique(_column(sample, "c")), everything=True)
    rows = _insert_mapped(ws, batch, src, rel, types, pa.table({"key": keys, "id": ids}), enum, None, cmap, meeting,
                          check_known=True, fold=fold)
    if rows == 0:
        raise _no_rows(src)
    return rows


# Rows read first to see whether every identifier of a file is already known.
_SAMPLE_ROWS = 65_536
# The failure that means "an identifier or channel not known before the file": try both passes.
_UNKNOWN = "socialhr:unknown:"


def _known_identifiers(ws: Workspace) -> tuple[pa.Array, pa.Array] | None:
    """The identifiers of the people on the roster that an interaction file can
    name (e-mail addresses and employee ids), written as the vault holds them,
    with the identity id each resolves to: the exact text that
    :meth:`IdentityResolver.resolve` turns into that person's pseudonym. None
    when there are none. (Other identities, seen before in other files, are
    left out, so that this stays as small as the organization.)"""
    aliases = {t: (kind, i) for t, kind, i in ws.db.execute(
        "SELECT a.token, a.kind, p.id FROM identities a JOIN identities p ON p.token = a.person "
        "WHERE a.kind IN ('email', 'employee_id')").fetchall()}
    if not aliases:
        return None
    keys, ids = [], []
    for token, value in ws.vault.identity_values(aliases).items():
        kind, i = aliases[token]
        if (not value or ";" in value or value.startswith(_UNUSED) or "\x00" in value
                or classify(value) != kind or normalise(kind, value) != value):
            continue
        keys.append(value)
        ids.append(i)
    if not keys:
        return None
    return pa.array(keys, pa.string()), pa.array(ids, pa.int32())


def _insert_mapped(ws, batch, src, rel, types, ids: pa.Table, enum, rmap: pa.Table | None,
                   cmap: pa.Table, meeting: list[int], *, check_known: bool, fold: bool = False) -> int:
    """Pass 2 (or the one pass): one statement maps each row to its ids, checks and inserts.

    ``ids`` maps an identifier to its identity id (the sender and a single
    recipient are joined to it); a list of recipients is cast to the ENUM of
    ``enum`` (labels, modulus), or joined to ``rmap`` (each distinct recipient
    value and its ids). With ``check_known``, an identifier or channel not
    mapped raises :data:`_UNKNOWN` instead of being a bad value. With ``fold``,
    e-mail addresses are looked up in lower case (see :func:`_folded`).
    """
    key = _folded if fold else (lambda e: e)
    db = ws.db
    value, is_list = _recipients(types, "t.")
    tables = {"_ids": ids, "_cmap": cmap}
    # The joins come first, on the file's own columns, so that they carry no lists.
    joins, found = [f"LEFT JOIN _ids m ON m.key = {key('CAST(t.sender AS VARCHAR)')}"], ["m.id AS __sid"]
    if enum is not None:
        labels, modulus = enum
        # A temporary type: its labels are raw identifiers, which must never be
        # written to the analytics database (nor to its write-ahead log).
        db.execute(f"DROP TYPE IF EXISTS {_ID_ENUM}")
        db.execute(f"CREATE TEMPORARY TYPE {_ID_ENUM} AS ENUM ({', '.join(map(_literal, labels))})")
        codes = _enum_codes(value, is_list, modulus, fold=fold)
        if not is_list:
            joins.append(f"LEFT JOIN _ids one ON one.key = {key(value)}")
            found.append("one.id AS __one")
            codes = f"CASE WHEN t.__one IS NOT NULL THEN [t.__one] ELSE {codes} END"
        rid_sql = _ENUM_RID
    else:
        tables["_rmap"] = rmap
        joins.append(f"LEFT JOIN _rmap rm ON rm.key = {value}")
        found.append("rm.ids AS __rids")
        codes, rid_sql = "NULL", "t.__rids"
    if cmap.num_rows <= 64:  # the usual case: a few channels; a CASE is cheaper than a join
        cases = " ".join(f"WHEN {_literal(k)} THEN {i}" for k, i in zip(cmap.column("key").to_pylist(), cmap.column("id").to_pylist()) if i is not None)
        channel_sql = f"CASE CAST(t.channel AS VARCHAR) {cases} END" if cases else "NULL::SMALLINT"
    else:
        joins.append("LEFT JOIN _cmap cm ON cm.key = CAST(t.channel AS VARCHAR)")
        found.append("cm.id AS __channel")
        channel_sql = "t.__channel"
    rel = (f"(SELECT t.*, {channel_sql} AS __cid, {codes} AS __codes FROM "
           f"(SELECT t.*, {', '.join(found)} FROM {rel} t {' '.join(joins)}) t)")
    unknown = ["t.__sid IS NULL", "t.__cid IS NULL"] + (["list_count(t.__codes) < len(t.__codes)"] if enum is not None else [])
    others = [c for c in src.columns if c not in ("sender", "recipients", "channel")]
    known_sql = f", ({' OR '.join(unknown)}) AS __unknown" if check_known else ""
    staged = (
        "(SELECT " + ", ".join(f"t.{_quote(c)}" for c in others)
        + f", t.__sid AS sid, {rid_sql} AS rid, t.__cid AS cid, -1 AS __row{known_sql} FROM {rel} t)"
    )
    schema = pa.schema([(c, pa.string() if types[c] == "VARCHAR" else pa.float64()) for c in others if c != "timestamp"])
    schema = schema.append(pa.field("timestamp", _ts_type(types["timestamp"])))
    for name, table in tables.items():
        db.register(name, table)
    try:
        rows = db.execute(_insert_sql(schema, ws.settings["broadcast_threshold"], meeting, staged, check_known=check_known),
                          [batch.batch_id]).fetchone()[0]
    finally:
        for name in tables:
            db.unregister(name)
    if enum is not None:
        db.execute(f"DROP TYPE {_ID_ENUM}")
    return rows


def _column(table: pa.Table, name: str) -> pa.Array:
    col = table.column(name)
    return col.combine_chunks() if col.num_chunks else pa.array([], col.type)


def _recipient_map(db: duckdb.DuckDBPyConnection, rel: str, rkey: str, resolver: IdentityResolver) -> pa.Table:
    """Each distinct recipient value (a separated string or a list) and its set of identity ids."""
    distinct = _column(_arrow(db.execute(f"SELECT DISTINCT {rkey} AS r FROM {rel} WHERE r IS NOT NULL")), "r")
    return pa.table({"key": distinct, "ids": resolver.id_lists_of(distinct)})


# The ENUM of one batch's recipient identifiers (see _id_labels).
_ID_ENUM = "_socialhr_recipient_ids"
_UNUSED = "\x1f"  # starts the labels of positions no identifier takes


def _id_labels(named: list[str], codes: np.ndarray, limit: int) -> tuple[list[str], int] | None:
    """Labels of an ENUM in which each identifier's code, modulo the returned
    modulus (the highest id + 1), is its identity id, so that the codes of a
    list cast to it give the recipients' ids.

    An identity named by several identifiers (``Ann@x`` and ``ann@x``, or a
    person's e-mail and employee id) has them in successive segments of
    ``modulus`` labels. Positions no identifier takes hold unused labels, and
    ``''`` (a blank between separators) sits at 0, which no identity id uses.
    None when that would take more than ``limit`` labels (making the ENUM would
    cost more than the join it saves) or an identifier cannot be a label.
    """
    if not named or any(e.startswith(_UNUSED) or "\x00" in e for e in named):
        return None
    codes = codes.astype(np.int64)
    modulus = int(codes.max()) + 1
    order = np.argsort(codes, kind="stable")
    ranked = codes[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    segment = np.arange(len(ranked)) - np.repeat(starts, np.diff(np.r_[starts, len(ranked)]))
    size = modulus * (int(segment.max()) + 1)
    if size > limit:
        return None
    labels = [f"{_UNUSED}{i}" for i in range(size)]
    labels[0] = ""
    for i, pos in zip(order.tolist(), (segment * modulus + ranked).tolist()):
        labels[pos] = named[i]
    return labels, modulus


def _folded(identifier: str) -> str:
    """SQL: an identifier as looked up when e-mails are folded: an e-mail address
    in ASCII in lower case (as Python's ``str.lower`` has it, which the vault's
    values went through; beyond ASCII the two may differ, so those stay as
    they are), anything else as it is."""
    return (f"CASE WHEN contains({identifier}, '@') AND strlen({identifier}) = length({identifier}) "
            f"THEN lower({identifier}) ELSE {identifier} END")


def _enum_codes(value: str, is_list: bool, modulus: int, *, fold: bool = False) -> str:
    """SQL: a row's recipient identifiers as their codes in the batch's ENUM
    modulo ``modulus``, that is their identity ids (null for one not in it)."""
    def code(identifiers: str) -> str:
        if fold:
            identifiers = f"list_transform({identifiers}, x -> {_folded('x')})"
        return f"list_transform(TRY_CAST({identifiers} AS {_ID_ENUM}[]), x -> (enum_code(x) % {int(modulus)})::INTEGER)"
    if is_list:
        return code(value)
    split = f"string_split({value}, ';')"
    return f"CASE WHEN {value} IS NULL THEN NULL ELSE {code(split)} END"


# The recipient ids from those codes: blanks (code 0), nulls and repeats
# dropped, the first of each kept, in order.
_ENUM_RID = ("CASE WHEN len(t.__codes) = 1 AND t.__codes[1] > 0 THEN t.__codes "
             "ELSE list_filter(t.__codes, (x, i) -> x > 0 AND list_position(t.__codes, x) = i) END")


def _ts_type(duck_type: str) -> pa.DataType:
    """The Arrow type that stands for a DuckDB timestamp column type in :func:`_insert_sql`."""
    if duck_type.startswith("TIMESTAMP") and "WITH TIME ZONE" in duck_type:
        return pa.timestamp("us", tz="UTC")
    if duck_type.startswith("TIMESTAMP"):
        return pa.timestamp("us")
    return pa.string()


def _channel_map(db: duckdb.DuckDBPyConnection, raw: pa.Array | pa.ChunkedArray, *, everything: bool = False) -> tuple[pa.Table, list[int]]:
    """``(key, id)`` for each raw channel value (lower-cased and trimmed into a
    name; blank ones get no id), and the ids of ``meeting`` and ``call``. With
    ``everything``, also each channel already recorded, under its name."""
    raw = raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw
    db.register("_ck", pa.table({"key": pc.cast(raw, pa.string())}))
    try:
        pairs = db.execute("SELECT DISTINCT key, lower(NULLIF(TRIM(key), '')) FROM _ck WHERE key IS NOT NULL").fetchall()
    finally:
        db.unregister("_ck")
    ids = channel_ids(db, {n for _, n in pairs if n})
    if everything:
        seen = {k for k, _ in pairs}
        for name, i in db.execute("SELECT name, channel_id FROM channels ORDER BY channel_id").fetchall():
            ids.setdefault(name, i)
            if name not in seen:
                pairs.append((name, name))
    cmap = pa.table({"key": pa.array([k for k, _ in pairs], pa.string()),
                     "id": pa.array([ids.get(n) if n else None for _, n in pairs], pa.int16())})
    return cmap, [ids[n] for n in ("meeting", "call") if n in ids]


# -- the streamed path: Arrow batches, with line numbers ------------------------

def _import_streamed(ws: Workspace, src, batch: Batch, progress) -> tuple[int, IdentityResolver]:
    resolver = IdentityResolver(ws, batch.batch_id)
    offset = 0
    for rb in src.batches():
        staged = _stage(rb, resolver, offset)
        cmap, meeting = _channel_map(ws.db, staged.column("channel"))
        ws.db.register("_staged", staged)
        ws.db.register("_cmap", cmap)
        source = "(SELECT s.*, cm.id AS cid FROM _staged s LEFT JOIN _cmap cm ON cm.key = CAST(s.channel AS VARCHAR))"
        try:
            ws.db.execute(_insert_sql(staged.schema, ws.settings["broadcast_threshold"], meeting, source), [batch.batch_id])
        except duckdb.Error as e:
            problem = _explain(e, src, staged, offset)
            batch.abort()
            raise problem from None
        finally:
            ws.db.unregister("_staged")
            ws.db.unregister("_cmap")
        offset += rb.num_rows
        if progress:
            progress(offset, src.total_rows)
    if offset == 0:
        raise _no_rows(src)
    return offset, resolver


def _stage(rb: pa.RecordBatch, resolver: IdentityResolver, offset: int) -> pa.Table:
    """Pseudonymise the identifier columns of one batch into identity ids; add each row's index."""
    cols = {name: rb.column(name) for name in rb.schema.names}
    cols["sid"] = resolver.ids_of(cols["sender"])
    cols["rid"] = resolver.id_lists_of(cols["recipients"])
    del cols["sender"], cols["recipients"]
    cols["__row"] = pa.array(range(offset, offset + rb.num_rows), pa.int64())
    return pa.table(cols)


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
        return f"NULLIF(TRIM(CAST({_quote(name)} AS VARCHAR)), '')"
    return _quote(name)


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


def _insert_sql(schema: pa.Schema, broadcast_threshold: int, meeting_channels: list[int], source: str,
                *, check_known: bool = False) -> str:
    """One INSERT into ``interaction_rows`` from ``source``, which has the raw
    ``timestamp`` (and ``kind``, ``weight``, ``duration_minutes``, ``context``
    when present), ``cid`` (channel id), ``sid`` (sender id), ``rid`` (recipient
    ids) and ``__row``. Every value is checked; a bad one raises naming its row.
    With ``check_known``, ``source`` also has ``__unknown``, and a row where it
    is true raises :data:`_UNKNOWN`."""
    has = set(schema.names)
    ts = 'TRY_CAST("timestamp" AS TIMESTAMPTZ)'
    duration = "NULL::DOUBLE"
    if "duration_minutes" in has:
        raw = _value("duration_minutes", schema)
        d = f"TRY_CAST({raw} AS DOUBLE)"
        duration = f"CASE WHEN {raw} IS NULL THEN NULL WHEN {d} IS NULL OR {d} < 0 THEN {_fail('duration_minutes')} ELSE {d} END"
    meeting = ", ".join(str(int(i)) for i in meeting_channels)
    default_kind = f"CASE WHEN cid IN ({meeting}) THEN 1 ELSE 0 END" if meeting else "0"
    kind = default_kind
    if "kind" in has:
        k = f"lower({_value('kind', schema)})"
        codes = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(KINDS))
        kind = f"CASE WHEN {k} IS NULL THEN {default_kind} ELSE CASE {k} {codes} ELSE {_fail('kind')} END END"
    weight = "1.0 / n"
    if "weight" in has:
        raw = _value("weight", schema)
        w = f"TRY_CAST({raw} AS DOUBLE)"
        weight = f"CASE WHEN {raw} IS NULL THEN 1.0 / n WHEN {w} IS NULL OR {w} <= 0 THEN {_fail('weight')} ELSE {w} END"
    context = f"CAST({_value('context', schema)} AS VARCHAR)" if "context" in has else "NULL"
    broadcast = KINDS.index("broadcast")
    # (Checked in the first column, so that it raises before a check it explains.)
    unknown = f"WHEN __unknown THEN {_fail('unknown')} " if check_known else ""
    # Each derived value is computed once in the inner query, then checked.
    return f"""
        INSERT INTO interaction_rows (batch_id, "timestamp", zone_assumed, channel_id, kind, sender, recipients,
                                      weight, duration_minutes, context)
        SELECT ?,
               CASE {unknown}WHEN ts IS NULL THEN {_fail('timestamp')} ELSE ts END,
               {_zone_assumed(schema)},
               CASE WHEN cid IS NULL THEN {_fail('channel')} ELSE cid END,
               CASE WHEN n > {int(broadcast_threshold)} THEN {broadcast} ELSE {kind} END,
               CASE WHEN sid IS NULL THEN {_fail('sender')} ELSE sid END,
               CASE WHEN coalesce(n, 0) = 0 THEN {_fail('recipients')} ELSE rid END,
               {weight},
               {duration},
               {context}
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
