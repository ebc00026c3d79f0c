"""`myotrace serve` in a real browser (Debian's chromium driven by Playwright): a whole consultation
by clicking and by keyboard only, back and why, resume after a server crash, the body chart on both
legs in every view, the teaching stepper with the graph lit, what-if, a 390-px phone and print.

The browser is conftest.py's, shared by the whole run. Under CI=true a missing browser or
Playwright fails the run; elsewhere these tests are skipped.
Screenshots go to $MYOTRACE_SHOTS (default: a temporary folder).
"""
import json
import urllib.request
from pathlib import Path

import pytest

from myotrace.expert.casefile import load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.interview.session import Prompt, answer_from_case
from myotrace.expert.report import build_report

from browsing import arrive, click, press, settle, shoot
from webserver import Server

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    requests = []
    opened.on("request", lambda request: requests.append(request.url))
    yield opened
    context.close()
    assert not errors, errors  # no script error, no CSP violation
    assert all(url.startswith("http://127.0.0.1:") for url in requests), "an external request was made"


def api(server, path):
    with urllib.request.urlopen(server.request(path)) as answer:
        return json.loads(answer.read())


def expected(case):
    return build_report(get_engine().consult(case), case)


def start(page, server, label, side="right"):
    page.goto(server.entry("/"))
    assert "token" not in page.url  # the first visit sets the cookie and drops the token from the address
    page.fill("input[name=case]", label)
    page.select_option("select[name=side]", side)
    click(page, "#new-consultation")
    arrive(page, "#question[data-kind=red_flag_screen]")
    return page.url.rsplit("/", 1)[1]


def nerve_screen_none(page):
    """The nerve screen after the pain map: every sign examined and absent."""
    arrive(page, "#question[data-kind=nerve_screen]")
    click(page, "#all-no")
    click(page, "#submit")


def screens_done(page):
    """No red flag, the classic pain map on the right leg, no nerve sign: the first question after the screens."""
    click(page, "#all-no")
    click(page, "#submit")
    arrive(page, "#question[data-kind=pain_map]")
    for region in CLASSIC.pain:
        click(page, f'figure[data-leg=right] [data-region="{region}"]')
    click(page, "#submit")
    nerve_screen_none(page)
    arrive(page, "#question[data-kind=question]")


def current_item(page):
    return page.get_attribute("#question", "data-item")


def wait_for_next(page, previous_count):
    """Until the answer is in the list and htmx has finished swapping and settling the new screen."""
    page.wait_for_function("n => document.querySelectorAll('.answer-list li').length !== n", arg=previous_count)
    settle(page)


def answered(page):
    return page.locator(".answer-list li").count()


def answer_questions_by_clicking(page, case):
    while page.locator("#question[data-kind=question]").count():
        item = current_item(page)
        value = answer_from_case(case, Prompt("question", (item,), ()))
        key = {True: "1", False: "2", "unknown": "3"}[value]
        count = answered(page)
        click(page, f'#question button[data-key="{key}"]')
        wait_for_next(page, count)


# ---- a whole consultation -----------------------------------------------------------------------
def test_whole_consultation_by_clicking(page, server, shots):
    cid = start(page, server, "click-classic")
    shoot(page, shots / "01-red-flags.png", full_page=True)
    click(page, "#all-no")
    click(page, "#submit")
    arrive(page, "#question[data-kind=pain_map]")
    for region in CLASSIC.pain:
        click(page, f'figure[data-leg=right] [data-region="{region}"]')
    shoot(page, shots / "02-pain-map.png", full_page=True)
    click(page, "#submit")
    nerve_screen_none(page)
    arrive(page, "#question[data-kind=question]")
    shoot(page, shots / "03-question.png", full_page=True)
    answer_questions_by_clicking(page, CLASSIC)
    arrive(page, "#summary")
    assert "Pain map" in page.inner_text("#summary")
    click(page, "#see-result")
    arrive(page, "#triage-banner")
    want = expected(CLASSIC)
    assert f"triage: {want.triage}" in page.inner_text("#triage-banner")
    chain_text = page.inner_text("#chain")
    assert all(m.replace("_", " ") in chain_text for m in want.chain)
    assert page.locator(".result-chart .tp").count() >= len(want.chain)
    assert page.locator(".result-chart .arrow.satellite").count() >= 1
    shoot(page, shots / "04-result-desktop.png", full_page=True)
    report = api(server, f"/api/consultations/{cid}/report")
    assert (report["triage"], report["primary_muscle"], report["chain"]) == (want.triage, want.primary_muscle, want.chain)
    page.goto(server.entry("/"))  # the patient list: its triage, then delete it
    row = page.locator(f'tr[data-id="{cid}"]')
    assert want.triage.replace("_", " ") in row.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    click(page, row.locator("button.danger"))
    row.wait_for(state="detached")
    assert cid not in [c["id"] for c in api(server, "/api/consultations")]


def test_whole_consultation_by_keyboard_only(page, server):
    page.goto(server.entry("/"))
    for _ in range(20):  # from the brand link, a few links and fields down to the case label
        press(page, "Tab")
        if page.evaluate("document.activeElement.name") == "case":
            break
    else:
        pytest.fail("20 presses of Tab never reached the case label field")
    page.keyboard.type("keyboard-classic")
    press(page, "Enter")
    arrive(page, "#question[data-kind=red_flag_screen]")
    for _ in range(page.locator(".flag-row").count()):
        press(page, "2")  # no, then the next row
    assert page.evaluate("document.activeElement.id") == "submit"
    press(page, "Enter")
    arrive(page, "#question[data-kind=pain_map]")
    wanted = set(CLASSIC.pain)
    for _ in range(80):
        press(page, "Tab")
        region = page.evaluate("document.activeElement.getAttribute('data-region')")
        if region in wanted:
            press(page, "Space")
            wanted.discard(region)
        if not wanted:
            break
    assert not wanted
    assert page.inner_text("#region-tip")  # the focused region's name is shown
    page.evaluate("document.activeElement.blur()")
    press(page, "Enter")
    arrive(page, "#question[data-kind=nerve_screen]")
    for _ in range(page.locator(".flag-row").count()):
        press(page, "2")  # no, then the next sign
    assert page.evaluate("document.activeElement.id") == "submit"
    press(page, "Enter")
    arrive(page, "#question[data-kind=question]")
    first = current_item(page)
    count = answered(page)
    press(page, "3")  # don't know
    wait_for_next(page, count)
    press(page, "Backspace")  # back: the same question again
    page.wait_for_function("item => document.querySelector('#question').dataset.item === item", arg=first)
    settle(page)
    while page.locator("#question[data-kind=question]").count():
        value = answer_from_case(CLASSIC, Prompt("question", (current_item(page),), ()))
        count = answered(page)
        press(page, {True: "1", False: "2", "unknown": "3"}[value])
        wait_for_next(page, count)
    arrive(page, "#summary")
    press(page, "Enter")
    arrive(page, "#triage-banner")
    want = expected(CLASSIC)
    assert f"triage: {want.triage}" in page.inner_text("#triage-banner")


def test_why_climbs_and_back_and_change_an_earlier_answer(page, server):
    cid = start(page, server, "why-back")
    click(page, "#all-no")
    click(page, "#submit")
    arrive(page, "#question[data-kind=pain_map]")
    click(page, "#why")
    levels = page.locator(".why-level:visible")
    assert levels.count() == 1 and levels.first.inner_text()
    press(page, "?")
    assert page.locator(".why-level:visible").count() == 2
    click(page, "#back")
    arrive(page, "#question[data-kind=red_flag_screen]")
    screens_done(page)
    click(page, 'button.change[data-item="red_flags"]')
    arrive(page, ".changing")
    page.check('input[name="flag:fever"][value="true"]')
    click(page, "#submit")
    arrive(page, "#emergency")  # a red flag ends it at once, the referral first
    assert "fever" in page.inner_text(".answer-list")
    assert api(server, f"/api/consultations/{cid}/report")["triage"] == "urgent_referral"


def test_resume_after_the_server_is_killed(browser, tmp_path):
    first = Server(tmp_path / "c.db").start()
    page = browser.new_page()
    try:
        cid = start(page, first, "restart")
        click(page, "#all-no")
        click(page, "#submit")
        arrive(page, "#question[data-kind=pain_map]")
        first.kill()
        second = Server(tmp_path / "c.db").start()  # a new start: a new port and a new access token
        try:
            page.goto(second.entry(f"/c/{cid}"))
            arrive(page, "#question[data-kind=pain_map]")
            assert "none present" in page.inner_text(".answer-list")
            click(page, 'figure[data-leg=right] [data-region="buttock"]')
            click(page, "#submit")
            nerve_screen_none(page)
            arrive(page, "#question[data-kind=question]")
            assert [a["item"] for a in api(second, f"/api/consultations/{cid}")["answers"]] == ["red_flags", "pain_map", "nerve_screen"]
        finally:
            second.stop()
    finally:
        page.close()
        first.stop()


# ---- the body chart -----------------------------------------------------------------------------------
VIEW_REGION = {"front": "anterior_thigh", "side": "lateral_hip", "back": "posterior_thigh"}


def test_body_chart_both_legs_every_view_mirrored(page, server, shots):
    cid = start(page, server, "chart", side="both")
    click(page, "#all-no")
    click(page, "#submit")
    arrive(page, "#question[data-kind=pain_map]")
    boxes = {}
    for leg in ("right", "left"):
        click(page, f'.leg-button[data-leg="{leg}"]')
        for view, region in VIEW_REGION.items():
            element = page.locator(f'figure[data-leg="{leg}"] [data-region="{region}"][data-side="{leg}"]').first
            settle(page)
            element.hover()
            assert region.replace("_", " ") in page.inner_text("#region-tip")
            click(page, element)
            assert element.get_attribute("aria-checked") == "true"
            boxes[leg, view] = element.bounding_box()
        other = "left" if leg == "right" else "right"
        assert page.locator(f'figure[data-leg="{other}"] [data-region="groin"][aria-checked="true"]').count() == 0
        shoot(page, shots / f"05-chart-{leg}.png", full_page=True)
    # mirrored correctly: the patient's right is on the viewer's left in the front view, on the right in the back
    assert boxes["right", "front"]["x"] < boxes["left", "front"]["x"]
    assert boxes["right", "back"]["x"] > boxes["left", "back"]["x"]
    page.focus('figure[data-leg="left"] [data-region="sole"]')
    assert "sole" in page.inner_text("#region-tip")
    click(page, "#submit")
    nerve_screen_none(page)
    arrive(page, "#question[data-kind=question]")
    shown = api(server, f"/api/consultations/{cid}")
    assert shown["side"] == "both"
    assert set(shown["answers"][1]["value"]) == set(VIEW_REGION.values())


def test_tender_point_by_clicking_its_site(page, server):
    start(page, server, "tender")
    screens_done(page)
    for _ in range(30):
        if current_item(page).startswith("palpate:"):
            break
        count = answered(page)
        click(page, '#question button[data-key="3"]')
        wait_for_next(page, count)
    item = current_item(page)
    assert item.startswith("palpate:")
    muscle = item.removeprefix("palpate:")
    count = answered(page)
    click(page, f'.tender-input [data-muscle="{muscle}"] circle')
    wait_for_next(page, count)
    assert "reproduces the pain" in page.locator(".answer-list li").last.inner_text()


# ---- phone and print ---------------------------------------------------------------------------------------
def test_phone_viewport_and_print(browser, server, shots):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        start(page, server, "phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        shoot(page, shots / "06-phone-red-flags.png", full_page=True)
        click(page, "#all-no")
        click(page, "#submit")
        arrive(page, "#question[data-kind=pain_map]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        for region in CLASSIC.pain:
            click(page, f'figure[data-leg=right] [data-region="{region}"]')
        shoot(page, shots / "07-phone-pain-map.png", full_page=True)
        click(page, "#submit")
        nerve_screen_none(page)
        arrive(page, "#question[data-kind=question]")
        answer_questions_by_clicking(page, CLASSIC)
        click(page, "#see-result")
        arrive(page, "#triage-banner")
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        shoot(page, shots / "08-phone-result.png")
        page.locator("table.evidence").scroll_into_view_if_needed()
        shoot(page, shots / "08b-phone-evidence.png")
        page.emulate_media(media="print")
        assert not page.locator("header.top").is_visible()
        assert not page.locator(".result-actions").is_visible()
        page.pdf(path=str(shots / "09-result-print.pdf"), format="A4")
        page.goto(page.url.replace("/result", "/handout"))
        page.pdf(path=str(shots / "10-handout-print.pdf"), format="A4")
        assert (shots / "09-result-print.pdf").stat().st_size > 10_000
    finally:
        context.close()


# ---- the teaching room ------------------------------------------------------------------------------------------
def test_stepper_lights_the_graph_as_rules_fire(page, server, shots):
    page.goto(server.entry("/teach/case/gmin-lateral-classic?n=0"))
    assert page.locator(".graph-pane .node.lit").count() == 0
    assert "salience" in page.inner_text("#why-next") or "only activation" in page.inner_text("#why-next")
    lit = []
    for step in range(1, 13):
        press(page, "ArrowRight")
        page.wait_for_url(f"**?n={step}")
        settle(page)
        lit.append(page.locator(".graph-pane .node.lit").count())
    assert lit[-1] > 0 and lit == sorted(lit)
    assert page.locator("#firing").count() == 1 and page.locator("#agenda tr.next").count() == 1
    page.goto(server.entry("/teach/case/gmin-lateral-classic?n=17"))  # MYT-001 declares three nodes
    assert page.locator(".graph-pane .node.declared, .graph-pane .node.matched").count() >= 1
    shoot(page, shots / "11-stepper.png", full_page=False)
    press(page, "ArrowLeft")
    page.wait_for_url("**n=16")
    click(page, page.locator('.graph-pane .node[data-node="m_gluteus_minimus"]'))
    page.wait_for_url("**whynot?target=gluteus_minimus")
    assert "gluteus minimus" in page.inner_text("#whynot-summary").lower()


def test_what_if_by_clicking_a_finding(page, server, shots):
    page.goto(server.entry("/teach/case/gmin-lateral-classic?n=200"))
    click(page, page.locator('.graph-pane .node[data-node="finding_ober_positive"]'))
    page.wait_for_url("**whatif**")
    assert "ober positive: no" in page.inner_text("#changes")
    page.goto(server.entry("/teach/case/redflag-fever-gmin-pattern"))
    click(page, page.locator('#findings a.flip:has-text("fever")'))
    page.wait_for_url("**whatif**")
    assert "CHANGED" in page.inner_text("#verdict")
    shoot(page, shots / "12-what-if.png", full_page=True)


def test_practice_critique_and_hints(page, server):
    from myotrace.expert.web.teach import practice_codes
    code = next(code for code, name in practice_codes().items() if name == "gmin-lateral-classic")
    page.goto(server.entry(f"/teach/practice?case={code}"))
    click(page, "#hint-link")
    page.wait_for_url("**hints=1")
    arrive(page, "#hints li")
    assert page.locator("#hints li").count() == 1
    page.select_option("#p-triage", "treat")
    page.select_option("#p-primary", "vastus_lateralis")
    page.fill("#p-chain", "vl")
    click(page, "#p-submit")
    arrive(page, "#critique")
    critique = page.inner_text("#critique")
    assert "correct" in critique and "the rules say the gluteus minimus" in critique
