"""The synthetic organization's Slack export, mbox and .ics carry the same interactions as interactions.csv."""

from __future__ import annotations

import json
import zipfile

import pytest

from socialhr.ingest import ingest
from socialhr.synth import synthesize
from socialhr.workspace import Workspace


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    synthesize(out, people=120, seed=3, weeks=4)
    return out


@pytest.fixture(scope="module")
def imported(org, tmp_path_factory):
    ws = Workspace.init(tmp_path_factory.mktemp("ws") / "ws")
    ingest(ws, "roster", org / "roster.csv")
    results = {kind: ingest(ws, kind, org / name)
               for kind, name in (("interactions", "interactions.csv"), ("email", "mail.mbox"),
                                  ("slack", "slack.zip"), ("calendar", "calendar.ics"))}
    yield ws, results
    ws.close()


def _rows(ws, batch_id, channel=None):
    # Slack's ts adds a fraction of a second (to keep ids unique): compare to the second.
    sql = ('SELECT date_trunc(\'second\', "timestamp"), sender, list_sort(recipients), round(weight, 9), '
           'kind = \'broadcast\', duration_minutes FROM interactions WHERE batch_id = ?')
    params = [batch_id]
    if channel:
        sql += " AND channel = ?"
        params.append(channel)
    return sorted(map(repr, ws.db.execute(sql, params).fetchall()))


@pytest.mark.parametrize("kind,channel", [("email", "email"), ("slack", "chat"), ("calendar", "meeting")])
def test_each_format_gives_the_rows_of_its_channel(imported, kind, channel):
    ws, results = imported
    got = _rows(ws, results[kind].batch_id)
    expected = _rows(ws, results["interactions"].batch_id, channel)
    assert len(got) > 100
    assert got == expected
    assert results[kind].rows_skipped == 0


def test_slack_export_uses_channels_mentions_and_dms(org, imported):
    ws, results = imported
    kinds = results["slack"].notes["kinds"]
    assert kinds["mention"] > 0 and kinds["message"] > 0
    with zipfile.ZipFile(org / "slack.zip") as z:
        names = set(z.namelist())
        assert {"users.json", "channels.json", "dms.json", "mpims.json"} <= names
        channels = json.loads(z.read("channels.json"))
    assert any(c["name"].startswith("team-") for c in channels)
    assert ws.db.execute("SELECT count(*) FROM groups WHERE source_kind = 'slack'").fetchone()[0] == len(channels)


def test_formats_are_deterministic(org, tmp_path):
    synthesize(tmp_path, people=120, seed=3, weeks=4)
    for name in ("slack.zip", "mail.mbox", "calendar.ics"):
        assert (tmp_path / name).read_bytes() == (org / name).read_bytes()
