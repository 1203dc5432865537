"""The tables of the programs (socialhr.programs): what each proposed and what became of it.

Person-level: analysts read every row (pseudonymised), an employee the rows
about them (an introduction they are the joiner or the colleague of), an
admin with the vault the employee ids too. Leaders read none.
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
              level=AGGREGATE, own_withheld=True)
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
              level=AGGREGATE, own_withheld=True)
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
              level=AGGREGATE, own_withheld=True)
def _referral_integration(ctx: Any) -> pa.Table:
    from ..programs import referrals

    schema = pa.schema([("week", pa.int64()), ("group", pa.string()), ("hires", pa.int64()), ("median_network_size", pa.float64()),
                        ("mean_network_size", pa.float64()), ("withheld", pa.string())])
    return pa.Table.from_pylist(referrals.integration(ctx.ws), schema=schema)
