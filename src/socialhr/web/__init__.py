"""The web app (``socialhr serve``): FastAPI over the one read path, with log-in, roles and an audit trail.

:func:`create_app` builds the application for a workspace; tests drive it with
FastAPI's TestClient, without a server.
"""

from .app import create_app

__all__ = ["create_app"]
