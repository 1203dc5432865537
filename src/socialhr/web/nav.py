"""The navigation: each page's path, label and the roles that see it (the server enforces roles on the route too)."""

from __future__ import annotations

HR = ("admin", "analyst")
LEADERS = ("admin", "analyst", "leader")
EVERYONE = ("admin", "analyst", "leader", "employee")

# (path, label, roles), in the order shown: the organization's pages first, then the person's own.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("/overview", "Overview", LEADERS),
    ("/network", "Network", HR), ("/silos", "Silos", LEADERS), ("/matrix", "Group matrix", LEADERS),
    ("/onboarding", "Onboarding", LEADERS),
    ("/programs", "Programs", LEADERS),
    ("/adoption", "Adoption", LEADERS),
    ("/outcomes", "Outcomes", LEADERS),
    ("/targets", "Targets", LEADERS),
    ("/report", "Report", LEADERS),
    ("/me", "My network", EVERYONE),
    ("/me/introductions", "My introductions", EVERYONE),
    ("/game", "Name game", EVERYONE), ("/kudos", "Kudos", EVERYONE), ("/consultations", "Consultations", EVERYONE),
    ("/me/referrals", "Referrals", EVERYONE),
    ("/admin", "Admin", ("admin",)),
]

# The person's own pages: shown only to accounts linked to someone on the roster (HR reads consultations too).
PERSONAL = {"/me", "/me/introductions", "/game", "/kudos", "/me/referrals"}


def items(role: str | None, linked: bool = True) -> list[tuple[str, str]]:
    """The navigation for a role; ``linked``: the account belongs to someone on the roster."""
    return [(path, label) for path, label, roles in NAV if role in roles and (linked or path not in PERSONAL)]
