"""Read a folder or a .zip archive of files the same way, safely.

Exports (Slack, Google Calendar, Teams) come as a .zip or as the folder it
unpacks to. :func:`open_tree` gives both as a :class:`Tree` of members named
by their relative path (``general/2024-01-02.json``), so a connector has one
reading path and its errors name the member (:class:`MemberError`).

Archives are checked before anything is read:

* a member whose path is absolute or climbs out of the archive (``../``) is
  refused (it would escape the folder if unpacked);
* an encrypted member, or one compressed with a method other than Deflate,
  bzip2, LZMA or none (Deflate64, say), is refused by name;
* an archive that would expand more than ``archive_max_ratio`` times its own
  size (a "zip bomb") is refused, and no member is inflated past the size it
  declares, whatever its method: the bytes are counted as they come out of
  the decompressor, which is never asked for more (a header that lies is
  found after at most one byte too many).

Only regular files and folders are read: :func:`check_source` refuses a named
pipe, a device or a socket given as the path (opening one blocks, or never
ends), and :func:`folder_files` refuses one inside a folder.

>>> MemberError("not valid JSON", source="export.zip", member="general/2024-01-02.json", line=3).__str__()
'export.zip/general/2024-01-02.json, line 3: not valid JSON'
"""

from __future__ import annotations

import bz2
import io
import json
import lzma
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError

MAX_RATIO = 200  # default of the archive_max_ratio setting
_MIN_BOMB_BYTES = 1 << 20  # members this small are never called bombs, whatever their ratio
_READABLE = {zipfile.ZIP_STORED: "none", zipfile.ZIP_DEFLATED: "Deflate", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}
_METHODS = {**_READABLE, 1: "Shrink", 6: "Implode", 9: "Deflate64", 10: "PKWARE Implode", 93: "Zstandard", 95: "XZ",
            96: "JPEG", 97: "WavPack", 98: "PPMd", 99: "AES"}
_ZIP_ADVICE = {
    "bomb": "The archive looks like a zip bomb; nothing was imported. If it is genuine, unzip it yourself and import "
            "the folder, or raise the archive_max_ratio setting.",
    "method": "Unzip the archive with a tool that can (7-Zip, The Unarchiver) and import the folder, or zip the files "
              "again with standard (Deflate) compression; nothing was imported.",
    "encrypted": "socialhr does not read password-protected archives: unzip it with its password and import the folder; "
                 "nothing was imported.",
}
_WORKBOOK_ADVICE = {
    "bomb": "The workbook looks like a zip bomb; nothing was imported. If it is genuine, save it as CSV and import "
            "that, or raise the archive_max_ratio setting.",
    "method": "Open it in Excel and save it again as .xlsx, or save it as CSV; nothing was imported.",
    "encrypted": "Open it in Excel, remove its password and save it again, or save it as CSV; nothing was imported.",
}
DEEP_JSON = "arrays and objects nested too deeply"
DEEP_JSON_HINT = "Exports nest a few levels; this file was not written by Slack or Microsoft Graph: export the data again."
_SPECIAL = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
            stat.S_IFSOCK: "a socket"}


def check_source(path: str | Path) -> None:
    """Refuse ``path`` at once if it is neither a regular file nor a folder: reading a named pipe
    blocks until someone writes to it, a device may never end. A missing path is left to the
    importer, which says so in its own words. Nothing is opened.

    >>> check_source("/dev/null")
    Traceback (most recent call last):
    ...
    socialhr.errors.InputError: null: this is a character device, not a regular file or folder. socialhr reads only regular files and folders: save the data to a file and import that.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise InputError(f"this is {_SPECIAL.get(stat.S_IFMT(mode), 'a special file')}, not a regular file or folder",
                         file=path, hint="socialhr reads only regular files and folders: save the data to a file and import that.")


def folder_files(folder: str | Path) -> list[str]:
    """The regular files under ``folder``, as sorted relative POSIX paths (a symbolic link counts as what
    it points to; a broken one is skipped). A named pipe, device or socket there is refused, by name,
    before anything is read: skipping it would import the folder short of something it holds."""
    folder = Path(folder)
    out = []
    for p in folder.rglob("*"):
        try:
            mode = p.stat().st_mode
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(mode):
            out.append(p.relative_to(folder).as_posix())
        elif not stat.S_ISDIR(mode):
            raise MemberError(f"this is {_SPECIAL.get(stat.S_IFMT(mode), 'a special file')}, not a regular file",
                              source=folder, member=p.relative_to(folder).as_posix(),
                              hint="A folder to import must hold only regular files and folders: move this one out "
                                   "and import again; nothing was imported.")
    return sorted(out)


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
            try:
                return self._read_member(self._zip.getinfo(self._names.get(member, member)))
            except _Lies as e:
                raise self.error(f"this member holds more than the {e.args[0]:,} bytes the archive declares for it", member,
                                 hint="The archive is damaged or built to deceive (a zip bomb); nothing was imported. "
                                      "Download the export again.") from None
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as e:
                raise self.error(f"cannot read this member of the archive ({e})", member,
                                 hint="The archive is damaged or truncated; download the export again.") from None
        return (self.path / member).read_bytes()

    def size(self, member: str) -> int:
        """The member's size: as its archive declares it (never exceeded when read), or on disk."""
        if self._zip is not None:
            return self._zip.getinfo(self._names.get(member, member)).file_size
        return (self.path / member).stat().st_size

    def _read_member(self, info: zipfile.ZipInfo) -> bytes:
        """Read one member straight from the archive, never inflating more than one byte past the size
        it declares, whatever the method (zipfile's own reader asks bzip2 and LZMA for everything a
        block holds: 2.3 GB from 903 bytes). Also faster: zipfile costs ~40 µs a member, which dominates
        exports of many small day files. Checks size and CRC as zipfile does."""
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
        if len(raw) != info.compress_size:
            raise zipfile.BadZipFile("the archive ends inside this member")
        limit = info.file_size + 1
        if info.compress_type == zipfile.ZIP_STORED:
            data = raw[:limit]
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            data = zlib.decompressobj(-15).decompress(raw, limit)
        elif info.compress_type == zipfile.ZIP_BZIP2:
            data = bz2.BZ2Decompressor().decompress(raw, limit)
        elif info.compress_type == zipfile.ZIP_LZMA:
            data = _lzma_member(raw, limit)
        else:  # (refused when the archive was opened)
            raise zipfile.BadZipFile(f"compression method {info.compress_type} is not supported")
        if len(data) > info.file_size:
            raise _Lies(info.file_size)
        if len(data) != info.file_size:
            raise zipfile.BadZipFile(f"{len(data):,} bytes where the archive declares {info.file_size:,}")
        if zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile("CRC check failed")
        return data

    def open(self, member: str):
        """A binary file object (read through :meth:`read`, so bounded as it is)."""
        if self._zip is not None:
            return io.BytesIO(self.read(member))
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
        except RecursionError:
            raise self.error(f"not valid JSON ({DEEP_JSON})", member, hint=DEEP_JSON_HINT) from None

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
        If the path is not a regular file or folder, a folder holds something else (a named pipe...),
        the zip is unreadable, has a member whose path escapes it, that is encrypted or compressed with
        a method socialhr cannot read, or would expand more than ``max_ratio`` times its size.
    """
    path = Path(path)
    check_source(path)
    if path.is_dir():
        return Tree(path, folder_files(path))
    if single_files and path.is_file() and path.suffix.lower() != ".zip" and not zipfile.is_zipfile(path):
        return Tree(path.parent, [path.name], single=True)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise InputError(f"not a readable zip archive ({e})", file=path,
                         hint="Give the export's .zip as downloaded, or the folder it unpacks to.") from None
    try:
        names = _check_zip(zf, path, max_ratio, _READABLE, _ZIP_ADVICE)
    except BaseException:
        zf.close()
        raise
    return Tree(path, sorted(names), zf, names)


def check_workbook(path: str | Path, *, max_ratio: float = MAX_RATIO) -> None:
    """Check an .xlsx before a workbook reader opens it: every part Deflate or stored (the reader would
    inflate bzip2 or LZMA without bound), not encrypted, and within ``max_ratio`` (Deflate parts are then
    never read past their declared size). A file that is not a zip is left to the reader to refuse."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    with zf:
        _check_zip(zf, Path(path), max_ratio, {zipfile.ZIP_STORED: "none", zipfile.ZIP_DEFLATED: "Deflate"},
                   _WORKBOOK_ADVICE, what=" in a workbook")


def _check_zip(zf: zipfile.ZipFile, path: Path, max_ratio: float, methods: dict[int, str], advice: dict[str, str],
               what: str = "") -> dict[str, str]:
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
        if info.flag_bits & 0x1:
            raise MemberError("this member is encrypted", source=path, member=name, hint=advice["encrypted"])
        if info.compress_type not in methods:
            method = _METHODS.get(info.compress_type, "an unknown method")
            raise MemberError(f"this member is compressed with {method} (method {info.compress_type}), which socialhr "
                              f"cannot read{what}", source=path, member=name, hint=advice["method"])
        if info.file_size > _MIN_BOMB_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
            raise MemberError(
                f"this member would expand {info.file_size / max(info.compress_size, 1):,.0f} times "
                f"(to {info.file_size:,} bytes); the limit is {max_ratio:g}", source=path, member=name, hint=advice["bomb"])
        total += info.file_size
        members[clean] = name
    size = max(path.stat().st_size, 1)
    if total > _MIN_BOMB_BYTES and total > max_ratio * size:
        raise InputError(
            f"the archive would expand {total / size:,.0f} times (to {total:,} bytes); the limit is {max_ratio:g}",
            file=path, hint=advice["bomb"])
    return members


class _Lies(Exception):
    """A member inflates past the size its archive declares (args: that size)."""


def _lzma_member(raw: bytes, limit: int) -> bytes:
    """Inflate a zip LZMA member (APPNOTE 5.8.8: a 4-byte header, the LZMA1 properties, raw LZMA data),
    never more than ``limit`` bytes."""
    if len(raw) < 4:
        raise zipfile.BadZipFile("LZMA header too short")
    n = int.from_bytes(raw[2:4], "little")
    props = raw[4:4 + n]
    if n != 5 or len(props) != 5 or props[0] >= 9 * 5 * 5:
        raise zipfile.BadZipFile("bad LZMA properties")
    lc, rest = props[0] % 9, props[0] // 9
    lzma1 = {"id": lzma.FILTER_LZMA1, "lc": lc, "lp": rest % 5, "pb": rest // 5,
             "dict_size": int.from_bytes(props[1:5], "little")}
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma1]).decompress(raw[4 + n:], limit)


def iter_files(tree: Tree, suffixes: tuple[str, ...]) -> Iterator[str]:
    """Members whose names end with one of ``suffixes`` (case-insensitive), skipping hidden files."""
    for m in tree.members:
        base = m.rsplit("/", 1)[-1]
        if base.startswith(".") or "__MACOSX/" in m:
            continue
        if m.lower().endswith(suffixes):
            yield m
