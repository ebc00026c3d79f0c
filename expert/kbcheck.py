"""Lint the knowledge base and the rules (``myotrace kb check``)."""
from pathlib import Path

import yaml

from myotrace.expert.claims import claims
from myotrace.expert.claims import problems as claim_problems
from myotrace.expert.engine import rule_catalogue
from myotrace.facts.knowledge import JUDGEMENT, cited_items, cited_keys, citation_problems, knowledge
from myotrace.facts.vocabulary import FINDINGS, MUSCLES

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "rules"


def fixture_cases(rule_id: str, fixtures: Path = FIXTURES) -> list[tuple[str, bool]] | None:
    """A rule's fixture cases as (name, should it fire), or None when its fixture file is absent."""
    path = fixtures / f"{rule_id}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    cases = data.get("cases") if isinstance(data, dict) else None
    return [(str(item.get("name")), bool(item.get("should_fire"))) for item in cases or [] if isinstance(item, dict)]


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
    problems += citation_problems(cited_items(kb), kb.references)
    problems += citation_problems(((f"rule {r.id}", r.source) for r in rule_catalogue()), kb.references)
    rules = rule_catalogue()
    problems += claim_problems(claims(kb, rules), {r.id for r in rules})
    for rule in rule_catalogue():
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
    low_only = [row.id for row in claims(kb, rules) if row.low_authority == "only" and not row.says_judgement]
    if low_only:
        notes.append(f"{len(low_only)} knowledge item(s) rest on low-authority works alone: {', '.join(low_only)}")
    notes += bibliography_notes(kb)
    return problems, notes


def bibliography_notes(kb) -> list[str]:
    """Warnings, not failures: references nothing cites, and how much rests on judgement."""
    sources = [source for _item, source in cited_items(kb)] + [rule.source for rule in rule_catalogue()]
    cited = cited_keys(sources)
    notes = [f"unused reference (a warning): {key} is cited by no rule or knowledge item"
             for key in sorted(set(kb.references) - cited)]
    low = sorted(key for key, ref in kb.references.items() if ref.authority == "low")
    notes.append(f"{len(kb.references)} references ({len(low)} of low authority: {', '.join(low)}); "
                 f"{sum(JUDGEMENT in cited_keys([s]) for s in sources)} of {len(sources)} sources include a "
                 f"stated judgement")
    return notes
