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
    ('[{"MessageType": 0, "From": {"User": {"Id": "x"}}, "ChatId": "c", "CreatedDateTime": "2026-07-01T09:00:00Z"}]',
     "page.json, message 1, field 'messageType': messageType is the number 0, not a name. Write enumerations by name "
     "(\"message\", \"systemEventMessage\"): with System.Text.Json, add a JsonStringEnumConverter to the serializer options."),
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


# --- Replies nested under their post, SDK key styles, delta pages (issue 15) ---

def pascal(value):
    """A Graph PowerShell/.NET SDK copy of REST JSON: every key capitalised; ``@odata`` annotations, which the
    PowerShell SDK's models have no property for, moved into the object's ``AdditionalProperties``."""
    if isinstance(value, list):
        return [pascal(v) for v in value]
    if not isinstance(value, dict):
        return value
    out, extra = {}, {}
    for key, v in value.items():
        if key.startswith("@"):
            extra[key] = pascal(v)
        else:
            out[key[:1].upper() + key[1:]] = pascal(v)
    if extra:
        out["AdditionalProperties"] = extra
    return out


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1))
    return path


def nested(messages, *, bare=False):
    """Channel messages as ``$expand=replies`` returns them: each reply inside its post's ``replies``
    (bare: without the ``replyToId`` and ``channelIdentity`` that the post already gives)."""
    ids = {m["id"] for m in messages if not m.get("replyToId")}
    posts = {m["id"]: dict(m, replies=[]) for m in messages if not m.get("replyToId")}
    loose = []
    for m in messages:
        if m.get("replyToId") in ids:
            reply = {k: v for k, v in m.items() if not (bare and k in ("replyToId", "channelIdentity"))}
            posts[m["replyToId"]]["replies"].append(reply)
        elif m.get("replyToId"):
            loose.append(m)
    return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#teams('team-acme')/channels('x')/messages",
            "value": list(posts.values()) + loose}


def export_copy(data, tmp_path, *, channel=None, style=lambda v: v, only=None):
    """The sample export in tmp_path/export, its files rewritten by ``style`` (all, or those named in ``only``)."""
    src, out = data / "teams" / "export", tmp_path / "export"
    for f in sorted(src.iterdir()):
        if f.suffix == ".jsonl":
            value = [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
            value = channel(value) if channel else value
            name = f.with_suffix(".json").name
        else:
            value, name = json.loads(f.read_text()), f.name
        write_json(out / name, style(value) if only is None or name in only else value)
    return out


def fresh(tmp_path, data, name):
    """Another workspace with the sample roster, so that an import is not skipped as already imported."""
    from socialhr.workspace import Workspace
    ws = Workspace.init(tmp_path / name)
    ingest(ws, "roster", data / "roster" / "workday.csv")
    return ws


def readable(ws):
    """The interactions with roster ids (and barbara's Graph id) for pseudonyms, to compare two workspaces."""
    p = ws.pseudonymiser
    names = {p.person(f"E00{i}"): f"E00{i}" for i in range(1, 9)} | {p.token("teams", BARBARA_ID): "barbara"}
    return sorted((ts, kind, names.get(s, s), sorted(names.get(r, r) for r in rs), w) for ts, kind, s, rs, w in rows(ws))


def outcome(result):
    return result.rows_read, result.rows_imported, result.skipped, result.notes["kinds"], result.notes["new_identities"]


@pytest.mark.parametrize("bare", [False, True], ids=["as-graph-writes-them", "without-replyToId"])
def test_replies_nested_in_their_post_are_read_like_flat_replies(rostered, data, tmp_path, bare):
    ws = fresh(tmp_path, data, "other")
    flat = ingest(rostered, "teams", export_copy(data, tmp_path / "flat"))
    result = ingest(ws, "teams", export_copy(data, tmp_path / "nested", channel=lambda v: nested(v, bare=bare)))
    assert outcome(result) == outcome(flat)
    assert outcome(result)[:4] == (14, 13, {"system_events": 1, "deleted_messages": 1, "bots": 1},
                                                        {"message": 5, "mention": 3, "reply": 3, "broadcast": 2})
    assert result.notes["replies_nested"] == 3 and flat.notes["replies_nested"] == 0
    assert result.notes["read"] == flat.notes["read"]
    assert readable(ws) == readable(rostered)


def test_a_post_with_two_replies_is_three_messages_and_the_mention_counts(rostered, tmp_path):
    ws, p = rostered, rostered.pseudonymiser
    ident = {"teamId": "team-acme", "channelId": "19:general@thread.tacv2"}

    email = {"ada": "ada.lovelace", "alan": "alan.turing", "grace": "grace.hopper", "edsger": "edsger.dijkstra"}

    def msg(mid, who, minute, mentions=()):
        return {"id": mid, "messageType": "message", "createdDateTime": f"2026-07-02T09:{minute:02d}:00Z",
                "from": {"user": {"id": f"u{who}", "email": f"{email[who]}@acme.example"}}, "channelIdentity": ident,
                "mentions": [{"id": i, "mentioned": {"user": {"id": f"u{m}", "email": f"{email[m]}@acme.example"}}}
                             for i, m in enumerate(mentions)]}
    post = dict(msg("1", "ada", 0), replies=[msg("2", "grace", 5), msg("3", "alan", 10, mentions=["edsger"])])
    result = ingest(ws, "teams", write_json(tmp_path / "messages.json", {"value": [post]}))
    assert result.rows_read == 3
    assert result.notes["read"] == {"chat_messages": 0, "channel_posts": 1, "channel_replies": 2, "mentions": 1}
    ada, alan, grace, edsger = (p.person(f"E00{i}") for i in range(1, 5))
    assert rows(ws) == sorted([
        (utc(2026, 7, 2, 9, 5), "reply", grace, [ada], 1.0),
        (utc(2026, 7, 2, 9, 10), "reply", alan, sorted([ada, grace]), 0.5),
        (utc(2026, 7, 2, 9, 10), "mention", alan, [edsger], 1.0),
    ])


def test_a_reply_both_nested_and_listed_on_its_own_counts_once(rostered, data, tmp_path):
    folder = export_copy(data, tmp_path, channel=nested)
    flat = [json.loads(line) for line in (data / "teams" / "export" / "channel_general.jsonl").read_text().splitlines()]
    write_json(folder / "replies.json", {"value": [m for m in flat if m["id"] == "10"]})  # GET .../messages/9/replies
    result = ingest(rostered, "teams", folder)
    assert result.rows_read == 15 and result.notes["kinds"] == {"message": 5, "mention": 3, "reply": 3, "broadcast": 2}
    assert result.skipped["duplicates"] == 1


@pytest.mark.parametrize("only", [None, {"chat_messages.json"}, {"channel_general.json", "users.json", "chats.json"}],
                         ids=["all-pascal", "pascal-messages-with-camel-rest", "pascal-channel-and-helpers"])
def test_sdk_exports_with_pascalcase_keys_read_like_camelcase(rostered, data, tmp_path, only):
    ws = fresh(tmp_path, data, "other")
    camel = ingest(rostered, "teams", export_copy(data, tmp_path / "camel"))
    result = ingest(ws, "teams", export_copy(data, tmp_path / "pascal", style=pascal, only=only))
    assert outcome(result) == outcome(camel)
    assert result.notes["read"] == camel.notes["read"] and result.notes["groups_added"] == camel.notes["groups_added"]
    assert readable(ws) == readable(rostered)
    assert sorted(ws.db.execute("SELECT kind, name FROM groups").fetchall()) == \
        sorted(rostered.db.execute("SELECT kind, name FROM groups").fetchall())


def test_a_pascalcase_file_alone_is_read(ws, data, tmp_path):
    value = json.loads((data / "teams" / "export" / "chat_messages.json").read_text())
    camel = ingest(ws, "teams", data / "teams" / "export" / "chat_messages.json")
    other = fresh(tmp_path, data, "other")
    result = ingest(other, "teams", write_json(tmp_path / "pascal.json", pascal(value)))
    assert outcome(result) == outcome(camel)


def dotnet_type(value):
    """The .NET SDK's spelling of ``@odata.type``: a property ``OdataType`` (the rest capitalised as ``pascal``)."""
    if isinstance(value, list):
        return [dotnet_type(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {("OdataType" if k == "@odata.type" else k): dotnet_type(v) for k, v in value.items()}
    return pascal(out)


@pytest.mark.parametrize("style", [lambda v: v, pascal, dotnet_type], ids=["camelCase", "PowerShell", "dotnet"])
def test_delta_pages_removed_entries_and_other_objects_are_counted(ws, tmp_path, style):
    base = {"messageType": "message", "createdDateTime": "2026-07-01T09:00:00Z", "chatId": "c",
            "from": {"user": {"id": "a", "email": "a@acme.example"}}}
    pages = [
        {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(chatMessage)",
         "@odata.nextLink": "https://graph.microsoft.com/v1.0/.../delta?$skiptoken=x",
         "value": [dict(base, id="1", **{"@odata.type": "#microsoft.graph.chatMessage"}),
                   {"id": "2", "@removed": {"reason": "deleted"}}]},
        {"@odata.deltaLink": "https://graph.microsoft.com/v1.0/.../delta?$deltatoken=y",
         "value": [dict(base, id="3", **{"from": {"user": {"id": "b", "email": "b@acme.example"}}}),
                   {"@odata.type": "#microsoft.graph.chatMessageHostedContent", "id": "h"}]},
    ]
    result = ingest(ws, "teams", write_json(tmp_path / "delta.json", style(pages)))  # a list of pages, as a script saves them
    assert result.rows_read == 4
    assert result.skipped == {"deleted_messages": 1, "not_chat_messages": 1}
    assert result.notes["kinds"] == {"message": 2}


def test_replies_whose_post_is_missing_are_told_apart_from_replies_to_oneself(ws, tmp_path):
    ident = {"teamId": "t", "channelId": "c"}
    me = {"user": {"id": "a", "email": "a@acme.example"}}
    msgs = [{"id": "1", "messageType": "message", "createdDateTime": "2026-07-01T09:00:00Z", "from": me, "channelIdentity": ident},
            {"id": "2", "replyToId": "1", "messageType": "message", "createdDateTime": "2026-07-01T09:01:00Z", "from": me,
             "channelIdentity": ident},
            {"id": "3", "replyToId": "404", "messageType": "message", "createdDateTime": "2026-07-01T09:02:00Z", "from": me,
             "channelIdentity": ident}]
    result = ingest(ws, "teams", write_json(tmp_path / "m.json", msgs))
    assert result.skipped == {"replies_to_self": 1, "replies_without_post": 1}


def test_powershell_conversions_are_read_or_explained(ws, tmp_path):
    # Windows PowerShell 5.1's ConvertTo-Json writes dates as /Date(ms)/; the SDK keeps unknown properties aside.
    msg = {"Id": "1", "MessageType": "message", "CreatedDateTime": "/Date(1782896400000)/", "ChatId": "c",
           "From": {"User": {"Id": "a", "DisplayName": "A", "AdditionalProperties": {"userIdentityType": "aadUser"}}},
           "Mentions": [{"Id": 0, "Mentioned": {"User": {"Id": "b"}}}]}
    result = ingest(ws, "teams", write_json(tmp_path / "ps.json", [msg]))
    assert result.notes["kinds"] == {"message": 1}
    (ts,) = ws.db.execute('SELECT "timestamp" FROM interactions').fetchone()
    assert ts == utc(2026, 7, 1, 9, 0)
    cut = dict(msg, Id="2", From={"User": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphIdentity"})
    with pytest.raises(InputError) as excinfo:
        ingest(ws, "teams", write_json(tmp_path / "cut.json", [cut]))
    assert str(excinfo.value) == (
        "cut.json, message 1, field 'from.user': the sender is the text "
        "'Microsoft.Graph.PowerShell.Models.MicrosoftGraphIdentity', not an object. PowerShell's ConvertTo-Json cut "
        "the export at its default depth: export again with ConvertTo-Json -Depth 10.")


def test_an_error_in_a_nested_reply_names_its_post(ws, tmp_path):
    post = {"id": "1", "messageType": "message", "createdDateTime": "2026-07-01T09:00:00Z",
            "from": {"user": {"id": "a"}}, "channelIdentity": {"teamId": "t", "channelId": "c"},
            "replies": [{"id": "2", "messageType": "message", "createdDateTime": "soon", "from": {"user": {"id": "b"}}}]}
    with pytest.raises(InputError) as excinfo:
        ingest(ws, "teams", write_json(tmp_path / "p.json", {"value": [post]}))
    assert str(excinfo.value).startswith("p.json, message 1, reply 1, field 'createdDateTime': not a date-time: 'soon'.")
