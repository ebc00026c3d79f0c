"""The questions still open: what could change the triage, the primary or the chain.

The rules declare Question facts; the interview asks the most decisive one and
the report lists them. Whether an answer *could* change the conclusion is
bounded with the certainty algebra: every unanswered item is assumed to go the
way that moves each muscle furthest up (or down); where even those extremes
leave a muscle's role unchanged, its questions are not asked (CONTRACT §3.9).
"""
from experta import MATCH, NOT, P, Rule

from myotrace.expert.certainty import combine
from myotrace.facts.types import (
    Evidence, NerveInvolvement, PainMap, Palpation, Primary, Question, RedFlag, Triage,
)
from myotrace.facts.vocabulary import (
    CAUDA_EQUINA_FLAGS, FINDINGS, MUSCLES, OBJECTIVE_NERVE_SIGNS, PALPATE, RED_FLAGS, SOFT_NERVE_SIGNS,
)
from myotrace.facts.vocabulary import label
from myotrace.rules.meta import QUESTIONS, meta
from myotrace.rules.satellites import corroborated, walk_chain

def unanswered_options(kb, answered, palpated):
    """For each unanswered item: {muscle: [cf if answered one way, cf the other way]}."""
    options = {}
    for finding in FINDINGS:
        if finding in answered:
            continue
        effect = {}
        for value in (True, False):
            for muscle, link in kb.links(finding, value):
                effect.setdefault(muscle, []).append(link.cf)
        if effect:
            options[finding] = effect
    for muscle in MUSCLES:
        if muscle not in palpated:
            options[PALPATE + muscle] = {muscle: [kb.settings.tender_point_cf, kb.settings.non_tender_cf]}
    return options


def bounds(evidence, options):
    """Lowest and highest certainty each muscle can still reach."""
    low, high = {}, {}
    for muscle in MUSCLES:
        ups = [max(0.0, *cfs) for effect in options.values() for m, cfs in effect.items() if m == muscle]
        downs = [min(0.0, *cfs) for effect in options.values() for m, cfs in effect.items() if m == muscle]
        known = evidence.get(muscle, [])
        high[muscle] = combine(known + ups)
        low[muscle] = combine(known + downs)
    return low, high


def _reachable(muscle, kb, passable):
    """The muscle and every satellite reachable from it through passable muscles."""
    return walk_chain(muscle, kb, lambda key, satellite: satellite in passable)


def pivotal_muscles(low, high, kb, corroborated=frozenset(MUSCLES)):
    """Muscles whose certainty could still change the primary muscle or the chain,
    each with the role it could take: 'key' (it would head a supported muscle's
    chain), 'satellite' (it would join the chain) or 'root' (it competes for primary).

    Mirrors SAT-001..003 with certainty intervals [low, high]: a chain is as well
    supported as its best-supported muscle, so a root's chain support lies between
    the best low of what surely belongs to it and the best high of what may."""
    tau, margin = kb.settings.support_threshold, kb.settings.decisive_margin
    surely = {m for m in MUSCLES if low[m] >= tau}
    never = {m for m in MUSCLES if high[m] < tau}
    undecided = set(MUSCLES) - surely - never
    keys = {m: [e.key for e in kb.keys_of(m)] for m in MUSCLES}
    potential_roots = {m for m in MUSCLES if m not in never and not any(k in surely for k in keys[m])}
    sure_roots = [m for m in surely & set(corroborated) if all(k in never for k in keys[m])]
    sure_support = {m: max(low[x] for x in _reachable(m, kb, surely)) for m in sure_roots}
    best = max(sure_roots, key=lambda m: (sure_support[m], low[m], m), default=None)
    if best is None or any(
            sure_support[best] - max(high[x] for x in _reachable(m, kb, set(MUSCLES) - never)) < margin
            for m in potential_roots - {best}):
        roles = {m: "root" for m in potential_roots | undecided}
        for m in roles:
            if any(e.satellite not in never for e in kb.satellites_of(m)):
                roles[m] = "key"
            elif any(k not in never for k in keys[m]):
                roles[m] = "satellite"
        for root in potential_roots:  # a chain is as strong as its best muscle
            for member in _reachable(root, kb, set(MUSCLES) - never):
                roles.setdefault(member, "satellite")
        return roles
    return {m: "satellite" for m in _reachable(best, kb, set(MUSCLES) - never) if m in undecided}


ROLE_WEIGHT = {"key": 60, "satellite": 30, "root": 0}
ROLE_TEXT = {
    "key": "as a key muscle it could head the chain and become the primary",
    "satellite": "it could join or leave the chain",
    "root": "it could compete for primary muscle",
}


# The order of the nerve examination: reflexes and myotomes, then the straight-leg raise and,
# after it (never before), the crossed straight-leg raise, then the sensory and pain-quality signs.
NERVE_SIGN_PRIORITY = {"reflex_reduced": 800, "myotomal_weakness": 799, "slr_positive": 798,
                       "crossed_slr_positive": 797, "dermatomal_numbness": 700, "shooting_electric_pain": 699}

# The classic history of a primary muscle, documented once it leads (QST-006).
CLASSIC_HISTORY = {"gluteus_minimus": ("pain_lying_on_side", "limp", "pain_rising_from_chair")}


class QuestionRules:
    def ask(self, item, kind, priority, rule, hypothesis, goal):
        self.declare(Question(item=item, kind=kind, priority=round(priority, 4),
                              rule=rule, hypothesis=hypothesis, goal=goal))

    @Rule(Triage(level=MATCH.level & P(lambda level: level != "emergency")), salience=QUESTIONS)
    @meta(id="QST-001", stage="questions",
          statement="Until a cauda equina flag is found, every red flag not yet screened is asked first.",
          when="the triage is not emergency and a red flag has not been asked",
          then="ask it (the red-flag screen comes before everything else)",
          source="brief §3 (screen first: NICE NG59 [22]); brief §7.1; CONTRACT §3.1")
    def screen_red_flags(self, level):
        answered = self.answered()
        for index, flag in enumerate(RED_FLAGS):
            if flag not in answered:
                cauda = flag in CAUDA_EQUINA_FLAGS
                self.ask(flag, "red_flag", 1000 - index, "SAF-001" if cauda else "SAF-002",
                         "a red flag would make the triage " + ("emergency" if cauda else "urgent_referral"),
                         "triage")

    @Rule(Triage(), NOT(PainMap()), NOT(RedFlag()), salience=QUESTIONS)
    @meta(id="QST-002", stage="questions",
          statement="Without a pain map nothing can be traced: ask where it hurts.",
          when="no red flag and no pain map has been recorded",
          then="ask for the pain map",
          source="seed (trace the pain to its origin); CONTRACT §3.3")
    def ask_for_pain_map(self):
        self.ask("pain_map", "pain_map", 900, "REF-001",
                 "every muscle's referral zone is matched against the pain map", "primary")

    @Rule(Triage(), NOT(RedFlag()), NOT(NerveInvolvement()), salience=QUESTIONS)
    @meta(id="QST-003", stage="questions",
          statement="Until nerve involvement is settled, the nerve signs that could still reach the nerve rule are asked.",
          when="no red flag, no nerve involvement yet, and a nerve sign is unanswered that could still trigger it",
          then="ask the objective signs, then the soft signs while two could still be positive",
          source="brief §4 (Radicular features; Suggested rule); CONTRACT §3.2")
    def screen_nerve_signs(self):
        answered = self.answered()
        for sign in OBJECTIVE_NERVE_SIGNS:
            if sign not in answered:
                self.ask(sign, "nerve", NERVE_SIGN_PRIORITY[sign], "NRV-001",
                         "one objective nerve sign makes the triage refer_nerve", "triage")
        positive = sum(answered.get(s) is True for s in SOFT_NERVE_SIGNS)
        open_signs = [s for s in SOFT_NERVE_SIGNS if s not in answered]
        if positive + len(open_signs) >= 2:
            for sign in open_signs:
                self.ask(sign, "nerve", NERVE_SIGN_PRIORITY[sign], "NRV-002",
                         f"two soft nerve signs make the triage refer_nerve ({positive} positive so far)",
                         "triage")

    @Rule(Triage(), PainMap(), NOT(RedFlag()), salience=QUESTIONS)
    @meta(id="QST-004", stage="questions",
          statement="A finding or palpation is asked only while its answer could still change the primary muscle or the chain.",
          when="some muscle's role (supported, root, primary, in the chain) is not settled by the evidence so far",
          then="ask the unanswered items that bear on those muscles, the most decisive first",
          source="CONTRACT §3.5 and §3.9; brief §2 (search up the chain for the key TrP [16])")
    def ask_what_could_change_the_chain(self):
        answered = self.answered()
        palpated = {fact["muscle"] for fact in self.facts_of(Palpation)}
        evidence_facts = self.facts_of(Evidence)
        evidence = {}
        for fact in evidence_facts:
            evidence.setdefault(fact["muscle"], []).append(fact["cf"])
        options = unanswered_options(self.kb, answered, palpated)
        low, high = bounds(evidence, options)
        roles = pivotal_muscles(low, high, self.kb, corroborated(evidence_facts))
        for item, effect in options.items():
            touched = sorted((m for m in effect if m in roles and any(effect[m])),
                             key=lambda m: (-ROLE_WEIGHT[roles[m]], m))
            if not touched:
                continue
            impact = max(abs(cf) for m in touched for cf in effect[m])
            muscle = touched[0]
            hypothesis = (f"{label(muscle)} (certainty {combine(evidence.get(muscle, [])):.2f}, could reach"
                          f" {low[muscle]:.2f} to {high[muscle]:.2f}): {ROLE_TEXT[roles[muscle]]}")
            palpation = item.startswith(PALPATE)
            self.ask(item, "palpation" if palpation else "finding",
                     100 + 100 * impact + ROLE_WEIGHT[roles[muscle]],
                     "REF-003" if palpation else "REF-002", hypothesis, "chain")

    @Rule(PainMap(regions=P(lambda regions: "lateral_knee" in regions)), Triage(),
          NOT(RedFlag()), salience=QUESTIONS)
    @meta(id="QST-005", stage="questions",
          statement="With lateral knee pain, ask what would make it IT band syndrome.",
          when="lateral knee pain and the IT band syndrome findings are not all answered (none answered no)",
          then="ask about a tender lateral epicondyle and pain with running",
          source="brief §6 (ITBS); seed (IT Band Syndrome); CONTRACT §3.7")
    def ask_about_itbs(self):
        answered = self.answered()
        needed = ("lateral_epicondyle_tender", "pain_with_running")
        if any(answered.get(f) is False for f in needed):
            return
        for index, finding in enumerate(needed):
            if finding not in answered:
                self.ask(finding, "condition", 50 - index, "CON-003",
                         "lateral knee pain could be IT band syndrome", "conditions")

    @Rule(Primary(muscle=MATCH.muscle), Triage(level="treat"), NOT(RedFlag()), salience=QUESTIONS)
    @meta(id="QST-006", stage="questions",
          statement="Once the gluteus minimus leads, its classic history is documented: pain lying on that side, a limp, pain rising from a chair.",
          when="the triage is treat, the primary muscle is the gluteus minimus, and part of its classic history is unanswered",
          then="ask the unanswered items of that history (for the clinical note, after every decisive question)",
          source="travell-simons-1992, vol. 2 ch. 9; brief §1 gluteus minimus, findings [2]")
    def document_classic_history(self, muscle):
        answered = self.answered()
        for index, finding in enumerate(CLASSIC_HISTORY.get(muscle, ())):
            if finding not in answered:
                self.ask(finding, "documentation", 40 - index, "QST-006",
                         f"documents the classic history of the {label(muscle)} for the clinical note",
                         "documentation")
