"""Teams connector's speed: N channel and chat messages from Microsoft Graph, in the REST API's camelCase and the SDKs' PascalCase.

Usage::

    python benchmarks/ingest_teams.py                     # 200,000 messages, 2,000 people
    python benchmarks/ingest_teams.py --messages 50000    # quicker

Generates once under --dir (not timed) a folder of Graph pages as export scripts save them:
channel pages of 50 posts from ``GET .../messages?$expand=replies`` (0-6 replies nested in each
post, 1 message in 10 mentioning someone, a few system events) and chat pages of 50 messages,
users.json to match senders to the roster; then the same folder with every key capitalised
(PowerShell SDK style). Each import runs in a fresh child process. Prints messages read per
second for each key style: the key folding that lets both styles read alike is the difference.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys, time
from pathlib import Path
from socialhr.workspace import Workspace
from socialhr.ingest import ingest
ws_dir, roster, path = sys.argv[1:4]
ws = Workspace.init(Path(ws_dir))
ingest(ws, "roster", roster)
t = time.perf_counter()
r = ingest(ws, "teams", path)
print(r.rows_read, r.rows_imported, time.perf_counter() - t)
"""


def pascal(value):
    if isinstance(value, list):
        return [pascal(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {(k if k.startswith("@") else k[:1].upper() + k[1:]): pascal(v) for k, v in value.items()}


def generate(folder: Path, messages: int, people: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    roster = folder / "roster.csv"
    roster.write_text("employee_id,email,name,department\n" + "".join(
        f"E{i:05d},p{i}@acme.example,Person {i},D{i % 20}\n" for i in range(people)))
    export = folder / "camel"
    export.mkdir(exist_ok=True)
    (export / "users.json").write_text(json.dumps({"value": [
        {"id": f"u{i}", "mail": f"p{i}@acme.example"} for i in range(people)]}))

    def msg(n, minute, chat=None, channel=None, reply_to=None):
        who = rng.randrange(people)
        m = {"id": str(n), "replyToId": reply_to, "messageType": "message" if rng.random() > 0.02 else "systemEventMessage",
             "createdDateTime": f"2026-{1 + minute // 40000 % 12:02d}-{1 + minute // 1440 % 28:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:00Z",
             "from": {"application": None, "device": None, "user": {"id": f"u{who}", "displayName": f"Person {who}",
                                                                   "userIdentityType": "aadUser"}},
             "body": {"contentType": "html", "content": "<p>hello</p>"}, "attachments": [], "reactions": [],
             "mentions": [] if rng.random() > 0.1 else [{"id": 0, "mentionText": "x", "mentioned": {"user": {"id": f"u{rng.randrange(people)}"}}}]}
        if chat:
            m["chatId"] = chat
        else:
            m["channelIdentity"] = {"teamId": "t", "channelId": channel}
        return m

    n = page = 0
    while n < messages:
        posts = []
        for _ in range(50):
            if n >= messages:
                break
            if page % 3 == 2:
                posts.append(msg(n, n, chat=f"19:chat{rng.randrange(500)}@thread.v2"))
                n += 1
                continue
            channel = f"19:c{rng.randrange(100)}@thread.tacv2"
            post = msg(n, n, channel=channel)
            n += 1
            post["replies"] = []
            for _ in range(rng.randrange(7)):
                post["replies"].append(msg(n, n, channel=channel, reply_to=post["id"]))
                n += 1
            posts.append(post)
        (export / f"page{page:05d}.json").write_text(json.dumps({"@odata.context": "x", "value": posts}))
        page += 1
    upper = folder / "pascal"
    upper.mkdir(exist_ok=True)
    for f in export.iterdir():
        (upper / f.name).write_text(json.dumps(pascal(json.loads(f.read_text()))))
    return roster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--people", type=int, default=2_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/socialhr-bench-teams"))
    a = ap.parse_args()
    data = a.dir / f"m{a.messages}"
    roster = data / "roster.csv"
    if not roster.exists():
        generate(data, a.messages, a.people)
    for style in ("camel", "pascal"):
        ws = a.dir / f"ws-{style}-{a.messages}"
        subprocess.run(["rm", "-rf", str(ws)], check=True)
        out = subprocess.run([sys.executable, "-c", CHILD, str(ws), str(roster), str(data / style)],
                             check=True, capture_output=True, text=True).stdout.split()
        read, stored, seconds = int(out[0]), int(out[1]), float(out[2])
        print(f"teams {style:6} {read:>9,} messages read  {stored:>9,} interactions  {seconds:6.1f} s  {read / seconds:>9,.0f} messages/s")


if __name__ == "__main__":
    main()
