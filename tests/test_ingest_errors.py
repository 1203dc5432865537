"""Every bad input gets the exact message a user sees, and changes nothing stored."""

from __future__ import annotations

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest

ENCODING_HINT = "Save the file as UTF-8, or pass --encoding with the file's encoding (for example --encoding latin-1, or cp1252 for Excel on Windows)."

CASES = [
    (
        "roster", "roster/duplicate_id.csv", {},
        "duplicate_id.csv, line 4, field 'employee_id': employee id 'E001' appears twice (lines 2 and 4). "
        "A roster must list each employee once; remove or merge the duplicate.",
    ),
    (
        "roster", "roster/missing_column.csv", {},
        "missing_column.csv, line 1: missing required column 'employee_id' (found: id_number, email, name, department). "
        "Rename the column in the file, or map it: --map 'Your Column=employee_id'.",
    ),
    (
        "roster", "roster/bad_date.csv", {},
        "bad_date.csv, line 3, field 'hire_date': not a date: '2017-13-45'. Use YYYY-MM-DD, or pass --date-format (for example --date-format %d/%m/%Y).",
    ),
    ("roster", "roster/latin1.csv", {}, "latin1.csv, line 2: not valid utf-8: byte 0xe9 at column 27. " + ENCODING_HINT),
    (
        "roster", "roster/empty.csv", {},
        "empty.csv: the file is empty. Export it again with a header row and data; socialhr expects the columns employee_id.",
    ),
    (
        "roster", "roster/truncated.csv", {},
        "truncated.csv, line 3: cannot parse this line as CSV (unexpected end of data). A quoted field is not closed: the file may be truncated. Export it again.",
    ),
    (
        # The last quoted field is never closed: the Arrow reader alone would take it as ending at the end of the file.
        "roster", "roster/unclosed_quote.csv", {},
        "unclosed_quote.csv, line 6: cannot parse this line as CSV (unexpected end of data). A quoted field is not closed: the file may be truncated. Export it again.",
    ),
    (
        "interactions", "interactions/bad_timestamp.csv", {},
        "bad_timestamp.csv, line 4, field 'timestamp': not a timestamp: 'yesterday at noon'. "
        "Use ISO 8601, e.g. 2026-03-02T09:30:00+01:00 (a time without an offset takes the workspace's time zone).",
    ),
    (
        "interactions", "interactions/bad_duration.csv", {},
        "bad_duration.csv, line 2, field 'duration_minutes': not a duration in minutes: 'an hour'. Give a number of minutes of zero or more, or leave it empty.",
    ),
    (
        "interactions", "interactions/missing_recipients.csv", {},
        "missing_recipients.csv, line 3, field 'recipients': there are no recipients. List the recipients' e-mail addresses or employee ids, separated by ';'.",
    ),
    (
        "interactions", "interactions/missing_column.csv", {},
        "missing_column.csv, line 1: missing required column 'sender' (found: timestamp, from, recipients, channel). "
        "Rename the column in the file, or map it: --map 'Your Column=sender'.",
    ),
    ("interactions", "interactions/latin1.csv", {}, "latin1.csv, line 3: not valid utf-8: byte 0xe9 at column 30. " + ENCODING_HINT),
    (
        "interactions", "interactions/empty.csv", {},
        "empty.csv: the file is empty. Export it again with a header row and data; socialhr expects the columns timestamp, sender, recipients, channel.",
    ),
    (
        "interactions", "interactions/truncated.csv", {},
        "truncated.csv, line 3: expected 5 fields, found 2. The file may be truncated, or a field holds an unquoted comma or an unclosed quote.",
    ),
    (
        "interactions", "interactions/truncated.jsonl", {},
        "truncated.jsonl, line 2: not valid JSON (Unterminated string starting at at column 97). "
        "Each line must hold one complete JSON object; the file may be truncated.",
    ),
    (
        "interactions", "interactions/truncated.parquet", {},
        "truncated.parquet: not a readable Parquet file (Parquet magic bytes not found in footer. Either the file is corrupted or this is not a parquet file.). "
        "It may be truncated or not Parquet; export it again.",
    ),
    (
        "roster", "roster/bamboohr.csv", {},
        "bamboohr.csv, line 2, field 'hire_date': not a date: '03/15/2019'. Use YYYY-MM-DD, or pass --date-format (for example --date-format %d/%m/%Y).",
    ),
    (
        "interactions", "interactions/messages.csv", {"column_map": {"recipients": "to"}},
        "--map names an unknown field 'to'. Fields: timestamp, sender, recipients, channel, duration_minutes, kind, weight, context.",
    ),
]


@pytest.mark.parametrize("kind,name,options,message", CASES, ids=[c[1] for c in CASES])
def test_bad_input_names_file_line_field_and_changes_nothing(loaded, data, snap, kind, name, options, message):
    before = snap(loaded)
    with pytest.raises(InputError) as excinfo:
        ingest(loaded, kind, data / name, **options)
    assert str(excinfo.value) == message
    assert snap(loaded) == before


def test_error_in_a_later_batch_rolls_back_earlier_batches_of_the_same_file(ws, data, tmp_path, snap):
    """A bad row far down a large file leaves nothing of the rows before it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from socialhr.ingest import interactions as mod

    n = 50
    ts = [f"2026-07-01T09:{i % 60:02d}:00Z" for i in range(n)]
    ts[-1] = "not a time"
    pq.write_table(
        pa.table({"timestamp": ts, "sender": ["a@x.example"] * n, "recipients": ["b@x.example"] * n, "channel": ["chat"] * n}),
        tmp_path / "big.parquet",
        row_group_size=10,
    )
    before = snap(ws)
    original = mod.open_table

    def small_batches(*args, **kwargs):
        src = original(*args, **kwargs)
        src.batch_rows = 10
        return src

    mod.open_table = small_batches
    try:
        with pytest.raises(InputError) as excinfo:
            ingest(ws, "interactions", tmp_path / "big.parquet")
    finally:
        mod.open_table = original
    assert str(excinfo.value).startswith("big.parquet, row 50, field 'timestamp': not a timestamp: 'not a time'.")
    assert snap(ws) == before


def test_wrong_encoding_is_fixed_by_the_encoding_option(ws, data):
    result = ingest(ws, "roster", data / "roster" / "latin1.csv", encoding="latin-1")
    assert result.rows_imported == 1
    names = ws.vault.connect().execute("SELECT name FROM people").fetchall()
    assert names == [("José García",)]


def test_unknown_kind_and_inapplicable_option(ws, data):
    with pytest.raises(InputError, match=r"unknown kind of source 'payroll'. Kinds: calendar, email, interactions, .*roster, slack, survey, teams, viva-p2p, viva-person\."):
        ingest(ws, "payroll", data / "roster" / "workday.csv")
    with pytest.raises(InputError, match="the option effective_date does not apply to 'interactions'"):
        ingest(ws, "interactions", data / "interactions" / "messages.csv", effective_date="2026-01-01")


def test_missing_file(ws, tmp_path):
    with pytest.raises(InputError, match="no such file: .*nowhere.csv"):
        ingest(ws, "roster", tmp_path / "nowhere.csv")


def test_header_without_rows(ws, tmp_path, snap):
    (tmp_path / "header.csv").write_text("timestamp,sender,recipients,channel\n")
    before = snap(ws)
    with pytest.raises(InputError) as excinfo:
        ingest(ws, "interactions", tmp_path / "header.csv")
    assert str(excinfo.value) == "header.csv: the file has a header but no rows. Export the interactions again; nothing was imported."
    assert snap(ws) == before
