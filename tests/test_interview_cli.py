"""`myotrace interview` through scripted (piped) input: CliRunner, no terminal."""
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from myotrace.cli import app
from myotrace.expert.casefile import load_case
from myotrace.expert.interview.session import Interview, answer_from_case
from myotrace.expert.interview.parsing import keys_for
from myotrace.facts.vocabulary import RED_FLAGS

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = ROOT / "cases" / "gmin-lateral-classic.yaml"
MYOTRACE = Path(sys.executable).parent / "myotrace"
runner = CliRunner()


def script_for(case_path: Path) -> list[str]:
    """The lines a therapist would type to answer as the case file says."""
    case = load_case(case_path)
    shadow = Interview()
    lines = []
    while (prompt := shadow.next_prompt()) is not None:
        value = answer_from_case(case, prompt)
        lines.append(keys_for(prompt, value))
        shadow.answer(value)
    return lines


def interview(tmp_path, lines, *args):
    return runner.invoke(app, ["interview", *args], input="".join(f"{line}\n" for line in lines),
                         catch_exceptions=False)


def private(path: Path) -> bool:
    return stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_full_interview_to_a_treat_conclusion_and_export(tmp_path):
    session, export, report = tmp_path / "s.json", tmp_path / "case.yaml", tmp_path / "r.md"
    lines = script_for(CLASSIC) + ["", "details", f"report {report}", "quit"]
    result = interview(tmp_path, lines, "--session", str(session), "--export", str(export), "--side", "right")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Review: Enter shows the result" in out
    assert "no remaining question can change" in out
    assert out.index("Review:") < out.index("TREAT") < out.index("Chain: gluteus minimus") < out.index("Next:")
    details = out[out.index("> details"):]
    assert details.index("Primary muscle and chain") < details.index("Protocol")
    assert "gluteus minimus" in out and "Myths corrected" in details
    for path in (session, export, report):
        assert private(path), path
    assert "# Clinical note" in report.read_text()
    case = load_case(export)
    assert case.side == "right" and case.tender_points == ["gluteus_minimus"]
    diagnosed = runner.invoke(app, ["diagnose", str(export), "--format", "json"])
    data = json.loads(diagnosed.stdout)
    assert (data["triage"], data["primary_muscle"], data["chain"]) == (
        "treat", "gluteus_minimus", ["gluteus_minimus", "vastus_lateralis"])
    assert runner.invoke(app, ["evaluate", str(export)]).exit_code == 0
    assert runner.invoke(app, ["explain", str(export)]).exit_code == 0


@pytest.mark.parametrize("typed, headline", [("2", "EMERGENCY"), ("8", "URGENT REFERRAL")])
def test_a_red_flag_ends_the_interview_at_once(tmp_path, typed, headline):
    result = interview(tmp_path, [typed, "quit"], "--session", str(tmp_path / "s.json"))
    assert result.exit_code == 0
    out = result.output
    assert "A red flag ends the interview" in out
    assert headline in out and "Advice" in out
    assert "Pain map" not in out, "nothing more is asked"


def test_why_back_unknown_and_help(tmp_path):
    session = tmp_path / "s.json"
    lines = ["help", "why", "why", "why", "none", "3 7 9 11", "why", "why", "why", "why", "why",
             "u", "back", "none", "quit"]
    result = interview(tmp_path, lines, "--session", str(session))
    out = result.output
    assert result.exit_code == 0
    assert "why · back" in out and "the previous answer" in out      # help
    assert "why (1): SAF-001" in out and "why (2): SAF-006" in out      # at the red-flag screen
    assert "why (3): The goal: a safe triage" in out
    assert "why (1): NRV-001" in out and "why (2): SAF-003" in out      # at the nerve screen
    assert "Signs never examined are not evidence" in out
    assert "why (3): SAF-006" in out and "why (4): The goal: a safe triage" in out
    assert "why (5): That is the top" in out
    assert "Undone: Nerve screen" in out and "Asking it again." in out
    answers = json.loads(session.read_text())["answers"]
    assert answers[-1]["item"] == "nerve_screen" and set(answers[-1]["value"].values()) == {False}


@pytest.mark.parametrize("lines, message", [
    (["maybe"], "line 1: not a number or range: 'maybe'"),
    (["0"], "line 1: '0' is not an answer here: type the word `none`"),
    (["none", "knee"], "line 2: not one pain region: 'knee'"),
    (["none", "3 7", "perhaps"], "line 3: not a number or range: 'perhaps'"),
    (["none", "3 7", "none", "perhaps"], "line 4: not an answer: 'perhaps'"),
    (["none", "15-1"], "line 2: 15-1: a range runs from the smaller number up (e.g. 1-15)"),
])
def test_bad_piped_answers_exit_2_with_one_line(tmp_path, lines, message):
    """Nobody can correct a piped answer: one line on stderr, the session saved, exit 2."""
    session = tmp_path / "s.json"
    result = subprocess.run([str(MYOTRACE), "interview", "--session", str(session)], capture_output=True,
                            text=True, input="".join(f"{line}\n" for line in lines + ["quit"]), timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: piped answer on ") and message in line, line
    assert f"session saved to {session}" in line
    assert len(json.loads(session.read_text())["answers"]) == len(lines) - 1


def test_a_long_bad_piped_answer_is_not_echoed_whole(tmp_path):
    result = subprocess.run([str(MYOTRACE), "interview", "--session", str(tmp_path / "s.json")],
                            capture_output=True, text=True, input="none\n" + "x" * 5000 + "\n", timeout=120)
    assert result.returncode == 2
    assert len(result.stderr) < 300 and "5000 characters" in result.stderr
    assert "x" * 250 not in result.stdout


def test_end_of_input_saves_and_resume_continues(tmp_path):
    session = tmp_path / "s.json"
    lines = script_for(CLASSIC)
    first = interview(tmp_path, lines[:4], "--session", str(session))
    assert first.exit_code == 0
    assert f"myotrace interview --resume {session}" in first.output
    assert len(json.loads(session.read_text())["answers"]) == 4
    second = interview(tmp_path, lines[4:] + ["", "quit"], "--resume", str(session))
    assert second.exit_code == 0, second.output
    assert "Resuming" in second.output and "[5]" in second.output
    assert "TREAT" in second.output


def test_result_early_then_continue_and_go_on(tmp_path):
    shadow = Interview()
    shadow.answer({flag: False for flag in RED_FLAGS})
    shadow.answer(["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"])
    unknowns = 0
    while (prompt := shadow.next_prompt()) is not None:
        shadow.answer({i: "unknown" for i in prompt.items} if prompt.kind == "nerve_screen" else "unknown")
        unknowns += 1
    lines = ["none", "3 7 9 11", "result", "continue"] + ["u"] * unknowns + ["", "go on", "quit"]
    result = interview(tmp_path, lines, "--session", str(tmp_path / "s.json"))
    out = result.output
    assert result.exit_code == 0
    assert "Result so far, after 2 questions:" in out and "could still change it" in out
    assert "Not enough to go on after" in out and "Settled" not in out
    assert "There is nothing left to ask." in out


def test_export_and_report_commands_default_next_to_the_session(tmp_path):
    session = tmp_path / "myotrace-session-x.json"
    result = interview(tmp_path, ["1", "export", "report", "quit"], "--session", str(session))
    assert "Review:" not in result.output, "a red flag shows the result at once"
    assert result.exit_code == 0
    assert private(tmp_path / "myotrace-case-x.yaml") and private(tmp_path / "myotrace-report-x.md")
    assert load_case(tmp_path / "myotrace-case-x.yaml").findings["saddle_anesthesia"] is True


def test_usage_errors_exit_2(tmp_path):
    existing = tmp_path / "s.json"
    existing.write_text("{}")
    result = runner.invoke(app, ["interview", "--session", str(existing)])
    assert result.exit_code == 2 and "already exists" in result.output
    result = runner.invoke(app, ["interview", "--resume", str(existing)])
    assert result.exit_code == 2 and "not a myotrace session file" in result.output
    result = runner.invoke(app, ["interview", "--resume", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and "no such session file" in result.output
    result = runner.invoke(app, ["interview", "--session", str(tmp_path / "no" / "s.json")])
    assert result.exit_code == 2 and "no such folder" in result.output


def test_default_session_file_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["interview", "--case", "p-017"], input="none\nquit\n")
    assert result.exit_code == 0
    (session,) = Path(".").glob("myotrace-session-*.json")
    assert private(session)
    data = json.loads(session.read_text())
    assert data["case"] == "p-017" and len(data["answers"]) == 1
    assert f"--resume {session.name}" in result.output
