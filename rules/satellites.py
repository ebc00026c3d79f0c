"""Satellites and key muscles: the chains, the primary and the secondary chains.

The decision itself lives in ``rules/chains.py`` (shared with the question bounds
and why-not); these rules gather what the run concluded and declare the result.
"""
from experta import MATCH, NOT, TEST, Rule

from myotrace.facts.types import (
    Advice, ChainLink, ChainsFormed, Evidence, HeldKey, Hypothesis, NerveInvolvement, OutsideCoverage, PainMap,
    Palpation, Primary, RedFlag, Root, SatelliteEdge, Secondary, Undecided,
)
from myotrace.facts.vocabulary import MUSCLES
from myotrace.rules.chains import decide, form_chains, own_evidence
from myotrace.rules.meta import CHAIN_LINKS, CHAIN_ROOTS, PRIMARY, meta


def corroborated(evidence) -> set[str]:
    """Muscles with positive evidence besides the pain map: a tender point or a finding.
    The pain map says where the pain is; palpation and findings say which muscle."""
    return {e["muscle"] for e in evidence if e["kind"] != "zone" and e["cf"] > 0}


class ChainInputs:
    """What the chain decision reads, gathered once from the facts of a run."""

    def __init__(self, kb, hypotheses, evidence, palpations):
        self.kb = kb
        self.cf = {h["muscle"]: h["cf"] for h in hypotheses}
        self.tender = {p["muscle"] for p in palpations if p["reproduces"]}
        self.non_tender = {p["muscle"] for p in palpations if not p["reproduces"]}
        self.evidence = {m: [] for m in MUSCLES}
        for e in evidence:
            self.evidence[e["muscle"]].append((e["kind"], e.get("finding"), e["cf"]))
        self.fits = {e["muscle"] for e in evidence if e["kind"] == "zone"}
        self.parts = {e["muscle"]: e["part"] for e in evidence if e["kind"] == "zone"}
        self.corroborated = corroborated(evidence)

    @classmethod
    def of(cls, engine):
        return cls(engine.kb, engine.facts_of(Hypothesis), engine.facts_of(Evidence), engine.facts_of(Palpation))

    def own(self, key, satellite) -> float:
        return own_evidence(self.kb, key, satellite, self.evidence[key], self.fits)

    def leads(self, key, satellite) -> bool:
        return key in self.tender or self.own(key, satellite) >= self.kb.settings.support_threshold

    def structure(self):
        return form_chains(self.kb, self.cf, self.tender, self.non_tender, self.fits, self.parts,
                           self.corroborated, self.leads)

    def decision(self, structure=None):
        structure = structure or self.structure()
        return decide(self.kb, structure.chains, self.tender, self.non_tender, self.fits)


def probable(members, inputs) -> tuple:
    """Satellites whose only evidence is the pain map: probable, to be palpated."""
    return tuple(m for m in members[1:] if m not in inputs.corroborated and m not in inputs.tender)


class SatelliteRules:
    @Rule(Hypothesis(muscle=MATCH.key, supported=True, cf=MATCH.key_cf),
          SatelliteEdge(key=MATCH.key, satellite=MATCH.satellite, part=MATCH.edge_part, source=MATCH.source),
          Hypothesis(muscle=MATCH.satellite, supported=True, part=MATCH.satellite_part, cf=MATCH.satellite_cf),
          Evidence(muscle=MATCH.satellite, kind="zone"),
          TEST(lambda edge_part, satellite_part: edge_part is None or satellite_part in (None, edge_part)),
          NOT(Palpation(muscle=MATCH.key, reproduces=False)),
          NOT(Palpation(muscle=MATCH.satellite, reproduces=False)),
          salience=CHAIN_LINKS)
    @meta(id="SAT-001", stage="satellites",
          statement="A supported satellite of a supported key muscle is linked to it, if its referral pattern matches the pain map, the key sets up that part of the satellite and neither was palpated non-tender.",
          when="a key muscle and its satellite are both supported, the satellite's referral pattern matches the pain map, neither was palpated without reproducing the pain, and the edge concerns the part of the satellite the pain map matches (the TFL: the anterior minimus only)",
          then="the two are linked; the key leads the link only when it is confirmed (a tender point) or its evidence not shared with the satellite reaches the support threshold",
          source="hsieh-2007, shoulder muscles (infraspinatus key): an upper-limb extrapolation; travell-simons-1992, vol. 2 satellite trigger points in each muscle's chapter; seed-article, Treating Lateral Sciatica Pain Patterns",
          settings=("support_threshold",))
    def satellite_joins_key(self, key, satellite, source, key_cf, satellite_cf):
        inputs = ChainInputs.of(self)
        self.declare(ChainLink(key=key, satellite=satellite, source=source, cf=round(min(key_cf, satellite_cf), 4),
                               own=round(inputs.own(key, satellite), 4), leads=inputs.leads(key, satellite)))

    @Rule(PainMap(), salience=CHAIN_ROOTS)
    @meta(id="SAT-002", stage="satellites",
          statement="Linked muscles form one chain, headed by the keys that lead on their own evidence; a key that leads nothing is held back to be palpated.",
          when="a pain map is recorded and the muscles are weighed",
          then="the chains: each headed by its leading keys (the better supported first), then its satellites in treatment order; a key supported only by what it shares with its satellite is held back, and its satellite heads the chain",
          source="hsieh-2007, shoulder muscles (infraspinatus key): an upper-limb extrapolation; travell-simons-1992, vol. 2 (key and satellite trigger points); judgement, a key leads only on evidence it does not share with its satellite",
          settings=("support_threshold", "decisive_margin"))
    def chains_form(self):
        inputs = ChainInputs.of(self)
        structure = inputs.structure()
        for chain in structure.chains:
            for root in chain.roots:
                self.declare(Root(muscle=root, cf=inputs.cf[root], chain=chain.members))
        for key in structure.held:
            self.declare(HeldKey(muscle=key, cf=inputs.cf[key]))
        self.declare(ChainsFormed(valid=sum(c.fits for c in structure.chains),
                                  outside=inputs.decision(structure).outside))

    @Rule(ChainsFormed(valid=MATCH.valid), TEST(lambda valid: valid > 0),
          NOT(RedFlag()), salience=PRIMARY)
    @meta(id="SAT-003", stage="satellites",
          statement="The primary muscle heads the best-supported chain; other corroborated chains within the margin are secondary chains, treated after it.",
          when="no red flag and some chain fits the pain map; a chain is as well supported as its best-supported member (judgement); chains within the decisive margin (0.1; judgement) of the best are the contenders, and only those with a tender point or a finding beyond the pain map count",
          then="the contender whose root has the higher certainty (then the one confirmed, then the knowledge base's order) is the primary chain, the other contenders are secondary chains; with no corroborated contender, the contenders are undecided",
          source="hsieh-2007, shoulder muscles (infraspinatus key): an upper-limb extrapolation; simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain); judgement, the decisive margin",
          settings=("support_threshold", "decisive_margin"))
    def best_chain_is_primary(self):
        inputs = ChainInputs.of(self)
        decision = inputs.decision()
        if decision.primary is None:
            self.declare(Undecided(between=decision.undecided))
            return
        chain = decision.primary
        treatment = chain.members + tuple(m for c in decision.secondary for m in c.members)
        self.declare(Primary(muscle=chain.root, cf=inputs.cf[chain.root], chain=chain.members,
                             treatment=treatment,
                             probable=tuple(m for c in (chain, *decision.secondary)
                                            for m in probable(c.members, inputs))))
        for rank, other in enumerate(decision.secondary, 1):
            self.declare(Secondary(rank=rank, muscle=other.root, chain=other.members))

    @Rule(ChainsFormed(outside=True), NOT(RedFlag()), NOT(NerveInvolvement()), salience=PRIMARY)
    @meta(id="SAT-004", stage="satellites",
          statement="When every muscle that fits the pain map was palpated without reproducing the pain, the source lies outside what myotrace covers.",
          when="no red flag, no nerve involvement, a pain map, and every muscle whose referral pattern matches it was palpated non-tender (or none matches it)",
          then="say so plainly, with what to consider instead; no muscle is named",
          source="simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain); travell-simons-1992, vol. 2; nice-ng59")
    def source_outside_coverage(self):
        fitting = tuple(m for m in MUSCLES if m in ChainInputs.of(self).fits)
        self.declare(OutsideCoverage(fitting=fitting))
        item = self.kb.protocol.advice["outside_coverage"]
        self.declare(Advice(kind="referral", order=(0, 0, 0), text=item.text, source=item.source))
