"""The question rules ask only what could change the conclusion, and the interview only reads them.

The library-wide agreement with `diagnose` is test_interview.py's; the random cases are
test_interview_properties.py's. These check the decisions the question rules make on their own.
"""
from pathlib import Path

from myotrace.expert.casefile import load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.interview.session import ASKABLE, CHECKLISTS, PAIN_MAP, Interview, answer_from_case
from myotrace.expert.report import build_report, open_questions
from myotrace.facts.case import Case

ROOT = Path(__file__).resolve().parent.parent
CLASSIC_PAIN = ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"]


def asked_items(engine) -> set[str]:
    return {q["item"] for q in open_questions(engine) if q["kind"] in ("palpation", "finding")}


def test_a_muscle_that_could_not_be_palpated_closes_its_questions():
    """The vastus lateralis, satellite of a confirmed, corroborated minimus, not palpable: neither its
    palpation nor the findings that bear on it alone can change the chain any more."""
    case = Case.model_validate({"pain": CLASSIC_PAIN, "findings": {"pain_worse_below_knee": True},
                                "tender_points": ["gluteus_minimus"], "screened": ["red_flags", "nerve"]})
    open_ = asked_items(get_engine().consult(case))
    closed = asked_items(get_engine().consult(case, unpalpable=["vastus_lateralis"]))
    assert {"palpate:vastus_lateralis", "patella_stuck", "foam_rolling_brief_relief"} <= open_
    assert not {"palpate:vastus_lateralis", "patella_stuck", "foam_rolling_brief_relief"} & closed
    assert "palpate:quadratus_lumborum" in closed  # a key muscle could still head the chain


def test_unpalpable_is_not_evidence():
    case = Case.model_validate({"pain": CLASSIC_PAIN, "tender_points": ["gluteus_minimus"]})
    plain = build_report(get_engine().consult(case), case)
    unpalpable = build_report(get_engine().consult(case, unpalpable=["vastus_lateralis"]), case)
    assert [c.model_dump() for c in unpalpable.candidates] == [c.model_dump() for c in plain.candidates]


def test_outside_the_zones_palpation_only_while_not_enough_to_act_on():
    treat = Case.model_validate({"pain": ["buttock"], "tender_points": ["gluteus_maximus"],
                                 "screened": ["red_flags", "nerve"]})
    undecided = Case.model_validate({"pain": ["buttock"], "screened": ["red_flags", "nerve"]})
    assert build_report(get_engine().consult(treat), treat).triage == "treat"
    assert "palpate:vastus_lateralis" not in asked_items(get_engine().consult(treat))
    assert "palpate:vastus_lateralis" in asked_items(get_engine().consult(undecided))


def test_the_classic_case_asks_at_most_half_of_what_lies_beyond_the_screens():
    case = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")
    interview = Interview()
    while (prompt := interview.next_prompt()) is not None:
        interview.answer(answer_from_case(case, prompt))
    screened = {item for items in CHECKLISTS.values() for item in items}
    beyond = [s.item for s in interview.session.answers if s.item not in CHECKLISTS and s.item != PAIN_MAP]
    assert len(beyond) <= len([i for i in ASKABLE if i not in screened]) / 2, beyond
    full = build_report(get_engine().consult(case), case)
    assert (interview.report.triage, interview.report.chain) == (full.triage, full.chain)


def test_the_interview_asks_what_the_engine_declares():
    interview = Interview()
    interview.answer({flag: False for flag in interview.next_prompt().items})
    interview.answer(CLASSIC_PAIN)
    declared = [q["item"] for q in open_questions(interview.engine.consult(interview.case))]
    assert [q["item"] for q in interview.pending] == list(dict.fromkeys(declared))


def test_a_key_of_a_ruled_out_muscle_is_still_palpated():
    """Found by the simulated patient: the TFL, key of a minimus palpated without the pain, reproduces
    it and is a source of its own (a secondary chain); the interview must palpate it."""
    case = Case.model_validate({
        "pain": ["posterior_knee", "buttock"], "findings": {"pain_single_leg_stance": True},
        "tender_points": ["tensor_fasciae_latae", "hamstrings"],
        "non_tender": ["gluteus_minimus", "gluteus_medius", "peroneus_longus"]})
    interview = Interview()
    while (prompt := interview.next_prompt()) is not None:
        interview.answer(answer_from_case(case, prompt))
    full = build_report(get_engine().consult(case), case)
    assert interview.report.secondary_chains == full.secondary_chains == [["tensor_fasciae_latae"]]
