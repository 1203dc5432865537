"""Importers, one module per kind of source, all on one batch path (:mod:`.batch`).

:func:`ingest` is the single entry point the CLI and the web app call::

    ingest(ws, "roster", "people.csv", column_map={"Worker ID": "employee_id"})

Each importer is registered in :data:`IMPORTERS` with its help text; a
connector module adds itself with :func:`importer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from ..workspace import Workspace
from .batch import BatchResult


@dataclass(frozen=True)
class Importer:
    kind: str
    function: Callable[..., BatchResult]
    help: str
    options: frozenset[str]


IMPORTERS: dict[str, Importer] = {}


def importer(kind: str, *, help: str, options: tuple[str, ...] = ()):
    """Register an import function ``fn(ws, path, **options) -> BatchResult``."""

    def register(fn):
        IMPORTERS[kind] = Importer(kind, fn, help, frozenset(options) | {"progress"})
        return fn

    return register


def ingest(ws: Workspace, kind: str, path: str | Path, **options: Any) -> BatchResult:
    """Import ``path`` as a source of ``kind`` in one all-or-nothing batch."""
    if kind not in IMPORTERS:
        raise InputError(f"unknown kind of source '{kind}'", hint=f"Kinds: {', '.join(sorted(IMPORTERS))}.")
    imp = IMPORTERS[kind]
    given = {k: v for k, v in options.items() if v is not None}
    unknown = set(given) - imp.options
    if unknown:
        raise InputError(f"the option{'s' if len(unknown) > 1 else ''} {', '.join(sorted(unknown))} do not apply to '{kind}'", hint=f"'{kind}' takes: {', '.join(sorted(imp.options - {'progress'})) or 'no options'}.")
    return imp.function(ws, path, **given)


def _register_builtins() -> None:
    from .interactions import import_interactions
    from .roster import import_roster

    importer("roster", help="HR roster (CSV, TSV, XLSX, Parquet, JSON Lines), one row per employee.",
             options=("column_map", "encoding", "effective_date", "date_format"))(import_roster)
    importer("interactions", help="Interaction metadata: timestamp, sender, recipients (;-separated), channel, duration_minutes.",
             options=("column_map", "encoding"))(import_interactions)


_register_builtins()
