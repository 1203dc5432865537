"""Who a program works with: the people employed now, their org chart, and their network.

Programs act on today's organization, so a :class:`Population` is

* the **people employed at the end of the data** (``as_of``, the last day
  with an interaction or tie): their current roster record, without those
  who left on or before it. People hired after it (about to start) are in
  too: introductions can begin before a joiner's first day;
* their **ties**: every pair of people tied (either way, any channel) in any
  window of the latest analysis (``network_edges``), so "not already tied"
  means not tied at any time in the analysed data;
* their **community** in the latest window, each named after its largest
  department ("the Finance community");
* each level's **seniority** (:mod:`.levels`).

Everything here is pseudonymous, as stored in the analytics database.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import SocialHRError
from ..network.aggregate import ALL_CHANNELS, data_span
from ..network.store import require_results
from .levels import level_ranks, rank_of

NO_COMMUNITY = -1

_PEOPLE_SQL = """
SELECT person, department, team, manager, level, location, hire_date, exit_date, CAST(attributes AS VARCHAR)
FROM people
WHERE exit_date IS NULL OR exit_date > CAST($as_of AS DATE)
ORDER BY person
"""


@dataclass
class Population:
    """The people a program can involve, aligned by index (sorted pseudonyms)."""

    as_of: dt.date
    window_id: str
    person: np.ndarray
    department: list[str | None]
    team: list[str | None]
    location: list[str | None]
    level: list[str | None]
    manager: np.ndarray  # index of the manager, -1 when unknown or not employed
    hire_date: list[dt.date | None]
    attributes: list[dict[str, Any]]
    community: np.ndarray  # community in the latest window, NO_COMMUNITY when none
    community_name: dict[int, str]
    level_rank: dict[str, float]
    seniority: np.ndarray  # rank of each person's level, nan when unknown
    indptr: np.ndarray  # ties as CSR: the neighbours of i are indices[indptr[i]:indptr[i + 1]]
    indices: np.ndarray
    index: dict[str, int] = field(repr=False, default_factory=dict)

    def __len__(self) -> int:
        return len(self.person)

    def neighbours(self, i: int) -> np.ndarray:
        """Indices of the people tied to person ``i``."""
        return self.indices[self.indptr[i]:self.indptr[i + 1]]

    def tied(self, i: int, j: int) -> bool:
        return bool(np.any(self.neighbours(i) == j))

    def find(self, person: str) -> int:
        """Index of a pseudonym, or a :class:`SocialHRError`."""
        try:
            return self.index[person]
        except KeyError:
            raise SocialHRError(f"{person!r} is not among the people employed on {self.as_of}",
                                hint="Give a pseudonym from 'socialhr export DIR people', or an employee id with the vault.") from None

    def min_rank(self, level: str | None) -> float:
        """The rank of ``level`` (a :class:`SocialHRError` listing the levels if unknown); -inf for None."""
        return -np.inf if level is None else rank_of(level, self.level_rank)

    def joiners(self, days: int) -> np.ndarray:
        """Indices of people hired within the last ``days`` days of the data, or after it (about to start)."""
        first = self.as_of - dt.timedelta(days=days - 1)
        return np.array([i for i, h in enumerate(self.hire_date) if h is not None and h >= first], dtype=np.int64)

    def describe_community(self, c: int) -> str:
        return self.community_name.get(c, f"community {c}")


def load(ws: Any) -> Population:
    """The workspace's population now (needs an analysis: ``socialhr analyze``)."""
    db = ws.db
    require_results(db)
    span = data_span(db)
    if span is None:
        raise SocialHRError("the workspace has no interactions or ties", hint="Import collaboration data, then run: socialhr analyze DIR")
    as_of = span[1]
    rows = db.execute(_PEOPLE_SQL, {"as_of": as_of}).fetchall()
    if not rows:
        raise SocialHRError(f"no one on the roster is employed on {as_of}", hint="Import a roster: socialhr ingest DIR roster FILE")
    person = np.array([r[0] for r in rows], dtype=object).astype(str)
    index = {p: i for i, p in enumerate(person)}
    manager = np.array([index.get(r[3], -1) if r[3] is not None else -1 for r in rows], dtype=np.int64)
    level = [r[4] for r in rows]
    ranks = level_ranks(level, [int(m) if m >= 0 else None for m in manager], setting=ws.settings.get("level_order") or None)
    seniority = np.array([ranks.get(lv, np.nan) if lv is not None else np.nan for lv in level], dtype=float)

    window = db.execute("SELECT window_id FROM network_windows ORDER BY ordinal DESC LIMIT 1").fetchone()
    window_id = window[0] if window else ""
    community = np.full(len(person), NO_COMMUNITY, dtype=np.int64)
    metrics = db.execute("SELECT person, community FROM person_metrics WHERE window_id = ? AND community IS NOT NULL",
                         [window_id]).fetch_arrow_table()
    if metrics.num_rows:
        at = pc.index_in(metrics["person"], value_set=pa.array(person))
        keep = pc.is_valid(at)
        community[pc.filter(at, keep).to_numpy(zero_copy_only=False).astype(np.int64)] = \
            pc.filter(metrics["community"], keep).to_numpy(zero_copy_only=False)
    names = _community_names(person, community, [r[1] for r in rows])

    edges = db.execute(
        "SELECT DISTINCT least(source, target) AS a, greatest(source, target) AS b FROM network_edges WHERE channel = ?",
        [ALL_CHANNELS],
    ).fetch_arrow_table()
    indptr, indices = _csr(person, edges)
    return Population(
        as_of=as_of, window_id=window_id, person=person,
        department=[r[1] for r in rows], team=[r[2] for r in rows], location=[r[5] for r in rows], level=level,
        manager=manager, hire_date=[r[6] for r in rows],
        attributes=[_attributes(r[8]) for r in rows],
        community=community, community_name=names, level_rank=ranks, seniority=seniority,
        indptr=indptr, indices=indices, index=index,
    )


def _attributes(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _community_names(person: np.ndarray, community: np.ndarray, department: list[str | None]) -> dict[int, str]:
    """Each community named after its largest department: 'the Finance community'."""
    counts: dict[int, dict[str, int]] = {}
    for c, d in zip(community.tolist(), department):
        if c != NO_COMMUNITY and d is not None:
            counts.setdefault(c, {}).setdefault(d, 0)
            counts[c][d] += 1
    names = {}
    for c, by_dept in counts.items():
        top = max(sorted(by_dept), key=by_dept.get)
        names[c] = f"the {top} community"
    # Two communities led by one department are told apart by number.
    led: dict[str, list[int]] = {}
    for c, name in names.items():
        led.setdefault(name, []).append(c)
    for name, cs in led.items():
        if len(cs) > 1:
            for k, c in enumerate(sorted(cs), start=1):
                names[c] = f"{name} ({k})"
    return names


def _csr(person: np.ndarray, edges: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    n = len(person)
    if edges.num_rows == 0:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    values = pa.array(person)
    a = pc.index_in(edges["a"], value_set=values)
    b = pc.index_in(edges["b"], value_set=values)
    keep = pc.and_(pc.is_valid(a), pc.is_valid(b))
    a = pc.filter(a, keep).to_numpy(zero_copy_only=False).astype(np.int64)
    b = pc.filter(b, keep).to_numpy(zero_copy_only=False).astype(np.int64)
    src = np.concatenate([a, b])
    dst = np.concatenate([b, a])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    return np.cumsum(indptr), dst
