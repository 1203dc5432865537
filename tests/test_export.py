"""Streamed export: every format, several batches, identified lists, empty tables, and the view's rows."""

from __future__ import annotations

import csv
import json
from datetime import datetime

import pyarrow.parquet as pq
import pytest

import socialhr.export as export
import socialhr.results as results
from socialhr.export import export_table, read_table


def _view(ws) -> list[dict]:
    """The rows of the ``interactions`` view, in the export's columns."""
    cur = ws.db.execute(
        'SELECT "timestamp", sender, recipients, channel, kind, weight, duration_minutes, context, batch_id FROM interactions'
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _key(row: dict) -> tuple:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(row.items()))


@pytest.fixture
def small_batches(monkeypatch):
    """Three rows per batch, so the eight sample interactions take three batches."""
    monkeypatch.setattr(results, "BATCH_ROWS", 3)


def test_interactions_export_has_the_view_rows_in_time_order(loaded, small_batches, tmp_path):
    expected = _view(loaded)
    assert len(expected) == 8 and any(len(r["recipients"]) == 3 for r in expected)
    assert export_table(loaded, "interactions", tmp_path / "i.parquet") == 8
    rows = pq.read_table(tmp_path / "i.parquet").to_pylist()
    assert sorted(map(_key, rows)) == sorted(map(_key, expected))
    stamps = [r["timestamp"] for r in rows]
    assert stamps == sorted(stamps)
    # recipients keep their order, blanks and repeats already dropped at import
    lists = {tuple(r["recipients"]) for r in rows}
    assert {tuple(r["recipients"]) for r in expected} == lists
    # the same rows export in the same order every time
    export_table(loaded, "interactions", tmp_path / "again.parquet")
    assert pq.read_table(tmp_path / "again.parquet").equals(pq.read_table(tmp_path / "i.parquet"))


def test_every_format_writes_the_same_rows(loaded, small_batches, tmp_path):
    reference = read_table(loaded, "interactions").to_pylist()
    for ext in (".csv", ".json", ".jsonl", ".parquet"):
        assert export_table(loaded, "interactions", tmp_path / f"i{ext}") == 8
    with open(tmp_path / "i.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["sender"] for r in rows] == [r["sender"] for r in reference]
    assert [r["recipients"] for r in rows] == [";".join(r["recipients"]) for r in reference]
    assert all(r["timestamp"].endswith("Z") for r in rows)  # UTC, ISO 8601
    assert [datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")) for r in rows] == [r["timestamp"] for r in reference]
    assert rows[0]["duration_minutes"] == "" or float(rows[0]["duration_minutes"]) >= 0
    as_json = json.loads((tmp_path / "i.json").read_text())
    lines = [json.loads(line) for line in (tmp_path / "i.jsonl").read_text().splitlines()]
    assert as_json == lines
    assert [r["recipients"] for r in as_json] == [r["recipients"] for r in reference]
    assert [r["timestamp"] for r in as_json] == [r["timestamp"].isoformat() for r in reference]


def test_json_array_is_indented_as_json_dump_writes_it(loaded, small_batches, tmp_path):
    export_table(loaded, "people", tmp_path / "p.json")
    rows = json.loads((tmp_path / "p.json").read_text())
    assert len(rows) == 8
    assert (tmp_path / "p.json").read_text() == json.dumps(rows, indent=1) + "\n"


def test_identified_interactions_add_employee_ids_to_lists(loaded, small_batches, tmp_path):
    export_table(loaded, "interactions", tmp_path / "i.csv", identified=True)
    with open(tmp_path / "i.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    meeting = next(r for r in rows if r["channel"] == "meeting")
    assert meeting["sender_employee_id"] == "E002"
    assert meeting["recipient_employee_ids"] == "E003;E004;E005"
    # someone not on the roster has no employee id: an empty element, not a dropped one
    outside = next(r for r in rows if r["recipients"].count(";") == 1 and r["recipient_employee_ids"].endswith(";"))
    assert len(outside["recipients"].split(";")) == len(outside["recipient_employee_ids"].split(";")) == 2
    columns = list(rows[0])
    assert columns.index("sender_employee_id") == columns.index("sender") + 1
    assert columns.index("recipient_employee_ids") == columns.index("recipients") + 1


def test_an_empty_table_exports_its_columns(ws, tmp_path):
    assert export_table(ws, "interactions", tmp_path / "i.csv") == 0
    assert (tmp_path / "i.csv").read_text().splitlines() == [
        '"timestamp","sender","recipients","channel","kind","weight","duration_minutes","context","batch_id"'
    ]
    assert export_table(ws, "interactions", tmp_path / "i.parquet") == 0
    empty = pq.read_table(tmp_path / "i.parquet")
    assert empty.num_rows == 0 and empty.column_names[:3] == ["timestamp", "sender", "recipients"]
    assert export_table(ws, "people", tmp_path / "p.json") == 0
    assert json.loads((tmp_path / "p.json").read_text()) == []
    assert export_table(ws, "people", tmp_path / "p.jsonl") == 0
    assert (tmp_path / "p.jsonl").read_text() == ""


def test_a_recipient_id_without_identity_is_left_out_as_in_the_view(loaded, tmp_path):
    loaded.db.execute(
        "INSERT INTO interaction_rows SELECT batch_id, \"timestamp\" + INTERVAL 1 DAY, code, sender, "
        "[recipients[1], 999999], weight, duration_minutes, context_id FROM interaction_rows LIMIT 1"
    )
    view = _view(loaded)
    export_table(loaded, "interactions", tmp_path / "i.parquet")
    exported = pq.read_table(tmp_path / "i.parquet").to_pylist()
    assert sorted(map(_key, exported)) == sorted(map(_key, view))
    assert len(exported[-1]["recipients"]) == 1


def test_interactions_view_matches_the_stored_rows(loaded):
    """The view maps ids to pseudonyms: one-recipient rows by a join, longer lists kept in order."""
    stored = loaded.db.execute(
        "SELECT r.recipients, (SELECT list(coalesce(i.person, i.token) ORDER BY k) FROM unnest(r.recipients) WITH ORDINALITY AS u(x, k) "
        "JOIN identities i ON i.id = u.x) FROM interaction_rows r"
    ).fetchall()
    view = sorted(tuple(r["recipients"]) for r in _view(loaded))
    assert view == sorted(tuple(p) for _, p in stored)
    assert sum(len(ids) == 1 for ids, _ in stored) >= 4 and sum(len(ids) > 1 for ids, _ in stored) >= 2


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
@pytest.mark.parametrize("tz", [None, "UTC"])
def test_csv_times_are_arrows_strftime_only_faster(unit, tz):
    """_iso formats a UTC time without its zone; pyarrow's strftime, with it, is the reference."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    micros = np.array([0, 5_000_015, 1_782_000_000_123_456, -1_000_000, 951_782_400_000_001], dtype=np.int64)
    per = {"s": 1_000_000, "ms": 1_000, "us": 1}[unit]
    times = pa.concat_arrays([pa.array(micros // per, pa.timestamp(unit, tz=tz)), pa.array([None], pa.timestamp(unit, tz=tz))])
    reference = pc.strftime(times, format="%Y-%m-%dT%H:%M:%SZ" if tz else "%Y-%m-%dT%H:%M:%S")
    assert export._iso(times).to_pylist() == reference.to_pylist()


def test_progress_reports_rows_written_after_each_batch(loaded, small_batches, tmp_path):
    seen = []
    assert export_table(loaded, "interactions", tmp_path / "i.csv", progress=seen.append) == 8
    assert seen == [3, 6, 8]
