"""Named clinical pictures beside the muscle chain: emergencies, nerve-root and local conditions
that change the advice but never the trigger-point chain itself. Their certainties are judgements
kept in settings.yaml."""
from experta import MATCH, NOT, OR, P, Rule

from myotrace.expert.certainty import combine, conclude, premise
from myotrace.facts.types import (
    Condition, Finding, Hypothesis, NerveInvolvement, PainMap, Primary, RedFlag, Screen,
)
from myotrace.facts.vocabulary import OBJECTIVE_NERVE_SIGNS, SOFT_NERVE_SIGNS
from myotrace.rules.meta import CONDITIONS, meta

LEG_REGIONS = frozenset({
    "lateral_thigh", "posterior_thigh", "lateral_knee", "posterior_knee",
    "lateral_calf", "posterior_calf", "lateral_ankle", "dorsum_foot", "sole",
})


class ConditionRules:
    @Rule(RedFlag(pathway="cauda_equina"), salience=CONDITIONS)
    @meta(id="CON-001", stage="conditions",
          statement="A cauda equina red flag means cauda equina syndrome is suspected.",
          when="any red flag on the cauda equina pathway",
          then="condition cauda_equina_suspected",
          source="girft-ces-2023; rcr-2023, MRI within 4 hours of the request; finucane-2020")
    def cauda_equina(self):
        self.declare(Condition(id="cauda_equina_suspected", cf=1.0, basis="red flag"))

    @Rule(NerveInvolvement(), NOT(RedFlag()), NOT(Condition(id="radiculopathy_suspected")), salience=CONDITIONS)
    @meta(id="CON-002", stage="conditions",
          statement="Likely nerve-root involvement without a red flag is suspected radiculopathy, held with the certainty its signs allow.",
          when="nerve involvement is likely and no red flag is present",
          then="condition radiculopathy_suspected; cf combines 0.6 per objective sign and 0.3 per soft sign present (judgement: no single test is conclusive)",
          source="van-der-windt-2010; tawa-2017, motor tests' sensitivity 0.13-0.61; judgement, 0.6 per objective and 0.3 per soft sign",
          settings=("objective_nerve_sign_cf", "soft_nerve_sign_cf"))
    def radiculopathy(self):
        present = {fact["id"] for fact in self.facts_of(Finding) if fact["value"] is True}
        settings = self.kb.settings
        cfs = [settings.objective_nerve_sign_cf for s in OBJECTIVE_NERVE_SIGNS if s in present]
        cfs += [settings.soft_nerve_sign_cf for s in SOFT_NERVE_SIGNS if s in present]
        self.declare(Condition(id="radiculopathy_suspected", cf=round(combine(cfs), 4), basis="nerve signs"))

    @Rule(PainMap(regions=P(lambda regions: "lateral_knee" in regions)),
          Finding(id="lateral_epicondyle_tender", value=True),
          Finding(id="pain_with_running", value=True),
          NOT(RedFlag()),
          salience=CONDITIONS)
    @meta(id="CON-003", stage="conditions",
          statement="Lateral knee pain with a tender lateral epicondyle in a runner is IT band syndrome.",
          when="lateral knee pain, a tender lateral femoral epicondyle and pain with running",
          then="condition iliotibial_band_syndrome (cf 0.7; judgement); the hip muscles are still traced",
          source="fairclough-2006; fairclough-2007; fredericson-2000; seed-article, IT Band Syndrome",
          settings=("local_condition_cf",))
    def iliotibial_band_syndrome(self):
        self.declare(Condition(id="iliotibial_band_syndrome", cf=self.kb.settings.local_condition_cf, basis="core"))

    @Rule(Condition(id="iliotibial_band_syndrome", basis="core", cf=MATCH.cf),
          Finding(id=MATCH.factor & P(lambda f: f in ("genu_varum", "foot_hyperpronation")), value=True),
          salience=CONDITIONS)
    @meta(id="CON-004", stage="conditions",
          statement="A bowlegged stance or a hyperpronating foot raises the certainty of IT band syndrome a little (judgement).",
          when="IT band syndrome is concluded and genu varum or foot hyperpronation is present",
          then="IT band syndrome certainty rises (each factor +0.2; judgement)",
          source="seed-article, IT Band Syndrome; noehren-2014, more knee adduction and hip internal rotation while running (not static alignment); judgement, +0.2 for each factor: no cited study measured static genu varum or foot pronation in IT band syndrome",
          settings=("itbs_alignment_cf",))
    def itbs_raised_by_alignment(self, cf, factor):
        self.declare(Condition(id="iliotibial_band_syndrome", cf=round(combine([cf, self.kb.settings.itbs_alignment_cf]), 4),
                               basis=factor))

    @Rule(Hypothesis(muscle="piriformis", supported=True, cf=MATCH.cf),
          OR(Finding(id="shooting_electric_pain", value=True),
             PainMap(regions=P(lambda regions: "sole" in regions))),
          NOT(RedFlag()), NOT(Condition(id="piriformis_nerve_entrapment_possible")),
          salience=CONDITIONS)
    @meta(id="CON-005", stage="conditions",
          statement="A supported piriformis with sharp 'electric' pain or pain reaching the sole may be trapping the sciatic nerve.",
          when="the piriformis is supported and the pain is shooting or electric, or reaches the sole",
          then="condition piriformis_nerve_entrapment_possible (cf = piriformis certainty x 0.6; judgement)",
          source="travell-simons-1992, vol. 2 ch. 10; barton-1991; davies-2013, piriformis",
          settings=("piriformis_entrapment_cf",))
    def piriformis_entrapment(self, cf):
        self.declare(Condition(id="piriformis_nerve_entrapment_possible",
                               cf=round(conclude(premise(cf), self.kb.settings.piriformis_entrapment_cf), 4),
                               basis="piriformis"))

    @Rule(Primary(muscle=MATCH.muscle, cf=MATCH.cf), NOT(NerveInvolvement()),
          PainMap(regions=P(lambda regions: bool(LEG_REGIONS & set(regions)))),
          Screen(group="nerve", negative=True),
          NOT(Finding(id="shooting_electric_pain", value=True)),
          salience=CONDITIONS)
    @meta(id="CON-006", stage="conditions",
          statement="Leg pain traced to a trigger-point chain, on a complete and negative nerve screen, is myofascial pseudo-sciatica.",
          when="a primary muscle was found, the pain reaches the leg, the straight-leg raise, dermatomal sensation, myotomes and reflexes were examined and all negative, and the pain is not shooting or electric",
          then="condition myofascial_pseudo_sciatica (radiculopathy stays a differential to re-examine: tests miss some nerve-root pain)",
          source="travell-simons-1992, vol. 2 p. 191 (as quoted by the seed article); travell-simons-1992, vol. 2 ch. 9 p. 169; seed-article, opening; quintner-cohen-1994, the dissent: trigger-point pain as nerve-origin hyperalgesia; van-der-windt-2010, physical tests miss some nerve-root pain")
    def pseudo_sciatica(self, muscle, cf):
        self.declare(Condition(id="myofascial_pseudo_sciatica", cf=cf, basis=muscle))

    @Rule(Finding(id="greater_trochanter_tender", value=True),
          Finding(id=MATCH.sign & P(lambda f: f in ("pain_lying_on_side", "pain_single_leg_stance")), value=True),
          NOT(RedFlag()), NOT(Condition(id="greater_trochanteric_pain_syndrome")),
          salience=CONDITIONS)
    @meta(id="CON-007", stage="conditions",
          statement="A tender greater trochanter with pain lying on it or standing on one leg is greater trochanteric pain syndrome (gluteal tendinopathy).",
          when="pressure on the greater trochanter reproduces the pain, and lying on that side or standing 30 s on that leg brings it on; no red flag",
          then="condition greater_trochanteric_pain_syndrome (cf 0.7; judgement): a tendon condition managed by load; the hip muscles are still traced",
          source="grimaldi-2017; grimaldi-2015; mellor-2018",
          settings=("local_condition_cf",))
    def greater_trochanteric_pain_syndrome(self, sign):
        self.declare(Condition(id="greater_trochanteric_pain_syndrome", cf=self.kb.settings.local_condition_cf,
                               basis=sign))
