"""The clinical reasoning of issue 8: keys on their own evidence, merged and secondary
chains, soft signs, non-tender muscles, part-aware edges, gluteal tendinopathy, and the
knowledge-base errors found in review. Each test would have failed before the fix."""
from pathlib import Path

import pytest
import yaml

from myotrace.expert.casefile import case_paths, load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.present.render import render_markdown
from myotrace.expert.report import build_report
from myotrace.expert.teach.whynot import why_not, why_not_lines
from myotrace.facts.case import Case
from myotrace.facts.knowledge import KNOWLEDGE_DIR, knowledge
from myotrace.facts.types import Hypothesis
from myotrace.facts.vocabulary import MUSCLES, RED_FLAGS, label

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = case_paths([ROOT / "cases"])
CLASSIC_PAIN = ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"]
NO_FLAGS = {flag: False for flag in RED_FLAGS}
SCREENED = ["red_flags", "nerve"]  # both screens done and negative: the myofascial answer may be acted on


def report_of(case: Case | dict, trace=False):
    case = case if isinstance(case, Case) else Case.model_validate(case)
    engine = get_engine().consult(case)
    return build_report(engine, case, with_trace=trace)


def library_reports():
    for path in LIBRARY:
        case = load_case(path)
        yield path.stem, case, report_of(case, trace=True)


# ---- 1. a key leads only on evidence of its own --------------------------------------
def test_tfl_with_only_shared_evidence_does_not_lead_and_is_to_be_palpated():
    report = report_of({"pain": ["buttock", "lateral_hip", *CLASSIC_PAIN[1:]],
                        "findings": {"ober_positive": True, "pain_lying_on_side": True,
                                     "pain_rising_from_chair": True},
                        "tender_points": ["gluteus_minimus"], "screened": SCREENED})
    assert report.primary_muscle == "gluteus_minimus"
    assert "tensor_fasciae_latae" not in report.chain
    assert any("palpate:tensor_fasciae_latae" in q for q in report.open_questions)
    assert any("palpate the tensor fasciae latae" in step for step in report.protocol.steps)


def test_a_confirmed_key_leads():
    report = report_of({"pain": ["buttock", "lateral_hip", *CLASSIC_PAIN[1:]],
                        "findings": {"ober_positive": True},
                        "tender_points": ["gluteus_minimus", "tensor_fasciae_latae"]})
    assert report.chain[:2] == ["tensor_fasciae_latae", "gluteus_minimus"]


def test_a_non_tender_key_never_leads_and_a_non_tender_muscle_is_never_primary():
    body = {"pain": ["lateral_hip", "lateral_thigh"], "findings": {"pain_on_cough_sneeze": True,
            "leg_length_discrepancy": True}, "tender_points": ["gluteus_minimus"],
            "non_tender": ["quadratus_lumborum"]}
    report = report_of(body)
    assert "quadratus_lumborum" not in report.chain
    assert report.primary_muscle != "quadratus_lumborum"


def test_published_pseudo_sciatica_is_the_minimus_not_the_tfl():
    report = report_of(load_case(ROOT / "cases" / "pseudo-sciatica-posterior-gmin-published.yaml"))
    assert report.primary_muscle == "gluteus_minimus"


# ---- 2. chains that share a muscle are one chain ---------------------------------------
def test_ql_tender_with_leg_length_and_minimus_tender_is_one_chain():
    report = report_of({"pain": ["buttock", "lateral_hip", *CLASSIC_PAIN[1:]],
                        "findings": {"leg_length_discrepancy": True, "ober_positive": True},
                        "tender_points": ["quadratus_lumborum", "gluteus_minimus"], "screened": SCREENED})
    assert report.triage == "treat"
    assert report.chain[:2] == ["quadratus_lumborum", "gluteus_minimus"]
    assert report.secondary_chains == []


# ---- 3. two good sources: treat both ----------------------------------------------------
def test_two_unrelated_confirmed_chains_are_primary_and_secondary():
    report = report_of({"pain": ["sacroiliac", "buttock"], "findings": {"pain_prolonged_sitting": True},
                        "tender_points": ["gluteus_maximus", "piriformis"],
                        "non_tender": ["gluteus_medius", "gluteus_minimus"], "screened": SCREENED})
    assert report.triage == "treat"
    assert report.chain == ["piriformis"] and report.secondary_chains == [["gluteus_maximus"]]
    steps = report.protocol.steps
    first_gmax = next(i for i, s in enumerate(steps) if "gluteus maximus" in s)
    first_piri = next(i for i, s in enumerate(steps) if "piriformis" in s)
    assert first_piri < first_gmax, "the secondary chain is treated after the primary chain"
    assert "Secondary chains" in render_markdown(report)


# ---- 4. one soft nerve sign never blocks treatment -------------------------------------
@pytest.mark.parametrize("sign", ["dermatomal_numbness", "slr_positive", "shooting_electric_pain"])
def test_one_soft_sign_does_not_block_treatment(sign):
    report = report_of({"pain": CLASSIC_PAIN, "findings": {sign: True, "pain_worse_below_knee": True},
                        "tender_points": ["gluteus_minimus"], "screened": SCREENED})
    assert report.triage == "treat"
    assert "myofascial_pseudo_sciatica" not in report.conditions, "a nerve-type sign: the nerve screen is not negative"


# ---- 5. every fitting muscle ruled out ------------------------------------------------
def test_all_fitting_muscles_non_tender_says_outside_coverage_and_asks_only_the_other_muscles():
    case = load_case(ROOT / "cases" / "outside-every-fitting-muscle-non-tender.yaml")
    report = report_of(case)
    assert report.triage == "insufficient_evidence" and report.primary_muscle is None
    assert any("outside the muscles myotrace covers" in line for line in report.advice)
    assert not any("answer the open questions" in line for line in report.advice)
    # what the interview asks, the report lists: a muscle outside the pain map's zones that
    # reproduces the pain is still a source of its own (QST-009); a ruled-out one is never asked again
    asked = report.open_questions_detail["could_change"]
    palpations = {q.split("(palpate:")[1].rstrip(")") for q in asked if "(palpate:" in q}
    assert palpations and not palpations & set(case.non_tender), asked
    tender = case.model_copy(update={"tender_points": [sorted(palpations)[0]]})
    assert report_of(tender).primary_muscle == sorted(palpations)[0]


# ---- 6. part-aware satellite edges ----------------------------------------------------
def test_tfl_is_no_key_of_a_posterior_minimus_pattern():
    report = report_of(load_case(ROOT / "cases" / "part-tfl-not-key-of-posterior-gmin.yaml"))
    assert report.chain == ["gluteus_minimus"]


def test_the_tfl_edge_names_the_anterior_part():
    edge = next(e for e in knowledge().satellites if e.key == "tensor_fasciae_latae")
    assert edge.part == "anterior"
    assert "anterior" in [p.part for p in knowledge().muscles["gluteus_minimus"].patterns]


# ---- 7. greater trochanteric pain syndrome ---------------------------------------------
GTPS_CASE = {"pain": ["buttock", "lateral_hip", *CLASSIC_PAIN[1:]],
             "findings": {"greater_trochanter_tender": True, "pain_single_leg_stance": True,
                          "pain_worse_below_knee": True},
             "tender_points": ["gluteus_minimus"], "screened": SCREENED}


def test_gtps_is_concluded_and_explained_as_a_tendon_load_condition():
    report = report_of(GTPS_CASE)
    assert "greater_trochanteric_pain_syndrome" in report.conditions
    assert any("tendon condition managed by load" in c for c in report.corrections)
    assert report.primary_muscle == "gluteus_minimus", "the hip muscles are still traced"


def test_gtps_removes_adduction_stretching_and_says_why():
    with_gtps = report_of(GTPS_CASE)
    without = report_of({**GTPS_CASE, "findings": {"pain_worse_below_knee": True}})
    assert any("into adduction" in s for s in without.protocol.steps)
    assert not any("stretching into adduction" in s for s in with_gtps.protocol.steps)
    assert not any("stretch into adduction" in h for h in with_gtps.protocol.home_care)
    assert any("instead of stretching them into adduction" in s for s in with_gtps.protocol.steps)
    assert any("adduction presses the gluteal tendons" in a for a in with_gtps.protocol.avoid)


def test_gtps_needs_trochanteric_tenderness():
    report = report_of({**GTPS_CASE, "findings": {"greater_trochanter_tender": False,
                                                  "pain_single_leg_stance": True, "pain_lying_on_side": True}})
    assert "greater_trochanteric_pain_syndrome" not in report.conditions


def test_why_not_knows_gtps():
    case = Case.model_validate(GTPS_CASE)
    engine = get_engine().consult(case)
    result = why_not(engine, case, "greater_trochanteric_pain_syndrome")
    assert result.concluded and result.checks[0].rule == "CON-007"


# ---- 8. knowledge-base errors ----------------------------------------------------------
def test_a_negative_slr_is_no_muscle_evidence_and_pain_map_plus_slr_negative_is_not_treat():
    kb = knowledge()
    assert not kb.links("slr_positive", False)
    assert report_of({"pain": CLASSIC_PAIN, "findings": {"slr_positive": False}}).triage != "treat"


def test_hamstrings_carry_no_nerve_test_weight():
    assert not any(link.finding == "slr_positive" for link in knowledge().muscles["hamstrings"].evidence)


def test_compression_step_cites_the_seed_and_names_the_disagreement():
    item = knowledge().protocol.steps["compress"]
    assert item.source.startswith("seed")
    assert "shortened" in item.text and "lengthens the muscle to the barrier" in item.text


def test_sciatica_myth_correction_never_beside_piriformis_entrapment():
    for name, _, report in library_reports():
        if "piriformis_nerve_entrapment_possible" in report.conditions:
            assert not any("'Sciatica' is a symptom" in c for c in report.corrections), name


@pytest.mark.parametrize("muscle, part, region", [
    ("tensor_fasciae_latae", "main", "anterior_thigh"),
    ("gluteus_maximus", "trp2", "sacroiliac"),
    ("vastus_lateralis", "main", "lateral_hip"),
])
def test_missing_zones_are_there(muscle, part, region):
    pattern = next(p for p in knowledge().muscles[muscle].patterns if p.part == part)
    assert region in pattern.essential + pattern.spillover


def test_no_overstated_texts():
    texts = [item.text for section in ("steps", "home_care", "avoid", "corrections")
             for item in getattr(knowledge().protocol, section).values()]
    for text in texts:
        assert "cannot be lengthened" not in text and "cannot be permanently lengthened" not in text
        assert "comes from the vastus" not in text
    assert any("not meaningfully lengthen" in t for t in texts)
    assert any("may come from vastus lateralis" in t for t in texts)


def test_a_satellite_known_from_the_pain_map_alone_is_probable_and_palpated_first():
    report = report_of({"pain": CLASSIC_PAIN, "findings": {"pain_worse_below_knee": True},
                        "tender_points": ["gluteus_minimus"], "screened": SCREENED})
    assert report.chain == ["gluteus_minimus", "vastus_lateralis"]
    assert report.probable_satellites == ["vastus_lateralis"]
    assert not any("vastus lateralis" in s and s.startswith("Progressive stretching") for s in report.protocol.steps), \
        "a probable satellite is palpated before it is treated"
    assert any(s.startswith("Palpate the vastus lateralis") for s in report.protocol.steps)
    assert not any(s.startswith("Compress the tender points of the vastus") for s in report.protocol.steps)


def test_settings_describe_the_margin_as_the_contract_does():
    text = (KNOWLEDGE_DIR / "settings.yaml").read_text(encoding="utf-8")
    assert "secondary chains" in text
    assert "otherwise the answer is insufficient_evidence with the questions" not in text


def test_open_questions_never_repeat_and_red_flags_are_one_line():
    for name, _, report in library_reports():
        assert len(report.open_questions) == len(set(report.open_questions)), name
        items = [q.rsplit("(", 1)[-1] for q in report.open_questions]
        assert len(items) == len(set(items)), name
        flag_lines = [q for q in report.open_questions if q.startswith("Red flags not yet screened")]
        assert len(flag_lines) <= 1, name
        detail = report.open_questions_detail
        if detail.get("red_flags"):
            assert report.open_questions[0] == flag_lines[0]
            assert detail["red_flags"] == [f for f in RED_FLAGS if f in detail["red_flags"]]


@pytest.mark.parametrize("flag", ["saddle_anesthesia", "fever"])
def test_a_red_flag_report_leads_with_the_referral_only(flag):
    report = report_of({"pain": CLASSIC_PAIN, "findings": {flag: True, "ober_positive": True,
                        "foam_rolling_brief_relief": True, "leg_length_discrepancy": True},
                        "tender_points": ["gluteus_minimus"]})
    assert report.chain == [] and report.secondary_chains == []
    assert report.protocol.steps == report.protocol.home_care == report.protocol.avoid == []
    assert report.corrections == [] and report.perpetuating_factors == []
    assert report.advice


def test_trace_matches_only_what_the_rule_bound_and_nothing_fires_for_nothing():
    from experta import NOT, Fact
    from experta.conditionalelement import ConditionalElement

    def positive_types(elements):
        found = set()
        for element in elements:
            if isinstance(element, NOT):
                continue
            if isinstance(element, Fact):
                found.add(type(element).__name__)
            elif isinstance(element, ConditionalElement):
                found |= positive_types(element)
        return found

    engine = get_engine()
    rules = {rule.rule_meta.id: rule for rule in engine.get_rules()}
    for path in LIBRARY:
        engine.consult(load_case(path))
        for firing in engine.trace:
            allowed = positive_types(rules[firing.rule])
            assert all(type(f).__name__ in allowed for f in firing.matched_facts), (path.stem, firing.rule)
            if firing.stage in ("satellites", "conditions", "myths", "protocol"):
                assert firing.declared_facts, f"{path.stem}: {firing.rule} fired with nothing new"


def test_why_not_never_contradicts_the_report():
    engine = get_engine()
    threshold = knowledge().settings.support_threshold
    for path in LIBRARY:
        case = load_case(path)
        report = build_report(engine.consult(case), case)
        supported = {h["muscle"] for h in engine.facts_of(Hypothesis) if h["cf"] >= threshold}
        for muscle in MUSCLES:
            result = why_not(engine, case, muscle)
            head = " ".join(result.summary)
            if muscle in supported:
                assert "not supported" not in head, (path.stem, muscle, head)
            if muscle in [m for chain in report.secondary_chains for m in chain]:
                assert "secondary chain" in head, (path.stem, muscle, head)
            assert result.concluded == (muscle == report.primary_muscle)
        why_not_lines(why_not(engine, case, report.primary_muscle or "gluteus_minimus"))


# ---- 9. self-care names only what was found, or asks to check -------------------------
def test_self_care_never_asserts_an_unfound_factor():
    for name, case, report in library_reports():
        for line in report.protocol.home_care + report.perpetuating_factors:
            if "wallet" in line or "high heels" in line or "hills" in line:
                assert "check" in line.lower(), (name, line)


# ---- 10. unscreened red flags ---------------------------------------------------------
def test_unscreened_red_flags_are_listed_in_vocabulary_order_and_headlined():
    case = Case.model_validate({"pain": CLASSIC_PAIN, "findings": {**NO_FLAGS, "fever": "unknown",
                                "cancer_history": "unknown", "saddle_anesthesia": "unknown"},
                                "tender_points": ["gluteus_minimus"], "screened": ["nerve"]})
    report = report_of(case)
    assert report.unscreened_red_flags == ["saddle_anesthesia", "fever", "cancer_history"]
    line = report.screen_first_line()
    assert line.startswith("Red flags not yet screened: saddle anesthesia, fever, cancer history")
    assert line in render_markdown(report)
    screened = report_of({"pain": CLASSIC_PAIN, "findings": NO_FLAGS, "tender_points": ["gluteus_minimus"],
                          "screened": ["nerve"]})
    assert screened.unscreened_red_flags == [] and screened.screen_first_line() is None


# ---- 12. the library --------------------------------------------------------------------
def test_new_case_classes_carry_secondary_chain_expectations():
    expected = [yaml.safe_load(p.read_text())["expect"].get("secondary_chains") for p in LIBRARY]
    assert sum(bool(e) for e in expected if e is not None) >= 4
    published = [p for p in LIBRARY if "published" in p.stem]
    assert len(published) >= 3


def test_practice_critique_names_secondary_chains_and_gtps():
    from myotrace.expert.teach.practice import critique_chain

    case = Case.model_validate(GTPS_CASE)
    engine = get_engine().consult(case)
    report = build_report(engine, case)
    _, lines = critique_chain(list(report.chain), engine, case, report)
    assert any("greater trochanteric pain syndrome" in line for line in lines)
    case = load_case(ROOT / "cases" / "secondary-gmax-and-piriformis.yaml")
    engine = get_engine().consult(case)
    report = build_report(engine, case)
    _, lines = critique_chain(["piriformis", "gluteus_maximus"], engine, case, report)
    assert any("secondary chain" in line for line in lines)


def test_reports_split_the_open_questions():
    text = render_markdown(report_of(load_case(ROOT / "cases" / "screen-first-classic-unscreened.yaml")))
    assert "## Open questions that could change the conclusion" in text
    assert "## Also worth asking" in text
    assert text.count("Red flags not yet screened") == 2  # the headline and the one grouped question
