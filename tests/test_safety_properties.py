"""Safety properties over random cases (hypothesis): screen before treating, the red-flag
tiers, safety-netting, and the unscreened items heading every output format.

Each property is one of the safety invariants: no treatment on an incomplete screen, no
protocol while the screens are incomplete, a safety net on every report that acts, the
emergency combinations always emergencies, and the screens never reported as done where
they were not.
"""
import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from myotrace.expert.engine import get_engine
from myotrace.expert.interview import note
from myotrace.expert.interview.session import PALPATE, Interview, Session, Step
from myotrace.expert.present.html import page, render_html
from myotrace.expert.present.render import render_markdown, render_text
from myotrace.expert.report import SCREEN_LINE_LEVELS, build_report
from myotrace.facts.case import Case
from myotrace.facts.vocabulary import (
    CAUDA_EQUINA_FLAGS,
    FINDINGS,
    MUSCLES,
    NERVE_DEFICIT_SIGNS,
    NERVE_SCREEN,
    PAIN_MAP,
    RED_FLAGS,
    REGIONS,
)

SAFE = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
answers = st.sampled_from([True, False, "unknown"])
MOSTLY_NO = st.sampled_from([False] * 12 + [True, "unknown"])
OTHER_FINDINGS = [f for f in FINDINGS if f not in RED_FLAGS + NERVE_SCREEN]
LEG_PAIN = ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"]


@st.composite
def cases(draw):
    """Random cases, biased towards treatable ones: a leg pain map, mostly negative screens
    (some complete, some declared with ``screened:``, some left open) and a tender muscle."""
    pain = draw(st.one_of(st.just(LEG_PAIN),
                          st.lists(st.sampled_from(REGIONS), unique=True, max_size=len(REGIONS))))
    screened = draw(st.lists(st.sampled_from(["red_flags", "nerve"]), unique=True))
    findings = draw(st.dictionaries(st.sampled_from(OTHER_FINDINGS), answers, max_size=8))
    for item in RED_FLAGS + NERVE_SCREEN:
        if draw(st.integers(0, 3)):  # most screen items answered, mostly no
            findings[item] = draw(MOSTLY_NO)
    palpation = draw(st.dictionaries(st.sampled_from(MUSCLES), st.booleans(), max_size=4))
    if draw(st.booleans()):
        palpation["gluteus_minimus"] = True
    return Case(pain=pain, findings=findings, screened=screened,
                tender_points=[m for m in MUSCLES if palpation.get(m) is True],
                non_tender=[m for m in MUSCLES if palpation.get(m) is False])


def diagnose(case: Case):
    engine = get_engine().consult(case)
    return engine, build_report(engine, case)


def not_answered(case: Case, items) -> list[str]:
    return [i for i in items if case.findings.get(i) not in (True, False)]


@SAFE
@given(cases())
def test_never_treat_on_an_incomplete_screen(case):
    _, report = diagnose(case)
    if report.triage == "treat":
        assert report.unscreened_red_flags == [] and report.unscreened_nerve_signs == []


@SAFE
@given(cases())
def test_screen_first_shows_the_hypothesis_without_a_protocol_and_asks_the_screens_first(case):
    _, report = diagnose(case)
    if report.triage != "screen_first":
        return
    assert not report.screens_complete
    assert report.protocol.steps == report.protocol.home_care == report.protocol.avoid == []
    assert report.chain or set(report.conditions) & {"iliotibial_band_syndrome", "greater_trochanteric_pain_syndrome"}
    first = report.open_questions[0]
    expected = "Red flags not yet screened" if report.unscreened_red_flags else "Nerve screen not complete"
    assert first.startswith(expected)


@SAFE
@given(cases())
def test_a_safety_net_on_every_report_that_acts(case):
    _, report = diagnose(case)
    acts = report.triage != "insufficient_evidence"
    assert bool(report.safety_net) == acts
    assert len(report.safety_net_patient) == len(report.safety_net)
    if acts and report.triage != "emergency":
        assert any("emergency department" in line for line in report.safety_net)


@SAFE
@given(cases())
def test_pseudo_sciatica_only_on_a_complete_negative_nerve_screen(case):
    _, report = diagnose(case)
    if "myofascial_pseudo_sciatica" in report.conditions:
        assert all(case.findings.get(sign) is False for sign in NERVE_SCREEN)
        assert case.findings.get("shooting_electric_pain") is not True


@SAFE
@given(cases(), st.sampled_from(NERVE_DEFICIT_SIGNS))
def test_cancer_history_with_a_nerve_sign_is_always_an_emergency(case, sign):
    case = case.model_copy(update={"findings": {**case.findings, "cancer_history": True, sign: True}})
    _, report = diagnose(case)
    assert report.triage == "emergency"
    assert any("metastatic spinal cord compression" in line for line in report.advice)


@SAFE
@given(cases())
def test_fever_with_immunosuppression_is_always_an_emergency(case):
    case = case.model_copy(update={"findings": {**case.findings, "fever": True, "immunosuppression": True}})
    _, report = diagnose(case)
    assert report.triage == "emergency"
    assert any("spinal infection" in line for line in report.advice)


@SAFE
@given(cases(), st.sampled_from(CAUDA_EQUINA_FLAGS))
def test_a_cauda_equina_flag_is_always_an_emergency_with_its_safety_net(case, flag):
    case = case.model_copy(update={"findings": {**case.findings, flag: True}})
    _, report = diagnose(case)
    assert report.triage == "emergency" and "cauda_equina_suspected" in report.conditions
    assert report.protocol.steps == [] and report.chain == []
    assert any("emergency department now" in line for line in report.safety_net_patient)


# ---- the unscreened items: exactly the open ones, at the head of every format ----------
def interview_of(case: Case) -> Interview:
    """The case's answers as an interview session: findings one by one, the pain map, palpation."""
    steps = [Step(item=f, value=v) for f, v in case.findings.items()]
    if case.pain:
        steps.append(Step(item=PAIN_MAP, value=list(case.pain)))
    steps += [Step(item=PALPATE + m, value=True) for m in case.tender_points]
    steps += [Step(item=PALPATE + m, value=False) for m in case.non_tender]
    return Interview(Session(answers=steps))


def heads(report, engine, case) -> dict[str, str]:
    """The headline part of each format: where the screen line must stand."""
    console = Console(record=True, width=200)
    render_text(report, console)
    text = console.export_text()
    html = render_html([page(report, engine, case)])
    interview = interview_of(case)
    markdown_note = note.markdown_note(interview, "today")
    return {
        "text": text.split("╰")[0],                                   # the banner panel
        "markdown": render_markdown(report).split("\n## ")[0],
        "html": html[html.index("<header class=\"banner"):html.index("</header>")],
        "note": markdown_note.split("\n## ")[0],
        "web": interview.report.screen_first_line() or "",             # the result page's and the handout's line
    }


@SAFE
@given(cases())
def test_unscreened_items_are_exactly_the_open_ones_and_head_every_format(case):
    engine, report = diagnose(case)
    assert report.unscreened_red_flags == not_answered(case, RED_FLAGS)
    assert report.unscreened_nerve_signs == not_answered(case, NERVE_SCREEN)
    data = json.loads(report.to_json())
    assert data["unscreened_red_flags"] == report.unscreened_red_flags
    assert data["unscreened_nerve_signs"] == report.unscreened_nerve_signs
    line = report.screen_first_line()
    if report.triage not in SCREEN_LINE_LEVELS or report.screens_complete:
        assert line is None
        return
    words = [w.replace("_", " ") for w in report.unscreened_red_flags + report.unscreened_nerve_signs]
    for name, head in heads(report, engine, case).items():
        flat = re.sub(r"\s+", " ", head.replace("│", " "))
        assert "screen these before treating" in flat, name
        for word in words:
            assert word in flat, (name, word)


@SAFE
@given(cases())
def test_the_same_case_gives_byte_identical_reports(case):
    _, first = diagnose(case)
    _, second = diagnose(Case.model_validate(json.loads(case.model_dump_json())))
    assert first.to_json() == second.to_json()
    assert render_markdown(first) == render_markdown(second)
