"""What the running server holds: the open workspace, its accounts and audit trail, and one writer.

DuckDB lets one process write a database, so ``socialhr serve`` holds the
workspace open for writing while it runs (a CLI import meanwhile is told that
``socialhr serve`` holds it). Inside the server, each request thread reads
through its own cursor of that one connection (:meth:`Site.workspace`), sharing
the read path's cache; changes (kudos, introductions marked, name-game answers,
comments) go through :meth:`Site.writing`, one at a time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import VaultError
from ..workspace import Workspace
from .accounts import Accounts
from .audit import AuditTrail


class Site:
    def __init__(self, path: str | Path, *, https: bool = False):
        self.path = Path(path)
        self.base = Workspace.open(self.path)
        if not self.base.vault.available:
            self.base.close()
            raise VaultError(f"the identity vault of {self.path} is not here",
                             hint="The web app needs the vault: its accounts live there and employees are found through it. "
                                  "Serve the workspace together with its vault.")
        self.base.vault.close()  # (opened by this thread; each request thread opens its own when it needs the vault)
        self.accounts = Accounts(self.base.vault.dir)
        self.audit = AuditTrail(self.path)
        self.audit._make()
        self.https = https
        self._local = threading.local()
        self._views: list[Workspace] = []
        self._views_lock = threading.Lock()
        self._write_lock = threading.RLock()
        # Bumped by every change made through :meth:`writing`: while the server runs it is the workspace's only
        # writer, so read-path results cached under one generation (socialhr.web.reads) stay true until it changes.
        self.generation = 0
        self.cache: "OrderedDict[Any, Any]" = OrderedDict()
        self.cache_lock = threading.Lock()
        # Reads of the workspace one at a time: the read path's aggregates are computed lazily and shared.
        self.read_lock = threading.RLock()

    @property
    def settings(self) -> dict[str, Any]:
        return self.base.settings

    def workspace(self) -> Workspace:
        """This thread's view of the workspace: its own cursor, the shared settings and read-path cache."""
        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = Workspace(self.base.path, self.base.settings, self.base.db.cursor())
            ws.cache = self.base.cache
            self._local.ws = ws
            with self._views_lock:
                self._views.append(ws)
        return ws

    @contextmanager
    def writing(self) -> Iterator[Workspace]:
        """The workspace for a change, one writer at a time."""
        with self._write_lock, self.read_lock:
            try:
                yield self.workspace()
            finally:
                with self.cache_lock:
                    self.generation += 1
                    self.cache.clear()

    def close(self) -> None:
        with self._views_lock:
            for ws in self._views + [self.base]:
                try:
                    ws.close()
                except Exception:  # (a vault connection belongs to the thread that opened it: left to the collector)
                    ws.vault.conn = None
                    ws.db.close()
            self._views.clear()
