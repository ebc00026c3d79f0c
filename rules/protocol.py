"""The treatment protocol in chain order, home care and perpetuating factors (treat the primary first, then its satellites in chain order)."""
from experta import MATCH, NOT, P, TEST, Rule

from myotrace.facts.knowledge import knowledge
from myotrace.facts.types import (
    Advice, Condition, Factor, Finding, HeldKey, OutsideCoverage, Primary, RedFlag, Triage, TriageVote,
)
from myotrace.facts.vocabulary import CAUDA_EQUINA_FLAGS, LOCAL_CONDITIONS, MUSCLES
from myotrace.rules.meta import PROTOCOL, TRIAGE_FINAL, meta
from myotrace.rules.safety import METASTATIC_COMPRESSION, SPINAL_INFECTION

MUSCLES_ORDER = MUSCLES
# What the patient must be told, by triage level (items of protocol.yaml's safety_net).
SAFETY_NET = {
    "emergency": ("go_now",),
    "urgent_referral": ("cauda_equina_warning", "before_referral"),
    "refer_nerve": ("cauda_equina_warning", "before_referral"),
    "screen_first": ("cauda_equina_warning", "come_back"),
    "treat": ("cauda_equina_warning", "come_back"),
}
GTPS = "greater_trochanteric_pain_syndrome"


def has_home_care(treatment) -> bool:
    """A treated muscle is a hip abductor (ball and adduction) or has self-care of its own."""
    kb = knowledge()
    return any(kb.muscles[m].hip_abductor or kb.muscles[m].self_care for m in treatment)


def perpetuates(treatment, finding) -> bool:
    """The finding is a perpetuating factor of a muscle that is treated."""
    kb = knowledge()
    return any(link.finding == finding for m in treatment for link in kb.muscles[m].perpetuating)


class ProtocolRules:
    def advise(self, kind, order, key, section, muscle=None):
        item = getattr(self.kb.protocol, section)[key]
        text = item.text.format(muscle=self.kb.name(muscle)) if muscle else item.text
        self.declare(Advice(kind=kind, order=order, text=text, source=item.source))

    def stretch_or_load(self, treatment, probable, load_abductors: bool):
        """A probable satellite (pain map only) is palpated first, and stretched only if it is confirmed."""
        for index, muscle in enumerate(treatment):
            if muscle in probable:
                continue
            if self.kb.muscles[muscle].hip_abductor:
                key = "load_abductors" if load_abductors else "stretch_abductors"
            else:
                key = "stretch"
            self.advise("step", (2, index, 0), key, "steps", muscle)

    def self_care(self, treatment, probable):
        for index, muscle in enumerate(treatment):
            if muscle in probable:
                continue
            for number, item in enumerate(self.kb.muscles[muscle].self_care):
                self.declare(Advice(kind="home_care", order=(1, index, number),
                                    text=item.text, source=item.source))

    @Rule(Primary(treatment=MATCH.treatment, probable=MATCH.probable), salience=PROTOCOL)
    @meta(id="PRO-001", stage="protocol",
          statement="Treat the chains in order, primary chain first: compress each muscle's tender points, then post-isometric relaxation; palpate first a satellite known only from the pain map.",
          when="a primary chain is known (secondary chains follow it)",
          then="for each muscle in treatment order: compress its tender points in a shortened position, then post-isometric relaxation (with gluteal tendinopathy, a hip abductor's stays short of adduction); a probable satellite (pain map only) is palpated first",
          source="simons-1999, trigger-point pressure release; lewit-simons-1984; hsieh-2007, shoulder muscles (infraspinatus key): an upper-limb extrapolation, treat the key first; seed-article, Treating Lateral Sciatica Pain Patterns")
    def release_the_chain_in_order(self, treatment, probable):
        tendinopathy = any(fact["id"] == GTPS for fact in self.facts_of(Condition))
        for index, muscle in enumerate(treatment):
            if muscle in probable:
                self.advise("step", (1, index, 0), "palpate_satellite", "steps", muscle)
                continue
            self.advise("step", (1, index, 0), "compress", "steps", muscle)
            short_of_adduction = tendinopathy and self.kb.muscles[muscle].hip_abductor
            self.advise("step", (1, index, 1), "post_isometric_relaxation_short" if short_of_adduction
                        else "post_isometric_relaxation", "steps", muscle)

    @Rule(Primary(treatment=MATCH.treatment, probable=MATCH.probable), NOT(Condition(id=GTPS)), salience=PROTOCOL)
    @meta(id="PRO-002", stage="protocol",
          statement="After the release, stretch progressively: the hip abductors into adduction.",
          when="a primary chain is known and no greater trochanteric pain syndrome",
          then="progressive stretching of each treated muscle (a probable satellite only once palpation confirms it), adduction stretching for the hip abductors",
          source="lewit-simons-1984, post-isometric relaxation takes the muscle to a new stretch barrier; seed-article, Treating Lateral Sciatica Pain Patterns; judgement, progressive stretching after the release: the teaching article's order")
    def then_stretch_progressively(self, treatment, probable):
        self.stretch_or_load(treatment, probable, load_abductors=False)

    @Rule(Primary(treatment=MATCH.treatment, probable=MATCH.probable), Condition(id=GTPS), salience=PROTOCOL)
    @meta(id="PRO-008", stage="protocol",
          statement="With gluteal tendinopathy, the hip abductors are loaded progressively, not stretched into adduction, and home care keeps off the trochanter.",
          when="a primary chain is known and greater trochanteric pain syndrome is concluded",
          then="progressive abductor loading instead of adduction stretching; other muscles stretched as usual; home care: ball rolling of the gluteals without adduction stretching, then each treated muscle's self-care",
          source="grimaldi-2015; mellor-2018")
    def load_instead_of_adduction(self, treatment, probable):
        self.stretch_or_load(treatment, probable, load_abductors=True)
        self.advise("home_care", (0, 0, 0), "ball_without_adduction", "home_care")
        self.self_care(treatment, probable)

    @Rule(HeldKey(muscle=MATCH.muscle), Primary(), salience=PROTOCOL)
    @meta(id="PRO-009", stage="protocol",
          statement="A possible key muscle known only from what it shares with its satellite is palpated before treatment.",
          when="a primary chain is known and a key muscle was held back (supported only by evidence it shares with its satellite)",
          then="first step: palpate it; if it reproduces the pain it is the key, treated first",
          source="hsieh-2007, shoulder muscles (infraspinatus key): an upper-limb extrapolation, treat the key first; judgement, a key known only from evidence it shares with its satellite is palpated before it leads")
    def palpate_the_possible_key(self, muscle):
        self.advise("step", (0, MUSCLES_ORDER.index(muscle), 0), "palpate_key", "steps", muscle)

    @Rule(Condition(id=GTPS), NOT(RedFlag()), salience=PROTOCOL)
    @meta(id="PRO-010", stage="protocol",
          statement="Gluteal tendinopathy is managed by load: education against compressive positions, progressive exercise, no adduction stretching.",
          when="greater trochanteric pain syndrome is concluded and no red flag",
          then="home care: avoid compressive positions, progressive abductor exercise; avoid: adduction stretching of the abductors, with the reason",
          source="grimaldi-2015; mellor-2018")
    def manage_tendon_by_load(self):
        self.advise("home_care", (0, 1, 0), "tendon_load_education", "home_care")
        item = self.kb.protocol.avoid["adduction_stretch_gtps"]
        self.declare(Advice(kind="avoid", order=(0, 1), text=item.text, source=item.source))

    @Rule(Condition(id=MATCH.condition & P(lambda c: c in LOCAL_CONDITIONS)), NOT(Primary()),
          NOT(RedFlag()), salience=PROTOCOL)
    @meta(id="PRO-011", stage="protocol",
          statement="With no muscle chain, a concluded local condition's own management is the protocol.",
          when="IT band syndrome or greater trochanteric pain syndrome is concluded, no primary muscle and no red flag",
          then="step: the condition's management (gluteal tendinopathy: education and progressive abductor loading; IT band syndrome: hip-muscle function and the running load)",
          source="mellor-2018; grimaldi-2015; fairclough-2007; fredericson-2000")
    def manage_the_local_condition(self, condition):
        self.advise("step", (0, 0, 0), condition, "conditions")

    @Rule(Primary(), Finding(id="ober_positive", value=True), salience=PROTOCOL)
    @meta(id="PRO-003", stage="protocol",
          statement="When Ober's sign was positive, re-test it after treatment.",
          when="a chain is treated and Ober's sign was positive",
          then="last step: re-test Ober's sign and compare the adduction with the first test",
          source="willett-2016, the gluteus medius and minimus and the hip capsule limit the test; seed-article, Treating Lateral Sciatica Pain Patterns; judgement, the re-test as an outcome measure: no cited study re-tested the sign after treatment")
    def retest_ober(self):
        self.advise("step", (3, 0, 0), "retest_ober", "steps")

    @Rule(Primary(treatment=MATCH.treatment, probable=MATCH.probable), TEST(has_home_care), NOT(Condition(id=GTPS)),
          salience=PROTOCOL)
    @meta(id="PRO-004", stage="protocol",
          statement="Home care: ball-roll the hips and stretch into adduction, plus each treated muscle's own self-care.",
          when="a primary chain is known and no greater trochanteric pain syndrome",
          then="home care: lacrosse-ball rolling of the hips and adduction stretching (when a hip abductor is treated), then the self-care of each treated muscle",
          source="seed-article, Treating Lateral Sciatica Pain Patterns; davies-2013, ball self-treatment; judgement, home ball rolling and adduction stretching rest on practitioners' texts")
    def home_care(self, treatment, probable):
        if any(self.kb.muscles[m].hip_abductor for m in treatment):
            self.advise("home_care", (0, 0, 0), "ball_and_adduction", "home_care")
        self.self_care(treatment, probable)

    @Rule(Primary(treatment=MATCH.treatment), Finding(id=MATCH.finding, value=True),
          TEST(perpetuates), salience=PROTOCOL)
    @meta(id="PRO-005", stage="protocol",
          statement="Name the perpetuating factors found that keep the treated trigger points going.",
          when="a finding present is a perpetuating factor of a treated muscle",
          then="the factor is listed, to be corrected",
          source="travell-simons-1992, vol. 2 perpetuating factors in each muscle's chapter; simons-1999, trigger-point pressure release")
    def perpetuating_factor(self, treatment, finding):
        for muscle in treatment:
            for link in self.kb.muscles[muscle].perpetuating:
                if link.finding == finding:
                    self.declare(Factor(finding=finding, text=link.text, source=link.source))
                    return

    @Rule(Condition(id="iliotibial_band_syndrome", basis="core"),
          Finding(id=MATCH.finding & P(lambda f: f in ("genu_varum", "foot_hyperpronation", "leg_length_discrepancy")),
                  value=True),
          salience=PROTOCOL)
    @meta(id="PRO-006", stage="protocol",
          statement="Name the alignment factors that load the IT band at the knee.",
          when="IT band syndrome is concluded and genu varum, hyperpronation or a leg-length difference is present",
          then="the factor is listed, to be corrected",
          source="seed-article, IT Band Syndrome; noehren-2014, knee adduction and hip internal rotation while running (not static alignment); judgement, the static factors named by the teaching article are listed to check")
    def itbs_factor(self, finding):
        item = self.kb.protocol.itbs_factors[finding]
        self.declare(Factor(finding=finding, text=item.text, source=item.source))

    @Rule(Triage(level=MATCH.level & P(lambda level: level != "treat")), NOT(OutsideCoverage()),
          salience=TRIAGE_FINAL)
    @meta(id="PRO-007", stage="protocol",
          statement="Whenever the case is not simply treated, the report says what to do instead.",
          when="the triage is emergency (the advice of each emergency pathway present: cauda equina, metastatic cord compression, spinal infection), urgent_referral, refer_nerve, screen_first or insufficient_evidence (unless the source was found to lie outside what myotrace covers: SAT-004 says so instead)",
          then="the advice for that triage level leads the report",
          source="nice-ng59; girft-ces-2023; rcr-2023; nice-ng234; finucane-2020; van-der-windt-2010")
    def advise_on_triage(self, level):
        if level != "emergency":
            self.advise("referral", (0, 0, 0), level, "advice")
            return
        reasons = {fact["reason"] for fact in self.facts_of(TriageVote) if fact["level"] == "emergency"}
        pathways = {"emergency": any(r in CAUDA_EQUINA_FLAGS for r in reasons),
                    "emergency_mscc": METASTATIC_COMPRESSION in reasons,
                    "emergency_infection": SPINAL_INFECTION in reasons}
        for index, key in enumerate(k for k, present in pathways.items() if present):
            self.advise("referral", (0, index, 0), key, "advice")

    @Rule(Triage(level=MATCH.level & P(lambda level: level != "insufficient_evidence")), salience=TRIAGE_FINAL)
    @meta(id="PRO-012", stage="protocol",
          statement="Every report that acts says what the patient must be told: the cauda equina warning signs (an emergency department at once) and when to come back.",
          when="the triage is emergency, urgent_referral, refer_nerve, screen_first or treat",
          then="safety-netting in the clinician's words (report) and the patient's (handout): emergency: go now; referral: the warning signs and what to do if worse before it is seen; screen_first or treat: the warning signs and when to come back; with myofascial pseudo-sciatica, radiculopathy stays a differential",
          source="girft-ces-2023, patient safety-netting; nice-ng234; finucane-2020; van-der-windt-2010")
    def safety_net(self, level):
        keys = SAFETY_NET[level]
        if any(fact["id"] == "myofascial_pseudo_sciatica" for fact in self.facts_of(Condition)):
            keys += ("radiculopathy_differential",)
        for index, key in enumerate(keys):
            item = self.kb.protocol.safety_net[key]
            self.declare(Advice(kind="safety_net", order=(index,), text=item.clinician, patient=item.patient,
                                source=item.source))
