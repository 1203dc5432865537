"""Aggregation of interactions into weighted directed ties, per window and channel.

The aggregation is one Ibis expression (:func:`tie_expression`) that runs
unchanged on DuckDB (the workspace's own database, the default) and on Apache
Spark (PySpark; local mode or a cluster given by the ``spark_master``
setting). Its rules, documented in docs/metrics.md:

- a ``message`` (and any other kind but ``meeting`` and ``broadcast``) makes
  one tie sender -> recipient for each recipient, with the row's ``weight``
  (already 1/n for a message to n recipients, decided at ingest);
- a ``meeting`` ties every pair of its participants (organizer and
  recipients, each counted once) in both directions, each with the row's weight;
- a ``broadcast`` makes no tie;
- an imported aggregated tie (table ``ties``) counts, with its weight and as
  one interaction, in every window its period overlaps; its channel is its
  ``source_kind`` (``survey``), except Viva person-to-person ties, whose
  channel is their score (``viva_strong``, ``viva_diverse``: two networks of
  the same pairs, which enter channel ``all`` once, with the larger score);
- only people count: a sender or recipient (an identity id) is mapped to a
  person through ``identities`` (ids whose token is a roster pseudonym or has
  status ``person``), an imported tie's pseudonyms through the roster and
  ``identities``; everything else (external, unresolved) is dropped, as are
  self-ties;
- the weight of u -> v in a window and channel is the sum of the weights of
  the interactions from u to v, rounded to 1e-9 so that engines that add in a
  different order agree; channel ``all`` sums the channels (Viva's two
  scores of a pair counting once, the larger);
- a tie exists when at least ``min_interactions`` interactions make it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import ibis
import pyarrow as pa

from ..errors import SocialHRError
from ..schema import KINDS, STORED_INTERACTIONS, code_field
from ..sql import quote_identifier
from .windows import Window

ALL_CHANNELS = "all"
EDGE_COLUMNS = ["window_id", "channel", "source", "target", "weight", "interactions"]
VIVA_CHANNELS = ("viva_strong", "viva_diverse")  # two scores of the same Viva person-to-person ties
_INPUT_TABLES = ("interactions", "identities", "people_history", "ties")
_PAIR = ("window_id", "channel", "weight", "a", "b")


def windows_table(windows: Sequence[Window]) -> ibis.Table:
    """The windows as an Ibis memtable ``(window_id, w_start, w_end)``."""
    return ibis.memtable(
        {
            "window_id": [w.id for w in windows],
            "w_start": [w.start for w in windows],
            "w_end": [w.end for w in windows],
        },
        schema={"window_id": "string", "w_start": "date", "w_end": "date"},
    )


def _nullable(table: ibis.Table) -> ibis.Table:
    """The same columns, all nullable: set operations need equal schemas, and
    engines (and Parquet) disagree on which columns are NOT NULL."""
    schema = table.schema()
    return table.select(**{name: table[name].cast(typ.copy(nullable=True)) for name, typ in schema.items()})


def person_map(identities: ibis.Table, people_history: ibis.Table) -> ibis.Table:
    """``(token, person)``: each roster pseudonym maps to itself, each person token to its person."""
    roster = _nullable(people_history.select(token=people_history.person, person=people_history.person))
    resolved = _nullable(identities.filter(identities.status == "person").select("token", "person"))
    both = roster.union(resolved, distinct=True)
    # A token names one person; min() makes that certain whatever the input.
    return both.group_by("token").aggregate(person=both.person.min())


def person_id_map(identities: ibis.Table, people_history: ibis.Table) -> ibis.Table:
    """``(id, person)``: the person each identity id stands for (only ids that name a person)."""
    tokens = person_map(identities, people_history)
    ids = identities.select(iid=identities.id, itoken=identities.token)
    joined = ids.join(tokens, ids.itoken == tokens.token)
    return joined.select(id=joined.iid, person=joined.person)


def tie_expression(
    interactions: ibis.Table,
    identities: ibis.Table,
    people_history: ibis.Table,
    ties: ibis.Table,
    windows: ibis.Table,
    *,
    min_interactions: int = 1,
) -> ibis.Table:
    """The aggregated network of every window and channel, as one engine-portable expression.

    Parameters
    ----------
    interactions : ibis.Table
        Interactions as stored (:data:`socialhr.schema.STORED_INTERACTIONS`):
        ``timestamp, channel, kind, sender, recipients, weight`` with identity
        ids for the people; read as stored because mapping ids to people is
        one join on integers, far cheaper than the ``interactions`` view's
        lists of pseudonyms.
    identities, people_history, ties : ibis.Table
        The workspace tables of the same names (see socialhr.schema).
    windows : ibis.Table
        ``(window_id, w_start, w_end)``, half-open UTC day ranges, as made by
        :func:`windows_table`.
    min_interactions : int, keyword-only
        A tie exists when at least this many interactions make it.

    Returns
    -------
    ibis.Table
        ``window_id, channel, source, target, weight, interactions`` with one
        row per directed tie, channel ``all`` included.
    """
    it = interactions.filter(interactions.kind != "broadcast")
    it = it.mutate(day=it["timestamp"].date())
    itw = it.join(windows, [it.day >= windows.w_start, it.day < windows.w_end]).select(
        "window_id", "channel", "kind", "sender", "recipients", "weight"
    )

    msg = itw.filter(itw.kind != "meeting")
    msg = msg.select("window_id", "channel", "weight", a=msg.sender, b=msg.recipients.unnest())

    # Meetings: organizer <-> each attendee, and attendee <-> attendee. The
    # organizer is often listed among the attendees too; they count once.
    # (No list_distinct: Ibis compiles it to a lambda newer DuckDB refuses.)
    meet = itw.filter(itw.kind == "meeting")
    org = meet.select("window_id", "channel", "weight", "sender", r=meet.recipients.unnest())
    org = org.filter(org.r != org.sender)
    org_out = org.select("window_id", "channel", "weight", a=org.sender, b=org.r)
    org_in = org.select("window_id", "channel", "weight", a=org.r, b=org.sender)
    att = meet.select("window_id", "channel", "weight", "sender", "recipients", a=meet.recipients.unnest())
    att = att.select("window_id", "channel", "weight", "sender", "a", b=att.recipients.unnest())
    att = att.filter((att.a != att.sender) & (att.b != att.sender))
    meet = _nullable(org_out).union(_nullable(org_in)).union(_nullable(att.select(*_PAIR)))

    tw = ties.join(
        windows,
        [
            ties.period_start.isnull() | (ties.period_start < windows.w_end),
            ties.period_end.isnull() | (ties.period_end >= windows.w_start),
        ],
    )
    # Viva's two scores of one pair are two networks (viva_strong, viva_diverse), not one summed weight.
    channel = ibis.ifelse((tw.source_kind == "viva-p2p") & tw.tie_type.notnull(), tw.tie_type, tw.source_kind)
    imported = tw.select("window_id", channel=channel, weight=tw.weight.cast("float64"), a=tw.source, b=tw.target)

    # Interactions name identity ids, imported ties pseudonyms: each is mapped to people on its own key.
    pairs = _nullable(msg.select(*_PAIR)).union(_nullable(meet.select(*_PAIR)))
    imap = person_id_map(identities, people_history)
    src = imap.select(a_id=imap.id, source=imap.person)
    dst = imap.select(b_id=imap.id, target=imap.person)
    by_id = pairs.join(src, pairs.a == src.a_id).join(dst, pairs.b == dst.b_id)
    pmap = person_map(identities, people_history)
    tsrc = pmap.select(a_token=pmap.token, source=pmap.person)
    tdst = pmap.select(b_token=pmap.token, target=pmap.person)
    imported = _nullable(imported.select(*_PAIR))
    by_token = imported.join(tsrc, imported.a == tsrc.a_token).join(tdst, imported.b == tdst.b_token)
    cols = ("window_id", "channel", "weight", "source", "target")
    resolved = _nullable(by_id.select(*cols)).union(_nullable(by_token.select(*cols)))
    resolved = resolved.filter(resolved.source != resolved.target)

    per_channel = resolved.group_by(["window_id", "channel", "source", "target"]).aggregate(
        weight=resolved.weight.sum(), interactions=resolved.count()
    )
    # Viva's two scores rate one collaboration: it enters ``all`` once, with the larger score.
    source = per_channel.channel.isin(list(VIVA_CHANNELS)).ifelse(ibis.literal("viva-p2p"), per_channel.channel)
    counted = per_channel.mutate(source_channel=source).group_by(["window_id", "source_channel", "source", "target"]).aggregate(
        weight=per_channel.weight.max(), interactions=per_channel.interactions.max()
    )
    combined = counted.group_by(["window_id", "source", "target"]).aggregate(
        weight=counted.weight.sum(), interactions=counted.interactions.sum()
    )
    combined = combined.select(
        "window_id", channel=ibis.literal(ALL_CHANNELS), source=combined.source, target=combined.target,
        weight=combined.weight, interactions=combined.interactions,
    )
    out = _nullable(per_channel.select(*EDGE_COLUMNS)).union(_nullable(combined.select(*EDGE_COLUMNS)))
    out = out.filter(out.interactions >= min_interactions)
    return out.select(
        "window_id", "channel", "source", "target",
        weight=out.weight.round(9).cast("float64"),
        interactions=out.interactions.cast("int64"),
    )


def data_span(db: Any) -> tuple[dt.date, dt.date] | None:
    """First and last UTC day with an interaction or an imported tie, or None when there is none."""
    row = db.execute(
        f"""SELECT min(d0), max(d1) FROM (
             SELECT min(CAST("timestamp" AS DATE)) AS d0, max(CAST("timestamp" AS DATE)) AS d1
               FROM interaction_rows WHERE {code_field("kind")} <> {KINDS.index("broadcast")}
             UNION ALL
             SELECT min(coalesce(period_start, period_end)), max(coalesce(period_end, period_start)) FROM ties)"""
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def aggregate(
    ws: Any,
    windows: Sequence[Window],
    *,
    engine: str = "duckdb",
    min_interactions: int = 1,
) -> tuple[pa.Table, dict[str, Any]]:
    """Run the aggregation on ``engine``; return the edges as Arrow and run metadata.

    Parameters
    ----------
    ws : socialhr.workspace.Workspace
    windows : sequence of Window
    engine : {"duckdb", "spark"}, keyword-only
        ``spark`` copies the four input tables to Parquet (a temporary folder
        inside the workspace, which a cluster must be able to read) and runs
        the same expression on PySpark with the ``spark_master`` setting.
    min_interactions : int, keyword-only
        A tie exists when at least this many interactions make it.

    Returns
    -------
    (pyarrow.Table, dict)
        Edges with :data:`EDGE_COLUMNS`, sorted; ``{"engine": ..., "seconds": ...}``.
    """
    started = time.perf_counter()
    if engine == "duckdb":
        # A connection of its own: Ibis turns off DuckDB's scans of Python variables on the connection it is
        # given, which the importers use (an import after an analysis, on the same workspace, failed).
        cursor = ws.db.cursor()
        try:
            cursor.execute("SET TimeZone = 'UTC'")
            con = ibis.duckdb.from_connection(cursor)
            tables = {name: con.table(name) for name in _INPUT_TABLES if name != "interactions"}
            tables["interactions"] = con.sql(STORED_INTERACTIONS)
            expr = tie_expression(**tables, windows=windows_table(windows), min_interactions=min_interactions)
            edges = con.to_pyarrow(expr)
        finally:
            cursor.close()
    elif engine == "spark":
        edges = _aggregate_spark(ws, windows, min_interactions=min_interactions)
    else:
        raise SocialHRError(f"unknown engine '{engine}'", hint="Use --engine duckdb (default) or --engine spark.")
    edges = edges.select(EDGE_COLUMNS).sort_by([(c, "ascending") for c in EDGE_COLUMNS[:4]])
    return edges, {"engine": engine, "seconds": round(time.perf_counter() - started, 3)}


def spark_session(master: str):
    """A Spark session for the aggregation: UTC, few shuffle partitions for modest data."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SocialHRError(
            "--engine spark needs PySpark, which is not installed",
            hint="Install it with: pip install 'socialhr[spark]' (Java 17 must be on the machine).",
        ) from None
    return (
        SparkSession.builder.master(master)
        .appName("socialhr")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def _aggregate_spark(ws: Any, windows: Sequence[Window], *, min_interactions: int) -> pa.Table:
    session = spark_session(ws.settings["spark_master"])
    staging = Path(tempfile.mkdtemp(prefix="spark-", dir=ws.path))
    try:
        con = ibis.pyspark.connect(session)
        tables = {}
        for name in _INPUT_TABLES:
            path = staging / f"{name}.parquet"
            query = STORED_INTERACTIONS if name == "interactions" else f"SELECT * FROM {quote_identifier(name)}"
            # (The path is an argument, not SQL text: the workspace's folder may hold any character.)
            ws.db.sql(query).write_parquet(str(path))
            tables[name] = con.read_parquet(str(path), table_name=f"socialhr_{name}")
        expr = tie_expression(**tables, windows=windows_table(windows), min_interactions=min_interactions)
        return con.to_pyarrow(expr)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
