"""Headless chromium for the browser tests: Debian's package driven by Playwright.

Browsers cannot be downloaded here, so Playwright drives ``/usr/bin/chromium``
(``apt-get install chromium``; another binary through ``SOCIALHR_CHROMIUM``).
A test that needs it SKIPS, with the reason, when chromium or Playwright is
missing. This is a plain module, not a conftest: import what you need.

- ``browser()``: a context manager yielding a Playwright ``Browser``;
  ``browser_fixture(scope)``: the same as a pytest fixture, for a conftest
  (``browser = browser_fixture("module")``).
- ``new_page(browser, width, height)``: a page in a fresh context whose
  JavaScript errors are kept in ``page.socialhr_errors``.
- ``serve({"/static": dir, "/": dir})``: a throwaway ``http.server`` on
  127.0.0.1 and a random port serving folders under URL prefixes.
- ``shot(page, name)``: a screenshot saved as tests/web/artifacts/NAME.png
  (git-ignored) and, when ``SOCIALHR_README_SHOTS`` names a folder, there too;
  ``colours(path)``: how many colours a screenshot holds (a blank one has one).
- ``synthetic_network(nodes, edges, seed)``: a seeded map in the JSON shape of
  ``GET /api/network``, with positions, for map tests and benchmarks.

Example::

    from tests.web import browser as b

    def test_page():
        with b.serve({"/": some_dir}) as url, b.browser() as chromium:
            page = b.new_page(chromium)
            page.goto(url + "/index.html")
            b.shot(page, "index")
"""

from __future__ import annotations

import http.server
import math
import os
import random
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

import pytest

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
STATIC = HERE.parents[1] / "src" / "socialhr" / "web" / "static"
README_SHOTS = "SOCIALHR_README_SHOTS"

# Headless, no sandbox (root in a container), no GPU, and nothing that reaches the network on its own.
# With no GPU, WebGL (sigma.js) runs on SwiftShader, Chromium's CPU renderer, which it enables only when asked.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
]


def chromium_executable() -> str | None:
    """The chromium binary to drive: ``SOCIALHR_CHROMIUM``, else Debian's, else any on PATH; None when there is none."""
    asked = os.environ.get("SOCIALHR_CHROMIUM")
    if asked:
        return asked if os.access(asked, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if chromium_executable() is None:
        return ("Debian's chromium is not installed (apt-get install chromium; .ci/run installs it), "
                "or SOCIALHR_CHROMIUM does not name an executable")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def browser(*, skip: bool = True) -> Iterator[object]:
    """A headless chromium (Playwright's ``Browser``), closed on exit.

    Each launch gets a fresh profile: Playwright makes a new temporary user-data
    folder for every ``launch()`` and deletes it afterwards. When chromium or
    Playwright is missing this calls ``pytest.skip`` with the reason (or raises
    RuntimeError with ``skip=False``, for scripts such as benchmarks).
    """
    reason = skip_reason()
    if reason:
        if skip:
            pytest.skip(reason)
        raise RuntimeError(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable(), headless=True, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def browser_fixture(scope: str = "module"):
    """A pytest fixture giving one headless chromium per ``scope`` (skipping when there is none)."""

    @pytest.fixture(scope=scope)
    def _browser():
        with browser() as chromium:
            yield chromium

    return _browser


def new_page(chromium, width: int = 1280, height: int = 800, **context_options):
    """A page in a fresh context (its own cookies) of ``width`` x ``height`` CSS pixels.

    The page's uncaught JavaScript errors and console errors are collected in
    ``page.socialhr_errors`` (a list of strings), so a test can assert there are none.
    """
    context = chromium.new_context(viewport={"width": width, "height": height}, **context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("console", lambda message: errors.append(f"console: {message.text}") if message.type == "error" else None)
    page.socialhr_errors = errors
    return page


def shot(page, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot of ``page`` as artifacts/NAME.png (and in $SOCIALHR_README_SHOTS/ when set); its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    extra = os.environ.get(README_SHOTS)
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(extra) / path.name)
    return path


def colours(path: Path, box: tuple[int, int, int, int] | None = None) -> int:
    """How many distinct colours the PNG at ``path`` holds (in ``box``: left, top, right, bottom); blank is 1."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        if box:
            image = image.crop(box)
        return len(image.getcolors(maxcolors=image.width * image.height))


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves folders under URL prefixes, longest prefix first; quiet."""

    mounts: Mapping[str, Path] = {}

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        for prefix in sorted(self.mounts, key=len, reverse=True):
            base = prefix.rstrip("/")
            if clean == base or clean.startswith(base + "/"):
                root = self.mounts[prefix].resolve()
                target = (root / clean[len(base):].lstrip("/")).resolve()
                if target != root and root not in target.parents:
                    return str(root / "__outside__")  # a 404, never a file outside the folder
                return str(target)
        return str(Path("/nonexistent"))

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve(mounts: Mapping[str, Path | str]) -> Iterator[str]:
    """Serve folders on 127.0.0.1 at a free port, e.g. ``{"/static": STATIC, "/": HERE}``; yields the base URL."""
    handler = type("Handler", (_Handler,), {"mounts": {k: Path(v) for k, v in mounts.items()}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="socialhr-test-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac"]


def synthetic_network(nodes: int, edges: int, *, seed: int = 7, groups: int = 10,
                      positions: bool = True) -> dict:
    """A seeded map in ``GET /api/network``'s JSON shape: ``groups`` clusters, most ties inside a cluster.

    Positions are each cluster's centre on a circle plus Gaussian spread (like a
    force layout's output); with ``positions=False`` nodes carry no x/y, so the
    browser lays them out. Keys are ``p00000``-style pseudonyms.
    """
    rng = random.Random(seed)
    groups = max(1, min(groups, len(PALETTE)))
    members: list[list[str]] = [[] for _ in range(groups)]
    out_nodes = []
    for i in range(nodes):
        g = i % groups
        key = f"p{i:05d}"
        members[g].append(key)
        angle = 2 * math.pi * g / groups
        node = {"key": key, "size": round(rng.paretovariate(2.0), 3), "color": PALETTE[g],
                "group": f"Department {g + 1}", "community": g}
        if positions:
            spread = 60 + 6 * math.sqrt(nodes / groups)
            node["x"] = round(400 * math.cos(angle) + rng.gauss(0, spread), 3)
            node["y"] = round(400 * math.sin(angle) + rng.gauss(0, spread), 3)
        out_nodes.append(node)
    seen: set[tuple[str, str]] = set()
    out_edges = []
    keys = [n["key"] for n in out_nodes]
    attempts = 0
    while len(out_edges) < edges and attempts < edges * 20:
        attempts += 1
        source = rng.choice(keys)
        inside = rng.random() < 0.85
        pool = members[int(source[1:]) % groups] if inside else keys
        target = rng.choice(pool)
        pair = (source, target) if source < target else (target, source)
        if source == target or pair in seen:
            continue
        seen.add(pair)
        out_edges.append({"source": pair[0], "target": pair[1], "weight": round(rng.expovariate(1.0) * 3 + 0.5, 3)})
    legend = [{"label": f"Department {g + 1}", "color": PALETTE[g]} for g in range(groups)]
    return {"window": "synthetic", "nodes": out_nodes, "edges": out_edges, "legend": legend}


def colours_present(path: Path, wanted: list[str], box: tuple[int, int, int, int] | None = None,
                    tolerance: int = 8) -> list[str]:
    """Which of the ``wanted`` ``#rrggbb`` colours the PNG at ``path`` holds (each channel within ``tolerance``)."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        if box:
            image = image.crop(box)
        seen = {rgb for _, rgb in image.getcolors(maxcolors=image.width * image.height)}
    found = []
    for colour in wanted:
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        if any(abs(r - x) <= tolerance and abs(g - y) <= tolerance and abs(b - z) <= tolerance for x, y, z in seen):
            found.append(colour)
    return found


# (the name the first browser tests used)
launch = browser


@contextmanager
def serve_app(app, *, start_within: float = 60) -> Iterator[str]:
    """The web app served by uvicorn in a thread on 127.0.0.1 at a free port, for the browser: its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_within
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
