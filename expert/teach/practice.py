"""Practice mode (``myotrace practice [PATH]``), after GUIDON (Clancey 1979).

A case from the library is shown without its answer (no name, no notes, no
expect block); the student gives the triage, the primary muscle and the chain;
each answer is critiqued with the rules: the firing that decided it, the
evidence the student may have missed, the premise that fails for their answer,
and whether they took a satellite for the primary. The score is kept for the
session.

The expert's answer is the engine's own conclusion on the case; ``say`` and
``ask`` are injected so the session runs the same in a terminal and in tests.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from myotrace.expert.casefile import case_paths, load_case
from myotrace.expert.engine import rule_catalogue
from myotrace.expert.errors import InputError, did_you_mean
from myotrace.expert.library import LIBRARY
from myotrace.expert.present.references import bibliography, cite, source_text
from myotrace.expert.present.text import user_key, wrap
from myotrace.expert.report import build_report
from myotrace.expert.teach.hints import HINT_COST, ITEMS, first_firing, hint_charge, hints
from myotrace.expert.teach.whynot import MUSCLE_ALIASES, match_id, why_not
from myotrace.facts.types import ChainLink
from myotrace.facts.vocabulary import (
    EXAMINATION, HISTORY, MUSCLES, PALPATE, RED_FLAGS, TRIAGE_LEVELS, label, urgency,
)

# Treat the key before its satellites: shown for shoulder muscles, applied to the leg.
KEY_FIRST = ("hsieh-2007", "shoulder muscles (infraspinatus key): an upper-limb extrapolation")


def default_library() -> Path:
    """The case library that ships inside the package (whatever the working folder holds)."""
    return LIBRARY


QUIT = ("q", "quit", "exit")
TRIAGE_RULES = tuple(rule.id for rule in rule_catalogue() if "triage" in rule.groups)  # their conclusion decides it


class Quit(Exception):
    """The student ended the session."""


@dataclass
class Score:
    cases: int = 0
    points: float = 0.0
    costs: float = 0.0
    items: dict[str, list[int]] = field(default_factory=lambda: {"triage": [0, 0], "primary": [0, 0], "chain": [0, 0]})

    @property
    def possible(self) -> int:
        """Answers scored so far (one point each)."""
        return sum(asked for _right, asked in self.items.values())

    def add(self, item: str, points: float) -> None:
        self.points += points
        self.items[item][0] += points == 1
        self.items[item][1] += 1

    def charge(self, cost: float) -> None:
        """A hint or a revealed finding costs points (the session's total never goes below zero)."""
        self.costs += cost

    @property
    def net(self) -> float:
        return max(0.0, self.points - self.costs)

    def line(self) -> str:
        cost = f" after {self.costs:g} for hints and data" if self.costs else ""
        return (f"{self.net:g} / {self.possible}" + (f" ({100 * self.net / self.possible:.0f}%)" if self.possible else "")
                + cost)


# ---- showing a case ------------------------------------------------------------------
def case_lines(case, number: int, total: int, withheld=frozenset()) -> list[str]:
    """The case as a student sees it: pain map, findings, palpation. No answer.

    ``withheld`` items (finding ids, ``palpate:MUSCLE``) are named but not shown:
    the student may ``ask`` for them.
    """
    lines = [f"Case {number} of {total}" + (f" (side: {case.side})" if case.side else "")]
    lines += wrap(", ".join(label(r) for r in case.pain) or "not recorded", "  Pain map:    ", " " * 15)

    def group(title, ids):
        answered = [(f, case.findings[f]) for f in ids if f in case.findings and f not in withheld]
        if not answered:
            return []
        text = "; ".join(f"{label(f)}: {_answer(v)}" for f, v in answered)
        return wrap(text, f"  {title:<13}", " " * 15)

    lines += group("History:", HISTORY)
    lines += group("Examination:", EXAMINATION)
    lines += group("Red flags:", RED_FLAGS)
    if not any(f in case.findings for f in RED_FLAGS):
        lines.append("  Red flags:   none asked")
    palpation = [f"{label(m)} reproduces the pain" for m in case.tender_points if PALPATE + m not in withheld]
    palpation += [f"{label(m)} does not" for m in case.non_tender if PALPATE + m not in withheld]
    if palpation or not withheld:
        lines += wrap("; ".join(palpation) or "not done", "  Palpation:   ", " " * 15)
    if withheld:  # which tests were done is for the student to decide: none of them is named
        lines += wrap("the examination and palpation: decide what you would examine, then 'ask FINDING' or "
                      "'ask palpate MUSCLE'", "  Withheld:    ", " " * 15)
    return lines


def _answer(value) -> str:
    return {True: "yes", False: "no"}.get(value, str(value))


# ---- reading answers -----------------------------------------------------------------
def _echo(text: str, limit: int = 40) -> str:
    """The user's text as an error message repeats it: at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


def parse_triage(text: str) -> str:
    key = user_key(text)
    if key.isascii() and key.isdigit() and len(key) <= 2 and 1 <= int(key) <= len(TRIAGE_LEVELS):
        return TRIAGE_LEVELS[int(key) - 1]
    level = match_id(key, TRIAGE_LEVELS)
    if level is not None:
        return level
    raise InputError(f"'{_echo(text)}' is not a triage level: answer 1-{len(TRIAGE_LEVELS)} or one of {', '.join(TRIAGE_LEVELS)}"
                     + did_you_mean(key, TRIAGE_LEVELS))


def parse_muscle(text: str, allow_none: bool = True) -> str | None:
    key = user_key(text)
    if allow_none and key in ("none", "no", "-", "nothing"):
        return None
    muscle = match_id(MUSCLE_ALIASES.get(key, key), MUSCLES)
    if muscle is not None:
        return muscle
    raise InputError(f"'{_echo(text)}' is not a muscle: one of {', '.join(MUSCLES)}"
                     f" (or {', '.join(MUSCLE_ALIASES)}){' or none' if allow_none else ''}"
                     + did_you_mean(key, list(MUSCLES) + list(MUSCLE_ALIASES)))


def parse_chain(text: str) -> list[str]:
    cleaned = text.replace("→", ",").replace("->", ",").replace(">", ",")
    parts = [p for chunk in cleaned.split(",") for p in chunk.split()]
    if not parts or [p.lower() for p in parts] in (["none"], ["-"]):
        return []
    return [parse_muscle(p, allow_none=False) for p in parts]


def _ask(ask, say, prompt, parse, command=lambda text: False):
    """Ask until the answer parses; ``command`` handles hint and ask lines (True when it did)."""
    while True:
        try:
            text = ask(prompt)
        except EOFError:
            raise Quit from None
        if text.strip().lower() in QUIT:
            raise Quit
        if command(text):
            continue
        try:
            return parse(text)
        except InputError as error:
            say(f"  {error}")


# ---- asking for data -------------------------------------------------------------------
ASK_COST = 0.1     # judgement: examining is what a clinician should do, so it costs less than a hint,
                   # but not nothing, so that choosing what to examine still matters

def withheld_items(case) -> set[str]:
    """What a session that withholds data hides: the examination findings and the palpation."""
    return ({f for f in EXAMINATION if f in case.findings}
            | {PALPATE + m for m in list(case.tender_points) + list(case.non_tender)})


def resolve_item(text: str) -> str:
    """A finding id, or ``palpate:MUSCLE`` (a muscle name or short name alone means its palpation)."""
    key = user_key(text.removeprefix("palpate").strip(": "))
    from myotrace.facts.vocabulary import FINDINGS
    finding = match_id(key, FINDINGS)
    if finding is not None and not text.strip().lower().startswith("palpate"):
        return finding
    muscle = match_id(MUSCLE_ALIASES.get(key, key), MUSCLES)
    if muscle is not None:
        return PALPATE + muscle
    raise InputError(f"'{_echo(text)}' is neither a finding nor a muscle to palpate"
                     + did_you_mean(key, list(FINDINGS) + list(MUSCLES) + list(MUSCLE_ALIASES)))


def reveal_text(case, item: str) -> str:
    if item.startswith(PALPATE):
        muscle = item.removeprefix(PALPATE)
        if muscle in case.tender_points:
            return f"palpation of the {label(muscle)}: reproduces the familiar pain"
        if muscle in case.non_tender:
            return f"palpation of the {label(muscle)}: does not reproduce it"
        return f"the {label(muscle)} was not palpated in this case"
    if item in case.findings:
        return f"{label(item)}: {_answer(case.findings[item])}"
    return f"{label(item)}: not examined in this case"


# ---- critique --------------------------------------------------------------------------
def _evidence(engine, muscle, hidden=frozenset()) -> list[tuple[float, str, str, int]]:
    """(cf, text, rule, step) of every piece of evidence about the muscle, strongest first; without
    the pieces that rest on data the student never saw (``hidden``: withheld and never asked for)."""
    found = []
    for firing in engine.trace:
        if hidden and _rests_on(firing) & hidden:
            continue
        for fact in firing.declared:
            if fact["type"] == "Evidence" and fact["muscle"] == muscle:
                found.append((fact["cf"], fact.get("label") or fact.get("reason", ""), firing.rule, firing.number))
    return sorted(found, key=lambda e: -abs(e[0]))


def _rests_on(firing) -> set[str]:
    """The case items a firing matched: finding ids and ``palpate:MUSCLE``."""
    items = set()
    for fact in firing.matched:
        if fact["type"] == "Finding":
            items.add(fact["id"])
        elif fact["type"] == "Palpation":
            items.add(PALPATE + fact["muscle"])
    return items


def _failed(result, rules=None) -> list[str]:
    lines = []
    for check in result.checks:
        if check.held or check.rule == "report" or (rules and check.rule not in rules):
            continue
        failed = [p.text for p in check.premises if not p.held]
        if failed:
            lines.append(f"{check.rule}: ✗ " + "; ✗ ".join(failed))
    return lines


def critique_triage(answer, engine, case, report) -> tuple[float, list[str]]:
    right = report.triage
    basis = _deciding_vote(engine, right)
    if answer == right:
        winner = first_firing(engine, "SAF-006")
        return 1, [f"Triage {right}: correct." + (f" {basis}" if basis else "")
                   + (f" (SAF-006 at #{winner.number})" if winner else "")]
    lines = [f"Triage: you said {answer}; the rules say {right}."]
    if urgency(answer) < urgency(right):
        lines.append("You under-triaged: a more urgent level is never outweighed.")
    if basis:
        lines.append(basis)
    failed = _failed(why_not(engine, case, answer), TRIAGE_RULES)
    if failed:
        lines.append(f"Why not {answer}:")
        lines += [f"  {line}" for line in failed[:4]]
    return 0, lines


def _deciding_vote(engine, level) -> str:
    for firing in engine.trace:
        for fact in firing.declared:
            if fact["type"] == "TriageVote" and fact["level"] == level:
                evidence = [m for m in firing.matched if m["type"] in ("Finding", "Primary", "NerveInvolvement")]
                on = "; ".join(_matched_text(m) for m in evidence)
                return (f"{firing.rule} (#{firing.number}): {firing.statement}" + (f" [on {on}]" if on else "")
                        + f" Sources: {source_text(firing.source)}.")
    return ""


def _matched_text(fact) -> str:
    """A fact a rule matched, in words (the same words as explain)."""
    from myotrace.expert.present.text import fact_brief
    return fact_brief(fact)


def critique_primary(answer, engine, case, report, hidden=frozenset()) -> tuple[float, list[str]]:
    right = report.primary_muscle
    if answer == right:
        if right is None:
            return 1, [f"Primary: none — correct: with triage {report.triage} no chain is named."]
        return 1, [f"Primary {label(right)}: correct."] + _missed(engine, right, "Its evidence", hidden)
    if answer is None and report.triage == "refer_nerve":
        return 0.5, [f"Primary: none — half right: the nerve referral comes first, but trigger points coexist with "
                     f"radiculopathy and the rules also trace a myofascial contribution led by the {label(right)}."]
    if right is None:
        return 0, [(f"Primary: you named the {label(answer)}, but with triage {report.triage} the report names "
                    "no primary muscle: it leads with the referral or with the questions still open.")]
    lines = [f"Primary: you said {label(answer) if answer else 'none'}; the rules say the {label(right)}."]
    if answer is not None:
        keys = sorted(link["key"] for link in engine.facts_of(ChainLink) if link["satellite"] == answer)
        if keys:
            lines.append(f"You took a satellite for the primary: the {label(answer)} is a satellite of the "
                         + " and the ".join(label(k) for k in keys)
                         + f" (SAT-001); a satellite is never primary while its key muscle is supported ({cite(*KEY_FIRST)}).")
        else:
            lines += [f"  {line}" for line in _failed(why_not(engine, case, answer),
                                                      ("REF-005", "SAT-002", "SAT-003"))[:3]]
        against = [e for e in _evidence(engine, answer) if e[0] < 0]
        if against:
            lines.append(f"Against the {label(answer)}: "
                         + "; ".join(f"{text} ({cf:+.2f}, {rule} #{step})" for cf, text, rule, step in against))
    lines += _missed(engine, right, "Evidence you may have missed", hidden)
    return 0, lines


def _missed(engine, muscle, title, hidden=frozenset()) -> list[str]:
    """The evidence for the muscle the student saw; what rests on tests never asked for is named apart."""
    found = [e for e in _evidence(engine, muscle, hidden) if e[0] > 0]
    unseen = [e for e in _evidence(engine, muscle) if e[0] > 0 and e not in found]
    lines = []
    if found:
        lines.append(f"{title} for the {label(muscle)}: "
                     + "; ".join(f"{text} ({cf:+.2f}, {rule} #{step})" for cf, text, rule, step in found))
    if unseen:
        lines.append("From tests you did not ask for: " + "; ".join(text for _cf, text, _r, _s in unseen) + ".")
    return lines


def _also(report) -> list[str]:
    """What the student did not answer but the report names: secondary chains, conditions."""
    lines = [f"Also: a secondary chain, treated after the primary: {' → '.join(label(m) for m in chain)}."
             for chain in report.secondary_chains]
    named = [label(c) for c in report.conditions if c != "myofascial_pseudo_sciatica"]
    if named:
        lines.append("Also concluded: " + ", ".join(named) + ".")
    return lines


def critique_chain(answer, engine, case, report, hidden=frozenset()) -> tuple[float, list[str]]:
    right = list(report.chain)
    if answer == right:
        return 1, ["Chain: correct" + (f": {' → '.join(label(m) for m in right)}." if right else " (none).")] + _also(report)
    if not answer and report.triage == "refer_nerve":
        return 0.5, [f"Chain: none — half right: the nerve referral comes first; the myofascial chain the rules "
                     f"trace alongside is {' → '.join(label(m) for m in right)}."] + _also(report)
    lines = [(f"Chain: you said {' → '.join(label(m) for m in answer) or 'none'}; "
              f"the rules say {' → '.join(label(m) for m in right) or 'none'}.")]
    links = {}
    for firing in engine.trace:
        for fact in firing.declared:
            if fact["type"] == "ChainLink":
                links[fact["satellite"]] = (fact["key"], firing.number)
    for muscle in right:
        if muscle not in answer and muscle in links:
            key, step = links[muscle]
            lines.append(f"Missed: the {label(muscle)} is a satellite of the {label(key)} (SAT-001 #{step}); "
                         + "; ".join(_missed(engine, muscle, "evidence", hidden)))
        elif muscle not in answer:
            lines.append(f"Missed: the {label(muscle)} heads the chain.")
    secondary = {m for chain in report.secondary_chains for m in chain}
    for muscle in answer:
        if muscle in secondary:
            lines.append(f"Not in the primary chain: the {label(muscle)} heads or joins a secondary chain, "
                         "treated after it.")
        elif muscle not in right:
            reason = _failed(why_not(engine, case, muscle), ("REF-005",))
            if reason:
                lines.append(f"Not in the chain: the {label(muscle)}: {reason[0]}")
            elif right:
                lines.append(f"Not in the chain: the {label(muscle)} is supported but is no satellite of a chain muscle.")
            else:
                lines.append(f"Not in the chain: with triage {report.triage} no chain is named.")
    lines += _also(report)
    if sorted(answer) == sorted(right):
        lines.append("Right muscles, wrong order: treat the key muscle before its satellites ("
                     + cite(*KEY_FIRST) + ").")
        lines += [f"  {text}" for _number, _key, text in bibliography(["hsieh-2007"])]
        return 0.5, lines
    return 0, lines


# ---- the session -------------------------------------------------------------------------
def critique(answers: dict, engine, case, report, hidden=frozenset()) -> list[tuple[str, float, list[str]]]:
    """(item, points, lines) for the student's triage, primary and chain, in that order; ``hidden``: data
    withheld and never asked for, whose evidence is named apart from what the student missed."""
    judges = {"triage": critique_triage, "primary": critique_primary, "chain": critique_chain}
    out = []
    for item in ITEMS:
        extra = {"hidden": frozenset(hidden)} if item != "triage" else {}
        points, lines = judges[item](answers[item], engine, case, report, **extra)
        out.append((item, points, lines))
    return out


def _critique_lines(points: float, lines: list[str]) -> list[str]:
    """A critique wrapped to the terminal, its first line marked ✓, ✗ or ½."""
    mark = "✓ " if points == 1 else "✗ " if points == 0 else "½ "
    out = []
    for index, line in enumerate(lines):
        out += wrap(line, mark if index == 0 else "  ", "    ")
    return out


def load_library(paths) -> tuple[list, list[str]]:
    cases, skipped = [], []
    for path in case_paths(paths):
        try:
            cases.append(load_case(path))
        except InputError as error:
            skipped.append(str(error))
    return cases, skipped


def run_session(cases, engine, say: Callable[[str], None], ask: Callable[[str], str],
                count: int | None = None, seed: int | None = None, withhold: bool = False) -> Score:
    """A practice session. At any question: ``hint`` (graded, from the rules) and
    ``ask FINDING`` / ``ask palpate MUSCLE`` (reveal what the case withholds), each at a cost.
    With ``withhold`` the examination findings and the palpation are hidden until asked for."""
    order = list(cases)
    random.Random(seed).shuffle(order)
    order = order[:count] if count else order
    score = Score()
    say(f"Practice: {len(order)} case{'s' if len(order) != 1 else ''}. For each, give the triage, the primary "
        "muscle and the chain; q quits. Short names work (gmin, vl, ql, tfl, …).")
    say(f"At any question: 'hint' (costs {HINT_COST:g}), 'ask FINDING' or 'ask palpate MUSCLE' for data the case "
        f"withholds (costs {ASK_COST:g}).")
    try:
        for number, case in enumerate(order, 1):
            engine.consult(case)
            report = build_report(engine, case)
            hidden = withheld_items(case) if withhold else set()
            say("")
            for line in case_lines(case, number, len(order), frozenset(hidden)):
                say(line)
            say("")
            answers, hints_used = {}, {}
            for item, prompt, parse in (
                    ("triage", "Triage (" + ", ".join(f"{i} {level}" for i, level in enumerate(TRIAGE_LEVELS, 1))
                     + ")?", parse_triage),
                    ("primary", "Primary muscle (or none)?", parse_muscle),
                    ("chain", "Chain, primary first (e.g. gmin, vl; or none)?", parse_chain)):
                given = hints(item, engine, report)
                used = [0]

                def command(text, item=item, given=given, used=used):
                    words = text.strip().split(maxsplit=1)
                    if not words:
                        return False
                    if words[0].lower() == "hint":
                        if used[0] >= len(given):
                            say("  No more hints for this answer.")
                        else:
                            say(f"  {given[used[0]]} (−{HINT_COST:g} from this answer's point)")
                            used[0] += 1
                        return True
                    if words[0].lower() == "ask":
                        if len(words) < 2:
                            say("  Ask for what? e.g. 'ask ober_positive' or 'ask palpate gmin'.")
                            return True
                        try:
                            wanted = resolve_item(words[1])
                        except InputError as error:
                            say(f"  {error}")
                            return True
                        if wanted in hidden:
                            hidden.discard(wanted)
                            score.charge(ASK_COST)
                            say(f"  {reveal_text(case, wanted)} (−{ASK_COST:g})")
                        else:
                            say(f"  {reveal_text(case, wanted)} (already shown or not examined: no cost)")
                        return True
                    return False
                answers[item] = _ask(ask, say, prompt, parse, command)
                hints_used[item] = used[0]
            say("")
            for item, points, lines in critique(answers, engine, case, report, hidden):
                score.add(item, points)
                score.charge(hint_charge(points, hints_used[item]))
                for line in _critique_lines(points, lines):
                    say(line)
            score.cases += 1
            say(f"(this was {case.case}) Score so far: {score.line()}")
    except Quit:
        say("")
        say("Session ended.")
    say(f"Session score: {score.line()} over {score.cases} case{'s' if score.cases != 1 else ''}"
        + "".join(f"; {item} {right}/{asked}" for item, (right, asked) in score.items.items() if asked))
    return score
