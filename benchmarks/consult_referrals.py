"""Speed of consultations and referrals on a synthetic organization.

Usage::

    python benchmarks/consult_referrals.py                     # 5,000 people, 8 weeks
    python benchmarks/consult_referrals.py --people 2000 --weeks 6

Builds a workspace from ``socialhr.synth`` (roster and interactions through
the importers, ``analyze`` by month), then times:

* importing a comments file where a third of the organization comments and
  each comment gets two endorsements (``consult.import_comments``);
* reporting the consultation through the read path (``consultation_reach``
  and ``consultation_summary``: population, coreness, disclosure rules);
* importing 100 employees' LinkedIn exports of 500 connections each, then
  ranking them for 50 open roles (``referrals.suggest``);
* the integration of 20 referral hires against the other hires of their
  period (``referral_integration``).

Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path

TITLES = ["Data Engineer", "Software Engineer", "Payroll Specialist", "Account Executive", "Product Manager",
          "Marketing Manager", "Site Reliability Engineer", "Financial Analyst", "Recruiter", "Designer"]
SENIOR = ["", "Senior ", "Junior ", "Lead ", "Principal ", "Head of "]
SKILLS = ["python", "spark", "sql", "payroll", "salesforce", "kubernetes", "figma", "excel", "go", "negotiation"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=5000)
    ap.add_argument("--weeks", type=int, default=8)
    args = ap.parse_args()

    from socialhr import ingest, synth
    from socialhr.network.analyze import analyze
    from socialhr.programs import consult, referrals
    from socialhr.programs.population import load
    from socialhr.results import read
    from socialhr.workspace import Workspace

    rng = random.Random(0)
    root = Path(tempfile.mkdtemp(prefix="bench-consult-"))
    t = time.perf_counter()
    info = synth.synthesize(root / "source", people=args.people, seed=1, weeks=args.weeks)
    ws = Workspace.init(root / "ws")
    ingest.ingest(ws, "roster", info["files"]["roster"])
    ingest.ingest(ws, "interactions", info["files"]["interactions"])
    analyze(ws, window="month")
    print(f"setup: {args.people:,} people, {args.weeks} weeks: {time.perf_counter() - t:.1f} s")

    pop = load(ws)
    ids = ws.vault.employee_ids()
    start = pop.as_of.replace(day=1).isoformat()
    cid = consult.open_consultation(ws, title="Payroll dates", text="Payday moves.", opens=start, closes=pop.as_of.isoformat())
    speakers = [ids[p] for p in pop.person if rng.random() < 1 / 3]
    path = root / "comments.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["author", "text", "comment_id", "endorsed_by", "timestamp"])
        for k, a in enumerate(speakers):
            w.writerow([a, f"comment {k}", f"c{k}", ";".join(rng.sample(speakers, 2)), f"{start}T12:00:00+00:00"])
    t = time.perf_counter()
    n = consult.import_comments(ws, cid, path)
    print(f"consult comments: {n['comments']:,} comments and {n['endorsements']:,} endorsements imported in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    groups = read(ws, "consultation_reach", consultation=cid).to_arrow().num_rows
    read(ws, "consultation_summary", consultation=cid).to_arrow()
    print(f"consult report: {groups} group rows for {len(pop):,} people asked in {time.perf_counter() - t:.2f} s")

    owners = rng.sample(list(pop.person), 100)
    t = time.perf_counter()
    for o, owner in enumerate(owners):
        f = root / f"Connections-{o}.csv"
        lines = ["Notes:", '"LinkedIn notes"', "", "First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
        for k in range(500):
            who = rng.randrange(20_000)  # (people known to several employees)
            title = rng.choice(SENIOR) + rng.choice(TITLES) + (f" ({rng.choice(SKILLS)})" if rng.random() < 0.5 else "")
            lines.append(f"First{who},Last{who},https://www.linkedin.com/in/p{who},,Company{who % 300},{title},0{k % 9 + 1} Mar 20{10 + k % 14}")
        f.write_text("\n".join(lines) + "\n")
        ingest.ingest(ws, "linkedin", f, owner=ids[owner])
    print(f"linkedin: 100 exports of 500 connections imported in {time.perf_counter() - t:.1f} s")
    roles = root / "roles.csv"
    with open(roles, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["role_id", "title", "department", "keywords", "companies"])
        for r in range(50):
            w.writerow([f"R{r}", rng.choice(SENIOR) + rng.choice(TITLES), "Engineering", ";".join(rng.sample(SKILLS, 2)), f"Company{r}"])
    referrals.import_roles(ws, roles)
    t = time.perf_counter()
    summary = referrals.suggest(ws, top=10)
    print(f"referrals suggest: {summary['suggestions']:,} suggestions for 50 roles from {summary['connections']:,} connections "
          f"({summary['candidates']:,} candidates) in {time.perf_counter() - t:.2f} s")
    rows = read(ws, "referral_suggestions").to_arrow().to_pylist()
    joiners = [pop.person[i] for i in range(len(pop)) if pop.hire_date[i] is not None and pop.hire_date[i] >= pop.as_of.replace(day=1).replace(month=max(1, pop.as_of.month - 2))]
    hires = [(r["role"], r["candidate"], "hired", ids[j]) for r, j in zip(rows, joiners[:20])]
    referrals.mark(ws, hires)
    t = time.perf_counter()
    integration = read(ws, "referral_integration").to_arrow().to_pylist()
    print(f"referral integration: {len(hires)} referral hires, {len(integration)} rows in {time.perf_counter() - t:.2f} s")
    ws.close()


if __name__ == "__main__":
    main()
