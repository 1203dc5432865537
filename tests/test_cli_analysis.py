"""The CLI end to end: every connector's file from the synthetic organization, analyze, and the exports' options."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from socialhr.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    src, ws = root / "src", root / "ws"
    r = invoke("synth", src, "--people", 80, "--seed", 5, "--weeks", 6)
    assert r.exit_code == 0, r.output
    for name in ("roster.csv", "mail.mbox", "slack.zip", "calendar.ics", "survey.csv", "outcomes.csv"):
        assert (src / name).exists() and f"{src / name}" in r.output
    assert invoke("init", ws).exit_code == 0
    imported = {}
    for kind, name in [("roster", "roster.csv"), ("email", "mail.mbox"), ("slack", "slack.zip"), ("calendar", "calendar.ics"),
                       ("survey", "survey.csv"), ("outcomes", "outcomes.csv")]:
        r = invoke("ingest", ws, kind, src / name, "--json")
        assert r.exit_code == 0, r.output
        imported[kind] = json.loads(r.output)["rows_imported"]
    r = invoke("analyze", ws, "--json")
    assert r.exit_code == 0, r.output
    return root, ws, imported, json.loads(r.output)


def test_every_connector_file_imports_and_the_analysis_covers_every_month(analyzed):
    root, ws, imported, summary = analyzed
    assert all(n > 0 for n in imported.values()), imported
    status = json.loads(invoke("status", ws, "--json").output)
    # the three messaging files together hold the synthetic organization's activity
    with open(root / "src" / "interactions.csv") as f:
        synthesised = sum(1 for _ in f) - 1
    assert status["counts"]["interactions"] == synthesised
    assert summary["engine"] == "duckdb" and summary["window_spec"] == "month"
    first, last = status["interactions_span"]
    months = {w["window_id"] for w in summary["windows"]}
    assert first[:7] in months and last[:7] in months
    assert all(w["betweenness"]["method"] == "exact" for w in summary["windows"])
    r = invoke("analyze", ws)
    assert r.exit_code == 0 and f"Analyzed {len(summary['windows'])} window(s) (month) on duckdb" in r.output
    assert "groups smaller than 5 people" in " ".join(r.output.split())


def test_exports_take_window_channel_and_dimension(analyzed, tmp_path):
    root, ws, _, summary = analyzed
    first = summary["windows"][0]["window_id"]
    out = tmp_path / "pm.csv"
    r = invoke("export", ws, "person_metrics", "--window", first, "-o", out)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(open(out)))
    assert rows and {row["window_id"] for row in rows} == {first}
    assert len(rows) == summary["windows"][0]["people"]

    out = tmp_path / "edges.csv"
    assert invoke("export", ws, "edges", "--channel", "email", "-o", out).exit_code == 0
    rows = list(csv.DictReader(open(out)))
    assert rows and {row["channel"] for row in rows} == {"email"}

    out = tmp_path / "dept.json"
    assert invoke("export", ws, "group_metrics", "--dimension", "department", "--window", "*", "-o", out).exit_code == 0
    rows = json.load(open(out))
    assert {row["dimension"] for row in rows} == {"department"}
    # every window has its departments, except one the disclosure rules withheld whole (with the reason why)
    dark = {w for w, d in summary["disclosure"].items() if not d["organization_shown"]}
    assert {row["window_id"] for row in rows} == {w["window_id"] for w in summary["windows"]} - dark
    assert all(row["size"] >= 5 for row in rows)
    out = tmp_path / "withheld.csv"
    assert invoke("export", ws, "withheld", "--window", "*", "-o", out).exit_code == 0
    said = {(row["window_id"], row["dimension"]) for row in csv.DictReader(open(out))}
    assert all((w, "organization") in said for w in dark)

    assert invoke("export", ws, "edges", "--channel", "all", "-o", tmp_path / "all_edges.csv").exit_code == 0
    out = tmp_path / "net.gexf"
    r = invoke("export", ws, "edges", "-o", out, "--identified")
    assert r.exit_code == 0, r.output
    ns = {"g": "http://gexf.net/1.3"}
    graph = ET.parse(out).getroot()
    edges = graph.findall(".//g:edge", ns)
    assert len(edges) == summary["windows"][-1]["ties"]
    assert all(n.get("label", "").startswith("E") for n in graph.findall(".//g:node", ns))
    # each node carries its own person's attributes (vivainsights' network_p2p once attached them to the wrong nodes)
    import networkx as nx

    G = nx.read_gexf(out)
    with open(root / "src" / "roster.csv") as f:
        roster = {row["employee_id"]: row for row in csv.DictReader(f)}
    assert G.number_of_nodes() == summary["windows"][-1]["people"]
    for _, attrs in G.nodes(data=True):
        person = roster[attrs["label"]]
        assert (attrs["department"], attrs["team"], attrs["location"]) == (person["department"], person["team"], person["location"])
    weights = {(r["source"], r["target"]): float(r["weight"]) for r in csv.DictReader(open(tmp_path / "all_edges.csv"))}
    assert {(u, v): d["weight"] for u, v, d in G.edges(data=True)} == pytest.approx(weights)


@pytest.mark.parametrize("args, message", [
    (["group_metrics", "--dimension", "dept"], "Error: no dimension 'dept' in the last analysis. Dimensions: "),
    (["edges", "--channel", "fax"], "Error: no channel 'fax' in the last analysis. Channels: all, email, meeting, slack, survey."),
    (["person_metrics", "--window", "1999-01"], "Error: no window '1999-01' in the last analysis. Windows: "),
    (["people", "--window", "2026-01"], "Error: --window does not apply to the table 'people'. 'people' takes no options."),
    (["person_metrics", "--channel", "email"], "Error: --channel does not apply to the table 'person_metrics'. 'person_metrics' takes --window."),
])
def test_export_option_mistakes(analyzed, tmp_path, args, message):
    _, ws, _, _ = analyzed
    out = tmp_path / "x.csv"
    r = invoke("export", ws, *args, "-o", out)
    assert r.exit_code == 1 and message in " ".join(r.output.split()), r.output
    assert not out.exists()


def test_analyze_mistakes(tmp_path):
    ws = tmp_path / "ws"
    invoke("init", ws)
    r = invoke("analyze", ws)
    assert r.exit_code == 1 and "Error: nothing to analyze: the workspace has no interactions or ties." in r.output
    r = invoke("analyze", ws, "--window", "fortnight")
    assert r.exit_code == 1 and "Traceback" not in r.output and "fortnight" in r.output
    r = invoke("export", ws, "person_metrics", "-o", tmp_path / "x.csv")
    assert r.exit_code == 1 and "socialhr analyze" in r.output


def test_connector_options_reach_their_importer(tmp_path, data):
    ws = tmp_path / "ws"
    invoke("init", ws)
    assert invoke("ingest", ws, "roster", data / "roster" / "workday.csv").exit_code == 0
    r = invoke("ingest", ws, "email", data / "email" / "sample.mbox", "--exclude", "ada.lovelace@*", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["skipped"] == {"excluded_sender": 3, "mailing_list": 1, "no_recipients": 1}
    r = invoke("ingest", ws, "calendar", data / "calendar" / "google", "--start", "2026-11-03", "--end", "2026-11-05", "--json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    assert result["skipped"] == {"outside_period": 2}
    assert result["notes"]["period"] == ["2026-11-03T00:00:00+00:00", "2026-11-06T00:00:00+00:00"]
    r = invoke("ingest", ws, "linkedin", data / "linkedin" / "Connections.csv", "--owner", "grace.hopper@acme.example")
    assert r.exit_code == 0 and "Imported 3 rows" in r.output, r.output
    r = invoke("ingest", ws, "linkedin", data / "linkedin" / "Connections.csv")
    assert r.exit_code == 1 and "--owner" in r.output and "Traceback" not in r.output
    r = invoke("ingest", ws, "survey", data / "survey" / "long.csv", "--survey-date", "15/03/2026")
    assert r.exit_code == 1 and "Error: --survey-date is not a date: '15/03/2026'. Use YYYY-MM-DD." in r.output
    r = invoke("ingest", ws, "survey", data / "survey" / "microsoft_forms.csv", "--question-map", "Advice?=advice")
    assert r.exit_code == 1 and "--question-map names 'Advice?', not a column of the file" in r.output
    r = invoke("ingest", ws, "survey", data / "survey" / "microsoft_forms.csv", "--question-map", "nonsense")
    assert r.exit_code == 1 and "--question-map expects name=value" in r.output
    r = invoke("ingest", ws, "slack", data / "slack", "--date-format", "%d")
    assert r.exit_code == 1 and "Error: the option date_format does not apply to 'slack'" in r.output
