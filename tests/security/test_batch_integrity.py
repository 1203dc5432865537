"""Nothing lost, nothing counted twice (issue 14, section 4).

* A file or folder that changes while it is imported is refused, and nothing is
  stored: the hash recorded is the hash of what was read.
* A process killed between the two stores' commits leaves a batch that the next
  open finds and repairs: both stores hold it, or neither does.
* Messages and meetings are recognised across batches by their natural keys
  (kept as keyed tokens): a repeat is skipped and counted, and a later export of
  a calendar occurrence replaces the earlier one. A tabular file is recognised
  by its content, whatever its line endings, byte-order mark or blank lines.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from socialhr.cli import app
from socialhr.errors import InputError, VaultError
from socialhr.export import read_table
from socialhr.ingest import ingest
from socialhr.workspace import Workspace

HINT = ("Nothing was stored. Import it again once it is completely written "
        "(a copy, download or export may still have been running).")


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def meetings(ws):
    return sorted(ws.db.execute(
        'SELECT "timestamp", sender, list_sort(recipients) FROM interactions WHERE channel = \'meeting\'').fetchall())


# -- 1. a file or folder that changes while it is imported ---------------------------------

def _grows(path: Path, extra: bytes, *, when: int | None = None):
    """A progress callback that appends ``extra`` to ``path`` the first time it is called
    with ``done == when`` (or at its first call): the file is still being written."""
    state = {"done": False}

    def progress(done, total):
        if not state["done"] and (when is None or done == when):
            state["done"] = True
            with open(path, "ab") as f:
                f.write(extra)
    return progress


def test_an_interactions_file_still_being_written_is_refused_and_the_complete_file_imports(rostered, data, tmp_path, snap):
    """The reported case: the import read part of the file while the rest was still arriving.
    The part was stored as complete under the complete file's hash, and the complete file
    was then refused as already imported."""
    lines = (data / "interactions" / "messages.csv").read_bytes().splitlines(keepends=True)
    path = tmp_path / "messages.csv"
    path.write_bytes(b"".join(lines[:5]))  # the header and 4 of the 8 rows
    rest = b"".join(lines[5:])
    size = path.stat().st_size
    before = snap(rostered)
    with pytest.raises(InputError) as e:
        ingest(rostered, "interactions", path, progress=_grows(path, rest, when=4))  # called once 4 rows are read
    assert str(e.value) == (f"messages.csv: the file changed while it was being imported "
                            f"(it grew from {size:,} to {size + len(rest):,} bytes). {HINT}")
    assert snap(rostered) == before
    complete = ingest(rostered, "interactions", path)
    assert (complete.status, complete.rows_imported) == ("imported", 8)
    assert rostered.batches()[-1]["content_hash"] == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_file_truncated_or_replaced_while_it_is_imported_is_refused(rostered, data, tmp_path, snap, fmt):
    path = tmp_path / f"messages.{fmt}"
    shutil.copy(data / "interactions" / f"messages.{fmt}", path)
    size = path.stat().st_size
    before = snap(rostered)

    def cut(done, total):
        if done == 0:  # before a row is read: the reader meets a shorter file (or another one)
            if fmt == "parquet":
                table = pq.read_table(path)
                pq.write_table(table.slice(0, 3), tmp_path / "other.parquet")
                os.replace(tmp_path / "other.parquet", path)
            else:
                with open(path, "r+b") as f:
                    f.truncate(size // 2)

    with pytest.raises(InputError) as e:
        ingest(rostered, "interactions", path, progress=cut)
    change = "it was replaced by another file" if fmt == "parquet" else f"it shrank from {size:,} to {size // 2:,} bytes"
    assert str(e.value) == f"messages.{fmt}: the file changed while it was being imported ({change}). {HINT}"
    assert snap(rostered) == before


def test_a_roster_changed_while_it_is_read_is_refused(ws, data, tmp_path, snap):
    path = tmp_path / "workday.csv"
    shutil.copy(data / "roster" / "workday.csv", path)
    before = snap(ws)

    def edit(done, total):  # the same size, other bytes: someone saves the file in the meantime
        text = path.read_bytes()
        path.write_bytes(text.replace(b"London", b"Londen"))
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))

    with pytest.raises(InputError) as e:
        ingest(ws, "roster", path, progress=edit)
    assert str(e.value) == f"workday.csv: the file changed while it was being imported (it was modified). {HINT}"
    assert snap(ws) == before


SLACK_DAY = [{"type": "message", "user": "U01", "text": "Morning <@U02>", "ts": "1783069200.000100"}]


def test_a_slack_export_folder_that_gains_a_file_during_import_is_refused(rostered, data, tmp_path, snap):
    export = tmp_path / "export"
    shutil.copytree(data / "slack" / "export", export)
    before = snap(rostered)
    added = {"done": False}

    def add_day(done, total):
        if not added["done"]:
            added["done"] = True
            (export / "general" / "2026-07-03.json").write_text(json.dumps(SLACK_DAY))

    with pytest.raises(InputError) as e:
        ingest(rostered, "slack", export, progress=add_day)
    assert str(e.value) == f"export: the folder changed while it was being imported (general/2026-07-03.json was added). {HINT}"
    assert snap(rostered) == before
    assert ingest(rostered, "slack", export).status == "imported"


def test_a_teams_export_folder_whose_file_grows_is_refused(rostered, data, tmp_path, snap):
    export = tmp_path / "teams"
    shutil.copytree(data / "teams" / "export", export)
    member = export / "channel_general.jsonl"
    size = member.stat().st_size
    line = member.read_bytes().splitlines(keepends=True)[0]
    before = snap(rostered)
    with pytest.raises(InputError) as e:
        ingest(rostered, "teams", export, progress=_grows(member, line))
    assert str(e.value) == (f"teams: the folder changed while it was being imported "
                            f"(channel_general.jsonl grew from {size:,} to {size + len(line):,} bytes). {HINT}")
    assert snap(rostered) == before


def _eml(i: int, day: int = 1) -> str:
    return (f"From: ada.lovelace@acme.example\nTo: alan.turing@acme.example\n"
            f"Date: Wed, {day:02d} Jul 2026 09:{i:02d}:00 +0000\nMessage-ID: <m{i}@acme.example>\n\nbody\n")


@pytest.mark.parametrize("layout", ["eml", "maildir"])
def test_an_email_folder_that_changes_during_import_is_refused(rostered, tmp_path, snap, layout):
    """A mail client delivering (a new .eml) or moving a message (Maildir new/ to cur/) meanwhile."""
    folder = tmp_path / "mail"
    if layout == "eml":
        folder.mkdir()
        for i in range(3):
            (folder / f"{i}.eml").write_text(_eml(i))
    else:
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True)
        for i in range(3):
            (folder / "new" / f"17830{i}.M1P1.host").write_text(_eml(i))
    before = snap(rostered)
    moved = {"done": False}

    def meanwhile(done, total):
        if not moved["done"]:
            moved["done"] = True
            if layout == "eml":
                (folder / "3.eml").write_text(_eml(3))
            else:
                os.rename(folder / "new" / "178302.M1P1.host", folder / "cur" / "178302.M1P1.host:2,S")

    with pytest.raises(InputError) as e:
        ingest(rostered, "email", folder, progress=meanwhile)
    what = "3.eml was added" if layout == "eml" else "cur/178302.M1P1.host:2,S was added, and 1 other file changed"
    assert str(e.value) == f"mail: the folder changed while it was being imported ({what}). {HINT}"
    assert snap(rostered) == before


def test_a_calendar_folder_whose_file_is_rewritten_is_refused(rostered, data, tmp_path, snap):
    folder = tmp_path / "google"
    shutil.copytree(data / "calendar" / "google", folder)
    first = sorted(folder.iterdir())[0]
    before = snap(rostered)
    done = {"done": False}

    def rewrite(n, total):
        if not done["done"]:
            done["done"] = True
            other = folder / "new.tmp"
            other.write_bytes(first.read_bytes())
            os.replace(other, first)  # saved by a tool that writes a new file and renames it

    with pytest.raises(InputError) as e:
        ingest(rostered, "calendar", folder, progress=rewrite)
    assert str(e.value) == (f"google: the folder changed while it was being imported "
                            f"({first.name} was replaced by another file). {HINT}")
    assert snap(rostered) == before


# -- 2. a process killed between the two stores' commits ----------------------------------

CHILD = textwrap.dedent("""
    import sys
    from socialhr.ingest import ingest
    from socialhr.workspace import Workspace
    ws = Workspace.open(sys.argv[1])
    options = {"owner": sys.argv[4]} if len(sys.argv) > 4 else {}
    ingest(ws, sys.argv[2], sys.argv[3], **options)
    ws.close()
""")


def _killed_import(ws_path: Path, kind: str, path: Path, fault: str, *extra: str) -> subprocess.CompletedProcess:
    """Import in a child process that the batch path kills (SIGKILL) at ``fault``."""
    env = {**os.environ, "SOCIALHR_FAULT": fault}
    return subprocess.run([sys.executable, "-c", CHILD, str(ws_path), kind, str(path), *extra],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def closed_ws(tmp_path, data):
    """A workspace folder (closed) whose vault already holds one roster person: Ada, E001."""
    path = tmp_path / "ws"
    ws = Workspace.init(path)
    roster = tmp_path / "first.csv"
    lines = (data / "roster" / "workday.csv").read_text().splitlines()
    roster.write_text("\n".join(lines[:2]) + "\n")
    ingest(ws, "roster", roster)
    ws.close()
    return path


def _state(path: Path, snap) -> dict:
    ws = Workspace.open(path, read_only=True)
    try:
        return snap(ws)
    finally:
        ws.close()


@pytest.mark.parametrize("kind, source, extra", [
    ("roster", "roster/workday.csv", ()),                  # the vault gains people and their aliases
    ("interactions", "interactions/messages.csv", ()),      # the vault gains identifiers no one on the roster has
    ("linkedin", "linkedin/Connections.csv", ("E001",)),    # only the vault's LinkedIn store changes
])
def test_a_crash_between_the_two_commits_is_undone_on_the_next_open(closed_ws, data, snap, kind, source, extra):
    before = _state(closed_ws, snap)
    child = _killed_import(closed_ws, kind, data / source, "between-commits", *extra)
    assert child.returncode == -signal.SIGKILL, child.stderr
    ws = Workspace.open(closed_ws)
    try:
        assert snap(ws) == before  # neither store holds the batch
        assert ws.repairs == [f"batch 2 ({kind}, {Path(source).name}) was interrupted before both stores held it: "
                              "what the vault had stored of it was undone."]
        again = ingest(ws, kind, data / source, **({"owner": extra[0]} if extra else {}))
        assert (again.status, again.batch_id) == ("imported", 2)
    finally:
        ws.close()


def test_a_crash_after_both_commits_keeps_the_batch_and_an_identified_export_names_everyone(closed_ws, data):
    child = _killed_import(closed_ws, "roster", data / "roster" / "workday.csv", "after-commits")
    assert child.returncode == -signal.SIGKILL, child.stderr
    ws = Workspace.open(closed_ws)
    try:
        assert ws.repairs == []  # both stores held it: only the vault's marker is cleared
        assert ingest(ws, "roster", data / "roster" / "workday.csv").status == "duplicate"
        people = read_table(ws, "people", identified=True)
        assert sorted(people.column("employee_id").to_pylist()) == [f"E00{i}" for i in range(1, 9)]
        assert sqlite3.connect(ws.vault.path).execute("SELECT count(*) FROM pending_batches").fetchone() == (0,)
    finally:
        ws.close()


def test_the_crash_between_commits_leaves_no_person_without_an_identity(closed_ws, data):
    """The reported case: people with no identities, the roster refused, empty ids in an identified export."""
    _killed_import(closed_ws, "roster", data / "roster" / "workday.csv", "between-commits")
    ws = Workspace.open(closed_ws)
    try:
        assert ingest(ws, "roster", data / "roster" / "workday.csv").status == "imported"
        people = read_table(ws, "people", identified=True)
        assert people.num_rows == 8 and people.column("employee_id").null_count == 0
    finally:
        ws.close()


def test_an_identified_export_refuses_people_the_vault_does_not_hold(rostered, data, tmp_path):
    """A vault behind the analytics database (a crash in an older socialhr, an old backup restored):
    the export says so instead of writing empty ids, and importing the roster again restores them."""
    ingest(rostered, "interactions", data / "interactions" / "messages.csv")
    complete = read_table(rostered, "interactions", identified=True)
    p = rostered.pseudonymiser
    rostered.vault.close()
    with sqlite3.connect(rostered.vault.path) as conn:
        conn.executemany("DELETE FROM people WHERE person = ?", [(p.person("E002"),), (p.person("E003"),)])
    with pytest.raises(VaultError) as e:
        read_table(rostered, "interactions", identified=True)
    assert str(e.value) == (
        "the vault has no employee id for 2 people on the roster, some of whom this table names. The vault is behind the "
        "analytics database (an import interrupted by an older socialhr, or a vault restored from an older backup): "
        "restore the vault that goes with this database, or import the roster again (a workspace opened for "
        "writing lets the same roster file be imported again to restore the missing people).")
    path = rostered.path
    rostered.close()
    ws = Workspace.open(path)
    try:
        assert ws.repairs == ["the vault has no employee id for 2 people on the roster: batch 1 (roster, workday.csv) "
                              "may be imported again to restore them."]
        assert ingest(ws, "roster", data / "roster" / "workday.csv").status == "imported"
        assert read_table(ws, "interactions", identified=True) == complete
    finally:
        ws.close()


# -- 3. overlapping exports: natural keys ------------------------------------------------

def _mbox(path: Path, ids: list[int]) -> Path:
    path.write_text("".join(f"From ada.lovelace@acme.example Wed Jul 01 09:00:00 2026\n{_eml(i)}\n" for i in ids))
    return path


def test_overlapping_mboxes_count_each_message_once(rostered, tmp_path):
    first = ingest(rostered, "email", _mbox(tmp_path / "july-1.mbox", [1, 2]))
    later = ingest(rostered, "email", _mbox(tmp_path / "july.mbox", [1, 2, 3]))
    assert (first.rows_imported, later.rows_imported) == (2, 1)
    assert later.skipped == {"already_imported": 2}
    assert rostered.db.execute("SELECT count(*) FROM interactions").fetchone() == (3,)


def test_the_cli_shows_what_was_already_imported(tmp_path, data):
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    runner.invoke(app, ["ingest", str(ws), "email", str(_mbox(tmp_path / "a.mbox", [1, 2]))])
    r = runner.invoke(app, ["ingest", str(ws), "email", str(_mbox(tmp_path / "b.mbox", [1, 2, 3]))])
    assert r.exit_code == 0, r.output
    assert "Imported 1 rows from b.mbox as batch 2 (email)." in r.output
    assert "skipped: already_imported 2" in r.output


def test_message_keys_are_keyed_tokens_never_the_raw_id(tmp_path, data):
    keys = []
    for name in ("a", "b"):
        ws = Workspace.init(tmp_path / name)
        ingest(ws, "email", _mbox(tmp_path / "m.mbox", [1, 2]))
        keys.append(sorted(k for (k,) in ws.db.execute("SELECT key FROM message_keys").fetchall()))
        ws.db.execute("CHECKPOINT")
        ws.close()
        assert b"m1@acme.example" not in (tmp_path / name / "socialhr.duckdb").read_bytes()
    assert len(keys[0]) == 2 and not set(keys[0]) & set(keys[1])  # each workspace's own key


def _ics(stamp: str, *events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nDTSTAMP:{stamp}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


def _event(uid: str, start: str, organizer: str, *accepted: str, extra: str = "") -> str:
    people = "".join(f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{a}@acme.example\r\n" for a in accepted)
    return (f"UID:{uid}\r\nDTSTART:{start}\r\nDURATION:PT30M\r\nORGANIZER:mailto:{organizer}@acme.example\r\n"
            f"{people}{extra}")


TWO = [_event("a@acme.example", "20261005T090000Z", "ada.lovelace", "alan.turing"),
       _event("b@acme.example", "20261006T100000Z", "grace.hopper", "edsger.dijkstra")]


def test_a_calendar_exported_twice_counts_each_meeting_once(rostered, tmp_path):
    (tmp_path / "one.ics").write_text(_ics("20261030T120000Z", *TWO), newline="")
    (tmp_path / "two.ics").write_text(_ics("20261031T080000Z", *TWO), newline="")
    ingest(rostered, "calendar", tmp_path / "one.ics")
    again = ingest(rostered, "calendar", tmp_path / "two.ics")
    assert again.rows_imported == 2 and again.notes["occurrences_replaced"] == 2
    assert rostered.db.execute("SELECT count(*) FROM interactions").fetchone() == (2,)


def test_a_later_export_replaces_moved_cancelled_and_changed_occurrences(rostered, tmp_path):
    p = rostered.pseudonymiser
    ada, alan, grace, edsger, barbara = (p.person(f"E00{i}") for i in range(1, 6))
    series = "RRULE:FREQ=WEEKLY;COUNT=4\r\n"
    first = _ics("20261030T120000Z",
                 _event("weekly@acme.example", "20261005T090000Z", "alan.turing", "grace.hopper", "edsger.dijkstra", extra=series),
                 _event("single@acme.example", "20261006T100000Z", "ada.lovelace", "alan.turing"))
    later = _ics("20261031T120000Z",
                 # attendees changed, 19 Oct taken out of the series
                 _event("weekly@acme.example", "20261005T090000Z", "alan.turing", "grace.hopper", "barbara.liskov",
                        extra=series + "EXDATE:20261019T090000Z\r\n"),
                 # 12 Oct moved to 13 Oct 14:00, 26 Oct cancelled
                 _event("weekly@acme.example", "20261013T140000Z", "alan.turing", "grace.hopper",
                        extra="RECURRENCE-ID:20261012T090000Z\r\n"),
                 _event("weekly@acme.example", "20261026T090000Z", "alan.turing", "grace.hopper",
                        extra="RECURRENCE-ID:20261026T090000Z\r\nSTATUS:CANCELLED\r\n"),
                 # the single meeting moved a day later
                 _event("single@acme.example", "20261007T110000Z", "ada.lovelace", "alan.turing"))
    (tmp_path / "first.ics").write_text(first, newline="")
    (tmp_path / "later.ics").write_text(later, newline="")
    assert ingest(rostered, "calendar", tmp_path / "first.ics").rows_imported == 5
    result = ingest(rostered, "calendar", tmp_path / "later.ics")
    assert result.notes["occurrences_replaced"] == 5
    assert meetings(rostered) == [
        (utc(2026, 10, 5, 9), alan, sorted([grace, barbara])),
        (utc(2026, 10, 7, 11), ada, [alan]),
        (utc(2026, 10, 13, 14), alan, [grace]),
    ]


def test_an_earlier_calendar_outside_the_later_period_is_kept(rostered, tmp_path):
    """A later export speaks for its own period: the series' earlier occurrences before it stay."""
    series = "RRULE:FREQ=WEEKLY;COUNT=4\r\n"
    (tmp_path / "sep.ics").write_text(_ics("20260930T120000Z", _event(
        "weekly@acme.example", "20260907T090000Z", "alan.turing", "grace.hopper", extra=series)), newline="")
    (tmp_path / "oct.ics").write_text(_ics("20261031T120000Z", _event(
        "weekly@acme.example", "20260907T090000Z", "alan.turing", "grace.hopper", extra=series)), newline="")
    ingest(rostered, "calendar", tmp_path / "sep.ics")
    later = ingest(rostered, "calendar", tmp_path / "oct.ics", start="2026-09-21")
    assert (later.rows_imported, later.notes["occurrences_replaced"]) == (2, 2)
    assert [m[0] for m in meetings(rostered)] == [utc(2026, 9, d, 9) for d in (7, 14, 21, 28)]


def test_a_slack_re_export_stores_only_the_new_messages(rostered, data, tmp_path):
    first = ingest(rostered, "slack", data / "slack" / "export")
    export = tmp_path / "export"
    shutil.copytree(data / "slack" / "export", export)
    (export / "general" / "2026-07-03.json").write_text(json.dumps(SLACK_DAY))
    later = ingest(rostered, "slack", export)
    assert later.rows_imported == 1 and later.notes["kinds"] == {"mention": 1}
    assert later.skipped["already_imported"] == first.rows_imported
    assert rostered.db.execute("SELECT count(*) FROM interactions").fetchone() == (first.rows_imported + 1,)


def test_a_teams_re_export_stores_only_the_new_messages(rostered, data, tmp_path):
    first = ingest(rostered, "teams", data / "teams" / "export")
    export = tmp_path / "teams"
    shutil.copytree(data / "teams" / "export", export)
    page = json.loads((export / "chat_messages.json").read_text())
    new = json.loads(json.dumps(page["value"][0]))
    new.update({"id": "99", "createdDateTime": "2026-07-03T09:00:00.000Z"})
    page["value"].append(new)
    (export / "chat_messages.json").write_text(json.dumps(page))
    later = ingest(rostered, "teams", export)
    assert later.rows_imported == 1
    assert later.skipped["already_imported"] == first.rows_imported
    assert rostered.db.execute("SELECT count(*) FROM interactions").fetchone() == (first.rows_imported + 1,)


def _variants(text: bytes) -> dict[str, bytes]:
    lines = text.splitlines(keepends=True)
    return {
        "a blank line at the end": text + b"\n",
        "a blank line in the middle": b"".join(lines[:4]) + b"\n" + b"".join(lines[4:]),
        "CRLF line endings": text.replace(b"\n", b"\r\n"),
        "a byte-order mark": b"\xef\xbb\xbf" + text,
        "no newline at the end": text.rstrip(b"\n"),
    }


@pytest.mark.parametrize("how", list(_variants(b"a\nb\nc\nd\ne\n")))
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_same_rows_with_other_line_endings_or_blank_lines_are_the_same_content(rostered, data, tmp_path, snap, how, fmt):
    first = ingest(rostered, "interactions", data / "interactions" / f"messages.{fmt}")
    path = tmp_path / f"again.{fmt}"
    path.write_bytes(_variants((data / "interactions" / f"messages.{fmt}").read_bytes())[how])
    before = snap(rostered)
    again = ingest(rostered, "interactions", path)
    assert (again.status, again.duplicate_of) == ("duplicate", first.batch_id)
    assert snap(rostered) == before


def test_a_row_changed_is_other_content(rostered, data, tmp_path):
    ingest(rostered, "interactions", data / "interactions" / "messages.csv")
    path = tmp_path / "changed.csv"
    path.write_bytes((data / "interactions" / "messages.csv").read_bytes().replace(b"09:15:00", b"09:16:00", 1))
    assert ingest(rostered, "interactions", path).status == "imported"


def test_a_message_id_repeated_in_one_mbox_counts_once_whatever_its_headers(rostered, tmp_path):
    """The same Message-ID twice in a row, once as a reply: one message (its key, not its kind, names it)."""
    text = _mbox(tmp_path / "a.mbox", [1]).read_text()
    again = text.replace("Message-ID: <m1@acme.example>\n", "Message-ID: <m1@acme.example>\nIn-Reply-To: <m0@acme.example>\n")
    (tmp_path / "twice.mbox").write_text(text + again)
    result = ingest(rostered, "email", tmp_path / "twice.mbox")
    assert (result.rows_imported, result.skipped) == (1, {"duplicates": 1})


def test_text_imported_before_schema_8_is_still_recognised(rostered, data, tmp_path):
    """Batches before schema 8 recorded the hash of the bytes as they are: a CRLF file imported then
    is recognised when imported again (its hash as read is recorded now)."""
    path = tmp_path / "crlf.csv"
    path.write_bytes((data / "interactions" / "messages.csv").read_bytes().replace(b"\n", b"\r\n"))
    first = ingest(rostered, "interactions", path)
    rostered.db.execute("UPDATE ingestion_log SET content_hash = ? WHERE batch_id = ?",
                        [hashlib.sha256(path.read_bytes()).hexdigest(), first.batch_id])
    again = ingest(rostered, "interactions", path)
    assert (again.status, again.duplicate_of) == ("duplicate", first.batch_id)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1 << 20])
def test_text_is_hashed_the_same_whatever_the_blocks(data, size):
    """Block boundaries fall anywhere (inside a CRLF, between two newlines): the hash as read is the same,
    and the raw hash is the SHA-256 of the bytes."""
    from socialhr.ingest.content import content_hashes_of

    text = (data / "interactions" / "messages.csv").read_bytes()
    for variant in _variants(text).values():
        blocks = [variant[i:i + size] for i in range(0, len(variant), size)]
        as_read, raw = content_hashes_of(blocks, text_lines=True)
        assert as_read == hashlib.sha256(text).hexdigest() and raw == hashlib.sha256(variant).hexdigest()
