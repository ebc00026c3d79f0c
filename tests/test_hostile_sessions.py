"""Sessions under concurrency and failure (issue 10, "Sessions" and "no place to save").

One interview owns a session file at a time; new files are created exclusively;
orphan temporary files are cleaned; a symlink is written through; a save that
fails says so in one line and leaves the previous file intact.
"""
import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clirun import one_error_line, run
from myotrace.cli import app
from myotrace.expert.errors import InputError
from myotrace.expert.interview import store
from myotrace.expert.interview.session import Session
from myotrace.expert.interview.store import claim_session, load_session

MYOTRACE = Path(sys.executable).parent / "myotrace"
runner = CliRunner()


def start_interview(*args: str) -> subprocess.Popen:
    """An interview waiting at its first question (stdin kept open)."""
    return subprocess.Popen([str(MYOTRACE), "interview", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def finish(process: subprocess.Popen, typed: str = "") -> tuple[int, str, str]:
    out, err = process.communicate(typed, timeout=60)
    return process.returncode, out, err


def myotrace(*args: str, typed: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([str(MYOTRACE), *args], input=typed, capture_output=True, text=True,
                          timeout=60, check=False)


def test_a_second_resume_of_a_session_in_use_is_refused(tmp_path):
    path = tmp_path / "s.json"
    first = start_interview("--session", str(path))
    try:
        wait_for(path)
        message = one_error_line(myotrace("interview", "--resume", str(path)))
        assert "in use by another interview" in message
    finally:
        code, out, err = finish(first, "none\nquit\n")
    assert code == 0, err
    assert load_session(path).answers[0].item == "red_flags", "the owner's answer was saved"
    again = myotrace("interview", "--resume", str(path), typed="quit\n")
    assert again.returncode == 0, again.stderr  # free again once the owner has left


def test_two_new_interviews_on_one_session_path_cannot_both_start(tmp_path):
    path = tmp_path / "s.json"
    first = start_interview("--session", str(path))
    try:
        wait_for(path)
        message = one_error_line(myotrace("interview", "--session", str(path)))
        assert "in use by another interview" in message or "already exists" in message
    finally:
        finish(first, "quit\n")
    message = one_error_line(myotrace("interview", "--session", str(path)))
    assert "already exists" in message and "--resume" in message


def test_the_lock_is_held_in_process_and_released(tmp_path):
    path = tmp_path / "s.json"
    session, saved_to, lock = claim_session(path, new=Session(case="a"))
    try:
        with pytest.raises(InputError, match="in use by another interview"):
            claim_session(path)
    finally:
        lock.release()
    _, _, lock = claim_session(path)
    lock.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"], "no lock file left behind"


def test_a_new_session_file_is_created_exclusively(tmp_path, monkeypatch):
    """Even when the path appears after every check (a race), the new file never replaces it."""
    path = tmp_path / "s.json"
    real_open = os.open

    def racing_open(name, flags, *args, **kwargs):
        if str(name) == str(path) and not path.exists():
            path.write_text("the other interview's answers")
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", racing_open)
    with pytest.raises(InputError, match="already exists"):
        claim_session(path, new=Session(case="late"))
    assert path.read_text() == "the other interview's answers"


def test_orphan_temporary_files_of_killed_saves_are_removed_when_a_session_is_opened(tmp_path):
    path = tmp_path / "s.json"
    store.save_session(Session(case="a"), path)
    old = tmp_path / ".s.json.abc123.tmp"
    fresh = tmp_path / ".s.json.fresh99.tmp"
    other = tmp_path / ".other.json.abc123.tmp"
    for orphan in (old, fresh, other):
        orphan.write_text("{half a sess")
    os.utime(old, (time.time() - 3600,) * 2)
    os.utime(other, (time.time() - 3600,) * 2)
    os.utime(fresh, (time.time() + 3600,) * 2)  # newer than this process: maybe a live save
    _, _, lock = claim_session(path)
    lock.release()
    assert not old.exists(), "an orphan of this session was left"
    assert fresh.exists() and other.exists(), "only this session's old temporaries are removed"


def test_resuming_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "real" / "s.json"
    real.parent.mkdir()
    store.save_session(Session(case="linked"), real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = runner.invoke(app, ["interview", "--resume", str(link)], input="none\nquit\n")
    assert result.exit_code == 0, result.output
    assert link.is_symlink(), "the link was replaced by a file"
    assert load_session(real).answers, "the target did not get the answer"


# ---- no place to save -----------------------------------------------------------------------
# In process (tests/clirun.py): the console script's exit code and output, byte for byte, for both.
def test_a_session_in_proc_is_one_line():
    message = one_error_line(run("interview", "--session", "/proc/myotrace-session.json", stdin=""))
    assert "/proc" in message


def test_a_session_in_a_read_only_place_is_one_line(tmp_path):
    """A folder that cannot hold files (a regular file stands where the folder should be)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    message = one_error_line(run("interview", "--session", str(blocker / "s.json"), stdin=""))
    assert "not-a-folder" in message


def test_disk_full_during_an_interview_is_one_line_and_keeps_the_last_save(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    runner.invoke(app, ["interview", "--session", str(path)], input="none\nquit\n", catch_exceptions=False)
    before = path.read_text()
    assert json.loads(before)["answers"]

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = runner.invoke(app, ["interview", "--resume", str(path)], input="1-3\nquit\n")
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert path.read_text() == before, "the previous session file changed"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"], "a temporary file was left behind"


# Run in a fresh interpreter: it holds no thread, so os.fork is safe there (inside pytest, a
# browser or anyio thread may hold a lock the forked child then waits on for ever). For each
# round it forks a child that saves in a loop and writes one byte to a pipe after each save;
# the parent waits for the first byte (so the child has saved at least once and is saving
# again), lets it run 0-4 ms more, kills it with SIGKILL, and keeps a copy of the session file
# and its mode as the kill left them, with the number of saves the child finished.
KILLER = r"""
import json, os, random, select, shutil, signal, sys, time
from pathlib import Path
from myotrace.expert.interview import store
from myotrace.expert.interview.session import Session

path, snapshots, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
sessions = [Session.model_validate(s) for s in json.loads(Path(sys.argv[4]).read_text())]
chance = random.Random(10)
for number in range(rounds):
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        try:
            index = number
            while True:
                store.save_session(sessions[index % len(sessions)], path)
                os.write(write_end, b".")
                index += 1
        finally:
            os._exit(0)
    os.close(write_end)
    if not select.select([read_end], [], [], 30)[0]:
        raise SystemExit("the child never finished a save")
    time.sleep(chance.uniform(0, 0.004))
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    saves = 0
    while chunk := os.read(read_end, 65536):
        saves += len(chunk)
    os.close(read_end)
    shutil.copyfile(path, snapshots / f"{number}.json")
    orphans = len(list(path.parent.glob(f".{path.name}.*.tmp")))
    print(json.dumps({"saves": saves, "mode": os.stat(path).st_mode & 0o777, "orphans": orphans}), flush=True)
"""


def test_two_hundred_kill_9_during_saves_leave_a_valid_private_session(tmp_path, monkeypatch):
    """A save killed at any instant leaves the previous or the next file, whole, mode 0600;
    the temporary files of the killed saves are removed when the session is next opened."""
    from myotrace.expert.interview.session import Interview, answer_from_case
    from myotrace.expert.casefile import load_case

    folder, snapshots = tmp_path / "sessions", tmp_path / "snapshots"
    folder.mkdir()
    snapshots.mkdir()
    path = folder / "s.json"
    shadow = Interview()
    case = load_case(Path(__file__).resolve().parent.parent / "cases" / "gmin-lateral-classic.yaml")
    sessions = []
    while (prompt := shadow.next_prompt()) is not None and len(sessions) < 12:
        shadow.answer(answer_from_case(case, prompt))
        sessions.append(shadow.session.model_copy(deep=True))
    store.save_session(sessions[0], path)
    given = tmp_path / "sessions.json"
    given.write_text(json.dumps([s.model_dump(mode="json") for s in sessions]))
    result = subprocess.run([sys.executable, "-c", KILLER, str(path), str(snapshots), "200", str(given)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    rounds = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rounds) == 200
    for number, round_ in enumerate(rounds):
        assert round_["saves"] >= 1, f"round {number}: killed before its first save"
        loaded = load_session(snapshots / f"{number}.json")
        assert loaded.answers == sessions[len(loaded.answers) - 1].answers, f"round {number}: a torn file"
        assert round_["mode"] == 0o600, f"round {number}: mode {round_['mode']:o}"
    assert rounds[-1]["orphans"] > 0, "no kill landed inside a save: the rounds tested only whole files"
    monkeypatch.setattr(store, "STARTED", time.time() + 1)  # a later process opens the session
    _, _, lock = claim_session(path)
    lock.release()
    assert [p.name for p in folder.iterdir()] == ["s.json"]
