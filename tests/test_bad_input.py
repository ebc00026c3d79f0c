"""Bad case files through the command line (the case-file format and the commands' exit codes).

Every one must give exactly one line on stderr starting with ``error:``, exit
code 2, nothing on stdout, and no traceback. They run in process (tests/clirun.py),
which gave the console script's exit code and output byte for byte on all 37 bad files
when they were moved; one test still compares the two, and the YAML tag test runs the
real console script.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import run
from myotrace.expert.casefile import MAX_BYTES, load_case
from myotrace.expert.errors import InputError

MYOTRACE = Path(sys.executable).parent / "myotrace"


def run_process(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(MYOTRACE), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60, check=False)


def one_error_line(result) -> str:
    """Assert the bad-input shape and return the message."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {result.stderr!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert len(lines[0]) < 1000, f"message too long ({len(lines[0])} chars)"
    return lines[0]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# (file name, content, words the message must contain)
BAD_CASES = [
    pytest.param("region.yaml", "pain: [buttock, lateral_thig]\n",
                 ["lateral_thig", "pain region", "did you mean 'lateral_thigh'", "sole"], id="unknown region"),
    pytest.param("finding.yaml", "pain: [buttock]\nfindings: {ober_positve: true}\n",
                 ["ober_positve", "finding", "did you mean 'ober_positive'"], id="unknown finding"),
    pytest.param("muscle.yaml", "pain: [buttock]\ntender_points: [gluteus_minimum]\n",
                 ["gluteus_minimum", "muscle", "did you mean 'gluteus_minimus'", "hamstrings"], id="unknown tender muscle"),
    pytest.param("nontender.yaml", "pain: [buttock]\nnon_tender: [piriform]\n",
                 ["piriform", "non_tender", "did you mean 'piriformis'"], id="unknown non-tender muscle"),
    pytest.param("key.yaml", "pian: [buttock]\n",
                 ["pian", "did you mean 'pain'"], id="unknown key"),
    pytest.param("expect.yaml", "pain: [buttock]\nexpect: {triage: treatment}\n",
                 ["treatment", "triage", "did you mean 'treat'"], id="unknown triage in expect"),
    pytest.param("expectkey.yaml", "pain: [buttock]\nexpect: {primary: gluteus_minimus}\n",
                 ["primary", "did you mean 'primary_muscle'"], id="unknown key in expect"),
    pytest.param("side.yaml", "side: middle\npain: [buttock]\n",
                 ["middle", "left", "right"], id="unknown side"),
    pytest.param("yesish.yaml", "pain: [buttock]\nfindings: {ober_positive: yes-ish}\n",
                 ["ober_positive", "yes-ish", "true, false or unknown"], id="value yes-ish"),
    pytest.param("listvalue.yaml", "pain: [buttock]\nfindings: {ober_positive: [true]}\n",
                 ["ober_positive", "true, false or unknown"], id="value is a list"),
    pytest.param("number.yaml", "pain: [buttock]\nfindings: {ober_positive: 1}\n",
                 ["ober_positive", "true, false or unknown"], id="value is a number"),
    pytest.param("null.yaml", "pain: [buttock]\nfindings: {ober_positive: }\n",
                 ["ober_positive", "true, false or unknown"], id="value is null"),
    pytest.param("painstr.yaml", "pain: buttock\n", ["pain", "list"], id="pain not a list"),
    pytest.param("findingslist.yaml", "findings: [ober_positive]\n", ["findings", "dictionary"], id="findings a list"),
    pytest.param("both.yaml", "pain: [buttock]\ntender_points: [piriformis]\nnon_tender: [piriformis]\n",
                 ["piriformis", "tender", "non-tender"], id="tender and non-tender"),
    pytest.param("broken.yaml", "pain: [buttock\nfindings: {fever: true}\n", ["not valid YAML", "line"], id="broken YAML"),
    pytest.param("tabs.yaml", "findings:\n\tfever: true\n", ["not valid YAML", "tabs"], id="tab indentation"),
    pytest.param("twodocs.yaml", "pain: [buttock]\n---\npain: [sole]\n", ["single document"], id="two YAML documents"),
    pytest.param("empty.yaml", "", ["empty"], id="empty file"),
    pytest.param("blank.yaml", "  \n\n", ["empty"], id="blank file"),
    pytest.param("list.yaml", "- pain: [buttock]\n", ["mapping", "list"], id="top-level list"),
    pytest.param("scalar.yaml", "42\n", ["mapping", "int"], id="top-level number"),
    pytest.param("dupkey.yaml", "findings:\n  saddle_anesthesia: true\nfindings:\n  ober_positive: true\npain: [buttock]\n",
                 ["findings", "twice"], id="repeated key hides a red flag"),
    pytest.param("dupfinding.yaml", "findings:\n  saddle_anesthesia: true\n  saddle_anesthesia: false\n",
                 ["saddle_anesthesia", "twice"], id="repeated finding"),
    pytest.param("alias.yaml", "pain: &p [buttock]\nnon_tender: *p\n", ["alias"], id="YAML alias"),
    pytest.param("binary.yaml", bytes(range(256)) * 8, ["binary"], id="binary file"),
    pytest.param("latin1.yaml", "notes: \"caf\xe9\"\npain: [buttock]\n".encode("latin-1"), ["UTF-8"], id="not UTF-8"),
    pytest.param("bad.json", '{"pain": ["buttock",]}', ["not valid JSON", "line 1"], id="broken JSON"),
    pytest.param("list.json", '["buttock"]', ["mapping", "list"], id="JSON top-level list"),
    pytest.param("region.json", '{"pain": ["buttok"]}', ["buttok", "did you mean 'buttock'"], id="JSON unknown region"),
    pytest.param("string.json", '{"findings": {"fever": "yes"}}', ["fever", "true, false or unknown"], id="JSON string value"),
    pytest.param("dup.json", '{"findings": {"fever": true, "fever": false}}', ["fever", "twice"], id="JSON repeated key"),
    pytest.param("deep.json", '{"pain": ' + "[" * 100_000 + "]" * 100_000 + "}", ["nested"], id="JSON nested too deep"),
    pytest.param("empty.json", "", ["empty"], id="JSON empty"),
    pytest.param("bigint.yaml", "pain: [buttock]\nnotes: " + "9" * 4301 + "\n", ["4300 digits"], id="huge integer"),
    pytest.param("bigint.json", '{"notes": ' + "9" * 4301 + "}", ["4300 digits"], id="JSON huge integer"),
    pytest.param("date.yaml", "pain: [buttock]\nnotes: 2024-13-45\n", ["month"], id="impossible YAML date"),
]


@pytest.mark.parametrize(("name", "content", "words"), BAD_CASES)
def test_bad_case_file(tmp_path, name, content, words):
    path = write(tmp_path, name, content)
    message = one_error_line(run("diagnose", str(path)))
    assert name in message, f"the message should name the file: {message}"
    for word in words:
        assert word in message, f"{word!r} missing from {message!r}"


def test_the_console_script_says_what_runs_in_process(tmp_path):
    path = write(tmp_path, "region.yaml", "pain: [buttock, lateral_thig]\n")
    process, here = run_process("diagnose", str(path)), run("diagnose", str(path))
    assert (process.returncode, process.stdout, process.stderr) == (here.returncode, here.stdout, here.stderr)
    one_error_line(process)


def test_yaml_python_tag_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "hacked"
    path = write(tmp_path, "evil.yaml",
                 f'!!python/object/apply:os.system ["echo hacked; touch {marker}"]\n')
    result = run_process("diagnose", str(path), cwd=tmp_path)  # the console script itself
    message = one_error_line(result)
    assert "tag" in message and "not allowed" in message
    assert "hacked" not in result.stdout
    assert not marker.exists(), "the YAML tag was executed"


def test_yaml_python_tag_inside_a_value_is_refused(tmp_path):
    marker = tmp_path / "hacked"
    path = write(tmp_path, "evil2.yaml", f'pain: !!python/object/apply:os.system ["touch {marker}"]\n')
    one_error_line(run("diagnose", str(path)))
    assert not marker.exists()


def test_billion_laughs_is_refused_quickly(tmp_path):
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    text += "pain: *i\n"
    one_error_line(run("diagnose", str(write(tmp_path, "lol.yaml", text))))


def test_directory(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert "directory" in one_error_line(run("diagnose", str(folder)))


def test_missing_path(tmp_path):
    message = one_error_line(run("diagnose", str(tmp_path / "nowhere.yaml")))
    assert "nowhere.yaml" in message and "no such file" in message


def test_file_over_one_mebibyte(tmp_path):
    path = write(tmp_path, "big.yaml", "pain: [buttock]\nnotes: \"" + "x" * MAX_BYTES + "\"\n")
    message = one_error_line(run("diagnose", str(path)))
    assert "1 MiB" in message


def test_file_just_under_the_limit_is_read(tmp_path):
    body = "pain: [buttock]\nnotes: \"\"\n"
    path = write(tmp_path, "large.yaml", body.replace('""', '"' + "x" * (MAX_BYTES - len(body) - 10) + '"'))
    result = run("diagnose", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["case"] == "large"


def test_one_bad_file_among_good_ones_stops_before_any_report(tmp_path):
    good = write(tmp_path, "good.yaml", "pain: [buttock]\n")
    bad = write(tmp_path, "bad.yaml", "pain: [buttok]\n")
    message = one_error_line(run("diagnose", str(good), str(bad)))
    assert "bad.yaml" in message


def test_evaluate_reports_a_bad_file_in_a_folder(tmp_path):
    write(tmp_path, "good.yaml", "pain: [buttock]\n")
    write(tmp_path, "bad.yaml", "findings: {ober_positive: maybe}\n")
    message = one_error_line(run("evaluate", str(tmp_path)))
    assert "bad.yaml" in message and "ober_positive" in message


def test_evaluate_an_empty_folder(tmp_path):
    assert "no case files" in one_error_line(run("evaluate", str(tmp_path)))


def test_explicit_unknown_answer_is_accepted(tmp_path):
    path = write(tmp_path, "unknown.yaml", "pain: [buttock]\nfindings: {ober_positive: unknown, fever: false}\n")
    result = run("diagnose", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


# ---- the same errors in process (fast, and names the exception) --------------------


@pytest.mark.parametrize(("name", "content", "words"), BAD_CASES)
def test_load_case_raises_input_error(tmp_path, name, content, words):
    with pytest.raises(InputError) as caught:
        load_case(write(tmp_path, name, content))
    assert "\n" not in str(caught.value)
