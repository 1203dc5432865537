"""Files on disk (issue 14, section 6): the workspace and exports are readable by their owner only,
and an export never follows a symbolic link nor replaces a file without --force."""

from __future__ import annotations

import os
import stat

import pytest
from typer.testing import CliRunner

from socialhr.cli import app
from socialhr.errors import SocialHRError
from socialhr.export import export_table
from socialhr.workspace import Workspace

runner = CliRunner()


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_a_new_workspace_is_readable_by_its_owner_only(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    ws.close()
    assert mode(tmp_path / "ws") == 0o700
    assert mode(tmp_path / "ws" / "socialhr.duckdb") == 0o600
    assert mode(tmp_path / "ws" / "socialhr.toml") == 0o600


def test_an_older_workspace_is_made_private_when_opened_to_write(tmp_path):
    Workspace.init(tmp_path / "ws").close()
    for p, m in ((tmp_path / "ws", 0o755), (tmp_path / "ws" / "socialhr.duckdb", 0o644), (tmp_path / "ws" / "socialhr.toml", 0o644)):
        os.chmod(p, m)
    Workspace.open(tmp_path / "ws").close()
    assert (mode(tmp_path / "ws"), mode(tmp_path / "ws" / "socialhr.duckdb"), mode(tmp_path / "ws" / "socialhr.toml")) == (0o700, 0o600, 0o600)


@pytest.mark.parametrize("name, identified", [("people.csv", False), ("people.parquet", True), ("people.json", True)])
def test_exports_are_readable_by_their_owner_only(loaded, tmp_path, name, identified):
    out = tmp_path / "out" / name
    export_table(loaded, "people", out, identified=identified)
    assert mode(out) == 0o600
    assert mode(out.parent) == 0o700  # (the folder it had to make)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_an_export_does_not_replace_a_file_without_force(loaded, data, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes((data / "roster" / "workday.csv").read_bytes())
    before = roster.read_bytes()
    with pytest.raises(SocialHRError, match="roster.csv already exists. Choose another name, or add --force to replace it"):
        export_table(loaded, "people", roster, identified=True)
    assert roster.read_bytes() == before
    export_table(loaded, "people", roster, force=True)
    assert roster.read_bytes() != before and mode(roster) == 0o600


def test_an_export_never_writes_through_a_symbolic_link(loaded, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "export.csv"
    link.symlink_to(victim)
    for force in (False, True):
        with pytest.raises(SocialHRError, match="is a symbolic link; exports are never written through one"):
            export_table(loaded, "people", link, identified=True, force=force)
    assert victim.read_text() == "keep me" and link.is_symlink()


def test_the_cli_says_so_and_takes_force(loaded, tmp_path):
    path = loaded.path
    loaded.close()
    out = tmp_path / "people.csv"
    out.write_text("precious\n")
    r = invoke("export", path, "people", "-o", out)
    assert r.exit_code == 1 and "already exists" in r.output and "Traceback" not in r.output
    assert out.read_text() == "precious\n"
    r = invoke("export", path, "people", "-o", out, "--force")
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith('"person",') and mode(out) == 0o600


def test_a_failed_export_leaves_nothing(loaded, tmp_path):
    out = tmp_path / "edges.csv"
    with pytest.raises(SocialHRError, match="there are no network results yet"):
        export_table(loaded, "edges", out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_csv_exports_do_not_carry_spreadsheet_formulas(ws, tmp_path):
    import csv

    from socialhr.ingest import ingest

    roster = tmp_path / "roster.csv"
    roster.write_text('employee_id,department,team\nE1,"=HYPERLINK(""http://evil.example"",""x"")",@SUM(A1)\nE2,Sales,-team\n')
    ingest(ws, "roster", roster)
    out = tmp_path / "people.csv"
    export_table(ws, "people", out)
    rows = {r["department"]: r["team"] for r in csv.DictReader(open(out))}
    assert rows == {"'=HYPERLINK(\"http://evil.example\",\"x\")": "'@SUM(A1)", "Sales": "'-team"}
    # other formats keep the text as it was
    export_table(ws, "people", tmp_path / "people.json")
    assert '"=HYPERLINK' in (tmp_path / "people.json").read_text()
