"""diagnose's start-up and the garbage collector: off while the engine is built and frozen afterwards
in a process of its own; a caller that runs the app in its own process keeps its collector as it is."""
import gc
import json
from pathlib import Path

import pytest

from clirun import run
from myotrace.expert import start_up

CASE = Path(__file__).resolve().parent.parent / "cases" / "gmin-lateral-classic.yaml"


def test_an_embedding_caller_keeps_its_collector():
    frozen = gc.get_freeze_count()
    ran = run("diagnose", CASE, "--format", "json")
    assert ran.returncode == 0 and json.loads(ran.stdout)["primary_muscle"] == "gluteus_minimus"
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


@pytest.fixture
def one_shot(monkeypatch):
    monkeypatch.setattr(start_up, "_own_process", True)
    yield
    gc.unfreeze()  # give this test process its objects back


def test_a_process_of_its_own_freezes_what_start_up_made_and_collects_again(one_shot):
    seen = []

    def watch(phase, info):
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(watch)
    try:
        with start_up.start_up():
            assert not gc.isenabled()
            garbage = [[] for _ in range(50_000)]  # enough new objects to start several collections
            del garbage
        assert seen == []
    finally:
        gc.callbacks.remove(watch)
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_a_bad_case_file_still_leaves_the_collector_on(one_shot, tmp_path):
    ran = run("diagnose", tmp_path / "missing.yaml")
    assert ran.returncode == 2 and "no such file" in ran.stderr
    assert gc.isenabled()
