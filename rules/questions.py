"""The questions still open: what could change the triage, the primary or the chain.

The rules declare Question facts; the interview asks the most decisive one and
the report lists them. Whether an answer *could* change the conclusion is
bounded with the certainty algebra: every unanswered item is assumed to go the
way that moves each muscle furthest up (or down); where even those extremes
leave a muscle's role unchanged, its questions are not asked.
"""
from experta import MATCH, NOT, P, Rule

from myotrace.expert.certainty import combine
from myotrace.facts.types import (
    Condition, Evidence, Hypothesis, NerveInvolvement, PainMap, Palpation, Primary, Question, RedFlag, Triage,
    Unpalpable,
)
from myotrace.facts.vocabulary import (
    CAUDA_EQUINA_FLAGS, FINDINGS, MUSCLES, NERVE_DEFICIT_SIGNS, NERVE_SCREEN, OBJECTIVE_NERVE_SIGNS, PALPATE, RED_FLAGS, SOFT_NERVE_SIGNS,
)
from myotrace.facts.vocabulary import label
from myotrace.rules.meta import QUESTIONS, QUESTIONS_LAST, meta
from myotrace.rules.chains import edge_applies, form_chains, shared_findings
from myotrace.rules.satellites import corroborated

def zone_muscles(kb, regions) -> set[str]:
    """Muscles whose referral zones (essential or spill-over) overlap the pain map."""
    pain = set(regions)
    return {m for m in MUSCLES if any(pain & set(p.essential + p.spillover) for p in kb.muscles[m].patterns)}


def palpable(kb, regions) -> set[str]:
    """The muscles palpated while a chain is traced: those whose referral zones the pain map
    touches, and their key muscles (a chain rule needs a key's palpation)."""
    inside = zone_muscles(kb, regions)
    return inside | {edge.key for m in inside for edge in kb.keys_of(m)}


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


def pivotal_muscles(low, high, kb, state, fits, parts, must_corroborate, can_corroborate, can_lead):
    """Muscles whose unanswered items could still change the primary, the chains or the
    secondary chains, each with the role it could take: 'key', 'satellite' or 'root'.

    Mirrors SAT-001..003 (rules/chains.py) with certainty intervals [low, high]:
    ``state`` is T (tender), N (non-tender) or ? (not palpated) per muscle. Muscles
    that could be eligible form clusters through the edges that apply to the pain
    map and whose key could still lead (``can_lead(key, satellite)``: a key that can never lead is
    held back and heads nothing); a cluster with no muscle fitting the pain map and none confirmed can never head a
    chain and is left alone. A cluster whose muscles are all confirmed and surely supported has a
    fixed structure, known up to its certainties: a confirmed source, active whatever its
    certainty; any other cluster is open, and matters unless even its best certainty stays
    below the margin of a fixed chain. Within what matters, an undetermined contender,
    corroboration or ranking makes its muscles pivotal.

    Returns (roles, confirmable): the pivotal muscles with their roles, and the muscles not
    otherwise pivotal whose palpation alone could still add a confirmed source (those whose
    pattern fits the pain map, and their keys)."""
    tau, margin = kb.settings.support_threshold, kb.settings.decisive_margin
    can = {m for m in MUSCLES if high[m] >= tau and state[m] != "N"}
    sure = {m for m in can if state[m] == "T" and low[m] >= tau}
    edges = [e for e in kb.satellites if e.key in can and e.satellite in can and edge_applies(e, parts)
             and can_lead(e.key, e.satellite)]
    clusters, seen = [], set()
    for start in sorted(can, key=MUSCLES.index):
        if start in seen:
            continue
        group, queue = {start}, [start]
        while queue:
            m = queue.pop()
            for e in edges:
                for other in ((e.satellite,) if e.key == m else (e.key,) if e.satellite == m else ()):
                    if other not in group:
                        group.add(other)
                        queue.append(other)
        seen |= group
        if group & (set(fits) | {m for m in group if state[m] == "T"}):  # it fits, or it is confirmed
            clusters.append(group)
    fixed, open_ = [], []
    for group in clusters:
        (fixed if group <= sure else open_).append(group)
    chains = []  # (members, roots, support low, support high, corroborated must, can)
    for group in fixed:
        cf = {m: low[m] if m in group else 0.0 for m in MUSCLES}
        structure = form_chains(kb, cf, group, set(), fits, parts, set(), lambda k, s: True)  # all tender
        for chain in structure.chains:
            if chain.fits:
                chains.append(chain)
    pivotal: dict[str, str] = {}

    def mark(muscles):
        for m in muscles:
            if low[m] != high[m] or state[m] == "?" or m not in must_corroborate and m in can_corroborate:
                pivotal.setdefault(m, "root")

    support = {c.members: (max(low[m] for m in c.members), max(high[m] for m in c.members)) for c in chains}
    # The best chain is at least as well supported as any surely supported, confirmed muscle: its
    # chain fits (it reproduces the pain), is corroborated (by that palpation) and so is active.
    t_low = max([lo for lo, _ in support.values()] + [low[m] for m in sure], default=None)
    # Palpation alone could confirm these as sources, active at any certainty: the muscles whose
    # pattern fits the pain map, and their key muscles (a tender key is a source of its own even
    # when its satellite was palpated without the pain).
    near = set(fits) | {e.key for e in kb.satellites if e.satellite in fits}
    confirmable = {m for m in near if state[m] == "?"}
    def settled_satellite(m) -> bool:
        """Its answers cannot change its chain: it stays supported and is never palpated (not
        palpable here, or not conclusive), it is no key, and a confirmed key that surely leads it
        is at least as certain as it can ever be (so it never raises the chain's support) and is
        corroborated, so the chain's corroboration is known. (Its own corroboration only decides
        whether the protocol treats it at once or palpates it first: left open, it is palpated first.)"""
        if state[m] != "U" or low[m] < tau or any(e.key == m for e in edges):
            return False
        known = m in must_corroborate or m not in can_corroborate
        return any(e.satellite == m and e.key in sure and low[e.key] >= high[m]
                   and (known or e.key in must_corroborate) for e in edges)

    for group in open_:  # a confirmed, surely supported member keeps its place whatever its certainty
        if t_low is None or max(high[m] for m in group) >= t_low - margin:
            mark({m for m in group - sure if not settled_satellite(m)})
    contenders = list(chains)  # every member confirmed: active sources at any certainty
    active = []
    for chain in contenders:
        must = any(m in must_corroborate for m in chain.members)
        if must:
            active.append(chain)
        elif any(m in can_corroborate for m in chain.members):
            mark(chain.members)
    for chain in contenders:  # the order of roots inside a chain and of the chains
        for a, b in zip(chain.roots, chain.roots[1:]):
            if not (low[a] > high[b]):
                mark((a, b))
    roots = [c.root for c in active]
    for i, a in enumerate(roots):
        for b in roots[i + 1:]:
            if not (low[a] > high[b] or low[b] > high[a] or low[a] == high[a] == low[b] == high[b]):
                mark((a, b))
    keys = {e.key for e in edges}
    satellites = {e.satellite for e in edges}
    roles = {m: "key" if m in keys else "satellite" if m in satellites else "root" for m in pivotal}
    return roles, confirmable - set(roles)


ROLE_WEIGHT = {"key": 60, "satellite": 30, "root": 0, "source": 0}
ROLE_TEXT = {
    "key": "as a key muscle it could head the chain and become the primary",
    "satellite": "it could join or leave the chain",
    "root": "it could compete for primary muscle",
    "source": "if it reproduces the pain it is a source of its own, treated after the primary's chain",
}


# The order of the nerve examination: reflexes and myotomes, then the straight-leg raise and,
# after it (never before), the crossed straight-leg raise, then the sensory and pain-quality signs.
NERVE_SIGN_PRIORITY = {"reflex_reduced": 800, "myotomal_weakness": 799, "slr_positive": 798,
                       "crossed_slr_positive": 797, "dermatomal_numbness": 700, "shooting_electric_pain": 699}

# The classic history of a primary muscle, documented once it leads (QST-006).
CLASSIC_HISTORY = {"gluteus_minimus": ("pain_lying_on_side", "limp", "pain_rising_from_chair")}

# The findings that shape the advice once a chain is treated (QST-010), each with the rules that read
# it: Ober's sign (the myth correction MYT-001, the re-test PRO-003), then the IT band findings
# (MYT-002, MYT-003), asked when the pain reaches the outer thigh or knee, over the band.
ADVICE_FINDINGS = (("ober_positive", "MYT-001, PRO-003"), ("itb_tender", "MYT-002"),
                   ("foam_rolling_brief_relief", "MYT-003"))
IT_BAND_REGIONS = frozenset({"lateral_thigh", "lateral_knee"})


class QuestionRules:
    def ask(self, item, kind, priority, rule, hypothesis, goal):
        self.declare(Question(item=item, kind=kind, priority=round(priority, 4),
                              rule=rule, hypothesis=hypothesis, goal=goal))

    @Rule(Triage(level=MATCH.level & P(lambda level: level != "emergency")), salience=QUESTIONS)
    @meta(id="QST-001", stage="questions",
          statement="Until a cauda equina flag is found, every red flag not yet screened is asked first.",
          when="the triage is not emergency and a red flag has not been asked",
          then="ask it (the red-flag screen comes before everything else)",
          source="nice-ng59; finucane-2020")
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
          source="travell-simons-1992, vol. 2 p. 191 (as quoted by the seed article); seed-article, opening")
    def ask_for_pain_map(self):
        self.ask("pain_map", "pain_map", 900, "REF-001",
                 "every muscle's referral zone is matched against the pain map", "primary")

    @Rule(Triage(), NOT(RedFlag()), salience=QUESTIONS)
    @meta(id="QST-003", stage="questions",
          statement="The nerve screen is completed before treatment (also after a nerve referral, so the referral carries it), and while nerve involvement is open the signs that could still reach the nerve rule are asked.",
          when="no red flag, and a nerve-screen sign (straight-leg raise, dermatomal numbness, myotomal weakness, reflexes) is unanswered, or no nerve involvement yet and a nerve sign is unanswered that could still trigger it",
          then="ask the nerve-screen signs not yet examined; without nerve involvement also the crossed straight-leg raise, and the soft signs while two could still be positive",
          source="van-der-windt-2010; tawa-2017; finucane-2020, screen before treating")
    def screen_nerve_signs(self):
        answered = self.answered()
        involved = bool(self.facts_of(NerveInvolvement))
        positive = sum(answered.get(s) is True for s in SOFT_NERVE_SIGNS)
        soft_open = positive + sum(s not in answered for s in SOFT_NERVE_SIGNS) >= 2
        for sign in dict.fromkeys(NERVE_SCREEN + OBJECTIVE_NERVE_SIGNS + SOFT_NERVE_SIGNS):
            if sign in answered:
                continue
            if not involved and sign in OBJECTIVE_NERVE_SIGNS:
                rule, why = "NRV-001", "one objective nerve sign makes the triage refer_nerve"
            elif not involved and sign in SOFT_NERVE_SIGNS and soft_open:
                rule, why = "NRV-002", f"two soft nerve signs make the triage refer_nerve ({positive} positive so far)"
            elif sign in NERVE_SCREEN:
                rule, why = "QST-003", "the nerve screen is completed before treating: absent signs count only when examined"
            else:
                continue
            self.ask(sign, "nerve", NERVE_SIGN_PRIORITY[sign], rule, why, "triage")

    @Rule(Triage(), PainMap(regions=MATCH.regions), NOT(RedFlag()), salience=QUESTIONS)
    @meta(id="QST-004", stage="questions",
          statement="A finding or palpation is asked only while its answer could still change the primary muscle or the chain.",
          when="some muscle's role (supported, root, primary, in the chain) is not settled by the evidence so far",
          then="ask the unanswered items that bear on those muscles, the most decisive first; palpate only muscles whose referral zones the pain map touches, or their key muscles",
          source="hsieh-2007, shoulder muscles (infraspinatus key): an upper-limb extrapolation; simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain); judgement, ask what separates the candidates before treating",
          settings=("support_threshold", "decisive_margin", "tender_point_cf", "non_tender_cf"))
    def ask_what_could_change_the_chain(self, regions):
        answered = self.answered()
        reachable = palpable(self.kb, regions)
        palpations = {fact["muscle"]: fact["reproduces"] for fact in self.facts_of(Palpation)}
        # U: never to be palpated here (not possible, or outside the zones and not a key muscle)
        closed = {fact["muscle"] for fact in self.facts_of(Unpalpable)} | (set(MUSCLES) - reachable)
        evidence_facts = self.facts_of(Evidence)
        evidence = {}
        for fact in evidence_facts:
            evidence.setdefault(fact["muscle"], []).append(fact["cf"])
        options = unanswered_options(self.kb, answered, set(palpations) | closed)
        low, high = bounds(evidence, options)
        state = {m: "T" if palpations.get(m) is True else "N" if m in palpations else "U" if m in closed else "?"
                 for m in MUSCLES}
        fits = {f["muscle"] for f in evidence_facts if f["kind"] == "zone"}
        parts = {f["muscle"]: f["part"] for f in evidence_facts if f["kind"] == "zone"}
        must = corroborated(evidence_facts)
        may = must | {m for effect in options.values() for m, cfs in effect.items() if max(cfs) > 0}
        def can_lead(key, satellite):
            """The key is or may become tender, or the evidence it does not share with the satellite
            (findings it alone is linked to; the pain map when the satellite's zone does not fit) could
            still reach the threshold."""
            if state[key] in ("T", "?"):
                return True
            shared = shared_findings(self.kb, satellite)
            own = [f["cf"] for f in evidence_facts if f["muscle"] == key and (
                f["kind"] == "finding" and f["finding"] not in shared or f["kind"] == "zone" and satellite not in fits)]
            ups = [max(0.0, *effect[key]) for item, effect in options.items()
                   if key in effect and not item.startswith(PALPATE) and item not in shared]
            return combine(own + ups) >= self.kb.settings.support_threshold

        roles, confirmable = pivotal_muscles(low, high, self.kb, state, fits, parts, must, may, can_lead)
        roles = {**roles, **{m: "source" for m in confirmable}}
        for item, effect in options.items():
            touched = sorted((m for m in effect if any(effect[m]) and (
                                 roles.get(m, "source") != "source" or item == PALPATE + m and m in roles)),
                             key=lambda m: (-ROLE_WEIGHT[roles[m]], m))
            if not touched or item.startswith(PALPATE) and item.removeprefix(PALPATE) not in reachable:
                continue
            impact = max(abs(cf) for m in touched for cf in effect[m])
            muscle = touched[0]
            hypothesis = (f"{label(muscle)} (certainty {combine(evidence.get(muscle, [])):.2f}, could reach"
                          f" {low[muscle]:.2f} to {high[muscle]:.2f}): {ROLE_TEXT[roles[muscle]]}")
            palpation = item.startswith(PALPATE)
            self.ask(item, "palpation" if palpation else "finding",
                     100 + 100 * impact + ROLE_WEIGHT[roles[muscle]],
                     "REF-003" if palpation else "REF-002", hypothesis, "chain")

    def ask_local(self, level, needed, hypothesis):
        """A local condition's findings: decisive while there is not enough to act on (the
        condition alone would be), otherwise also worth asking; none once one is answered no."""
        answered = self.answered()
        if any(answered.get(f) is False for f in needed):
            return
        decisive = level == "insufficient_evidence"
        for index, finding in enumerate(needed):
            if finding not in answered:
                self.ask(finding, "finding" if decisive else "condition", (60 if decisive else 50) - index,
                         "CON-003" if "lateral_epicondyle_tender" in needed else "CON-007", hypothesis,
                         "triage" if decisive else "conditions")

    @Rule(PainMap(regions=P(lambda regions: "lateral_knee" in regions)), Triage(level=MATCH.level),
          NOT(RedFlag()), salience=QUESTIONS)
    @meta(id="QST-005", stage="questions",
          statement="With lateral knee pain, ask what would make it IT band syndrome; while there is not enough to act on, the answer could decide it.",
          when="lateral knee pain and the IT band syndrome findings are not all answered (none answered no)",
          then="ask about a tender lateral epicondyle and pain with running (as decisive questions when the triage is insufficient_evidence: a concluded local condition is enough to act on)",
          source="fairclough-2006; fredericson-2000; seed-article, IT Band Syndrome")
    def ask_about_itbs(self, level):
        self.ask_local(level, ("lateral_epicondyle_tender", "pain_with_running"),
                       "lateral knee pain could be IT band syndrome")

    @Rule(PainMap(regions=P(lambda regions: "lateral_hip" in regions)), Triage(level=MATCH.level),
          NOT(RedFlag()), NOT(Condition(id="greater_trochanteric_pain_syndrome")), salience=QUESTIONS)
    @meta(id="QST-007", stage="questions",
          statement="With lateral hip pain, ask what would make it greater trochanteric pain syndrome; while there is not enough to act on, the answer could decide it.",
          when="lateral hip pain, the tendinopathy is not concluded, and trochanteric tenderness is not answered no",
          then="ask about a tender greater trochanter, then pain lying on that side and standing on that leg",
          source="grimaldi-2017; judgement, ask the clinical tests of the commonest cause of lateral hip pain")
    def ask_about_gtps(self, level):
        answered = self.answered()
        if answered.get("greater_trochanter_tender") is True:
            needed = ("pain_lying_on_side", "pain_single_leg_stance")
            if not all(answered.get(f) is False for f in needed):
                self.ask_local(level, tuple(f for f in needed if answered.get(f) is not False),
                               "a tender greater trochanter could be greater trochanteric pain syndrome")
            return
        self.ask_local(level, ("greater_trochanter_tender",), "lateral hip pain could be greater trochanteric pain syndrome")

    @Rule(RedFlag(id="cancer_history"), Triage(level=P(lambda level: level != "emergency")), salience=QUESTIONS)
    @meta(id="QST-008", stage="questions",
          statement="With a history of cancer, the signs of a neurological deficit are asked even after the red flag: any of them makes it an emergency.",
          when="cancer history is present, the triage is not yet emergency, and a sign of a neurological deficit is unanswered",
          then="ask myotomal weakness, dermatomal numbness and the reflexes",
          source="nice-ng234, recognition and referral")
    def ask_for_cord_compression(self):
        answered = self.answered()
        for sign in NERVE_DEFICIT_SIGNS:
            if sign not in answered:
                self.ask(sign, "nerve", NERVE_SIGN_PRIORITY[sign], "SAF-007",
                         "with a cancer history any sign of a neurological deficit makes the triage emergency", "triage")

    @Rule(Primary(muscle=MATCH.muscle & P(lambda muscle: muscle in CLASSIC_HISTORY)), Triage(level="treat"),
          NOT(RedFlag()), salience=QUESTIONS)
    @meta(id="QST-006", stage="questions",
          statement="Once the gluteus minimus leads, its classic history is documented: pain lying on that side, a limp, pain rising from a chair.",
          when="the triage is treat, the primary muscle is the gluteus minimus, and part of its classic history is unanswered",
          then="ask the unanswered items of that history (for the clinical note, after every decisive question)",
          source="travell-simons-1992, vol. 2 ch. 9 (limp, pain on rising from a chair, pain lying on the affected side)")
    def document_classic_history(self, muscle):
        answered = self.answered()
        for index, finding in enumerate(CLASSIC_HISTORY[muscle]):
            if finding not in answered:
                self.ask(finding, "documentation", 40 - index, "QST-006",
                         f"documents the classic history of the {label(muscle)} for the clinical note",
                         "documentation")

    @Rule(Triage(level="insufficient_evidence"), PainMap(regions=MATCH.regions), NOT(RedFlag()),
          salience=QUESTIONS_LAST)
    @meta(id="QST-009", stage="questions",
          statement="While there is not enough to act on, every muscle not yet palpated is palpated: one that reproduces the familiar pain is a source of its own, even outside its referral zone, and decides it.",
          when="the triage is insufficient_evidence on a pain map, with no red flag, and a muscle was not palpated (nor found not palpable)",
          then="ask its palpation, unless another question rule asks it: the muscles with evidence for them first (the strongest first), then the other muscles of the pain map's zones, then the rest; the findings that could still decide it are QST-004's",
          source="simons-1999, trigger-point diagnosis (pressure reproduces the familiar pain); travell-simons-1992, vol. 2 pain patterns in each muscle's chapter; judgement, referral maps are composites of many patients, so a muscle outside them may still be the source")
    def ask_what_could_decide(self, regions):
        asked = {fact["item"] for fact in self.facts_of(Question)}
        asked |= {PALPATE + fact["muscle"] for fact in self.facts_of(Palpation) + self.facts_of(Unpalpable)}
        certainty = {fact["muscle"]: round(fact["cf"], 2) for fact in self.facts_of(Hypothesis)}
        muscles = [m for m in sorted(certainty, key=lambda m: (-certainty[m], m)) if certainty[m] > 0]
        inside = zone_muscles(self.kb, regions)
        muscles += [m for m in MUSCLES if m in inside and m not in muscles]
        muscles += [m for m in MUSCLES if m not in muscles]
        for rank, muscle in enumerate(muscles):
            if PALPATE + muscle not in asked:
                self.ask(PALPATE + muscle, "palpation", 90 - rank, "REF-003",
                         f"not enough to go on yet: palpating the {label(muscle)} can confirm it or rule it out",
                         "primary")

    @Rule(Primary(), Triage(level=P(lambda level: level in ("treat", "screen_first"))), PainMap(regions=MATCH.regions),
          NOT(RedFlag()), salience=QUESTIONS)
    @meta(id="QST-010", stage="questions",
          statement="Once a chain is treated, the findings that shape the advice are documented: Ober's sign, and over the IT band its tenderness and the relief from rolling it.",
          when="a primary muscle is found and the triage is treat (or screen_first: the screens still to do), and Ober's sign (or, with pain in the outer thigh or knee, IT band tenderness or brief relief from rolling) is unanswered",
          then="ask them (for the advice: the 'tight IT band' corrections, what to avoid, the re-test of Ober's sign), after the decisive questions and the primary's classic history",
          source="willett-2016, in cadavers cutting the IT band did not significantly change the test, cutting the gluteus medius and minimus or the capsule did; seed-article, The Myth of the 'Tight IT Band'; judgement, these three are asked because they change the advice and the corrections, not the chain")
    def document_the_advice(self, regions):
        answered = self.answered()
        over_the_band = bool(IT_BAND_REGIONS & set(regions))
        for index, (finding, rules) in enumerate(ADVICE_FINDINGS):
            if finding not in answered and (index == 0 or over_the_band):
                self.ask(finding, "documentation", 30 - index, "QST-010",
                         f"documents {label(finding)}: it shapes the advice and the corrections ({rules})",
                         "documentation")
