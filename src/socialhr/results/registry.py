"""The registry of result tables: one entry per table anything outside the workspace can read.

A table registers a *producer*, ``fn(ctx, **options)``, that returns either a
:class:`Query` (SQL over the analytics database with bound parameters; rows
stream in batches) or an Arrow table (aggregates computed when read). The
entry says what level the table is at, which decides who may read it (see
:mod:`socialhr.results.viewer`), and which columns hold pseudonyms that an
identified read adds employee ids beside.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import pyarrow as pa

from ..errors import SocialHRError, UnknownTableError

# Levels of a table, by what its rows describe.
PERSON = "person"  # one person or one tie per row: analysts, or an employee's own rows
AGGREGATE = "aggregate"  # groups and the organization, under the disclosure rules: every role


@dataclass(frozen=True)
class Query:
    """SQL over the analytics database, with its parameters bound (never pasted in)."""

    sql: str
    params: tuple[Any, ...] = ()


@dataclass
class ResultTable:
    name: str
    produce: Callable[..., Query | pa.Table]
    help: str
    level: str
    # column of pseudonyms -> name of the employee-id column an identified read adds
    person_columns: dict[str, str] = field(default_factory=dict)
    # list columns of pseudonyms -> name of the identified list column
    person_list_columns: dict[str, str] = field(default_factory=dict)
    # the columns naming whom a row is about: an employee reads the rows where one of them is theirs
    own_columns: tuple[str, ...] = ()
    # given the workspace, a function applied to each batch of a Query's rows
    prepare: Callable[[Any], Callable[[pa.RecordBatch], pa.RecordBatch]] | None = None
    # an aggregate table of the analysis' groups: a read also says what the disclosure rules withheld in its window
    reports_withheld: bool = True

    @property
    def options(self) -> set[str]:
        """The keyword options the producer takes, e.g. ``window``."""
        return {p.name for p in inspect.signature(self.produce).parameters.values() if p.kind is p.KEYWORD_ONLY}

    def check_options(self, options: dict[str, Any]) -> None:
        unknown = sorted(set(options) - self.options)
        if unknown:
            takes = ", ".join(f"--{o}" for o in sorted(self.options)) or "no options"
            raise SocialHRError(
                f"{', '.join('--' + o for o in unknown)} {'does' if len(unknown) == 1 else 'do'} not apply to the table '{self.name}'",
                hint=f"'{self.name}' takes {takes}.",
            )


TABLES: dict[str, ResultTable] = {}


def result_table(name: str, *, help: str, level: str, person_columns=None, person_list_columns=None,
                 own_columns: tuple[str, ...] = (), prepare=None, reports_withheld: bool = True):
    """Register a producer as the table ``name``."""

    def register(fn: Callable[..., Query | pa.Table]) -> Callable[..., Query | pa.Table]:
        TABLES[name] = ResultTable(name, fn, help, level, dict(person_columns or {}), dict(person_list_columns or {}),
                                   tuple(own_columns), prepare, reports_withheld)
        return fn

    return register


def get(name: str) -> ResultTable:
    if name not in TABLES:
        raise UnknownTableError(f"no table named '{name}'", hint=f"Tables you can export: {', '.join(table_names())}.")
    return TABLES[name]


def table_names() -> list[str]:
    return sorted(TABLES)
