"""Interaction import: formats, identity resolution, time zones, weights, idempotence."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialhr.ingest import ingest
from socialhr.privacy import Pseudonymiser
from socialhr.schema import code_field
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


@pytest.mark.parametrize("parser", ["arrow", "duckdb"])
def test_an_offset_in_any_form_is_kept_and_only_naive_times_take_the_zone(tmp_path, monkeypatch, parser):
    import re

    import socialhr.ingest.interactions as interactions

    if parser == "duckdb":
        monkeypatch.setattr(interactions, "_parsed_times", lambda column: column)
    ws = Workspace.init(tmp_path / "w", settings={"timezone": "Europe/Paris"})
    lines = [f"{ts},a@acme.example,b{i}@acme.example,email" for i, ts in enumerate(OFFSETS)]
    (tmp_path / "i.csv").write_text("timestamp,sender,recipients,channel\n" + "\n".join(lines) + "\n")
    result = ingest(ws, "interactions", tmp_path / "i.csv")
    stored = ws.db.execute(f'SELECT {code_field("zone_assumed")} AS z, "timestamp" FROM interaction_rows ORDER BY "timestamp", z').fetchall()
    naive = [ts for ts in OFFSETS if not re.search(r"(Z|z|[+-]\d\d(:?\d\d)?)$", ts)]
    assert result.notes["naive_timestamps"] == len(naive) == 3
    assert sorted(z for z, _ in stored) == sorted(ts in naive for ts in OFFSETS)
    assert {t for z, t in stored if z} == {datetime(2026, 7, 1, 7, 0, tzinfo=timezone.utc), datetime(2026, 7, 1, 7, 0, 0, 250000, tzinfo=timezone.utc)}
    ws.close()


def test_numbers_arrow_parses_are_the_numbers_duckdb_reads():
    """Durations and weights in text (CSV) are parsed by Arrow when it takes
    every value of a batch; whatever it takes must be what DuckDB, which
    parses (and names) anything else, reads. Blanks are missing."""
    import math

    import duckdb
    import pyarrow as pa

    from socialhr.ingest.interactions import _parsed_numbers

    forms = ["45", " 45 ", "12.5", ".5", "5.", "+3", "-2", "-0", "1e2", "1E-1", "007", "inf", "-inf", "nan", "Infinity",
             "NaN", "1e400", "0x10", "1_000", "1,5", "12 5", "abc", "٣", "\t7", "7\t", "", " "]
    db = duckdb.connect()
    parsed = []
    for form in forms:
        got = _parsed_numbers(pa.chunked_array([[form, None]]))
        if pa.types.is_floating(got.type):
            parsed.append(form)
            want = db.execute("SELECT TRY_CAST(NULLIF(TRIM(?), '') AS DOUBLE)", [form]).fetchone()[0]
            value = got[0].as_py()
            assert (value is None and want is None) or value == want or (math.isnan(value) and math.isnan(want)), form
            assert got[1].as_py() is None
        else:
            assert got.equals(pa.chunked_array([[form, None]])), form
    assert {"45", " 45 ", "12.5", "-2", "1e2", "", " "} <= set(parsed)
    assert not {"abc", "1,5", "12 5"} & set(parsed)  # DuckDB's to refuse, naming the line


def test_times_arrow_parses_are_the_times_duckdb_reads():
    """Arrow parses a batch whose times all carry an offset (the usual case);
    whatever it takes must be the instant DuckDB, which parses everything
    else, reads. A time without an offset, or a form Arrow does not know,
    leaves the whole batch to DuckDB."""
    import duckdb
    import pyarrow as pa

    from socialhr.ingest.interactions import _parsed_times

    forms = OFFSETS + [
        "2026-07-01T09:00:00.123456+01:00", "2026-07-01T09:00:00.1234567+01:00", "2026-07-01T09:00:00z",
        "2026-07-01T23:59:60Z", "2026-07-01T24:00:00Z", "2026-02-29T09:00:00Z", "2028-02-29T09:00:00Z",
        "1969-12-31T23:59:59.999999-14:00", " 2026-07-01T09:00:00Z", "2026-07-01T09:00:00 +01:00",
        "2026-07-01T09:00:00+01:00:00", "20260701T090000Z", "2026-07-01T09:00Z", "2026-07-01T9:00:00Z", "2026-07-01T09Z",
        "2026-07-01T09+01"]
    db = duckdb.connect()
    db.execute("SET TimeZone = 'Asia/Kolkata'")  # (where a naive time would be read)
    parsed = []
    for ts in forms:
        got = _parsed_times(pa.array([ts]))
        if pa.types.is_timestamp(got.type):
            parsed.append(ts)
            assert got[0].as_py() == db.execute("SELECT TRY_CAST(? AS TIMESTAMPTZ)", [ts]).fetchone()[0], ts
        else:
            assert got.equals(pa.array([ts]))
    assert "2026-07-01T09:00:00+01:00" in parsed and "2026-07-01T09:00:00Z" in parsed
    assert not {"2026-07-01T09:00:00", "2026-07-01 09:00", "2026-07-01T09:00:00.250"} & set(parsed)  # naive: DuckDB's
    assert not pa.types.is_timestamp(_parsed_times(pa.array(["2026-07-01T09:00:00Z", "2026-07-01T09:00:00"])).type)


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
    # Only a weight the source gave is stored; null stands for the default (schema 5).
    stored = ws.db.execute(f"SELECT weight FROM interaction_rows ORDER BY {code_field('kind')}").fetchall()
    assert stored == [(None,), (0.5,)]


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


KNOWN = CLEAN.replace("buyer@customer.example", "E001")  # only people of the roster


def _as_table(text: str):
    """A CSV text as the reader sees it: every column text, an empty field missing."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = text.splitlines()[0].split(",")
    return pacsv.read_csv(io.BytesIO(text.encode()), convert_options=pacsv.ConvertOptions(
        column_types={c: pa.string() for c in header}, null_values=[""], strings_can_be_null=True))


# Each way a file reaches the one import path: CSV; Parquet with text stored
# plain, or with dictionaries in row groups of two rows, read in chunks of
# three rows (so batches, chunks and dictionaries all change mid-file);
# JSON Lines; a spreadsheet; TSV; and CSV with every time parsed by DuckDB instead of Arrow.
WAYS = ["csv", "tsv", "parquet", "parquet in small dictionary-encoded row groups", "jsonl", "xlsx", "csv, times parsed by duckdb"]


def _import_way(tmp_path, data, monkeypatch, text, way, name=None):
    """Import ``text`` (CSV, or an Arrow table) as ``way``; the stored rows and each row's zone_assumed."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    import socialhr.ingest.interactions as interactions

    name = name or way.replace(" ", "_").replace(",", "")
    table = text if isinstance(text, pa.Table) else _as_table(text)
    if way in ("csv", "tsv", "csv, times parsed by duckdb", "xlsx") and not isinstance(text, str):
        pytest.skip("lists of recipients are neither CSV nor a spreadsheet")
    if way == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        for line in text.splitlines():
            book.active.append([cell if cell.strip() else None for cell in line.split(",")])
        book.save(path := tmp_path / f"{name}.xlsx")
    elif way == "tsv":
        (path := tmp_path / f"{name}.tsv").write_text(text.replace(",", "\t"))
    elif way.startswith("csv"):
        (path := tmp_path / f"{name}.csv").write_text(text)
    elif way == "parquet":
        pq.write_table(table, path := tmp_path / f"{name}.parquet", use_dictionary=False)
    elif way.startswith("parquet"):
        pq.write_table(table, path := tmp_path / f"{name}.parquet", use_dictionary=True, row_group_size=2)
        # row groups of 2, mapped in groups of two row groups, inserted in chunks of two groups
        monkeypatch.setattr(interactions, "_MAP_ROWS", 3)
        monkeypatch.setattr(interactions, "_CHUNK_ROWS", 5)
    else:
        (path := tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()))
    if way.endswith("duckdb"):
        monkeypatch.setattr(interactions, "_parsed_times", lambda column: column)
    ws = Workspace.init(tmp_path / name)
    (ws.vault.dir / "pseudonymisation.key").write_bytes(b"k" * 32)
    ws._pseudonymiser = None
    ingest(ws, "roster", data / "roster" / "workday.csv")
    ingest(ws, "interactions", path)
    stored = ws.db.execute('SELECT "timestamp", channel, kind, sender, recipients, weight, duration_minutes, context '
                           'FROM interactions ORDER BY 1').fetchall()
    stored.append(ws.db.execute(f'SELECT list({code_field("zone_assumed")} ORDER BY "timestamp") FROM interaction_rows').fetchone())
    ws.close()
    monkeypatch.undo()
    return stored


@pytest.mark.parametrize("text", [
    CLEAN,  # an external address
    KNOWN,
    KNOWN.replace(";ada.lovelace@acme.example;", ";E001;"),  # a person's e-mail and employee id in one list
    KNOWN.replace(";ada.lovelace@acme.example;", ";Ada.Lovelace@acme.example;"),  # other capitals
    KNOWN.replace("E004,;E005", "Grace.Hopper@ACME.example,;E005"),  # a sender too
    KNOWN.replace(";ada.lovelace@acme.example;", "; ada.lovelace@acme.example;"),  # a leading space
    KNOWN.replace(";;", "; ;"),  # a blank that is not empty
])
def test_every_way_in_stores_the_same_rows(tmp_path, data, monkeypatch, text):
    """Whatever the format, batches and chunks, the same rows are stored:
    identifiers resolved (a person's e-mail in any case and their employee
    id alike), blanks and repeats dropped, the first of each kept, in order."""
    results = {way: _import_way(tmp_path, data, monkeypatch, text, way) for way in WAYS}
    for way, stored in results.items():
        assert stored == results["csv"], way
    p = Pseudonymiser(b"k" * 32)
    second = results["csv"][1]
    assert second[3] == p.person("E002")
    assert second[4] == [p.person("E003"), p.person("E001")] and second[5] == 0.5  # blank and repeat dropped, order kept
    assert results["csv"][4][4] == [p.person("E005")]  # a leading blank dropped


EVERY_COLUMN = """timestamp,sender,recipients,channel,duration_minutes,kind,weight,context
2026-07-01T09:00:00Z,E001,E002,email,, ,,thread-1
2026-07-01T09:05:00+02:00,E002,E003;E004,Meeting,45,,,
2026-07-01T09:10:00,E003,E001,chat,,Broadcast,2.5, 
2026-07-01T09:15:00Z,ada.lovelace@acme.example,E005,call,12.5,meeting,0.75,m-7
2026-07-01T09:20:00Z,E004,E001,Chat ,,,,
"""


def test_every_way_in_reads_every_optional_column_alike(tmp_path, data, monkeypatch):
    """Optional columns, blanks, a channel in capitals, and a time without an
    offset in the middle (so Arrow parses some batches and DuckDB others)."""
    results = {way: _import_way(tmp_path, data, monkeypatch, EVERY_COLUMN, way) for way in WAYS}
    for way, stored in results.items():
        assert stored == results["csv"], way
    got = [(r[1], r[2], r[5], r[6], r[7]) for r in results["csv"][:5]]
    context = Pseudonymiser(b"k" * 32).token  # (contexts are stored as keyed tokens)
    assert got == [("meeting", "meeting", 0.5, 45.0, None), ("email", "message", 1.0, None, context("context", "thread-1")),
                   ("chat", "broadcast", 2.5, None, None), ("call", "meeting", 0.75, 12.5, context("context", "m-7")),
                   ("chat", "message", 1.0, None, None)]
    assert results["csv"][-1] == ([False, False, True, False, False],)


def _fifth_row_error(tmp_path, data, monkeypatch, way: str, bad: str) -> str:
    """Import ``bad`` (KNOWN with its fifth row spoiled) as CSV or as Parquet in
    row groups of two, mapped one batch and inserted two at a time, so the
    spoiled row comes after rows already inserted; check that nothing stayed
    stored, and return the error the user sees."""
    import pyarrow.parquet as pq

    import socialhr.ingest.interactions as interactions
    from socialhr.errors import InputError

    assert bad != KNOWN
    ws = Workspace.init(tmp_path / "w")
    ingest(ws, "roster", data / "roster" / "workday.csv")
    before = ws.counts()
    monkeypatch.setattr(interactions, "_MAP_ROWS", 1)
    monkeypatch.setattr(interactions, "_CHUNK_ROWS", 2)
    if way == "csv":
        (path := tmp_path / "bad.csv").write_text(bad)
    else:
        pq.write_table(_as_table(bad), path := tmp_path / "bad.parquet", row_group_size=2)
    with pytest.raises(InputError) as e:
        ingest(ws, "interactions", path)
    assert ws.db.execute("SELECT count(*) FROM interaction_rows").fetchone()[0] == 0
    assert ws.counts() == before
    ws.close()
    return str(e.value)


_FIFTH = {"csv": "bad.csv, line 6", "parquet in small dictionary-encoded row groups": "bad.parquet, row 5"}


@pytest.mark.parametrize("way", list(_FIFTH))
def test_a_bad_value_after_rows_already_inserted_is_named_by_its_line_and_nothing_is_stored(tmp_path, data, monkeypatch, way):
    """A bad value in a later chunk: the rows of earlier chunks are undone, and
    the line counts every row before it."""
    bad = KNOWN.replace("2026-07-01T09:20:00Z", "2026-07-01T25:20:00Z")  # the fifth row
    message = _fifth_row_error(tmp_path, data, monkeypatch, way, bad)
    assert message.startswith(f"{_FIFTH[way]}, field 'timestamp': not a timestamp: '2026-07-01T25:20:00Z'.")


@pytest.mark.parametrize("way", list(_FIFTH))
@pytest.mark.parametrize("fifth_row, field, message", [
    ("2026-07-01T09:20:00Z,,;E005,chat", "sender", "the sender is empty"),
    ("2026-07-01T09:20:00Z,E004,;E005, ", "channel", "the channel is empty"),
    ("2026-07-01T09:20:00Z,E004, ; ;,chat", "recipients", "there are no recipients"),  # blanks only: an empty list, not a null
])
def test_a_missing_required_value_in_a_later_chunk_is_named_by_its_line(tmp_path, data, monkeypatch, way, fifth_row, field, message):
    """Arrow's counts let the INSERT skip checks a chunk does not need; a chunk
    with a missing value is still checked row by row, and named."""
    bad = KNOWN.replace("2026-07-01T09:20:00Z,E004,;E005,chat", fifth_row)
    got = _fifth_row_error(tmp_path, data, monkeypatch, way, bad)
    assert got.startswith(f"{_FIFTH[way]}, field '{field}': {message}.")


WEIGHED = """timestamp,sender,recipients,channel,duration_minutes,weight
2026-07-01T09:00:00Z,E001,E002,meeting,30,
2026-07-01T09:05:00Z,E002,E003,meeting,45,0.5
2026-07-01T09:10:00Z,E003,E004,chat,,2
2026-07-01T09:15:00Z,E004,E005,meeting,0,
2026-07-01T09:20:00Z,E005,E001,meeting,15,1
2026-07-01T09:25:00Z,E001,E003,chat,,
"""


@pytest.mark.parametrize("way", list(_FIFTH))
@pytest.mark.parametrize("fifth_row, field, message", [
    ("2026-07-01T09:20:00Z,E005,E001,meeting,-15,1", "duration_minutes", "not a duration in minutes: -15.0"),
    ("2026-07-01T09:20:00Z,E005,E001,meeting,15,0", "weight", "not a weight: 0.0"),
    ("2026-07-01T09:20:00Z,E005,E001,meeting,15,-0.5", "weight", "not a weight: -0.5"),
])
def test_a_number_out_of_range_in_a_later_chunk_is_named_by_its_line(tmp_path, data, monkeypatch, way, fifth_row, field, message):
    """Durations and weights Arrow has parsed are checked by their least
    value; a chunk with one out of range is checked row by row, and named."""
    bad = WEIGHED.replace("2026-07-01T09:20:00Z,E005,E001,meeting,15,1", fifth_row)
    got = _fifth_row_error(tmp_path, data, monkeypatch, way, bad)
    assert got.startswith(f"{_FIFTH[way]}, field '{field}': {message}.")


@pytest.mark.parametrize("with_null", [False, True])
def test_lists_of_recipients_in_parquet_and_json(tmp_path, data, monkeypatch, with_null):
    import pyarrow as pa

    table = pa.table({
        "timestamp": ["2026-07-01T09:00:00Z", "2026-07-01T09:05:00+02:00", "2026-07-01T09:10:00"],
        "sender": ["E001", "alan.turing@acme.example", "E003"],
        "recipients": pa.array([["E002"], ["E003", None if with_null else "", "E001", "ada.lovelace@acme.example", "E003"], ["E004", ""]],
                               pa.list_(pa.string())),
        "channel": ["email", "chat", "email"],
    })
    results = {way: _import_way(tmp_path, data, monkeypatch, table, way) for way in ("parquet", "parquet in small dictionary-encoded row groups", "jsonl")}
    for way, stored in results.items():
        assert stored == results["parquet"], way
    p = Pseudonymiser(b"k" * 32)
    assert [(r[4], r[5]) for r in results["parquet"][:3]] == [  # in time order: 07:05, 09:00, 09:10 UTC
        ([p.person("E003"), p.person("E001")], 0.5), ([p.person("E002")], 1.0), ([p.person("E004")], 1.0)]
    assert results["parquet"][3] == ([False, False, True],)  # only the last time has no offset


def test_an_import_hashed_alongside_recognises_a_copy_under_another_name_and_undoes_it(rostered, data, tmp_path, snap):
    """The file is hashed while it is imported; a copy of one imported before
    is recognised when the import ends, and its rows are undone."""
    import shutil

    first = ingest(rostered, "interactions", data / "interactions" / "messages.csv")
    before = snap(rostered)
    shutil.copy(data / "interactions" / "messages.csv", copy := tmp_path / "copy.csv")
    again = ingest(rostered, "interactions", copy)
    assert (again.status, again.duplicate_of, again.batch_id) == ("duplicate", first.batch_id, None)
    assert snap(rostered) == before


IDENTIFIERS = ["E001", "E002", "ada.lovelace@acme.example", "Ada.Lovelace@ACME.example", "buyer@customer.example",
               "someone@else.example", "", " ", " E003"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(senders=st.lists(st.lists(st.sampled_from(IDENTIFIERS), min_size=1, max_size=3).map(";".join), min_size=1, max_size=6),
       batches=st.lists(st.lists(st.one_of(st.none(), st.lists(st.sampled_from(IDENTIFIERS), min_size=1, max_size=4).map(";".join)),
                                 min_size=1, max_size=8), min_size=1, max_size=3),
       with_nulls=st.booleans(), cut=st.integers(0, 8))
def test_recipient_lists_in_bulk_are_each_row_resolved_on_its_own(rostered, senders, batches, with_nulls, cut):
    """id_lists_of splits a column without nulls in place (pieces after the
    first keep the ';' in front) and one with nulls by copying; every row must
    come out as splitting it and resolving each identifier would give: blanks
    dropped, repeats dropped (the first kept), in order, null for a missing
    value. Senders are looked up first, as in an import, and may hold the
    separator themselves (a sender ';E001' is not E001; a piece ';E001' is)."""
    import pyarrow as pa

    from socialhr.ingest.identity import IdentityResolver

    resolver = IdentityResolver(rostered, 1)
    resolver.ids_of(pa.array(senders, pa.string()))
    for values in batches:
        if not with_nulls:
            values = [v for v in values if v is not None] or ["E001"]
        if cut:  # a column in two chunks (as an import's chunk of batches): looked up in one go, same chunks back
            column = pa.chunked_array([pa.array(values[:cut], pa.string()), pa.array(values[cut:], pa.string())])
            mapped = resolver.id_lists_of(column)
            assert [len(c) for c in mapped.chunks] == [len(c) for c in column.chunks]
            sids = resolver.ids_of(column)
            assert [len(c) for c in sids.chunks] == [len(c) for c in column.chunks]
            assert sids.to_pylist() == resolver.ids_of(pa.array(values, pa.string())).to_pylist()
            got = mapped.to_pylist()
        else:
            got = resolver.id_lists_of(pa.array(values, pa.string())).to_pylist()
        expected = []
        for v in values:
            if v is None:
                expected.append(None)
                continue
            ids = [resolver.id_of(p) for p in map(resolver.resolve, v.split(";")) if p is not None]
            expected.append(list(dict.fromkeys(ids)))
        assert got == expected
    # and the senders, looked up again after the pieces, are still themselves
    assert resolver.ids_of(pa.array(senders, pa.string())).to_pylist() == [
        None if (p := resolver.resolve(v)) is None else resolver.id_of(p) for v in senders]


@pytest.mark.parametrize("unit, tz", [("us", "UTC"), ("ms", "Europe/Paris"), ("s", None)])
def test_parquet_times_stored_as_timestamps_keep_their_zone_or_take_the_workspaces(tmp_path, unit, tz):
    """Parquet may hold times as timestamps rather than text: one with a zone
    is that instant; one without takes the workspace's zone, as naive text does."""
    from datetime import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    when = [dt(2026, 7, 1, 9, 0), dt(2026, 7, 1, 9, 30)]
    pq.write_table(pa.table({
        "timestamp": pa.array(when, pa.timestamp(unit, tz=tz)) if tz is None else
        pa.array([w.replace(tzinfo=ZoneInfo(tz)) for w in when], pa.timestamp(unit, tz=tz)),
        "sender": ["a@acme.example", "b@acme.example"], "recipients": ["b@acme.example", "a@acme.example"],
        "channel": ["email", "chat"]}), tmp_path / "typed.parquet")
    ws = Workspace.init(tmp_path / "w", settings={"timezone": "America/New_York"})
    result = ingest(ws, "interactions", tmp_path / "typed.parquet")
    stored = ws.db.execute(f'SELECT "timestamp", {code_field("zone_assumed")} FROM interaction_rows ORDER BY 1').fetchall()
    zone = ZoneInfo(tz or "America/New_York")
    assert stored == [(w.replace(tzinfo=zone).astimezone(timezone.utc), tz is None) for w in when]
    assert result.notes["naive_timestamps"] == (2 if tz is None else 0)
    ws.close()


def test_a_context_is_stored_once_however_many_rows_and_batches_name_it(tmp_path, data):
    """Contexts (threads, meetings) live in ``contexts``, each once, as keyed tokens;
    rows refer to them by id, numbers included (tests/security/test_declared_data.py
    shows no text is stored)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ws = Workspace.init(tmp_path / "w")
    ingest(ws, "roster", data / "roster" / "workday.csv")
    (tmp_path / "a.csv").write_text("timestamp,sender,recipients,channel,context\n"
                                    "2026-07-02T09:00:00Z,E001,E002,chat,thread-1\n"
                                    "2026-07-02T09:05:00Z,E002,E001,chat, thread-1 \n"
                                    "2026-07-02T09:10:00Z,E003,E001,email, \n")
    ingest(ws, "interactions", tmp_path / "a.csv")
    pq.write_table(pa.table({"timestamp": ["2026-07-03T09:00:00Z", "2026-07-03T09:05:00Z"], "sender": ["E001", "E002"],
                             "recipients": ["E002", "E003"], "channel": ["chat", "chat"],
                             "context": pa.array([42, None], pa.int64())}), tmp_path / "b.parquet")
    (tmp_path / "c.csv").write_text("timestamp,sender,recipients,channel,context\n"
                                    "2026-07-04T09:00:00Z,E004,E005,chat,thread-1\n"
                                    "2026-07-04T09:05:00Z,E005,E004,chat,42\n")
    ingest(ws, "interactions", tmp_path / "b.parquet")
    ingest(ws, "interactions", tmp_path / "c.csv")
    thread, answer = ws.pseudonymiser.tokens("context", ["thread-1", "42"])
    read = ws.db.execute('SELECT context FROM interactions ORDER BY "timestamp"').fetchall()
    assert read == [(thread,), (thread,), (None,), (answer,), (None,), (thread,), (answer,)]
    stored = ws.db.execute("SELECT context_id, context, batch_id FROM contexts ORDER BY context_id").fetchall()
    assert stored == [(1, thread, 2), (2, answer, 3)]
    ws.close()
