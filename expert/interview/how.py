"""``how``: how the interview's conclusion was reached, stage by stage, in clinical sentences.

Each reasoning stage (safety, nerve, referral, satellites, conditions, myths, protocol) gets
the sentences a clinician would say about it, the short references of the rules that fired in
it (each once) and the firings themselves, for a closer look at one rule. A safety-stage vote
to treat or to ask more is cited under the trigger-point stages it rests on, not under safety.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from myotrace.facts.vocabulary import FINDINGS, OBJECTIVE_NERVE_SIGNS, RED_FLAGS, SOFT_NERVE_SIGNS, label


@dataclass
class StageSummary:
    """One reasoning stage of ``how``: clinical sentences, the references behind them,
    and the rule firings (for ``how RULE-ID``)."""

    stage: str
    firings: list = field(default_factory=list)   # expert.trace.Firing
    sentences: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


def references(source: str) -> list[str]:
    """A rule's ``source`` as short citations a clinician can look up, each once."""
    from myotrace.expert.present.references import short_citations

    return short_citations(source)


def _about_safety(firing) -> bool:
    """A safety-stage firing that says something about safety: not a vote to treat or to ask more
    (those rest on the myofascial reasoning, whose sources belong under its stages)."""
    from myotrace.facts.types import TriageVote

    votes = [f for f in firing.declared_facts if type(f) is TriageVote]
    return not votes or any(v["level"] not in ("treat", "insufficient_evidence") for v in votes)


def how_it_was_reached(interview) -> list[StageSummary]:
    """How the conclusion was reached, stage by stage: clinical sentences, the references
    of the rules that fired, and the firings themselves (for a closer look)."""
    from myotrace.rules.meta import STAGES

    groups = {stage: StageSummary(stage) for stage in STAGES if stage != "questions"}
    for firing in interview.trace:
        if firing.stage in groups:
            groups[firing.stage].firings.append(firing)
    for group in groups.values():
        group.sentences = list(_sentences(interview, group.stage))
        for firing in group.firings:
            if group.stage == "safety" and not _about_safety(firing):
                continue  # a treat vote rests on the trigger-point reasoning, cited under its own stages
            group.references += [r for r in references(firing.source) if r not in group.references]
    return [g for g in groups.values() if g.firings or g.sentences]

def _sentences(interview, stage: str):
    report, case = interview.report, interview.case
    flags = [f for f in RED_FLAGS if case.findings.get(f) in (True, False)]
    if stage == "safety":
        if report.red_flags:
            level = "an emergency" if report.triage == "emergency" else \
                "an urgent referral to exclude serious pathology"
            yield (f"Red flag present ({', '.join(label(f) for f in report.red_flags)}): this makes the case "
                   f"{level}; no later finding can lower it.")
        else:
            yield f"Red-flag screen: {len(flags)} of {len(RED_FLAGS)} flags answered, none present."
        if interview.unscreened_red_flags and not report.red_flags:
            yield ("Not screened (not asked or not known): "
                   + ", ".join(label(f) for f in interview.unscreened_red_flags) + "; screen them before treating.")
    elif stage == "nerve":
        if report.triage == "refer_nerve":
            signs = [label(f) for f in FINDINGS if case.findings.get(f) is True and f in OBJECTIVE_NERVE_SIGNS + SOFT_NERVE_SIGNS]
            yield (f"Nerve-root involvement is likely ({', '.join(signs)}): one objective sign or two soft "
                   "signs are enough to refer before treating trigger points.")
        elif not report.red_flags and report.unscreened_nerve_signs:
            yield ("Nerve screen not complete (not examined or not known: "
                   + ", ".join(label(f) for f in report.unscreened_nerve_signs)
                   + "): a sign never examined is not a negative one; examine them before treating.")
        elif not report.red_flags:
            yield ("No objective nerve sign (reduced reflex, myotomal weakness, crossed straight-leg raise) "
                   "and fewer than two soft signs: no referral for nerve-root involvement.")
    elif stage == "referral" and not report.red_flags:
        if not case.pain:
            yield "No pain map: without it the pain cannot be traced to a muscle."
        for candidate in report.candidates[:4]:
            if candidate.certainty <= 0 and not candidate.against:
                continue
            reasons = [re.sub(r" \([+-]\d\.\d\d\)$", "", line) for line in candidate.for_ + candidate.against]
            state = "supported" if candidate.supported else "not supported"
            yield (f"{label(candidate.muscle).capitalize()} ({state}, certainty {candidate.certainty:.2f}): "
                   + "; ".join(reasons[:4]) + ".")
    elif stage == "satellites":
        if report.chain:
            first, *rest = report.chain
            text = f"The {label(first)} leads: it is the root of the best-supported chain"
            if rest:
                text += (f"; {', '.join(label(m) for m in rest)} follow{'s' if len(rest) == 1 else ''} as "
                         "satellite trigger points, treated after it")
            yield text + "."
            for chain in report.secondary_chains:
                yield "Another active chain, treated after it: " + " → ".join(label(m) for m in chain) + "."
        elif report.triage == "insufficient_evidence" and case.pain:
            yield ("No muscle is both supported and corroborated beyond the pain map (by palpation or a "
                   "finding), or two chains are too close to call: not enough to go on.")
    elif stage == "conditions":
        for condition in report.conditions:
            yield f"Clinical picture: {label(condition)}."
    elif stage == "myths":
        yield from report.corrections
    elif stage == "protocol" and report.protocol.steps:
        yield (f"Treatment follows the chain, primary first ({len(report.protocol.steps)} steps): "
               + report.protocol.steps[0].rstrip(".") + ", and so on down the chain.")

# ---- counts -------------------------------------------------------------
