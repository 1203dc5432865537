"""The analytics database schema and its versioned migrations.

Each entry of :data:`MIGRATIONS` upgrades the schema by one version. A workspace
records its version in ``meta``; opening an older one applies the missing
migrations in one transaction, and a newer one is refused with what to do.
docs/data-model.md describes every table.
"""

from __future__ import annotations

SCHEMA_VERSION = 2

_V1 = [
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE ingestion_log (
        batch_id INTEGER PRIMARY KEY,
        source_kind VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL,
        rows_read BIGINT NOT NULL DEFAULT 0,
        rows_imported BIGINT NOT NULL DEFAULT 0,
        rows_skipped BIGINT NOT NULL DEFAULT 0,
        skipped JSON,
        notes JSON,
        status VARCHAR NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL
    )""",
    # Slowly changing roster: one row per person per stretch of time in which
    # their org-chart facts held. valid_to is exclusive; NULL means "still".
    """CREATE TABLE people_history (
        person VARCHAR NOT NULL,
        valid_from DATE NOT NULL,
        valid_to DATE,
        department VARCHAR,
        team VARCHAR,
        manager VARCHAR,
        level VARCHAR,
        location VARCHAR,
        hire_date DATE,
        exit_date DATE,
        attributes JSON,
        batch_id INTEGER NOT NULL
    )""",
    """CREATE VIEW people AS
        SELECT person, department, team, manager, level, location, hire_date, exit_date,
               attributes, valid_from AS record_from, batch_id
        FROM people_history WHERE valid_to IS NULL""",
    # Pseudonymous identifiers only: token = HMAC(key, kind:value). The raw
    # values live in the vault. status: person | external | unresolved.
    """CREATE TABLE identities (
        token VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        person VARCHAR,
        status VARCHAR NOT NULL,
        first_batch INTEGER NOT NULL
    )""",
    """CREATE TABLE interactions (
        batch_id INTEGER NOT NULL,
        "timestamp" TIMESTAMPTZ NOT NULL,
        channel VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        sender VARCHAR NOT NULL,
        recipients VARCHAR[] NOT NULL,
        weight DOUBLE NOT NULL,
        duration_minutes DOUBLE,
        context VARCHAR
    )""",
    """CREATE TABLE ties (
        batch_id INTEGER NOT NULL,
        source VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        period_start DATE,
        period_end DATE,
        weight DOUBLE NOT NULL,
        tie_type VARCHAR NOT NULL,
        source_kind VARCHAR NOT NULL
    )""",
    """CREATE TABLE groups (
        group_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        parent VARCHAR,
        source_kind VARCHAR NOT NULL,
        batch_id INTEGER NOT NULL
    )""",
    """CREATE TABLE group_members (
        group_id VARCHAR NOT NULL,
        person VARCHAR NOT NULL,
        valid_from DATE,
        valid_to DATE,
        batch_id INTEGER NOT NULL
    )""",
    """CREATE TABLE outcomes (
        batch_id INTEGER NOT NULL,
        person VARCHAR NOT NULL,
        "date" DATE NOT NULL,
        kind VARCHAR NOT NULL,
        value DOUBLE,
        label VARCHAR
    )""",
]

# Version 2: what the HR connectors bring besides ties and outcomes (issue 3).
_V2 = [
    # Viva Insights person query: one row per person, week and metric (long
    # form, so any of the query's 60+ metric columns fits without a migration).
    """CREATE TABLE person_week_metrics (
        batch_id INTEGER NOT NULL,
        person VARCHAR NOT NULL,
        week DATE NOT NULL,
        metric VARCHAR NOT NULL,
        value DOUBLE NOT NULL
    )""",
    # Network survey questions: ties.tie_type holds the question id, this its wording.
    """CREATE TABLE survey_questions (
        question_id VARCHAR PRIMARY KEY,
        label VARCHAR,
        batch_id INTEGER NOT NULL
    )""",
]

MIGRATIONS: dict[int, list[str]] = {1: _V1, 2: _V2}

# Tables whose rows carry a batch_id, for status counts and for undoing a batch.
BATCH_TABLES = ["people_history", "identities", "interactions", "ties", "groups", "group_members", "outcomes",
                "person_week_metrics", "survey_questions"]
