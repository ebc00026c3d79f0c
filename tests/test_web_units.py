"""`myotrace serve` pieces without HTTP: the web stack stays out of every other command, the chart's
legs, the store's file and transactions, and changing an earlier answer."""
import os
import re
import stat
import subprocess
import sys

import pytest

from myotrace.expert.interview.session import Interview, Session, Step
from myotrace.facts.vocabulary import REGIONS, RED_FLAGS

WEB_STACK = ("starlette", "jinja2", "uvicorn")


def imported_modules(*args) -> set[str]:
    """Top-level modules a command imports, from python -X importtime."""
    code = "import sys; sys.argv = ['myotrace', *sys.argv[1:]]; from myotrace.cli import main; main()"
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args], capture_output=True, text=True,
                         timeout=120)
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", run.stderr, re.M)
    assert names, run.stderr[-500:]
    return {name.split(".")[0] for name in names}


def test_diagnose_does_not_import_the_web_stack():
    modules = imported_modules("diagnose", "cases/gmin-lateral-classic.yaml", "--format", "json")
    assert "myotrace" in modules
    assert not modules & set(WEB_STACK), modules & set(WEB_STACK)


def test_serve_help_does_not_import_the_web_stack_either():
    assert not imported_modules("serve", "--help") & set(WEB_STACK)


pytest.importorskip("starlette")
from myotrace.expert.web.chart import charts, legs_for, tender_site  # noqa: E402
from myotrace.expert.web.consult import ApiError, Consultations  # noqa: E402
from myotrace.expert.web.store import Store  # noqa: E402


def test_one_chart_per_leg_with_that_side_painted_and_its_own_ids():
    drawn = charts({"right": ["buttock"], "left": ["lateral_calf"]})
    assert list(drawn) == ["right", "left"]
    for leg, svg in drawn.items():
        assert f'data-side="{leg}"' in svg
        assert set(re.findall(r'data-region="([a-z_]+)"', svg)) == set(REGIONS)
    ids = lambda svg: set(re.findall(r'\bid="([^"]+)"', svg))  # noqa: E731
    assert not ids(drawn["left"]) & ids(drawn["right"])  # each leg its own ids


def test_legs_follow_the_side():
    assert legs_for("left") == ("left",) and legs_for("both") == legs_for(None) == ("right", "left")


def test_tender_site_marks_the_muscle_without_calling_it_primary():
    svg = next(iter(tender_site(["buttock"], "gluteus_minimus", "right").values()))
    assert 'data-muscle="gluteus_minimus"' in svg and "(primary)" not in svg


def test_store_file_is_private_and_a_failed_change_is_rolled_back(tmp_path):
    store = Store(tmp_path / "deep" / "c.db")
    assert stat.S_IMODE(os.stat(tmp_path / "deep" / "c.db").st_mode) == 0o600
    record = store.create(Session(case="x"), "insufficient_evidence")
    with pytest.raises(RuntimeError):
        with store.change(record.id) as loaded:
            loaded.session.answers.append(Step(item="limp", value=True))
            raise RuntimeError("half-way")
    again = store.get(record.id)
    assert again.session.answers == [] and again.version == 1


def test_the_web_changes_an_earlier_answer_as_the_terminal_does(tmp_path):
    """The web's change is Interview.edit: later answers kept, one flag of a screen may change alone,
    and going on past a settled conclusion ends when the change reopens it."""
    service = Consultations(Store(tmp_path / "c.db"))
    cid = service.create({})["id"]
    flags = {flag: False for flag in service.show(cid)["next"]["choices"]}
    service.answer(cid, {"item": "red_flags", "value": flags})
    service.answer(cid, {"item": "pain_map", "value": ["buttock", "lateral_thigh"]})
    before = service.show(cid)["answers"]
    service.edit(cid, {"item": "pain_map", "value": ["lateral_calf"]})
    after = service.show(cid)["answers"]
    assert [s["item"] for s in after] == [s["item"] for s in before]
    assert after[1]["value"] == ["lateral_calf"]
    state = service.edit(cid, {"item": "red_flags", "value": {RED_FLAGS[0]: True}})  # one flag alone
    answers = service.show(cid)["answers"]
    assert answers[0]["value"] == {**flags, RED_FLAGS[0]: True}
    assert state["next"] is None or state["next"]["item"] != "red_flags"
    with pytest.raises(ApiError) as refused:
        service.edit(cid, {"item": "limp", "value": True})
    assert refused.value.status == 422 and "not been answered" in refused.value.message


def test_a_change_that_reopens_the_conclusion_ends_going_on():
    interview = Interview()
    interview.session.go_on = True
    interview.answer({flag: False for flag in interview.next_prompt().items})
    interview.answer(["buttock"])
    interview.edit("pain_map", ["buttock", "lateral_thigh"])
    assert interview.session.go_on is interview.settled


def test_one_prompt_constructor_for_changing_and_replaying():
    interview = Interview()
    interview.answer({flag: False for flag in interview.next_prompt().items})
    screen = interview.prompt_for("red_flags")
    assert screen.kind == "red_flag_screen" and set(screen.items) == set(interview.session.answers[0].value)
    assert interview.prompt_for(RED_FLAGS[0]).items == (RED_FLAGS[0],)
    assert interview.prompt_for(1) == screen
    with pytest.raises(ValueError):
        interview.prompt_for("pain_map")


def test_serve_on_a_taken_port_is_one_line_and_exit_2(tmp_path):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-c", "from myotrace.cli import main; main()", "serve", "--port",
                              str(port), "--db", str(tmp_path / "c.db")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and f"127.0.0.1:{port}" in run.stderr and "--port" in run.stderr
    assert "Traceback" not in run.stderr
