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
from .registry import PERSON, Query, result_table


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
