"""Practice hints (``hint`` in ``myotrace practice`` and the teaching room's practice page), after GUIDON.

Graded, from the rules: first where the case stands and the stage that decides the answer, then
what to weigh (for the triage the deciding finding; for the primary and the chain the examination
and the findings answered, never the answer's own evidence or a muscle's name). Each hint costs
part of the point of the answer it helps with.
"""
from __future__ import annotations

from myotrace.expert.present.text import fact_brief
from myotrace.facts.types import ChainLink, Finding, Palpation, Primary, TriageVote
from myotrace.facts.vocabulary import OBJECTIVE_NERVE_SIGNS, RED_FLAGS, SOFT_NERVE_SIGNS, label

HINT_COST = 0.25   # judgement: a hint is worth a quarter of the answer it helps with
STAGE_WORDS = {
    "safety": "the red-flag screen (safety stage)",
    "nerve": "the nerve-root signs (nerve stage)",
    "referral": "how the pain map, the findings and palpation weigh each muscle (referral stage)",
    "satellites": "key muscles and their satellites (satellites stage)",
    "conditions": "the named clinical pictures (conditions stage)",
    "myths": "the myths the findings call for correcting (myths stage)",
    "protocol": "the protocol (protocol stage)",
    "questions": "what is still unknown (questions stage)",
}


def _deciding_firing(engine, item: str, report):
    if item == "triage":
        return first_firing(engine, None, lambda d: d["type"] == TriageVote.__name__ and d["level"] == report.triage)
    return first_firing(engine, None, lambda d: d["type"] == Primary.__name__)


def hints(item: str, engine, report) -> list[str]:
    """Graded hints for one answer, from the rules: first the stage that decides it, then what to weigh
    (for the primary and the chain: the examination and the findings answered, never the answer's own
    evidence or a muscle's name)."""
    if item == "triage":
        firing = _deciding_firing(engine, "triage", report)
        matched = firing.matched if firing else []
        findings = [m for m in matched if m["type"] == "Finding"]
        nerve = [m for m in matched if m["type"] == "NerveInvolvement"]
        if findings:
            evidence = "look at " + "; ".join(fact_brief(m) for m in findings)
        elif nerve:
            evidence = "look at the nerve signs: " + ", ".join(label(sign) for sign in nerve[0]["signs"])
        elif any(m["type"] in ("Primary", "Condition") for m in matched):
            evidence = ("no red flag and no nerve involvement was found (screens: " + report.screens_text + "), and "
                        + ("one muscle's chain is supported and corroborated beyond the pain map"
                           if report.chain else "a local condition is concluded")
                        + ("; an incomplete screen is not a negative one" if not report.screens_complete else ""))
        else:
            evidence = "nothing decides it yet: which questions are still open?"
        settled = ("a red flag" if findings else "the nerve-root signs" if nerve
                   else "the muscles, once no red flag or nerve sign stands in the way"
                   if any(m["type"] == "Primary" for m in matched) else "what is still unknown")
        return [f"Hint 1: {_screen_state(engine, report)} Here the triage is settled by {settled}.",
                f"Hint 2: {evidence}."]
    if report.primary_muscle is None:
        return ["Hint 1: settle the triage first: not every triage names a primary muscle or a chain.",
                "Hint 2: a primary muscle and a chain are named only when the triage is treat, screen first "
                "(as the working hypothesis) or refer (nerve)."]
    firing = _deciding_firing(engine, "primary", report)
    stage = firing.stage if firing else "satellites"
    if item == "primary":
        supported = [c for c in report.candidates if c.supported]
        tender = [c for c in supported if c.muscle in _tender(engine)]
        return [f"Hint 1: {len(supported)} muscle{'s reach' if len(supported) != 1 else ' reaches'} the support "
                f"threshold, {len(tender)} of them confirmed by palpation. The primary muscle comes from "
                f"{STAGE_WORDS[stage]}: the root of the best-supported chain, a key muscle before its satellites.",
                "Hint 2: weigh each supported muscle on what was examined: which palpation reproduced the familiar "
                "pain, how much of its referral zone the pain map covers"
                + _findings_to_weigh(engine, {c.muscle for c in supported}) + "."]
    links = len(engine.facts_of(ChainLink))
    rest = len(report.chain) - 1
    return [f"Hint 1: the rules linked {links} key–satellite pair{'s' if links != 1 else ''} in this case. The chain "
            f"comes from {STAGE_WORDS['satellites']}: a satellite lies in its key muscle's referral zone, and the key "
            "is treated first.",
            f"Hint 2: the chain has {len(report.chain)} muscle{'s' if len(report.chain) != 1 else ''}"
            + (f"; look for {'the muscle' if rest == 1 else f'the {rest} muscles'} in the primary's referral zone that "
               "palpation or a finding supports" + _findings_to_weigh(engine, set(report.chain[1:])) + "."
               if rest else "; the primary alone.")]


def _findings_to_weigh(engine, muscles: set[str]) -> str:
    """The findings answered yes or no that weigh on any of ``muscles``, as '; and the findings that bear
    on them here: …', without saying which muscle each one speaks for (that is the student's to work out)."""
    answered = []
    for firing in engine.trace:
        if not any(f["type"] == "Evidence" and f["muscle"] in muscles for f in firing.declared):
            continue
        for fact in firing.matched:
            if fact["type"] == "Finding" and isinstance(fact["value"], bool):
                text = fact_brief(fact)
                if text not in answered:
                    answered.append(text)
    return "; and the findings that bear on them here: " + ", ".join(answered) if answered else ""


ITEMS = ("triage", "primary", "chain")  # what the student answers, in the order asked


def case_hints(engine, report) -> list[tuple[str, str]]:
    """Every hint of a case, as ``hint`` gives them one by one: (answer it helps with, hint)."""
    return [(item, hint) for item in ITEMS for hint in hints(item, engine, report)]


def hint_charge(points: float, hints_used: int) -> float:
    """What the hints for one answer cost: HINT_COST each, never more than that answer earned, so a
    hint never takes away a point earned on another answer."""
    return min(points, hints_used * HINT_COST)


def _tender(engine) -> set[str]:
    return {f["muscle"] for f in engine.facts_of(Palpation) if f["reproduces"]}


def _screen_state(engine, report) -> str:
    """Where the case stands on the screens, without the verdict: how many red flags and nerve signs
    were asked and how many are present."""
    answered = {f["id"]: f["value"] for f in engine.facts_of(Finding)}
    flags = [f for f in RED_FLAGS if isinstance(answered.get(f), bool)]
    nerve = [f for f in OBJECTIVE_NERVE_SIGNS + SOFT_NERVE_SIGNS if isinstance(answered.get(f), bool)]
    return (f"Red flags: {len(flags)} of {len(RED_FLAGS)} asked, {sum(answered[f] for f in flags)} present; "
            f"nerve signs: {len(nerve)} of {len(OBJECTIVE_NERVE_SIGNS + SOFT_NERVE_SIGNS)} examined, "
            f"{sum(answered[f] for f in nerve)} present.")


def first_firing(engine, rule, predicate=lambda d: True):
    """The first firing of ``rule`` (any rule when None) that declared a fact matching ``predicate``."""
    return next((f for f in engine.trace if rule in (None, f.rule) and any(predicate(d) for d in f.declared)), None)

