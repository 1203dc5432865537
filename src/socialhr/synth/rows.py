"""Interaction rows as numpy arrays, before they become CSV text.

A :class:`Rows` holds one batch (a week) of interactions: addresses are
indices into the generator's address book (employees first, then external
contacts, then departed contractors), recipients are compressed rows.

>>> r = Rows.build(sender=[0, 1], zone=[0, 0], day=[0, 0], second=[0, 60], channel=[0, 2],
...                duration=[-1, 30], recipients=[[1, 2], [0]])
>>> r.recipients_of(0).tolist(), len(r)
([1, 2], 2)
>>> sorted(tie_keys(r, n_people=3, broadcast_threshold=25).tolist())  # pairs as lo * 3 + hi
[1, 2]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EMAIL, CHAT, MEETING = 0, 1, 2
CHANNELS = ("email", "chat", "meeting")


@dataclass
class Rows:
    sender: np.ndarray  # address index
    zone: np.ndarray  # location index whose UTC offset the timestamp carries
    day: np.ndarray  # day of the window
    second: np.ndarray  # local second of the day
    channel: np.ndarray  # EMAIL, CHAT or MEETING
    duration: np.ndarray  # minutes; -1 when not a meeting
    ptr: np.ndarray  # recipients of row r are rec[ptr[r]:ptr[r + 1]]
    rec: np.ndarray

    _ROW_FIELDS = ("sender", "zone", "day", "second", "channel", "duration")

    def __len__(self) -> int:
        return len(self.sender)

    @classmethod
    def build(cls, *, recipients, **columns) -> "Rows":
        counts = [len(r) for r in recipients]
        flat = np.concatenate([np.asarray(r, dtype=np.int64) for r in recipients]) if recipients else np.empty(0)
        return cls(**{k: np.asarray(v, dtype=np.int64) for k, v in columns.items()},
                   ptr=np.concatenate(([0], np.cumsum(counts))).astype(np.int64), rec=flat.astype(np.int64))

    @classmethod
    def from_slots(cls, row: np.ndarray, target: np.ndarray, **columns) -> "Rows":
        """Rows whose recipients are given slot by slot (``row`` sorted ascending);
        rows left without recipients are dropped."""
        n = len(columns["sender"])
        counts = np.bincount(row, minlength=n)
        keep = counts > 0
        ptr = np.concatenate(([0], np.cumsum(counts[keep])))
        return cls(**{k: np.asarray(v, dtype=np.int64)[keep] for k, v in columns.items()}, ptr=ptr,
                   rec=target.astype(np.int64))

    @classmethod
    def empty(cls) -> "Rows":
        z = np.empty(0, dtype=np.int64)
        return cls(z, z, z, z, z, z, np.zeros(1, dtype=np.int64), z)

    @classmethod
    def concat(cls, parts: list["Rows"]) -> "Rows":
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        cols = {k: np.concatenate([getattr(p, k) for p in parts]) for k in cls._ROW_FIELDS}
        counts = np.concatenate([np.diff(p.ptr) for p in parts])
        return cls(**cols, ptr=np.concatenate(([0], np.cumsum(counts))),
                   rec=np.concatenate([p.rec for p in parts]))

    def counts(self) -> np.ndarray:
        return np.diff(self.ptr)

    def recipients_of(self, r: int) -> np.ndarray:
        return self.rec[self.ptr[r] : self.ptr[r + 1]]

    def take(self, order: np.ndarray) -> "Rows":
        counts = self.counts()[order]
        ptr = np.concatenate(([0], np.cumsum(counts)))
        idx = np.repeat(self.ptr[order] - ptr[:-1], counts) + np.arange(ptr[-1])
        # One gather of packed rows is much faster than one per column for large batches.
        packed = np.stack([getattr(self, k) for k in self._ROW_FIELDS], axis=1)[order]
        cols = {k: np.ascontiguousarray(packed[:, i]) for i, k in enumerate(self._ROW_FIELDS)}
        return Rows(**cols, ptr=ptr, rec=self.rec[idx])

    def sender_of_slots(self) -> np.ndarray:
        return np.repeat(self.sender, self.counts())


def expand(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For compressed rows ``rows`` of ``ptr``: (index into ``rows`` of each entry, entry position)."""
    counts = ptr[rows + 1] - ptr[rows]
    out_ptr = np.concatenate(([0], np.cumsum(counts)))
    which = np.repeat(np.arange(len(rows)), counts)
    return which, ptr[rows][which] + np.arange(out_ptr[-1]) - out_ptr[:-1][which]


def tie_keys(rows: Rows, *, n_people: int, broadcast_threshold: int) -> np.ndarray:
    """Distinct undirected employee pairs that interacted, as sorted ``lo * n_people + hi``.

    E-mail and chat tie the sender to each recipient; a meeting ties every pair
    of attendees (organizer included). Rows with more recipients than
    ``broadcast_threshold`` are broadcasts and make no ties; addresses that are
    not employees (index ``>= n_people``) are ignored.
    """
    counts = rows.counts()
    small = counts <= broadcast_threshold
    keys = []
    written = small & (rows.channel != MEETING)
    slot_row = np.repeat(np.arange(len(rows)), counts)
    sel = written[slot_row]
    a, b = np.repeat(rows.sender, counts)[sel], rows.rec[sel]
    keys.append(_keys(a, b, n_people))
    meeting = np.flatnonzero(small & (rows.channel == MEETING))
    sizes = counts[meeting] + 1
    for s in np.unique(sizes):
        m = meeting[sizes == s]
        att = np.empty((len(m), s), dtype=np.int64)
        att[:, 0] = rows.sender[m]
        if s > 1:
            att[:, 1:] = rows.rec[rows.ptr[m][:, None] + np.arange(s - 1)[None, :]]
        iu, ju = np.triu_indices(int(s), 1)
        keys.append(_keys(att[:, iu].ravel(), att[:, ju].ravel(), n_people))
    return sorted_unique(np.concatenate(keys)) if keys else np.empty(0, dtype=np.int64)


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (NumPy 2's hash-based unique is several times slower here)."""
    a = np.sort(a, kind="stable")
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


def _keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    ok = (a < n) & (b < n) & (a != b)
    a, b = a[ok], b[ok]
    return np.minimum(a, b) * n + np.maximum(a, b)
