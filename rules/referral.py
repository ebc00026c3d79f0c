"""Trace the pain to trigger points: MYCIN evidence for each muscle (CONTRACT §3.3-3.5)."""
from experta import MATCH, NOT, TEST, Rule

from expert.certainty import combine, conclude, premise
from facts.knowledge import knowledge
from facts.types import Evidence, Finding, Hypothesis, Muscle, PainMap, Palpation
from rules.meta import EVIDENCE, WEIGH, meta


def _pattern_matches(muscle, regions):
    kb = knowledge()
    return kb.pattern_match(muscle, regions)[0] > kb.settings.premise_threshold


def _has_link(finding, value, muscle):
    return any(m == muscle for m, _ in knowledge().links(finding, value))


class ReferralRules:
    @Rule(PainMap(regions=MATCH.regions), Muscle(id=MATCH.muscle),
          TEST(lambda muscle, regions: _pattern_matches(muscle, regions)),
          salience=EVIDENCE)
    @meta(id="REF-001", stage="referral",
          statement="Pain inside a muscle's referral zone is evidence for that muscle, essential zone more than spill-over.",
          when="the pain map matches one of the muscle's referral patterns better than 0.2 (MYCIN's premise threshold)",
          then="evidence for the muscle: cf = match x 0.6 (match = painful essential regions, spill-over at half weight, over the union of map and essential zone; judgement)",
          source="seed (Referral patterns and trigger points in the gluteus minimus); brief §1 (zones of each muscle); CONTRACT §3.3")
    def pain_in_referral_zone(self, regions, muscle):
        degree, pattern = self.kb.pattern_match(muscle, regions)
        cf = conclude(premise(degree), self.kb.settings.referral_cf)
        painful = sorted(set(regions) & (set(pattern.essential) | set(pattern.spillover)))
        self.declare(Evidence(
            muscle=muscle, cf=round(cf, 4), rule="REF-001",
            reason=f"pain in its {pattern.part} referral zone ({', '.join(painful)}; match {degree:.2f})",
            source=pattern.source))

    @Rule(Finding(id=MATCH.finding, value=MATCH.value), Muscle(id=MATCH.muscle),
          TEST(lambda finding, value, muscle: _has_link(finding, value, muscle)),
          salience=EVIDENCE)
    @meta(id="REF-002", stage="referral",
          statement="A history or examination finding the knowledge base links to a muscle adds or subtracts certainty.",
          when="a finding has the value that one of the muscle's evidence links names",
          then="evidence for (cf > 0) or against (cf < 0) the muscle, with the link's certainty",
          source="brief §1 (findings of each muscle); brief §5 (Ober's test); seed; CONTRACT §3.3")
    def finding_linked_to_muscle(self, finding, value, muscle):
        for linked, link in self.kb.links(finding, value):
            if linked == muscle:
                self.declare(Evidence(muscle=muscle, cf=link.cf, rule="REF-002",
                                      reason=link.text, source=link.source))

    @Rule(Palpation(muscle=MATCH.muscle, reproduces=True), salience=EVIDENCE)
    @meta(id="REF-003", stage="referral",
          statement="A tender point that reproduces the familiar pain counts strongly for its muscle.",
          when="palpating the muscle reproduces the patient's familiar pain",
          then="strong evidence for the muscle (cf +0.6)",
          source="brief §4 (Myofascial features: pressing the TrP reproduces the familiar pain); brief §1 gluteus minimus; CONTRACT §3.5")
    def tender_point_reproduces_pain(self, muscle):
        self.declare(Evidence(muscle=muscle, cf=self.kb.settings.tender_point_cf, rule="REF-003",
                              reason="palpation reproduces the familiar pain",
                              source="brief §4 (Myofascial features)"))

    @Rule(Palpation(muscle=MATCH.muscle, reproduces=False), salience=EVIDENCE)
    @meta(id="REF-004", stage="referral",
          statement="A muscle palpated without reproducing the pain counts strongly against it.",
          when="the muscle was palpated and did not reproduce the familiar pain",
          then="strong evidence against the muscle (cf -0.6)",
          source="brief §4 (Myofascial features); CONTRACT §3.5")
    def palpated_without_pain(self, muscle):
        self.declare(Evidence(muscle=muscle, cf=self.kb.settings.non_tender_cf, rule="REF-004",
                              reason="palpated without reproducing the pain",
                              source="brief §4 (Myofascial features)"))

    @Rule(Evidence(muscle=MATCH.muscle), NOT(Hypothesis(muscle=MATCH.muscle)), salience=WEIGH)
    @meta(id="REF-005", stage="referral",
          statement="All evidence about a muscle combines into one certainty; at or above the threshold the muscle is supported.",
          when="a muscle has evidence and has not yet been weighed",
          then="its certainty by MYCIN's combining function; supported when >= 0.2",
          source="CONTRACT §3.3 and §3.5 (MYCIN certainty factors; threshold 0.2)")
    def weigh_the_evidence(self, muscle):
        cfs = [fact["cf"] for fact in self.facts.values()
               if isinstance(fact, Evidence) and fact["muscle"] == muscle]
        cf = combine(cfs)
        self.declare(Hypothesis(muscle=muscle, cf=round(cf, 4),
                                supported=cf >= self.kb.settings.support_threshold))
