"""The consultation room's words (no browser): every finding has a clinical name, every text the
knowledge base can put on a patient handout has a patient version, the handout of every shipped case
is free of clinical terms, the intake is recorded and shown, and the side chosen at creation stays."""
import re
from pathlib import Path

import pytest

pytest.importorskip("starlette")
from test_web_api import API, client_for, replay  # noqa: E402

from myotrace.expert.casefile import load_case  # noqa: E402
from myotrace.expert.engine import get_engine  # noqa: E402
from myotrace.expert.report import build_report  # noqa: E402
from myotrace.expert.web import patient  # noqa: E402
from myotrace.expert.web.labels import FINDING_NAMES, question_words, reason_words  # noqa: E402
from myotrace.expert.web.pages import handout_words  # noqa: E402
from myotrace.expert.web.templating import environment  # noqa: E402
from myotrace.facts.vocabulary import FINDINGS, MUSCLES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "cases").glob("*.yaml"))
JARGON = ["adduction", "abductor", "satellite", "palpat", "isometric", "myofascial", "dermatom", "myotom",
          "radicul", "cauda equina", "mri", "do not treat", "triage", "certainty", "→", "qst-", "saf-",
          "perpetuating", "protocol", "trochanter", " ql", "vastus", "gluteal", "tendinopathy"]


def test_every_finding_has_a_clinical_name():
    assert set(FINDINGS) <= set(FINDING_NAMES)


def test_evidence_lines_and_open_questions_lose_their_ids():
    assert reason_words("ober positive (+0.10)") == "Ober's sign positive (+0.10)"
    assert reason_words("pain map matches its trp2 referral pattern (0.25) (+0.15)") == \
        "pain map matches its trigger point 2 referral pattern (0.25) (+0.15)"
    assert reason_words("x: slr positive; limp.") == "x: straight-leg raise positive; limp."
    assert question_words("Does the patient limp? (limp)") == "Does the patient limp?"
    assert question_words("Palpate it? (palpate:vastus_lateralis)") == "Palpate it?"


def test_every_knowledge_base_text_for_the_patient_has_a_patient_version():
    kb = get_engine().kb
    texts = [c.text for c in kb.protocol.home_care.values()] + [c.text for c in kb.protocol.avoid.values()]
    texts += [c.text for m in MUSCLES for c in kb.muscles[m].self_care]
    assert [t for t in texts if t not in patient.CARE] == []
    factors = {link.finding for m in MUSCLES for link in kb.muscles[m].perpetuating}
    assert factors <= set(patient.KEEPS_GOING)
    assert set(patient.MUSCLE_PLACES) == set(MUSCLES)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_handout_of_every_case_is_in_the_patients_words(path):
    case = load_case(path)
    report = build_report(get_engine().consult(case), case)
    record = type("Record", (), {"id": "x", "label": case.case, "session": type("S", (), {"side": case.side})})
    html = environment().get_template("handout.html").render(
        csrf_token="t", record=record, report=report, patient=handout_words(report))
    text = re.sub(r"<[^>]+>", " ", html.split('<article class="handout"')[1].split("</article>")[0])
    lowered = text.replace(case.case, "").lower()  # the case label is the therapist's, not the handout's words
    words = [w for w in JARGON if w in re.sub(r"\([a-z ]+\)", "", lowered)]
    assert not words, words
    assert "?" not in text
    # the safety net in the patient's words on every handout of a report that acts (none is
    # drawn from an insufficient_evidence report, which acts on nothing)
    assert ("emergency department" in text) == bool(report.safety_net_patient)
    for text_line in report.safety_net_patient:
        assert text_line in text
    for line in report.protocol.home_care + report.protocol.avoid + report.advice:
        assert line not in text  # never the clinician's text
    if report.triage == "emergency":
        assert "emergency department now" in text


def test_the_intake_is_recorded_and_shown_with_free_text_as_typed(tmp_path):
    client = client_for(tmp_path / "c.db")[0]
    cid = client.post(API, json={"case": "intake", "side": "left"}).json()["id"]
    shown = client.get(f"{API}/{cid}").json()
    assert shown["side"] == "left"
    answer = client.post(f"/c/{cid}/intake", data={"age": "48", "onset": "gradual", "duration_weeks": "10",
                                                   "pain_intensity": "6", "aggravating": "MRI Showed L5 Disc",
                                                   "notes": "Seen Twice"})
    assert answer.status_code == 200
    refused = client.post(f"/c/{cid}/intake", data={"pain_intensity": "11"})
    assert refused.status_code == 422 and "pain_intensity" in refused.text
    result = client.get(f"/c/{cid}/result").text
    assert "48 years" in result and "pain 6/10" in result and "MRI Showed L5 Disc" in result
    assert "Seen Twice" in result and "Not medical advice" in result
    markdown = client.get(f"/c/{cid}/export/report.md").text
    assert "MRI Showed L5 Disc" in markdown and "Seen Twice" in markdown


def test_the_side_chosen_at_creation_is_never_changed_by_the_pain_map(tmp_path):
    client = client_for(tmp_path / "c.db")[0]
    case = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml").model_copy(update={"side": "left"})
    cid, _ = replay(client, case)
    assert client.get(f"{API}/{cid}").json()["side"] == "left"
    assert client.get(f"{API}/{cid}/report").json()["side"] == "left"
    page = client.get(f"/c/{cid}/result").text
    assert 'data-leg="right"' not in page and 'id="result-side">left<' in page
    assert "Sources" in page and "How the conclusion was reached" in page


# ---- the terminal items of the same issue -------------------------------------------------------
def test_how_cites_no_trigger_point_textbook_under_safety():
    from myotrace.expert.interview.session import Interview, answer_from_case

    case = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")
    interview = Interview()
    while (prompt := interview.next_prompt()) is not None:
        interview.answer(answer_from_case(case, prompt))
    safety = next(g for g in interview.how() if g.stage == "safety")
    assert safety.references and not [r for r in safety.references if "Travell" in r or "seed" in r]


def test_back_on_an_emergency_from_an_earlier_answer_says_so_and_keeps_the_answers(tmp_path):
    from typer.testing import CliRunner

    from myotrace.cli import app

    lines = ["none", "3 7 9 11", "edit 1 2", "back", "answers", "quit"]
    result = CliRunner().invoke(app, ["interview", "--session", str(tmp_path / "s.json"), "--no-intake"],
                                input="".join(f"{line}\n" for line in lines), catch_exceptions=False)
    out = result.output
    assert "Not undone: the red flag is in an earlier answer" in out and "edit 1" in out
    assert "Asking it again" not in out
    assert "Answers so far (2)" in out  # the pain map was not undone


def test_the_progress_line_never_counts_before_the_pain_map_and_says_about():
    from myotrace.expert.interview.session import Interview

    interview = Interview()
    assert "pain map decides" in interview.progress().text()
    interview.answer({flag: False for flag in interview.next_prompt().items})
    interview.answer(["buttock", "lateral_thigh"])
    assert "about" in interview.progress().text()
