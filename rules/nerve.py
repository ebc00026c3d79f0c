"""Nerve involvement from radicular signs: one objective sign or two soft signs make
nerve-root involvement likely."""
from experta import MATCH, P, TEST, Rule

from myotrace.facts.types import Finding, NerveInvolvement
from myotrace.facts.vocabulary import OBJECTIVE_NERVE_SIGNS, SOFT_NERVE_SIGNS
from myotrace.rules.meta import NERVE, meta

# How nerve involvement is used one step up (``why`` climbs it).
NERVE_REFERRAL = ("SAF-003", "nerve involvement sends the patient for referral before any treatment")


class NerveRules:
    @Rule(Finding(id=MATCH.sign & P(lambda f: f in OBJECTIVE_NERVE_SIGNS), value=True), salience=NERVE)
    @meta(id="NRV-001", stage="nerve",
          statement="One objective nerve sign makes nerve-root involvement likely.",
          when="a reduced reflex, myotomal weakness or a positive crossed straight-leg raise is found",
          then="nerve involvement is likely (it overrides the myofascial explanation)",
          source="van-der-windt-2010; deville-2000, crossed SLR specificity 0.88; tawa-2017, reflex specificity 0.60-0.93, motor tests' sensitivity 0.13-0.61",
          feeds=NERVE_REFERRAL, groups=("triage",))
    def objective_sign(self, sign):
        self.declare(NerveInvolvement(signs=(sign,)))

    @Rule(Finding(id=MATCH.first & P(lambda f: f in SOFT_NERVE_SIGNS), value=True),
          Finding(id=MATCH.second & P(lambda f: f in SOFT_NERVE_SIGNS), value=True),
          TEST(lambda first, second: first < second),
          salience=NERVE)
    @meta(id="NRV-002", stage="nerve",
          statement="Two soft nerve signs together make nerve-root involvement likely.",
          when="two of: a positive straight-leg raise, dermatomal numbness, shooting or electric pain",
          then="nerve involvement is likely",
          source="van-der-windt-2010; deville-2000, SLR sensitivity 0.91, specificity 0.26; judgement, two soft signs make nerve involvement",
          feeds=NERVE_REFERRAL, groups=("triage",))
    def two_soft_signs(self, first, second):
        self.declare(NerveInvolvement(signs=(first, second)))
