"""Slack export import: DMs, group DMs, channels, threads, mentions, bots, zip safety."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import datetime, timezone

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest
from socialhr.workspace import Workspace


def rows(ws):
    return sorted(ws.db.execute(
        'SELECT "timestamp", kind, sender, list_sort(recipients), weight FROM interactions').fetchall())


def test_export_folder_gives_the_documented_interactions(rostered, data):
    ws, p = rostered, rostered.pseudonymiser
    result = ingest(ws, "slack", data / "slack" / "export")
    assert (result.rows_read, result.rows_imported) == (17, 14)
    assert result.skipped == {"channel_events": 1, "bots": 2, "deleted_users": 1, "deleted_messages": 1}
    assert result.notes["kinds"] == {"message": 3, "broadcast": 4, "mention": 4, "reply": 3}
    assert result.notes["unlisted_folders"] == 1
    # barbara has no e-mail in users.json: a slack token, counted as unresolved
    assert result.notes["new_identities"] == {"unresolved": 1}
    ada, alan, grace, edsger = (p.person(f"E00{i}") for i in range(1, 5))
    barbara = p.token("slack", "U05")
    ties = [r for r in rows(ws) if r[1] != "broadcast"]
    day1 = lambda h, m: datetime(2026, 7, 1, h, m, 0, 100, tzinfo=timezone.utc)  # noqa: E731
    day2 = lambda h, m: datetime(2026, 7, 2, h, m, 0, 100, tzinfo=timezone.utc)  # noqa: E731
    assert ties == sorted([
        (day1(10, 0), "mention", alan, sorted([grace, edsger]), 0.5),      # two mentions in a channel post
        (day1(16, 0), "mention", ada, [alan], 1.0),                        # in a private channel
        (day1(17, 0), "message", ada, [alan], 1.0),                        # DM
        (day1(17, 5), "message", alan, [ada], 1.0),
        (day1(18, 0), "message", grace, sorted([ada, alan]), 0.5),         # group DM to the other members
        (day1(18, 0), "mention", grace, [edsger], 1.0),                    # ... mentioning a non-member
        (day2(9, 0), "reply", grace, [ada], 1.0),                          # reply to the parent's author
        (day2(9, 30), "reply", alan, sorted([ada, grace]), 0.5),           # ... and earlier repliers
        (day2(9, 30), "mention", alan, [barbara], 1.0),
        (day2(10, 0), "reply", ada, sorted([grace, alan]), 0.5),           # the author answering the thread
    ])
    # plain posts (and <!channel>) are channel activity: no recipients, the channel as context
    broadcasts = ws.db.execute("SELECT recipients, context FROM interactions WHERE kind = 'broadcast'").fetchall()
    general = p.token("slack_channel", "C01")
    assert sorted(b[1] for b in broadcasts) == sorted([general, general, general, p.token("slack_channel", "C02")])
    assert all(b[0] == [] for b in broadcasts)


def test_channels_become_groups_and_dms_never_do(rostered, data):
    ws, p = rostered, rostered.pseudonymiser
    ingest(ws, "slack", data / "slack" / "export")
    groups = sorted(ws.db.execute("SELECT kind, name FROM groups WHERE source_kind = 'slack'").fetchall())
    assert groups == [("slack_channel", "general"), ("slack_channel", "platform"), ("slack_private", "(private channel)")]
    members = ws.db.execute("SELECT count(*) FROM group_members WHERE group_id = ?", [p.token("slack_channel", "C01")]).fetchone()
    assert members == (5,)
    dump = repr(ws.db.execute("SELECT * FROM groups").fetchall())
    assert "secret" not in dump and "mpdm" not in dump and "D01" not in dump


def test_no_user_id_mention_or_text_reaches_the_analytics_database(rostered, data):
    ingest(rostered, "slack", data / "slack" / "export")
    dump = ""
    for table in ("interactions", "identities", "groups", "group_members", "ingestion_log"):
        dump += repr(rostered.db.execute(f"SELECT * FROM {table}").fetchall())
    for raw in ("U01", "U05", "U04", "<@", "review", "acme.example", "edsger"):
        assert raw not in dump


def test_zip_and_folder_give_the_same_rows(tmp_path, data):
    shutil.make_archive(str(tmp_path / "export"), "zip", data / "slack", "export")  # with a top folder
    got = []
    for i, src in enumerate((data / "slack" / "export", tmp_path / "export.zip")):
        ws = Workspace.init(tmp_path / f"w{i}")
        (ws.vault.dir / "pseudonymisation.key").write_bytes(b"k" * 32)
        ws._pseudonymiser = None
        ingest(ws, "roster", data / "roster" / "workday.csv")
        ingest(ws, "slack", src)
        got.append(rows(ws))
        ws.close()
    assert got[0] == got[1] and len(got[0]) == 14


def test_same_export_twice_is_a_duplicate(rostered, data, snap):
    ingest(rostered, "slack", data / "slack" / "export")
    before = snap(rostered)
    assert ingest(rostered, "slack", data / "slack" / "export").status == "duplicate"
    assert snap(rostered) == before


def test_threshold_makes_large_group_dms_broadcasts(tmp_path, data):
    ws = Workspace.init(tmp_path / "w", settings={"broadcast_threshold": 1})
    result = ingest(ws, "slack", data / "slack" / "export")
    assert result.notes["kinds"]["broadcast"] == 4 + 4  # two-recipient mention, reply x2, group DM
    ws.close()


CASES = [
    ("malformed", "malformed/general/2026-07-02.json, line 3: not valid JSON (Unterminated string starting at column 37). "
                  "The file may be truncated or edited by hand; export it again."),
    ("zip_slip.zip", "zip_slip.zip/../../.bashrc: this member's path escapes the archive's folder. "
                     "The archive is unsafe (a 'zip slip'); nothing was imported. Ask for a fresh export."),
    ("zip_bomb.zip", "zip_bomb.zip/general/2026-07-01.json: this member would expand 1,028 times (to 31,457,282 bytes); "
                     "the limit is 200. The archive looks like a zip bomb; nothing was imported. If it is genuine, "
                     "unzip it yourself and import the folder, or raise the archive_max_ratio setting."),
]


@pytest.mark.parametrize("name,message", CASES, ids=[c[0] for c in CASES])
def test_hostile_exports_are_refused_and_change_nothing(rostered, data, snap, name, message):
    before = snap(rostered)
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "slack", data / "slack" / name)
    assert str(excinfo.value) == message
    assert snap(rostered) == before


def _export(tmp_path, data, day_messages):
    root = tmp_path / "exp"
    shutil.copytree(data / "slack" / "export", root)
    (root / "general" / "2026-07-02.json").write_text(json.dumps(day_messages))
    return root


@pytest.mark.parametrize("messages,message", [
    ({"ts": "1"}, "exp/general/2026-07-02.json: expected a list of messages, found an object. "
                  "Each day file of a Slack export is a JSON array of messages."),
    ([{"user": "U01", "ts": "1782982800.1"}, "hello"],
     "exp/general/2026-07-02.json, message 2: expected a message object, found a string. The file may be damaged; export it again."),
    ([{"user": "U01", "ts": "yesterday"}],
     "exp/general/2026-07-02.json, message 1, field 'ts': not a Slack timestamp: 'yesterday'. Slack writes 'ts' as "
     "seconds since 1970 with a fraction, e.g. \"1782897300.000200\"; the file may be damaged."),
])
def test_bad_day_files_name_the_member_and_message(rostered, data, snap, tmp_path, messages, message):
    root = _export(tmp_path, data, messages)
    before = snap(rostered)
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "slack", root)
    assert str(excinfo.value) == message
    assert snap(rostered) == before


def test_not_a_slack_export(rostered, tmp_path):
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "slack", tmp_path / "x.zip")
    assert str(excinfo.value) == ("x.zip: this is not a Slack export: users.json is missing. "
                                  "Give the .zip from Slack's 'Export data' page, or the folder it unpacks to.")
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match=r"^junk.zip: not a readable zip archive"):
        ingest(rostered, "slack", tmp_path / "junk.zip")


def test_damaged_zip_member_is_refused(rostered, data, tmp_path, snap):
    path = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name in ("users.json", "channels.json"):
            z.write(data / "slack" / "export" / name, name)
        z.writestr("general/2026-07-01.json", '[{"type": "message", "user": "U01", "text": "hi", "ts": "1782897300.000100"}]')
    raw = bytearray(path.read_bytes())
    at = raw.index(b'"hi"')
    raw[at + 1] = ord("X")  # same size, wrong CRC
    path.write_bytes(bytes(raw))
    before = snap(rostered)
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "slack", path)
    assert str(excinfo.value) == ("damaged.zip/general/2026-07-01.json: cannot read this member of the archive "
                                  "(CRC check failed). The archive is damaged or truncated; download the export again.")
    assert snap(rostered) == before
