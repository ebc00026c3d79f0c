"""The myotrace engine: composed from the rule mixins, built once, reset per case.

Its own run loop records a structured trace of every firing (rule id,
statement, source, facts matched, facts declared, certainty before/after);
the loop is ours because experta's own ``run`` only logs a rule's name and fact
ids, not what each firing declared.
"""
from dataclasses import replace
from functools import cache

import myotrace.expert._compat  # noqa: F401
from experta import KnowledgeEngine
from experta.agenda import Agenda
from experta.fact import InitialFact
from experta.factlist import FactList
from experta.strategies import DepthStrategy

from myotrace.expert.certainty import combine
from myotrace.expert.matcher import TypeRoutingMatcher
from myotrace.expert.trace import Firing
from myotrace.facts.case import Case
from myotrace.facts.knowledge import knowledge
from myotrace.facts.types import Evidence, Finding, FindingLink, PainMap, Palpation, SatelliteEdge, Screen, Unpalpable
from myotrace.facts.vocabulary import FINDINGS, MUSCLES, REGIONS, SCREENS
from myotrace.rules import MIXINS

MAX_FIRINGS = 5000  # far above any real case (~100); a guard, not a budget


class RunawayError(RuntimeError):
    """The rules kept firing: a rule re-fires on its own conclusions."""


class DeterministicStrategy(DepthStrategy):
    """experta's depth strategy (salience, then newest facts) with one more tie-break:
    the rule id, so activations that tie never fire in an order that depends on
    object identity (the same case must give the same trace in every process)."""

    def get_key(self, activation):
        # experta's key (salience, then fact ids newest first), computed here rather than
        # through its per-activation cache, whose hashing costs more than the key itself.
        facts = sorted((fact["__factid__"] for fact in activation.facts), reverse=True)
        return activation.rule.salience, facts, _reverse(activation.rule.rule_meta.id)


@cache
def _reverse(text: str) -> tuple:
    """Sorts in reverse order of ``text``: the agenda pops its largest key first,
    and among ties the alphabetically first rule should fire first."""
    return tuple(-ord(ch) for ch in text)


class MyoEngine(*MIXINS, KnowledgeEngine):
    __strategy__ = DeterministicStrategy
    __matcher__ = TypeRoutingMatcher

    def __init__(self, kb=None):
        self.kb = kb or knowledge()
        self.trace: list[Firing] = []
        self._evidence: dict[str, list[float]] = {}
        super().__init__()

    def from_case(self, case: Case | None = None, unpalpable: tuple = ()):
        """The facts a consult starts from: the knowledge base's satellite edges, then the case."""
        for edge in self.kb.satellites:
            yield SatelliteEdge(key=edge.key, satellite=edge.satellite, part=edge.part, source=edge.source)
        if case is None:
            return
        for finding in FINDINGS:  # knowledge facts before the case's, so the case's keep their recency
            if finding in case.findings and self.kb.links(finding, case.findings[finding]):
                yield FindingLink(finding=finding, value=case.findings[finding])
        if case.pain:
            yield PainMap(regions=tuple(r for r in REGIONS if r in case.pain))
        for finding in FINDINGS:
            if finding in case.findings:
                yield Finding(id=finding, value=case.findings[finding])
        for group, items in SCREENS.items():
            missing = tuple(case.missing(group))
            yield Screen(group=group, missing=missing, complete=not missing,
                         negative=not missing and not any(case.findings[i] is True for i in items))
        for muscle in MUSCLES:
            if muscle in case.tender_points:
                yield Palpation(muscle=muscle, reproduces=True)
            elif muscle in case.non_tender:
                yield Palpation(muscle=muscle, reproduces=False)
        for muscle in MUSCLES:
            if muscle in unpalpable and muscle not in case.tender_points + case.non_tender:
                yield Unpalpable(muscle=muscle)

    # ---- lifecycle -----------------------------------------------------------
    def reset(self, case: Case | None = None, unpalpable: tuple = ()):
        """An empty agenda and fact list, then InitialFact and ``from_case(case, unpalpable)``
        declared at once.

        The same facts, in the same order, as experta's reset with one DefFacts; what it does
        besides is left out because it cannot matter here: it finds the DefFacts by walking every
        attribute of the engine, copies each fact it yields (these are new), and checks the facts
        for patterns and nested keys (these hold plain values)."""
        self.trace = []
        self._evidence = {}
        self.agenda = Agenda()
        self.facts = FactList()
        self.matcher.reset()
        self.facts.declare(InitialFact())
        for fact in self.from_case(case, unpalpable):
            self.facts.declare(fact)
        added, removed = self.get_activations()
        self.strategy.update_agenda(self.agenda, added, removed)
        self.running = False

    def run(self, steps=None):
        """Fire activations (all, or ``steps`` of them), recording each firing."""
        self.running = True
        fired = 0
        while self.running and (steps is None or fired < steps):
            activation = self._next_activation()
            if activation is None:
                break
            fired += 1
            if len(self.trace) >= MAX_FIRINGS:
                raise RunawayError(f"more than {MAX_FIRINGS} rule firings; a rule is re-firing")
            first_new = self.facts.last_index
            activation.rule(self, **{k: v for k, v in activation.context.items()
                                     if not k.startswith("__")})
            self._record(activation, first_new)
        self.running = False
        return fired

    def _next_activation(self):
        added, removed = self.get_activations()
        self.strategy.update_agenda(self.agenda, added, removed)
        return self.agenda.get_next()

    def pending(self):
        """The agenda as it stands: activations in firing order (next first)."""
        added, removed = self.get_activations()
        self.strategy.update_agenda(self.agenda, added, removed)
        return list(reversed(self.agenda.activations))

    def _record(self, activation, first_new):
        rule_meta = activation.rule.rule_meta
        declared = self._declared_since(first_new)
        matched = tuple(sorted((f for f in activation.facts if f["__factid__"] != 0),
                               key=lambda f: f["__factid__"]))
        certainty = []
        for fact in declared:
            if type(fact) is Evidence:
                cfs = self._evidence.setdefault(fact["muscle"], [])
                before = combine(cfs)
                cfs.append(fact["cf"])
                certainty.append({"muscle": fact["muscle"], "before": round(before, 4),
                                  "after": round(combine(cfs), 4)})
        self.trace.append(Firing(
            number=len(self.trace) + 1, rule=rule_meta.id, stage=rule_meta.stage,
            statement=rule_meta.statement, source=rule_meta.source,
            salience=activation.rule.salience,
            matched_facts=matched, declared_facts=declared, certainty=certainty))

    def _declared_since(self, first_new) -> tuple:
        """The facts with an index from ``first_new`` on, oldest first (the fact list keeps
        insertion order, so they are at its end)."""
        newest = []
        for index in reversed(self.facts):
            if index < first_new:
                break
            newest.append(self.facts[index])
        return tuple(reversed(newest))

    # ---- queries the rules use -----------------------------------------------
    def facts_of(self, kind):
        return [fact for fact in self.facts.values() if type(fact) is kind]

    def answered(self) -> dict:
        return {fact["id"]: fact["value"] for fact in self.facts_of(Finding)}

    def consult(self, case: Case, unpalpable=()) -> "MyoEngine":
        """Run the rules on ``case``; ``unpalpable``: muscles an interview could not palpate
        (not evidence; the question rules do not ask them again)."""
        self.reset(case=case, unpalpable=tuple(unpalpable))
        self.run()
        return self


def rule_catalogue(engine_class=MyoEngine) -> tuple:
    """Every rule's metadata with its salience, sorted by id (built once per engine class)."""
    return _catalogue(engine_class)


def rules_by_id(engine_class=MyoEngine) -> dict:
    """The rule catalogue by rule id (the same objects)."""
    return _by_id(engine_class)


@cache
def _catalogue(engine_class) -> tuple:
    seen = {}
    for klass in engine_class.__mro__:
        for value in vars(klass).values():
            rule_meta = getattr(value, "rule_meta", None)
            if rule_meta is not None:
                seen[rule_meta.id] = replace(rule_meta, salience=value.salience)
    return tuple(seen[key] for key in sorted(seen))


@cache
def _by_id(engine_class) -> dict:
    return {rule.id: rule for rule in _catalogue(engine_class)}


@cache
def get_engine() -> MyoEngine:
    """One engine per process; ``consult`` resets it for each case."""
    return MyoEngine()


