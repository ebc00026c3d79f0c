"""diagnose --format html: one self-contained page, everything escaped, checked in a real browser."""
import json
import re
import struct
import subprocess
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
    assert tags.tags.count("svg") == 2  # the body chart and the derivation graph
    assert "TREAT — myofascial trigger-point chain" in page            # triage banner
    for heading in ("Body chart", "Evidence for and against", "Derivation", "Protocol", "Trace ("):
        assert f"<h2>{heading}" in page
    assert "palpation reproduces the familiar pain" in page or "tender point reproduces the pain" in page
    assert "palpated without reproducing the pain" in page             # evidence against
    assert "Compress the tender points of the gluteus minimus" in page   # protocol
    assert page.count("<tr><td>") >= 20                                 # the trace table, one row per firing
    assert "REF-003" in page and "brief §4 (Myofascial features" in page


def test_body_chart_shades_the_pain_and_marks_the_chain(classic):
    page = html_of(classic)
    for region in REGIONS:  # one shape per pain region of the vocabulary
        assert page.count(f'id="region-{region}"') == 1, region
    painful = set(re.findall(r'id="region-(\w+)" class="region pain"', page))
    assert painful == set(CLASSIC["pain"])
    assert re.findall(r'class="trigger-point" data-muscle="(\w+)"', page) == ["gluteus_minimus", "vastus_lateralis"]
    assert 'data-key="gluteus_minimus" data-satellite="vastus_lateralis"' in page  # key → satellite arrow


def test_body_chart_marks_the_ql_chain_after_a_leg_length_discrepancy(tmp_path):
    case = dict(CLASSIC, findings={**CLASSIC["findings"], "leg_length_discrepancy": True})
    page = html_of(write(tmp_path, "lld", case))
    assert re.findall(r'class="trigger-point" data-muscle="(\w+)"', page)[0] == "quadratus_lumborum"
    assert 'data-key="quadratus_lumborum" data-satellite="gluteus_minimus"' in page


def test_body_chart_without_a_chain_says_why(tmp_path):
    case = dict(CLASSIC, findings={**CLASSIC["findings"], "saddle_anesthesia": True})
    page = html_of(write(tmp_path, "cauda", case))
    assert "EMERGENCY" in page
    assert 'class="trigger-point"' not in page
    assert "No chain is marked: the triage is emergency." in page


def test_all_user_text_is_escaped(tmp_path):
    case = dict(CLASSIC, case=EVIL, notes=EVIL + "\nsecond line")
    page = html_of(write(tmp_path, "evil", case))
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in page
    assert "&#x27;single&#x27;" in page
    tags = parse(page)
    assert "script" not in tags.tags and "img" not in tags.tags
    assert all(name != "onerror" for name, _ in tags.attrs)


def test_several_cases_make_one_page(tmp_path, classic):
    other = write(tmp_path, "fever", dict(CLASSIC, case="fever", findings={"fever": True}))
    page = html_of(classic, other)
    assert page.count("<!DOCTYPE html>") == 1
    assert page.count('<section class="case"') == 2
    assert "URGENT REFERRAL" in page


def test_json_report_is_unchanged_by_the_html_format(classic):
    result = runner.invoke(app, ["diagnose", "--format", "json", str(classic)])
    assert json.loads(result.stdout)["primary_muscle"] == "gluteus_minimus"


def test_body_chart_is_well_formed_svg():
    import xml.etree.ElementTree as ET
    svg = body_chart(REGIONS, ["gluteus_minimus", "vastus_lateralis", "peroneus_longus"],
                     [("gluteus_minimus", "vastus_lateralis"), ("gluteus_minimus", "peroneus_longus")], "left",
                     note='a <note> & "more"')
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "a &lt;note&gt; &amp; &quot;more&quot;" in svg


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


def test_headless_chromium_shows_the_chart(tmp_path, classic, chromium_path):
    page = tmp_path / "report.html"
    page.write_text(html_of(classic), encoding="utf-8")
    shot = tmp_path / "report.png"
    subprocess.run([chromium_path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,1000",
                    page.as_uri()], capture_output=True, timeout=120, check=False)
    assert shot.is_file(), "chromium wrote no screenshot"
    counts = colours(shot)
    # the shaded pain regions (#e53935 at 62% over the pale skin) cover a good part of the chart
    assert count_pixels(counts, lambda r, g, b: r > 220 and 100 <= g <= 150 and 90 <= b <= 140) > 5000
    # the chain's trigger points (#b71c1c) and the key → satellite arrow (#e65100) are drawn
    assert count_pixels(counts, lambda r, g, b: 160 <= r <= 200 and g < 50 and b < 50) > 50
    assert count_pixels(counts, lambda r, g, b: r > 210 and 60 <= g <= 100 and b < 30) > 20
    # the green triage banner
    assert count_pixels(counts, lambda r, g, b: r < 60 and 110 <= g <= 135 and 40 <= b <= 60) > 10000
