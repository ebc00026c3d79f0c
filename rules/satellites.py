"""Satellites and key muscles: the chain and its primary muscle (CONTRACT §3.5)."""
from experta import MATCH, NOT, Rule

from myotrace.expert.certainty import premise
from myotrace.facts.types import ChainLink, Evidence, Hypothesis, PainMap, Primary, RedFlag, Root, SatelliteEdge, Undecided
from myotrace.rules.meta import CHAIN_LINKS, CHAIN_ROOTS, PRIMARY, meta


def walk_chain(root, kb, joins):
    """The root and every satellite reached from it through edges for which
    ``joins(key, satellite)`` holds: key muscles before their satellites, breadth
    first, siblings in the knowledge base's order of edges (the hips before the leg)."""
    order, queue = [root], [root]
    while queue:
        key = queue.pop(0)
        for edge in kb.satellites_of(key):
            if edge.satellite not in order and joins(key, edge.satellite):
                order.append(edge.satellite)
                queue.append(edge.satellite)
    return order


def treatment_order(root, links, kb):
    """The chain from its root through the supported links, in treatment order."""
    return walk_chain(root, kb, lambda key, satellite: (key, satellite) in links)


def rank_chains(roots, links, certainty, kb):
    """(support, root cf, root, chain) for each chain root, best first. A chain is as
    well supported as its best-supported muscle (judgement); ties go to the stronger
    root, then to the id, so the ranking never depends on fact order."""
    chains = []
    for root, root_cf in roots.items():
        chain = treatment_order(root, links, kb)
        chains.append((max(certainty[m] for m in chain), root_cf, root, chain))
    return sorted(chains, key=lambda c: (-c[0], -c[1], c[2]))


def corroborated(evidence) -> set[str]:
    """Muscles with positive evidence besides the pain map: a tender point or a finding.
    The pain map says where the pain is; palpation and findings say which muscle."""
    return {e["muscle"] for e in evidence if e["rule"] != "REF-001" and e["cf"] > 0}


class SatelliteRules:
    @Rule(Hypothesis(muscle=MATCH.key, supported=True, cf=MATCH.key_cf),
          SatelliteEdge(key=MATCH.key, satellite=MATCH.satellite, source=MATCH.source),
          Hypothesis(muscle=MATCH.satellite, supported=True, cf=MATCH.satellite_cf),
          salience=CHAIN_LINKS)
    @meta(id="SAT-001", stage="satellites",
          statement="A supported satellite of a supported key muscle belongs to the key muscle's chain.",
          when="a key muscle and one of its satellites are both supported",
          then="the satellite is linked below its key muscle (chain certainty = the weaker of the two)",
          source="hsieh-2007; travell-simons-1992, vol. 2 satellite trigger points in each muscle's chapter; shortliffe-buchanan-1975")
    def satellite_joins_key(self, key, satellite, key_cf, satellite_cf, source):
        self.declare(ChainLink(key=key, satellite=satellite,
                               cf=round(premise(key_cf, satellite_cf), 4), source=source))

    @Rule(Hypothesis(muscle=MATCH.muscle, supported=True, cf=MATCH.cf),
          NOT(ChainLink(satellite=MATCH.muscle)),
          salience=CHAIN_ROOTS)
    @meta(id="SAT-002", stage="satellites",
          statement="A supported muscle with no supported key muscle can head a chain.",
          when="a muscle is supported and none of its key muscles is",
          then="the muscle is a chain root (a satellite is never primary while its key muscle is supported)",
          source="hsieh-2007; judgement, a satellite does not lead while its key is supported")
    def muscle_heads_a_chain(self, muscle, cf):
        self.declare(Root(muscle=muscle, cf=cf))

    @Rule(Root(), PainMap(), NOT(Primary()), NOT(Undecided()), NOT(RedFlag()), salience=PRIMARY)
    @meta(id="SAT-003", stage="satellites",
          statement="The primary muscle is the root of the best-supported chain, if palpation or a finding backs it and its chain leads the next clearly.",
          when="no red flag, a pain map, the root of the best-supported chain (a chain is as well supported as its best-supported muscle; judgement) has evidence besides its referral zone (a tender point or a finding), and that chain leads every other chain by at least the decisive margin (0.1; judgement)",
          then="that root is the primary muscle; its chain lists it first, then its satellites in treatment order; otherwise the roots are undecided",
          source="hsieh-2007; simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain); judgement, the decisive margin")
    def best_chain_is_primary(self):
        certainty = {h["muscle"]: h["cf"] for h in self.facts_of(Hypothesis)}
        links = {(f["key"], f["satellite"]) for f in self.facts_of(ChainLink)}
        roots = {root["muscle"]: root["cf"] for root in self.facts_of(Root)}
        chains = rank_chains(roots, links, certainty, self.kb)
        support, _, best, chain = chains[0]
        margin = self.kb.settings.decisive_margin
        if best not in corroborated(self.facts_of(Evidence)) or (
                len(chains) > 1 and support - chains[1][0] < margin):
            self.declare(Undecided(between=tuple(c[2] for c in chains if support - c[0] < margin)))
            return
        self.declare(Primary(muscle=best, cf=certainty[best], chain=tuple(chain)))
