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
