"""The navigation: each page's path, label and the roles that see it (the server enforces roles on the route too)."""

from __future__ import annotations

HR = ("admin", "analyst")
LEADERS = ("admin", "analyst", "leader")
EVERYONE = ("admin", "analyst", "leader", "employee")

# (path, label, roles), in the order shown. Add a page's entry in its own line.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("/overview", "Overview", LEADERS),
    ("/me", "My network", EVERYONE),
    ("/network", "Network", HR), ("/silos", "Silos", LEADERS), ("/matrix", "Group matrix", LEADERS),
]


def items(role: str | None) -> list[tuple[str, str]]:
    return [(path, label) for path, label, roles in NAV if role in roles]
