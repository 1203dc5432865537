"""Headless chromium for the browser tests: Debian's package, driven by Playwright (browsers cannot be downloaded here).

``launch()`` starts it with the flags this closed network needs, or skips the test
(with the reason) when chromium or Playwright is missing. ``shot(page, name)``
saves a screenshot to tests/web/artifacts/ (and to the folder named by
``SOCIALHR_README_SHOTS``, for the README's pictures).
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--use-gl=swiftshader", "--enable-unsafe-swiftshader"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def launch() -> Iterator[object]:
    """A headless chromium browser (Playwright's Browser); skips the test when there is none."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install playwright)")
    with sync_playwright() as p:  # (Playwright gives the browser a fresh profile of its own)
        browser = p.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page, name: str) -> Path:
    """Save a screenshot of ``page`` as NAME.png in the artifacts folder (and the README's, when asked)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    extra = os.environ.get("SOCIALHR_README_SHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / f"{name}.png")
    return path


def colours(path: Path, box: tuple[int, int, int, int] | None = None) -> int:
    """How many distinct colours a screenshot (or a box of it: left, top, right, bottom) holds: a blank one has one."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        if box:
            im = im.crop(box)
        return len(set(im.resize((200, 150)).getdata()))
