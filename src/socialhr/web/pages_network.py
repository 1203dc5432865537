"""HR's pages on the network itself: the network explorer, silos and brokers, the group matrix, the overview's trends.

======================================  ===================  ==========================================
route                                   roles                what
======================================  ===================  ==========================================
``GET /network``                        analyst, admin       the explorer: filters, the map, a profile on click
``GET /api/network``                    analyst, admin       the map's nodes (positions computed here), ties, legend
``GET /api/people/{pseudonym}``         analyst, admin       one person's pseudonymised profile
``GET /silos``, ``GET /api/silos``      analyst, admin,      groups by silo score and E-I index; top brokers
                                        leader (scoped)      (analysts and admins only)
``GET /matrix``                         analyst, admin,      the group-to-group matrix as a heat map
                                        leader (scoped)
``GET /api/charts/group-matrix``        same                 its Vega-Lite specification
``GET /api/charts/org-trends``          same                 organization metrics over windows (on /overview)
======================================  ===================  ==========================================

Every figure is read through :func:`socialhr.web.reads.read` as the signed-in
viewer (a leader's groups are their scope's, and never below the minimum
group size). The map's positions are computed on the server
(:func:`socialhr.network.layout.force_layout`, seeded with ``network_seed``)
and kept in memory per (analysis, window, channel, filters), as is the JSON
answered, until the server's next change; every view of the map or of a
profile writes a line to the audit trail, cached or not.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import OrderedDict
from typing import Any, Callable, Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ..errors import SocialHRError
from ..network.store import ORG_COLUMNS
from . import reads
from .accounts import Session
from .app import render
from .auth import roles
from .nav import HR, LEADERS
from .network_charts import MATRIX_MEASURES, TREND_METRICS, group_matrix_spec, org_trends_spec
from .network_map import COLOR_BY, DEFAULT_SIZE, FILTERS, SIZE_METRICS, WindowNetwork, check_choice, layout, network_map, profile, select

router = APIRouter()

KEPT_NETWORKS = 8  # windows' people and ties kept per server
KEPT_MAPS = 64  # layouts and answers kept per server
TOP_BROKERS = 15


class _Kept:
    """The explorer's memory: windows read, layouts computed, answers made (the newest; cleared by a change)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.computing = threading.Lock()  # one layout at a time (two cores: a second one would only slow the first)
        self.stores: dict[str, OrderedDict] = {"network": OrderedDict(), "layout": OrderedDict(), "body": OrderedDict()}

    def get(self, kind: str, key: Any) -> Any:
        with self.lock:
            store = self.stores[kind]
            hit = store.get(key)
            if hit is not None:
                store.move_to_end(key)
            return hit

    def put(self, kind: str, key: Any, value: Any) -> None:
        with self.lock:
            store = self.stores[kind]
            store[key] = value
            while len(store) > (KEPT_NETWORKS if kind == "network" else KEPT_MAPS):
                store.popitem(last=False)

    def get_or_make(self, kind: str, key: Any, make: Callable[[], Any]) -> Any:
        hit = self.get(kind, key)
        if hit is None:
            with self.computing:
                hit = self.get(kind, key)  # (made by another request meanwhile)
                if hit is None:
                    hit = make()
                    self.put(kind, key, hit)
        return hit


_KEPT_INIT = threading.Lock()


def _kept(request: Request) -> _Kept:
    state = request.app.state
    with _KEPT_INIT:
        if getattr(state, "network_kept", None) is None:
            state.network_kept = _Kept()
    return state.network_kept


def _stamp(request: Request, s: Session) -> tuple:
    """What a kept result depends on besides its options: the server's changes, the settings, the viewer."""
    site = request.app.state.site
    return (site.generation, repr(sorted(site.settings.items())), s.user.viewer())


def _blank(value: Optional[str]) -> Optional[str]:
    return value if value else None


def window_network(request: Request, s: Session, *, window: str | None, channel: str = "all") -> WindowNetwork:
    """A window's people and ties (one channel), read through the read path once and kept."""
    key = _stamp(request, s) + (window, channel)

    def make() -> WindowNetwork:
        people, _ = reads.read(request, s, "person_metrics", window=window)
        edges, _ = reads.read(request, s, "edges", window=people[0]["window_id"] if people else window, channel=channel)
        return WindowNetwork.from_rows(people, edges)

    return _kept(request).get_or_make("network", key, make)


# -- the explorer's data ---------------------------------------------------------

@router.get("/api/network", tags=["analysis"])
def api_network(request: Request,
                window: Optional[str] = Query(None, description="A window of the last analysis (default: the latest)"),
                channel: str = Query("all", description="A channel, or 'all' (every channel combined)"),
                department: Optional[str] = None, team: Optional[str] = None, location: Optional[str] = None,
                color: str = Query("department", description="department or community"),
                size: str = Query(DEFAULT_SIZE, description="A person metric: " + ", ".join(SIZE_METRICS)),
                s: Session = Depends(roles(*HR))) -> Response:
    """The network of a window for the explorer: people with positions, colours and sizes, their ties, and the legend.

    Shape: ``{"window", "nodes": [{"key", "x", "y", "size", "color", "group", "community"}],
    "edges": [{"source", "target", "weight"}], "legend": [{"label", "color"}]}``; ties are
    undirected (the weights of both directions summed). Analysts and admins only; every view is audited.
    """
    check_choice("color", color, COLOR_BY)
    check_choice("size", size, SIZE_METRICS)
    window = _blank(window)
    filters = {"department": _blank(department), "team": _blank(team), "location": _blank(location)}
    kept = _kept(request)
    net = window_network(request, s, window=window, channel=channel)
    chosen = select(net, filters)
    place = _stamp(request, s) + (net.window, channel, tuple(sorted((k, v) for k, v in filters.items() if v)))
    seed = int(request.app.state.site.settings["network_seed"])
    xy = kept.get_or_make("layout", place, lambda: layout(net, chosen, seed=seed))

    def make() -> tuple[bytes, bytes, int]:
        body = json.dumps(network_map(net, chosen, xy, color=color, size=size), separators=(",", ":")).encode()
        return body, gzip.compress(body, 5), len(chosen)

    body, zipped, n = kept.get_or_make("body", place + (color, size), make)
    reads.audit(request, s, "view", "network", {"window": net.window, "channel": channel, "color": color, "size": size,
                                                "nodes": n, **{k: v for k, v in filters.items() if v}})
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(zipped, media_type="application/json", headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(body, media_type="application/json", headers={"Vary": "Accept-Encoding"})


@router.get("/api/people/{pseudonym}", tags=["analysis"])
def api_person(pseudonym: str, request: Request, window: Optional[str] = None,
               s: Session = Depends(roles(*HR))) -> dict[str, Any]:
    """A person's pseudonymised profile in a window: metrics, place in the org chart, community, ties by team (audited)."""
    net = window_network(request, s, window=_blank(window), channel="all")
    try:
        found = profile(net, pseudonym)
    finally:
        reads.audit(request, s, "view", "person_profile", {"person": pseudonym, "window": net.window})
    return found


# -- silos and brokers -------------------------------------------------------------

def _percent(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def silo_reading(row: dict[str, Any], dimension: str) -> str:
    """A group's silo score and E-I index in plain words.

    >>> silo_reading({"silo_score": 0.7, "ei_index": -0.5, "external_tie_share": 0.25, "boundary_spanners": 3}, "team")
    'A silo: 75% of its ties stay inside, far more than if colleagues were chosen at random. 3 ties inside for every one outside (E-I -0.50). 3 members have ties into two or more other teams.'
    """
    score, ei, share = row.get("silo_score"), row.get("ei_index"), row.get("external_tie_share")
    if score is None:
        verdict = "Too few ties to say"
    elif score >= 0.6:
        verdict = "A silo"
    elif score >= 0.3:
        verdict = "Inward-looking"
    elif score >= 0.1:
        verdict = "Somewhat inward"
    elif score > -0.1:
        verdict = "As open as chance"
    else:
        verdict = "Turned outward"
    words = [f"{verdict}: {_percent(None if share is None else 1 - share)} of its ties stay inside"
             + (", far more than if colleagues were chosen at random." if score is not None and score >= 0.3 else ".")]
    if ei is not None:
        if ei < 0:
            words.append(f"{(1 - ei) / (1 + ei):,.0f} ties inside for every one outside (E-I {ei:+.2f})." if ei > -1
                         else f"No ties outside (E-I {ei:+.2f}).")
        elif ei > 0:
            words.append(f"{(1 + ei) / (1 - ei):,.0f} ties outside for every one inside (E-I {ei:+.2f})." if ei < 1
                         else f"No ties inside (E-I {ei:+.2f}).")
        else:
            words.append("As many ties outside as inside (E-I 0).")
    n = row.get("boundary_spanners")
    if n is not None:
        words.append(f"{n:,} member{'s have' if n != 1 else ' has'} ties into two or more other {dimension}s.")
    return " ".join(words)


BROKER_ROLES = ("coordinator", "consultant", "representative", "gatekeeper", "liaison")


def silos_data(request: Request, s: Session, *, dimension: str = "department", window: str | None = None) -> dict[str, Any]:
    """Groups of ``dimension`` from most to least siloed, with readings; for analysts and admins, the top brokers."""
    rows, withheld = reads.read(request, s, "group_metrics", dimension=dimension, window=window)
    rows.sort(key=lambda r: (r["silo_score"] is None, -(r["silo_score"] or 0.0), r["group"]))
    for r in rows:
        r["reading"] = silo_reading(r, dimension)
    out: dict[str, Any] = {"window": rows[0]["window_id"] if rows else window, "dimension": dimension, "groups": rows,
                           "withheld": withheld, "brokers": None}
    if s.user.role in HR:
        people, _ = reads.read(request, s, "person_metrics", window=window)
        ranked = sorted((p for p in people if p.get("betweenness") is not None), key=lambda p: (-p["betweenness"], p["person"]))
        out["brokers"] = [{"key": p["person"], "department": p["department"], "team": p["team"], "betweenness": p["betweenness"],
                           "network_size": p["network_size"], "constraint": p["constraint"],
                           "roles": {r: p.get(f"brokerage_{r}") for r in BROKER_ROLES},
                           "main_role": max(BROKER_ROLES, key=lambda r: p.get(f"brokerage_{r}") or 0)
                           if any(p.get(f"brokerage_{r}") for r in BROKER_ROLES) else None}
                          for p in ranked[:TOP_BROKERS]]
        out["window"] = out["window"] or (people[0]["window_id"] if people else None)
    return out


def dimensions(request: Request, s: Session, window: str | None) -> list[str]:
    """The group dimensions the viewer can see groups of (department, team, location, level, attributes)."""
    rows, _ = reads.read(request, s, "group_metrics", window=window)
    order = {"department": 0, "team": 1, "location": 2, "level": 3}
    return sorted({r["dimension"] for r in rows}, key=lambda d: (order.get(d, 9), d))


@router.get("/api/silos", tags=["analysis"])
def api_silos(request: Request, dimension: str = "department", window: Optional[str] = None,
              s: Session = Depends(roles(*LEADERS))) -> dict[str, Any]:
    """Groups by silo score and E-I index, each with a plain reading; ``brokers`` (analysts and admins): the top by betweenness."""
    return silos_data(request, s, dimension=dimension, window=_blank(window))


# -- charts ----------------------------------------------------------------------------

@router.get("/api/charts/group-matrix", tags=["charts"])
def chart_group_matrix(request: Request, dimension: str = "department", window: Optional[str] = None,
                       measure: str = Query("share", description="share, ties or weight"),
                       s: Session = Depends(roles(*LEADERS))) -> dict[str, Any]:
    """The group-to-group matrix as a Vega-Lite heat map; only groups the read path shows appear."""
    check_choice("measure", measure, tuple(MATRIX_MEASURES))
    rows, _ = reads.read(request, s, "group_matrix", dimension=dimension, window=_blank(window))
    return group_matrix_spec(rows, dimension=dimension, measure=measure)


@router.get("/api/charts/org-trends", tags=["charts"])
def chart_org_trends(request: Request, channel: str = "all",
                     metric: Optional[list[str]] = Query(None, description="Organization metrics (default: " + ", ".join(TREND_METRICS) + ")"),
                     s: Session = Depends(roles(*LEADERS))) -> dict[str, Any]:
    """Organization metrics over the analysis' windows, one small chart per metric (Vega-Lite)."""
    for m in metric or []:
        check_choice("metric", m, tuple(ORG_COLUMNS))
    rows, _ = reads.read(request, s, "org_metrics", window="*")
    channels = sorted({r["channel"] for r in rows})
    if rows and channel not in channels:
        raise SocialHRError(f"no channel '{channel}' in the last analysis", hint=f"Channels: {', '.join(channels)}.")
    return org_trends_spec([r for r in rows if r["channel"] == channel], metrics=metric)


# -- pages -------------------------------------------------------------------------------

def _windows(request: Request, s: Session) -> tuple[list[str], list[str]]:
    rows, _ = reads.read(request, s, "org_metrics", window="*")
    return sorted({r["window_id"] for r in rows}), sorted({r["channel"] for r in rows}, key=lambda c: (c != "all", c))


@router.get("/network", include_in_schema=False)
def network_page(request: Request, window: Optional[str] = None, channel: str = "all", department: Optional[str] = None,
                 team: Optional[str] = None, location: Optional[str] = None, color: str = "department",
                 size: str = DEFAULT_SIZE, s: Session = Depends(roles(*HR))):
    from urllib.parse import urlencode

    check_choice("color", color, COLOR_BY)
    check_choice("size", size, SIZE_METRICS)
    net = window_network(request, s, window=_blank(window), channel=channel)
    filters = {"department": _blank(department), "team": _blank(team), "location": _blank(location)}
    select(net, filters)  # (an unknown value: the error page says which values there are)
    windows, channels = _windows(request, s)
    query = {"window": net.window, "channel": channel, **{k: v for k, v in filters.items() if v}, "color": color, "size": size}
    return render(request, "network.html", {
        "title": "Network explorer", "net_window": net.window, "windows": windows or [net.window], "channels": channels or ["all"],
        "options": {c: net.values(c) for c in FILTERS}, "filters": filters, "channel": channel, "color": color, "size": size,
        "colors": COLOR_BY, "sizes": SIZE_METRICS, "data_url": "/api/network?" + urlencode(query),
        "profile_url": "/api/people/", "people": len(net.people)})


@router.get("/silos", include_in_schema=False)
def silos_page(request: Request, dimension: str = "department", window: Optional[str] = None,
               s: Session = Depends(roles(*LEADERS))):
    data = silos_data(request, s, dimension=dimension, window=_blank(window))
    return render(request, "silos.html", {"title": "Silos and brokers", "data": data,
                                          "dimensions": dimensions(request, s, _blank(window)), "roles": BROKER_ROLES})


@router.get("/matrix", include_in_schema=False)
def matrix_page(request: Request, dimension: str = "department", window: Optional[str] = None, measure: str = "share",
                s: Session = Depends(roles(*LEADERS))):
    from urllib.parse import urlencode

    check_choice("measure", measure, tuple(MATRIX_MEASURES))
    rows, withheld = reads.read(request, s, "group_matrix", dimension=dimension, window=_blank(window))
    query = {"dimension": dimension, "measure": measure, **({"window": window} if window else {})}
    return render(request, "matrix.html", {
        "title": "Group matrix", "dimension": dimension, "measure": measure, "measures": MATRIX_MEASURES,
        "dimensions": dimensions(request, s, _blank(window)), "groups": sorted({r["from_group"] for r in rows} | {r["to_group"] for r in rows}),
        "window": rows[0]["window_id"] if rows else window, "withheld": [w for w in withheld if w["dimension"] == dimension],
        "chart_url": "/api/charts/group-matrix?" + urlencode(query)})
