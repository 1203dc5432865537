"""In headless chromium, against the served app: a round of the name game (htmx answers in place) and giving kudos."""

from __future__ import annotations

import pytest

from .browser import launch, serve_app, shot
from .conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(app):
    with serve_app(app) as url:
        yield url


def _sign_in(browser, base, username):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page, errors


def test_a_round_of_the_name_game_and_kudos_in_the_browser(base, app, web_org):
    with launch() as browser:
        page, errors = _sign_in(browser, base, "emp")
        page.goto(f"{base}/game")
        before = page.input_value("input[name=token]")
        shot(page, "name-game")
        page.click(".answers button >> nth=0")
        page.wait_for_selector("#play .flash", timeout=15_000)
        verdict = page.text_content("#play .flash")
        assert "that was" in verdict
        assert page.url == f"{base}/game"  # (htmx answered in place: no reload)
        assert page.input_value("input[name=token]") != before  # (the next card)
        assert "1 answer" in page.text_content(".game-progress")
        shot(page, "name-game-answered")

        ws = app.state.site.workspace()
        receiver = ws.pseudonymiser.person(web_org["employees"]["emp2"])
        name = ws.vault.connect().execute("SELECT name FROM people WHERE person = ?", [receiver]).fetchone()[0]
        page.goto(f"{base}/kudos")
        page.type("#q", name, delay=20)
        page.wait_for_selector(f"input[name=receiver][value='{receiver}']", timeout=15_000)
        page.check(f"input[name=receiver][value='{receiver}']")
        page.select_option("#value", "kindness")
        page.fill("#message", "Thank you for the onboarding help")
        page.click("button:has-text('Give kudos')")
        page.wait_for_selector(".flash-ok", timeout=15_000)
        assert "Thank you for the onboarding help" in page.text_content("body")
        shot(page, "kudos")
        assert not errors, errors
    assert ws.db.execute("SELECT count(*) FROM kudos WHERE receiver = ? AND value = 'kindness'", [receiver]).fetchone()[0] == 1
