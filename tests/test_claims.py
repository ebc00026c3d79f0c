"""The claims register (`myotrace kb claims`) and the evidence checks of `kb check`."""
import csv
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from myotrace.cli import app
from myotrace.expert import kbcheck
from myotrace.expert.claims import Claim, Source, claims, problems
from myotrace.expert.engine import rule_catalogue
from myotrace.expert.present.claims import COLUMNS, markdown, markdown_cell
from myotrace.facts.knowledge import (EVIDENCE_LEVELS, KNOWLEDGE_DIR, cited_items, knowledge, load_knowledge,
                                      parse_source)
from myotrace.rules.meta import RuleMeta

runner = CliRunner()


@pytest.fixture(scope="module")
def rows():
    return claims(knowledge(), rule_catalogue())


@pytest.fixture
def kb_dir(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def test_one_row_for_every_rule_and_every_cited_knowledge_item(rows):
    ids = [row.id for row in rows]
    assert len(ids) == len(set(ids))
    rules = [rule.id for rule in rule_catalogue()]
    assert ids[:len(rules)] == rules
    assert len(rows) == len(rules) + len(list(cited_items(knowledge())))
    kinds = {row.kind for row in rows}
    for kind in ("referral zone", "evidence weight", "satellite edge", "protocol step", "myth correction",
                 "perpetuating factor", "self-care", "triage advice", "examination question"):
        assert kind in kinds


def test_every_bundled_claim_has_a_level_and_every_source_one(rows):
    for row in rows:
        assert row.level in EVIDENCE_LEVELS, row.id
        assert not row.unassessed, row.id


def test_every_rule_has_a_source_of_standard_authority_or_says_judgement(rows):
    for row in rows:
        if row.kind.startswith("rule"):
            assert row.low_authority != "only" or row.says_judgement, row.id
    assert problems(rows, {rule.id for rule in rule_catalogue()}) == []


def test_levels_and_the_low_authority_mark():
    judgement = Source("judgement", "the weight", "judgement", False)
    seed = Source("seed-article", "", "expert text", True)
    trial = Source("mellor-2018", "", "randomised trial", False)
    review = Source("tawa-2017", "", "systematic review", False)
    assert Claim("X", "k", "t", (seed, trial, review)).level == "systematic review"
    assert Claim("X", "k", "t", (seed, trial)).low_authority == "partly"
    assert Claim("X", "k", "t", (seed, judgement)).low_authority == "only"
    assert Claim("X", "k", "t", (seed, judgement)).says_judgement
    assert Claim("X", "k", "t", (judgement,)).level == "judgement"
    assert Claim("X", "k", "t", (judgement,)).low_authority == ""
    assert Claim("X", "k", "t", ()).level is None


# ---- the command ---------------------------------------------------------------------------


def test_text_is_the_default_and_cites_authors_and_year_not_keys(rows):
    result = runner.invoke(app, ["kb", "claims"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.rstrip().endswith(f"{len(rows)} claims")
    start = out.index("MYT-001  (rule: myths)")
    block = out[start:out.index("\nMYT-002")]
    assert "Willett et al. 2016" in block and "[diagnostic accuracy or cohort study]" in block
    assert "(low authority) [expert text]" in block
    assert "low authority: partly" in block
    assert "willett-2016" not in out and "seed-article" not in out


def test_csv_parses_one_record_per_claim(rows):
    result = runner.invoke(app, ["kb", "claims", "--format", "csv"])
    assert result.exit_code == 0, result.output
    records = list(csv.reader(io.StringIO(result.output)))
    assert tuple(records[0]) == COLUMNS
    assert [r[0] for r in records[1:]] == [row.id for row in rows]
    assert all(len(r) == len(COLUMNS) for r in records)
    by_id = {r[0]: dict(zip(COLUMNS, r)) for r in records[1:]}
    assert by_id["MYT-002"]["level"] == "diagnostic accuracy or cohort study"
    assert "Travell & Simons 1992, vol. 2 ch. 9 and ch. 14" in by_id["MYT-002"]["sources"]
    weight = by_id["weight gluteus_minimus/limp=yes"]
    assert weight["kind"] == "evidence weight" and "+0.20" in weight["claim"]
    assert weight["level"] == "expert text" and weight["low authority"] == "no"


def test_markdown_is_a_table_with_escaped_cells(rows):
    result = runner.invoke(app, ["kb", "claims", "-f", "markdown"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    assert len(lines) == len(rows) + 2
    # a reference key-like '[level]' and every other markdown character is escaped
    assert "\\[expert text\\]" in result.output


def test_markdown_cell_escapes_every_special_character():
    assert markdown_cell("a|b *c* _d_ [e] <f> `g` \\ #h ~i\nj") == \
        "a\\|b \\*c\\* \\_d\\_ \\[e\\] \\<f\\> \\`g\\` \\\\ \\#h \\~i j"
    table = markdown([Claim("A|1", "k", "x | y", ())], {})
    row = table.splitlines()[2]
    unescaped = [i for i, ch in enumerate(row) if ch == "|" and row[i - 1] != "\\"]
    assert len(unescaped) == len(COLUMNS) + 1


def test_a_bad_format_is_refused_with_exit_code_2():
    result = runner.invoke(app, ["kb", "claims", "--format", "pdf"])
    assert result.exit_code == 2


# ---- kb check --------------------------------------------------------------------------------


def kb_check_with(monkeypatch, kb=None, rules=None):
    if kb is not None:
        monkeypatch.setattr(kbcheck, "knowledge", lambda: kb)
    if rules is not None:
        monkeypatch.setattr(kbcheck, "rule_catalogue", lambda: rules)
    return runner.invoke(app, ["kb", "check"])


def test_kb_check_fails_on_a_claim_citing_a_work_without_a_level(kb_dir, monkeypatch):
    path = kb_dir / "references.yaml"
    text = path.read_text(encoding="utf-8")
    entry = text[text.index("willett-2016:"):]
    entry = entry[:entry.index("\n\n")]
    path.write_text(text.replace(entry, entry.replace("  evidence: diagnostic accuracy or cohort study\n", "")),
                    encoding="utf-8")
    kb = load_knowledge(kb_dir)
    assert kb.references["willett-2016"].evidence is None
    result = kb_check_with(monkeypatch, kb=kb)
    assert result.exit_code == 1, result.output
    assert "problem: claim MYT-001: cites willett-2016, which has no evidence level in references.yaml" \
        in result.output


def test_kb_check_fails_on_a_rule_resting_on_low_authority_alone(monkeypatch):
    low = RuleMeta("TST-010", "myths", "A claim.", "w", "t", "seed-article, opening; lehman-2012")
    result = kb_check_with(monkeypatch, rules=[*rule_catalogue(), low])
    assert result.exit_code == 1, result.output
    assert "problem: rule TST-010: rests on low-authority works alone" in result.output
    said = RuleMeta("TST-010", "myths", "A claim.", "w", "t", "seed-article, opening; judgement, the teaching")
    result = kb_check_with(monkeypatch, rules=[*rule_catalogue(), said])
    assert "TST-010: rests on low-authority" not in result.output


# ---- the audited claims ------------------------------------------------------------------------


def test_the_audited_claims_say_no_more_than_their_sources():
    kb = knowledge()
    catalogue = {rule.id: rule for rule in rule_catalogue()}
    assert "never" not in catalogue["MYT-001"].statement
    assert not any(link.finding == "ober_positive" for link in kb.muscles["tensor_fasciae_latae"].evidence)
    assert "should have increased" not in kb.protocol.steps["retest_ober"].text
    assert "judgement" in catalogue["PRO-003"].source and "judgement" in catalogue["CON-004"].source
    assert "hutchinson-2022" not in catalogue["CON-004"].source
    assert "rcr-2023" in {c.key for c in parse_source(kb.protocol.advice["emergency"].source)}
    assert "pinched nerve" not in kb.protocol.corrections["sciatica_is_a_symptom"].text
    assert kb.references["davies-2013"].authority == kb.references["finando-2005"].authority == "low"
    sources = [source for _item, source in cited_items(kb)] + [rule.source for rule in catalogue.values()]
    for source in sources:
        for citation in parse_source(source):
            if citation.key == "hsieh-2007":
                assert "upper-limb extrapolation" in citation.locator, source
            if citation.key == "travell-simons-1992" and "p. 191" in citation.locator:
                assert "as quoted by the seed article" in citation.locator, source
            assert "practitioner's page" not in citation.locator and "practitioner's course" not in citation.locator
