"""Exports from the command line are written to the audit trail; commands wait for a workspace another process holds."""

from __future__ import annotations

import getpass
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from socialhr import cli_common
from socialhr.audit import AuditTrail
from socialhr.cli import app

runner = CliRunner()


def invoke(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


@pytest.fixture
def folder(loaded):
    path = loaded.path
    loaded.close()
    return path


def test_an_export_writes_who_what_and_how_to_the_audit_trail(folder, tmp_path):
    assert AuditTrail(folder).rows() == []
    out = tmp_path / "people.csv"
    r = invoke("export", folder, "people", "-o", out)
    assert r.exit_code == 0, r.output
    r = invoke("export", folder, "people", "-o", tmp_path / "people_ids.csv", "--identified")
    assert r.exit_code == 0, r.output
    lines = AuditTrail(folder).rows()
    assert [(x["username"], x["role"], x["action"], x["what"]) for x in lines] == [(getpass.getuser(), "cli", "export", "people")] * 2
    identified, plain = lines  # (newest first)
    assert plain["detail"]["output"] == str(out.resolve()) and plain["detail"]["identified"] is False
    assert identified["detail"]["identified"] is True and identified["detail"]["as"] == "admin"
    assert plain["detail"]["rows"] == sum(1 for _ in out.open()) - 1  # (the header)
    # the admin's view of it: by user and by action
    r = invoke("audit", folder, "--action", "export", "--json")
    assert r.exit_code == 0 and r.output.count('"export"') == 2


def test_a_refused_export_writes_nothing(folder, tmp_path):
    r = invoke("export", folder, "person_metrics", "-o", tmp_path / "x.csv", "--as", "leader")
    assert r.exit_code == 1
    assert AuditTrail(folder).rows() == []


def _hold(folder, seconds):
    """Another process holding the workspace's database open for writing (as 'socialhr serve' does)."""
    code = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(float(sys.argv[2])); c.close()")
    p = subprocess.Popen([sys.executable, "-c", code, str(folder / "socialhr.duckdb"), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_held_workspace_fails_at_once_or_is_waited_for(folder, tmp_path, monkeypatch):
    holder = _hold(folder, 60)
    try:
        r = invoke("status", folder)
        assert r.exit_code == 1 and "in use by another socialhr process" in r.output and "socialhr serve" in r.output
        # (read-only commands too: DuckDB lets no other process open the file while one writes it)
        r = invoke("export", folder, "people", "-o", tmp_path / "p.csv")
        assert r.exit_code == 1 and "socialhr serve" in r.output
        monkeypatch.setattr(cli_common, "RETRY_SECONDS", 0.05)
        r = invoke("--wait", "0.2", "status", folder)
        assert r.exit_code == 1 and "still after waiting 0.2 s" in r.output and "waiting up to 0.2 s" in r.output
    finally:
        holder.kill()
        holder.wait()
    holder = _hold(folder, 1)
    try:
        r = invoke("status", folder, env={"SOCIALHR_WAIT": "120"})
        assert r.exit_code == 0, r.output
        assert "waiting up to 120 s" in r.output
    finally:
        holder.wait()
