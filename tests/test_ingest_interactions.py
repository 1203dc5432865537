"""Interaction import: formats, identity resolution, time zones, weights, idempotence."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from socialhr.ingest import ingest
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
