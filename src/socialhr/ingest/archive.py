"""Read a folder or a .zip archive of files the same way, safely.

Exports (Slack, Google Calendar, Teams) come as a .zip or as the folder it
unpacks to. :func:`open_tree` gives both as a :class:`Tree` of members named
by their relative path (``general/2024-01-02.json``), so a connector has one
reading path and its errors name the member (:class:`MemberError`).

Archives are checked before anything is read:

* a member whose path is absolute or climbs out of the archive (``../``) is
  refused (it would escape the folder if unpacked);
* an archive that would expand more than ``archive_max_ratio`` times its own
  size (a "zip bomb") is refused, and no member is read past the size it
  declares.

>>> MemberError("not valid JSON", source="export.zip", member="general/2024-01-02.json", line=3).__str__()
'export.zip/general/2024-01-02.json, line 3: not valid JSON'
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError

MAX_RATIO = 200  # default of the archive_max_ratio setting
_MIN_BOMB_BYTES = 1 << 20  # members this small are never called bombs, whatever their ratio


class MemberError(InputError):
    """An :class:`InputError` about one file of an export: names ``<export>/<member path>``."""

    def __init__(self, message: str, *, source: str | Path, member: str | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        name = Path(source).name
        self.file = f"{name}/{member}" if member else name


@dataclass
class Tree:
    """The files of an export: relative POSIX paths -> where to read them."""

    path: Path
    members: list[str] = field(default_factory=list)
    _zip: zipfile.ZipFile | None = None
    _names: dict[str, str] = field(default_factory=dict)  # member -> name inside the zip
    single: bool = False  # one plain file: errors name just the file
    _raw: Any = None  # the archive opened for direct reads

    @property
    def is_zip(self) -> bool:
        return self._zip is not None

    def __contains__(self, member: str) -> bool:
        return member in self._index

    def read(self, member: str) -> bytes:
        if self._zip is not None:
            # Never inflated past the size the archive declares, which _check_zip bounded.
            try:
                info = self._zip.getinfo(self._names.get(member, member))
                if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.flag_bits & 0x1:
                    return self._read_member(info)
                return self._zip.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
                raise self.error(f"cannot read this member of the archive ({e})", member,
                                 hint="The archive is damaged or truncated; download the export again.") from None
        return (self.path / member).read_bytes()

    def _read_member(self, info: zipfile.ZipInfo) -> bytes:
        """Read one member straight from the archive: zipfile's own path costs ~40 µs a member,
        which dominates exports of many small day files. Checks size and CRC as zipfile does."""
        if self._raw is None:
            self._raw = open(self.path, "rb")
        f = self._raw
        f.seek(info.header_offset)
        header = f.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        skip = int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
        f.seek(skip, 1)
        raw = f.read(info.compress_size)
        if info.compress_type == zipfile.ZIP_STORED:
            data = raw
        else:
            inflater = zlib.decompressobj(-15)
            data = inflater.decompress(raw, info.file_size + 1)
        if len(data) != info.file_size:
            raise zipfile.BadZipFile(f"{len(data):,} bytes where the archive declares {info.file_size:,}")
        if zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile("CRC check failed")
        return data

    def open(self, member: str):
        """A binary file object (for streaming large members)."""
        if self._zip is not None:
            return self._zip.open(self._names.get(member, member))
        return open(self.path / member, "rb")

    def json(self, member: str) -> Any:
        """Parse a JSON member; a syntax error names the member, line and column."""
        data = self.read(member)
        try:
            return json.loads(data)
        except UnicodeDecodeError as e:
            raise self.error(f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})", member,
                             hint="Slack and Microsoft Graph exports are UTF-8; export the data again.") from None
        except json.JSONDecodeError as e:
            raise self.error(f"not valid JSON ({e.msg.removesuffix(' at')} at column {e.colno})", member, line=e.lineno,
                             hint="The file may be truncated or edited by hand; export it again.") from None

    def error(self, message: str, member: str | None = None, **kwargs: Any) -> MemberError:
        if self.single:
            return MemberError(message, source=member or self.path, **kwargs)
        return MemberError(message, source=self.path, member=member, **kwargs)

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> "Tree":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def _index(self) -> set[str]:
        if not hasattr(self, "_members_set"):
            self._members_set = set(self.members)
        return self._members_set


def open_tree(path: str | Path, *, max_ratio: float = MAX_RATIO, single_files: bool = False) -> Tree:
    """Open a folder or a .zip archive as a :class:`Tree` (members sorted by path).

    With ``single_files``, a file that is not a zip archive is a tree of that one file.

    Raises
    ------
    InputError
        If the zip is unreadable, has a member whose path escapes it, or would
        expand more than ``max_ratio`` times its size.
    """
    path = Path(path)
    if path.is_dir():
        members = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        return Tree(path, members)
    if single_files and path.is_file() and path.suffix.lower() != ".zip" and not zipfile.is_zipfile(path):
        return Tree(path.parent, [path.name], single=True)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"not a readable zip archive ({e})", file=path,
                         hint="Give the export's .zip as downloaded, or the folder it unpacks to.") from None
    try:
        names = _check_zip(zf, path, max_ratio)
    except BaseException:
        zf.close()
        raise
    return Tree(path, sorted(names), zf, names)


def _check_zip(zf: zipfile.ZipFile, path: Path, max_ratio: float) -> dict[str, str]:
    members: dict[str, str] = {}
    total = 0
    for info in zf.infolist():
        name = info.filename
        clean = name.replace("\\", "/")
        first = clean.split("/", 1)[0]
        if clean.startswith("/") or ":" in first or (".." in clean and ".." in clean.split("/")):
            raise MemberError("this member's path escapes the archive's folder", source=path, member=name,
                              hint="The archive is unsafe (a 'zip slip'); nothing was imported. Ask for a fresh export.")
        if info.is_dir():
            continue
        if info.file_size > _MIN_BOMB_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
            raise MemberError(
                f"this member would expand {info.file_size / max(info.compress_size, 1):,.0f} times "
                f"(to {info.file_size:,} bytes); the limit is {max_ratio:g}", source=path, member=name,
                hint="The archive looks like a zip bomb; nothing was imported. If it is genuine, unzip it "
                     "yourself and import the folder, or raise the archive_max_ratio setting.")
        total += info.file_size
        members[clean] = name
    size = max(path.stat().st_size, 1)
    if total > _MIN_BOMB_BYTES and total > max_ratio * size:
        raise InputError(
            f"the archive would expand {total / size:,.0f} times (to {total:,} bytes); the limit is {max_ratio:g}",
            file=path, hint="The archive looks like a zip bomb; nothing was imported. If it is genuine, unzip it "
                            "yourself and import the folder, or raise the archive_max_ratio setting.")
    return members


def iter_files(tree: Tree, suffixes: tuple[str, ...]) -> Iterator[str]:
    """Members whose names end with one of ``suffixes`` (case-insensitive), skipping hidden files."""
    for m in tree.members:
        base = m.rsplit("/", 1)[-1]
        if base.startswith(".") or "__MACOSX/" in m:
            continue
        if m.lower().endswith(suffixes):
            yield m
