"""The employee's social pages: the name game, kudos and consultations, through the API and the plain forms."""

from __future__ import annotations

import re

import pytest

from socialhr.programs import consult, kudos, namegame

from .conftest import PASSWORD

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082")


@pytest.fixture(scope="module")
def play(app, web_org, tmp_path_factory):
    """Photos for everyone, a third employee's account, and two consultations of Engineering (one open, one closed)."""
    site = app.state.site
    photos = tmp_path_factory.mktemp("photos")
    for r in web_org["roster"]:
        (photos / f"{r['employee_id']}.png").write_bytes(PNG)
    managers = {r["manager_id"] for r in web_org["roster"]}
    taken = set(web_org["employees"].values())
    third = sorted(r["employee_id"] for r in web_org["roster"] if r["department"] == "Engineering" and not r["exit_date"]
                   and r["employee_id"] not in managers and r["employee_id"] not in taken)[0]
    with site.writing() as ws:
        namegame.register_photos(ws, photos)
        people = {k: ws.pseudonymiser.person(e) for k, e in {**web_org["employees"], "emp3": third}.items()}
        site.accounts.add("emp3", "employee", PASSWORD, person=people["emp3"])
        names = dict(ws.vault.connect().execute("SELECT person, name FROM people").fetchall())
        opened = consult.open_consultation(ws, title="Payroll dates", text="Pay on the 25th from March.", closes="2099-12-31",
                                           audience=["department=Engineering"])
        closed = consult.open_consultation(ws, title="Parking", text="Fewer spaces.", closes="2020-01-31", opens="2020-01-01",
                                           audience=["department=Engineering"])
        elsewhere = next(r["department"] for r in web_org["roster"] if r["department"] != "Engineering")
        other = consult.open_consultation(ws, title="Shifts", text="New shifts.", closes="2099-12-31", audience=[f"department={elsewhere}"])
    return {"people": people, "names": names, "open": opened, "closed": closed, "other": other}


def _right_name(app, token):
    card = app.state.play_deck.cards[token].card
    return card, app.state.site.workspace().vault.connect().execute("SELECT name FROM people WHERE person = ?", [card.person]).fetchone()[0].strip()


def _my_answers(c):
    return c.get("/api/tables/game_answers").json()["rows"]


# -- the name game ---------------------------------------------------------------------

def test_a_round_through_the_api_changes_progress_and_stores_right_and_wrong(client, app, play):
    c = client("emp")
    before = c.get("/api/game/progress").json()
    # (deal until a colleague of the player's own department comes up: only they count in the share)
    for _ in range(40):
        card = c.get("/api/game/card").json()
        dealt, right = _right_name(app, card["token"])
        if dealt.department == before["department"]:
            break
    else:
        pytest.fail("no colleague of the player's department was dealt in 40 cards")
    assert "person" not in card and right in card["choices"] and len(card["choices"]) == 4
    assert {"role", "team", "department", "location"} <= card.keys()
    done = c.post("/api/game/answer", json={"token": card["token"], "choice": card["choices"].index(right)}).json()
    assert done["correct"] is True and done["name"] == right
    after = done["progress"]
    assert after["answers"] == before["answers"] + 1 and after["correct"] == before["correct"] + 1
    assert after["can_name"] == before["can_name"] + 1 and after["share"] > (before["share"] or 0)
    # The same card cannot be answered twice.
    again = c.post("/api/game/answer", json={"token": card["token"], "choice": 0})
    assert again.status_code == 400 and "answered already" in again.json()["error"]

    card = c.get("/api/game/card").json()
    dealt, right = _right_name(app, card["token"])
    wrong = next(n for n in card["choices"] if n != right)
    done = c.post("/api/game/answer", json={"token": card["token"], "choice": wrong}).json()
    assert done["correct"] is False and done["name"] == right and done["choice"] == wrong
    rows = _my_answers(c)
    assert rows[-1]["card"] == dealt.person and rows[-1]["correct"] is False
    assert rows[-2]["correct"] is True and all(r["player"] == play["people"]["emp"] for r in rows)
    assert done["progress"]["answers"] == after["answers"] + 1 and done["progress"]["correct"] == after["correct"]


def test_only_the_player_dealt_a_card_can_see_its_photo_or_answer_it(client, play):
    me, other = client("emp"), client("emp2")
    card = me.get("/api/game/card").json()
    assert card["photo"] == f"/game/photo/{card['token']}" and card["initials"] is None
    mine = me.get(card["photo"])
    assert mine.status_code == 200 and mine.content == PNG and mine.headers["content-type"] == "image/png"
    assert other.get(card["photo"]).status_code == 404
    assert client("ada").get(card["photo"]).status_code == 404
    assert client().get(card["photo"], follow_redirects=False).status_code == 303  # (to the log-in page)
    stolen = other.post("/api/game/answer", json={"token": card["token"], "choice": 0})
    assert stolen.status_code == 400 and "not one dealt to you" in stolen.json()["error"]


def test_a_round_with_plain_forms_and_the_leaderboard_withholds_small_departments(client, app, play):
    c = client("emp2")
    page = c.get("/game")
    assert page.status_code == 200 and "Who is this?" in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    _, right = _right_name(app, token)
    csrf = c.headers.pop("X-CSRF-Token")
    assert c.post("/game/answer", data={"token": token, "choice": "0"}).status_code == 403  # (no CSRF token)
    choices = re.findall(r'name="choice" value="(\d)">([^<]+)<', page.text)
    pick = next(i for i, n in choices if n.strip() != right)
    r = c.post("/game/answer", data={"token": token, "choice": pick, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/game?answered={token}"
    shown = c.get(r.headers["location"])
    assert "Not quite" in shown.text and right in shown.text
    c.headers["X-CSRF-Token"] = csrf
    board = c.get("/api/game/leaderboard").json()
    assert "Engineering" in board["withheld"] and all(row["department"] != "Engineering" for row in board["rows"])
    assert c.post("/api/game/optout", json={"out": True}).json() == {"opted_out": True}
    assert c.get("/api/game/progress").json()["opted_out"] is True
    assert c.post("/api/game/optout", json={"out": False}).json() == {"opted_out": False}


# -- kudos -----------------------------------------------------------------------------

def test_kudos_given_on_the_web_reach_giver_and_receiver_only(client, app, play):
    giver, receiver, third = client("emp"), client("emp2"), client("emp3")
    name = play["names"][play["people"]["emp2"]]
    found = giver.get("/api/kudos/search", params={"q": name}).json()["matches"]
    assert play["people"]["emp2"] in [m["person"] for m in found]
    given = giver.post("/api/kudos", json={"receiver": play["people"]["emp2"], "value": "teamwork",
                                           "message": "Thanks for the release notes"}).json()["kudos"]
    row = app.state.site.workspace().db.execute("SELECT giver, receiver, value FROM kudos WHERE kudos_id = ?", [given["kudos_id"]]).fetchone()
    assert row == (play["people"]["emp"], play["people"]["emp2"], "teamwork")
    for c in (giver, receiver):
        assert given["kudos_id"] in [r["kudos_id"] for r in c.get("/api/tables/kudos").json()["rows"]]
    assert given["kudos_id"] not in [r["kudos_id"] for r in third.get("/api/tables/kudos").json()["rows"]]
    assert [k["message"] for k in receiver.get("/api/kudos").json()["received"]] == ["Thanks for the release notes"]
    assert given["kudos_id"] in [k["kudos_id"] for k in giver.get("/api/kudos").json()["given"]]
    mine3 = third.get("/api/kudos").json()
    assert mine3["received"] == [] and mine3["given"] == [] and mine3["feed"] is None  # (kudos_feed is off)
    assert "Thanks for the release notes" in receiver.get("/kudos").text
    assert "Thanks for the release notes" not in third.get("/kudos").text
    # With the kudos_feed setting on, everyone reads the feed.
    settings = app.state.site.settings
    settings["kudos_feed"] = True
    try:
        assert "Thanks for the release notes" in [k["message"] for k in third.get("/api/kudos").json()["feed"]]
    finally:
        settings["kudos_feed"] = False
    # Nothing stored for a value that is not a kudos value, or a message too long.
    n = app.state.site.workspace().db.execute("SELECT count(*) FROM kudos").fetchone()[0]
    assert giver.post("/api/kudos", json={"receiver": play["people"]["emp2"], "value": "bravery"}).status_code == 400
    assert giver.post("/api/kudos", json={"receiver": play["people"]["emp2"], "value": "teamwork", "message": "x" * 281}).status_code == 400
    assert app.state.site.workspace().db.execute("SELECT count(*) FROM kudos").fetchone()[0] == n


def test_the_name_search_is_capped_and_refuses_one_letter(client, play):
    c = client("emp")
    r = c.get("/api/kudos/search", params={"q": "a"})
    assert r.status_code == 400 and "at least 2 letters" in r.json()["error"]
    # The commonest two-letter start of a name word: more people match than the search may answer.
    starts: dict[str, int] = {}
    for name in play["names"].values():
        for w in {p[:2].casefold() for p in name.split() if len(p) >= 2}:
            starts[w] = starts.get(w, 0) + 1
    common, many = max(starts.items(), key=lambda kv: kv[1])
    assert many > kudos.SEARCH_CAP
    found = c.get("/api/kudos/search", params={"q": common}).json()["matches"]
    assert 0 < len(found) <= 5 <= kudos.SEARCH_CAP
    assert play["people"]["emp"] not in [m["person"] for m in found]  # (not oneself)
    page = c.get("/kudos", params={"q": common})
    assert page.text.count('name="receiver"') == len(found)


# -- consultations -----------------------------------------------------------------------

def test_a_comment_needs_csrf_is_stored_in_the_vault_and_can_be_endorsed(client, app, play):
    c, other = client("emp"), client("emp2")
    cid = play["open"]
    assert cid in [x["consultation_id"] for x in c.get("/api/consultations").json()["open_to_you"]]
    assert c.get(f"/api/consultations/{cid}").json()["text"] == "Pay on the 25th from March."
    token = c.headers.pop("X-CSRF-Token")
    assert c.post(f"/api/consultations/{cid}/comments", json={"text": "Please keep the 28th."}).status_code == 403
    assert c.post(f"/consultations/{cid}/comment", data={"text": "Please keep the 28th."}).status_code == 403
    c.headers["X-CSRF-Token"] = token
    no = c.post(f"/api/consultations/{cid}/comments", json={"text": "Please keep the 28th."}).json()["comment_no"]
    ws = app.state.site.workspace()
    assert consult.text(ws, cid)["comments"] == [{"comment_no": no, "text": "Please keep the 28th."}]
    assert ws.db.execute("SELECT person, kind FROM consultation_participation WHERE consultation_id = ? AND comment_no = ?",
                         [cid, no]).fetchall() == [(play["people"]["emp"], "comment")]
    assert "Please keep the 28th." not in str(ws.db.execute("SELECT * FROM consultation_participation").fetchall())
    assert other.post(f"/api/consultations/{cid}/endorse", json={"comment_no": no}).json()["counted"] is True
    assert other.post(f"/api/consultations/{cid}/endorse", json={"comment_no": no}).json()["counted"] is False
    assert other.post(f"/api/consultations/{cid}/endorse", json={}).json() == {"comment_no": 0, "counted": True}
    seen = other.get(f"/api/consultations/{cid}").json()
    assert seen["endorsements"] == 1 and seen["endorsed"] is True
    assert seen["comments"][0]["endorsements"] == 1 and seen["comments"][0]["yours"] is False
    assert "person" not in seen["comments"][0]
    # The form path, without JavaScript.
    r = other.post(f"/consultations/{cid}/comment", data={"text": "Fine by me.", "csrf_token": token if False else other.headers["X-CSRF-Token"]},
                   follow_redirects=False)
    assert r.status_code == 303
    assert "Fine by me." in other.get(r.headers["location"]).text
    # Closed: no more comments, and the employee sees no report.
    closed = play["closed"]
    assert c.post(f"/api/consultations/{closed}/comments", json={"text": "late"}).json()["error"] == f"consultation {closed} is closed"
    assert c.get(f"/api/consultations/{closed}/report").status_code == 403


def test_the_participation_report_is_for_hr_once_closed(client, play):
    ada = client("ada")
    report = ada.get(f"/api/consultations/{play['closed']}/report")
    assert report.status_code == 200 and {r["metric"] for r in report.json()["summary"]}
    assert ada.get(f"/api/consultations/{play['open']}/report").status_code == 400
    page = ada.get(f"/consultations/{play['closed']}")
    assert page.status_code == 200 and "Participation report" in page.text
    assert client("lead").get(f"/api/consultations/{play['closed']}/report").status_code == 403


@pytest.mark.parametrize("username", ["lead", "ada", "root"])
def test_accounts_without_a_roster_link_get_a_clear_message(client, play, username):
    c = client(username)
    for page in ("/game", "/kudos", "/consultations"):
        r = c.get(page)
        assert r.status_code == 200, page
        if page != "/consultations" or username == "lead":
            assert "not linked to anyone on the roster" in r.text, page
    for method, path, body in (("get", "/api/game/card", None), ("get", "/api/kudos", None), ("get", "/api/kudos/search?q=an", None),
                               ("post", "/api/kudos", {"receiver": play["people"]["emp"], "value": "teamwork"}),
                               ("post", f"/api/consultations/{play['open']}/comments", {"text": "hello"})):
        r = getattr(c, method)(path, json=body) if body else getattr(c, method)(path)
        assert r.status_code == 403, path
        assert "not linked to anyone on the roster" in r.json()["error"] and "--employee-id" in r.json()["hint"]


def test_a_consultation_is_read_by_its_audience_and_by_hr_only(client, app, play):
    c = client("emp")
    assert play["other"] not in [x["consultation_id"] for x in c.get("/api/consultations").json()["open_to_you"]]
    r = c.get(f"/api/consultations/{play['other']}")
    assert r.status_code == 403 and "New shifts." not in r.text
    assert c.post(f"/api/consultations/{play['other']}/endorse", json={}).status_code == 400
    ada = client("ada")
    assert ada.get(f"/api/consultations/{play['other']}").json()["text"] == "New shifts."
    assert play["other"] in [x["consultation_id"] for x in ada.get("/api/consultations").json()["all"]]
    assert any(r["what"] == "consultation_text" and r["username"] == "ada" for r in app.state.site.audit.rows())
