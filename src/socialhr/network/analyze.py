"""``socialhr analyze``: aggregate the network of every window, measure it, store the results.

>>> import tempfile, pathlib
>>> from socialhr.workspace import Workspace
>>> ws = Workspace.init(pathlib.Path(tempfile.mkdtemp()) / "ws")
>>> analyze(ws)
Traceback (most recent call last):
...
socialhr.errors.SocialHRError: nothing to analyze: the workspace has no interactions or ties. Import collaboration data first, e.g. socialhr ingest DIR interactions messages.csv
>>> ws.close()
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import SETTINGS, validate
from ..errors import SocialHRError
from . import store
from .aggregate import ALL_CHANNELS, aggregate, data_span
from .brokerage import brokerage_roles
from .communities import leiden_communities
from .graph import WindowGraph, pair_positions
from .org_metrics import channel_metrics, whole_network_figures
from .person_metrics import codes, local_metrics, start_shortest_path_metrics, tie_counts, with_shortest_paths
from .roster import DIMENSIONS, group_dimensions, roster_at
from .windows import WINDOW_NAMES, Window, check_spec, make_windows, window_count


@dataclass(frozen=True)
class NetworkOptions:
    """The settings the network engine reads (names as in socialhr.toml)."""

    # (Defaults from the one settings registry.)
    tie_min_interactions: int = SETTINGS["tie_min_interactions"].default
    strong_tie_weight: float = SETTINGS["strong_tie_weight"].default
    exact_betweenness_limit: int = SETTINGS["exact_betweenness_limit"].default
    betweenness_samples: int = SETTINGS["betweenness_samples"].default
    network_seed: int = SETTINGS["network_seed"].default
    leiden_resolution: float = SETTINGS["leiden_resolution"].default
    shrink_threshold: float = SETTINGS["shrink_threshold"].default
    shrink_min_ties: int = SETTINGS["shrink_min_ties"].default
    joiner_days: int = SETTINGS["joiner_days"].default
    isolation_share: float = SETTINGS["isolation_share"].default
    network_workers: int = SETTINGS["network_workers"].default
    min_group_size: int = SETTINGS["min_group_size"].default

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> "NetworkOptions":
        """The options from workspace settings, checked by the one settings registry (:mod:`socialhr.config`)."""
        names = list(asdict(cls()))
        values = validate({name: settings[name] for name in names if name in settings})
        return cls(**{name: values[name] for name in names})


def analyze(ws: Any, *, window: str = "month", engine: str = "duckdb", progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Aggregate, measure and store the network of every window; return a summary.

    Parameters
    ----------
    ws : socialhr.workspace.Workspace
    window : str, keyword-only
        ``month`` (default), ``week``, ``quarter``, ``Nd`` (e.g. ``14d``) or ``all``.
    engine : {"duckdb", "spark"}, keyword-only
        Where the aggregation runs; the metrics always run here.
    progress : callable, keyword-only
        Called with a short message as each step starts.

    Returns
    -------
    dict
        ``windows`` (per window: id, dates, people, ties, how betweenness was
        computed), ``engine``, ``seconds``, the settings used, and what the
        disclosure rules withhold at the current minimum group size
        (``groups_withheld``, ``disclosure``: per window). The results are in the tables of :mod:`socialhr.network.store`.

    Raises
    ------
    SocialHRError
        When there is nothing to analyze, or the window or engine is unknown.
    """
    started = time.perf_counter()
    say = progress or (lambda message: None)
    spec = check_spec(window)
    opts = NetworkOptions.from_settings(ws.settings)
    span = data_span(ws.db)
    if span is None:
        raise SocialHRError("nothing to analyze: the workspace has no interactions or ties", hint="Import collaboration data first, e.g. socialhr ingest DIR interactions messages.csv")
    _check_window_count(spec, *span, limit=ws.settings["analysis_max_windows"])
    windows = make_windows(spec, *span)
    say(f"Aggregating {len(windows)} window(s) on {engine}")
    edges, agg_meta = aggregate(ws, windows, engine=engine, min_interactions=opts.tie_min_interactions)
    by_window = _split(edges, "window_id")

    results = []
    for i, w in enumerate(windows):
        say(f"Measuring window {w.id} ({i + 1}/{len(windows)})")
        results.append(analyze_window(ws.db, w, by_window.get(w.id, edges.slice(0, 0)), opts))

    say("Storing results")
    summary = {
        "window_spec": spec,
        "engine": engine,
        "aggregation_seconds": agg_meta["seconds"],
        "windows": [r["summary"] for r in results],
        "settings": asdict(opts),
    }
    with ws.transaction() as db:
        store.reset(db)
        for ordinal, r in enumerate(results):
            _store_window(db, ordinal, r)
        store.build_trends(db, shrink_threshold=opts.shrink_threshold, shrink_min_ties=opts.shrink_min_ties, joiner_days=opts.joiner_days)
        summary["seconds"] = round(time.perf_counter() - started, 3)
        store.insert(db, "network_analysis", [{
            "analyzed_at": dt.datetime.now(dt.timezone.utc), "window_spec": spec, "engine": engine,
            "settings": json.dumps(asdict(opts)), "summary": json.dumps(summary, default=str),
        }])
    summary.update(disclosure_summary(ws))
    summary["seconds"] = round(time.perf_counter() - started, 3)
    return summary


def disclosure_summary(ws: Any) -> dict[str, Any]:
    """What the disclosure rules withhold from the stored analysis at the current minimum group size.

    (Group figures are measured when read, so this is what an export made now would withhold.)
    """
    from ..results import aggregates

    plans = aggregates(ws).plans()
    per_window = {
        wid: {"groups_withheld": len(p.withheld), "organization_shown": p.organization_shown}
        for wid, p in plans.items()
    }
    return {
        "min_group_size": ws.settings["min_group_size"],
        "groups_withheld": sum(v["groups_withheld"] for v in per_window.values()),
        "disclosure": per_window,
    }


def _check_window_count(spec: str, first: dt.date, last: dt.date, *, limit: int) -> None:
    """Refuse more windows than ``limit`` (analysis_max_windows) before any is made: each is a whole network
    analysis held in memory until all are stored, and one stray date (an event in 1900) makes thousands."""
    count = window_count(spec, first, last)
    if count > limit:
        name = WINDOW_NAMES.get(spec, f"{spec[:-1]}-day")
        raise SocialHRError(
            f"the interactions span {first.isoformat()} to {last.isoformat()}: {count:,} {name} windows, more than the "
            f"{limit:,} one analysis computes",
            hint="Each window is a whole network analysis, held in memory until it is stored. Use a coarser window "
                 "(--window quarter, or --window all for one window), or raise the analysis_max_windows setting; if a "
                 "few stray dates stretch the span, find the import that holds them (socialhr status).")


def analyze_window(db: Any, w: Window, edges: pa.Table, opts: NetworkOptions) -> dict[str, Any]:
    """Every metric of one window; the rows to store and a summary."""
    roster = roster_at(db, w)
    nodes = roster["person"]
    channels = _split(edges, "channel")
    all_edges = channels.pop(ALL_CHANNELS, edges.slice(0, 0))
    wg = _graph(nodes, all_edges)
    n = wg.n

    workers = opts.network_workers or os.cpu_count() or 1
    # The shortest-path searches run in worker processes while everything that does not need them is computed here.
    finish = start_shortest_path_metrics(
        wg, exact_limit=opts.exact_betweenness_limit, samples=opts.betweenness_samples, seed=opts.network_seed, workers=workers
    )
    local = local_metrics(wg)
    community = leiden_communities(wg, seed=opts.network_seed, resolution=opts.leiden_resolution)
    dept, team = codes(roster["department"]), codes(roster["team"])
    local.update(tie_counts(wg, team=team, department=dept, community=community, strong_weight=opts.strong_tie_weight))
    local.update(brokerage_roles(wg, dept))
    isolated = isolated_people(local["network_size"], share=opts.isolation_share)

    # Groups are measured when results are read (socialhr.results), under the
    # disclosure rules in force then; the window keeps who belonged to which group.
    attributes = [{"window_id": w.id, "person": p, "dimension": dim, "group": str(v)}
                  for dim in group_dimensions(roster) if dim not in DIMENSIONS
                  for p, v in zip(nodes.tolist(), roster[dim]) if v is not None]

    channel_rows = []
    edge_tables = [_edge_rows(w, ALL_CHANNELS, wg, all_edges, opts)]
    for channel in sorted(channels):
        cg = _graph(nodes, channels[channel])
        channel_rows.append({"channel": channel, "people": n, **channel_metrics(cg)})
        edge_tables.append(_edge_rows(w, channel, cg, channels[channel], opts))

    person, meta = with_shortest_paths(local, finish)
    org = whole_network_figures(wg, person, community=community, department=dept, team=team, isolated=isolated,
                                strong_weight=opts.strong_tie_weight)
    org_rows = [org, *channel_rows]

    people = {
        "window_id": pa.array([w.id] * n, pa.string()),
        "person": pa.array(nodes.tolist(), pa.string()),
        **{k: pa.array(roster[k], pa.string()) for k in ("department", "team", "location", "level")},
        "hire_date": pa.array(roster["hire_date"], pa.date32()),
        "community": pa.array(community, pa.int32()),
        "isolated": pa.array(isolated),
        **{k: pa.array(np.where(np.isnan(v), None, v) if v.dtype.kind == "f" else v) for k, v in person.items()},
    }
    summary = {
        "window_id": w.id, "start": w.start.isoformat(), "end": w.end.isoformat(), "people": n, "ties": len(wg.src),
        "communities": org["communities"],
        "betweenness": meta["betweenness"], "harmonic_closeness": meta["harmonic_closeness"],
    }
    return {
        "window": w, "summary": summary, "people": pa.table(people), "edges": pa.concat_tables(edge_tables),
        "org": [dict(r, window_id=w.id) for r in org_rows], "attributes": attributes,
        "communities": _community_rows(w, wg, community, dept),
    }


def isolated_people(network_size: np.ndarray, *, share: float) -> np.ndarray:
    """Who is flagged isolated: no tie at all, or at most ``share`` times the window's median network size.

    A relative threshold, so that weekly and quarterly windows flag alike.

    >>> isolated_people(np.array([0, 1, 2, 10, 12, 14, 20]), share=0.15).tolist()
    [True, True, False, False, False, False, False]
    """
    if len(network_size) == 0:
        return np.zeros(0, dtype=bool)
    return (network_size == 0) | (network_size <= share * float(np.median(network_size)))


def _split(table: pa.Table, column: str) -> dict[str, pa.Table]:
    """Rows of ``table`` by value of ``column``."""
    if table.num_rows == 0:
        return {}
    return {v: table.filter(pc.equal(table[column], v)) for v in pc.unique(table[column]).to_pylist()}


def _graph(nodes: np.ndarray, edges: pa.Table) -> WindowGraph:
    return WindowGraph.build(
        nodes,
        edges["source"].to_numpy(zero_copy_only=False),
        edges["target"].to_numpy(zero_copy_only=False),
        edges["weight"].to_numpy(zero_copy_only=False),
    )


def _edge_rows(w: Window, channel: str, wg: WindowGraph, edges: pa.Table, opts: NetworkOptions) -> pa.Table:
    """The window's ties between its people, with reciprocity and strength flags."""
    n = wg.n
    keys = wg.src * n + wg.dst
    back = pair_positions(keys, n, wg.dst, wg.src)
    reciprocated = back >= 0
    strong = reciprocated.copy()
    strong[reciprocated] = np.minimum(wg.weight[reciprocated], wg.weight[back[reciprocated]]) >= opts.strong_tie_weight
    interactions = np.zeros(len(keys), dtype=np.int64)
    if edges.num_rows and len(keys):
        si = np.searchsorted(wg.nodes, edges["source"].to_numpy(zero_copy_only=False).astype(str))
        ti = np.searchsorted(wg.nodes, edges["target"].to_numpy(zero_copy_only=False).astype(str))
        si, ti = np.minimum(si, n - 1), np.minimum(ti, n - 1)
        pos = pair_positions(keys, n, si, ti)
        ok = pos >= 0
        interactions[pos[ok]] = edges["interactions"].to_numpy(zero_copy_only=False)[ok]
    return pa.table({
        "window_id": pa.array([w.id] * len(keys), pa.string()),
        "channel": pa.array([channel] * len(keys), pa.string()),
        "source": pa.array(wg.nodes[wg.src].tolist(), pa.string()),
        "target": pa.array(wg.nodes[wg.dst].tolist(), pa.string()),
        "weight": pa.array(wg.weight, pa.float64()),
        "interactions": pa.array(interactions, pa.int64()),
        "reciprocated": pa.array(reciprocated),
        "strong": pa.array(strong),
    })


def _community_rows(w: Window, wg: WindowGraph, community: np.ndarray, dept: np.ndarray) -> list[dict[str, Any]]:
    """Per community: size, ties inside, and how far one department dominates it."""
    if wg.n == 0:
        return []
    k = int(community.max()) + 1
    size = np.bincount(community, minlength=k)
    a, b, _ = wg.undirected_pairs()
    same = community[a] == community[b]
    internal = np.bincount(community[a[same]], minlength=k) // 2
    rows = []
    known = dept >= 0
    for c in range(k):
        members = (community == c) & known
        counts = np.bincount(dept[members]) if members.any() else np.zeros(0)
        rows.append({
            "window_id": w.id, "community": c, "size": int(size[c]), "internal_ties": int(internal[c]),
            "largest_department_share": float(counts.max() / members.sum()) if members.any() else None,
            "departments": int((counts > 0).sum()),
        })
    return rows


def _store_window(db: Any, ordinal: int, r: dict[str, Any]) -> None:
    w = r["window"]
    s = r["summary"]
    store.insert(db, "network_windows", [{
        "window_id": w.id, "ordinal": ordinal, "window_start": w.start, "window_end": w.end, "people": s["people"],
        "ties": s["ties"], "metadata": json.dumps({"betweenness": s["betweenness"], "harmonic_closeness": s["harmonic_closeness"]}),
    }])
    store.insert(db, "person_metrics", r["people"])
    store.insert(db, "network_edges", r["edges"])
    store.insert(db, "org_metrics", r["org"])
    store.insert(db, "window_attributes", r["attributes"])
    store.insert(db, "communities", r["communities"])
