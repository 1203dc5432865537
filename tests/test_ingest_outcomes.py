"""The outcomes connector: exits, performance, engagement, promotions."""

from __future__ import annotations

import datetime as dt

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest


def _rows(ws, batch_id):
    return ws.db.execute(
        'SELECT person, "date", kind, value, label FROM outcomes WHERE batch_id = ? ORDER BY person, "date", kind', [batch_id]
    ).fetchall()


def test_sample_is_imported_with_pseudonyms_and_rules(rostered, data):
    ws = rostered
    r = ingest(ws, "outcomes", data / "outcomes" / "outcomes.csv")
    assert (r.rows_read, r.rows_imported, r.skipped) == (9, 8, {"repeated rows": 1})
    assert r.notes["kinds"] == {"exit": 2, "performance": 3, "engagement": 2, "promotion": 1}
    # E007 leaves on the roster's exit date; E008 has no exit date on the roster.
    assert r.notes["exits_not_on_roster_exit_date"] == 0
    assert r.notes["exits_of_people_without_roster_exit_date"] == 1
    p = ws.pseudonymiser.person
    rows = _rows(ws, r.batch_id)
    assert (p("E007"), dt.date(2026, 6, 30), "exit", None, "voluntary") in rows
    assert (p("E008"), dt.date(2026, 5, 20), "exit", None, "involuntary") in rows
    assert (p("E005"), dt.date(2026, 3, 31), "performance", 3.5, None) in rows
    assert (p("E005"), dt.date(2026, 4, 1), "promotion", None, "IC3") in rows
    # Nothing raw reaches the analytics database.
    assert not any("E00" in str(v) for row in rows for v in row)


def test_workday_names_day_first_dates_and_emails(rostered, data):
    r = ingest(rostered, "outcomes", data / "outcomes" / "workday_export.csv")
    p = rostered.pseudonymiser.person
    assert _rows(rostered, r.batch_id) == [
        (p("E003"), dt.date(2026, 3, 31), "performance", 4.0, None),
        (p("E003"), dt.date(2026, 6, 15), "engagement", 80.0, None),
    ]


def test_a_corrected_export_replaces_rows_and_the_same_file_changes_nothing(rostered, data, snap):
    ws = rostered
    ingest(ws, "outcomes", data / "outcomes" / "outcomes.csv")
    before = snap(ws)
    assert ingest(ws, "outcomes", data / "outcomes" / "outcomes.csv").status == "duplicate"
    assert snap(ws) == before
    r = ingest(ws, "outcomes", data / "outcomes" / "workday_export.csv")
    assert r.notes["replaced_earlier_rows"] == 2  # E003: the rating of 2026-03-31, the pulse of 2026-06-15
    assert ws.db.execute("SELECT value FROM outcomes WHERE kind = 'engagement' AND batch_id = ?", [r.batch_id]).fetchall() == [(80.0,)]
    assert ws.db.execute("SELECT count(*) FROM outcomes WHERE kind = 'performance'").fetchone()[0] == 3


def test_date_format_reads_ambiguous_dates(rostered, data):
    r = ingest(rostered, "outcomes", data / "outcomes" / "ambiguous_date.csv", date_format="%m/%d/%Y")
    dates = [row[1] for row in _rows(rostered, r.batch_id)]
    assert sorted(dates) == [dt.date(2026, 1, 4), dt.date(2026, 2, 4)]


CASES = [
    ("bom_crlf.csv", "bom_crlf.csv, line 3, field 'value': not a number: 'high'. Give a number (a rating such as 3 or 4.5, a score such as 72), or leave it empty."),
    ("unknown_person.csv", "unknown_person.csv, line 3, field 'person': 'E099' is not anyone on the roster. Import the roster (or the Viva person query, with --id-kind viva) first, or correct the identifier; nothing was imported."),
    ("unknown_kind.csv", "unknown_kind.csv, line 3, field 'kind': unknown kind 'bonus'. Use one of: exit, performance, engagement, promotion."),
    ("bad_exit_type.csv", "bad_exit_type.csv, line 2, field 'label': unknown exit type 'resigned'. Use voluntary, involuntary or other, or leave it empty."),
    ("missing_value.csv", "missing_value.csv, line 2, field 'value': an engagement outcome needs a value. Give the score as a number."),
    ("ambiguous_date.csv", "ambiguous_date.csv, line 2, field 'date': the date '01/04/2026' could be day/month/year or month/day/year, and no date in the file tells which. Pass --date-format %d/%m/%Y (day first) or --date-format %m/%d/%Y (month first)."),
    ("conflict.csv", "conflict.csv, line 3, field 'kind': two different performance outcomes for the same person on 2026-03-31 (lines 2 and 3). Keep one row per person, date and kind."),
    ("missing_column.csv", "missing_column.csv, line 1: missing required column 'date' (found: person, when, kind, value). Rename the column in the file, or map it: --map 'Your Column=date'."),
    ("truncated.csv", "truncated.csv, line 3: expected 5 fields, found 3. The file may be truncated, or a field holds an unquoted comma or an unclosed quote."),
]


@pytest.mark.parametrize("name, message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_has_an_exact_message_and_stores_nothing(rostered, data, snap, name, message):
    before = snap(rostered)
    with pytest.raises(InputError) as e:
        ingest(rostered, "outcomes", data / "outcomes" / name)
    assert str(e.value) == message
    assert snap(rostered) == before


def test_without_a_roster_every_person_is_unknown(ws, data, snap):
    before = snap(ws)
    with pytest.raises(InputError, match="'E007' is not anyone on the roster"):
        ingest(ws, "outcomes", data / "outcomes" / "outcomes.csv")
    assert snap(ws) == before
