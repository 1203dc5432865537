"""Bounded cost for small hostile files (issue 14, section 5).

Each case is built here from a few bytes: a zip whose bzip2 member lies about its size, Deflate64 and
encrypted members, calendars whose series run from 1900, every minute, never, or to the year 9999, an
XLSX and a Parquet file that expand far beyond their size, JSON nested too deeply, a named pipe where a
file belongs. Each ends in the clear error a user sees (asserted word for word) or a bounded result, and
changes nothing stored. Timings are never asserted: ``time_limit`` only turns a hang of the code before
these bounds into a failure instead of a stuck test run.

The end of the module fuzzes every importer with small hostile inputs (mutated samples from tests/data,
random bytes, truncated zips): the only exceptions allowed are SocialHRError's.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialhr.errors import SocialHRError
from socialhr.ingest import IMPORTERS, ingest
from socialhr.network.analyze import analyze
from socialhr.workspace import Workspace

DATA = Path(__file__).parent.parent / "data"


class Hung(AssertionError):
    pass


@contextmanager
def time_limit(seconds: int = 60):
    """Fail instead of hanging: before these bounds, some of the inputs below blocked forever or ran for minutes."""

    def stop(signum, frame):
        raise Hung(f"still running after {seconds} s: this input's cost is not bounded")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def refused(ws, snap, kind, path, **options) -> str:
    """Import ``path``, expect a SocialHRError, check nothing stored changed; return the message."""
    before = snap(ws)
    with time_limit(), pytest.raises(SocialHRError) as excinfo:
        ingest(ws, kind, path, **options)
    assert snap(ws) == before
    return str(excinfo.value)


# -- zip archives ------------------------------------------------------------------------------------

def _patched(data: bytes, name: str, **fields: int) -> bytes:
    """``data`` (a zip) with the local and central headers of member ``name`` rewritten:
    ``flags``, ``method``, ``crc``, ``size`` (the uncompressed size it declares)."""
    local = {"flags": (6, "<H"), "method": (8, "<H"), "crc": (14, "<I"), "size": (22, "<I")}
    central = {"flags": (8, "<H"), "method": (10, "<H"), "crc": (16, "<I"), "size": (24, "<I")}
    out = bytearray(data)
    found = 0
    for signature, layout, name_at in ((b"PK\x03\x04", local, 30), (b"PK\x01\x02", central, 46)):
        at = out.find(signature)
        while at >= 0:
            n = struct.unpack_from("<H", out, at + name_at - (4 if name_at == 30 else 18))[0]
            if bytes(out[at + name_at:at + name_at + n]) == name.encode():
                for field, value in fields.items():
                    offset, fmt = layout[field]
                    struct.pack_into(fmt, out, at + offset, value)
                found += 1
            at = out.find(signature, at + 4)
    assert found == 2, "the member's local and central headers"
    return bytes(out)


def _zip(folder: Path, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(folder).as_posix())
    return buf.getvalue()


def test_a_bzip2_member_that_lies_about_its_size_is_never_inflated_past_it(rostered, snap, tmp_path):
    # users.json says it holds 2 bytes ("[]"); its bzip2 stream inflates to 48 MB of JSON whitespace.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("users.json", b"[" + b" " * (48 << 20) + b"]", compress_type=zipfile.ZIP_BZIP2)
        z.writestr("channels.json", "[]")
    path = tmp_path / "export.zip"
    path.write_bytes(_patched(buf.getvalue(), "users.json", size=2, crc=zlib.crc32(b"[]")))
    assert path.stat().st_size < 1024
    tracemalloc.start()
    try:
        message = refused(rostered, snap, "slack", path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == ("export.zip/users.json: this member holds more than the 2 bytes the archive declares for it. "
                       "The archive is damaged or built to deceive (a zip bomb); nothing was imported. Download the export again.")
    assert peak < 16 << 20  # the 48 MB were never inflated


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bzip2_and_lzma_members_that_tell_the_truth_import(rostered, data, tmp_path, method):
    path = tmp_path / "export.zip"
    path.write_bytes(_zip(data / "slack" / "export", compression=method))
    result = ingest(rostered, "slack", path)
    assert (result.rows_read, result.rows_imported) == (17, 14)


# (kind, the folder zipped, the member made unreadable)
ZIPPED = [("slack", "slack/export", "users.json"), ("teams", "teams/export", "chat_messages.json"),
          ("calendar", "calendar/google", "ada.lovelace@acme.example.ics")]


@pytest.mark.parametrize("kind, folder, member", ZIPPED)
def test_a_deflate64_member_is_refused_by_name(rostered, snap, tmp_path, kind, folder, member):
    path = tmp_path / "export.zip"
    path.write_bytes(_patched(_zip(DATA / folder, compression=zipfile.ZIP_STORED), member, method=9))
    assert refused(rostered, snap, kind, path) == (
        f"export.zip/{member}: this member is compressed with Deflate64 (method 9), which socialhr cannot read. "
        "Unzip the archive with a tool that can (7-Zip, The Unarchiver) and import the folder, or zip the files "
        "again with standard (Deflate) compression; nothing was imported.")


@pytest.mark.parametrize("kind, folder, member", ZIPPED)
def test_an_encrypted_member_is_refused_by_name(rostered, snap, tmp_path, kind, folder, member):
    path = tmp_path / "export.zip"
    path.write_bytes(_patched(_zip(DATA / folder), member, flags=0x1))
    assert refused(rostered, snap, kind, path) == (
        f"export.zip/{member}: this member is encrypted. socialhr does not read password-protected archives: "
        "unzip it with its password and import the folder; nothing was imported.")


# -- calendars ------------------------------------------------------------------------------------------

def _ics(tmp_path: Path, *events: list[str], stamp: str = "20260801T000000Z", name: str = "cal.ics") -> Path:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0"]
    for i, event in enumerate(events):
        lines += ["BEGIN:VEVENT", f"UID:e{i}", f"DTSTAMP:{stamp}", *event,
                  "ORGANIZER:mailto:ada.lovelace@acme.example",
                  "ATTENDEE;PARTSTAT=ACCEPTED:mailto:alan.turing@acme.example", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    path = tmp_path / name
    path.write_text("\r\n".join(lines) + "\r\n", newline="")
    return path


ONE_MEETING = ["DTSTART:20260715T090000Z", "DTEND:20260715T093000Z"]


def test_a_daily_series_from_1900_is_refused_by_its_span(rostered, snap, tmp_path):
    path = _ics(tmp_path, ["DTSTART:19000101T090000Z", "RRULE:FREQ=DAILY"])
    assert path.stat().st_size < 300
    assert refused(rostered, snap, "calendar", path) == (
        "cal.ics, line 3, field 'RRULE': this series starts on 1900-01-01 and would be expanded to the end of the "
        "imported period on 2026-08-01, over 126 years; a series is expanded over at most 50 years. Check the "
        "event's DTSTART and the end of the period (the end option, else the latest DTSTAMP or event start); "
        "if the series is genuine, raise the calendar_max_years setting.")


def test_a_minutely_series_without_end_is_refused_by_its_occurrences(rostered, snap, tmp_path):
    path = _ics(tmp_path, ["DTSTART:20260701T090000Z", "RRULE:FREQ=MINUTELY"], stamp="20260713T000000Z")
    assert refused(rostered, snap, "calendar", path) == (
        "cal.ics, line 3, field 'RRULE': the recurrence rule 'FREQ=MINUTELY' repeats more than 10,000 times "
        "before the end of the imported period (2026-07-13). If the series is genuine, raise the "
        "calendar_max_occurrences setting; otherwise fix or remove the event, or import a period that ends "
        "sooner (the end option).")


def test_the_occurrence_bound_is_a_setting(tmp_path):
    ws = Workspace.init(tmp_path / "ws", settings={"calendar_max_occurrences": 20_000})
    try:
        result = ingest(ws, "calendar", _ics(tmp_path, ["DTSTART:20260701T090000Z", "RRULE:FREQ=MINUTELY"],
                                             stamp="20260713T000000Z"))
        assert result.rows_imported == 16_741  # every minute from 1 July 09:00 to 13 July 00:00
    finally:
        ws.close()


def test_a_rule_that_never_matches_is_not_searched_past_the_period(rostered, tmp_path):
    never = ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
             "FREQ=MINUTELY;BYMONTH=4;BYMONTHDAY=31", "FREQ=WEEKLY;BYMONTH=6;BYMONTHDAY=31"]
    # (DTSTART is always an occurrence, RFC 5545 3.8.5.3: the EXDATE takes it out, so the rules alone are searched)
    path = _ics(tmp_path, ONE_MEETING, *[["DTSTART:20260701T090000Z", f"RRULE:{rule}", "EXDATE:20260701T090000Z"]
                                         for rule in never])
    with time_limit():  # before: dateutil searched each rule up to the year 9999 (about 6 s for DAILY, 10 s for MINUTELY)
        result = ingest(rostered, "calendar", path)
    assert (result.rows_read, result.rows_imported) == (5, 1)
    assert result.skipped == {"no_occurrences": 4}


def test_many_heavy_series_are_refused_by_the_expansion_bound(rostered, snap, tmp_path):
    # 30 series of 9,000 daily occurrences each (each within the per-series bounds): 270,000 dates from 7 KB.
    series = [[f"DTSTART:2001{1 + i % 12:02d}01T0{i % 10}0000Z", "RRULE:FREQ=DAILY;COUNT=9000"] for i in range(30)]
    path = _ics(tmp_path, *series)
    assert path.stat().st_size < 8 << 10
    message = refused(rostered, snap, "calendar", path)
    assert re.fullmatch(
        r"cal\.ics, line \d+, field 'RRULE': expanding the recurring events of this calendar checks more than 200,000 "
        r"dates for occurrences; the limit is 1,000 per KB of calendar read, and at least 200,000\. If the calendar is "
        r"genuine, raise the calendar_max_expansion setting; otherwise import a period that ends sooner \(the end option\)\.",
        message), message


def test_a_dtstamp_in_9999_ends_in_a_clear_error_or_a_bounded_result(rostered, snap, tmp_path):
    weekly = _ics(tmp_path, ["DTSTART:20260701T090000Z", "RRULE:FREQ=WEEKLY"], stamp="99991231T235959Z", name="weekly.ics")
    assert refused(rostered, snap, "calendar", weekly) == (
        "weekly.ics, line 3, field 'RRULE': this series starts on 2026-07-01 and would be expanded to the end of the "
        "imported period on 9999-12-31, over 7,973 years; a series is expanded over at most 50 years. Check the "
        "event's DTSTART and the end of the period (the end option, else the latest DTSTAMP or event start); "
        "if the series is genuine, raise the calendar_max_years setting.")
    # A single meeting stamped in 9999 is one meeting; a series near the end of time is expanded without overflow.
    ws = Workspace.init(tmp_path / "ws2", settings={"calendar_max_years": 10_000})
    try:
        result = ingest(ws, "calendar", _ics(tmp_path, ONE_MEETING, ["DTSTART:99991201T230000Z", "RRULE:FREQ=WEEKLY"],
                                             stamp="99991231T235959Z", name="late.ics"))
        assert (result.rows_read, result.rows_imported) == (2, 6)  # 15 July 2026, and 1, 8, 15, 22, 29 December 9999
    finally:
        ws.close()


# -- tabular files -----------------------------------------------------------------------------------

def _workbook_bomb(path: Path, padding: int) -> None:
    """The sample roster workbook with ``padding`` bytes of blanks in its sheet: XML that compresses ~1000 times."""
    with zipfile.ZipFile(DATA / "roster" / "workday.xlsx") as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<sheetData>", b"<sheetData>" + b" " * padding, 1)
                assert b" " * padding in body
            out.writestr(info.filename, body, compresslevel=9)


def test_an_xlsx_whose_sheet_expands_far_beyond_its_size_is_refused(ws, snap, tmp_path):
    path = tmp_path / "roster.xlsx"
    _workbook_bomb(path, 64 << 20)
    assert path.stat().st_size < 256 << 10
    assert re.fullmatch(
        r"roster\.xlsx/xl/worksheets/sheet1\.xml: this member would expand [\d,]+ times \(to [\d,]+ bytes\); the limit "
        r"is 200\. The workbook looks like a zip bomb; nothing was imported\. If it is genuine, save it as CSV and "
        r"import that, or raise the archive_max_ratio setting\.", refused(ws, snap, "roster", path))


def test_an_xlsx_member_in_another_compression_is_refused(ws, snap, tmp_path):
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(DATA / "roster" / "workday.xlsx") as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename == "xl/worksheets/sheet1.xml" else zipfile.ZIP_DEFLATED
            out.writestr(info.filename, src.read(info), compress_type=method)
    assert refused(ws, snap, "roster", path) == (
        "roster.xlsx/xl/worksheets/sheet1.xml: this member is compressed with bzip2 (method 12), which socialhr "
        "cannot read in a workbook. Open it in Excel and save it again as .xlsx, or save it as CSV; nothing was imported.")


def test_an_xlsx_row_two_billion_down_is_not_reached(rostered, snap, tmp_path):
    # Without a dimension, openpyxl fills every missing row up to a row's number with an empty one: two
    # billion of them (the Viva importer read them for minutes; the outcomes importer ran out of memory).
    import openpyxl

    plain, path = tmp_path / "plain.xlsx", tmp_path / "p2p.xlsx"
    wb = openpyxl.Workbook()
    for row in (["PrimaryCollaborator_PersonId", "SecondaryCollaborator_PersonId", "MetricDate", "Strong_tie_score"],
                ["a1", "b2", "2026-03-01", "0.3"]):
        wb.active.append(row)
    wb.save(plain)
    far = b'<row r="2000000000"><c r="A2000000000" t="inlineStr"><is><t>a1</t></is></c></row>'
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*" ?/>', b"", body.replace(b"</sheetData>", far + b"</sheetData>"))
                assert b"<dimension" not in body  # (openpyxl would read no further than the last row it names)
            out.writestr(info.filename, body)
    assert refused(rostered, snap, "viva-p2p", path) == (  # the first of the empty rows, read up to Excel's last row at most
        "p2p.xlsx, line 3, field 'PrimaryCollaborator_PersonId': the PersonId is empty. Every row needs both "
        "collaborators' PersonIds; export the query again.")


def test_a_parquet_file_that_expands_far_beyond_its_size_is_refused(rostered, snap, tmp_path):
    # Four million identical interactions: dictionary and run-length encoding store them in a few KB.
    index = pa.array(np.zeros(4_000_000, np.int32))
    columns = {name: pa.DictionaryArray.from_arrays(index, pa.array([value])) for name, value in [
        ("timestamp", "2026-07-01T09:00:00Z"), ("sender", "ada.lovelace@acme.example"),
        ("recipients", "alan.turing@acme.example"), ("channel", "email")]}
    schema = pa.schema([pa.field(name, column.type, nullable=False) for name, column in columns.items()])
    path = tmp_path / "interactions.parquet"
    pq.write_table(pa.table(columns, schema=schema), path, compression="zstd", data_page_size=64 << 20, write_statistics=False)
    assert path.stat().st_size < 40 << 10
    assert re.fullmatch(
        r"interactions\.parquet: the file would expand to 16,000,000 values from [\d,]+ bytes, [\d,]+ per byte; the "
        r"limit is 200\. The file looks like a Parquet bomb; nothing was imported\. If it is genuine, raise the "
        r"archive_max_ratio setting\.", refused(rostered, snap, "interactions", path))


# -- JSON nested too deeply ---------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_json_nested_too_deeply_is_refused(rostered, snap, tmp_path):
    slack = tmp_path / "export"
    shutil.copytree(DATA / "slack" / "export", slack)
    (slack / "users.json").write_text(DEEP)
    assert refused(rostered, snap, "slack", slack) == (
        "export/users.json: not valid JSON (arrays and objects nested too deeply). Exports nest a few levels; this "
        "file was not written by Slack or Microsoft Graph: export the data again.")
    teams = tmp_path / "messages.jsonl"
    teams.write_text('{"messageType": "message"}\n' + DEEP + "\n")
    assert refused(rostered, snap, "teams", teams) == (
        "messages.jsonl, line 2: not valid JSON (arrays and objects nested too deeply). Exports nest a few levels; "
        "this file was not written by Slack or Microsoft Graph: export the data again.")


_CHILD = """
import json, sys
from pathlib import Path
from socialhr.errors import SocialHRError
from socialhr.ingest import ingest
from socialhr.workspace import Workspace
ws = Workspace.init(Path(sys.argv[1]) / "ws")
for path in sys.argv[2:]:
    before = ws.counts()
    try:
        ingest(ws, "interactions", path)
        print(json.dumps(["imported", path]))
    except SocialHRError as e:
        print(json.dumps([str(e), ws.counts() == before]))
"""


def test_json_lines_nested_too_deeply_are_refused_before_arrow_reads_them(tmp_path):
    # Arrow's JSON reader overflows its stack (a crash, not an error) inferring a type 20,000 levels deep,
    # so the import runs in a child process: a crash fails this test instead of the whole run.
    row = {"timestamp": "2026-07-01T09:00:00Z", "sender": "ada.lovelace@acme.example",
           "recipients": "alan.turing@acme.example", "channel": "email"}
    deep = json.dumps(row)[:-1] + ', "x": ' + DEEP + "}"
    paths = []
    for deep_line in (1, 2):
        lines = [json.dumps(row)] * 3
        lines[deep_line - 1] = deep
        paths.append(tmp_path / f"line{deep_line}.jsonl")
        paths[-1].write_text("\n".join(lines) + "\n")
    child = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path), *map(str, paths)],
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr[-2000:]
    assert [json.loads(line) for line in child.stdout.splitlines()] == [
        [f"line{n}.jsonl, line {n}: not valid JSON (arrays and objects nested too deeply). "
         "Each line must hold one JSON object of plain values.", True] for n in (1, 2)]


# -- e-mail ----------------------------------------------------------------------------------------

def test_a_header_folded_over_many_lines_costs_what_it_holds(rostered, tmp_path):
    # 600,000 continuation lines of one To: header (8 MB): each one was appended by copying all before it.
    path = tmp_path / "box.mbox"
    path.write_bytes(b"From x Thu Jul 02 09:30:00 2026\nFrom: ada.lovelace@acme.example\nTo: alan.turing@acme.example,\n"
                     + b" p@acme.example,\n" * 600_000 + b"Date: Thu, 2 Jul 2026 09:30:00 +0200\n\nbody\n")
    with time_limit():
        result = ingest(rostered, "email", path)
    assert (result.rows_read, result.rows_imported) == (1, 1)
    assert result.notes["kinds"] == {"message": 1}  # to alan and p@, however often p@ is named


# -- analysis windows --------------------------------------------------------------------------------

def test_too_many_windows_are_refused_with_how_many_and_what_to_do(rostered, snap, tmp_path):
    path = tmp_path / "stray.csv"
    path.write_text("timestamp,sender,recipients,channel\n"
                    "1900-01-15T09:00:00Z,ada.lovelace@acme.example,alan.turing@acme.example,email\n"
                    "2026-07-01T09:00:00Z,alan.turing@acme.example,ada.lovelace@acme.example,email\n")
    ingest(rostered, "interactions", path)
    before = snap(rostered)
    with time_limit(), pytest.raises(SocialHRError) as excinfo:
        analyze(rostered)
    assert str(excinfo.value) == (
        "the interactions span 1900-01-15 to 2026-07-01: 1,519 monthly windows, more than the 500 one analysis "
        "computes. Each window is a whole network analysis, held in memory until it is stored. Use a coarser window "
        "(--window quarter, or --window all for one window), or raise the analysis_max_windows setting; if a few "
        "stray dates stretch the span, find the import that holds them (socialhr status).")
    assert snap(rostered) == before
    assert len(analyze(rostered, window="all")["windows"]) == 1


def test_windows_are_counted_as_they_are_made():
    from socialhr.network.windows import make_windows, window_count

    rng = np.random.default_rng(14)
    for first_day, days in zip(rng.integers(0, 20_000, 300), rng.integers(0, 1_000, 300)):
        first = dt.date(1990, 1, 1) + dt.timedelta(days=int(first_day))
        last = first + dt.timedelta(days=int(days))
        for spec in ("month", "week", "quarter", "all", "1d", "7d", "45d"):
            assert window_count(spec, first, last) == len(make_windows(spec, first, last)), (spec, first, last)


# -- what the fuzzing below found -----------------------------------------------------------------------------

def test_found_by_fuzzing_a_header_cut_inside_a_quote(rostered, snap, tmp_path):
    path = tmp_path / "person.csv"
    path.write_bytes(b'"PersonId","MetricDate","')
    assert refused(rostered, snap, "viva-person", path) == (
        "person.csv, line 1: cannot parse this line as CSV (unexpected end of data). A quoted field is not closed: "
        "the file may be truncated. Export it again.")


def test_found_by_fuzzing_text_that_is_not_utf8_in_json_lines_and_parquet(rostered, snap, tmp_path):
    lines = (DATA / "interactions" / "messages.jsonl").read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"alan.turing", b"al\xd8an.turing")
    path = tmp_path / "messages.jsonl"
    path.write_bytes(b"\n".join(lines))
    assert refused(rostered, snap, "interactions", path) == (
        "messages.jsonl, line 2: not valid UTF-8 (invalid continuation byte). Save the file as UTF-8, or pass "
        "--encoding with the file's encoding (for example --encoding latin-1, or cp1252 for Excel on Windows).")
    # Parquet: a value, then a column name, that is not UTF-8
    text = lambda *values: pa.array(values, pa.binary()).view(pa.string())  # noqa: E731  (no check made)
    pq.write_table(pa.table({"timestamp": text(b"2026-07-01T09:00:00Z"), "sender": text(b"al\xffan@acme.example"),
                             "recipients": text(b"ada.lovelace@acme.example"), "channel": text(b"email")}), tmp_path / "value.parquet")
    assert refused(rostered, snap, "interactions", tmp_path / "value.parquet") == (
        "value.parquet: the column 'sender' holds text that is not valid UTF-8. Write the file again with its text in "
        "UTF-8 (as Arrow, pandas and Spark do).")
    data = (DATA / "interactions" / "messages.parquet").read_bytes()
    (tmp_path / "name.parquet").write_bytes(data.replace(b"recipients", b"\xaeecipients"))
    assert refused(rostered, snap, "interactions", tmp_path / "name.parquet") == (
        "name.parquet: not a readable Parquet file ('utf-8' codec can't decode byte 0xae in position 0: invalid start "
        "byte). It may be truncated or not Parquet; export it again.")


def test_found_by_fuzzing_a_survey_whose_one_answer_is_blank(rostered, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("respondent,question,question_label,colleague\nE003,advice,Who do you go to?,\n")
    result = ingest(rostered, "survey", path)
    assert (result.rows_read, result.rows_imported) == (1, 0)


def test_found_by_fuzzing_a_json_key_that_is_not_utf8(rostered, snap, tmp_path):
    lines = (DATA / "interactions" / "messages.jsonl").read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"channel"', b'"ch\xffannel"')
    path = tmp_path / "messages.jsonl"
    path.write_bytes(b"\n".join(lines))
    # (the garbled key is not "channel": that line has none)
    assert refused(rostered, snap, "interactions", path) == (
        "messages.jsonl, line 2, field 'channel': the channel is empty. Name the channel, e.g. email, chat or meeting.")


# -- a named pipe, a device or a socket where a file belongs ------------------------------------------------

KINDS = {"roster": "people.csv", "interactions": "messages.csv", "slack": "export.zip", "teams": "messages.json",
         "email": "box.mbox", "calendar": "cal.ics", "outcomes": "outcomes.csv", "viva-p2p": "p2p.csv",
         "viva-person": "person.csv", "survey": "survey.csv", "linkedin": "Connections.csv", "kudos": "kudos.csv"}
OPTIONS = {"linkedin": {"owner": "E001"}}


@pytest.fixture
def fifo(tmp_path):
    """A named pipe factory; on teardown, any reader a test left blocked on one is released."""
    made = []

    def make(path: Path) -> Path:
        os.mkfifo(path)
        made.append(path)
        return path

    yield make
    for path in made:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # no reader waiting
            pass


def test_every_kind_of_source_is_covered():
    assert set(KINDS) == set(IMPORTERS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_named_pipe_as_the_path_is_refused_at_once(rostered, snap, tmp_path, fifo, kind):
    path = fifo(tmp_path / KINDS[kind])
    assert refused(rostered, snap, kind, path, **OPTIONS.get(kind, {})) == (
        f"{path.name}: this is a named pipe (FIFO), not a regular file or folder. socialhr reads only regular "
        "files and folders: save the data to a file and import that.")


def test_a_device_as_the_path_is_refused_at_once(rostered, snap):
    assert refused(rostered, snap, "calendar", Path("/dev/zero")) == (
        "zero: this is a character device, not a regular file or folder. socialhr reads only regular "
        "files and folders: save the data to a file and import that.")


# (kind, sample folder, where the pipe goes in it)
FOLDERS = [("slack", "slack/export", "general/2026-07-03.json"), ("teams", "teams/export", "more.json"),
           ("calendar", "calendar/google", "grace.ics"), ("email", "email/eml", "third.eml")]


@pytest.mark.parametrize("kind, folder, member", FOLDERS)
def test_a_named_pipe_inside_a_folder_is_refused(rostered, snap, tmp_path, fifo, kind, folder, member):
    root = tmp_path / Path(folder).name
    shutil.copytree(DATA / folder, root)
    fifo(root / member)
    assert refused(rostered, snap, kind, root) == (
        f"{root.name}/{member}: this is a named pipe (FIFO), not a regular file. A folder to import must hold only "
        "regular files and folders: move this one out and import again; nothing was imported.")


# -- fuzzing every importer ------------------------------------------------------------------------------

# Seeded (derandomize) and bounded in examples; time_limit guards each example against a hang.
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _sample_zip(folder: str) -> bytes:
    return _zip(DATA / folder)


# (kind, file name, the real sample's bytes, options)
SAMPLES = [
    ("roster", "people.csv", (DATA / "roster" / "workday.csv").read_bytes(), {}),
    ("roster", "people.xlsx", (DATA / "roster" / "workday.xlsx").read_bytes(), {}),
    ("interactions", "messages.csv", (DATA / "interactions" / "messages.csv").read_bytes(), {}),
    ("interactions", "messages.jsonl", (DATA / "interactions" / "messages.jsonl").read_bytes(), {}),
    ("interactions", "messages.parquet", (DATA / "interactions" / "messages.parquet").read_bytes(), {}),
    ("slack", "export.zip", _sample_zip("slack/export"), {}),
    ("teams", "messages.json", (DATA / "teams" / "export" / "chat_messages.json").read_bytes(), {}),
    ("teams", "export.zip", _sample_zip("teams/export"), {}),
    ("email", "box.mbox", (DATA / "email" / "sample.mbox").read_bytes(), {}),
    ("calendar", "cal.ics", (DATA / "calendar" / "outlook.ics").read_bytes(), {}),
    ("calendar", "calendars.zip", _sample_zip("calendar/google"), {}),
    ("outcomes", "outcomes.csv", (DATA / "outcomes" / "outcomes.csv").read_bytes(), {}),
    ("viva-p2p", "p2p.csv", (DATA / "viva" / "p2p_monthly.csv").read_bytes(), {}),
    ("viva-person", "person.csv", (DATA / "viva" / "person_query.csv").read_bytes(), {}),
    ("survey", "survey.csv", (DATA / "survey" / "long.csv").read_bytes(), {"survey_date": "2026-03-15"}),
    ("linkedin", "Connections.csv", (DATA / "linkedin" / "Connections.csv").read_bytes(), {"owner": "E003"}),
    ("kudos", "kudos.csv", (DATA / "kudos" / "kudos.csv").read_bytes(), {}),
]

position = st.integers(0, 1 << 20)
mutation = st.one_of(
    st.tuples(st.just("flip"), position, st.integers(1, 255)),
    st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), position, st.integers(1, 64)),
    st.tuples(st.just("repeat"), position, st.integers(1, 64)),
    st.tuples(st.just("truncate"), position, st.just(0)),
)


def _mutated(data: bytes, ops) -> bytes:
    out = bytearray(data)
    for op, at, arg in ops:
        at %= len(out) + 1
        if op == "flip" and at < len(out):
            out[at] ^= arg
        elif op == "insert":
            out[at:at] = arg
        elif op == "delete":
            del out[at:at + arg]
        elif op == "repeat":
            out[at:at] = out[at:at + arg] * 8
        elif op == "truncate":
            del out[at:]
    return bytes(out)


def _state(ws):
    return ws.counts(), len(ws.batches()), ws.vault.connect().execute("SELECT count(*) FROM identities").fetchone()[0]


def _only_clean_errors(ws, kind, path, options):
    before = _state(ws)
    try:
        with time_limit(30):
            ingest(ws, kind, path, **options)
    except SocialHRError as e:
        assert str(e)
        assert _state(ws) == before, f"{kind}: a refused import changed what is stored"


@FUZZ
@given(st.sampled_from(SAMPLES), st.lists(mutation, min_size=1, max_size=4))
def test_mutated_samples_end_in_an_import_or_a_clean_error(rostered, tmp_path_factory, sample, ops):
    kind, name, data, options = sample
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(_mutated(data, ops))
    _only_clean_errors(rostered, kind, path, options)


@FUZZ
@given(st.sampled_from(SAMPLES), st.binary(max_size=512))
def test_random_bytes_end_in_a_clean_error(rostered, tmp_path_factory, sample, data):
    kind, name, sample_bytes, options = sample
    path = tmp_path_factory.mktemp("fuzz") / name
    # Random bytes, also behind the sample's first bytes (a real header or zip signature) to get further in.
    path.write_bytes(sample_bytes[:len(data) % 64] + data)
    _only_clean_errors(rostered, kind, path, options)
