"""Introductions for new joiners: the rules of docs/programs.md#introductions, on a seeded synthetic organization."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from typer.testing import CliRunner

from socialhr.cli import app
from socialhr.errors import InputError, PrivacyError, SocialHRError
from socialhr.programs import intros
from socialhr.programs.population import load
from socialhr.results import Viewer, read

runner = CliRunner()


def _by_joiner(proposals):
    out = {}
    for p in proposals:
        out.setdefault(p.joiner, []).append(p.colleague)
    return out


def test_every_joiner_gets_count_distinct_untied_eligible_colleagues_within_the_cap(org_ws):
    pop = load(org_ws)
    joiners = set(pop.joiners(60).tolist())
    assert len(joiners) >= 10, "the synthetic organization has new joiners"
    proposals, summary = intros.choose(pop, since=60, count=5, min_level="M1", max_per_colleague=3, seed=1)
    by = _by_joiner(proposals)
    floor = pop.level_rank["M1"]
    eligible = [i for i in range(len(pop)) if i not in joiners and pop.seniority[i] >= floor]
    assert len(eligible) * 3 >= len(joiners) * 5, "the test asks for what can be given"
    assert set(by) == joiners and summary["short"] == 0
    for j, colleagues in by.items():
        assert len(colleagues) == len(set(colleagues)) == 5
        for c in colleagues:
            assert c not in joiners, "colleagues are not new joiners themselves"
            assert not pop.tied(j, c), "none already tied to the joiner"
            assert pop.seniority[c] >= floor, "none below the level"
    load_ = np.bincount([p.colleague for p in proposals], minlength=len(pop))
    assert load_.max() <= 3, "no colleague over the cap"


def test_picked_sets_reach_more_communities_than_random_eligible_sets(org_ws):
    pop = load(org_ws)
    proposals, _ = intros.choose(pop, since=120, count=6, min_level=None, max_per_colleague=3, seed=2)
    joiners = set(pop.joiners(120).tolist())
    rng = np.random.default_rng(0)
    better = 0
    by = _by_joiner(proposals)
    for j, colleagues in by.items():
        picked = len({int(pop.community[c]) for c in colleagues})
        eligible = np.array([i for i in range(len(pop)) if i not in joiners and not pop.tied(j, i)])
        random_reach = [len({int(pop.community[c]) for c in rng.choice(eligible, size=len(colleagues), replace=False)})
                        for _ in range(100)]
        assert picked > np.median(random_reach), (j, picked, np.median(random_reach))
        better += 1
    assert better == len(joiners)


def test_the_same_seed_proposes_the_same_introductions_and_another_seed_others(org_ws):
    pop = load(org_ws)
    a, _ = intros.choose(pop, since=120, count=5, min_level=None, max_per_colleague=3, seed=7)
    b, _ = intros.choose(pop, since=120, count=5, min_level=None, max_per_colleague=3, seed=7)
    c, _ = intros.choose(pop, since=120, count=5, min_level=None, max_per_colleague=3, seed=8)
    key = lambda ps: [(p.joiner, p.colleague, p.rank) for p in ps]  # noqa: E731
    assert key(a) == key(b)
    assert key(a) != key(c)


def test_load_is_spread_when_colleagues_are_scarce(org_ws):
    """With fewer places than asked, every joiner still gets some: the snake draft shares them out."""
    pop = load(org_ws)
    joiners = pop.joiners(120)
    proposals, summary = intros.choose(pop, since=120, count=20, min_level="VP", max_per_colleague=1, seed=0)
    by = _by_joiner(proposals)
    places = int(np.sum(pop.seniority >= pop.level_rank["VP"]))
    assert len(proposals) == min(places, len(joiners) * 20)
    counts = [len(by.get(int(j), [])) for j in joiners]
    assert max(counts) - min(counts) <= 1, counts
    assert summary["short"] == len(joiners)


def test_reasons_are_words_a_person_understands(org_ws):
    pop = load(org_ws)
    proposals, _ = intros.choose(pop, since=120, count=5, min_level=None, max_per_colleague=3, seed=0)
    texts = [intros.reason_text(p.reasons) for p in proposals]
    assert any(t.startswith("connects you to the ") and " community" in t for t in texts)
    for p, t in zip(proposals, texts):
        if "location" in p.reasons:
            assert pop.location[p.colleague] == pop.location[p.joiner]
            assert f"same location ({pop.location[p.joiner]})" in t


def test_unknown_level_names_the_levels_in_order(org_ws):
    with pytest.raises(SocialHRError, match=r"unknown level 'Wizard'.*most junior first: IC1.*CEO"):
        intros.propose(org_ws, min_level="Wizard")


def test_proposals_are_stored_read_through_the_read_path_and_marked(org_ws, tmp_path):
    summary = intros.propose(org_ws, since=120, count=4, seed=0)
    rows = read(org_ws, "introductions").to_arrow().to_pylist()
    assert len(rows) == summary["introductions"] > 0
    assert {r["status"] for r in rows} == {"proposed"}
    first = rows[0]
    # An employee reads the introductions they are part of, and no others.
    mine = read(org_ws, "introductions", viewer=Viewer.employee(first["joiner"])).to_arrow().to_pylist()
    assert mine and all(first["joiner"] in (r["joiner"], r["colleague"]) for r in mine)
    assert len(mine) < len(rows)
    with pytest.raises(PrivacyError):
        read(org_ws, "introductions", viewer=Viewer.leader())
    # Marking: all or nothing, and every change is logged with its time.
    with pytest.raises(InputError, match="unknown status 'done'"):
        intros.mark(org_ws, [(first["joiner"], first["colleague"], "met"), (first["joiner"], first["colleague"], "done")])
    assert read(org_ws, "introductions").to_arrow().to_pylist()[0]["status"] == "proposed"
    assert intros.mark(org_ws, [(first["joiner"], first["colleague"], "accepted")]) == 1
    assert intros.mark(org_ws, [(first["joiner"], first["colleague"], "met")]) == 1
    events = org_ws.db.execute("SELECT status FROM program_events WHERE subject = ? ORDER BY changed_at", [first["joiner"]]).fetchall()
    assert [e[0] for e in events] == ["accepted", "met"]
    with pytest.raises(InputError, match="proposed no introduction"):
        intros.mark(org_ws, [(first["colleague"], first["joiner"], "met")])


def test_cli_proposes_writes_and_reimports_statuses(org_ws, tmp_path):
    path = org_ws.path
    org_ws.close()
    out = tmp_path / "intros.csv"
    result = runner.invoke(app, ["intros", str(path), "--new-joiners", "--since", "120", "--count", "3", "--seed", "4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:3] == ["joiner", "colleague", "reason"]
    assert all(r["reason"] for r in rows)
    # The file, edited, records what happened.
    rows[0]["status"] = "met"
    rows[1]["status"] = "declined"
    edited = tmp_path / "edited.csv"
    with open(edited, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    result = runner.invoke(app, ["intros", str(path), "--mark-file", str(edited)])
    assert result.exit_code == 0, result.output
    assert "Recorded 2 status changes" in result.output
    rows[2]["status"] = "maybe"
    with open(edited, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    result = runner.invoke(app, ["intros", str(path), "--mark-file", str(edited)])
    assert result.exit_code == 1
    assert "edited.csv, line 4, field 'status': unknown status 'maybe'" in result.output
    result = runner.invoke(app, ["intros", str(path)])
    assert result.exit_code == 1 and "give either --new-joiners" in result.output


def _population(n, *, ties, community, department, location, seniority, hire):
    """A hand-made population: people p0..p{n-1}; ``ties`` as index pairs."""
    import datetime as dt

    from socialhr.programs.population import Population, _csr
    import pyarrow as pa

    person = np.array([f"p{i}" for i in range(n)])
    edges = pa.table({"a": [f"p{a}" for a, _ in ties], "b": [f"p{b}" for _, b in ties]})
    indptr, indices = _csr(person, edges)
    as_of = dt.date(2024, 6, 30)
    return Population(
        as_of=as_of, window_id="2024-06", person=person, department=department, team=department, location=location,
        level=[str(s) for s in seniority], manager=np.full(n, -1), hire_date=[as_of - dt.timedelta(days=h) for h in hire],
        attributes=[{} for _ in range(n)], community=np.array(community), community_name={},
        level_rank={str(s): float(s) for s in set(seniority)}, seniority=np.array(seniority, dtype=float),
        indptr=indptr, indices=indices, index={p: i for i, p in enumerate(person)},
    )


def test_people_already_tied_are_never_proposed_even_when_they_would_open_most():
    # p0 joined; p1 and p2 (other communities and departments, same location) are tied to them already;
    # p3 and p4 share the joiner's community: only they can be proposed.
    pop = _population(5, ties=[(0, 1), (0, 2)], community=[0, 1, 2, 0, 0], department=["A", "B", "C", "A", "A"],
                      location=["X"] * 5, seniority=[1, 1, 1, 1, 1], hire=[5, 900, 900, 900, 900])
    proposals, summary = intros.choose(pop, since=30, count=4, min_level=None, max_per_colleague=3, seed=0)
    assert sorted(p.colleague for p in proposals) == [3, 4]
    assert summary["short"] == 1


def test_a_colleague_who_opens_a_new_community_comes_before_one_from_the_joiners_own():
    pop = _population(4, ties=[], community=[0, 0, 1, 0], department=["A", "A", "A", "A"],
                      location=["X", "X", "Y", "X"], seniority=[1, 1, 1, 1], hire=[5, 900, 900, 900])
    proposals, _ = intros.choose(pop, since=30, count=1, min_level=None, max_per_colleague=3, seed=0)
    assert [p.colleague for p in proposals] == [2]
    assert proposals[0].reasons.get("community") == "community 1"
