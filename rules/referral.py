"""Trace the pain to trigger points: MYCIN evidence for each muscle from the pain map, the findings
and palpation, combined into one certainty per muscle."""
from experta import MATCH, NOT, Rule

from myotrace.expert.certainty import combine, conclude, premise
from myotrace.facts.types import Evidence, Finding, FindingLink, Hypothesis, PainMap, Palpation
from myotrace.facts.vocabulary import MUSCLES, label
from myotrace.rules.meta import EVIDENCE, WEIGH, meta

# How a piece of evidence is used one step up (``why`` climbs it).
CERTAINTY = ("SAT-003", "its evidence is combined into the muscle's certainty (REF-005), "
                        "which decides the chain's roots and the primary")


class ReferralRules:
    @Rule(PainMap(regions=MATCH.regions), salience=EVIDENCE)
    @meta(id="REF-001", stage="referral",
          statement="Pain inside a muscle's referral zone is evidence for that muscle, essential zone more than spill-over.",
          when="the pain map matches one of a muscle's referral patterns better than 0.2 (MYCIN's premise threshold)",
          then="evidence for each such muscle: cf = match x 0.6 (match = painful essential regions, spill-over at half weight, over the union of map and essential zone; judgement)",
          source="travell-simons-1992, vol. 2 pain patterns in each muscle's chapter; seed-article, Referral patterns and trigger points in the gluteus minimus; judgement, the degree of match",
          settings=("premise_threshold", "spillover_weight", "referral_cf"), feeds=CERTAINTY)
    def pain_in_referral_zone(self, regions):
        settings = self.kb.settings
        for muscle in MUSCLES:
            degree, pattern = self.kb.pattern_match(muscle, regions)
            if degree <= settings.premise_threshold:
                continue
            part = "" if len(self.kb.muscles[muscle].patterns) == 1 else label(pattern.part) + " "
            painful = sorted(set(regions) & (set(pattern.essential) | set(pattern.spillover)))
            self.declare(Evidence(
                muscle=muscle, cf=round(conclude(premise(degree), settings.referral_cf), 4), rule="REF-001", kind="zone",
                part=pattern.part,
                label=f"pain map matches its {part}referral pattern ({degree:.2f})",
                reason=f"pain in its {pattern.part} referral zone ({', '.join(painful)}; match {degree:.2f})",
                source=pattern.source))

    @Rule(Finding(id=MATCH.finding, value=MATCH.value),
          FindingLink(finding=MATCH.finding, value=MATCH.value),
          salience=EVIDENCE)
    @meta(id="REF-002", stage="referral",
          statement="A history or examination finding the knowledge base links to a muscle adds or subtracts certainty.",
          when="a finding has the value that a muscle's evidence link names",
          then="evidence for (cf > 0) or against (cf < 0) each linked muscle, with the link's certainty",
          source="travell-simons-1992, vol. 2 symptoms and examination in each muscle's chapter; willett-2016; judgement, the size of each weight",
          feeds=CERTAINTY)
    def finding_linked_to_muscle(self, finding, value):
        answer = "" if value is True else ": no"
        for muscle, link in self.kb.links(finding, value):
            self.declare(Evidence(muscle=muscle, cf=link.cf, rule="REF-002", kind="finding", finding=finding,
                                  label=label(finding) + answer, reason=link.text, source=link.source))

    @Rule(Palpation(muscle=MATCH.muscle, reproduces=True), salience=EVIDENCE)
    @meta(id="REF-003", stage="referral",
          statement="A tender point that reproduces the familiar pain counts strongly for its muscle.",
          when="palpating the muscle reproduces the patient's familiar pain",
          then="strong evidence for the muscle (cf +0.6)",
          source="simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain); travell-simons-1992, vol. 2 ch. 9",
          settings=("tender_point_cf",), feeds=CERTAINTY)
    def tender_point_reproduces_pain(self, muscle):
        self.declare(Evidence(muscle=muscle, cf=self.kb.settings.tender_point_cf, rule="REF-003", kind="palpation",
                              label="tender point reproduces the pain", reason="palpation reproduces the familiar pain",
                              source="simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain)"))

    @Rule(Palpation(muscle=MATCH.muscle, reproduces=False), salience=EVIDENCE)
    @meta(id="REF-004", stage="referral",
          statement="A muscle palpated without reproducing the pain counts strongly against it.",
          when="the muscle was palpated and did not reproduce the familiar pain",
          then="strong evidence against the muscle (cf -0.6)",
          source="simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain); judgement, a palpated muscle that does not reproduce the pain counts strongly against",
          settings=("non_tender_cf",), feeds=CERTAINTY)
    def palpated_without_pain(self, muscle):
        self.declare(Evidence(muscle=muscle, cf=self.kb.settings.non_tender_cf, rule="REF-004", kind="palpation",
                              label="palpated without reproducing the pain", reason="palpated without reproducing the pain",
                              source="simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain)"))

    @Rule(Evidence(muscle=MATCH.muscle), NOT(Hypothesis(muscle=MATCH.muscle)), salience=WEIGH)
    @meta(id="REF-005", stage="referral",
          statement="All evidence about a muscle combines into one certainty; at or above the threshold the muscle is supported.",
          when="a muscle has evidence and has not yet been weighed",
          then="its certainty by MYCIN's combining function; supported when >= 0.2 (a hypothesis to test, not a conclusion)",
          source="shortliffe-buchanan-1975, the combining function, and 0.2 as the cut-off below which a belief counts as false; judgement, the same 0.2 as the support threshold of a muscle",
          settings=("support_threshold",))
    def weigh_the_evidence(self, muscle):
        evidence = [fact for fact in self.facts_of(Evidence) if fact["muscle"] == muscle]
        cf = combine(fact["cf"] for fact in evidence)
        part = next((fact["part"] for fact in evidence if fact["kind"] == "zone"), None)
        self.declare(Hypothesis(muscle=muscle, cf=round(cf, 4), part=part,
                                supported=cf >= self.kb.settings.support_threshold))
