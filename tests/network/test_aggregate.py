"""The tie-strength rules of the aggregation, worked by hand on a few interactions."""

from __future__ import annotations

import datetime as dt

import pytest

from socialhr.errors import SocialHRError
from socialhr.network.aggregate import aggregate, data_span
from socialhr.network.windows import make_windows


def edges_of(ws, spec="month", **kw):
    span = data_span(ws.db)
    table, _ = aggregate(ws, make_windows(spec, *span), **kw)
    return {(r["window_id"], r["channel"], r["source"], r["target"]): (r["weight"], r["interactions"]) for r in table.to_pylist()}


@pytest.fixture
def small(ws, add_person, add_interaction, add_identity):
    for p in "abcd":
        add_person(ws, p)
    for token, kind, person, status in (("tok-b", "email", "b", "person"), ("tok-x", "email", None, "external"),
                                         ("tok-u", "email", None, "unresolved")):
        add_identity(ws, token, kind, person, status)
    add_interaction(ws, "2024-01-05 10:00:00+00", "a", ["tok-b", "c"])             # 0.5 each
    add_interaction(ws, "2024-01-06 10:00:00+00", "a", ["b"])                      # 1
    add_interaction(ws, "2024-01-07 10:00:00+00", "a", ["tok-x", "tok-u"])         # no person: dropped
    add_interaction(ws, "2024-01-08 10:00:00+00", "tok-b", ["a"], channel="chat")  # resolved sender
    add_interaction(ws, "2024-01-09 10:00:00+00", "c", ["c"])                      # self: dropped
    # organizer a listed among attendees too: counts once
    add_interaction(ws, "2024-02-06 10:00:00+00", "a", ["a", "b", "c"], channel="calendar", kind="meeting", weight=0.5)
    add_interaction(ws, "2024-02-07 10:00:00+00", "a", ["b", "c", "d"], kind="broadcast")
    # 23:30 at UTC-2 is 01:30 UTC the next day: a March interaction
    add_interaction(ws, "2024-02-29 23:30:00-02", "d", ["a"])
    return ws


def test_messages_meetings_and_resolution(small):
    e = edges_of(small)
    assert e[("2024-01", "email", "a", "b")] == (1.5, 2)
    assert e[("2024-01", "email", "a", "c")] == (0.5, 1)
    assert e[("2024-01", "chat", "b", "a")] == (1.0, 1)
    assert e[("2024-01", "all", "a", "b")] == (1.5, 2)
    assert not any(k[2] == k[3] for k in e), "self-ties are dropped"
    assert not any("tok" in k[2] or "tok" in k[3] for k in e), "only people make ties"
    feb = {k[2:]: v for k, v in e.items() if k[:2] == ("2024-02", "calendar")}
    assert feb == {(s, t): (0.5, 1) for s in "abc" for t in "abc" if s != t}
    assert ("2024-02", "all", "a", "d") not in e, "broadcasts make no tie"
    assert e[("2024-03", "email", "d", "a")] == (1.0, 1)


def test_channel_all_sums_channels_and_threshold_counts_interactions(small, add_interaction):
    add_interaction(small, "2024-01-20 10:00:00+00", "a", ["b"], channel="chat", weight=0.25)
    e = edges_of(small)
    assert e[("2024-01", "all", "a", "b")] == (1.75, 3)
    e2 = edges_of(small, min_interactions=2)
    assert set(e2) == {("2024-01", "email", "a", "b"), ("2024-01", "all", "a", "b")}


def test_imported_ties_count_in_overlapping_windows(small):
    small.db.execute("INSERT INTO ties VALUES (1, 'd', 'tok-b', '2024-01-15', '2024-02-10', 2.0, 'p2p', 'viva'), "
                     "(1, 'c', 'd', NULL, NULL, 1.0, 'p2p', 'viva')")
    e = edges_of(small)
    assert e[("2024-01", "viva", "d", "b")] == (2.0, 1)
    assert e[("2024-02", "viva", "d", "b")] == (2.0, 1)
    assert ("2024-03", "viva", "d", "b") not in e
    assert {k[0] for k in e if k[1:] == ("viva", "c", "d")} == {"2024-01", "2024-02", "2024-03"}


def test_viva_scores_are_two_networks_and_count_once_in_all(small):
    small.db.execute("INSERT INTO ties VALUES (1, 'c', 'd', '2024-01-01', '2024-01-31', 0.3, 'viva_strong', 'viva-p2p'), "
                     "(1, 'c', 'd', '2024-01-01', '2024-01-31', 0.8, 'viva_diverse', 'viva-p2p'), "
                     "(1, 'd', 'c', '2024-01-01', '2024-01-31', 0.4, 'viva_diverse', 'viva-p2p'), "
                     "(1, 'd', 'c', '2024-01-01', '2024-01-31', 1.0, 'Who gives you energy?', 'survey')")
    e = edges_of(small)
    assert e[("2024-01", "viva_strong", "c", "d")] == (0.3, 1)
    assert e[("2024-01", "viva_diverse", "c", "d")] == (0.8, 1)
    assert e[("2024-01", "all", "c", "d")] == (0.8, 1)  # the larger score, one interaction
    assert e[("2024-01", "survey", "d", "c")] == (1.0, 1)
    assert e[("2024-01", "all", "d", "c")] == (1.4, 2)  # a diverse-only Viva tie plus the survey


@pytest.mark.parametrize("spec,expected", [
    ("all", {"all"}),
    ("quarter", {"2024-Q1"}),
    ("week", {"2024-W01", "2024-W02", "2024-W06", "2024-W09"}),  # Mon 8 Jan starts W02
    ("30d", {"2024-01-05+30d", "2024-02-04+30d"}),
])
def test_window_kinds(small, spec, expected):
    assert {k[0] for k in edges_of(small, spec)} == expected


def test_unknown_engine(small):
    with pytest.raises(SocialHRError, match="unknown engine 'polars'"):
        aggregate(small, make_windows("all", dt.date(2024, 1, 1), dt.date(2024, 1, 2)), engine="polars")
