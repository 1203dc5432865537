"""The colleague name game: learn the names of the people you work with, one card at a time.

Zappos shows employees a colleague's photo when they log in and asks them to
name the colleague (docs/programs.md). For a player, :func:`next_card` picks a
colleague and shows their photo (registered in the vault:
:func:`register_photos`), or else their initials, with their level, team,
department and location, and several names to choose from: the right one and
distractors from similar people (the same department first, then the same
first initial). :func:`answer` records whether the player named them.

**Who comes up.** A colleague the player missed comes back soon, one they
named later and later (a Leitner schedule, below). Otherwise a colleague the
player has not met in the game yet is drawn at random, weighted towards
people they should know (:data:`WEIGHTS`): their department, their
collaborators and their collaborators' collaborators (two steps in the
network of the latest analysis), and new joiners.

**Leitner boxes.** Each (player, colleague) card is in a box from 1 to 5,
replayed from the player's answers: named right, a card moves up a box (a
card new to the player starts in box 1, so a first right answer puts it in
box 2); missed, it goes back to box 1. A card is due again once the player
has answered :data:`INTERVALS` [box] other cards since (2 for box 1, then 8,
25, 75, 200): the game counts rounds, not days, since one card may be shown
at every log-in or many in a row. Due cards come first, lowest box first.

**What is stored.** Each answer, in ``game_answers``: the player's and the
card's pseudonyms, right or not, how many names were offered, when. Names are
read from the vault when a card is made and never stored in the analytics
database; photos stay where they are, referenced from the vault
(``vault/namegame.sqlite``). :func:`progress` gives a player the share of
their department they can name (their latest answer on each colleague was
right); :func:`leaderboard`, the departments' average share, withholding
departments with fewer than ``min_group_size`` players and leaving out the
players who opted out (:func:`opt_out`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from ..errors import InputError, SocialHRError
from ..ingest.recognition import People
from . import runs
from .population import Population, load

GAME_FILE = "namegame.sqlite"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")

# How much more likely a colleague is drawn than a stranger (whose weight is 1), summed.
WEIGHTS = {"same_department": 4.0, "collaborator": 2.0, "two_steps": 2.0, "new_joiner": 2.0}
# Rounds (the player's answers) before a card of each Leitner box is due again.
INTERVALS = {1: 2, 2: 8, 3: 25, 4: 75, 5: 200}
TOP_BOX = 5
CHOICES = 4


@dataclass
class Card:
    """One colleague to name. ``person`` is the answer: keep it on the server."""

    player: str
    person: str
    choices: list[str]
    photo: str | None
    initials: str | None
    level: str | None
    team: str | None
    department: str | None
    location: str | None
    review: bool  # a card the player answered before, now due
    reasons: list[str] = field(default_factory=list)  # why it came up: same_department, collaborator, ...


@dataclass
class Result:
    correct: bool
    name: str  # the right name
    box: int  # the card's Leitner box now
    due_in: int  # rounds before it comes back


# -- the people, names and photos ---------------------------------------------

def _population(ws: Any) -> Population:
    """The population (cached until the next analysis or import)."""
    return _game(ws).pop


@dataclass
class _Game:
    """The population with what every card needs of it, made once per analysis and import."""

    pop: Population
    department: np.ndarray  # department codes (-1: none)
    joiner: np.ndarray  # new joiners (hired within joiner_days)


def _game(ws: Any) -> _Game:
    try:
        stamp = ws.db.execute("SELECT (SELECT max(analyzed_at) FROM network_analysis), (SELECT max(batch_id) FROM ingestion_log), ?",
                              [ws.settings["joiner_days"]]).fetchone()
    except duckdb.CatalogException:  # (no analysis yet: load says what to do)
        stamp = None
    cached = ws.cache.get("namegame")
    if cached is not None and stamp is not None and cached[0] == stamp:
        return cached[1]
    pop = load(ws)
    codes = {d: k for k, d in enumerate(sorted({d for d in pop.department if d is not None}))}
    joiner = np.zeros(len(pop), dtype=bool)
    joiner[pop.joiners(ws.settings["joiner_days"])] = True
    game = _Game(pop, np.array([codes.get(d, -1) for d in pop.department], dtype=np.int64), joiner)
    ws.cache["namegame"] = (stamp, game)
    return game


def _names(ws: Any) -> dict[str, str]:
    """person -> name, from the vault, at the moment of use."""
    return {p: n.strip() for p, n in ws.vault.connect().execute("SELECT person, name FROM people").fetchall() if n and n.strip()}


def _player(ws: Any, pop: Population, player: str) -> int:
    found = People(ws, on_roster=pop.index).find(str(player).strip())
    if found is None or found not in pop.index:
        raise SocialHRError(f"{player!r} is not anyone employed on {pop.as_of}",
                            hint="Give the employee id (or work e-mail, or pseudonym) of someone on the roster.")
    return pop.index[found]


def _attach(ws: Any) -> Any:
    return ws.vault.attach("namegame", GAME_FILE, ["CREATE TABLE IF NOT EXISTS namegame.photos (person TEXT PRIMARY KEY, path TEXT NOT NULL)"])


def register_photos(ws: Any, path: str | Path) -> dict[str, Any]:
    """Register colleagues' photos: a folder of files named by employee id (``E0042.jpg``), or one such file.

    Only the files' paths are kept, in the vault (``namegame.sqlite``); a
    person's earlier photo is replaced. Files whose name is no one's employee
    id are counted and left out.
    """
    path = Path(path).resolve()
    if not path.exists():
        raise InputError(f"no such file or folder: {path}", hint="Give a folder of photos named by employee id, e.g. E0042.jpg.")
    files = sorted(p for p in (path.iterdir() if path.is_dir() else [path]) if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
    if not files:
        raise InputError(f"no photos in {path}", hint=f"Photos are files named by employee id ending in {', '.join(PHOTO_SUFFIXES)}.")
    ids = {e: p for p, e in ws.vault.employee_ids().items()}
    matched = [(ids[f.stem], str(f)) for f in files if f.stem in ids]
    unmatched = [f.name for f in files if f.stem not in ids]
    conn = _attach(ws)
    conn.execute("BEGIN")
    try:
        conn.executemany("INSERT INTO namegame.photos VALUES (?, ?) ON CONFLICT(person) DO UPDATE SET path = excluded.path", matched)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"registered": len(matched), "unmatched": len(unmatched), "unmatched_files": unmatched[:10],
            "stored_in": f"vault/{GAME_FILE}"}


def _photo(ws: Any, person: str) -> str | None:
    row = _attach(ws).execute("SELECT path FROM namegame.photos WHERE person = ?", [person]).fetchone()
    return row[0] if row and Path(row[0]).is_file() else None


def initials(name: str) -> str:
    """The initials of a name.

    >>> initials("Ada  Lovelace"), initials("jean-luc picard"), initials("Cher")
    ('AL', 'JP', 'C')
    """
    return "".join(part[0].upper() for part in name.split() if part)


# -- the schedule ---------------------------------------------------------------

def _schedule(ws: Any, player: str) -> tuple[dict[str, tuple[int, int, bool]], int]:
    """The player's cards, replayed from their answers (:func:`replay`)."""
    return replay(ws.db.execute("SELECT card, seq, correct FROM game_answers WHERE player = ? ORDER BY seq", [player]).fetchall())


def replay(answers: list[tuple[str, int, bool]]) -> tuple[dict[str, tuple[int, int, bool]], int]:
    """Each card of a player's answers ``(card, seq, correct)``, in order: (Leitner box, seq of its last answer, last
    answer right); and the seq of the player's last answer (0: none).

    >>> state, rounds = replay([("a", 1, True), ("b", 2, False), ("a", 3, True), ("b", 4, True), ("a", 5, False)])
    >>> state["a"], state["b"], rounds
    ((1, 5, False), (2, 4, True), 5)
    """
    state: dict[str, tuple[int, int, bool]] = {}
    rounds = 0
    for card, seq, correct in answers:
        box = state.get(card, (1, 0, False))[0]
        state[card] = (min(box + 1, TOP_BOX) if correct else 1, seq, bool(correct))
        rounds = seq
    return state, rounds


def weights(pop: Population, i: int, joiner_days: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """How likely each colleague is to be drawn for player ``i`` (:data:`WEIGHTS`), and each reason's mask."""
    joiner = np.zeros(len(pop), dtype=bool)
    joiner[pop.joiners(joiner_days)] = True
    dept = np.array([d is not None and d == pop.department[i] for d in pop.department], dtype=bool)
    return _weights(pop, i, dept, joiner)


def _weights(pop: Population, i: int, dept: np.ndarray, joiner: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    n = len(pop)
    mine = pop.neighbours(i)
    tied = np.zeros(n, dtype=bool)
    tied[mine] = True
    two = np.zeros(n, dtype=bool)
    if len(mine):
        two[np.concatenate([pop.neighbours(j) for j in mine])] = True
    two &= ~tied
    masks = {"same_department": dept, "collaborator": tied, "two_steps": two, "new_joiner": joiner}
    w = np.ones(n)
    for name, mask in masks.items():
        w += WEIGHTS[name] * mask
    w[i] = 0.0
    return w, masks


def next_card(ws: Any, player: str, *, rng: np.random.Generator | None = None, seed: int | None = None,
              choices: int = CHOICES) -> Card:
    """The next colleague for ``player`` (employee id, work e-mail or pseudonym) to name.

    A due card first (lowest Leitner box, then the most overdue); else a
    colleague new to the player, drawn with :func:`weights` from ``rng`` (or
    ``seed``); when the player has met everyone, the card due soonest.
    """
    if choices < 2:
        raise SocialHRError(f"a card needs at least 2 names to choose from, got {choices}")
    rng = rng if rng is not None else np.random.default_rng(seed)
    game = _game(ws)
    pop = game.pop
    i = _player(ws, pop, player)
    names = _names(ws)
    named = np.isin(pop.person, np.array(list(names), dtype=str))
    named[i] = False
    if not named.any():
        raise SocialHRError("no colleague has a name in the vault", hint="Import a roster with a name column: socialhr ingest DIR roster FILE")
    state, rounds = _schedule(ws, pop.person[i])
    same = (game.department == game.department[i]) & (game.department[i] >= 0)
    w, masks = _weights(pop, i, same, game.joiner)
    due, soonest = [], []
    for card, (box, last, _) in state.items():
        c = pop.index.get(card)
        if c is None or not named[c]:
            continue
        wait = INTERVALS[box] - (rounds - last)
        (due if wait <= 0 else soonest).append((box if wait <= 0 else wait, wait, card))
    review = True
    if due:
        c = pop.index[min(due)[2]]
    else:
        fresh = named & ~np.isin(pop.person, list(state))
        if fresh.any():
            p = np.where(fresh, w, 0.0)
            c = int(rng.choice(len(pop), p=p / p.sum()))
            review = False
        else:
            c = pop.index[min(soonest)[2]]
    return _card(ws, game, i, c, names, named, rng, choices, review, [k for k, m in masks.items() if m[c]])


# Distractors are chosen among at most this many people of a pool (a random sample of a larger one).
_POOL = 2_000


def _card(ws: Any, game: _Game, i: int, c: int, names: dict[str, str], named: np.ndarray, rng: np.random.Generator,
          choices: int, review: bool, reasons: list[str]) -> Card:
    pop = game.pop
    right = names[pop.person[c]]
    photo = _photo(ws, pop.person[c])
    # Distractors: similar people (the card's department first; within it, the same first initial first), one name each.
    others = named.copy()
    others[c] = False
    same = others & (game.department == game.department[c]) & (game.department[c] >= 0)
    first = right[:1].casefold()
    picked, seen = [right], {right.casefold()}
    for pool in (np.flatnonzero(same), np.flatnonzero(others & ~same)):
        if len(picked) == choices:
            break
        if len(pool) > _POOL:
            pool = rng.choice(pool, _POOL, replace=False)
        score = rng.random(len(pool)) + np.array([names[pop.person[k]][:1].casefold() == first for k in pool], dtype=float)
        for k in pool[np.argsort(-score, kind="stable")]:
            if len(picked) == choices:
                break
            name = names[pop.person[k]]
            if name.casefold() not in seen:
                picked.append(name)
                seen.add(name.casefold())
    order = rng.permutation(len(picked))
    return Card(player=pop.person[i], person=pop.person[c], choices=[picked[k] for k in order], photo=photo,
                initials=None if photo else initials(right), level=pop.level[c], team=pop.team[c],
                department=pop.department[c], location=pop.location[c], review=review, reasons=reasons)


def answer(ws: Any, player: str, card: Card, choice: str | int) -> Result:
    """Record the player's answer to ``card``: a name among its choices, or its index."""
    pop = _population(ws)
    i = _player(ws, pop, player)
    if pop.person[i] != card.player:
        raise SocialHRError("this card was dealt to another player", hint="Answer the cards next_card gave this player.")
    if isinstance(choice, int) and not isinstance(choice, bool):
        if not 0 <= choice < len(card.choices):
            raise InputError(f"choice {choice} is not one of the card's {len(card.choices)} names", field="choice",
                             hint=f"Give 0 to {len(card.choices) - 1}, or a name.")
        choice = card.choices[choice]
    if choice not in card.choices:
        raise InputError(f"{choice!r} is not one of the card's names", field="choice", hint="Choose one of: " + ", ".join(card.choices))
    row = ws.vault.connect().execute("SELECT name FROM people WHERE person = ?", [card.person]).fetchone()
    right = row[0].strip() if row and row[0] and row[0].strip() else None
    if right is None:
        raise SocialHRError("the vault no longer has a name for this colleague", hint="Deal another card.")
    correct = choice == right
    with ws.transaction() as db:
        seq = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM game_answers WHERE player = ?", [card.player]).fetchone()[0]
        db.execute("INSERT INTO game_answers VALUES (?, ?, ?, ?, ?, ?)",
                   [card.player, seq, card.person, correct, len(card.choices), runs.now()])
    box = _schedule(ws, card.player)[0][card.person][0]
    return Result(correct, right, box, INTERVALS[box])


# -- progress, opt-out and the leaderboard ----------------------------------------

def progress(ws: Any, player: str) -> dict[str, Any]:
    """The share of their department a player can name (their latest answer on each colleague was right), and more."""
    game = _game(ws)
    i = _player(ws, game.pop, player)
    return _progress(ws, game, [i], _names(ws))[0]


def _progress(ws: Any, game: _Game, players: list[int], names: dict[str, str]) -> list[dict[str, Any]]:
    """:func:`progress` of several players at once (one query for all their answers)."""
    pop = game.pop
    named = np.isin(pop.person, np.array(list(names), dtype=str))
    per_dept = np.bincount(game.department[named & (game.department >= 0)], minlength=int(game.department.max(initial=-1)) + 1)
    who = [str(pop.person[i]) for i in players]
    answers: dict[str, list[tuple[str, int, bool]]] = {p: [] for p in who}
    for p, card, seq, correct in ws.db.execute(
            "SELECT player, card, seq, correct FROM game_answers WHERE player IN (SELECT unnest(?::VARCHAR[])) ORDER BY player, seq",
            [who]).fetchall():
        answers[p].append((card, seq, bool(correct)))
    out_players = {p for (p,) in ws.db.execute("SELECT player FROM game_optouts WHERE player IN (SELECT unnest(?::VARCHAR[]))",
                                               [who]).fetchall()}
    out = []
    for i, p in zip(players, who):
        state, rounds = replay(answers[p])
        d = game.department[i]
        colleagues = int(per_dept[d]) - int(named[i]) if d >= 0 else 0
        can_name = sum(1 for card, (_, _, right) in state.items()
                       if right and (k := pop.index.get(card)) is not None and named[k] and k != i and d >= 0 and game.department[k] == d)
        out.append({
            "player": p, "department": pop.department[i], "department_colleagues": colleagues, "can_name": can_name,
            "share": can_name / colleagues if colleagues else None, "answers": len(answers[p]),
            "correct": sum(1 for _, _, c in answers[p] if c), "colleagues_met": len(state),
            "due": sum(1 for box, last, _ in state.values() if INTERVALS[box] - (rounds - last) <= 0), "opted_out": p in out_players,
        })
    return out


def opt_out(ws: Any, player: str, *, out: bool = True) -> None:
    """Keep ``player`` off the leaderboard (``out=False``: back on)."""
    pop = _population(ws)
    person = pop.person[_player(ws, pop, player)]
    with ws.transaction() as db:
        db.execute("DELETE FROM game_optouts WHERE player = ?", [person])
        if out:
            db.execute("INSERT INTO game_optouts VALUES (?, ?)", [person, runs.now()])


def leaderboard_rows(ws: Any) -> list[dict[str, Any]]:
    """Each department's players (who answered at least once and did not opt out) and the mean share of their
    department they can name, best first; a department with fewer than ``min_group_size`` players is withheld:
    its row says so, without figures."""
    game = _game(ws)
    pop = game.pop
    out = {p for (p,) in ws.db.execute("SELECT player FROM game_optouts").fetchall()}
    players = [pop.index[p] for (p,) in ws.db.execute("SELECT DISTINCT player FROM game_answers ORDER BY player").fetchall()
               if p not in out and p in pop.index and pop.department[pop.index[p]] is not None]
    by: dict[str, list[dict[str, Any]]] = {}
    for prog in _progress(ws, game, players, _names(ws)):
        by.setdefault(prog["department"], []).append(prog)
    least = ws.settings["min_group_size"]
    shown, withheld = [], []
    for dept, progs in sorted(by.items()):
        if len(progs) < least:
            withheld.append({"department": dept, "withheld": f"fewer than {least} players"})
            continue
        shares = [x["share"] for x in progs if x["share"] is not None]
        shown.append({"department": dept, "players": len(progs), "mean_share": float(np.mean(shares)) if shares else None,
                      "answers": sum(x["answers"] for x in progs), "correct": sum(x["correct"] for x in progs)})
    shown.sort(key=lambda r: (-(r["mean_share"] or 0.0), r["department"]))
    for rank, r in enumerate(shown, start=1):
        r["rank"] = rank
    return shown + withheld


@dataclass
class Leaderboard:
    rows: list[dict[str, Any]]  # the departments shown, best first
    withheld: list[str]  # departments with too few players to show
    yours: str | None  # the viewer's department, for an employee


def leaderboard(ws: Any, viewer: Any = None) -> Leaderboard:
    """The departments' leaderboard as ``viewer`` (a :class:`socialhr.results.Viewer`; an analyst by default) reads it."""
    from ..results import read

    rows = read(ws, "game_leaderboard", viewer=viewer).to_arrow().to_pylist()
    yours = None
    if viewer is not None and viewer.role == "employee":
        pop = _population(ws)
        if viewer.person in pop.index:
            yours = pop.department[pop.index[viewer.person]]
    return Leaderboard([r for r in rows if r["withheld"] is None], [r["department"] for r in rows if r["withheld"]], yours)
