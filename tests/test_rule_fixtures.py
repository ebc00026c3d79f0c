"""One YAML fixture per rule, one parametrised runner: every rule is shown firing and not firing.

Each ``tests/fixtures/rules/<RULE-ID>.yaml`` holds named cases; each case is a
case body (the case-file format), whether the rule should fire on it, and optionally
facts the rule's firings must declare (subset match).
"""
import math
import re
from pathlib import Path

import pytest
import yaml

from myotrace.expert.engine import MyoEngine, get_engine, rule_catalogue
from myotrace.facts.case import Case
from myotrace.rules import MIXINS
from myotrace.rules.meta import STAGES

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
RULE_ID = re.compile(r"^[A-Z]{3}-\d{3}$")

# Rules no valid case can keep silent; their fixture says so with `always_fires:`
# and the claim is checked against every fixture case of every rule.
ALWAYS_FIRES = {"SAF-006"}  # SAF-005 votes when nothing else did, so a Triage is always decided

FILE_KEYS = {"rule", "cases", "always_fires"}
CASE_KEYS = {"name", "should_fire", "case", "expect_declared"}


def load_fixtures() -> dict[str, dict]:
    fixtures = {}
    for path in sorted(FIXTURES.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            fixtures[path.stem] = yaml.safe_load(handle)
    return fixtures


FIXTURE_DATA = load_fixtures()
ALL_CASES = [
    pytest.param(rule_id, item, id=f"{rule_id}::{item['name']}")
    for rule_id, data in FIXTURE_DATA.items()
    for item in data.get("cases") or []
]


def firings(case_body: dict, rule_id: str):
    case = Case.model_validate(case_body)
    engine = get_engine().consult(case)
    return engine, [firing for firing in engine.trace if firing.rule == rule_id]


def same(expected, actual) -> bool:
    if isinstance(expected, (list, tuple)):
        return (isinstance(actual, (list, tuple)) and len(expected) == len(actual)
                and all(same(e, a) for e, a in zip(expected, actual)))
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return math.isclose(expected, actual, abs_tol=1e-4)
    return expected == actual


def subset(expected: dict, fact: dict) -> bool:
    return all(key in fact and same(value, fact[key]) for key, value in expected.items())


# ---- the fixture files themselves ------------------------------------------------------


@pytest.mark.parametrize("rule_id", sorted(FIXTURE_DATA))
def test_fixture_file_is_well_formed(rule_id):
    data = FIXTURE_DATA[rule_id]
    assert isinstance(data, dict), f"{rule_id}.yaml: top level must be a mapping"
    assert set(data) <= FILE_KEYS, f"{rule_id}.yaml: unknown keys {set(data) - FILE_KEYS}"
    assert data.get("rule") == rule_id, f"{rule_id}.yaml says rule: {data.get('rule')}"
    cases = data.get("cases")
    assert isinstance(cases, list) and cases, f"{rule_id}.yaml has no cases"
    names = [item.get("name") for item in cases]
    assert all(isinstance(n, str) and n for n in names), f"{rule_id}.yaml: every case needs a name"
    assert len(names) == len(set(names)), f"{rule_id}.yaml: case names repeat"
    for item in cases:
        assert set(item) <= CASE_KEYS, f"{rule_id}.yaml {item['name']}: unknown keys {set(item) - CASE_KEYS}"
        assert isinstance(item.get("should_fire"), bool), f"{item['name']}: should_fire must be true/false"
        assert isinstance(item.get("case"), dict) and item["case"], f"{item['name']}: case must be a non-empty mapping"
        Case.model_validate(item["case"])  # a valid case body
        expected = item.get("expect_declared")
        if expected is not None:
            assert item["should_fire"], f"{item['name']}: expect_declared on a should_fire: false case"
            assert isinstance(expected, list) and all(isinstance(e, dict) and "type" in e for e in expected)


def test_every_fixture_names_a_known_rule():
    known = {rule.id for rule in rule_catalogue()}
    unknown = sorted(set(FIXTURE_DATA) - known)
    assert not unknown, f"fixtures for rules that do not exist (retired or misspelt?): {unknown}"


def test_every_rule_has_a_fixture_with_both_kinds_of_case():
    missing, one_sided = [], []
    for rule in rule_catalogue():
        data = FIXTURE_DATA.get(rule.id)
        if data is None:
            missing.append(rule.id)
            continue
        kinds = {item["should_fire"] for item in data["cases"]}
        if rule.id in ALWAYS_FIRES:
            assert data.get("always_fires"), f"{rule.id}.yaml must say why it has no should_fire: false case"
            kinds.add(False)
        else:
            assert "always_fires" not in data, f"{rule.id}.yaml claims always_fires; add it to ALWAYS_FIRES"
        if kinds != {True, False}:
            one_sided.append(rule.id)
    assert not missing, f"rules without a fixture: {missing}"
    assert not one_sided, f"rules without both a should_fire true and false case: {one_sided}"


# ---- the runner ------------------------------------------------------------------------


@pytest.mark.parametrize(("rule_id", "item"), ALL_CASES)
def test_rule_fixture(rule_id, item):
    engine, fired = firings(item["case"], rule_id)
    trail = ", ".join(f.rule for f in engine.trace)
    if item["should_fire"]:
        assert fired, f"{rule_id} did not fire on '{item['name']}'; fired: {trail}"
    else:
        assert not fired, f"{rule_id} fired on '{item['name']}' ({len(fired)}x); declared {fired[0].declared}"
    declared = [fact for firing in fired for fact in firing.declared]
    for expected in item.get("expect_declared") or []:
        assert any(subset(expected, fact) for fact in declared), (
            f"{rule_id} on '{item['name']}' declared no fact matching {expected}; declared: {declared}")


@pytest.mark.parametrize("rule_id", sorted(ALWAYS_FIRES))
@pytest.mark.parametrize(("case_rule", "item"), ALL_CASES)
def test_always_fires_claim_holds(rule_id, case_rule, item):
    _, fired = firings(item["case"], rule_id)
    assert len(fired) == 1, f"{rule_id} fired {len(fired)} times on {case_rule} '{item['name']}'"


# ---- the catalogue ---------------------------------------------------------------------


def rule_members():
    """(class, method name, rule meta) for every rule in every mixin, duplicates kept."""
    found = []
    for klass in MIXINS:
        for name, value in vars(klass).items():
            rule_meta = getattr(value, "rule_meta", None)
            if rule_meta is not None:
                found.append((klass.__name__, name, rule_meta))
    return found


def test_rule_ids_are_unique():
    ids = [rule_meta.id for _, _, rule_meta in rule_members()]
    assert ids, "no rules found"
    assert len(ids) == len(set(ids)), f"rule ids used twice: {sorted({i for i in ids if ids.count(i) > 1})}"


def test_method_names_are_unique_across_mixins():
    # experta collects rules by attribute lookup: a name repeated in two mixins silently drops one
    names = [name for _, name, _ in rule_members()]
    assert len(names) == len(set(names)), f"rule methods shadowing each other: {sorted({n for n in names if names.count(n) > 1})}"


def test_engine_sees_every_rule():
    assert len(MyoEngine().get_rules()) == len(rule_members()) == len(rule_catalogue())


@pytest.mark.parametrize("rule", rule_catalogue(), ids=lambda rule: rule.id)
def test_rule_has_metadata(rule):
    assert RULE_ID.match(rule.id), f"rule id {rule.id!r} is not like SAF-001"
    assert rule.stage in STAGES
    for field in ("statement", "when", "then", "source"):
        value = getattr(rule, field)
        assert isinstance(value, str) and value.strip(), f"{rule.id} has no {field}"
    assert "\n" not in rule.statement, f"{rule.id}: the statement must be one line"


def test_kb_check_reports_no_problem():
    from myotrace.expert.kbcheck import FIXTURES as KB_FIXTURES
    from myotrace.expert.kbcheck import check

    assert KB_FIXTURES.resolve() == FIXTURES.resolve()
    problems, notes = check()
    assert problems == []
    assert not any("fixtures not found" in note for note in notes)
