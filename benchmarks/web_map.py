"""The network map alone: how long headless chromium takes to draw 10,000 people and 50,000 ties with sigma.js.

Usage::

    python benchmarks/web_map.py                     # 10,000 nodes, 50,000 edges, 5 runs
    python benchmarks/web_map.py --nodes 2000 --edges 8000

Serves the test harness page (tests/web/map_harness.html) with a seeded synthetic
network in the shape of ``GET /api/network`` (positions given, as the server
gives them) from 127.0.0.1, opens it in Debian's chromium through Playwright
(software WebGL: no GPU here) and prints ``window.socialhrNetworkDrawnMs``, the
milliseconds from the call of ``SocialHR.drawNetwork`` to its first drawn frame,
and the time from navigation to that frame (parsing the JSON included). The
target is under 3 s. benchmarks/web.py measures the same through the real
server and page. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--edges", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from mapdata import network, served
    from playwright.sync_api import sync_playwright

    data = network(args.nodes, args.edges, seed=0)
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--use-gl=swiftshader", "--enable-unsafe-swiftshader"]
    with tempfile.TemporaryDirectory() as tmp, served(Path(tmp), data) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        draws, totals = [], []
        for _ in range(args.runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            t = time.perf_counter()
            page.goto(f"{base}/index.html")
            page.wait_for_function("document.getElementById('map').dataset.drawn !== undefined", timeout=120_000)
            totals.append(time.perf_counter() - t)
            draws.append(page.evaluate("window.socialhrNetworkDrawnMs") / 1000)
            page.close()
        browser.close()
    print(f"{args.nodes:,} people, {args.edges:,} ties, {args.runs} runs in headless chromium (software WebGL):")
    print(f"  drawNetwork to first frame: {', '.join(f'{d:.2f}' for d in draws)} s (median {sorted(draws)[len(draws) // 2]:.2f} s; target < 3 s)")
    print(f"  navigation to first frame:  {', '.join(f'{d:.2f}' for d in totals)} s")


if __name__ == "__main__":
    main()
