"""diagnose --format html: one self-contained page, everything escaped, checked in a real browser."""
import json
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from casedata import CLASSIC
from myotrace.cli import app
from myotrace.expert.present.bodychart import body_chart
from myotrace.facts.vocabulary import REGIONS

runner = CliRunner()
EVIL = '<script>alert("pwned")</script> & <img src=x onerror=alert(1)> "quoted" \'single\''


def write(tmp_path, name, data) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def html_of(*paths) -> str:
    result = runner.invoke(app, ["diagnose", "--format", "html", *map(str, paths)])
    assert result.exit_code == 0, result.output
    return result.stdout


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def parse(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    return parser


@pytest.fixture
def classic(tmp_path) -> Path:
    return write(tmp_path, "gmin-lateral-classic", CLASSIC)


def test_page_is_one_self_contained_document(classic):
    page = html_of(classic)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    tags = parse(page)
    assert "script" not in tags.tags and "link" not in tags.tags and "iframe" not in tags.tags
    for name, value in tags.attrs:  # no attribute fetches anything
        assert name not in ("src", "href", "srcset", "action"), (name, value)
        assert not (value or "").startswith(("http:", "https:", "//")) or name == "xmlns", (name, value)
    for url in re.findall(r"url\(([^)]*)\)", page):
        assert url.startswith("#"), url  # only references inside the page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_page_has_every_section(classic):
    page = html_of(classic)
    tags = parse(page)
    assert tags.tags.count("svg") == 4  # front, back and right-side views, and the derivation graph
    assert "TREAT — myofascial trigger-point chain" in page            # triage banner
    for heading in ("Case as given", "Primary muscle and chain", "Body chart", "Candidates: evidence for and against",
                    "Derivation", "Protocol"):
        assert f"<h2>{heading}" in page
    assert page.index("<h2>Case as given") < page.index("<h2>Primary muscle and chain")
    assert "<summary>Trace (" in page
    assert "palpation reproduces the familiar pain" in page or "tender point reproduces the pain" in page
    assert "palpated without reproducing the pain" in page             # evidence against
    assert "Compress the tender points of the gluteus minimus" in page   # protocol
    assert page.count("<tr><td>") >= 20                                 # the trace table, one row per firing
    assert "REF-003" in page and "Simons et al. 1999, trigger-point diagnosis" in page


def test_case_summary_states_the_case_as_given(classic):
    page = html_of(classic)
    assert "<dt>Presentation</dt><dd>Right-sided pain in the buttock, lateral thigh, lateral knee and lateral calf." in page
    assert "Present: ober positive; absent: slr positive, dermatomal numbness, reflex reduced and myotomal weakness." in page
    assert "Gluteus minimus tender, reproducing the familiar pain; piriformis not tender." in page


def test_body_chart_shades_the_pain_and_marks_the_chain(classic):
    page = html_of(classic)
    drawn = set(re.findall(r'class="region \w+" data-region="(\w+)"', page))
    assert drawn == set(REGIONS)  # every pain region of the vocabulary has a shape
    painful = re.findall(r'class="region pain" data-region="(\w+)" data-side="(\w+)"', page)
    assert {side for _r, side in painful} == {"right"}        # only the painful side is shaded
    assert {region for region, _s in painful} == set(CLASSIC["pain"])
    muscles = re.findall(r'class="tp" data-muscle="(\w+)"', page)
    assert list(dict.fromkeys(muscles)) == ["gluteus_minimus", "vastus_lateralis"]
    assert 'data-key="gluteus_minimus" data-satellite="vastus_lateralis"' in page  # key → satellite arrow
    referred = set(re.findall(r'class="arrow referral" data-muscle="gluteus_minimus" data-region="(\w+)"', page))
    assert referred == set(CLASSIC["pain"])  # the minimus' zones cover the whole pain map


def test_body_chart_marks_the_ql_chain_after_a_leg_length_discrepancy(tmp_path):
    # leg length alone is below the threshold; with pain on coughing the QL leads on its own evidence
    case = dict(CLASSIC, findings={**CLASSIC["findings"], "leg_length_discrepancy": True, "pain_on_cough_sneeze": True})
    page = html_of(write(tmp_path, "lld", case))
    assert re.findall(r'class="tp" data-muscle="(\w+)"', page)[0] == "quadratus_lumborum"
    assert 'data-key="quadratus_lumborum" data-satellite="gluteus_minimus"' in page


def test_body_chart_without_a_chain_says_why(tmp_path):
    case = {"case": "thin", "pain": ["buttock"]}
    page = html_of(write(tmp_path, "thin", case))
    assert "INSUFFICIENT EVIDENCE" in page
    assert 'class="tp"' not in page
    assert "No chain is marked: the triage is insufficient evidence." in page


def test_red_flag_report_leads_with_the_referral_and_its_reason(tmp_path):
    case = dict(CLASSIC, findings={**CLASSIC["findings"], "saddle_anesthesia": True, "itb_tender": True})
    page = html_of(write(tmp_path, "cauda", case))
    assert "EMERGENCY" in page
    headings = re.findall(r"<h[23]>([^<]+)", page)
    assert headings[:2] == ["Referral", "Red flags"]
    assert "saddle anesthesia:" in page  # the red flag with the statement of the rule that found it
    for absent in ("Myths corrected", "Avoid", "Body chart", "Derivation", "Candidates: evidence for and against",
                   "Protocol"):
        assert absent not in headings, absent
    assert 'class="body-chart"' not in page and 'class="derivation"' not in page and 'class="tp"' not in page


def test_all_user_text_is_escaped(tmp_path):
    case = dict(CLASSIC, case=EVIL, notes=EVIL + "\nsecond line")
    page = html_of(write(tmp_path, "evil", case))
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in page
    assert "&#x27;single&#x27;" in page
    tags = parse(page)
    assert "script" not in tags.tags and "img" not in tags.tags
    assert all(name != "onerror" for name, _ in tags.attrs)


def test_several_cases_make_one_page_with_unique_ids(tmp_path, classic):
    other = write(tmp_path, "fever", dict(CLASSIC, case="fever", findings={"fever": True}))
    third = write(tmp_path, "lld", dict(CLASSIC, case="lld", side="both",
                                       findings={**CLASSIC["findings"], "leg_length_discrepancy": True}))
    page = html_of(classic, other, third)
    assert page.count("<!DOCTYPE html>") == 1
    assert page.count('<section class="case"') == 3
    assert "URGENT REFERRAL" in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for reference in set(re.findall(r"url\(#([^)]+)\)", page)):
        assert reference in ids, reference


def test_json_report_is_unchanged_by_the_html_format(classic):
    result = runner.invoke(app, ["diagnose", "--format", "json", str(classic)])
    assert json.loads(result.stdout)["primary_muscle"] == "gluteus_minimus"


def test_body_chart_is_well_formed_and_ids_are_prefixed():
    import xml.etree.ElementTree as ET
    chart = body_chart(REGIONS, [["gluteus_minimus", "vastus_lateralis", "peroneus_longus"]],
                       [("gluteus_minimus", "vastus_lateralis"), ("gluteus_minimus", "peroneus_longus")], "both",
                       prefix="c7-chart", note='a <note> & "more"')
    root = ET.fromstring(chart)
    svgs = [el for el in root.iter() if el.tag.endswith("svg")]
    assert [s.get("data-view") for s in svgs] == ["front", "back", "side", "side"]  # both sides: two lateral views
    assert {s.get("data-side") for s in svgs[2:]} == {"right", "left"}
    assert all(el.get("id").startswith("c7-chart-") for el in root.iter() if el.get("id"))
    assert "a &lt;note&gt; &amp; &quot;more&quot;" in chart


def test_region_geometry_uses_exactly_the_contract_ids():
    from myotrace.expert.present.bodychart import SHAPES, SITES
    from myotrace.facts.knowledge import knowledge
    from myotrace.facts.vocabulary import MUSCLES
    assert {shape.region for shape in SHAPES} == set(REGIONS)
    kb = knowledge()
    for muscle in MUSCLES:  # every referral pattern of the knowledge base has a trigger-point site
        parts = {p.part for p in kb.muscles[muscle].patterns}
        assert parts == {site.part for site in SITES if site.muscle == muscle}, muscle


# ---- in a real headless browser ------------------------------------------------------------------
def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and raw RGB(A) rows of an 8-bit PNG (stdlib only)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, *_ = header
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r) for r in rows]


def colours(png: Path) -> dict[tuple[int, int, int], int]:
    """How many pixels of each colour the screenshot has."""
    width, _height, rows = read_png(png)
    channels = len(rows[0]) // width
    counts: dict[tuple[int, int, int], int] = {}
    for row in rows:
        for x in range(0, len(row), channels):
            key = (row[x], row[x + 1], row[x + 2])
            counts[key] = counts.get(key, 0) + 1
    return counts


def count_pixels(counts, test) -> int:
    return sum(n for (r, g, b), n in counts.items() if test(r, g, b))


def test_headless_chromium_shows_the_chart(tmp_path, classic, browser):
    page = tmp_path / "report.html"
    page.write_text(html_of(classic), encoding="utf-8")
    shot = tmp_path / "report.png"
    view = browser.new_page(viewport={"width": 1200, "height": 1000})
    try:
        view.goto(page.as_uri())
        view.screenshot(path=str(shot))
    finally:
        view.close()
    assert shot.is_file(), "chromium wrote no screenshot"
    counts = colours(shot)
    # the shaded pain regions (#e53935 at 62% over the pale skin) cover a good part of the chart
    assert count_pixels(counts, lambda r, g, b: r > 220 and 100 <= g <= 150 and 90 <= b <= 140) > 5000
    # the chain's trigger points (#b71c1c) and the key → satellite arrow (#e65100) are drawn
    assert count_pixels(counts, lambda r, g, b: 160 <= r <= 200 and g < 50 and b < 50) > 50
    assert count_pixels(counts, lambda r, g, b: r > 210 and 60 <= g <= 100 and b < 30) > 20
    # the green triage banner
    assert count_pixels(counts, lambda r, g, b: r < 60 and 110 <= g <= 135 and 40 <= b <= 60) > 10000


# ---- secondary chains in every view ----------------------------------------------------------------
TENDER_HAMSTRINGS = dict(CLASSIC, case="gmin-with-tender-hamstrings",
                         pain=CLASSIC["pain"] + ["posterior_thigh", "posterior_knee"],
                         findings={**CLASSIC["findings"], "pain_prolonged_sitting": True},
                         tender_points=["gluteus_minimus", "hamstrings"])


def with_secondary(path):
    """The case's report, page and engine: the tender hamstrings form a secondary chain."""
    from myotrace.expert.casefile import load_case
    from myotrace.expert.engine import get_engine
    from myotrace.expert.present.html import page as case_page
    from myotrace.expert.report import build_report
    case = load_case(path)
    engine = get_engine().consult(case)
    report = build_report(engine, case)
    assert report.secondary_chains == [["hamstrings"]]
    return report, case_page(report, engine, case), engine, case


def test_secondary_chains_show_in_html_text_markdown_and_graph(tmp_path):
    from rich.console import Console

    from myotrace.expert.present.html import render_html
    from myotrace.expert.present.render import render_markdown, render_text
    from myotrace.expert.teach.graph import build_graph, to_dot, to_mermaid
    report, item, engine, case = with_secondary(write(tmp_path, "ham", TENDER_HAMSTRINGS))
    page = render_html([item])
    assert "<h2>Secondary chains (treated after the primary&#x27;s)</h2><ul><li>hamstrings (0.72)</li></ul>" in page
    assert re.findall(r'class="tp" data-muscle="(\w+)"', page).count("hamstrings") >= 1   # on the chart
    assert 'data-node="secondary_1"' in page                                                # in the graph
    assert "Secondary chains (treated after the primary's)" in render_markdown(report, case)
    console = Console(record=True, width=100)
    render_text(report, console, case)
    assert "hamstrings" in console.export_text().split("Secondary chains")[1]
    graph = build_graph(engine.trace, report.secondary_chains)
    assert "secondary_1" in to_mermaid(graph) and "m_hamstrings -> secondary_1" in to_dot(graph)


def test_tender_hamstrings_outside_the_chain_reach_the_protocol(tmp_path):
    """A muscle whose palpation reproduces the pain is an active source at any certainty."""
    result = runner.invoke(app, ["diagnose", "--format", "json", str(write(tmp_path, "ham", TENDER_HAMSTRINGS))])
    report = json.loads(result.stdout)
    assert report["chain"][0] == "gluteus_minimus"
    assert ["hamstrings"] in report["secondary_chains"]
    assert any("hamstrings" in step for step in report["protocol"]["steps"])
