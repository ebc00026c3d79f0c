"""The consultation room measured as a therapist sees it, in headless Chromium at 1280×900 and 390×844:
where the answer buttons are, how wide and tall each page is, how many A4 pages the result prints on,
the side kept from creation to the handout, the emergency heading right after the red-flag screen,
a keyboard-only consultation, and every page of a whole consultation scanned for raw ids and, on the
handout, for clinical jargon.

Under CI=true a missing browser or Playwright fails the run; elsewhere these tests are skipped.
Screenshots and PDFs go to $MYOTRACE_SHOTS (default: a temporary folder).
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from myotrace.expert.casefile import load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.interview.session import Prompt, answer_from_case
from myotrace.expert.report import build_report
from myotrace.facts.vocabulary import FINDINGS, MUSCLES, REGIONS

from browsing import settle, shoot

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
KEYS = {True: "1", False: "2", "unknown": "3"}


def open_page(browser, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return context, page, errors


@pytest.fixture(params=[DESK, PHONE], ids=["1280x900", "390x844"])
def sized(request, browser):
    context, page, errors = open_page(browser, request.param)
    yield page, request.param
    context.close()
    assert not errors, errors


@pytest.fixture
def desk(browser):
    context, page, errors = open_page(browser, DESK)
    yield page
    context.close()
    assert not errors, errors


def settled(page):
    """Until htmx has swapped and settled: a key pressed before that would submit an unwired form."""
    settle(page)


def start(page, server, label, side="right"):
    page.goto(server.entry("/"))
    page.fill("input[name=case]", label)
    page.select_option("select[name=side]", side)
    page.click("#new-consultation")
    page.wait_for_selector("#question[data-kind=red_flag_screen]")
    settled(page)
    return page.url.rsplit("/", 1)[1]


def answer_and_wait(page, selector):
    count = page.locator(".answer-list li").count()
    page.click(selector)
    page.wait_for_function("n => document.querySelectorAll('.answer-list li').length !== n", arg=count)
    settled(page)


def width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def height(page):
    return page.evaluate("document.documentElement.scrollHeight")


def on_first_screen(page, selector, viewport):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def pdf_pages(path: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


def expected(case):
    return build_report(get_engine().consult(case), case)


def nerve_screen_none(page):
    """The nerve screen after the pain map: every sign examined and absent (as the classic case says)."""
    page.wait_for_selector("#question[data-kind=nerve_screen]")
    page.click("#all-no")
    answer_and_wait(page, "#submit")


def red_flags_and_map(page, viewport, case=CLASSIC, leg="right"):
    assert on_first_screen(page, "#submit", viewport) or viewport is PHONE
    page.click("#all-no")
    answer_and_wait(page, "#submit")
    page.wait_for_selector("#question[data-kind=pain_map]")
    for region in case.pain:
        page.click(f'figure[data-leg={leg}] [data-region="{region}"]')
    answer_and_wait(page, "#submit")
    nerve_screen_none(page)


# ---- what a therapist sees, measured --------------------------------------------------------
def test_every_question_fits_the_screen_and_the_page_never_scrolls_sideways(sized, server, shots):
    page, viewport = sized
    name = f"{viewport['width']}"
    start(page, server, f"measure-{name}")
    assert width(page) <= viewport["width"]
    if viewport is DESK:
        assert on_first_screen(page, "#submit", viewport), "the red-flag screen's Record button is below the fold"
    shoot(page, shots / f"room-{name}-01-red-flags.png", full_page=True)
    page.click("#all-no")
    answer_and_wait(page, "#submit")
    page.wait_for_selector("#question[data-kind=pain_map]")
    assert width(page) <= viewport["width"]
    assert height(page) <= 3 * viewport["height"]
    assert on_first_screen(page, "#submit", viewport)
    for region in CLASSIC.pain:
        page.click(f'figure[data-leg=right] [data-region="{region}"]')
    shoot(page, shots / f"room-{name}-02-pain-map.png", full_page=True)
    answer_and_wait(page, "#submit")
    page.wait_for_selector("#question[data-kind=nerve_screen]")
    assert width(page) <= viewport["width"]
    if viewport is DESK:
        assert on_first_screen(page, "#submit", viewport), "the nerve screen's Record button is below the fold"
    nerve_screen_none(page)
    asked = 3
    while page.locator("#question[data-kind=question]").count():
        item = page.get_attribute("#question", "data-item")
        assert width(page) <= viewport["width"], item
        assert height(page) <= 3 * viewport["height"], item
        if viewport is DESK:
            assert on_first_screen(page, '#question button[data-key="1"]', viewport), item
            assert on_first_screen(page, '#question button[data-key="3"]', viewport), item
        if item.startswith("palpate:") and not (shots / f"room-{name}-03-palpation.png").exists():
            shoot(page, shots / f"room-{name}-03-palpation.png", full_page=True)
        value = answer_from_case(CLASSIC, Prompt("question", (item,), ()))
        answer_and_wait(page, f'#question button[data-key="{KEYS[value]}"]')
        asked += 1
    page.wait_for_selector("#summary")
    assert "on the right" not in page.inner_text("#summary")
    page.click("#see-result")
    page.wait_for_selector("#triage-banner")
    assert width(page) <= viewport["width"]
    shoot(page, shots / f"room-{name}-04-result.png", full_page=True)
    page.goto(server.entry("/"))
    assert width(page) <= viewport["width"], "the consultation list scrolls sideways"
    shoot(page, shots / f"room-{name}-00-home.png", full_page=True)


def test_the_result_prints_on_at_most_four_a4_pages(desk, server, shots):
    cid = start(desk, server, "print")
    red_flags_and_map(desk, DESK)
    while desk.locator("#question[data-kind=question]").count():
        value = answer_from_case(CLASSIC, Prompt("question", (desk.get_attribute("#question", "data-item"),), ()))
        answer_and_wait(desk, f'#question button[data-key="{KEYS[value]}"]')
    desk.goto(server.entry(f"/c/{cid}/result"))
    desk.emulate_media(media="print")
    pdf = shots / "room-result.pdf"
    desk.pdf(path=str(pdf), format="A4")
    assert 1 <= pdf_pages(pdf) <= 4
    desk.emulate_media(media="screen")
    # the chart is small and both views sit in one row: three views side by side, well under a screen tall
    views = desk.locator(".result-chart figure").first.locator("svg.view")
    boxes = [views.nth(i).bounding_box() for i in range(views.count())]
    assert len(boxes) == 3 and len({round(b["y"]) for b in boxes}) == 1 and boxes[0]["height"] < 600
    desk.goto(server.entry(f"/c/{cid}/handout"))
    desk.emulate_media(media="print")
    handout = shots / "room-handout.pdf"
    desk.pdf(path=str(handout), format="A4")
    assert pdf_pages(handout) == 1  # one sheet to hand over


def test_the_side_chosen_at_creation_is_kept_to_the_result_and_the_handout(desk, server):
    cid = start(desk, server, "left-sided", side="left")
    desk.click("#all-no")
    answer_and_wait(desk, "#submit")
    desk.wait_for_selector("#question[data-kind=pain_map]")
    assert desk.locator("figure.leg-figure").count() == 1
    assert desk.get_attribute("figure.leg-figure", "data-leg") == "left"
    assert desk.locator(".leg-button").count() == 0
    desk.click('figure[data-leg=left] [data-region="buttock"]')
    # only the left buttock is marked: the right half is drawn for orientation and takes no click
    assert desk.locator('figure[data-leg=left] [data-side="right"] .selected').count() == 0
    assert desk.locator('figure[data-leg=left] [data-side="left"] .selected').count() == 1
    for region in CLASSIC.pain[1:]:
        desk.click(f'figure[data-leg=left] [data-region="{region}"]')
    answer_and_wait(desk, "#submit")
    assert "left side" in desk.inner_text(".screen-head h1")
    from urllib.request import urlopen
    import json
    with urlopen(server.request(f"/api/consultations/{cid}")) as answer:
        assert json.loads(answer.read())["side"] == "left"
    desk.goto(server.entry(f"/c/{cid}/result"))
    assert desk.inner_text("#result-side") == "left"
    assert desk.locator('.result-chart figure[data-leg="right"]').count() == 0
    desk.goto(server.entry(f"/c/{cid}/handout"))
    assert "left side" in desk.inner_text("#handout")


def test_a_red_flag_shows_the_emergency_first_at_once(sized, server, shots):
    page, viewport = sized
    start(page, server, "bladder")
    page.click("#all-no")
    page.check('input[name="flag:bladder_dysfunction"][value="true"]')
    answer_and_wait(page, "#submit")
    page.wait_for_selector("#emergency")
    assert on_first_screen(page, "#emergency-heading", viewport)
    assert page.inner_text("#emergency-heading").startswith("EMERGENCY")
    assert page.locator("#summary").count() == 0
    shoot(page, shots / f"room-{viewport['width']}-05-emergency.png")
    # changing the screen later to another cauda equina flag leads to the same screen
    page.click("#change-red-flags")
    page.wait_for_selector(".changing")
    page.check('input[name="flag:bladder_dysfunction"][value="false"]')
    page.check('input[name="flag:saddle_anesthesia"][value="true"]')
    page.click("#submit")
    page.wait_for_selector("#emergency:has-text('saddle')")
    settled(page)
    assert on_first_screen(page, "#emergency-heading", viewport)
    # the patient handout says where to go, in the patient's words, without the clinician's text
    page.click("#see-result")
    page.wait_for_selector("#triage-banner")
    page.click("#handout-link")
    text = page.inner_text("#handout")
    assert "emergency department now" in text
    assert "MRI" not in text and "Do not treat" not in text and "cauda equina" not in text.lower()


def test_a_whole_consultation_by_keyboard_only(desk, server):
    desk.goto(server.entry("/"))
    while desk.evaluate("document.activeElement.name") != "case":
        desk.keyboard.press("Tab")
    desk.keyboard.type("keys-only")
    desk.keyboard.press("Enter")
    desk.wait_for_selector("#question[data-kind=red_flag_screen]")
    settled(desk)
    for _ in range(desk.locator(".flag-row").count()):
        desk.keyboard.press("2")
    desk.keyboard.press("Enter")
    desk.wait_for_selector("#question[data-kind=pain_map]")
    settled(desk)
    wanted = set(CLASSIC.pain)
    for _ in range(120):
        desk.keyboard.press("Tab")
        region = desk.evaluate("document.activeElement.getAttribute('data-region')")
        if region in wanted:
            desk.keyboard.press("Space")
            wanted.discard(region)
        if not wanted:
            break
    assert not wanted
    desk.evaluate("document.activeElement.blur()")
    desk.keyboard.press("Enter")
    desk.wait_for_selector("#question[data-kind=nerve_screen]")
    settled(desk)
    for _ in range(desk.locator(".flag-row").count()):
        desk.keyboard.press("2")  # examined, absent; then the next sign
    desk.keyboard.press("Enter")
    desk.wait_for_selector("#question[data-kind=question]")
    settled(desk)
    while desk.locator("#question[data-kind=question]").count():
        value = answer_from_case(CLASSIC, Prompt("question", (desk.get_attribute("#question", "data-item"),), ()))
        count = desk.locator(".answer-list li").count()
        desk.keyboard.press(KEYS[value])
        desk.wait_for_function("n => document.querySelectorAll('.answer-list li').length !== n", arg=count)
        settled(desk)
    desk.wait_for_selector("#summary")
    desk.keyboard.press("Enter")
    desk.wait_for_selector("#triage-banner")
    want = expected(CLASSIC)
    assert f"triage: {want.triage}" in desk.inner_text("#triage-banner")
    assert all(m.replace("_", " ") in desk.inner_text("#chain") for m in want.chain)


# ---- raw ids and jargon ---------------------------------------------------------------------------
IDS = [i for i in list(FINDINGS) + list(MUSCLES) + list(REGIONS) if "_" in i]
RAW = re.compile(r"\b(?:" + "|".join(map(re.escape, IDS)) + r"|palpate:[a-z_]+|trp\d)\b")
SPOKEN_IDS = ["slr positive", "trp2", "trp1", "ober positive", "pain worse below knee", "foam rolling brief relief",
              "pain on cough sneeze", "night pain unrelenting", "itb tender", "pain single leg stance",
              "saddle anesthesia", "bilateral sciatica", "lateral epicondyle tender"]
JARGON = ["adduction", "abductor", "satellite", "palpat", "isometric", "myofascial", "dermatom", "myotom",
          "radicul", "cauda equina", "mri", "do not treat", "triage", "certainty", "referral", "→", "qst-",
          "saf-", "supported", "perpetuating", "protocol"]


def visible_text(page):
    return page.inner_text("main")


def test_no_page_of_a_whole_consultation_shows_a_raw_id_and_the_handout_no_jargon(desk, server):
    cid = start(desk, server, "scan")
    pages = {"red flags": visible_text(desk)}
    red_flags_and_map(desk, DESK)
    while desk.locator("#question[data-kind=question]").count():
        item = desk.get_attribute("#question", "data-item")
        pages[item] = visible_text(desk)
        value = answer_from_case(CLASSIC, Prompt("question", (item,), ()))
        answer_and_wait(desk, f'#question button[data-key="{KEYS[value]}"]')
    pages["summary"] = visible_text(desk)
    desk.click('button.change[data-item="ober_positive"]')
    desk.wait_for_selector("#current-answer")
    assert "yes" in desk.inner_text("#current-answer")  # the change screen shows the answer it changes
    pages["change"] = visible_text(desk)
    for view in ("result", "handout"):
        desk.goto(server.entry(f"/c/{cid}/{view}"))
        pages[view] = visible_text(desk)
    for name, text in pages.items():
        assert not RAW.search(text), (name, RAW.search(text).group(0))
        spoken = [w for w in SPOKEN_IDS if w in text.lower()]
        assert not spoken, (name, spoken)
    handout = pages["handout"].lower()
    assert not [w for w in JARGON if w in handout], [w for w in JARGON if w in handout]
    assert "?" not in handout, "the handout asks questions instead of saying what to do"
    assert "emergency department" in handout and "come back sooner" in handout
    sentences = [s for s in re.split(r"[.!:\n]", pages["handout"]) if s.strip()]
    assert max(len(s.split()) for s in sentences) <= 25, "a handout sentence is too long for a patient"
