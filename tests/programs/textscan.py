"""A scan of every text column of the analytics database, for what must never be there (names, messages)."""

from __future__ import annotations


def text_hits(db, secrets):
    """Every (table, column) of the analytics database whose text contains one of ``secrets``."""
    db.execute("CREATE OR REPLACE TEMP TABLE _secrets AS SELECT unnest(?::VARCHAR[]) AS s", [secrets])
    hits = []
    columns = db.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND (data_type LIKE 'VARCHAR%' OR data_type = 'JSON')").fetchall()
    assert len(columns) > 20, "the scan reads the text of every table"
    for table, column in columns:
        q = f'SELECT count(*) FROM (SELECT DISTINCT CAST("{column}" AS VARCHAR) AS v FROM "{table}") t, _secrets WHERE contains(t.v, _secrets.s)'
        if db.execute(q).fetchone()[0]:
            hits.append((table, column))
    db.execute("DROP TABLE _secrets")
    # (The scan finds the secrets in their own table: it can see them where they are.)
    assert ("_secrets", "s") in hits
    return [h for h in hits if h != ("_secrets", "s")]
