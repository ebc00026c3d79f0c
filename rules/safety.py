"""Safety first: red flags and the triage decision (CONTRACT §3.1, §3.2, §3.9)."""
from experta import MATCH, NOT, P, Rule

from myotrace.facts.types import Finding, NerveInvolvement, Primary, RedFlag, Triage, TriageVote
from myotrace.facts.vocabulary import CAUDA_EQUINA_FLAGS, OTHER_RED_FLAGS, urgency
from myotrace.rules.meta import SAFETY, TRIAGE, TRIAGE_FALLBACK, TRIAGE_FINAL, meta


class SafetyRules:
    @Rule(Finding(id=MATCH.flag & P(lambda f: f in CAUDA_EQUINA_FLAGS), value=True), salience=SAFETY)
    @meta(id="SAF-001", stage="safety",
          statement="A cauda equina red flag makes the case an emergency.",
          when="saddle anaesthesia, bladder or bowel dysfunction, bilateral or progressive leg weakness is present",
          then="red flag on the cauda equina pathway; triage emergency (immediate hospital referral)",
          source="girft-ces-2023; rcr-2023, MRI within 4 hours of the request; finucane-2020")
    def cauda_equina_flag(self, flag):
        self.declare(RedFlag(id=flag, pathway="cauda_equina"))
        self.declare(TriageVote(level="emergency", reason=flag))

    @Rule(Finding(id=MATCH.flag & P(lambda f: f in OTHER_RED_FLAGS), value=True), salience=SAFETY)
    @meta(id="SAF-002", stage="safety",
          statement="Any other red flag needs urgent referral to exclude fracture, cancer or infection.",
          when="fever, cancer history, unexplained weight loss, significant trauma, immunosuppression or unrelenting night pain is present",
          then="red flag of serious pathology; triage at least urgent_referral",
          source="nice-ng59; finucane-2020")
    def serious_pathology_flag(self, flag):
        self.declare(RedFlag(id=flag, pathway="serious_pathology"))
        self.declare(TriageVote(level="urgent_referral", reason=flag))

    @Rule(NerveInvolvement(), NOT(RedFlag()), salience=TRIAGE)
    @meta(id="SAF-003", stage="safety",
          statement="Likely nerve-root involvement without a red flag means referral for the nerve first.",
          when="nerve involvement is likely and no red flag is present",
          then="triage refer_nerve (the report leads with the referral; trigger points may still be listed)",
          source="van-der-windt-2010; tawa-2017; judgement, nerve involvement outranks a myofascial explanation")
    def refer_for_nerve(self):
        self.declare(TriageVote(level="refer_nerve", reason="nerve involvement"))

    @Rule(Primary(muscle=MATCH.muscle), NOT(NerveInvolvement()), NOT(RedFlag()), salience=TRIAGE)
    @meta(id="SAF-004", stage="safety",
          statement="With no red flag and no nerve involvement, a primary trigger-point muscle can be treated.",
          when="a primary muscle was found, no red flag and no nerve involvement",
          then="triage treat",
          source="travell-simons-1992, vol. 2 ch. 9 (treatment of gluteus minimus trigger points); simons-1999, trigger-point pressure release; seed-article, Treating Lateral Sciatica Pain Patterns; judgement, treat only once no red flag and no nerve involvement is found")
    def treat_the_chain(self, muscle):
        self.declare(TriageVote(level="treat", reason=muscle))

    @Rule(NOT(TriageVote()), salience=TRIAGE_FALLBACK)
    @meta(id="SAF-005", stage="safety",
          statement="With no red flag, no nerve involvement and no decisive muscle, there is not enough to go on.",
          when="no other rule asked for a triage level",
          then="triage insufficient_evidence, with the questions that would decide it",
          source="judgement, ask before treating when no source is supported; simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain)")
    def not_enough_to_go_on(self):
        self.declare(TriageVote(level="insufficient_evidence", reason="no decisive finding"))

    @Rule(TriageVote(), NOT(Triage()), salience=TRIAGE_FINAL)
    @meta(id="SAF-006", stage="safety",
          statement="The most urgent triage any rule asked for wins: nothing outweighs a red flag.",
          when="one or more triage levels were asked for",
          then="the triage is the most urgent of them",
          source="finucane-2020; nice-ng59; judgement, the most urgent level wins")
    def most_urgent_wins(self):
        votes = [fact["level"] for fact in self.facts_of(TriageVote)]
        level = max(votes, key=urgency)
        self.declare(Triage(level=level))
