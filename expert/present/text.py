"""Text helpers shared by every view: ids as typed, answers as written, facts in words, wrapping."""
from __future__ import annotations

import textwrap

from myotrace.expert.trace import fact_text
from myotrace.facts.vocabulary import label

WIDTH = 80


def user_key(text: str) -> str:
    """An id as a user may type it (``Gluteus-Minimus``) in the form ids take (``gluteus_minimus``)."""
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def value_text(value) -> str:
    """A finding's answer as the case file writes it: true, false, unknown."""
    return {True: "true", False: "false"}.get(value, str(value))


def fact_brief(fact: dict) -> str:
    """One short line for a fact dict, in words a clinician reads."""
    kind = fact["type"]
    get = fact.get
    if kind == "Finding":
        return f"finding {fact['id']} = {value_text(fact['value'])}"
    if kind == "PainMap":
        return "pain map: " + ", ".join(fact["regions"])
    if kind == "Palpation":
        return (f"palpation {fact['muscle']}: "
                + ("reproduces the pain" if fact["reproduces"] else "does not reproduce the pain"))
    if kind == "SatelliteEdge":
        return f"satellite edge {fact['key']} → {fact['satellite']}"
    if kind == "Evidence":
        why = get("label") or get("reason") or ""
        return f"evidence {fact['muscle']} {fact['cf']:+.2f}" + (f" ({why})" if why else "")
    if kind == "Hypothesis":
        return (f"hypothesis {fact['muscle']} cf {fact['cf']:.2f}, "
                + ("supported" if fact["supported"] else "not supported"))
    if kind == "ChainLink":
        return f"chain link {fact['key']} → {fact['satellite']} (cf {fact['cf']:.2f})"
    if kind == "Root":
        return f"chain root {fact['muscle']} (cf {fact['cf']:.2f})"
    if kind == "Primary":
        return f"primary {fact['muscle']} (cf {fact['cf']:.2f}), chain " + " → ".join(fact["chain"])
    if kind == "Undecided":
        return "undecided between " + ", ".join(fact["between"])
    if kind == "RedFlag":
        return f"red flag {fact['id']} ({label(get('pathway', ''))})"
    if kind == "NerveInvolvement":
        return "nerve involvement (" + ", ".join(fact["signs"]) + ")"
    if kind == "Condition":
        return f"condition {fact['id']} (cf {fact['cf']:.2f})"
    if kind == "TriageVote":
        return f"triage vote {fact['level']}" + (f" ({get('reason')})" if get("reason") else "")
    if kind == "Triage":
        return f"triage {fact['level']}"
    if kind == "Correction":
        return f"myth corrected: {label(fact['id'])}"
    if kind == "Advice":
        return f"{label(fact['kind'])}: {fact['text']}"
    if kind == "Factor":
        return f"perpetuating factor {fact['finding']}: {fact['text']}"
    if kind == "Question":
        return f"question {fact['item']} (priority {fact['priority']:g})"
    return fact_text(fact)


PLURAL_NAMES = ("hamstrings",)  # muscle groups named in the plural


def possessive(muscle: str) -> str:
    """``the hamstrings'``, ``the gluteus minimus's``: a muscle id as an English possessive."""
    name = label(muscle)
    return f"the {name}'" if name in PLURAL_NAMES else f"the {name}'s"


def wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
