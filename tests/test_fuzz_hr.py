"""Hypothesis, bounded: the HR parsers round-trip what they should and never crash on anything else.

Every generated file either imports or raises InputError (which the CLI prints
without a stack trace); a failed import stores nothing.
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialhr.errors import InputError
from socialhr.ingest import ingest
from socialhr.ingest.hr_common import read_dates
from socialhr.workspace import Workspace


DATA = Path(__file__).parent / "data"
BOUNDED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
EMPLOYEES = [f"E00{i}" for i in range(1, 9)]
NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Katherine Johnson", "John von Neumann", "Hedy Lamarr"]


@pytest.fixture(scope="module")
def hr_ws():
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace.init(Path(tmp) / "ws")
        ingest(workspace, "roster", DATA / "roster" / "workday.csv")
        yield workspace
        workspace.close()


_files = iter(range(10**9))


def _write(rows: list[list[str]], *, bom: bool, crlf: bool, before: str = "") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    path = Path(tempfile.mkdtemp()) / f"f{next(_files)}.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (before + buf.getvalue()).encode())
    return path


def _imports_or_refuses(ws, kind, path, snapshot, **options):
    before = snapshot(ws)
    try:
        return ingest(ws, kind, path, **options)
    except InputError as e:
        assert str(e)
        assert snapshot(ws) == before
        return None


outcome_rows = st.lists(
    st.tuples(
        st.sampled_from(EMPLOYEES), st.dates(date(2020, 1, 1), date(2030, 12, 31)),
        st.sampled_from(["exit", "performance", "engagement", "promotion"]),
        st.integers(0, 100), st.sampled_from(["voluntary", "involuntary", "", "Q3, pulse", 'said "great"']),
    ),
    min_size=1, max_size=15, unique_by=lambda r: (r[0], r[1], r[2]),
)


@BOUNDED
@given(rows=outcome_rows, bom=st.booleans(), crlf=st.booleans())
def test_outcomes_round_trip(hr_ws, rows, bom, crlf):
    ws = hr_ws
    lines = [["employee_id", "date", "kind", "value", "label"]]
    expected = set()
    for eid, d, kind, value, label in rows:
        if kind == "exit" and label not in ("voluntary", "involuntary", ""):
            label = "voluntary"
        lines.append([eid, d.isoformat(), kind, str(value), label])
        expected.add((ws.pseudonymiser.person(eid), d, kind, float(value), (label or None)))
    r = ingest(ws, "outcomes", _write(lines, bom=bom, crlf=crlf))
    if r.status == "duplicate":
        return
    stored = set(ws.db.execute('SELECT person, "date", kind, value, label FROM outcomes WHERE batch_id = ?', [r.batch_id]).fetchall())
    assert stored == expected


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


@BOUNDED
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=6), max_size=6), bom=st.booleans(), crlf=st.booleans(),
       kind=st.sampled_from(["outcomes", "viva-p2p", "viva-person", "survey"]))
def test_hostile_tables_never_crash(hr_ws, snap, rows, bom, crlf, kind):
    ws = hr_ws
    headers = {
        "outcomes": ["person", "date", "kind", "value", "label"],
        "viva-p2p": ["PrimaryCollaborator_PersonId", "SecondaryCollaborator_PersonId", "MetricDate", "Strong_tie_score", "Strong_tie_type"],
        "viva-person": ["PersonId", "MetricDate", "Meetings", "Organization"],
        "survey": ["Email", "Completion time", "Who do you go to for advice?"],
    }
    _imports_or_refuses(ws, kind, _write([headers[kind]] + rows, bom=bom, crlf=crlf), snap)


@BOUNDED
@given(data=st.binary(max_size=300), kind=st.sampled_from(["outcomes", "viva-p2p", "viva-person", "survey"]))
def test_random_bytes_never_crash(hr_ws, snap, data, kind):
    ws = hr_ws
    path = Path(tempfile.mkdtemp()) / f"f{next(_files)}.csv"
    path.write_bytes(data)
    _imports_or_refuses(ws, kind, path, snap)


@BOUNDED
@given(
    answers=st.lists(st.tuples(st.sampled_from(EMPLOYEES), st.lists(st.sampled_from(NAMES + ["None", "grace.hopper@acme.example"]), max_size=4)), min_size=1, max_size=8),
    sep=st.sampled_from([";", ","]),
)
def test_survey_round_trip(hr_ws, snap, answers, sep):
    ws = hr_ws
    emails = dict(zip(EMPLOYEES, ["ada.lovelace", "alan.turing", "grace.hopper", "edsger.dijkstra", "barbara.liskov", "katherine.johnson", "john.vonneumann", "hedy.lamarr"]))
    person_of = {n: ws.pseudonymiser.person(e) for n, e in zip(NAMES, EMPLOYEES)}
    person_of["grace.hopper@acme.example"] = ws.pseudonymiser.person("E003")
    lines = [["Email", "Who do you go to for advice?"]]
    last = {}
    for eid, named in answers:
        lines.append([f"{emails[eid]}@acme.example", sep.join(named) + (";" if sep == ";" and named else "")])
        last[eid] = named
    expected = set()
    for eid, named in last.items():
        me = ws.pseudonymiser.person(eid)
        expected |= {(me, person_of[n]) for n in named if n != "None" and person_of[n] != me}
    r = _imports_or_refuses(ws, "survey", _write(lines, bom=False, crlf=False), snap)
    assert r is not None
    if r.status == "duplicate":
        return
    assert set(ws.db.execute("SELECT source, target FROM ties WHERE batch_id = ?", [r.batch_id]).fetchall()) == expected


@BOUNDED
@given(rows=st.lists(st.tuples(cells, cells, cells, cells), max_size=5), notes=st.integers(0, 4))
def test_linkedin_never_crashes(hr_ws, rows, notes):
    ws = hr_ws
    before = "Notes:\n" + "\n" * notes
    lines = [["First Name", "Last Name", "Company", "Connected On"]] + [list(r) for r in rows]
    try:
        ingest(ws, "linkedin", _write(lines, bom=False, crlf=False, before=before), owner="E003")
    except InputError as e:
        assert str(e)


@BOUNDED
@given(days=st.lists(st.dates(date(1990, 1, 1), date(2060, 12, 31)), min_size=1, max_size=10), day_first=st.booleans())
def test_slash_dates_round_trip_when_one_date_decides(days, day_first):
    fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    texts = {d.strftime(fmt): i for i, d in enumerate(days + [date(2024, 12, 31)])}
    parsed = read_dates(texts, None, None, "date")
    assert {t: parsed[t] for t in texts} == {d.strftime(fmt): d for d in days + [date(2024, 12, 31)]}
