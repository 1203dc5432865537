"""Network tables for ``socialhr export``, and GEXF/GraphML writers so Gephi can open the network.

Every table shows the latest window unless ``window=`` names another (or
``window="*"`` asks for every window). Importing this module registers the
tables with :mod:`socialhr.export`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..errors import SocialHRError
from ..export import exportable, read_table
from . import store
from .aggregate import ALL_CHANNELS

_EDGE_PEOPLE = {"source": "source_employee_id", "target": "target_employee_id"}


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def resolve_window(ws: Any, window: str | None = None) -> str | None:
    """The window id to show: ``window`` if it exists, else the latest; None for every window (``"*"``)."""
    store.require_results(ws.db)
    ids = [r[0] for r in ws.db.execute("SELECT window_id FROM network_windows ORDER BY ordinal").fetchall()]
    if window == "*":
        return None
    if window is None:
        if not ids:
            raise SocialHRError("the last analysis found no windows", hint="Import interactions, then run: socialhr analyze DIR")
        return ids[-1]
    if window not in ids:
        shown = ", ".join(ids[-12:])
        raise SocialHRError(f"no window '{window}' in the last analysis", hint=f"Windows: {shown}. Or re-run socialhr analyze with another --window.")
    return window


def _value_filter(ws: Any, table: str, column: str, value: str | None) -> str:
    """`` AND column = value`` for a --channel or --dimension option (empty without one).

    Refuses a value the last analysis does not have, naming those it has.
    """
    if not value:
        return ""
    known = [r[0] for r in ws.db.execute(f"SELECT DISTINCT {column} FROM {table} ORDER BY 1").fetchall()]
    if value not in known:
        raise SocialHRError(f"no {column} '{value}' in the last analysis", hint=f"{column.capitalize()}s: {', '.join(map(str, known)) or 'none'}.")
    return f" AND {column} = {_literal(value)}"


def _where(ws: Any, window: str | None, *, alias: str = "") -> str:
    wid = resolve_window(ws, window)
    return "TRUE" if wid is None else f"{alias}window_id = {_literal(wid)}"


# -- graph formats ---------------------------------------------------------

_NODE_ATTRS = [("department", "string"), ("team", "string"), ("location", "string"), ("level", "string"),
               ("community", "integer"), ("pagerank", "double"), ("betweenness", "double")]


def _graph_data(ws: Any, *, identified: bool, window: str | None, channel: str | None) -> tuple[list[dict], list[dict]]:
    if window == "*":
        raise SocialHRError("a graph file holds one window", hint="Give --window ID, or leave it out for the latest.")
    wid = resolve_window(ws, window)
    nodes = read_table(ws, "person_metrics", identified=identified, window=wid).to_pylist()
    edges = read_table(ws, "edges", identified=identified, window=wid, channel=channel or ALL_CHANNELS).to_pylist()
    return nodes, edges


def _label(row: dict, column: str, identified: bool) -> str:
    if identified:
        employee = row.get({"person": "employee_id", "source": "source_employee_id", "target": "target_employee_id"}[column])
        if employee:
            return str(employee)
    return str(row[column])


def write_gexf(ws: Any, out: str | Path, *, identified: bool = False, window: str | None = None, channel: str | None = None, **_: Any) -> int:
    """Write one window's network (channel ``all`` by default) as GEXF 1.3; return the number of edges."""
    nodes, edges = _graph_data(ws, identified=identified, window=window, channel=channel)
    ns = "http://gexf.net/1.3"
    root = ET.Element("gexf", {"xmlns": ns, "version": "1.3"})
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "socialhr"
    ET.SubElement(meta, "description").text = "Collaboration network, pseudonymised" if not identified else "Collaboration network"
    graph = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "static"})
    attrs = ET.SubElement(graph, "attributes", {"class": "node"})
    for i, (name, kind) in enumerate(_NODE_ATTRS):
        ET.SubElement(attrs, "attribute", {"id": str(i), "title": name, "type": kind})
    eattrs = ET.SubElement(graph, "attributes", {"class": "edge"})
    ET.SubElement(eattrs, "attribute", {"id": "0", "title": "interactions", "type": "integer"})
    ET.SubElement(eattrs, "attribute", {"id": "1", "title": "reciprocated", "type": "boolean"})
    xnodes = ET.SubElement(graph, "nodes")
    for row in nodes:
        node = ET.SubElement(xnodes, "node", {"id": row["person"], "label": _label(row, "person", identified)})
        values = ET.SubElement(node, "attvalues")
        for i, (name, _kind) in enumerate(_NODE_ATTRS):
            if row.get(name) is not None:
                ET.SubElement(values, "attvalue", {"for": str(i), "value": str(row[name]).lower() if isinstance(row[name], bool) else str(row[name])})
    xedges = ET.SubElement(graph, "edges")
    for i, row in enumerate(edges):
        edge = ET.SubElement(xedges, "edge", {"id": str(i), "source": row["source"], "target": row["target"], "weight": repr(float(row["weight"]))})
        values = ET.SubElement(edge, "attvalues")
        ET.SubElement(values, "attvalue", {"for": "0", "value": str(row["interactions"])})
        ET.SubElement(values, "attvalue", {"for": "1", "value": "true" if row["reciprocated"] else "false"})
    _write_xml(root, Path(out))
    return len(edges)


def write_graphml(ws: Any, out: str | Path, *, identified: bool = False, window: str | None = None, channel: str | None = None, **_: Any) -> int:
    """Write one window's network (channel ``all`` by default) as GraphML; return the number of edges."""
    nodes, edges = _graph_data(ws, identified=identified, window=window, channel=channel)
    root = ET.Element("graphml", {"xmlns": "http://graphml.graphdrawing.org/xmlns"})
    kinds = {"string": "string", "integer": "int", "double": "double"}
    for name, kind in [("label", "string")] + _NODE_ATTRS:
        ET.SubElement(root, "key", {"id": f"n_{name}", "for": "node", "attr.name": name, "attr.type": kinds[kind]})
    for name, kind in (("weight", "double"), ("interactions", "int"), ("reciprocated", "boolean")):
        ET.SubElement(root, "key", {"id": f"e_{name}", "for": "edge", "attr.name": name, "attr.type": kind})
    graph = ET.SubElement(root, "graph", {"id": "G", "edgedefault": "directed"})
    for row in nodes:
        node = ET.SubElement(graph, "node", {"id": row["person"]})
        ET.SubElement(node, "data", {"key": "n_label"}).text = _label(row, "person", identified)
        for name, _kind in _NODE_ATTRS:
            if row.get(name) is not None:
                ET.SubElement(node, "data", {"key": f"n_{name}"}).text = str(row[name])
    for row in edges:
        edge = ET.SubElement(graph, "edge", {"source": row["source"], "target": row["target"]})
        ET.SubElement(edge, "data", {"key": "e_weight"}).text = repr(float(row["weight"]))
        ET.SubElement(edge, "data", {"key": "e_interactions"}).text = str(row["interactions"])
        ET.SubElement(edge, "data", {"key": "e_reciprocated"}).text = "true" if row["reciprocated"] else "false"
    _write_xml(root, Path(out))
    return len(edges)


def _write_xml(root: ET.Element, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    ET.indent(root)
    ET.ElementTree(root).write(out, encoding="UTF-8", xml_declaration=True)


# -- tables ----------------------------------------------------------------

@exportable("person_metrics", help="Each person's network metrics in a window (latest by default).", person_columns={"person": "employee_id"})
def person_metrics_query(ws: Any, *, window: str | None = None, **_: Any) -> str:
    return f"SELECT * FROM person_metrics WHERE {_where(ws, window)} ORDER BY window_id, person"


@exportable("group_metrics", help="Metrics of each department, team, location, level and attribute group; small groups withheld.")
def group_metrics_query(ws: Any, *, window: str | None = None, dimension: str | None = None, **_: Any) -> str:
    return f'SELECT * FROM group_metrics WHERE {_where(ws, window)}{_value_filter(ws, "group_metrics", "dimension", dimension)} ORDER BY window_id, dimension, "group"'


@exportable("group_matrix", help="Ties and weight from each group to each other group (both shown groups only).")
def group_matrix_query(ws: Any, *, window: str | None = None, dimension: str | None = None, **_: Any) -> str:
    return f"SELECT * FROM group_matrix WHERE {_where(ws, window)}{_value_filter(ws, 'group_matrix', 'dimension', dimension)} ORDER BY window_id, dimension, from_group, to_group"


@exportable("org_metrics", help="Whole-organization figures per window and channel (channel 'all': everything).")
def org_metrics_query(ws: Any, *, window: str | None = None, **_: Any) -> str:
    return f"SELECT * FROM org_metrics WHERE {_where(ws, window)} ORDER BY window_id, channel <> 'all', channel"


@exportable(
    "edges",
    help="The network: source, target, channel, weight (channel 'all' combines every channel).",
    person_columns=_EDGE_PEOPLE,
    writers={".gexf": write_gexf, ".graphml": write_graphml},
)
def edges_query(ws: Any, *, window: str | None = None, channel: str | None = None, **_: Any) -> str:
    ch = _value_filter(ws, "network_edges", "channel", channel)
    return (
        "SELECT source, target, channel, weight, interactions, reciprocated, strong, window_id "
        f"FROM network_edges WHERE {_where(ws, window)}{ch} ORDER BY window_id, channel, source, target"
    )


@exportable("communities", help="Each person's community (Leiden) in a window, with the community's size.", person_columns={"person": "employee_id"})
def communities_query(ws: Any, *, window: str | None = None, **_: Any) -> str:
    return (
        "SELECT p.window_id, p.person, p.community, c.size AS community_size, c.largest_department_share "
        "FROM person_metrics p JOIN communities c USING (window_id, community) "
        f"WHERE {_where(ws, window, alias='p.')} ORDER BY p.window_id, p.community, p.person"
    )


@exportable("person_trends", help="Change of each person's metrics since the previous window; shrink and new-joiner flags.", person_columns={"person": "employee_id"})
def person_trends_query(ws: Any, *, window: str | None = None, **_: Any) -> str:
    return f"SELECT * FROM person_trends WHERE {_where(ws, window)} ORDER BY window_id, person"


@exportable("org_trends", help="Change of each organization metric since the previous window.")
def org_trends_query(ws: Any, *, window: str | None = None, **_: Any) -> str:
    return f"SELECT * FROM org_trends WHERE {_where(ws, window)} ORDER BY window_id, channel, metric"
