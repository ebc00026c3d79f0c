"""How trigger-point chains form and which one leads as plain functions.

The satellite rules (SAT-001..004) call these on what the run concluded; the
question rules call them on certainty bounds; why-not reads the same answers.
Keeping the decision in one place is what keeps the three in agreement.

- A muscle is *eligible* for a chain when it is supported and was not palpated
  without reproducing the pain (a non-tender muscle is never in a chain).
- A key and its satellite are *linked* when both are eligible, the satellite's
  referral pattern matches the pain map (a satellite that refers none of this
  pain is not part of its chain; judgement), and the edge concerns the part of
  the satellite that the pain map matches (the TFL sets up satellites in the
  anterior minimus only).
- A key that heads its chain must *lead* on its own evidence: it is confirmed
  (a tender point), or the evidence it does not share with its satellite
  reaches the support threshold by itself. Shared evidence is a finding the
  knowledge base links to both, and the pain map when it matches both. A key
  that leads none of its satellites is *held back*: the report asks for it to
  be palpated, and its satellites head their chains instead.
- Linked muscles form one chain, however many keys head it; its roots come
  first, the better supported first.
"""
from __future__ import annotations

from dataclasses import dataclass

from myotrace.expert.certainty import combine
from myotrace.facts.vocabulary import MUSCLES


@dataclass(frozen=True)
class Chain:
    roots: tuple[str, ...]
    members: tuple[str, ...]     # roots first, then satellites in treatment order
    support: float               # as well supported as its best-supported member (judgement)
    root_cf: float
    fits: bool                   # some member's referral pattern matches the pain map, or reproduces the pain
    corroborated: bool           # some member has evidence besides the pain map

    @property
    def root(self) -> str:
        return self.roots[0]


@dataclass(frozen=True)
class Structure:
    links: frozenset              # (key, satellite) pairs in some chain
    held: tuple[str, ...]         # keys held back: palpate them
    chains: tuple[Chain, ...]


@dataclass(frozen=True)
class Decision:
    primary: Chain | None
    secondary: tuple[Chain, ...]
    undecided: tuple[str, ...]    # contender roots when no contender is corroborated
    outside: bool                 # every muscle that fits the pain map was ruled out (or none fits)


def edge_applies(edge, parts: dict) -> bool:
    """The edge concerns the part of the satellite the pain map matches (any part when
    the edge names none, or when the pain map matches no part of the satellite)."""
    part = parts.get(edge.satellite)
    return edge.part is None or part is None or part == edge.part


def shared_findings(kb, satellite: str) -> set[str]:
    return {link.finding for link in kb.muscles[satellite].evidence}


def own_evidence(kb, key: str, satellite: str, evidence: list, fits) -> float:
    """The certainty the key draws from evidence its satellite does not share.

    ``evidence``: the key's evidence as (kind, finding, cf); palpation is not counted here."""
    shared = shared_findings(kb, satellite)
    cfs = [cf for kind, finding, cf in evidence
           if (kind == "finding" and finding not in shared) or (kind == "zone" and satellite not in fits)]
    return combine(cfs)


def order_roots(roots, cf, tender, kb) -> list[str]:
    """The better supported first, then the confirmed, then the knowledge base's order."""
    order = list(kb.muscles)
    return sorted(roots, key=lambda m: (-cf[m], m not in tender, order.index(m)))


def form_chains(kb, cf: dict, tender, non_tender, fits, parts: dict, corroborated, leads) -> Structure:
    """The chains: ``leads(key, satellite)`` says whether the key leads on its own evidence."""
    tau = kb.settings.support_threshold
    eligible = {m for m in MUSCLES if cf.get(m, 0.0) >= tau and m not in non_tender}
    edges = [e for e in kb.satellites  # a satellite explains part of this pain: its zone fits the map, or it is tender
             if e.key in eligible and e.satellite in eligible and (e.satellite in fits or e.satellite in tender)
             and edge_applies(e, parts)]
    links = {(e.key, e.satellite) for e in edges}
    held: set[str] = set()
    changed = True
    while changed:
        changed = False
        incoming = {s for _, s in links}
        for top in sorted(eligible - held - incoming):
            out = [(k, s) for k, s in links if k == top]
            if not out:
                continue
            led = [link for link in out if leads(*link)]
            if not led:
                held.add(top)
                links -= set(out)
                changed = True
            elif len(led) < len(out):
                links -= set(out) - set(led)
                changed = True
    members = eligible - held
    chains, seen = [], set()
    for start in sorted(members, key=lambda m: MUSCLES.index(m)):
        if start in seen:
            continue
        group, queue = {start}, [start]
        while queue:
            m = queue.pop()
            for k, s in links:
                for other in ((s,) if k == m else (k,) if s == m else ()):
                    if other not in group:
                        group.add(other)
                        queue.append(other)
        seen |= group
        roots = order_roots([m for m in group if not any(s == m for _, s in links)], cf, tender, kb)
        roots = roots or order_roots(group, cf, tender, kb)[:1]  # a cycle (kb check reports it)
        order, queue = list(roots), list(roots)
        while queue:
            key = queue.pop(0)
            for edge in kb.satellites_of(key):
                if (key, edge.satellite) in links and edge.satellite not in order:
                    order.append(edge.satellite)
                    queue.append(edge.satellite)
        chains.append(Chain(tuple(roots), tuple(order), max(cf[m] for m in order), cf[roots[0]],
                            any(m in fits or m in tender for m in order), any(m in corroborated for m in order)))
    return Structure(frozenset(links), tuple(sorted(held, key=MUSCLES.index)), tuple(chains))


def rank(chains, tender, kb) -> list[Chain]:
    """Chains in the order they are named: the higher root certainty, then the one
    confirmed, then the knowledge base's order."""
    order = list(kb.muscles)
    return sorted(chains, key=lambda c: (-c.root_cf, c.root not in tender, order.index(c.root)))


def decide(kb, chains, tender, non_tender, fits) -> Decision:
    """The primary chain, the secondary chains, or why there is none. A chain with a member
    whose palpation reproduces the pain is a confirmed source: it is active however far its
    support lies below the best chain's, and it may lead even when no member's zone covers the
    pain map (referral maps are composites of many patients)."""
    outside = all(m in non_tender for m in fits) and not tender  # also when no muscle fits the pain map
    valid = [c for c in chains if c.fits]
    if not valid:
        return Decision(None, (), (), outside)
    margin = kb.settings.decisive_margin
    top = max(c.support for c in valid)
    contenders = [c for c in valid if top - c.support < margin or any(m in tender for m in c.members)]
    active = rank([c for c in contenders if c.corroborated], tender, kb)
    if not active:
        return Decision(None, (), tuple(c.root for c in rank(contenders, tender, kb)), outside)
    return Decision(active[0], tuple(active[1:]), (), outside)
