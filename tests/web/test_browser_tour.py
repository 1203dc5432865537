"""In headless chromium against the served app, on a 2,000-person synthetic organization: an analyst signs in
through the form and sees the network explorer draw everyone; a new joiner accepts an introduction.
Screenshots of the main pages go to tests/web/artifacts (and to $SOCIALHR_README_SHOTS for the README)."""

from __future__ import annotations

import pytest

from socialhr import ingest, synth
from socialhr.network.analyze import analyze
from socialhr.programs import intros
from socialhr.web.accounts import Accounts
from socialhr.workspace import Workspace

from .browser import launch, serve_app, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "a long tour password"


@pytest.fixture(scope="module")
def org2000(tmp_path_factory):
    """2,000 people analysed in monthly windows, introductions proposed; accounts: an analyst and a new joiner."""
    root = tmp_path_factory.mktemp("tour")
    info = synth.synthesize(root / "source", people=2000, seed=5, weeks=8)
    with Workspace.init(root / "ws") as ws:
        ingest.ingest(ws, "roster", info["files"]["roster"])
        ingest.ingest(ws, "interactions", info["files"]["interactions"])
        analyze(ws, window="month")
        intros.propose(ws, since=90, count=5)
        joiner = ws.db.execute("SELECT joiner FROM introductions ORDER BY joiner, colleague LIMIT 1").fetchone()[0]
        accounts = Accounts(ws.vault.dir)
        accounts.add("hr", "analyst", PASSWORD)
        accounts.add("newcomer", "employee", PASSWORD, person=joiner)
        people = ws.db.execute("SELECT count(*) FROM person_metrics WHERE window_id = "
                               "(SELECT max(window_id) FROM person_metrics)").fetchone()[0]
    return {"path": root / "ws", "joiner": joiner, "people": people}


@pytest.fixture(scope="module")
def served(org2000):
    from socialhr.web import create_app

    app = create_app(org2000["path"])
    with serve_app(app) as url:
        yield url, app
    app.state.site.close()


def _sign_in(browser, base, username):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/overview")  # (not signed in: sent to the log-in page, and back after it)
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, errors


def test_the_network_explorer_draws_the_whole_organization(served, org2000):
    base, _ = served
    with launch() as browser:
        page, errors = _sign_in(browser, base, "hr")
        assert page.url.endswith("/overview")
        page.wait_for_selector("[data-chart-url] svg, .chart svg", timeout=60_000)
        shot(page, "overview")
        page.goto(f"{base}/network")
        page.wait_for_function("window.socialhrNetworkDrawnMs !== undefined", timeout=120_000)
        drawn = page.eval_on_selector("[data-drawn]", "el => el.dataset.drawn")
        assert int(drawn) == org2000["people"]
        shot(page, "network-explorer")
        for path, name in (("/silos", "silos"), ("/matrix", "group-matrix")):
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            shot(page, name)
        assert not errors, errors


def test_a_new_joiner_accepts_an_introduction(served, org2000):
    base, app = served
    with launch() as browser:
        page, errors = _sign_in(browser, base, "newcomer")
        page.goto(f"{base}/me/introductions")
        shot(page, "my-introductions")
        page.click("tr:has(button:text('Accept')) >> nth=0 >> button:text('Accept')")
        page.wait_for_load_state("networkidle")
        assert "accepted" in page.text_content("table")
        site = app.state.site
        with site.read_lock:
            statuses = [r[0] for r in site.workspace().db.execute(
                "SELECT status FROM introductions WHERE joiner = ?", [org2000["joiner"]]).fetchall()]
        assert "accepted" in statuses
        page.goto(f"{base}/me")
        shot(page, "my-network")
        assert not errors, errors
