"""The network as GEXF and GraphML files, so Gephi (or NetworkX) can open it.

The writers take rows already read through :func:`socialhr.results.read`
(:func:`socialhr.export.export_table` does that, for the viewer of the export):
one window's people (``person_metrics``) and ties (``edges``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

_NODE_ATTRS = [("department", "string"), ("team", "string"), ("location", "string"), ("level", "string"),
               ("community", "integer"), ("pagerank", "double"), ("betweenness", "double")]


def _label(row: dict, column: str, identified: bool) -> str:
    if identified:
        employee = row.get({"person": "employee_id", "source": "source_employee_id", "target": "target_employee_id"}[column])
        if employee:
            return str(employee)
    return str(row[column])


def write_gexf(nodes: list[dict], edges: list[dict], out: str | Path, *, identified: bool = False) -> int:
    """Write a network (rows of person_metrics and of edges) as GEXF 1.3; return the number of edges."""
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


def write_graphml(nodes: list[dict], edges: list[dict], out: str | Path, *, identified: bool = False) -> int:
    """Write a network (rows of person_metrics and of edges) as GraphML; return the number of edges."""
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
    ET.indent(root)
    ET.ElementTree(root).write(out, encoding="UTF-8", xml_declaration=True)
