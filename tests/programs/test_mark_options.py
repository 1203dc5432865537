"""--mark and --mark-file of the intros and match commands: one parser, the same errors, employee ids or pseudonyms."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from socialhr.cli import app
from socialhr.programs import runs
from socialhr.workspace import Workspace

runner = CliRunner()


@pytest.fixture
def proposed(org_ws, tmp_path):
    """An introductions run (two joiners, two colleagues each) and a matching round (two pairs), people chosen by
    employee id; the workspace is closed for the commands."""
    db = org_ws.db
    by_id = sorted(org_ws.vault.employee_ids().items(), key=lambda kv: kv[1])
    people = [p for p, _ in by_id[:8]]
    ids = dict(by_id)
    now = runs.now()
    run = runs.new_run(db, "introductions", as_of=None, window_id=None, parameters={})
    db.executemany("INSERT INTO introductions VALUES (?, ?, ?, ?, '{}', 'proposed', ?)",
                   [(run, people[j], people[2 + 2 * j + c], c + 1, now) for j in range(2) for c in range(2)])
    rnd = runs.new_run(db, "matches", as_of=None, window_id=None, parameters={})
    db.executemany("INSERT INTO match_groups VALUES (?, ?, ?, 'virtual', '{}', 'proposed', ?)",
                   [(rnd, i // 2, p, now) for i, p in enumerate(people[4:])])
    org_ws.close()
    return tmp_path / "ws", people, ids


def _status(path, table, key):
    with Workspace.open(path, read_only=True) as ws:
        cols = " || ',' || ".join(key)
        return dict(ws.db.execute(f"SELECT {cols}, status FROM {table}").fetchall())


def test_intros_marks_by_employee_id_pseudonym_and_file(proposed, tmp_path):
    path, p, ids = proposed
    edited = tmp_path / "intros.csv"
    with open(edited, "w", newline="") as f:
        csv.writer(f).writerows([["joiner", "colleague", "status"], [p[1], p[4], "declined"]])
    r = runner.invoke(app, ["intros", str(path), "--mark", f"{ids[p[0]]},{ids[p[2]]},met", "--mark", f"{p[0]}, {p[3]} ,accepted",
                            "--mark-file", str(edited)])
    assert r.exit_code == 0 and "Recorded 3 status changes (0 unchanged)" in r.output, r.output
    assert _status(path, "introductions", ("joiner", "colleague")) == {
        f"{p[0]},{p[2]}": "met", f"{p[0]},{p[3]}": "accepted", f"{p[1]},{p[4]}": "declined", f"{p[1]},{p[5]}": "proposed"}


def test_match_marks_by_employee_id_and_pseudonym(proposed):
    path, p, ids = proposed
    r = runner.invoke(app, ["match", str(path), "--mark", f"{ids[p[4]]},met", "--mark", f"{p[6]},skipped"])
    assert r.exit_code == 0 and "Recorded 2 status changes (0 unchanged)" in r.output, r.output
    assert _status(path, "match_groups", ("person",)) == {p[4]: "met", p[5]: "proposed", p[6]: "skipped", p[7]: "proposed"}


@pytest.mark.parametrize("command, item, message", [
    ("intros", "a,met", "--mark expects JOINER,COLLEAGUE,STATUS, got 'a,met'. For example: --mark 'e1042,e0007,met'."),
    ("match", "a,b,met", "--mark expects PERSON,STATUS, got 'a,b,met'. For example: --mark 'e1042,met'."),
    ("match", "nobody,met", "no one in the roster is 'nobody'"),
])
def test_a_malformed_mark_says_the_shape_and_changes_nothing(proposed, command, item, message):
    path, _, _ = proposed
    before = (_status(path, "introductions", ("joiner", "colleague")), _status(path, "match_groups", ("person",)))
    r = runner.invoke(app, [command, str(path), "--mark", item])
    assert r.exit_code == 1 and message in " ".join(r.output.split()), r.output
    assert (_status(path, "introductions", ("joiner", "colleague")), _status(path, "match_groups", ("person",))) == before
