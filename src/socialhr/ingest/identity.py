"""Identity resolution: raw identifiers in, pseudonyms out, in bulk.

An identifier found in an interaction (an e-mail address, an employee id, a
platform user id) becomes:

* the person's pseudonym, when it is an alias of someone on the roster
  (their employee id, their e-mail, case-insensitive);
* otherwise its own token, recorded in ``identities`` with status
  ``external`` (an e-mail on a domain that is not the organization's) or
  ``unresolved`` (anything else), so it is counted, never silently dropped.
  A later roster that names it re-resolves it (:func:`reresolve`).

Work is per distinct identifier, never per row: Arrow dictionary-encodes a
column and only its distinct values are hashed and looked up.
"""

from __future__ import annotations

from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from ..privacy import classify, normalise
from ..workspace import Workspace


class IdentityResolver:
    """Resolves raw identifiers for one batch; :meth:`flush` stores what is new."""

    def __init__(self, ws: Workspace, batch_id: int, *, default_kind: str | None = None):
        self.ws = ws
        self.batch_id = batch_id
        self.default_kind = default_kind
        self.p = ws.pseudonymiser
        self.domains = set(ws.org_domains())
        # token -> (person or None, status) for everything already known
        self.known: dict[str, tuple[str | None, str]] = {
            t: (p, s) for t, p, s in ws.db.execute("SELECT token, person, status FROM identities").fetchall()
        }
        self.cache: dict[str, str | None] = {}
        self.new: dict[str, tuple[str, str, str | None, str]] = {}  # token -> (kind, raw, person, status)

    def resolve(self, raw: str | None, kind: str | None = None) -> str | None:
        """The pseudonym for one raw identifier (None for empty)."""
        if raw is None:
            return None
        key = raw if kind is None else f"{kind}\0{raw}"
        hit = self.cache.get(key, key)
        if hit is not key:
            return hit
        value = raw.strip()
        if not value:
            self.cache[key] = None
            return None
        kind = kind or self.default_kind or classify(value)
        token = self.p.token(kind, value)
        person, status = self.known.get(token, (None, None))
        if status is None:
            status = self._status(kind, value)
            self.known[token] = (None, status)
            self.new[token] = (kind, normalise(kind, value), None, status)
        pseudo = person if person is not None else token
        self.cache[key] = pseudo
        return pseudo

    def _status(self, kind: str, value: str) -> str:
        if kind == "email" and self.domains:
            domain = normalise("email", value).rpartition("@")[2]
            if domain not in self.domains:
                return "external"
        return "unresolved"

    def resolve_array(self, arr: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Map a string column to pseudonyms, hashing each distinct value once."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if not pa.types.is_dictionary(arr.type):
            if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
                arr = pc.cast(arr, pa.string())
            arr = pc.dictionary_encode(arr)
        mapped = pa.array([self.resolve(v) for v in arr.dictionary.to_pylist()], pa.string())
        return pc.take(mapped, arr.indices)

    def resolve_lists(self, arr: pa.Array | pa.ChunkedArray, *, separator: str = ";") -> pa.Array:
        """Map a column of separated identifiers (or of lists) to lists of pseudonyms.

        Recipients are a set: blanks are dropped (as nulls, by the batch
        path) and repeats within a list are removed here.
        """
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
            arr = pc.cast(arr, pa.list_(pa.string()))
            offsets = pc.subtract(arr.offsets, arr.offsets[0])
            return _dedupe(pa.ListArray.from_arrays(offsets, self.resolve_array(arr.flatten()), mask=arr.is_null()))
        if not pa.types.is_dictionary(arr.type):
            if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
                arr = pc.cast(arr, pa.string())
            arr = pc.dictionary_encode(arr)
        # Work on the distinct strings only, then expand with the indices.
        split = pc.split_pattern(arr.dictionary, separator)
        lists = _dedupe(pa.ListArray.from_arrays(split.offsets, self.resolve_array(split.flatten())))
        return pc.take(lists, arr.indices)

    def counts(self) -> dict[str, int]:
        """New identities this batch, by status."""
        out: dict[str, int] = {}
        for _, _, _, status in self.new.values():
            out[status] = out.get(status, 0) + 1
        return out

    def flush(self) -> None:
        """Store new identities: tokens in the analytics database, raw values in the vault."""
        if not self.new:
            return
        rows = [(t, kind, person, status, self.batch_id) for t, (kind, _, person, status) in self.new.items()]
        tbl = pa.table(
            {
                "token": [r[0] for r in rows],
                "kind": [r[1] for r in rows],
                "person": pa.array([r[2] for r in rows], pa.string()),
                "status": [r[3] for r in rows],
                "first_batch": pa.array([r[4] for r in rows], pa.int32()),
            }
        )
        self.ws.db.register("_new_identities", tbl)
        try:
            self.ws.db.execute("INSERT INTO identities SELECT * FROM _new_identities")
        finally:
            self.ws.db.unregister("_new_identities")
        self.ws.vault.add_identities((t, kind, raw) for t, (kind, raw, _, _) in self.new.items())
        self.new.clear()


def _dedupe(lists: pa.ListArray) -> pa.ListArray:
    """Drop repeats inside each list; cheap when there are none (the usual case)."""
    flat = lists.flatten()
    if len(flat) == 0:
        return lists
    # One integer per (list, value) pair: repeats show as fewer distinct pairs.
    codes = pc.dictionary_encode(flat)
    parents = pc.list_parent_indices(lists).cast(pa.int64())
    values = pc.fill_null(codes.indices, -1).cast(pa.int64())
    pairs = pc.add(pc.multiply(parents, len(codes.dictionary) + 1), values)
    if pc.count_distinct(pairs).as_py() == len(flat):
        return lists
    out = []
    for lst in lists.to_pylist():
        out.append(None if lst is None else list(dict.fromkeys(lst)))
    return pa.array(out, pa.list_(pa.string()))


def reresolve(ws: Workspace, remap: dict[str, str]) -> int:
    """Point interactions and ties that used a token at the person it now resolves to.

    Called when a roster names someone first seen as unresolved. Returns the
    number of interaction rows rewritten.
    """
    if not remap:
        return 0
    db = ws.db
    db.register("_remap", pa.table({"token": list(remap), "person": list(remap.values())}))
    try:
        db.execute("UPDATE identities SET person = r.person, status = 'person' FROM _remap r WHERE identities.token = r.token")
        touched = db.execute(
            "SELECT count(*) FROM interactions WHERE sender IN (SELECT token FROM _remap) "
            "OR list_has_any(recipients, (SELECT list(token) FROM _remap))"
        ).fetchone()[0]
        if touched:
            db.execute("UPDATE interactions SET sender = r.person FROM _remap r WHERE interactions.sender = r.token")
            db.execute(
                """UPDATE interactions SET recipients = (
                       SELECT list(coalesce(r.person, x) ORDER BY i)
                       FROM unnest(recipients) WITH ORDINALITY AS u(x, i) LEFT JOIN _remap r ON r.token = u.x)
                   WHERE list_has_any(recipients, (SELECT list(token) FROM _remap))"""
            )
        for col in ("source", "target"):
            db.execute(f"UPDATE ties SET {col} = r.person FROM _remap r WHERE ties.{col} = r.token")
        db.execute("UPDATE outcomes SET person = r.person FROM _remap r WHERE outcomes.person = r.token")
    finally:
        db.unregister("_remap")
    return touched


def tokens_for(ws: Workspace, pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Tokens for (kind, raw value) pairs."""
    p = ws.pseudonymiser
    return [p.token(kind, value) for kind, value in pairs]
