"""Teams import (Microsoft Graph chatMessage JSON): chats, channels, threads, mentions, bots, errors."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest

BARBARA_ID = "00000005-1111-4222-8333-444455556605"


def rows(ws):
    return sorted(ws.db.execute(
        'SELECT "timestamp", kind, sender, list_sort(recipients), weight FROM interactions WHERE kind <> \'broadcast\'').fetchall())


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_graph_export_gives_the_documented_interactions(rostered, data):
    ws, p = rostered, rostered.pseudonymiser
    result = ingest(ws, "teams", data / "teams" / "export")
    assert (result.rows_read, result.rows_imported) == (14, 13)
    assert result.skipped == {"system_events": 1, "deleted_messages": 1, "bots": 1}
    assert result.notes["kinds"] == {"message": 5, "mention": 3, "reply": 3, "broadcast": 2}
    # barbara's id is in no users.json or member list: a teams token, counted as unresolved
    assert result.notes["new_identities"] == {"unresolved": 1}
    ada, alan, grace, edsger = (p.person(f"E00{i}") for i in range(1, 5))
    barbara = p.token("teams", BARBARA_ID)
    assert rows(ws) == sorted([
        (utc(2026, 7, 1, 8, 0), "message", grace, sorted([ada, edsger]), 0.5),   # group chat, +02:00 honoured
        (utc(2026, 7, 1, 8, 0), "mention", grace, [barbara], 1.0),               # mentioned, not a member
        (utc(2026, 7, 1, 9, 0), "message", ada, [alan], 1.0),                    # 1:1 chat (alan by UPN)
        (utc(2026, 7, 1, 9, 1), "message", alan, [ada], 1.0),
        (utc(2026, 7, 1, 11, 0), "message", edsger, [ada], 1.0),                 # chat without a member list
        (utc(2026, 7, 1, 11, 1), "message", ada, [edsger], 1.0),
        (utc(2026, 7, 2, 9, 5), "reply", grace, [ada], 1.0),                     # listed before its parent
        (utc(2026, 7, 2, 9, 10), "reply", alan, sorted([ada, grace]), 0.5),
        (utc(2026, 7, 2, 9, 10), "mention", alan, [edsger], 1.0),
        (utc(2026, 7, 2, 10, 0), "mention", alan, [grace], 1.0),
        (utc(2026, 7, 2, 12, 0), "reply", ada, sorted([grace, alan]), 0.5),
    ])
    groups = sorted(ws.db.execute("SELECT kind, name FROM groups WHERE source_kind = 'teams'").fetchall())
    assert groups == [("teams_channel", "General"), ("teams_private", "(private channel)")]
    dump = repr(ws.db.execute("SELECT * FROM interactions").fetchall()) + repr(ws.db.execute("SELECT * FROM groups").fetchall())
    assert "1111-4222" not in dump and "Acquisition" not in dump and "19:" not in dump


def test_a_single_page_file_imports_without_the_helper_files(ws, data):
    result = ingest(ws, "teams", data / "teams" / "export" / "chat_messages.json")
    # without users.json and chats.json, a chat's members are the people who wrote or were mentioned in it:
    # grace's message to the group chat goes to barbara, whom she mentioned, and nobody else
    assert result.rows_read == 8 and result.notes["kinds"] == {"message": 5}
    assert result.skipped == {"system_events": 1, "deleted_messages": 1, "bots": 1}
    assert result.notes["new_identities"] == {"unresolved": 5}  # no e-mails: every id is a teams token


def test_zip_gives_the_same_result(rostered, data, tmp_path):
    shutil.make_archive(str(tmp_path / "teams"), "zip", data / "teams" / "export")
    result = ingest(rostered, "teams", tmp_path / "teams.zip")
    assert (result.rows_read, result.rows_imported) == (14, 13)


def test_truncated_page_names_file_and_line(rostered, data, snap):
    before = snap(rostered)
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "teams", data / "teams" / "truncated")
    assert str(excinfo.value) == ("truncated/chat_messages.json, line 126: not valid JSON (Unterminated string starting at "
                                  "column 16). The file may be truncated or edited by hand; export it again.")
    assert snap(rostered) == before


@pytest.mark.parametrize("content,message", [
    ('{"value": [{"messageType": "message", "from": {"user": {"id": "x"}}, "chatId": "c", "createdDateTime": "noon"}]}',
     "page.json, message 1, field 'createdDateTime': not a date-time: 'noon'. Microsoft Graph writes ISO 8601, "
     "e.g. \"2026-07-01T09:15:00.123Z\"; the file may be damaged."),
    ('[{"messageType": "message", "from": {"user": {"id": "x"}}, "createdDateTime": "2026-07-01T09:00:00Z"}]',
     "page.json, message 1, field 'chatId': the message has neither chatId nor channelIdentity. "
     "Export chat messages with their chatId and channel messages with channelIdentity."),
    ('[1]', "page.json, message 1: expected a chatMessage object, found int. The file may be damaged; export it again."),
    ('{"hello": 1}', "page.json: expected chatMessage objects: a list, or a Graph page with 'value'. Export the messages "
                     "with Microsoft Graph (GET /chats/{id}/messages, /teams/{id}/channels/{id}/messages)."),
    ('[]', "page.json: no Teams messages found. Give JSON files of Microsoft Graph chatMessage objects (a list, or pages with 'value')."),
])
def test_bad_messages_are_refused_and_change_nothing(rostered, tmp_path, snap, content, message):
    (tmp_path / "page.json").write_text(content)
    before = snap(rostered)
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "teams", tmp_path / "page.json")
    assert str(excinfo.value) == message
    assert snap(rostered) == before


def test_jsonl_error_names_the_line(rostered, tmp_path):
    line = json.dumps({"messageType": "message", "chatId": "c", "from": {"user": {"id": "x"}}, "createdDateTime": "2026-07-01T09:00:00Z"})
    (tmp_path / "m.jsonl").write_text(line + "\n" + line[:20] + "\n")
    with pytest.raises(InputError, match=r"^m.jsonl, line 2: not valid JSON"):
        ingest(rostered, "teams", tmp_path / "m.jsonl")
