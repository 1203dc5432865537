"""The network map (static/js/network.js) draws in Debian's headless chromium.

A throwaway http.server on 127.0.0.1 serves the package's static folder and
tests/web/map_page.html, which calls ``SocialHR.drawNetwork`` on a seeded
synthetic map of 2,000 people. The tests wait for ``dataset.drawn``, check the
canvas is not blank, and click a person to see ``onClickNode`` called.
"""

from __future__ import annotations

import json

import pytest

from tests.web import browser as b

pytestmark = pytest.mark.browser

PEOPLE = 2000
TIES = 8000

chromium = b.browser_fixture("module")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The page, the package's static files and two maps (with and without positions), served on 127.0.0.1."""
    data = tmp_path_factory.mktemp("map-data")
    (data / "map.json").write_text(json.dumps(b.synthetic_network(PEOPLE, TIES, seed=11)))
    (data / "unplaced.json").write_text(json.dumps(b.synthetic_network(300, 900, seed=5, positions=False)))
    with b.serve({"/static": b.STATIC, "/data": data, "/": b.HERE}) as url:
        yield url


def open_map(chromium, url, data, name=None, **size):
    page = b.new_page(chromium, **size)
    page.goto(f"{url}/map_page.html?data=/data/{data}")
    page.wait_for_function("document.getElementById('map').dataset.drawn !== undefined", timeout=60_000)
    return page


def test_map_draws_every_person_and_is_not_blank(chromium, site):
    page = open_map(chromium, site, "map.json")
    assert page.eval_on_selector("#map", "el => el.dataset.drawn") == str(PEOPLE)
    assert page.evaluate("window.socialhrNetworkDrawnMs") > 0
    assert page.evaluate("window.socialhrMap.graph.size") == TIES
    assert page.evaluate("window.socialhrMap.layout") == "server"
    path = b.shot(page, "network-map")
    box = page.locator("#map").bounding_box()
    inside = (int(box["x"]) + 2, int(box["y"]) + 2, int(box["x"] + box["width"]) - 2, int(box["y"] + box["height"]) - 2)
    # A blank canvas is one colour; the ten departments' colours and the ties make many.
    assert b.colours(path, inside) > 10
    # Every department's colour is drawn on the map (not only in the legend beside it).
    assert b.colours_present(path, b.PALETTE, inside) == b.PALETTE
    legend = page.locator("#legend .legend-item")
    assert legend.count() == 10
    assert legend.first.inner_text() == "Department 1"
    assert page.socialhr_errors == []


def test_clicking_a_person_calls_on_click_node(chromium, site):
    page = open_map(chromium, site, "map.json")
    # A person with no one else drawn within 14 px, so the click can only land on them.
    target = page.evaluate("""() => {
        const map = window.socialhrMap, keys = map.graph.nodes();
        const pos = keys.map(k => map.positionOf(k));
        const box = document.getElementById('map').getBoundingClientRect();
        let best = null;
        keys.forEach((k, i) => {
            const p = pos[i];
            if (p.x < 20 || p.y < 20 || p.x > box.width - 20 || p.y > box.height - 20) return;
            let near = Infinity;
            pos.forEach((q, j) => { if (j !== i) near = Math.min(near, Math.hypot(p.x - q.x, p.y - q.y)); });
            if (near > 14 && (!best || p.size > best.size)) best = {key: k, x: p.x, y: p.y, size: p.size};
        });
        return best;
    }""")
    assert target is not None, "no person stands apart enough on the map to click"
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + target["x"], box["y"] + target["y"])
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.wait_for_function("window.socialhrClicked.length > 0", timeout=10_000)
    assert page.evaluate("window.socialhrClicked") == [target["key"]]
    assert page.inner_text("#clicked") == f"Clicked {target['key']}"
    b.shot(page, "network-map-clicked")
    # A click on empty stage calls nothing more.
    page.mouse.click(box["x"] + 3, box["y"] + 3)
    assert page.evaluate("window.socialhrClicked") == [target["key"]]


def test_search_centres_and_highlights_a_person(chromium, site):
    page = open_map(chromium, site, "map.json")
    before = page.evaluate("window.socialhrMap.sigma.getCamera().getState()")
    page.fill("#find", "P00042")  # case does not matter
    page.press("#find", "Enter")
    page.wait_for_timeout(600)  # the camera's 400 ms animation
    after = page.evaluate("window.socialhrMap.sigma.getCamera().getState()")
    assert after["ratio"] < before["ratio"]
    centre = page.evaluate("window.socialhrMap.positionOf('p00042')")
    box = page.locator("#map").bounding_box()
    assert abs(centre["x"] - box["width"] / 2) < 5 and abs(centre["y"] - box["height"] / 2) < 5
    assert page.get_attribute("#find", "aria-invalid") == "false"
    b.shot(page, "network-map-search")
    page.fill("#find", "nobody-here")
    page.press("#find", "Enter")
    assert page.get_attribute("#find", "aria-invalid") == "true"


def test_map_without_positions_is_laid_out_in_the_browser(chromium, site):
    page = open_map(chromium, site, "unplaced.json")
    assert page.evaluate("window.socialhrMap.layout") == "browser"
    spread = page.evaluate("""() => {
        const g = window.socialhrMap.graph, xs = [], ys = [];
        g.forEachNode((k, a) => { xs.push(a.x); ys.push(a.y); });
        const ok = xs.concat(ys).every(Number.isFinite);
        return {ok, width: Math.max(...xs) - Math.min(...xs), distinct: new Set(xs).size};
    }""")
    assert spread["ok"] and spread["width"] > 0 and spread["distinct"] == 300
    path = b.shot(page, "network-map-browser-layout")
    assert b.colours(path) > 5
    assert page.socialhr_errors == []


def test_map_fits_a_phone(chromium, site):
    page = open_map(chromium, site, "map.json", width=390, height=844)
    box = page.locator("#map").bounding_box()
    assert box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    b.shot(page, "network-map-phone")
