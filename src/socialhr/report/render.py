"""Lay the report out: HTML from a Jinja2 template (charts inline, nothing fetched), PDF by WeasyPrint."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import InputError
from . import charts as ch
from .content import Report

FORMATS = (".html", ".pdf")


def html(rep: Report, *, progress: Callable[[str], None] | None = None) -> str:
    import jinja2

    say = progress or (lambda step: None)
    s = rep.sections
    made: dict[str, str] = {}
    for name, make in (("trend", lambda: ch.index_trend(s["capital"]["trend"])),
                       ("departments", lambda: ch.department_index(s["capital"]["departments"])),
                       ("silos", lambda: ch.silos(s["silos"])),
                       ("onboarding", lambda: ch.onboarding(s["onboarding"].get("benchmark") or [])),
                       ("effects", lambda: ch.effects(s["outcomes"]["effects"])),
                       ("map", lambda: ch.network_map(s["map"]["people"], s["map"]["edges"], rep.min_group_size))):
        say(f"Drawing {name}")
        made[name] = make()
    env = jinja2.Environment(loader=jinja2.PackageLoader("socialhr.report", "templates"), autoescape=True)
    from .charts import in_words

    env.filters["in_words"] = in_words
    env.filters["model_words"] = lambda m: {"cox": "Cox (leaving)", "logit": "logistic", "ordinal": "ordinal", "ols": "least squares"}.get(m, m)
    return env.get_template("report.html").render(r=rep, charts=made)


def write(rep: Report, path: Path, *, progress: Callable[[str], None] | None = None) -> Path:
    """Write the report as HTML or PDF, by ``path``'s extension."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"cannot write a report as '{path.suffix or path.name}'", hint="Give -o report.html or -o report.pdf.")
    page = html(rep, progress=progress)
    if path.suffix.lower() == ".html":
        path.write_text(page, encoding="utf-8")
        return path
    import weasyprint

    if progress:
        progress("Writing PDF")
    weasyprint.HTML(string=page).write_pdf(str(path))
    return path


