"""No SQL from file contents (issue 14, section 1).

Someone who controls an input file chooses its column names, its sheet name
and its values. Whatever they write, socialhr must only ever treat it as data:
a hostile name ends in a clear error or a harmless column (stored as data, or
left out), never in SQL that runs. Every case below is run with the working
folder set to a temporary folder that holds a decoy key
(``hr/vault/pseudonymisation.key``) with a known secret, and checks that

* no file was read: the decoy's secret (and the workspace's real key) is in no
  table and not in the database files;
* no file was written: the working folder's listing is unchanged;
* nothing was created: the tables, views, macros and attached databases are
  those there were before.

The worker processes of the network metrics must not import a ``socialhr``
folder from the working folder either (last test).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from socialhr.cli import app
from socialhr.errors import InputError
from socialhr.ingest import ingest
from socialhr.ingest.linkedin import connections
from socialhr.sql import quote_identifier
from socialhr.workspace import Workspace

DATA = Path(__file__).parent.parent / "data"
SECRET = "socialhr-decoy-secret-5b1f0c"

# The header cell of the report: it made the Viva person import read every key
# below the working folder into the database and write x.csv.
ISSUE_HEADER = (
    "PersonId\"), '') IS NULL) FROM _probe; CREATE TABLE main.leak AS SELECT filename, content FROM "
    "read_blob('**/pseudonymisation.key'); COPY (SELECT 'owned' AS x) TO 'x.csv'; SELECT 1, 1 --"
)

# Column names as an attacker would write them: each closes a quoted
# identifier or a string at some place socialhr might paste it, then reads,
# writes or attaches a file.
HOSTILE = {
    "double_quote": 'Team "A"',
    "single_quote": "O'Brien's score",
    "semicolon": "x; DROP TABLE people_history; SELECT 1",
    "comment": "x -- the rest is a comment",
    "read_blob": "x\", (SELECT string_agg(content::VARCHAR, '') FROM read_blob('**/pseudonymisation.key')) AS \"y",
    "read_blob_in_string": "k', (SELECT string_agg(content::VARCHAR, '') FROM read_blob('**/pseudonymisation.key')), 'k2",
    "copy_to": "x\" FROM _staged; COPY (SELECT 'owned' AS x) TO 'owned.csv'; SELECT \"x",
    "attach": "x\" FROM _staged; ATTACH 'attached.duckdb' AS evil; SELECT \"x",
    "long": "L" * 10_000,
    "issue": ISSUE_HEADER,
}
NUL = "Collab\x00oration"


# -- the working folder, the decoy and what must not change ---------------------------

@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """The working folder (the current one while the test runs), with a decoy key below it."""
    folder = tmp_path / "work"
    (folder / "hr" / "vault").mkdir(parents=True)
    (folder / "hr" / "vault" / "pseudonymisation.key").write_text(SECRET)
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def workspace(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    yield ws
    ws.close()


def _listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size if p.is_file() else -1) for p in folder.rglob("*"))


def _objects(ws) -> dict[str, list]:
    q = ws.db.execute
    return {
        "tables": q("SELECT database_name, schema_name, table_name, temporary FROM duckdb_tables() ORDER BY ALL").fetchall(),
        "views": q("SELECT database_name, schema_name, view_name, temporary FROM duckdb_views() WHERE NOT internal ORDER BY ALL").fetchall(),
        "macros": q("SELECT function_name FROM duckdb_functions() WHERE NOT internal ORDER BY ALL").fetchall(),
        "databases": q("SELECT database_name, path FROM duckdb_databases() ORDER BY ALL").fetchall(),
    }


def _leaks(ws) -> list[str]:
    """Where the decoy's secret or the workspace's own key is stored: tables, and the database files."""
    key = (ws.vault.dir / "pseudonymisation.key").read_bytes()
    found = []
    for db, schema, table in ws.db.execute("SELECT database_name, schema_name, table_name FROM duckdb_tables()").fetchall():
        for row in ws.db.execute("SELECT * FROM " + ".".join(map(quote_identifier, (db, schema, table)))).fetchall():
            for value in row:
                text = value if isinstance(value, bytes) else str(value).encode()
                if SECRET.encode() in text or key in text or key.hex() in str(value):
                    found.append(f"{table}: {value!r:.80}")
    for path in ws.path.glob("socialhr.duckdb*"):
        content = path.read_bytes()
        if SECRET.encode() in content or key in content:
            found.append(path.name)
    return found


@contextmanager
def contained(ws, work: Path):
    """The block may fail, but must read, write and create nothing."""
    listing, objects = _listing(work), _objects(ws)
    yield
    assert _listing(work) == listing, "a file was written in the working folder"
    assert _objects(ws) == objects, "a table, view, macro or database was created"
    assert _leaks(ws) == [], "a file's content was read into the workspace"


# -- files: the samples of tests/data, with one more column named by the attacker --------

def _csv_rows(sample: Path, skip: int = 0) -> tuple[list[str], list[list[str]], list[str]]:
    with open(sample, encoding="utf-8-sig", newline="") as f:
        notes = [f.readline() for _ in range(skip)]
        rows = list(csv.reader(f))
    return notes, rows[0], [r for r in rows[1:] if r]


def _write_csv(out: Path, notes, header, rows) -> Path:
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.writelines(notes)
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return out


def _with_column(sample: Path, out: Path, name: str, values: list[str], *, skip: int = 0) -> Path:
    """``sample`` (CSV) with a column ``name`` added, holding ``values`` (cycled over the rows)."""
    notes, header, rows = _csv_rows(sample, skip)
    return _write_csv(out, notes, header + [name], [r + [values[i % len(values)]] for i, r in enumerate(rows)])


def _table(sample: Path, name: str, values: list[str]) -> pa.Table:
    _, header, rows = _csv_rows(sample)
    cols = {h: [r[i] or None for r in rows] for i, h in enumerate(header)}
    cols[name] = [values[i % len(values)] for i in range(len(rows))]
    return pa.table(cols)


def _parquet(table: pa.Table, out: Path) -> Path:
    pq.write_table(table, out)
    return out


def _jsonl(table: pa.Table, out: Path) -> Path:
    out.write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()), encoding="utf-8")
    return out


def _xlsx(table: pa.Table, out: Path, sheet: str) -> Path:
    book = openpyxl.Workbook()
    sheet_ = book.active
    sheet_.title = sheet
    sheet_.append(table.column_names)
    for row in table.to_pylist():
        sheet_.append(list(row.values()))
    book.save(out)
    return out


def _interactions_table(name: str, values: list[str]) -> pa.Table:
    t = pq.read_table(DATA / "interactions" / "messages.parquet")
    return t.append_column(name, pa.array([values[i % len(values)] for i in range(t.num_rows)]))


def _interactions_jsonl(out: Path, name: str, values: list[str]) -> Path:
    t = _interactions_table(name, values)
    return _jsonl(t.set_column(0, "timestamp", pa.array([v.isoformat() for v in t.column("timestamp").to_pylist()])), out)


# Sheet names are not read (the first sheet is), but the workbook may name it anything.
HOSTILE_SHEET = "x'); DROP TABLE people; --"

# What the hostile column holds: text, numbers, or colleagues' names (survey), as each importer takes them.
TEXT = ["Robert'); DROP TABLE people_history; --", "hostile value two"]
NUMBERS = ["1.5", "2", "3"]
NAMES = ["Alan Turing;", "Grace Hopper;Ada Lovelace"]


# -- where a hostile column must end up after an import that succeeds -----------------------

def _attribute_stored(ws, name, values):
    attrs = [json.loads(a) for (a,) in ws.db.execute("SELECT CAST(attributes AS VARCHAR) FROM people_history ORDER BY person").fetchall()]
    assert {a[name] for a in attrs} == set(values)


def _left_out(ws, name, values):
    stored = repr(ws.db.execute("SELECT * FROM ingestion_log").fetchall())
    for table in ("people_history", "identities", "channels", "contexts", "ties", "outcomes", "groups", "person_week_metrics", "survey_questions"):
        stored += repr(ws.db.execute(f"SELECT * FROM {table}").fetchall())
    assert name[:40] not in stored
    assert not any(v in stored for v in values)


def _left_out_of_the_vault(ws, name, values):
    _left_out(ws, name, values)
    rows = connections(ws, ws.pseudonymiser.person("E003"))
    assert {k for r in rows for k in r} == {"owner", "first_name", "last_name", "url", "email", "company", "position", "connected_on", "batch_id"}
    assert not any(v in repr(rows) for v in values)


def _question_stored(ws, name, values):
    assert ws.db.execute("SELECT DISTINCT tie_type FROM ties WHERE tie_type = ?", [name]).fetchall() == [(name,)]
    assert ws.db.execute("SELECT question_id, label FROM survey_questions WHERE question_id = ?", [name]).fetchall() == [(name, name)]


def _question_mapped(ws, name, values):
    assert sorted(r[0] for r in ws.db.execute("SELECT DISTINCT tie_type FROM ties").fetchall()) == sorted(["advice", name])


def _metric_stored(ws, name, values):
    rows = ws.db.execute("SELECT value FROM person_week_metrics WHERE metric = ?", [name]).fetchall()
    assert sorted(v for (v,) in rows) == sorted(float(values[i % len(values)]) for i in range(5))  # (the sample's five rows)


def _viva_attribute_stored(ws, name, values):
    attrs = [json.loads(a) for (a,) in ws.db.execute("SELECT CAST(attributes AS VARCHAR) FROM people_history WHERE attributes IS NOT NULL").fetchall()]
    assert attrs and all(a[name] in values for a in attrs)


def _context_stored(ws, name, values):
    # (contexts are stored as keyed tokens, never as text: tests/security/test_declared_data.py)
    expected = sorted(set(ws.pseudonymiser.tokens("context", values)))
    assert sorted(r[0] for r in ws.db.execute("SELECT context FROM contexts").fetchall()) == expected


@dataclass(frozen=True)
class Case:
    """One importer and format: how to write its file with a column named ``name``
    holding ``values``, and what must hold after the import."""

    kind: str
    write: Callable[[Path, str, list[str]], Path]
    values: list[str]
    check: Callable
    roster_first: bool = False
    options: Callable[[str], dict] = lambda name: {}
    settings: Callable[[str], dict] = lambda name: {}


def _csv(sample: str, out: str, skip: int = 0):
    return lambda work, name, values: _with_column(DATA / sample, work / out, name, values, skip=skip)


ADVICE = "Who do you go to for advice about your work?"
# A roster column outside the model is stored only when declared (section 2): the hostile one is.
DECLARED = lambda name: {"attributes": [name]}  # noqa: E731
ROSTER = "roster/workday.csv"

CASES = {
    "roster-csv": Case("roster", _csv(ROSTER, "roster.csv"), TEXT, _attribute_stored, options=DECLARED),
    "roster-xlsx": Case("roster", lambda w, n, v: _xlsx(_table(DATA / ROSTER, n, v), w / "roster.xlsx", HOSTILE_SHEET), TEXT, _attribute_stored, options=DECLARED),
    "roster-parquet": Case("roster", lambda w, n, v: _parquet(_table(DATA / ROSTER, n, v), w / "roster.parquet"), TEXT, _attribute_stored, options=DECLARED),
    "roster-jsonl": Case("roster", lambda w, n, v: _jsonl(_table(DATA / ROSTER, n, v), w / "roster.jsonl"), TEXT, _attribute_stored, options=DECLARED),
    "interactions-csv": Case("interactions", _csv("interactions/messages.csv", "i.csv"), TEXT, _left_out, roster_first=True),
    "interactions-parquet": Case("interactions", lambda w, n, v: _parquet(_interactions_table(n, v), w / "i.parquet"), TEXT, _left_out, roster_first=True),
    "interactions-jsonl": Case("interactions", lambda w, n, v: _interactions_jsonl(w / "i.jsonl", n, v), TEXT, _left_out, roster_first=True),
    # The name given again by the user: --map NAME=context, or column_map in socialhr.toml.
    "interactions-map": Case("interactions", _csv("interactions/messages.csv", "i.csv"), TEXT, _context_stored, roster_first=True,
                             options=lambda name: {"column_map": {name: "context"}}),
    "interactions-settings-map": Case("interactions", _csv("interactions/messages.csv", "i.csv"), TEXT, _context_stored, roster_first=True,
                                      settings=lambda name: {"column_map": {"interactions": {name: "context"}}}),
    "outcomes": Case("outcomes", _csv("outcomes/outcomes.csv", "o.csv"), TEXT, _left_out, roster_first=True),
    "survey-wide": Case("survey", _csv("survey/microsoft_forms.csv", "s.csv"), NAMES, _question_stored, roster_first=True),
    "survey-question-map": Case("survey", _csv("survey/microsoft_forms.csv", "s.csv"), NAMES, _question_mapped, roster_first=True,
                                options=lambda name: {"question_map": {ADVICE: "advice", name: name}}),
    "viva-p2p": Case("viva-p2p", _csv("viva/p2p_monthly.csv", "p2p.csv"), TEXT, _left_out, options=lambda name: {"date_format": "%m/%d/%Y"}),
    "viva-person-metric": Case("viva-person", _csv("viva/person_query.csv", "p.csv"), NUMBERS, _metric_stored),
    "viva-person-attribute": Case("viva-person", _csv("viva/person_query.csv", "p.csv"), TEXT, _viva_attribute_stored,
                                  options=lambda name: {"hr_columns": [name]}),
    "linkedin": Case("linkedin", _csv("linkedin/Connections.csv", "Connections.csv", skip=3), TEXT, _left_out_of_the_vault, roster_first=True,
                     options=lambda name: {"owner": "E003"}),
}


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[bool, Path]:
    """Two workspaces to copy (making one per test took most of the module's time): empty, and with the sample roster."""
    folder = tmp_path_factory.mktemp("templates")
    for roster in (False, True):
        with Workspace.init(folder / str(roster)) as ws:
            if roster:
                ingest(ws, "roster", DATA / ROSTER)
    return {roster: folder / str(roster) for roster in (False, True)}


@pytest.fixture
def case_workspace(request, tmp_path, templates):
    """A workspace for the test's ``case`` and ``name`` (with the case's settings), holding the sample roster when the case needs it."""
    case, name = CASES[request.getfixturevalue("case")], request.getfixturevalue("name")
    if case.settings(name):
        ws = Workspace.init(tmp_path / "ws", settings=case.settings(name))
        if case.roster_first:
            ingest(ws, "roster", DATA / ROSTER)
    else:
        shutil.copytree(templates[case.roster_first], tmp_path / "ws")
        ws = Workspace.open(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.mark.parametrize("name", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_column_name_is_data(case, name, case_workspace, work):
    """The column is imported under its own name as data, or left out; nothing is read, written or created."""
    ws, case = case_workspace, CASES[case]
    path = case.write(work, name, case.values)
    with contained(ws, work):
        result = ingest(ws, case.kind, path, **case.options(name))
    assert result.rows_imported > 0
    case.check(ws, name, case.values)


@pytest.mark.parametrize("name", [NUL], ids=["nul"])
@pytest.mark.parametrize("case", [c for c in CASES if c != "roster-xlsx"])  # (an XLSX file cannot hold a NUL character)
def test_a_nul_character_in_a_column_name_is_refused(case, name, case_workspace, work, snap):
    ws, case = case_workspace, CASES[case]
    path = case.write(work, name, case.values)
    before = snap(ws)
    with contained(ws, work), pytest.raises(InputError) as e:
        ingest(ws, case.kind, path, **case.options(name))
    assert str(e.value) == (
        f"{path.name}, line {4 if case.kind == 'linkedin' else 1}: the column name 'Collab\\x00oration' holds a NUL character. "
        "The file may be damaged or not text; export it again."
    )
    assert snap(ws) == before


def test_the_reported_header_through_the_cli(tmp_path, work):
    """The file of the report, imported as the report did: a metric named by the header, nothing else."""
    path = _with_column(DATA / "viva" / "person_query.csv", work / "person.csv", ISSUE_HEADER, NUMBERS)
    with Workspace.init(tmp_path / "ws") as ws:
        listing, objects = _listing(work), _objects(ws)
    r = CliRunner().invoke(app, ["ingest", str(tmp_path / "ws"), "viva-person", str(path)])
    assert r.exit_code == 0, r.output
    assert "Error" not in r.output
    assert _listing(work) == listing
    with Workspace.open(tmp_path / "ws") as ws:
        assert _objects(ws) == objects
        assert _leaks(ws) == []
        _metric_stored(ws, ISSUE_HEADER, NUMBERS)


def test_metric_columns_differing_only_in_case_keep_their_own_values(workspace, work):
    """DuckDB's names ignore case: two such columns must not read as one."""
    notes, header, rows = _csv_rows(DATA / "viva" / "person_query.csv")
    path = _write_csv(work / "p.csv", notes, header + ["meetings"], [r + [str(100 + i)] for i, r in enumerate(rows)])
    with contained(workspace, work):
        ingest(workspace, "viva-person", path)
    stored = dict(workspace.db.execute("SELECT metric, sum(value) FROM person_week_metrics GROUP BY 1").fetchall())
    assert stored["Meetings"] == 15 + 22 + 20 + 3
    assert stored["meetings"] == 100 + 101 + 102 + 103 + 104


# -- hostile values: channel names, kinds, contexts, group names ----------------------------

def test_hostile_values_are_stored_as_data(workspace, work):
    ingest(workspace, "roster", DATA / "roster" / "workday.csv")
    _, header, rows = _csv_rows(DATA / "roster" / "workday.csv")
    dept = "Sales'); DROP TABLE groups; --"
    team = 'EMEA" FROM read_blob(\'**/pseudonymisation.key\') --'
    roster = _write_csv(work / "roster2.csv", [], header, [r[:3] + [dept, team] + r[5:] if r[3] == "Sales" else r for r in rows])
    channel = "chat'); COPY (SELECT 1) TO 'owned.csv'; --"
    context = "thread\"; ATTACH 'attached.duckdb' AS evil; --"
    interactions = _write_csv(work / "i.csv", [], ["timestamp", "sender", "recipients", "channel", "context"], [
        ["2026-07-01T09:15:00+01:00", "E001", "E002", channel, context],
        ["2026-07-01T09:20:00+01:00", "E002", "E001", "EMAIL", "x' || (SELECT 1) || '"],
    ])
    with contained(workspace, work):
        ingest(workspace, "roster", roster, effective_date=dt.date(2030, 1, 1))
        ingest(workspace, "interactions", interactions)
    q = workspace.db.execute
    assert {(k, n) for k, n in q("SELECT kind, name FROM groups").fetchall()} >= {("department", dept), ("team", team)}
    tokens = workspace.pseudonymiser.tokens("context", [context, "x' || (SELECT 1) || '"])  # (contexts are stored as keyed tokens)
    assert q("SELECT channel, context FROM interactions ORDER BY \"timestamp\"").fetchall() == [
        (channel.lower(), tokens[0]), ("email", tokens[1])]


@pytest.mark.parametrize("kind_value", ["meeting'); DROP TABLE interaction_rows; --", 'x" FROM read_blob(\'*\') --'])
def test_a_hostile_kind_is_an_error_that_shows_it(kind_value, workspace, work, snap):
    path = _write_csv(work / "i.csv", [], ["timestamp", "sender", "recipients", "channel", "kind"], [
        ["2026-07-01T09:15:00+01:00", "E001", "E002", "chat", kind_value]])
    before = snap(workspace)
    with contained(workspace, work), pytest.raises(InputError) as e:
        ingest(workspace, "interactions", path)
    assert str(e.value) == (f"i.csv, line 2, field 'kind': unknown kind {kind_value!r}. "
                            "Use one of: message, meeting, broadcast, reply, mention, or leave it empty.")
    assert snap(workspace) == before


def test_hostile_viva_values_are_data_or_a_clear_error(workspace, work, snap):
    notes, header, rows = _csv_rows(DATA / "viva" / "person_query.csv")
    org = "Research'); DROP TABLE people_history; --"
    path = _write_csv(work / "p.csv", notes, header, [r[:5] + [org] + r[6:] for r in rows])
    with contained(workspace, work):
        ingest(workspace, "viva-person", path)
    assert {d for (d,) in workspace.db.execute("SELECT department FROM people_history").fetchall()} == {org}
    # (one value that is not a number in a column of numbers: the column stays a metric, the value is an error)
    bad = _write_csv(work / "bad.csv", notes, header, [r[:2] + ["1; DROP TABLE ties"] + r[3:] for r in rows[:1]] + rows[1:])
    before = snap(workspace)
    with contained(workspace, work), pytest.raises(InputError) as e:
        ingest(workspace, "viva-person", bad)
    assert str(e.value) == ("bad.csv, line 2, field 'Collaboration_hours': not a number: '1; DROP TABLE ties'. "
                            "Metric columns hold numbers; name text columns with --hr-columns.")
    assert snap(workspace) == before


def test_hostile_slack_channel_names_are_data(workspace, work, tmp_path):
    export = tmp_path / "slack"
    shutil.copytree(DATA / "slack" / "export", export)
    channels = json.loads((export / "channels.json").read_text())
    hostile = "general'); DROP TABLE groups; --"
    for c in channels:
        if c["name"] == "general":
            c["name"] = hostile
    (export / "channels.json").write_text(json.dumps(channels))
    (export / "general").rename(export / hostile)
    ingest(workspace, "roster", DATA / "roster" / "workday.csv")
    with contained(workspace, work):
        ingest(workspace, "slack", export)
    assert (hostile,) in workspace.db.execute("SELECT name FROM groups").fetchall()


# -- worker processes import only the installed package ------------------------------------

def test_metric_workers_do_not_import_socialhr_from_the_working_folder(workspace, work):
    """A ``socialhr`` folder in the working folder is never imported by the worker
    processes of betweenness and harmonic closeness (networks of 2,000 people or more,
    ``network_workers`` above 1), and the results are those of one process."""
    from socialhr.network.analyze import analyze

    marker = work / "imported-from-working-folder"
    (work / "socialhr").mkdir()
    (work / "socialhr" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('imported')\n")
    n = 2_000
    people = [f"P{i:05d}" for i in range(n)]
    _write_csv(work / "people.csv", [], ["employee_id", "department"], [[p, f"D{i % 7}"] for i, p in enumerate(people)])
    _write_csv(work / "i.csv", [], ["timestamp", "sender", "recipients", "channel"], [
        [f"2026-07-{1 + i % 28:02d}T09:00:00Z", people[i], ";".join(people[(i * k + 1) % n] for k in (1, 7, 31)), "email"]
        for i in range(n)
    ])
    ingest(workspace, "roster", work / "people.csv")
    ingest(workspace, "interactions", work / "i.csv")

    def metrics(workers: int) -> list[tuple]:
        workspace.settings["network_workers"] = workers
        analyze(workspace, window="all")
        return workspace.db.execute("SELECT person, betweenness, harmonic_closeness FROM person_metrics ORDER BY person").fetchall()

    parallel = metrics(2)
    assert not marker.exists(), "a worker imported socialhr from the working folder"
    serial = metrics(1)
    assert len(parallel) == n
    assert [p for p, _, _ in parallel] == [p for p, _, _ in serial]
    assert [b for _, b, _ in parallel] == pytest.approx([b for _, b, _ in serial], abs=1e-12)
    assert [h for _, _, h in parallel] == pytest.approx([h for _, _, h in serial], abs=1e-12)
    assert any(b > 0 for _, b, _ in parallel)
