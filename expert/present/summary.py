"""The case as given, as a clinician's case summary, stated before the conclusion.

One builder (``case_summary``) gives (heading, sentence) pairs; the HTML, text
and markdown reports each lay them out. Nothing here interprets the case: it
restates the side, the pain map, the findings present, absent and unknown, the
palpation, and the history when the case file has one.
"""
from __future__ import annotations

from myotrace.expert.present import safe
from myotrace.facts.vocabulary import EXAMINATION, HISTORY, REGIONS, RED_FLAGS, label


def _series(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(text: str) -> str:
    """Capitalise the first letter only: free text (what makes it worse) stays as typed."""
    return text[:1].upper() + text[1:]


def _side_words(side: str | None) -> str:
    return {"left": "Left-sided pain", "right": "Right-sided pain", "both": "Pain on both sides"}.get(
        side or "", "Pain (side not recorded)")


def _history(case) -> str:
    history = case.model_dump().get("history") if hasattr(case, "model_dump") else None
    if not history:
        return ""
    parts = []
    if history.get("age") is not None:
        parts.append(f"aged {history['age']}")
    if history.get("onset"):
        parts.append(f"{history['onset']} onset")
    if history.get("duration_weeks") is not None:
        weeks = history["duration_weeks"]
        parts.append(f"for {weeks} week{'s' if weeks != 1 else ''}")
    if history.get("pain_intensity") is not None:
        parts.append(f"worst pain {history['pain_intensity']}/10 in the last week")
    if history.get("aggravating"):
        parts.append(f"aggravated by {history['aggravating']}")
    known = {"age", "onset", "duration_weeks", "pain_intensity", "aggravating"}
    parts += [f"{label(key)}: {value}" for key, value in history.items() if key not in known and value not in (None, "")]
    return _sentence("; ".join(parts)) + "." if parts else ""


def case_summary(case) -> list[tuple[str, str]]:
    """The case file in sentences: [(heading, sentence)], in the order a clinician presents a case."""
    lines = []
    regions = [label(r) for r in REGIONS if r in case.pain]
    if regions:
        lines.append(("Presentation", f"{_side_words(case.side)} in the {_series(regions)}."))
    else:
        lines.append(("Presentation", f"{_side_words(case.side)}; no pain map recorded."))
    history = _history(case)
    if history:
        lines.append(("History", history))
    for heading, ids in (("Symptoms", HISTORY), ("Examination", EXAMINATION)):
        answered = {f: case.findings[f] for f in ids if f in case.findings}
        parts = []
        for value, word in ((True, "present"), (False, "absent"), ("unknown", "unknown")):
            chosen = [label(f) for f, v in answered.items() if v == value]
            if chosen:
                parts.append(f"{word}: {_series(chosen)}")
        if parts:
            lines.append((heading, _sentence("; ".join(parts)) + "."))
    flags = {f: case.findings[f] for f in RED_FLAGS if f in case.findings}
    present = [label(f) for f, v in flags.items() if v is True]
    absent = [label(f) for f, v in flags.items() if v is False]
    unasked = [label(f) for f in RED_FLAGS if flags.get(f) not in (True, False)]
    parts = []
    if present:
        parts.append(f"present: {_series(present)}")
    if absent:
        parts.append(f"denied: {'all' if len(absent) == len(RED_FLAGS) else _series(absent)}")
    if unasked:
        parts.append("not asked or unknown: " + (_series(unasked) if len(unasked) < len(RED_FLAGS) else "all"))
    lines.append(("Red flags", _sentence("; ".join(parts)) + "."))
    palpation = [f"{label(m)} tender, reproducing the familiar pain" for m in case.tender_points]
    palpation += [f"{label(m)} not tender" for m in case.non_tender]
    lines.append(("Palpation", _sentence("; ".join(palpation) + ".") if palpation else "Not done."))
    return lines


def with_notes(case) -> list[tuple[str, str]]:
    """The case summary and, last, the free-text notes as typed (the text and markdown reports;
    the HTML report shows the notes in a box of their own)."""
    notes = getattr(case, "notes", None)
    return case_summary(case) + ([("Notes", notes)] if notes else [])


def summary_text_lines(case) -> list[str]:
    """For the terminal: ``Heading: sentence`` lines."""
    return [f"{heading}: {sentence}" for heading, sentence in with_notes(case)]


def summary_markdown(case) -> list[str]:
    out = ["## Case as given", ""]
    out += [f"- **{heading}:** {safe.markdown(sentence)}" for heading, sentence in with_notes(case)]
    return out + [""]
