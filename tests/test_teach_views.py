"""Every teaching view, for every library case, speaks to students in words: no Python repr
(``HeldKey(muscle=…)``, ``= True``), no snake_case id (``gluteus_minimus``), no raw reference key
(``travell-simons-1992``). The terminal views (explain, --step, --why-not, what-if, differential,
kb show, kb refers-to) and the teaching room's pages (stepper, what-if, why-not, differential,
practice, rule catalogue, muscle pages) are all rendered and read as a student would."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from myotrace.cli import app
from myotrace.expert.casefile import case_paths, load_case
from myotrace.expert.engine import get_engine
from myotrace.facts.knowledge import knowledge
from myotrace.facts.vocabulary import MUSCLES, REGIONS, label

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = case_paths([ROOT / "cases"])
runner = CliRunner()

SNAKE = re.compile(r"(?<![\w/.#:=?&-])[a-z]+(?:_[a-z0-9]+)+(?![\w/(-])")
REPR = re.compile(r"\b[A-Z][A-Za-z]+\([a-z_]+=|=\s?(True|False|None)\b|\[['\"]|\{['\"]|\b(True|False|None)\b"
                  r"|\bthe any part\b|\bits no part\b|\bnot palpated non-tender\b|\bcf=")
KEYS = sorted(knowledge().references, key=len, reverse=True)
# Every reference key standing alone, in one pattern: one pass over a text, not one per key.
RAW_KEY = re.compile(rf"(?<![\w/.-])({'|'.join(map(re.escape, KEYS))})(?![\w-])")


def problems(text: str) -> list[str]:
    found = [f"snake_case id {m.group()!r}" for m in SNAKE.finditer(text)]
    found += [f"program text {m.group()!r}" for m in REPR.finditer(text)]
    raw = {m.group(1) for m in RAW_KEY.finditer(text)}
    found += [f"raw reference key {key!r}" for key in KEYS if key in raw]
    return found


def test_the_detector_catches_what_it_must():
    assert problems("ChainsFormed(valid=1, outside=False)") and problems("HeldKey(muscle=ql, cf=0.2593)")
    assert problems("slr_positive = true: answered false") and problems("source: travell-simons-1992, ch. 9")
    assert problems("the edge concerns the any part") and problems("matches its no part")
    assert problems("✗ the gluteus minimus was not palpated non-tender")
    assert not problems("Travell & Simons 1992, vol. 2 ch. 9 · case gmin-mistaken-for-l5 · REF-005 · f-12")


def cli(*args: str, stdin: str = "") -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_terminal_teaching_views_speak_in_words(path):
    case = load_case(path)
    report_primary = None
    engine = get_engine()
    from myotrace.expert.report import build_report
    report = build_report(engine.consult(case), case)
    report_primary = report.primary_muscle or "gluteus_minimus"
    views = {
        "explain": cli("explain", str(path)),
        "explain --step": cli("explain", str(path), "--step"),
        "why-not triage": cli("explain", str(path), "--why-not", report.triage),
        "why-not refer_nerve": cli("explain", str(path), "--why-not", "refer_nerve"),
        "why-not muscle": cli("explain", str(path), "--why-not", report_primary),
        "why-not condition": cli("explain", str(path), "--why-not", "greater_trochanteric_pain_syndrome"),
        "what-if": cli("explain", str(path), "--set", "ober_positive=false", "--set", "pain=+lateral_hip",
                       "--set", "tender=piriformis"),
        "differential": cli("differential", str(path)),
    }
    found = {name: problems(text) for name, text in views.items()}
    assert not any(found.values()), {name: p[:5] for name, p in found.items() if p}


@pytest.mark.parametrize("muscle", MUSCLES)
def test_kb_show_speaks_in_words(muscle):
    assert not problems(cli("kb", "show", muscle))


@pytest.mark.parametrize("region", REGIONS)
def test_kb_refers_to_speaks_in_words(region):
    assert not problems(cli("kb", "refers-to", region))


# ---- the teaching room ------------------------------------------------------------------------
class _Visible(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    pytest.importorskip("starlette")
    from test_web_api import client_for
    with client_for(tmp_path_factory.mktemp("views") / "c.db")[0] as kept:
        yield kept


def practice_code(name: str) -> str:
    from myotrace.expert.web.teach import practice_codes
    return next(code for code, case in practice_codes().items() if case == name)


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return visible(response.text)


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_teaching_room_pages_speak_in_words(client, path):
    name = path.stem
    engine = get_engine()
    total = len(engine.consult(load_case(path)).trace)
    urls = [f"/teach/case/{name}?n={n}" for n in sorted({0, total // 2, total})]
    urls += [f"/teach/case/{name}/whatif?set=ober_positive%3Dfalse", f"/teach/case/{name}/whynot?target=triage",
             f"/teach/case/{name}/whynot?target=refer_nerve", f"/teach/case/{name}/whynot?target=gluteus_minimus",
             f"/teach/case/{name}/differential", f"/teach/practice?case={practice_code(name)}&hints=6"]
    found = {url: problems(page_text(client, url)) for url in urls}
    assert not any(found.values()), {url: p[:5] for url, p in found.items() if p}


def test_rule_catalogue_and_muscle_pages_speak_in_words(client):
    found = {"/teach/rules": problems(page_text(client, "/teach/rules"))}
    for muscle in MUSCLES:
        found[muscle] = problems(page_text(client, f"/teach/muscle/{muscle}"))
    assert not any(found.values()), {url: p[:5] for url, p in found.items() if p}


def test_web_practice_gives_the_cli_hints_a_score_and_an_address_without_the_answer(client):
    from myotrace.expert.report import build_report
    from myotrace.expert.teach.practice import HINT_COST, hints
    name = "piriformis-driver-buttock"
    engine = get_engine()
    case = load_case(ROOT / "cases" / f"{name}.yaml")
    report = build_report(engine.consult(case), case)
    cli_hints = [h for item in ("triage", "primary", "chain") for h in hints(item, engine, report)]
    code = practice_code(name)
    assert name not in code
    page = client.get(f"/teach/practice?case={code}&hints={len(cli_hints)}").text
    assert "piriformis-driver" not in page.split("This was")[0]  # the page names the case only after the answer
    import html
    for hint in cli_hints:
        assert hint in html.unescape(page)
    assert 'id="hint-link"' not in page   # no more hints than the CLI has
    answered = client.get(f"/teach/practice?case={code}&hints=2&triage=treat&primary={report.primary_muscle}"
                          f"&chain={','.join(report.chain) or 'none'}").text
    score = visible(answered).split("Score:")[1].split("This was")[0]
    assert f"{3 - 2 * HINT_COST:g} / 3" in score and f"−{2 * HINT_COST:g} for 2 hints" in score
    assert client.get("/teach/practice?case=gmin-lateral-classic").status_code == 404  # ids are not codes


def test_teaching_room_what_if_reaches_the_pain_map_palpation_ober_and_leg_length(client):
    from myotrace.expert.teach.whatif import what_if
    name = "gmin-lateral-classic"
    case = load_case(ROOT / "cases" / f"{name}.yaml")
    step = client.get(f"/teach/case/{name}").text
    for form in ('id="whatif-finding"', 'id="whatif-pain"', 'id="whatif-palpate"', 'id="wi-ober-neg"', 'id="wi-leg"'):
        assert form in step
    for query, sets, unsets in (("finding=leg_length_discrepancy&answer=true", ["leg_length_discrepancy=true"], []),
                                ("finding=ober_positive&answer=unset", [], ["ober_positive"]),
                                ("region=lateral_calf&change=-", ["pain=-lateral_calf"], []),
                                ("palpate=piriformis&result=tender", ["tender=piriformis"], []),
                                ("palpate=gluteus_minimus&result=not_tender", ["non_tender=gluteus_minimus"], [])):
        page = visible(client.get(f"/teach/case/{name}/whatif?{query}").text)
        want = what_if(get_engine(), case, sets, unsets)
        for change in want.changes:
            assert change in page, (query, change)
        assert ("Conclusion CHANGED" if want.conclusion_changed else "Conclusion unchanged") in page


def test_an_educators_own_case_file_is_loaded_into_the_teaching_room(client):
    text = (ROOT / "cases" / "gmin-mistaken-for-l5.yaml").read_text(encoding="utf-8").replace(
        "case: gmin-mistaken-for-l5", "case: my-seminar-case")
    created = client.post("/teach/own", data={"yaml": text})
    assert created.status_code == 201
    where = created.headers["HX-Redirect"]
    assert where.startswith("/teach/case/own-")
    assert "my-seminar-case" in client.get(where).text
    assert client.get(where + "/differential").status_code == 200
    bad = client.post("/teach/own", data={"yaml": "pain: [lateral_calff]"})
    assert bad.status_code == 422 and "did you mean 'lateral_calf'" in visible(bad.text)
    assert client.post("/teach/own", data={"yaml": " "}).status_code == 422


def test_piped_step_obeys_back_and_quit():
    path = str(ROOT / "cases" / "gmin-mistaken-for-l5.yaml")
    out = runner.invoke(app, ["explain", path, "--step"], input="\n\nb\nq\n").output
    assert "Back one firing: reset and re-run to firing 1" in out
    assert "Stopped after 1 firings" in out
    everything = runner.invoke(app, ["explain", path, "--step"], input="").output   # no commands: run to the end
    assert "The agenda is empty: the run is complete." in everything


def test_practice_critique_keeps_never_asked_tests_apart_from_missed_evidence():
    from myotrace.expert.report import build_report
    from myotrace.expert.teach.practice import critique_primary
    case = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")
    engine = get_engine()
    report = build_report(engine.consult(case), case)
    _, seen = critique_primary("vastus_lateralis", engine, case, report)
    _, hidden = critique_primary("vastus_lateralis", engine, case, report, hidden={"palpate:gluteus_minimus"})
    missed = lambda lines: next(line for line in lines if line.startswith("Evidence you may have missed"))
    assert "tender point reproduces the pain" in missed(seen)
    assert "tender point reproduces the pain" not in missed(hidden)
    assert any(line.startswith("From tests you did not ask for") and "tender point" in line for line in hidden)


def test_explain_shows_the_negatives_no_rule_fired_on():
    out = cli("explain", str(ROOT / "cases" / "gmin-mistaken-for-l5.yaml"))
    unused = " ".join(out.split("Answered, but matched by no rule that fired")[1].split("References")[0].split())
    for finding in ("slr positive: no", "crossed slr positive: no", "reflex reduced: no", "myotomal weakness: no",
                    "dermatomal numbness: no"):
        assert finding in unused
    assert "pain worse below knee" not in unused    # REF-002 matched it


def test_the_stepper_ends_with_the_negatives_no_rule_fired_on(client):
    total = len(get_engine().consult(load_case(ROOT / "cases" / "gmin-mistaken-for-l5.yaml")).trace)
    end = visible(client.get(f"/teach/case/gmin-mistaken-for-l5?n={total}").text)
    assert "Answered, but matched by no rule" in end and "reflex reduced: no" in end
    assert "Answered, but matched by no rule" not in visible(client.get("/teach/case/gmin-mistaken-for-l5?n=3").text)


def test_practice_is_fair_on_a_nerve_case_and_with_hints(tmp_path):
    from myotrace.expert.report import build_report
    from myotrace.expert.teach.practice import critique_chain, critique_primary, hint_charge, run_session
    case = load_case(ROOT / "cases" / "nerve-myotomal-weakness-with-gmin-trps.yaml")
    engine = get_engine()
    report = build_report(engine.consult(case), case)
    assert (report.triage, report.primary_muscle) == ("refer_nerve", "gluteus_minimus")
    assert critique_primary(None, engine, case, report)[0] == 0.5     # the referral first: half right, not wrong
    assert critique_chain([], engine, case, report)[0] == 0.5
    assert hint_charge(0, 3) == 0 and hint_charge(1, 2) == 0.5 and hint_charge(0.5, 3) == 0.5
    # two hints spent on a triage answered wrongly do not take points from the right primary and chain
    classic = load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")
    said = []
    answers = iter(["hint", "hint", "1", "gmin", "gmin, vl"])
    score = run_session([classic], engine, said.append, lambda prompt: next(answers))
    assert (score.points, score.costs, score.net) == (2, 0, 2)


def test_the_graph_draws_the_normal_neurological_examination():
    from myotrace.expert.teach.graph import build_graph
    case = load_case(ROOT / "cases" / "gmin-mistaken-for-l5.yaml")
    trace = get_engine().consult(case).trace
    graph = build_graph(trace, findings=dict(case.findings))
    assert graph.nodes["nerve"].lines == ["nerve involvement", "not found"] and graph.nodes["nerve"].muted
    into = {e.source for e in graph.edges if e.target == "nerve" and e.kind == "rejected"}
    assert into == {f"finding_{f}" for f in ("slr_positive", "crossed_slr_positive", "reflex_reduced",
                                              "myotomal_weakness", "dermatomal_numbness", "shooting_electric_pain")}
    nerve_case = load_case(ROOT / "cases" / "nerve-reflex-reduced-s1.yaml")
    drawn = build_graph(get_engine().consult(nerve_case).trace, findings=dict(nerve_case.findings))
    assert drawn.nodes["nerve"].lines[1] != "not found"   # a real nerve finding is never overdrawn


def test_the_graph_shows_both_screens_as_the_triage_read_them():
    from myotrace.expert.teach.graph import build_graph

    def graph_of(name):
        case = load_case(ROOT / "cases" / f"{name}.yaml")
        return build_graph(get_engine().consult(case).trace, findings=dict(case.findings))
    mimic = graph_of("gmin-mistaken-for-l5")  # the normal nerve screen is what makes it pseudo-sciatica
    assert mimic.nodes["screen_nerve"].lines == ["nerve screen", "complete, none present"]
    into = {e.source for e in mimic.edges if e.target == "screen_nerve"}
    assert into == {f"finding_{f}" for f in ("slr_positive", "dermatomal_numbness", "myotomal_weakness",
                                              "reflex_reduced")}
    assert any(e.source == "screen_nerve" and e.target == "cond_myofascial_pseudo_sciatica" for e in mimic.edges)
    assert any(e.source == "screen_red_flags" and e.target == "triage" for e in mimic.edges)
    unexamined = graph_of("screen-first-nerve-not-examined")  # never examined: not screened, not negative
    lines = " ".join(unexamined.nodes["screen_nerve"].lines)
    assert "not screened (3 of 4)" in lines and "reflex" in lines and "slr" not in lines
    assert {(e.source, e.target, e.kind) for e in unexamined.edges if e.source == "screen_nerve"} == {
        ("screen_nerve", "triage", "derives")}
    assert all(not n.muted for n in unexamined.nodes.values() if n.id.startswith("screen_"))


def test_explain_names_the_items_never_screened():
    out = cli("explain", str(ROOT / "cases" / "screen-first-nerve-not-examined.yaml"))
    conclusion = " ".join(out.split("\nConclusion")[1].split("Answered, but")[0].split())
    assert "screens: red flags: complete; nerve: incomplete" in conclusion
    assert "nerve signs not examined: dermatomal numbness, myotomal weakness, reflex reduced" in conclusion


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_hint_2_points_at_what_to_weigh_without_naming_the_answer(path):
    from myotrace.expert.report import build_report
    from myotrace.expert.teach.hints import hints
    case = load_case(path)
    engine = get_engine()
    report = build_report(engine.consult(case), case)
    if report.primary_muscle is None:
        return
    for item in ("primary", "chain"):
        second = hints(item, engine, report)[1]
        named = [m for m in MUSCLES if re.search(rf"\b{re.escape(label(m))}\b", second, re.I)]
        assert not named, (item, second)
        assert not re.search(r"\([+-]\d\.\d\d\)", second), second  # no evidence weights of the answer
        for mentioned in re.findall(r"([a-z][a-z ]+): (?:yes|no)", second.split("here: ")[-1]):
            assert any(label(f) == mentioned.strip() for f, v in case.findings.items() if v in (True, False)), \
                (mentioned, second)   # only findings answered yes or no in this case
