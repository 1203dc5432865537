"""LinkedIn Connections.csv: only with the owner's opt-in, kept in the vault, apart from the network."""

from __future__ import annotations

import os
import sqlite3

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest
from socialhr.ingest.linkedin import LINKEDIN_FILE, connections, forget_owner


def _stored(ws) -> list[tuple]:
    path = ws.vault.dir / LINKEDIN_FILE
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        try:
            return sorted(conn.execute("SELECT * FROM connections").fetchall())
        except sqlite3.OperationalError:
            return []


def test_connections_go_to_the_vault_only(rostered, data, snap):
    ws = rostered
    before = snap(ws)
    r = ingest(ws, "linkedin", data / "linkedin" / "Connections.csv", owner="grace.hopper@acme.example")
    assert (r.rows_read, r.rows_imported, r.skipped) == (4, 3, {"connections without a name": 1})
    assert r.notes == {"stored_in": "vault/linkedin.sqlite", "replaced_earlier_connections": 0, "with_email": 1, "companies": 3}
    owner = ws.pseudonymiser.person("E003")
    rows = connections(ws, owner)
    assert [(c["first_name"], c["company"], c["position"], c["connected_on"]) for c in rows] == [
        ("Frances", "Umbrella Research", "Compiler Lead", "2019-11-07"),
        ("Margaret", "Globex", "Director of Software Engineering", "2024-03-12"),
        ("Claude", "Initech", "Principal Engineer, Signal Processing", "2023-01-03"),
    ]
    # The analytics database gains only the batch's log row: no person, tie or identity.
    after = snap(ws)
    assert {k: v for k, v in after.items() if k != "ingestion_log"} == {k: v for k, v in before.items() if k != "ingestion_log"}
    assert "Hamilton" not in repr(after) and "initech" not in repr(after)
    assert oct(os.stat(ws.vault.dir / LINKEDIN_FILE).st_mode & 0o777) == "0o600"


def test_a_new_export_replaces_the_owners_earlier_one_and_consent_can_be_withdrawn(rostered, data, tmp_path):
    ws = rostered
    ingest(ws, "linkedin", data / "linkedin" / "Connections.csv", owner="E003")
    # The same file from another owner is their own import, not a duplicate.
    assert ingest(ws, "linkedin", data / "linkedin" / "Connections.csv", owner="E004").status == "imported"
    assert ingest(ws, "linkedin", data / "linkedin" / "Connections.csv", owner="E003").status == "duplicate"
    newer = tmp_path / "Connections.csv"
    newer.write_text((data / "linkedin" / "Connections.csv").read_text().replace("Frances,Allen", "Fran,Allen"))
    r = ingest(ws, "linkedin", newer, owner="E003")
    assert r.notes["replaced_earlier_connections"] == 3
    assert [c["first_name"] for c in connections(ws, ws.pseudonymiser.person("E003"))][0] == "Fran"
    assert forget_owner(ws, ws.pseudonymiser.person("E003")) == 3
    assert connections(ws, ws.pseudonymiser.person("E003")) == []
    assert len(connections(ws, ws.pseudonymiser.person("E004"))) == 3


CASES = [
    ("Connections.csv", None, "importing LinkedIn connections needs the owner's opt-in: --owner EMPLOYEE. Give the employee id or work e-mail of the employee who exported the file and agreed to its use for referrals."),
    ("Connections.csv", "E099", "--owner 'E099' is not anyone on the roster. Give the employee id or work e-mail of an employee on the roster (import the roster first)."),
    ("bom_crlf_bad_date.csv", "E003", "bom_crlf_bad_date.csv, line 6, field 'Connected On': not a date like '12 Mar 2024': '2023-01-03'. Export the file from LinkedIn again without editing it."),
    ("not_linkedin.csv", "E003", "not_linkedin.csv: no header row starting 'First Name,Last Name' in the first 20 lines. This does not look like LinkedIn's Connections.csv; export it again from LinkedIn (Settings > Data privacy > Get a copy of your data)."),
    ("missing_column.csv", "E003", "missing_column.csv, line 4: missing required column 'Connected On' (found: First Name, Last Name, URL, Email Address, Company, Position). Rename the column in the file, or map it: --map 'Your Column=Connected On'."),
    ("truncated.csv", "E003", "truncated.csv, line 6: expected 7 fields, found 3. The file may be truncated, or a field holds an unquoted comma or an unclosed quote."),
]


@pytest.mark.parametrize("name, owner, message", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_bad_input_has_an_exact_message_and_stores_nothing(rostered, data, snap, name, owner, message):
    before = snap(rostered), _stored(rostered)
    with pytest.raises(InputError) as e:
        ingest(rostered, "linkedin", data / "linkedin" / name, owner=owner)
    assert str(e.value) == message
    assert (snap(rostered), _stored(rostered)) == before


def test_a_failure_inside_the_batch_rolls_the_linkedin_store_back(rostered, data, tmp_path, snap):
    ingest(rostered, "linkedin", data / "linkedin" / "Connections.csv", owner="E003")
    before = snap(rostered), _stored(rostered)
    newer = tmp_path / "Connections.csv"
    newer.write_text((data / "linkedin" / "Connections.csv").read_text().replace("Frances,Allen", "Fran,Allen"))

    def fail(done, total):  # called after the rows are written, before the batch commits
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        ingest(rostered, "linkedin", newer, owner="E003", progress=fail)
    assert (snap(rostered), _stored(rostered)) == before and len(before[1]) == 3
