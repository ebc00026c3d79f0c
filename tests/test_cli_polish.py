"""The command line as a newcomer meets it (issue 9): bare command, --version, completion,
--debug anywhere, help at 80 columns, the shipped case library, evaluate --jobs.

``myotrace(...)`` is the console script (a process); ``run(...)`` the same command line in
process (tests/clirun.py), which gave the same exit code and output, byte for byte, on every
help screen, --version, cases and cases show when these tests were moved to it. Processes stay
where the process matters: the bare command, completion (the shell's environment), --debug
(logging to the real stderr), `cases`, `cases show` of an unknown id, evaluate's worker
processes (forked: never inside pytest), practice."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from myotrace import __version__
from myotrace.cli import hoist_global_flags
from myotrace.expert.library import LIBRARY, library_paths, summary

from clirun import run

MYOTRACE = Path(sys.executable).parent / "myotrace"
COMMANDS = ["", "interview", "diagnose", "explain", "practice", "evaluate", "rules", "rules show",
            "kb", "kb check", "kb refers-to", "differential", "cases", "cases show"]


def myotrace(*args: str, columns: int = 80, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([str(MYOTRACE), *args], capture_output=True, text=True, timeout=180,
                          env=env, input=stdin, check=False)


def test_bare_command_prints_help_and_exits_0():
    result = myotrace()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: myotrace")
    assert "Commands:" in result.stdout and result.stderr == ""


def test_version():
    result = run("--version")
    assert (result.returncode, result.stdout) == (0, f"myotrace {__version__}\n")


def test_shell_completion_is_offered():
    result = run("--help")
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout
    script = myotrace("--show-completion", "bash")
    assert script.returncode == 0 and "_myotrace_completion" in script.stdout


@pytest.mark.parametrize(("words", "expected"), [("myotrace ca", "cases"),
                                                  ("myotrace diagnose --format j", "json")])
def test_completion_completes_commands_and_choices(words, expected):
    env = {**os.environ, "_MYOTRACE_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}
    result = subprocess.run([str(MYOTRACE)], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_well_at_80_columns(command):
    result = run(*command.split(), "--help")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    for odd in ("<bool>", "<list[", "<str>", "<int", "{cases}", "{paths}", "[[", "\x1b["):
        assert odd not in result.stdout, (odd, result.stdout)


def test_help_lists_the_exit_codes():
    out = run("--help").stdout
    assert "Exit codes: 0 success" in out and "2 bad input" in out.replace("\n  ", " ")


def test_defaults_are_shown():
    assert "[default: text]" in run("diagnose", "--help").stdout
    assert "default: the case" in run("practice", "--help").stdout
    evaluate = run("evaluate", "--help").stdout
    assert "default: the case" in evaluate and "default: the machine's cores" in evaluate


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_the_subcommand(where):
    case = str(LIBRARY / "gmin-lateral-classic.yaml")
    args = ["--debug", "diagnose", case, "-f", "json"] if where == "before" else \
        ["diagnose", case, "-f", "json", "--debug"]
    result = myotrace(*args)
    assert result.returncode == 0, result.stderr
    assert "DEBUG" in result.stderr
    assert json.loads(result.stdout)["case"] == "gmin-lateral-classic"


def test_hoist_global_flags_leaves_arguments_after_double_dash():
    assert hoist_global_flags(["diagnose", "x.yaml", "--debug"]) == ["--debug", "diagnose", "x.yaml"]
    assert hoist_global_flags(["diagnose", "--", "--debug"]) == ["diagnose", "--", "--debug"]


# ---- the shipped case library ---------------------------------------------------------


def test_cases_lists_every_library_case_with_a_summary():
    result = myotrace("cases")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    ids = [path.stem for path in library_paths()]
    assert len(ids) >= 50
    listed = [line.split()[0] for line in lines[: len(ids)]]
    assert listed == ids
    assert all(len(line.split(None, 1)) == 2 for line in lines[: len(ids)])  # id and a summary
    assert all(len(line) <= 80 for line in lines)
    assert f"{len(ids)} cases" in result.stdout


def test_summary_is_the_first_sentence_cut_at_a_word():
    assert summary("Runner. Has pain.") == "Runner"
    assert summary(None) == "(no notes)"
    cut = summary("word " * 40, width=30)
    assert len(cut) <= 30 and cut.endswith("…") and not cut.endswith(" …")


def test_cases_show_prints_a_case_file_that_diagnoses(tmp_path):
    result = run("cases", "show", "gmin-lateral-classic")
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["case"] == "gmin-lateral-classic"
    copy = tmp_path / "mine.yaml"
    copy.write_text(result.stdout, encoding="utf-8")
    report = json.loads(run("diagnose", str(copy), "-f", "json").stdout)
    assert report["primary_muscle"] == "gluteus_minimus"


def test_cases_show_unknown_id_suggests_and_exits_2():
    result = myotrace("cases", "show", "gmin-lateral-clasic")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "did you mean 'gmin-lateral-classic'" in result.stderr


def test_evaluate_without_a_path_runs_the_shipped_library(tmp_path):
    result = subprocess.run([str(MYOTRACE), "evaluate"], capture_output=True, text=True, cwd=tmp_path,
                            timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(library_paths())} passed, 0 failed" in result.stdout


def test_practice_without_a_path_runs_the_shipped_library(tmp_path):
    result = subprocess.run([str(MYOTRACE), "practice", "--count", "1", "--seed", "1"], input="q\n",
                            capture_output=True, text=True, cwd=tmp_path, timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no case files" not in result.stderr and "Case 1" in result.stdout


# ---- evaluate --jobs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_library(tmp_path_factory) -> Path:
    """The library, plus a case that fails and one without expect: four chunks of 32 cases or
    fewer, so two workers each take several and finish in either order."""
    folder = tmp_path_factory.mktemp("mixed")
    for path in library_paths():
        (folder / f"0-{path.name}").write_bytes(path.read_bytes())
    classic = yaml.safe_load((LIBRARY / "gmin-lateral-classic.yaml").read_text(encoding="utf-8"))
    (folder / "1-plain.yaml").write_text(yaml.safe_dump({k: v for k, v in classic.items() if k != "expect"}))
    wrong = {**classic, "case": "wrong", "expect": {"triage": "emergency"}}
    (folder / "1-wrong.yaml").write_text(yaml.safe_dump(wrong))
    return folder


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_evaluate_jobs_output_is_byte_identical_to_a_serial_run(mixed_library, fmt):
    """Two worker processes (the console script) print what one runs in process (--jobs 1)."""
    serial = run("evaluate", str(mixed_library), "-f", fmt, "--jobs", "1")
    parallel = myotrace("evaluate", str(mixed_library), "-f", fmt, "--jobs", "2")
    assert serial.returncode == parallel.returncode == 1, serial.stderr + parallel.stderr
    assert serial.stdout == parallel.stdout
    assert "FAIL" in serial.stdout.upper()
    if fmt == "text":
        assert "without expect" in parallel.stdout
    if fmt == "json":
        document = json.loads(serial.stdout)
        assert serial.stdout == json.dumps(document, indent=2) + "\n"
        assert document["failed"] == 1 and len(document["cases"]) == len(library_paths()) + 2


def test_evaluate_jobs_a_bad_file_leaves_stdout_empty(mixed_library, tmp_path):
    for path in sorted(mixed_library.iterdir())[:80]:  # enough for two workers at 32 cases a chunk
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "zz-bad.yaml").write_text("findings: {ober_positive: maybe}\n")
    result = myotrace("evaluate", str(tmp_path), "--jobs", "2")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and "zz-bad.yaml" in result.stderr
    assert "Traceback" not in result.stderr
