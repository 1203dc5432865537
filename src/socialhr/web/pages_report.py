"""The report download, and a leader's own part of the org chart on the overview page.

``/report.html`` and ``/report.pdf`` render the CEO report with
:mod:`socialhr.report` as the signed-in viewer (an analyst or admin: the whole
organization; a leader: their part of it, as ``socialhr report --as leader
--scope``); employees are refused. Each download is written to the audit trail
as an export. Rendering reads the whole workspace and draws its charts, which
can take a minute on a large one: the routes are plain (sync) functions, so
FastAPI runs them in its threadpool and other requests go on meanwhile.

``/api/overview/scope`` (and the leader section of ``/overview``) gives a
leader the key figures of their part of the org (``group_metrics`` as the read
path scopes it), their targets and the onboarding benchmark.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..errors import SocialHRError
from . import reads
from .accounts import Session
from .app import render, templates
from .auth import optional_session, roles
from .nav import LEADERS
from .pages_programs import section, targets_data

router = APIRouter()

MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _filename(s: Session, kind: str) -> str:
    who = "organization" if not (s.user.role == "leader" and s.user.scope) else re.sub(r"[^A-Za-z0-9_-]+", "-", s.user.scope[1]).strip("-")
    return f"socialhr-report-{who or 'scope'}-{dt.date.today().isoformat()}.{kind}"


def report_bytes(request: Request, s: Session, kind: str) -> tuple[bytes, Any]:
    """The report as the session's viewer, rendered as ``kind`` (html or pdf), and the report's figures."""
    from .. import report as rp
    from ..report import render as report_render

    site = request.app.state.site
    made = rp.build(site.workspace(), viewer=s.user.viewer())
    page = report_render.html(made)
    if kind == "html":
        return page.encode("utf-8"), made
    import weasyprint

    return weasyprint.HTML(string=page).write_pdf(), made


def _download(request: Request, s: Session, kind: str) -> Response:
    body, made = report_bytes(request, s, kind)
    reads.audit(request, s, "export", "report", {"format": kind, "viewer": made.viewer, "window": made.window_id,
                                                 "bytes": len(body)})
    return Response(body, media_type=MEDIA[kind],
                    headers={"Content-Disposition": f'attachment; filename="{_filename(s, kind)}"'})


@router.get("/report.html", tags=["report"])
def report_html(request: Request, s: Session = Depends(roles(*LEADERS))) -> Response:
    """The CEO report as one self-contained HTML file, for the signed-in viewer (audited as an export)."""
    return _download(request, s, "html")


@router.get("/report.pdf", tags=["report"])
def report_pdf(request: Request, s: Session = Depends(roles(*LEADERS))) -> Response:
    """The CEO report as PDF, for the signed-in viewer (audited as an export)."""
    return _download(request, s, "pdf")


@router.get("/report", include_in_schema=False)
def report_page(request: Request, s: Session = Depends(roles(*LEADERS))):
    return render(request, "report.html", {"title": "Report", "viewer": s.user.viewer().describe()})


# -- a leader's part of the org chart ----------------------------------------------------------------------------

def scope_data(request: Request, s: Session) -> dict[str, Any]:
    """The groups of the leader's part of the org (latest window, and the one before for the change), their targets
    and the latest cohort's onboarding benchmark at weeks 4, 8 and 12."""
    scope = tuple(s.user.scope) if s.user.scope else None
    groups = section(request, s, "group_metrics", window="*")
    windows = sorted({r["window_id"] for r in groups["rows"]})
    latest = [r for r in groups["rows"] if windows and r["window_id"] == windows[-1]]
    # The scope's own figures in the latest window that shows them (the disclosure rules may withhold the latest),
    # and in the one before that shows them, for the change.
    own = sorted((r for r in groups["rows"] if scope and (r["dimension"], r["group"]) == scope), key=lambda r: r["window_id"])
    withheld = [w for w in groups["withheld"] if windows and w["window_id"] == windows[-1]]
    out = {"scope": "=".join(scope) if scope else None, "window": windows[-1] if windows else None,
           "own": own[-1] if own else None, "previous": own[-2] if len(own) > 1 else None,
           "own_withheld": next((w["reason"] for w in withheld if scope and (w["dimension"], w["group"]) == scope), None),
           "groups": latest, "withheld": withheld, "groups_empty": groups["empty"]}
    benchmark = section(request, s, "onboarding_benchmark")
    cohorts = sorted({r["cohort"] for r in benchmark["rows"]})
    onboarding = [r for r in benchmark["rows"] if cohorts and r["cohort"] == cohorts[-1] and r["week"] in (4, 8, 12)]
    return out | {"targets": targets_data(request, s),
                  "onboarding": {"cohort": cohorts[-1] if cohorts else None, "rows": onboarding, "empty": benchmark["empty"]}}


@router.get("/api/overview/scope", tags=["leaders"])
def api_scope(request: Request, s: Session = Depends(roles("leader"))) -> dict[str, Any]:
    """A leader's own part of the org chart: its groups' key figures (at or above the minimum group size), its targets
    and the onboarding benchmark."""
    return scope_data(request, s)


def leader_overview(request: Request) -> dict[str, Any] | None:
    """For templates/overview.html: the leader's section, or None for any other role."""
    s = optional_session(request)
    if s is None or s.user.role != "leader":
        return None
    try:
        return scope_data(request, s)
    except SocialHRError as e:  # (e.g. no analysis yet: the page's own empty state says what to run)
        return {"error": e.message}


templates.env.globals["leader_overview"] = leader_overview
