"""The teaching room's pages as data (``myotrace serve``, under /teach).

Each function runs the engine and the same teaching functions as the terminal
(``explain --step``, ``--why-not``, what-if, ``practice``, ``differential``,
``rules``), so a page says what the terminal says. No HTTP here, and no
wording of its own; the caller holds the web's engine lock.
"""
from __future__ import annotations

from dataclasses import dataclass

from myotrace.expert.engine import get_engine, rule_catalogue
from myotrace.expert.report import build_report
from myotrace.expert.teach import hints as hinting, practice as drill
from myotrace.expert.teach.explain import agenda_rows, combined_facts, unused_findings, why_next
from myotrace.expert.teach.graph import lit_graph
from myotrace.expert.teach.graphsvg import to_svg


@dataclass
class Stepped:
    """The run stopped after firing ``upto`` of ``total`` (0: before the first)."""

    upto: int
    total: int
    agenda: list[dict]     # explain.agenda_rows, next first
    reason: str            # why the next activation leads (explain.why_next)
    firing: object         # the Firing shown, None before the first
    combined: list[dict]   # the evidence that firing weighed (REF-005)
    graph: str             # the whole run's graph as SVG, lit to this firing
    unused: list[str]      # at the end: the findings no rule that fired matched


def step(case, upto: int) -> Stepped:
    """The stepper at firing ``upto`` (clamped to the run): the agenda, why its first leads, the firing."""
    engine = get_engine()
    engine.reset(case=case)
    upto = engine.run(steps=upto) if upto > 0 else 0  # fewer when the run ends first
    agenda = engine.pending()
    reason = why_next(engine.strategy, agenda) or "The agenda is empty: the run is complete."
    firing = engine.trace[-1] if upto else None
    combined = combined_facts(engine.trace, upto - 1) if upto else []
    engine.run()  # the rest of the run, for the whole graph and the firing count
    full = list(engine.trace)
    return Stepped(upto, len(full), agenda_rows(agenda), reason, firing, combined,
                   to_svg(lit_graph(full, upto, dict(case.findings))),
                   unused_findings(case, full) if upto == len(full) else [])


def what_if(case, sets, unsets):
    """``explain --set/--unset``: the conclusion and the firings before and after. InputError if bad."""
    from myotrace.expert.teach.whatif import what_if as compare
    return compare(get_engine(), case, sets, unsets)


def why_not(case, target: str):
    """``explain --why-not TARGET``; ``triage`` asks about the triage the case gets. InputError if bad."""
    from myotrace.expert.teach.whynot import resolve_target
    from myotrace.expert.teach.whynot import why_not as explain

    engine = get_engine()
    engine.consult(case)
    if target == "triage":
        target = build_report(engine, case).triage
    resolve_target(target)
    return explain(engine, case, target)


def differential(case):
    """``myotrace differential``: the competing pictures side by side."""
    from myotrace.expert.teach.differential import differential as compare
    return compare(get_engine(), case)


def rules_in_order() -> tuple[list, dict[str, int]]:
    """The rule catalogue in reasoning order (stage, then firing order within it: salience, then id),
    and each rule's salience as the engine holds it."""
    from myotrace.rules.meta import STAGES

    ordered = sorted(rule_catalogue(), key=lambda r: (STAGES.index(r.stage), -r.salience, r.id))
    return ordered, {r.id: r.salience for r in ordered}


@dataclass
class Practice:
    """One practice case as ``myotrace practice`` runs it: the hints given so far and, once answered,
    the critique of each answer (item, points, lines) and the score."""

    hints: list[tuple[str, str]]   # (answer it helps with, hint), the first ``hint_count`` of them
    more_hints: bool
    critique: list[tuple[str, float, list[str]]] | None
    earned: float = 0.0
    cost: float = 0.0

    @property
    def net(self) -> float:
        return self.earned - self.cost


def practice(case, hint_count: int, answers: dict | None) -> Practice:
    """Hints (``hint_count`` of them, each at the terminal's cost) and, with ``answers`` (triage, primary,
    chain as the practice parsers read them), the terminal's critique and score."""
    engine = get_engine()
    engine.consult(case)
    report = build_report(engine, case)
    given = hinting.case_hints(engine, report)
    hint_count = max(0, min(hint_count, len(given)))
    result = Practice(given[:hint_count], hint_count < len(given), None)
    if answers is not None:
        result.critique = drill.critique(answers, engine, case, report)
        used = [item for item, _hint in result.hints]
        result.earned = sum(points for _item, points, _lines in result.critique)
        result.cost = sum(hinting.hint_charge(points, used.count(item)) for item, points, _lines in result.critique)
    return result
