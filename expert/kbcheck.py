"""Lint the knowledge base and the rules (``myotrace kb check``)."""
from pathlib import Path

from myotrace.expert.engine import rule_catalogue
from myotrace.facts.knowledge import knowledge
from myotrace.facts.vocabulary import FINDINGS, MUSCLES

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "rules"


def satellite_cycles(edges) -> list[list[str]]:
    """Cycles in the key -> satellite graph (each reported once, from its smallest muscle)."""
    graph: dict[str, list[str]] = {}
    for edge in edges:
        graph.setdefault(edge.key, []).append(edge.satellite)
    cycles = []

    def walk(node, path):
        for nxt in graph.get(node, ()):
            if nxt == path[0]:
                cycles.append(path + [nxt])
            elif nxt not in path and nxt > path[0]:
                walk(nxt, path + [nxt])

    for start in sorted(graph):
        walk(start, [start])
    return cycles


def check(fixtures: Path = FIXTURES) -> tuple[list[str], list[str]]:
    """(problems, notes). Unknown ids already fail when the knowledge base loads."""
    kb = knowledge()
    problems, notes = [], []
    for cycle in satellite_cycles(kb.satellites):
        problems.append("satellite cycle: " + " -> ".join(cycle))
    for edge in kb.satellites:
        if edge.key == edge.satellite:
            problems.append(f"satellite edge from {edge.key} to itself")
    ids = [m.id for m in rule_catalogue()]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"rule id {duplicate} used twice")
    for rule in rule_catalogue():
        if not rule.source.strip():
            problems.append(f"rule {rule.id} has no source")
        elif "seed" not in rule.source and "brief §" not in rule.source:
            problems.append(f"rule {rule.id} cites neither the seed article nor the brief: {rule.source}")
        if not rule.statement.strip():
            problems.append(f"rule {rule.id} has no statement")
    if fixtures.is_dir():
        for rule in rule_catalogue():
            if not (fixtures / f"{rule.id}.yaml").is_file():
                problems.append(f"rule {rule.id} has no test fixture ({fixtures.name}/{rule.id}.yaml)")
    else:
        notes.append("rule fixtures not found: tests/fixtures/rules is a development check that ships with "
                     "the source, not with the installed package; the 'rule without a test' check was skipped")
    linked = {link.finding for m in kb.muscles.values() for link in m.evidence}
    linked |= {f.finding for m in kb.muscles.values() for f in m.perpetuating}
    for muscle in MUSCLES:
        if not any(edge.key == muscle or edge.satellite == muscle for edge in kb.satellites):
            notes.append(f"{muscle} has no satellite edge (stands alone in its chain)")
    unused = [f for f in FINDINGS if f not in linked]
    notes.append(f"{len(FINDINGS) - len(unused)} of {len(FINDINGS)} findings carry muscle evidence or factors;"
                 f" the rest are read by named rules (red flags, nerve signs, myths, conditions)")
    return problems, notes
