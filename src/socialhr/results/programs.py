"""The tables of the programs (socialhr.programs): what each proposed and what became of it.

Person-level: analysts read every row (pseudonymised), an employee the rows
about them (an introduction they are the joiner or the colleague of; the
onboarding weeks of which they are the joiner or the joiner's manager), an
admin with the vault the employee ids too. Leaders read none. The onboarding
benchmark is an aggregate, for every role, without small cohorts.
"""

from __future__ import annotations

from typing import Any, Callable

import pyarrow as pa

from ..programs import runs
from ..programs.intros import PROGRAM as INTRODUCTIONS
from ..programs.intros import reason_text
from .registry import AGGREGATE, PERSON, Query, result_table


def _reason_words(ws: Any) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    def prepare(batch: pa.RecordBatch) -> pa.RecordBatch:
        words = pa.array([reason_text(r) for r in batch.column("reasons").to_pylist()], pa.string())
        return batch.add_column(batch.schema.get_field_index("colleague") + 1, "reason", words)

    return prepare


@result_table("introductions", help="Introductions proposed to new joiners (latest run; --run N for another), "
              "with why each colleague was chosen and its status.", level=PERSON,
              person_columns={"joiner": "joiner_employee_id", "colleague": "colleague_employee_id"},
              own_columns=("joiner", "colleague"), prepare=_reason_words)
def _introductions(ctx: Any, *, run: int | None = None) -> Query:
    run_id = runs.check_run(ctx.ws.db, INTRODUCTIONS, run)
    own, params = ctx.own(("joiner", "colleague"))
    return Query(
        "SELECT joiner, colleague, rank, status, status_at, run_id, CAST(reasons AS VARCHAR) AS reasons "
        f"FROM introductions WHERE run_id = ? {'AND ' + own if own else ''} ORDER BY joiner, rank",
        (run_id, *params),
    )


# -- cross-team matching (socialhr.programs.matching) ----------------------------------------------------------------

def _match_reason_words(ws: Any) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    from ..programs.matching import reason_text as match_reason_text

    def prepare(batch: pa.RecordBatch) -> pa.RecordBatch:
        words = pa.array([match_reason_text(r) for r in batch.column("reasons").to_pylist()], pa.string())
        return batch.add_column(batch.schema.get_field_index("mode") + 1, "reason", words)

    return prepare


@result_table("matches", help="Cross-team matching: the groups of a round (latest; --run N for another), one row per member, "
              "with what the group brings them and its status.", level=PERSON,
              person_columns={"person": "employee_id"}, own_columns=("person",), prepare=_match_reason_words)
def _matches(ctx: Any, *, run: int | None = None) -> Query:
    from ..programs.matching import PROGRAM as MATCHES

    run_id = runs.check_run(ctx.ws.db, MATCHES, run)
    # An employee reads their own groups: every member of a group they are in.
    own, params = ctx.own(("person",), alias="mine.")
    mine = f"AND group_id IN (SELECT mine.group_id FROM match_groups mine WHERE mine.run_id = ? AND {own})" if own else ""
    return Query(
        "SELECT group_id, person, mode, status, status_at, run_id, CAST(reasons AS VARCHAR) AS reasons "
        f"FROM match_groups WHERE run_id = ? {mine} ORDER BY group_id, person",
        (run_id, *((run_id, *params) if own else ())),
    )


# -- onboarding integration (socialhr.programs.onboarding) --------------------

def _onboarding_run(ctx: Any, run: int | None) -> int:
    from ..errors import SocialHRError
    from ..programs.onboarding import PROGRAM as ONBOARDING

    if run is not None:
        return runs.check_run(ctx.ws.db, ONBOARDING, run)
    latest = runs.latest_run(ctx.ws.db, ONBOARDING)
    if latest is None:
        raise SocialHRError("onboarding integration has not been measured yet", hint="Run: socialhr onboarding DIR")
    return latest


@result_table("onboarding", help="Each new joiner's network by week since their start (latest run; --run N for another): "
              "ties, outside their team, to senior colleagues, communities reached; flagged 'not yet integrating' at "
              "weeks 4, 8 and 12 when below the earlier joiners' 25th percentile.", level=PERSON,
              person_columns={"joiner": "joiner_employee_id", "manager": "manager_employee_id"},
              own_columns=("joiner", "manager"))
def _onboarding(ctx: Any, *, run: int | None = None) -> Query:
    run_id = _onboarding_run(ctx, run)
    own, params = ctx.own(("joiner", "manager"))
    # A comparison with fewer earlier joiners than the minimum group size (at the time of reading) is no benchmark.
    size = int(ctx.ws.settings["min_group_size"])
    return Query(
        "SELECT joiner, manager, cohort, hire_date, week, week_end, ties, ties_outside_team, ties_senior, communities, "
        "new_ties, benchmark_joiners, CASE WHEN benchmark_joiners >= ? THEN below_q1 END AS below_q1, "
        "CASE WHEN benchmark_joiners >= ? THEN flag END AS flag, run_id "
        f"FROM onboarding_weeks WHERE run_id = ? {'AND ' + own if own else ''} ORDER BY joiner, week",
        (size, size, run_id, *params),
    )


def withhold_small_benchmarks(rows: list[dict[str, Any]], min_group_size: int) -> list[dict[str, Any]]:
    """The benchmark rows with the figures of too few joiners blanked and a ``withheld`` reason.

    A cohort's benchmark pools every earlier joiner, so the pools of later
    cohorts hold those of earlier ones: a row is withheld when it pools fewer
    than ``min_group_size`` joiners, or when it pools more than the last row
    shown for the same week by fewer than that (the difference would show
    the figures of those few). A pool equal to the last one shown repeats
    its figures and is shown.

    >>> rows = [{"cohort": c, "week": 1, "joiners": n, "ties_median": 1.0} for c, n in (("a", 3), ("b", 5), ("c", 7), ("d", 10))]
    >>> [(r["cohort"], r["ties_median"], r["withheld"]) for r in withhold_small_benchmarks(rows, 5)]  # doctest: +NORMALIZE_WHITESPACE
    [('a', None, 'fewer than 5 earlier joiners had reached this week'), ('b', 1.0, None),
     ('c', None, '2 joiners more than the benchmark shown for b: fewer than 5, they could be recovered by subtraction'),
     ('d', 1.0, None)]
    """
    from ..programs.onboarding import BENCHMARK_COLUMNS

    out = []
    shown: dict[int, tuple[str, int]] = {}  # week -> (cohort, joiners) of the last row shown
    for r in sorted(rows, key=lambda r: (r["week"], r["cohort"])):
        r = dict(r)
        last = shown.get(r["week"])
        reason = None
        if r["joiners"] < min_group_size:
            reason = f"fewer than {min_group_size} earlier joiners had reached this week"
        elif last is not None and 0 < r["joiners"] - last[1] < min_group_size:
            reason = (f"{r['joiners'] - last[1]} joiners more than the benchmark shown for {last[0]}: fewer than "
                      f"{min_group_size}, they could be recovered by subtraction")
        if reason:
            r.update({c: None for c in BENCHMARK_COLUMNS if c in r})
        else:
            shown[r["week"]] = (r["cohort"], r["joiners"])
        r["withheld"] = reason
        out.append(r)
    return sorted(out, key=lambda r: (r["cohort"], r["week"]))


def _benchmark_schema() -> pa.Schema:
    from ..programs.onboarding import BENCHMARK_COLUMNS

    return pa.schema([("cohort", pa.string()), ("week", pa.int32()), ("joiners", pa.int32())]
                     + [(c, pa.float64()) for c in BENCHMARK_COLUMNS] + [("withheld", pa.string()), ("run_id", pa.int32())])


@result_table("onboarding_benchmark", help="What each hire-month cohort of joiners is compared with, by week since start: "
              "quartiles of earlier joiners' ties, ties outside their team, to senior colleagues and communities; too few withheld.",
              level=AGGREGATE, reports_withheld=False)
def _onboarding_benchmark(ctx: Any, *, run: int | None = None) -> pa.Table:
    run_id = _onboarding_run(ctx, run)
    cursor = ctx.ws.db.execute("SELECT * FROM onboarding_benchmark WHERE run_id = ? ORDER BY cohort, week", [run_id])
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r)) for r in cursor.fetchall()]
    schema = _benchmark_schema()
    shown = withhold_small_benchmarks(rows, int(ctx.ws.settings["min_group_size"]))
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in shown], schema=schema)


# -- consultations (socialhr.programs.consult) --------------------------------------
# Group level: every role reads them; groups below the minimum group size (or that the disclosure rules
# withhold so they cannot be recovered by subtraction) are rows with a reason and no figures.

_REACH_SCHEMA = pa.schema([("consultation_id", pa.int64()), ("dimension", pa.string()), ("group", pa.string()),
                           ("audience", pa.int64()), ("participants", pa.int64()), ("rate", pa.float64()),
                           ("withheld", pa.string())])


def _consultation_id(ctx: Any, consultation: int | None) -> int:
    if consultation is not None:
        return int(consultation)
    row = ctx.ws.db.execute("SELECT max(consultation_id) FROM consultations").fetchone()
    if row[0] is None:
        from ..errors import SocialHRError

        raise SocialHRError("there are no consultations yet", hint="Open one: socialhr consult DIR open --title T --text-file F --closes DATE")
    return int(row[0])


def _reach(ctx: Any, consultation: int | None) -> Any:
    cid = _consultation_id(ctx, consultation)
    key = ("consultation_reach", cid, repr(sorted(ctx.ws.settings.items())))
    cached = ctx.ws.cache.get(key)
    if cached is None:
        from ..programs import consult  # (here: socialhr.programs.reach reads the disclosure rules of this package)

        cached = ctx.ws.cache[key] = consult.reach(ctx.ws, cid)
    return cid, cached


@result_table("consultation_reach", help="Who took part in a consultation (latest; --consultation N for another), by "
              "department, level, location, community and network position (core, middle, periphery), against its audience.",
              level=AGGREGATE, reports_withheld=False)
def _consultation_reach(ctx: Any, *, consultation: int | None = None) -> pa.Table:
    cid, r = _reach(ctx, consultation)
    groups = r.groups
    scope = ctx.viewer.scope if ctx.viewer.role == "leader" else None
    if scope is not None:  # a leader of part of the org chart: the groups inside it
        import numpy as np

        from ..programs.population import load

        pop = load(ctx.ws)
        field, value = scope
        values = getattr(pop, field) if field in ("department", "team", "location", "level") else [a.get(field) for a in pop.attributes]
        groups = r.within(np.array([v is not None and str(v) == value for v in values], dtype=bool))
    return pa.Table.from_pylist([{"consultation_id": cid, **g} for g in groups], schema=_REACH_SCHEMA)


@result_table("consultation_summary", help="A consultation's figures over its whole audience: participation, spread "
              "across communities (share represented, largest community's share, Gini), core against periphery.",
              level=AGGREGATE, reports_withheld=False)
def _consultation_summary(ctx: Any, *, consultation: int | None = None) -> pa.Table:
    cid, r = _reach(ctx, consultation)
    rows = [{"consultation_id": cid, "metric": k,
             "value": float(v) if isinstance(v, (int, float)) else None, "note": v if isinstance(v, str) else None}
            for k, v in r.summary.items() if k != "consultation_id"]
    return pa.Table.from_pylist(rows, schema=pa.schema([("consultation_id", pa.int64()), ("metric", pa.string()),
                                                        ("value", pa.float64()), ("note", pa.string())]))


# -- referrals (socialhr.programs.referrals) ----------------------------------------
def _referral_words(ws: Any) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    from ..programs.referrals import reason_text as referral_reason

    def prepare(batch: pa.RecordBatch) -> pa.RecordBatch:
        words = pa.array([referral_reason(r) for r in batch.column("reasons").to_pylist()], pa.string())
        return batch.add_column(batch.schema.get_field_index("referrer") + 1, "reason", words)

    return prepare


@result_table("referral_suggestions", help="Referral suggestions (latest run; --run N for another): for each open role, "
              "the opted-in employees' LinkedIn connections ranked by fit, each with the employee who knows them, and "
              "their stage. Candidates are tokens; an admin's identified read with names=True adds their names from the vault.",
              level=PERSON, person_columns={"referrer": "referrer_employee_id", "hire": "hire_employee_id"},
              own_columns=("referrer",), prepare=_referral_words)
def _referral_suggestions(ctx: Any, *, run: int | None = None, names: bool | None = None) -> Any:
    from ..errors import PrivacyError
    from ..programs import referrals

    run_id = runs.check_run(ctx.ws.db, referrals.PROGRAM, run)
    own, params = ctx.own(("referrer",), alias="r.")
    query = Query(
        "SELECT r.role, t.title AS role_title, r.rank, r.candidate, r.referrer, r.score, r.known_by, r.status, r.status_at, "
        "r.hire, r.run_id, CAST(r.reasons AS VARCHAR) AS reasons FROM referrals r JOIN referral_roles t ON t.role = r.role "
        f"WHERE r.run_id = ? {'AND ' + own if own else ''} ORDER BY r.role, r.rank", (run_id, *params))
    if not names:
        return query
    if ctx.viewer.role != "admin":
        raise PrivacyError(f"a {ctx.viewer.role} cannot read candidates' names", hint="Names are read from the vault by an admin's identified read.")
    data = ctx.ws.db.execute(query.sql, list(query.params)).fetch_arrow_table()
    details = referrals.candidate_details(ctx.ws)
    at = data.schema.get_field_index("candidate") + 1
    for k, name in enumerate(("candidate_name", "candidate_company", "candidate_position", "candidate_url")):
        data = data.add_column(at + k, name, pa.array([details.get(c, {}).get(name) for c in data.column("candidate").to_pylist()], pa.string()))
    return data


@result_table("referral_integration", help="Network size of referral hires and of other hires of the same period at weeks 4, 8 "
              "and 12 since their start (median, mean); groups of fewer than the minimum group size withheld.",
              level=AGGREGATE, reports_withheld=False)
def _referral_integration(ctx: Any) -> pa.Table:
    from ..programs import referrals

    schema = pa.schema([("week", pa.int64()), ("group", pa.string()), ("hires", pa.int64()), ("median_network_size", pa.float64()),
                        ("mean_network_size", pa.float64()), ("withheld", pa.string())])
    return pa.Table.from_pylist(referrals.integration(ctx.ws), schema=schema)
# -- the colleague name game and peer recognition (docs/programs.md) -------------

from ..programs import kudos as _kudos  # noqa: E402
from ..programs import namegame as _namegame  # noqa: E402
from .registry import AGGREGATE  # noqa: E402

LEADERBOARD_SCHEMA = pa.schema([("rank", pa.int64()), ("department", pa.string()), ("players", pa.int64()),
                                ("mean_share", pa.float64()), ("answers", pa.int64()), ("correct", pa.int64()),
                                ("withheld", pa.string())])
CROSSING_SCHEMA = pa.schema(
    [("window_id", pa.string()), ("channel", pa.string()), ("people", pa.int64()), ("ties", pa.int64())]
    + [c for d in ("team", "department") for c in ((f"{d}_known_ties", pa.int64()), (f"cross_{d}_ties", pa.int64()),
                                                   (f"cross_{d}_share", pa.float64()), (f"cross_{d}_weight_share", pa.float64()))])


@result_table("game_answers", help="The colleague name game's answers: player, card (the colleague), right or not, when.",
              level=PERSON, person_columns={"player": "player_employee_id", "card": "card_employee_id"}, own_columns=("player",))
def _game_answers(ctx: Any) -> Query:
    own, params = ctx.own(("player",))
    return Query("SELECT player, seq, card, correct, choices, answered_at FROM game_answers "
                 f"{'WHERE ' + own if own else ''} ORDER BY player, seq", tuple(params))


@result_table("game_leaderboard", help="The colleague name game by department: players and the mean share of their department "
              "they can name; departments with fewer than min_group_size players withheld (named, without figures), opted-out players left out.",
              level=AGGREGATE)
def _game_leaderboard(ctx: Any) -> pa.Table:
    rows = _namegame.leaderboard_rows(ctx.ws)
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in LEADERBOARD_SCHEMA} for r in rows], schema=LEADERBOARD_SCHEMA)


@result_table("kudos", help="Peer recognitions (metadata only: giver, receiver, when, value; messages stay in the vault).",
              level=PERSON, person_columns={"giver": "giver_employee_id", "receiver": "receiver_employee_id"},
              own_columns=("giver", "receiver"))
def _kudos_table(ctx: Any) -> Query:
    own, params = ctx.own(("giver", "receiver"))
    return Query("SELECT kudos_id, giver, receiver, given_at, value, batch_id FROM kudos "
                 f"{'WHERE ' + own if own else ''} ORDER BY given_at, kudos_id", tuple(params))


@result_table("channel_crossing", help="Per window, the share of one channel's ties (--channel, default recognition) that "
              "join people of different teams and departments; a window with fewer than min_group_size people in them shows no row.",
              level=AGGREGATE)
def _channel_crossing(ctx: Any, *, window: str | None = None, channel: str | None = None) -> pa.Table:
    db = ctx.ws.db
    channel = channel or _kudos.CHANNEL
    known = [r[0] for r in db.execute("SELECT DISTINCT channel FROM network_edges ORDER BY 1").fetchall()]
    if channel not in known:
        from ..errors import SocialHRError

        raise SocialHRError(f"no channel '{channel}' in the last analysis",
                            hint=f"Channels: {', '.join(known) or 'none'}. Kudos given after the last analysis count once you run socialhr analyze DIR.")
    plans = ctx.aggregates.plans()
    ids = [w for w in ctx.windows(window) if plans[w].organization_shown]
    rows = _kudos.crossing_rows(db, ids, channel, min_size=ctx.ws.settings["min_group_size"])
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in CROSSING_SCHEMA} for r in rows], schema=CROSSING_SCHEMA)
