"""Interaction import: formats, identity resolution, time zones, weights, idempotence."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from socialhr.ingest import ingest
from socialhr.privacy import Pseudonymiser
from socialhr.workspace import Workspace


def rows(ws):
    return sorted(
        ws.db.execute('SELECT "timestamp", channel, kind, sender, list_sort(recipients), weight, duration_minutes FROM interactions').fetchall()
    )


@pytest.fixture
def rostered(ws, data):
    ingest(ws, "roster", data / "roster" / "workday.csv")
    return ws


def test_csv_rows_resolve_to_people_with_documented_weights(rostered, data):
    ws = rostered
    result = ingest(ws, "interactions", data / "interactions" / "messages.csv")
    assert (result.rows_read, result.rows_imported) == (8, 8)
    assert result.notes["kinds"] == {"message": 7, "meeting": 1}
    assert result.notes["new_identities"] == {"external": 1, "unresolved": 1}
    assert result.notes["naive_timestamps"] == 1 and result.notes["timezone_assumed"] == "UTC"
    p = ws.pseudonymiser
    got = rows(ws)
    # e-mails match case-insensitively; employee ids resolve too
    assert got[0] == (datetime(2026, 7, 1, 8, 15, tzinfo=timezone.utc), "email", "message", p.person("E001"), [p.person("E002")], 1.0, None)
    assert got[1][3:6] == (p.person("E002"), sorted([p.person("E001"), p.person("E003")]), 0.5)
    meeting = [r for r in got if r[2] == "meeting"][0]
    assert meeting[3:] == (p.person("E002"), sorted(p.person(e) for e in ("E003", "E004", "E005")), pytest.approx(1 / 3), 45.0)
    # a repeated recipient counts once
    dup = [r for r in got if r[3] == p.person("E005")][0]
    assert dup[4] == [p.person("E003")] and dup[5] == 1.0
    # the external customer and the unknown contractor are kept and counted, not dropped
    counts = ws.counts()
    assert counts["external_identities"] == 1 and counts["unresolved_identities"] == 1
    assert counts["interactions"] == 8


def test_csv_parquet_and_jsonl_give_identical_rows(tmp_path, data):
    results = []
    for name in ("messages.csv", "messages.parquet", "messages.jsonl"):
        ws = Workspace.init(tmp_path / name)
        # one key for all three, so pseudonyms compare
        (ws.vault.dir / "pseudonymisation.key").write_bytes(b"k" * 32)
        ws._pseudonymiser = None
        ingest(ws, "roster", data / "roster" / "workday.csv")
        ingest(ws, "interactions", data / "interactions" / name)
        results.append(rows(ws))
        ws.close()
    assert results[0] == results[1] == results[2]
    assert len(results[0]) == 8


def test_naive_timestamps_take_the_workspace_time_zone(tmp_path, data):
    ws = Workspace.init(tmp_path / "paris", settings={"timezone": "Europe/Paris"})
    result = ingest(ws, "interactions", data / "interactions" / "messages.csv")
    assert result.notes["timezone_assumed"] == "Europe/Paris"
    naive_row = ws.db.execute("SELECT \"timestamp\" FROM interactions WHERE \"timestamp\" = TIMESTAMPTZ '2026-07-03 07:00:00+00'").fetchall()
    assert len(naive_row) == 1  # 09:00 in Paris (summer time) is 07:00 UTC
    offset_row = ws.db.execute("SELECT count(*) FROM interactions WHERE \"timestamp\" = TIMESTAMPTZ '2026-07-02 12:00:00+00'").fetchone()[0]
    assert offset_row == 1  # 14:00+02:00 keeps its own offset
    ws.close()


def test_same_content_twice_does_not_double_count(rostered, data, snap):
    first = ingest(rostered, "interactions", data / "interactions" / "messages.csv")
    before = snap(rostered)
    second = ingest(rostered, "interactions", data / "interactions" / "messages.csv")
    assert second.status == "duplicate" and second.duplicate_of == first.batch_id
    assert snap(rostered) == before
    # the same rows in another format are another batch (content differs), as documented
    third = ingest(rostered, "interactions", data / "interactions" / "messages.parquet")
    assert third.status == "imported" and rostered.counts()["interactions"] == 16


def test_interactions_before_roster_are_reattributed_when_the_roster_arrives(ws, data):
    ingest(ws, "interactions", data / "interactions" / "messages.csv")
    assert ws.counts()["unresolved_identities"] == 13  # no roster yet: 9 addresses and 4 employee ids
    result = ingest(ws, "roster", data / "roster" / "workday.csv")
    assert result.notes["identities_resolved_now"] == 11
    assert result.notes["interactions_reattributed"] == 8
    p = ws.pseudonymiser
    senders = {r[0] for r in ws.db.execute("SELECT DISTINCT sender FROM interactions").fetchall()}
    assert p.person("E001") in senders and p.person("E002") in senders
    # the contractor stays unresolved; the customer is recognised as external once the domains are known
    assert (ws.counts()["unresolved_identities"], ws.counts()["external_identities"]) == (1, 1)


def test_broadcast_threshold_and_explicit_kind_and_weight(ws, tmp_path):
    many = ";".join(f"p{i}@acme.example" for i in range(30))
    (tmp_path / "b.csv").write_text(
        "timestamp,sender,recipients,channel,kind,weight\n"
        f"2026-07-01T09:00:00Z,boss@acme.example,{many},email,,\n"
        "2026-07-01T09:00:00Z,a@acme.example,b@acme.example,chat,mention,0.5\n"
    )
    ingest(ws, "interactions", tmp_path / "b.csv")
    got = dict(ws.db.execute("SELECT kind, weight FROM interactions").fetchall())
    assert got == {"broadcast": pytest.approx(1 / 30), "mention": 0.5}


def test_column_map_from_settings_file(tmp_path, data):
    ws = Workspace.init(tmp_path / "w", settings={"column_map": {"interactions": {"from": "sender"}}})
    ws.close()
    ws = Workspace.open(tmp_path / "w")
    assert ws.column_map("interactions") == {"from": "sender"}
    result = ingest(ws, "interactions", data / "interactions" / "missing_column.csv")
    assert result.rows_imported == 1
    ws.close()


CLEAN = """timestamp,sender,recipients,channel
2026-07-01T09:00:00Z,ada.lovelace@acme.example,alan.turing@acme.example,email
2026-07-01T09:05:00Z,alan.turing@acme.example,grace.hopper@acme.example;;ada.lovelace@acme.example;grace.hopper@acme.example,email
2026-07-01T09:10:00Z,E003,E004;E005;buyer@customer.example,meeting
2026-07-01T09:15:00Z,grace.hopper@acme.example,buyer@customer.example,chat
2026-07-01T09:20:00Z,E004,;E005,chat
2026-07-01T09:25:00Z,E005,ada.lovelace@acme.example,chat
"""


@pytest.mark.parametrize("variant", [None, "Ada.Lovelace@acme.example", "E001"])
def test_recipient_lists_map_the_same_by_enum_or_by_join(tmp_path, data, monkeypatch, variant):
    """A file whose identifiers each name one identity is mapped through an ENUM
    (codes = identity ids); one where two identifiers name the same person (an
    e-mail in another case, or the person's employee id) joins every distinct
    recipient list instead. Both store the same rows: blanks and repeats
    dropped, the first of each kept, in order."""
    import socialhr.ingest.interactions as interactions

    paths = []
    real = interactions._id_labels
    monkeypatch.setattr(interactions, "_id_labels", lambda *a: paths.append(real(*a) is not None) or real(*a))
    stored = []
    for text in (CLEAN, CLEAN if variant is None else CLEAN.replace(";ada.lovelace@acme.example;", f";{variant};")):
        ws = Workspace.init(tmp_path / f"w{len(stored)}")
        (ws.vault.dir / "pseudonymisation.key").write_bytes(b"k" * 32)
        ws._pseudonymiser = None
        ingest(ws, "roster", data / "roster" / "workday.csv")
        (tmp_path / "i.csv").write_text(text)
        ingest(ws, "interactions", tmp_path / "i.csv")
        stored.append(ws.db.execute('SELECT "timestamp", sender, recipients, weight FROM interactions ORDER BY 1').fetchall())
        ws.close()
    assert paths == ([True, True] if variant is None else [True, False])
    assert stored[0] == stored[1]
    p = Pseudonymiser(b"k" * 32)
    second = stored[0][1]
    assert second[1] == p.person("E002")
    assert second[2] == [p.person("E003"), p.person("E001")] and second[3] == 0.5  # blank and repeat dropped, order kept
    assert stored[0][4][2] == [p.person("E005")]  # a leading blank dropped


def test_parquet_lists_of_recipients_through_the_enum(tmp_path, rostered):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "timestamp": ["2026-07-01T09:00:00Z", "2026-07-01T09:05:00Z", "2026-07-01T09:10:00Z"],
        "sender": ["E001", "E002", "E003"],
        "recipients": pa.array([["E002"], ["E003", None, "E001", "E003"], ["E004", ""]], pa.list_(pa.string())),
        "channel": ["email", "chat", "email"],
    })
    pq.write_table(table, tmp_path / "lists.parquet")
    ingest(rostered, "interactions", tmp_path / "lists.parquet")
    p = rostered.pseudonymiser
    got = rostered.db.execute('SELECT recipients, weight FROM interactions ORDER BY "timestamp"').fetchall()
    assert got == [([p.person("E002")], 1.0), ([p.person("E003"), p.person("E001")], 0.5), ([p.person("E004")], 1.0)]
