"""The network map (static/js/network.js) draws in headless chromium: a 2,000-person map, a click, the legend."""

from __future__ import annotations

import pytest

from .browser import colours, launch, shot
from .mapdata import network, served

pytestmark = pytest.mark.browser


def test_a_2000_person_map_is_drawn_and_a_click_names_the_node(tmp_path):
    data = network(2000, 8000, seed=1)
    with served(tmp_path, data) as base, launch() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/index.html")
        page.wait_for_function("document.getElementById('map').dataset.drawn !== undefined", timeout=60_000)
        assert not errors, errors
        assert page.eval_on_selector("#map", "el => el.dataset.drawn") == "2000"
        assert page.evaluate("window.socialhrNetworkDrawnMs") > 0
        path = shot(page, "network-map-harness")
        assert colours(path, (0, 0, 1000, 700)) > 8  # (a blank canvas is one colour; ten departments' colours are drawn)
        assert page.eval_on_selector_all("#legend li", "els => els.length") == 10
        # Click the first node where sigma drew it.
        x, y = page.evaluate("(() => { const d = renderer.getNodeDisplayData('p00000'); return renderer.framedGraphToViewport(d); })()").values()
        box = page.eval_on_selector("#map", "el => { const r = el.getBoundingClientRect(); return [r.left, r.top]; }")
        page.mouse.click(box[0] + x, box[1] + y)
        page.wait_for_function("document.getElementById('clicked').textContent !== ''", timeout=10_000)
        clicked = page.text_content("#clicked")
        assert clicked.startswith("p0")  # (the node there, or one drawn on top of it)


def test_a_map_without_positions_is_laid_out_in_the_browser(tmp_path):
    data = network(300, 900, seed=2, placed=False)
    with served(tmp_path, data) as base, launch() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"{base}/index.html")
        page.wait_for_function("document.getElementById('map').dataset.drawn !== undefined", timeout=60_000)
        spread = page.evaluate("(() => { const g = renderer.getGraph(); const xs = g.mapNodes((n, a) => a.x); return Math.max(...xs) - Math.min(...xs); })()")
        assert spread > 0
