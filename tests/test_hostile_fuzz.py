"""Fuzzing the parsers and the outputs (issue 10): raw bytes and hostile strings, not only valid cases.

Loaders: whatever the bytes, ``load_case`` and ``load_session`` return a valid
object or raise InputError, nothing else (no ValueError, RecursionError,
UnicodeError ...). Outputs: whatever the case id and notes, every format
renders, encodes as strict UTF-8, carries no raw control character, and keeps
the document's structure (one heading, no tag, no link).

Deterministic under the ci profile (tests/profiles.py) and a few seconds each.
"""
import io
import json
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.console import Console

from myotrace.expert.casefile import load_case
from myotrace.expert.errors import InputError
from myotrace.expert.interview.session import Session
from myotrace.expert.interview.store import load_session
from myotrace.expert.present.html import CasePage, case_section, document
from myotrace.expert.present.render import render_markdown, render_text
from myotrace.expert.present.safe import clean, visible
from myotrace.expert.report import build_report
from myotrace.facts.case import Case
from myotrace.facts.vocabulary import FINDINGS, MUSCLES, REGIONS
from profiles import at_most

ROOT = Path(__file__).resolve().parent.parent
CLASSIC_YAML = (ROOT / "cases" / "gmin-lateral-classic.yaml").read_bytes()
FUZZ = settings(max_examples=at_most(120),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
RENDER_FUZZ = settings(FUZZ, max_examples=at_most(40))  # a full report per example: fewer, to stay a few seconds

FRAGMENTS = [
    "[/b]", "[left]", "[bold red]", "[link=javascript:alert(1)]", "\\", "<script>", "</section>", "<!--",
    "&amp;", "&#0;", "\"", "'", "`", "```", "# ", "\n# h", "\n", "\r", "\t", "\x1b[2J", "\x1b]0;t\x07",
    "\x00", "\x07", "\x9b", "\u202e", "\u2028", "\ufeff", "\ud800", "\udfff", "javascript:", "[x](javascript:y)",
    "![i](x)", "*", "_", "|", "~~~", "---", "> ", "1. ", "- ", "{", "}", ":", "&", "é", "中", "👩‍⚕️", " ", "",
]
hostile_text = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=()), max_size=40),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join),
)

YAML_TOKENS = [
    "case", "side", "pain", "findings", "tender_points", "non_tender", "notes", "expect", "triage",
    ":", ": ", ", ", "[", "]", "{", "}", "- ", "\n", "\n  ", "  ", "&a ", "*a", "!!python/object:os.system ",
    "!!str ", "? ", "|", ">", "'", '"', "#", "---\n", "...\n", "%YAML 1.1\n", "true", "false", "unknown", "null",
    "~", "1" * 5000, "1e999", "0x1F", "2024-13-45", "\t", "\\ud800", "\x00", "\xa0", "left", "right",
    *REGIONS[:6], *MUSCLES[:4], *list(FINDINGS)[:6],
]
yamlish = st.lists(st.sampled_from(YAML_TOKENS), max_size=40).map("".join)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text,
                         st.sampled_from([*REGIONS[:4], *MUSCLES[:3], "unknown", "red_flags", "pain_map"]))
json_keys = st.one_of(hostile_text, st.sampled_from(list(Case.model_fields) + list(Session.model_fields)
                                                     + ["item", "value", *list(FINDINGS)[:8]]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(json_keys, inner, max_size=5)), max_leaves=20)


def mutated(original: bytes):
    """The original with a few bytes replaced, inserted or deleted."""
    edit = st.tuples(st.integers(0, len(original)), st.integers(0, 3), st.binary(max_size=6))

    def apply(edits):
        data = bytearray(original)
        for position, removed, inserted in edits:
            data[position:position + removed] = inserted
        return bytes(data)
    return st.lists(edit, min_size=1, max_size=4).map(apply)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def loads_or_refuses(loader, path: Path, kind):
    try:
        loaded = loader(path)
    except InputError as error:
        assert str(path) in str(error)
        return None
    assert isinstance(loaded, kind)
    return loaded


# ---- the case loader ----------------------------------------------------------------------------
@FUZZ
@given(data=st.one_of(st.binary(max_size=2048), mutated(CLASSIC_YAML)),
       suffix=st.sampled_from([".yaml", ".json"]))
def test_case_loader_over_raw_bytes(folder, data, suffix):
    path = folder / f"raw{suffix}"
    path.write_bytes(data)
    loads_or_refuses(load_case, path, Case)


@FUZZ
@given(text=yamlish)
def test_case_loader_over_yaml_like_text(folder, text):
    path = folder / "tokens.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    case = loads_or_refuses(load_case, path, Case)
    if case is not None:
        (case.case or "").encode("utf-8")  # nothing unencodable survives a load


@FUZZ
@given(value=json_values)
def test_case_loader_over_json_values(folder, value):
    path = folder / "value.json"
    path.write_text(json.dumps(value))  # ASCII: lone surrogates travel as \ud800 escapes
    case = loads_or_refuses(load_case, path, Case)
    if case is not None:
        f"{case.case}{case.notes}".encode("utf-8")


# ---- the session loader -------------------------------------------------------------------------------
VALID_SESSION = json.dumps({
    "format": "myotrace-session", "version": 1, "case": "s", "side": "left", "created": "", "updated": "",
    "answers": [{"item": "red_flags", "value": {"fever": False, "saddle_anesthesia": "unknown"}},
                {"item": "pain_map", "value": ["buttock", "lateral_thigh"]},
                {"item": "ober_positive", "value": True}],
    "go_on": False, "stopped": False}).encode()


@FUZZ
@given(data=st.one_of(st.binary(max_size=2048), mutated(VALID_SESSION)))
def test_session_loader_over_raw_bytes(folder, data):
    path = folder / "raw-session.json"
    path.write_bytes(data)
    loads_or_refuses(load_session, path, Session)


@FUZZ
@given(value=json_values, extra=st.dictionaries(json_keys, json_values, max_size=3))
def test_session_loader_over_json_values(folder, value, extra):
    path = folder / "value-session.json"
    data = {"format": "myotrace-session", "answers": value, **extra} if not isinstance(value, dict) else \
        {"format": "myotrace-session", **value}
    path.write_text(json.dumps(data))
    session = loads_or_refuses(load_session, path, Session)
    if session is not None:
        session.model_dump_json().encode("utf-8")


# ---- every output format ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def classic(engine):
    case = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")
    report = build_report(engine.consult(case), case)
    return report, list(engine.trace), list(case.pain)


def raw_controls(text: str, allowed: str = "\n") -> set[str]:
    return {c for c in text if unicodedata.category(c) in ("Cc", "Cs") and c not in allowed}


@RENDER_FUZZ
@given(case_id=hostile_text)
def test_text_report_over_hostile_case_ids(classic, case_id):
    report, _, _ = classic
    buffer = io.StringIO()
    render_text(report.model_copy(update={"case": case_id}), Console(file=buffer, width=80, highlight=False))
    out = buffer.getvalue()
    out.encode("utf-8")
    assert not raw_controls(out)


@RENDER_FUZZ
@given(case_id=hostile_text)
def test_markdown_report_over_hostile_case_ids(classic, case_id):
    report, _, _ = classic
    text = render_markdown(report.model_copy(update={"case": case_id}))
    text.encode("utf-8")
    assert not raw_controls(text)
    tokens = MarkdownIt("commonmark").parse(text)
    h1 = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1"]
    assert len(h1) == 1 and h1[0] == 0, "the case id made or broke a heading"
    shown = "".join(c.content for c in tokens[1].children if c.type == "text")
    assert shown.strip(" \t") == f"myotrace report: {visible(case_id)}".strip(" \t")
    html = MarkdownIt("commonmark").render(text)
    for tag in ("<script", "<a ", "<img", "<code", "<em>", "<del"):
        assert tag not in html


@RENDER_FUZZ
@given(case_id=hostile_text)
def test_json_report_over_hostile_case_ids(classic, case_id):
    report, _, _ = classic
    loaded_id = clean(case_id)  # what a loader hands over: no lone surrogate
    text = report.model_copy(update={"case": loaded_id}).to_json()
    assert json.loads(text.encode("utf-8"))["case"] == loaded_id
    assert not {c for c in text if ord(c) < 0x20 and c != "\n"}, "JSON escapes C0 controls (RFC 8259)"


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.ids, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.ids += [value for name, value in attrs if name == "id"]

    def handle_data(self, data):
        self.text.append(data)


@RENDER_FUZZ
@given(case_id=hostile_text, notes=st.one_of(st.none(), hostile_text))
def test_html_report_over_hostile_case_ids_and_notes(classic, case_id, notes):
    report, trace, pain = classic
    item = CasePage(report.model_copy(update={"case": case_id}), trace, pain, [], notes)
    page = document([case_section(item, 0)])
    page.encode("utf-8")
    assert not raw_controls(page)
    parsed = Tags()
    parsed.feed(page)
    assert not {"script", "a", "img", "iframe", "object", "embed", "form"} & set(parsed.tags)
    assert parsed.tags.count("h1") == 1  # one case, one headline
    assert "case-0" in parsed.ids  # ids are numbered per case; the case id is text only
    assert visible(case_id) in "".join(parsed.text)
