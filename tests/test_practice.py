"""myotrace practice: GUIDON-style case practice, critiqued by the rules, scored per session."""
from pathlib import Path

import casedata
import pytest
import yaml
from typer.testing import CliRunner

from myotrace.cli import app
from myotrace.expert.casefile import load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.errors import InputError
from myotrace.expert.teach.practice import (
    LIBRARY,
    case_lines,
    default_library,
    parse_chain,
    parse_muscle,
    parse_triage,
    run_session,
)

runner = CliRunner()
CLASSIC = {
    **casedata.CLASSIC,
    "notes": "SECRET NOTE: the minimus is primary",
    "expect": {"triage": "treat", "primary_muscle": "gluteus_minimus",
               "chain": ["gluteus_minimus", "vastus_lateralis"]},
}
FEVER = dict(CLASSIC, case="fever-gmin-pattern", findings={**CLASSIC["findings"], "fever": True}, notes=None,
             expect=None)


@pytest.fixture
def library(tmp_path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "classic.yaml").write_text(yaml.safe_dump(CLASSIC), encoding="utf-8")
    return folder


def practice(folder, answers: str, *options):
    result = runner.invoke(app, ["practice", str(folder), *options], input=answers)
    assert result.exit_code == 0, result.output
    return result.output


def flat(text: str) -> str:
    return " ".join(text.split())


def test_case_is_shown_without_its_answer(library):
    out = practice(library, "q\n")
    shown = out[:out.index("Triage (")]
    assert "Case 1 of 1" in shown and "buttock, lateral thigh, lateral knee, lateral calf" in shown
    assert "pain worse below knee: yes" in shown and "ober positive: yes" in shown
    assert "gluteus minimus reproduces the pain; piriformis does not" in shown
    for secret in ("gmin-lateral-classic", "SECRET", "expect", "vastus"):
        assert secret not in shown


def test_all_right_scores_three_of_three(library):
    out = practice(library, "5\ngmin\ngmin, vl\n")
    assert "✓ Triage treat: correct." in out
    assert "✓ Primary gluteus minimus: correct." in out
    assert "✓ Chain: correct: gluteus minimus → vastus lateralis." in out
    assert "(this was gmin-lateral-classic)" in out
    assert "Session score: 3 / 3 (100%) over 1 case" in out


def test_taking_a_satellite_for_the_primary_is_named(library):
    out = flat(practice(library, "treat\nvastus lateralis\nvl\n"))
    assert "✗ Primary: you said vastus lateralis; the rules say the gluteus minimus." in out
    assert ("You took a satellite for the primary: the vastus lateralis is a satellite of the gluteus minimus "
            "(SAT-001)") in out
    # the evidence for the right answer the student overlooked, with the rules that found it
    assert "Evidence you may have missed for the gluteus minimus: tender point reproduces the pain (+0.60, REF-003" in out
    assert "Missed: the" not in out or "vastus" not in out.split("Missed:")[1][:30]
    assert "✗ Chain: you said vastus lateralis; the rules say gluteus minimus → vastus lateralis." in out
    assert "Session score: 1 / 3" in out


def test_a_ruled_out_muscle_gets_the_evidence_against(library):
    out = flat(practice(library, "5\npiriformis\npiriformis\n"))
    assert "Against the piriformis: palpated without reproducing the pain (-0.60, REF-004 #1)" in out
    assert "Not in the chain: the piriformis: REF-005: ✗ the combined certainty reaches the support threshold 0.2 (it is -0.60)" in out


def test_wrong_order_gets_half_a_point(library):
    out = flat(practice(library, "5\ngmin\nvl, gmin\n"))
    assert "½ Chain" in out and "Right muscles, wrong order" in out
    assert "Session score: 2.5 / 3" in out


def test_under_triage_of_a_red_flag(tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "fever.yaml").write_text(yaml.safe_dump(FEVER), encoding="utf-8")
    out = flat(practice(folder, "treat\ngmin\ngmin vl\n"))
    assert "✗ Triage: you said treat; the rules say urgent_referral." in out
    assert "You under-triaged" in out
    assert "SAF-002" in out and "fever: yes" in out
    assert "Why not treat:" in out and "SAF-004" in out
    assert "with triage urgent_referral the report names no primary muscle" in out


def test_bad_answers_are_asked_again_and_q_quits(library):
    out = practice(library, "maybe\n5\nglutes\nq\n")
    assert "'maybe' is not a triage level" in out
    assert "'glutes' is not a muscle" in out
    assert "Session ended." in out
    assert "Session score: 0 / 0 over 0 cases" in out


def test_end_of_input_ends_the_session(library):
    out = practice(library, "5\n")
    assert "Session ended." in out


def test_score_is_kept_over_the_session(library):
    (library / "fever.yaml").write_text(yaml.safe_dump(FEVER), encoding="utf-8")
    engine = get_engine()
    cases = [load_case(library / "classic.yaml"), load_case(library / "fever.yaml")]
    said = []

    def ask(prompt):  # always the classic answers: right for one case, wrong triage for the other
        return {"Tri": "5", "Pri": "gmin", "Cha": "gmin, vl"}[prompt[:3]]
    score = run_session(cases, engine, said.append, ask, seed=1)
    assert score.cases == 2 and score.possible == 6
    assert score.items["triage"] == [1, 2]
    assert said[-1].startswith("Session score: 3 / 6 (50%) over 2 cases; triage 1/2; primary 1/2; chain 1/2")


def test_count_and_seed(library):
    (library / "fever.yaml").write_text(yaml.safe_dump(FEVER), encoding="utf-8")
    out = practice(library, "q\n", "--count", "1", "--seed", "3")
    assert "Practice: 1 case." in out


def test_parsers():
    assert parse_triage("5") == "treat" and parse_triage("4") == "screen_first" and parse_triage("urg") == "urgent_referral"
    assert parse_muscle("TFL") == "tensor_fasciae_latae" and parse_muscle("none") is None
    assert parse_muscle("gluteus min") == "gluteus_minimus"
    assert parse_chain("ql -> gmin → vl") == ["quadratus_lumborum", "gluteus_minimus", "vastus_lateralis"]
    assert parse_chain("none") == []
    assert parse_triage("ref") == "refer_nerve"  # a unique prefix
    with pytest.raises(InputError):
        parse_triage("x")
    with pytest.raises(InputError):
        parse_muscle("gluteus")


def test_case_lines_fit_and_hide_the_answer(library):
    lines = case_lines(load_case(library / "classic.yaml"), 1, 1)
    assert all(len(line) <= 80 for line in lines)
    assert not any("SECRET" in line for line in lines)


def test_default_library_is_the_shipped_one_whatever_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cases").mkdir()
    assert default_library() == LIBRARY
    assert (LIBRARY / "gmin-lateral-classic.yaml").is_file()


def test_empty_folder_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["practice", str(tmp_path)])
    assert result.exit_code == 2
    assert "no case files" in result.output


# ---- wording, hints, asking for data ---------------------------------------------------------
def test_possessives_read_as_english():
    from myotrace.expert.present.text import possessive
    assert possessive("hamstrings") == "the hamstrings'"
    assert possessive("gluteus_minimus") == "the gluteus minimus's"


def test_students_never_see_the_contract_cited(tmp_path):
    """Every library case answered wrongly (so every critique path speaks): no 'CONTRACT', no "hamstrings's"."""
    library = Path(__file__).resolve().parent.parent / "cases"
    out = practice(library, "1\nhamstrings\nhamstrings, piriformis\n" * 70)
    assert "CONTRACT" not in out
    assert "hamstrings's" not in out


def test_hints_are_graded_stage_then_evidence_and_cost_points(library):
    out = flat(practice(library, "hint\nhint\nhint\n5\nhint\ngmin\nhint\nhint\ngmin, vl\n"))
    assert "Here the triage is settled by" in out and "Red flags: " in out
    assert "Hint 2: no red flag and no nerve involvement was found (screens: red flags: complete; nerve: complete)" in out
    assert "No more hints for this answer." in out
    assert "The primary muscle comes from key muscles and their satellites (satellites stage)" in out
    assert "reach the support threshold" in out or "reaches the support threshold" in out
    assert "Hint 2: the chain has 2 muscles; look for the muscle in the primary's referral zone" in out
    assert "(+0." not in out.split("Hint 2: the chain")[1].split("Chain")[0]  # no certainty of the answer's evidence
    assert out.index("Hint 1: Red flags") < out.index("Hint 2: no red flag") < out.index("The primary muscle comes from")
    assert "Session score: 1.75 / 3 (58%) after 1.25 for hints and data" in out  # five hints at 0.25


def test_a_red_flag_hint_points_at_the_finding(tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "fever.yaml").write_text(yaml.safe_dump(FEVER), encoding="utf-8")
    out = flat(practice(folder, "hint\nhint\nq\n"))
    assert "Here the triage is settled by a red flag." in out
    assert "Hint 2: look at fever: yes." in out


def test_withheld_data_is_revealed_on_ask_at_a_cost(library):
    out = flat(practice(library, "ask palpate gmin\nask palpate gmin\nask ober\nask pain_on_cough_sneeze\nask nonsense\n"
                                 "5\ngmin\ngmin, vl\n", "--withhold"))
    shown = out[:out.index("Triage (")]
    assert "Withheld: the examination and palpation: decide what you would examine" in shown
    assert "ober" not in shown and "gluteus minimus" not in shown   # the withheld tests are not named
    assert "reproduces the pain" not in shown
    assert "palpation of the gluteus minimus: reproduces the familiar pain (−0.1)" in out
    assert "palpation of the gluteus minimus: reproduces the familiar pain (already shown" in out  # no second charge
    assert "ober positive: yes (−0.1)" in out
    assert "pain on cough sneeze: not examined in this case (already shown or not examined: no cost)" in out
    assert "'nonsense' is neither a finding nor a muscle to palpate" in out
    assert "Session score: 2.8 / 3 (93%) after 0.2 for hints and data" in out


def test_secondary_chains_are_named_in_the_chain_critique(library):
    from myotrace.expert.teach.practice import critique_chain
    case = load_case(library / "classic.yaml")
    engine = get_engine().consult(case)
    from myotrace.expert.report import build_report
    report = build_report(engine, case).model_copy(update={"secondary_chains": [["hamstrings"]]})
    points, lines = critique_chain(["gluteus_minimus", "vastus_lateralis"], engine, case, report)
    assert points == 1 and "Also: a secondary chain, treated after the primary: hamstrings." in lines
    points, lines = critique_chain(["gluteus_minimus", "vastus_lateralis", "hamstrings"], engine, case, report)
    assert points == 0
    assert ("Not in the primary chain: the hamstrings heads or joins a secondary chain, treated after it."
            in lines)
