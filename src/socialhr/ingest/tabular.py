"""One reading path for tabular files: CSV, TSV, XLSX, Parquet and JSON Lines.

:func:`open_table` checks the file (exists, not empty, readable, the required
columns present after renaming) and returns a :class:`TableSource` that streams
Arrow record batches with canonical column names, so memory stays flat
whatever the file size. When a batch cannot be parsed, :meth:`TableSource.diagnose`
re-reads the file in plain Python to name the exact line and what is wrong;
that slow path only runs on the way to an error.

Line numbers are what an editor shows: in CSV the header is line 1 and the
first row line 2; in Parquet rows are counted from 1 and called "row"; in
JSON Lines the line; in XLSX the sheet row.

What a small file may cost is bounded (docs/connectors.md#bounds): an XLSX
is checked as a zip (Deflate or stored parts only, within
``archive_max_ratio``) before openpyxl opens it, and is read no wider than
the columns used and no further than Excel's last row; a Parquet file may
hold at most ``archive_max_ratio`` values per byte; JSON Lines nested too
deeply are refused before Arrow infers their types (which overflows its
stack), and fields that are not read are skipped unparsed.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from ..errors import InputError
from .archive import MAX_RATIO, check_workbook

FORMATS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
}

ENCODING_HINT = "Save the file as UTF-8, or pass --encoding with the file's encoding (for example --encoding latin-1, or cp1252 for Excel on Windows)."
_EXCEL_ROWS = 1_048_576  # the last row of an Excel sheet
_MIN_BOMB_VALUES = 1_000_000  # Parquet files of fewer values are never called bombs (archive_max_ratio)
_JSON_BLOCK = 4 << 20  # Arrow's JSON block: its types are inferred from the first
_DEEP_JSON = "not valid JSON (arrays and objects nested too deeply)"
_DEEP_JSON_HINT = "Each line must hold one JSON object of plain values."


@dataclass
class TableSource:
    path: Path
    format: str
    columns: list[str]            # canonical names, in file order
    source_columns: list[str]     # names as in the file
    encoding: str = "utf-8"
    batch_rows: int = 1 << 20
    multiline: bool = False
    skip_lines: int = 0  # CSV/TSV: lines before the header (notes some exports put first)
    total_rows: int | None = None
    text_columns: list[str] = field(default_factory=list)  # JSON fields read as text, as in the file
    dictionary_columns: list[str] = field(default_factory=list)  # Parquet text read dictionary-encoded (few distinct values)
    header: list[str] = field(default_factory=list)  # every column name in the file, in order
    positions: list[int] = field(default_factory=list)  # where each of source_columns is in header
    json_schema: pa.Schema | None = None  # JSON Lines: the types of the columns read (inferred from the first block)
    _starts: "array[int] | None" = field(default=None, repr=False)  # multiline CSV: line of each row
    _unclosed: tuple[int, str] | None = field(default=None, repr=False)

    @property
    def line_label(self) -> str:
        return "row" if self.format == "parquet" else "line"

    # -- streaming ---------------------------------------------------------
    def batches(self) -> Iterator[pa.RecordBatch]:
        """Record batches with canonical column names, every column as read."""
        # Arrow's JSON and Parquet readers do not check that text is UTF-8 (its CSV reader does): a bad
        # byte would surface as a UnicodeDecodeError wherever a value is read. Checked here, in C.
        try:
            for batch in self._raw_batches():
                if self.format == "jsonl":
                    batch.validate(full=True)  # (diagnose names the line)
                elif self.format == "parquet":
                    self._check_text(batch)
                yield batch.rename_columns(self.columns)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, OSError) as e:
            raise self.diagnose(fallback=str(e)) from None
        if self.multiline and self.format in ("csv", "tsv"):
            # Arrow reads a quoted field left open at the end of the file (a
            # truncated export) as if it were closed there; the line index's
            # strict pass notices it.
            self._row_lines()
            if self._unclosed is not None:
                raise self.diagnose(fallback=self._unclosed[1])

    def _check_text(self, batch: pa.RecordBatch) -> None:
        for name, column in zip(self.source_columns, batch.columns):
            try:
                column.validate(full=True)
            except pa.ArrowInvalid:
                raise InputError(f"the column '{name}' holds text that is not valid UTF-8", file=self.path,
                                 hint="Write the file again with its text in UTF-8 (as Arrow, pandas and Spark do).") from None

    def _raw_batches(self) -> Iterator[pa.RecordBatch]:
        if self.format in ("csv", "tsv"):
            # Blocks of 4 MB: Arrow reads several ahead, so larger ones cost
            # memory (ten million interactions: 190 MB of Arrow memory with
            # 4 MB, 440 MB with 16 MB) and were no faster.
            # Columns are named by position (the header, read by _read_header,
            # is skipped) and only those used are read: the file's own names
            # may repeat, differ in spaces around them, or be anything at all.
            kept = [f"c{i}" for i in self.positions]
            if not _text_after(self.path, self.skip_lines + 1):
                return  # (Arrow cannot skip a header that ends the file without a line break)
            reader = pacsv.open_csv(
                self.path,
                read_options=pacsv.ReadOptions(encoding=self.encoding, block_size=4 << 20, skip_rows=self.skip_lines + 1,
                                               column_names=[f"c{i}" for i in range(len(self.header))]),
                parse_options=pacsv.ParseOptions(delimiter="\t" if self.format == "tsv" else ",", newlines_in_values=self.multiline),
                convert_options=pacsv.ConvertOptions(
                    include_columns=kept,
                    column_types={c: pa.string() for c in kept},
                    # Only an empty field is missing: "NA" may be Namibia, "Null" a surname.
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
            yield from reader
        elif self.format == "parquet":
            # Text the file stores with a dictionary comes dictionary-encoded,
            # so identifiers are handled once per distinct value. One row group
            # at a time: a batch across row groups would merge their
            # dictionaries, which costs more than reading them (three times as
            # much for ten million interactions).
            pf = pq.ParquetFile(self.path, read_dictionary=_stored_as_dictionary(pq.ParquetFile(self.path), self.dictionary_columns))
            for i in range(pf.metadata.num_row_groups):
                if pf.metadata.row_group(i).num_rows <= self.batch_rows:
                    yield from pf.read_row_group(i, columns=self.source_columns).to_batches()
                else:
                    yield from pf.iter_batches(batch_size=self.batch_rows, row_groups=[i], columns=self.source_columns)
        elif self.format == "jsonl":
            # The types open_table inferred from the first block, as Arrow's streaming reader does, given
            # up front: fields that are not read are then skipped unparsed, never inferred (Arrow's
            # inference overflows its stack on a value nested 20,000 deep).
            opts = pajson.ParseOptions(explicit_schema=self.json_schema, unexpected_field_behavior="ignore")
            # (4 MB blocks, as for CSV: ten million interactions peaked at 0.77 GB, not 1.28 GB, as fast.)
            for batch in pajson.open_json(self.path, read_options=pajson.ReadOptions(block_size=_JSON_BLOCK), parse_options=opts):
                yield batch.select(self.source_columns)
        elif self.format == "xlsx":
            yield from _xlsx_batches(self.path, self.positions, self.batch_rows)

    # -- positions and the slow path to an exact error ----------------------
    def line_of(self, row_index: int) -> int:
        """The editor's line (or Parquet row) of the data row at 0-based ``row_index``."""
        if self.format == "parquet":
            return row_index + 1
        if self.format in ("xlsx",):
            return row_index + 2
        if self.format == "jsonl":
            return _nth_nonblank_line(self.path, row_index)
        if not self.multiline:
            return row_index + 2 + self.skip_lines
        starts = self._row_lines()
        if row_index < len(starts):
            return starts[row_index]
        return (starts[-1] + 1) if len(starts) else 2 + self.skip_lines

    def _row_lines(self) -> "array[int]":
        """The editor's line on which each data row starts (multiline CSV), found in one pass and kept.

        The pass reads as the parser does (blank lines are not rows). It also
        notes a quoted field left open at the end of the file, which the Arrow
        reader accepts silently (see :meth:`batches`).
        """
        if self._starts is None:
            starts = array("q")
            self._unclosed = None
            with open(self.path, encoding="utf-8-sig" if self.encoding == "utf-8" else self.encoding, newline="", errors="replace") as f:
                for _ in range(self.skip_lines):
                    f.readline()
                reader = csv.reader(f, delimiter="\t" if self.format == "tsv" else ",", strict=True)
                start = 1
                try:
                    for i, row in enumerate(reader):
                        if i and row:
                            starts.append(start + self.skip_lines)
                        start = reader.line_num + 1
                except csv.Error as e:
                    # The record that could not be parsed starts at ``start``.
                    self._unclosed = (start + self.skip_lines, str(e))
            self._starts = starts
        return self._starts

    def error(self, row_index: int, field: str | None, message: str, hint: str | None = None) -> InputError:
        return InputError(message, file=self.path, line=self.line_of(row_index), field=field, hint=hint, line_label=self.line_label)

    def diagnose(self, *, fallback: str) -> InputError:
        """Find the first structural problem by reading the file in Python."""
        if self.format in ("csv", "tsv"):
            found = _diagnose_csv(self)
        elif self.format == "jsonl":
            found = _diagnose_jsonl(self)
        else:
            found = None
        if found is not None:
            return found
        return InputError(
            f"cannot read the file: {fallback}",
            file=self.path,
            hint="It may be truncated or not the format its extension says; export it again.",
        )


def open_table(
    path: str | Path,
    *,
    required: list[str],
    optional: list[str] = (),
    column_map: dict[str, str] | None = None,
    aliases: dict[str, str] | None = None,
    encoding: str | None = None,
    keep_extra: bool = False,
    multiline: bool = False,
    text_fields: tuple[str, ...] = (),
    dictionary_fields: tuple[str, ...] | None = None,
    skip_lines: int = 0,
    max_ratio: float = MAX_RATIO,
) -> TableSource:
    """Open a tabular file and check its columns.

    ``column_map`` maps a column name in the file to a socialhr field. Names
    match case-insensitively and ignoring surrounding spaces. ``aliases`` are
    other systems' usual names for a field, used only when the file has no
    column of the field's own name and the map names none. Columns that are
    neither required nor optional are dropped, or kept under their own name
    with ``keep_extra`` (the roster keeps them as attributes). ``skip_lines``
    (CSV and TSV) skips lines before the header row, which then is line
    ``skip_lines + 1``; every line number reported counts them.
    ``text_fields`` are read as text from JSON Lines; ``dictionary_fields``
    (by default the same) are read dictionary-encoded from Parquet when they
    hold text, so that work per value is done once per distinct value.
    ``max_ratio`` (the ``archive_max_ratio`` setting) bounds how far an XLSX or
    a Parquet file may expand.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file: {path}", hint="Check the path; it is relative to where you run the command.")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot tell the format of '{path.name}' from its extension",
            file=None,
            hint="Use a .csv, .tsv, .xlsx, .parquet or .jsonl file.",
        )
    encoding = _check_encoding(encoding)
    if path.stat().st_size == 0 or (fmt in ("csv", "tsv", "jsonl") and not _has_content(path)):
        raise InputError(
            "the file is empty",
            file=path,
            hint=f"Export it again with a header row and data; socialhr expects the columns {', '.join(required)}.",
        )
    if fmt == "xlsx":
        check_workbook(path, max_ratio=max_ratio)
    header = _read_header(path, fmt, encoding, skip_lines if fmt in ("csv", "tsv") else 0)
    source = TableSource(path, fmt, [], [], encoding=encoding, multiline=multiline, skip_lines=skip_lines if fmt in ("csv", "tsv") else 0)
    source.header = header
    if fmt == "parquet":
        source.total_rows = pq.ParquetFile(path).metadata.num_rows
    columns, positions = _map_columns(header, required, list(optional), column_map or {}, keep_extra, path, aliases or {}, source.skip_lines + 1)
    source.columns, source.positions = columns, positions
    source.source_columns = [header[i] for i in positions]
    source.text_columns = [s for c, s in zip(columns, source.source_columns) if c in text_fields]
    if fmt == "parquet":
        _check_parquet(path, source.total_rows * len(source.source_columns), max_ratio)
    elif fmt == "jsonl":
        source.json_schema = _jsonl_schema(path, source.source_columns, source.text_columns)
    dictionary_fields = text_fields if dictionary_fields is None else dictionary_fields
    source.dictionary_columns = [s for c, s in zip(columns, source.source_columns) if c in dictionary_fields]
    return source


def _stored_as_dictionary(pf: pq.ParquetFile, columns: list[str]) -> list[str]:
    """Those of ``columns`` that hold text and that the file stores with a
    dictionary (in its first row group): Arrow then reads them as they are
    stored. Text stored plain is read plain; encoding it while reading would
    hash every value (a second for ten million recipient lists)."""
    meta, schema = pf.metadata, pf.schema_arrow
    if meta.num_row_groups == 0:
        return []
    chunks = {meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i) for i in range(meta.num_columns)}
    return [c for c in columns if c in chunks and pa.types.is_string(schema.field(c).type) and chunks[c].has_dictionary_page]


def _check_encoding(encoding: str | None) -> str:
    if not encoding:
        return "utf-8"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding '{encoding}'", hint="Use a Python codec name such as utf-8, latin-1, cp1252 or utf-16.") from None


def _has_content(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(4096)
    return bool(head.lstrip(b"\xef\xbb\xbf").strip())


def _text_after(path: Path, lines: int) -> bool:
    """Whether anything but blank space follows the first ``lines`` lines."""
    with open(path, "rb") as f:
        for _ in range(lines):
            f.readline()
        while chunk := f.read(1 << 16):
            if chunk.strip():
                return True
    return False


def _read_header(path: Path, fmt: str, encoding: str, skip_lines: int = 0) -> list[str]:
    if fmt in ("csv", "tsv"):
        # Decode the first line alone, so a bad byte further down is reported
        # at its own line by diagnose(), not blamed on the header.
        with open(path, "rb") as f:
            for _ in range(skip_lines):
                f.readline()
            raw = f.readline()
        try:
            text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError as e:
            raise InputError(f"the header is not valid {encoding} ({e.reason} at byte {e.start + 1})", file=path, line=skip_lines + 1, hint=ENCODING_HINT) from None
        try:
            first = next(csv.reader([text], delimiter="\t" if fmt == "tsv" else ",", strict=True), None)
        except csv.Error as e:
            if "unexpected end of data" in str(e):
                raise InputError(f"cannot parse this line as CSV ({e}). A quoted field is not closed: the file may be truncated",
                                 file=path, line=skip_lines + 1, hint="Export it again.") from None
            raise InputError(f"the header row cannot be read as CSV ({e})", file=path, line=skip_lines + 1) from None
        return [h.strip() for h in (first or [])]
    if fmt == "parquet":
        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except (pa.ArrowException, OSError, ValueError) as e:  # (a column name that is not UTF-8: UnicodeDecodeError)
            raise InputError(
                f"not a readable Parquet file ({e})", file=path,
                hint="It may be truncated or not Parquet; export it again.",
            ) from None
    if fmt == "jsonl":
        with open(path, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                if raw.strip():
                    try:
                        obj = json.loads(raw)
                    except (json.JSONDecodeError, UnicodeDecodeError) as e:
                        raise InputError(f"not valid JSON ({e})", file=path, line=lineno, hint="Each line must hold one JSON object.") from None
                    except RecursionError:
                        raise InputError(_DEEP_JSON, file=path, line=lineno, hint=_DEEP_JSON_HINT) from None
                    if not isinstance(obj, dict):
                        raise InputError("expected a JSON object on each line", file=path, line=lineno)
                    return list(obj)
        return []
    if fmt == "xlsx":
        try:
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a damaged workbook
            raise InputError(f"not a readable Excel workbook ({type(e).__name__}: {e})", file=path, hint="Open it in Excel and save it again as .xlsx.") from None
        try:
            row = next(wb.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        finally:
            wb.close()
        return ["" if v is None else str(v).strip() for v in row]
    raise AssertionError(fmt)


def _map_columns(header, required, optional, column_map, keep_extra, path, aliases, header_line=1):
    """The fields of the columns kept, and where each is in ``header``."""
    if not any(header):
        raise InputError("the first line is not a header row", file=path, line=header_line, hint=f"The first line must name the columns: {', '.join(required)}.")
    for name in header:
        if "\x00" in name:
            # (No export writes one; a NUL in a name is damage, and no name can hold it downstream.)
            raise InputError(f"the column name {name!r} holds a NUL character", file=path, line=header_line,
                             hint="The file may be damaged or not text; export it again.")
    wanted = {f.lower(): f for f in list(required) + list(optional)}
    cmap = {k.strip().lower(): v for k, v in column_map.items()}
    present = {h.lower().replace(" ", "_") for h in header} | {v.lower() for v in cmap.values()}
    for alias, target in aliases.items():
        if target.lower() not in present and alias.lower() not in cmap:
            if any(h.lower() == alias.lower() for h in header):
                cmap[alias.lower()] = target
                present.add(target.lower())
    for target in cmap.values():
        if target.lower() not in wanted and not keep_extra:
            raise InputError(f"--map names an unknown field '{target}'", hint=f"Fields: {', '.join(wanted.values())}.")
    columns, positions, seen = [], [], {}
    for position, name in enumerate(header):
        key = name.lower()
        target = cmap.get(key)
        if target is None:
            target = wanted.get(key)
            if target is None and key.replace(" ", "_") in wanted:
                target = wanted[key.replace(" ", "_")]
        else:
            target = wanted.get(target.lower(), target)
        if target is None:
            if not keep_extra or not name:
                continue
            target = name
        if target in seen:
            raise InputError(f"two columns map to the field '{target}': '{seen[target]}' and '{name}'", file=path, line=header_line, hint="Rename one, or map it elsewhere with --map.")
        seen[target] = name
        columns.append(target)
        positions.append(position)
    missing = [f for f in required if f not in seen]
    if missing:
        found = ", ".join(h for h in header if h) or "none"
        raise InputError(
            f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} (found: {found})",
            file=path,
            line=header_line,
            hint="Rename the column in the file, or map it: --map 'Your Column=" + missing[0] + "'.",
        )
    return columns, positions


def _check_parquet(path: Path, values: int, max_ratio: float) -> None:
    """Refuse a Parquet file whose columns read hold more than ``max_ratio`` values per byte: dictionary
    and run-length encoding store millions of repeated values in a few bytes (a "Parquet bomb"),
    and every one would be read and imported."""
    size = max(path.stat().st_size, 1)
    if values > _MIN_BOMB_VALUES and values > max_ratio * size:
        raise InputError(f"the file would expand to {values:,} values from {size:,} bytes, {values / size:,.0f} per byte; "
                         f"the limit is {max_ratio:g}", file=path,
                         hint="The file looks like a Parquet bomb; nothing was imported. If it is genuine, raise the archive_max_ratio setting.")


def _jsonl_schema(path: Path, source_columns: list[str], text_columns: list[str]) -> pa.Schema:
    """The types of the columns read, as Arrow's streaming reader infers them from the first block
    (text columns stay text: Arrow would otherwise guess timestamps and drop their offsets). Lines of
    that block long enough to nest deeply are parsed in Python first: one nested too deeply is refused
    here, where Arrow's inference would overflow its stack."""
    with open(path, "rb") as f:
        block = f.read(_JSON_BLOCK)
    if len(block) == _JSON_BLOCK:  # (a block ends at its last line break, as Arrow cuts them)
        block = block[:block.rfind(b"\n") + 1] or block
    for lineno, line in enumerate(block.split(b"\n"), 1):
        if len(line) > 1000:  # (fewer bytes cannot nest 500 deep)
            try:
                json.loads(line)
            except RecursionError:
                raise InputError(_DEEP_JSON, file=path, line=lineno, hint=_DEEP_JSON_HINT) from None
            except ValueError:
                pass  # (left for the reader to report as it always has)
    text = pa.schema([(c, pa.string()) for c in text_columns if c in source_columns])
    try:
        inferred = pajson.read_json(io.BytesIO(block), read_options=pajson.ReadOptions(block_size=_JSON_BLOCK),
                                    parse_options=pajson.ParseOptions(explicit_schema=text, unexpected_field_behavior="infer")).schema
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError):
        inferred = text  # (the first block does not parse: reading it says where, as it always has)
    # (by index: reading every name would decode one that is not UTF-8, in a field that is not read)
    return pa.schema([inferred.field(i) if (i := inferred.get_field_index(c)) >= 0 else pa.field(c, pa.null())
                      for c in source_columns])


def _xlsx_batches(path: Path, idx: list[int], batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The first sheet's columns at positions ``idx`` as text, the header row left out."""
    try:
        yield from _xlsx_rows(path, idx, batch_rows)
    except InputError:
        raise
    except Exception as e:  # openpyxl raises many kinds for a damaged sheet (ParseError, KeyError, BadZipFile...)
        raise InputError(f"cannot read the sheet ({type(e).__name__}: {e})", file=path,
                         hint="Open it in Excel and save it again as .xlsx, or save it as CSV.") from None


def _xlsx_rows(path: Path, idx: list[int], batch_rows: int) -> Iterator[pa.RecordBatch]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = wb.worksheets[0]
        # Rows no wider than the columns read, and no further down than the sheet's dimension says (as
        # before) nor than Excel's last row: a sheet may claim a cell in column XFD, or a row two billion
        # down without a dimension, and openpyxl fills the gap with empty cells.
        last = min(sheet.max_row or _EXCEL_ROWS, _EXCEL_ROWS)
        rows = sheet.iter_rows(min_row=2, max_row=last, max_col=max(idx, default=0) + 1, values_only=True)
        buf: list[list] = [[] for _ in idx]

        def flush() -> pa.RecordBatch:
            batch = pa.RecordBatch.from_arrays([pa.array(col, pa.string()) for col in buf], names=[f"c{i}" for i in idx])
            for col in buf:
                col.clear()
            return batch

        for row in rows:
            for j, i in enumerate(idx):
                v = row[i] if i < len(row) else None
                buf[j].append(None if v is None or v == "" else _cell_text(v))
            if len(buf[0]) >= batch_rows:
                yield flush()
        if buf and buf[0]:
            yield flush()
    finally:
        wb.close()


def _cell_text(v) -> str:
    if hasattr(v, "isoformat"):
        text = v.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _nth_nonblank_line(path: Path, row_index: int) -> int:
    with open(path, "rb") as f:
        n = -1
        for lineno, raw in enumerate(f, 1):
            if raw.strip():
                n += 1
                if n == row_index:
                    return lineno
    return row_index + 1


def _diagnose_csv(src: TableSource) -> InputError | None:
    delim = "\t" if src.format == "tsv" else ","
    # Encoding first, a line at a time, so the message can name the line.
    with open(src.path, "rb") as f:
        decoder = codecs.getincrementaldecoder(src.encoding)()
        for lineno, raw in enumerate(f, 1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as e:
                bad = raw[e.start : e.start + 1].hex()
                return InputError(f"not valid {src.encoding}: byte 0x{bad} at column {e.start + 1}", file=src.path, line=lineno, hint=ENCODING_HINT)
    with open(src.path, encoding="utf-8-sig" if src.encoding == "utf-8" else src.encoding, newline="") as f:
        for _ in range(src.skip_lines):
            f.readline()
        reader = csv.reader(f, delimiter=delim, strict=True)
        start = 1 + src.skip_lines  # (the header itself may be what cannot be parsed)
        try:
            header = next(reader)
            start = reader.line_num + 1 + src.skip_lines
            for row in reader:
                if row and len(row) != len(header):
                    return InputError(
                        f"expected {len(header)} fields, found {len(row)}",
                        file=src.path, line=start,
                        hint="The file may be truncated, or a field holds an unquoted comma or an unclosed quote.",
                    )
                start = reader.line_num + 1 + src.skip_lines
        except csv.Error as e:
            if "unexpected end of data" in str(e):
                # Name the line where the quote that is never closed opens.
                start = _open_quote_line(src, start) or start
            return InputError(
                f"cannot parse this line as CSV ({e})", file=src.path, line=start,
                hint="A quoted field is not closed: the file may be truncated. Export it again.",
            )
    return None


def _open_quote_line(src: TableSource, record_line: int) -> int | None:
    """The line where a quoted field left open at the end of the file begins.

    ``record_line`` is where the unfinished record starts; only the rest of
    the file from there is read.
    """
    delim = "\t" if src.format == "tsv" else ","
    field_start, unquoted, quoted, quote_in_quoted = range(4)
    state, opened = field_start, None
    with open(src.path, encoding="utf-8-sig" if src.encoding == "utf-8" else src.encoding, newline="", errors="replace") as f:
        for lineno, text in enumerate(f, 1):
            if lineno < record_line:
                continue
            for ch in text:
                if state == quoted:
                    if ch == '"':
                        state = quote_in_quoted
                elif ch == '"' and state in (field_start, quote_in_quoted):
                    if state == field_start:
                        opened = lineno
                    state = quoted
                elif ch == delim or ch in "\r\n":
                    state = field_start
                else:
                    state = unquoted
    return opened if state == quoted else None


def _diagnose_jsonl(src: TableSource) -> InputError | None:
    types: dict[str, type] = {}
    with open(src.path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except RecursionError:
                return InputError(_DEEP_JSON, file=src.path, line=lineno, hint=_DEEP_JSON_HINT)
            except UnicodeDecodeError as e:
                return InputError(f"not valid UTF-8 ({e.reason})", file=src.path, line=lineno, hint=ENCODING_HINT)
            except json.JSONDecodeError as e:
                return InputError(f"not valid JSON ({e.msg} at column {e.colno})", file=src.path, line=lineno, hint="Each line must hold one complete JSON object; the file may be truncated.")
            if not isinstance(obj, dict):
                return InputError("expected a JSON object", file=src.path, line=lineno)
            for k, v in obj.items():
                if v is None:
                    continue
                t = list if isinstance(v, list) else type(v)
                if types.setdefault(k, t) is not t:
                    return InputError(
                        f"'{k}' is a {t.__name__} here but a {types[k].__name__} on earlier lines",
                        file=src.path, line=lineno, field=k, hint="Give each field the same type on every line.",
                    )
    return None

