"""Shared fixtures: a fresh workspace, the sample files, and a snapshot of everything stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from socialhr.workspace import Workspace

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.init(tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture
def rostered(ws, data):
    """A workspace holding the Workday sample roster (tests/data/roster/workday.csv: E001-E008)."""
    from socialhr.ingest import ingest

    ingest(ws, "roster", data / "roster" / "workday.csv")
    return ws


def _tables(ws: Workspace) -> list[str]:
    return [r[0] for r in ws.db.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]


def snapshot(ws: Workspace) -> dict:
    """Every stored row of the analytics database and the vault, to compare before and after."""
    out = {}
    for table in _tables(ws):
        rows = ws.db.execute(f'SELECT * FROM "{table}"').fetchall()
        out[table] = sorted(map(repr, rows))
    conn = sqlite3.connect(ws.vault.path)
    for table in ("identities", "people"):
        out[f"vault.{table}"] = sorted(map(repr, conn.execute(f"SELECT * FROM {table}").fetchall()))
    conn.close()
    return out


@pytest.fixture
def snap():
    return snapshot


@pytest.fixture
def loaded(ws, data):
    """A workspace with the sample roster and interactions imported."""
    from socialhr.ingest import ingest

    ingest(ws, "roster", data / "roster" / "workday.csv")
    ingest(ws, "interactions", data / "interactions" / "messages.csv")
    return ws

