"""E-mail address lists read as RFC 5322 says (groups, routes, quoted names, comments, encoded
words), identities only for stored messages, and repeated Message-IDs that differ counted."""

from __future__ import annotations

import csv
from email.policy import default as stdlib_policy

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from socialhr.ingest import ingest
from socialhr.ingest import email as email_connector


def roster_pseudonyms(ws, data) -> dict[str, str]:
    """address (lower case) -> the person's pseudonym, from the sample roster."""
    with open(data / "roster" / "workday.csv", newline="") as f:
        return {r["email"].lower(): ws.pseudonymiser.person(r["employee_id"]) for r in csv.DictReader(f)}


def pseudonym(ws, people: dict[str, str], address: str) -> str:
    """What an address should become: the roster person, else its own token."""
    return people.get(address.lower()) or ws.pseudonymiser.token("email", address)


def stored(ws) -> list[tuple]:
    return sorted(ws.db.execute("SELECT sender, list_sort(recipients) FROM interactions").fetchall())


def test_address_forms_of_rfc_5322(rostered, data):
    ws = rostered
    people = roster_pseudonyms(ws, data)

    def message(sender, *recipients):
        return (pseudonym(ws, people, sender), sorted(pseudonym(ws, people, r) for r in recipients))

    result = ingest(ws, "email", data / "email" / "address_forms.mbox")
    assert (result.rows_read, result.rows_imported) == (10, 5)
    assert result.skipped == {"no_recipients": 2, "no_date": 1, "duplicates": 2}
    assert stored(ws) == sorted([
        # a named group: both members (not "grace.hopper@acme.example;")
        message("ada.lovelace@acme.example", "alan.turing@acme.example", "grace.hopper@acme.example"),
        # the empty group names no one; the Cc stays
        message("alan.turing@acme.example", "edsger.dijkstra@acme.example"),
        # source routes: the address after the colon
        message("edsger.dijkstra@acme.example", "barbara.liskov@acme.example", "mary@example.net"),
        # quoted names with commas, an encoded word, a comment holding a comma
        message("hedy.lamarr@acme.example", "katherine.johnson@acme.example", "joerg.mueller@globex.example",
                "ada.lovelace@acme.example"),
        # RFC 5322 appendix A.1.3: a group with comments, folded
        message("katherine.johnson@acme.example", "c@public.example", "joe@example.org", "jdoe@one.test"),
    ])


def test_identities_come_only_from_stored_messages(rostered, data):
    """Addresses seen only in skipped messages (no date, no one but the sender, a duplicate's
    other Cc, <Undisclosed-Recipient:@host;>) make no identity: the counts stay honest."""
    ws = rostered
    result = ingest(ws, "email", data / "email" / "address_forms.mbox")
    externals = ["mary@example.net", "joerg.mueller@globex.example", "c@public.example", "joe@example.org", "jdoe@one.test"]
    assert result.notes["new_identities"] == {"external": len(externals)}
    counts = ws.counts()
    assert (counts["external_identities"], counts["unresolved_identities"]) == (len(externals), 0)
    tokens = [t for (t,) in ws.db.execute("SELECT token FROM identities WHERE status <> 'person'").fetchall()]
    assert sorted(ws.vault.identity_values(tokens).values()) == sorted(externals)


def test_repeated_message_id_with_other_addresses_is_counted(rostered, data):
    result = ingest(rostered, "email", data / "email" / "address_forms.mbox")
    # g1 comes three times: one kept, two duplicates, of which one had another Cc.
    assert result.skipped["duplicates"] == 2
    assert result.notes["duplicates_with_different_addresses"] == 1


def test_repeated_message_id_across_chunks_is_compared(rostered, data, monkeypatch):
    """The first copy's addresses are remembered past the sink's chunks."""
    import functools

    monkeypatch.setattr(email_connector, "InteractionSink", functools.partial(email_connector.InteractionSink, chunk=1))
    result = ingest(rostered, "email", data / "email" / "address_forms.mbox")
    assert result.skipped["duplicates"] == 2
    assert result.notes["duplicates_with_different_addresses"] == 1


# -- the reader against the standard library's RFC 5322 parser ------------------

def reference(value: str) -> list[str] | None:
    """What email.policy.default reads: the addr-spec of every mailbox, groups flattened;
    a mailbox without a domain is no address (the documented difference). None when the
    parser fails (it raises on some malformed values: "bob@", ".<d@z.example>")."""
    try:
        header = stdlib_policy.header_factory("to", value)
    except Exception:
        return None
    return [a.addr_spec for a in header.addresses if a.username and a.domain]


@pytest.mark.parametrize("value,expected", [
    ("Project Team: bob@acme.example, carl@acme.example;", ["bob@acme.example", "carl@acme.example"]),
    ("undisclosed-recipients:;", []),
    ("<Undisclosed-Recipient:@host;>", []),
    ("<@relay:mary@example.net>", ["mary@example.net"]),
    ('"Doe, John" <john@x.example>, jane@x.example', ["john@x.example", "jane@x.example"]),
    ("=?utf-8?q?J=C3=B6rg?= <jorg@x.example>", ["jorg@x.example"]),
    ("bob@x.example (Bob, the builder)", ["bob@x.example"]),
    ("=?x-unknown?b?QQ==?=", []),
    ("XX", []),
    ("<>", []),
    ("a@x.example, , b@x.example,", ["a@x.example", "b@x.example"]),
    ("<mailto:a@x.example>", ["a@x.example"]),  # a deliberate difference: the stdlib reads "mailto"
    ("bob@", []),  # the stdlib parser fails on it (IndexError): no address
    (".<d@z.example>", ["d@z.example"]),  # the stdlib fails on it (AttributeError); a plain form, read as such
    ("Joe Q. Public <john.q.public@example.com>", ["john.q.public@example.com"]),
])
def test_address_list_examples(value, expected):
    assert email_connector.addresses_of(value) == expected


@pytest.mark.parametrize("value", [
    "=?x?q?a <c@x.example>, ?= <b@x.example>",  # the stdlib reads "=?" to the next "?=" as one encoded word
    '"=?utf-8?q?a" <c@x.example>, "b?=" <d@x.example>',
    "=?utf-8?q?J=C3=B6?=a@x.example",  # and decodes one in an address
    "Team: a@x.example, Inner: b@x.example;, c@x.example",  # a group within a group
    "a@x.example; b@x.example",  # a group's end without a group
    "Team: a@x.example, b@x.example",  # a group never closed
])
def test_values_the_pattern_leaves_to_the_standard_library(value):
    assert email_connector.addresses_of(value) == reference(value)


# Near-valid address lists: mailboxes (bare, or a phrase and an angle-addr), groups, comments and
# encoded words, well and badly formed, then a few characters inserted or deleted.
_ATOM = st.text("abcxyzXYZ09!#$%&'*+-/=?^_`{|}~", min_size=1, max_size=4)
_DOT_ATOM = st.lists(_ATOM, min_size=1, max_size=2).map(".".join)
_ADDR = st.builds("{}@{}".format, _DOT_ATOM, _DOT_ATOM)
_CFWS = st.sampled_from(["", "", " ", "\t", " (c) ", "(x, y)", "(é)", "()", " ( a:b; ) ", "(=?utf-8?q?x?=)", "(a(b)c)", "(\\))"])
_WORD = st.one_of(_ATOM, _ATOM.map(lambda a: a + "."), st.sampled_from([
    '"Doe, J"', '"a<b>@c"', '""', '"é"', '"x;y:z"', '"(p)"', '"q\\"x"', "Jörg", "=?utf-8?q?J=C3=B6?=", "=?utf-8?q?=C3=B6?=",
    "=?utf-8?b?QQ==?=", "=?x?q?a", "=?utf-8?q?a b?=", '"=?utf-8?q?J=C3=B6?="', "=?utf-8?q?=ZZ?=", "=?utf-8?q?a?=b",
    "x=?utf-8?q?a?=", "=?iso-8859-1?q?=E9t=E9?="]))


@st.composite
def _address_lists(draw):
    def phrase():
        return draw(_CFWS).join(draw(st.lists(_WORD, min_size=1, max_size=3)))

    def mailbox():
        if draw(st.booleans()):
            return draw(_CFWS) + draw(_ADDR) + draw(_CFWS)
        return (draw(_CFWS) + (phrase() if draw(st.booleans()) else "") + draw(_CFWS) + "<"
                + draw(st.sampled_from(["", " ", "@relay.example:"])) + draw(_ADDR) + draw(st.sampled_from(["", " "])) + ">" + draw(_CFWS))

    def entry():
        if draw(st.integers(0, 4)) == 0:
            return phrase() + ":" + ",".join(mailbox() for _ in range(draw(st.integers(0, 2)))) + ";" + draw(_CFWS)
        return mailbox()

    value = ",".join(entry() for _ in range(draw(st.integers(1, 3))))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(value)))
        if draw(st.booleans()):
            value = value[:at] + draw(st.sampled_from(list(',;:<>()"@. \t\\[]é') + ["=?", "?="])) + value[at:]
        else:
            value = value[:at] + value[at + 1:]
    return value


@settings(max_examples=500, deadline=None)
@given(_address_lists())
def test_address_lists_read_as_the_standard_library_reads_them(value):
    """Whatever path the reader takes (its pattern for plain lists, the standard library for
    anything else), the addresses are those of email.policy.default."""
    expected = reference(value)
    # The deliberate differences, tested above: <mailto:...>, and values the stdlib fails on.
    assume(expected is not None and "mailto:" not in value.lower())
    assert email_connector.addresses_of(value) == expected


def test_headers_the_parser_fails_on_are_counted(ws, tmp_path):
    (tmp_path / "odd.mbox").write_text(
        "From x Thu Jan 01 00:00:00 2026\nFrom: a@x.example\nTo: bob@\nCc: c@x.example\nDate: Thu, 1 Jan 2026 00:00:00 +0000\n\n"
        "From x Thu Jan 01 00:00:00 2026\nFrom: a@x.example\nTo: bob@\nDate: Thu, 1 Jan 2026 00:00:00 +0000\n\n")
    result = ingest(ws, "email", tmp_path / "odd.mbox")
    assert (result.rows_imported, result.skipped) == (1, {"no_recipients": 1})
    assert result.notes["unreadable_address_headers"] == 2
