"""Roster import: fields, aliases and --map, XLSX, history with effective dates."""

from __future__ import annotations

import json
from datetime import date

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest


def people(ws):
    rows = ws.db.execute("SELECT person, department, team, manager, level, location, hire_date, exit_date, attributes FROM people").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_roster_csv_stores_org_facts_under_pseudonyms(ws, data):
    result = ingest(ws, "roster", data / "roster" / "workday.csv", effective_date=date(2026, 7, 1))
    assert (result.status, result.rows_imported, result.notes["new_people"]) == ("imported", 8, 8)
    p = ws.pseudonymiser
    grace = people(ws)[p.person("E003")]
    assert grace[:7] == ("Engineering", "Platform", p.person("E002"), "IC3", "London", date(2019, 1, 7), None)
    assert grace[7] is None and result.notes["left_out"] == ["job_title"]  # not declared (tests/security/test_declared_data.py)
    assert people(ws)[p.person("E007")][6] == date(2026, 6, 30)
    assert ws.db.execute("SELECT count(*) FROM people WHERE manager IS NULL").fetchone()[0] == 1
    groups = sorted(ws.db.execute("SELECT group_id, parent FROM groups").fetchall())
    assert groups == [
        ("department:Engineering", None), ("department:Sales", None),
        ("team:EMEA", "department:Sales"), ("team:Platform", "department:Engineering"),
    ]
    assert json.loads(ws.db.execute("SELECT value FROM meta WHERE key = 'org_domains'").fetchone()[0]) == ["acme.example"]


def test_xlsx_gives_the_same_people_as_csv(tmp_path, data):
    from socialhr.workspace import Workspace

    a = Workspace.init(tmp_path / "a")
    ingest(a, "roster", data / "roster" / "workday.csv", effective_date=date(2026, 7, 1))
    b = Workspace.init(tmp_path / "b")
    # Two workspaces have two keys: compare through the vault's employee ids.
    ingest(b, "roster", data / "roster" / "workday.xlsx", effective_date=date(2026, 7, 1))

    def by_employee(w):
        ids = w.vault.employee_ids()
        rows = w.db.execute("SELECT person, department, team, manager, level, location, hire_date, exit_date, CAST(attributes AS VARCHAR) FROM people").fetchall()
        return {ids[r[0]]: (r[1], r[2], ids.get(r[3]), *r[4:]) for r in rows}

    assert by_employee(a) == by_employee(b)
    a.close(), b.close()


def test_other_hr_system_columns_with_aliases_map_and_date_format(ws, data):
    result = ingest(ws, "roster", data / "roster" / "bamboohr.csv", column_map={"Division": "team"}, date_format="%m/%d/%Y",
                    attributes=["employment status"])
    assert result.rows_imported == 3
    p = ws.pseudonymiser
    chen = people(ws)[p.person("103")]
    assert chen[:6] == ("Finance", "FP&A", p.person("101"), "IC1", "Singapore", date(2024, 1, 10))
    assert json.loads(chen[7]) == {"Employment Status": "Part-Time"}
    # the e-mail was matched case-insensitively and is an alias of the person
    token = p.token("email", "ana.silva@globex.example")
    assert ws.db.execute("SELECT person FROM identities WHERE token = ?", [token]).fetchone()[0] == p.person("101")


def test_a_later_roster_keeps_history_with_effective_dates(ws, data):
    ingest(ws, "roster", data / "roster" / "workday.csv", effective_date=date(2026, 7, 1))
    result = ingest(ws, "roster", data / "roster" / "workday_2026-09-01.csv", effective_date=date(2026, 9, 1))
    assert result.notes["new_people"] == 1 and result.notes["changed_people"] == 2 and result.notes["unchanged_people"] == 6
    grace = ws.pseudonymiser.person("E003")
    history = ws.db.execute("SELECT valid_from, valid_to, team, level FROM people_history WHERE person = ? ORDER BY valid_from", [grace]).fetchall()
    assert history == [(date(2019, 1, 7), date(2026, 9, 1), "Platform", "IC3"), (date(2026, 9, 1), None, "Compilers", "M1")]

    def team_on(day):
        return ws.db.execute(
            "SELECT team FROM people_history WHERE person = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)", [grace, day, day]
        ).fetchone()[0]

    assert team_on(date(2026, 8, 1)) == "Platform"
    assert team_on(date(2026, 10, 1)) == "Compilers"
    assert ws.counts()["people"] == 9 and ws.counts()["people_records"] == 11


def test_the_same_roster_again_changes_nothing_and_an_unchanged_newer_one_adds_no_records(ws, data, snap):
    ingest(ws, "roster", data / "roster" / "workday.csv", effective_date=date(2026, 7, 1))
    before = snap(ws)
    again = ingest(ws, "roster", data / "roster" / "workday.csv")
    assert again.status == "duplicate" and again.duplicate_of == 1
    assert snap(ws) == before


def test_rosters_out_of_date_order_are_refused(ws, data, snap, tmp_path):
    ingest(ws, "roster", data / "roster" / "workday.csv", effective_date=date(2026, 7, 1))
    ingest(ws, "roster", data / "roster" / "workday_2026-09-01.csv", effective_date=date(2026, 9, 1))
    before = snap(ws)
    edited = tmp_path / "workday.csv"
    edited.write_text((data / "roster" / "workday.csv").read_text().replace("E002,IC3,London", "E002,IC4,London"))
    with pytest.raises(InputError) as excinfo:
        ingest(ws, "roster", edited, effective_date=date(2026, 8, 1))
    assert str(excinfo.value) == (
        "workday.csv, line 4: employee 'E003' already has a record from 2026-09-01, on or after this roster's effective date 2026-08-01. "
        "Import rosters in date order, or give this one its real date with --effective-date YYYY-MM-DD."
    )
    assert snap(ws) == before


def test_exit_before_hire_and_shared_email_are_refused(ws, tmp_path):
    (tmp_path / "r.csv").write_text("employee_id,email,hire_date,exit_date\nE1,a@x.example,2024-01-01,2023-01-01\n")
    with pytest.raises(InputError, match=r"r.csv, line 2, field 'exit_date': the exit date 2023-01-01 is before the hire date 2024-01-01"):
        ingest(ws, "roster", tmp_path / "r.csv")
    (tmp_path / "s.csv").write_text("employee_id,email\nE1,a@x.example\nE2,A@X.example\n")
    with pytest.raises(InputError, match=r"s.csv, line 3, field 'email': e-mail 'a@x.example' belongs to both 'E1' \(line 2\) and 'E2'"):
        ingest(ws, "roster", tmp_path / "s.csv")
