"""The network explorer's data on a large workspace: GET /api/network, first and kept (cached) calls.

Usage::

    python benchmarks/web_network.py WORKSPACE     # an analysed workspace with an analyst account
    python benchmarks/web_network.py WORKSPACE --username analyst --password-file pw.txt --calls 20

benchmarks/web.py builds a 10,000-person workspace with an ``analyst`` account
(``--build-only``); point this script at a copy of it. It signs in in-process
(FastAPI's TestClient, no network), then prints the time of the first call
(reading the window, laying it out, making the JSON), of the kept calls
(p50/p95 over --calls; target p95 under 200 ms), of a profile, and of a
department filter's first call. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", type=Path)
    ap.add_argument("--username", default="analyst")
    ap.add_argument("--password", default="benchmark password")
    ap.add_argument("--calls", type=int, default=20)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from fastapi.testclient import TestClient

    from socialhr.web import create_app

    app = create_app(args.workspace)
    with TestClient(app) as c:
        r = c.post("/api/login", json={"username": args.username, "password": args.password})
        r.raise_for_status()
        headers = {"accept-encoding": "gzip"}

        def timed(url: str) -> tuple[float, object]:
            t = time.perf_counter()
            resp = c.get(url, headers=headers)
            resp.raise_for_status()
            return (time.perf_counter() - t) * 1000, resp

        first, resp = timed("/api/network")
        data = resp.json()
        print(f"{len(data['nodes']):,} people, {len(data['edges']):,} ties, window {data['window']}, "
              f"{len(resp.content) / 1e6:.1f} MB of JSON ({resp.headers.get('content-encoding') or 'plain'} on the wire)")
        print(f"  GET /api/network first call: {first:,.0f} ms (read, layout, JSON)")
        kept = [timed("/api/network")[0] for _ in range(args.calls)]
        q = statistics.quantiles(kept, n=20, method="inclusive") if len(kept) > 1 else kept
        print(f"  GET /api/network kept: p50 {statistics.median(kept):,.1f} ms, p95 {q[-1]:,.1f} ms over {len(kept)} calls (target p95 < 200 ms)")
        colour, _ = timed("/api/network?color=community&size=betweenness")
        print(f"  another colour and size (layout kept): {colour:,.0f} ms")
        profile = [timed(f"/api/people/{data['nodes'][i]['key']}")[0] for i in range(min(args.calls, len(data["nodes"])))]
        print(f"  GET /api/people/KEY: p50 {statistics.median(profile):,.1f} ms, max {max(profile):,.1f} ms")
        dept = max({n["group"] for n in data["nodes"]}, key=lambda g: sum(n["group"] == g for n in data["nodes"]))
        sub, resp = timed(f"/api/network?department={dept}")
        print(f"  department {dept} ({len(resp.json()['nodes']):,} people) first call: {sub:,.0f} ms")
    app.state.site.close()


if __name__ == "__main__":
    main()
