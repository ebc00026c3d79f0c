"""Properties of the reasoning core over random valid cases (hypothesis).

Each property is a clinical decision principle of the rules or a promise of
§4 that must hold for every case, not only for the cases somebody wrote.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from myotrace.expert.engine import MAX_FIRINGS, get_engine
from myotrace.expert.report import NO_CHAIN, build_report
from myotrace.facts.case import Case
from myotrace.facts.knowledge import knowledge
from myotrace.facts.types import Triage
from myotrace.facts.vocabulary import (
    CAUDA_EQUINA_FLAGS,
    NERVE_DEFICIT_SIGNS,
    FINDINGS,
    MUSCLES,
    OBJECTIVE_NERVE_SIGNS,
    OTHER_RED_FLAGS,
    RED_FLAGS,
    REGIONS,
    TRIAGE_LEVELS,
    urgency,
)
from profiles import at_most

MYOTRACE = Path(sys.executable).parent / "myotrace"

answers = st.sampled_from([True, False, "unknown"])


ANY_FINDING = st.sampled_from(FINDINGS)


@st.composite
def cases(draw, findings=ANY_FINDING):
    pain = draw(st.lists(st.sampled_from(REGIONS), unique=True, max_size=len(REGIONS)))
    answered = draw(st.dictionaries(findings, answers, max_size=14))
    palpation = draw(st.dictionaries(st.sampled_from(MUSCLES), st.booleans(), max_size=5))
    return Case(
        pain=pain,
        findings=answered,
        tender_points=[m for m in MUSCLES if palpation.get(m) is True],
        non_tender=[m for m in MUSCLES if palpation.get(m) is False],
        side=draw(st.sampled_from([None, "left", "right", "both"])),
    )


# Cases without a red flag (the flag is then added by the test).
NON_FLAGS = [f for f in FINDINGS if f not in RED_FLAGS]
flag_free_cases = cases(findings=st.sampled_from(NON_FLAGS))


def consult(case: Case):
    """Run the case; return the engine (valid until the next consult) and its report."""
    engine = get_engine().consult(case)
    return engine, build_report(engine, case)


def triage_of(case: Case) -> str:
    return consult(case)[1].triage


def with_findings(case: Case, **findings) -> Case:
    return case.model_copy(update={"findings": {**case.findings, **findings}})


# ---- never a crash, always terminates, exactly one triage ------------------------------


@given(cases())
def test_never_crashes_and_terminates(case):
    engine, report = consult(case)
    assert 0 < len(engine.trace) < MAX_FIRINGS
    # refraction: no rule fires twice on the very same facts
    seen = [(f.rule, tuple(m["fact"] for m in f.matched)) for f in engine.trace]
    assert len(seen) == len(set(seen)), "a rule fired twice on the same facts"
    assert report.to_json().endswith("\n")


@given(cases())
def test_exactly_one_triage(case):
    engine, report = consult(case)
    triages = engine.facts_of(Triage)
    assert len(triages) == 1, f"{len(triages)} Triage facts"
    assert triages[0]["level"] in TRIAGE_LEVELS
    assert report.triage == triages[0]["level"]
    assert [f.rule for f in engine.trace].count("SAF-006") == 1


# ---- safety first: a red flag always wins -----------------------------------------------------


@given(cases(), st.sampled_from(RED_FLAGS))
def test_adding_a_red_flag_never_lowers_urgency(case, flag):
    before = triage_of(case)
    after = triage_of(with_findings(case, **{flag: True}))
    assert urgency(after) >= urgency(before), f"{flag}: {before} -> {after}"
    floor = "emergency" if flag in CAUDA_EQUINA_FLAGS else "urgent_referral"
    assert urgency(after) >= urgency(floor), f"{flag} gave {after}"


@given(cases(), st.sampled_from(CAUDA_EQUINA_FLAGS))
def test_cauda_equina_flag_is_always_an_emergency(case, flag):
    _, report = consult(with_findings(case, **{flag: True}))
    assert report.triage == "emergency"
    assert flag in report.red_flags
    assert "cauda_equina_suspected" in report.conditions


@given(flag_free_cases, st.sampled_from(RED_FLAGS), st.dictionaries(st.sampled_from(NON_FLAGS), answers, max_size=6))
def test_a_red_flag_is_never_outweighed(case, flag, more):
    flagged = with_findings(case, **{flag: True})
    level = triage_of(flagged)
    later = triage_of(with_findings(flagged, **more))
    assert urgency(later) >= urgency(level), f"adding {more} lowered {level} to {later}"


@given(cases())
def test_red_flags_reported_are_the_flags_present(case):
    _, report = consult(case)
    present = [f for f in RED_FLAGS if case.findings.get(f) is True]
    assert report.red_flags == present
    def has(finding):
        return case.findings.get(finding) is True

    emergency_combination = (has("cancer_history") and any(has(s) for s in NERVE_DEFICIT_SIGNS)) or (
        has("fever") and has("immunosuppression"))  # suspected cord compression; spinal infection
    if any(has(f) for f in CAUDA_EQUINA_FLAGS) or emergency_combination:
        assert report.triage == "emergency"
    elif any(case.findings.get(f) is True for f in OTHER_RED_FLAGS):
        assert report.triage == "urgent_referral"
    else:
        assert report.triage not in ("emergency", "urgent_referral")


@given(flag_free_cases, st.sampled_from(OBJECTIVE_NERVE_SIGNS))
def test_objective_nerve_sign_without_red_flag_refers(case, sign):
    _, report = consult(with_findings(case, **{sign: True}))
    assert report.triage == "refer_nerve"
    assert "radiculopathy_suspected" in report.conditions


# ---- the chain: a key before its satellites ----------------------------------------------------


@given(cases())
def test_no_chain_when_not_treating(case):
    _, report = consult(case)
    if report.triage in NO_CHAIN:
        assert report.primary_muscle is None
        assert report.chain == []
    if report.triage == "treat":
        assert report.primary_muscle is not None


@settings(max_examples=at_most(50))  # the chain's shape, not a safety invariant: 50 examples
@given(cases())
def test_chain_starts_with_primary_and_holds_supported_candidates(case):
    _, report = consult(case)
    if not report.chain:
        assert report.primary_muscle is None
        return
    assert report.chain[0] == report.primary_muscle
    assert len(report.chain) == len(set(report.chain))
    supported = {c.muscle for c in report.candidates if c.supported}
    assert set(report.chain) <= supported, f"chain {report.chain}, supported {supported}"


QUIET_FINDINGS = [f for f in NON_FLAGS if f not in OBJECTIVE_NERVE_SIGNS]


@st.composite
def key_satellite_cases(draw):
    """A key and its satellite both in play: the satellite's referral zone in the pain map (one
    of its patterns, whole), some of the key's zone, the key palpated tender, the satellite
    tender or not asked; then any findings that are neither red flags nor nerve signs."""
    kb = knowledge()
    edge = draw(st.sampled_from(kb.satellites))
    satellite_zone = draw(st.sampled_from(kb.muscles[edge.satellite].patterns)).essential
    key_zone = draw(st.sampled_from(kb.muscles[edge.key].patterns)).essential
    pain = set(satellite_zone) | set(draw(st.lists(st.sampled_from(key_zone), unique=True)))
    pain |= set(draw(st.lists(st.sampled_from(REGIONS), max_size=2)))
    tender = [edge.key] + ([edge.satellite] if draw(st.booleans()) else [])
    return Case(pain=[r for r in REGIONS if r in pain], tender_points=tender,
                findings=draw(st.dictionaries(st.sampled_from(QUIET_FINDINGS), answers, max_size=8)),
                side=draw(st.sampled_from([None, "left", "right", "both"])))


def test_satellite_never_primary_while_its_key_leads():
    """A key leads only on evidence of its own; a confirmed,
    supported key whose edge applies to the satellite's part always leads it (a satellite
    whose zone does not fit the pain map is not part of that chain).

    Checked over cases built around a key/satellite edge; the premise (key tender and
    supported, the edge applying, the satellite's zone fitting) must hold in at least a
    quarter of them, or the property would be checked on nothing."""
    from myotrace.facts.types import Evidence, Hypothesis
    threshold = knowledge().settings.support_threshold
    examples, reached = [], []

    @settings(max_examples=at_most(50))  # the chain's order, not a safety invariant: 50 examples
    @given(key_satellite_cases())
    def check(case):
        engine, report = consult(case)
        examples.append(case)
        hypotheses = {h["muscle"]: h for h in engine.facts_of(Hypothesis)}
        fits = {e["muscle"] for e in engine.facts_of(Evidence) if e["rule"] == "REF-001"}
        for edge in knowledge().satellites:
            key, satellite = hypotheses.get(edge.key), hypotheses.get(edge.satellite)
            if not (key and satellite) or report.primary_muscle is None:
                continue
            part = satellite["part"]
            applies = edge.part is None or part in (None, edge.part)
            if key["cf"] >= threshold and edge.key in case.tender_points and applies and edge.satellite in fits:
                reached.append(edge)
                event(f"premise holds: {edge.key} -> {edge.satellite}")
                assert report.primary_muscle != edge.satellite, (
                    f"primary {edge.satellite} while its confirmed key {edge.key} is supported")
                if edge.satellite in report.chain and edge.key in report.chain:
                    assert report.chain.index(edge.key) < report.chain.index(edge.satellite), report.chain

    check()
    assert len(reached) * 4 >= len(examples) > 0, f"premise held in {len(reached)} of {len(examples)} examples"


@given(cases())
def test_non_tender_never_in_a_chain_and_secondary_chains_are_disjoint(case):
    _, report = consult(case)
    chains = [report.chain, *report.secondary_chains]
    members = [m for chain in chains for m in chain]
    assert len(members) == len(set(members))
    assert not set(members) & set(case.non_tender)
    if report.triage in ("emergency", "urgent_referral"):
        assert report.protocol.steps == [] and report.corrections == [] and report.secondary_chains == []


@settings(max_examples=at_most(50))  # the candidates' bookkeeping, not a safety invariant: 50 examples
@given(cases())
def test_candidates_are_consistent(case):
    _, report = consult(case)
    threshold = knowledge().settings.support_threshold
    muscles = [c.muscle for c in report.candidates]
    assert len(muscles) == len(set(muscles))
    for candidate in report.candidates:
        assert -1.0 <= candidate.certainty <= 1.0
        # certainty is rounded to 2 places for the report; allow for that at the threshold
        if abs(candidate.certainty - threshold) > 0.01:
            assert candidate.supported == (candidate.certainty >= threshold), candidate
    certainties = [c.certainty for c in report.candidates]
    assert certainties == sorted(certainties, reverse=True)


# ---- the same case always gives byte-identical JSON ---------------------


@given(cases(), cases())
def test_same_case_same_json(case, other):
    engine = get_engine()
    first = build_report(engine.consult(case), case, with_trace=True).to_json()
    second = build_report(engine.consult(case), case, with_trace=True).to_json()
    assert first == second
    build_report(engine.consult(other), other, with_trace=True)  # another case in between
    third = build_report(engine.consult(case), case, with_trace=True).to_json()
    assert first == third, "the engine kept something from the previous case"


FIXED_CASES = {
    "classic": {
        "case": "classic", "side": "right",
        "pain": ["buttock", "lateral_thigh", "lateral_knee", "lateral_calf"],
        "findings": {"pain_worse_below_knee": True, "ober_positive": True, "slr_positive": False,
                     "leg_length_discrepancy": True, "foam_rolling_brief_relief": True},
        "tender_points": ["gluteus_minimus", "quadratus_lumborum"], "non_tender": ["piriformis"],
    },
    "mixed": {
        "case": "mixed",
        "pain": ["sacroiliac", "buttock", "lateral_knee", "posterior_thigh", "sole"],
        "findings": {"shooting_electric_pain": True, "lateral_epicondyle_tender": True,
                     "pain_with_running": True, "genu_varum": True, "fever": "unknown"},
        "tender_points": ["piriformis"],
    },
    "undecided": {"case": "undecided", "pain": ["buttock"]},
}


def trace_rules(output: bytes) -> list[list[str]]:
    decoder, text, index, reports = json.JSONDecoder(), output.decode(), 0, []
    while index < len(text.rstrip()):
        report, index = decoder.raw_decode(text, index)
        reports.append([step["rule"] for step in report["trace"]])
        while index < len(text) and text[index].isspace():
            index += 1
    return reports


@pytest.mark.parametrize("with_trace", [False, True], ids=["report", "report+trace"])
def test_same_json_across_processes_and_hash_seeds(tmp_path, with_trace):
    paths = []
    for name, body in FIXED_CASES.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(body), encoding="utf-8")
        paths.append(str(path))
    outputs = {}
    # The order is not only hash-seed dependent: it also varied between runs with the
    # same seed, so eight processes are run with the trace (where a wrong firing order shows
    # whole) to make a wrong order very likely to show. Their JSON holds every field of the
    # report too, so without the trace three processes check that path.
    seeds = ("0", "0", "1", "1", "2", "3", "42", "4242") if with_trace else ("0", "1", "42")
    for run, seed in enumerate(seeds, start=1):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [str(MYOTRACE), "diagnose", *paths, "--format", "json"] + (["--trace"] if with_trace else [])
        result = subprocess.run(command, capture_output=True, env=env, check=False)
        assert result.returncode == 0, result.stderr.decode()
        outputs.setdefault(result.stdout, f"run {run} (PYTHONHASHSEED={seed})")
    if len(outputs) > 1:
        orders = {label: trace_rules(out) for out, label in outputs.items()}
        differences = []
        for number, name in enumerate(FIXED_CASES):
            runs = {label: rules[number] for label, rules in orders.items()}
            first = next((i for i in range(max(map(len, runs.values())))
                          if len({tuple(r[i:i + 1]) for r in runs.values()}) > 1), None)
            if first is not None:
                differences.append(f"{name}: from firing {first + 1}: "
                                   + "; ".join(f"{label}: {' '.join(r[first:first + 4])}"
                                               for label, r in runs.items()))
        pytest.fail("JSON differs between processes. "
                    + (" | ".join(differences) or "(same rule order; facts or values differ)"))


def test_in_process_json_matches_the_cli(tmp_path):
    """The console script's JSON for each fixed case (one process, the cases in turn) is the
    report built in process, byte for byte."""
    expected, paths = [], []
    for name in sorted(FIXED_CASES):
        case = Case.model_validate(FIXED_CASES[name])
        expected.append(build_report(get_engine().consult(case), case).to_json())
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(FIXED_CASES[name]), encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run([str(MYOTRACE), "diagnose", *paths, "--format", "json"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "".join(expected)


def agenda_ties(case: Case) -> list[str]:
    """Activations on the agenda at the same time with equal priority keys.

    experta pops the agenda by (salience, fact ids); between two different rules
    with equal keys the order is whatever order the Rete network, built from a
    set of rules, happened to produce in this process. Any such tie makes the
    trace order (and the fact ids in it) differ from one run to the next.
    """
    engine = get_engine()
    engine.reset(case=case)
    ties = []
    while True:
        pending = engine.pending()
        if not pending:
            return ties
        keys = {}
        for activation in pending:
            key = engine.strategy.get_key(activation)
            keys.setdefault(repr(key), []).append(activation.rule.rule_meta.id)
        ties += [" = ".join(sorted(rules)) for rules in keys.values() if len(set(rules)) > 1]
        engine.run(steps=1)


@pytest.mark.parametrize("name", sorted(FIXED_CASES))
def test_firing_order_never_depends_on_a_tie(name):
    ties = agenda_ties(Case.model_validate(FIXED_CASES[name]))
    assert not ties, f"rules tied on (salience, facts), fired in an arbitrary order: {sorted(set(ties))}"


@settings(max_examples=at_most(60))
@given(cases())
def test_random_cases_never_tie(case):
    ties = agenda_ties(case)
    assert not ties, f"rules tied on their agenda key: {sorted(set(ties))}"
