"""Conformance: socialhr reads the Microsoft Graph documentation's own chatMessage responses as they count.

The JSON bodies are the "Response" examples of the Graph v1.0 reference (tests/data/teams/graph-docs/README.md
says where each comes from). For each, the count of messages from people, of replies and of mentions is stated
below, checked against a plain reading of the JSON (the json module, nothing of socialhr), and socialhr's import
must equal it — from the REST API's camelCase and from a copy in the key style of the Graph .NET SDK.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socialhr.ingest import ingest

DOCS = Path(__file__).parent / "data" / "teams" / "graph-docs"

# file: (objects in it, chat messages, channel posts, channel replies, mentions, system events) from people
# unless said; stated by reading each response in the documentation.
STATED = {
    "chatmessage-get-chat.json": (1, 1, 0, 0, 0, 0),                  # GET /chats/{id}/messages/{id}
    "chatmessage-get-reply.json": (1, 0, 0, 1, 0, 0),                 # GET .../messages/{id}/replies/{id}
    "chatmessage-list-replies.json": (3, 0, 0, 3, 0, 0),              # GET .../messages/{id}/replies
    "channel-list-messages.json": (3, 0, 2, 0, 1, 1),                 # a mention of Jane Smith; a system event
    "channel-list-messages-expand-replies.json": (4, 0, 1, 3, 0, 0),  # ?$expand=replies: 3 replies nested in 1 post
    "chat-list-messages.json": (3, 2, 0, 0, 0, 1),                    # the system event's date is malformed in the docs
    "chatmessage-delta-page1.json": (2, 0, 2, 0, 0, 0),               # delta, first page (@odata.nextLink)
    "chatmessage-delta-page3.json": (2, 0, 2, 0, 0, 0),               # delta, last page (@odata.deltaLink)
}


def plain_count(value) -> tuple[int, int, int, int, int, int]:
    """The same figures, read from the JSON with nothing but dict lookups."""
    objects = value["value"] if "value" in value else [value]
    flat = []
    for m in objects:
        flat.append((m, False))
        flat.extend((r, True) for r in m.get("replies", []))
    chat = posts = replies = mentions = system = 0
    for m, is_nested in flat:
        if m.get("messageType") != "message" or m.get("eventDetail"):
            system += 1
            continue
        user = (m.get("from") or {}).get("user")
        if not user or m.get("deletedDateTime"):
            continue
        if m.get("chatId"):
            chat += 1
        elif m.get("replyToId") or is_nested:
            replies += 1
        else:
            posts += 1
        mentions += len({x["mentioned"]["user"]["id"] for x in m.get("mentions", [])
                         if (x.get("mentioned") or {}).get("user") and x["mentioned"]["user"]["id"] != user["id"]})
    return len(flat), chat, posts, replies, mentions, system


def dotnet(value):
    """A copy as the Graph .NET SDK serialises its models: PascalCase properties, ``@odata.type`` as ``OdataType``,
    every other annotation (``@odata.context``, ``replies@odata.nextLink``...) in ``AdditionalData``."""
    if isinstance(value, list):
        return [dotnet(v) for v in value]
    if not isinstance(value, dict):
        return value
    out, extra = {}, {}
    for key, v in value.items():
        if key == "@odata.type":
            out["OdataType"] = v
        elif "@" in key:
            extra[key] = v
        else:
            out[key[:1].upper() + key[1:]] = dotnet(v)
    if extra:
        out["AdditionalData"] = extra
    return out


def test_every_sample_is_stated():
    assert sorted(STATED) == sorted(p.name for p in DOCS.glob("*.json"))


@pytest.mark.parametrize("style", ["camelCase", "PascalCase"])
@pytest.mark.parametrize("name", sorted(STATED))
def test_graph_docs_response_is_read_as_it_counts(ws, tmp_path, name, style):
    value = json.loads((DOCS / name).read_text())
    stated = STATED[name]
    assert plain_count(value) == stated
    total, chat, posts, replies, mentions, system = stated
    path = DOCS / name
    if style == "PascalCase":
        path = tmp_path / name
        path.write_text(json.dumps(dotnet(value)))
    result = ingest(ws, "teams", path)
    assert result.rows_read == total
    assert result.notes["read"] == {"chat_messages": chat, "channel_posts": posts, "channel_replies": replies,
                                    "mentions": mentions}
    assert result.skipped.get("system_events", 0) == system
    # Every message from a person is accounted for: it made an interaction (in these samples none makes two), or it
    # is skipped with its reason — Robin Kline writes alone (his own replies, a chat without a member list, replies
    # whose post is not in the file). Each mention reached the person mentioned.
    alone = sum(result.skipped.get(k, 0) for k in ("no_recipients", "replies_to_self", "replies_without_post"))
    made = sum(result.notes["kinds"].values())
    assert alone + made == chat + posts + replies
    recipients = ws.db.execute("SELECT coalesce(sum(len(recipients)), 0) FROM interactions WHERE kind = 'mention'").fetchone()[0]
    assert recipients == mentions
    nested = sum(len(m.get("replies", [])) for m in value.get("value", []))
    assert result.notes["replies_nested"] == nested
    more = sum(1 for m in value.get("value", []) if m.get("replies@odata.nextLink"))
    assert result.notes["posts_with_replies_not_exported"] == more
