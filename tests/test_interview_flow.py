"""The interview's state machine (issue 12): safety, honest progress, flow, intake, edits, the note."""
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from myotrace.expert.casefile import load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.interview import note
from myotrace.expert.interview.session import (
    PALPATE, Interview, Progress, answer_from_case, identity_warning, references,
)
from myotrace.expert.interview.parsing import clip, parse_checklist, parse_intake, parse_regions
from myotrace.expert.report import build_report
from myotrace.facts.case import History
from myotrace.facts.vocabulary import MUSCLES, NERVE_SCREEN, RED_FLAGS, REGIONS

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = ROOT / "cases" / "gmin-lateral-classic.yaml"
CLASSIC_PAIN = ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"]
NO_FLAGS = {flag: False for flag in RED_FLAGS}
NO_NERVE_SIGNS = {sign: False for sign in NERVE_SCREEN}


def conclusion(report):
    return report.triage, report.primary_muscle, list(report.chain)


def screened(pain=CLASSIC_PAIN, flags=None):
    """Red flags, pain map and the nerve screen answered (no nerve sign)."""
    interview = Interview()
    interview.answer(dict(flags or NO_FLAGS))
    interview.answer(list(pain))
    interview.answer(dict(NO_NERVE_SIGNS))
    return interview


def reply(interview, value):
    """Answer the current prompt with ``value``; a checklist gets it for every item."""
    prompt = interview.next_prompt()
    interview.answer({item: value for item in prompt.items} if prompt.kind.endswith("_screen") else value)


def replay(case, interview=None):
    interview = interview or Interview()
    asked = []
    while (prompt := interview.next_prompt()) is not None:
        asked.append(prompt)
        interview.answer(answer_from_case(case, prompt))
    return interview, asked


# ---- safety -----------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["0", "n", "no", "nil", "0 u6"])
def test_only_the_word_none_clears_the_red_flag_screen(typed):
    with pytest.raises(ValueError, match="`none`"):
        parse_checklist(typed, RED_FLAGS)
    assert parse_checklist("none", RED_FLAGS) == NO_FLAGS


def test_unscreened_red_flags_in_vocabulary_order():
    interview = Interview()
    assert interview.unscreened_red_flags == list(RED_FLAGS), "nothing screened yet"
    interview.answer({**NO_FLAGS, "night_pain_unrelenting": "unknown", "fever": "unknown"})
    assert interview.unscreened_red_flags == ["fever", "night_pain_unrelenting"]


def test_an_unscreened_flag_is_in_the_headline_of_the_result_and_every_note(tmp_path):
    case = load_case(CLASSIC)
    interview, _ = replay(case.model_copy(update={"findings": {**case.findings, **NO_FLAGS, "fever": "unknown"}}))
    assert interview.report.triage == "screen_first", "an unscreened red flag: screen before treating"
    warning = note.screen_warning(interview)
    assert warning.startswith("Red flags not yet screened: fever")
    markdown = note.render(interview, "markdown", "2026-11-30 10:00 UTC")
    head = markdown.split("## ")[0]
    assert "SCREEN FIRST" in head and "Red flags not yet screened: fever" in head
    html = note.render(interview, "html", "today")
    assert html.index("Red flags not yet screened: fever") < html.index("Body chart")
    assert '"unscreened_red_flags": [\n    "fever"\n  ]' in note.render(interview, "json", "today")


def test_no_warning_when_every_flag_was_screened_or_a_flag_is_present():
    interview, _ = replay(load_case(CLASSIC).model_copy(update={"findings": {**NO_FLAGS, **NO_NERVE_SIGNS}}))
    assert interview.unscreened_red_flags == [] and note.screen_warning(interview) is None
    flagged = Interview()
    flagged.answer({**NO_FLAGS, "cancer_history": True, "fever": "unknown"})
    assert flagged.report.triage == "urgent_referral" and note.screen_warning(flagged) is None


def test_insufficient_evidence_keeps_asking_what_can_decide_it_palpation_first():
    interview = screened(pain=["buttock"])
    statuses = set()
    while (prompt := interview.next_prompt()) is not None:
        statuses.add(interview.status)
        interview.answer("unknown")
    assert interview.report.triage == "insufficient_evidence"
    assert interview.status == "undecided" and "settled" not in statuses
    # once the rules have nothing decisive left, palpation of the candidates comes first
    again = screened(pain=["buttock"])
    while again.decisive and not any(q["hypothesis"].startswith("not enough") for q in again.decisive):
        again.answer("unknown")
    deciding = [q for q in again.decisive if q["hypothesis"].startswith("not enough")]
    if deciding:
        first_finding = next((i for i, q in enumerate(deciding) if q["kind"] == "finding"), len(deciding))
        assert all(q["kind"] == "palpation" for q in deciding[:first_finding])


def test_deciding_questions_decide_it():
    """Not enough to go on after the rules' questions: a tender point asked then settles it."""
    interview = screened(pain=["lateral_thigh", "lateral_knee", "lateral_calf"])
    while (prompt := interview.next_prompt()) is not None and interview.report.triage == "insufficient_evidence":
        interview.answer(True if prompt.item == PALPATE + "gluteus_minimus" else "unknown")
    assert interview.report.triage == "treat"
    assert interview.report.primary_muscle == "gluteus_minimus"


def test_without_a_pain_map_nothing_can_decide_it():
    interview = Interview()
    interview.answer(dict(NO_FLAGS))
    interview.answer("unknown")
    while interview.next_prompt() is not None:
        reply(interview, "unknown")
    assert interview.status == "undecided"
    assert not any(q["hypothesis"].startswith("not enough") for q in interview.pending)


# ---- honest progress ----------------------------------------------------------------
def test_progress_counts_the_decisive_questions_and_agrees_with_the_open_list():
    interview = screened()
    for _ in range(4):
        prompt = interview.next_prompt()
        progress = interview.progress(prompt)
        assert progress.number == len(interview.session.answers) + 1
        assert progress.decisive == len(interview.decisive) >= 1
        interview.answer("unknown")
    interview.stop()
    assert interview.next_prompt() is None and interview.status == "stopped"
    assert len(note.open_question_lines(interview)) == len(interview.decisive) == interview.progress().decisive
    assert Progress(6, 10, 0, "decisive").text() == "question 6 · this and about 9 more could change the conclusion"
    assert Progress(1, 18, 0, "decisive", mapped=False).text() == "question 1 · the pain map decides which questions follow"
    assert Progress(6, 1, 0, "decisive").text() == "question 6 · the last one pending that could change the conclusion"
    assert "documenting" in Progress(12, 0, 2, "documentation").text()


def test_each_screen_counts_as_one_question():
    interview = Interview()
    in_nerve_screen = [q for q in interview.decisive if q["kind"] == "nerve" and q["item"] in NERVE_SCREEN]
    assert len(in_nerve_screen) == len(NERVE_SCREEN)
    others = [q for q in interview.decisive if q["kind"] != "red_flag" and q not in in_nerve_screen]
    assert interview.progress().decisive == 1 + 1 + len(others)


# ---- flow ---------------------------------------------------------------------------
def test_crossed_slr_is_asked_after_the_slr_never_before():
    interview = Interview()
    interview.answer(dict(NO_FLAGS))
    interview.answer(list(CLASSIC_PAIN))
    asked = []
    while (prompt := interview.next_prompt()) is not None and prompt.items[0] not in asked:
        asked.extend(prompt.items)
        reply(interview, False)
    assert asked.index("slr_positive") < asked.index("crossed_slr_positive")


def test_the_minimus_classic_history_is_documented_once_it_leads():
    interview = screened(pain=CLASSIC_PAIN + ["lateral_ankle"])
    asked = []
    while (prompt := interview.next_prompt()) is not None:
        asked.append(prompt)
        interview.answer(prompt.item == PALPATE + "gluteus_minimus")
    assert interview.report.primary_muscle == "gluteus_minimus" and interview.status == "settled"
    documented = [p.item for p in asked if p.purpose == "documentation"]
    advice = {"ober_positive", "itb_tender", "foam_rolling_brief_relief"}  # QST-010, after the history
    assert documented and set(documented) <= {"pain_lying_on_side", "limp", "pain_rising_from_chair"} | advice
    assert [i for i in documented if i in advice] == documented[len(documented) - len(advice & set(documented)):]
    assert {"pain_lying_on_side", "limp", "pain_rising_from_chair"} <= {p.item for p in asked}
    purposes = [p.purpose for p in asked]
    first_doc = purposes.index("documentation")
    assert all(p == "decisive" for p in purposes[:first_doc]), "documentation comes after every decisive question"
    assert all(p == "documentation" for p in purposes[first_doc:])
    assert interview.why(1, asked[first_doc]).rule == "QST-006"


def test_muscles_outside_the_pain_maps_zones_are_palpated_last():
    kb = get_engine().kb
    pain = ["lateral_ankle", "dorsum_foot"]
    inside = {m for m in MUSCLES if any(set(pain) & set(p.essential + p.spillover) for p in kb.muscles[m].patterns)}
    needed = inside | {e.key for m in inside for e in kb.keys_of(m)}
    excluded = set(MUSCLES) - needed
    assert excluded, "the test needs a muscle outside the pain map"
    interview = screened(pain=pain)
    asked = []
    while (prompt := interview.next_prompt()) is not None:
        asked.append(prompt.item)
        interview.answer(False)
    palpated = [item.removeprefix(PALPATE) for item in asked if item.startswith(PALPATE)]
    first_outside = next(i for i, m in enumerate(palpated) if m in excluded)
    assert inside <= set(palpated[:first_outside]), \
        "a muscle outside the zones is palpated only once every muscle inside them was ruled out"
    assert interview.report.triage == "insufficient_evidence"
    assert {e.key for m in inside for e in kb.keys_of(m)} & set(palpated), "a key muscle is still asked"


# ---- intake -------------------------------------------------------------------------
def test_intake_is_recorded_validated_and_goes_to_the_case():
    interview = Interview()
    interview.record_history({"age": 48, "onset": "gradual", "pain_intensity": 6}, "long drives hurt")
    assert interview.case.history == History(age=48, onset="gradual", pain_intensity=6)
    assert interview.case.notes == "long drives hurt"
    with pytest.raises(ValidationError):
        interview.record_history({"pain_intensity": 11})
    assert interview.session.history.pain_intensity == 6, "a bad intake changes nothing"


@pytest.mark.parametrize("field, typed, value", [
    ("age", "48", 48), ("age", "48 years", 48), ("pain_intensity", "6/10", 6), ("duration_weeks", "10w", 10),
    ("duration_weeks", "2.5", 2.5), ("onset", "grad", "gradual"), ("onset", "Sudden", "sudden"),
    ("aggravating", "long drives", "long drives"),
])
def test_parse_intake(field, typed, value):
    assert parse_intake(field, typed) == value


@pytest.mark.parametrize("field, typed", [("age", "forty"), ("onset", "slow"), ("duration_weeks", "-3")])
def test_parse_intake_refuses(field, typed):
    with pytest.raises(ValueError):
        parse_intake(field, typed)


@pytest.mark.parametrize("text, looks_like", [
    ("John Smith", "name"), ("Mrs Jones", "name"), ("smith-john 12.03.1961", "date of birth"),
    ("p-1961-03-12", "date of birth"), ("case 12/03/61", "date of birth"),
])
def test_labels_that_look_like_a_name_or_a_birth_date_are_warned(text, looks_like):
    assert looks_like in identity_warning(text, today=datetime(2026, 11, 30, tzinfo=timezone.utc))


@pytest.mark.parametrize("text", [None, "p-017", "gmin-lateral-classic", "interview-20261130-184842", "case 12"])
def test_case_codes_are_not_warned(text):
    assert identity_warning(text, today=datetime(2026, 11, 30, tzinfo=timezone.utc)) is None


# ---- editing and review ---------------------------------------------------------------
def test_edit_changes_one_answer_in_place_and_keeps_the_later_ones():
    interview = screened()
    for _ in range(5):
        interview.answer(False)
    before = list(interview.session.answers)
    changed = interview.edit(2, ["buttock", "lateral_thigh"])
    after = interview.session.answers
    assert changed.item == "pain_map" and after[1].value == ["buttock", "lateral_thigh"]
    assert after[2:] == before[2:] and after[0] == before[0], "every other answer kept"
    case = interview.session.to_case()
    assert conclusion(interview.report) == conclusion(build_report(get_engine().consult(case), case))


def test_edit_by_item_and_by_one_red_flag():
    interview = screened()
    interview.answer(False)
    interview.edit("pain_map", ["lateral_thigh"])
    assert interview.case.pain == ["lateral_thigh"]
    interview.edit("fever", "unknown")
    assert interview.session.answers[0].value["fever"] == "unknown"
    assert interview.unscreened_red_flags == ["fever"]
    interview.edit("fever", True)
    assert interview.status == "red_flag" and interview.next_prompt() is None
    interview.edit(1, {"fever": False})
    assert interview.status != "red_flag" and len(interview.session.answers) == 4


def test_edit_refuses_what_was_not_answered():
    interview = screened()
    with pytest.raises(ValueError, match="not been answered"):
        interview.edit("limp", True)
    with pytest.raises(ValueError, match="choose 1 to 3"):
        interview.edit(7, True)
    with pytest.raises(ValueError, match="not an item"):
        interview.edit("kneecap", True)
    with pytest.raises(ValueError):
        interview.edit("pain_map", True)


def test_review_lists_every_answer_in_words():
    interview = screened(flags={**NO_FLAGS, "fever": "unknown"})
    interview.answer(False)
    lines = interview.review()
    assert [line.number for line in lines] == [1, 2, 3, 4]
    assert lines[0].question == "Red-flag screen" and "not known: fever" in lines[0].answer
    assert lines[1].answer == "buttock, lateral thigh, lateral knee, lateral calf"
    assert lines[2].question == "Nerve screen" and lines[2].answer.startswith("none present")
    assert lines[3].answer == "no" and lines[3].question.endswith("?")


# ---- typing -------------------------------------------------------------------------
def test_regions_by_name_with_spaces_and_ranges():
    assert parse_regions("lateral thigh") == ["lateral_thigh"]
    assert parse_regions("buttock, lateral thigh lateral knee 11") == ["buttock", "lateral_thigh", "lateral_knee",
                                                                        "lateral_calf"]
    assert parse_regions("1-3") == list(REGIONS[:3])
    with pytest.raises(ValueError, match="a range runs from the smaller number up"):
        parse_regions("15-1")
    with pytest.raises(ValueError, match="choose numbers from 1 to 15"):
        parse_regions("3-16")
    with pytest.raises(ValueError, match="matches"):
        parse_regions("lateral")


def test_bad_input_is_never_echoed_whole():
    long = "x" * 5000
    with pytest.raises(ValueError) as error:
        parse_regions(long)
    assert len(str(error.value)) < 200
    assert len(clip(long)) < 90


# ---- how ----------------------------------------------------------------------------
def test_how_speaks_in_clinical_sentences_with_references():
    case = load_case(CLASSIC)
    interview, _ = replay(case.model_copy(update={"findings": {**case.findings, **NO_FLAGS}}))
    groups = interview.how()
    text = "\n".join(s for g in groups for s in g.sentences + g.references)
    for internal in ("Evidence(", "Advice(", "CONTRACT", "brief §", "urgent_referral", "cf=", "REF-0", "SAT-0"):
        assert internal not in text
    stages = {g.stage: g for g in groups}
    assert any("gluteus minimus leads" in s for s in stages["satellites"].sentences)
    assert any("none present" in s for s in stages["safety"].sentences)
    assert stages["referral"].references


def test_references_are_the_bibliographys_short_citations_each_once():
    assert references("travell-simons-1992, vol. 2 ch. 9; willett-2016; travell-simons-1992, vol. 2 ch. 9") == [
        "Travell & Simons 1992, vol. 2 ch. 9", "Willett et al. 2016"]
    assert references("seed-article, Ober's sign") == ["the seed article (thaibodywork.com), Ober's sign (low authority)"]


# ---- the note -----------------------------------------------------------------------
def test_the_note_holds_what_a_colleague_needs():
    case = load_case(CLASSIC)
    interview = Interview()
    interview.record_history({"age": 48, "onset": "gradual", "duration_weeks": 10, "pain_intensity": 6,
                              "aggravating": "long drives"}, "desk job")
    interview, _ = replay(case.model_copy(update={"findings": {**case.findings, **NO_FLAGS}}), interview)
    text = note.markdown_note(interview, "2026-11-30 10:00 UTC", "s.json")
    for part in ("Date: 2026-11-30 10:00 UTC", "## Intake", "48 years; gradual onset", "Notes: desk job",
                 "## Red-flag screen", "Absent: saddle anesthesia", "## Pain map", "buttock, lateral thigh",
                 "## Nerve screen", "Absent: slr positive", "## Findings", "No: slr positive", "## Palpation",
                 "Reproduces the familiar pain: gluteus minimus",
                 "## Conclusion", "Primary muscle and chain: gluteus minimus", "## Protocol", "1. ",
                 "## Open questions that could still change the conclusion (0)"):
        assert part in text, part
    assert "Not asked: " + ", ".join(r.replace("_", " ") for r in RED_FLAGS[:1]) not in text


def test_file_formats_follow_the_extension():
    assert note.FORMATS[".html"] == "html" and note.FORMATS[".md"] == "markdown"
    assert note.FORMATS[".json"] == "json" and note.FORMATS[".yaml"] == note.FORMATS[".yml"] == "case"
    interview = screened()
    assert note.render(interview, "html", "d").startswith("<!DOCTYPE html>")
    assert note.render(interview, "case", "d").startswith("case:") or "pain:" in note.render(interview, "case", "d")
