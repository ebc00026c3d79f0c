"""Text helpers shared by every view: ids as typed, answers as written, facts in words, wrapping."""
from __future__ import annotations

import re
import textwrap

from myotrace.expert.trace import fact_text
from myotrace.facts.vocabulary import CONDITIONS, FINDINGS, MUSCLES, REGIONS, TRIAGE_LEVELS, label

WIDTH = 80


def user_key(text: str) -> str:
    """An id as a user may type it (``Gluteus-Minimus``) in the form ids take (``gluteus_minimus``)."""
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def value_text(value) -> str:
    """A finding's answer as the case file writes it: true, false, unknown."""
    return {True: "true", False: "false"}.get(value, str(value))


def answer_text(value) -> str:
    """A finding's answer in words: yes, no, not known."""
    return {True: "yes", False: "no"}.get(value, "not known")


def _names(ids) -> str:
    return ", ".join(label(i) for i in ids)


def _item_text(item: str) -> str:
    """A question item in words: ``palpate:gluteus_minimus`` -> ``palpate the gluteus minimus``."""
    if item.startswith("palpate:"):
        return f"palpate the {label(item.split(':', 1)[1])}"
    return label(item)


def fact_brief(fact: dict) -> str:
    """One short line for a fact dict, in words a clinician reads: labels, never ids or field dumps."""
    kind = fact["type"]
    get = fact.get
    if kind == "Finding":
        return f"{label(fact['id'])}: {answer_text(fact['value'])}"
    if kind == "PainMap":
        return "pain map: " + _names(fact["regions"])
    if kind == "Palpation":
        return (f"palpating the {label(fact['muscle'])} "
                + ("reproduces the pain" if fact["reproduces"] else "does not reproduce the pain"))
    if kind == "Screen":
        group = "red-flag screen" if fact["group"] == "red_flags" else "nerve screen"
        if not fact["complete"]:
            return f"{group}: incomplete, not yet answered: " + _names(fact["missing"])
        return f"{group}: complete, " + ("all absent" if fact["negative"] else "something present")
    if kind == "SatelliteEdge":
        return f"satellite link in the knowledge base: {label(fact['key'])} → {label(fact['satellite'])}"
    if kind == "FindingLink":
        return f"the knowledge base weighs {label(fact['finding'])}: {answer_text(fact['value'])} for or against a muscle"
    if kind == "Unpalpable":
        return f"palpating the {label(fact['muscle'])}: not possible or not conclusive"
    if kind == "Evidence":
        why = get("label") or get("reason") or ""
        side = "for" if fact["cf"] >= 0 else "against"
        return f"evidence {side} the {label(fact['muscle'])} {fact['cf']:+.2f}" + (f" ({why})" if why else "")
    if kind == "Hypothesis":
        return (f"{label(fact['muscle'])}: certainty {fact['cf']:.2f}, "
                + ("supported" if fact["supported"] else "not supported"))
    if kind == "ChainLink":
        return f"chain link {label(fact['key'])} → {label(fact['satellite'])} (certainty {fact['cf']:.2f})"
    if kind == "Root":
        return f"chain root {label(fact['muscle'])} (certainty {fact['cf']:.2f})"
    if kind == "Primary":
        return (f"primary muscle {label(fact['muscle'])} (certainty {fact['cf']:.2f}), chain "
                + " → ".join(label(m) for m in fact["chain"]))
    if kind == "Undecided":
        return "undecided between " + _names(fact["between"])
    if kind == "RedFlag":
        return f"red flag: {label(fact['id'])} ({label(get('pathway', ''))})"
    if kind == "NerveInvolvement":
        return "nerve-root involvement likely (" + _names(fact["signs"]) + ")"
    if kind == "Condition":
        return f"condition: {label(fact['id'])} (certainty {fact['cf']:.2f})"
    if kind == "TriageVote":
        return f"triage vote: {label(fact['level'])}" + (f" ({label(get('reason'))})" if get("reason") else "")
    if kind == "Triage":
        return f"triage: {label(fact['level'])}"
    if kind == "Correction":
        return f"myth corrected: {label(fact['id'])}"
    if kind == "Advice":
        return f"{label(fact['kind'])}: {fact['text']}"
    if kind == "Factor":
        return f"perpetuating factor, {label(fact['finding'])}: {fact['text']}"
    if kind == "Question":
        return f"open question: {_item_text(fact['item'])} (priority {fact['priority']:g})"
    if kind == "HeldKey":
        return (f"key muscle held back: the {label(fact['muscle'])} (certainty {fact['cf']:.2f}) rests on evidence "
                "it shares with its satellite; palpate it before it may lead")
    if kind == "ChainsFormed":
        count = fact.get("valid", 0)
        text = f"chains formed: {count} fit{'s' if count == 1 else ''} the pain map"
        return text + ("; every muscle that fits was ruled out by palpation" if fact.get("outside") else "")
    if kind == "Secondary":
        return (f"secondary chain {fact['rank']}: " + " → ".join(label(m) for m in fact["chain"]))
    if kind == "OutsideCoverage":
        fitting = fact.get("fitting") or ()
        return ("outside the knowledge base: " + (f"{_names(fitting)} fit the pain map but were palpated non-tender"
                                                 if fitting else "no muscle fits the pain map"))
    return fact_text(fact)


PLURAL_NAMES = ("hamstrings",)  # muscle groups named in the plural


def possessive(muscle: str) -> str:
    """``the hamstrings'``, ``the gluteus minimus's``: a muscle id as an English possessive."""
    name = label(muscle)
    return f"the {name}'" if name in PLURAL_NAMES else f"the {name}'s"


def bibliography_lines(entries) -> list[str]:
    """Numbered full references; an address longer than a line continues on the next one."""
    lines = []
    for number, _key, text in entries:
        head = f"  [{number}] "
        lines += textwrap.wrap(text, WIDTH, initial_indent=head, subsequent_indent=" " * len(head),
                               break_long_words=True, break_on_hyphens=False)
    return lines


def wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


_IDS = frozenset(REGIONS + MUSCLES + FINDINGS + TRIAGE_LEVELS + CONDITIONS)
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def humanize(text: str) -> str:
    """Every vocabulary id in a sentence as words (``lateral_knee`` -> ``lateral knee``); other text unchanged."""
    return _SNAKE.sub(lambda m: label(m.group()) if m.group() in _IDS else m.group(), text)
