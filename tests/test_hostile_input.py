"""Hostile input to the case and session loaders (issue 10, "Input").

Every bad file gives one line on stderr starting with ``error:``, exit code 2,
no traceback, and is never read past the 1 MiB limit; the session loader is
as strict as the case loader.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import one_error_line, run as run_in_process
from myotrace.expert.casefile import MAX_BYTES, load_case
from myotrace.expert.errors import InputError
from myotrace.expert.interview.store import load_session

MYOTRACE = Path(sys.executable).parent / "myotrace"
ROOT = Path(__file__).resolve().parent.parent
HUGE = "7" * 5000  # over CPython's 4,300-digit limit for int(str)


def run_process(*args: str, timeout: float = 30, **kwargs) -> subprocess.CompletedProcess:
    """The console script: for the files that could block a reader, so a hang is a timeout."""
    return subprocess.run([str(MYOTRACE), *args], capture_output=True, text=True, timeout=timeout,
                          check=False, **kwargs)


def run(*args: str, input: str | None = None):
    """In process (tests/clirun.py): the same exit code and output as the console script."""
    return run_in_process(*args, stdin=input)


def session_text(**changes) -> str:
    data = {"format": "myotrace-session", "version": 1, "case": "s", "side": None, "created": "",
            "updated": "", "answers": [{"item": "red_flags", "value": {"fever": False}}],
            "go_on": False, "stopped": False}
    data.update(changes)
    return json.dumps(data)


# ---- numbers of more than 4,300 digits ---------------------------------------------------
@pytest.mark.parametrize(("name", "text"), [
    ("big.yaml", f"pain: [buttock]\nnotes: {HUGE}\n"),
    ("bigkey.yaml", f"pain: [buttock]\n? {HUGE}\n: 1\n"),
    ("big.json", f'{{"pain": ["buttock"], "notes": {HUGE}}}'),
    ("bignested.json", f'{{"findings": {{"fever": [[{HUGE}]]}}}}'),
])
def test_a_huge_integer_in_a_case_file_is_one_line(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    message = one_error_line(run("diagnose", str(path)))
    assert name in message and "digits" in message
    with pytest.raises(InputError):
        load_case(path)


def test_a_huge_integer_in_a_session_file_is_one_line(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(session_text().replace('"version": 1', f'"version": {HUGE}'))
    message = one_error_line(run("interview", "--resume", str(path), input=""))
    assert "digits" in message
    with pytest.raises(InputError):
        load_session(path)


# ---- non-regular files: never block, never read past the limit ------------------------------
def special_files(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    return {"/dev/zero": Path("/dev/zero"), "fifo": fifo, "directory": folder,
            "symlink to /dev/zero": _link(tmp_path / "zero.yaml", "/dev/zero")}


def _link(path: Path, target: str) -> Path:
    path.symlink_to(target)
    return path


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "directory", "symlink to /dev/zero"])
def test_a_non_regular_case_file_is_refused_at_once(tmp_path, kind):
    path = special_files(tmp_path)[kind]
    message = one_error_line(run_process("diagnose", str(path), timeout=20))
    assert str(path) in message
    assert "directory" in message if kind == "directory" else "not a regular file" in message


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "directory", "symlink to /dev/zero"])
def test_a_non_regular_session_file_is_refused_at_once(tmp_path, kind):
    path = special_files(tmp_path)[kind]
    message = one_error_line(run_process("interview", "--resume", str(path), input="", timeout=20))
    assert str(path) in message


def test_a_file_that_grows_past_its_stat_size_is_read_only_to_the_limit(tmp_path, monkeypatch):
    """st_size is not trusted: the reader stops at the limit whatever the size said."""
    path = tmp_path / "grows.yaml"
    path.write_text("pain: [buttock]\n")
    real_fstat = os.fstat

    class Small:
        def __init__(self, real):
            self._real = real

        def __getattr__(self, name):
            return 10 if name == "st_size" else getattr(self._real, name)

    path.write_text("pain: [buttock]\nnotes: '" + "x" * (MAX_BYTES + 10) + "'\n")
    monkeypatch.setattr(os, "fstat", lambda fd: Small(real_fstat(fd)))
    monkeypatch.setattr(os, "stat", lambda p, **kw: Small(os.lstat(p)))
    with pytest.raises(InputError, match="1 MiB"):
        load_case(path)


# ---- a deep session file, and a strict session loader -------------------------------------
def test_a_deeply_nested_session_file_is_one_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"format": "myotrace-session", "answers": ' + "[" * 10_000 + "]" * 10_000 + "}")
    message = one_error_line(run("interview", "--resume", str(path), input=""))
    assert "nested" in message


@pytest.mark.parametrize(("text", "words"), [
    pytest.param(session_text().replace('"go_on": false', '"go_on": "yes"'), ["go_on"], id="go_on yes"),
    pytest.param(session_text().replace('"stopped": false', '"stopped": 1'), ["stopped"], id="stopped 1"),
    pytest.param(session_text().replace('"case": "s"', '"case": "s", "case": "t"'), ["case", "twice"],
                 id="repeated key"),
    pytest.param(session_text().replace('{"fever": false}', '{"fever": false, "fever": true}'),
                 ["fever", "twice"], id="repeated red flag"),
    pytest.param(session_text().replace('"version": 1', '"version": true'), ["version"], id="version true"),
    pytest.param(session_text().replace('"case": "s"', '"case": 5'), ["case"], id="case a number"),
])
def test_the_session_loader_is_as_strict_as_the_case_loader(tmp_path, text, words):
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_session(path)
    for word in words:
        assert word in str(caught.value)
    one_error_line(run("interview", "--resume", str(path), input=""))


def test_a_valid_session_still_loads(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(session_text())
    assert load_session(path).answers[0].value == {"fever": False}


@pytest.mark.parametrize("text", ["", "\xff\xfe", "null", "[]", '{"format": "myotrace-session", "x": NaN}'])
def test_broken_session_files_are_input_errors(tmp_path, text):
    path = tmp_path / "s.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError):
        load_session(path)


# ---- lone surrogates are replaced on load, so no output can fail on them ----------------------
def test_a_lone_surrogate_in_a_case_file_is_kept_printable(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"case": "a\\ud800b", "notes": "n\\udfff", "pain": ["buttock"]}')
    case = load_case(path)
    assert case.case == "a\ufffdb" and case.notes == "n\ufffd"


def test_a_lone_surrogate_in_a_session_file_is_kept_printable(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(session_text(case="x\ud800y"))
    assert load_session(path).case == "x\ufffdy"


def test_an_undecodable_file_name_gives_a_printable_case_id(tmp_path):
    name = os.fsdecode(b"caf\xe9.yaml")  # Latin-1 bytes: a surrogate escape in the str
    path = tmp_path / name
    path.write_text("pain: [buttock]\n")
    assert load_case(path).case == "caf\ufffd"
