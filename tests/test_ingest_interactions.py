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


OFFSETS = ["2026-07-01T09:00:00", "2026-07-01 09:00", "2026-07-01T09:00:00.250", "2026-07-01T09:00:00Z",
           "2026-07-01T09:00:00+01", "2026-07-01T09:00:00-0530", "2026-07-01T09:00:00+01:00", "2026-07-01 09:00:00.5-05:30",
           "2026-07-01 09:00:00+02:00"]


@pytest.mark.parametrize("path", ["bulk", "streamed"])
def test_an_offset_in_any_form_is_kept_and_only_naive_times_take_the_zone(tmp_path, monkeypatch, path):
    import re

    import socialhr.ingest.interactions as interactions

    if path == "streamed":
        monkeypatch.setattr(interactions, "_bulk_relation", lambda src: None)
    ws = Workspace.init(tmp_path / "w", settings={"timezone": "Europe/Paris"})
    lines = [f"{ts},a@acme.example,b{i}@acme.example,email" for i, ts in enumerate(OFFSETS)]
    (tmp_path / "i.csv").write_text("timestamp,sender,recipients,channel\n" + "\n".join(lines) + "\n")
    result = ingest(ws, "interactions", tmp_path / "i.csv")
    stored = ws.db.execute('SELECT zone_assumed, "timestamp" FROM interaction_rows ORDER BY "timestamp", zone_assumed').fetchall()
    naive = [ts for ts in OFFSETS if not re.search(r"(Z|z|[+-]\d\d(:?\d\d)?)$", ts)]
    assert result.notes["naive_timestamps"] == len(naive) == 3
    assert sorted(z for z, _ in stored) == sorted(ts in naive for ts in OFFSETS)
    assert {t for z, t in stored if z} == {datetime(2026, 7, 1, 7, 0, tzinfo=timezone.utc), datetime(2026, 7, 1, 7, 0, 0, 250000, tzinfo=timezone.utc)}
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


KNOWN = CLEAN.replace("buyer@customer.example", "E001")  # only people of the roster, as the vault has them

# Each way a bulk file can be imported, forced: the one pass (every identifier
# already known), the two passes with lists through the ENUM or through a join
# of each distinct list, and the streamed path (which names bad lines).
FORCED = {
    "chosen": {},
    "two passes": {"_import_known": lambda *a: None},
    "join": {"_import_known": lambda *a: None, "_id_labels": lambda *a: None},
    "streamed": {"_bulk_relation": lambda src: None},
}


def _import_forced(tmp_path, data, monkeypatch, text, forced, name):
    """Import ``text`` (CSV, or an Arrow table written as Parquet) on the path ``forced``."""
    import pyarrow.parquet as pq

    import socialhr.ingest.interactions as interactions

    ran = []  # which insert stored the rows, or tried to
    real_insert, real_streamed = interactions._insert_mapped, interactions._import_streamed
    monkeypatch.setattr(interactions, "_insert_mapped",
                        lambda *a, **k: ran.append("one pass" if k["check_known"] else "two passes") or real_insert(*a, **k))
    monkeypatch.setattr(interactions, "_import_streamed", lambda *a: ran.append("streamed") or real_streamed(*a))
    for attr, fake in FORCED[forced].items():
        monkeypatch.setattr(interactions, attr, fake)
    ws = Workspace.init(tmp_path / name)
    (ws.vault.dir / "pseudonymisation.key").write_bytes(b"k" * 32)
    ws._pseudonymiser = None
    ingest(ws, "roster", data / "roster" / "workday.csv")
    if isinstance(text, str):
        (path := tmp_path / f"{name}.csv").write_text(text)
    else:
        pq.write_table(text, path := tmp_path / f"{name}.parquet")
    ingest(ws, "interactions", path)
    stored = ws.db.execute('SELECT "timestamp", channel, kind, sender, recipients, weight FROM interactions ORDER BY 1').fetchall()
    stored.append(ws.db.execute('SELECT list(zone_assumed ORDER BY "timestamp") FROM interaction_rows').fetchone())
    ws.close()
    monkeypatch.undo()
    return stored, ran


@pytest.mark.parametrize("text, chosen", [
    (CLEAN, "two passes"),  # an external address: the sample sees it, so no one pass
    (KNOWN, "one pass"),
    (KNOWN.replace(";ada.lovelace@acme.example;", ";E001;"), "one pass"),  # a person's e-mail and employee id in one list
    (KNOWN.replace(";ada.lovelace@acme.example;", ";Ada.Lovelace@acme.example;"), "one pass"),  # other capitals: folded
    (KNOWN.replace("E004,;E005", "Grace.Hopper@ACME.example,;E005"), "one pass"),  # a sender too
    (KNOWN.replace(";ada.lovelace@acme.example;", "; ada.lovelace@acme.example;"), "two passes"),  # not as the vault has it
    (KNOWN.replace(";;", "; ;"), "two passes"),  # a blank that is not empty: the join
])
def test_every_import_path_stores_the_same_rows(tmp_path, data, monkeypatch, text, chosen):
    """Whichever path imports a file, the same rows are stored: identifiers
    resolved (a person's e-mail in any case and their employee id alike),
    blanks and repeats dropped, the first of each kept, in order."""
    results = {forced: _import_forced(tmp_path, data, monkeypatch, text, forced, forced.replace(" ", "_")) for forced in FORCED}
    assert results["chosen"][1] == [chosen]
    assert results["streamed"][1] == ["streamed"]
    for forced, (stored, _) in results.items():
        assert stored == results["streamed"][0], forced
    p = Pseudonymiser(b"k" * 32)
    second = results["chosen"][0][1]
    assert second[3] == p.person("E002")
    assert second[4] == [p.person("E003"), p.person("E001")] and second[5] == 0.5  # blank and repeat dropped, order kept
    assert results["chosen"][0][4][4] == [p.person("E005")]  # a leading blank dropped


EVERY_COLUMN = """timestamp,sender,recipients,channel,duration_minutes,kind,weight,context
2026-07-01T09:00:00Z,E001,E002,email,, ,,thread-1
2026-07-01T09:05:00+02:00,E002,E003;E004,Meeting,45,,,
2026-07-01T09:10:00,E003,E001,chat,,Broadcast,2.5, 
2026-07-01T09:15:00Z,ada.lovelace@acme.example,E005,call,12.5,meeting,0.75,m-7
"""


def test_the_one_pass_reads_every_optional_column_as_the_streamed_path_does(tmp_path, data, monkeypatch):
    results = {forced: _import_forced(tmp_path, data, monkeypatch, EVERY_COLUMN, forced, forced.replace(" ", "_"))
               for forced in ("chosen", "streamed")}
    assert results["chosen"][1] == ["one pass"]
    assert results["chosen"][0] == results["streamed"][0]
    kinds = [(r[1], r[2], r[5]) for r in results["chosen"][0][:4]]
    assert kinds == [("meeting", "meeting", 0.5), ("email", "message", 1.0), ("chat", "broadcast", 2.5), ("call", "meeting", 0.75)]


def test_a_bad_value_in_a_file_of_known_people_is_named_by_its_line(tmp_path, data, monkeypatch):
    import socialhr.ingest.interactions as interactions
    from socialhr.errors import InputError

    ran = []
    real_insert, real_streamed = interactions._insert_mapped, interactions._import_streamed
    monkeypatch.setattr(interactions, "_insert_mapped", lambda *a, **k: ran.append(k["check_known"]) or real_insert(*a, **k))
    monkeypatch.setattr(interactions, "_import_streamed", lambda *a: ran.append("streamed") or real_streamed(*a))
    ws = Workspace.init(tmp_path / "w")
    ingest(ws, "roster", data / "roster" / "workday.csv")
    (tmp_path / "bad.csv").write_text(KNOWN.replace("2026-07-01T09:20:00Z", "2026-07-01T25:20:00Z"))
    with pytest.raises(InputError) as e:
        ingest(ws, "interactions", tmp_path / "bad.csv")
    assert ran == [True, "streamed"]  # straight from the one pass to the path that names the line
    assert str(e.value).startswith("bad.csv, line 6, field 'timestamp': not a timestamp: '2026-07-01T25:20:00Z'.")
    assert ws.db.execute("SELECT count(*) FROM interaction_rows").fetchone()[0] == 0
    ws.close()


def test_e_mails_are_folded_in_sql_as_python_folds_them():
    """The one pass looks up e-mails in lower case in SQL; Python lower-cased the
    vault's values. Beyond ASCII the two may differ (U+0130 is 'i' plus a dot in
    Python), so only ASCII e-mails are folded."""
    import duckdb

    from socialhr.ingest.interactions import _folded

    values = ["Ada.Lovelace@Acme.Example", "E001", "e001", "ÉMILE@acme.example", "\u0130da@acme.example",
              "\u212aim@acme.example", "ADA", "a@b", ""]
    db = duckdb.connect()
    got = [db.execute(f"SELECT {_folded('v')} FROM (SELECT ? AS v)", [v]).fetchone()[0] for v in values]
    assert got == [v.lower() if "@" in v and v.isascii() else v for v in values]
    assert got[0] == "ada.lovelace@acme.example" and got[2] == "e001" and got[4] == "\u0130da@acme.example"


def test_one_pass_starts_again_on_two_when_an_unknown_identifier_comes_after_the_sample(tmp_path, data, monkeypatch):
    import socialhr.ingest.interactions as interactions

    monkeypatch.setattr(interactions, "_SAMPLE_ROWS", 1)
    later = KNOWN.replace("E005,ada.lovelace@acme.example,chat", "E005,new.hire@acme.example,Chat ")
    stored, ran = _import_forced(tmp_path, data, monkeypatch, later, "chosen", "later")
    assert ran == ["one pass", "two passes"]  # the one pass failed, the two passes stored
    expected, ran = _import_forced(tmp_path, data, monkeypatch, later, "streamed", "reference")
    assert stored == expected
    assert stored[-2][1] == "chat"


@pytest.mark.parametrize("with_null", [False, True])
def test_parquet_lists_of_recipients_on_every_path(tmp_path, data, monkeypatch, with_null):
    import pyarrow as pa

    table = pa.table({
        "timestamp": ["2026-07-01T09:00:00Z", "2026-07-01T09:05:00+02:00", "2026-07-01T09:10:00"],
        "sender": ["E001", "alan.turing@acme.example", "E003"],
        "recipients": pa.array([["E002"], ["E003", None if with_null else "", "E001", "ada.lovelace@acme.example", "E003"], ["E004", ""]],
                               pa.list_(pa.string())),
        "channel": ["email", "chat", "email"],
    })
    results = {forced: _import_forced(tmp_path, data, monkeypatch, table, forced, forced.replace(" ", "_")) for forced in FORCED}
    assert results["chosen"][1] == ["two passes" if with_null else "one pass"]  # a null in a list is not a known identifier
    for forced, (stored, _) in results.items():
        assert stored == results["streamed"][0], forced
    p = Pseudonymiser(b"k" * 32)
    assert [(r[4], r[5]) for r in results["chosen"][0][:3]] == [  # in time order: 07:05, 09:00, 09:10 UTC
        ([p.person("E003"), p.person("E001")], 0.5), ([p.person("E002")], 1.0), ([p.person("E004")], 1.0)]
    assert results["chosen"][0][3] == ([False, False, True],)  # only the last time has no offset


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
