"""The commands and the JSON report whose keys other people's scripts read, run in process (tests/clirun.py gives what the console
script gives: exit code, stdout, stderr). The console script itself runs each of these commands
in test_packaging.py (installed from the wheel) and `evaluate` in test_cli_polish.py."""
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from myotrace.cli import app
from myotrace.expert.engine import rule_catalogue
from myotrace.facts.vocabulary import TRIAGE_LEVELS

from clirun import run as myotrace

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
PUBLISHED_KEYS = [
    "case", "triage", "red_flags", "conditions", "primary_muscle", "chain",
    "secondary_chains", "unscreened_red_flags", "unscreened_nerve_signs", "safety_net", "candidates",
    "corrections", "protocol", "perpetuating_factors", "open_questions", "trace",
]
EXTENSIONS = ["side", "advice", "probable_satellites", "open_questions_detail", "safety_net_patient", "atypical"]
CLASSIC = {
    "case": "gmin-lateral-classic", "side": "right",
    "pain": ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"],
    "findings": {"pain_worse_below_knee": True, "ober_positive": True, "slr_positive": False},
    "tender_points": ["gluteus_minimus"], "non_tender": ["piriformis"], "screened": ["red_flags", "nerve"],
    "expect": {"triage": "treat", "primary_muscle": "gluteus_minimus",
               "chain": ["gluteus_minimus", "vastus_lateralis"]},
}

runner = CliRunner()


@pytest.fixture
def classic(tmp_path) -> Path:
    path = tmp_path / "classic.yaml"
    path.write_text(yaml.safe_dump(CLASSIC), encoding="utf-8")
    return path


def diagnose_json(*args) -> dict:
    result = runner.invoke(app, ["diagnose", *map(str, args), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---- evaluate ------------------------------------------------------------------------


def test_evaluate_the_case_library_passes():
    result = myotrace("evaluate", str(CASES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_evaluate_json(tmp_path, classic):
    result = runner.invoke(app, ["evaluate", str(classic), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passed"] == 1 and data["failed"] == 0
    assert data["cases"][0]["status"] == "pass"
    fired, never = data["coverage"]["fired"], data["coverage"]["never_fired"]
    assert sorted(fired + never) == [rule.id for rule in rule_catalogue()]
    assert "SAF-004" in fired and "SAF-001" in never


def test_evaluate_a_wrong_expectation_exits_1(tmp_path):
    wrong = {**CLASSIC, "expect": {"triage": "refer_nerve", "primary_muscle": "piriformis",
                                   "conditions": ["iliotibial_band_syndrome"]}}
    (tmp_path / "wrong.yaml").write_text(yaml.safe_dump(wrong), encoding="utf-8")
    (tmp_path / "right.yaml").write_text(yaml.safe_dump(CLASSIC), encoding="utf-8")
    result = myotrace("evaluate", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL" in result.stdout and "PASS" in result.stdout
    assert "triage: expected refer_nerve, got treat" in result.stdout
    assert "primary_muscle: expected piriformis, got gluteus_minimus" in result.stdout
    assert "iliotibial_band_syndrome" in result.stdout
    assert "1 passed, 1 failed" in result.stdout


def test_evaluate_counts_cases_without_expect(tmp_path):
    (tmp_path / "plain.yaml").write_text("pain: [buttock]\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 without expect" in result.stdout


# ---- diagnose ------------------------------------------------------------------------


def test_diagnose_json_has_the_contract_keys_in_order(classic):
    report = diagnose_json(classic)
    assert list(report) == PUBLISHED_KEYS + EXTENSIONS
    assert report["case"] == "gmin-lateral-classic"
    assert report["triage"] == "treat"
    assert report["primary_muscle"] == "gluteus_minimus"
    assert report["chain"][0] == "gluteus_minimus"
    assert report["side"] == "right"
    assert report["trace"] == []
    assert list(report["protocol"]) == ["steps", "home_care", "avoid"]
    for candidate in report["candidates"]:
        assert {"muscle", "certainty", "for", "against"} <= set(candidate)
        assert isinstance(candidate["certainty"], (int, float))


def test_diagnose_json_case_defaults_to_file_name(tmp_path):
    path = tmp_path / "no-id.json"
    path.write_text(json.dumps({"pain": ["buttock"]}), encoding="utf-8")
    report = diagnose_json(path)
    assert report["case"] == "no-id"
    assert report["triage"] in TRIAGE_LEVELS
    assert report["side"] is None


def test_diagnose_json_many_cases_one_report_each(classic, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("pain: [buttock]\nfindings: {fever: true}\n", encoding="utf-8")
    result = runner.invoke(app, ["diagnose", str(classic), str(other), "--format", "json"])
    assert result.exit_code == 0, result.output
    decoder, text, index, reports = json.JSONDecoder(), result.stdout, 0, []
    while text[index:].strip():
        report, index = decoder.raw_decode(text, index)
        reports.append(report)
        while index < len(text) and text[index].isspace():
            index += 1
    assert [r["case"] for r in reports] == ["gmin-lateral-classic", "other"]
    assert reports[1]["triage"] == "urgent_referral"
    assert reports[1]["primary_muscle"] is None and reports[1]["chain"] == []


def test_diagnose_trace_entries(classic):
    result = runner.invoke(app, ["diagnose", str(classic), "--format", "json", "--trace"])
    assert result.exit_code == 0, result.output
    trace = json.loads(result.stdout)["trace"]
    assert trace, "--trace gave an empty trace"
    catalogue = {rule.id: rule for rule in rule_catalogue()}
    for number, entry in enumerate(trace, start=1):
        assert {"rule", "statement", "source", "matched", "declared"} <= set(entry)
        rule = catalogue[entry["rule"]]
        assert entry["statement"] == rule.statement
        assert entry["source"] == rule.source
        assert isinstance(entry["matched"], list) and isinstance(entry["declared"], list)
        for fact in entry["matched"] + entry["declared"]:
            assert "type" in fact and fact["fact"].startswith("f-")
        if "step" in entry:
            assert entry["step"] == number
    rules = [entry["rule"] for entry in trace]
    assert "SAF-006" in rules and "SAT-003" in rules
    # the firing that concluded the primary declared it
    primary = [f for e in trace if e["rule"] == "SAT-003" for f in e["declared"] if f["type"] == "Primary"]
    assert primary and primary[0]["muscle"] == "gluteus_minimus"
    # a rule that matched facts shows them
    ober = [e for e in trace if e["rule"] == "MYT-001"]
    assert ober and any(f.get("id") == "ober_positive" for f in ober[0]["matched"])


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_diagnose_other_formats(classic, fmt):
    """The report of the case, whole, in that format: the conclusion the JSON gives, every
    protocol step, and the same text the renderer gives in process."""
    from rich.console import Console

    from myotrace.expert.casefile import load_case
    from myotrace.expert.engine import get_engine
    from myotrace.expert.present.render import render_markdown, render_text
    from myotrace.expert.report import build_report

    result = runner.invoke(app, ["diagnose", str(classic), "--format", fmt], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    case = load_case(classic)
    report = build_report(get_engine().consult(case), case)
    if fmt == "markdown":
        assert result.stdout == render_markdown(report, case) + "\n"
        assert result.stdout.startswith(f"# myotrace report: {case.case}\n")
        assert f"**Triage: {report.triage}**" in result.stdout
    else:
        console = Console(record=True, width=200, highlight=False, color_system=None)
        render_text(report, console, case)
        lines = [line.rstrip() for line in result.stdout.splitlines()]
        assert lines == [line.rstrip() for line in console.export_text().splitlines()]
        assert "TREAT" in result.stdout
    conclusion = " → ".join(m.replace("_", " ") for m in report.chain)
    assert report.chain == CLASSIC["expect"]["chain"]
    assert conclusion.split(" → ")[0] in result.stdout and "→ vastus lateralis" in result.stdout
    flat = " ".join(result.stdout.split())  # the text format wraps long lines
    for step in report.protocol.steps:
        assert " ".join(step.split()) in flat, step


# ---- rules ---------------------------------------------------------------------------


def test_rules_lists_every_rule():
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0, result.output
    for rule in rule_catalogue():
        assert rule.id in result.stdout
        assert rule.statement in result.stdout


@pytest.mark.parametrize("given", ["SAF-001", "saf-001"])
def test_rules_show(given):
    result = runner.invoke(app, ["rules", "show", given])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("SAF-001")
    assert any(line.strip().startswith("IF ") for line in lines)
    assert any(line.strip().startswith("THEN ") for line in lines)
    assert any(line.strip().startswith("SOURCE ") for line in lines)
    assert "emergency" in result.stdout


def test_rules_show_unknown_id_suggests():
    result = myotrace("rules", "show", "SAF-01")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "SAF-01" in lines[0] and "did you mean 'SAF-001'" in lines[0]


# ---- kb check ------------------------------------------------------------------------


def test_kb_check_passes():
    result = myotrace("kb", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problem(s)" in result.stdout
