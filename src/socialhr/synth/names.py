"""Built-in person names and the e-mail addresses made from them.

Names come from a few small regional pools (so Paris has mostly French names
and Bengaluru mostly Indian ones) and keep their accents in the roster, which
is UTF-8; e-mail addresses are folded to ASCII. People with the same name get
a digit suffix in order of hire, as a mail system would hand them out:

>>> email_local_part("Zoé", "O'Brien-Müller")
'zoe.obrien-mueller'
>>> unique_local_parts(["ana.lee", "bo.kim", "ana.lee", "ana.lee"])
['ana.lee', 'bo.kim', 'ana.lee2', 'ana.lee3']
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

# pool -> (first names, last names)
NAME_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "anglo": (
        ("James", "Oliver", "Emily", "Sophie", "Jack", "Charlotte", "Harry", "Amelia", "George", "Olivia",
         "Thomas", "Grace", "William", "Jessica", "Daniel", "Hannah", "Michael", "Sarah", "David", "Laura",
         "Matthew", "Rachel", "Andrew", "Megan", "Christopher", "Lucy", "Joshua", "Ella", "Ryan", "Chloe",
         "Benjamin", "Abigail", "Samuel", "Emma", "Nathan", "Katie", "Liam", "Isla", "Noah", "Ava"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
         "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
         "Hughes", "Edwards", "Turner", "Baker", "Harris", "Martin", "Cooper", "Ward", "Morgan", "Bennett",
         "O'Brien", "Murphy", "Kelly", "Sullivan", "Campbell", "Stewart", "Anderson", "Mitchell", "Carter",
         "Phillips"),
    ),
    "french": (
        ("Camille", "Léa", "Manon", "Chloé", "Inès", "Zoé", "Hélène", "Juliette", "Clémence", "Margaux",
         "Lucas", "Hugo", "Théo", "Louis", "Nathan", "Gabriel", "Jules", "Arthur", "François", "Mathis",
         "Émilie", "Océane", "Pauline", "Céline", "Antoine", "Baptiste", "Julien", "Nicolas", "Mathilde",
         "Amélie"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
         "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
         "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
         "Chevalier"),
    ),
    "german": (
        ("Lukas", "Leon", "Finn", "Jonas", "Paul", "Felix", "Maximilian", "Jürgen", "Jörg", "Tobias",
         "Anna", "Lena", "Marie", "Hannah", "Lea", "Julia", "Katharina", "Sophie", "Jana", "Lisa",
         "Sebastian", "Florian", "Stefan", "Matthias", "Andreas", "Sabine", "Claudia", "Ute", "Björn",
         "Annika"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
         "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
         "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
         "Weiß", "Krause", "Meier"),
    ),
    "indian": (
        ("Aarav", "Vivaan", "Aditya", "Arjun", "Rohan", "Ishaan", "Karthik", "Rahul", "Vikram", "Siddharth",
         "Ananya", "Diya", "Priya", "Aditi", "Kavya", "Meera", "Neha", "Pooja", "Shreya", "Lakshmi",
         "Nikhil", "Sanjay", "Deepak", "Harish", "Suresh", "Divya", "Swati", "Anjali", "Ritu", "Sneha",
         "Varun", "Akash", "Manish", "Gaurav", "Nisha", "Asha"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Rao", "Singh", "Kumar", "Menon",
         "Krishnan", "Joshi", "Desai", "Mehta", "Pillai", "Chatterjee", "Banerjee", "Kapoor", "Malhotra",
         "Verma", "Agarwal", "Bhat", "Shetty", "Kulkarni", "Srinivasan", "Subramanian", "Naidu", "Das",
         "Mishra", "Hegde", "Chopra", "Saxena", "Pandey", "Ghosh", "Venkatesh", "Raman"),
    ),
    "east_asian": (
        ("Wei", "Jun", "Hui Min", "Xin Yi", "Jia Hui", "Kai", "Ming", "Li Ting", "Zhi Hao", "Mei Ling",
         "Siti", "Nur", "Ahmad", "Farah", "Aisyah", "Hafiz", "Jia Wei", "Yong", "Shu Fen", "Rachel",
         "Bryan", "Jasmine", "Marcus", "Cheryl", "Darren", "Sherlyn", "Ethan", "Gwen", "Hiroshi", "Yuki",
         "Min-jun", "Seo-yeon"),
        ("Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Koh",
         "Teo", "Ang", "Yeo", "Tay", "Ho", "Low", "Toh", "Sim", "Chong", "Chen",
         "Wang", "Zhang", "Liu", "Huang", "Abdullah", "Rahman", "Ismail", "Tanaka", "Sato", "Kim",
         "Park", "Nguyen"),
    ),
    "hispanic": (
        ("José", "María", "Sofía", "Lucía", "Mateo", "Santiago", "Valentina", "Camila", "Diego", "Javier",
         "Alejandro", "Isabella", "Carmen", "Daniela", "Andrés", "Gabriela", "Pablo", "Elena", "Carlos",
         "Ana", "Luis", "Mariana", "Fernando", "Paula", "Ricardo", "Rosa"),
        ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez",
         "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Morales", "Ortiz", "Castillo", "Núñez", "Vargas",
         "Romero", "Jiménez", "Ruiz", "Mendoza", "Herrera", "Medina", "Castro"),
    ),
}
POOL_NAMES: tuple[str, ...] = tuple(NAME_POOLS)

# Location -> share of each pool among the people based there.
LOCATION_POOLS: dict[str, dict[str, float]] = {
    "London": {"anglo": 0.6, "indian": 0.15, "french": 0.05, "german": 0.05, "hispanic": 0.05, "east_asian": 0.1},
    "New York": {"anglo": 0.55, "hispanic": 0.2, "indian": 0.1, "east_asian": 0.1, "french": 0.05},
    "Paris": {"french": 0.75, "anglo": 0.1, "german": 0.05, "hispanic": 0.1},
    "Berlin": {"german": 0.7, "anglo": 0.1, "french": 0.05, "indian": 0.1, "hispanic": 0.05},
    "Singapore": {"east_asian": 0.65, "indian": 0.2, "anglo": 0.15},
    "Bengaluru": {"indian": 0.9, "anglo": 0.05, "east_asian": 0.05},
}

_FOLD = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L"})
_UMLAUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _ascii(text: str, *, german: bool) -> str:
    if german:
        text = text.translate(_UMLAUT)
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c))


def email_local_part(first: str, last: str) -> str:
    """``first.last`` in lower-case ASCII: accents dropped, German umlauts spelled out."""
    german = any(c in "äöüÄÖÜß" for c in first + last)
    parts = []
    for name in (first, last):
        folded = _ascii(name, german=german).lower().replace(" ", "")
        parts.append(re.sub(r"[^a-z0-9-]", "", folded))
    return ".".join(parts)


def unique_local_parts(bases: list[str]) -> list[str]:
    """Suffix repeats with 2, 3, ... in the order given (earlier people keep the bare name)."""
    seen: dict[str, int] = {}
    out = []
    for base in bases:
        count = seen.get(base, 0) + 1
        seen[base] = count
        out.append(base if count == 1 else f"{base}{count}")
    return out


def draw_names(locations: np.ndarray, location_names: tuple[str, ...], rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray]:
    """First and last names for people at the given location codes (object arrays)."""
    n = len(locations)
    first = np.empty(n, dtype=object)
    last = np.empty(n, dtype=object)
    pool_of = np.empty(n, dtype=np.int64)
    for code, place in enumerate(location_names):
        shares = LOCATION_POOLS[place]
        p = np.array([shares.get(pool, 0.0) for pool in POOL_NAMES])
        idx = np.flatnonzero(locations == code)
        pool_of[idx] = rng.choice(len(POOL_NAMES), size=len(idx), p=p / p.sum())
    for code, pool in enumerate(POOL_NAMES):
        firsts, lasts = NAME_POOLS[pool]
        idx = np.flatnonzero(pool_of == code)
        first[idx] = np.asarray(firsts, dtype=object)[rng.integers(0, len(firsts), len(idx))]
        last[idx] = np.asarray(lasts, dtype=object)[rng.integers(0, len(lasts), len(idx))]
    return first, last
