"""What is typed at the interview's prompts, read into answers (and the inverse, ``keys_for``).

Every parser raises ``ValueError`` with one line saying what was wrong and what to type;
a bad answer is never echoed longer than ``ECHO_LIMIT`` characters.
"""
from __future__ import annotations

import re

from myotrace.expert.errors import did_you_mean
from myotrace.expert.interview.session import CHECKLIST_KINDS, Prompt
from myotrace.facts.vocabulary import REGIONS

YES = {"y", "yes", "true", "t", "+"}
NO = {"n", "no", "false", "f", "-"}
UNKNOWN = {"u", "unknown", "unk", "dk", "don't know", "dont know", "not known", "?u"}
NONE_PRESENT = {"none"}  # only an explicit word clears the red-flag screen: never 0, n or no
ECHO_LIMIT = 60           # never echo more of a bad answer than this


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """At most ``limit`` characters of what was typed, for messages."""
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def parse_answer(prompt: Prompt, line: str):
    """An answer to ``prompt``: a checklist, the pain map or yes / no / unknown."""
    if prompt.kind in CHECKLIST_KINDS:
        return parse_checklist(line, prompt.items)
    if prompt.kind == "pain_map":
        return parse_regions(line)
    return parse_yes_no(line)


def parse_yes_no(line: str):
    word = line.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    if word in UNKNOWN:
        return "unknown"
    raise ValueError(f"not an answer: {clip(line)!r}; type y, n or u (unknown)")


def parse_intake(field: str, line: str):
    """An intake line as its field takes it: numbers for age, weeks and intensity; words otherwise."""
    text = line.strip()
    if field in ("age", "pain_intensity"):
        text = text.removesuffix("/10").removesuffix("years").removesuffix("y").strip()
        if not re.fullmatch(r"\d{1,3}", text):
            raise ValueError(text)
        return int(text)
    if field == "duration_weeks":
        text = text.lower().removesuffix("weeks").removesuffix("week").removesuffix("w").strip()
        if not re.fullmatch(r"\d{1,4}(\.\d+)?", text):
            raise ValueError(text)
        number = float(text)
        return int(number) if number.is_integer() else number
    if field == "onset":
        word = text.lower()
        matches = [o for o in ("sudden", "gradual") if o.startswith(word)] if word else []
        if len(matches) != 1:
            raise ValueError(text)
        return matches[0]
    return text


def _numbers(token: str, limit: int) -> list[int]:
    match = re.fullmatch(r"([0-9]+)(?:-([0-9]+))?", token)
    if not match:
        raise ValueError(f"not a number or range: {clip(token)!r}")
    if max(len(match[1]), len(match[2] or "")) > 4:  # int() of thousands of digits is refused by Python itself
        raise ValueError(f"{clip(token)}: choose numbers from 1 to {limit}")
    first, last = int(match[1]), int(match[2] or match[1])
    if not (1 <= first <= limit and 1 <= last <= limit):
        raise ValueError(f"{clip(token)}: choose numbers from 1 to {limit}")
    if first > last:
        raise ValueError(f"{clip(token)}: a range runs from the smaller number up (e.g. {last}-{first})")
    return list(range(first, last + 1))


def parse_checklist(line: str, items) -> dict:
    """'none', '3 7', 'none u6', 'u' (all not known) -> {flag: True | False | 'unknown'}.

    Only the word ``none`` says that every item was asked and is absent (``0`` or ``n`` do not)."""
    tokens = [t for t in re.split(r"[\s,;]+", line.lower()) if t]
    if tokens in (["u"], ["unknown"]):
        return {flag: "unknown" for flag in items}
    present, unknown, said_none = set(), set(), False
    for token in tokens:
        if token in NONE_PRESENT:
            said_none = True
        elif token in ("0", "n", "no", "nil"):
            raise ValueError(f"{token!r} is not an answer here: type the word `none` when every item "
                             "was asked and is absent, or the numbers present")
        elif token.startswith("u"):
            unknown.update(_numbers(token[1:], len(items)))
        else:
            present.update(_numbers(token, len(items)))
    if said_none and present:
        raise ValueError("`none` and numbers together: type either the numbers present or none")
    if not (said_none or present):
        raise ValueError("type the numbers present, or the word `none` (every item must be asked)")
    if present & unknown:
        raise ValueError("an item cannot be both present and not known")
    return {flag: True if i in present else "unknown" if i in unknown else False
            for i, flag in enumerate(items, 1)}


def parse_regions(line: str):
    """'3 7-9 lateral calf' -> region ids in the vocabulary's order; 'unknown' -> 'unknown'.

    Names may be typed with spaces or hyphens (``lateral thigh``); a word that is not a
    region on its own joins the next one (``lateral`` + ``thigh``)."""
    word = line.strip().lower()
    if word in UNKNOWN:
        return "unknown"
    chosen = set()
    tokens = [t for t in re.split(r"[\s,;]+", word) if t]
    pending = ""
    for token in tokens:
        if token[0].isdigit() and not pending:
            chosen.update(REGIONS[i - 1] for i in _numbers(token, len(REGIONS)))
            continue
        name = (pending + "_" if pending else "") + token.replace("-", "_")
        matches = [r for r in REGIONS if r == name] or [r for r in REGIONS if r.startswith(name)]
        if len(matches) == 1:
            chosen.add(matches[0])
            pending = ""
        elif matches and not pending:
            pending = name  # 'lateral' alone is ambiguous: it may join the next word
        else:
            hint = did_you_mean(name, REGIONS)
            raise ValueError(f"not one pain region: {clip(name.replace('_', ' '))!r}{hint}")
    if pending:
        matches = [r for r in REGIONS if r.startswith(pending)]
        raise ValueError(f"not one pain region: {clip(pending)!r} (matches {', '.join(matches)})")
    return [r for r in REGIONS if r in chosen]


def keys_for(prompt: Prompt, value) -> str:
    """What a person would type to give ``value`` at ``prompt`` (the inverse of parsing)."""
    if prompt.kind in CHECKLIST_KINDS:
        present = [str(i) for i, f in enumerate(prompt.items, 1) if value[f] is True]
        unknown = [f"u{i}" for i, f in enumerate(prompt.items, 1) if value[f] == "unknown"]
        return " ".join((present or ["none"]) + unknown)
    if prompt.kind == "pain_map":
        return "unknown" if value == "unknown" else " ".join(str(REGIONS.index(r) + 1) for r in value)
    return {True: "y", False: "n"}.get(value, "u")

