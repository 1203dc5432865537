"""Only declared personal data is stored (issue 14, section 2).

A roster column outside the canonical model is stored only when declared
(``--attribute`` or the ``roster_attributes`` setting), and never when its
values are contact details or single out one person; an attribute stored by an
older socialhr that is refused is no group dimension; a context (thread,
meeting, channel) is stored as a keyed token, never as its text, also in a
workspace upgraded from schema 6. Database and write-ahead-log bytes are read
before any checkpoint, as in tests/test_privacy.py.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from socialhr import schema
from socialhr.cli import app
from socialhr.errors import InputError, WorkspaceError
from socialhr.ingest import ingest
from socialhr.network.analyze import analyze
from socialhr.workspace import Workspace

PERSONAL = ["personal_email", "phone", "salary", "manager_email", "first_name", "last_name"]
TOKEN = re.compile(r"^[0-9a-f]{16}$")
ROSTER = "personal_columns.csv"


def _roster(data: Path) -> list[dict[str, str]]:
    with open(data / "roster" / ROSTER, newline="") as f:
        return list(csv.DictReader(f))


def _stored_bytes(ws: Workspace) -> list[tuple[str, bytes]]:
    """The database file and its write-ahead log, as written so far (no checkpoint forced)."""
    files = [ws.path / "socialhr.duckdb", ws.path / "socialhr.duckdb.wal"]
    return [(p.name, p.read_bytes()) for p in files if p.exists()]


def _assert_absent(ws: Workspace, texts) -> None:
    stored = _stored_bytes(ws)
    assert any(name.endswith(".wal") for name, _ in stored), "the log should still hold this session's writes"
    for name, raw in stored:
        for text in texts:
            assert text.encode() not in raw, (name, text)


def _personal_values(data: Path) -> set[str]:
    return {r[c] for r in _roster(data) for c in PERSONAL if r[c]}


# -- roster columns: declared or left out ------------------------------------------------------------------

def test_undeclared_roster_columns_are_left_out_named_and_absent_from_the_database_and_its_log(ws, data):
    result = ingest(ws, "roster", data / "roster" / ROSTER)
    assert result.notes["left_out"] == [*PERSONAL, "cost_center"]
    assert ws.db.execute("SELECT count(*), count(attributes) FROM people_history").fetchone() == (12, 0)
    _assert_absent(ws, _personal_values(data) | {"CC-100", "CC-200"})


def test_the_cli_names_the_columns_it_left_out(tmp_path, data):
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    r = runner.invoke(app, ["ingest", str(ws), "roster", str(data / "roster" / ROSTER), "--attribute", "cost_center"])
    assert r.exit_code == 0, r.output
    assert "left out: personal_email, phone, salary, manager_email, first_name, last_name" in " ".join(r.output.split())


REFUSALS = {
    "personal_email": "its values look like e-mail addresses",
    "manager_email": "its values look like e-mail addresses",
    "phone": "its values look like phone numbers",
    "salary": "it is unique per person, like a name or an id: 12 of its 12 values are each held by one person only",
    "first_name": "it is unique per person, like a name or an id: 12 of its 12 values are each held by one person only",
    "last_name": "it is unique per person, like a name or an id: 12 of its 12 values are each held by one person only",
}


@pytest.mark.parametrize("column", PERSONAL)
def test_declaring_a_personal_column_is_refused_with_the_reason(ws, data, snap, column):
    before = snap(ws)
    with pytest.raises(InputError) as e:
        ingest(ws, "roster", data / "roster" / ROSTER, attributes=["cost_center", column])
    assert str(e.value) == (
        f"{ROSTER}, line 1, field '{column}': the column '{column}' cannot be a group dimension, so it is not stored: "
        f"{REFUSALS[column]}. Leave it out of --attribute and the roster_attributes setting, or map it to something "
        "coarser before importing (a region for a city, a band for a salary, a year for a date)."
    )
    assert snap(ws) == before


UNIQUE = "it is unique per person, like a name or an id: {} of its {} values are each held by one person only"


@pytest.mark.parametrize("name, values, reason", [
    # e-mail: any value, wherever in the text
    ("contact", ["CC-1"] * 20 + ["Ada <ada@home.example>"], "its values look like e-mail addresses"),
    ("contact", ["CC-1"] * 20 + ["ada at home"], None),
    # phones: at least half of the values
    ("line", ["+44 20 7946 0101"] * 5 + ["desk"] * 5, "its values look like phone numbers"),
    ("line", ["+44 20 7946 0101"] * 4 + ["desk"] * 5, None),
    ("line", ["555-010-0142", "(555) 010-0143", "4001-0020", "2026-03-01"] * 3, "its values look like phone numbers"),
    ("code", ["4001-0020", "4001-0021", "2026-03-01", "01.03.2026", "5550100142"] * 3, None),
    # unique per person: judged from 10 people with a value, blanks aside
    ("badge", [f"B{i}" for i in range(10)], UNIQUE.format(10, 10)),
    ("badge", [f"B{i}" for i in range(9)] + [None, "", "  "], None),
    ("site", ["A", "B"] + ["C"] * 4 + ["D"] * 4, None),  # two of four values: not more than half
    ("site", ["A", "B", "C"] + ["D"] * 4 + ["E"] * 3, UNIQUE.format(3, 5)),
    ("site", [f"S{i}" for i in range(6)] + ["big"] * 994, UNIQUE.format(6, 7)),  # most values single out someone
    # the column's name, which a small roster's values cannot show
    ("Last Name", ["Lovelace", "Turing", "Turing"], "its name says it holds people's names"),
    ("work_mobile", ["n/a"] * 3, "its name says it holds people's contact details"),
    ("email_domain", ["acme.example"] * 12, None),
    ("cost_center", [], None),
])
def test_which_attributes_may_be_group_dimensions(name, values, reason):
    from socialhr.privacy import attribute_refusal

    assert attribute_refusal(name, values) == reason


def test_a_small_roster_is_judged_by_column_names_and_its_coarse_attributes_are_kept(ws, tmp_path):
    rows = ["employee_id,first_name,site", "E1,Augusta,North", "E2,Alanis,South", "E3,Gracielle,East"]
    (tmp_path / "small.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match="the column 'first_name' cannot be a group dimension, so it is not stored: "
                                         "its name says it holds people's names"):
        ingest(ws, "roster", tmp_path / "small.csv", attributes=["first_name", "site"])
    result = ingest(ws, "roster", tmp_path / "small.csv", attributes=["site"])  # three sites, three people: too few to judge
    assert result.notes["left_out"] == ["first_name"]
    assert _attributes(ws) == [{"site": "East"}, {"site": "North"}, {"site": "South"}]


def test_a_declared_column_the_file_lacks_names_the_columns_it_has(ws, data):
    with pytest.raises(InputError) as e:
        ingest(ws, "roster", data / "roster" / "workday.csv", attributes=["cost_center", "job_title"])
    assert str(e.value) == (
        "workday.csv, line 1: the roster has no column 'cost_center' to store as a declared attribute. Its columns: "
        "employee_id, email, name, department, team, manager_id, level, location, hire_date, exit_date, job_title."
    )


def test_a_roster_field_is_not_declared_as_an_attribute(ws, data):
    with pytest.raises(InputError) as e:
        ingest(ws, "roster", data / "roster" / "workday.csv", attributes=["location"])
    assert str(e.value) == (
        "workday.csv, line 1: 'location' is one of the roster's own fields, stored without being declared. "
        "Declare only other columns: job_title."
    )


def _interactions(tmp_path: Path, people: list[str], day: str = "2026-07-0{d}") -> Path:
    """Everyone writes to the next two people on the list, on three days."""
    lines = ["timestamp,sender,recipients,channel"]
    for d in (1, 2, 3):
        for i, p in enumerate(people):
            lines.append(f"{day.format(d=d)}T09:{i:02d}:00Z,{p},{people[(i + 1) % len(people)]};{people[(i + 2) % len(people)]},email")
    path = tmp_path / "mail.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _dimensions(ws: Workspace) -> dict[str, set[str]]:
    """Per dimension of the group outputs, every group label they name: shown, in the matrix, or listed as withheld."""
    from socialhr.results import aggregates, read

    dims: dict[str, set[str]] = {d: set() for d in aggregates(ws).dimensions()}
    for r in read(ws, "group_metrics", window="*").to_arrow().to_pylist():
        dims[r["dimension"]].add(r["group"])
    for r in read(ws, "group_matrix", window="*").to_arrow().to_pylist():
        dims.setdefault(r["dimension"], set()).update((r["from_group"], r["to_group"]))
    for r in read(ws, "withheld", window="*").to_arrow().to_pylist():
        if r["group"] is not None:
            dims.setdefault(r["dimension"], set()).add(r["group"])
    return dims


def _attributes(ws: Workspace) -> list[dict]:
    import json

    return [json.loads(a) for (a,) in ws.db.execute("SELECT DISTINCT CAST(attributes AS VARCHAR) FROM people ORDER BY 1").fetchall()]


def test_a_declared_coarse_attribute_is_stored_and_is_a_group_dimension(tmp_path, data):
    ws = Workspace.init(tmp_path / "ws", settings={"roster_attributes": ["cost_center"]})
    result = ingest(ws, "roster", data / "roster" / ROSTER)
    assert result.notes["left_out"] == PERSONAL
    assert _attributes(ws) == [{"cost_center": "CC-100"}, {"cost_center": "CC-200"}]
    ingest(ws, "interactions", _interactions(tmp_path, [r["employee_id"] for r in _roster(data)]))
    analyze(ws)
    dims = _dimensions(ws)
    assert dims["attr:cost_center"] == {"CC-100", "CC-200"}
    assert not any(d.startswith("attr:") and d != "attr:cost_center" for d in dims)
    ws.close()


def test_an_option_and_the_setting_declare_together(tmp_path, data):
    ws = Workspace.init(tmp_path / "ws", settings={"roster_attributes": ["cost_center"]})
    (tmp_path / "r.csv").write_text((data / "roster" / ROSTER).read_text().replace("cost_center", "cost_center,region").replace(
        ",CC-100", ",CC-100,North").replace(",CC-200", ",CC-200,South"))
    result = ingest(ws, "roster", tmp_path / "r.csv", attributes=["Region"])
    assert result.notes["left_out"] == PERSONAL
    assert _attributes(ws) == [{"cost_center": "CC-100", "region": "North"}, {"cost_center": "CC-200", "region": "South"}]
    ws.close()


def test_the_same_roster_with_a_column_declared_is_imported_again(ws, data):
    """Declaring a column left out before is not refused as a repeat of the same file."""
    first = ingest(ws, "roster", data / "roster" / ROSTER)
    again = ingest(ws, "roster", data / "roster" / ROSTER, attributes=["cost_center"])
    assert (first.status, again.status) == ("imported", "imported") and again.notes["left_out"] == PERSONAL
    assert _attributes(ws) == [{"cost_center": "CC-100"}, {"cost_center": "CC-200"}]
    assert ingest(ws, "roster", data / "roster" / ROSTER, attributes=["cost_center"]).status == "duplicate"


def test_attributes_stored_by_an_older_socialhr_are_group_dimensions_only_when_allowed(ws, data, tmp_path):
    """A workspace made before declarations holds every extra column of its rosters:
    those the rule refuses (e-mails, phones, names, salaries) are no group
    dimension, even where their groups are large enough to show (a manager's
    e-mail is shared by their reports)."""
    import json

    ingest(ws, "roster", data / "roster" / ROSTER)
    p = ws.pseudonymiser
    for r in _roster(data):
        old = {c: r[c] for c in [*PERSONAL, "cost_center"] if r[c]}
        ws.db.execute("UPDATE people_history SET attributes = ? WHERE person = ?", [json.dumps(old), p.person(r["employee_id"])])
    ingest(ws, "interactions", _interactions(tmp_path, [r["employee_id"] for r in _roster(data)]))
    analyze(ws)
    dims = _dimensions(ws)
    assert {d for d in dims if d.startswith("attr:")} == {"attr:cost_center"}
    assert not any("@" in g for groups in dims.values() for g in groups if g)


def test_roster_at_makes_group_dimensions_of_allowed_attributes_only(ws, data):
    """The rule applies to the values of the window's people, however they were stored."""
    import datetime as dt
    import json

    from socialhr.network.roster import group_dimensions, roster_at
    from socialhr.network.windows import Window

    rows = _roster(data)
    for i, r in enumerate(rows):
        attrs = {c: r[c] for c in [*PERSONAL, "cost_center"] if r[c]}
        ws.db.execute("INSERT INTO people_history (person, valid_from, attributes, batch_id) VALUES (?, DATE '2020-01-01', ?, 1)",
                      [f"p{i:02d}", json.dumps(attrs)])
    roster = roster_at(ws.db, Window("2026-07", dt.date(2026, 7, 1), dt.date(2026, 8, 1)))
    assert [d for d in group_dimensions(roster) if d.startswith("attr:")] == ["attr:cost_center"]


# -- Viva person query: HR columns ---------------------------------------------------------------------------

VIVA = (
    "PersonId,MetricDate,Collaboration_hours,Organization,Level,FunctionType,ManagerEmail\n"
    + "".join(f"p{i:02d},2026-03-01,{10 + i},{'Research' if i < 6 else 'Sales'},L{i % 3},{'Specialist' if i % 2 else 'Manager'},"
              f"boss{i // 6}@acme.example\n" for i in range(12))
)


def test_viva_hr_columns_other_than_organization_and_level_are_stored_only_when_named(ws, tmp_path):
    (tmp_path / "pq.csv").write_text(VIVA)
    result = ingest(ws, "viva-person", tmp_path / "pq.csv")
    assert result.notes["hr_attributes"] == ["Organization", "Level"]
    assert result.notes["left_out"] == ["FunctionType", "ManagerEmail"]
    assert ws.db.execute("SELECT count(*), count(department), count(level), count(attributes) FROM people").fetchone() == (12, 12, 12, 0)
    _assert_absent(ws, ["boss0@acme.example", "boss1@acme.example", "Specialist"])


def test_viva_hr_columns_named_are_stored_and_checked(ws, tmp_path, snap):
    (tmp_path / "pq.csv").write_text(VIVA)
    before = snap(ws)
    with pytest.raises(InputError) as e:
        ingest(ws, "viva-person", tmp_path / "pq.csv", hr_columns="Organization,Level,FunctionType,ManagerEmail")
    assert str(e.value) == (
        "pq.csv, line 1, field 'ManagerEmail': the column 'ManagerEmail' cannot be a group dimension, so it is not stored: "
        "its values look like e-mail addresses. Leave it out of --hr-columns, or map it to something coarser before "
        "importing (a region for a city, a band for a salary, a year for a date)."
    )
    assert snap(ws) == before
    result = ingest(ws, "viva-person", tmp_path / "pq.csv", hr_columns="Organization,Level,FunctionType")
    assert result.notes["hr_attributes"] == ["Organization", "Level", "FunctionType"]
    assert result.notes["left_out"] == ["ManagerEmail"]
    assert ws.db.execute("SELECT count(*) FROM people WHERE json_extract_string(attributes, '$.FunctionType') = 'Manager'").fetchone()[0] == 6


# -- contexts: keyed tokens, never text -------------------------------------------------------------------------

CONTEXTS = ["Layoff planning for Q3 (confidential)", "Performance review of Grace Hopper"]


def _context_tokens(ws: Workspace) -> list[str]:
    return [c for (c,) in ws.db.execute("SELECT context FROM contexts ORDER BY context_id").fetchall()]


def _as(fmt: str, src: Path, out: Path) -> Path:
    table = pacsv.read_csv(src, convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in
                                                                                   ("timestamp", "sender", "recipients", "channel", "context")}))
    if fmt == "csv":
        return src
    path = out / f"contexts.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path)
    else:
        import json

        path.write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()))
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_an_interactions_context_is_stored_as_a_keyed_token(rostered, data, tmp_path, fmt):
    ws = rostered
    ingest(ws, "interactions", _as(fmt, data / "interactions" / "contexts.csv", tmp_path))
    read = [c for (c,) in ws.db.execute('SELECT context FROM interactions ORDER BY "timestamp"').fetchall()]
    layoff, review = read[0], read[2]
    assert read == [layoff, layoff, review, None, review]  # the same context (spaces trimmed) gives the same token
    assert TOKEN.match(layoff) and TOKEN.match(review) and layoff != review
    assert _context_tokens(ws) == [layoff, review]
    _assert_absent(ws, CONTEXTS + ["Layoff planning", "Grace Hopper"])


def test_the_same_context_gives_the_same_token_across_batches_and_formats_but_not_across_workspaces(tmp_path, data):
    def tokens(name: str, fmts: list[str]) -> list[str]:
        ws = Workspace.init(tmp_path / name)
        ingest(ws, "roster", data / "roster" / "workday.csv")
        for fmt in fmts:
            (tmp_path / fmt).mkdir(exist_ok=True)
            ingest(ws, "interactions", _as(fmt, data / "interactions" / "contexts.csv", tmp_path / fmt))
        out = _context_tokens(ws)
        ws.close()
        return out

    one = tokens("a", ["csv", "parquet", "jsonl"])
    assert len(one) == 2  # three batches naming the same two contexts
    assert tokens("b", ["csv"]) != one  # another workspace, another key


def _assert_contexts_are_tokens(ws: Workspace) -> None:
    """No row of contexts holds anything but a token."""
    assert all(TOKEN.match(c) for c in _context_tokens(ws)), _context_tokens(ws)


def test_email_stores_no_context_and_no_subject(rostered, data):
    ingest(rostered, "email", data / "email" / "sample.mbox")
    assert _context_tokens(rostered) == []
    _assert_absent(rostered, ["Roadmap", "m1@acme.example", "m2@acme.example"])


def test_calendar_meetings_have_a_token_per_event_and_no_title(rostered, data):
    ingest(rostered, "calendar", data / "calendar" / "outlook.ics")
    _assert_contexts_are_tokens(rostered)
    per_context = rostered.db.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM interactions GROUP BY context)").fetchone()[0]
    assert per_context >= 2  # the occurrences of a recurring meeting share its token
    _assert_absent(rostered, ["Platform weekly", "Customer call", "weekly-platform@acme.example", "customer-call@acme.example"])


def test_slack_channels_are_tokens_and_no_message_text_or_private_name_is_stored(rostered, data):
    ingest(rostered, "slack", data / "slack" / "export")
    _assert_contexts_are_tokens(rostered)
    _assert_absent(rostered, ["secret-project", "Design doc for the new API", "Company-wide", "Release at 5"])


def test_teams_channels_are_tokens_and_no_message_text_or_private_name_is_stored(rostered, data):
    ingest(rostered, "teams", data / "teams" / "export")
    _assert_contexts_are_tokens(rostered)
    _assert_absent(rostered, ["Acquisition", "Design crit", "19:secret@thread.tacv2", "19:general@thread.tacv2", "<p>hello</p>"])


# -- upgrading a schema-6 workspace that holds contexts as text --------------------------------------------------

def _as_schema_6(ws: Workspace, texts: dict[str, str]) -> None:
    """Put the workspace back to schema 6 as it stored contexts: each interactions context's text in ``contexts``."""
    for token, text in texts.items():
        ws.db.execute("UPDATE contexts SET context = ? WHERE context = ?", [text, token])
    _back_to_6(ws.db)


def _back_to_6(db) -> None:
    """Schema 6: without the tables of later versions (8: natural keys; 9: programs)."""
    for table in schema.tables_created_since(7):
        db.execute(f"DROP TABLE {table}")
    db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")


@pytest.fixture
def schema_6(rostered, data):
    """A closed schema-6 workspace holding two interactions contexts as text and the Slack channels' tokens;
    returns it and what its interactions read as today (contexts as tokens)."""
    ws = rostered
    ingest(ws, "slack", data / "slack" / "export")
    ingest(ws, "interactions", data / "interactions" / "contexts.csv")
    p = ws.pseudonymiser
    texts = {p.token("context", t): t for t in CONTEXTS}
    expected = sorted(map(repr, ws.db.execute("SELECT * FROM interactions").fetchall()))
    slack = set(_context_tokens(ws)) - set(texts)
    _as_schema_6(ws, texts)
    ws.db.execute("CHECKPOINT")
    ws.close()
    raw = (ws.path / "socialhr.duckdb").read_bytes()
    assert all(t.encode() in raw for t in CONTEXTS)  # (the test means something: schema 6 held the text)
    return ws.path, expected, slack


def test_upgrading_to_schema_7_turns_text_contexts_into_tokens_and_leaves_no_text_behind(schema_6, data):
    path, expected, slack = schema_6
    ws = Workspace.open(path)
    assert ws.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(schema.SCHEMA_VERSION)
    assert sorted(map(repr, ws.db.execute("SELECT * FROM interactions").fetchall())) == expected
    assert slack <= set(_context_tokens(ws))  # connector tokens are kept as they were
    _assert_contexts_are_tokens(ws)
    before = _context_tokens(ws)
    (Path(path).parent / "again").mkdir()
    again = Path(path).parent / "again" / "contexts.csv"
    again.write_text((data / "interactions" / "contexts.csv").read_text().replace("2026-07-0", "2026-08-0"))
    ingest(ws, "interactions", again)
    assert _context_tokens(ws) == before  # the same contexts, imported after the upgrade, find their tokens
    ws.close()
    assert sorted(p.name for p in path.iterdir()) == ["socialhr.duckdb", "socialhr.toml", "vault"]  # (the rewrite left nothing)
    for name in ("socialhr.duckdb", "socialhr.duckdb.wal"):
        if (path / name).exists():
            raw = (path / name).read_bytes()
            for t in CONTEXTS:
                assert t.encode() not in raw, (name, t)


def test_a_rewrite_cut_short_after_the_upgrade_is_done_on_the_next_open(schema_6, monkeypatch):
    """The upgrade commits, then the file is rewritten; if that fails (a full disk, a crash),
    the next open that may write rewrites it, so no text stays behind."""
    path, expected, _ = schema_6

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr("os.replace", full_disk)
        with pytest.raises(OSError, match="No space left on device"):
            Workspace.open(path)
    assert all(t.encode() in (path / "socialhr.duckdb").read_bytes() for t in CONTEXTS)  # upgraded, not yet rewritten
    ws = Workspace.open(path, read_only=True)  # (reads the upgraded rows; cannot rewrite)
    assert sorted(map(repr, ws.db.execute("SELECT * FROM interactions").fetchall())) == expected
    ws.close()
    Workspace.open(path).close()
    raw = (path / "socialhr.duckdb").read_bytes()
    assert not any(t.encode() in raw for t in CONTEXTS)
    ws = Workspace.open(path)
    assert ws.db.execute("SELECT count(*) FROM meta WHERE key NOT IN ('schema_version', 'created_by', 'org_domains')").fetchone()[0] == 0
    ws.close()


def test_a_schema_6_workspace_with_text_contexts_needs_its_vault_to_upgrade_and_cannot_be_read_before(schema_6, tmp_path):
    path, _, _ = schema_6
    copy = tmp_path / "analyst"
    copy.mkdir()
    shutil.copy(path / "socialhr.duckdb", copy)
    shutil.copy(path / "socialhr.toml", copy)
    with pytest.raises(WorkspaceError) as e:
        Workspace.open(copy)
    assert str(e.value) == (
        f"{copy} has schema 6, whose contexts are stored as text, and upgrading it to 7 turns them into keyed tokens, "
        f"which needs the pseudonymisation key; the vault is not here: {copy / 'vault'}. Open it once where its vault is "
        "(any socialhr command that writes), then copy the upgraded database."
    )
    with pytest.raises(WorkspaceError, match=f"has schema 6 and needs upgrading to {schema.SCHEMA_VERSION}. Open it once without read-only access"):
        Workspace.open(copy, read_only=True)
    raw = (copy / "socialhr.duckdb").read_bytes()
    assert all(t.encode() in raw for t in CONTEXTS)  # refused: nothing was changed


def test_a_schema_6_workspace_without_text_contexts_upgrades_without_its_vault(rostered, data, tmp_path):
    ingest(rostered, "slack", data / "slack" / "export")
    tokens = _context_tokens(rostered)
    _back_to_6(rostered.db)
    rostered.close()
    copy = tmp_path / "analyst"
    copy.mkdir()
    shutil.copy(rostered.path / "socialhr.duckdb", copy)
    shutil.copy(rostered.path / "socialhr.toml", copy)
    ws = Workspace.open(copy)
    assert ws.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(schema.SCHEMA_VERSION)
    assert _context_tokens(ws) == tokens
    ws.close()
