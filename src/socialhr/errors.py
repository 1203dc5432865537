"""One hierarchy of errors for everything a user can get wrong.

Every error a user can cause is a :class:`SocialHRError`. The CLI prints it as
``Error: <message>`` with no stack trace and exits with status 1; the web app
turns it into ``{"ok": false, "error": "...", "status": 400}``.

An :class:`InputError` says *where* (file, line as an editor counts it with the
header as line 1, field), *what* was expected, and *how to fix it*:

>>> str(InputError("not a timestamp: '2024-13-01'", file="x.csv", line=3,
...                field="timestamp", hint="Use ISO 8601, e.g. 2024-03-01T09:00:00+01:00."))
"x.csv, line 3, field 'timestamp': not a timestamp: '2024-13-01'. Use ISO 8601, e.g. 2024-03-01T09:00:00+01:00."
"""

from __future__ import annotations

from pathlib import Path


class SocialHRError(Exception):
    """Base class: a problem the user can fix, reported without a stack trace."""

    status = 400

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text = f"{text.rstrip('.')}. {self.hint}"
        return text


class WorkspaceError(SocialHRError):
    """The workspace folder is missing, damaged, or from an incompatible version."""


class SettingsError(SocialHRError):
    """A setting has an unknown name or a value of the wrong kind."""


class VaultError(SocialHRError):
    """The identity vault or the pseudonymisation key is missing or unreadable."""

    status = 403


class InputError(SocialHRError):
    """A file being imported is malformed: says the file, line, field, and a fix.

    ``line`` counts as an editor does: for CSV the header is line 1; for
    Parquet it is the row number (the first row is row 1) and is reported as
    "row"; for JSON Lines it is the line.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
        line_label: str = "line",
    ):
        super().__init__(message, hint=hint)
        self.file = Path(file).name if file is not None else None
        self.line = line
        self.field = field
        self.line_label = line_label

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"{self.line_label} {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        body = super().__str__()
        return f"{prefix}: {body}" if prefix else body


class UnknownTableError(SocialHRError):
    """An export or query names a table that does not exist."""


class PrivacyError(SocialHRError):
    """An output would reveal a group smaller than the minimum group size, or
    identities to someone not entitled to them."""

    status = 403
