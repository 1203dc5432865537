"""Write a table to CSV, Parquet, JSON or JSON Lines (or the network to GEXF and GraphML for Gephi).

Every row comes through the one read path, :func:`socialhr.results.read`,
for a viewer (an analyst unless said otherwise; an admin for identified
exports): exports hold nothing the same viewer could not read elsewhere, and
group figures are the disclosure-controlled ones.

Files are written safely: a new file readable by its owner only (mode 0600),
written under a temporary name beside it and then put in place, so a failed
export leaves nothing half-written; an existing file is replaced only with
``force=True``, and a symbolic link is never followed.

Rows are streamed: DuckDB runs the query (sorting on disk if it must) and
hands over batches of rows, each batch is prepared (pseudonyms looked up,
employee ids added, lists joined for CSV) with vectorised Arrow operations
and written before the next is read, so memory stays flat however large the
table (benchmarks/export.py measures it).
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
import textwrap
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from . import gephi
from .errors import SocialHRError
from .lists import values as list_values
from .lists import with_values
from .results import TABLES, Result, Viewer, read, table_names
from .workspace import Workspace

FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
# Tables with formats of their own: the network for Gephi.
GRAPH_FORMATS = {"edges": {".gexf": gephi.write_gexf, ".graphml": gephi.write_graphml}}
LIST_SEPARATOR = ";"  # how list cells are joined in CSV

__all__ = ["export_table", "read_table", "table_names", "TABLES", "FORMATS", "output_file"]


def read_table(ws: Workspace, table: str, *, identified: bool = False, viewer: Viewer | None = None, **options: Any) -> pa.Table:
    """The rows of a table as Arrow, through the read path (pseudonymised unless ``identified``)."""
    return read(ws, table, viewer=viewer, identified=identified, **options).to_arrow()


def export_table(
    ws: Workspace, table: str, out: str | Path, *, identified: bool = False, viewer: Viewer | None = None,
    force: bool = False, progress: Callable[[int], None] | None = None, on_result: Callable[[Result], None] | None = None,
    **options: Any,
) -> int:
    """Write ``table`` to ``out`` (format from the extension), streamed; return the row count.

    ``progress``, if given, is called with the number of rows written so far
    after each batch; ``on_result`` with the :class:`~socialhr.results.Result`
    (what was withheld) before writing.
    """
    out = Path(out)
    _check_output(out, force=force)  # (before anything is read)
    suffix = out.suffix.lower()
    graph = GRAPH_FORMATS.get(table, {}).get(suffix)
    if graph is None and suffix not in FORMATS:
        known = ", ".join(sorted(set(FORMATS) | set(GRAPH_FORMATS.get(table, {}))))
        raise SocialHRError(f"cannot tell the format of '{out.name}' from its extension", hint=f"Use one of: {known}.")
    if graph is not None:
        if options.get("window") == "*":
            raise SocialHRError("a graph file holds one window", hint="Give --window ID, or leave it out for the latest.")
        channel = options.pop("channel", None) or "all"
        nodes = read(ws, "person_metrics", viewer=viewer, identified=identified, **options)
        edges = read(ws, "edges", viewer=viewer, identified=identified, channel=channel, **options)
        with output_file(out, force=force) as tmp:
            return graph(nodes.to_arrow().to_pylist(), edges.to_arrow().to_pylist(), tmp, identified=identified)
    result = read(ws, table, viewer=viewer, identified=identified, **options)
    if on_result:
        on_result(result)
    batches = _counted(result.batches, progress) if progress else result.batches
    fmt = FORMATS[suffix]
    rows = 0
    with output_file(out, force=force) as tmp:
        if fmt == "parquet":
            with pq.ParquetWriter(tmp, result.schema) as writer:
                for b in batches:
                    writer.write_batch(b)
                    rows += b.num_rows
        elif fmt == "csv":
            empty = _flatten_lists(pa.RecordBatch.from_pylist([], schema=result.schema))
            with pacsv.CSVWriter(tmp, empty.schema) as writer:  # writes the header even when there are no rows
                for b in batches:
                    writer.write_batch(_flatten_lists(b))
                    rows += b.num_rows
        else:
            rows = _write_json(batches, tmp, lines=fmt == "jsonl")
    return rows


@contextmanager
def output_file(out: Path, *, force: bool = False) -> Iterator[Path]:
    """A private temporary file to write ``out`` through, put in place when the block ends without error.

    Refuses a symbolic link, anything but a regular file, and an existing file
    unless ``force``. The file is created with mode 0600 (owner only) and the
    folder, when it has to be made, with 0700.
    """
    out = Path(out)
    _check_output(out, force=force)
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=parent)  # (mode 0600, created exclusively)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if force:
            os.replace(tmp, out)  # (replaces a link itself, never what it points to)
        else:
            _place_new(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _check_output(out: Path, *, force: bool) -> None:
    if out.is_symlink():
        raise SocialHRError(f"{out} is a symbolic link; exports are never written through one", hint="Give the path of the file itself.")
    if out.exists():
        if not out.is_file():
            raise SocialHRError(f"{out} exists and is not a file", hint="Give the path of a file to write.")
        if not force:
            raise SocialHRError(f"{out} already exists", hint="Choose another name, or add --force to replace it.")


def _place_new(tmp: Path, out: Path) -> None:
    """Put ``tmp`` at ``out``, failing if something appeared there meanwhile."""
    try:
        os.link(tmp, out)  # fails if ``out`` exists, whatever it is
    except FileExistsError:
        raise SocialHRError(f"{out} already exists", hint="Choose another name, or add --force to replace it.") from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # A file system without hard links: claim the name exclusively, then move over the claim.
        try:
            os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
        except FileExistsError:
            raise SocialHRError(f"{out} already exists", hint="Choose another name, or add --force to replace it.") from None
        os.replace(tmp, out)


def _counted(batches: Iterator[pa.RecordBatch], progress: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
    done = 0
    for b in batches:
        yield b
        done += b.num_rows
        progress(done)


def _flatten_lists(data: pa.RecordBatch) -> pa.RecordBatch:
    """CSV has no lists: join list cells with ``;`` (a missing element stays empty); times in ISO 8601;
    text that a spreadsheet would run as a formula defused (:func:`_no_formula`)."""
    for i, f in enumerate(data.schema):
        if pa.types.is_timestamp(f.type):
            data = data.set_column(i, f.name, _iso(data.column(i)))
        elif pa.types.is_list(f.type) or pa.types.is_large_list(f.type):
            lists = data.column(i)
            text = with_values(lists, pc.fill_null(pc.cast(list_values(lists), pa.string()), ""))
            data = data.set_column(i, f.name, _no_formula(pc.binary_join(text, LIST_SEPARATOR)))
        elif pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            data = data.set_column(i, f.name, _no_formula(data.column(i)))
    return data


def _no_formula(text: pa.Array) -> pa.Array:
    """Text from an imported file (a group, channel or attribute name) that starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return is a formula to Excel and LibreOffice when they open a
    CSV: such a cell gets a leading apostrophe, which spreadsheets show as text (OWASP, CSV injection)."""
    risky = pc.match_substring_regex(text, r"^[=+\-@\t\r]")
    if not pc.any(risky).as_py():
        return text
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)


def _iso(times: pa.Array) -> pa.Array:
    """Timestamps in ISO 8601 (``2026-07-01T08:15:00.000000``, with ``Z`` when in UTC). A UTC
    timestamp is formatted as the same instant without a zone, which is ten times faster
    than formatting it with one, and gives the same text."""
    tz = times.type.tz
    if tz is None or tz in ("UTC", "Etc/UTC", "+00:00", "Z"):
        text = pc.cast(pc.cast(times, pa.timestamp(times.type.unit)), pa.string())
        text = pc.replace_substring(text, " ", "T", max_replacements=1)
        return pc.binary_join_element_wise(text, "Z", "") if tz else text
    return pc.strftime(times, format="%Y-%m-%dT%H:%M:%S%z")


def _write_json(batches: Iterator[pa.RecordBatch], out: Path, *, lines: bool) -> int:
    """JSON Lines, or one JSON array (indented by one space per level); row by row, batch by batch."""

    def default(o: Any) -> Any:
        return o.isoformat() if hasattr(o, "isoformat") else str(o)

    rows = 0
    with open(out, "w", encoding="utf-8") as f:
        if not lines:
            f.write("[")
        for b in batches:
            for row in b.to_pylist():
                if lines:
                    f.write(json.dumps(row, default=default) + "\n")
                else:
                    f.write(("\n" if rows == 0 else ",\n") + textwrap.indent(json.dumps(row, default=default, indent=1), " "))
                rows += 1
        if not lines:
            f.write("\n]\n" if rows else "]\n")
    return rows
