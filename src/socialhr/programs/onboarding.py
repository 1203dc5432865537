"""Onboarding integration: how each new joiner's network grows, week by week, against earlier joiners.

A new joiner's network decides how fast they become productive and whether
they stay: in Microsoft's study of about 3,000 new hires (Harvard Business
Review, 2019), those whose manager met them one-to-one in their first week
had a network 12% larger at 90 days. :func:`measure` follows every joiner
through their first :data:`WEEKS` weeks (docs/programs.md#onboarding-integration):

* **joiners**: the people employed at the end of the data
  (:mod:`.population`) whose hire date lies within the analysed period (from
  the first to the last day with data), so that their first week is observed;
* **week k** since start covers the days ``hire_date + 7(k-1)`` to
  ``hire_date + 7k - 1``; a week counts once its last day is in the data;
* the **network by the end of week k**: every person (of the roster, any
  time) tied to the joiner, either way, on any channel, by then. A pair is
  tied from the day its interactions since the joiner's start reach the
  ``tie_min_interactions`` of the analysis in one direction; interactions
  become ties by the network engine's own rules
  (:func:`socialhr.network.aggregate.tie_expression`, over one-day windows);
* **ties**, **ties outside their team** (the roster's ``team``, as
  ``network_size_external`` counts it: a colleague in another team, or when
  either has no team), **ties to senior colleagues** (level at or above the
  ``senior_level`` setting, or the most senior third of the levels, ranked
  by :mod:`.levels`), **communities reached** (distinct communities, in the
  latest analysis window, of the people tied to the joiner) and **new ties**
  that week;
* the **benchmark** of a cohort (the joiners hired in one calendar month) at
  week k: the 25th, 50th and 75th percentiles (linear interpolation) of each
  figure among the joiners hired before that month who have reached week k;
* a joiner whose ties at week 4, 8 or 12 are below the 25th percentile of
  their cohort's benchmark is flagged **not yet integrating**, for their
  manager and HR, when the benchmark holds at least ``min_group_size``
  earlier joiners (fewer make no benchmark).

The weekly rows and the benchmark are stored as a run (``onboarding_weeks``,
``onboarding_benchmark``) and read through the read path: tables
``onboarding`` (one row per joiner and week) and ``onboarding_benchmark``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Callable

import ibis
import numpy as np
import pyarrow as pa

from ..errors import SettingsError, SocialHRError
from ..network.aggregate import ALL_CHANNELS, data_span, tie_expression, windows_table
from ..network.windows import Window
from ..schema import STORED_INTERACTIONS
from . import runs
from .levels import rank_of
from .population import NO_COMMUNITY, Population, load

PROGRAM = "onboarding"
WEEKS = 12
CHECKPOINTS = (4, 8, 12)
FLAG = "not yet integrating"
MEASURES = ("ties", "ties_outside_team", "ties_senior", "communities")
QUANTILES = {"q1": 25, "median": 50, "q3": 75}
BENCHMARK_COLUMNS = [f"{m}_{q}" for m in MEASURES for q in QUANTILES]


def measure(ws: Any, *, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Measure every joiner's first weeks, store them as a run and return its summary (with ``run_id``)."""
    say = progress or (lambda message: None)
    say("Loading the organization")
    pop = load(ws)
    say("Following each joiner's ties")
    rows, benchmark, summary = compute(ws, pop)
    parameters = {k: summary[k] for k in ("weeks", "checkpoints", "senior_levels", "tie_min_interactions", "min_group_size")}
    say("Storing the run")
    with ws.transaction() as db:
        run_id = runs.new_run(db, PROGRAM, as_of=pop.as_of, window_id=pop.window_id, parameters=parameters, summary=summary)
        if rows:
            db.executemany(f"INSERT INTO onboarding_weeks VALUES ({', '.join('?' * 15)})",
                           [(run_id, r["joiner"], r["manager"], r["cohort"], r["hire_date"], r["week"], r["week_end"],
                             *(r[m] for m in MEASURES), r["new_ties"], r["benchmark_joiners"], r["below_q1"], r["flag"])
                            for r in rows])
        if benchmark:
            db.executemany(f"INSERT INTO onboarding_benchmark VALUES ({', '.join('?' * (4 + len(BENCHMARK_COLUMNS)))})",
                           [(run_id, b["cohort"], b["week"], b["joiners"], *(b[c] for c in BENCHMARK_COLUMNS)) for b in benchmark])
    ws.cache.clear()
    return {"run_id": run_id, **summary}


def compute(ws: Any, pop: Population | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """The weekly rows of every joiner, the cohorts' benchmark and a summary (nothing stored)."""
    pop = pop or load(ws)
    db = ws.db
    span = data_span(db)
    first_day, as_of = span if span else (pop.as_of, pop.as_of)
    min_group = int(ws.settings["min_group_size"])
    min_interactions = _analysed_min_interactions(ws)
    floor, senior_levels = senior_floor(pop.level_rank, ws.settings.get("senior_level") or "")

    joiners = [i for i, h in enumerate(pop.hire_date) if h is not None and first_day <= h <= as_of]
    hire = {str(pop.person[i]): pop.hire_date[i] for i in joiners}
    observed = {p: min(WEEKS, ((as_of - h).days + 1) // 7) for p, h in hire.items()}
    starts = tie_starts(ws, hire, observed, min_interactions=min_interactions)

    record = {r[0]: r[1:] for r in db.execute("SELECT person, team, level, manager FROM people").fetchall()}
    # Everyone's community in the latest window, those who left during it too (the population has only those employed).
    community = dict(db.execute("SELECT person, community FROM person_metrics WHERE window_id = ? AND community IS NOT NULL",
                                [pop.window_id]).fetchall())
    rows: list[dict[str, Any]] = []
    values: dict[str, dict[int, dict[str, int]]] = {}
    for p in sorted(hire):
        partners, days = starts.get(p, ([], []))
        week = np.array([(d - hire[p]).days // 7 + 1 for d in days], dtype=np.int64)
        team = record.get(p, (None, None, None))[0]
        outside = np.array([team is None or record.get(q, (None,))[0] is None or record[q][0] != team for q in partners], dtype=bool)
        senior = np.array([_rank(record.get(q, (None, None))[1], pop.level_rank) >= floor for q in partners], dtype=bool)
        comm = np.array([community.get(q, NO_COMMUNITY) for q in partners], dtype=np.int64)
        values[p] = {}
        for k in range(1, observed[p] + 1):
            by_then = week <= k
            figures = {"ties": int(by_then.sum()), "ties_outside_team": int((by_then & outside).sum()),
                       "ties_senior": int((by_then & senior).sum()),
                       "communities": len(set(comm[by_then & (comm != NO_COMMUNITY)].tolist()))}
            values[p][k] = figures
            rows.append({"joiner": p, "manager": record.get(p, (None, None, None))[2], "cohort": cohort_of(hire[p]),
                         "hire_date": hire[p], "week": k, "week_end": hire[p] + dt.timedelta(days=7 * k - 1),
                         **figures, "new_ties": int((week == k).sum())})

    benchmark = cohort_benchmark(hire, observed, values)
    by_key = {(b["cohort"], b["week"]): b for b in benchmark}
    flagged = {k: {"compared": 0, "flagged": 0} for k in CHECKPOINTS}
    for r in rows:
        b = by_key.get((r["cohort"], r["week"]))
        r["benchmark_joiners"] = b["joiners"] if b else 0
        r["below_q1"] = bool(r["ties"] < b["ties_q1"]) if b and b["joiners"] >= min_group else None
        r["flag"] = FLAG if r["below_q1"] and r["week"] in CHECKPOINTS else None
        if r["week"] in CHECKPOINTS and r["below_q1"] is not None:
            flagged[r["week"]]["compared"] += 1
            flagged[r["week"]]["flagged"] += r["flag"] is not None
    summary = {
        "as_of": pop.as_of.isoformat(), "first_day": first_day.isoformat(), "window_id": pop.window_id,
        "joiners": len(hire), "measured": sum(1 for w in observed.values() if w > 0),
        "cohorts": sorted({cohort_of(h) for h in hire.values()}),
        "checkpoints": {str(k): v for k, v in flagged.items()},
        "flagged_joiners": len({r["joiner"] for r in rows if r["flag"]}),
        "weeks": WEEKS, "senior_levels": senior_levels, "tie_min_interactions": min_interactions, "min_group_size": min_group,
    }
    return rows, benchmark, summary


def cohort_of(hire_date: dt.date) -> str:
    """A joiner's cohort: their hire month, ``2026-08``."""
    return f"{hire_date.year:04d}-{hire_date.month:02d}"


def cohort_benchmark(hire: dict[str, dt.date], observed: dict[str, int],
                     values: dict[str, dict[int, dict[str, int]]]) -> list[dict[str, Any]]:
    """Per cohort and week, the quartiles of each figure among the joiners hired before the cohort's month.

    >>> d = dt.date
    >>> hire = {"a": d(2026, 1, 5), "b": d(2026, 1, 12), "c": d(2026, 2, 2)}
    >>> observed = {"a": 2, "b": 1, "c": 1}
    >>> v = {p: {k: dict.fromkeys(MEASURES, n * k) for k in range(1, observed[p] + 1)} for p, n in zip("abc", (1, 3, 5))}
    >>> [(b["cohort"], b["week"], b["joiners"], b["ties_median"]) for b in cohort_benchmark(hire, observed, v)]
    [('2026-02', 1, 2, 2.0), ('2026-02', 2, 1, 2.0)]
    """
    out = []
    for cohort in sorted({cohort_of(h) for h in hire.values()}):
        start = dt.date(int(cohort[:4]), int(cohort[5:]), 1)
        for k in range(1, WEEKS + 1):
            pool = [p for p, h in hire.items() if h < start and observed[p] >= k]
            if not pool:
                continue
            row: dict[str, Any] = {"cohort": cohort, "week": k, "joiners": len(pool)}
            for m in MEASURES:
                figures = np.array([values[p][k][m] for p in pool], dtype=float)
                for q, pct in QUANTILES.items():
                    row[f"{m}_{q}"] = float(np.percentile(figures, pct))
            out.append(row)
    return out


def senior_floor(ranks: dict[str, float], setting: str) -> tuple[float, list[str]]:
    """The lowest rank counted as senior, and the senior levels (most junior first).

    ``setting`` names the lowest senior level; empty, the most senior third
    of the distinct ranks is senior (at least one).

    >>> senior_floor({"IC1": 0.0, "IC2": 1.0, "M1": 2.0, "VP": 3.0}, "")
    (2.0, ['M1', 'VP'])
    >>> senior_floor({"IC1": 0.0, "IC2": 1.0, "M1": 2.0, "VP": 3.0}, "vp")
    (3.0, ['VP'])
    """
    if setting:
        try:
            floor = rank_of(setting, ranks)
        except SocialHRError as e:
            raise SettingsError(f"setting 'senior_level': {e.message}", hint=e.hint) from None
    else:
        distinct = sorted(set(ranks.values()))
        if not distinct:
            return math.inf, []
        floor = distinct[len(distinct) - math.ceil(len(distinct) / 3)]
    return floor, sorted((lv for lv, r in ranks.items() if r >= floor), key=lambda lv: (ranks[lv], lv))


def _rank(level: str | None, ranks: dict[str, float]) -> float:
    return ranks.get(level, -math.inf) if level is not None else -math.inf


def _analysed_min_interactions(ws: Any) -> int:
    """The ``tie_min_interactions`` the latest analysis used (the setting when it recorded none)."""
    import json

    row = ws.db.execute("SELECT settings FROM network_analysis ORDER BY analyzed_at DESC LIMIT 1").fetchone()
    settings = json.loads(row[0]) if row and row[0] else {}
    return int(settings.get("tie_min_interactions", ws.settings["tie_min_interactions"]))


def tie_starts(ws: Any, hire: dict[str, dt.date], observed: dict[str, int], *,
               min_interactions: int) -> dict[str, tuple[list[str], list[dt.date]]]:
    """For each joiner, the people tied to them within their observed weeks and the day each tie began.

    Interactions and imported ties become directed ties by the network
    engine's rules (:func:`~socialhr.network.aggregate.tie_expression`), each
    day a window of its own; only those of a joiner are read. A pair is tied
    from the first day on which the interactions in one direction since the
    joiner's start reach ``min_interactions``.
    """
    last = {p: h + dt.timedelta(days=7 * observed[p] - 1) for p, h in hire.items() if observed[p] > 0}
    if not last:
        return {}
    # A connection of its own: Ibis changes the settings of the connection it is given (it turns off DuckDB's
    # scans of Python variables, which the importers use), and what is registered here stays here.
    db = ws.db.cursor()
    db.execute("SET TimeZone = 'UTC'")  # (days are UTC days, as the analysis counts them)
    people = pa.table({"person": pa.array(list(last), pa.string()),
                       "hire_date": pa.array([hire[p] for p in last], pa.date32()),
                       "last_day": pa.array(list(last.values()), pa.date32())})
    first, final = min(hire[p] for p in last), max(last.values())
    days = [Window((first + dt.timedelta(days=i)).isoformat(), first + dt.timedelta(days=i), first + dt.timedelta(days=i + 1))
            for i in range((final - first).days + 1)]
    db.register("_onboarding_joiners", people)
    try:
        # Only the joiners' own interactions and imported ties can tie them: their identity ids and tokens
        # first, then the rows that name one (a join on the recipients unnested; a list look-up per row is
        # thirty times slower), read once into memory for the engine's rules.
        ids = db.execute("""SELECT id, token FROM identities WHERE token IN (SELECT person FROM _onboarding_joiners)
                            OR (status = 'person' AND person IN (SELECT person FROM _onboarding_joiners))""").fetch_arrow_table()
        db.register("_onboarding_ids", ids)
        mine = db.execute(
            f"""WITH hit AS (
                    SELECT rowid AS rid FROM interaction_rows WHERE sender IN (SELECT id FROM _onboarding_ids)
                    UNION
                    SELECT u.rid FROM (SELECT rowid AS rid, unnest(recipients) AS x FROM interaction_rows) u
                    JOIN _onboarding_ids i ON u.x = i.id)
                SELECT s.* FROM ({STORED_INTERACTIONS}) s
                WHERE s.rid IN (SELECT rid FROM hit) AND CAST(s."timestamp" AS DATE) BETWEEN ? AND ?""",
            [first, final]).fetch_arrow_table()
        tokens = "SELECT token FROM _onboarding_ids UNION SELECT person FROM _onboarding_joiners"
        their_ties = db.execute(f"""SELECT * FROM ties WHERE rowid IN (
                                        SELECT rowid FROM ties WHERE source IN ({tokens})
                                        UNION SELECT rowid FROM ties WHERE target IN ({tokens}))""").fetch_arrow_table()
        db.register("_onboarding_interactions", mine)
        db.register("_onboarding_ties", their_ties)
        con = ibis.duckdb.from_connection(db)
        expr = tie_expression(con.sql("SELECT * FROM _onboarding_interactions"), con.table("identities"),
                              con.table("people_history"), con.sql("SELECT * FROM _onboarding_ties"),
                              windows_table(days), min_interactions=1)
        edges = con.to_pyarrow(expr.filter(expr.channel == ALL_CHANNELS).select("window_id", "source", "target", "interactions"))
        db.register("_onboarding_days", edges)
        found = db.execute(
            """WITH d AS (SELECT CAST(window_id AS DATE) AS day, source, target, interactions FROM _onboarding_days),
            directed AS (
                SELECT j.person AS joiner, d.target AS partner, true AS outgoing, d.day, d.interactions, j.hire_date, j.last_day
                FROM d JOIN _onboarding_joiners j ON d.source = j.person
                UNION ALL
                SELECT j.person, d.source, false, d.day, d.interactions, j.hire_date, j.last_day
                FROM d JOIN _onboarding_joiners j ON d.target = j.person),
            so_far AS (
                SELECT joiner, partner, day,
                       sum(interactions) OVER (PARTITION BY joiner, partner, outgoing ORDER BY day) AS n
                FROM directed WHERE day BETWEEN hire_date AND last_day)
            SELECT joiner, partner, min(day) FROM so_far WHERE n >= ? GROUP BY joiner, partner ORDER BY joiner, partner""",
            [min_interactions]).fetchall()
    finally:
        db.close()
    out: dict[str, tuple[list[str], list[dt.date]]] = {}
    for joiner, partner, day in found:
        partners, started = out.setdefault(joiner, ([], []))
        partners.append(partner)
        started.append(day)
    return out
