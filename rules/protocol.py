"""The treatment protocol in chain order, home care and perpetuating factors (CONTRACT §3.8)."""
from experta import MATCH, P, Rule

from myotrace.facts.types import Advice, Condition, Factor, Finding, Primary, Triage
from myotrace.rules.meta import PROTOCOL, TRIAGE_FINAL, meta


class ProtocolRules:
    def advise(self, kind, order, key, section, muscle=None):
        item = getattr(self.kb.protocol, section)[key]
        text = item.text.format(muscle=self.kb.name(muscle)) if muscle else item.text
        self.declare(Advice(kind=kind, order=order, text=text, source=item.source))

    @Rule(Primary(chain=MATCH.chain), salience=PROTOCOL)
    @meta(id="PRO-001", stage="protocol",
          statement="Treat the chain in order, primary first: compress its tender points shortened, then post-isometric relaxation.",
          when="a primary muscle and its chain are known",
          then="for each muscle of the chain in order: compress tender points in a shortened position, then post-isometric relaxation",
          source="seed-article, Treating Lateral Sciatica Pain Patterns; hsieh-2007, treat the key first; simons-1999, trigger-point pressure release; lewit-simons-1984")
    def release_the_chain_in_order(self, chain):
        for index, muscle in enumerate(chain):
            self.advise("step", (1, index, 0), "compress", "steps", muscle)
            self.advise("step", (1, index, 1), "post_isometric_relaxation", "steps", muscle)

    @Rule(Primary(chain=MATCH.chain), salience=PROTOCOL)
    @meta(id="PRO-002", stage="protocol",
          statement="After the release, stretch progressively: the hip abductors into adduction.",
          when="a primary muscle and its chain are known",
          then="progressive stretching of each chain muscle, adduction stretching for the hip abductors",
          source="seed-article, Treating Lateral Sciatica Pain Patterns")
    def then_stretch_progressively(self, chain):
        for index, muscle in enumerate(chain):
            key = "stretch_abductors" if self.kb.muscles[muscle].hip_abductor else "stretch"
            self.advise("step", (2, index, 0), key, "steps", muscle)

    @Rule(Primary(), Finding(id="ober_positive", value=True), salience=PROTOCOL)
    @meta(id="PRO-003", stage="protocol",
          statement="When Ober's sign was positive, re-test it after treatment.",
          when="a chain is treated and Ober's sign was positive",
          then="last step: re-test Ober's sign (adduction should have increased)",
          source="seed-article, Treating Lateral Sciatica Pain Patterns; willett-2016")
    def retest_ober(self):
        self.advise("step", (3, 0, 0), "retest_ober", "steps")

    @Rule(Primary(chain=MATCH.chain), salience=PROTOCOL)
    @meta(id="PRO-004", stage="protocol",
          statement="Home care: ball-roll the hips and stretch into adduction, plus each chain muscle's own self-care.",
          when="a primary muscle and its chain are known",
          then="home care: lacrosse-ball rolling of the hips and adduction stretching (when a hip abductor is in the chain), then the self-care of each chain muscle",
          source="seed-article, Treating Lateral Sciatica Pain Patterns; davies-2013")
    def home_care(self, chain):
        if any(self.kb.muscles[m].hip_abductor for m in chain):
            self.advise("home_care", (0, 0, 0), "ball_and_adduction", "home_care")
        for index, muscle in enumerate(chain):
            for number, item in enumerate(self.kb.muscles[muscle].self_care):
                self.declare(Advice(kind="home_care", order=(1, index, number),
                                    text=item.text, source=item.source))

    @Rule(Primary(chain=MATCH.chain), Finding(id=MATCH.finding, value=True), salience=PROTOCOL)
    @meta(id="PRO-005", stage="protocol",
          statement="Name the perpetuating factors found that keep the chain's trigger points going.",
          when="a finding present is a perpetuating factor of a muscle in the chain",
          then="the factor is listed, to be corrected",
          source="travell-simons-1992, vol. 2 perpetuating factors in each muscle's chapter; simons-1999, trigger-point pressure release")
    def perpetuating_factor(self, chain, finding):
        for muscle in chain:
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
          source="seed-article, IT Band Syndrome; noehren-2014; hutchinson-2022")
    def itbs_factor(self, finding):
        item = self.kb.protocol.itbs_factors[finding]
        self.declare(Factor(finding=finding, text=item.text, source=item.source))

    @Rule(Triage(level=MATCH.level & P(lambda level: level != "treat")), salience=TRIAGE_FINAL)
    @meta(id="PRO-007", stage="protocol",
          statement="Whenever the case is not simply treated, the report says what to do instead.",
          when="the triage is emergency, urgent_referral, refer_nerve or insufficient_evidence",
          then="the advice for that triage level leads the report",
          source="nice-ng59; girft-ces-2023; van-der-windt-2010")
    def advise_on_triage(self, level):
        self.advise("referral", (0, 0, 0), level, "advice")
