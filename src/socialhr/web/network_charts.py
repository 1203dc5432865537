"""Chart specifications for the HR pages, made with Altair and drawn by Vega-Lite in the browser.

Each function takes rows already read through the one read path and returns a
Vega-Lite specification (a dict, JSON-ready); the page draws it with
``SocialHR.embedChart``. Nothing here reads the workspace.
"""

from __future__ import annotations

from typing import Any, Sequence

import altair as alt

# Organization metrics the overview's trend chart shows by default, with the words a reader sees.
TREND_METRICS: dict[str, str] = {
    "mean_degree": "ties per person",
    "isolated_people": "isolated people",
    "strong_ties": "strong ties",
    "lcc_share": "share in the largest connected group",
    "nmi_department": "communities that follow departments (NMI)",
    "gini_strength": "inequality of collaboration (Gini)",
}
MATRIX_MEASURES = {
    "share": "share of the row group's ties",
    "ties": "ties",
    "weight": "tie weight",
}


def group_matrix_spec(rows: Sequence[dict[str, Any]], *, dimension: str, measure: str = "share") -> dict[str, Any]:
    """A heat map of ties from each group (rows) to each group (columns); only the groups in ``rows`` appear.

    ``measure`` ``share`` colours each cell by the share of the row group's ties
    that go to the column group (so large and small groups compare), ``ties``
    and ``weight`` by the raw figures. Every cell's tooltip gives all three.

    >>> spec = group_matrix_spec([{"from_group": "A", "to_group": "B", "ties": 3, "weight": 4.0},
    ...                           {"from_group": "A", "to_group": "A", "ties": 1, "weight": 1.0}], dimension="team")
    >>> sorted({v["from_group"] for v in spec["data"]["values"]}), spec["mark"]["type"]
    (['A'], 'rect')
    """
    out_ties: dict[str, float] = {}
    for r in rows:
        out_ties[r["from_group"]] = out_ties.get(r["from_group"], 0) + (r["ties"] or 0)
    values = [{"from_group": r["from_group"], "to_group": r["to_group"], "ties": r["ties"], "weight": round(r["weight"] or 0.0, 2),
               "share": round((r["ties"] or 0) / out_ties[r["from_group"]], 4) if out_ties[r["from_group"]] else 0.0}
              for r in rows]
    groups = sorted({v["from_group"] for v in values} | {v["to_group"] for v in values})
    step = 22 if len(groups) <= 30 else 12
    title = MATRIX_MEASURES[measure]
    chart = alt.Chart(alt.Data(values=values)).mark_rect().encode(
        x=alt.X("to_group:N", sort=groups, title=f"to {dimension}", axis=alt.Axis(labelAngle=-45, labelLimit=160)),
        y=alt.Y("from_group:N", sort=groups, title=f"from {dimension}", axis=alt.Axis(labelLimit=160)),
        color=alt.Color(f"{measure}:Q", title=title, scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(format=".0%" if measure == "share" else ",.0f")),
        tooltip=[alt.Tooltip("from_group:N", title="from"), alt.Tooltip("to_group:N", title="to"),
                 alt.Tooltip("ties:Q", format=","), alt.Tooltip("share:Q", format=".1%", title="share of the row's ties"),
                 alt.Tooltip("weight:Q", format=",.0f")],
    ).properties(width=alt.Step(step), height=alt.Step(step))
    return chart.to_dict(validate=False)


def org_trends_spec(rows: Sequence[dict[str, Any]], *, metrics: Sequence[str] | None = None) -> dict[str, Any]:
    """Small multiples of organization metrics over windows (one panel per metric, each with its own scale).

    >>> spec = org_trends_spec([{"window_id": "2024-01", "mean_degree": 3.0}, {"window_id": "2024-02", "mean_degree": 3.5}],
    ...                        metrics=["mean_degree"])
    >>> [v["value"] for v in spec["data"]["values"]]
    [3.0, 3.5]
    """
    metrics = list(metrics or TREND_METRICS)
    values = [{"window": r["window_id"], "metric": TREND_METRICS.get(m, m), "value": r.get(m)}
              for r in sorted(rows, key=lambda r: r["window_id"]) for m in metrics if r.get(m) is not None]
    base = alt.Chart(alt.Data(values=values)).mark_line(point=True).encode(
        x=alt.X("window:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("metric:N"), alt.Tooltip("window:O"), alt.Tooltip("value:Q", format=",.3~f")],
    ).properties(width=220, height=120)
    chart = base.facet(facet=alt.Facet("metric:N", title=None, sort=[TREND_METRICS.get(m, m) for m in metrics]), columns=3)
    return chart.resolve_scale(y="independent").to_dict(validate=False)


__all__ = ["group_matrix_spec", "org_trends_spec", "TREND_METRICS", "MATRIX_MEASURES"]
