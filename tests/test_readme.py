"""The README tells the truth: its two set-up commands are the ones CI runs, its example output
is what `diagnose` prints, its example case is the library's, and it links nothing that does
not ship.

The README's commands run in process (tests/clirun.py: what the console script prints, in a
terminal of 80 columns); the console script itself is run in test_packaging.py and
test_cli_polish.py."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from clirun import run

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_the_two_set_up_commands():
    diagnose, tests = blocks("sh")[:2]
    assert diagnose.strip() == ("python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' "
                                "&& .venv/bin/myotrace diagnose cases/gmin-lateral-classic.yaml")
    assert (ROOT / "cases" / "gmin-lateral-classic.yaml").is_file()
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert ci[-1] == tests.strip()  # .ci/run ends with exactly the README's test command


def stub(path: Path, body: str = "") -> None:
    """A command that logs ``name args|CI|DEBIAN_FRONTEND``, then runs ``body``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{path.name} $*|$CI|$DEBIAN_FRONTEND" >> "$LOG"\n{body}\n')
    path.chmod(0o755)


def run_ci(tmp_path: Path, *, browser: bool, uid: int = 0, ci: str | None = None) -> list[tuple[str, str, str]]:
    """.ci/run in a copy of the repository, each command it runs replaced by a stub that logs it;
    returns (command, CI, DEBIAN_FRONTEND) for each call, in order."""
    repo, bin_ = tmp_path / "repo", tmp_path / "bin"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci" / "run", repo / ".ci" / "run")
    bin_.mkdir()
    for tool in ("dirname", "mkdir", "chmod", "cp"):
        (bin_ / tool).symlink_to(shutil.which(tool))
    if browser:
        stub(bin_ / "chromium")
        stub(bin_ / "chromedriver")
    stub(bin_ / "id", f"echo {uid}")
    stub(bin_ / "sudo", '"$@"')
    stub(bin_ / "apt-get")
    stub(tmp_path / "venv-bin" / "pip")
    stub(tmp_path / "venv-bin" / "python")
    stub(bin_ / "python3", f'mkdir -p .venv && cp -r {tmp_path / "venv-bin"} .venv/bin')
    log = tmp_path / "log"
    env = {"PATH": str(bin_), "LOG": str(log)}
    if ci is not None:
        env["CI"] = ci
    result = subprocess.run(["/bin/bash", str(repo / ".ci" / "run")], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return [tuple(line.split("|")) for line in log.read_text().splitlines()]


def test_ci_with_the_browser_installed_runs_exactly_the_readme_command(tmp_path):
    calls = [command for command, _, _ in run_ci(tmp_path, browser=True) if not command.startswith("id ")]
    assert calls == ["python3 -m venv .venv", "pip install -q -e .[test]", "python -m pytest"]
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_ci_without_the_browser_installs_it_first_without_questions(tmp_path):
    calls = run_ci(tmp_path, browser=False)
    assert [c for c in calls if not c[0].startswith("id ")] == [
        ("apt-get update -q", "true", "noninteractive"),
        ("apt-get install -y -q --no-install-recommends chromium chromium-driver", "true", "noninteractive"),
        ("python3 -m venv .venv", "true", "noninteractive"), ("pip install -q -e .[test]", "true", "noninteractive"),
        ("python -m pytest", "true", "noninteractive")]


def test_ci_uses_sudo_only_when_not_root_and_keeps_a_ci_value_given(tmp_path):
    calls = [command for command, ci, _ in run_ci(tmp_path, browser=False, uid=1000, ci="1") if ci == "1"]
    assert [c for c in calls if c.startswith(("sudo", "apt-get"))] == [
        "sudo apt-get update -q", "apt-get update -q",
        "sudo apt-get install -y -q --no-install-recommends chromium chromium-driver",
        "apt-get install -y -q --no-install-recommends chromium chromium-driver"]
    assert calls[-1] == "python -m pytest"


def test_the_example_output_is_what_diagnose_prints():
    [shown] = blocks("text")
    result = run("diagnose", ROOT / "cases" / "gmin-lateral-classic.yaml", columns=80)
    assert result.returncode == 0, result.stderr
    actual = [line.rstrip() for line in result.stdout.splitlines()]
    position = 0
    for line in (line.rstrip() for line in shown.splitlines()):
        if line in ("", "…"):
            continue
        assert line in actual[position:], f"README shows a line diagnose does not print: {line!r}"
        position = actual.index(line, position) + 1


def test_the_example_case_is_the_library_case():
    first = yaml.safe_load(blocks("yaml")[0])
    library = yaml.safe_load((ROOT / "cases" / "gmin-lateral-classic.yaml").read_text(encoding="utf-8"))
    assert first == {key: value for key, value in library.items() if key not in ("notes", "expect")}


def test_the_case_format_block_names_only_contract_keys():
    keys = set(yaml.safe_load(blocks("yaml")[1]))
    assert keys == {"case", "side", "pain", "findings", "tender_points", "non_tender", "notes", "screened", "history",
                    "expect"}


def test_no_links_to_files_that_do_not_ship():
    targets = re.findall(r"\]\(([^)]+)\)", README)
    assert all(target.startswith(("http://", "https://", "#")) for target in targets), targets


def test_statement_and_jargon():
    assert "Not medical advice" in README and "trained clinicians" in README and "teaching" in README
    for word in ("Trigger point", "Key muscle / satellite", "Certainty factor", "Ober's sign"):
        assert f"**{word}" in README, word
    for command in ("myotrace cases", "myotrace explain", "myotrace practice", "myotrace evaluate",
                    "myotrace rules", "myotrace interview", "myotrace serve", "references.yaml",
                    "Exit codes", "myotrace-session-"):
        assert command in README, command


def test_the_claims_register_example_prints_what_the_readme_says():
    [example] = [block for block in blocks("sh") if "kb claims" in block]
    command = example.strip().split(" > ")[0].split()
    assert command[:3] == ["myotrace", "kb", "claims"]
    result = run(*command[1:])
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0]
    assert header == "id,kind,claim,sources,level,low authority"
    levels = re.search(r"\(systematic review, [^)]*\)", README).group(0)
    for level in ("systematic review", "randomised trial", "diagnostic accuracy or cohort study",
                  "case series or case", "expert text", "judgement"):
        assert level in " ".join(levels.split()), level
