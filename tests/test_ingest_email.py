"""E-mail import: mbox, .eml folders and Maildir; headers only; weights, broadcasts, duplicates, exclusions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from socialhr.errors import InputError
from socialhr.ingest import ingest
from socialhr.workspace import Workspace


def rows(ws):
    return sorted(ws.db.execute(
        'SELECT "timestamp", channel, kind, sender, list_sort(recipients), weight FROM interactions').fetchall())


def test_mbox_sample_gives_the_documented_rows_and_skips(rostered, data):
    ws, p = rostered, rostered.pseudonymiser
    result = ingest(ws, "email", data / "email" / "sample.mbox")
    assert (result.rows_read, result.rows_imported) == (10, 6)
    assert result.skipped == {"mailing_list": 1, "excluded_sender": 1, "no_recipients": 1, "duplicates": 1}
    assert result.notes["kinds"] == {"message": 3, "reply": 2, "broadcast": 1}
    assert result.notes["recipients_excluded"] == 1
    assert result.notes["naive_timestamps"] == 1 and result.notes["timezone_assumed"] == "UTC"
    got = rows(ws)
    ada, alan, grace, edsger, barbara = (p.person(f"E00{i}") for i in range(1, 6))
    # +0100 is honoured; one recipient weighs 1
    assert got[0] == (datetime(2026, 7, 1, 8, 15, tzinfo=timezone.utc), "email", "message", ada, [alan], 1.0)
    # To + Cc, repeated (case-insensitive) recipient and the sender copied to themselves count once: 1/3 each
    assert got[1][2:] == ("message", alan, sorted([grace, edsger, barbara]), pytest.approx(1 / 3))
    # the display name in an unknown charset is never decoded; the address resolves
    assert got[2][2:] == ("reply", grace, [alan], 1.0)
    assert got[2][0] == datetime(2026, 7, 1, 11, 0, tzinfo=timezone.utc)
    # an external address is kept as a token and counted
    assert got[3][5] == 0.5 and p.person("E008") == got[3][3]
    # more than 25 recipients: a broadcast
    assert got[4][2] == "broadcast" and len(got[4][4]) == 26
    # -0000 is UTC; the automated recipient is dropped
    assert got[5] == (datetime(2026, 7, 4, 10, 0, tzinfo=timezone.utc), "email", "reply", edsger, [barbara], 1.0)
    assert ws.counts()["external_identities"] == 1


def test_no_raw_address_reaches_the_analytics_database(rostered, data):
    ingest(rostered, "email", data / "email" / "sample.mbox")
    dump = repr(rostered.db.execute("SELECT * FROM interactions").fetchall())
    dump += repr(rostered.db.execute("SELECT * FROM identities").fetchall())
    assert "@" not in dump and "acme" not in dump


def test_maildir_eml_folder_and_bom_crlf_mbox_give_the_same_rows(tmp_path, data):
    results = []
    for name in ("maildir", "eml", "bom_crlf.mbox"):
        ws = Workspace.init(tmp_path / name.replace(".", "_"))
        (ws.vault.dir / "pseudonymisation.key").write_bytes(b"k" * 32)
        ws._pseudonymiser = None
        ingest(ws, "roster", data / "roster" / "workday.csv")
        result = ingest(ws, "email", data / "email" / name)
        assert (result.rows_read, result.rows_imported) == (2, 2)
        results.append(rows(ws))
        ws.close()
    assert results[0] == results[1] == results[2]
    assert [r[2] for r in results[0]] == ["message", "reply"]


def test_the_same_mailbox_twice_is_a_duplicate(rostered, data, snap):
    first = ingest(rostered, "email", data / "email" / "sample.mbox")
    before = snap(rostered)
    second = ingest(rostered, "email", data / "email" / "sample.mbox")
    assert second.status == "duplicate" and second.duplicate_of == first.batch_id
    assert snap(rostered) == before


def test_exclusion_patterns_replace_the_setting(rostered, data):
    result = ingest(rostered, "email", data / "email" / "sample.mbox", exclude="ada.lovelace@*")
    # Ada's messages (1, its duplicate, 8) are excluded; noreply@ and notifications@ now pass
    assert result.skipped["excluded_sender"] == 3
    assert result.notes["recipients_excluded"] == 0
    assert result.rows_imported == 5


def test_threshold_setting_decides_broadcasts(tmp_path, data):
    ws = Workspace.init(tmp_path / "w", settings={"broadcast_threshold": 2})
    result = ingest(ws, "email", data / "email" / "sample.mbox")
    assert result.notes["kinds"]["broadcast"] == 2  # 26 recipients, and 3 recipients
    ws.close()


@pytest.mark.parametrize("name,message", [
    ("not_mbox.txt", "not_mbox.txt, line 1: not an mbox file: it should start with a 'From ' line. "
                     "Export the mailbox as mbox (Thunderbird: ImportExportTools; Google Takeout: Mail), "
                     "or give a folder of .eml files or a Maildir."),
    ("empty.mbox", "empty.mbox: the file is empty. Export the mailbox again as mbox."),
])
def test_bad_mailboxes_are_refused_and_change_nothing(rostered, data, snap, name, message):
    before = snap(rostered)
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "email", data / "email" / name)
    assert str(excinfo.value) == message
    assert snap(rostered) == before


def test_folder_without_messages(rostered, tmp_path):
    (tmp_path / "box").mkdir()
    (tmp_path / "box" / "readme.txt").write_text("nothing")
    with pytest.raises(InputError) as excinfo:
        ingest(rostered, "email", tmp_path / "box")
    assert str(excinfo.value) == ("box: no e-mail messages found in this folder. The folder should hold .eml files, "
                                  ".mbox files, or a Maildir (cur/ and new/ folders).")


def test_unreadable_dates_and_senders_are_skipped_and_counted(ws, tmp_path):
    (tmp_path / "odd.mbox").write_text(
        "From x Thu Jan 01 00:00:00 2026\nFrom: a@x.example\nTo: b@x.example\nDate: yesterday\n\n"
        "From x Thu Jan 01 00:00:00 2026\nFrom: =?x-unknown?b?QQ==?=\nTo: b@x.example\nDate: Thu, 1 Jan 2026 00:00:00 +0000\n\n"
        "From x Thu Jan 01 00:00:00 2026\nFrom: a@x.example\nTo: b@x.example\nDate: 1 Jan 2026 00:00 +0000\n\n")
    result = ingest(ws, "email", tmp_path / "odd.mbox")
    assert result.skipped == {"no_date": 1, "no_sender": 1}
    assert result.rows_imported == 1


def test_duplicates_are_found_across_chunks(rostered, data, monkeypatch):
    """The Message-ID check spans the whole import, not one chunk of rows."""
    import functools

    from socialhr.ingest import email as mod

    monkeypatch.setattr(mod, "InteractionSink", functools.partial(mod.InteractionSink, chunk=2))
    result = ingest(rostered, "email", data / "email" / "sample.mbox")
    assert (result.rows_imported, result.skipped["duplicates"]) == (6, 1)
    assert result.notes["kinds"] == {"message": 3, "reply": 2, "broadcast": 1}
