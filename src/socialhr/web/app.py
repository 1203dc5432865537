"""The web app: ``create_app(workspace)`` builds the FastAPI application that ``socialhr serve`` runs.

Pages are rendered on the server (Jinja2); front-end libraries ship inside the
package (``web/static/vendor``), so nothing is fetched from the internet at run
time. Every response carries security headers (a Content-Security-Policy that
allows scripts from this server only, no framing, no MIME sniffing).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import SocialHRError
from . import nav
from .auth import NeedsLogin, optional_session
from .site import Site

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["nav_items"] = nav.items

CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def create_app(workspace: str | Path | Site, *, https: bool = False) -> FastAPI:
    """The application for one workspace (a folder, or a :class:`Site` already open)."""
    site = workspace if isinstance(workspace, Site) else Site(workspace, https=https)
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        site.close()

    app = FastAPI(title="socialhr", lifespan=lifespan, version=__version__, openapi_url="/api/openapi.json", docs_url="/api/docs",
                  redoc_url=None, description="The socialhr web API: every figure read through the one read path, as the signed-in viewer.")
    app.state.site = site

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(SocialHRError)
    async def user_error(request: Request, exc: SocialHRError):
        return _error(request, exc.status, exc.message, exc.hint)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error(request, exc.status_code, str(exc.detail), None, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return _error(request, 422, f"the request is not valid: {problems}", None)

    @app.exception_handler(NeedsLogin)
    async def needs_login(request: Request, exc: NeedsLogin):
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)

    app.mount("/static", StaticFiles(directory=str(HERE / "static"), check_dir=False), name="static")
    from . import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    from . import pages_programs, pages_report; app.include_router(pages_programs.router); app.include_router(pages_report.router)  # noqa: E702  (HR's and leaders' pages on programs and evidence)
    from . import admin, oidc  # (administration: /admin pages and /api/audit; single sign-on: /login/oidc)
    app.include_router(admin.router)
    app.include_router(oidc.router)
    from . import pages_play; app.include_router(pages_play.router)  # the name game, kudos, consultations
    app.include_router(__import__(f"{__package__}.my_programs", fromlist=['router']).router)  # the employee's introductions
    from . import pages_network; app.include_router(pages_network.router)  # noqa: E702  (network explorer, silos, group matrix, trends)
    return app


def _error(request: Request, status: int, message: str, hint: str | None, headers: dict | None = None):
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"error": message, "hint": hint}, status_code=status, headers=headers)
    return render(request, "error.html", {"status": status, "message": message, "hint": hint}, status_code=status, headers=headers)


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200, headers=None):
    """A page, with the signed-in session (for the navigation and the CSRF field) in its context."""
    s = optional_session(request)
    ctx = {"session": s, "user": s.user if s else None, "csrf_token": s.csrf if s else "", "version": __version__,
           "path": request.url.path, "min_group_size": request.app.state.site.settings["min_group_size"]}
    ctx.update(context or {})
    return templates.TemplateResponse(request, template, ctx, status_code=status_code, headers=headers)


__all__ = ["create_app", "render"]
