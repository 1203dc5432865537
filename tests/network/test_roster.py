"""Who is in a window's network, and which org chart applies to them."""

from __future__ import annotations

import datetime as dt

from socialhr.network.roster import group_dimensions, roster_at
from socialhr.network.windows import Window

MARCH = Window("2024-03", dt.date(2024, 3, 1), dt.date(2024, 4, 1))


def test_node_set_is_people_employed_during_the_window(ws, add_person):
    add_person(ws, "stays")
    add_person(ws, "hired-mid-march", hire_date="2024-03-15")
    add_person(ws, "hired-april", hire_date="2024-04-01")
    add_person(ws, "left-march-1", exit_date="2024-03-01")
    add_person(ws, "left-february", exit_date="2024-02-29")
    add_person(ws, "dropped-from-roster", valid_to="2024-02-01")
    assert roster_at(ws.db, MARCH)["person"].tolist() == ["hired-mid-march", "left-march-1", "stays"]


def test_org_chart_as_of_the_window(ws, add_person):
    add_person(ws, "mover", department="Sales", valid_from="2020-01-01", valid_to="2024-03-20")
    add_person(ws, "mover", department="Finance", valid_from="2024-03-20", valid_to="2024-05-01")
    add_person(ws, "mover", department="Legal", valid_from="2024-05-01")
    add_person(ws, "leaver", department="Ops", valid_from="2020-01-01", valid_to="2024-03-10")
    add_person(ws, "leaver", department="IT", valid_from="2024-03-10", exit_date="2024-03-05")
    add_person(ws, "late-record", department="HR", valid_from="2024-06-01", hire_date="2019-01-01")
    r = roster_at(ws.db, MARCH)
    got = dict(zip(r["person"].tolist(), r["department"]))
    # valid on March 31; on the exit day for who left; else the earliest record
    assert got == {"mover": "Finance", "leaver": "Ops", "late-record": "HR"}


def test_attributes_become_group_dimensions(ws, add_person):
    add_person(ws, "a", attributes='{"site": "Lyon", "remote": true, "skills": ["x"]}')
    add_person(ws, "b", attributes='{"site": "Oslo"}')
    r = roster_at(ws.db, MARCH)
    assert group_dimensions(r) == ["department", "team", "location", "level", "attr:remote", "attr:site"]
    assert r["attr:site"] == ["Lyon", "Oslo"] and r["attr:remote"] == ["True", None]
