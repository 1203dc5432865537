"""The CEO report: HTML and PDF render, the PDF's pages turn into images and text with their section titles, no group
below the minimum size appears anywhere, and a planted zero effect is not called significant."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from socialhr import report
from socialhr.results import Viewer, read
from socialhr.workspace import Workspace

pytestmark = pytest.mark.slow

SECTIONS = ["Social capital report", "Social capital by department", "Silos", "New joiners", "Programs",
            "What the network says about attrition", "Adoption of collaboration spaces", "HR's targets", "Method notes"]


def _poppler():
    if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed; .ci/run installs it")


@pytest.fixture(scope="module")
def made(planted, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    with Workspace.open(planted[0], read_only=True) as ws:
        rep = report.build(ws)
        report.write(rep, out / "report.html")
        report.write(rep, out / "report.pdf")
    return rep, out


def test_html_is_self_contained_with_every_section(made):
    rep, out = made
    page = (out / "report.html").read_text()
    for title in SECTIONS:
        assert title.replace("'", "&#39;") in page or title in page, title
    assert "<svg" in page and "data:image/png;base64," in page  # charts inline, the map as an image
    assert not re.search(r"""(src|href)=["']https?://""", page)  # nothing fetched from a network
    assert rep.summary and rep.summary[0]["title"] == "Social capital index"


def test_pdf_pages_become_images_and_text_with_the_section_titles(made, tmp_path):
    _poppler()
    _, out = made
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out / "report.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3 and all(p.stat().st_size > 1000 for p in pages)
    text = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], check=True, capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    for title in SECTIONS:
        assert title in flat, title
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(out / "report.pdf"), "-"], capture_output=True, text=True).stdout
    assert "SOCIAL CAPITAL INDEX" in first and "NETWORK AND ATTRITION" in first  # the summary is page one


def test_no_group_below_the_minimum_size_appears(planted, made, tmp_path):
    """Raise the minimum group size above the smaller departments: none of those may be named anywhere in the
    report, though the report at the default size names them."""
    _poppler()
    k = 60
    shutil.copytree(planted[0], tmp_path / "ws")
    with Workspace.open(tmp_path / "ws") as ws:
        ws.settings["min_group_size"] = k
        wid = report.content.report_window(ws)[0]
        sizes = dict(ws.db.execute("SELECT department, count(*) FROM person_metrics WHERE window_id = ? GROUP BY 1", [wid]).fetchall())
        small = [d for d, n in sizes.items() if n < k]
        rep = report.build(ws)
        report.write(rep, tmp_path / "r.html")
        report.write(rep, tmp_path / "r.pdf")
    baseline = (made[1] / "report.html").read_text()
    def named(d, text):  # the department's name as a word ("Executive summary" is the report's own heading)
        return re.search(rf"\b{re.escape(d)}\b(?! summary)", " ".join(text.split())) is not None

    assert small and any(named(d, baseline) for d in small), "the test needs small departments the default report names"
    page = (tmp_path / "r.html").read_text()
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    for d in small:
        assert not named(d, page) and not named(d, text), d


def test_a_leaders_report_holds_no_person_level_figures(planted, tmp_path):
    with Workspace.open(planted[0], read_only=True) as ws:
        rep = report.build(ws, viewer=Viewer.leader(("department", "Finance")))
        page = report.render.html(rep)
    assert rep.sections["map"]["people"] == []  # no network map: it is drawn from person-level rows
    assert "data:image/png" not in page
    assert "Finance" in page and "Engineering</td>" not in page


def test_no_planted_effect_is_not_called_significant(null_planted, tmp_path):
    with Workspace.open(null_planted[0], read_only=True) as ws:
        rep = report.build(ws)
        page = report.render.html(rep)
    card = next(c for c in rep.summary if c["title"] == "Network and attrition")
    assert "The interval includes no effect" in card["text"] and "An association" not in card["text"]
    assert "The interval includes no effect" in page


def test_cli_writes_both_and_refuses_other_formats(planted, tmp_path):
    from typer.testing import CliRunner

    from socialhr.cli import app

    r = CliRunner().invoke(app, ["report", str(planted[0]), "-o", str(tmp_path / "r.html")])
    assert r.exit_code == 0 and (tmp_path / "r.html").stat().st_size > 10_000, r.output
    r = CliRunner().invoke(app, ["report", str(planted[0]), "-o", str(tmp_path / "r.docx")])
    assert r.exit_code == 1 and "report.html or -o report.pdf" in r.output
    r = CliRunner().invoke(app, ["report", str(planted[0]), "-o", str(tmp_path / "r.html")])
    assert r.exit_code == 1  # exists: --force to replace
