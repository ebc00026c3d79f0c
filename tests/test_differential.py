"""`myotrace differential` and `myotrace kb refers-to`: the competing pictures agree with `diagnose`,
likelihood ratios appear only where a cited study gives both figures, and a region lookup lists
exactly the muscles whose referral zones hold the region."""
import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from myotrace.cli import app
from myotrace.expert.casefile import case_paths, load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.present.kbview import refers_to
from myotrace.expert.report import build_report
from myotrace.expert.teach.differential import NO_FIGURE, differential, differential_lines
from myotrace.facts.knowledge import Accuracy, knowledge
from myotrace.facts.vocabulary import REGIONS

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = case_paths([ROOT / "cases"])
L5_MIMIC = ROOT / "cases" / "gmin-mistaken-for-l5.yaml"
runner = CliRunner()


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_the_differential_agrees_with_diagnose(path):
    case = load_case(path)
    engine = get_engine()
    report = build_report(engine.consult(case), case)
    view = differential(engine, case)
    assert (view.triage, view.conditions, view.primary) == (report.triage, report.conditions, report.primary_muscle)
    treated = {m for chain in [report.chain, *report.secondary_chains] for m in chain}
    candidates = {c.muscle: c for c in report.candidates}
    pictures = knowledge().differential.pictures
    assert [p.id for p in view.pictures] == list(pictures)
    for shown in view.pictures:
        picture = pictures[shown.id]
        expected = bool(set(picture.conditions) & set(report.conditions)) or picture.muscle in treated
        assert shown.concluded == expected, shown.id
        if picture.muscle in candidates:
            assert f"{candidates[picture.muscle].certainty:.2f}" in " ".join(shown.status)
        # every answered sign is either for or against, never a test still to do
        texts = {line.text for line in shown.to_do}
        for sign in picture.signs:
            question = knowledge().findings[sign.finding].question
            if isinstance(case.findings.get(sign.finding), bool):
                assert not any(t.startswith(question) for t in texts), (shown.id, sign.finding)
            else:
                assert any(t.startswith(question) for t in texts), (shown.id, sign.finding)


def test_the_l5_mimic_shows_the_normal_neurological_examination_against_radiculopathy():
    case = load_case(L5_MIMIC)
    view = differential(get_engine(), case)
    pictures = {p.id: p for p in view.pictures}
    radiculopathy = pictures["l5_s1_radiculopathy"]
    assert not radiculopathy.concluded and not radiculopathy.for_ and not radiculopathy.to_do
    against = {line.text.split("?")[0]: line for line in radiculopathy.against}
    slr = next(line for text, line in against.items() if "straight-leg raise reproduce" in text)
    assert slr.figure.startswith("LR− 0.35 (from sensitivity 0.91, specificity 0.26")
    assert slr.figure_source.startswith("deville-2000")
    assert any(text.startswith("Devillé WL") for _, _, text in view.references)
    reflex = next(line for text, line in against.items() if "reflex" in text)
    assert reflex.figure == NO_FIGURE
    assert pictures["gluteus_minimus_trigger_points"].concluded
    assert "0.89" in " ".join(pictures["gluteus_minimus_trigger_points"].status)


def test_likelihood_ratios_come_only_from_recorded_figures():
    accuracy = knowledge().differential.accuracy
    for path in LIBRARY:
        view = differential(get_engine(), load_case(path))
        for picture in view.pictures:
            for line in (*picture.for_, *picture.against, *picture.to_do):
                if "LR" in line.figure:
                    entry = next(a for a in accuracy.values() if a.source == line.figure_source)
                    plus, minus = entry.likelihood_ratios()
                    assert f"{plus:.2f}" in line.figure or f"{minus:.2f}" in line.figure
                elif line.figure_source:
                    assert "no likelihood ratio" in line.figure
                else:
                    assert line.figure in ("", NO_FIGURE)


def test_an_accuracy_entry_needs_a_figure_and_a_study():
    base = dict(test="t", target="x", population="p", source="deville-2000")
    with pytest.raises(ValidationError, match="sensitivity or the specificity"):
        Accuracy(**base)
    with pytest.raises(ValidationError, match="cite the study"):
        Accuracy(**{**base, "sensitivity": 0.5, "source": "judgement, a guess"})
    assert Accuracy(**{**base, "sensitivity": 0.9, "specificity": 0.5}).likelihood_ratios() == pytest.approx((1.8, 0.2))
    assert Accuracy(**{**base, "sensitivity": 0.4, "specificity": 1.0}).likelihood_ratios() is None
    assert Accuracy(**{**base, "sensitivity": 0.8}).likelihood_ratios() is None


def test_differential_command_prints_every_picture_and_its_references():
    result = runner.invoke(app, ["differential", str(L5_MIMIC)])
    assert result.exit_code == 0, result.output
    for picture in knowledge().differential.pictures.values():
        assert picture.name in result.output
    assert "LR− 0.35" in result.output and NO_FIGURE in result.output
    assert "Devillé WL, van der Windt DA" in result.output  # the full reference, not a key
    assert "deville-2000" not in result.output


def test_differential_of_a_missing_file_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["differential", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "nope.yaml" in result.output


@pytest.mark.parametrize("region", REGIONS)
def test_refers_to_lists_exactly_the_muscles_whose_zones_hold_the_region(region):
    kb = knowledge()
    rows = refers_to(kb, region)
    want = {(m, p.part, "essential") for m, e in kb.muscles.items() for p in e.patterns if region in p.essential}
    want |= {(m, p.part, "spill-over") for m, e in kb.muscles.items() for p in e.patterns if region in p.spillover}
    assert len(rows) == len(want)
    assert {(r["muscle"], r["zone"]) for r in rows} == {(m, z) for m, _, z in want}
    zones = [r["zone"] for r in rows]
    assert zones == sorted(zones, key=["essential", "spill-over"].index)  # essential first


def test_kb_refers_to_command():
    result = runner.invoke(app, ["kb", "refers-to", "lateral-calf"])
    assert result.exit_code == 0, result.output
    essential, spill = result.output.split("Spill-over zone")
    assert "gluteus minimus (anterior part)" in essential and "peroneus longus" in spill
    assert "Travell & Simons 1992, vol. 2 ch. 9 p. 169" in result.output
    assert "Travell JG, Simons DG (1992)" in result.output
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", result.output.split("References")[0])


def test_kb_refers_to_a_bad_region_is_one_line_with_a_suggestion():
    result = runner.invoke(app, ["kb", "refers-to", "lateral_calff"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "did you mean 'lateral_calf'" in lines[0]


# ---- the teaching-room pages ---------------------------------------------------------------
starlette = pytest.importorskip("starlette")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from test_web_api import client_for
    return client_for(tmp_path_factory.mktemp("diff") / "c.db")[0]


def test_differential_page_sets_the_pictures_side_by_side(client):
    page = client.get("/teach/case/gmin-mistaken-for-l5/differential")
    assert page.status_code == 200
    assert page.text.count('<section class="picture') == len(knowledge().differential.pictures)
    assert 'class="picture concluded" id="picture-gluteus_minimus_trigger_points"' in page.text
    assert "LR− 0.35" in page.text and "Devillé WL" in page.text
    assert client.get("/teach/case/no-such-case/differential").status_code == 404


def test_refers_to_page(client):
    page = client.get("/teach/refers-to?region=lateral_calf")
    assert page.status_code == 200
    assert 'id="refers-essential"' in page.text and 'id="refers-spill-over"' in page.text
    assert "gluteus minimus" in page.text and "Travell JG, Simons DG" in page.text
    bad = client.get("/teach/refers-to?region=lateral_calff")
    assert bad.status_code == 422 and "did you mean" in bad.text
    assert 'href="/teach/refers-to"' in client.get("/teach").text


def test_the_teaching_index_describes_each_case_and_links_its_differential(client):
    from myotrace.expert.library import summary
    index = client.get("/teach").text
    case = load_case(L5_MIMIC)
    import html
    assert f'<span class="case-line">{summary(case.notes)}</span>' in html.unescape(index)
    assert index.count("/differential\"") == len(LIBRARY)
