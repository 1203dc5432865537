"""Social recruiting through referrals: who in the employees' own networks could fill an open role.

Employees who opted in lent their LinkedIn connections (``socialhr ingest DIR
linkedin Connections.csv --owner EMPLOYEE``, kept in the vault). For each open
role (:func:`import_roles`), :func:`suggest` ranks those connections by fit
(:func:`fit`, below), each with the employee who knows them, as referral
suggestions; :func:`mark` follows a suggestion through the stages
``suggested``, ``referred``, ``interviewed``, ``hired``; and once referral
hires are on the roster, :func:`integration` compares how fast their network
grows with other hires of the same period (does the referrer bring them in
faster?).

Candidate names never enter the analytics database: a suggestion names its
candidate by a keyed token of their LinkedIn profile URL (or, without one,
their name and company), and names are read from the vault only for an
admin's identified read.

**Fit** of a connection to a role (docs/programs.md#referrals), from the
connection's position and company as LinkedIn gives them:

======================  =====================================================
title                   4 x the share of the role title's words (without
                        seniority words) found in the position
keywords                2 for each role keyword found in the position or
                        company (whole words, any case)
department              1 when the role's department is a word of the position
company                 2 when the company is one of the role's ``companies``
seniority               2 when the position's seniority word ranks as the
                        title's, 1 when one step apart (:data:`SENIORITY`)
======================  =====================================================

A connection is suggested only when its title or keywords match (seniority,
company and department alone do not make a fit), and never when their
e-mail is at one of the organization's domains (already a colleague). Ties
in score go to the connection known longest (earliest ``Connected On``), then
to the token. A candidate known to several employees is suggested once, with
the employee connected to them longest as referrer (``known_by`` counts all).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pyarrow as pa

from ..errors import InputError, SocialHRError
from . import runs

PROGRAM = "referrals"
STATUSES = ("suggested", "referred", "interviewed", "hired")
_TOKEN_KIND = "referral_candidate"

TITLE, KEYWORD, DEPARTMENT, COMPANY, SAME_SENIORITY, NEAR_SENIORITY = 4.0, 2.0, 1.0, 2.0, 2.0, 1.0

# Seniority words and their rank; a title without one ranks 2.
SENIORITY = {
    "intern": 0, "trainee": 0, "apprentice": 0,
    "junior": 1, "jr": 1, "graduate": 1, "associate": 1, "assistant": 1,
    "senior": 3, "sr": 3,
    "lead": 4, "staff": 4, "principal": 4,
    "head": 5, "director": 5,
    "vp": 6, "vice": 6, "chief": 6, "cto": 6, "ceo": 6, "cfo": 6, "coo": 6, "cio": 6,
}
_STOP = {"of", "and", "the", "for", "in", "a", "an", "to", "at", "on", "with", "&", "-"}
_WORD = re.compile(r"[\w+#]+")


def words(text: str | None) -> list[str]:
    """The words of a title or position, casefolded, without stop words.

    >>> words("Director of Software Engineering")
    ['director', 'software', 'engineering']
    """
    return [w for w in _WORD.findall((text or "").casefold()) if w not in _STOP]


def seniority(text: str | None) -> int:
    """The highest seniority rank of the words of a title (2 when it has none).

    >>> seniority("Senior Data Engineer"), seniority("Data Engineer"), seniority("VP Engineering")
    (3, 2, 6)
    """
    ranks = [SENIORITY[w] for w in words(text) if w in SENIORITY]
    return max(ranks) if ranks else 2


def fit(role: dict[str, Any], position: str | None, company: str | None) -> tuple[float, dict[str, Any]]:
    """The fit score of a connection (position, company) to a role, and its reasons as codes (module docstring).

    >>> role = {"title": "Senior Software Engineer", "department": "Engineering", "keywords": ["compilers"], "companies": []}
    >>> fit(role, "Principal Engineer, Compilers", "Initech")
    (5.0, {'title': ['engineer'], 'keywords': ['compilers'], 'seniority': 'near'})
    """
    return _Role(role).score(words(position), words(company), seniority(position), company)


class _Role:
    """A role's words, ready to score many connections against."""

    def __init__(self, role: dict[str, Any]):
        self.title = [w for w in dict.fromkeys(words(role["title"])) if w not in SENIORITY]
        self.keywords = [(k, words(k)) for k in role.get("keywords") or [] if words(k)]
        self.department = role.get("department")
        self.department_words = words(self.department)
        self.companies = {c.strip().casefold() for c in role.get("companies") or []}
        self.seniority = seniority(role["title"])

    def cue_words(self) -> set[str]:
        """Words one of which a connection's position or company must hold to score at all."""
        return set(self.title) | {w[0] for _, w in self.keywords}

    def score(self, pos: list[str], comp: list[str], pos_seniority: int, company: str | None) -> tuple[float, dict[str, Any]]:
        reasons: dict[str, Any] = {}
        score = 0.0
        shared = [w for w in self.title if w in pos]
        if shared:
            score += TITLE * len(shared) / len(self.title)
            reasons["title"] = shared
        found = [k for k, kw in self.keywords if _has_words(kw, pos) or _has_words(kw, comp)]
        if found:
            score += KEYWORD * len(found)
            reasons["keywords"] = found
        if score == 0:
            return 0.0, {}
        if self.department_words and _has_words(self.department_words, pos):
            score += DEPARTMENT
            reasons["department"] = self.department
        if company and company.strip().casefold() in self.companies:
            score += COMPANY
            reasons["company"] = company.strip()
        gap = abs(self.seniority - pos_seniority)
        if gap == 0:
            score += SAME_SENIORITY
            reasons["seniority"] = "same"
        elif gap == 1:
            score += NEAR_SENIORITY
            reasons["seniority"] = "near"
        return round(score, 6), reasons


def _has_words(p: list[str], text_words: list[str]) -> bool:
    """Whether the words ``p`` appear, in order and together, in ``text_words``."""
    if p[0] not in text_words:  # (most phrases are one word: a look-up in C)
        return False
    return len(p) == 1 or any(text_words[i:i + len(p)] == p for i in range(len(text_words) - len(p) + 1))


def reason_text(reasons: dict[str, Any] | str) -> str:
    """Why a connection fits, in words.

    >>> reason_text({"title": ["engineer"], "keywords": ["compilers"], "seniority": "near"})
    'title (engineer); keywords (compilers); seniority one step apart'
    """
    if isinstance(reasons, str):
        reasons = json.loads(reasons)
    parts = []
    if "title" in reasons:
        parts.append(f"title ({', '.join(reasons['title'])})")
    if "keywords" in reasons:
        parts.append(f"keywords ({', '.join(reasons['keywords'])})")
    if "department" in reasons:
        parts.append(f"works in {reasons['department']}")
    if "company" in reasons:
        parts.append(f"at {reasons['company']}")
    if reasons.get("seniority") == "same":
        parts.append("same seniority")
    elif reasons.get("seniority") == "near":
        parts.append("seniority one step apart")
    return "; ".join(parts)


# -- roles ---------------------------------------------------------------------------
def _list(value: str) -> list[str]:
    return [x.strip() for x in re.split(r"[;,]", value or "") if x.strip()]


def import_roles(ws: Any, path: str | Path) -> dict[str, int]:
    """Import the open roles (columns ``title``; optional ``role_id``, ``department``, ``location``,
    ``keywords`` and ``companies``, lists separated by ``;`` or ``,``). The file is the list of open roles
    now: roles an earlier file had and this one leaves out are closed. All or nothing."""
    from ..ingest.tabular import open_table

    src = open_table(path, required=["title"], optional=["role_id", "department", "location", "keywords", "companies"],
                     max_ratio=ws.settings["archive_max_ratio"])
    roles: dict[str, dict[str, Any]] = {}
    i = -1
    for batch in src.batches():
        for values in batch.to_pylist():
            i += 1
            rec = {k: (str(v).strip() if v is not None else "") for k, v in values.items()}
            if not rec["title"]:
                raise src.error(i, "title", "no title", hint="Every role needs a job title, e.g. 'Senior Data Engineer'.")
            if not words(rec["title"]):
                raise src.error(i, "title", f"the title {rec['title']!r} has no words to match", hint="Give the job title in words.")
            ref = rec.get("role_id") or rec["title"]
            if ref in roles:
                raise src.error(i, "role_id" if rec.get("role_id") else "title", f"role {ref!r} appears twice",
                                hint="Give each role once, or tell two roles of one title apart with a role_id column.")
            roles[ref] = {"title": rec["title"], "department": rec.get("department") or None, "location": rec.get("location") or None,
                          "keywords": _list(rec.get("keywords", "")), "companies": _list(rec.get("companies", ""))}
    if not roles:
        raise InputError("the file has a header but no roles", file=path, hint="Nothing was imported.")
    stamp = runs.now()
    with ws.transaction() as db:
        before = {r[0] for r in db.execute("SELECT role FROM referral_roles WHERE open").fetchall()}
        db.execute("UPDATE referral_roles SET open = false")
        for ref, r in roles.items():
            db.execute("INSERT OR REPLACE INTO referral_roles VALUES (?, ?, ?, ?, ?, ?, true, ?)",
                       [ref, r["title"], r["department"], r["location"], json.dumps(r["keywords"]), json.dumps(r["companies"]), stamp])
    ws.cache.clear()
    return {"roles": len(roles), "new": len(set(roles) - before), "closed": len(before - set(roles))}


def open_roles(ws: Any) -> list[dict[str, Any]]:
    rows = ws.db.execute("SELECT role, title, department, location, CAST(keywords AS VARCHAR), CAST(companies AS VARCHAR) "
                         "FROM referral_roles WHERE open ORDER BY role").fetchall()
    return [{"role": r[0], "title": r[1], "department": r[2], "location": r[3], "keywords": json.loads(r[4]),
             "companies": json.loads(r[5])} for r in rows]


# -- candidates (vault side) -------------------------------------------------------
def _candidate_key(c: dict[str, Any]) -> str:
    url = (c.get("url") or "").strip().rstrip("/").casefold()
    if url:
        return "url:" + url
    return "name:" + " ".join(x for x in ((c.get("first_name") or ""), (c.get("last_name") or ""), "|", (c.get("company") or "")) if x).casefold()


def connections(ws: Any) -> list[dict[str, Any]]:
    """Every opted-in employee's connections, read from the vault, each with its candidate token (``candidate``)."""
    from ..ingest.linkedin import _attach

    _attach(ws)
    cur = ws.vault.connect().execute("SELECT * FROM linkedin.connections ORDER BY owner, connected_on, rowid")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    tokens = ws.pseudonymiser.tokens(_TOKEN_KIND, [_candidate_key(r) for r in rows])
    for r, t in zip(rows, tokens):
        r["candidate"] = t
    return rows


def candidate_details(ws: Any) -> dict[str, dict[str, Any]]:
    """candidate token -> name, company, position and profile URL (from the vault; for an admin's identified read)."""
    out: dict[str, dict[str, Any]] = {}
    for c in connections(ws):
        out.setdefault(c["candidate"], {"candidate_name": " ".join(x for x in (c["first_name"], c["last_name"]) if x),
                                        "candidate_company": c["company"], "candidate_position": c["position"],
                                        "candidate_url": c["url"]})
    return out


# -- suggestions ------------------------------------------------------------------
def suggest(ws: Any, *, top: int = 10) -> dict[str, Any]:
    """Rank every open role's candidates and store the ``top`` of each as a run; returns its summary."""
    if top < 1:
        raise SocialHRError(f"--top must be at least 1, got {top}")
    roles = open_roles(ws)
    if not roles:
        raise SocialHRError("there are no open roles", hint="Import them first: socialhr referrals DIR roles roles.csv")
    employed = {r[0] for r in ws.db.execute("SELECT person FROM people WHERE exit_date IS NULL OR exit_date > current_date").fetchall()}
    domains = {d.casefold() for d in ws.org_domains()}
    pool = [c for c in connections(ws) if c["owner"] in employed
            and not (c.get("email") and c["email"].rsplit("@", 1)[-1].casefold() in domains)]
    if not pool:
        raise SocialHRError("no employee has lent their LinkedIn connections",
                            hint="An employee opts in by importing their own export: socialhr ingest DIR linkedin Connections.csv --owner EMPLOYEE")
    known: dict[str, list[dict[str, Any]]] = {}
    for c in pool:
        known.setdefault(c["candidate"], []).append(c)
    for cs in known.values():
        cs.sort(key=lambda c: (c["connected_on"] or "9999", c["owner"]))
    previous = {(r[0], r[1]): (r[2], r[3], r[4]) for r in ws.db.execute(
        "SELECT role, candidate, status, status_at, hire FROM referrals WHERE run_id = (SELECT max(run_id) FROM referrals)").fetchall()}
    # Each candidate as the referrer connected longest knows them, split into words once; an index from each
    # word of a position or company to the candidates holding it, so a role scores only those sharing a word.
    tokens = list(known)
    best = [known[t][0] for t in tokens]
    pos = [words(c["position"]) for c in best]
    comp = [words(c["company"]) for c in best]
    sen = [seniority(c["position"]) for c in best]
    known_by = [len({c["owner"] for c in known[t]}) for t in tokens]
    index: dict[str, set[int]] = {}
    for i in range(len(tokens)):
        for w in set(pos[i]) | set(comp[i]):
            index.setdefault(w, set()).add(i)
    rows = []
    stamp = runs.now()
    for role in roles:
        r = _Role(role)
        scored = []
        for i in set().union(*(index.get(w, set()) for w in r.cue_words())):
            s, reasons = r.score(pos[i], comp[i], sen[i], best[i]["company"])
            if s > 0:
                scored.append((-s, best[i]["connected_on"] or "9999", tokens[i], reasons, best[i]["owner"], known_by[i]))
        scored.sort(key=lambda x: x[:3])
        for rank, (neg, _, token, reasons, owner, n) in enumerate(scored[:top], start=1):
            status, at, hire = previous.get((role["role"], token), ("suggested", stamp, None))
            rows.append((role["role"], token, owner, rank, -neg, n, json.dumps(reasons), status, at, hire))
    summary = {"roles": len(roles), "suggestions": len(rows), "connections": len(pool), "candidates": len(known),
               "referrers": len({r[2] for r in rows}), "roles_without_suggestions": len(roles) - len({r[0] for r in rows})}
    with ws.transaction() as db:
        run_id = runs.new_run(db, PROGRAM, as_of=None, window_id=None, parameters={"top": top}, summary=summary)
        if rows:
            db.executemany("INSERT INTO referrals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [(run_id, *r) for r in rows])
    ws.cache.clear()
    return {"run_id": run_id, **summary}


def mark(ws: Any, changes: Iterable[tuple[str, str, str, str | None]], *, run_id: int | None = None, source: str = "--mark") -> int:
    """Move suggestions to a stage, given as (role, candidate token, status, hire) with ``hire`` the employee id or
    pseudonym the candidate has on the roster once hired (else None); returns how many changed. All or nothing."""
    db = ws.db
    run_id = runs.check_run(db, PROGRAM, run_id)
    resolved = []
    for line, (role, candidate, status, hire) in enumerate(list(changes), start=2):
        where = {} if source == "--mark" else {"file": source, "line": line}
        if status not in STATUSES:
            raise InputError(f"unknown stage {status!r}", field="status", hint=f"Use one of: {', '.join(STATUSES)}.", **where)
        if db.execute("SELECT 1 FROM referrals WHERE run_id = ? AND role = ? AND candidate = ?", [run_id, role, candidate]).fetchone() is None:
            raise InputError(f"run {run_id} suggested no candidate {candidate!r} for role {role!r}",
                             hint="Give the role and candidate as the suggestions file has them.", **where)
        if hire and status != "hired":
            raise InputError("an employee id is given only with the stage hired", hint="Leave it out, or mark the candidate hired.", **where)
        person = _roster_person(ws, hire) if hire else None
        if hire and person is None:
            raise InputError(f"no one on the roster is {hire!r}",
                             hint="Import the roster that has the new hire, then give their employee id (or pseudonym).", **where)
        resolved.append((role, candidate, status, person))
    stamp = runs.now()
    changed = 0
    with ws.transaction() as db:
        for role, candidate, status, hire in resolved:
            old = db.execute("SELECT status, hire FROM referrals WHERE run_id = ? AND role = ? AND candidate = ?",
                             [run_id, role, candidate]).fetchone()
            if (old[0], old[1]) == (status, hire or old[1]):
                continue
            db.execute("UPDATE referrals SET status = ?, status_at = ?, hire = coalesce(?, hire) WHERE run_id = ? AND role = ? AND candidate = ?",
                       [status, stamp, hire, run_id, role, candidate])
            db.execute("INSERT INTO program_events VALUES (?, ?, ?, ?, ?, ?)", [run_id, PROGRAM, candidate, role, status, stamp])
            changed += 1
    ws.cache.clear()
    return changed


def _roster_person(ws: Any, value: str) -> str | None:
    """The pseudonym of an employee id or work e-mail (with the vault), or a pseudonym, of someone on the roster."""
    if ws.db.execute("SELECT count(*) FROM people WHERE person = ?", [value]).fetchone()[0]:
        return value
    if ws.vault.available:
        token = ws.pseudonymiser.token("email" if "@" in value else "employee_id", value)
        row = ws.db.execute("SELECT person FROM identities WHERE token = ? AND status = 'person'", [token]).fetchone()
        return row[0] if row else None
    return None


# -- after hiring: how fast referral hires' networks grow -------------------------
def integration(ws: Any, *, weeks: Iterable[int] = (4, 8, 12)) -> list[dict[str, Any]]:
    """Network size at each week since start, for referral hires and for the other hires of the same period.

    A hire's network size at week w is the number of colleagues on the roster
    they exchanged at least one interaction with (either way, any channel)
    from their hire date to the end of week w. *Other hires* are people hired
    between the first and the last referral hire's start who were not hired
    through a referral. A hire counts at week w only when the data reach the
    end of that week. Groups of fewer than ``min_group_size`` hires are
    withheld (a row with the reason and no figures).
    """
    k = int(ws.settings["min_group_size"])
    db = ws.db
    referral = {r[0] for r in db.execute("SELECT DISTINCT hire FROM referrals WHERE status = 'hired' AND hire IS NOT NULL").fetchall()}
    people = {r[0]: r[1] for r in db.execute("SELECT person, hire_date FROM people WHERE hire_date IS NOT NULL").fetchall()}
    hires = {p: people[p] for p in referral if p in people}
    if not hires:
        return []
    first, last = min(hires.values()), max(hires.values())
    others = {p: d for p, d in people.items() if first <= d <= last and p not in referral}
    everyone = {**hires, **others}
    end = db.execute('SELECT max("timestamp") FROM interaction_rows').fetchone()[0]
    db.register("_hires", pa.table({"person": list(everyone), "hire_date": list(everyone.values())}))
    try:
        # Over the stored rows (identity ids, not the pseudonymised view), since the first start: every row's
        # recipients unnested (integers), then kept only where a hire is one of the two ends.
        contacts = db.execute(
            """WITH hid AS (SELECT i.id, x.person, x.hire_date FROM _hires x JOIN identities i ON i.person = x.person),
               pairs AS (SELECT sender AS a, unnest(recipients) AS b, "timestamp" AS t FROM interaction_rows
                         WHERE "timestamp" >= CAST((SELECT min(hire_date) FROM _hires) AS TIMESTAMPTZ)),
               both_ways AS (SELECT a AS me, b AS other, t FROM pairs WHERE a IN (SELECT id FROM hid)
                             UNION ALL SELECT b, a, t FROM pairs WHERE b IN (SELECT id FROM hid))
               SELECT h.person, o.person, min(w.t) FROM both_ways w JOIN hid h ON h.id = w.me
               JOIN identities o ON o.id = w.other AND o.person IS NOT NULL
               WHERE o.person IN (SELECT person FROM people) AND o.person <> h.person
                 AND w.t >= CAST(h.hire_date AS TIMESTAMPTZ)
               GROUP BY 1, 2""").fetchall()
    finally:
        db.unregister("_hires")
    firsts: dict[str, list] = {}
    for person, _, t in contacts:
        firsts.setdefault(person, []).append(t)
    rows = []
    for w in weeks:
        for group, members in (("referral hires", hires), ("other hires", others)):
            sizes = []
            for p, d in members.items():
                cutoff = dt.datetime.combine(d + dt.timedelta(weeks=w), dt.time(), dt.timezone.utc)
                if end is None or cutoff > end:
                    continue
                sizes.append(sum(1 for t in firsts.get(p, []) if t < cutoff))
            row = {"week": w, "group": group, "hires": None, "median_network_size": None, "mean_network_size": None, "withheld": None}
            if len(sizes) < k:
                row["withheld"] = (f"fewer than {k} {group} had reached week {w} by the end of the data" if len(members) >= k
                                   else f"fewer than {k} {group}")
            else:
                row.update({"hires": len(sizes), "median_network_size": float(np.median(sizes)), "mean_network_size": float(np.mean(sizes))})
            rows.append(row)
    return rows
