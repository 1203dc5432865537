"""Reference data of the synthetic company: departments, locations, levels, domains.

Everything here is fixed data; the random choices are made in :mod:`.org`,
:mod:`.contacts` and :mod:`.activity`. Department order matters: a company of
N people has the first ``department_count(N)`` departments, so small companies
have the common ones (Engineering, Sales, ...) and large ones add the rest.

>>> department_count(300), department_count(2000), department_count(100_000)
(6, 9, 12)
>>> LOCATIONS["Bengaluru"]
'Asia/Kolkata'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# All addresses use the reserved .example top-level domain (RFC 2606), so no
# generated address can belong to a real person or company.
COMPANY_NAME = "Lumenworks"
COMPANY_DOMAIN = "lumenworks.example"

# Location -> IANA time zone. Timestamps carry the sender's local offset.
LOCATIONS: dict[str, str] = {
    "London": "Europe/London",
    "New York": "America/New_York",
    "Paris": "Europe/Paris",
    "Berlin": "Europe/Berlin",
    "Singapore": "Asia/Singapore",
    "Bengaluru": "Asia/Kolkata",
}
LOCATION_NAMES: tuple[str, ...] = tuple(LOCATIONS)
HEADQUARTERS = "London"

LEVELS: tuple[str, ...] = ("IC1", "IC2", "IC3", "IC4", "IC5", "M1", "M2", "M3", "D1", "VP", "CEO")
LEVEL_CODE = {name: code for code, name in enumerate(LEVELS)}
IC_LEVELS = 5  # codes 0..4 are individual contributors
# Target shares of IC1..IC5 among individual contributors.
IC_LEVEL_SHARES = (0.14, 0.30, 0.32, 0.17, 0.07)
IC_TITLE_PREFIX = ("Associate ", "", "Senior ", "Staff ", "Principal ")

EMPLOYMENT_TYPES: tuple[str, ...] = ("Full-time", "Part-time", "Contractor")

EXECUTIVE = "Executive"
CEO_TEAM = "Office of the CEO"


@dataclass(frozen=True)
class DepartmentSpec:
    """One department: its size weight, where it sits, its teams and roles.

    ``email_share`` is the share of written messages sent by e-mail rather than
    chat; ``external_share`` the share of its e-mails that involve customers or
    vendors.
    """

    name: str
    weight: float
    locations: dict[str, float]
    team_stems: tuple[str, ...]
    roles: tuple[str, ...]
    email_share: float
    external_share: float


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        "Engineering", 0.27, {"London": 0.25, "Berlin": 0.3, "Bengaluru": 0.3, "New York": 0.15},
        ("Platform", "Payments", "Mobile", "Search", "Identity", "Data Platform", "Infrastructure",
         "Developer Experience", "Security Engineering", "Web", "Reliability", "Machine Learning"),
        ("Software Engineer", "QA Engineer", "Site Reliability Engineer"), 0.30, 0.004),
    DepartmentSpec(
        "Sales", 0.17, {"New York": 0.35, "London": 0.3, "Paris": 0.15, "Singapore": 0.2},
        ("Enterprise EMEA", "Enterprise Americas", "Mid-Market", "Commercial APAC", "Sales Development",
         "Strategic Accounts", "Partnerships", "Public Sector", "Renewals"),
        ("Account Executive", "Sales Development Representative", "Solutions Consultant"), 0.70, 0.045),
    DepartmentSpec(
        "Customer Support", 0.12, {"Bengaluru": 0.35, "Singapore": 0.25, "London": 0.2, "New York": 0.2},
        ("Frontline Support", "Technical Support", "Onboarding", "Customer Success", "Support Operations",
         "Escalations", "Knowledge Base", "Premium Support"),
        ("Support Specialist", "Customer Success Manager", "Technical Support Engineer"), 0.50, 0.04),
    DepartmentSpec(
        "Operations", 0.09, {"London": 0.3, "New York": 0.2, "Singapore": 0.2, "Bengaluru": 0.3},
        ("Business Operations", "Supply Chain", "Facilities", "Vendor Management", "Revenue Operations",
         "Logistics", "Quality", "Workplace"),
        ("Operations Analyst", "Operations Specialist", "Program Manager"), 0.55, 0.015),
    DepartmentSpec(
        "Product", 0.07, {"London": 0.45, "Berlin": 0.25, "New York": 0.3},
        ("Core Product", "Growth", "Design", "Product Analytics", "User Research", "Pricing",
         "Product Operations"),
        ("Product Manager", "Product Designer", "UX Researcher"), 0.35, 0.003),
    DepartmentSpec(
        "Marketing", 0.06, {"New York": 0.4, "London": 0.35, "Paris": 0.25},
        ("Brand", "Demand Generation", "Product Marketing", "Content", "Events", "Communications",
         "Marketing Operations"),
        ("Marketing Manager", "Content Strategist", "Marketing Specialist"), 0.50, 0.015),
    DepartmentSpec(
        "Finance", 0.05, {"London": 0.5, "New York": 0.3, "Singapore": 0.2},
        ("Financial Planning", "Accounting", "Treasury", "Tax", "Payroll", "Revenue Accounting",
         "Audit"),
        ("Financial Analyst", "Accountant", "Payroll Specialist"), 0.75, 0.01),
    DepartmentSpec(
        "Human Resources", 0.04, {"London": 0.5, "New York": 0.25, "Singapore": 0.1, "Bengaluru": 0.15},
        ("Talent Acquisition", "People Partners", "Learning & Development", "Total Rewards",
         "People Operations", "Employee Experience"),
        ("Recruiter", "HR Business Partner", "People Operations Specialist"), 0.70, 0.008),
    DepartmentSpec(
        "Legal", 0.025, {"London": 0.5, "New York": 0.4, "Paris": 0.1},
        ("Commercial Legal", "Privacy", "Compliance", "Corporate Legal", "Employment Law"),
        ("Counsel", "Paralegal", "Compliance Analyst"), 0.80, 0.02),
    DepartmentSpec(
        "IT", 0.035, {"London": 0.3, "Bengaluru": 0.4, "New York": 0.3},
        ("Service Desk", "Workplace Technology", "IT Security", "Enterprise Applications", "Network Services"),
        ("IT Support Engineer", "Systems Administrator", "Business Applications Analyst"), 0.40, 0.004),
    DepartmentSpec(
        "Data & Analytics", 0.04, {"London": 0.4, "Berlin": 0.3, "Bengaluru": 0.3},
        ("Business Intelligence", "Data Science", "Analytics Engineering", "Experimentation", "Insights"),
        ("Data Analyst", "Data Scientist", "Analytics Engineer"), 0.35, 0.002),
    DepartmentSpec(
        "Procurement", 0.015, {"London": 0.5, "Singapore": 0.5},
        ("Strategic Sourcing", "Purchasing", "Supplier Relations"),
        ("Buyer", "Procurement Specialist"), 0.80, 0.04),
)

# Pairs of departments that work together more than chance (multiplies the
# base affinity of 1 when a cross-department tie picks its other end).
DEPARTMENT_AFFINITY: dict[tuple[str, str], float] = {
    ("Sales", "Marketing"): 4.0,
    ("Sales", "Customer Support"): 3.0,
    ("Sales", "Legal"): 2.5,
    ("Sales", "Finance"): 2.0,
    ("Product", "Engineering"): 5.0,
    ("Product", "Data & Analytics"): 3.0,
    ("Product", "Marketing"): 3.0,
    ("Product", "Customer Support"): 2.0,
    ("Engineering", "Data & Analytics"): 3.0,
    ("Engineering", "IT"): 2.0,
    ("Engineering", "Customer Support"): 2.0,
    ("Finance", "Procurement"): 4.0,
    ("Operations", "Procurement"): 3.0,
    ("Operations", "Finance"): 2.0,
    ("Human Resources", "Finance"): 2.0,
    ("Legal", "Finance"): 2.0,
    ("Legal", "Procurement"): 2.0,
}

# Customers and vendors: (domain, location whose time zone they write from).
EXTERNAL_DOMAINS: tuple[tuple[str, str], ...] = (
    ("globex.example", "New York"),
    ("initech.example", "New York"),
    ("umbrella-health.example", "London"),
    ("vandelay-imports.example", "New York"),
    ("tyrell-systems.example", "Singapore"),
    ("soylent-foods.example", "Paris"),
    ("wayne-logistics.example", "Berlin"),
    ("stark-components.example", "Bengaluru"),
    ("acme-legal.example", "London"),
    ("cloudhost-partners.example", "Berlin"),
    ("payroll-services.example", "London"),
    ("talentbridge-recruiting.example", "Paris"),
)
EXTERNAL_ROLES = ("procurement", "finance", "it", "ops", "legal", "support", "accounts", "team")


def department_count(people: int) -> int:
    """How many departments a company of ``people`` has: 6 to 12, growing with size."""
    return int(min(12, max(6, round(1.5 * math.log2(max(people, 2)) - 7))))


def department_affinity(names: list[str]) -> list[list[float]]:
    """Symmetric matrix of affinities between the named departments (1 = chance)."""
    out = [[1.0] * len(names) for _ in names]
    index = {name: i for i, name in enumerate(names)}
    for (a, b), value in DEPARTMENT_AFFINITY.items():
        if a in index and b in index:
            out[index[a]][index[b]] = out[index[b]][index[a]] = value
    return out
