"""The type-routing matcher finds exactly what experta's own Rete matcher finds.

myotrace's engine uses ``expert/matcher.py``: the same network under a root that
routes facts by type, tokens checked once, a flat reset and a conflict-set poll that
skips empty nodes. Here an engine that differs only in using experta's ``ReteMatcher``
is the reference: every library case and many random ones give the same firings, in
the same order, declaring the same facts, and the same report.
"""
import json

import pytest
from experta.matchers import ReteMatcher
from experta.matchers.rete.token import Token
from hypothesis import HealthCheck, given, settings

from myotrace.expert.casefile import load_case
from myotrace.expert.engine import MyoEngine, get_engine
from myotrace.expert.library import library_paths
from myotrace.expert.matcher import CheckedToken, TypeRoutingBus, TypeRoutingMatcher
from myotrace.expert.report import build_report
from myotrace.facts.types import Evidence, Finding, PainMap
from test_properties import cases


class ReferenceEngine(MyoEngine):
    """myotrace's engine on experta's own matcher."""

    __matcher__ = ReteMatcher


@pytest.fixture(scope="module")
def reference():
    return ReferenceEngine()


def firings(engine, case):
    engine.consult(case)
    steps = [(f.rule, [dict(fact) for fact in f.matched_facts], [dict(fact) for fact in f.declared_facts])
             for f in engine.trace]
    return steps, build_report(engine, case, with_trace=True).to_json()


def test_the_engine_uses_the_type_routing_matcher():
    engine = get_engine()
    assert isinstance(engine.matcher, TypeRoutingMatcher)
    assert isinstance(engine.matcher.root_node, TypeRoutingBus)


@pytest.mark.parametrize("path", library_paths(), ids=lambda p: p.stem)
def test_every_library_case_fires_the_same_rules_in_the_same_order(path, reference):
    case = load_case(path)
    assert firings(get_engine(), case) == firings(reference, case)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_random_cases_fire_the_same_rules_in_the_same_order(case, reference):
    assert firings(get_engine(), case) == firings(reference, case)


def test_a_fact_reaches_only_the_alpha_nodes_that_test_its_type():
    root = get_engine().matcher.root_node
    for kind in (Finding, Evidence, PainMap):
        routed = root._children_for(kind())
        assert routed, kind
        assert {child.node.matcher.fact_type for child in routed} == {kind}
        everyone = [child for child in root.children if child.node.matcher.fact_type is kind]
        assert list(routed) == everyone  # in the order the network was built


def test_a_reset_forgets_the_previous_case():
    """The flat reset clears every node's memory: a case run after another gives what it
    gives on a fresh engine."""
    paths = library_paths()
    first, second = load_case(paths[0]), load_case(paths[-1])
    engine = get_engine()
    engine.consult(first)
    after_another = firings(engine, second)
    assert after_another == firings(MyoEngine(), second)
    assert json.loads(after_another[1])["case"] == second.case


def test_every_node_is_reset_once():
    matcher = get_engine().matcher
    ids = [id(node) for node in matcher._nodes]
    assert len(ids) == len(set(ids))
    reachable, stack = set(), [matcher.root_node]
    while stack:
        node = stack.pop()
        if id(node) not in reachable:
            reachable.add(id(node))
            stack.extend(child.node for child in node.children)
    assert set(ids) == reachable


def test_a_checked_token_is_experta_s_token_without_the_repeated_check():
    fact = Finding(id="ober_positive", value=True)
    for data in (fact, (fact,)):
        token = CheckedToken.valid(data, {"x": 1})
        assert token == Token.valid(fact, {"x": 1}) and token.is_valid()
        copy = token.copy()
        assert type(copy) is CheckedToken and copy == token
        assert copy.data is not token.data and copy.context is not token.context
    assert not CheckedToken.invalid((fact,)).is_valid()
