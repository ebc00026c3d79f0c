"""Myths the report corrects: the "tight IT band" and its kin (Ober's sign, rolling the outer
thigh, friction syndrome, trochanteric bursitis) and "sciatica" as a diagnosis."""
from experta import NOT, Rule

from myotrace.facts.types import Advice, Condition, Correction, Finding, RedFlag
from myotrace.rules.meta import MYTHS, meta


class MythRules:
    def correct(self, *corrections, avoid_itb=True):
        for key in corrections:
            item = self.kb.protocol.corrections[key]
            self.declare(Correction(id=key, text=item.text, source=item.source))
        if avoid_itb:
            item = self.kb.protocol.avoid["itb_stretch_roll"]
            self.declare(Advice(kind="avoid", order=(0, 0), text=item.text, source=item.source))

    @Rule(Finding(id="ober_positive", value=True), NOT(RedFlag()), salience=MYTHS)
    @meta(id="MYT-001", stage="myths",
          statement="A positive Ober's sign points to the gluteus medius and minimus and the hip capsule rather than to a tight IT band.",
          when="Ober's sign is positive",
          then="correct the 'tight IT band' reading; advise against stretching or rolling the IT band",
          source="willett-2016, in cadavers cutting the IT band did not significantly change the test, cutting the gluteus medius and minimus or the capsule did; seed-article, You Can't Stretch the IT Band")
    def ober_points_to_abductors(self):
        self.correct("ober_points_to_abductors", "itb_cannot_stretch")

    @Rule(Finding(id="itb_tender", value=True), NOT(RedFlag()), salience=MYTHS)
    @meta(id="MYT-002", stage="myths",
          statement="Tenderness over the IT band can be referred from trigger points; it does not show a tight band.",
          when="the palpable IT band is tender",
          then="correct the myth; advise against stretching or rolling the IT band",
          source="travell-simons-1992, vol. 2 ch. 9 and ch. 14 (referred pain and tenderness in the lateral thigh); fairclough-2006, the band is anchored to the femur; seed-article, The Myth of the 'Tight IT Band'; judgement, how often the tenderness is referred: no cited study counted it")
    def itb_tenderness_is_referred(self):
        self.correct("itb_tenderness_referred", "itb_cannot_stretch")

    @Rule(Finding(id="foam_rolling_brief_relief", value=True), NOT(RedFlag()), salience=MYTHS)
    @meta(id="MYT-003", stage="myths",
          statement="Brief relief from rolling the outer thigh may come from the vastus lateralis, not from the IT band.",
          when="rolling the lateral thigh helps for a while, then the pain returns",
          then="correct the myth; advise against rolling the IT band",
          source="falvey-2010, stretching barely lengthens the IT band in cadavers; seed-article, The Myth of the 'Tight IT Band'; lehman-2012; judgement, that the relief comes from the vastus lateralis is the teaching article's reading")
    def foam_rolling_reaches_vl(self):
        self.correct("foam_rolling_reaches_vl", "itb_cannot_stretch")

    @Rule(Condition(id="iliotibial_band_syndrome", basis="core"), NOT(RedFlag()), salience=MYTHS)
    @meta(id="MYT-004", stage="myths",
          statement="IT band syndrome is compression, not friction, and resolves through the hip muscles.",
          when="IT band syndrome is concluded",
          then="correct the 'friction syndrome' reading and point to hip-muscle function",
          source="fairclough-2006; fairclough-2007; seed-article, IT Band Syndrome")
    def itbs_is_compression(self):
        self.correct("itbs_is_compression", avoid_itb=False)

    @Rule(Condition(id="myofascial_pseudo_sciatica"),
          NOT(Condition(id="piriformis_nerve_entrapment_possible")), salience=MYTHS)
    @meta(id="MYT-005", stage="myths",
          statement="'Sciatica' is a symptom, not a diagnosis: its cause should be identified, here traced to trigger points.",
          when="the leg pain is traced to a trigger-point chain and no nerve entrapment by the piriformis is suspected",
          then="say that 'sciatica' names a symptom, that the examination points to trigger points, and that a negative nerve examination does not exclude a nerve-root cause",
          source="travell-simons-1992, vol. 2 p. 191 (as quoted by the seed article); travell-simons-1992, vol. 2 ch. 9 (the gluteus minimus referral pattern); van-der-windt-2010, physical tests miss some nerve-root pain; seed-article, opening")
    def sciatica_is_a_symptom(self):
        self.correct("sciatica_is_a_symptom", avoid_itb=False)

    @Rule(Condition(id="greater_trochanteric_pain_syndrome"), NOT(RedFlag()), salience=MYTHS)
    @meta(id="MYT-006", stage="myths",
          statement="Lateral hip pain over the trochanter is usually a gluteal tendinopathy managed by load, not a bursitis.",
          when="greater trochanteric pain syndrome is concluded",
          then="correct the 'trochanteric bursitis' reading: a tendon condition, managed by education and progressive exercise",
          source="grimaldi-2015; grimaldi-2017; mellor-2018")
    def trochanteric_pain_is_tendinopathy(self):
        self.correct("gtps_is_tendinopathy", avoid_itb=False)
