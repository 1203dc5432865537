"""Import a Slack workspace export: a .zip as downloaded, or the folder it unpacks to.

The export holds ``users.json``, ``channels.json`` (public channels),
``groups.json`` (private channels), ``dms.json`` and ``mpims.json`` (direct
and group messages), and one folder per conversation with one JSON file per
day (``general/2026-07-01.json``): a list of messages with ``user``, ``ts``,
``thread_ts``, ``subtype``, ``bot_id`` and ``text``.

Rules (docs/connectors.md):

* users are matched to the roster by ``profile.email`` from users.json; a
  user without one is a token of kind ``slack`` (counted as unresolved); user
  ids never reach the analytics database;
* a direct or group message makes one ``message`` from the sender to the
  other members of the conversation;
* in a channel, a thread reply makes one ``reply`` to the thread's parent
  author and earlier repliers; a mention (``<@U123>`` in the text) makes one
  ``mention`` to each person mentioned (not already replied to); a post that
  is neither is a ``broadcast`` (channel activity for adoption analytics, no
  recipients, no tie), with the channel as its context;
* the text is read only to find mentions, then discarded;
* a message an earlier import stored (its channel and ``ts``, kept as a keyed
  token) is skipped and counted as ``already_imported``: a later export that
  overlaps an earlier one adds only what is new (:mod:`.keys`);
* skipped and counted: bots (``bot_id``, ``subtype`` bot_message, users
  marked ``is_bot``, Slackbot), deleted users, channel events (joins, topic
  changes...), deleted messages; folders no listing names are skipped and
  counted in ``notes``;
* channels go to ``groups`` (kind ``slack_channel`` or ``slack_private``, a
  pseudonymous id; private channels get no name) with their members in
  ``group_members``. Direct messages are never stored as groups.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from ..workspace import Workspace
from .archive import MAX_RATIO, Tree, open_tree
from .batch import Batch, BatchResult
from .identity import IdentityResolver
from .messaging import InteractionSink, other_members, store_groups

LISTINGS = {"channels.json": "channel", "groups.json": "private", "dms.json": "dm", "mpims.json": "mpim"}
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
# Subtypes that are not someone writing to someone.
_EVENTS = frozenset({
    "channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name", "channel_archive",
    "channel_unarchive", "group_join", "group_leave", "group_topic", "group_purpose", "group_name", "group_archive",
    "group_unarchive", "pinned_item", "unpinned_item", "channel_convert_to_private", "channel_convert_to_public",
    "reminder_add", "ekm_access_denied", "sh_room_created", "huddle_thread", "joiner_notification",
    "channel_posting_permissions", "bot_add", "bot_remove", "app_conversation_leave",
})
_DELETED = frozenset({"message_deleted", "tombstone"})
_BOT_SUBTYPES = frozenset({"bot_message", "slackbot_response"})


def import_slack(ws: Workspace, path: str | Path, *,
                 progress: Callable[[int, int | None], None] | None = None) -> BatchResult:
    """Import a Slack export (.zip or folder) as one batch. See the module docstring for the rules."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file or folder: {path}", hint="Check the path; it is relative to where you run the command.")
    with open_tree(path, max_ratio=ws.settings.get("archive_max_ratio", MAX_RATIO)) as tree, \
            Batch(ws, "slack", path) as batch:
        if batch.is_duplicate:
            return batch.result
        _Import(ws, tree, batch, progress).run()
    return batch.result


class _Import:
    def __init__(self, ws: Workspace, tree: Tree, batch: Batch, progress):
        self.ws, self.tree, self.batch, self.progress = ws, tree, batch, progress
        self.root = _root(tree)
        self.resolver = IdentityResolver(ws, batch.batch_id)
        self.sink = InteractionSink(ws, batch.batch_id, threshold=ws.settings["broadcast_threshold"], resolver=self.resolver,
                                    keys="skip")
        self.skip: dict[str, int] = {}
        self.read = 0

    # -- users -------------------------------------------------------------
    def users(self) -> None:
        member = self.root + "users.json"
        if member not in self.tree:
            raise self.tree.error("this is not a Slack export: users.json is missing", None,
                                  hint="Give the .zip from Slack's 'Export data' page, or the folder it unpacks to.")
        users = self.tree.json(member)
        if not isinstance(users, list):
            raise self.tree.error(f"expected a list of users, found {_type(users)}", member,
                                  hint="users.json should be a JSON array as Slack exports it.")
        self.person: dict[str, str] = {}  # user id -> pseudonym (people only)
        self.excluded: dict[str, str] = {}  # user id -> 'bots' or 'deleted_users'
        for i, u in enumerate(users):
            if not isinstance(u, dict) or not isinstance(u.get("id"), str):
                raise self.tree.error("a user has no 'id'", member, line=i + 1, line_label="user",
                                      hint="Each entry of users.json needs an 'id' such as \"U024BE7LH\".")
            uid = u["id"]
            if u.get("is_bot") or u.get("is_app_user") or uid == "USLACKBOT":
                self.excluded[uid] = "bots"
            elif u.get("deleted"):
                self.excluded[uid] = "deleted_users"
            else:
                profile = u.get("profile")
                email = profile.get("email") if isinstance(profile, dict) else None
                ok = isinstance(email, str) and "@" in email
                self.person[uid] = self.resolver.resolve(email) if ok else self.resolver.resolve(uid, "slack")
        self.batch.notes["users"] = {"people": len(self.person),
                                     "bots": sum(1 for v in self.excluded.values() if v == "bots"),
                                     "deleted": sum(1 for v in self.excluded.values() if v == "deleted_users")}

    def who(self, uid: Any) -> str | None:
        """A user id's pseudonym; users missing from users.json (Slack Connect) become slack tokens."""
        if not isinstance(uid, str):
            return None
        p = self.person.get(uid)
        if p is None and uid and uid not in self.excluded:
            p = self.person[uid] = self.resolver.resolve(uid, "slack")
        return p

    # -- conversations -----------------------------------------------------
    def conversations(self) -> dict[str, dict]:
        """Folder name -> {kind, id, group, members}."""
        out: dict[str, dict] = {}
        groups, members = [], []
        for listing, kind in LISTINGS.items():
            member = self.root + listing
            if member not in self.tree:
                continue
            entries = self.tree.json(member)
            if not isinstance(entries, list):
                raise self.tree.error(f"expected a list of conversations, found {_type(entries)}", member,
                                      hint=f"{listing} should be a JSON array as Slack exports it.")
            for i, c in enumerate(entries):
                if not isinstance(c, dict) or not isinstance(c.get("id"), str):
                    raise self.tree.error("a conversation has no 'id'", member, line=i + 1, line_label="entry",
                                          hint=f"Each entry of {listing} needs an 'id' such as \"C024BE91L\".")
                folder = c["id"] if kind == "dm" else c.get("name") or c["id"]
                listed = c.get("members") if isinstance(c.get("members"), list) else []
                people = [p for p in (self.who(u) for u in listed) if p]
                conv = {"kind": kind, "members": list(dict.fromkeys(people)), "group": None, "id": c["id"]}
                if kind in ("channel", "private"):
                    gid = self.ws.pseudonymiser.token(f"slack_{kind}", c["id"])
                    conv["group"] = gid
                    name = str(c.get("name") or "") if kind == "channel" else ""
                    groups.append((gid, f"slack_{kind}", name or "(private channel)"))
                    members.extend((gid, p) for p in conv["members"])
                out[folder] = conv
        self.new_groups = store_groups(self.ws, self.batch.batch_id, "slack", groups, members)
        return out

    def run(self) -> None:
        self.users()
        convs = self.conversations()
        days: dict[str, list[str]] = {}
        for m in self.tree.members:
            if not m.startswith(self.root):
                continue
            rel = m[len(self.root):]
            folder, _, name = rel.rpartition("/")
            if folder and "/" not in folder and _DAY.match(name):
                days.setdefault(folder, []).append(m)
        unlisted = sorted(set(days) - set(convs))
        if not convs and days:
            raise self.tree.error("this is not a Slack export: no channels.json, groups.json, dms.json or mpims.json", None,
                                  hint="Give the .zip from Slack's 'Export data' page, or the folder it unpacks to.")
        for folder in sorted(days):
            if folder in convs:
                self.conversation(convs[folder], sorted(days[folder]))
        stored = self.sink.finish()
        for reason, n in self.skip.items():
            self.batch.skip(reason, n)
        self.batch.skip("duplicates", self.sink.duplicates)
        self.batch.skip("already_imported", self.sink.already_imported)
        new_identities = self.resolver.counts()
        self.resolver.flush()
        self.batch.rows_read = self.read
        self.batch.rows_imported = stored
        self.batch.notes.update({
            "kinds": dict(self.sink.kinds),
            "new_identities": new_identities,
            "conversations": {k: sum(1 for c in convs.values() if c["kind"] == k) for k in LISTINGS.values()},
            "groups_added": self.new_groups,
            "unlisted_folders": len(unlisted),
        })

    def conversation(self, conv: dict, files: list[str]) -> None:
        kind, members, group = conv["kind"], conv["members"], conv["group"]
        direct = kind in ("dm", "mpim")
        keyed, where = self.ws.pseudonymiser.key, conv["id"] + "\0"  # a message's natural key: its conversation and ts
        threads: dict[str, dict[str, None]] = {}  # thread_ts -> parent author then repliers (an ordered set)
        sink, skip, who, tree = self.sink, self.skip, self.who, self.tree
        excluded, known = self.excluded, self.person
        others: dict[str, list[str]] = {}  # sender -> the other members (a direct conversation's recipients)
        for member in files:
            messages = tree.json(member)
            if not isinstance(messages, list):
                raise tree.error(f"expected a list of messages, found {_type(messages)}", member,
                                 hint="Each day file of a Slack export is a JSON array of messages.")
            self.read += len(messages)
            for i, msg in enumerate(messages):
                if not isinstance(msg, dict):
                    raise tree.error(f"expected a message object, found {_type(msg)}", member, line=i + 1,
                                     line_label="message", hint="The file may be damaged; export it again.")
                subtype = msg.get("subtype")
                if isinstance(subtype, str):
                    if subtype in _EVENTS:
                        skip["channel_events"] = skip.get("channel_events", 0) + 1
                        continue
                    if subtype in _DELETED:
                        skip["deleted_messages"] = skip.get("deleted_messages", 0) + 1
                        continue
                    if subtype in _BOT_SUBTYPES:
                        skip["bots"] = skip.get("bots", 0) + 1
                        continue
                uid = msg.get("user")
                if not isinstance(uid, str):
                    uid = None
                if msg.get("bot_id") and not uid or uid in excluded:
                    reason = excluded.get(uid, "bots")
                    skip[reason] = skip.get(reason, 0) + 1
                    continue
                sender = known.get(uid) if uid is not None else None
                if sender is None:
                    sender = who(uid)
                if sender is None:
                    skip["no_sender"] = skip.get("no_sender", 0) + 1
                    continue
                ts = msg.get("ts")
                us = _micros(ts)
                if us is None:
                    raise tree.error(f"not a Slack timestamp: {ts!r}", member, line=i + 1, line_label="message",
                                     field="ts", hint="Slack writes 'ts' as seconds since 1970 with a fraction, "
                                                      "e.g. \"1782897300.000200\"; the file may be damaged.")
                key = keyed("slack_message", where + ts)
                text = msg.get("text")
                mentioned = []
                if isinstance(text, str) and "<@" in text:
                    for mid in _MENTION.findall(text):
                        p = who(mid)
                        if p is not None and p != sender:
                            mentioned.append(p)
                if direct:
                    recipients = others.get(sender)
                    if recipients is None:
                        recipients = others[sender] = other_members(members, sender)
                    if recipients:
                        sink.add(us, "slack", "message", sender, recipients, key=key)
                    else:
                        skip["no_recipients"] = skip.get("no_recipients", 0) + 1
                        continue
                    extra = [m for m in dict.fromkeys(mentioned) if m not in recipients] if mentioned else None
                    if extra:
                        sink.add(us, "slack", "mention", sender, extra, key=key)
                    continue
                thread = msg.get("thread_ts")
                if thread is not None and _micros(thread) is None:
                    raise tree.error(f"not a Slack timestamp: {thread!r}", member, line=i + 1, line_label="message",
                                     field="thread_ts", hint="Slack writes 'thread_ts' like 'ts', e.g. "
                                                             "\"1782897300.000200\"; the file may be damaged.")
                is_reply = thread is not None and thread != ts
                replied: list[str] = []
                if is_reply:
                    earlier = threads.get(thread)
                    if earlier is None:
                        parent = who(msg.get("parent_user_id"))
                        earlier = threads[thread] = {parent: None} if parent else {}
                    replied = [p for p in earlier if p != sender]
                    earlier[sender] = None
                    if replied:
                        sink.add(us, "slack", "reply", sender, replied, context=group, key=key)
                elif thread is not None or msg.get("reply_count"):
                    threads[ts] = {sender: None}
                extra = [m for m in dict.fromkeys(mentioned) if m not in replied] if mentioned else None
                if extra:
                    sink.add(us, "slack", "mention", sender, extra, context=group, key=key)
                if replied or extra:
                    continue
                if is_reply:  # someone answering only themselves
                    skip["replies_to_self"] = skip.get("replies_to_self", 0) + 1
                else:
                    sink.add(us, "slack", "broadcast", sender, [],
                             weight=1.0 / max(1, len(members) - 1), context=group, key=key)
            if self.progress:
                self.progress(self.read, None)


def _root(tree: Tree) -> str:
    """The export's top folder inside the tree ('' or 'export-name/'), where users.json is."""
    if "users.json" in tree:
        return ""
    tops = {m.split("/", 1)[0] for m in tree.members if "/" in m}
    for top in sorted(tops):
        if f"{top}/users.json" in tree:
            return top + "/"
    return ""


def _micros(ts: Any) -> int | None:
    """Slack's "1782897300.000200" as microseconds since the epoch.

    >>> _micros("1782897300.000200"), _micros("1782897300.5"), _micros("1782897300"), _micros("１２.5"), _micros("12.²")
    (1782897300000200, 1782897300500000, 1782897300000000, None, None)
    """
    if not isinstance(ts, str) or not ts.isascii():
        return None
    sec, _, frac = ts.partition(".")
    if not sec.isdigit() or (frac and not frac.isdigit()):
        return None
    if len(frac) == 6:  # what Slack writes
        return int(sec + frac)
    return int(sec) * 1_000_000 + int((frac + "000000")[:6])


def _type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "true or false", type(None): "null"}.get(type(value), type(value).__name__)
