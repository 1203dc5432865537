"""Privacy by design: keyed pseudonyms, a vault apart, no names or e-mails in analytics."""

from __future__ import annotations

import os
import shutil
import stat

import duckdb
import pytest

from socialhr.errors import VaultError
from socialhr.export import export_table, read_table
from socialhr.privacy import Pseudonymiser
from socialhr.workspace import Workspace


def test_key_and_vault_are_private_files(ws):
    key = ws.vault.dir / "pseudonymisation.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(ws.vault.dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(ws.vault.path).st_mode) == 0o600
    assert len(key.read_bytes()) == 32


def test_pseudonyms_are_stable_keyed_and_normalised():
    a, b = Pseudonymiser(b"a" * 32), Pseudonymiser(b"b" * 32)
    assert a.token("email", "Ada@Acme.example") == a.token("email", " ada@acme.example")
    assert a.token("email", "Ada Lovelace <ada@acme.example>") == a.token("email", "ada@acme.example")
    assert a.token("email", "ada@acme.example") != b.token("email", "ada@acme.example")
    assert a.person("E1") != a.token("email", "E1")
    with pytest.raises(VaultError):
        Pseudonymiser(b"short")


def test_no_name_email_or_employee_id_reaches_the_analytics_database(loaded, data):
    secrets = set()
    for line in (data / "roster" / "workday.csv").read_text().splitlines()[1:]:
        eid, email, name = line.split(",")[:3]
        secrets |= {eid, email, email.lower(), name, name.split()[0]}
    secrets |= {"buyer@customer.example", "old.contractor@acme.example"}
    key = (loaded.vault.dir / "pseudonymisation.key").read_bytes()
    loaded.close()
    # Read the database file's bytes: nothing identifying is stored anywhere in it.
    raw = (loaded.path / "socialhr.duckdb").read_bytes()
    for s in secrets:
        assert s.encode() not in raw, s
    assert key not in raw and key.hex().encode() not in raw
    # ...and the vault does hold them, for controlled re-identification
    assert b"ada.lovelace@acme.example" in loaded.vault.path.read_bytes()


def test_no_identifier_reaches_the_write_ahead_log_on_any_import_path(ws, data, tmp_path):
    """No raw identifier is written to the database or its write-ahead log
    (read here before any checkpoint moves the log into the file), whether
    everyone in the file is known or someone new comes with it. (An earlier
    import path built an ENUM of raw identifiers, and wrote it to the log.)"""
    from socialhr.ingest import ingest

    ingest(ws, "roster", data / "roster" / "workday.csv")
    people = ["ada.lovelace@acme.example", "alan.turing@acme.example", "grace.hopper@acme.example"]
    rows = [f"2026-07-01T09:0{i}:00Z,{a},{b};{c},email" for i, (a, b, c) in enumerate(zip(people, people[1:] + people[:1], people[2:] + people[:2]))]
    (tmp_path / "known.csv").write_text("timestamp,sender,recipients,channel\n" + "\n".join(rows) + "\n")  # everyone known
    (tmp_path / "new.csv").write_text("timestamp,sender,recipients,channel\n"
                                      + rows[0].replace(",email", ";new.partner@other.example,chat") + "\n")  # someone new
    for name in ("known.csv", "new.csv"):
        ingest(ws, "interactions", tmp_path / name)
    files = [p for p in (ws.path / "socialhr.duckdb", ws.path / "socialhr.duckdb.wal") if p.exists()]
    assert ws.path / "socialhr.duckdb.wal" in files
    for path in files:
        raw = path.read_bytes()
        for secret in people + ["new.partner@other.example"]:
            assert secret.encode() not in raw, (path.name, secret)
    ws.close()


def test_the_database_alone_can_be_handed_to_an_analyst(loaded, tmp_path):
    loaded.close()
    copy = tmp_path / "analyst"
    copy.mkdir()
    shutil.copy(loaded.path / "socialhr.duckdb", copy)
    shutil.copy(loaded.path / "socialhr.toml", copy)
    ws = Workspace.open(copy)
    assert ws.status()["vault"] == "absent"
    assert ws.counts()["people"] == 8
    n = export_table(ws, "people", tmp_path / "people.csv")
    assert n == 8 and "employee_id" not in (tmp_path / "people.csv").read_text().splitlines()[0]
    with pytest.raises(VaultError, match="the identity vault is not here"):
        export_table(ws, "people", tmp_path / "people_identified.csv", identified=True)
    ws.close()


def test_identified_export_adds_employee_ids_from_the_vault(loaded):
    people = read_table(loaded, "people", identified=True).to_pylist()
    by_id = {p["employee_id"]: p for p in people}
    assert by_id["E003"]["manager_employee_id"] == "E002"
    assert by_id["E003"]["person"] == loaded.pseudonymiser.person("E003")
    inter = read_table(loaded, "interactions", identified=True).to_pylist()
    first = min(inter, key=lambda r: r["timestamp"])
    assert (first["sender_employee_id"], first["recipient_employee_ids"]) == ("E001", ["E002"])
    # unresolved people have no employee id
    assert any(r["sender_employee_id"] is None for r in inter)


def test_settings_never_hold_the_key(ws):
    text = (ws.path / "socialhr.toml").read_text()
    key = (ws.vault.dir / "pseudonymisation.key").read_bytes()
    assert key.hex() not in text
    tables = {r[0] for r in ws.db.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "vault" not in " ".join(tables)
    assert isinstance(ws.db, duckdb.DuckDBPyConnection)
