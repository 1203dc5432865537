"""A seeded synthetic organization, imported and analysed once for the programs' tests."""

from __future__ import annotations

import pytest

from socialhr import ingest, synth
from socialhr.network.analyze import analyze
from socialhr.workspace import Workspace


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    """A 600-person synthetic organization (seed 3), analysed in monthly windows; the workspace path and synth info."""
    root = tmp_path_factory.mktemp("org")
    info = synth.synthesize(root / "source", people=600, seed=3, weeks=10)
    with Workspace.init(root / "ws") as ws:
        ingest.ingest(ws, "roster", info["files"]["roster"], attributes=["employment_type"])
        ingest.ingest(ws, "interactions", info["files"]["interactions"])
        analyze(ws, window="month")
    return root / "ws", info


@pytest.fixture
def org_ws(org, tmp_path):
    """A private copy of the analysed workspace, open (tests may store program runs in it)."""
    import shutil

    path = tmp_path / "ws"
    shutil.copytree(org[0], path)
    ws = Workspace.open(path)
    yield ws
    ws.close()
