"""The command line: a thin shell that prints results and clear errors, never a stack trace."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from socialhr.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_init_ingest_status_export(tmp_path, data):
    ws = tmp_path / "ws"
    r = invoke("init", ws)
    assert r.exit_code == 0 and "Created workspace" in r.output
    r = invoke("ingest", ws, "roster", data / "roster" / "workday.csv", "--effective-date", "2026-07-01")
    assert r.exit_code == 0, r.output
    assert "Imported 8 rows from workday.csv as batch 1 (roster)." in r.output
    r = invoke("ingest", ws, "interactions", data / "interactions" / "messages.csv")
    assert r.exit_code == 0 and "Imported 8 rows" in r.output
    r = invoke("ingest", ws, "interactions", data / "interactions" / "messages.csv")
    assert r.exit_code == 0 and "already imported as batch 2 (same content); nothing changed." in r.output
    r = invoke("status", ws, "--json")
    info = json.loads(r.output)
    assert info["counts"]["people"] == 8 and info["counts"]["interactions"] == 8
    assert info["counts"]["unresolved_identities"] == 1 and info["counts"]["external_identities"] == 1
    assert len(info["batches"]) == 2 and info["batches"][0]["file_name"] == "workday.csv"
    r = invoke("status", ws)
    assert r.exit_code == 0 and "people 8" in r.output and "Import batches" in r.output
    out = tmp_path / "people.parquet"
    r = invoke("export", ws, "people", "-o", out, "--identified")
    assert r.exit_code == 0 and "Wrote 8 rows of people" in r.output
    import pyarrow.parquet as pq

    assert sorted(pq.read_table(out).column("employee_id").to_pylist()) == [f"E00{i}" for i in range(1, 9)]


def test_user_mistakes_print_error_and_exit_1_without_traceback(tmp_path, data):
    ws = tmp_path / "ws"
    invoke("init", ws)
    r = invoke("ingest", ws, "interactions", data / "interactions" / "bad_timestamp.csv")
    assert r.exit_code == 1
    assert "Error: bad_timestamp.csv, line 4, field 'timestamp': not a timestamp: 'yesterday at noon'." in r.output
    assert "Traceback" not in r.output
    r = invoke("status", tmp_path / "nope")
    assert r.exit_code == 1 and "is not a socialhr workspace" in r.output
    r = invoke("export", ws, "salaries", "-o", tmp_path / "x.csv")
    assert r.exit_code == 1 and "Error: no table named 'salaries'." in r.output
    r = invoke("export", ws, "people", "-o", tmp_path / "x.xls")
    assert r.exit_code == 1 and "cannot tell the format of 'x.xls'" in r.output
    r = invoke("ingest", ws, "roster", data / "roster" / "workday.csv", "--map", "nonsense")
    assert r.exit_code == 1 and "--map expects source_column=field" in r.output
    r = invoke("ingest", ws, "roster", data / "roster" / "workday.csv", "--effective-date", "July")
    assert r.exit_code == 1 and "--effective-date is not a date: 'July'" in r.output


def test_kinds_and_tables_list_what_is_there():
    assert "roster" in invoke("kinds").output
    assert "people_history" in invoke("tables").output
