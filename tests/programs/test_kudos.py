"""Peer recognition (docs/programs.md#peer-recognition-kudos) on a hand-made twelve-person organization."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from typer.testing import CliRunner

from socialhr import ingest
from socialhr.cli import app
from socialhr.errors import InputError, PrivacyError
from socialhr.network.analyze import analyze
from socialhr.programs import kudos
from socialhr.results import Viewer, read
from socialhr.workspace import Workspace

from .textscan import text_hits

runner = CliRunner()

# Two departments of two teams of three.
PEOPLE = [(f"P{i:02d}", name, "Sales" if i <= 6 else "Engineering", ("S1", "S2", "E1", "E2")[(i - 1) // 3])
          for i, name in enumerate(["Ada Quill", "Bram Otter", "Cleo Marsh", "Dov Finch", "Eva Brook", "Femi Stone",
                                    "Gus Fern", "Hana Reed", "Ivo Lark", "Juno Pike", "Kai Moss", "Lea Thorn"], start=1)]
# (giver, receiver, value, message): 4 within a team, 2 across teams of one department, 4 across departments.
KUDOS = [
    ("P01", "P02", "teamwork", "Thanks for covering the Lisbon demo"),
    ("P04", "P05", "customer", "You saved the Ortiz renewal"),
    ("P07", "P08", "ownership", "Owned the outage review, zx81"),
    ("P10", "P11", "learning", "Great brown-bag on pagination"),
    ("P02", "P05", "kindness", "Thank you for the onboarding notes"),
    ("P08", "P11", "teamwork", "Pairing on the flaky test paid off"),
    ("P03", "P09", "customer", "Fixed the invoice export for a client"),
    ("P06", "P12", "innovation", "The pricing calculator idea was brilliant"),
    ("P09", "P01", "teamwork", "Helped us scope the Q2 launch"),
    ("P12", "P04", "kindness", "Stayed late to help with the migration"),
]
CROSS_TEAM, CROSS_DEPARTMENT = 6 / 10, 4 / 10


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def small(tmp_path):
    """The twelve people, some e-mail inside teams, and the ten kudos of March 2026, analysed by month."""
    roster = _write(tmp_path / "roster.csv", ["employee_id", "name", "email", "department", "team", "location", "hire_date"],
                    [(e, n, f"{e.lower()}@acme.example", d, t, "Paris", "2020-01-01") for e, n, d, t in PEOPLE])
    mail = _write(tmp_path / "mail.csv", ["timestamp", "sender", "recipients", "channel"],
                  [(f"2026-03-0{k + 2}T10:00:00+00:00", a, b, "email")
                   for k, (a, b) in enumerate([("P01", "P02"), ("P02", "P03"), ("P04", "P05"), ("P05", "P06"), ("P07", "P08")])])
    given = _write(tmp_path / "kudos.csv", ["from", "to", "value", "message", "at"],
                   [(g, r, v, m, f"2026-03-{10 + k:02d}T09:00:00") for k, (g, r, v, m) in enumerate(KUDOS)])
    ws = Workspace.init(tmp_path / "ws")
    ingest.ingest(ws, "roster", roster)
    ingest.ingest(ws, "interactions", mail)
    result = ingest.ingest(ws, "kudos", given)
    assert result.rows_imported == 10 and result.notes["values"]["teamwork"] == 3
    analyze(ws, window="month")
    yield ws
    ws.close()


def test_kudos_are_recognition_interactions_whose_network_and_crossing_are_measured(small):
    p = small.pseudonymiser.person
    edges = small.db.execute("SELECT source, target FROM network_edges WHERE channel = 'recognition'").fetchall()
    assert sorted(edges) == sorted((p(g), p(r)) for g, r, _, _ in KUDOS), "one directed tie per kudos, giver to receiver"
    stored = small.db.execute("SELECT kind, weight, sender, recipients FROM interactions WHERE channel = 'recognition'").fetchall()
    assert len(stored) == 10 and {(k, w) for k, w, _, _ in stored} == {("message", 1.0)}
    org = read(small, "org_metrics").to_arrow().to_pylist()
    assert {r["channel"]: r["ties"] for r in org}["recognition"] == 10
    [row] = kudos.crossing(small)
    assert (row["channel"], row["people"], row["ties"], row["cross_team_ties"]) == ("recognition", 12, 10, 6)
    assert row["cross_team_share"] == pytest.approx(CROSS_TEAM)
    assert row["cross_department_share"] == pytest.approx(CROSS_DEPARTMENT)
    # Any channel is measured the same way: the e-mail here stays inside teams.
    [mail] = kudos.crossing(small, channel="email")
    assert (mail["ties"], mail["cross_team_share"]) == (5, 0.0)
    with pytest.raises(Exception, match="no channel 'fax'"):
        kudos.crossing(small, channel="fax")


def test_a_channel_with_too_few_people_shows_no_crossing(small):
    small.settings["min_group_size"] = 13  # (more than the twelve people in the recognition network)
    small.cache.clear()
    assert kudos.crossing(small) == []


def test_givers_and_receivers_read_their_messages_and_the_feed_follows_the_setting(small):
    p = small.pseudonymiser.person
    got = kudos.received(small, "P05")
    assert [(k.giver_name, k.value, k.message) for k in got] == [
        ("Bram Otter", "kindness", "Thank you for the onboarding notes"), ("Dov Finch", "customer", "You saved the Ortiz renewal")]
    assert [k.receiver for k in kudos.given(small, "p05@acme.example")] == []
    assert [k.receiver_name for k in kudos.given(small, "P01")] == ["Bram Otter"]
    mine = kudos.feed(small, Viewer.employee(p("P01")))
    assert {(k.giver, k.receiver) for k in mine} == {(p("P01"), p("P02")), (p("P09"), p("P01"))}
    with pytest.raises(PrivacyError, match="the kudos feed is off"):
        kudos.feed(small, Viewer.analyst())
    small.settings["kudos_feed"] = True
    assert len(kudos.feed(small, Viewer.employee(p("P01")))) == 10
    assert kudos.feed(small, Viewer.analyst(), limit=3)[0].message == "Stayed late to help with the migration"
    # The metadata table: an employee reads their own rows, a leader none.
    own = read(small, "kudos", viewer=Viewer.employee(p("P01"))).to_arrow()
    assert own.num_rows == 2 and "message" not in own.schema.names
    with pytest.raises(PrivacyError):
        read(small, "kudos", viewer=Viewer.leader())


@pytest.mark.parametrize("giver, receiver, value, message, error", [
    ("P01", "P99", "teamwork", "hi", "field 'to': the receiver 'P99' is not anyone on the roster. Give an employee id or work e-mail"),
    ("", "P02", "teamwork", "hi", "field 'from': the giver is empty"),
    ("P01", "p01@acme.example", "teamwork", "hi", "field 'to': a kudos to oneself: the giver and the receiver are the same person"),
    ("P01", "P02", "bravery", "hi", "field 'value': unknown value 'bravery'. Use one of: teamwork, customer, ownership"),
    ("P01", "P02", "teamwork", "x" * 281, "field 'message': the message is too long: 281 characters, at most 280"),
])
def test_a_bad_kudos_is_refused_with_a_clear_error_and_nothing_is_stored(small, giver, receiver, value, message, error):
    before = small.counts()
    with pytest.raises(InputError) as e:
        kudos.give(small, giver, receiver, message, value)
    assert str(e.value).startswith(error)
    assert small.counts() == before
    assert small.db.execute("SELECT count(*) FROM kudos").fetchone()[0] == 10


def test_a_kudos_given_is_stored_through_the_import_path(small):
    at = dt.datetime(2026, 3, 30, 12, tzinfo=dt.timezone.utc)
    k = kudos.give(small, "P11", "P03", "Thanks for the review", "TEAMWORK", at=at)
    assert (k.kudos_id, k.value, k.giver_name, k.receiver_name, k.given_at) == (11, "teamwork", "Kai Moss", "Cleo Marsh", at)
    batch = small.batches()[-1]
    assert (batch["source_kind"], batch["rows_imported"]) == ("kudos", 1)
    assert small.db.execute("SELECT count(*) FROM interactions WHERE channel = 'recognition'").fetchone()[0] == 11
    assert kudos.received(small, "P03")[0].message == "Thanks for the review"


def test_a_bad_line_in_a_kudos_file_is_named_and_nothing_is_stored(small, tmp_path):
    bad = _write(tmp_path / "more.csv", ["from", "to", "value", "message", "at"],
                 [("P01", "P03", "teamwork", "ok", "2026-03-20T09:00:00"), ("P02", "P04", "bravery", "no", "2026-03-21T09:00:00")])
    before = small.counts()
    with pytest.raises(InputError) as e:
        ingest.ingest(small, "kudos", bad)
    assert str(e.value).startswith("more.csv, line 3, field 'value': unknown value 'bravery'")
    assert small.counts() == before
    late = _write(tmp_path / "late.csv", ["from", "to", "value", "message", "at"], [("P01", "P03", "teamwork", "ok", "yesterday")])
    with pytest.raises(InputError, match="late.csv, line 2, field 'at': not a timestamp: 'yesterday'"):
        ingest.ingest(small, "kudos", late)
    again = ingest.ingest(small, "kudos", tmp_path / "kudos.csv")
    assert again.status == "duplicate"


def test_messages_never_enter_the_analytics_database(small):
    kudos.give(small, "P05", "P06", "A secret note: mango-42", "kindness")
    secrets = [m for _, _, _, m in KUDOS] + ["A secret note: mango-42"] + [n for _, n, _, _ in PEOPLE]
    assert text_hits(small.db, secrets) == []
    vault_dir, db_file = small.vault.dir, small.path / "socialhr.duckdb"
    small.db.execute("CHECKPOINT")
    raw = db_file.read_bytes()
    for m in secrets[:11]:
        assert m.encode() not in raw, m
    assert b"mango-42" in (vault_dir / "kudos.sqlite").read_bytes(), "the message is kept in the vault"


def test_give_import_and_list_on_the_command_line(small, tmp_path):
    ws_path = str(small.path)
    small.close()
    result = runner.invoke(app, ["kudos", ws_path, "give", "--from", "P01", "--to", "P07", "--value", "learning",
                                 "--message", "Taught me SQL windows"])
    assert result.exit_code == 0, result.output
    assert "Ada Quill recognised Gus Fern for learning" in result.output
    result = runner.invoke(app, ["kudos", ws_path, "give", "--from", "P01", "--to", "P01", "--value", "learning"])
    assert result.exit_code == 1 and "a kudos to oneself" in result.output
    more = _write(tmp_path / "more.csv", ["from", "to", "value", "message", "at"], [("P02", "P08", "teamwork", "Nice", "")])
    result = runner.invoke(app, ["kudos", ws_path, "import", str(more)])
    assert result.exit_code == 0 and "Imported 1 kudos from more.csv" in result.output, result.output
    result = runner.invoke(app, ["kudos", ws_path, "list"])
    assert "Ada Quill -> Gus Fern [learning] (message: giver and receiver only)" in result.output, result.output
    assert "Taught me" not in result.output
    result = runner.invoke(app, ["kudos", ws_path, "list", "--as", "P07"])
    assert "received Ada Quill -> Gus Fern [learning]: Taught me SQL windows" in result.output, result.output
