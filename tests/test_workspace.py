"""The workspace folder: creation, settings, schema versions, clear errors."""

from __future__ import annotations

import pytest

from socialhr import config, schema
from socialhr.errors import SettingsError, WorkspaceError
from socialhr.workspace import Workspace


def test_init_makes_database_settings_and_vault(tmp_path):
    ws = Workspace.init(tmp_path / "w", settings={"timezone": "Europe/Paris", "min_group_size": 7})
    assert (tmp_path / "w" / "socialhr.duckdb").exists()
    assert ws.vault.available
    ws.close()
    again = Workspace.open(tmp_path / "w")
    assert again.settings["timezone"] == "Europe/Paris" and again.settings["min_group_size"] == 7
    again.close()


def test_init_refuses_an_existing_workspace(ws):
    with pytest.raises(WorkspaceError, match="already holds a socialhr workspace"):
        Workspace.init(ws.path)


def test_open_says_how_to_create_one(tmp_path):
    with pytest.raises(WorkspaceError) as excinfo:
        Workspace.open(tmp_path / "nothing")
    assert str(excinfo.value) == f"{tmp_path / 'nothing'} is not a socialhr workspace. Create one with: socialhr init {tmp_path / 'nothing'}"


def test_a_newer_workspace_says_to_upgrade(ws):
    ws.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    ws.close()
    with pytest.raises(WorkspaceError, match=r"made by a newer socialhr \(schema 99.*Upgrade with: pip install --upgrade socialhr"):
        Workspace.open(ws.path)


@pytest.fixture
def probe_migration(ws, monkeypatch):
    """A next schema version that adds a table; the workspace (closed) is one version behind it."""
    current = schema.SCHEMA_VERSION
    ws.close()
    monkeypatch.setitem(schema.MIGRATIONS, current + 1, ["CREATE TABLE upgrade_probe (x INTEGER)"])
    monkeypatch.setattr("socialhr.workspace.SCHEMA_VERSION", current + 1)
    monkeypatch.setattr("socialhr.schema.SCHEMA_VERSION", current + 1)
    return current


def test_an_older_workspace_is_upgraded_on_open(ws, probe_migration):
    current = probe_migration
    opened = Workspace.open(ws.path)
    assert opened.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(current + 1)
    assert opened.db.execute("SELECT count(*) FROM upgrade_probe").fetchone()[0] == 0
    opened.close()


def test_settings_are_validated_with_file_and_name(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    ws.close()
    path = tmp_path / "w" / "socialhr.toml"
    path.write_text(path.read_text().replace("min_group_size = 5", "min_group_size = \"few\""))
    with pytest.raises(SettingsError, match="socialhr.toml: setting 'min_group_size' must be int, got 'few'"):
        Workspace.open(tmp_path / "w")
    path.write_text('colour = "blue"\n')
    with pytest.raises(SettingsError, match="socialhr.toml: unknown setting 'colour'"):
        Workspace.open(tmp_path / "w")
    path.write_text('timezone = "Mars/Olympus"\n')
    with pytest.raises(SettingsError, match="not a known time zone: 'Mars/Olympus'"):
        Workspace.open(tmp_path / "w")


def test_settings_file_round_trips_every_setting():
    values = config.validate({"org_domains": ["acme.example"], "column_map": {"roster": {"Worker ID": "employee_id"}}})
    import tomllib

    assert config.validate(tomllib.loads(config.dumps(values))) == values


def test_status_counts_and_batches(loaded):
    info = loaded.status()
    assert info["counts"]["people"] == 8 and info["counts"]["interactions"] == 8
    assert [b["source_kind"] for b in info["batches"]] == ["roster", "interactions"]
    assert info["batches"][1]["notes"]["naive_timestamps"] == 1
    assert info["interactions_span"][0].startswith("2026-07-01T08:15:00")


def test_a_schema_2_workspace_keeps_its_interactions_when_upgraded(tmp_path, monkeypatch):
    """Version 3 stores interactions as identity ids; the view shows them exactly as version 2 stored them."""
    monkeypatch.setattr(schema, "MIGRATIONS", {1: schema.MIGRATIONS[1], 2: schema.MIGRATIONS[2]})
    monkeypatch.setattr("socialhr.workspace.MIGRATIONS", schema.MIGRATIONS)
    monkeypatch.setattr("socialhr.workspace.SCHEMA_VERSION", 2)
    ws = Workspace.init(tmp_path / "w")
    db = ws.db
    db.execute("INSERT INTO people_history (person, valid_from, batch_id) VALUES ('aaaa', DATE '2020-01-01', 1), ('bbbb', DATE '2020-01-01', 1)")
    db.execute("INSERT INTO identities VALUES ('aaaa', 'employee_id', 'aaaa', 'person', 1), ('mail', 'email', 'bbbb', 'person', 1), "
               "('ext1', 'email', NULL, 'external', 2)")
    rows = [
        (2, "2024-01-02 09:00:00+00", "email", "message", "aaaa", ["bbbb", "ext1"], 0.5, None, None),
        (2, "2024-01-03 10:00:00+00", "meeting", "meeting", "ext1", ["aaaa", "bbbb", "orphan"], 1.0, 30.0, "m-1"),
        (3, "2024-01-04 11:00:00+00", "slack", "broadcast", "bbbb", [], 1.0, None, "C1"),
    ]
    db.executemany("INSERT INTO interactions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    ws.close()
    monkeypatch.undo()

    opened = Workspace.open(tmp_path / "w")
    db = opened.db
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(schema.SCHEMA_VERSION)
    got = db.execute('SELECT batch_id, strftime("timestamp", \'%Y-%m-%d %H:%M:%S+00\'), channel, kind, sender, recipients, '
                     'weight, duration_minutes, context FROM interactions ORDER BY "timestamp"').fetchall()
    # (Contexts, text in schema 2, are keyed tokens since schema 7.)
    token = opened.pseudonymiser.token
    assert [tuple(r) for r in got] == [(*r[:8], r[8] and token("context", r[8])) for r in rows]
    # Every identity has a distinct id, 1..N; the pseudonym no identity named is recorded as unresolved.
    ids = db.execute("SELECT token, id, status FROM identities ORDER BY id").fetchall()
    assert [i for _, i, _ in ids] == list(range(1, len(ids) + 1))
    assert ("orphan", "unresolved") in [(t, s) for t, _, s in ids]
    assert db.execute("SELECT count(*) FROM channels").fetchone()[0] == 3
    opened.close()


def _rows(w):
    return sorted(map(repr, w.db.execute("SELECT * FROM interactions").fetchall()))


def _version(w):
    return w.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]


def _zones(w):
    """Each stored row's "zone assumed" flag, in the order of their times."""
    flag = "zone_assumed" if _version(w) in ("3", "4", "5") else schema.code_field("zone_assumed")
    return w.db.execute(f'SELECT list({flag} ORDER BY "timestamp", sender) FROM interaction_rows').fetchone()[0]


def _as_schema_5(w):
    """Put the workspace's interactions back in the layout of schemas 3 to 5:
    channel id, kind and "zone assumed" in columns of their own, the context's text on each row."""
    db = w.db
    db.execute("DROP VIEW interactions")
    db.execute("ALTER TABLE interaction_rows RENAME TO packed")
    db.execute(next(s for s in schema.MIGRATIONS[3] if s.startswith("CREATE TABLE interaction_rows")))
    db.execute("ALTER TABLE interaction_rows ALTER COLUMN weight DROP NOT NULL")
    fields = ", ".join(schema.code_field(f, "p") for f in ("zone_assumed", "channel_id", "kind"))
    db.execute(f'INSERT INTO interaction_rows SELECT p.batch_id, p."timestamp", {fields}, p.sender, p.recipients, p.weight, '
               "p.duration_minutes, x.context FROM packed p LEFT JOIN contexts x ON x.context_id = p.context_id ORDER BY p.rowid")
    db.execute("DROP TABLE packed")
    db.execute("DROP TABLE contexts")
    for table in schema.tables_created_since(7):  # (schemas 8 and later)
        db.execute(f"DROP TABLE {table}")
    db.execute(schema._INTERACTIONS_VIEW_V5)
    db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")


def test_a_schema_5_workspace_is_packed_when_opened_to_write_and_reads_the_same(loaded, data, tmp_path):
    """Schema 6 packs channel id, kind and "zone assumed" into one column, code,
    and keeps each context once, in contexts; the upgrade rewrites the rows,
    which read exactly as before."""
    from socialhr.ingest import ingest

    (tmp_path / "threads.csv").write_text(
        "timestamp,sender,recipients,channel,context\n"
        "2026-07-02T09:00:00Z,E001,E002,chat,thread-1\n"
        "2026-07-02T09:05:00Z,E002,E001,chat, thread-1 \n"
        "2026-07-02T09:10:00Z,E003,E001,email,\n"
        "2026-07-02T09:15:00Z,E001,E003,email,thread-2\n")
    ingest(loaded, "interactions", tmp_path / "threads.csv")
    token = loaded.pseudonymiser.token
    thread_1, thread_2 = token("context", "thread-1"), token("context", "thread-2")
    contexts = loaded.db.execute("SELECT context, count(*) FROM interactions WHERE context IS NOT NULL GROUP BY 1").fetchall()
    assert sorted(contexts) == sorted([(thread_1, 2), (thread_2, 1)])
    expected, zones = _rows(loaded), _zones(loaded)
    assert True in zones and False in zones
    kinds = loaded.db.execute("SELECT DISTINCT kind FROM interactions").fetchall()
    assert len(kinds) >= 2
    # Before schema 7, contexts were stored as text; the upgrade makes them tokens again.
    loaded.db.execute("UPDATE contexts SET context = CASE context WHEN ? THEN 'thread-1' ELSE 'thread-2' END", [thread_1])
    as_text = _rows(loaded)
    _as_schema_5(loaded)
    assert _rows(loaded) == as_text and _zones(loaded) == zones
    loaded.close()
    # Read-only cannot skip a migration that changes a table: it says what to do.
    with pytest.raises(WorkspaceError, match=f"has schema 5 and needs upgrading to {schema.SCHEMA_VERSION}. Open it once without read-only access"):
        Workspace.open(loaded.path, read_only=True)
    writer = Workspace.open(loaded.path)
    assert _version(writer) == str(schema.SCHEMA_VERSION) and _rows(writer) == expected and _zones(writer) == zones
    assert writer.db.execute("SELECT context FROM contexts ORDER BY context_id").fetchall() == [(thread_1,), (thread_2,)]
    columns = [c for (c,) in writer.db.execute("SELECT column_name FROM information_schema.columns "
                                               "WHERE table_name = 'interaction_rows' ORDER BY ordinal_position").fetchall()]
    assert columns == ["batch_id", "timestamp", "code", "sender", "recipients", "weight", "duration_minutes", "context_id"]
    before = writer.db.execute("SELECT count(*) FROM interactions").fetchone()[0]
    ingest(writer, "interactions", data / "interactions" / "messages.jsonl")
    assert writer.db.execute("SELECT count(*) FROM interactions").fetchone()[0] > before
    writer.close()


_SCHEMA_3_VIEW = """CREATE OR REPLACE VIEW interactions AS
    WITH stored AS ({stored}),
    pseudo AS (SELECT id, coalesce(person, token) AS p FROM identities),
    lists AS (
        SELECT u.rid, list(ps.p ORDER BY u.k) AS recipients
        FROM (SELECT rowid AS rid, unnest(recipients) AS x, generate_subscripts(recipients, 1) AS k FROM interaction_rows) u
        JOIN pseudo ps ON ps.id = u.x
        GROUP BY u.rid)
    SELECT n.batch_id, n."timestamp", n.channel, n.kind,
           s.p AS sender, coalesce(l.recipients, CAST([] AS VARCHAR[])) AS recipients,
           n.weight, n.duration_minutes, n.context
    FROM stored n
    JOIN pseudo s ON s.id = n.sender
    LEFT JOIN lists l ON l.rid = n.rid"""


def test_a_schema_3_workspace_gets_the_faster_view_when_opened_to_write(loaded):
    expected = _rows(loaded)
    _as_schema_5(loaded)
    loaded.db.execute(_SCHEMA_3_VIEW.format(stored=schema._STORED_V5))
    loaded.db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    assert _rows(loaded) == expected
    loaded.close()
    with pytest.raises(WorkspaceError, match="has schema 3 and needs upgrading"):
        Workspace.open(loaded.path, read_only=True)
    writer = Workspace.open(loaded.path)
    assert _version(writer) == str(schema.SCHEMA_VERSION) and _rows(writer) == expected
    view = writer.db.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'interactions'").fetchone()[0]
    assert "len(recipients) <> 1" in view.replace("(recipients) != 1", "(recipients) <> 1")
    writer.close()


def test_a_schema_4_workspace_keeps_its_stored_weights_and_stores_defaults_as_null_after_upgrade(loaded, data):
    """Schema 5 stores the default weight (1 / number of recipients) as null; rows
    stored before with their weights read the same once upgraded."""
    from socialhr.ingest import ingest

    def nullable(w):
        return w.db.execute("SELECT is_nullable FROM information_schema.columns "
                            "WHERE table_name = 'interaction_rows' AND column_name = 'weight'").fetchone()[0]

    expected = _rows(loaded)
    assert loaded.db.execute("SELECT count(*) FROM interaction_rows WHERE weight IS NULL").fetchone()[0] > 0
    # Back to schema 4: every weight stored, NOT NULL, and the view that read them as stored.
    _as_schema_5(loaded)
    db = loaded.db
    db.execute("UPDATE interaction_rows SET weight = 1.0 / len(recipients) WHERE weight IS NULL")
    db.execute("ALTER TABLE interaction_rows ALTER COLUMN weight SET NOT NULL")
    old_stored = schema._STORED_V5.replace("coalesce(r.weight, 1.0 / len(r.recipients)) AS weight", "r.weight")
    assert old_stored != schema._STORED_V5
    db.execute(schema._INTERACTIONS_VIEW_V5.replace(schema._STORED_V5, old_stored))
    db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    assert nullable(loaded) == "NO" and _rows(loaded) == expected
    loaded.close()
    writer = Workspace.open(loaded.path)
    assert _version(writer) == str(schema.SCHEMA_VERSION) and nullable(writer) == "YES" and _rows(writer) == expected
    assert writer.db.execute("SELECT count(*) FROM interaction_rows WHERE weight IS NULL").fetchone()[0] == 0
    ingest(writer, "interactions", data / "interactions" / "messages.jsonl")
    assert writer.db.execute("SELECT count(*) FROM interaction_rows WHERE weight IS NULL").fetchone()[0] > 0
    writer.close()


def test_read_only_cannot_skip_a_migration_that_changes_tables(ws, probe_migration):
    current = probe_migration
    with pytest.raises(WorkspaceError, match=f"has schema {current} and needs upgrading to {current + 1}"):
        Workspace.open(ws.path, read_only=True)


def test_code_packs_channel_kind_and_zone_and_reads_them_back_in_sql_and_python():
    import duckdb

    cases = [(c, k, z) for c in (1, 2, 17, 255, 32767) for k in range(len(schema.KINDS)) for z in (False, True)]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, c SMALLINT, k UTINYINT, z BOOLEAN)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(i, *case) for i, case in enumerate(cases)])
    got = con.execute(
        "SELECT " + ", ".join(schema.code_field(f) for f in ("channel_id", "kind", "zone_assumed")) + ", code "
        f"FROM (SELECT {schema.code_sql('c', 'k', 'z')} AS code, i FROM t) ORDER BY i").fetchall()
    assert [r[:3] for r in got] == cases
    assert [schema.unpacked(r[3]) for r in got] == cases
    assert len({r[3] for r in got}) == len(cases)


def test_importing_socialhr_asks_arrows_allocator_to_commit_on_demand_unless_told_otherwise():
    import subprocess
    import sys

    code = "import os, socialhr, pyarrow; print(os.environ['MIMALLOC_ARENA_EAGER_COMMIT'], pyarrow.default_memory_pool().backend_name)"
    env = {k: v for k, v in __import__("os").environ.items() if k != "MIMALLOC_ARENA_EAGER_COMMIT"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "0" and out[1] in ("mimalloc", "jemalloc", "system")
    env["MIMALLOC_ARENA_EAGER_COMMIT"] = "1"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "1"
