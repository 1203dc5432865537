"""How fast the network map draws a 10,000-person organization in headless chromium.

Usage::

    python benchmarks/web_map.py                         # 10,000 people, 50,000 ties, 5 runs
    python benchmarks/web_map.py --people 2000 --ties 8000 --runs 3
    python benchmarks/web_map.py --no-positions          # ForceAtlas2 in the browser instead

Serves the package's static files and tests/web/map_page.html from a throwaway
http.server on 127.0.0.1 (a random port), opens the page in Debian's chromium
(Playwright, the flags of tests/web/browser.py) once per run in a fresh page,
and prints ``window.socialhrNetworkDrawnMs``: milliseconds from the
``SocialHR.drawNetwork`` call to its first frame on screen (target: under 3 s
for 10,000 people), plus the time to fetch and parse the map's JSON. With
``--shot`` it keeps a screenshot in tests/web/artifacts/. The map is a seeded
synthetic one (``synthetic_network``) in the JSON shape of ``GET /api/network``.
No test asserts these timings; this script reports them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web import browser as b  # noqa: E402  (the repository root goes on the path first)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--ties", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-positions", action="store_true", help="send no x/y: the browser lays the map out")
    parser.add_argument("--shot", action="store_true", help="save tests/web/artifacts/bench-map.png")
    args = parser.parse_args(argv)

    t = time.perf_counter()
    data = b.synthetic_network(args.people, args.ties, seed=args.seed, positions=not args.no_positions)
    print(f"map: {len(data['nodes']):,} people, {len(data['edges']):,} ties "
          f"({'positions from the server' if not args.no_positions else 'no positions: ForceAtlas2 in the browser'}); "
          f"made in {time.perf_counter() - t:.1f} s", flush=True)
    draws, loads = [], []
    with tempfile.TemporaryDirectory(prefix="socialhr-map-") as tmp:
        payload = Path(tmp) / "map.json"
        payload.write_text(json.dumps(data))
        print(f"JSON: {payload.stat().st_size / 1e6:.1f} MB", flush=True)
        with b.serve({"/static": b.STATIC, "/data": tmp, "/": b.HERE}) as url, b.browser(skip=False) as chromium:
            print(f"chromium {chromium.version}, serving on {url}", flush=True)
            for run in range(1, args.runs + 1):
                page = b.new_page(chromium)
                started = time.perf_counter()
                page.goto(f"{url}/map_page.html?data=/data/map.json")
                page.wait_for_function("document.getElementById('map').dataset.drawn !== undefined",
                                       timeout=120_000, polling=50)
                wall = time.perf_counter() - started
                drawn_ms = page.evaluate("window.socialhrNetworkDrawnMs")
                nodes = page.eval_on_selector("#map", "el => el.dataset.drawn")
                phases = page.evaluate("window.socialhrMap.timings")
                draws.append(drawn_ms)
                loads.append(wall * 1000)
                print(f"  run {run}: drawn {nodes} people in {drawn_ms:,} ms "
                      f"(graph {phases['graph']:,.0f}, layout {phases['layout']:,.0f}, sigma {phases['sigma']:,.0f}, "
                      f"frame {phases['frame']:,.0f}; page opened to map drawn: {wall * 1000:,.0f} ms)", flush=True)
                if page.socialhr_errors:
                    print("  errors in the page:", *page.socialhr_errors, sep="\n    ")
                if args.shot and run == args.runs:
                    print(f"  screenshot: {b.shot(page, 'bench-map')}")
                page.context.close()
    print(f"socialhrNetworkDrawnMs over {args.runs} runs: median {statistics.median(draws):,.0f} ms, "
          f"min {min(draws):,.0f}, max {max(draws):,.0f} (target: under 3,000 ms)")
    print(f"page opened to map drawn (with the JSON's fetch and parse): median {statistics.median(loads):,.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
