"""Referrals: ranking LinkedIn connections for open roles, stages, and referral hires' integration (docs/programs.md#referrals)."""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pytest
from typer.testing import CliRunner

from socialhr.cli import app
from socialhr.errors import InputError, PrivacyError
from socialhr.ingest import ingest
from socialhr.programs import referrals
from socialhr.programs.population import load
from socialhr.results import Viewer, read

runner = CliRunner()

# The order docs/programs.md#referrals gives for tests/data/referrals/roles.csv and the two Connections.csv files:
# R1 (Senior Data Engineer; keywords spark, python; companies Globex):
#   Stroustrup 9 (title 4, keywords 4, seniority near 1), Byron 8 (title 4, Globex 2, same seniority 2),
#   Lamarr 6 (title 2, department 1, Globex 2, near 1; known by two, referred by the one connected longest),
#   then six at 3, the longest known first: Rossum 2015 (the keyword python in his company's name, near 1), and
#   (title 2, near 1) Conway 2016, Sammet 2017, Sutherland 2018, Cortes 2020, Jones 2021. Draper matches nothing; "Grace Colleague" has an acme.example e-mail: already a colleague.
# R2 (Payroll Specialist; keywords payroll, ADP): Dijkstra 8 (title 4, payroll 2, same 2), Allen 7 (title 2,
#   payroll and ADP 4, near 1), Hamilton 6 (title 2, payroll 2, same 2; known by two). R3: nobody.
EXPECTED = {"R1": ["Bjarne Stroustrup", "Ada Byron", "Hedy Lamarr", "Guido Rossum", "Lynn Conway", "Jean Sammet", "Ivan Sutherland",
                   "Corinna Cortes", "Karen Jones"],
            "R2": ["Edsger Dijkstra", "Fran Allen", "Margaret Hamilton"]}


@pytest.fixture
def lent(rostered, data):
    ingest(rostered, "linkedin", data / "linkedin" / "referrals_grace.csv", owner="E003")
    ingest(rostered, "linkedin", data / "linkedin" / "referrals_alan.csv", owner="alan.turing@acme.example")
    referrals.import_roles(rostered, data / "referrals" / "roles.csv")
    return rostered


def _names(ws, rows):
    details = referrals.candidate_details(ws)
    return [details[r["candidate"]]["candidate_name"] for r in rows]


def test_connections_are_ranked_by_fit_in_the_documented_order(lent):
    summary = referrals.suggest(lent, top=10)
    assert summary["roles_without_suggestions"] == 1 and summary["suggestions"] == 12
    rows = read(lent, "referral_suggestions").to_arrow().to_pylist()
    for role, names in EXPECTED.items():
        mine = [r for r in rows if r["role"] == role]
        assert _names(lent, mine) == names
        assert [r["rank"] for r in mine] == list(range(1, len(names) + 1))
    by = {n: r for n, r in zip(_names(lent, rows), rows)}
    assert [by[n]["score"] for n in EXPECTED["R1"]] == [9, 8, 6, 3, 3, 3, 3, 3, 3]
    assert [by[n]["score"] for n in EXPECTED["R2"]] == [8, 7, 6]
    assert by["Hedy Lamarr"]["known_by"] == by["Margaret Hamilton"]["known_by"] == 2
    # The employee connected longest refers: Alan to Hedy Lamarr (2019 against 2021), Grace to Margaret Hamilton (2014 against 2015).
    assert by["Hedy Lamarr"]["referrer"] == lent.pseudonymiser.person("E002")
    assert by["Margaret Hamilton"]["referrer"] == lent.pseudonymiser.person("E003")
    assert by["Bjarne Stroustrup"]["referrer"] == lent.pseudonymiser.person("E003")
    assert by["Bjarne Stroustrup"]["reason"] == "title (data, engineer); keywords (spark, python); seniority one step apart"
    top2 = referrals.suggest(lent, top=2)
    assert top2["suggestions"] == 4


def test_names_stay_in_the_vault_and_only_an_admin_reads_them(lent):
    referrals.suggest(lent)
    dump = ""
    for (table,) in lent.db.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        dump += repr(lent.db.execute(f'SELECT * FROM "{table}"').fetchall())
    for text in ("Stroustrup", "Bjarne", "linkedin.com", "Initech", "Hooli", "Lamarr"):
        assert text not in dump
    named = read(lent, "referral_suggestions", identified=True, names=True).to_arrow().to_pylist()
    assert named[0]["candidate_name"] == "Bjarne Stroustrup" and named[0]["referrer_employee_id"] == "E003"
    with pytest.raises(PrivacyError, match="cannot read candidates' names"):
        read(lent, "referral_suggestions", names=True)
    # An employee reads the suggestions from their own network only; a leader none.
    mine = read(lent, "referral_suggestions", viewer=Viewer.employee(lent.pseudonymiser.person("E002"))).to_arrow().to_pylist()
    assert [r["known_by"] for r in mine] == [2]  # (Hedy Lamarr: Alan knew her first)
    with pytest.raises(PrivacyError):
        read(lent, "referral_suggestions", viewer=Viewer.leader())


def test_stages_are_tracked_logged_and_carried_to_the_next_run(lent):
    referrals.suggest(lent)
    rows = read(lent, "referral_suggestions").to_arrow().to_pylist()
    first = rows[0]
    key = (first["role"], first["candidate"])
    with pytest.raises(InputError, match="unknown stage 'offered'"):
        referrals.mark(lent, [(*key, "referred", None), (*key, "offered", None)])
    assert read(lent, "referral_suggestions").to_arrow().to_pylist()[0]["status"] == "suggested"
    with pytest.raises(InputError, match="an employee id is given only with the stage hired"):
        referrals.mark(lent, [(*key, "referred", "E008")])
    with pytest.raises(InputError, match="no one on the roster is 'E999'"):
        referrals.mark(lent, [(*key, "hired", "E999")])
    assert referrals.mark(lent, [(*key, "referred", None)]) == 1
    assert referrals.mark(lent, [(*key, "referred", None)]) == 0
    assert referrals.mark(lent, [(*key, "interviewed", None)]) == 1
    assert referrals.mark(lent, [(*key, "hired", "E008")]) == 1
    events = lent.db.execute("SELECT status FROM program_events WHERE program = 'referrals' AND subject = ? ORDER BY changed_at, rowid",
                             [first["candidate"]]).fetchall()
    assert [e[0] for e in events] == ["referred", "interviewed", "hired"]
    now = read(lent, "referral_suggestions").to_arrow().to_pylist()[0]
    assert (now["status"], now["hire"]) == ("hired", lent.pseudonymiser.person("E008"))
    referrals.suggest(lent)
    again = read(lent, "referral_suggestions").to_arrow().to_pylist()[0]
    assert (again["run_id"], again["status"], again["hire"]) == (now["run_id"] + 1, "hired", now["hire"])


def test_roles_file_errors_say_where_and_change_nothing(rostered, data, snap):
    before = snap(rostered)
    with pytest.raises(InputError) as e:
        referrals.import_roles(rostered, data / "referrals" / "roles_bad.csv")
    assert str(e.value) == "roles_bad.csv, line 3, field 'title': no title. Every role needs a job title, e.g. 'Senior Data Engineer'."
    with pytest.raises(InputError) as e:
        referrals.import_roles(rostered, data / "referrals" / "roles_twice.csv")
    assert str(e.value) == ("roles_twice.csv, line 3, field 'title': role 'Payroll Specialist' appears twice. Give each role once, "
                            "or tell two roles of one title apart with a role_id column.")
    assert snap(rostered) == before
    # A later file is the list of open roles now: the others close.
    assert referrals.import_roles(rostered, data / "referrals" / "roles.csv") == {"roles": 3, "new": 3, "closed": 0}
    one = data / "referrals" / "roles.csv"
    text = one.read_text().splitlines()
    short = rostered.path.parent / "roles_short.csv"
    short.write_text("\n".join(text[:2]) + "\n")
    assert referrals.import_roles(rostered, short) == {"roles": 1, "new": 0, "closed": 2}
    assert [r["role"] for r in referrals.open_roles(rostered)] == ["R1"]


def _org_with_referral_hires(org_ws, tmp_path, n):
    """n candidates suggested, then hired as n of the organization's joiners; returns the hires' pseudonyms."""
    pop = load(org_ws)
    ids = org_ws.vault.employee_ids()
    end = pop.as_of
    # By hire date, then employee id: the same hires whatever the workspace's pseudonymisation key.
    joiners = sorted(((pop.hire_date[i], pop.person[i]) for i in range(len(pop))
                      if pop.hire_date[i] is not None and end - dt.timedelta(days=70) <= pop.hire_date[i] <= end - dt.timedelta(days=30)),
                     key=lambda j: (j[0], ids[j[1]]))
    assert len(joiners) >= 12, "the synthetic organization has joiners who reached week 4"
    owner = min(ids[p] for p in pop.person)
    lines = ["Notes:", '"LinkedIn notes"', "", "First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"Cand{k},Person{k},https://www.linkedin.com/in/cand-{k},,Initech,Senior Data Engineer,0{k % 9 + 1} Jan 2020" for k in range(n)]
    f = tmp_path / "Connections.csv"
    f.write_text("\n".join(lines) + "\n")
    ingest(org_ws, "linkedin", f, owner=owner)
    roles = tmp_path / "roles.csv"
    roles.write_text("role_id,title\nR1,Senior Data Engineer\n")
    referrals.import_roles(org_ws, roles)
    referrals.suggest(org_ws, top=n)
    rows = read(org_ws, "referral_suggestions").to_arrow().to_pylist()
    hires = [p for _, p in joiners[::2][:n]]
    referrals.mark(org_ws, [(r["role"], r["candidate"], "hired", ids[h]) for r, h in zip(rows, hires)])
    return hires, [p for _, p in joiners if p not in hires]


def _network_size(ws, person, start, weeks):
    """Colleagues on the roster exchanged with, either way, from the start to the end of week ``weeks`` (independently, in Python)."""
    cutoff = dt.datetime.combine(start + dt.timedelta(weeks=weeks), dt.time(), dt.timezone.utc)
    since = dt.datetime.combine(start, dt.time(), dt.timezone.utc)
    roster = {r[0] for r in ws.db.execute("SELECT person FROM people").fetchall()}
    others = set()
    for sender, recipients, t in ws.db.execute('SELECT sender, recipients, "timestamp" FROM interactions WHERE "timestamp" >= ? AND "timestamp" < ?',
                                               [since, cutoff]).fetchall():
        if sender == person:
            others.update(recipients)
        elif person in recipients:
            others.add(sender)
    return len((others & roster) - {person})


def test_referral_hires_network_growth_is_compared_with_other_hires(org_ws, tmp_path):
    hires, _ = _org_with_referral_hires(org_ws, tmp_path, 6)
    rows = read(org_ws, "referral_integration").to_arrow().to_pylist()
    week4 = {r["group"]: r for r in rows if r["week"] == 4}
    assert week4["referral hires"]["hires"] == 6 and week4["other hires"]["hires"] >= 5
    start = dict(org_ws.db.execute("SELECT person, hire_date FROM people").fetchall())
    sizes = [_network_size(org_ws, h, start[h], 4) for h in hires]
    assert week4["referral hires"]["median_network_size"] == pytest.approx(float(np.median(sizes)))
    assert week4["referral hires"]["mean_network_size"] == pytest.approx(float(np.mean(sizes)))
    first, last = min(start[h] for h in hires), max(start[h] for h in hires)
    end = org_ws.db.execute('SELECT max("timestamp") FROM interactions').fetchone()[0]
    others = [p for p, d in start.items() if d is not None and first <= d <= last and p not in hires
              and dt.datetime.combine(d + dt.timedelta(weeks=4), dt.time(), dt.timezone.utc) <= end]
    assert week4["other hires"]["hires"] == len(others)
    assert week4["other hires"]["median_network_size"] == pytest.approx(float(np.median([_network_size(org_ws, p, start[p], 4) for p in others])))
    # Week 12 is past the end of the data for these hires: withheld, and said so.
    week12 = [r for r in rows if r["week"] == 12 and r["group"] == "referral hires"][0]
    assert week12["hires"] is None and "had reached week 12" in week12["withheld"]


def test_too_few_referral_hires_are_withheld(org_ws, tmp_path):
    _org_with_referral_hires(org_ws, tmp_path, 3)
    rows = read(org_ws, "referral_integration", viewer=Viewer.leader()).to_arrow().to_pylist()
    mine = [r for r in rows if r["group"] == "referral hires"]
    assert mine and all(r["withheld"] == "fewer than 5 referral hires" and r["median_network_size"] is None for r in mine)


def test_cli_imports_roles_suggests_marks_and_reports(lent, tmp_path):
    path = lent.path
    lent.close()
    r = runner.invoke(app, ["referrals", str(path), "roles", str(tmp_path.parent / "nope.csv")])
    assert r.exit_code == 1
    out = tmp_path / "suggestions.csv"
    r = runner.invoke(app, ["referrals", str(path), "suggest", "-o", str(out), "--identified"])
    assert r.exit_code == 0, r.output
    assert "Suggested 12 candidates for 3 open roles" in r.output
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [x["candidate_name"] for x in rows if x["role"] == "R1"] == EXPECTED["R1"]
    r = runner.invoke(app, ["referrals", str(path), "--mark", f"{rows[0]['role']},{rows[0]['candidate']},referred"])
    assert r.exit_code == 0 and "Recorded 1 stage change" in r.output, r.output
    r = runner.invoke(app, ["referrals", str(path), "--mark", "R1,nobody,referred"])
    assert r.exit_code == 1 and "suggested no candidate 'nobody' for role 'R1'" in r.output
    r = runner.invoke(app, ["referrals", str(path), "integration"])
    assert r.exit_code == 0 and "No referral hires yet" in r.output, r.output
