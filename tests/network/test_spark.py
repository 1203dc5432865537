"""The same Ibis aggregation on Spark (local mode) and on DuckDB gives the same network."""

from __future__ import annotations

import importlib.util
import random

import pytest

from socialhr.network.aggregate import aggregate, data_span
from socialhr.network.windows import make_windows

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="PySpark is not installed"),
]


def rows(table):
    return sorted((r["window_id"], r["channel"], r["source"], r["target"], r["interactions"], r["weight"]) for r in table.to_pylist())


def test_spark_and_duckdb_aggregate_identically(ws, add_person, add_interaction, add_identity):
    rng = random.Random(9)
    people = [f"{i:016x}" for i in range(60)]
    for p in people:
        add_person(ws, p)
    add_identity(ws, "tok", "email", people[3], "person")
    add_identity(ws, "ext", "email", None, "external")
    for _ in range(800):
        kind = rng.choice(["message", "message", "meeting", "broadcast", "reply"])
        sender = rng.choice(people + ["tok"])
        recipients = rng.sample(people + ["tok", "ext"], rng.randint(1, 6))
        add_interaction(ws, f"2024-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:30:00+05",
                        sender, recipients, channel=rng.choice(["email", "chat", "calendar"]), kind=kind)
    ws.db.execute("INSERT INTO ties VALUES (1, ?, ?, '2024-02-01', '2024-03-31', 1.5, 'p2p', 'viva')", [people[1], people[2]])
    span = data_span(ws.db)
    for spec, min_interactions in (("month", 1), ("week", 1), ("all", 2)):
        windows = make_windows(spec, *span)
        duck, _ = aggregate(ws, windows, engine="duckdb", min_interactions=min_interactions)
        spark, meta = aggregate(ws, windows, engine="spark", min_interactions=min_interactions)
        assert meta["engine"] == "spark"
        assert duck.num_rows > 100
        assert rows(duck) == rows(spark), spec
