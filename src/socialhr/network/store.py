"""Where network results are kept: derived tables in the analytics database.

The tables below are *derived*: ``analyze`` drops and rebuilds all of them in
one transaction, so they always describe one run (recorded in
``network_analysis``) and never need a schema migration. They hold
pseudonyms only, like the rest of the analytics database. docs/metrics.md
defines every column.

Group figures, and the organization figures that leave the workspace, are not
stored: :mod:`socialhr.results` computes them when they are read, under the
disclosure rules and the minimum group size in force then. ``org_metrics``
here is each window's whole network before those rules, for analysts.
"""

from __future__ import annotations

from typing import Any, Iterable

import pyarrow as pa

from ..errors import SocialHRError
from ..sql import quote_identifier

PERSON_COLUMNS = [
    "degree_in", "degree_out", "strength_in", "strength_out", "pagerank", "betweenness", "harmonic_closeness",
    "clustering", "constraint", "effective_size", "network_size", "network_size_internal", "network_size_external",
    "reciprocated_ties", "strong_ties", "diverse_ties", "brokerage_coordinator", "brokerage_consultant",
    "brokerage_representative", "brokerage_gatekeeper", "brokerage_liaison",
]
_INT = {
    "degree_in", "degree_out", "network_size", "network_size_internal", "network_size_external",
    "reciprocated_ties", "strong_ties", "diverse_ties", "brokerage_coordinator", "brokerage_consultant",
    "brokerage_representative", "brokerage_gatekeeper", "brokerage_liaison",
}
ORG_COLUMNS = [
    "people", "active_people", "ties", "undirected_ties", "weight", "mean_degree", "density", "reciprocity", "strong_ties",
    "isolated_people", "people_without_ties", "lcc_share", "degree_centralization", "betweenness_centralization", "gini_strength",
    "top5_tie_share", "top5_strength_share", "communities", "modularity_communities", "nmi_department",
    "ari_department", "nmi_team", "ari_team", "modularity_department", "modularity_team",
]
_ORG_INT = {"people", "active_people", "ties", "undirected_ties", "strong_ties", "isolated_people", "people_without_ties", "communities"}
TREND_METRICS = [
    "network_size", "degree_in", "degree_out", "strength_in", "strength_out", "pagerank", "betweenness",
    "harmonic_closeness", "clustering", "constraint", "effective_size", "strong_ties", "diverse_ties",
]

TABLES: dict[str, str] = {
    "network_analysis": """(analyzed_at TIMESTAMPTZ, window_spec VARCHAR, engine VARCHAR, settings JSON, summary JSON)""",
    "network_windows": """(window_id VARCHAR, ordinal INTEGER, window_start DATE, window_end DATE,
        people INTEGER, ties INTEGER, metadata JSON)""",
    "network_edges": """(window_id VARCHAR, channel VARCHAR, source VARCHAR, target VARCHAR, weight DOUBLE,
        interactions BIGINT, reciprocated BOOLEAN, strong BOOLEAN)""",
    "person_metrics": "(window_id VARCHAR, person VARCHAR, department VARCHAR, team VARCHAR, location VARCHAR, "
    "level VARCHAR, hire_date DATE, community INTEGER, isolated BOOLEAN, "
    + ", ".join(f'"{c}" {"INTEGER" if c in _INT else "DOUBLE"}' for c in PERSON_COLUMNS) + ")",
    "communities": """(window_id VARCHAR, community INTEGER, size INTEGER, internal_ties INTEGER,
        largest_department_share DOUBLE, departments INTEGER)""",
    # Each person's value of every roster attribute in the window (the four
    # org-chart dimensions are columns of person_metrics).
    "window_attributes": """(window_id VARCHAR, person VARCHAR, dimension VARCHAR, "group" VARCHAR)""",
    "org_metrics": "(window_id VARCHAR, channel VARCHAR, "
    + ", ".join(f"{c} {'INTEGER' if c in _ORG_INT else 'DOUBLE'}" for c in ORG_COLUMNS) + ")",
    "person_trends": "(window_id VARCHAR, previous_window_id VARCHAR, person VARCHAR, "
    + ", ".join(f"{c}_change DOUBLE" for c in TREND_METRICS)
    + ", previous_network_size INTEGER, network_shrank BOOLEAN, new_joiner BOOLEAN, joiner_growth INTEGER)",
}


def has_results(db: Any) -> bool:
    """Whether ``analyze`` has stored results in this database."""
    row = db.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'network_analysis'").fetchone()
    return bool(row[0])


def require_results(db: Any) -> None:
    """Raise a :class:`SocialHRError` that says what to do when there are no results yet."""
    if not has_results(db):
        raise SocialHRError("there are no network results yet", hint="Run: socialhr analyze DIR")


# Tables earlier versions stored, dropped by the next analysis.
OBSOLETE = ["group_metrics", "group_matrix", "group_withheld", "org_trends"]


def reset(db: Any) -> None:
    """Drop and recreate every network table (inside the caller's transaction)."""
    for name in OBSOLETE:
        db.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}")
    for name, columns in TABLES.items():
        db.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}")
        db.execute(f"CREATE TABLE {quote_identifier(name)} {columns}")


def insert(db: Any, table: str, data: pa.Table | Iterable[dict[str, Any]]) -> int:
    """Append rows (an Arrow table, or dicts) to ``table``, matching columns by name."""
    if not isinstance(data, pa.Table):
        rows = list(data)
        if not rows:
            return 0
        data = pa.Table.from_pylist(rows)
    if data.num_rows == 0:
        return 0
    db.register("_socialhr_rows", data)
    try:
        db.execute(f"INSERT INTO {quote_identifier(table)} BY NAME SELECT * FROM _socialhr_rows")
    finally:
        db.unregister("_socialhr_rows")
    return data.num_rows


def build_trends(db: Any, *, shrink_threshold: float, shrink_min_ties: int, joiner_days: int) -> None:
    """Fill person_trends from the stored windows (SQL over consecutive windows).

    A person's network *shrank* when they had at least ``shrink_min_ties``
    ties in the previous window and now have at most (1 - ``shrink_threshold``)
    times as many. A *new joiner* was hired within ``joiner_days`` days before
    the window's last day; their growth is their network size now minus in the
    previous window (0 if they were not there).
    """
    changes = ", ".join(f'c."{m}" - p."{m}" AS {m}_change' for m in TREND_METRICS)
    db.execute(
        f"""INSERT INTO person_trends BY NAME
        WITH w AS (SELECT window_id, ordinal, window_end FROM network_windows),
        pairs AS (SELECT cur.window_id, prev.window_id AS previous_window_id, cur.window_end
                  FROM w cur JOIN w prev ON prev.ordinal = cur.ordinal - 1)
        SELECT pairs.window_id, pairs.previous_window_id, c.person, {changes},
               p.network_size AS previous_network_size,
               coalesce(p.network_size >= $min_ties AND c.network_size <= (1 - $threshold) * p.network_size, FALSE) AS network_shrank,
               coalesce(c.hire_date > pairs.window_end - 1 - CAST($joiner_days AS INTEGER), FALSE) AS new_joiner,
               CASE WHEN c.hire_date > pairs.window_end - 1 - CAST($joiner_days AS INTEGER)
                    THEN c.network_size - coalesce(p.network_size, 0) END AS joiner_growth
        FROM pairs JOIN person_metrics c ON c.window_id = pairs.window_id
        LEFT JOIN person_metrics p ON p.window_id = pairs.previous_window_id AND p.person = c.person""",
        {"min_ties": shrink_min_ties, "threshold": shrink_threshold, "joiner_days": joiner_days},
    )
