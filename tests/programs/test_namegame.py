"""The colleague name game (docs/programs.md#the-colleague-name-game) on the seeded synthetic organization."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from socialhr.cli import app
from socialhr.errors import InputError, SocialHRError
from socialhr.programs import namegame
from socialhr.programs.population import load
from socialhr.results import Viewer, read

from .textscan import text_hits

runner = CliRunner()


def _names(ws):
    """The test's own reading of the vault: person -> name."""
    return {p: n for p, n in ws.vault.connect().execute("SELECT person, name FROM people").fetchall() if n}


def _by_id(ws, pop):
    """The population's indices in employee id order: picks that do not depend on the workspace's pseudonymisation key."""
    ids = ws.vault.employee_ids()
    return sorted(range(len(pop)), key=lambda i: ids[pop.person[i]])


def _someone(ws, pop, *, min_department=12):
    """A player whose department is large enough to measure, and who has ties (the first by employee id)."""
    sizes = {}
    for d in pop.department:
        sizes[d] = sizes.get(d, 0) + 1
    for i in _by_id(ws, pop):
        if sizes.get(pop.department[i], 0) >= min_department and len(pop.neighbours(i)) >= 3:
            return i
    raise AssertionError("no suitable player")


def _in_largest_department(ws, pop):
    """A player of the largest department, with ties: most of their cards come from it."""
    largest = max(set(pop.department), key=lambda d: (pop.department.count(d), str(d)))
    return next(i for i in _by_id(ws, pop) if pop.department[i] == largest and len(pop.neighbours(i)) >= 3)


def _play(ws, player, names, *, right, rng):
    card = namegame.next_card(ws, player, rng=rng)
    choice = names[card.person] if right else next(c for c in card.choices if c != names[card.person])
    return card, namegame.answer(ws, player, card, choice)


def test_colleagues_the_player_should_know_are_drawn_more_often_than_strangers(org_ws):
    pop = load(org_ws)

    def classes(i):
        _, masks = namegame.weights(pop, i, org_ws.settings["joiner_days"])
        stranger = ~(masks["same_department"] | masks["collaborator"] | masks["two_steps"] | masks["new_joiner"])
        stranger[i] = False
        dept_only = masks["same_department"] & ~masks["collaborator"] & ~masks["two_steps"] & ~masks["new_joiner"]
        two_only = masks["two_steps"] & ~masks["same_department"] & ~masks["new_joiner"]
        return dept_only, two_only, stranger

    # The player with the most colleagues in each class (department only, two steps only, strangers).
    i = max(_by_id(org_ws, pop)[::7], key=lambda k: min(c.sum() for c in classes(k)))
    player = pop.person[i]
    dept_only, two_only, stranger = classes(i)
    assert dept_only.sum() >= 20 and two_only.sum() >= 20 and stranger.sum() >= 20
    rng = np.random.default_rng(11)
    drawn = np.zeros(len(pop))
    for _ in range(1500):  # no answers: every card is a fresh weighted draw
        drawn[pop.index[namegame.next_card(org_ws, player, rng=rng).person]] += 1
    assert drawn[i] == 0, "the player never names themselves"
    rate = {name: drawn[mask].sum() / mask.sum() for name, mask in
            (("department", dept_only), ("two_steps", two_only), ("stranger", stranger))}
    # Expected ratios: 5 to 1 and 3 to 1 (WEIGHTS); measured with room for chance.
    assert rate["department"] > 3 * rate["stranger"]
    assert rate["two_steps"] > 1.8 * rate["stranger"]


def test_a_missed_card_comes_back_sooner_than_a_known_one(org_ws):
    pop = load(org_ws)
    names = _names(org_ws)
    player = pop.person[_someone(org_ws, pop)]
    rng = np.random.default_rng(5)
    missed, result = _play(org_ws, player, names, right=False, rng=rng)
    assert not result.correct and result.box == 1 and result.name == names[missed.person]
    known, result = _play(org_ws, player, names, right=True, rng=rng)
    assert result.correct and result.box == 2
    came_back = {}
    for round_ in range(3, 40):
        card, _ = _play(org_ws, player, names, right=True, rng=rng)
        for label, c in (("missed", missed), ("known", known)):
            if card.person == c.person and label not in came_back:
                came_back[label] = round_
                assert card.review
    # The missed card is due after INTERVALS[1] more answers (round 4), the known one after INTERVALS[2] (round 11).
    assert came_back["missed"] == 1 + namegame.INTERVALS[1] + 1
    assert came_back["known"] == 2 + namegame.INTERVALS[2] + 1
    assert came_back["missed"] < came_back["known"]


def test_a_card_offers_the_right_name_among_distinct_names_of_similar_people(org_ws):
    pop = load(org_ws)
    names = _names(org_ws)
    by_name = {}
    for p, n in names.items():
        by_name.setdefault(n, []).append(p)
    player = pop.person[_someone(org_ws, pop)]
    rng = np.random.default_rng(2)
    same = total = 0
    for _ in range(30):
        card = namegame.next_card(org_ws, player, rng=rng)
        assert len(card.choices) == namegame.CHOICES == len({c.casefold() for c in card.choices})
        assert names[card.person] in card.choices
        assert card.photo is None and card.initials == namegame.initials(names[card.person])
        assert card.department == pop.department[pop.index[card.person]]
        for c in card.choices:
            if c != names[card.person]:
                total += 1
                same += any(pop.department[pop.index[p]] == card.department for p in by_name[c] if p in pop.index)
    assert same / total > 0.8, "distractors come from the card's department"


def test_progress_is_the_share_of_the_department_named_at_the_latest_answer(org_ws):
    pop = load(org_ws)
    names = _names(org_ws)
    i = _in_largest_department(org_ws, pop)
    player = pop.person[i]
    colleagues = [p for k, p in enumerate(pop.person) if k != i and pop.department[k] == pop.department[i] and p in names]
    rng = np.random.default_rng(3)
    history = {}  # card -> answers, right or not, in order

    def both_ways():
        """Colleagues named, then missed at their latest answer, and others the reverse, in different numbers
        (so that the latest answers, the first ones and any right one all tell different shares)."""
        mine = [h for p, h in history.items() if p in colleagues]
        named_then_missed = sum(1 for h in mine if h[0] and not h[-1])
        missed_then_named = sum(1 for h in mine if not h[0] and h[-1])
        return named_then_missed >= 1 and missed_then_named >= 1 and named_then_missed != missed_then_named

    # A new card: two right for one wrong; the second time a card comes, the other answer than the first; later, right.
    # Played until both_ways.
    for _ in range(150):
        card = namegame.next_card(org_ws, player, rng=rng)
        before = history.get(card.person, [])
        right = len(history) % 3 != 2 if not before else (not before[0] if len(before) == 1 else True)
        choice = names[card.person] if right else next(c for c in card.choices if c != names[card.person])
        assert namegame.answer(org_ws, player, card, choice).correct == right
        history.setdefault(card.person, []).append(right)
        if both_ways():
            break
    assert both_ways()
    rounds = sum(len(h) for h in history.values())
    expected = sum(1 for p in colleagues if history.get(p, [False])[-1]) / len(colleagues)
    first = sum(1 for p in colleagues if history.get(p, [False])[0]) / len(colleagues)
    assert expected != first, "the latest answers and the first ones tell different shares"
    got = namegame.progress(org_ws, player)
    assert got["share"] == pytest.approx(expected) and got["department_colleagues"] == len(colleagues)
    assert got["answers"] == rounds and got["correct"] == sum(sum(h) for h in history.values())


def test_answers_are_checked_and_belong_to_the_player(org_ws):
    pop = load(org_ws)
    player = pop.person[_someone(org_ws, pop)]
    other = next(p for p in pop.person if p != player)
    card = namegame.next_card(org_ws, player, seed=1)
    with pytest.raises(InputError, match="is not one of the card's names"):
        namegame.answer(org_ws, player, card, "Nobody Atall")
    with pytest.raises(InputError, match="choice 9 is not one of the card's 4 names"):
        namegame.answer(org_ws, player, card, 9)
    with pytest.raises(SocialHRError, match="dealt to another player"):
        namegame.answer(org_ws, other, card, 0)
    assert org_ws.db.execute("SELECT count(*) FROM game_answers").fetchone()[0] == 0
    with pytest.raises(SocialHRError, match="is not anyone employed"):
        namegame.next_card(org_ws, "E-nobody", seed=1)


def _department_players(ws, pop, department, n):
    return [pop.person[k] for k in _by_id(ws, pop) if pop.department[k] == department][:n]


def test_the_leaderboard_withholds_small_departments_and_leaves_out_who_opted_out(org_ws):
    pop = load(org_ws)
    names = _names(org_ws)
    depts = sorted({d for d in pop.department if d}, key=lambda d: -pop.department.count(d))
    big, small = depts[0], depts[1]
    rng = np.random.default_rng(4)
    for p in _department_players(org_ws, pop, big, 5) + _department_players(org_ws, pop, small, 4):
        _play(org_ws, p, names, right=True, rng=rng)
    board = namegame.leaderboard(org_ws)
    assert [r["department"] for r in board.rows] == [big] and board.rows[0]["players"] == 5 and board.withheld == [small]
    assert board.rows[0]["rank"] == 1
    shares = [namegame.progress(org_ws, p)["share"] for p in _department_players(org_ws, pop, big, 5)]
    assert board.rows[0]["mean_share"] == pytest.approx(np.mean(shares))
    # One player opts out: the department falls below the minimum and is withheld too.
    namegame.opt_out(org_ws, _department_players(org_ws, pop, big, 1)[0])
    assert namegame.progress(org_ws, _department_players(org_ws, pop, big, 1)[0])["opted_out"]
    board = namegame.leaderboard(org_ws)
    assert board.rows == [] and sorted(board.withheld) == sorted([big, small])
    namegame.opt_out(org_ws, _department_players(org_ws, pop, big, 1)[0], out=False)
    assert [r["department"] for r in namegame.leaderboard(org_ws).rows] == [big]
    # A leader reads it (an aggregate); an employee reads it with their department marked.
    me = _department_players(org_ws, pop, big, 1)[0]
    assert namegame.leaderboard(org_ws, Viewer.employee(me)).yours == big
    mine = read(org_ws, "game_answers", viewer=Viewer.employee(me)).to_arrow()
    assert mine.num_rows == 1 and set(mine["player"].to_pylist()) == {me}
    assert read(org_ws, "game_answers").to_arrow().num_rows == 9
    read_rows = read(org_ws, "game_leaderboard", viewer=Viewer.leader()).to_arrow().to_pylist()
    assert [(r["department"], r["withheld"], r["mean_share"]) for r in read_rows][1] == (small, "fewer than 5 players", None)


def test_photos_are_referenced_from_the_vault(org_ws, tmp_path):
    pop = load(org_ws)
    ids = org_ws.vault.employee_ids()
    player_i = _someone(org_ws, pop)
    folder = tmp_path / "photos"
    folder.mkdir()
    for p in pop.person:
        if p != pop.person[player_i]:
            (folder / f"{ids[p]}.jpg").write_bytes(b"\xff\xd8\xff photo")
    (folder / "not-an-employee.jpg").write_bytes(b"x")
    summary = namegame.register_photos(org_ws, folder)
    assert summary["registered"] == len(pop) - 1 and summary["unmatched"] == 1
    card = namegame.next_card(org_ws, pop.person[player_i], seed=0)
    assert card.photo == str((folder / f"{ids[card.person]}.jpg").resolve()) and card.initials is None
    with pytest.raises(InputError, match="no photos in"):
        namegame.register_photos(org_ws, tmp_path)


def test_names_and_photos_never_enter_the_analytics_database(org_ws, tmp_path):
    pop = load(org_ws)
    names = _names(org_ws)
    folder = tmp_path / "faces"
    folder.mkdir()
    ids = org_ws.vault.employee_ids()
    first = [pop.person[i] for i in _by_id(org_ws, pop)]
    for p in first[:50]:
        (folder / f"{ids[p]}.png").write_bytes(b"png")
    namegame.register_photos(org_ws, folder)
    rng = np.random.default_rng(8)
    for p in first[:12]:
        for _ in range(3):
            _play(org_ws, p, names, right=bool(rng.random() < 0.5), rng=rng)
    namegame.opt_out(org_ws, first[0])
    assert org_ws.db.execute("SELECT count(*) FROM game_answers").fetchone()[0] == 36
    secrets = sorted(set(names.values()) | {str(folder)})
    assert text_hits(org_ws.db, secrets) == []


def test_play_and_leaderboard_on_the_command_line(org, tmp_path):
    import shutil

    ws_path = tmp_path / "ws"
    shutil.copytree(org[0], ws_path)
    from socialhr.workspace import Workspace

    with Workspace.open(ws_path) as ws:
        ids = ws.vault.employee_ids()
        pop = load(ws)
        player = ids[pop.person[_someone(ws, pop)]]
    result = runner.invoke(app, ["game", str(ws_path), "play", "--as", player, "--rounds", "3", "--seed", "1"], input="1\n2\n1\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Who is this?") == 3 and "of your department" in result.output
    result = runner.invoke(app, ["game", str(ws_path), "leaderboard"])
    assert result.exit_code == 0, result.output
    assert "withheld" in result.output
    result = runner.invoke(app, ["game", str(ws_path), "play", "--as", "E-nobody", "--rounds", "1"])
    assert result.exit_code == 1 and "is not anyone employed" in result.output
