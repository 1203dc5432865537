"""Viva Insights person-to-person and person query exports, on hand-made samples and Microsoft's own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest


def _microsoft_sample(name: str) -> Path:
    """Microsoft's sample export shipped in the vivainsights package (a test-only dependency)."""
    vivainsights = pytest.importorskip("vivainsights")
    path = Path(vivainsights.__file__).parent / "data" / name
    assert path.exists(), f"vivainsights no longer ships data/{name}"
    return path


def _viva(ws, person_id: str) -> str:
    return ws.pseudonymiser.token("viva", person_id)


def test_microsoft_p2p_sample(ws, snap):
    path = _microsoft_sample("p2p_data.csv")
    # Its MetricDate 01/04/2023 is 1 April or 4 January: socialhr will not guess.
    before = snap(ws)
    with pytest.raises(InputError, match=r"line 2, field 'MetricDate': the date '01/04/2023' could be day/month/year or month/day/year"):
        ingest(ws, "viva-p2p", path)
    assert snap(ws) == before
    r = ingest(ws, "viva-p2p", path, date_format="%d/%m/%Y")
    assert (r.rows_read, r.rows_imported, r.skipped) == (2014, 2014, {})
    assert r.notes["ties"] == {"viva_diverse": 2013, "viva_strong": 2014}  # one diverse score is 0
    assert r.notes["tie_type_codes"]["Strong_tie_type"] == {"1": 568, "2": 1446}
    assert r.notes["new_people"] == 3783
    first = ws.db.execute(
        "SELECT period_start, period_end, weight FROM ties WHERE source = ? AND target = ? AND tie_type = 'viva_strong'",
        [_viva(ws, "00014d52-6545-3d9a-80be-dfb892e9fa16"), _viva(ws, "7d3ae47a-ea85-3bb2-8463-4648aee7d87f")],
    ).fetchall()
    assert first == [(dt.date(2023, 4, 1), dt.date(2023, 4, 30), pytest.approx(0.069560552))]
    # Viva PersonIds live in the vault only.
    assert ws.db.execute("SELECT count(*) FROM identities WHERE kind = 'viva' AND status = 'person'").fetchone()[0] == 3783
    dump = str(snap(ws)["ties"]) + str(snap(ws)["identities"])
    assert "00014d52-6545" not in dump


def test_microsoft_person_query_sample(ws):
    r = ingest(ws, "viva-person", _microsoft_sample("pq_data.csv"))
    assert r.rows_read == 10500
    assert r.notes["people"] == 300 and r.notes["weeks"] == 35 and r.notes["metrics"] == 66
    assert r.notes["hr_attributes"] == ["Level", "Organization"]
    assert r.notes["left_out"] == ["FunctionType", "SupervisorIndicator", "LevelDesignation"]  # not named by hr_columns
    assert ws.db.execute("SELECT count(*) FROM person_week_metrics").fetchone()[0] == 693000  # no metric is ever empty
    p = _viva(ws, "bf361ad4-fc29-432f-95f3-837e689f4ac4")
    value = ws.db.execute(
        "SELECT value FROM person_week_metrics WHERE person = ? AND week = DATE '2024-03-31' AND metric = 'Internal_network_size'", [p]
    ).fetchone()[0]
    assert value == 92
    dept, level = ws.db.execute("SELECT department, level FROM people WHERE person = ?", [p]).fetchone()
    assert (dept, level) == ("IT", "Level3")
    # Everyone has one open record, from the start of records.
    assert ws.db.execute("SELECT count(*), count(DISTINCT person) FROM people").fetchone() == (300, 300)


def test_hand_made_monthly_p2p(ws, data):
    r = ingest(ws, "viva-p2p", data / "viva" / "p2p_monthly.csv", date_format="%m/%d/%Y")
    assert (r.rows_read, r.rows_imported) == (7, 5)
    assert r.skipped == {"self-ties": 1, "no tie score above 0": 1}
    assert r.notes["ties"] == {"viva_diverse": 5, "viva_strong": 3}
    assert r.notes["metric_dates"] == ["2026-03-01", "2026-04-01", "2026-12-01"]
    a, b = _viva(ws, "a1f0c2d4-0001-4d2e-9a51-000000000001"), _viva(ws, "a1f0c2d4-0002-4d2e-9a51-000000000002")
    rows = ws.db.execute(
        "SELECT period_start, period_end, weight FROM ties WHERE source = ? AND target = ? AND tie_type = 'viva_strong' ORDER BY 1", [a, b]
    ).fetchall()
    assert rows == [(dt.date(2026, 3, 1), dt.date(2026, 3, 31), 0.35), (dt.date(2026, 4, 1), dt.date(2026, 4, 30), 0.38)]


def test_person_query_attributes_make_history(ws, data):
    ingest(ws, "viva-p2p", data / "viva" / "p2p_monthly.csv", date_format="%m/%d/%Y")
    r = ingest(ws, "viva-person", data / "viva" / "person_query.csv", hr_columns="Organization,Level,FunctionType")
    assert r.notes["hr_attributes"] == ["Organization", "Level", "FunctionType"]
    assert r.notes["new_people"] == 1  # 0005 is new; 0001 and 0002 came with the ties
    b = _viva(ws, "a1f0c2d4-0002-4d2e-9a51-000000000002")
    history = ws.db.execute(
        "SELECT valid_from, valid_to, department, level, CAST(attributes AS VARCHAR) FROM people_history WHERE person = ? ORDER BY 1", [b]
    ).fetchall()
    assert history == [
        (dt.date(1900, 1, 1), dt.date(2026, 3, 8), "Research", "Level2", '{"FunctionType": "Manager"}'),
        (dt.date(2026, 3, 8), None, "Sales", "Level2", '{"FunctionType": "Manager"}'),
    ]
    metrics = dict(ws.db.execute("SELECT metric, count(*) FROM person_week_metrics GROUP BY 1").fetchall())
    assert metrics == {"Collaboration_hours": 5, "Internal_network_size": 5, "Meetings": 4}  # an empty value is no row
    # Five people, one record each but 0002's two: a week that changes nothing opens no record.
    assert ws.db.execute("SELECT count(*) FROM people_history").fetchone()[0] == 6


def test_hr_columns_option_overrides_detection(ws, data):
    r = ingest(ws, "viva-person", data / "viva" / "person_query.csv", hr_columns="Organization, Level, FunctionType, Meetings")
    assert r.notes["metrics"] == 2
    with pytest.raises(InputError, match=r"--hr-columns names 'Team', not a column of the file"):
        ingest(ws, "viva-person", data / "viva" / "person_query.csv", hr_columns=["Team"])


CASES = [
    ("viva-person", "bom_crlf_person.csv", "bom_crlf_person.csv, line 4, field 'Collaboration_hours': not a number: 'n/a'. Metric columns hold numbers; name text columns with --hr-columns."),
    ("viva-p2p", "bad_score.csv", "bad_score.csv, line 3, field 'Strong_tie_score': not a tie score: 'high'. Viva Insights writes a number of 0 or more."),
    ("viva-p2p", "bad_type.csv", "bad_type.csv, line 3, field 'Strong_tie_type': not a tie type code: 'strong'. Viva Insights writes a whole number such as 0, 1 or 2."),
    ("viva-p2p", "empty_person.csv", "empty_person.csv, line 3, field 'PrimaryCollaborator_PersonId': the PersonId is empty. Every row needs both collaborators' PersonIds; export the query again."),
    ("viva-p2p", "no_score.csv", "no_score.csv, line 1: no tie score column (found: PrimaryCollaborator_PersonId, SecondaryCollaborator_PersonId, MetricDate). Export the person-to-person query with the Strong_tie_score or Diverse_tie_score metric."),
    ("viva-p2p", "missing_column.csv", "missing_column.csv, line 1: missing required column 'SecondaryCollaborator_PersonId' (found: PrimaryCollaborator_PersonId, MetricDate, Strong_tie_score). Rename the column in the file, or map it: --map 'Your Column=SecondaryCollaborator_PersonId'."),
    ("viva-person", "duplicate_week.csv", "duplicate_week.csv, line 4, field 'PersonId': the same person and week appear twice (lines 2 and 4). A person query has one row per person and week; export it again."),
    ("viva-person", "bad_date.csv", "bad_date.csv, line 3, field 'MetricDate': not a date: '2026-13-01'. Use YYYY-MM-DD."),
    ("viva-p2p", "p2p_monthly.csv", "p2p_monthly.csv, line 2, field 'MetricDate': the date '3/1/2026' could be day/month/year or month/day/year, and no date in the file tells which. Pass --date-format %d/%m/%Y (day first) or --date-format %m/%d/%Y (month first)."),
]


@pytest.mark.parametrize("kind, name, message", CASES, ids=[c[1] for c in CASES])
def test_bad_input_has_an_exact_message_and_stores_nothing(loaded, data, snap, kind, name, message):
    before = snap(loaded)
    with pytest.raises(InputError) as e:
        ingest(loaded, kind, data / "viva" / name)
    assert str(e.value) == message
    assert snap(loaded) == before


def test_viva_only_people_reach_the_network(ws, data):
    """Without a roster, PersonIds made people keep their ties in the aggregated network."""
    from socialhr.network.aggregate import aggregate
    from socialhr.network.windows import Window

    ingest(ws, "viva-p2p", data / "viva" / "p2p_monthly.csv", date_format="%m/%d/%Y")
    edges, _ = aggregate(ws, [Window("march", dt.date(2026, 3, 1), dt.date(2026, 4, 1))])
    march = {ch: {(e["source"], e["target"]) for e in edges.to_pylist() if e["channel"] == ch} for ch in ("all", "viva_strong", "viva_diverse")}
    a, b, c = (_viva(ws, f"a1f0c2d4-000{i}-4d2e-9a51-00000000000{i}") for i in (1, 2, 3))
    assert march == {"all": {(a, b), (b, a), (a, c)}, "viva_strong": {(a, b), (b, a)}, "viva_diverse": {(a, b), (b, a), (a, c)}}


def test_person_query_notes_count_the_records_it_closed(ws, data, tmp_path):
    """records_closed is the number of history records the import ended (valid_to set), whether
    they were stored before it or opened by it; records_opened those it added."""

    def closed():
        return ws.db.execute("SELECT count(*) FROM people_history WHERE valid_to IS NOT NULL").fetchone()[0]

    def records():
        return ws.db.execute("SELECT count(*) FROM people_history").fetchone()[0]

    ingest(ws, "viva-p2p", data / "viva" / "p2p_monthly.csv", date_format="%m/%d/%Y")
    before_closed, before = closed(), records()
    r = ingest(ws, "viva-person", data / "viva" / "person_query.csv", hr_columns="Organization,Level,FunctionType")
    # 0002 moves from Research to Sales in its second week: the record opened for Research ends.
    assert r.notes["records_closed"] == closed() - before_closed == 1
    # A later query that moves 0001 to Legal ends its stored record.
    later = tmp_path / "later.csv"
    later.write_text('"PersonId","MetricDate","Meetings","Organization","Level","FunctionType"\n'
                     '"a1f0c2d4-0001-4d2e-9a51-000000000001",2026-03-15,4,"Legal","Level3","Specialist"\n'
                     '"a1f0c2d4-0001-4d2e-9a51-000000000001",2026-03-22,4,"Legal","Level4","Specialist"\n')
    before_closed, before = closed(), records()
    r = ingest(ws, "viva-person", later, hr_columns="Organization,Level,FunctionType")
    assert r.notes["records_closed"] == closed() - before_closed == 2
    assert r.notes["records_opened"] == records() - before == 2
