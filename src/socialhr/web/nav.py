"""The navigation: each page's path, label and the roles that see it (the server enforces roles on the route too)."""

from __future__ import annotations

HR = ("admin", "analyst")
LEADERS = ("admin", "analyst", "leader")
EVERYONE = ("admin", "analyst", "leader", "employee")

# (path, label, roles), in the order shown. Add a page's entry in its own line.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("/overview", "Overview", LEADERS),
    ("/me", "My network", EVERYONE),
    ("/onboarding", "Onboarding", LEADERS),
    ("/programs", "Programs", LEADERS),
    ("/adoption", "Adoption", LEADERS),
    ("/outcomes", "Outcomes", LEADERS),
    ("/targets", "Targets", LEADERS),
    ("/report", "Report", LEADERS),
    ("/admin", "Admin", ("admin",)),
    ("/game", "Name game", EVERYONE), ("/kudos", "Kudos", EVERYONE), ("/consultations", "Consultations", EVERYONE),  # pages_play
    ("/me/introductions", "My introductions", EVERYONE),
    ("/me/referrals", "Referrals", EVERYONE),
    ("/network", "Network", HR), ("/silos", "Silos", LEADERS), ("/matrix", "Group matrix", LEADERS),
]


def items(role: str | None) -> list[tuple[str, str]]:
    return [(path, label) for path, label, roles in NAV if role in roles]
