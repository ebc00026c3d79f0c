"""One report, every view: text, markdown, the HTML page, JSON, the interview note, the web
result page and the patient handout state the same triage, the same chain in the same order, the
same referral-only choice and the same screen line."""
import html as htmllib
import json
import re
from pathlib import Path

import pytest
from myotrace.expert.casefile import load_case
from myotrace.expert.interview import note
from myotrace.expert.interview.session import Interview, Session, Step
from myotrace.expert.present.formats import FORMATS
from myotrace.expert.present.sections import chain_text, report_sections
from myotrace.facts.vocabulary import PAIN_MAP, PALPATE, label

pytest.importorskip("jinja2")
from myotrace.expert.web import patient
from myotrace.expert.web.pages import handout_words, report_context
from myotrace.expert.web.store import Record
from myotrace.expert.web.templating import environment

CASES = Path(__file__).resolve().parent.parent / "cases"
LIBRARY = {  # library case -> the triage it must reach (the views are compared on each kind)
    "gmin-lateral-classic": "treat",
    "redflag-saddle-anesthesia-perfect-gmin": "emergency",
    "nerve-reflex-reduced-s1": "refer_nerve",
    "nerve-myotomal-weakness-with-gmin-trps": "refer_nerve",  # with a chain, treated alongside
    "screen-first-classic-unscreened": "screen_first",
    "insufficient-buttock-pain-only": "insufficient_evidence",
}
NO_TREATMENT = ("Body chart", "Candidates: evidence for and against", "Protocol", "Derivation")


def interview_of(case) -> Interview:
    """The case file's answers as an interview: findings, the pain map, palpation."""
    steps = [Step(item=f, value=v) for f, v in case.findings.items()]
    if case.pain:
        steps.append(Step(item=PAIN_MAP, value=list(case.pain)))
    steps += [Step(item=PALPATE + m, value=True) for m in case.tender_points]
    steps += [Step(item=PALPATE + m, value=False) for m in case.non_tender]
    return Interview(Session(case=case.case, side=case.side, answers=steps))


def words(page: str) -> str:
    """A page's text: tags dropped, entities decoded, white space (and terminal borders) as one space."""
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"[\s│]+", " ", text).strip()


def headings(page: str) -> list[str]:
    return [words(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page)]


@pytest.fixture(scope="module", params=sorted(LIBRARY))
def views(request):
    interview = interview_of(load_case(CASES / f"{request.param}.yaml"))
    report = interview.report
    assert report.triage == LIBRARY[request.param]
    data = note.report_data(interview)
    record = Record("c1", report.case, "", "", report.triage, 1, interview.session)
    env = environment()
    rendered = {name: FORMATS[name].render(data) for name in ("text", "markdown", "html", "json")}
    rendered["note"] = note.markdown_note(interview, "today")
    rendered["web"] = env.get_template("result.html").render(csrf_token="t", **report_context(record, interview))
    rendered["handout"] = env.get_template("handout.html").render(
        csrf_token="t", record=record, report=report, patient=handout_words(report))
    return report, rendered


def test_every_view_states_the_triage(views):
    report, view = views
    assert json.loads(view["json"])["triage"] == report.triage
    for name in ("text", "markdown", "html", "note", "web"):
        assert report.headline in words(view[name]), name
    handout = words(view["handout"])
    lead = patient.LEAD.get(report.triage)
    if lead:  # the triage in the patient's words
        assert words(lead[0]) in handout
    assert (patient.HEADING.get(report.triage, "See a doctor") in handout) is report.leads_with_referral


def test_every_view_states_the_same_chain_in_order(views):
    report, view = views
    assert json.loads(view["json"])["chain"] == report.chain
    web_chain = re.search(r'<p id="chain">(.*?)</p>', view["web"], re.DOTALL)
    handout_chain = re.findall(r"<li>[^<]*\((\w[\w ]*)\)</li>", view["handout"].split('class="handout-muscles"')[-1]
                               .split("</ol>")[0]) if 'class="handout-muscles"' in view["handout"] else []
    if report.chain:
        line = chain_text(report, report.chain)
        for name in ("text", "markdown", "html", "note"):
            assert line in words(view[name]), name
        assert words(web_chain.group(1)) == " → ".join(label(m) for m in report.chain)
        # the handout of a referral leads with it and names no muscle to treat
        assert handout_chain == ([] if report.leads_with_referral else [label(m) for m in report.chain])
    else:
        assert handout_chain == []
        if report.referral_only:  # a referral shows no chain at all, not even its absence
            assert web_chain is None
            for name in ("text", "markdown", "html", "note"):
                assert "No chain is marked" not in view[name], name
        else:
            for name in ("text", "markdown", "html", "note"):
                assert report.chain_note in words(view[name]), name
            assert words(web_chain.group(1)) == report.chain_note


def test_every_view_makes_the_same_referral_only_choice(views):
    report, view = views
    shown = {"html": headings(view["html"]), "web": headings(view["web"]),
             "markdown": re.findall(r"^## (.+)$", view["markdown"], re.MULTILINE),
             "note": re.findall(r"^## (.+)$", view["note"], re.MULTILINE)}
    text = words(view["text"])
    if report.referral_only:
        for name in ("html", "web", "markdown"):
            assert shown[name][0] == "Referral", name   # the referral leads
        assert text.index("Referral") < text.index("Safety net")
        for name, titles in shown.items():
            for title in NO_TREATMENT:
                assert title not in titles, (name, title)
        assert "Candidates" not in text and "Protocol" not in text
        assert "Evidence" not in shown["note"] and "Protocol" not in shown["note"]
        data = json.loads(view["json"])
        assert data["chain"] == [] and data["protocol"]["steps"] == [] and data["corrections"] == []
    else:
        for name in ("html", "web", "markdown"):
            assert "Referral" not in shown[name], name
            assert "Candidates: evidence for and against" in shown[name], name
        assert "Candidates: evidence for and against" in text
        protocol_shown = bool(report.protocol.steps) or report.protocol_waits
        for name in ("html", "web", "markdown"):
            assert ("Protocol" in shown[name]) is protocol_shown, name
    handout = view["handout"]
    care = bool(handout_words(report)["care"]) and not report.leads_with_referral
    assert ('class="handout-care"' in handout) is care


def test_every_view_states_the_same_screen_line(views):
    report, view = views
    line = report.screen_first_line()
    data = json.loads(view["json"])
    assert (data["unscreened_red_flags"], data["unscreened_nerve_signs"]) == (
        report.unscreened_red_flags, report.unscreened_nerve_signs)
    first = {"note": "Intake", "web": headings(view["web"])[0]}  # the first heading under the headline
    for name in ("text", "markdown", "html", "note", "web"):
        page = words(view[name])
        if line:
            assert line in page, name
            assert page.index(line) < page.index(first.get(name, report_sections(report)[0].title)), name
        else:
            assert "screen these before treating" not in page, name
    if report.protocol_waits:  # the handout keeps the treatment back as the report does
        assert 'class="handout-care"' not in view["handout"]
