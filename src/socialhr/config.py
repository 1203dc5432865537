"""The settings registry: one list of :class:`Setting` feeds validation, help and docs.

A workspace keeps its settings in ``socialhr.toml``. Unknown names and values of
the wrong kind are rejected with a message that says which file and setting.

>>> SETTINGS["min_group_size"].default
5
>>> validate({"min_group_size": "7"})["min_group_size"]
7
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import SettingsError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type = str


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("timezone", "UTC", "Time zone given to naive timestamps (an IANA name such as Europe/Paris)."),
        Setting("min_group_size", 5, "Groups smaller than this are withheld from every group-level output.", int),
        Setting("org_domains", [], "E-mail domains of the organization; defaults to the domains seen in the roster.", list),
        Setting("broadcast_threshold", 25, "Messages and meetings with more recipients than this are broadcasts, not ties.", int),
        Setting("vault_path", "vault", "Folder of the identity vault and key, relative to the workspace or absolute.", str),
        Setting("duckdb_memory_limit", "1GB", "Memory DuckDB may use before it spills to disk.", str),
        Setting("duckdb_threads", 0, "Threads DuckDB may use (0: all cores).", int),
        Setting("roster_attributes", [], "Roster columns besides the roster's own fields to store as attributes (and group dimensions); "
                "any other column is left out. Columns holding e-mails, phones or a value per person are refused (docs/privacy.md).", list),
        Setting("column_map", {}, "Per kind of import, source column -> socialhr field, e.g. [column_map.roster] \"Worker ID\" = \"employee_id\".", dict),
        Setting("spark_master", "local[2]", "Spark master URL for --engine spark.", str),
        # Connectors
        Setting("email_exclude", [
            "noreply@*", "no-reply@*", "no_reply@*", "donotreply@*", "do-not-reply@*", "mailer-daemon@*", "postmaster@*",
            "*-bounces@*", "bounce*@*", "notifications@*", "notification@*", "calendar-notification@*",
        ], "E-mail senders left out as automated or mailing lists (shell-style patterns, case-insensitive).", list),
        # Bounds on what one input may cost (docs/connectors.md#bounds): real exports stay far below them.
        Setting("archive_max_ratio", 200, "Refuse a zip member, a workbook's part or a Parquet file that expands to more than this many times its compressed size (zip bombs; Parquet: values per byte), above 1 MB or a million values.", int),
        Setting("calendar_max_occurrences", 10_000, "Refuse a recurring meeting that repeats more often than this from its start to the end of the imported period (27 years of a daily meeting).", int),
        Setting("calendar_max_years", 50, "Refuse a recurring meeting that would be expanded over more years than this, from its start to the end of the imported period.", int),
        Setting("calendar_max_expansion", 1_000, "Dates and times that expanding a calendar's recurring meetings may check, per KB of calendar read (at least 200,000 per import).", int),
        Setting("analysis_max_windows", 500, "Refuse an analysis of more windows than this (ten years of weeks); each window is a whole network analysis.", int),
        # Network engine (docs/metrics.md defines each)
        Setting("tie_min_interactions", 1, "Interactions from one person to another in a window needed for a tie.", int),
        Setting("strong_tie_weight", 2.0, "A reciprocated tie is strong when its weight in each direction is at least this.", float),
        Setting("exact_betweenness_limit", 20_000, "Above this many people, betweenness and harmonic closeness are sampled, with the error bound stated.", int),
        Setting("betweenness_samples", 1_000, "Source people sampled for betweenness above exact_betweenness_limit.", int),
        Setting("network_seed", 42, "Seed of community detection and betweenness sampling, so results repeat.", int),
        Setting("leiden_resolution", 1.0, "Leiden modularity resolution: above 1 finds more, smaller communities.", float),
        Setting("shrink_threshold", 0.5, "A person's network shrank sharply when it lost at least this share of its ties since the previous window (docs/metrics.md).", float),
        Setting("shrink_min_ties", 5, "Ties a person needs in the previous window before a shrink is flagged.", int),
        Setting("joiner_days", 90, "People hired within this many days before a window's last day are new joiners in it.", int),
        Setting("isolation_share", 0.15, "Isolated: no tie, or a network size at most this share of the window's median.", float),
        Setting("network_workers", 0, "Processes for betweenness and harmonic closeness of networks of 2,000 people or more (0: all cores); results are identical.", int),
        # Programs (docs/programs.md)
        Setting("level_order", [], "Roster levels from most junior to most senior, e.g. [\"IC1\", \"IC2\", \"M1\", \"VP\"]; "
                "when empty, a level's seniority comes from the org chart (the fewer managers above its people, the more senior).", list),
        Setting("senior_level", "", "Onboarding: the lowest level counted as a senior colleague (empty: the most senior third of the levels).", str),
        Setting("match_repeat_rounds", 6, "Matching: a pair matched in one of this many latest rounds is not matched again (0: pairs may repeat).", int),
        Setting("match_max_hours_apart", 3.0, "Matching: members of a virtual group are at most this many hours apart in time zone.", float),
        Setting("location_time_zones", [], "Matching: the time zone of each roster location the zone cannot be told from, as LOCATION=ZONE, "
                "e.g. [\"Bengaluru=Asia/Kolkata\", \"Remote US=UTC-5\"] (a city location such as London or New York needs none).", list),
        # Insights (docs/insights.md)
        Setting("ghost_town_decline", 0.5, "Adoption: a space whose people posting in the last 28 days fell by at least this share is declining (a ghost town with too few creators).", float),
        Setting("ghost_town_min_creators", 3, "Adoption: a declining space with fewer people starting threads in the last 28 days than this is a ghost town.", int),
        # The colleague name game and peer recognition (docs/programs.md)
        Setting("kudos_values", ["teamwork", "customer", "ownership", "learning", "kindness", "innovation"],
                "Peer recognition: the values a kudos is tagged with; a kudos names one of them (case aside).", list),
        Setting("kudos_feed", False, "Peer recognition: show every kudos and its message in the feed (off: a message is seen by its giver and receiver only).", bool),
        Setting("kudos_max_length", 280, "Peer recognition: the longest message a kudos may carry, in characters.", int),
        # The web app (socialhr serve; docs/web.md)
        Setting("web_session_hours", 12.0, "Web app: how long a sign-in lasts, in hours.", float),
        Setting("web_login_attempts", 5, "Web app: failed log-ins allowed per username and per client address in web_login_window_minutes; more are refused (429).", int),
        Setting("web_login_window_minutes", 15, "Web app: the period over which failed log-ins are counted.", int),
        # Single sign-on by OpenID Connect (docs/web.md); off while oidc_issuer is empty
        Setting("oidc_issuer", "", "Web app single sign-on: the OpenID Connect issuer URL (e.g. https://login.example.com/realms/hr); empty: off.", str),
        Setting("oidc_client_id", "", "Web app single sign-on: this app's client id at the issuer.", str),
        Setting("oidc_client_secret", "", "Web app single sign-on: the client secret (better: the environment variable SOCIALHR_OIDC_CLIENT_SECRET, which wins).", str),
        Setting("oidc_username_claim", "preferred_username", "Web app single sign-on: the ID token's claim whose value is the socialhr username (accounts must exist).", str),
    ]
}


_BOOL_WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def _coerce(setting: Setting, value: Any) -> Any:
    if setting.kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
            return _BOOL_WORDS[value.strip().lower()]
        raise ValueError
    if setting.kind is int:
        if isinstance(value, bool):
            raise ValueError
        return int(value)
    if setting.kind is float:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    if setting.kind is list:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise ValueError
        return list(value)
    if setting.kind is dict:
        if not isinstance(value, dict):
            raise ValueError
        return dict(value)
    if not isinstance(value, str):
        raise ValueError
    return value


def validate(values: dict[str, Any], *, source: str = "settings") -> dict[str, Any]:
    """Return ``values`` checked and coerced, with defaults for what is missing."""
    out = {name: s.default for name, s in SETTINGS.items()}
    for name, value in values.items():
        if name not in SETTINGS:
            known = ", ".join(sorted(SETTINGS))
            raise SettingsError(f"{source}: unknown setting '{name}'", hint=f"Known settings: {known}.")
        setting = SETTINGS[name]
        try:
            out[name] = _coerce(setting, value)
        except (TypeError, ValueError):
            raise SettingsError(
                f"{source}: setting '{name}' must be {setting.kind.__name__}, got {value!r}",
                hint=setting.help,
            ) from None
    for name in ("tie_min_interactions", "archive_max_ratio", "exact_betweenness_limit", "shrink_min_ties", "calendar_max_occurrences",
                 "calendar_max_years", "calendar_max_expansion", "analysis_max_windows"):
        if out[name] < 1:
            raise SettingsError(f"{source}: setting '{name}' must be at least 1, got {out[name]}", hint=SETTINGS[name].help)
    if out["betweenness_samples"] < 2:
        raise SettingsError(f"{source}: setting 'betweenness_samples' must be at least 2, got {out['betweenness_samples']}")
    for name in ("shrink_threshold", "isolation_share"):
        if not 0 < out[name] <= 1:
            raise SettingsError(f"{source}: setting '{name}' must be above 0 and at most 1, got {out[name]}", hint=SETTINGS[name].help)
    if len(set(out["level_order"])) != len(out["level_order"]):
        raise SettingsError(f"{source}: setting 'level_order' names a level twice", hint="List each level once, most junior first.")
    if not out["kudos_values"] or len({v.casefold() for v in out["kudos_values"]}) != len(out["kudos_values"]):
        raise SettingsError(f"{source}: setting 'kudos_values' must name at least one value, each once", hint=SETTINGS["kudos_values"].help)
    if out["kudos_max_length"] < 1:
        raise SettingsError(f"{source}: setting 'kudos_max_length' must be at least 1, got {out['kudos_max_length']}")
    if out["min_group_size"] < 1:
        raise SettingsError(f"{source}: setting 'min_group_size' must be at least 1, got {out['min_group_size']}")
    if out["match_repeat_rounds"] < 0:
        raise SettingsError(f"{source}: setting 'match_repeat_rounds' must be at least 0, got {out['match_repeat_rounds']}",
                            hint=SETTINGS["match_repeat_rounds"].help)
    if not 0 <= out["match_max_hours_apart"] <= 12:
        raise SettingsError(f"{source}: setting 'match_max_hours_apart' must be from 0 to 12, got {out['match_max_hours_apart']}",
                            hint="Time zones are at most 12 hours apart around the clock.")
    from .programs.zones import location_zones

    try:
        location_zones(out["location_time_zones"])
    except SettingsError as e:
        raise SettingsError(f"{source}: {e.message}", hint=e.hint) from None
    try:
        ZoneInfo(out["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{source}: setting 'timezone' is not a known time zone: {out['timezone']!r}",
            hint="Use an IANA name such as 'Europe/Paris' or 'UTC'.",
        ) from None
    return out


def load(path: Path) -> dict[str, Any]:
    """Read and validate a settings file."""
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(f"settings file not found: {path}", hint="Run 'socialhr init' to create a workspace.") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path.name}: not valid TOML ({e})", hint="Fix the line it names, or delete the file to return to defaults.") from None
    return validate(raw, source=path.name)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)


def dumps(values: dict[str, Any]) -> str:
    """Render settings as TOML, each with its help as a comment."""
    lines = ["# socialhr workspace settings. Each setting's meaning is in its comment.", ""]
    tables = []
    for name, setting in SETTINGS.items():
        value = values.get(name, setting.default)
        if setting.kind is dict:
            tables.append((name, setting, value))
            continue
        lines.append(f"# {setting.help}")
        lines.append(f"{name} = {_toml_value(value)}")
        lines.append("")
    for name, setting, value in tables:
        lines.append(f"# {setting.help}")
        lines.append(f"[{name}]")
        for sub, mapping in value.items():
            lines.append(f"[{name}.{sub}]")
            for k, v in mapping.items():
                lines.append(f"{_toml_value(k)} = {_toml_value(v)}")
        lines.append("")
    return "\n".join(lines)
