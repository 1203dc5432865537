"""The synthetic organization's survey.csv and outcomes.csv: deterministic, importable, and tied to the planted network."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from socialhr.ingest import ingest
from socialhr.synth import synthesize
from socialhr.synth.formats_hr import ADVICE, ENERGY
from socialhr.workspace import Workspace

PEOPLE, SEED = 300, 11


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth_hr")
    synthesize(out, people=PEOPLE, seed=SEED)
    return out


@pytest.fixture(scope="module")
def imported(org, tmp_path_factory):
    ws = Workspace.init(tmp_path_factory.mktemp("ws") / "ws")
    ingest(ws, "roster", org / "roster.csv")
    results = {kind: ingest(ws, kind, org / f"{kind}.csv") for kind in ("survey", "outcomes")}
    yield ws, results
    ws.close()


def test_same_seed_same_bytes(org, tmp_path):
    synthesize(tmp_path, people=PEOPLE, seed=SEED)
    for name in ("survey.csv", "outcomes.csv", "interactions.csv", "roster.csv"):
        assert (tmp_path / name).read_bytes() == (org / name).read_bytes(), name


def test_survey_is_a_forms_export_with_partial_response(org):
    rows = list(csv.DictReader(open(org / "survey.csv", encoding="utf-8")))
    roster = list(csv.DictReader(open(org / "roster.csv", encoding="utf-8")))
    assert list(rows[0]) == ["ID", "Start time", "Completion time", "Email", "Name", ADVICE, ENERGY]
    assert 0.6 * len(roster) < len(rows) < len(roster)
    assert all(r[ADVICE].endswith(";") for r in rows)  # every respondent names someone for advice


def test_survey_imports_and_names_actual_contacts(imported, org):
    ws, results = imported
    r = results["survey"]
    assert r.status == "imported" and r.notes["new_identities"] == {}  # every colleague named is on the roster
    assert set(r.notes["ties_by_question"]) == {ADVICE, ENERGY}
    # Most advice ties follow an interaction tie of the same pair in the window.
    ingest(ws, "interactions", org / "interactions.csv")
    ws.db.execute("CREATE TEMP TABLE pairs AS SELECT DISTINCT sender AS a, u.r AS b FROM interactions, unnest(recipients) AS u(r) WHERE kind <> 'broadcast'")
    share = ws.db.execute(
        f"SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM pairs p WHERE (p.a = t.source AND p.b = t.target) OR (p.a = t.target AND p.b = t.source)) THEN 1 ELSE 0 END) "
        f"FROM ties t WHERE tie_type = '{ADVICE.replace(chr(39), chr(39) * 2)}'"
    ).fetchone()[0]
    assert share > 0.9


def test_outcomes_agree_with_roster_and_network(imported, org):
    ws, results = imported
    r = results["outcomes"]
    assert r.notes["exits_not_on_roster_exit_date"] == 0
    assert r.notes["exits_of_people_without_roster_exit_date"] == 0
    roster_exits = ws.db.execute("SELECT count(*) FROM people WHERE exit_date IS NOT NULL").fetchone()[0]
    assert r.notes["kinds"]["exit"] == roster_exits > 0
    labels = dict(ws.db.execute("SELECT label, count(*) FROM outcomes WHERE kind = 'exit' GROUP BY 1").fetchall())
    assert set(labels) == {"voluntary", "involuntary"} and labels["voluntary"] > labels["involuntary"]
    # Engagement is higher with a larger network (planted), as the ground truth's network size says.
    truth = json.loads((org / "ground_truth.json").read_text())
    ids = ws.vault.employee_ids()  # the vault maps people back, for this check only
    rows = ws.db.execute("SELECT person, avg(value) FROM outcomes WHERE kind = 'engagement' GROUP BY 1").fetchall()
    size = np.array([truth["network_size"][ids[p]] for p, _ in rows], float)
    score = np.array([v for _, v in rows])
    assert np.corrcoef(np.log1p(size), score)[0, 1] > 0.2
    ratings = dict(ws.db.execute("SELECT value, count(*) FROM outcomes WHERE kind = 'performance' GROUP BY 1").fetchall())
    assert set(ratings) <= {1.0, 2.0, 3.0, 4.0, 5.0} and max(ratings, key=ratings.get) == 3.0
