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
from .archive import check_source
from .batch import BatchResult, watching


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
    """Import ``path`` as a source of ``kind`` in one all-or-nothing batch.

    A path that is neither a regular file nor a folder (a named pipe, a device, a socket) is refused
    before anything is opened; folder importers refuse one inside the folder (:mod:`.archive`).
    """
    if kind not in IMPORTERS:
        raise InputError(f"unknown kind of source '{kind}'", hint=f"Kinds: {', '.join(sorted(IMPORTERS))}.")
    imp = IMPORTERS[kind]
    given = {k: v for k, v in options.items() if v is not None}
    unknown = set(given) - imp.options
    if unknown:
        raise InputError(f"the option{'s' if len(unknown) > 1 else ''} {', '.join(sorted(unknown))} {'do' if len(unknown) > 1 else 'does'} not apply to '{kind}'", hint=f"'{kind}' takes: {', '.join(sorted(imp.options - {'progress'})) or 'no options'}.")
    # One check for every importer: a named pipe, device or socket would block or never end.
    check_source(path)
    # The file is looked at before the importer reads any of it: the batch refuses it if it changes meanwhile.
    with watching(path):
        return imp.function(ws, path, **given)


def _register_builtins() -> None:
    from .calendar import import_calendar
    from .email import import_email
    from .interactions import import_interactions
    from .linkedin import import_linkedin
    from .outcomes import import_outcomes
    from .roster import import_roster
    from .survey import import_survey
    from .slack import import_slack
    from .teams import import_teams
    from .viva import import_viva_p2p, import_viva_person

    importer("roster", help="HR roster (CSV, TSV, XLSX, Parquet, JSON Lines), one row per employee.",
             options=("column_map", "encoding", "effective_date", "date_format", "attributes"))(import_roster)
    importer("interactions", help="Interaction metadata: timestamp, sender, recipients (;-separated), channel, duration_minutes.",
             options=("column_map", "encoding"))(import_interactions)
    importer("slack", help="Slack workspace export (.zip or its folder): channels, private channels, DMs, threads, mentions.",
             options=())(import_slack)
    importer("teams", help="Microsoft Teams chat and channel messages as Microsoft Graph chatMessage JSON (file, folder or .zip).",
             options=())(import_teams)
    importer("email", help="E-mail headers from an mbox file, a folder of .eml files, or a Maildir.",
             options=("exclude",))(import_email)
    importer("calendar", help="iCalendar (.ics) files, a folder or a .zip of them (Google, Outlook): meetings, recurring series expanded.",
             options=("start", "end"))(import_calendar)

    # HR connectors (docs/connectors-hr.md).
    importer("outcomes", help="Per-person outcomes: person, date, kind (exit, performance, engagement, promotion), value, label.",
             options=("column_map", "encoding", "date_format", "id_kind"))(import_outcomes)
    importer("viva-p2p", help="Viva Insights person-to-person query export: strong and diverse tie scores into ties.",
             options=("encoding", "date_format"))(import_viva_p2p)
    importer("viva-person", help="Viva Insights person query export: weekly metrics per person, HR attributes into the roster.",
             options=("encoding", "date_format", "hr_columns"))(import_viva_person)
    importer("survey", help="Network survey responses (Microsoft Forms, Google Forms, Qualtrics, or long CSV): each named colleague is a tie.",
             options=("column_map", "encoding", "date_format", "question_map", "survey_date", "separator"))(import_survey)
    importer("linkedin", help="An employee's own LinkedIn Connections.csv, with their opt-in (--owner); kept in the vault, apart from the network.",
             options=("owner", "encoding"))(import_linkedin)
    # Peer recognition (docs/programs.md#peer-recognition-kudos): interactions of channel recognition, messages in the vault.
    from .recognition import import_kudos

    importer("kudos", help="Peer recognitions (from, to, value, message, at): interactions of channel recognition; messages kept in the vault.",
             options=("encoding",))(import_kudos)


_register_builtins()
