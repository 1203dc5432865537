"""The workspace folder: creation, settings, schema versions, clear errors."""

from __future__ import annotations

import pytest

from socialhr import config, schema
from socialhr.errors import SettingsError, WorkspaceError
from socialhr.workspace import Workspace


def test_init_makes_database_settings_and_vault(tmp_path):
    ws = Workspace.init(tmp_path / "w", settings={"timezone": "Europe/Paris", "min_group_size": 7})
    assert (tmp_path / "w" / "socialhr.duckdb").exists()
    assert ws.vault.available
    ws.close()
    again = Workspace.open(tmp_path / "w")
    assert again.settings["timezone"] == "Europe/Paris" and again.settings["min_group_size"] == 7
    again.close()


def test_init_refuses_an_existing_workspace(ws):
    with pytest.raises(WorkspaceError, match="already holds a socialhr workspace"):
        Workspace.init(ws.path)


def test_open_says_how_to_create_one(tmp_path):
    with pytest.raises(WorkspaceError) as excinfo:
        Workspace.open(tmp_path / "nothing")
    assert str(excinfo.value) == f"{tmp_path / 'nothing'} is not a socialhr workspace. Create one with: socialhr init {tmp_path / 'nothing'}"


def test_a_newer_workspace_says_to_upgrade(ws):
    ws.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    ws.close()
    with pytest.raises(WorkspaceError, match=r"made by a newer socialhr \(schema 99.*Upgrade with: pip install --upgrade socialhr"):
        Workspace.open(ws.path)


def test_an_older_workspace_is_upgraded_on_open(ws, monkeypatch):
    current = schema.SCHEMA_VERSION
    ws.close()
    monkeypatch.setitem(schema.MIGRATIONS, current + 1, ["CREATE TABLE upgrade_probe (x INTEGER)"])
    monkeypatch.setattr("socialhr.workspace.SCHEMA_VERSION", current + 1)
    monkeypatch.setattr("socialhr.schema.SCHEMA_VERSION", current + 1)
    opened = Workspace.open(ws.path)
    assert opened.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(current + 1)
    assert opened.db.execute("SELECT count(*) FROM upgrade_probe").fetchone()[0] == 0
    opened.close()


def test_settings_are_validated_with_file_and_name(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    ws.close()
    path = tmp_path / "w" / "socialhr.toml"
    path.write_text(path.read_text().replace("min_group_size = 5", "min_group_size = \"few\""))
    with pytest.raises(SettingsError, match="socialhr.toml: setting 'min_group_size' must be int, got 'few'"):
        Workspace.open(tmp_path / "w")
    path.write_text('colour = "blue"\n')
    with pytest.raises(SettingsError, match="socialhr.toml: unknown setting 'colour'"):
        Workspace.open(tmp_path / "w")
    path.write_text('timezone = "Mars/Olympus"\n')
    with pytest.raises(SettingsError, match="not a known time zone: 'Mars/Olympus'"):
        Workspace.open(tmp_path / "w")


def test_settings_file_round_trips_every_setting():
    values = config.validate({"org_domains": ["acme.example"], "column_map": {"roster": {"Worker ID": "employee_id"}}})
    import tomllib

    assert config.validate(tomllib.loads(config.dumps(values))) == values


def test_status_counts_and_batches(loaded):
    info = loaded.status()
    assert info["counts"]["people"] == 8 and info["counts"]["interactions"] == 8
    assert [b["source_kind"] for b in info["batches"]] == ["roster", "interactions"]
    assert info["batches"][1]["notes"]["naive_timestamps"] == 1
    assert info["interactions_span"][0].startswith("2026-07-01T08:15:00")
