"""The interview state machine (expert/interview.py): order, answers, why/how, back,
session files, and agreement with `diagnose` for every case in cases/."""
import functools
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from myotrace.expert.casefile import case_paths, load_case
from myotrace.expert.engine import get_engine, rule_catalogue
from myotrace.expert.errors import InputError
from myotrace.expert.interview.session import (
    ASKABLE, GOALS, PAIN_MAP, PALPATE, Interview, Session, Step, answer_from_case,
)
from myotrace.expert.interview.store import case_yaml, load_session, save_session
from myotrace.expert.interview.parsing import keys_for, parse_checklist, parse_regions
from myotrace.expert.report import build_report
from myotrace.facts.vocabulary import CAUDA_EQUINA_FLAGS, FINDINGS, MUSCLES, NERVE_SCREEN, RED_FLAGS, REGIONS
from profiles import at_most

ROOT = Path(__file__).resolve().parent.parent
CASES = case_paths([ROOT / "cases"])
CLASSIC_PAIN = ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"]
NO_FLAGS = {flag: False for flag in RED_FLAGS}
NO_NERVE_SIGNS = {sign: False for sign in NERVE_SCREEN}


def conclusion(report):
    return (report.triage, report.primary_muscle, list(report.chain),
            [list(chain) for chain in report.secondary_chains])


@functools.cache
def replay_file(path):
    return replay(load_case(path))


def replay(case):
    """A simulated patient answering from the case file until the interview stops."""
    interview = Interview()
    asked = []
    while (prompt := interview.next_prompt()) is not None:
        asked.append(prompt.item)
        interview.answer(answer_from_case(case, prompt))
    return interview, asked


def screened(pain=CLASSIC_PAIN):
    """Red flags, pain map and nerve screen answered, all negative: the engine's questions come next."""
    interview = Interview()
    interview.answer(dict(NO_FLAGS))
    interview.answer(list(pain))
    interview.answer(dict(NO_NERVE_SIGNS))
    return interview


# ---- agreement with diagnose ----------------------------------------------------
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_simulated_patient_agrees_with_diagnose(path):
    case = load_case(path)
    interview, asked = replay_file(path)
    full = build_report(get_engine().consult(case), case)
    assert conclusion(interview.report) == conclusion(full), f"asked {asked}"
    assert len(asked) == len(set(asked)), "an item was asked twice"


def test_the_library_is_there():
    assert CASES, "no case files in cases/"


def test_mean_questions_stay_below_the_askable_items():
    """Efficiency guard: each screen as one prompt, at most half of the 45 items."""
    counts = [replay_file(path)[0].counts() for path in CASES]
    mean_prompts = sum(c["prompts"] for c in counts) / len(counts)
    assert len(ASKABLE) == 45  # 36 findings (sexual_dysfunction, bilateral_sciatica added) + 9 palpations
    assert mean_prompts <= len(ASKABLE) / 2


# ---- order: red flags, pain map, then the engine's questions --------------------
def test_red_flag_screen_comes_first_as_one_checklist():
    prompt = Interview().next_prompt()
    assert prompt.kind == "red_flag_screen"
    assert prompt.items == RED_FLAGS
    assert all(q["kind"] == "red_flag" for q in prompt.questions)


def test_pain_map_comes_second_then_the_engine_orders():
    interview = Interview()
    interview.answer(dict(NO_FLAGS))
    assert interview.next_prompt().kind == "pain_map"
    interview.answer(CLASSIC_PAIN)
    prompt = interview.next_prompt()
    assert prompt.kind == "nerve_screen", "the nerve screen comes third, as one checklist"
    assert prompt.items == tuple(q["item"] for q in interview.decisive if q["item"] in NERVE_SCREEN)
    assert set(prompt.items) == set(NERVE_SCREEN)
    interview.answer(dict(NO_NERVE_SIGNS))
    prompt = interview.next_prompt()
    assert prompt.kind == "question"
    assert prompt.item == interview.decisive[0]["item"]
    priorities = [q["priority"] for q in interview.pending]
    assert priorities == sorted(priorities, reverse=True)


@pytest.mark.parametrize("flag", [f for f in RED_FLAGS if f != "cancer_history"])
def test_any_red_flag_ends_the_interview_at_once(flag):
    interview = Interview()
    interview.answer({**NO_FLAGS, flag: True})
    assert interview.status == "red_flag"
    assert interview.next_prompt() is None
    report = interview.report
    assert report.triage == ("emergency" if flag in CAUDA_EQUINA_FLAGS else "urgent_referral")
    assert report.advice, "the emergency or referral advice is shown"
    assert report.chain == []


@pytest.mark.parametrize("deficit, triage", [(None, "urgent_referral"), ("myotomal_weakness", "emergency"),
                                             ("dermatomal_numbness", "emergency")])
def test_a_cancer_history_asks_the_deficit_signs_before_it_ends(deficit, triage):
    interview = Interview()
    interview.answer({**NO_FLAGS, "cancer_history": True})
    prompt = interview.next_prompt()
    assert prompt.kind == "nerve_screen"
    assert set(prompt.items) == {"myotomal_weakness", "dermatomal_numbness", "reflex_reduced"}
    interview.answer({sign: sign == deficit for sign in prompt.items})
    assert interview.status == "red_flag" and interview.next_prompt() is None
    assert interview.report.triage == triage


def test_checklist_must_answer_every_item():
    interview = Interview()
    with pytest.raises(ValueError):
        interview.answer({"fever": False})


def test_stops_when_no_question_can_change_the_conclusion_and_can_go_on():
    interview, _ = replay(load_case(ROOT / "cases" / "gmin-lateral-classic.yaml"))
    assert interview.status == "settled"
    assert interview.settled and all(q["kind"] == "condition" for q in interview.pending)
    before = conclusion(interview.report)
    interview.go_on()
    prompt = interview.next_prompt()
    assert prompt is not None and prompt.optional
    for _ in range(len(interview.optional_items())):
        interview.answer("unknown")
    assert interview.status == "exhausted" and interview.next_prompt() is None
    assert conclusion(interview.report) == before


# ---- answers --------------------------------------------------------------------
def test_unknown_is_never_asked_again():
    interview = screened()
    first = interview.next_prompt().item
    interview.answer("unknown")
    asked = {first}
    while (prompt := interview.next_prompt()) is not None:
        assert prompt.item not in asked
        asked.add(prompt.item)
        interview.answer("unknown")


def test_palpation_answers_go_to_the_case_and_unknown_to_the_session():
    interview = screened()
    for value in (True, False, "unknown"):
        while not interview.next_prompt().item.startswith(PALPATE):
            interview.answer("unknown")
        interview.answer(value)
    palpations = [s for s in interview.session.answers if s.item.startswith(PALPATE)]
    tender, non_tender, unknown = (s.item.removeprefix(PALPATE) for s in palpations)
    assert interview.case.tender_points == [tender]
    assert interview.case.non_tender == [non_tender]
    assert interview.session.unpalpable == [unknown]
    assert unknown not in interview.case.tender_points + interview.case.non_tender


def test_back_changes_the_previous_answer_and_rederives():
    interview = screened()
    snapshot = (interview.next_prompt(), conclusion(interview.report), interview.session.model_dump())
    item = snapshot[0].item
    interview.answer(True if item.startswith(PALPATE) else False)
    undone = interview.back()
    assert undone.item == item
    assert (interview.next_prompt(), conclusion(interview.report), interview.session.model_dump()) == snapshot


def test_back_out_of_a_red_flag():
    interview = Interview()
    interview.answer({**NO_FLAGS, "saddle_anesthesia": True})
    assert interview.status == "red_flag"
    interview.back()
    assert interview.next_prompt().kind == "red_flag_screen"
    assert interview.report.red_flags == []
    assert interview.back() is None


@settings(max_examples=at_most(40))
@given(st.lists(st.sampled_from([True, False, "unknown", "back"]), max_size=25),
       st.lists(st.sampled_from(REGIONS), max_size=6))
def test_any_sequence_of_answers_is_consistent(moves, pain):
    """Never the same item twice; the report is always the one of the answers so far."""
    interview = Interview()
    interview.answer(dict(NO_FLAGS))
    interview.answer(sorted(set(pain), key=REGIONS.index) or "unknown")
    for move in moves:
        if move == "back":
            interview.back()
            continue
        prompt = interview.next_prompt()
        if prompt is None:
            break
        if prompt.kind == "red_flag_screen":
            interview.answer(dict(NO_FLAGS))
        elif prompt.kind == "nerve_screen":
            interview.answer({sign: move for sign in prompt.items})
        elif prompt.kind == "pain_map":
            interview.answer("unknown" if move == "unknown" else ["buttock"])
        else:
            interview.answer(move)
    items = [s.item for s in interview.session.answers]
    assert len(items) == len(set(items))
    case = interview.session.to_case()
    assert conclusion(interview.report) == conclusion(build_report(get_engine().consult(case), case))
    counts = interview.counts()
    assert counts["items"] <= len(ASKABLE) + 1


# ---- why and how ------------------------------------------------------------------
def test_why_climbs_from_the_rule_to_the_goal():
    interview = screened()
    prompt = interview.next_prompt()
    question = prompt.questions[0]
    first = interview.why(1)
    assert first.rule == question["rule"]
    assert question["hypothesis"] in first.detail
    levels = [interview.why(level) for level in range(1, 8)]
    assert [w.level for w in levels] == list(range(1, 8))
    rules = [w.rule for w in levels if w.rule]
    assert len(rules) == len(set(rules)) >= 2, "each why climbs to a different rule"
    goal = next(w for w in levels if w.rule is None)
    assert goal.statement == GOALS[question["goal"]] and goal.top
    assert levels[-1].top


def test_why_at_the_red_flag_screen_names_the_safety_rules():
    interview = Interview()
    assert interview.why(1).rule == "SAF-001"
    assert interview.why(2).rule == "SAF-006"
    assert "safe triage" in interview.why(3).statement


def test_how_groups_the_structured_trace_by_stage():
    interview, _ = replay(load_case(ROOT / "cases" / "gmin-lateral-classic.yaml"))
    groups = interview.how()
    stages = [g.stage for g in groups]
    assert "questions" not in stages
    assert stages[0] == "safety" and "satellites" in stages
    fired = {f.rule for g in groups for f in g.firings}
    assert {"SAT-003", "SAF-004", "SAF-006"} <= fired
    assert all(f.stage == g.stage for g in groups for f in g.firings)


# ---- session files ----------------------------------------------------------------
def test_session_round_trip_is_atomic_and_private(tmp_path):
    interview = screened()
    interview.answer("unknown")
    path = tmp_path / "s.json"
    save_session(interview.session, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"], "no temporary file left behind"
    data = json.loads(path.read_text())
    assert data["format"] == "myotrace-session" and "unpalpable" in data
    again = Interview(load_session(path))
    assert again.session.answers == interview.session.answers
    assert conclusion(again.report) == conclusion(interview.report)
    assert again.next_prompt() == interview.next_prompt()


def test_an_existing_file_becomes_private_when_saved(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{}")
    os.chmod(path, 0o644)
    save_session(Session(), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize("text, message", [
    ("not json", "not a myotrace session"),
    ('{"answers": []}', "not a myotrace session"),
    ('{"format": "myotrace-session", "answers": [{"item": "fever", "value": "yes"}]}', "damaged"),
    ('{"format": "myotrace-session", "answers": [{"item": "pain_map", "value": ["knee"]}]}', "damaged"),
    ('{"format": "myotrace-session", "answers": [{"item": "palpate:ql", "value": true}]}', "damaged"),
])
def test_bad_session_files_are_input_errors(tmp_path, text, message):
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_session(path)
    with pytest.raises(InputError, match="no such session"):
        load_session(tmp_path / "missing.json")


def test_export_is_a_case_file_that_diagnose_accepts(tmp_path):
    interview, _ = replay(load_case(ROOT / "cases" / "gmin-lateral-classic.yaml"))
    path = tmp_path / "case.yaml"
    path.write_text(case_yaml(interview.case, ["hamstrings"], "from a test"))
    case = load_case(path)
    assert case.pain == CLASSIC_PAIN
    assert "hamstrings" in case.notes
    assert conclusion(build_report(get_engine().consult(case), case)) == conclusion(interview.report)


def test_steps_are_validated():
    with pytest.raises(ValueError):
        Step(item="fever", value=["buttock"])
    with pytest.raises(ValueError):
        Step(item="no_such_finding", value=True)
    assert Step(item=PAIN_MAP, value="unknown").value == "unknown"


# ---- what is typed ------------------------------------------------------------------
def test_parse_checklist():
    items = RED_FLAGS
    assert parse_checklist("none", items) == NO_FLAGS
    assert parse_checklist("3, 7", items) == {**NO_FLAGS, items[2]: True, items[6]: True}
    assert parse_checklist("none u6", items) == {**NO_FLAGS, items[5]: "unknown"}
    assert parse_checklist("2-3", items)[items[1]] is True
    assert set(parse_checklist("u", items).values()) == {"unknown"}
    for bad in ("", "u6", "14", "none 3", "3 u3", "fever"):
        with pytest.raises(ValueError):
            parse_checklist(bad, items)


def test_parse_regions():
    assert parse_regions("9 3 7-8") == ["buttock", "lateral_thigh", "posterior_thigh", "lateral_knee"]
    assert parse_regions("lateral_calf sole") == ["lateral_calf", "sole"]
    assert parse_regions("lateral-ank") == ["lateral_ankle"]
    assert parse_regions("unknown") == "unknown"
    for bad in ("lateral", "16", "kneee", "0"):
        with pytest.raises(ValueError):
            parse_regions(bad)


def test_keys_for_inverts_parsing():
    interview = Interview()
    prompt = interview.next_prompt()
    value = {**NO_FLAGS, "fever": True, "cancer_history": "unknown"}
    assert parse_checklist(keys_for(prompt, value), prompt.items) == value
    interview.answer(dict(NO_FLAGS))
    prompt = interview.next_prompt()
    assert parse_regions(keys_for(prompt, CLASSIC_PAIN)) == CLASSIC_PAIN


def test_every_askable_item_has_a_question_text():
    kb = get_engine().kb
    assert set(FINDINGS) <= set(kb.findings)
    assert all(kb.name(m) for m in MUSCLES)
