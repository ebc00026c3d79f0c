"""Why not X? (``myotrace explain CASE --why-not X``)

X is a muscle (why is it not the primary / not in the chain?), a triage level
or a condition. For each rule that could have concluded X, the premises are
checked against the case, the knowledge base and the facts the run concluded,
and shown with their numbers; the firings come from the structured trace.

The premise checks mirror the rules' conditions (rules/*.py); a test runs every
check over the case library and requires that a check holds exactly when its
rule fired, so the two cannot drift apart unnoticed.

Longer than most modules on purpose: it holds one premise check per rule that can
conclude a muscle's role, a triage level or a condition, side by side, so that the
mirror of a rule is found in one place and read against its neighbours.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from myotrace.expert.engine import rule_catalogue
from myotrace.expert.errors import InputError, allowed_list, did_you_mean
from myotrace.expert.present.kbview import part_text
from myotrace.expert.present.text import humanize, possessive, user_key, wrap
from myotrace.expert.report import NO_CHAIN
from myotrace.facts.types import Condition, Hypothesis, NerveInvolvement, Primary, RedFlag, Root, Triage, TriageVote, Undecided
from myotrace.facts.vocabulary import (
    CAUDA_EQUINA_FLAGS,
    CONDITIONS,
    LOCAL_CONDITIONS,
    MUSCLES,
    NERVE_DEFICIT_SIGNS,
    NERVE_SCREEN,
    OBJECTIVE_NERVE_SIGNS,
    OTHER_RED_FLAGS,
    RED_FLAGS,
    SOFT_NERVE_SIGNS,
    TRIAGE_LEVELS,
    label,
    urgency,
)
from myotrace.rules.conditions import LEG_REGIONS
from myotrace.rules.satellites import ChainInputs, corroborated

# Short names students and teachers use; accepted wherever a muscle is asked for.
MUSCLE_ALIASES = {
    "gmin": "gluteus_minimus", "gmed": "gluteus_medius", "gmax": "gluteus_maximus",
    "tfl": "tensor_fasciae_latae", "vl": "vastus_lateralis", "ql": "quadratus_lumborum",
    "pl": "peroneus_longus", "piri": "piriformis", "hams": "hamstrings",
}
# Triage levels whose report names a chain (treat, screen first, refer nerve), least urgent first.
REPORTED_CHAIN = tuple(sorted(set(TRIAGE_LEVELS) - set(NO_CHAIN), key=urgency))
TARGET_KINDS = (("muscle", MUSCLES), ("triage", TRIAGE_LEVELS), ("condition", CONDITIONS))


@dataclass
class Premise:
    text: str
    held: bool


@dataclass
class Check:
    """One rule that could have concluded the target, for one binding."""

    rule: str
    premises: list[Premise]
    held: bool                 # the rule's condition for this binding holds
    fired: list[int] = field(default_factory=list)  # trace steps where it fired for this binding
    effect: str = ""           # what it concluded, or would conclude
    subject: str = ""          # the binding, e.g. "quadratus_lumborum → gluteus_minimus"
    elsewhere: list[int] = field(default_factory=list)  # steps where it fired with another conclusion


@dataclass
class WhyNot:
    target: str
    kind: str                  # muscle | triage | condition
    concluded: bool
    summary: list[str]
    checks: list[Check]


def match_id(key: str, ids) -> str | None:
    """``key`` if it is one of ``ids``, else the only id it begins, else None."""
    if key in ids:
        return key
    starts = [i for i in ids if i.startswith(key)] if key else []
    return starts[0] if len(starts) == 1 else None


def resolve_target(text: str) -> tuple[str, str]:
    """(kind, id) for a muscle, triage level or condition named by the user."""
    key = user_key(text)
    key = MUSCLE_ALIASES.get(key, key)
    every = MUSCLES + TRIAGE_LEVELS + CONDITIONS
    found = match_id(key, every)
    if found is not None:
        return next(kind for kind, ids in TARGET_KINDS if found in ids), found
    raise InputError(f"--why-not: {text!r} is not a muscle, triage level or condition"
                     f" (allowed: {allowed_list(every, 30)}){did_you_mean(key, every)}")


def answer_text(answer) -> str:
    if answer is None:
        return "not asked"
    if answer == "unknown":
        return "answered not known"
    return f"answered {'yes' if answer else 'no'}"


def _finding(ctx, name: str, value=True, note: str = "") -> Premise:
    """``needs NAME: yes``: held when the case answered exactly that."""
    answer = ctx.answer(name)
    return Premise(f"needs {label(name)}: {'yes' if value else 'no'}{note}; {answer_text(answer)}", answer is value)


def _no_red_flag(ctx) -> Premise:
    """No red flag is present; where flags were never asked the premise says they were not screened."""
    if ctx.red_flags:
        return Premise(f"no red flag (present: {', '.join(ctx.red_flags)})", False)
    missing = ctx.case.missing("red_flags")
    if not missing:
        return Premise("no red flag (all screened, all absent)", True)
    if len(missing) == len(RED_FLAGS):
        return Premise("no red flag found, but the red flags were not screened", True)
    return Premise(f"no red flag found, but not screened: {', '.join(label(f) for f in missing)}", True)


def _screen_premises(ctx) -> list[Premise]:
    """Both screens complete: every red flag and every nerve-screen sign answered yes or no."""
    premises = []
    for group, title in (("red_flags", "the red-flag screen"), ("nerve", "the nerve screen")):
        missing = ctx.case.missing(group)
        premises.append(Premise(f"{title} is complete" + (f": not screened: {', '.join(label(f) for f in missing)}"
                                                          if missing else ""), not missing))
    return premises


def _primary_found(ctx) -> Premise:
    found = ctx.primary is not None
    return Premise("a primary muscle was found" + (f": {label(ctx.primary['muscle'])}" if found
                                                    else f" ({_no_primary_reason(ctx)})"), found)


class _Context:
    """What the run concluded, read once from the engine and its trace."""

    def __init__(self, engine, case):
        self.case, self.kb = case, engine.kb
        self.trace = list(engine.trace)
        self.hypotheses = {f["muscle"]: f for f in engine.facts_of(Hypothesis)}
        self.roots = {f["muscle"]: f["cf"] for f in engine.facts_of(Root)}
        self.inputs = ChainInputs.of(engine)
        self.structure = self.inputs.structure()
        self.decision = self.inputs.decision(self.structure)
        self.links = set(self.structure.links)
        self.secondary = [list(c.members) for c in self.decision.secondary]
        primary = engine.facts_of(Primary)
        self.primary = primary[0] if primary else None
        undecided = engine.facts_of(Undecided)
        self.undecided = tuple(undecided[0]["between"]) if undecided else ()
        self.red_flags = sorted(f["id"] for f in engine.facts_of(RedFlag))
        self.conditions = {f["id"] for f in engine.facts_of(Condition)}
        self.nerve = engine.facts_of(NerveInvolvement)
        triage = engine.facts_of(Triage)
        self.triage = triage[0]["level"] if triage else None
        self.votes = [(f["level"], f.get("reason", "")) for f in engine.facts_of(TriageVote)]
        self.evidence: dict[str, list[dict]] = {}
        for firing in self.trace:
            for fact in firing.declared:
                if fact["type"] == "Evidence":
                    self.evidence.setdefault(fact["muscle"], []).append({**fact, "step": firing.number})

    def cf(self, muscle: str) -> float:
        hypothesis = self.hypotheses.get(muscle)
        return hypothesis["cf"] if hypothesis else 0.0

    def supported(self, muscle: str) -> bool:
        hypothesis = self.hypotheses.get(muscle)
        return bool(hypothesis and hypothesis["supported"])

    def chains(self) -> list[tuple[float, float, str, list[str]]]:
        """(support, root cf, root, chain) per chain, best supported first (rules/chains.py)."""
        chains = [(c.support, c.root_cf, c.root, list(c.members)) for c in self.structure.chains]
        return sorted(chains, key=lambda c: (-c[0], -c[1], c[2]))

    def corroborated(self) -> set[str]:
        return corroborated([e for facts in self.evidence.values() for e in facts])

    def answer(self, finding: str):
        return self.case.findings.get(finding)

    def steps(self, rule: str, declared=None) -> list[int]:
        """Steps where ``rule`` fired (and, if given, declared a fact passing ``declared``)."""
        return [f.number for f in self.trace
                if f.rule == rule and (declared is None or any(declared(d) for d in f.declared))]


# ---- muscles ------------------------------------------------------------------------
def _support_text(ctx, muscle: str) -> str:
    return (f"the {label(muscle)} is supported (certainty {ctx.cf(muscle):.2f};"
            f" threshold {ctx.kb.settings.support_threshold:g})")


def _referral_check(ctx, muscle: str) -> Check:
    kb, settings = ctx.kb, ctx.kb.settings
    pain = frozenset(ctx.case.pain)
    fired = ctx.steps("REF-001", lambda d: d["type"] == "Evidence" and d["muscle"] == muscle)
    if not pain:
        return Check("REF-001", [Premise("a pain map is recorded", False)], False, fired)
    degree, best = kb.pattern_match(muscle, pain)
    pattern = best or kb.muscles[muscle].patterns[0]
    essential, spill = frozenset(pattern.essential), frozenset(pattern.spillover)
    hit_e, hit_s = sorted(pain & essential), sorted(pain & spill)
    missing = sorted(essential - pain)
    union = len(pain | essential)
    held = degree > settings.premise_threshold
    name = ("its referral pattern" if len(kb.muscles[muscle].patterns) == 1
            else f"its best pattern ({part_text(pattern.part)})")
    text = (f"the pain map matches {name}: essential zone {len(hit_e)} of {len(essential)} painful"
            + (f" ({', '.join(hit_e)})" if hit_e else "")
            + (f", not painful: {', '.join(missing)}" if missing else "")
            + (f"; spill-over painful: {', '.join(hit_s)} (half weight)" if hit_s else "")
            + f"; match = ({len(hit_e)} + {settings.spillover_weight:g}×{len(hit_s)}) / {union} = {degree:.2f}, "
            + ("above" if held else "not above") + f" the premise threshold {settings.premise_threshold:g}")
    effect = f"evidence {settings.referral_cf * degree:+.2f}" if held else ""
    return Check("REF-001", [Premise("a pain map is recorded", True), Premise(text, held)], held, fired, effect)


def _muscle_checks(ctx, muscle: str) -> list[Check]:
    kb, settings = ctx.kb, ctx.kb.settings
    checks = [_referral_check(ctx, muscle)]

    def evidence_for(d):
        return d["type"] == "Evidence" and d["muscle"] == muscle

    premises = [_finding(ctx, link.finding, link.value, f" ({link.cf:+.2f})") for link in kb.muscles[muscle].evidence]
    if not premises:
        premises.append(Premise(f"the knowledge base links no finding to the {label(muscle)}", False))
    checks.append(Check("REF-002", premises, any(p.held for p in premises), ctx.steps("REF-002", evidence_for)))

    palpated = ("reproduces the pain" if muscle in ctx.case.tender_points
                else "palpated, did not reproduce the pain" if muscle in ctx.case.non_tender
                else "not palpated")
    tender = muscle in ctx.case.tender_points
    checks.append(Check("REF-003", [Premise(f"palpating the {label(muscle)} reproduces the familiar pain: {palpated}",
                                            tender)], tender,
                        ctx.steps("REF-003", evidence_for),
                        f"evidence {settings.tender_point_cf:+.2f}"))
    non_tender = muscle in ctx.case.non_tender
    checks.append(Check("REF-004", [Premise(f"the {label(muscle)} was palpated without reproducing the pain: "
                                            + ("yes" if non_tender else palpated), non_tender)], non_tender,
                        ctx.steps("REF-004", evidence_for),
                        f"evidence {settings.non_tender_cf:+.2f} (against)"))

    evidence = ctx.evidence.get(muscle, [])
    cfs = ", ".join(f"{e['cf']:+.2f} {e['rule']} #{e['step']}" for e in evidence) or "no evidence"
    supported = ctx.supported(muscle)
    checks.append(Check("REF-005", [Premise(f"{label(muscle)} has evidence: {cfs}", bool(evidence)),
                                    Premise(f"the combined certainty reaches the support threshold "
                                            f"{settings.support_threshold:g} (it is {ctx.cf(muscle):.2f})", supported)],
                        supported,
                        ctx.steps("REF-005", lambda d: d["type"] == "Hypothesis" and d["muscle"] == muscle),
                        "supported" if supported else "not supported"))

    for edge in kb.keys_of(muscle) + kb.satellites_of(muscle):  # the muscle as satellite, then as key
        key_held, satellite_held = ctx.supported(edge.key), ctx.supported(edge.satellite)
        effect = (f"{label(muscle)} becomes a satellite of the {label(edge.key)}" if edge.satellite == muscle
                  else f"the {label(edge.satellite)} joins {possessive(muscle)} chain")
        part = ctx.inputs.parts.get(edge.satellite)
        applies = edge.part is None or part in (None, edge.part)
        clear = edge.key not in ctx.case.non_tender and edge.satellite not in ctx.case.non_tender
        fits = edge.satellite in ctx.inputs.fits
        checks.append(Check("SAT-001", [Premise(_support_text(ctx, edge.key), key_held),
                                        Premise(_support_text(ctx, edge.satellite), satellite_held),
                                        Premise("palpation has ruled out neither of them", clear),
                                        Premise(f"the {label(edge.satellite)}'s referral pattern matches the pain map",
                                                fits),
                                        Premise(_part_text(edge, part), applies)],
                            key_held and satellite_held and clear and fits and applies,
                            ctx.steps("SAT-001", lambda d, e=edge: d["type"] == "ChainLink"
                                      and (d["key"], d["satellite"]) == (e.key, e.satellite)),
                            effect, f"{label(edge.key)} → {label(edge.satellite)}"))

    not_ruled_out = muscle not in ctx.case.non_tender
    leading_keys = [k for k, sat in ctx.links if sat == muscle]
    key_premises = [Premise("no key muscle leads it (a key leads when confirmed or on evidence of its own):"
                            + (f" led by the {', '.join(label(k) for k in leading_keys)}" if leading_keys else " none does"),
                            not leading_keys)]
    if muscle in ctx.structure.held:
        key_premises.append(Premise("it leads a satellite on evidence of its own, or was confirmed by palpation:"
                                    " held back, palpate it", False))
    root = muscle in ctx.roots
    checks.append(Check("SAT-002", [Premise("a pain map is recorded", bool(ctx.case.pain)),
                                    Premise(_support_text(ctx, muscle), supported),
                                    Premise("palpation has not ruled it out", not_ruled_out)] + key_premises,
                        root, ctx.steps("SAT-002", lambda d: d["type"] == "Root" and d["muscle"] == muscle),
                        "a chain root"))

    checks.append(_primary_check(ctx, muscle))
    checks.append(Check("report", [Premise(f"the triage ({ctx.triage}) is one whose report names a chain "
                                           f"({', '.join(REPORTED_CHAIN)})", ctx.triage in REPORTED_CHAIN)],
                        ctx.triage in REPORTED_CHAIN))
    return checks


def _primary_check(ctx, muscle: str) -> Check:
    """SAT-003: the root of a contender chain (within the margin of the best), corroborated,
    named first by root certainty, then confirmation, then the knowledge base's order."""
    margin = ctx.kb.settings.decisive_margin
    premises = [_no_red_flag(ctx),
                Premise("a pain map is recorded", bool(ctx.case.pain)),
                Premise(f"palpation has not ruled out the {label(muscle)} (a muscle palpated without reproducing "
                        "the pain is never primary)",
                        muscle not in ctx.case.non_tender)]
    if muscle in ctx.structure.held:
        premises.append(Premise(f"the {label(muscle)} leads on evidence of its own: it was not palpated and what "
                                "supports it is shared with its satellite (an overlapping pain map, shared findings);"
                                " palpate it", False))
    chains = {c.root: c for c in ctx.structure.chains}
    mine = next((c for c in ctx.structure.chains if muscle in c.roots), None)
    premises.append(Premise(f"the {label(muscle)} heads a chain (SAT-002)", mine is not None))
    if mine is not None:
        valid = [c for c in chains.values() if c.fits]
        top = max((c.support for c in valid), default=0.0)
        premises.append(Premise("its chain fits the pain map (some member's referral pattern matches it, or a member "
                                "reproduces the pain)", mine.fits))
        premises.append(Premise("its chain has evidence besides the pain map (a tender point or a finding)",
                                mine.corroborated))
        confirmed = any(m in ctx.case.tender_points for m in mine.members)
        premises.append(Premise(
            f"its chain ({' → '.join(label(m) for m in mine.members)}, support {mine.support:.2f}, the certainty of "
            f"its best-supported muscle) is within {margin:g} of the best chain ({top:.2f}), or a member reproduces "
            "the pain (a confirmed source)", mine.fits and (top - mine.support < margin or confirmed)))
        primary = ctx.decision.primary
        if primary is not None and primary.root != muscle and mine in (primary, *ctx.decision.secondary):
            premises.append(Premise(f"it comes first among the active chains (root certainty, then confirmed, then "
                                    f"the knowledge base's order): the {label(primary.root)} ({primary.root_cf:.2f}) "
                                    f"comes first; this chain is a secondary chain", False))
        elif primary is not None and primary.members == mine.members and mine.roots[0] != muscle:
            premises.append(Premise(f"it is the first of the chain's leading keys: the {label(mine.roots[0])} is better "
                                    "supported", False))
    held = ctx.decision.primary is not None and ctx.decision.primary.root == muscle and not ctx.red_flags
    if ctx.undecided and muscle in ctx.undecided:
        premises.append(Premise("not left undecided (SAT-003 left it undecided between "
                                + ", ".join(label(m) for m in ctx.undecided) + ")", False))
    fired = ctx.steps("SAT-003", lambda d: d["type"] == "Primary" and d["muscle"] == muscle)
    return Check("SAT-003", premises, held, fired, "primary muscle")


def _muscle(ctx, muscle: str) -> WhyNot:
    checks = _muscle_checks(ctx, muscle)
    chain = list(ctx.primary["chain"]) if ctx.primary and ctx.triage in REPORTED_CHAIN else []
    primary = chain[0] if chain else None
    cf = ctx.cf(muscle)
    state = f"certainty {cf:.2f}, {'supported' if ctx.supported(muscle) else 'not supported'}"
    secondary = [c for c in ctx.secondary if ctx.triage in REPORTED_CHAIN]
    in_secondary = next((c for c in secondary if muscle in c), None)
    if muscle == primary:
        summary = [f"The {label(muscle)} IS the primary muscle ({state}); chain: "
                   + " → ".join(label(m) for m in chain) + "."]
    else:
        if muscle in chain and muscle in ctx.structure.chains[0].roots + tuple(
                r for c in ctx.structure.chains for r in c.roots):
            summary = [f"The {label(muscle)} is in the chain as a second leading key, after the {label(primary)}"
                       f" ({state})."]
        elif muscle in chain:
            keys = [k for k, s in ctx.links if s == muscle and k in chain]
            summary = [f"The {label(muscle)} is in the chain as a satellite of the "
                       + " and the ".join(label(k) for k in sorted(keys))
                       + f", not the primary ({state}): a satellite is never primary while its key leads."]
        elif in_secondary is not None:
            summary = [f"The {label(muscle)} is in a secondary chain ({' → '.join(label(m) for m in in_secondary)}),"
                       f" treated after the primary chain ({state})."]
        elif muscle in ctx.structure.held:
            summary = [f"The {label(muscle)} is a possible key muscle held back ({state}): what supports it is shared"
                       " with its satellite; palpate it: if it reproduces the pain, it leads."]
        else:
            summary = [f"The {label(muscle)} is neither the primary muscle nor in the chain ({state})."]
        if primary:
            summary.append(f"The primary muscle is the {label(primary)}; chain: "
                           + " → ".join(label(m) for m in chain) + ".")
        else:
            summary.append(f"No chain is reported: the triage is {ctx.triage}.")
        decisive = next((c for c in checks if c.rule in ("REF-005", "SAT-002", "SAT-003", "report") and not c.held),
                        None)
        if decisive is not None:
            failed = next((p for p in decisive.premises if not p.held), None)
            if failed is not None:
                summary.append(f"First premise that failed: {decisive.rule} — {failed.text}.")
    return WhyNot(muscle, "muscle", muscle == primary, summary, checks)


# ---- triage levels ----------------------------------------------------------------------
def _flag_check(ctx, rule: str, flags, level: str) -> Check:
    premises = [_finding(ctx, flag) for flag in flags]
    return Check(rule, premises, any(p.held for p in premises), ctx.steps(rule), f"triage vote {level}")


def _nerve_checks(ctx) -> list[Check]:
    objective = [_finding(ctx, sign) for sign in OBJECTIVE_NERVE_SIGNS]
    soft = [_finding(ctx, sign) for sign in SOFT_NERVE_SIGNS]
    present = sum(p.held for p in soft)
    soft.append(Premise(f"at least 2 of the 3 soft signs: {present} present", present >= 2))
    nerve = bool(ctx.nerve)
    return [
        Check("NRV-001", objective, any(p.held for p in objective), ctx.steps("NRV-001"), "nerve involvement"),
        Check("NRV-002", soft, present >= 2, ctx.steps("NRV-002"), "nerve involvement"),
        Check("SAF-003", [Premise("nerve involvement is likely (NRV-001 or NRV-002)", nerve), _no_red_flag(ctx)],
              nerve and not ctx.red_flags, ctx.steps("SAF-003"), "triage vote refer_nerve"),
    ]


def _no_primary_reason(ctx) -> str:
    if ctx.red_flags:
        return "SAT-003 does not run with a red flag"
    if not ctx.case.pain:
        return "no pain map is recorded"
    chains = ctx.chains()
    if not chains:
        supported = [m for m in MUSCLES if ctx.supported(m)]
        if not supported:
            best = max(MUSCLES, key=lambda m: (ctx.cf(m), m))
            return (f"no muscle reaches the support threshold {ctx.kb.settings.support_threshold:g}"
                    f" (best: {label(best)} {ctx.cf(best):.2f})")
        return "no chain root was found"
    support, _cf, best, _chain = chains[0]
    if best not in ctx.corroborated():
        return (f"the best chain's root, the {label(best)}, has no evidence besides its referral zone"
                " (no tender point or finding)")
    close = [c for c in chains[1:] if support - c[0] < ctx.kb.settings.decisive_margin]
    if close:
        return ("the chains are too close: " + ", ".join(f"{label(c[2])} {c[0]:.2f}" for c in chains[:len(close) + 1])
                + f" (margin {ctx.kb.settings.decisive_margin:g})")
    return "SAT-003 did not name a primary"


def _triage(ctx, level: str) -> WhyNot:
    checks: list[Check] = []
    if level == "emergency":
        checks.append(_flag_check(ctx, "SAF-001", CAUDA_EQUINA_FLAGS, level))
        cancer, deficit = _finding(ctx, "cancer_history"), [_finding(ctx, s) for s in NERVE_DEFICIT_SIGNS]
        checks.append(Check("SAF-007", [cancer, Premise("a sign of a neurological deficit: "
                                                        + "; ".join(p.text for p in deficit), any(p.held for p in deficit))],
                            cancer.held and any(p.held for p in deficit), ctx.steps("SAF-007"), f"triage vote {level}"))
        infection = [_finding(ctx, "fever"), _finding(ctx, "immunosuppression")]
        checks.append(Check("SAF-008", infection, all(p.held for p in infection), ctx.steps("SAF-008"),
                            f"triage vote {level}"))
    elif level == "urgent_referral":
        checks.append(_flag_check(ctx, "SAF-002", OTHER_RED_FLAGS, level))
    elif level == "refer_nerve":
        checks += _nerve_checks(ctx)
    elif level in ("treat", "screen_first"):
        screens = _screen_premises(ctx)
        complete = all(p.held for p in screens)
        screens_ok = complete if level == "treat" else not complete
        if level == "screen_first":
            screens = [Premise("a screen is incomplete: " + "; ".join(p.text for p in screens), not complete)]
        voted = (lambda d: d["type"] == "TriageVote" and d["level"] == level)
        base = [Premise("no nerve involvement", not ctx.nerve), _no_red_flag(ctx)]
        premises = [_primary_found(ctx)] + base + screens
        checks.append(Check("SAF-004", premises, all(p.held for p in premises[:3]) and screens_ok,
                            ctx.steps("SAF-004", voted), f"triage vote {level}"))
        local = [c for c in LOCAL_CONDITIONS if c in ctx.conditions]
        premises = [Premise("a local condition is concluded" + (f": {', '.join(label(c) for c in local)}" if local
                                                               else " (IT band or greater trochanteric pain syndrome)"),
                            bool(local)),
                    Premise("no primary muscle", ctx.primary is None)] + base + screens
        checks.append(Check("SAF-009", premises, all(p.held for p in premises[:4]) and screens_ok,
                            ctx.steps("SAF-009", voted), f"triage vote {level}"))
    else:
        earlier = [v for v in ctx.votes if v[0] != "insufficient_evidence"]
        checks.append(Check("SAF-005", [Premise(
            "no other rule asked for a triage level"
            + (": votes " + ", ".join(f"{lvl} ({why})" for lvl, why in earlier) if earlier else ""), not earlier)],
            not earlier, ctx.steps("SAF-005"), "triage vote insufficient_evidence"))
    votes = sorted({lvl for lvl, _ in ctx.votes}, key=urgency, reverse=True)
    checks.append(Check("SAF-006", [
        Premise(f"some rule asked for {level}", level in votes),
        Premise(f"nothing more urgent was asked for (votes, most urgent first: {', '.join(votes) or 'none'})",
                bool(votes) and votes[0] == level),
    ], ctx.triage == level, ctx.steps("SAF-006", lambda d: d["type"] == "Triage" and d["level"] == level),
        f"triage {level}", elsewhere=ctx.steps("SAF-006", lambda d: d["type"] == "Triage" and d["level"] != level)))
    summary = [f"The triage IS {level}." if ctx.triage == level
               else f"The triage is {ctx.triage}, not {level}."]
    if ctx.triage != level and ctx.triage is not None and level in votes:
        summary.append(f"{level} was asked for, but {ctx.triage} is more urgent and a more urgent level always wins.")
    return WhyNot(level, "triage", ctx.triage == level, summary, checks)


# ---- conditions ---------------------------------------------------------------------------
def _condition(ctx, condition: str) -> WhyNot:
    pain = set(ctx.case.pain)
    checks: list[Check] = []

    def check(rule, premises, effect, declared=None):
        declared = declared or (lambda d: d["type"] == "Condition" and d["id"] == condition)
        checks.append(Check(rule, premises, all(p.held for p in premises), ctx.steps(rule, declared), effect))

    if condition == "cauda_equina_suspected":
        cauda = [f for f in ctx.red_flags if f in CAUDA_EQUINA_FLAGS]
        check("CON-001", [Premise("a cauda equina red flag is present"
                                  + (f": {', '.join(cauda)}" if cauda else f" (none of {', '.join(CAUDA_EQUINA_FLAGS)})"),
                                  bool(cauda))], condition)
    elif condition == "radiculopathy_suspected":
        checks += _nerve_checks(ctx)[:2]
        check("CON-002", [Premise("nerve involvement is likely (NRV-001 or NRV-002)", bool(ctx.nerve)),
                          _no_red_flag(ctx)], condition)
    elif condition == "iliotibial_band_syndrome":
        check("CON-003", [Premise("lateral_knee is in the pain map", "lateral_knee" in pain),
                          _finding(ctx, "lateral_epicondyle_tender"), _finding(ctx, "pain_with_running")],
              condition + " (cf 0.7)")
        alignment = [_finding(ctx, "genu_varum"), _finding(ctx, "foot_hyperpronation")]
        core = any(c.held for c in checks)
        check("CON-004", [Premise("IT band syndrome is concluded (CON-003)", core),
                          Premise("genu varum or foot hyperpronation: "
                                  + "; ".join(p.text for p in alignment), any(p.held for p in alignment))],
              "certainty +0.2 per factor", declared=lambda d: d["type"] == "Condition" and d.get("basis") != "core")
    elif condition == "piriformis_nerve_entrapment_possible":
        electric = _finding(ctx, "shooting_electric_pain")
        check("CON-005", [Premise(_support_text(ctx, "piriformis"), ctx.supported("piriformis")),
                          Premise(f"shooting/electric pain or pain reaching the sole: {electric.text}; sole "
                                  + ("painful" if "sole" in pain else "not painful"), electric.held or "sole" in pain)],
              condition)
    elif condition == "greater_trochanteric_pain_syndrome":
        load = [_finding(ctx, "pain_lying_on_side"), _finding(ctx, "pain_single_leg_stance")]
        check("CON-007", [_finding(ctx, "greater_trochanter_tender"),
                          Premise("pain lying on that side or standing 30 s on that leg: "
                                  + "; ".join(p.text for p in load), any(p.held for p in load)),
                          _no_red_flag(ctx)], condition)
    else:  # myofascial_pseudo_sciatica
        leg = sorted(LEG_REGIONS & pain)
        missing = ctx.case.missing("nerve")
        positive = [s for s in NERVE_SCREEN if ctx.answer(s) is True]
        screen = ("the nerve screen is complete and negative"
                  + (f": not examined: {', '.join(label(s) for s in missing)}" if missing
                     else f": present: {', '.join(label(s) for s in positive)}" if positive else ""))
        check("CON-006", [_primary_found(ctx),
                          Premise("no nerve involvement", not ctx.nerve),
                          Premise("the pain reaches the leg" + (f": {', '.join(leg)}" if leg else " (no leg region)"),
                                  bool(leg)),
                          Premise(screen, not missing and not positive),
                          Premise("the pain is not shooting or electric: "
                                  + answer_text(ctx.answer("shooting_electric_pain")),
                                  ctx.answer("shooting_electric_pain") is not True)], condition)
    concluded = any(c.held for c in checks if c.rule.startswith("CON"))
    summary = [f"The condition {label(condition)} IS concluded." if concluded
               else f"The condition {label(condition)} is not concluded."]
    return WhyNot(condition, "condition", concluded, summary, checks)


def why_not(engine, case, target: str) -> WhyNot:
    """Explain why ``target`` was (not) concluded in the engine's last run on ``case``."""
    kind, identifier = resolve_target(target)
    ctx = _Context(engine, case)
    if kind == "muscle":
        return _muscle(ctx, identifier)
    if kind == "triage":
        return _triage(ctx, identifier)
    return _condition(ctx, identifier)


def _part_text(edge, part) -> str:
    """Whether a satellite link applies to the part of the satellite that the pain map matches."""
    if edge.part is None:
        return f"the link applies to every part of the {label(edge.satellite)}"
    matched = f"its {part_text(part)}" if part else "none of its parts"
    return (f"the link concerns the {part_text(edge.part)} of the {label(edge.satellite)}; "
            f"the pain map matches {matched}")


def fired_text(check: Check) -> str:
    """Where a rule fired: for this conclusion, or (a rule that concludes one of several things) for another."""
    if not check.fired and check.elsewhere:
        return f"fired at #{', #'.join(map(str, check.elsewhere))} with another conclusion, not this one"
    if not check.fired:
        return "did not fire" if check.rule != "report" else ""
    where = f"fired at #{', #'.join(map(str, check.fired))}"
    return where if check.held else where + ", but did not conclude this"


def rule_statements() -> dict[str, str]:
    """Each check's rule id (and ``report``) -> the statement shown under it."""
    statements = {meta.id: meta.statement for meta in rule_catalogue()}
    statements["report"] = REPORT_STATEMENT
    return statements


def why_not_lines(result: WhyNot) -> list[str]:
    statements = rule_statements()
    lines = [f"Why not {label(result.target)}?"]
    for line in result.summary:
        lines += wrap(humanize(line), "  ", "  ")
    lines += ["", "Rules that could have concluded it (✓ premise holds, ✗ premise failed):"]
    for check in result.checks:
        effect = f" → {check.effect}" if check.effect and check.held else ""
        subject = f" [{check.subject}]" if check.subject else ""
        head = humanize(f"{'✓' if check.held else '✗'} {check.rule}{subject}  {fired_text(check)}{effect}")
        lines.append("")
        lines += wrap(head, "", "    ")
        lines += wrap(statements.get(check.rule, ""), "    ", "    ")
        for premise in check.premises:
            lines += wrap(humanize(premise.text), f"    {'✓' if premise.held else '✗'} ", "        ")
    return lines


REPORT_STATEMENT = ("The report names a chain only when the triage is treat, screen first (as the working "
                    "hypothesis) or refer (nerve).")
