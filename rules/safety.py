"""Safety first: red flags, the screens and the triage decision.

- A cauda equina flag is an emergency; so are a cancer history with any sign of a
  neurological deficit (suspected metastatic spinal cord compression) and fever with
  immunosuppression (suspected spinal infection). Any other red flag is an urgent referral.
- A myofascial explanation (or a concluded local condition) is acted on only when the
  red-flag screen and the nerve screen are complete: otherwise the triage is
  ``screen_first`` and the protocol waits.
- The most urgent level any rule asks for wins.
"""
from experta import MATCH, NOT, P, Rule

from myotrace.facts.types import (
    Condition, Finding, NerveInvolvement, Primary, RedFlag, Screen, Triage, TriageVote,
)
from myotrace.facts.vocabulary import (
    CAUDA_EQUINA_FLAGS, LOCAL_CONDITIONS, NERVE_DEFICIT_SIGNS, OTHER_RED_FLAGS, urgency,
)
from myotrace.rules.meta import SAFETY, TRIAGE, TRIAGE_FALLBACK, TRIAGE_FINAL, meta

METASTATIC_COMPRESSION = "suspected metastatic spinal cord compression"
SPINAL_INFECTION = "suspected spinal infection"

# How a red flag's conclusion is used one step up (``why`` climbs it).
RED_FLAG_VOTE = ("SAF-006", "a red flag votes for its triage level; the most urgent vote wins")


class SafetyRules:
    @Rule(Finding(id=MATCH.flag & P(lambda f: f in CAUDA_EQUINA_FLAGS), value=True), salience=SAFETY)
    @meta(id="SAF-001", stage="safety",
          statement="A cauda equina red flag makes the case an emergency.",
          when="saddle anaesthesia, bladder, bowel or sexual dysfunction, sciatica in both legs, bilateral or progressive leg weakness is present",
          then="red flag on the cauda equina pathway; triage emergency (immediate hospital referral)",
          source="girft-ces-2023; rcr-2023, MRI within 4 hours of the request; finucane-2020",
          feeds=RED_FLAG_VOTE, groups=("triage",))
    def cauda_equina_flag(self, flag):
        self.declare(RedFlag(id=flag, pathway="cauda_equina"))
        self.declare(TriageVote(level="emergency", reason=flag))

    @Rule(Finding(id=MATCH.flag & P(lambda f: f in OTHER_RED_FLAGS), value=True), salience=SAFETY)
    @meta(id="SAF-002", stage="safety",
          statement="Any other red flag needs urgent referral to exclude fracture, cancer or infection.",
          when="fever, cancer history, unexplained weight loss, significant trauma, immunosuppression or unrelenting night pain is present",
          then="red flag of serious pathology; triage at least urgent_referral",
          source="nice-ng59; finucane-2020",
          feeds=RED_FLAG_VOTE, groups=("triage",))
    def serious_pathology_flag(self, flag):
        self.declare(RedFlag(id=flag, pathway="serious_pathology"))
        self.declare(TriageVote(level="urgent_referral", reason=flag))

    @Rule(Finding(id="cancer_history", value=True),
          Finding(id=MATCH.sign & P(lambda f: f in NERVE_DEFICIT_SIGNS), value=True), salience=SAFETY)
    @meta(id="SAF-007", stage="safety",
          statement="A cancer history with any sign of a neurological deficit is an emergency: suspected metastatic spinal cord compression.",
          when="a history of cancer and myotomal weakness, dermatomal numbness or a reduced reflex",
          then="triage emergency (same-day assessment for metastatic spinal cord compression)",
          source="nice-ng234, recognition and referral (neurological symptoms with a cancer history: immediate referral); finucane-2020",
          groups=("triage",))
    def metastatic_cord_compression(self, sign):
        self.declare(TriageVote(level="emergency", reason=METASTATIC_COMPRESSION))

    @Rule(Finding(id="fever", value=True), Finding(id="immunosuppression", value=True), salience=SAFETY)
    @meta(id="SAF-008", stage="safety",
          statement="Fever in a patient with weakened immunity is an emergency: suspected spinal infection.",
          when="fever and immunosuppression are both present",
          then="triage emergency (same-day assessment for spinal infection)",
          source="finucane-2020, spinal infection (fever with immunosuppression); judgement, the combination is referred the same day",
          groups=("triage",))
    def spinal_infection(self):
        self.declare(TriageVote(level="emergency", reason=SPINAL_INFECTION))

    @Rule(NerveInvolvement(), NOT(RedFlag()), salience=TRIAGE)
    @meta(id="SAF-003", stage="safety",
          statement="Likely nerve-root involvement without a red flag means referral for the nerve first.",
          when="nerve involvement is likely and no red flag is present",
          then="triage refer_nerve (the report leads with the referral; trigger points may still be listed)",
          source="van-der-windt-2010; tawa-2017; judgement, nerve involvement outranks a myofascial explanation",
          feeds=("SAF-006", "the nerve referral is a triage vote; the most urgent vote wins"), groups=("triage",))
    def refer_for_nerve(self):
        self.declare(TriageVote(level="refer_nerve", reason="nerve involvement"))

    def treat_or_screen(self, reason):
        """Treat when both screens are complete; otherwise screen first (the protocol waits)."""
        missing = [fact["group"] for fact in self.facts_of(Screen) if not fact["complete"]]
        if missing:
            self.declare(TriageVote(level="screen_first", reason=" and ".join(missing) + " not screened"))
        else:
            self.declare(TriageVote(level="treat", reason=reason))

    @Rule(Primary(muscle=MATCH.muscle), NOT(NerveInvolvement()), NOT(RedFlag()), salience=TRIAGE)
    @meta(id="SAF-004", stage="safety",
          statement="With no red flag and no nerve involvement, a primary trigger-point muscle is treated once the red-flag and nerve screens are complete; until then, screen first.",
          when="a primary muscle was found, no red flag and no nerve involvement",
          then="triage treat when every red flag and every nerve-screen sign (straight-leg raise, dermatomal numbness, myotomal weakness, reflexes) was answered yes or no; otherwise screen_first: the chain is the working hypothesis and the protocol waits",
          source="travell-simons-1992, vol. 2 ch. 9 (treatment of gluteus minimus trigger points); simons-1999, trigger-point pressure release; van-der-windt-2010, physical tests miss some nerve-root pain; quintner-cohen-1994, pain of nerve origin without deficit; finucane-2020, screen before treating; judgement, treat only once no red flag and no nerve involvement is found",
          groups=("triage",))
    def treat_the_chain(self, muscle):
        self.treat_or_screen(muscle)

    @Rule(Condition(id=MATCH.condition & P(lambda c: c in LOCAL_CONDITIONS)), NOT(Primary()),
          NOT(NerveInvolvement()), NOT(RedFlag()), salience=TRIAGE)
    @meta(id="SAF-009", stage="safety",
          statement="A concluded local condition is enough to act on, even when no muscle chain is supported: its management is the protocol, once the screens are complete.",
          when="IT band syndrome or greater trochanteric pain syndrome is concluded, no primary muscle, no red flag and no nerve involvement",
          then="triage treat with the condition's management (no primary muscle), or screen_first while a screen is incomplete",
          source="mellor-2018, education and exercise for gluteal tendinopathy; fairclough-2007, IT band syndrome managed by hip-muscle function; judgement, a concluded local condition is acted on without a muscle chain",
          groups=("triage",))
    def act_on_local_condition(self, condition):
        self.treat_or_screen(condition)

    @Rule(NOT(TriageVote()), salience=TRIAGE_FALLBACK)
    @meta(id="SAF-005", stage="safety",
          statement="With no red flag, no nerve involvement and no decisive muscle, there is not enough to go on.",
          when="no other rule asked for a triage level",
          then="triage insufficient_evidence, with the questions that would decide it",
          source="judgement, ask before treating when no source is supported; simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain)",
          groups=("triage",))
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
