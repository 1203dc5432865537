"""Network surveys: Microsoft Forms, Google Forms, Qualtrics and long CSV exports become labelled ties."""

from __future__ import annotations

import datetime as dt

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest

ADVICE = "Who do you go to for advice about your work?"
ENERGY = "Who gives you energy when you work with them?"


def _ties(ws, batch_id):
    """(respondent id, colleague id, question, day) with employee ids read back through the vault, for the test only."""
    ids = ws.vault.employee_ids()
    rows = ws.db.execute("SELECT source, target, tie_type, period_start FROM ties WHERE batch_id = ?", [batch_id]).fetchall()
    return sorted((ids.get(s, s), ids.get(t, t), q, d) for s, t, q, d in rows)


def test_microsoft_forms(rostered, data):
    r = ingest(rostered, "survey", data / "survey" / "microsoft_forms.csv")
    assert r.skipped == {"earlier responses of the same respondent": 1, "self-nominations": 1, "answers naming no one": 1, "anonymous responses": 1}
    assert r.notes["ties_by_question"] == {ADVICE: 7, ENERGY: 4}
    assert r.notes["responses"] == {"anonymous": 1, "replaced": 1, "respondents": 4}
    ties = _ties(rostered, r.batch_id)
    d2, d3, d16 = dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 16)
    assert ties == sorted([
        ("E003", "E002", ADVICE, d2), ("E003", "E001", ADVICE, d2), ("E003", "E004", ENERGY, d2),
        ("E005", "E003", ADVICE, d3),
        ("E008", "E006", ADVICE, d16), ("E008", "E006", ENERGY, d16), ("E008", "E007", ENERGY, d16),
        # Edsger answered twice: the second response (line 6) replaces the first.
        ("E004", "E002", ADVICE, d16), ("E004", "E003", ADVICE, d16), ("E004", "E005", ADVICE, d16), ("E004", "E003", ENERGY, d16),
    ])


def test_google_forms_needs_the_question_map_when_it_has_other_questions(rostered, data, snap):
    before = snap(rostered)
    with pytest.raises(InputError) as e:
        ingest(rostered, "survey", data / "survey" / "google_forms.csv")
    assert str(e.value) == (
        "google_forms.csv, line 2, field 'How long have you worked here?': no one on the roster is called '2-5 years'. "
        "Correct the spelling to the roster's, name the person by e-mail, or import the roster first; nothing was imported."
    )
    assert snap(rostered) == before
    r = ingest(rostered, "survey", data / "survey" / "google_forms.csv", question_map={ADVICE: "advice", ENERGY: "energy"})
    ties = _ties(rostered, r.batch_id)
    assert ("E006", "E007", "energy", dt.date(2026, 3, 4)) in ties  # "john von neumann": case is ignored
    assert len(ties) == 10
    assert dict(rostered.db.execute("SELECT question_id, label FROM survey_questions").fetchall()) == {"advice": ADVICE, "energy": ENERGY}


def test_qualtrics_three_header_rows(rostered, data):
    r = ingest(rostered, "survey", data / "survey" / "qualtrics.csv")
    assert r.notes["questions"] == {"Q1": ADVICE + "\n(Select all that apply)", "Q2": ENERGY}
    assert r.notes["ties_by_question"] == {"Q1": 5, "Q2": 3}
    # The unfinished response counts with what it answered, dated when it was recorded.
    assert ("E005", "E003", "Q1", dt.date(2026, 3, 10)) in _ties(rostered, r.batch_id)


def test_long_form_with_ids_and_an_external_colleague(rostered, data):
    r = ingest(rostered, "survey", data / "survey" / "long.csv", survey_date="2026-03-15")
    assert r.notes["shape"] == "long"
    assert r.notes["new_identities"] == {"external": 1}
    ties = _ties(rostered, r.batch_id)
    assert len(ties) == 9 and {t[3] for t in ties} == {dt.date(2026, 3, 15)}
    assert ("E004", "E003", "advice", dt.date(2026, 3, 15)) in ties  # named by e-mail


def test_names_resolve_only_on_the_roster_and_nothing_raw_is_stored(rostered, data, snap):
    ingest(rostered, "survey", data / "survey" / "microsoft_forms.csv")
    stored = repr({k: v for k, v in snap(rostered).items() if not k.startswith("vault.")})
    for raw in ("Alan Turing", "grace.hopper", "E003"):
        assert raw not in stored


def test_namesakes_are_an_error(rostered, data, snap):
    ingest(rostered, "roster", data / "survey" / "roster_namesake.csv")
    before = snap(rostered)
    with pytest.raises(InputError) as e:
        ingest(rostered, "survey", data / "survey" / "namesake.csv")
    assert str(e.value) == (
        "namesake.csv, line 2, field 'Who do you go to for advice?': 2 people on the roster are called 'Alan Turing'. "
        "Name them by e-mail address in the survey (or as 'Name <e-mail>'), so each answer names one person."
    )
    assert snap(rostered) == before


CASES = [
    ("bom_crlf_unknown_name.csv", {}, "bom_crlf_unknown_name.csv, line 3, field 'colleague': no one on the roster is called 'Alan Turin'. Correct the spelling to the roster's, name the person by e-mail, or import the roster first; nothing was imported."),
    ("missing_column.csv", {}, "missing_column.csv, line 1: missing required column 'colleague' (found: respondent, question, answer_text). A survey in long form has the columns respondent, question and colleague."),
    ("empty_question.csv", {}, "empty_question.csv, line 3, field 'question': the question is empty. Every answer needs the id of its question."),
    ("no_questions.csv", {}, "no_questions.csv, line 1: no question columns: every column is the survey tool's own. Export the responses with the questions, or name them with --question-map."),
    ("microsoft_forms.csv", {"question_map": {"Advice?": "advice"}}, "microsoft_forms.csv, line 1: --question-map names 'Advice?', not a column of the file. Columns: ID, Start time, Completion time, Email, Name, Who do you go to for advice about your work?, Who gives you energy when you work with them?."),
    ("long.csv", {"survey_date": "15/03/2026"}, "--survey-date is not a date: '15/03/2026'. Use YYYY-MM-DD."),
]


@pytest.mark.parametrize("name, options, message", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_bad_input_has_an_exact_message_and_stores_nothing(rostered, data, snap, name, options, message):
    before = snap(rostered)
    with pytest.raises(InputError) as e:
        ingest(rostered, "survey", data / "survey" / name, **options)
    assert str(e.value) == message
    assert snap(rostered) == before


def test_microsoft_forms_workbook(rostered, data, tmp_path):
    """Forms exports .xlsx with real datetimes; the same answers give the same ties as the CSV."""
    import csv
    from datetime import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    with open(data / "survey" / "microsoft_forms.csv", encoding="utf-8") as f:
        for i, row in enumerate(csv.reader(f)):
            if i:
                row[1:3] = [datetime.strptime(v, "%m/%d/%Y %H:%M:%S") for v in row[1:3]]
                row[0] = int(row[0])
            sheet.append(row)
    wb.save(tmp_path / "forms.xlsx")
    from_csv = ingest(rostered, "survey", data / "survey" / "microsoft_forms.csv")
    from_xlsx = ingest(rostered, "survey", tmp_path / "forms.xlsx")
    assert _ties(rostered, from_xlsx.batch_id) == _ties(rostered, from_csv.batch_id)
