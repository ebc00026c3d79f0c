"""The teaching room's pages in Chromium: the differential side by side at 1280 px and stacked
at 390 px, the region lookup, and their printed size; no page scrolls sideways.

Under CI=true a missing browser or Playwright fails the run; elsewhere these tests are skipped.
Screenshots and PDFs go to $MYOTRACE_SHOTS (default: a temporary folder).
"""
import re
from pathlib import Path

import pytest

from browsing import shoot


L5 = "gmin-mistaken-for-l5"


def open_page(browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return context, page, errors


def pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_differential_side_by_side_on_a_desk_and_stacked_on_a_phone(browser, server, shots):
    context, page, errors = open_page(browser, 1280, 900)
    page.goto(server.entry(f"/teach/case/{L5}/differential"))
    boxes = [page.locator(".picture").nth(i).bounding_box() for i in range(page.locator(".picture").count())]
    assert len(boxes) == 5
    assert len({round(box["y"]) for box in boxes}) == 1, "the five pictures share one row"
    assert page_width(page) <= 1280
    shoot(page, shots / "differential-1280.png", full_page=True)
    page.pdf(path=str(shots / "differential.pdf"), format="A4")
    printed = pdf_pages(shots / "differential.pdf")
    assert 1 <= printed <= 8, printed
    context.close()
    assert not errors, errors

    context, page, errors = open_page(browser, 390, 844)
    page.goto(server.entry(f"/teach/case/{L5}/differential"))
    assert page_width(page) <= 390
    boxes = [page.locator(".picture").nth(i).bounding_box() for i in range(5)]
    assert all(box["x"] + box["width"] <= 390 for box in boxes)
    assert boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] - 1, "stacked on a phone"
    shoot(page, shots / "differential-390.png", full_page=True)
    context.close()
    assert not errors, errors


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_region_lookup_fits_the_screen(browser, server, shots, width, height):
    context, page, errors = open_page(browser, width, height)
    page.goto(server.entry("/teach/refers-to"))
    page.select_option("#region", "lateral_calf")
    page.click("form button[type=submit]")
    page.wait_for_selector("#refers-essential")
    assert "gluteus minimus" in page.inner_text("#refers-essential")
    assert "peroneus longus" in page.inner_text("#refers-spill-over")
    assert page_width(page) <= width
    shoot(page, shots / f"refers-to-{width}.png", full_page=True)
    context.close()
    assert not errors, errors


def _inside(inner, outer) -> bool:
    return (inner["x"] >= outer["x"] - 1 and inner["y"] >= outer["y"] - 1
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1)


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_stepper_shows_the_state_after_the_firing_and_brings_it_into_view(browser, server, shots, width, height):
    from myotrace.expert.casefile import load_case
    from myotrace.expert.engine import get_engine
    case = load_case(Path(__file__).resolve().parent.parent / "cases" / f"{L5}.yaml")
    trace = get_engine().consult(case).trace
    fifth = trace[4]
    change = next(c for c in fifth.certainty if c["muscle"] == "gluteus_minimus")
    context, page, errors = open_page(browser, width, height)
    page.goto(server.entry(f"/teach/case/{L5}?n=5"))
    node = page.locator("#dg-m_gluteus_minimus").text_content()
    assert f"cf {change['after']:.2f}" in node and "0.89" not in node       # the state after firing 5, not the end
    assert f"gluteus minimus: {change['before']:.2f} → {change['after']:.2f}" in page.inner_text("#certainty")
    assert page_width(page) <= width                                          # no sideways page scroll
    for n in (5, 14, len(trace)):
        page.goto(server.entry(f"/teach/case/{L5}?n={n}"))
        page.wait_for_timeout(50)
        lit = page.locator(".graph-pane .node.declared, .graph-pane .node.matched").first
        assert _inside(lit.bounding_box(), page.locator(".graph-scroll").bounding_box()), n
        assert page_width(page) <= width
    firing = page.locator("#firing").bounding_box()
    assert firing["x"] + firing["width"] <= width                            # the firing text is not cut off
    shoot(page, shots / f"stepper-{width}.png", full_page=False)
    context.close()
    assert not errors, errors


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_muscle_page_is_a_readable_size_and_prints_what_kb_show_prints(browser, server, shots, width, height):
    context, page, errors = open_page(browser, width, height)
    page.goto(server.entry("/teach/muscle/gluteus_minimus"))
    total = page.evaluate("document.documentElement.scrollHeight")
    assert total < 5000, total                           # was ~20,000 px: every view drawn full width
    assert page_width(page) <= width
    views = page.locator("#muscle-chart svg")
    assert views.count() >= 3
    assert all(views.nth(i).bounding_box()["height"] <= 0.6 * height + 2 for i in range(views.count()))
    text = page.inner_text("main")
    assert "pain map" not in text and "(painful)" not in page.content()   # no patient on this page
    assert "leg-length difference" in page.inner_text("#perpetuating")
    assert "pillow between the knees" in page.inner_text("#self-care")
    assert "Travell JG, Simons DG (1992)" in page.inner_text("#references")
    shoot(page, shots / f"muscle-{width}.png", full_page=True)
    context.close()
    assert not errors, errors


def test_an_educator_loads_a_case_file_into_the_teaching_room(browser, server, shots, tmp_path):
    own = tmp_path / "seminar.yaml"
    own.write_text((Path(__file__).resolve().parent.parent / "cases" / f"{L5}.yaml").read_text(encoding="utf-8")
                   .replace(f"case: {L5}", "case: seminar-l5-mimic"), encoding="utf-8")
    context, page, errors = open_page(browser, 390, 844)
    page.goto(server.entry("/teach"))
    assert page_width(page) <= 390
    assert page.locator(".case-line").count() > 50          # every library case with a line of description
    page.set_input_files("#own-file", str(own))
    page.wait_for_function("document.querySelector('#own-yaml').value.includes('seminar-l5-mimic')")
    page.click("#own-submit")
    page.wait_for_url("**/teach/case/own-*")
    assert "seminar-l5-mimic" in page.inner_text("h1")
    page.click("#differential-link")
    assert page.locator(".picture").count() == 5
    context.close()
    assert not errors, errors
