"""The bibliography: the Reference model, the citation format, the lint and what users see."""
import re
import shutil
from pathlib import Path

import casedata
import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from myotrace.cli import app
from myotrace.expert import kbcheck
from myotrace.expert.engine import rule_catalogue
from myotrace.expert.kbcheck import check
from myotrace.expert.present.references import bibliography, cite, entry, source_text
from myotrace.facts.knowledge import (KNOWLEDGE_DIR, Citation, KnowledgeError, Reference, cited_items,
                                      knowledge, load_knowledge, parse_source)
from myotrace.rules.meta import RuleMeta, meta

runner = CliRunner()
# The keys every helper was told to use (BRIEF.md): each must have its full entry.
BRIEF_KEYS = ["travell-simons-1992", "seed-article", "lehman-2012", "fairclough-2006", "fairclough-2007",
              "willett-2016", "grimaldi-2017", "grimaldi-2015", "mellor-2018", "nice-ng59", "finucane-2020",
              "fredericson-2000", "noehren-2014", "barton-1991", "lewit-simons-1984", "hsieh-2007",
              "quintner-cohen-1994", "finando-2005", "deville-2000", "davies-2013"]
NOT_FOR_USERS = re.compile(r"brief §|CONTRACT|seed \(|\[\d+[ab]\]|\]\[\d")  # the brief's notes: "[6a]", "[1][2]"


@pytest.fixture
def kb_dir(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def edit(directory: Path, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}: the fixture text needs updating"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---- the bundled bibliography ------------------------------------------------------------


def test_every_key_of_the_brief_has_a_full_entry():
    references = knowledge().references
    assert set(BRIEF_KEYS) <= set(references)
    for key in BRIEF_KEYS:
        ref = references[key]
        assert ref.authors and ref.year and ref.title and ref.venue, key
        assert ref.doi or ref.pmid or ref.url, key


def test_corrected_details_of_the_brief():
    references = knowledge().references
    fairclough = references["fairclough-2007"]
    assert fairclough.title == "Is iliotibial band syndrome really a friction syndrome?"
    assert (fairclough.venue, fairclough.volume, fairclough.pages) == ("J Sci Med Sport", "10(2)", "74-76")
    assert references["fairclough-2006"].pages == "309-316"
    assert references["willett-2016"].doi == "10.1177/0363546515621762"
    assert references["mellor-2018"].pages == "k1662"


def test_low_authority_marks_the_seed_and_the_blogs_only():
    low = {key for key, ref in knowledge().references.items() if ref.authority == "low"}
    assert {"seed-article", "lehman-2012"} <= low
    assert not low & {"travell-simons-1992", "willett-2016", "fairclough-2006", "nice-ng59"}


def test_no_reference_points_to_an_unofficial_copy():
    hosts = ("pubhtml5", "readonlinefree", "100-vampirenovels", "5y1.org", "docksci", "scribd", "yudu")
    for key, ref in knowledge().references.items():
        assert not any(host in ref.url for host in hosts), key


def test_the_seed_is_cited_beside_the_works_it_quotes():
    """'Sciatica is a symptom' rests on Travell & Simons p. 191, not on the seed alone."""
    correction = knowledge().protocol.corrections["sciatica_is_a_symptom"]
    keys = [c.key for c in parse_source(correction.source)]
    assert "travell-simons-1992" in keys and "p. 191" in correction.source
    itbs = knowledge().protocol.corrections["itbs_is_compression"]
    assert {"fairclough-2006", "fairclough-2007"} <= {c.key for c in parse_source(itbs.source)}


def test_the_bundled_knowledge_and_rules_cite_only_the_bibliography():
    problems, notes = check()
    assert [p for p in problems if "cite" in p or "source" in p] == []
    for _item, source in cited_items(knowledge()):
        assert not NOT_FOR_USERS.search(source), source
    for rule in rule_catalogue():
        assert not NOT_FOR_USERS.search(rule.source), rule.id
        assert parse_source(rule.source), rule.id


# ---- the Reference model -------------------------------------------------------------------

ARTICLE = {"kind": "article", "authors": ["Doe J"], "year": 2020, "title": "T", "venue": "J Test",
           "volume": "1(2)", "pages": "3-4", "doi": "10.1000/xyz"}


@pytest.mark.parametrize(("change", "words"), [
    ({"doi": ""}, "DOI, a PubMed id or an official address"),
    ({"doi": "doi:10.1/x"}, "not a DOI"),
    ({"url": "https://www.scribd.com/document/1"}, "unofficial copies"),
    ({"pages": ""}, "volume and pages"),
    ({"authors": []}, "authors"),
    ({"authority": "medium"}, "authority"),
    ({"kind": "book"}, "place of publication"),
])
def test_reference_model_rejects_incomplete_entries(change, words):
    with pytest.raises(ValidationError) as caught:
        Reference.model_validate({**ARTICLE, **change})
    assert words in str(caught.value)


def test_a_broken_reference_names_the_file_and_the_entry(kb_dir):
    edit(kb_dir, "references.yaml", "  doi: 10.1177/0363546515621762\n", "")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_dir)
    assert "references.yaml" in str(caught.value) and "willett-2016" in str(caught.value)


# ---- the citation format ---------------------------------------------------------------------


def test_parse_source():
    assert parse_source("travell-simons-1992, vol. 2 ch. 9 pp. 168-175; willett-2016") == (
        Citation("travell-simons-1992", "vol. 2 ch. 9 pp. 168-175"), Citation("willett-2016", ""))
    assert parse_source("deville-2000, SLR sensitivity 0.91, specificity 0.26") == (
        Citation("deville-2000", "SLR sensitivity 0.91, specificity 0.26"),)
    assert parse_source("judgement, the weight") == (Citation("judgement", "the weight"),)
    assert parse_source("") == ()


@pytest.mark.parametrize(("source", "words"), [
    ("brief §1 gluteus minimus [2]", "not a source"),
    ("CONTRACT §3.5", "not a source"),
    ("seed (Ober's sign)", "reference key"),
    ("Willett et al. 2016", "reference key"),
    ("willett-2016,", "no locator"),
    ("willett-2016;deville-2000", "semicolon and space"),
    ("willett-2016; ", "reference key"),
    ("judgement", "must say what it is"),
])
def test_malformed_sources_are_rejected(source, words):
    with pytest.raises(ValueError) as caught:
        parse_source(source)
    assert words in str(caught.value)


def test_a_malformed_source_in_the_knowledge_base_fails_to_load(kb_dir):
    edit(kb_dir, "satellites.yaml", 'source: "travell-simons-1992, vol. 2 ch. 20"', 'source: "brief §2 [9a]"')
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_dir)
    assert "satellites.yaml" in str(caught.value) and "not a source" in str(caught.value)


def test_a_rule_with_a_malformed_source_cannot_be_defined():
    with pytest.raises(ValueError) as caught:
        meta(id="TST-001", stage="safety", statement="s", when="w", then="t", source="seed (x)")
    assert "TST-001" in str(caught.value)


# ---- kb check: uncited items, dangling keys, unused references ---------------------------------


def kb_check_with(kb, monkeypatch, rules=None):
    monkeypatch.setattr(kbcheck, "knowledge", lambda: kb)
    if rules is not None:
        monkeypatch.setattr(kbcheck, "rule_catalogue", lambda: rules)
    return runner.invoke(app, ["kb", "check"])


def test_kb_check_fails_on_an_uncited_item(kb_dir, monkeypatch):
    edit(kb_dir, "muscles.yaml", '      text: "a limp goes with minimus trigger points"\n'
         '      source: "travell-simons-1992, vol. 2 ch. 9"\n',
         '      text: "a limp goes with minimus trigger points"\n')
    result = kb_check_with(load_knowledge(kb_dir), monkeypatch)
    assert result.exit_code == 1, result.output
    assert "problem: muscles.yaml gluteus_minimus.evidence.1: uncited (no source)" in result.output


def test_kb_check_fails_on_a_dangling_key(kb_dir, monkeypatch):
    edit(kb_dir, "satellites.yaml", 'source: "travell-simons-1992, vol. 2 ch. 20"',
         'source: "travell-simons-1993, vol. 2 ch. 20"')
    result = kb_check_with(load_knowledge(kb_dir), monkeypatch)
    assert result.exit_code == 1, result.output
    assert "problem: satellites.yaml 3: cites 'travell-simons-1993', which is not in references.yaml" in result.output


def test_kb_check_fails_on_a_rule_citing_a_missing_work(monkeypatch):
    rules = [*rule_catalogue(), RuleMeta("TST-002", "safety", "s", "w", "t", "nobody-2099, p. 1")]
    result = kb_check_with(knowledge(), monkeypatch, rules)
    assert result.exit_code == 1
    assert "problem: rule TST-002: cites 'nobody-2099'" in result.output


def test_kb_check_warns_on_an_unused_reference_without_failing(kb_dir, monkeypatch):
    (kb_dir / "references.yaml").write_text(
        (kb_dir / "references.yaml").read_text(encoding="utf-8") + "\n" + yaml.safe_dump({"doe-2020": ARTICLE}),
        encoding="utf-8")
    result = kb_check_with(load_knowledge(kb_dir), monkeypatch)
    assert "unused reference (a warning): doe-2020" in result.output
    assert result.exit_code == 0, result.output


def test_bundled_kb_check_passes():
    result = runner.invoke(app, ["kb", "check"])
    assert result.exit_code == 0, result.output
    assert "0 problem(s)" in result.output


# ---- formatting: one place ---------------------------------------------------------------------


def test_cite_and_entry():
    refs = knowledge().references
    assert cite("willett-2016") == "Willett et al. 2016"
    assert cite("lewit-simons-1984", "method") == "Lewit & Simons 1984, method"
    assert cite("lehman-2012").endswith("(low authority)")
    assert cite("seed-article", "opening").endswith("(low authority)")
    assert cite("judgement", "the weight") == "judgement: the weight"
    assert "not in the bibliography" in cite("nobody-2099")
    text = entry(refs["willett-2016"])
    for part in ("Willett GM, Keim SA, Shostrom VK, Lomneth CS (2016)", "An anatomic investigation of the Ober test",
                 "Am J Sports Med 44(3):696-701", "https://doi.org/10.1177/0363546515621762"):
        assert part in text
    assert "Baltimore: Williams & Wilkins" in entry(refs["travell-simons-1992"])
    assert entry(refs["lehman-2012"]).endswith("(low authority)")
    assert source_text("willett-2016; judgement, x") == "Willett et al. 2016; judgement: x"


def test_bibliography_numbers_each_work_once_in_order_of_first_citation():
    numbered = bibliography(["willett-2016, p. 1; judgement, x", "fairclough-2006; willett-2016, p. 2"])
    assert [(n, k) for n, k, _ in numbered] == [(1, "willett-2016"), (2, "fairclough-2006")]


# ---- what users see ------------------------------------------------------------------------------


@pytest.fixture
def classic(tmp_path) -> Path:
    path = tmp_path / "classic.yaml"
    path.write_text(yaml.safe_dump(casedata.CLASSIC), encoding="utf-8")
    return path


def test_rules_show_prints_the_rule_references_in_full():
    result = runner.invoke(app, ["rules", "show", "MYT-004"])
    assert result.exit_code == 0, result.output
    assert "SOURCE Fairclough et al. 2006; Fairclough et al. 2007" in result.output
    assert "[1] Fairclough J, Hayashi K, Toumi H" in result.output
    assert "J Anat 208(3):309-316. https://doi.org/10.1111/j.1469-7580.2006.00531.x" in result.output
    assert "J Sci Med Sport 10(2):74-76. https://doi.org/10.1016/j.jsams.2006.05.017" in result.output
    assert "(low authority)" in result.output  # the seed is cited beside them


def test_no_project_note_in_rules_show_or_the_catalogue():
    outputs = [runner.invoke(app, ["rules"]).output]
    outputs += [runner.invoke(app, ["rules", "show", rule.id]).output for rule in rule_catalogue()]
    for output in outputs:
        assert not NOT_FOR_USERS.search(output), NOT_FOR_USERS.search(output)


def test_explain_ends_with_the_references_of_the_rules_that_fired(classic):
    result = runner.invoke(app, ["explain", str(classic)])
    assert result.exit_code == 0, result.output
    out = result.output
    tail = out[out.index("References (of the rules that fired)"):]
    assert out.index("Conclusion") < out.index("References (of the rules that fired)")
    assert "[1] " in tail and "Williams & Wilkins" in tail and "https://doi.org/" in tail
    assert "Simons et al. 1999" in out  # the short form beside each firing
    assert not NOT_FOR_USERS.search(out)
    assert "seed (" not in out


def test_html_report_has_a_numbered_escaped_references_section(classic):
    result = runner.invoke(app, ["diagnose", "--format", "html", str(classic)])
    assert result.exit_code == 0, result.output
    page = result.stdout
    section = page[page.index("<h2>References</h2>"):page.index("<summary>Trace (")]
    assert section.startswith("<h2>References</h2><ol class='references'>")
    assert "<li id='ref-travell-simons-1992'>Travell JG, Simons DG (1992)" in section
    assert "https://doi.org/10.1177/0363546515621762" in section      # Ober's sign: Willett et al.
    assert "Williams &amp; Wilkins" in section and "Williams & Wilkins" not in section   # escaped
    assert "(low authority)" in section
    assert not NOT_FOR_USERS.search(page)


def test_practice_cites_the_bibliography_not_the_contract(tmp_path):
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "classic.yaml").write_text(yaml.safe_dump(casedata.CLASSIC), encoding="utf-8")
    result = runner.invoke(app, ["practice", str(folder)], input="5\ngmin\nvl gmin\n")
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert ("treat the key muscle before its satellites (Hsieh et al. 2007, shoulder muscles (infraspinatus key): "
            "an upper-limb extrapolation)") in out
    assert "Am J Phys Med Rehabil 86(5):397-403" in out
    assert "Sources:" in out
    assert not NOT_FOR_USERS.search(result.output)
