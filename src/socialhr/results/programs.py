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
