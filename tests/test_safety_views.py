"""Safety in every view, and the contradictions inside one report settled one way.

The teaching views say "not screened" where nothing was asked; a local condition is enough to
act on; a tender point outside its zone leads and is called atypical; one nerve sign does not
claim certainty; questions asked only to document have their own heading; a satellite whose
palpation was not possible is palpated before it is treated, in every format; the web result
and handout read the report's display policy.
"""
from pathlib import Path

import pytest

from myotrace.expert.casefile import load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.interview import note
from myotrace.expert.interview.session import Interview
from myotrace.expert.present.html import page, render_html
from myotrace.expert.present.render import render_markdown
from myotrace.expert.report import build_report
from myotrace.expert.teach.practice import hints
from myotrace.expert.teach.whatif import what_if, what_if_lines
from myotrace.expert.teach.whynot import why_not, why_not_lines
from myotrace.facts.case import Case
from myotrace.facts.types import Condition
from myotrace.facts.vocabulary import NERVE_SCREEN, RED_FLAGS

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
CLASSIC_PAIN = ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"]
UNSCREENED = {"pain": CLASSIC_PAIN, "findings": {"pain_worse_below_knee": True}, "tender_points": ["gluteus_minimus"]}


def run(body):
    case = body if isinstance(body, Case) else Case.model_validate(body)
    engine = get_engine().consult(case)
    return engine, case, build_report(engine, case)


# ---- "not screened", never "no red flag" ------------------------------------------------
def test_why_not_says_the_screens_were_not_done():
    engine, case, report = run(UNSCREENED)
    assert report.triage == "screen_first"
    text = "\n".join(why_not_lines(why_not(engine, case, "treat")))
    assert "the red flags were not screened" in text
    assert "✓ no red flag\n" not in text + "\n"
    assert "✗ the nerve screen is complete: not screened: slr positive" in text


def test_why_not_pseudo_sciatica_names_the_unexamined_nerve():
    engine, case, _ = run({**UNSCREENED, "screened": ["red_flags"]})
    result = why_not(engine, case, "myofascial_pseudo_sciatica")
    assert not result.concluded
    failed = [p.text for c in result.checks for p in c.premises if not p.held]
    assert any("nerve screen is complete and negative: not examined" in text for text in failed)


def test_what_if_shows_the_screens_instead_of_none():
    case = Case.model_validate(UNSCREENED)
    lines = "\n".join(what_if_lines(what_if(get_engine(), case, ["ober_positive=true"])))
    assert "none found (not screened)" in lines
    assert "red flags: not screened; nerve: not screened" in lines
    screened = Case.model_validate({**UNSCREENED, "screened": ["red_flags", "nerve"]})
    lines = "\n".join(what_if_lines(what_if(get_engine(), screened, ["ober_positive=true"])))
    assert "red flags: complete; nerve: complete" in lines


def test_practice_hint_does_not_call_an_unscreened_case_negative():
    engine, _case, report = run(UNSCREENED)
    second = hints("triage", engine, report)[1]
    assert "red flags: not screened" in second and "an incomplete screen is not a negative one" in second


# ---- contradictions inside one report ---------------------------------------------------
def test_a_gtps_only_case_is_treated_with_its_management():
    _, _, report = run(load_case(CASES / "gtps-lateral-hip-tendinopathy.yaml"))
    assert report.triage == "treat" and report.primary_muscle is None
    assert report.headline == "TREAT — greater trochanteric pain syndrome"
    assert any("progressive abductor loading" in step for step in report.protocol.steps)
    assert not any("to the barrier" in step for step in report.protocol.steps)


def test_gtps_beside_a_chain_keeps_the_release_short_of_adduction():
    _, _, report = run({"pain": ["lateral_hip", *CLASSIC_PAIN], "screened": ["red_flags", "nerve"],
                        "findings": {"greater_trochanter_tender": True, "pain_lying_on_side": True},
                        "tender_points": ["gluteus_minimus"]})
    assert "greater_trochanteric_pain_syndrome" in report.conditions
    releases = [s for s in report.protocol.steps if s.startswith("Post-isometric relaxation of the gluteus minimus")]
    assert releases and all("never take it to the adduction barrier" in s for s in releases)


def test_a_tender_point_outside_its_zone_leads_and_is_called_atypical():
    _, _, report = run(load_case(CASES / "atypical-tender-gmed-leads-outside-its-zone.yaml"))
    assert report.primary_muscle == "gluteus_medius"
    assert report.atypical and "atypical pattern" in report.atypical[0]
    assert "Atypical pattern" in render_markdown(report)


def test_one_myotomal_sign_does_not_claim_certainty():
    engine, _, report = run({"pain": CLASSIC_PAIN, "findings": {"myotomal_weakness": True}})
    assert report.triage == "refer_nerve"
    [condition] = [f for f in engine.facts_of(Condition) if f["id"] == "radiculopathy_suspected"]
    assert condition["cf"] == pytest.approx(0.6)


def test_shooting_pain_never_gives_pseudo_sciatica_beside_piriformis_entrapment():
    _, _, report = run(load_case(CASES / "piriformis-electric-to-sole.yaml"))
    assert "piriformis_nerve_entrapment_possible" in report.conditions
    assert "myofascial_pseudo_sciatica" not in report.conditions


def test_document_only_questions_have_their_own_heading():
    _, _, report = run(load_case(CASES / "gmin-mistaken-for-l5.yaml"))
    documented = report.open_questions_detail["to_document"]
    assert any("(limp)" in q for q in documented), "QST-006's classic history is documentation"
    assert not set(documented) & set(report.open_questions_detail["could_change"])
    assert "## Asked only to document the conclusion (cannot change it)" in render_markdown(report)


def test_a_satellite_not_palpable_agrees_in_every_format():
    """The vastus lateralis answered "don't know": settled, no open question, palpated before treated."""
    interview = Interview()
    interview.answer({f: False for f in RED_FLAGS})
    interview.answer(CLASSIC_PAIN)
    while (prompt := interview.next_prompt()) is not None:
        if prompt.kind == "nerve_screen":
            interview.answer({sign: False for sign in prompt.items})
        else:
            interview.answer({"palpate:gluteus_minimus": True, "palpate:vastus_lateralis": "unknown"}.get(
                prompt.item, False))
    report = interview.report
    assert interview.status == "settled" and "vastus_lateralis" in report.probable_satellites
    assert note.open_question_lines(interview) == []
    assert not any("palpate:vastus_lateralis" in q for q in report.open_questions_detail["could_change"])
    assert any("not possible or not conclusive: vastus lateralis" in q for q in report.open_questions)
    steps = [s for s in report.protocol.steps if "vastus lateralis" in s]
    assert steps and all(s.startswith("Palpate the vastus lateralis") for s in steps)
    html = note.render(interview, "html", "today")
    assert "Palpate the vastus lateralis: does it reproduce" not in html


# ---- the web result and handout read the report ----------------------------------------
@pytest.fixture(scope="module")
def web():
    pytest.importorskip("starlette")
    from test_web_api import client_for, replay
    return client_for, replay


def test_web_result_and_handout_show_screen_first_and_the_safety_net(web, tmp_path):
    client_for, replay = web
    client = client_for(tmp_path / "c.db")[0]
    unscreened = load_case(CASES / "screen-first-classic-unscreened.yaml")
    cid, _ = replay(client, unscreened)
    result = client.get(f"/c/{cid}/result").text
    assert "SCREEN FIRST" in result and "Red flags not yet screened" in result
    assert "Working hypothesis" in result and 'id="safety-net"' in result
    handout = client.get(f"/c/{cid}/handout").text
    assert "Go to an emergency department straight away" in handout
    assert "At home" not in handout, "no home care while the screens are incomplete"


def test_html_report_keeps_the_protocol_back_on_screen_first():
    engine, case, report = run(UNSCREENED)
    html = render_html([page(report, engine, case)])
    assert "None yet: complete the screens" in html and "Safety net (tell the patient)" in html
    assert report.unscreened_nerve_signs == list(NERVE_SCREEN)


# ---- the nerve screen in the interview and the web API ------------------------------------
def test_a_nerve_referral_note_carries_the_whole_nerve_screen():
    interview = Interview()
    interview.answer({f: False for f in RED_FLAGS})
    interview.answer(CLASSIC_PAIN)
    prompt = interview.next_prompt()
    assert prompt.kind == "nerve_screen" and set(prompt.items) == set(NERVE_SCREEN)
    interview.answer({sign: sign == "reflex_reduced" for sign in prompt.items})
    report = interview.report
    assert report.triage == "refer_nerve" and report.unscreened_nerve_signs == []
    text = note.markdown_note(interview, "today")
    section = text.split("## Nerve screen")[1].split("## ")[0]
    assert "Present: reflex reduced" in section and "Absent: slr positive" in section


def test_the_api_checks_a_nerve_screen_step():
    pytest.importorskip("starlette")
    from myotrace.expert.web.consult import ApiError, parse_step

    assert parse_step({"item": "nerve_screen", "value": {"slr_positive": False}}).item == "nerve_screen"
    for value, words in (({"fever": False}, "unknown nerve-screen sign 'fever'"),
                         ({"slr_positive": "yes"}, "answer true, false"),
                         (True, "takes an object")):
        with pytest.raises(ApiError, match=words):
            parse_step({"item": "nerve_screen", "value": value})
