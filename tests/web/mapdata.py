"""A seeded synthetic network in the shape of GET /api/network, and a folder serving it with the package's static files."""

from __future__ import annotations

import functools
import http.server
import json
import math
import random
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).parent
STATIC = HERE.parents[1] / "src" / "socialhr" / "web" / "static"
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]


def network(nodes: int, edges: int, *, seed: int = 0, placed: bool = True) -> dict:
    """``nodes`` people in ten departments laid out in clusters, ``edges`` ties mostly within a department."""
    rng = random.Random(seed)
    groups = [i % 10 for i in range(nodes)]
    out_nodes = []
    for i, g in enumerate(groups):
        angle, radius = 2 * math.pi * g / 10, 10.0
        node = {"key": f"p{i:05d}", "size": 2 + rng.random() * 6, "color": PALETTE[g], "group": f"Department {g}", "community": g}
        if placed:
            node["x"] = radius * math.cos(angle) + rng.gauss(0, 2)
            node["y"] = radius * math.sin(angle) + rng.gauss(0, 2)
        out_nodes.append(node)
    by_group: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    out_edges, seen = [], set()
    while len(out_edges) < edges:
        a = rng.randrange(nodes)
        b = rng.choice(by_group[groups[a]]) if rng.random() < 0.85 else rng.randrange(nodes)
        if a == b or (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        out_edges.append({"source": f"p{a:05d}", "target": f"p{b:05d}", "weight": round(1 + rng.random() * 9, 2)})
    return {"window": "2026-09", "nodes": out_nodes, "edges": out_edges,
            "legend": [{"label": f"Department {g}", "color": PALETTE[g]} for g in range(10)]}


@contextmanager
def served(folder: Path, data: dict) -> Iterator[str]:
    """The harness page, its data and the package's static files, on 127.0.0.1 at a random port: the base URL."""
    shutil.copy(HERE / "map_harness.html", folder / "index.html")
    shutil.copy(HERE / "harness.js", folder / "harness.js")
    (folder / "data.json").write_text(json.dumps(data))
    if not (folder / "static").exists():
        (folder / "static").symlink_to(STATIC, target_is_directory=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
