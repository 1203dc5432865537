"""What an imported file or folder holds: its content hash, and a snapshot that tells whether it changed.

A batch records the SHA-256 of what it imported, so that the same content is
recognised when it comes again. That hash must be of what the importer read:
a file still being written (a copy, a download, an export) or replaced while
it is imported would otherwise be stored in part under the complete file's hash,
and the complete file then refused as already imported. So the batch path takes
a :class:`Snapshot` of the file (or of every file of a folder) before the
importer reads it and compares it with the file at the end, before anything is
committed: any difference (size, modification or change time, inode, a file
added to or removed from a folder) refuses the batch. Reading a file changes
none of these; writing to it, truncating it, replacing or renaming it, changes
at least one. (A write that keeps the size and falls within the file system's
timestamp granularity of the first look, a few milliseconds at most on Linux,
is the one change a snapshot can miss.)

Line-oriented text (interactions in CSV, TSV or JSON Lines) is hashed as its
readers read it (:class:`LineText`): a byte-order mark, CRLF or CR line endings,
empty lines and a missing newline at the end are not content, so the same rows
saved by another editor are recognised as the same file.

>>> h = lambda data: content_hashes_of([data], text_lines=True)[0]
>>> h(b"a,b\\n1,2\\n") == h(b"\\xef\\xbb\\xbfa,b\\r\\n\\r\\n1,2") == h(b"a,b\\n\\n1,2\\n\\n")
True
>>> h(b"a,b\\n1,2\\n") == h(b"a,b\\n1,3\\n")
False
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

CHUNK = 1 << 20
_BOM = b"\xef\xbb\xbf"


def content_hash(path: Path, *, text_lines: bool = False, chunk: int = CHUNK) -> str:
    """SHA-256 of a file's bytes, or of a folder's files (relative names and bytes, in name order).

    With ``text_lines``, of the file's lines as :class:`LineText` reads them.
    """
    return content_hashes(path, text_lines=text_lines, chunk=chunk)[0]


def content_hashes(path: Path, *, text_lines: bool = False, chunk: int = CHUNK) -> tuple[str, str]:
    """:func:`content_hash`, and the SHA-256 of the bytes as they are (the same unless
    ``text_lines`` read them otherwise): batches before schema 8 recorded that one."""
    if path.is_dir():
        h = hashlib.sha256()
        for p in _files(path):
            h.update(str(p.relative_to(path)).encode() + b"\0")
            for block in _blocks(p, chunk):
                h.update(block)
        return h.hexdigest(), h.hexdigest()
    return content_hashes_of(_blocks(path, chunk), text_lines=text_lines)


def content_hashes_of(blocks: Iterable[bytes], *, text_lines: bool = False) -> tuple[str, str]:
    """:func:`content_hashes` of bytes given in blocks (as a file is read)."""
    h = hashlib.sha256()
    if not text_lines:
        for block in blocks:
            h.update(block)
        return h.hexdigest(), h.hexdigest()
    lines = LineText()
    raw = None  # the hash of the bytes as they are, from the first block read otherwise (until then, h)
    for block in blocks:
        read = lines.feed(block)
        if raw is None and read is not block:
            raw = h.copy()
        h.update(read)
        if raw is not None:
            raw.update(block)
    tail = lines.end()
    if tail and raw is None:
        raw = h.copy()
    h.update(tail)
    return h.hexdigest(), (raw or h).hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(q for q in folder.rglob("*") if q.is_file())


def _blocks(path: Path, chunk: int) -> Iterable[bytes]:
    with open(path, "rb") as f:
        while block := f.read(chunk):
            yield block


class LineText:
    """Text in blocks, as line-oriented readers see it: a leading byte-order mark dropped,
    CRLF and CR read as LF, empty lines dropped, the last line ended by a newline.
    :meth:`feed` gives back the very block it is given when it reads it as it is.

    Clean text (LF endings, no empty line) passes through unchanged, at the cost of
    two vectorised scans of each block (about a third of hashing it): one for a CR,
    one for two newlines in a row (read as 16-bit words at both alignments)."""

    def __init__(self):
        self.head: bytes | None = b""  # the first bytes, until there are enough to tell a byte-order mark
        self.at_line_start = True  # the text so far ends a line (or there is none)
        self.cr = False  # the last block ended with a CR, which may start a CRLF

    def feed(self, block: bytes) -> bytes:
        if self.head is not None:
            if len(self.head) + len(block) < len(_BOM):
                self.head += block
                return b""
            block = (self.head + block if self.head else block).removeprefix(_BOM)
            self.head = None
        if self.cr:
            block = b"\r" + block
            self.cr = False
        if block.endswith(b"\r"):
            block, self.cr = block[:-1], True
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if self.at_line_start:
            block = block.lstrip(b"\n")
        if _has_empty_line(block):
            while b"\n\n" in block:
                block = block.replace(b"\n\n", b"\n")
        if block:
            self.at_line_start = block.endswith(b"\n")
        return block

    def end(self) -> bytes:
        tail = b""
        if self.head is not None:  # (fewer bytes in all than a byte-order mark)
            head, self.head = self.head, None
            tail = self.feed(head)
        if self.cr:
            self.cr = False
            if not self.at_line_start:
                tail += b"\n"
            self.at_line_start = True
        return tail if self.at_line_start else tail + b"\n"


def _has_empty_line(block: bytes) -> bool:
    """Does ``block`` hold two newlines in a row? Read as 16-bit words at both
    alignments: about three times as fast as ``b"\\n\\n" in block`` on text whose
    lines are short (``in`` stops at every newline)."""
    n = len(block)
    if n < 2:
        return False
    even = np.frombuffer(block, np.uint16, count=n // 2)
    if (even == 0x0A0A).any():
        return True
    odd = np.frombuffer(block, np.uint16, offset=1, count=(n - 1) // 2)
    return bool((odd == 0x0A0A).any())


@dataclass(frozen=True)
class FileState:
    """What changes when a file is written to, truncated, replaced or renamed (not when it is read)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, path: Path) -> "FileState | None":
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


@dataclass(frozen=True)
class Snapshot:
    """The state of a file, or of every file of a folder (by relative name), at one moment."""

    path: Path
    folder: bool
    files: dict[str, FileState | None]

    @classmethod
    def of(cls, path: str | Path) -> "Snapshot":
        path = Path(path)
        if path.is_dir():
            return cls(path, True, {p.relative_to(path).as_posix(): FileState.of(p) for p in _files(path)})
        return cls(path, False, {"": FileState.of(path)})

    def change_since(self, earlier: "Snapshot") -> str | None:
        """What changed since ``earlier`` (``it grew from 1,024 to 2,048 bytes``,
        ``general/2026-07-03.json was added``), or None when nothing did."""
        if self.folder != earlier.folder:
            return "it was replaced by a folder" if self.folder else "it was replaced by a file"
        names = sorted(set(self.files) | set(earlier.files))
        changes = [(name, c) for name in names if (c := _change(earlier.files.get(name, _ABSENT), self.files.get(name, _ABSENT)))]
        if not changes:
            return None
        name, change = changes[0]
        text = f"{name} {change}" if self.folder else f"it {change}"
        if len(changes) > 1:
            text += f", and {len(changes) - 1:,} other file{'s' if len(changes) > 2 else ''} changed"
        return text


_ABSENT = object()


def _change(before, after) -> str | None:
    if before == after:
        return None
    if after is _ABSENT or after is None:
        return "was deleted" if not (before is _ABSENT or before is None) else None
    if before is _ABSENT or before is None:
        return "was added"
    if (before.inode, before.device) != (after.inode, after.device):
        return "was replaced by another file"
    if after.size > before.size:
        return f"grew from {before.size:,} to {after.size:,} bytes"
    if after.size < before.size:
        return f"shrank from {before.size:,} to {after.size:,} bytes"
    return "was modified"
