"""The report's charts: Altair (Vega-Lite) specs rendered to SVG by vl-convert, offline.

Each function takes rows already read through the read path and returns an
SVG string (or "" when there is nothing to draw).
"""

from __future__ import annotations

import base64
from typing import Any

import pandas as pd

WIDTH = 520
PALETTE = ["#1f5f8b", "#e07b39", "#4c9a6a", "#b5485d", "#7a5ea8", "#c9a227", "#3f8f9f", "#8c6d46", "#5b6770", "#d16ba5",
           "#6b8e23", "#9f5f2f"]


def _svg(chart: Any) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())


def index_trend(trend: list[dict[str, Any]]) -> str:
    import altair as alt

    rows = [r for r in trend if r.get("index") is not None]
    if len(rows) < 2:
        return ""
    df = pd.DataFrame({"window": [r["window_id"] for r in rows], "index": [r["index"] for r in rows]})
    lo, hi = min(90.0, df["index"].min() - 2), max(110.0, df["index"].max() + 2)
    base = alt.Chart(df).encode(x=alt.X("window:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
                                y=alt.Y("index:Q", title="Social capital index", scale=alt.Scale(domain=[lo, hi])))
    rule = alt.Chart(pd.DataFrame({"y": [100]})).mark_rule(strokeDash=[4, 4], color="#999").encode(y="y:Q")
    return _svg((base.mark_line(color=PALETTE[0], strokeWidth=3) + base.mark_point(color=PALETTE[0], filled=True, size=60) + rule)
                .properties(width=WIDTH, height=120))


def department_index(departments: list[dict[str, Any]]) -> str:
    """Each department's index as a dot against the organization's 100."""
    import altair as alt

    rows = [r for r in departments if r.get("index") is not None]
    if not rows:
        return ""
    df = pd.DataFrame({"department": [r["group"] for r in rows], "index": [r["index"] for r in rows]})
    lo, hi = min(90.0, df["index"].min() - 2), max(110.0, df["index"].max() + 2)
    scale = alt.Scale(domain=[lo, hi], zero=False)
    x = alt.X("index:Q", title="Social capital index (100 = organization)", scale=scale)
    y = alt.Y("department:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200))
    dots = alt.Chart(df).mark_point(filled=True, size=90, color=PALETTE[0]).encode(x=x, y=y)
    rule = alt.Chart(pd.DataFrame({"index": [100]})).mark_rule(color="#333").encode(x=alt.X("index:Q", scale=scale))
    return _svg((rule + dots).properties(width=WIDTH, height=max(60, 22 * len(rows))))


def silos(groups: list[dict[str, Any]]) -> str:
    import altair as alt

    if not groups:
        return ""
    df = pd.DataFrame({"department": [g["group"] for g in groups], "silo score": [g["silo_score"] for g in groups]})
    chart = alt.Chart(df).mark_bar(color=PALETTE[1]).encode(
        y=alt.Y("department:N", sort="-x", title=None), x=alt.X("silo score:Q", title="Silo score (0 = as chance, 1 = all inside)"))
    return _svg(chart.properties(width=WIDTH, height=max(60, 22 * len(groups))))


def onboarding(benchmark: list[dict[str, Any]]) -> str:
    import altair as alt

    if not benchmark:
        return ""
    df = pd.DataFrame({"week": [r["week"] for r in benchmark], "median": [r["ties_median"] for r in benchmark],
                       "q1": [r["ties_q1"] for r in benchmark], "q3": [r["ties_q3"] for r in benchmark]})
    base = alt.Chart(df).encode(x=alt.X("week:Q", title="Week since start", axis=alt.Axis(tickMinStep=1)))
    band = base.mark_area(opacity=0.25, color=PALETTE[2]).encode(y=alt.Y("q1:Q", title="Ties (earlier joiners)"), y2="q3:Q")
    line = base.mark_line(color=PALETTE[2], strokeWidth=3).encode(y="median:Q")
    return _svg((band + line).properties(width=WIDTH, height=180))


# Network metrics in words, for charts a reader outside people analytics reads (docs/metrics.md defines each).
METRIC_WORDS = {
    "isolated": "isolated (bottom 10%)", "network_size": "network size",
    "network_size_external": "ties outside the team", "network_size_internal": "ties inside the team",
    "strong_ties": "strong ties", "diverse_ties": "ties to other groups", "constraint": "constraint (closed network)",
    "effective_size": "effective size (brokerage)", "betweenness": "betweenness (bridging)", "pagerank": "PageRank (reach)",
    "harmonic_closeness": "closeness", "clustering": "clustering", "reciprocated_ties": "reciprocated ties",
}


def in_words(metric: str) -> str:
    """A metric's name as a reader says it."""
    return METRIC_WORDS.get(metric, metric.replace("_", " "))


def effects(rows: list[dict[str, Any]]) -> str:
    """A forest plot of the attrition hazard ratios with their 95% intervals."""
    import altair as alt

    rows = [r for r in rows if r["outcome"] == "attrition" and r.get("estimate") is not None]
    if not rows:
        return ""
    df = pd.DataFrame({"metric": [in_words(r["metric"]) for r in rows], "hr": [r["estimate"] for r in rows],
                       "lo": [r["ci_low"] for r in rows], "hi": [r["ci_high"] for r in rows]})
    title = "Hazard ratio of leaving (95% interval, log scale)"
    scale = alt.Scale(type="log", domain=[min(0.9, df["lo"].min() * 0.9), max(1.1, df["hi"].max() * 1.1)])
    x = alt.X("hr:Q", title=title, scale=scale)
    base = alt.Chart(df).encode(y=alt.Y("metric:N", title=None, sort=None, axis=alt.Axis(labelLimit=200)))
    ci = base.mark_rule(color="#555").encode(x=alt.X("lo:Q", scale=scale, title=title), x2="hi:Q")
    point = base.mark_point(filled=True, size=70, color=PALETTE[3]).encode(x=x)
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4], color="#999").encode(x="x:Q")
    # (narrower than the page, with room on the left: the labels take it)
    return _svg((ci + point + one).properties(width=WIDTH - 160, height=max(60, 24 * len(rows)),
                                              padding={"left": 40, "top": 5, "right": 10, "bottom": 5}))


def network_map(people: list[tuple[str, str | None]], edges: list[tuple[str, str]], min_group_size: int, *,
                max_edges: int = 6000, seed: int = 7) -> str:
    """A map of a window's network (``people``: pseudonym and department; ``edges``: pairs, both read through the
    read path), people as dots coloured by department (departments smaller than the minimum group size as 'other'),
    laid out by igraph's Fruchterman-Reingold; a PNG as a data URI, with no names or labels."""
    import altair as alt
    import igraph as ig
    import numpy as np
    import vl_convert as vlc

    if len(people) < min_group_size:
        return ""
    index = {p: i for i, (p, _) in enumerate(people)}
    pairs = sorted({(min(index[a], index[b]), max(index[a], index[b])) for a, b in edges if a in index and b in index and a != b})
    g = ig.Graph(n=len(people), edges=pairs)
    rng = np.random.default_rng(seed)
    layout = np.array(g.layout_fruchterman_reingold(niter=300, seed=rng.random((len(people), 2)).tolist()).coords)
    depts = [d or "unknown" for _, d in people]
    sizes: dict[str, int] = {}
    for d in depts:
        sizes[d] = sizes.get(d, 0) + 1
    labels = [d if sizes[d] >= min_group_size else "other" for d in depts]
    nodes = pd.DataFrame({"x": layout[:, 0], "y": layout[:, 1], "department": labels})
    shown = pairs if len(pairs) <= max_edges else [pairs[i] for i in rng.choice(len(pairs), max_edges, replace=False)]
    e = np.array(shown, dtype=np.int64).reshape(-1, 2)
    lines = pd.DataFrame({"x": layout[e[:, 0], 0], "y": layout[e[:, 0], 1], "x2": layout[e[:, 1], 0], "y2": layout[e[:, 1], 1]})
    plain = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    edge_layer = alt.Chart(lines).mark_rule(opacity=0.06, color="#555", strokeWidth=0.5).encode(
        x=alt.X("x:Q", axis=plain), y=alt.Y("y:Q", axis=plain), x2="x2:Q", y2="y2:Q")
    node_layer = alt.Chart(nodes).mark_circle(size=14, opacity=0.85).encode(
        x=alt.X("x:Q", axis=plain), y=alt.Y("y:Q", axis=plain),
        color=alt.Color("department:N", scale=alt.Scale(range=PALETTE), legend=alt.Legend(title="Department", orient="right")))
    chart = (edge_layer + node_layer).properties(width=560, height=460).configure_view(strokeWidth=0)
    with alt.data_transformers.disable_max_rows():
        spec = chart.to_json()
    png = vlc.vegalite_to_png(spec, scale=1.5)
    return "data:image/png;base64," + base64.b64encode(png).decode()
