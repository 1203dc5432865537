"""Cross-team matching: the rules of docs/programs.md#cross-team-matching, on a seeded synthetic organization."""

from __future__ import annotations

import csv
import datetime as dt
from itertools import combinations

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from socialhr.cli import app
from socialhr.errors import InputError, PrivacyError, SettingsError
from socialhr.config import validate
from socialhr.programs import matching
from socialhr.programs.population import Population, _csr, load
from socialhr.programs.zones import hours_apart, offsets
from socialhr.results import Viewer, read

runner = CliRunner()
ZONES = ["Bengaluru=Asia/Kolkata"]  # the synthetic company's one office not named after its IANA zone


def _pairs(groups):
    return {frozenset(p) for g in groups for p in combinations(g.members, 2)}


@pytest.mark.parametrize("size,mode", [(2, "any"), (3, "virtual"), (2, "in-person"), (4, "any")])
def test_no_group_holds_two_people_of_one_team_and_everyone_fits_somewhere(org_ws, size, mode):
    pop = load(org_ws)
    groups, summary = matching.choose(pop, size=size, mode=mode, seed=1, location_time_zones=ZONES)
    placed = [p for g in groups for p in g.members]
    assert len(placed) == len(set(placed)) == summary["matched"]
    assert summary["matched"] + summary["unmatched"] == len(pop)
    assert summary["unmatched"] <= len(pop) * 0.02, summary
    for g in groups:
        assert size <= len(g.members) <= size + 1
        teams = [pop.team[p] for p in g.members]
        assert len(set(teams)) == len(teams), teams
    # Bigger groups take what does not divide, and the few who found no group of their own.
    bigger = sum(len(g.members) == size + 1 for g in groups)
    assert bigger <= (size - 1) * len({pop.location[p] for p in placed}) + 0.02 * len(groups)


def test_an_odd_count_makes_one_group_of_three(org_ws):
    pop = load(org_ws)
    people = np.arange(0, 301)
    groups, summary = matching.choose(pop, size=2, people=people, seed=0, location_time_zones=ZONES)
    # Pairs, and a group of three for the odd one out; which 301 people these are depends on the workspace's
    # pseudonymisation key, and two last people of one team cannot pair, so each then joins a pair (three threes).
    sizes = sorted(len(g.members) for g in groups)
    threes = sizes.count(3)
    assert set(sizes) <= {2, 3} and threes % 2 == 1 and threes <= 5 and sizes == [2] * ((301 - 3 * threes) // 2) + [3] * threes
    assert summary["unmatched"] == 0 and {p for g in groups for p in g.members} == set(people.tolist())


def test_in_person_groups_share_a_location_and_virtual_ones_a_time_zone_window(org_ws):
    pop = load(org_ws)
    groups, _ = matching.choose(pop, size=3, mode="in-person", seed=2)
    assert groups and all(len({pop.location[p] for p in g.members}) == 1 and g.mode == "in-person" for g in groups)
    hours, sources = offsets(pop.location, pop.attributes, on=pop.as_of, setting=ZONES)
    assert sources["unknown"] == 0 and not np.isnan(hours).any()
    groups, summary = matching.choose(pop, size=2, mode="virtual", seed=2, max_hours_apart=2.0, location_time_zones=ZONES)
    assert summary["time_zone_unknown"] == 0
    assert {g.mode for g in groups} == {"virtual"}
    for g in groups:
        for a, b in combinations(g.members, 2):
            assert hours_apart(hours[a], hours[b]) <= 2.0, (pop.location[a], pop.location[b])
    # London and Bengaluru are 5.5 hours apart: a window of 6 lets them meet, one of 2 never does.
    wide, _ = matching.choose(pop, size=2, mode="virtual", seed=2, max_hours_apart=6.0, location_time_zones=ZONES)
    assert any({pop.location[p] for p in g.members} == {"London", "Bengaluru"} for g in wide)
    assert not any({pop.location[p] for p in g.members} == {"London", "Bengaluru"} for g in groups)
    # Any: a group meets in person exactly when its members share a location.
    either, _ = matching.choose(pop, size=2, mode="any", seed=2, location_time_zones=ZONES)
    assert {g.mode for g in either} == {"in-person", "virtual"}
    assert all((g.mode == "in-person") == (len({pop.location[p] for p in g.members}) == 1) for g in either)


def _new_and_crossing(pop, groups):
    """Share of the pairs in groups that are not tied and in different communities."""
    pairs = [(a, b) for g in groups for a, b in combinations(g, 2)]
    good = sum(not pop.tied(a, b) and pop.community[a] != pop.community[b] for a, b in pairs)
    return good / len(pairs)


def test_matched_pairs_are_untied_and_cross_communities_more_than_random_pairings_of_the_same_people(org_ws):
    pop = load(org_ws)
    groups, _ = matching.choose(pop, size=2, mode="any", seed=3, location_time_zones=ZONES)
    chosen = _new_and_crossing(pop, [g.members for g in groups])
    people = np.array([p for g in groups for p in g.members])
    rng = np.random.default_rng(0)
    random_shares = []
    for _ in range(100):
        shuffled = rng.permutation(people)
        random_shares.append(_new_and_crossing(pop, [shuffled[i:i + 2] for i in range(0, len(shuffled) - 1, 2)]))
    assert chosen > max(random_shares), (chosen, max(random_shares))


def _hand_made(teams, communities, ties, locations=None):
    n = len(teams)
    person = np.array([f"p{i}" for i in range(n)])
    edges = pa.table({"a": [f"p{a}" for a, _ in ties], "b": [f"p{b}" for _, b in ties]})
    indptr, indices = _csr(person, edges)
    return Population(
        as_of=dt.date(2024, 6, 30), window_id="w", person=person, department=["D"] * n, team=teams,
        location=locations or ["London"] * n, level=["L"] * n, manager=np.full(n, -1), hire_date=[None] * n,
        attributes=[{} for _ in range(n)], community=np.array(communities), community_name={}, level_rank={"L": 0.0},
        seniority=np.zeros(n), indptr=indptr, indices=indices, index={p: i for i, p in enumerate(person)},
    )


@pytest.mark.parametrize("seed", range(5))
def test_untied_people_of_other_communities_are_matched_before_colleagues_already_tied(seed):
    # p0 and p1 share a community and are tied, as are p2 and p3; each is in a team of their own.
    pop = _hand_made(["a", "b", "c", "d"], [0, 0, 1, 1], [(0, 1), (2, 3)])
    groups, summary = matching.choose(pop, size=2, seed=seed)
    for g in groups:
        a, b = g.members
        assert pop.community[a] != pop.community[b] and not pop.tied(a, b)
    assert summary["untied_pair_share"] == 1.0 and summary["cross_community_pair_share"] == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_people_not_yet_tied_are_matched_before_those_tied_and_other_communities_before_ones_own(seed):
    # Everyone in a community of their own: only ties tell pairs apart.
    pop = _hand_made(["a", "b", "c", "d"], [0, 1, 2, 3], [(0, 1), (2, 3)])
    groups, _ = matching.choose(pop, size=2, seed=seed)
    assert not any(pop.tied(*g.members) for g in groups)
    # No ties: only communities tell pairs apart.
    pop = _hand_made(["a", "b", "c", "d"], [0, 0, 1, 1], [])
    groups, _ = matching.choose(pop, size=2, seed=seed)
    assert all(pop.community[g.members[0]] != pop.community[g.members[1]] for g in groups)


@pytest.mark.parametrize("seed", range(6))
def test_the_largest_team_is_matched_first_so_it_is_not_left_with_only_itself(seed):
    # Three of team a, one each of b and c: a-b and a-c, whatever the seed (b-c would leave three of a alone).
    pop = _hand_made(["a", "a", "a", "b", "c"], [0] * 5, [])
    groups, summary = matching.choose(pop, size=2, seed=seed)
    assert sorted(sorted(pop.team[p] for p in g.members) for g in groups) == [["a", "b"], ["a", "c"]]
    assert summary["unmatched"] == 1


def test_a_team_too_large_to_spread_leaves_its_surplus_unmatched_rather_than_together():
    pop = _hand_made(["a", "a", "a", "a", "b"], [0, 0, 0, 0, 1], [])
    groups, summary = matching.choose(pop, size=2, seed=0)
    assert [sorted(pop.team[p] for p in g.members) for g in groups] == [["a", "b"]]
    assert summary["unmatched"] == 3


def test_a_pair_is_not_repeated_within_the_window_and_may_be_after_it(org_ws, tmp_path):
    # Four people of four teams have three ways to pair up: a window of 2 rounds forces all three in turn,
    # then allows the first again; a window of 3 leaves nobody to meet.
    pop = load(org_ws)
    eid = org_ws.vault.employee_ids()
    by_team = {}
    for i in sorted(range(len(pop)), key=lambda i: eid[pop.person[i]]):  # by employee id: the same four whatever the key
        if pop.location[i] == "London":
            by_team.setdefault(pop.team[i], i)
    four = [pop.person[i] for i in list(by_team.values())[:4]]
    opt_in = tmp_path / "four.csv"
    opt_in.write_text("person\n" + "\n".join(four) + "\n")
    org_ws.settings["match_repeat_rounds"] = 2
    rounds = []
    for seed in range(4):
        matching.propose(org_ws, size=2, opt_in=opt_in, seed=seed)
        rows = read(org_ws, "matches").to_arrow().to_pylist()
        by_group = {}
        for r in rows:
            by_group.setdefault(r["group_id"], set()).add(r["person"])
        rounds.append({frozenset(g) for g in by_group.values()})
    assert all(len(r) == 2 for r in rounds)
    assert not rounds[0] & rounds[1] and not rounds[1] & rounds[2] and not rounds[0] & rounds[2]
    assert rounds[3] == rounds[0], "a pair is allowed again once its round has left the window"
    org_ws.settings["match_repeat_rounds"] = 3
    summary = matching.propose(org_ws, size=2, opt_in=opt_in, seed=9)
    assert summary["groups"] == 0 and summary["unmatched"] == 4


def test_many_rounds_of_a_whole_organization_never_repeat_a_pair_within_the_window(org_ws):
    pop = load(org_ws)
    history = []
    for seed in range(4):
        recent = [np.array(g.members) for earlier in history[-2:] for g in earlier]
        groups, _ = matching.choose(pop, size=2, recent=recent, seed=seed, location_time_zones=ZONES)
        for earlier in history[-2:]:
            assert not _pairs(groups) & _pairs(earlier)
        history.append(groups)


def test_the_same_seed_matches_the_same_groups_and_another_seed_others(org_ws):
    pop = load(org_ws)
    key = lambda gs: [(tuple(g.members), g.mode) for g in gs]  # noqa: E731
    a, _ = matching.choose(pop, size=2, seed=5, location_time_zones=ZONES)
    b, _ = matching.choose(pop, size=2, seed=5, location_time_zones=ZONES)
    c, _ = matching.choose(pop, size=2, seed=6, location_time_zones=ZONES)
    assert key(a) == key(b)
    assert key(a) != key(c)


def test_opt_in_file_names_unknown_and_departed_people_with_their_line(org_ws, org, tmp_path):
    pop = load(org_ws)
    roster = list(csv.DictReader(open(org[1]["files"]["roster"], newline="")))
    employed = [r["employee_id"] for r in roster if not r["exit_date"] or dt.date.fromisoformat(r["exit_date"]) > pop.as_of]
    departed = [r["employee_id"] for r in roster if r["exit_date"] and dt.date.fromisoformat(r["exit_date"]) <= pop.as_of]
    good = tmp_path / "optin.csv"
    good.write_text("employee_id\n" + "\n".join(employed[:10]) + "\n" + org_ws.pseudonymiser.person(employed[10]) + "\n")  # (a pseudonym)
    people = matching.read_opt_in(org_ws, pop, good)
    assert len(people) == 11 and pop.index[org_ws.pseudonymiser.person(employed[0])] in people
    bad = tmp_path / "bad.csv"
    bad.write_text("employee_id\n" + employed[0] + "\nE999999\n")
    with pytest.raises(InputError) as e:
        matching.propose(org_ws, opt_in=bad)
    assert "bad.csv, line 3, field 'person': no one on the roster is 'E999999'" in str(e.value)
    assert org_ws.db.execute("SELECT count(*) FROM match_groups").fetchone()[0] == 0, "nothing stored"
    bad.write_text(employed[0] + "\n" + employed[1] + "\n")
    with pytest.raises(InputError, match=r"bad.csv, line 1: missing required column 'person'.*first row names its column: employee_id"):
        matching.propose(org_ws, opt_in=bad)
    bad.write_text("employee_id\n")
    with pytest.raises(InputError, match="bad.csv: the opt-in file names no one"):
        matching.propose(org_ws, opt_in=bad)
    bad.write_text("employee_id\n" + departed[0] + "\n")
    with pytest.raises(InputError, match=f"line 2, field 'person': '{departed[0]}' is not employed on {pop.as_of}"):
        matching.propose(org_ws, opt_in=bad)


def test_rounds_are_stored_read_by_role_and_marked(org_ws):
    summary = matching.propose(org_ws, size=2, seed=0)
    rows = read(org_ws, "matches").to_arrow().to_pylist()
    assert len(rows) == summary["matched"] > 0 and {r["status"] for r in rows} == {"proposed"}
    assert all(r["reason"] for r in rows)
    first = rows[0]
    mine = read(org_ws, "matches", viewer=Viewer.employee(first["person"])).to_arrow().to_pylist()
    assert {r["group_id"] for r in mine} == {first["group_id"]}
    assert first["person"] in {r["person"] for r in mine} and len(mine) >= 2, "an employee sees whom they meet"
    with pytest.raises(PrivacyError):
        read(org_ws, "matches", viewer=Viewer.leader())
    with pytest.raises(InputError, match="unknown status 'done'"):
        matching.mark(org_ws, [(first["person"], "met"), (mine[1]["person"], "done")])
    assert matching.mark(org_ws, [(first["person"], "met"), (mine[1]["person"], "skipped")]) == 2
    statuses = {r["person"]: r["status"] for r in read(org_ws, "matches").to_arrow().to_pylist()}
    assert statuses[first["person"]] == "met" and statuses[mine[1]["person"]] == "skipped"
    events = org_ws.db.execute("SELECT subject, other, status FROM program_events WHERE program = 'matches'").fetchall()
    assert (first["person"], str(first["group_id"]), "met") in events
    with pytest.raises(InputError, match="matched no one called 'nobody'"):
        matching.mark(org_ws, [("nobody", "met")])


def test_cli_matches_writes_exports_and_reimports_statuses(org_ws, tmp_path):
    path = org_ws.path
    org_ws.close()
    out = tmp_path / "round.csv"
    result = runner.invoke(app, ["match", str(path), "--size", "3", "--mode", "in-person", "--seed", "4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(out, newline="")))
    said = " ".join(result.output.split())  # (the console wraps lines)
    assert f"Matched {len(rows)} of " in said and "no team twice in a group" in said
    assert list(rows[0])[:4] == ["group_id", "person", "mode", "reason"] and all("meet in person" in r["reason"] for r in rows)
    exported = tmp_path / "export.csv"
    result = runner.invoke(app, ["export", str(path), "matches", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(open(exported, newline="")))) == len(rows)
    rows[0]["status"] = "met"
    with open(tmp_path / "edited.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    result = runner.invoke(app, ["match", str(path), "--mark-file", str(tmp_path / "edited.csv")])
    assert result.exit_code == 0 and "Recorded 1 status change" in result.output, result.output
    result = runner.invoke(app, ["match", str(path), "--mode", "outdoors"])
    assert result.exit_code == 1 and "unknown --mode 'outdoors'" in result.output


def test_time_zone_settings_are_checked():
    assert validate({"location_time_zones": ["Bengaluru=Asia/Kolkata", "Remote=UTC-5"]})["match_repeat_rounds"] == 6
    with pytest.raises(SettingsError, match="'Mumbai=Asia/Bombay2' is not LOCATION=ZONE"):
        validate({"location_time_zones": ["Mumbai=Asia/Bombay2"]})
    with pytest.raises(SettingsError, match="'match_max_hours_apart' must be from 0 to 12, got 13.0"):
        validate({"match_max_hours_apart": 13})
    with pytest.raises(SettingsError, match="'match_repeat_rounds' must be at least 0, got -1"):
        validate({"match_repeat_rounds": -1})


def test_a_persons_time_zone_comes_from_their_attribute_then_the_setting_then_their_city():
    on = dt.date(2026, 1, 15)  # winter: London UTC+0, New York UTC-5
    hours, sources = offsets(["London", "Bengaluru", "Bengaluru", "New York", "Atlantis", None],
                             [{"time_zone": "UTC-03:00"}, {}, {"tz": "Asia/Tokyo"}, {}, {}, {}],
                             on=on, setting=["bengaluru=Asia/Kolkata"])
    assert hours[:4].tolist() == [-3.0, 5.5, 9.0, -5.0] and np.isnan(hours[4:]).all()
    assert sources == {"attribute": 2, "setting": 1, "city": 1, "unknown": 2}
    summer, _ = offsets(["London"], [{}], on=dt.date(2026, 7, 1))
    assert summer.tolist() == [1.0]
