"""A minimum group size that survives differencing (issue 14, section 3).

Each test builds a small organization through the importers (a roster and an
interactions file), analyzes it, exports the group-level tables as a user
would (CSV through ``export_table``), and runs an attack on them: arithmetic
on shown figures that recovers one person's network size exactly when the
protection is missing. The attack must fail: either the figures it needs
are withheld, or what it computes is not that person's value.

Network size here is the number of people someone has a tie with (their
degree in the undirected network); for a group, the sum of its members'
network sizes is ``2 * internal_ties + external_ties``, and for the
organization ``2 * undirected_ties``.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from socialhr.errors import PrivacyError
from socialhr.export import export_table, read_table
from socialhr.ingest import ingest
from socialhr.network.analyze import analyze
from socialhr.workspace import Workspace

SEP, OCT = "2026-09", "2026-10"


class Org:
    """People with org-chart facts, and undirected ties per month, written as files and imported."""

    def __init__(self):
        self.people: dict[str, dict] = {}
        self.ties: list[tuple[str, str, str]] = []

    def add(self, pid: str, *, department="Sales", team="S1", location="Paris", level="L1", hire_date="2020-01-01", exit_date=""):
        self.people[pid] = dict(department=department, team=team, location=location, level=level, hire_date=hire_date, exit_date=exit_date)

    def tie(self, a: str, b: str, *months: str) -> None:
        for m in months or (SEP,):
            self.ties.append((m, a, b))

    def clique(self, members: list[str], *months: str) -> None:
        for a, b in itertools.combinations(members, 2):
            self.tie(a, b, *months)

    def build(self, tmp_path: Path, **settings) -> Workspace:
        roster = tmp_path / "roster.csv"
        with open(roster, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["employee_id", "email", "department", "team", "location", "level", "hire_date", "exit_date"])
            for pid, p in self.people.items():
                w.writerow([pid, f"{pid}@acme.example", p["department"], p["team"], p["location"] or "", p["level"],
                            p["hire_date"], p["exit_date"]])
        inter = tmp_path / "interactions.csv"
        with open(inter, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["timestamp", "sender", "recipients", "channel"])
            for i, (month, a, b) in enumerate(self.ties):
                day = 1 + i % 27
                for s, r in ((a, b), (b, a)):  # reciprocated, twice
                    for hour in (9, 15):
                        w.writerow([f"{month}-{day:02d}T{hour:02d}:00:00Z", f"{s}@acme.example", f"{r}@acme.example", "email"])
        ws = Workspace.init(tmp_path / "ws", settings=settings or None)
        ingest(ws, "roster", roster, effective_date=__import__("datetime").date(2026, 9, 1))
        ingest(ws, "interactions", inter)
        analyze(ws)
        return ws


def rows(ws: Workspace, table: str, tmp_path: Path, **options) -> list[dict]:
    """A table as a user exports it: a CSV file, read back."""
    out = tmp_path / f"{table}-{len(list(tmp_path.glob('*.csv')))}.csv"
    export_table(ws, table, out, **options)
    with open(out) as f:
        return list(csv.DictReader(f))


def network_size(ws: Workspace, pid: str, window: str) -> int:
    """The person's true network size (analysts' person-level table)."""
    person = ws.pseudonymiser.person(pid)
    row = [r for r in read_table(ws, "person_metrics", window=window).to_pylist() if r["person"] == person]
    return row[0]["network_size"]


def degree_sum(row: dict) -> int:
    return 2 * int(row["internal_ties"]) + int(row["external_ties"])


def org_all(ws: Workspace, tmp_path: Path, window: str) -> dict | None:
    found = [r for r in rows(ws, "org_metrics", tmp_path, window=window) if r["channel"] == "all"]
    return found[0] if found else None


def groups(ws: Workspace, tmp_path: Path, window: str, dimension: str) -> dict[str, dict]:
    return {r["group"]: r for r in rows(ws, "group_metrics", tmp_path, window=window, dimension=dimension)}


def base(org: Org, *, months=(SEP,)) -> None:
    """Two departments of six and six, in two locations, everyone tied within their team and to one other."""
    for i in range(6):
        org.add(f"s{i}", department="Sales", team="S1", location="Paris")
        org.add(f"e{i}", department="Eng", team="E1", location="Lyon")
    org.clique([f"s{i}" for i in range(6)], *months)
    org.clique([f"e{i}" for i in range(6)], *months)
    for i in range(6):
        org.tie(f"s{i}", f"e{i}", *months)


# -- the attacks of the issue ---------------------------------------------------

def test_complement_of_the_shown_locations_does_not_give_the_one_person_withheld(tmp_path):
    org = Org()
    base(org)
    org.add("x", department="Sales", team="S1", location="Oslo")  # alone in Oslo
    for p in ("s0", "s1", "e2"):
        org.tie("x", p)
    ws = org.build(tmp_path)
    truth = network_size(ws, "x", SEP)
    assert truth == 3
    total = org_all(ws, tmp_path, SEP)
    shown = groups(ws, tmp_path, SEP, "location")
    assert "Oslo" not in shown
    recovered = None if total is None else 2 * int(total["undirected_ties"]) - sum(degree_sum(r) for r in shown.values())
    assert recovered != truth
    # and it says what was withheld, and why
    withheld = {(r["dimension"], r["group"]): r["reason"] for r in rows(ws, "withheld", tmp_path, window=SEP)}
    assert withheld[("location", "Oslo")] == "fewer than 5 people"
    assert withheld[("location", "Lyon")] == "withheld so that the groups withheld beside it cannot be recovered by subtraction"


def test_department_minus_its_team_does_not_give_the_one_person_left(tmp_path):
    org = Org()
    base(org)
    org.add("x", department="Eng", team="E2", location="Lyon")  # Eng = team E1 (6) + x
    for p in ("e0", "e1", "s3", "s4"):
        org.tie("x", p)
    ws = org.build(tmp_path)
    truth = network_size(ws, "x", SEP)
    departments, teams = groups(ws, tmp_path, SEP, "department"), groups(ws, tmp_path, SEP, "team")
    recovered = degree_sum(departments["Eng"]) - degree_sum(teams["E1"]) if "Eng" in departments and "E1" in teams else None
    assert truth == 4 and recovered != truth


def test_a_group_in_two_windows_does_not_give_the_joiner(tmp_path):
    org = Org()
    base(org, months=(SEP, OCT))
    for i in range(5):
        org.add(f"r{i}", department="Sales", team="S1", location="Rome")
    org.clique([f"r{i}" for i in range(5)], SEP, OCT)
    org.add("j", department="Eng", team="E1", location="Rome", hire_date="2026-10-01")  # Rome: 5 in September, 6 in October
    for p in ("s0", "e1", "e2"):
        org.tie("j", p, OCT)  # the joiner's ties are to people outside Rome, so nothing else in Rome changes
    ws = org.build(tmp_path)
    truth = network_size(ws, "j", OCT)
    before, after = groups(ws, tmp_path, SEP, "location"), groups(ws, tmp_path, OCT, "location")
    assert "Rome" in before and before["Rome"]["size"] == "5"
    recovered = degree_sum(after["Rome"]) - degree_sum(before["Rome"]) if "Rome" in after else None
    assert truth == 3 and recovered != truth
    # the organization gained the joiner too: its figures of October would give them away the same way
    total_sep, total_oct = org_all(ws, tmp_path, SEP), org_all(ws, tmp_path, OCT)
    recovered = None if total_oct is None else 2 * (int(total_oct["undirected_ties"]) - int(total_sep["undirected_ties"]))
    assert recovered != 2 * truth


def test_a_group_in_two_windows_does_not_give_the_leaver(tmp_path):
    org = Org()
    base(org, months=(SEP, OCT))
    for i in range(6):
        org.add(f"r{i}", department="Sales", team="S1", location="Rome", exit_date="2026-09-20" if i == 5 else "")
    org.clique([f"r{i}" for i in range(5)], SEP, OCT)
    for p in ("s0", "e1", "e2", "e3"):
        org.tie("r5", p, SEP)  # the leaver's ties, in September only, to people outside Rome
    ws = org.build(tmp_path)
    truth = network_size(ws, "r5", SEP)
    before, after = groups(ws, tmp_path, SEP, "location"), groups(ws, tmp_path, OCT, "location")
    recovered = degree_sum(before["Rome"]) - degree_sum(after["Rome"]) if "Rome" in before and "Rome" in after else None
    assert truth == 4 and recovered != truth


def test_members_without_activity_do_not_count_towards_the_group_size(tmp_path):
    org = Org()
    base(org)
    for i in range(5):
        org.add(f"r{i}", department="Sales", team="S1", location="Rome")  # five in Rome, four without any tie
    for p in ("s0", "s1", "e0", "e1", "e2"):
        org.tie("r0", p)
    ws = org.build(tmp_path)
    truth = network_size(ws, "r0", SEP)
    shown = groups(ws, tmp_path, SEP, "location")
    recovered = int(shown["Rome"]["external_ties"]) if "Rome" in shown else None
    assert truth == 5 and recovered != truth
    withheld = {(r["dimension"], r["group"]): r["reason"] for r in rows(ws, "withheld", tmp_path, window=SEP)}
    assert withheld[("location", "Rome")] == "fewer than 5 people with a tie"


def test_an_organization_of_three_is_not_shown(tmp_path):
    org = Org()
    for p in ("a", "b", "c"):
        org.add(p)
    org.clique(["a", "b", "c"])
    org.tie("a", "b")
    ws = org.build(tmp_path)
    assert rows(ws, "org_metrics", tmp_path, window=SEP) == []
    assert rows(ws, "org_trends", tmp_path, window=SEP) == []
    assert rows(ws, "group_metrics", tmp_path, window=SEP) == []
    said = rows(ws, "withheld", tmp_path, window=SEP)
    assert [(r["dimension"], r["reason"]) for r in said if r["dimension"] == "organization"] == [
        ("organization", "fewer than 5 people; every figure of this window is withheld")]


# -- more attacks -----------------------------------------------------------------

def test_people_whose_value_is_unknown_are_not_the_complement(tmp_path):
    org = Org()
    base(org)
    org.add("x", department="Sales", team="S1", location=None)  # no location given
    for p in ("s0", "e1"):
        org.tie("x", p)
    ws = org.build(tmp_path)
    truth = network_size(ws, "x", SEP)
    total, shown = org_all(ws, tmp_path, SEP), groups(ws, tmp_path, SEP, "location")
    recovered = None if total is None else 2 * int(total["undirected_ties"]) - sum(degree_sum(r) for r in shown.values())
    assert truth == 2 and recovered != truth


def test_a_location_minus_the_department_inside_it_does_not_give_two_people(tmp_path):
    org = Org()
    base(org)
    for i in range(5):
        org.add(f"l{i}", department="Legal", team="L1", location="Nice")
    org.clique([f"l{i}" for i in range(5)])
    org.people["e4"]["location"] = org.people["e5"]["location"] = "Nice"  # Nice = Legal + two engineers
    org.tie("l0", "e0")
    ws = org.build(tmp_path)
    truth = network_size(ws, "e4", SEP) + network_size(ws, "e5", SEP)
    locations, departments = groups(ws, tmp_path, SEP, "location"), groups(ws, tmp_path, SEP, "department")
    recovered = degree_sum(locations["Nice"]) - degree_sum(departments["Legal"]) if "Nice" in locations and "Legal" in departments else None
    assert recovered != truth


def test_the_group_matrix_does_not_give_ties_to_a_withheld_group(tmp_path):
    """External ties of a shown team minus its matrix row to every shown team: the ties to what is withheld."""
    org = Org()
    base(org)
    org.add("x", department="Eng", team="E2", location="Lyon")
    for p in ("s0", "s1", "s2"):
        org.tie("x", p)
    ws = org.build(tmp_path)
    shown = groups(ws, tmp_path, SEP, "team")
    matrix = [r for r in rows(ws, "group_matrix", tmp_path, window=SEP, dimension="team")]
    assert "S1" in shown
    to_shown = sum(int(r["ties"]) for r in matrix if r["from_group"] == "S1" and r["to_group"] != "S1")
    from_shown = sum(int(r["ties"]) for r in matrix if r["to_group"] == "S1" and r["from_group"] != "S1")
    # S1's undirected external ties minus those to shown teams: the ties to x alone would be 3
    assert int(shown["S1"]["external_ties"]) - max(to_shown, from_shown) != 3


# -- the rules live in the one read path -------------------------------------------

def test_raising_the_minimum_group_size_takes_effect_on_the_next_read(tmp_path):
    org = Org()
    base(org)
    ws = org.build(tmp_path)
    assert set(groups(ws, tmp_path, SEP, "department")) == {"Sales", "Eng"}
    ws.close()
    settings = tmp_path / "ws" / "socialhr.toml"
    settings.write_text(settings.read_text().replace("min_group_size = 5", "min_group_size = 7"))
    ws = Workspace.open(tmp_path / "ws", read_only=True)
    assert groups(ws, tmp_path, SEP, "department") == {}
    assert rows(ws, "org_metrics", tmp_path, window=SEP)  # 12 people: the organization is still shown
    ws.close()


def test_leaders_read_aggregates_of_their_part_only(tmp_path):
    from socialhr.results import Viewer, read

    org = Org()
    base(org)
    ws = org.build(tmp_path)
    leader = Viewer.leader(("department", "Sales"))
    for table in ("person_metrics", "edges", "people", "interactions", "communities", "person_trends"):
        with pytest.raises(PrivacyError, match=f"a leader cannot read '{table}'"):
            read(ws, table, viewer=leader)
    mine = read(ws, "group_metrics", viewer=leader).to_arrow().to_pylist()
    assert {(r["dimension"], r["group"]) for r in mine} == {("department", "Sales"), ("team", "S1"), ("location", "Paris")}
    with pytest.raises(PrivacyError, match="a leader cannot read real identities"):
        read(ws, "group_metrics", viewer=leader, identified=True)
    # the same figures as an analyst's export: one read path
    everyone = {(r["dimension"], r["group"]): r for r in read(ws, "group_metrics").to_arrow().to_pylist()}
    assert all(everyone[(r["dimension"], r["group"])] == r for r in mine)


def test_employees_read_their_own_rows_only(tmp_path):
    from socialhr.results import Viewer, read

    org = Org()
    base(org)
    ws = org.build(tmp_path)
    me = ws.pseudonymiser.person("s0")
    viewer = Viewer.employee(me)
    metrics = read(ws, "person_metrics", viewer=viewer).to_arrow().to_pylist()
    assert [r["person"] for r in metrics] == [me]
    ties = read(ws, "edges", viewer=viewer).to_arrow().to_pylist()
    assert ties and all(me in (r["source"], r["target"]) for r in ties)
    for table in ("interactions", "communities"):
        with pytest.raises(PrivacyError, match=f"an employee cannot read '{table}'"):
            read(ws, table, viewer=viewer)
    with pytest.raises(PrivacyError):
        read(ws, "people", viewer=viewer, identified=True)


def test_the_cli_exports_as_a_leader_or_an_employee_would_see_it(tmp_path):
    from typer.testing import CliRunner

    from socialhr.cli import app

    org = Org()
    base(org)
    ws = org.build(tmp_path)
    path = ws.path
    ws.close()

    def invoke(*args):
        return CliRunner().invoke(app, [str(a) for a in args])

    r = invoke("export", path, "person_metrics", "--as", "leader", "-o", tmp_path / "pm.csv")
    assert r.exit_code == 1 and "Error: a leader cannot read 'person_metrics': it holds one row per person" in " ".join(r.output.split())
    assert not (tmp_path / "pm.csv").exists()
    r = invoke("export", path, "group_metrics", "--as", "leader", "--scope", "department=Eng", "-o", tmp_path / "g.csv")
    assert r.exit_code == 0, r.output
    assert "as leader of department=Eng sees it" in " ".join(r.output.split())
    assert {row["group"] for row in csv.DictReader(open(tmp_path / "g.csv"))} == {"Eng", "E1", "Lyon"}
    r = invoke("export", path, "person_metrics", "--as", "employee", "--person", "e3", "-o", tmp_path / "me.csv")
    assert r.exit_code == 0, r.output
    assert len(list(csv.DictReader(open(tmp_path / "me.csv")))) == 1
    r = invoke("export", path, "people", "--as", "leader", "--identified", "-o", tmp_path / "p.csv")
    assert r.exit_code == 1 and "--identified is an admin's export" in r.output
    r = invoke("export", path, "people", "--as", "boss", "-o", tmp_path / "p.csv")
    assert r.exit_code == 1 and "Error: unknown role 'boss'. Roles: admin, analyst, leader, employee" in r.output
