"""The one way text becomes part of SQL: quoted identifiers. Values are always bound parameters.

Nothing that comes from a file (a column name, a sheet name, a channel name, a
value) is pasted into SQL text: identifiers go through :func:`quote_identifier`,
values are passed as parameters (``db.execute(sql, [value])``).

>>> quote_identifier('PersonId')
'"PersonId"'
>>> quote_identifier('a"b; DROP TABLE x --')
'"a""b; DROP TABLE x --"'
"""

from __future__ import annotations


def quote_identifier(name: str) -> str:
    """``name`` as a DuckDB identifier in double quotes, embedded quotes doubled.

    A NUL character cannot be part of an identifier and is refused.
    """
    name = str(name)
    if "\x00" in name:
        raise ValueError("an identifier cannot hold a NUL character")
    return '"' + name.replace('"', '""') + '"'
