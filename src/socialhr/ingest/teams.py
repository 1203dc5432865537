"""Import Microsoft Teams chat and channel messages exported from the Microsoft Graph API.

The input is a JSON file, a folder or a .zip of them. Message files hold
Graph ``chatMessage`` objects: one message (``GET .../messages/{id}``), a list,
a Graph page or delta page (``{"@odata.context": ..., "value": [...],
"@odata.nextLink"/"@odata.deltaLink": ...}``), a list of such pages, or JSON
Lines with one message a line. A channel post may carry its replies nested in a
``replies`` array (``GET .../messages?$expand=replies``): each reply is read
as a message of its own, a reply to that post. Keys are read whatever their
case (:func:`folded`), so exports of the Graph PowerShell and .NET SDKs
(``Id``, ``From``, ``CreatedDateTime``...) read exactly like the REST API's
camelCase. Three optional files help:

* ``users.json``: Graph users (``id``, ``mail``, ``userPrincipalName``), to
  match senders to the roster by e-mail;
* ``chats.json``: chats (``id``, ``chatType``, ``members`` with ``userId`` and
  ``email``), for who is in each chat;
* ``channels.json``: channels (``id``, ``teamId``, ``displayName``,
  ``membershipType``, ``members``), for channel names and members.

Rules (docs/connectors.md), the same as for Slack:

* a sender's ``from.user.id`` becomes their e-mail (users.json, chat members,
  or an ``email``/``userPrincipalName`` in the message), else a token of kind
  ``teams``; ids and display names never reach the analytics database;
* a chat message (``chatId``) makes one ``message`` to the other members of
  the chat (chats.json, else everyone who wrote or was mentioned in it);
* in a channel (``channelIdentity``), a reply (``replyToId``) makes one
  ``reply`` to the parent's author and earlier repliers, a mention one
  ``mention`` to each person mentioned (not already replied to), and a post
  that is neither a ``broadcast`` with no recipients and the channel as
  context;
* a message an earlier import stored (its chat or channel and its ``id``, kept
  as a keyed token) is skipped and counted as ``already_imported`` (:mod:`.keys`);
* skipped and counted: system and event messages (``messageType`` other than
  ``message``, or an ``eventDetail``), objects whose ``@odata.type`` is not a
  chatMessage, deleted messages (``deletedDateTime``, or a delta's
  ``@removed``), bots (``from.application`` without a user), messages without
  a sender or recipients, replies to oneself, replies whose post is not in the
  import;
* channels go to ``groups`` (kind ``teams_channel``, or ``teams_private`` for
  private and shared channels, which get no name).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from ..errors import InputError
from ..workspace import Workspace
from .archive import DEEP_JSON, DEEP_JSON_HINT, MAX_RATIO, Tree, iter_files, open_tree
from .batch import Batch, BatchResult
from .identity import IdentityResolver
from .messaging import InteractionSink, micros, other_members, store_groups

HELPERS = ("users.json", "chats.json", "channels.json")


def import_teams(ws: Workspace, path: str | Path, *,
                 progress: Callable[[int, int | None], None] | None = None) -> BatchResult:
    """Import Teams chatMessage JSON (file, folder or .zip) as one batch. See the module docstring for the rules."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file or folder: {path}", hint="Check the path; it is relative to where you run the command.")
    with open_tree(path, max_ratio=ws.settings.get("archive_max_ratio", MAX_RATIO), single_files=True) as tree, \
            Batch(ws, "teams", path) as batch:
        if batch.is_duplicate:
            return batch.result
        _Import(ws, tree, batch, progress).run()
    return batch.result


# The names of the properties socialhr reads, as the Graph REST API spells them. A key is matched to one of these
# whatever its case; the Graph SDKs' property bags are merged into their object, and the .NET SDK's OdataType is
# @odata.type. Only the objects below the keys in _NESTED are looked into: what a message holds and is never read
# (its body, attachments, reactions...) is left as it is and costs nothing.
_NAMES = {name.lower(): name for name in (
    "value", "id", "replyToId", "messageType", "createdDateTime", "deletedDateTime", "chatId", "channelIdentity",
    "teamId", "channelId", "from", "user", "application", "mentions", "mentioned", "replies", "eventDetail",
    "@odata.type", "@removed", "replies@odata.nextLink", "userId", "email", "mail", "userPrincipalName", "members",
    "displayName", "membershipType")} | {"odatatype": "@odata.type"}
_NESTED = frozenset({"value", "from", "user", "mentions", "mentioned", "channelIdentity", "replies", "members"})
_BAGS = frozenset({"additionalproperties", "additionaldata"})
_MESSAGE_TYPE = "#microsoft.graph.chatmessage"
_MS_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")
_PLANS: dict[tuple, tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]] = {}


def _plan(keys: tuple) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    """For one set of keys: the renames, the SDK property bags, and the keys to look into."""
    renames, bags = {}, []
    for key in keys:
        if not isinstance(key, str):
            continue
        low = key.lower()
        if low in _BAGS:
            bags.append(key)
        elif _NAMES.get(low, key) != key:
            renames[key] = _NAMES[low]
    nested = tuple(dict.fromkeys(renames.get(k, k) for k in keys if k not in bags and renames.get(k, k) in _NESTED))
    return renames, tuple(bags), nested


def folded(value: Any) -> Any:
    """JSON whose keys read alike whatever their case: the one place where key case is decided.

    The Graph REST API writes camelCase (``createdDateTime``); the Graph
    PowerShell and .NET SDKs write PascalCase (``CreatedDateTime``) and keep
    the properties their models lack in ``AdditionalProperties`` (PowerShell)
    or ``AdditionalData`` (.NET), merged into their object here; the .NET
    SDK's ``OdataType`` is ``@odata.type``. Each key socialhr reads is given
    the REST API's spelling, in place (the value is a freshly parsed file's).
    When a key occurs twice in one object under different cases, the first is
    kept. Objects with the same keys share one plan, so a REST export, whose
    keys need no change, is only walked.

    >>> folded({"Id": "1", "From": {"User": {"Id": "u"}}, "AdditionalProperties": {"chatId": "c"}, "Body": {"X": 1}})
    {'id': '1', 'from': {'user': {'id': 'u'}}, 'Body': {'X': 1}, 'chatId': 'c'}
    """
    if isinstance(value, list):
        for v in value:
            folded(v)
        return value
    if not isinstance(value, dict):
        return value
    keys = tuple(value)
    plan = _PLANS.get(keys)
    if plan is None:
        if len(_PLANS) > 4096:
            _PLANS.clear()
        plan = _PLANS[keys] = _plan(keys)
    renames, bags, nested = plan
    if renames or bags:
        out: dict[Any, Any] = {}
        for key, v in value.items():
            if key not in bags:
                out.setdefault(renames.get(key, key), v)
        for key in bags:
            if isinstance(value[key], dict):
                for k, v in folded(value[key]).items():
                    out.setdefault(k, v)
        value.clear()
        value.update(out)
    for key in nested:
        folded(value[key])
    return value


def _entries(value: Any) -> list | None:
    """The objects of a file: a Graph page's ``value``, a list, or a list of pages (each page's ``value``)."""
    if isinstance(value, dict) and isinstance(value.get("value"), list):
        return value["value"]
    if not isinstance(value, list):
        return None
    if value and all(isinstance(v, dict) and isinstance(v.get("value"), list) and "messageType" not in v for v in value):
        return [m for page in value for m in page["value"]]
    return value


def _timestamp(text: Any) -> dt.datetime | None:
    """ISO 8601 as Graph writes it, or ``/Date(ms)/`` as Windows PowerShell 5.1's ConvertTo-Json writes a date."""
    if not isinstance(text, str):
        return None
    ms = _MS_DATE.fullmatch(text)
    if ms:
        return dt.datetime.fromtimestamp(int(ms.group(1)) / 1000, dt.timezone.utc)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


class _Import:
    def __init__(self, ws: Workspace, tree: Tree, batch: Batch, progress):
        self.ws, self.tree, self.batch, self.progress = ws, tree, batch, progress
        self.zone = ZoneInfo(ws.settings["timezone"])
        self.resolver = IdentityResolver(ws, batch.batch_id)
        self.sink = InteractionSink(ws, batch.batch_id, threshold=ws.settings["broadcast_threshold"], resolver=self.resolver,
                                    keys="skip")
        self.skip: dict[str, int] = {}
        self.emails: dict[str, str] = {}  # Graph user id -> e-mail or UPN
        self.persons: dict[str, str] = {}  # Graph user id -> pseudonym
        self.naive = 0

    def count(self, reason: str) -> None:
        self.skip[reason] = self.skip.get(reason, 0) + 1

    def helper(self, name: str) -> list:
        member = next((m for m in self.tree.members if m.rsplit("/", 1)[-1].lower() == name), None)
        if member is None:
            return []
        value = self._json(member)
        entries = _entries(value)
        if entries is None:
            raise self.tree.error(f"expected a list (or a Graph page with 'value'), found {type(value).__name__}", member,
                                  hint=f"{name} should hold what Microsoft Graph returns, e.g. {{\"value\": [...]}}.")
        return [e for e in entries if isinstance(e, dict)]

    def who(self, user: Any) -> str | None:
        """The pseudonym of a Graph identity ``{"id": ..., ...}`` (or a bare id)."""
        if isinstance(user, dict):
            uid = user.get("userId") or user.get("id")  # a conversationMember has both
            email = user.get("email") or user.get("userPrincipalName") or user.get("mail")
        else:
            uid, email = user, None
        if not isinstance(uid, str) or not uid:
            return None
        p = self.persons.get(uid)
        if p is None:
            email = self.emails.get(uid) or (email if isinstance(email, str) and "@" in email else None)
            p = self.persons[uid] = self.resolver.resolve(email) if email else self.resolver.resolve(uid, "teams")
        return p

    def run(self) -> None:
        for u in self.helper("users.json"):
            mail = u.get("mail") or u.get("userPrincipalName")
            if isinstance(u.get("id"), str) and isinstance(mail, str) and "@" in mail:
                self.emails[u["id"]] = mail
        chats: dict[str, list[str]] = {}
        listed = self.helper("chats.json")
        for c in listed:
            for m in c.get("members") if isinstance(c.get("members"), list) else []:
                if isinstance(m, dict) and isinstance(m.get("userId"), str) and isinstance(m.get("email"), str) and "@" in m["email"]:
                    self.emails.setdefault(m["userId"], m["email"])
        for c in listed:
            if isinstance(c.get("id"), str) and isinstance(c.get("members"), list):
                chats[c["id"]] = [p for p in (self.who(m) for m in c["members"]) if p]
        channels: dict[str, dict] = {}
        groups, members = [], []
        for c in self.helper("channels.json"):
            if not isinstance(c.get("id"), str):
                continue
            key = f"{c.get('teamId') or ''}/{c['id']}"
            private = str(c.get("membershipType", "standard")).lower() != "standard"
            gid = self.ws.pseudonymiser.token("teams_channel", key)
            kind = "teams_private" if private else "teams_channel"
            name = "(private channel)" if private else str(c.get("displayName") or "(channel)")
            people = [p for p in (self.who(m) for m in (c.get("members") if isinstance(c.get("members"), list) else [])) if p]
            channels[key] = {"group": gid, "members": people}
            groups.append((gid, kind, name))
            members.extend((gid, p) for p in people)

        messages = list(self.read())
        if not messages:
            raise InputError("no Teams messages found", file=self.batch.path,
                             hint="Give JSON files of Microsoft Graph chatMessage objects (a list, or pages with 'value').")
        # Chats without a member list: everyone who wrote or was mentioned in them.
        seen: dict[str, dict[str, None]] = {}
        for m in messages:
            if m["chat"] is not None and m["chat"] not in chats:
                people = seen.setdefault(m["chat"], {})
                people[m["sender"]] = None
                for p in m["mentions"]:
                    people[p] = None
        for chat, people in seen.items():
            chats[chat] = list(people)
        # Channel threads: the parent's author, then replies in time order.
        authors = {m["id"]: m["sender"] for m in messages if m["channel"] is not None and m["id"] is not None}
        for m in messages:
            if m["channel"] is not None and m["channel"] not in channels:
                gid = self.ws.pseudonymiser.token("teams_channel", m["channel"])
                channels[m["channel"]] = {"group": gid, "members": []}
                groups.append((gid, "teams_channel", "(channel)"))
        new_groups = store_groups(self.ws, self.batch.batch_id, "teams", groups, members)
        messages.sort(key=lambda m: m["ts"])
        threads: dict[str, dict[str, None]] = {}
        sink, keyed = self.sink, self.ws.pseudonymiser.key
        for m in messages:
            sender, ts, mentioned = m["sender"], m["ts"], m["mentions"]
            # A message's natural key: its chat or channel, and its id.
            key = keyed("teams_message", f"{m['chat'] or m['channel']}\0{m['id']}") if m["id"] is not None else None
            if m["chat"] is not None:
                recipients = other_members(chats.get(m["chat"], []), sender)
                if not recipients:
                    self.count("no_recipients")
                    continue
                sink.add(ts, "teams", "message", sender, recipients, key=key)
                extra = [p for p in mentioned if p not in recipients and p != sender]
                if extra:
                    sink.add(ts, "teams", "mention", sender, extra, key=key)
                continue
            channel = channels[m["channel"]]
            replied: list[str] = []
            parent = m["reply_to"]
            if parent is not None:
                earlier = threads.get(parent)
                if earlier is None:
                    author = authors.get(parent)
                    earlier = threads[parent] = {author: None} if author else {}
                replied = [p for p in earlier if p != sender]
                earlier[sender] = None
                if replied:
                    sink.add(ts, "teams", "reply", sender, replied, context=channel["group"], key=key)
            extra = [p for p in mentioned if p not in replied and p != sender]
            if extra:
                sink.add(ts, "teams", "mention", sender, extra, context=channel["group"], key=key)
            if replied or extra:
                continue
            if parent is not None:
                # Nobody else in the thread yet: the post is the sender's own, or not in this import.
                self.count("replies_to_self" if parent in authors else "replies_without_post")
            else:
                sink.add(ts, "teams", "broadcast", sender, [], weight=1.0 / max(1, len(channel["members"]) - 1),
                         context=channel["group"], key=key)
        stored = sink.finish()
        for reason, n in self.skip.items():
            self.batch.skip(reason, n)
        self.batch.skip("duplicates", sink.duplicates)
        self.batch.skip("already_imported", sink.already_imported)
        new_identities = self.resolver.counts()
        self.resolver.flush()
        self.batch.rows_read = self.read_count
        self.batch.rows_imported = stored
        self.batch.notes.update({
            "kinds": dict(sink.kinds),
            "new_identities": new_identities,
            "chats": len(chats),
            "channels": len(channels),
            "groups_added": new_groups,
            "read": self.tally,
            "replies_nested": self.replies_nested,
            "posts_with_replies_not_exported": self.replies_unexported,
            "naive_timestamps": self.naive,
            "timezone_assumed": self.ws.settings["timezone"] if self.naive else None,
        })

    def _json(self, member: str) -> Any:
        value = self.tree.json(member)
        try:
            return folded(value)
        except RecursionError:
            raise self.tree.error(f"not valid JSON ({DEEP_JSON})", member, hint=DEEP_JSON_HINT) from None

    def read(self) -> Iterator[dict]:
        """Messages that make interactions, as small dicts; the rest counted as skipped."""
        self.read_count = 0
        self.tally = {"chat_messages": 0, "channel_posts": 0, "channel_replies": 0, "mentions": 0}
        self.replies_nested = self.replies_unexported = 0
        for member in iter_files(self.tree, (".json", ".jsonl", ".ndjson")):
            if member.rsplit("/", 1)[-1].lower() in HELPERS:
                continue
            for position, label, msg in self.messages(member):
                self.read_count += 1
                out = self.message(member, position, label, msg)
                if out is not None:
                    self.tally["chat_messages" if out["chat"] is not None else
                               "channel_replies" if out["reply_to"] is not None else "channel_posts"] += 1
                    self.tally["mentions"] += len(out["mentions"])
                    yield out
            if self.progress:
                self.progress(self.read_count, None)

    def messages(self, member: str) -> Iterator[tuple[int, str, Any]]:
        """Each message of a file with where it is (position, label); replies nested in a post follow the post."""
        for position, label, msg in self._entries_of(member):
            yield position, label, msg
            replies = msg.get("replies") if isinstance(msg, dict) else None
            if not isinstance(replies, list):
                continue
            if msg.get("replies@odata.nextLink"):
                self.replies_unexported += 1
            for n, reply in enumerate(replies, 1):
                if isinstance(reply, dict):
                    # A nested reply that does not name its post or its channel takes them from the post it is in.
                    reply = dict(reply)
                    if not reply.get("replyToId") and isinstance(msg.get("id"), str):
                        reply["replyToId"] = msg["id"]
                    if not reply.get("channelIdentity") and not reply.get("chatId"):
                        reply["channelIdentity"], reply["chatId"] = msg.get("channelIdentity"), msg.get("chatId")
                self.replies_nested += 1
                yield n, f"{label} {position}, reply", reply

    def _entries_of(self, member: str) -> Iterator[tuple[int, str, Any]]:
        if member.lower().endswith((".jsonl", ".ndjson")):
            for n, line in enumerate(self.tree.read(member).splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    yield n, "line", folded(json.loads(line))
                except (json.JSONDecodeError, UnicodeDecodeError) as e:
                    raise self.tree.error(f"not valid JSON ({getattr(e, 'msg', e)})", member, line=n,
                                          hint="Each line must hold one complete JSON object; the file may be truncated.") from None
                except RecursionError:
                    raise self.tree.error(f"not valid JSON ({DEEP_JSON})", member, line=n, hint=DEEP_JSON_HINT) from None
            return
        value = self._json(member)
        entries = _entries(value)
        if entries is None:
            if isinstance(value, dict) and ("messageType" in value or "createdDateTime" in value):
                entries = [value]
            else:
                raise self.tree.error("expected chatMessage objects: a list, or a Graph page with 'value'", member,
                                      hint="Export the messages with Microsoft Graph (GET /chats/{id}/messages, "
                                           "/teams/{id}/channels/{id}/messages).")
        for i, msg in enumerate(entries, 1):
            yield i, "message", msg

    def message(self, member: str, position: int, label: str, msg: Any) -> dict | None:
        def error(message: str, field: str | None = None, hint: str | None = None) -> InputError:
            return self.tree.error(message, member, line=position, line_label=label, field=field, hint=hint)

        if not isinstance(msg, dict):
            raise error(f"expected a chatMessage object, found {type(msg).__name__}", hint="The file may be damaged; export it again.")
        kind = msg.get("@odata.type")
        if isinstance(kind, str) and "#" + kind.lower().lstrip("#") != _MESSAGE_TYPE:
            self.count("not_chat_messages")  # a delta or an export may hold other Graph objects
            return None
        mtype = msg.get("messageType", "message")
        if isinstance(mtype, (int, float)) and not isinstance(mtype, bool):
            raise error(f"messageType is the number {mtype}, not a name", "messageType",
                        "Write enumerations by name (\"message\", \"systemEventMessage\"): with System.Text.Json, "
                        "add a JsonStringEnumConverter to the serializer options.")
        if str(mtype).lower() != "message" or msg.get("eventDetail"):
            self.count("system_events")
            return None
        if msg.get("@removed") is not None or msg.get("deletedDateTime"):
            self.count("deleted_messages")
            return None
        origin = msg.get("from")
        user = origin.get("user") if isinstance(origin, dict) else None
        for field, text in (("from", origin), ("from.user", user)):
            if isinstance(text, str) and text:
                # PowerShell's ConvertTo-Json writes objects deeper than -Depth (2 by default) as their type name.
                raise error(f"the sender is the text {text!r}, not an object", field,
                            "PowerShell's ConvertTo-Json cut the export at its default depth: export again with "
                            "ConvertTo-Json -Depth 10.")
        if not isinstance(user, dict):
            self.count("bots" if isinstance(origin, dict) and origin.get("application") else "no_sender")
            return None
        sender = self.who(user)
        if sender is None:
            self.count("no_sender")
            return None
        created = msg.get("createdDateTime")
        when = _timestamp(created)
        if when is None:
            raise error(f"not a date-time: {created!r}", "createdDateTime",
                        "Microsoft Graph writes ISO 8601, e.g. \"2026-07-01T09:15:00.123Z\"; the file may be damaged.")
        if when.tzinfo is None:
            self.naive += 1
        mentions = []
        for mention in msg.get("mentions") or []:
            target = (mention.get("mentioned") or {}).get("user") if isinstance(mention, dict) else None
            p = self.who(target) if isinstance(target, dict) else None
            if p is not None and p != sender:
                mentions.append(p)
        ident = msg.get("channelIdentity")
        chat = msg.get("chatId")
        channel = None
        if isinstance(ident, dict) and ident.get("channelId"):
            channel = f"{ident.get('teamId') or ''}/{ident['channelId']}"
            chat = None
        elif not isinstance(chat, str) or not chat:
            raise error("the message has neither chatId nor channelIdentity", "chatId",
                        "Export chat messages with their chatId and channel messages with channelIdentity.")
        reply_to = msg.get("replyToId")
        return {
            "id": msg.get("id") if isinstance(msg.get("id"), str) else None,
            "ts": micros(when, self.zone),
            "sender": sender,
            "mentions": list(dict.fromkeys(mentions)),
            "chat": chat,
            "channel": channel,
            "reply_to": reply_to if isinstance(reply_to, str) and reply_to else None,
        }
