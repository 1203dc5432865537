"""The colleague name game and kudos at the size of a large organization: how long a card, an answer, a
player's progress, the leaderboard, a kudos given and a file of kudos take.

Usage::

    python benchmarks/namegame.py                    # 20,000 people
    python benchmarks/namegame.py --people 5000      # quicker

Builds a workspace under --dir (not timed): a roster with names in 20 departments, about 15 e-mails a person
mostly inside their department, analysed by month (betweenness sampled, which the game does not use). Then
times the library calls as the web app would make them. Tests never assert timings; this script reports.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

FIRST = ["Ada", "Bram", "Cleo", "Dov", "Eva", "Femi", "Gus", "Hana", "Ivo", "Juno", "Kai", "Lea", "Mo", "Nia", "Oti", "Pia",
         "Quin", "Rui", "Sade", "Tomas", "Uma", "Vik", "Wen", "Xia", "Yara", "Zeno"]
LAST = ["Quill", "Otter", "Marsh", "Finch", "Brook", "Stone", "Fern", "Reed", "Lark", "Pike", "Moss", "Thorn", "Vale", "Wood",
        "Hale", "Birch", "Crane", "Dale", "Frost", "Glen"]


def build(root: Path, people: int, seed: int) -> Path:
    from socialhr import ingest
    from socialhr.network.analyze import analyze
    from socialhr.workspace import Workspace

    rng = np.random.default_rng(seed)
    dept = rng.integers(0, 20, people)
    roster = root / "roster.csv"
    start = dt.date(2026, 3, 31)
    with open(roster, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["employee_id", "name", "department", "team", "location", "level", "hire_date"])
        for i in range(people):
            hired = start - dt.timedelta(days=int(rng.integers(10, 3000)))
            w.writerow([f"E{i:06d}", f"{FIRST[i % 26]} {LAST[(i // 26) % 20]} {i}", f"D{dept[i]:02d}", f"D{dept[i]:02d}-T{i % 8}",
                        ("Paris", "Lagos", "Austin", "Pune")[i % 4], ("IC1", "IC2", "IC3", "M1")[i % 4], hired.isoformat()])
    mail = root / "mail.csv"
    members = {d: np.flatnonzero(dept == d) for d in range(20)}
    with open(mail, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "sender", "recipients", "channel"])
        for i in range(people):
            for k in range(15):
                j = int(rng.choice(members[dept[i]])) if rng.random() < 0.8 else int(rng.integers(people))
                if j != i:
                    w.writerow([f"2026-03-{1 + (i + k) % 28:02d}T10:00:00+00:00", f"E{i:06d}", f"E{j:06d}", "email"])
    ws = Workspace.init(root / "ws", settings={"exact_betweenness_limit": 1000, "betweenness_samples": 50})
    ingest.ingest(ws, "roster", roster)
    ingest.ingest(ws, "interactions", mail)
    analyze(ws, window="month")
    ws.close()
    return root / "ws"


def timed(label: str, fn, repeat: int = 1) -> None:
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    each = (time.perf_counter() - t) / repeat
    print(f"  {label:<46} {each * 1000:9.1f} ms" + (f" (mean of {repeat})" if repeat > 1 else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="socialhr-bench-game-"))
    t = time.perf_counter()
    path = build(root, args.people, args.seed)
    print(f"Built and analysed {args.people:,} people in {time.perf_counter() - t:.0f} s (not part of the figures).")

    from socialhr.programs import kudos, namegame
    from socialhr.results import Viewer
    from socialhr.workspace import Workspace

    rng = np.random.default_rng(args.seed)
    with Workspace.open(path) as ws:
        players = [f"E{i:06d}" for i in rng.choice(args.people, 200, replace=False)]
        timed("first card (population loaded and cached)", lambda: namegame.next_card(ws, players[0], rng=rng))
        timed("next_card", lambda: namegame.next_card(ws, players[1], rng=rng), repeat=50)

        def play() -> None:
            card = namegame.next_card(ws, players[2], rng=rng)
            namegame.answer(ws, players[2], card, int(rng.integers(len(card.choices))))

        timed("next_card + answer", play, repeat=50)
        for p in players:
            card = namegame.next_card(ws, p, rng=rng)
            namegame.answer(ws, p, card, 0)
        timed("progress", lambda: namegame.progress(ws, players[2]), repeat=20)
        timed("leaderboard (200 players)", lambda: namegame.leaderboard(ws, Viewer.employee(ws.pseudonymiser.person(players[0]))))
        timed("kudos.give (one import batch each)", lambda: kudos.give(ws, players[3], players[4], "Thanks!", "teamwork"), repeat=10)
        many = root / "kudos.csv"
        with open(many, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["from", "to", "value", "message", "at"])
            for k in range(10_000):
                a, b = rng.choice(args.people, 2, replace=False)
                w.writerow([f"E{a:06d}", f"E{b:06d}", "learning", f"note {k}", "2026-03-20T10:00:00+00:00"])
        from socialhr.ingest import ingest

        timed("kudos import of 10,000 rows", lambda: ingest(ws, "kudos", many))
        timed("kudos.received", lambda: kudos.received(ws, players[4]), repeat=10)
    if args.dir is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
