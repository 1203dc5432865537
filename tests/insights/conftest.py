"""Seeded synthetic organizations with a planted attrition effect, imported and analysed once for the insights' tests."""

from __future__ import annotations

import json

import pytest

from socialhr import ingest, synth
from socialhr.network.analyze import analyze
from socialhr.workspace import Workspace


def build(root, *, people: int, seed: int, attrition_hr: float):
    """Synthesize, import roster, interactions and outcomes, and analyse in 28-day windows (the first is the
    generator's network-size window); the workspace path and the ground truth."""
    info = synth.synthesize(root / "source", people=people, seed=seed, weeks=8, attrition_hr=attrition_hr)
    with Workspace.init(root / "ws") as ws:
        ingest.ingest(ws, "roster", info["files"]["roster"])
        ingest.ingest(ws, "interactions", info["files"]["interactions"])
        ingest.ingest(ws, "outcomes", info["files"]["outcomes"])
        analyze(ws, window="28d")
    truth = json.loads((root / "source" / "ground_truth.json").read_text())
    return root / "ws", truth


@pytest.fixture(scope="session")
def planted(tmp_path_factory):
    """1,500 people, seed 5, a planted hazard ratio of 3 for the bottom decile of network size."""
    return build(tmp_path_factory.mktemp("planted"), people=1500, seed=5, attrition_hr=3.0)


@pytest.fixture
def planted_ws(planted):
    ws = Workspace.open(planted[0])
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def null_planted(tmp_path_factory):
    """1,200 people, seed 1000, no planted effect (hazard ratio 1)."""
    return build(tmp_path_factory.mktemp("null"), people=1200, seed=1000, attrition_hr=1.0)


@pytest.fixture(scope="session")
def joiners_org(tmp_path_factory):
    """600 people over 20 weeks ending on the last day of September, in monthly windows: joiners hired from May
    reach their week 8 in the complete windows of July, August and September."""
    import datetime as dt

    root = tmp_path_factory.mktemp("joiners")
    info = synth.synthesize(root / "source", people=600, seed=11, weeks=20, end_date=dt.date(2026, 9, 30))
    with Workspace.init(root / "ws") as ws:
        ingest.ingest(ws, "roster", info["files"]["roster"])
        ingest.ingest(ws, "interactions", info["files"]["interactions"])
        analyze(ws, window="month")
    return root / "ws"
