"""The tables of the insights (socialhr.insights): what network position says about outcomes.

Organization-level figures, read by every role; each module's rules withhold
what rests on fewer people than the minimum group size (an estimate, a
space). Computed when read, once per analysis, import and settings.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..insights import outcomes
from .registry import AGGREGATE, result_table

EFFECTS_SCHEMA = pa.schema([
    ("metric", pa.string()), ("outcome", pa.string()), ("model", pa.string()), ("estimate", pa.float64()),
    ("ci_low", pa.float64()), ("ci_high", pa.float64()), ("n", pa.int64()), ("p_value", pa.float64()),
    ("events", pa.int64()), ("unit", pa.float64()), ("window_id", pa.string()), ("sentence", pa.string()),
])
IV_SCHEMA = pa.schema([
    ("metric", pa.string()), ("outcome", pa.string()), ("iv", pa.float64()), ("strength", pa.string()),
    ("bins", pa.int64()), ("n", pa.int64()), ("events", pa.int64()), ("window_id", pa.string()),
])


def _cached(ctx: Any, name: str, window: str | None, compute: Any) -> list[dict[str, Any]]:
    db = ctx.ws.db
    from ..network import store

    analysed = db.execute("SELECT max(analyzed_at) FROM network_analysis").fetchone()[0] if store.has_results(db) else None
    stamp = (analysed, db.execute("SELECT count(*), max(batch_id) FROM interaction_rows").fetchone(),
             db.execute("SELECT count(*), max(batch_id) FROM outcomes").fetchone(),
             db.execute("SELECT max(batch_id) FROM people_history").fetchone()[0],
             repr(sorted(ctx.ws.settings.items())), window)
    cache = ctx.ws.cache.setdefault(name, {})
    if stamp not in cache:
        cache.clear()
        cache[stamp] = compute(ctx.ws, window)
    return cache[stamp]


@result_table("outcome_effects", help="How network metrics go with attrition (Cox), promotion, performance and engagement: "
              "estimate, 95% interval, n and a sentence; measured in the first window (--window for another).", level=AGGREGATE, reports_withheld=False)
def _outcome_effects(ctx: Any, *, window: str | None = None) -> pa.Table:
    return pa.Table.from_pylist(_cached(ctx, "outcome_effects", window, outcomes.effects), schema=EFFECTS_SCHEMA)


@result_table("information_value", help="Which network metrics best separate leavers from stayers (information value, "
              "strongest first), as Viva Insights ranks them.", level=AGGREGATE, reports_withheld=False)
def _information_value(ctx: Any, *, window: str | None = None) -> pa.Table:
    return pa.Table.from_pylist(_cached(ctx, "information_value", window, outcomes.information_value), schema=IV_SCHEMA)


@result_table("adoption", help="Adoption of each collaboration space (Slack/Teams channels, the recognition feed): active people, "
              "creators, contributors and lurkers, trend, reach, and a ghost-town status; small spaces withheld.", level=AGGREGATE, reports_withheld=False)
def _adoption(ctx: Any) -> pa.Table:
    from ..insights import adoption

    return pa.Table.from_pylist(_cached(ctx, "adoption", None, lambda ws, _w: adoption.spaces(ws)), schema=adoption.SCHEMA)


SOCIAL_CAPITAL_SCHEMA = pa.schema(
    [("window_id", pa.string()), ("dimension", pa.string()), ("group", pa.string()), ("members", pa.int64()), ("index", pa.float64())]
    + [(c, pa.float64()) for c in ("network_size", "cross_team", "brokerage", "isolation")]
    + [(f"{c}_score", pa.float64()) for c in ("network_size", "cross_team", "brokerage", "isolation")]
)


@result_table("social_capital", help="A social capital index per group and for the organization (100 = the organization; "
              "for the organization, its first window), with the network size, cross-team, brokerage and isolation "
              "figures it is made of; small groups withheld.", level=AGGREGATE)
def _social_capital(ctx: Any, *, window: str | None = None, dimension: str | None = None) -> pa.Table:
    from ..insights import social_capital
    from .tables import _dimension, _in_scope

    _dimension(ctx, dimension)
    rows = social_capital.rows(ctx.ws, ctx.aggregates, ctx.windows(window), dimension=dimension,
                               inside=lambda wid: _in_scope(ctx, wid))
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in SOCIAL_CAPITAL_SCHEMA} for r in rows], schema=SOCIAL_CAPITAL_SCHEMA)


TARGETS_SCHEMA = pa.schema([
    ("target_id", pa.int64()), ("scope", pa.string()), ("metric", pa.string()), ("op", pa.string()), ("target", pa.float64()),
    ("due", pa.date32()), ("latest", pa.float64()), ("latest_window_end", pa.date32()), ("projected", pa.float64()),
    ("status", pa.string()), ("description", pa.string()), ("note", pa.string()),
])
PROGRESS_SCHEMA = pa.schema([("target_id", pa.int64()), ("window_id", pa.string()), ("window_end", pa.date32()), ("value", pa.float64())])


def _tracked(ctx: Any) -> tuple[list, list]:
    import datetime as dt

    from ..insights import targets
    from .tables import _in_scope

    stored = targets.stored(ctx.ws.db)
    if not stored:
        return [], []
    from ..insights import social_capital

    from ..network.aggregate import data_span

    ends = {w: e - dt.timedelta(days=1) for w, e in ctx.ws.db.execute("SELECT window_id, window_end FROM network_windows").fetchall()}
    # A last window holding only the data's final days would bend every trend: only complete windows are tracked.
    span = data_span(ctx.ws.db)
    windows = [w for w in ctx.windows("*") if span is None or ends[w] <= span[1]] or ctx.windows("*")
    figures = social_capital.rows(ctx.ws, ctx.aggregates, windows, inside=lambda wid: _in_scope(ctx, wid))
    if any(t["metric"] == "recognition_cross_team_share" for t in stored):
        from ..errors import SocialHRError
        from .registry import TABLES

        try:  # the channel_crossing table's figures, under its own rules
            crossing = {r["window_id"]: r["cross_team_share"]
                        for r in TABLES["channel_crossing"].produce(ctx, window="*", channel="recognition").to_pylist()}
        except SocialHRError:  # no kudos analysed yet
            crossing = {}
        for r in figures:
            if r["dimension"] == "organization":
                r["recognition_cross_team"] = crossing.get(r["window_id"])
    if ctx.viewer.role == "leader" and ctx.viewer.scope:
        seen = {(r["dimension"], r["group"]) for r in figures}
        stored = [t for t in stored if t["dimension"] in (None, "space") or (t["dimension"], t["group"]) in seen]
    spans = {w: (s, e) for w, s, e in ctx.ws.db.execute("SELECT window_id, window_start, window_end FROM network_windows").fetchall()
             if w in windows}
    k = int(ctx.ws.settings["min_group_size"])
    spaces = {t["group"] for t in stored if t["metric"] in targets.SPACE_ONLY}
    if spaces:  # each space's share of members who posted, withheld below the minimum group size as adoption withholds
        figures += targets.space_figures(ctx.ws.db, spaces, spans, k)
    joiners = {(t["dimension"], t["group"]) for t in stored if t["metric"] == "joiner_network_week8"}
    if joiners:  # from the latest onboarding run: the median of at least k joiners, else nothing
        figures += targets.joiner_figures(ctx.ws.db, joiners, spans, k)
    return targets.track(stored, figures, {w: ends[w] for w in windows})


@result_table("targets", help="HR's social-capital targets, each with its latest value, projection and status "
              "(on track, at risk, met, missed).", level=AGGREGATE, reports_withheld=False)
def _targets(ctx: Any) -> pa.Table:
    rows, _ = _tracked(ctx)
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in TARGETS_SCHEMA} for r in rows], schema=TARGETS_SCHEMA)


@result_table("target_progress", help="Each target's value in every window (empty where the group is withheld).",
              level=AGGREGATE, reports_withheld=False)
def _target_progress(ctx: Any) -> pa.Table:
    _, progress = _tracked(ctx)
    return pa.Table.from_pylist(progress, schema=PROGRESS_SCHEMA)


IMPACT_SCHEMA = pa.schema([
    ("program", pa.string()), ("run_id", pa.int64()), ("outcome", pa.string()), ("estimate", pa.float64()),
    ("ci_low", pa.float64()), ("ci_high", pa.float64()), ("n", pa.int64()), ("p_value", pa.float64()),
    ("participants", pa.string()), ("baseline_window", pa.string()), ("followup_window", pa.string()),
    ("exact_matches", pa.int64()), ("sentence", pa.string()),
])


@result_table("program_impact", help="A program's effect: participants against matched non-participants (department, level, "
              "tenure, baseline network), change in network size, ties across teams and strong ties, with 95% intervals "
              "(--program introductions|matches|referrals, --run N; referrals: referral hires against other hires of the "
              "same month).", level=AGGREGATE, reports_withheld=False)
def _program_impact(ctx: Any, *, program: str = "introductions", run: int | None = None) -> pa.Table:
    from ..insights import impact

    return pa.Table.from_pylist(impact.impact(ctx.ws, program, run), schema=IMPACT_SCHEMA)
