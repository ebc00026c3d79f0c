"""The README tells the truth: its two set-up commands are the ones CI runs, its example output
is what `diagnose` prints, its example case is the library's, and it links nothing that does
not ship."""
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MYOTRACE = Path(sys.executable).parent / "myotrace"


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


def test_ci_installs_the_browser_only_when_missing():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "command -v chromium" in script and "command -v chromedriver" in script
    assert "DEBIAN_FRONTEND=noninteractive" in script
    assert script.index("apt-get update") < script.index("apt-get install -y")
    assert "chromium chromium-driver" in script
    assert 'CI="${CI:-true}"' in script
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_the_example_output_is_what_diagnose_prints():
    [shown] = blocks("text")
    result = subprocess.run([str(MYOTRACE), "diagnose", str(ROOT / "cases" / "gmin-lateral-classic.yaml")],
                            capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "COLUMNS": "80"})
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
    result = subprocess.run([str(MYOTRACE), *command[1:]], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0]
    assert header == "id,kind,claim,sources,level,low authority"
    levels = re.search(r"\(systematic review, [^)]*\)", README).group(0)
    for level in ("systematic review", "randomised trial", "diagnostic accuracy or cohort study",
                  "case series or case", "expert text", "judgement"):
        assert level in " ".join(levels.split()), level
