"""On a synthetic organization with planted answers: brokers rank high, isolated people are flagged."""

from __future__ import annotations

import json

import pytest

synth = pytest.importorskip("socialhr.synth")
ingest = pytest.importorskip("socialhr.ingest")

from socialhr.network.analyze import analyze  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("window", ["all", "month"])
def test_planted_brokers_and_isolated_people(ws, tmp_path, window):
    info = synth.synthesize(tmp_path / "org", people=400, seed=3, weeks=8)
    ingest.ingest(ws, "roster", info["files"]["roster"])
    ingest.ingest(ws, "interactions", info["files"]["interactions"])
    truth = json.loads(open(info["files"]["ground_truth"]).read())
    analyze(ws, window=window)
    employee = ws.vault.employee_ids()
    last = ws.db.execute("SELECT window_id FROM network_windows ORDER BY ordinal DESC LIMIT 1").fetchone()[0]
    rows = ws.db.execute(
        "SELECT person, percent_rank() OVER (ORDER BY betweenness DESC), isolated FROM person_metrics WHERE window_id = ?", [last]
    ).fetchall()
    rank = {employee[p]: r for p, r, _ in rows}
    flagged = {employee[p] for p, _, iso in rows if iso}
    brokers = [b for b in truth["brokers"] if b in rank]
    assert brokers, "the synthetic organization plants brokers"
    assert all(rank[b] < 0.10 for b in brokers), {b: rank[b] for b in brokers}
    isolated = {i for i in truth["isolated"] if i in rank}
    assert isolated and isolated <= flagged
    assert len(flagged - isolated) <= len(isolated), "the flag is not handed out to everyone"
