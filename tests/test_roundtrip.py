"""Hypothesis round trip: generated roster and interactions -> files -> import -> export -> same data."""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialhr.export import export_table, read_table
from socialhr.ingest import ingest
from socialhr.workspace import Workspace

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def organizations(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    people = []
    for i in range(n):
        hire = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2026, 1, 1)))
        leaves = draw(st.booleans())
        people.append(
            {
                "employee_id": f"E{i:04d}",
                "email": f"user{i}@acme.example",
                "name": draw(text),
                "department": draw(st.sampled_from(["Sales", "R&D", "Finance, Legal", "Ops \"West\""])),
                "team": draw(text),
                "manager_id": f"E{draw(st.integers(0, i - 1)):04d}" if i else "",
                "level": draw(st.sampled_from(["IC1", "IC2", "M1"])),
                "location": draw(text),
                "hire_date": hire.isoformat(),
                "exit_date": (hire + timedelta(days=draw(st.integers(1, 900)))).isoformat() if leaves else "",
            }
        )
    everyone = [p["email"] for p in people] + ["partner@other.example", "E0000"]
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        ts = draw(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(timezone.utc)))
        recipients = draw(st.lists(st.sampled_from(everyone), min_size=1, max_size=4, unique=True))
        channel = draw(st.sampled_from(["email", "chat", "meeting"]))
        rows.append(
            {
                "timestamp": ts.replace(microsecond=0).isoformat(),
                "sender": draw(st.sampled_from(everyone)),
                "recipients": ";".join(recipients),
                "channel": channel,
                "duration_minutes": str(draw(st.integers(5, 120))) if channel == "meeting" else "",
            }
        )
    return people, rows


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def as_csv_text(value: str) -> str:
    """A CSV export writes text a spreadsheet would run as a formula with a leading apostrophe (docs/privacy.md)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organizations(), st.sampled_from(["csv", "parquet", "jsonl"]))
def test_round_trip(org, fmt):
    people, rows = org
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _write_csv(tmp / "roster.csv", people)
        if fmt == "csv":
            _write_csv(tmp / "interactions.csv", rows)
        elif fmt == "parquet":
            pq.write_table(pa.Table.from_pylist(rows), tmp / "interactions.parquet")
        else:
            import json

            (tmp / "interactions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        ws = Workspace.init(tmp / "ws")
        try:
            ingest(ws, "roster", tmp / "roster.csv", effective_date=date(2026, 12, 31))
            ingest(ws, "interactions", tmp / f"interactions.{fmt}")
            export_table(ws, "people", tmp / "out_people.csv", identified=True)
            got_people = {r["employee_id"]: r for r in csv.DictReader(open(tmp / "out_people.csv", encoding="utf-8"))}
            assert set(got_people) == {p["employee_id"] for p in people}
            for p in people:
                g = got_people[p["employee_id"]]
                for field in ("department", "team", "level", "location", "hire_date", "exit_date"):
                    assert g[field] == as_csv_text(p[field]), field
                assert g["manager_employee_id"] == p["manager_id"]
            tokens = [t for (t,) in ws.db.execute("SELECT token FROM identities").fetchall()]
            vault = ws.vault.identity_values(tokens)
            by_email = {p["email"]: p["employee_id"] for p in people}

            def who(raw: str) -> str:
                return by_email.get(raw, raw)

            def back(pseudo: str, eid: str | None) -> str:
                return eid if eid is not None else vault[pseudo]

            exported = read_table(ws, "interactions", identified=True).to_pylist()
            got = sorted(
                (
                    r["timestamp"].isoformat(), back(r["sender"], r["sender_employee_id"]),
                    tuple(sorted(back(p, e) for p, e in zip(r["recipients"], r["recipient_employee_ids"]))),
                    r["channel"], r["duration_minutes"],
                )
                for r in exported
            )
            want = sorted(
                (
                    datetime.fromisoformat(r["timestamp"]).isoformat(), who(r["sender"]),
                    tuple(sorted({who(x) for x in r["recipients"].split(";")})),
                    r["channel"], float(r["duration_minutes"]) if r["duration_minutes"] else None,
                )
                for r in rows
            )
            assert got == want
        finally:
            ws.close()
