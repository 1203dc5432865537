"""The synthetic organization: files, hierarchy, activity patterns and planted answers.

Every check reads the written files, as an analysis would, and compares with
ground_truth.json; nothing here looks at the generator's internals.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import igraph as ig
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialhr.errors import SocialHRError
from socialhr.synth import synthesize

PEOPLE = 2000
SEED = 11
BROADCAST = 25
ROSTER_HEADER = ("employee_id,email,name,department,team,manager_id,level,location,hire_date,exit_date,"
                 "job_title,employment_type")
INTERACTIONS_HEADER = "timestamp,sender,recipients,channel,duration_minutes"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    steps = []
    summary = synthesize(out, people=PEOPLE, seed=SEED, progress=lambda step, done: steps.append((step, done)))
    return out, summary, steps


@pytest.fixture(scope="module")
def roster(generated) -> pd.DataFrame:
    return pd.read_csv(generated[0] / "roster.csv", dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def interactions(generated) -> pd.DataFrame:
    df = pd.read_csv(generated[0] / "interactions.csv", dtype=str, keep_default_na=False)
    df["n_recipients"] = df["recipients"].str.count(";") + 1
    df["date"] = df["timestamp"].str[:10]  # the sender's local calendar date
    return df


@pytest.fixture(scope="module")
def addresses(interactions) -> pd.DataFrame:
    """Every address on every row: (row, address, date, role) with role 'sender' or 'recipient'."""
    recipients = interactions["recipients"].str.split(";").explode()
    return pd.concat([
        pd.DataFrame({"row": interactions.index, "address": interactions["sender"], "role": "sender"}),
        pd.DataFrame({"row": recipients.index, "address": recipients.to_numpy(), "role": "recipient"}),
    ], ignore_index=True).assign(date=lambda f: interactions["date"].to_numpy()[f["row"]])


@pytest.fixture(scope="module")
def truth(generated) -> dict:
    return json.loads((generated[0] / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def people(roster) -> pd.DataFrame:
    """The roster indexed 0..N-1, with an e-mail -> index map attached."""
    out = roster.reset_index(drop=True)
    out.attrs["by_email"] = pd.Series(out.index, index=out["email"])
    return out


@pytest.fixture(scope="module")
def pairs(interactions, addresses, people) -> pd.DataFrame:
    """Employee pairs from every non-broadcast row: (a < b, date, channel, sender, recipient).

    E-mail and chat pair the sender with each recipient; meetings pair every two attendees.
    """
    person = addresses["address"].map(people.attrs["by_email"])
    small = (interactions["n_recipients"] <= BROADCAST).to_numpy()[addresses["row"]]
    known = addresses[person.notna().to_numpy() & small].assign(p=person.dropna().astype(int))
    channel = interactions["channel"].to_numpy()
    meeting = channel[known["row"]] == "meeting"
    senders = known[known["role"] == "sender"].set_index("row")["p"]
    written = known[~meeting & (known["role"] == "recipient").to_numpy()]
    written = pd.DataFrame({"s": senders.reindex(written["row"]).to_numpy(), "r": written["p"].to_numpy(),
                            "date": written["date"].to_numpy(), "channel": channel[written["row"]]}).dropna()
    att = known[meeting][["row", "p", "date"]]
    both = att.merge(att[["row", "p"]], on="row", suffixes=("", "_b"))
    both = both[both["p"] < both["p_b"]]
    clique = pd.DataFrame({"s": both["p"], "r": both["p_b"], "date": both["date"], "channel": "meeting"})
    out = pd.concat([written, clique], ignore_index=True)
    s, r = out["s"].astype(int).to_numpy(), out["r"].astype(int).to_numpy()
    return pd.DataFrame({"a": np.minimum(s, r), "b": np.maximum(s, r), "date": out["date"].to_numpy(),
                         "channel": out["channel"].to_numpy(), "sender": s, "recipient": r})


def contacts_between(pairs: pd.DataFrame, n: int, first: str, last: str) -> np.ndarray:
    """Distinct contacts per person among pairs dated first..last (inclusive)."""
    sel = pairs[(pairs["date"] >= first) & (pairs["date"] <= last)]
    key = np.unique(sel["a"].to_numpy() * n + sel["b"].to_numpy())
    return np.bincount(key // n, minlength=n) + np.bincount(key % n, minlength=n)


def day(truth: dict, offset: int) -> str:
    return (dt.date.fromisoformat(truth["window"]["start"]) + dt.timedelta(days=offset)).isoformat()


# ----------------------------------------------------------------------------- determinism and API

def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path):
    names = ("roster.csv", "interactions.csv", "ground_truth.json")
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        synthesize(tmp_path / name, people=300, seed=seed, weeks=4)
    for f in names:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
        assert (tmp_path / "a" / f).read_bytes() != (tmp_path / "c" / f).read_bytes(), f


def test_summary_matches_the_files(generated, roster, interactions):
    out, summary, steps = generated
    assert summary["people"] == len(roster) == PEOPLE
    assert summary["interactions"] == len(interactions)
    assert summary["exits"] == (roster["exit_date"] != "").sum()
    assert set(summary["files"]) == {"roster", "interactions", "ground_truth", "survey", "outcomes", "slack", "mbox", "ics"}
    assert all((out / p).exists() for p in summary["files"].values())
    assert not list(out.glob("*.partial"))
    fractions = [f for _, f in steps]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)


@pytest.mark.parametrize("kwargs, hint", [
    ({"people": 10}, "--people 60"),
    ({"weeks": 2}, "--weeks from 4"),
    ({"attrition_hr": 0}, "1 means isolation"),
])
def test_bad_arguments_say_how_to_fix_them(tmp_path, kwargs, hint):
    with pytest.raises(SocialHRError) as err:
        synthesize(tmp_path, **{"people": 100, **kwargs})
    assert hint in str(err.value)


# ----------------------------------------------------------------------------- formats

def test_roster_format(generated, roster):
    header = (generated[0] / "roster.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ROSTER_HEADER
    assert roster["employee_id"].str.fullmatch(r"E\d{6}").all() and roster["employee_id"].is_unique
    assert roster["email"].str.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+@lumenworks\.example").all()
    assert roster["email"].is_unique
    assert roster["name"].str.contains(r"[^\x00-\x7f]").any(), "names keep their accents (UTF-8)"
    for column in ("hire_date", "exit_date"):
        dates = roster.loc[roster[column] != "", column]
        assert pd.to_datetime(dates, format="%Y-%m-%d").notna().all()
    levels = {"IC1", "IC2", "IC3", "IC4", "IC5", "M1", "M2", "M3", "D1", "VP", "CEO"}
    assert levels - {"M3"} <= set(roster["level"]) <= levels
    assert set(roster["employment_type"]) == {"Full-time", "Part-time", "Contractor"}
    assert roster["location"].nunique() >= 4
    assert (roster["job_title"] != "").all()


def test_interactions_format(generated, interactions, addresses, truth):
    header = (generated[0] / "interactions.csv").read_text(encoding="utf-8")[:200].splitlines()[0]
    assert header == INTERACTIONS_HEADER
    assert interactions["timestamp"].str.match(TIMESTAMP).all()
    sample = interactions["timestamp"].sample(20_000, random_state=0)
    assert pd.to_datetime(sample, format="%Y-%m-%dT%H:%M:%S%z", utc=True).notna().all()
    assert all(dt.datetime.fromisoformat(t).utcoffset() is not None for t in sample.head(500))
    assert interactions["date"].min() >= day(truth, -1) and interactions["date"].max() <= truth["window"]["end"]
    assert set(interactions["channel"]) == {"email", "chat", "meeting"}
    meeting = interactions["channel"] == "meeting"
    assert (interactions.loc[meeting, "duration_minutes"].astype(int) > 0).all()
    assert (interactions.loc[~meeting, "duration_minutes"] == "").all()
    assert (interactions["recipients"] != "").all()
    assert not addresses.duplicated(["row", "address"]).any(), "nobody is listed twice on a row"


def test_timestamps_carry_the_utc_offset_of_the_senders_location(interactions, roster, truth):
    zone = roster.set_index("email")["location"].map(truth["locations"])
    sample = interactions.sample(100_000, random_state=1)
    sample = sample.assign(zone=sample["sender"].map(zone)).dropna(subset=["zone"])
    for (date, tz), offset in sample.groupby(["date", "zone"])["timestamp"].first().str[-6:].items():
        local = dt.datetime.combine(dt.date.fromisoformat(date), dt.time(12), tzinfo=ZoneInfo(tz))
        minutes = int(local.utcoffset().total_seconds() // 60)
        assert offset == f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    assert {"+05:30", "+08:00"} <= set(interactions["timestamp"].str[-6:])


# ----------------------------------------------------------------------------- hierarchy

def _check_hierarchy(roster: pd.DataFrame) -> None:
    ids = set(roster["employee_id"])
    ceo = roster[roster["manager_id"] == ""]
    assert len(ceo) == 1 and ceo["level"].iloc[0] == "CEO"
    assert set(roster.loc[roster["manager_id"] != "", "manager_id"]) <= ids
    boss = dict(zip(roster["employee_id"], roster["manager_id"]))
    for person in roster["employee_id"]:  # every chain reaches the CEO without repeating
        seen = set()
        while person:
            assert person not in seen, "cycle in the reporting lines"
            seen.add(person)
            person = boss[person]
    for team, members in roster.groupby("team"):
        leaders = members[~members["manager_id"].isin(members["employee_id"])]
        assert len(leaders) == 1, f"team {team!r} has {len(leaders)} leaders"
        leader = leaders["employee_id"].iloc[0]
        assert leaders["level"].iloc[0][0] in "MDVC", team
        assert (members.loc[members["employee_id"] != leader, "manager_id"] == leader).all(), team
    vps = roster[roster["level"] == "VP"]
    assert (vps["manager_id"] == ceo["employee_id"].iloc[0]).all()
    assert vps["department"].is_unique
    assert 6 <= len(vps) <= 12


def test_hierarchy_is_a_tree_under_one_ceo(roster):
    _check_hierarchy(roster)
    frontline = roster[roster["level"].isin(["M1", "M2"])]["employee_id"]
    ics = roster[roster["level"].str.startswith("IC") & roster["manager_id"].isin(frontline)]
    sizes = ics.groupby("manager_id").size()
    assert sizes.between(4, 12).mean() > 0.95 and 6 <= sizes.median() <= 10
    assert {"Engineering", "Sales", "Marketing", "Finance"} <= set(roster["department"])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.integers(60, 400), seed=st.integers(0, 2**32 - 1))
def test_any_size_gives_a_valid_org(tmp_path, people, seed):
    out = tmp_path / f"{people}-{seed}"
    summary = synthesize(out, people=people, seed=seed, weeks=4)
    roster = pd.read_csv(out / "roster.csv", dtype=str, keep_default_na=False)
    assert len(roster) == summary["people"] == people
    _check_hierarchy(roster)
    senders = set(pd.read_csv(out / "interactions.csv", usecols=["sender"], dtype=str)["sender"])
    assert len(set(roster["email"]) & senders) > 0.9 * people


# ----------------------------------------------------------------------------- activity

def test_activity_per_person_is_realistic_and_heavy_tailed(interactions, roster, truth):
    weeks = truth["window"]["weeks"]
    sent = interactions["sender"].value_counts().reindex(roster["email"], fill_value=0) / weeks
    sent = sent[~roster.set_index("email")["employee_id"].isin(truth["isolated"] + truth["new_joiners"]).values]
    assert 15 <= sent.median() <= 40
    assert sent.quantile(0.99) > 2.5 * sent.median()


def test_homophily_team_then_department_then_elsewhere(pairs, people):
    written = pairs[pairs["channel"] != "meeting"]
    s, r = written["sender"].to_numpy(), written["recipient"].to_numpy()
    team, dept = people["team"].to_numpy(), people["department"].to_numpy()
    same_team = team[s] == team[r]
    same_dept = (dept[s] == dept[r]) & ~same_team
    elsewhere = dept[s] != dept[r]
    assert same_team.mean() > same_dept.mean() > elsewhere.mean() > 0.02
    assert same_team.mean() > 0.5


def test_broadcasts_exist_and_stay_readable(interactions, truth):
    big = interactions[interactions["n_recipients"] > BROADCAST]
    assert len(big) >= 10
    assert {"meeting", "email"} <= set(big["channel"])
    assert interactions["n_recipients"].max() <= truth["max_recipients_per_row"]
    assert ((interactions["channel"] == "email") & interactions["n_recipients"].between(2, BROADCAST)).sum() > 1000


def test_external_and_unresolved_addresses(interactions, addresses, roster, truth):
    internal = addresses["address"].str.endswith("@" + truth["company"]["domain"]).to_numpy()
    external_rows = np.zeros(len(interactions), dtype=bool)
    external_rows[addresses.loc[~internal, "row"]] = True
    emails = (interactions["channel"] == "email").to_numpy()
    assert 0.01 <= external_rows[emails].mean() <= 0.02
    assert not external_rows[~emails].any()
    assert set(addresses.loc[~internal, "address"].str.split("@").str[1]) <= set(truth["external_domains"])
    unresolved = addresses[internal & ~addresses["address"].isin(roster["email"])]
    assert set(unresolved["address"]) == set(truth["departed_contractors"])
    assert 2 <= unresolved["row"].nunique() <= 10 * len(truth["departed_contractors"])


def test_new_joiners_start_quietly_and_grow_their_network(pairs, interactions, people, truth):
    n = len(people)
    start = truth["window"]["start"]
    joiners = people[people["employee_id"].isin(truth["new_joiners"])]
    assert len(joiners) == round(0.05 * n)
    assert joiners["hire_date"].between(start, truth["window"]["end"]).all()
    assert (people.loc[~people.index.isin(joiners.index), "hire_date"] < start).all()
    hire = people["hire_date"].to_numpy()
    # No interaction before the hire date (in the sender's calendar), as sender or recipient.
    assert (pairs["date"].to_numpy() >= np.maximum(hire[pairs["a"]], hire[pairs["b"]])).all()
    by_email = people.attrs["by_email"]
    sender = interactions["sender"].map(by_email).dropna().astype(int)
    assert (interactions.loc[sender.index, "date"].to_numpy() >= hire[sender]).all()
    # Distinct contacts per week since hire, for joiners with four weeks in the window.
    early = joiners[joiners["hire_date"] <= day(truth, 7 * truth["window"]["weeks"] - 28)]
    assert len(early) >= 0.5 * len(joiners)
    ego = pd.concat([pairs[["a", "b", "date"]].rename(columns={"a": "ego", "b": "alter"}),
                     pairs[["b", "a", "date"]].rename(columns={"b": "ego", "a": "alter"})])
    ego = ego[ego["ego"].isin(early.index)]
    hired = pd.to_datetime(people.loc[ego["ego"], "hire_date"]).to_numpy()
    ego["week"] = (pd.to_datetime(ego["date"]).to_numpy() - hired) // np.timedelta64(7, "D")
    per_week = [ego[ego["week"] == k].groupby("ego")["alter"].nunique().reindex(early.index, fill_value=0).mean()
                for k in range(4)]
    cumulative = [ego[ego["week"] <= k].groupby("ego")["alter"].nunique().reindex(early.index, fill_value=0).mean()
                  for k in range(4)]
    assert per_week[0] < per_week[1] < per_week[3] and per_week[3] > 1.3 * per_week[0], per_week
    assert all(a < b for a, b in zip(cumulative, cumulative[1:])), cumulative


# ----------------------------------------------------------------------------- planted structure

def test_brokers_rank_in_the_top_decile_of_betweenness(pairs, people, truth):
    n = len(people)
    key = np.unique(pairs["a"].to_numpy() * n + pairs["b"].to_numpy())
    graph = ig.Graph(n=n, edges=np.column_stack([key // n, key % n]).tolist())
    betweenness = np.array(graph.betweenness(directed=False))
    brokers = people.index[people["employee_id"].isin(truth["brokers"])]
    assert len(brokers) == round(0.01 * n)
    assert (betweenness[brokers] >= np.quantile(betweenness, 0.9)).all()
    assert all(len(truth["broker_departments"][e]) >= 4 for e in people.loc[brokers, "employee_id"])
    assert people.loc[brokers, "department"].nunique() >= 3


def test_network_size_and_isolated_people(pairs, people, truth):
    n = len(people)
    window = truth["network_size_window"]
    size = contacts_between(pairs, n, window["start"], window["end"])
    assert dict(zip(people["employee_id"], size.tolist())) == truth["network_size"]
    isolated = people.index[people["employee_id"].isin(truth["isolated"])]
    assert 0.02 <= len(isolated) / n <= 0.03
    at_risk = (people["hire_date"] < truth["window"]["start"]) & (people["level"] != "CEO")
    cutoff = np.quantile(size[at_risk.to_numpy()], 0.1)
    assert (size[isolated] <= cutoff).all() and size[isolated].max() <= 3
    bottom = people.loc[at_risk & (size <= cutoff), "employee_id"]
    assert sorted(bottom) == sorted(truth["attrition"]["bottom_decile"])


# ----------------------------------------------------------------------------- exits

def test_exits_follow_hires_and_end_activity(roster, addresses, truth):
    left = roster[roster["exit_date"] != ""]
    assert (left["exit_date"] > left["hire_date"]).all()
    follow = truth["attrition"]
    assert left["exit_date"].between(day(truth, 7 * 4 + 1), follow["follow_up_end"]).all()
    assert 0.08 <= len(left) / len(roster) <= 0.2
    exit_date = roster.set_index("email")["exit_date"]
    last_seen = addresses.groupby("address")["date"].max()
    gone = exit_date[(exit_date != "") & (exit_date <= truth["window"]["end"])]
    assert len(gone) > 10
    assert (last_seen.reindex(gone.index).fillna("") <= gone).all()


def _follow_up(roster: pd.DataFrame, truth: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(days from the follow-up start, exited, bottom decile) for the people at risk."""
    a = truth["attrition"]
    at_risk = roster[(roster["hire_date"] < truth["window"]["start"]) & (roster["level"] != "CEO")]
    start = pd.Timestamp(a["follow_up_start"])
    exited = (at_risk["exit_date"] != "").to_numpy()
    ends = pd.to_datetime(at_risk["exit_date"].replace("", a["follow_up_end"]))
    days = np.where(exited, (ends - start).dt.days, a["follow_up_days"]).astype(float)
    return days, exited, at_risk["employee_id"].isin(a["bottom_decile"]).to_numpy()


def test_the_bottom_decile_leaves_more_often(roster, truth):
    days, exited, bottom = _follow_up(roster, truth)
    assert 0.09 <= bottom.mean() <= 0.15
    assert (days > 0).all()
    assert exited[bottom].mean() > 1.5 * exited[~bottom].mean()
    assert truth["attrition_hazard_ratio_isolated"] == 3.0


def _cox_one_binary(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Cox partial likelihood (Breslow ties) for one covariate by Newton's method: (beta, se)."""
    order = np.argsort(-time, kind="stable")
    t, e, x = time[order], event[order], x[order].astype(float)
    last = np.searchsorted(-t, -t, side="right") - 1  # risk set = everyone with time >= t_i
    beta = 0.0
    for _ in range(50):
        w = np.exp(beta * x)
        mean = np.cumsum(w * x)[last] / np.cumsum(w)[last]
        info = np.sum(e * (mean - mean**2))
        step = np.sum(e * (x - mean)) / info
        beta += step
        if abs(step) < 1e-10:
            break
    return beta, 1 / np.sqrt(info)


def test_cox_model_recovers_the_planted_hazard_ratio(roster, truth):
    days, exited, bottom = _follow_up(roster, truth)
    beta, se = _cox_one_binary(days, exited, bottom)
    low, high = np.exp(beta - 1.96 * se), np.exp(beta + 1.96 * se)
    assert low <= truth["attrition_hazard_ratio_isolated"] <= high, (low, high)
    assert high < 6 and low > 1.5


def test_lifelines_cox_agrees(roster, truth):
    lifelines = pytest.importorskip("lifelines")
    days, exited, bottom = _follow_up(roster, truth)
    frame = pd.DataFrame({"days": days, "exited": exited, "bottom": bottom.astype(float)})
    model = lifelines.CoxPHFitter().fit(frame, duration_col="days", event_col="exited")
    low, high = np.exp(model.confidence_intervals_.loc["bottom"]).to_numpy()
    assert low <= truth["attrition_hazard_ratio_isolated"] <= high
    assert model.params_["bottom"] == pytest.approx(_cox_one_binary(days, exited, bottom)[0], abs=1e-3)


def test_no_effect_when_the_hazard_ratio_is_one(tmp_path):
    synthesize(tmp_path, people=2000, seed=3, weeks=4, attrition_hr=1.0)
    roster = pd.read_csv(tmp_path / "roster.csv", dtype=str, keep_default_na=False)
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    days, exited, bottom = _follow_up(roster, truth)
    beta, se = _cox_one_binary(days, exited, bottom)
    assert np.exp(beta - 1.96 * se) <= 1.0 <= np.exp(beta + 1.96 * se)
