"""Import network survey responses (active ONA): each colleague named is a tie.

Two shapes are read (CSV, TSV, XLSX, JSON Lines or Parquet):

* **long**: one row per answer, columns ``respondent, question, colleague``
  (optional ``question_label``, ``date``), several colleagues in one cell
  allowed;
* **wide**, as Microsoft Forms, Google Forms and Qualtrics export: one row per
  response, the respondent's e-mail (``Email``, ``Email Address``,
  ``RecipientEmail``), a completion time (``Completion time``, ``Timestamp``,
  ``RecordedDate``...) and one column per question whose cells list the
  colleagues named (Forms: ``Ada Lovelace;Alan Turing;``; Google and
  Qualtrics: ``Ada Lovelace, Alan Turing``). The question columns are those
  of ``question_map`` (column -> question id), or else every column that is
  not one of the tools' own (ID, Start time, Name, IPAddress...). Qualtrics'
  second and third header rows are recognised: the question wording is taken
  from the second.

Rules (docs/connectors-hr.md): a colleague is named by e-mail (also
``Name <e-mail>``), employee id, or their name as on the roster (accents and
case ignored; the vault holds the names, nothing raw reaches the analytics
database). A name that matches no one, or several people, is an error that
names the line and the question. Identifiers are resolved as in
interactions: an e-mail not on the roster becomes an unresolved identity that
a later roster resolves. A response without a respondent is anonymous and is
skipped (a tie needs both ends); a respondent's later response replaces an
earlier one; self-nominations and answers such as "none" are skipped and
counted. Each tie has weight 1, ``tie_type`` = the question id, and the date
of the response as its period (or ``survey_date`` for all).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

import pyarrow as pa

from ..errors import InputError
from ..workspace import Workspace
from .batch import Batch, BatchResult
from .hr_common import NameIndex, read_dates
from .identity import IdentityResolver
from .tabular import open_table

ALIASES = {
    "email": "respondent", "email address": "respondent", "recipientemail": "respondent", "respondent_email": "respondent",
    "respondent email": "respondent", "respondent id": "respondent", "employee_id": "respondent",
    "question_id": "question", "question id": "question",
    "named": "colleague", "nominee": "colleague", "colleagues": "colleague", "answer": "colleague", "alter": "colleague",
    "completion time": "date", "timestamp": "date", "recordeddate": "date", "enddate": "date", "submitted": "date",
}
# The export tools' own columns, never questions.
TOOL_COLUMNS = {
    "id", "start time", "completion time", "email", "name", "last modified time", "timestamp", "email address", "score",
    "startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)", "finished", "recordeddate",
    "responseid", "recipientlastname", "recipientfirstname", "recipientemail", "externalreference", "locationlatitude",
    "locationlongitude", "distributionchannel", "userlanguage",
}
NO_ONE = {"none", "no one", "nobody", "n/a", "-", "—"}


def import_survey(
    ws: Workspace,
    path: str | Path,
    *,
    column_map: dict[str, str] | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
    question_map: dict[str, str] | None = None,
    survey_date: date | str | None = None,
    separator: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> BatchResult:
    """Import one survey export as one batch. See the module docstring."""
    cmap = {**ws.column_map("survey"), **(column_map or {})}
    src = open_table(path, required=["respondent"], optional=["question", "colleague", "question_label", "date"],
                     column_map=cmap, aliases=ALIASES, encoding=encoding, keep_extra=True, multiline=True,
                     max_ratio=ws.settings["archive_max_ratio"])
    long = "question" in src.columns or "colleague" in src.columns
    if long and not {"question", "colleague"} <= set(src.columns):
        missing = "question" if "question" not in src.columns else "colleague"
        raise InputError(f"missing required column '{missing}' (found: {', '.join(src.source_columns)})", file=src.path, line=1,
                         hint="A survey in long form has the columns respondent, question and colleague.")
    questions = _question_columns(src, question_map) if not long else {}
    if isinstance(survey_date, str):
        try:
            survey_date = date.fromisoformat(survey_date)
        except ValueError:
            raise InputError(f"--survey-date is not a date: {survey_date!r}", hint="Use YYYY-MM-DD.") from None
    labels: dict[str, str] = {q: col for col, q in questions.items()}
    answers: list[tuple[int, str, str, str, str]] = []  # (row, respondent, question, cell, date text)
    dates: dict[str, int] = {}
    row = -1
    for rb in src.batches():
        for rec in rb.to_pylist():
            row += 1
            rid = rec.get("ResponseId") or ""
            if rid.startswith('{"ImportId"'):
                continue
            if rid == "Response ID":  # Qualtrics' second header row: the question wording
                for col, q in questions.items():
                    if rec.get(col):
                        labels[q] = rec[col].strip()
                continue
            who = (rec.get("respondent") or "").strip()
            when = (rec.get("date") or "").strip()
            if when and survey_date is None:
                dates.setdefault(when, row)
            if long:
                q = (rec.get("question") or "").strip()
                if not q:
                    raise src.error(row, "question", "the question is empty", "Every answer needs the id of its question.")
                if rec.get("question_label"):
                    labels.setdefault(q, rec["question_label"].strip())
                answers.append((row, who, q, rec.get("colleague") or "", when))
            else:
                for col, q in questions.items():
                    answers.append((row, who, q, rec.get(col) or "", when))
    if row < 0:
        raise InputError("the file has a header but no rows", file=src.path, hint="Export the responses again; nothing was imported.")
    parsed = read_dates(dates, date_format, src, "date") if dates else {}
    with Batch(ws, "survey", src.path) as batch:
        if batch.is_duplicate:
            return batch.result
        resolver = IdentityResolver(ws, batch.batch_id)
        names = NameIndex(ws)
        known = {t: p for t, p in ws.db.execute("SELECT token, person FROM identities WHERE status = 'person'").fetchall()}
        ties, responses = _ties(src, answers, resolver, names, known, parsed, survey_date, separator, batch, long)
        tbl = pa.table({
            "source": [t[0] for t in ties], "target": [t[1] for t in ties],
            "day": pa.array([t[3] for t in ties], pa.date32()), "tie_type": [t[2] for t in ties],
        })
        ws.db.register("_ties", tbl)
        try:
            ws.db.execute("INSERT INTO ties SELECT ?, source, target, day, day, 1.0, tie_type, 'survey' FROM _ties", [batch.batch_id])
        finally:
            ws.db.unregister("_ties")
        used = sorted({t[2] for t in ties} | set(questions.values()))
        if used:  # (DuckDB's executemany refuses an empty list)
            ws.db.executemany(
                "INSERT INTO survey_questions VALUES (?, ?, ?) ON CONFLICT (question_id) DO NOTHING",
                [(q, labels.get(q), batch.batch_id) for q in used],
            )
        new_identities = resolver.counts()
        resolver.flush()
        per_question: dict[str, int] = {}
        for t in ties:
            per_question[t[2]] = per_question.get(t[2], 0) + 1
        batch.rows_read = row + 1
        batch.rows_imported = len(ties)
        batch.notes.update({
            "shape": "long" if long else "wide", "responses": responses, "ties_by_question": per_question,
            "questions": {q: labels.get(q) for q in used}, "new_identities": new_identities,
        })
        if progress:
            progress(row + 1, row + 1)
    return batch.result


def _question_columns(src, question_map: dict[str, str] | None) -> dict[str, str]:
    """Wide exports: column name -> question id."""
    if question_map:
        lower = {c.lower(): c for c in src.columns}
        out = {}
        for col, q in question_map.items():
            if col.strip().lower() not in lower:
                raise InputError(f"--question-map names {col!r}, not a column of the file", file=src.path, line=1,
                                 hint=f"Columns: {', '.join(src.source_columns)}.")
            out[lower[col.strip().lower()]] = q
        return out
    cols = {c: c for c in src.columns if c not in ("respondent", "date") and c.lower() not in TOOL_COLUMNS}
    if not cols:
        raise InputError("no question columns: every column is the survey tool's own", file=src.path, line=1,
                         hint="Export the responses with the questions, or name them with --question-map.")
    return cols


def _ties(src, answers, resolver, names, known, parsed, survey_date, separator, batch, long):
    """(source, target, question, day) for every colleague named, in order; and response counts."""
    last: dict[str, int] = {}
    for row, who, *_ in answers:
        if who:
            last[who.lower()] = row
    responses = {"anonymous": 0, "replaced": 0}
    seen_rows: set[int] = set()
    out, pairs = [], set()
    for row, who, q, cell, when in answers:
        field = "respondent"
        if not who:
            if row not in seen_rows:
                responses["anonymous"] += 1
                batch.skip("anonymous responses")
            seen_rows.add(row)
            continue
        if not long and last[who.lower()] != row:
            if row not in seen_rows:
                responses["replaced"] += 1
                batch.skip("earlier responses of the same respondent")
            seen_rows.add(row)
            continue
        seen_rows.add(row)
        source = _person(src, row, field, who, resolver, names, known)
        day = survey_date or (parsed.get(when) if when else None)
        for name in _split(cell, separator):
            if name.lower() in NO_ONE:
                batch.skip("answers naming no one")
                continue
            target = _person(src, row, q if not long else "colleague", name, resolver, names, known)
            if target == source:
                batch.skip("self-nominations")
                continue
            if (source, target, q) in pairs:
                batch.skip("colleague named twice for a question")
                continue
            pairs.add((source, target, q))
            out.append((source, target, q, day))
    responses["respondents"] = len(last)
    return out, responses


def _split(cell: str, separator: str | None) -> list[str]:
    cell = cell.strip()
    if not cell:
        return []
    sep = separator or (";" if ";" in cell else ",")
    return [part.strip() for part in cell.split(sep) if part.strip()]


def _person(src, row, field, value, resolver, names, known) -> str:
    """The pseudonym of a respondent or colleague named by e-mail, employee id or name."""
    if "@" in value:
        return resolver.resolve(value, "email")
    token = resolver.p.token("employee_id", value)
    if token in known:
        return known[token]
    person, count = names.lookup(value)
    if person is not None:
        return person
    if count > 1:
        raise src.error(row, field, f"{count} people on the roster are called {value!r}",
                        "Name them by e-mail address in the survey (or as 'Name <e-mail>'), so each answer names one person.")
    raise src.error(row, field, f"no one on the roster is called {value!r}",
                    "Correct the spelling to the roster's, name the person by e-mail, or import the roster first; nothing was imported.")
