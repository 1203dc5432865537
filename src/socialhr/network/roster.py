"""The people of a window and their org chart as it stood then.

Node set of a window: everyone employed during it, i.e. ``hire_date <= last
day`` (or unknown) and ``exit_date >= first day`` (or none), taken from each
person's most recent roster record; a person whose last record was closed
(``valid_to`` set) with no exit date counts as gone from ``valid_to``.
Isolated people are nodes too.

Org chart of a window: for each person, the record valid on the window's last
day, or on their exit date if they left during the window; failing that the
latest record starting before then; failing that their earliest record.

Attributes: each roster attribute with scalar values is a group dimension,
unless :func:`socialhr.privacy.attribute_refusal` refuses it on the window's
values (e-mail addresses, phone numbers, a value per person). Importers
refuse such columns, but a workspace made before they did may hold them.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ..privacy import attribute_refusal
from .windows import Window

DIMENSIONS = ("department", "team", "location", "level")
ATTRIBUTE_PREFIX = "attr:"

_ROSTER_SQL = """
WITH latest AS (
    SELECT person, hire_date, exit_date, valid_to FROM people_history
    QUALIFY row_number() OVER (PARTITION BY person ORDER BY valid_from DESC, batch_id DESC) = 1
), employed AS (
    SELECT person, hire_date, exit_date,
           least(CAST($last AS DATE), coalesce(exit_date, CAST($last AS DATE))) AS as_of
    FROM latest
    WHERE (hire_date IS NULL OR hire_date <= CAST($last AS DATE))
      AND (exit_date IS NULL OR exit_date >= CAST($first AS DATE))
      AND (exit_date IS NOT NULL OR valid_to IS NULL OR valid_to > CAST($first AS DATE))
)
SELECT h.person, h.department, h.team, h.manager, h.level, h.location,
       CAST(h.attributes AS VARCHAR) AS attributes, e.hire_date, e.exit_date
FROM people_history h JOIN employed e USING (person)
QUALIFY row_number() OVER (
    PARTITION BY h.person
    ORDER BY (h.valid_from <= e.as_of AND (h.valid_to IS NULL OR h.valid_to > e.as_of)) DESC,
             CASE WHEN h.valid_from <= e.as_of THEN h.valid_from END DESC NULLS LAST,
             h.valid_from ASC, h.batch_id DESC) = 1
ORDER BY h.person
"""


def roster_at(db: Any, window: Window) -> dict[str, Any]:
    """The window's people, sorted by pseudonym, with their org-chart facts then.

    Returns
    -------
    dict
        ``person`` (numpy array of ids) and, per dimension (department, team,
        location, level, manager, hire_date, exit_date, and ``attr:<key>``
        for each roster attribute with scalar values that may be a group
        dimension), a list aligned with it.
    """
    rows = db.execute(_ROSTER_SQL, {"first": window.start, "last": window.last_day}).fetchall()
    out: dict[str, Any] = {"person": np.array([r[0] for r in rows], dtype=object).astype(str) if rows else np.array([], dtype=str)}
    for i, name in enumerate(("department", "team", "manager", "level", "location"), start=1):
        out[name] = [r[i] for r in rows]
    out["hire_date"] = [r[7] for r in rows]
    out["exit_date"] = [r[8] for r in rows]
    attrs = [json.loads(r[6]) if r[6] else {} for r in rows]
    keys = sorted({k for a in attrs if isinstance(a, dict) for k, v in a.items() if _scalar(v)})
    for k in keys:
        values = [(str(a[k]) if isinstance(a, dict) and k in a and _scalar(a[k]) and a[k] is not None else None) for a in attrs]
        if attribute_refusal(k, values) is None:
            out[ATTRIBUTE_PREFIX + k] = values
    return out


def group_dimensions(roster: dict[str, Any]) -> list[str]:
    """The dimensions people are grouped by: the four org-chart ones, then each attribute."""
    return list(DIMENSIONS) + sorted(k for k in roster if k.startswith(ATTRIBUTE_PREFIX))


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))
