"""The web app under load: 50 concurrent clients on a 10,000-person workspace, and the network explorer's drawing time.

Usage::

    python benchmarks/web.py                         # 10,000 people, 50 clients, 60 s
    python benchmarks/web.py --people 2000 --clients 20 --seconds 20
    python benchmarks/web.py --no-browser            # leave out the drawing in chromium

It builds (once, kept in --cache) a synthetic organization of --people people
(``socialhr synth``, 8 weeks, imported and analysed in monthly windows as
``socialhr analyze --window month`` does) with an account of each role, starts
``socialhr serve`` on 127.0.0.1 in a child process, and signs in --clients
clients (a mix of employees, leaders and analysts, as in an organization). Each
client requests its role's API routes in a loop for --seconds, waiting a random
0.5-1.5 s between requests as a person reading pages does (--think 0 for
back-to-back requests), and the latencies are printed per route: count, p50,
p95, max (target: p95 under 200 ms). Then headless chromium (Debian's, through
Playwright) signs in as the analyst, opens the network explorer on the whole
organization and reports the milliseconds from the page's call to the first
drawn frame of the map (``window.socialhrNetworkDrawnMs``; target under 3 s) over
3 runs. Traffic goes to 127.0.0.1 only, and everything is bounded in count and
time. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "benchmark password"

ROUTES = {
    "employee": ["/api/me", "/api/group-metrics?by=department", "/api/tables/org_metrics"],
    "leader": ["/api/group-metrics?by=team", "/api/tables/org_metrics", "/api/tables/group_matrix?dimension=team"],
    "analyst": ["/api/group-metrics?by=department", "/api/tables/withheld", "/api/tables/org_trends"],
}
MIX = ["employee"] * 6 + ["leader"] * 2 + ["analyst"] * 2  # who the clients are, per ten


def build(cache: Path, people: int) -> Path:
    """The analysed workspace with its accounts (made once per size)."""
    ws_path = cache / f"web-{people}" / "ws"
    if (ws_path / "socialhr.duckdb").exists() and (ws_path / ".accounts-done").exists():
        return ws_path
    from socialhr import ingest, synth
    from socialhr import results
    from socialhr.network.analyze import analyze
    from socialhr.web.accounts import Accounts
    from socialhr.workspace import Workspace
    import shutil

    shutil.rmtree(ws_path.parent, ignore_errors=True)
    t = time.perf_counter()
    info = synth.synthesize(ws_path.parent / "source", people=people, seed=11, weeks=8)
    with Workspace.init(ws_path) as ws:
        ingest.ingest(ws, "roster", info["files"]["roster"])
        ingest.ingest(ws, "interactions", info["files"]["interactions"])
        analyze(ws, window="month")
        rows = results.read(ws, "people").to_arrow().to_pylist()
        managers = {r["manager"] for r in rows}
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["department"]] = counts.get(r["department"], 0) + 1
        big = max(counts, key=counts.get)
        staff = sorted(r["person"] for r in rows if r["person"] not in managers and not r["exit_date"])
        accounts = Accounts(ws.vault.dir)
        accounts.add("analyst", "analyst", PASSWORD)
        accounts.add("leader", "leader", PASSWORD, scope=("department", big))
        for i in range(50):
            accounts.add(f"employee{i}", "employee", PASSWORD, person=staff[i * (len(staff) // 50)])
    (ws_path / ".accounts-done").touch()
    print(f"built a {people:,}-person workspace in {time.perf_counter() - t:.0f} s: {ws_path}", flush=True)
    return ws_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(ws_path: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "socialhr.cli", "serve", str(ws_path), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"the server did not start: {proc.stderr.read().decode()[-2000:]}")
    raise SystemExit("the server did not answer within 60 s")


async def load(base: str, clients: int, seconds: float, think: float, *, once: bool = False) -> dict[str, list[float]]:
    import httpx

    latencies: dict[str, list[float]] = {}
    deadline = time.perf_counter() + seconds
    rng = random.Random(0)

    async def one(i: int) -> None:
        role = MIX[i % len(MIX)]
        username = {"employee": f"employee{i % 50}", "leader": "leader", "analyst": "analyst"}[role]
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            r = await c.post("/api/login", json={"username": username, "password": PASSWORD})
            r.raise_for_status()
            await asyncio.sleep(rng.random() * think)  # (clients arrive spread out, not at one instant)
            todo = list(ROUTES[role]) if once else None
            while (todo if once else time.perf_counter() < deadline):
                route = todo.pop() if once else rng.choice(ROUTES[role])
                t = time.perf_counter()
                r = await c.get(route)
                ms = (time.perf_counter() - t) * 1000
                if r.status_code != 200:
                    raise SystemExit(f"{route} as {role}: {r.status_code} {r.text[:300]}")
                latencies.setdefault(route.split("?")[0] + (f"?{route.split('?')[1]}" if "?" in route else ""), []).append(ms)
                if think and not once:
                    await asyncio.sleep(think * (0.5 + rng.random()))

    await asyncio.gather(*(one(i) for i in range(clients)))
    return latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def draw(base: str, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--use-gl=swiftshader", "--enable-unsafe-swiftshader"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/login")
        page.fill("#username", "analyst")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        for _ in range(runs):
            page.goto(f"{base}/network")
            page.wait_for_function("window.socialhrNetworkDrawnMs !== undefined", timeout=60_000)
            times.append(page.evaluate("window.socialhrNetworkDrawnMs"))
        nodes = page.evaluate("document.querySelector('[data-drawn]') && document.querySelector('[data-drawn]').dataset.drawn")
        print(f"  network explorer: {nodes} people drawn", flush=True)
        browser.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think", type=float, default=1.0, help="mean seconds between a client's requests (0: none)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "socialhr-bench")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    ws_path = build(args.cache, args.people)
    if args.build_only:
        return
    port = free_port()
    server = serve(ws_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        # First visits: every client opens each of its routes once, all at the same time (each person's own
        # figures and each aggregate are computed on their first read, then kept until the next change).
        t = time.perf_counter()
        first = asyncio.run(load(base, args.clients, 0, 0, once=True))
        values = [x for v in first.values() for x in v]
        print(f"first visits of {args.clients} clients at once: {len(values)} requests in {time.perf_counter() - t:.1f} s, "
              f"p50 {pct(values, 50):.0f} ms, p95 {pct(values, 95):.0f} ms", flush=True)
        t = time.perf_counter()
        latencies = asyncio.run(load(base, args.clients, args.seconds, args.think))
        wall = time.perf_counter() - t
        total = sum(len(v) for v in latencies.values())
        everything = [x for v in latencies.values() for x in v]
        print(f"then {args.people:,} people, {args.clients} clients, {args.seconds:.0f} s, think {args.think} s: "
              f"{total:,} requests, {total / wall:.0f}/s", flush=True)
        print(f"  {'route':<44} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for route, values in sorted(latencies.items()):
            print(f"  {route:<44} {len(values):>6} {pct(values, 50):>8.1f} {pct(values, 95):>8.1f} {max(values):>8.1f}")
        print(f"  {'all API routes':<44} {len(everything):>6} {pct(everything, 50):>8.1f} {pct(everything, 95):>8.1f} "
              f"{max(everything):>8.1f}   (target p95 < 200 ms)", flush=True)
        if not args.no_browser:
            times = draw(base, 3)
            print(f"  network explorer first frame: {', '.join(f'{t / 1000:.2f}' for t in times)} s (target < 3 s)")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
