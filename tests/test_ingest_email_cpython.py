"""Conformance: the e-mail connector against the standard library on CPython's own test messages.

For each message in tests/data/email/cpython/ (README there), the reference is what
``email.message_from_bytes(raw, policy=email.policy.default)`` reads: the first ``From``
address and every ``To`` and ``Cc`` address (repeated headers included). socialhr's rules,
applied to that reference here, decide what is stored; beyond them there is one deliberate
difference in how addresses are read:

* a mailbox without a domain (``From: foo``, ``To: XX``, ``From: MAILER DAEMON <>``) is no
  address: the standard library gives an addr-spec of ``foo``, ``XX`` or ``<>``; socialhr has
  no identity to give it (such a sender makes ``no_sender``, such a recipient is left out).

The rules (docs/connectors.md): mailing-list mail (``List-Id``, ``Precedence: list|bulk|junk``)
and automated mail (``Auto-Submitted`` other than ``no``) are skipped; the sender is removed from the recipients and repeats count once (addresses
compare case-insensitively); a message left with no recipient is ``no_recipients``, one
without a readable ``Date`` is ``no_date``. Exclusion patterns are switched off
(``exclude=[]``): they are a setting, not a reading of the message.
"""

from __future__ import annotations

import email
import shutil
from datetime import timezone
from email.policy import default as stdlib_policy
from pathlib import Path

import pytest

from socialhr.ingest import ingest
from socialhr.workspace import Workspace

CPYTHON = Path(__file__).parent / "data" / "email" / "cpython"
MESSAGES = sorted(CPYTHON.glob("msg_*.eml"))


def stdlib_addresses(message, name: str) -> list[str]:
    out = []
    for header in message.get_all(name) or []:
        out += [a.addr_spec for a in header.addresses if a.username and a.domain]  # the deliberate difference
    return out


def expected(path: Path):
    """(skip reason, None) or (None, (sender, recipients, UTC datetime)), from the standard library."""
    message = email.message_from_bytes(path.read_bytes(), policy=stdlib_policy)
    precedence = str(message.get("precedence") or "").strip().lower()
    if message.get("list-id") is not None or precedence in ("list", "bulk", "junk"):
        return "mailing_list", None
    if str(message.get("auto-submitted") or "no").strip().lower() not in ("no", ""):
        return "automated", None
    senders = stdlib_addresses(message, "from")
    if not senders:
        return "no_sender", None
    sender = senders[0].lower()
    recipients = {a.lower() for a in stdlib_addresses(message, "to") + stdlib_addresses(message, "cc")} - {sender}
    if not recipients:
        return "no_recipients", None
    date = message.get("date")
    when = getattr(date, "datetime", None) if date is not None else None
    if when is None:
        return "no_date", None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)  # the workspace's zone (UTC by default)
    return None, (sender, recipients, when.astimezone(timezone.utc))


def test_the_sample_holds_the_messages_its_readme_names():
    assert len(MESSAGES) == 31


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """One workspace; each message is imported from its own folder as its own batch (the
    Message-IDs stored before are forgotten first: several messages share one)."""
    ws = Workspace.init(tmp_path_factory.mktemp("cpython") / "ws")
    yield ws, tmp_path_factory.mktemp("single")
    ws.close()


@pytest.mark.parametrize("path", MESSAGES, ids=[p.stem for p in MESSAGES])
def test_each_message_stores_what_the_standard_library_reads(workspace, path):
    ws, scratch = workspace
    ws.db.execute("DELETE FROM message_keys")  # each message on its own: shared Message-IDs are not repeats here
    folder = scratch / path.stem
    folder.mkdir()
    shutil.copy(path, folder / path.name)
    result = ingest(ws, "email", folder, exclude=[])
    reason, stored = expected(path)
    rows = ws.db.execute('SELECT sender, recipients, "timestamp" FROM interactions WHERE batch_id = ?', [result.batch_id]).fetchall()
    if reason is not None:
        assert (result.skipped, rows) == ({reason: 1}, [])
        return
    assert result.skipped == {}
    sender, recipients, when = stored
    token = ws.pseudonymiser.token
    assert len(rows) == 1
    assert rows[0][0] == token("email", sender)
    assert sorted(rows[0][1]) == sorted(token("email", r) for r in recipients)
    assert rows[0][2] == when
    # and the vault holds exactly these addresses for them
    values = ws.vault.identity_values([rows[0][0], *rows[0][1]])
    assert sorted(values.values()) == sorted({sender, *recipients})
