"""The command line under hostile input (issue 18): numbers of thousands of digits, a FIFO among the
case files, and a piped `report` that cannot be written.

The interviews run in process (tests/clirun.py: exit code, stdout and stderr as the console script
gives them; test_interview_cli.py pipes answers into the console script itself); `evaluate` over a
FIFO runs the console script, so a read that blocks is a timeout, not a hung suite."""
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from myotrace.cli import app

from clirun import run

ROOT = Path(__file__).resolve().parent.parent
MYOTRACE = Path(sys.executable).parent / "myotrace"
runner = CliRunner()
HUGE = "9" * 5000


def piped(args, text, cwd):
    """The console script, ``text`` piped in, in the folder ``cwd``."""
    return subprocess.run([str(MYOTRACE), *args], input=text, capture_output=True, text=True, timeout=120,
                          cwd=cwd, check=False)


def test_a_practice_answer_of_5000_digits_is_one_clear_line():
    result = runner.invoke(app, ["practice", "--count", "1", "--seed", "1"], input=f"{HUGE}\nquit\n")
    assert "Traceback" not in result.output and "Exceeds" not in result.output
    assert "is not a triage level" in result.output
    refusal = next(line for line in result.output.splitlines() if "is not a triage level" in line)
    assert len(refusal) < 300  # the answer is clipped, not echoed whole


def test_interview_numbers_of_thousands_of_digits_are_refused_in_its_own_words(tmp_path):
    ranged = run("interview", "--session", tmp_path / "s.json", stdin=f"none\n1-{HUGE}\n")
    assert ranged.returncode == 2 and "choose numbers from 1 to" in ranged.stderr
    edited = run("interview", "--session", tmp_path / "t.json", stdin=f"none\nedit {HUGE}\n")
    assert "no answer number 999999999999…" in edited.stdout + edited.stderr
    for result in (ranged, edited):
        assert "Exceeds" not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_a_piped_report_that_cannot_be_written_exits_2_on_stderr(tmp_path):
    result = run("interview", "--session", tmp_path / "s.json", stdin="result\nreport /nonexistent/x.md\nquit\n")
    assert result.returncode == 2
    assert "/nonexistent" in result.stderr and "cannot write" in result.stderr
    assert "cannot write" not in result.stdout


def test_evaluate_says_when_it_leaves_out_a_fifo(tmp_path):
    (tmp_path / "classic.yaml").write_text((ROOT / "cases" / "gmin-lateral-classic.yaml").read_text())
    os.mkfifo(tmp_path / "f.yaml")
    result = piped(["evaluate", str(tmp_path)], "", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "f.yaml: not a regular file (a named pipe)" in result.stderr
    assert "1 passed" in result.stdout
