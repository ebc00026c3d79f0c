"""Rule metadata: what `why`, `rules show` and the teaching views read about each rule.

A rule declares the settings it reads, what its conclusion feeds and its groups; the
catalogue adds its salience. These tests hold the declarations to the code.
"""
import ast
import inspect
import textwrap

import pytest

from myotrace.expert.engine import rule_catalogue, rules_by_id
from myotrace.facts.knowledge import Settings
from myotrace.rules import MIXINS
from tests.clirun import run


def rule_functions():
    """(rule meta, the rule's own function) for every rule of every mixin."""
    return [(value.rule_meta, value._wrapped) for klass in MIXINS for value in vars(klass).values()
            if getattr(value, "rule_meta", None) is not None]


def settings_read(function) -> set[str]:
    """The settings a function's own body reads as ``<...>.settings.<key>`` or ``settings.<key>``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and (isinstance(node.value, ast.Attribute) and node.value.attr == "settings"
                 or isinstance(node.value, ast.Name) and node.value.id == "settings")}


@pytest.mark.parametrize(("rule", "function"), rule_functions(), ids=lambda x: getattr(x, "id", ""))
def test_a_rule_declares_every_setting_it_reads(rule, function):
    assert set(rule.settings) <= set(Settings.model_fields), f"{rule.id}: unknown settings {rule.settings}"
    missing = settings_read(function) - set(rule.settings)
    assert not missing, f"{rule.id} reads {sorted(missing)} without naming it in @meta(settings=...)"


def test_settings_reader_sees_both_spellings():
    def sample(self):
        settings = self.kb.settings
        return settings.referral_cf, self.kb.settings.premise_threshold

    assert settings_read(sample) == {"referral_cf", "premise_threshold"}


def test_what_a_rule_feeds_is_a_rule_and_the_climb_ends():
    catalogue = rules_by_id()
    for rule in rule_catalogue():
        seen = [rule.id]
        while catalogue[seen[-1]].feeds:
            target, how = catalogue[seen[-1]].feeds
            assert target in catalogue and how.strip(), f"{seen[-1]} feeds {target!r}"
            assert target not in seen, f"the climb from {rule.id} loops: {seen + [target]}"
            seen.append(target)


def test_the_catalogue_carries_each_rules_salience_and_name():
    for klass in MIXINS:
        for value in vars(klass).values():
            meta = getattr(value, "rule_meta", None)
            if meta is not None:
                listed = rules_by_id()[meta.id]
                assert listed.salience == value.salience > 0
                assert listed.name and "_" not in listed.name


def test_the_catalogue_is_built_once():
    assert rule_catalogue() is rule_catalogue()
    assert all(rules_by_id()[rule.id] is rule for rule in rule_catalogue())


def test_triage_group_is_the_rules_that_vote_on_the_triage():
    triage = {rule.id for rule in rule_catalogue() if "triage" in rule.groups}
    assert {"SAF-001", "SAF-002", "SAF-003", "NRV-001", "NRV-002"} <= triage
    assert not {rule.id for rule in rule_catalogue() if rule.stage not in ("safety", "nerve")} & triage


def test_rules_show_prints_salience_settings_and_fixture_cases():
    result = run("rules", "show", "REF-001")
    assert result.returncode == 0, result.stderr
    assert "SALIENCE 80" in result.stdout
    assert "premise_threshold" in result.stdout and "referral_cf" in result.stdout
    assert "fires: lateral-leg pain map" in result.stdout
    assert "silent: findings without a pain map" in result.stdout
