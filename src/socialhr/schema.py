"""The analytics database schema and its versioned migrations.

Each entry of :data:`MIGRATIONS` upgrades the schema by one version: a list
of steps, each SQL text or, for a change SQL cannot make alone, a function
``step(db, key)`` (:data:`PythonStep`). A workspace records its version in
``meta``; opening an older one applies the missing migrations in one
transaction, and a newer one is refused with what to do. docs/data-model.md
describes every table.
"""

from __future__ import annotations

from typing import Any, Callable, Union

SCHEMA_VERSION = 9

# The kind of the keyed token a context is stored as (HMAC of "context:<text>", schema 7).
CONTEXT_TOKEN_KIND = "context"

# A migration step SQL cannot make alone: ``step(db, key)`` changes the
# database inside the migration's transaction. ``key(why)`` returns the
# workspace's Pseudonymiser, or raises WorkspaceError saying the vault is
# needed because ``why``; a step calls it only when it has something to
# change. It returns True when it replaced stored values that must leave no
# bytes behind in the database file (which is then rewritten; DuckDB reuses
# freed blocks without clearing them).
PythonStep = Callable[[Any, Callable[[str], Any]], bool]
MigrationStep = Union[str, PythonStep]

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

# Version 3: interactions stored compactly, so a bulk import writes integers,
# not strings (issue 2: ten million rows in seconds). Every identity gets a
# dense integer ``id``; an interaction row keeps the ids of its sender and
# recipients, a channel id and a kind code. The view ``interactions`` shows
# them exactly as before (pseudonyms and names), and resolves each id through
# ``identities`` when it is read, so a roster that later names an unresolved
# identifier re-attributes its interactions without rewriting them.
KINDS = ("message", "meeting", "broadcast", "reply", "mention")  # kind code = position

_KIND_LIST = "[" + ", ".join(f"'{k}'" for k in KINDS) + "]"

# The stored rows with their channel and kind names; sender and recipients
# stay identity ids. The network aggregation reads this (joining ids to people
# on integers); the view ``interactions`` adds the pseudonyms. A stored weight
# is null when it is the default, 1 / number of recipients (schema 5).
#
# Since schema 6 a row's channel id, kind code and "zone assumed" flag are
# packed in one integer, ``code`` = channel_id << 4 | kind << 1 | zone_assumed
# (:func:`code_field` reads each back), and its context (thread, meeting,
# conversation) is an id in ``contexts``: every stored column costs a bulk
# import about 0.25 CPU s per ten million rows whatever it holds, and one of
# text 0.3 s more than one of integers, even when all are missing (issue 2).
_CODE_FIELDS = {"channel_id": "({t}code >> 4)", "kind": "(({t}code >> 1) & 7)", "zone_assumed": "(({t}code & 1) = 1)"}
assert len(KINDS) <= 8  # (three bits)


def code_field(name: str, table: str = "") -> str:
    """SQL for one field packed in ``interaction_rows.code``: ``channel_id``,
    ``kind`` (a code, the position in :data:`KINDS`) or ``zone_assumed``
    (a boolean), of the table named ``table`` if given."""
    return _CODE_FIELDS[name].format(t=f"{table}." if table else "")


def unpacked(code: int) -> tuple[int, int, bool]:
    """The channel id, kind code and "zone assumed" flag packed in one ``code`` (as :func:`code_field` reads them in SQL)."""
    return code >> 4, (code >> 1) & 7, bool(code & 1)


def code_sql(channel_id: str, kind: str, zone_assumed: str = "false") -> str:
    """SQL for ``interaction_rows.code`` from SQL for its three fields."""
    # (Parenthesised: DuckDB, like PostgreSQL, gives <<, >>, & and | one precedence.)
    return f"((CAST({channel_id} AS INTEGER) << 4) | (CAST({kind} AS INTEGER) << 1) | CAST({zone_assumed} AS INTEGER))"


STORED_INTERACTIONS = f"""SELECT r.rowid AS rid, r.batch_id, r."timestamp", c.name AS channel,
       {_KIND_LIST}[{code_field("kind", "r")} + 1] AS kind, r.sender, r.recipients,
       coalesce(r.weight, 1.0 / len(r.recipients)) AS weight, r.duration_minutes, x.context
FROM interaction_rows r JOIN channels c ON c.channel_id = {code_field("channel_id", "r")}
LEFT JOIN contexts x ON x.context_id = r.context_id"""

# What STORED_INTERACTIONS read before schema 6 (channel id and kind in
# columns of their own), for the migrations that made that layout.
_STORED_V5 = f"""SELECT r.rowid AS rid, r.batch_id, r."timestamp", c.name AS channel,
       {_KIND_LIST}[r.kind + 1] AS kind, r.sender, r.recipients,
       coalesce(r.weight, 1.0 / len(r.recipients)) AS weight, r.duration_minutes, r.context
FROM interaction_rows r JOIN channels c ON c.channel_id = r.channel_id"""

# Most interactions have one recipient: its pseudonym is a plain join. Only
# rows with several are unnested and regrouped, which needs memory per row
# (schema 4; before, every row was, and ten million rows ran out of memory).
_INTERACTIONS_VIEW = """CREATE OR REPLACE VIEW interactions AS
    WITH stored AS ({stored}),
    pseudo AS (SELECT id, coalesce(person, token) AS p FROM identities),
    lists AS (
        SELECT u.rid, list(ps.p ORDER BY u.k) AS recipients
        FROM (SELECT rowid AS rid, unnest(recipients) AS x, generate_subscripts(recipients, 1) AS k
              FROM interaction_rows WHERE len(recipients) <> 1) u
        JOIN pseudo ps ON ps.id = u.x
        GROUP BY u.rid)
    SELECT n.batch_id, n."timestamp", n.channel, n.kind,
           s.p AS sender, CASE WHEN r.p IS NULL THEN CAST([] AS VARCHAR[]) ELSE [r.p] END AS recipients,
           n.weight, n.duration_minutes, n.context
    FROM stored n
    JOIN pseudo s ON s.id = n.sender
    LEFT JOIN pseudo r ON r.id = n.recipients[1]
    WHERE len(n.recipients) = 1
    UNION ALL
    SELECT n.batch_id, n."timestamp", n.channel, n.kind,
           s.p AS sender, coalesce(l.recipients, CAST([] AS VARCHAR[])) AS recipients,
           n.weight, n.duration_minutes, n.context
    FROM stored n
    JOIN pseudo s ON s.id = n.sender
    LEFT JOIN lists l ON l.rid = n.rid
    WHERE len(n.recipients) <> 1"""
INTERACTIONS_VIEW = _INTERACTIONS_VIEW.format(stored=STORED_INTERACTIONS)
_INTERACTIONS_VIEW_V5 = _INTERACTIONS_VIEW.format(stored=_STORED_V5)  # (the view of schemas 4 and 5)

_V3 = [
    "ALTER TABLE identities ADD COLUMN id INTEGER",
    # Pseudonyms used by interactions but never recorded as identities (none
    # are made by the importers; older test data could have them).
    """INSERT INTO identities (token, kind, person, status, first_batch)
       SELECT x.token, 'employee_id', CASE WHEN p.person IS NOT NULL THEN x.token END,
              CASE WHEN p.person IS NOT NULL THEN 'person' ELSE 'unresolved' END, x.batch_id
       FROM (SELECT token, min(batch_id) AS batch_id FROM (
               SELECT sender AS token, batch_id FROM interactions
               UNION ALL SELECT unnest(recipients), batch_id FROM interactions) GROUP BY token) x
       LEFT JOIN (SELECT DISTINCT person FROM people_history) p ON p.person = x.token
       WHERE x.token NOT IN (SELECT token FROM identities)""",
    """UPDATE identities SET id = n.id FROM (
           SELECT token, CAST(row_number() OVER (ORDER BY first_batch, token) AS INTEGER) AS id FROM identities) n
       WHERE identities.token = n.token""",
    """CREATE TABLE channels (
        channel_id SMALLINT PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE
    )""",
    """INSERT INTO channels SELECT CAST(row_number() OVER (ORDER BY channel) AS SMALLINT), channel
       FROM (SELECT DISTINCT channel FROM interactions)""",
    """CREATE TABLE interaction_rows (
        batch_id INTEGER NOT NULL,
        "timestamp" TIMESTAMPTZ NOT NULL,
        zone_assumed BOOLEAN,
        channel_id SMALLINT NOT NULL,
        kind UTINYINT NOT NULL,
        sender INTEGER NOT NULL,
        recipients INTEGER[] NOT NULL,
        weight DOUBLE NOT NULL,
        duration_minutes DOUBLE,
        context VARCHAR
    )""",
    f"""INSERT INTO interaction_rows
       SELECT t.batch_id, t."timestamp", NULL, c.channel_id, CAST(list_position({_KIND_LIST}, t.kind) - 1 AS UTINYINT),
              s.id, coalesce((SELECT list(i.id ORDER BY u.k) FROM unnest(t.recipients) WITH ORDINALITY AS u(x, k)
                              JOIN identities i ON i.token = u.x), []),
              t.weight, t.duration_minutes, t.context
       FROM interactions t JOIN channels c ON c.name = t.channel JOIN identities s ON s.token = t.sender""",
    "DROP TABLE interactions",
    _INTERACTIONS_VIEW_V5,
]

# Version 4: the faster ``interactions`` view above.
_V4 = [_INTERACTIONS_VIEW_V5]

# Version 5: an interaction's weight is stored only when its source gave one;
# null stands for the default, 1 / number of recipients, which the readers
# (STORED_INTERACTIONS) compute. A column of nulls costs a bulk import about
# 0.5 CPU s less per ten million rows than one of computed doubles (issue 2).
# Rows stored before keep their weights, which read the same.
_V5 = ["ALTER TABLE interaction_rows ALTER COLUMN weight DROP NOT NULL", _INTERACTIONS_VIEW_V5]

# Version 6: channel id, kind and "zone assumed" packed in one column, ``code``
# (see code_sql above), and each distinct context stored once, in ``contexts``: a
# bulk import of ten million rows without contexts takes about 0.6 CPU s less
# (issue 2). The rows are copied in their order into the new layout.
_V6 = [
    "DROP VIEW interactions",
    """CREATE TABLE contexts (
        context_id INTEGER PRIMARY KEY,
        context VARCHAR NOT NULL,
        batch_id INTEGER NOT NULL
    )""",
    """INSERT INTO contexts
        SELECT CAST(row_number() OVER (ORDER BY min(batch_id), context) AS INTEGER), context, min(batch_id)
        FROM interaction_rows WHERE context IS NOT NULL GROUP BY context""",
    """CREATE TABLE interaction_rows_v6 (
        batch_id INTEGER NOT NULL,
        "timestamp" TIMESTAMPTZ NOT NULL,
        code INTEGER NOT NULL,
        sender INTEGER NOT NULL,
        recipients INTEGER[] NOT NULL,
        weight DOUBLE,
        duration_minutes DOUBLE,
        context_id INTEGER
    )""",
    f"""INSERT INTO interaction_rows_v6
        SELECT r.batch_id, r."timestamp", {code_sql("r.channel_id", "r.kind", "coalesce(r.zone_assumed, false)")},
               r.sender, r.recipients, r.weight, r.duration_minutes, x.context_id
        FROM interaction_rows r LEFT JOIN contexts x ON x.context = r.context ORDER BY r.rowid""",
    "DROP TABLE interaction_rows",
    "ALTER TABLE interaction_rows_v6 RENAME TO interaction_rows",
    INTERACTIONS_VIEW,
]

# Connectors whose contexts were keyed tokens from the start (a channel's
# group id, a meeting UID's token); the interactions importer stored text.
_TOKEN_CONTEXT_SOURCES = ("slack", "teams", "calendar")


def _contexts_as_tokens(db: Any, key: Callable[[str], Any]) -> bool:
    """Version 7: every context stored as text becomes its keyed token
    (``contexts.context``; rows keep their context ids, so threads and meetings
    group as before, and a later import of the same text finds its token)."""
    import pyarrow as pa

    rows = db.execute(
        """SELECT x.context_id, x.context FROM contexts x LEFT JOIN ingestion_log b ON b.batch_id = x.batch_id
           WHERE NOT (coalesce(list_contains(?::VARCHAR[], b.source_kind), false) AND regexp_full_match(x.context, '[0-9a-f]{16}'))
           ORDER BY x.context_id""", [list(_TOKEN_CONTEXT_SOURCES)]).fetchall()
    if not rows:
        return False
    p = key("whose contexts are stored as text, and upgrading it to 7 turns them into keyed tokens")
    _tokens = pa.table({"context_id": pa.array([r[0] for r in rows], pa.int32()),
                        "token": p.tokens(CONTEXT_TOKEN_KIND, [r[1] for r in rows])})
    db.execute("UPDATE contexts SET context = t.token FROM _tokens t WHERE contexts.context_id = t.context_id")
    return True


_V7: list[MigrationStep] = [_contexts_as_tokens]

# Version 8: the natural keys of the messages and meetings the connectors
# store (socialhr.ingest.keys), as keyed tokens, so that overlapping exports
# count each once: a message's key alone (e-mail, Slack, Teams), and a
# calendar occurrence's with its series (its UID's key), its original start,
# and where its row is: its batch, time and context (unique within its batch).
# Tables of their own, not a column of interaction_rows: the bulk import of
# tabular interactions, which have no natural key, neither writes nor reads
# them; and a message's key is only 12 bytes (a table of an occurrence's six
# columns, mostly null for messages, wrote 40 bytes a message to the WAL).
_V8 = [
    """CREATE TABLE message_keys (
        key BIGINT NOT NULL,
        batch_id INTEGER NOT NULL
    )""",
    """CREATE TABLE occurrence_keys (
        key BIGINT NOT NULL,
        batch_id INTEGER NOT NULL,
        series BIGINT NOT NULL,
        occurrence TIMESTAMPTZ NOT NULL,
        "timestamp" TIMESTAMPTZ NOT NULL,
        context_id INTEGER
    )""",
]

# Version 9: what the programs (socialhr.programs, docs/programs.md) proposed and
# what became of it, pseudonymous like the rest, so their impact can be
# measured. A run is one use of a program (one set of introductions, one
# round of matching); each program's rows carry its run_id. Primary data,
# not derived: analyze never drops them.
_V9 = [
    """CREATE TABLE program_runs (
        run_id INTEGER PRIMARY KEY,
        program VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        as_of DATE,
        window_id VARCHAR,
        parameters JSON,
        summary JSON
    )""",
    # Introductions for new joiners: reasons hold why the colleague was
    # chosen, as codes (community, department, location, attributes) that are
    # put into words when read.
    """CREATE TABLE introductions (
        run_id INTEGER NOT NULL,
        joiner VARCHAR NOT NULL,
        colleague VARCHAR NOT NULL,
        rank INTEGER NOT NULL,
        reasons JSON NOT NULL,
        status VARCHAR NOT NULL,
        status_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (run_id, joiner, colleague)
    )""",
    # Every change of a program row's status, in order, for impact analysis.
    """CREATE TABLE program_events (
        run_id INTEGER NOT NULL,
        program VARCHAR NOT NULL,
        subject VARCHAR NOT NULL,
        other VARCHAR,
        status VARCHAR NOT NULL,
        changed_at TIMESTAMPTZ NOT NULL
    )""",
    # Cross-team matching: one row per member of each group of a round; reasons
    # hold what the group brings that member, as codes (communities,
    # departments, how many already tied, location or hours apart) that are
    # put into words when read. mode: in-person | virtual.
    """CREATE TABLE match_groups (
        run_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        person VARCHAR NOT NULL,
        mode VARCHAR NOT NULL,
        reasons JSON NOT NULL,
        status VARCHAR NOT NULL,
        status_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (run_id, person)
    )""",
    # Onboarding integration: each joiner's network by week since their start
    # (figures by the end of the week), and the benchmark each hire-month
    # cohort is compared with (quartiles among earlier joiners; ``joiners`` is
    # how many, so that the read path withholds small ones).
    """CREATE TABLE onboarding_weeks (
        run_id INTEGER NOT NULL,
        joiner VARCHAR NOT NULL,
        manager VARCHAR,
        cohort VARCHAR NOT NULL,
        hire_date DATE NOT NULL,
        week INTEGER NOT NULL,
        week_end DATE NOT NULL,
        ties INTEGER NOT NULL,
        ties_outside_team INTEGER NOT NULL,
        ties_senior INTEGER NOT NULL,
        communities INTEGER NOT NULL,
        new_ties INTEGER NOT NULL,
        benchmark_joiners INTEGER NOT NULL,
        below_q1 BOOLEAN,
        flag VARCHAR,
        PRIMARY KEY (run_id, joiner, week)
    )""",
    """CREATE TABLE onboarding_benchmark (
        run_id INTEGER NOT NULL,
        cohort VARCHAR NOT NULL,
        week INTEGER NOT NULL,
        joiners INTEGER NOT NULL,
        ties_q1 DOUBLE, ties_median DOUBLE, ties_q3 DOUBLE,
        ties_outside_team_q1 DOUBLE, ties_outside_team_median DOUBLE, ties_outside_team_q3 DOUBLE,
        ties_senior_q1 DOUBLE, ties_senior_median DOUBLE, ties_senior_q3 DOUBLE,
        communities_q1 DOUBLE, communities_median DOUBLE, communities_q3 DOUBLE,
        PRIMARY KEY (run_id, cohort, week)
    )""",
    # HR's targets for social capital (socialhr.insights.targets): a scope, a metric, a value and a due date.
    """CREATE TABLE targets (
        target_id INTEGER PRIMARY KEY,
        dimension VARCHAR,
        "group" VARCHAR,
        metric VARCHAR NOT NULL,
        op VARCHAR NOT NULL,
        value DOUBLE NOT NULL,
        due DATE NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        note VARCHAR
    )""",
    # Consultations (socialhr.programs.consult): when each was open and to
    # whom. The title and text are free text, kept in the vault folder
    # (consultations.sqlite); here only ids, dates and the audience's roster
    # field and value.
    """CREATE TABLE consultations (
        consultation_id INTEGER PRIMARY KEY,
        opened_at TIMESTAMPTZ NOT NULL,
        closes DATE NOT NULL,
        closed_at TIMESTAMPTZ,
        audience JSON NOT NULL
    )""",
    # Who took part, when and how: kind 'comment' (comment_no numbers the
    # comment within its consultation; its text is in the vault) or 'endorse'
    # (comment_no is the comment endorsed). row_key, a keyed token of the
    # row's content, makes a re-imported file count once.
    """CREATE TABLE consultation_participation (
        consultation_id INTEGER NOT NULL,
        person VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        comment_no INTEGER NOT NULL,
        "timestamp" TIMESTAMPTZ NOT NULL,
        row_key VARCHAR NOT NULL
    )""",
    # Slack or Teams channels (groups.group_id) whose messages during the
    # consultation count as taking part (read from interactions when reported).
    """CREATE TABLE consultation_channels (
        consultation_id INTEGER NOT NULL,
        group_id VARCHAR NOT NULL,
        linked_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (consultation_id, group_id)
    )""",
    # Referrals (socialhr.programs.referrals): the open roles (job metadata,
    # not people), keyed by ``role`` (the file's role_id, else its title);
    # ``open`` is false once a later roles file leaves the role out.
    """CREATE TABLE referral_roles (
        role VARCHAR PRIMARY KEY,
        title VARCHAR NOT NULL,
        department VARCHAR,
        location VARCHAR,
        keywords JSON NOT NULL,
        companies JSON NOT NULL,
        open BOOLEAN NOT NULL,
        imported_at TIMESTAMPTZ NOT NULL
    )""",
    # Referral suggestions and what became of them. ``candidate`` is a keyed
    # token of the LinkedIn connection (their profile URL, else name and
    # company): names stay in the vault (linkedin.sqlite). ``referrer`` is the
    # employee who knows them; ``hire`` the pseudonym the candidate has on the
    # roster once hired (for the integration comparison); ``reasons`` codes.
    """CREATE TABLE referrals (
        run_id INTEGER NOT NULL,
        role VARCHAR NOT NULL,
        candidate VARCHAR NOT NULL,
        referrer VARCHAR NOT NULL,
        rank INTEGER NOT NULL,
        score DOUBLE NOT NULL,
        known_by INTEGER NOT NULL,
        reasons JSON NOT NULL,
        status VARCHAR NOT NULL,
        status_at TIMESTAMPTZ NOT NULL,
        hire VARCHAR,
        PRIMARY KEY (run_id, role, candidate)
    )""",
    # The colleague name game: each answer, as metadata (the player's and the
    # card's pseudonyms, right or not, when; seq numbers a player's answers).
    # Names and photos stay in the vault.
    """CREATE TABLE game_answers (
        player VARCHAR NOT NULL,
        seq INTEGER NOT NULL,
        card VARCHAR NOT NULL,
        correct BOOLEAN NOT NULL,
        choices INTEGER NOT NULL,
        answered_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (player, seq)
    )""",
    # Players who keep themselves off the name game's leaderboard.
    """CREATE TABLE game_optouts (
        player VARCHAR PRIMARY KEY,
        opted_out_at TIMESTAMPTZ NOT NULL
    )""",
    # Peer recognition: each kudos's metadata (giver, receiver, when, its
    # value tag). Its interaction is in interaction_rows (channel recognition),
    # its message in the vault (kudos.sqlite), under the same kudos_id.
    """CREATE TABLE kudos (
        kudos_id BIGINT PRIMARY KEY,
        batch_id INTEGER NOT NULL,
        giver VARCHAR NOT NULL,
        receiver VARCHAR NOT NULL,
        given_at TIMESTAMPTZ NOT NULL,
        value VARCHAR NOT NULL
    )""",
]

# Versions a workspace can be read without, read-only: they replace views, or
# relax a rule its rows already meet, so its older form gives the same rows.
# (Not 7: a schema-6 workspace may hold contexts as text.)
OPTIONAL_FOR_READING = {4, 5}

MIGRATIONS: dict[int, list[MigrationStep]] = {1: _V1, 2: _V2, 3: _V3, 4: _V4, 5: _V5, 6: _V6, 7: _V7, 8: _V8, 9: _V9}

# Tables whose rows carry a batch_id, for status counts and for undoing a batch.
BATCH_TABLES = ["people_history", "identities", "interaction_rows", "contexts", "ties", "groups", "group_members", "outcomes",
                "person_week_metrics", "survey_questions", "message_keys", "occurrence_keys"]


def tables_created_since(version: int) -> list[str]:
    """The tables the migrations after ``version`` create, newest last (for tests that rebuild an older workspace).

    >>> tables_created_since(7)[:2]
    ['message_keys', 'occurrence_keys']
    """
    out = []
    for v in sorted(MIGRATIONS):
        if v > version:
            out += [step.split()[2] for step in MIGRATIONS[v]
                    if isinstance(step, str) and step.lstrip().upper().startswith("CREATE TABLE")]
    return out
