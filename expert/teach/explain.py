"""The educator's view of a run (``myotrace explain``): the numbered firing
trace grouped by reasoning stage, and stepping through the agenda one rule at
a time, like CLIPS' ``(run 1)`` and ``(agenda)``.

Everything here reads the structured trace (expert/trace.py Firing records)
and the engine's agenda; nothing parses log text. Output is plain text lines
that fit an 80-column terminal.
"""
from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from myotrace.expert.present.references import bibliography, source_text
from myotrace.expert.present.text import WIDTH, answer_text, fact_brief, wrap
from myotrace.expert.trace import fact_dict
from myotrace.facts.vocabulary import label

INDENT = 5           # the body of a firing starts under the rule id
KEY_W = 10           # "matched   " etc.
MAX_FACTS = 6        # longer lists of declared facts are summarised


def _field(name: str, items: list[str]) -> list[str]:
    head = " " * INDENT + name.ljust(KEY_W)
    pad = " " * (INDENT + KEY_W)
    lines = []
    for index, item in enumerate(items):
        lines += wrap(item, head if index == 0 else pad, pad + "  ")
    return lines


def _facts(facts: list[dict], limit: int | None) -> list[str]:
    shown = facts if limit is None or len(facts) <= limit else facts[:limit - 1]
    items = [f"{fact['fact']} {fact_brief(fact)}" for fact in shown]
    if len(shown) < len(facts):
        rest = facts[len(shown):]
        kinds = sorted({kind_words(f["type"]) for f in rest})
        items.append(f"… and {len(rest)} more ({', '.join(kinds)})")
    return items


def kind_words(kind: str) -> str:
    """A fact type in words: ``ChainLink`` -> ``chain link``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", kind).lower()


def weighed_evidence(trace, upto: int) -> dict[str, list[dict]]:
    """Every evidence fact declared by the first ``upto`` firings, by muscle: what a weighing rule
    (REF-005) combines, although its pattern matches only the evidence that triggered it."""
    evidence: dict[str, list[dict]] = {}
    for firing in trace[:upto]:
        for fact in firing.declared:
            if fact["type"] == "Evidence":
                evidence.setdefault(fact["muscle"], []).append(fact)
    return evidence


def combined_facts(trace, index: int) -> list[dict]:
    """The evidence the firing at ``index`` (0-based) combined into the certainty it declared."""
    muscles = [f["muscle"] for f in trace[index].declared if f["type"] == "Hypothesis"]
    if not muscles:
        return []
    evidence = weighed_evidence(trace, index)
    return [fact for muscle in muscles for fact in evidence.get(muscle, [])]


def firing_lines(firing, limit: int | None = MAX_FACTS, combined=()) -> list[str]:
    """One firing: number, rule id, salience, statement, source, facts, certainty.

    ``combined``: for a rule that weighs every piece of evidence about a muscle, all of it
    (its pattern matched only the piece that triggered it)."""
    head = f"{firing.number:>3}. {firing.rule}"
    lines = [head + f"salience {firing.salience}".rjust(WIDTH - len(head))]
    lines += wrap(firing.statement, " " * INDENT, " " * INDENT)
    lines += _field("source", [source_text(firing.source)])
    lines += _field("matched", _facts(firing.matched, None) or ["(nothing: the rule has no pattern)"])
    if combined:
        lines += _field("combined", _facts(list(combined), None))
    lines += _field("declared", _facts(firing.declared, limit) or ["(nothing new)"])
    if firing.certainty:
        lines += _field("certainty", [f"{label(c['muscle'])}: {c['before']:.2f} → {c['after']:.2f}"
                                      for c in firing.certainty])
    return lines


def stage_rule(stage: str) -> str:
    title = f"── {stage} "
    return title + "─" * (WIDTH - len(title))


def trace_lines(trace, limit: int | None = MAX_FACTS) -> list[str]:
    """The numbered trace grouped by stage in reasoning order, safety first; within a stage,
    in firing order. The numbers are the firing order, so a stage that fired late (the final
    triage waits for the muscles) still reads first."""
    from myotrace.rules.meta import STAGES
    lines = []
    order = sorted(range(len(trace)), key=lambda i: (STAGES.index(trace[i].stage), i))
    stage = None
    for index in order:
        firing = trace[index]
        if firing.stage != stage:
            stage = firing.stage
            lines += ["", stage_rule(stage)]
        lines += firing_lines(firing, limit, combined_facts(trace, index))
    return lines


def conclusion_lines(report) -> list[str]:
    lines = [f"triage: {label(report.triage)}"]
    if report.red_flags:
        lines.append("red flags: " + ", ".join(label(f) for f in report.red_flags))
    lines.append("primary muscle: " + (label(report.primary_muscle) if report.primary_muscle else "none"))
    if report.chain:
        lines.append("chain: " + " → ".join(label(m) for m in report.chain))
    for chain in report.secondary_chains:
        lines.append("secondary chain: " + " → ".join(label(m) for m in chain))
    if report.conditions:
        lines.append("conditions: " + ", ".join(label(c) for c in report.conditions))
    lines.append("screens: " + report.screens_text)
    if report.unscreened_red_flags:  # neither yes nor no: not a negative
        lines.append("red flags not screened: " + ", ".join(label(f) for f in report.unscreened_red_flags))
    if report.unscreened_nerve_signs:
        lines.append("nerve signs not examined: " + ", ".join(label(f) for f in report.unscreened_nerve_signs))
    out = []
    for line in lines:
        out += wrap(line, "  ", "    ")
    return out


def unused_findings(case, trace) -> list[str]:
    """Findings the case answers that no rule that fired matched, in words: the negatives that
    ruled a picture out without any rule firing on them (a normal neurological examination)."""
    used = {fact["id"] for firing in trace for fact in firing.matched if fact["type"] == "Finding"}
    return [f"{label(finding)}: {answer_text(value)}" for finding, value in case.findings.items()
            if finding not in used]


def explain_lines(report, trace, case=None) -> list[str]:
    lines = wrap(f"Case {report.case}: {len(trace)} rule firings, numbered in firing order, grouped by stage "
                 "in reasoning order (safety first).", "", "  ")
    lines += trace_lines(trace)
    lines += ["", "Conclusion", *conclusion_lines(report)]
    unused = unused_findings(case, trace) if case is not None else []
    if unused:
        lines += ["", "Answered, but matched by no rule that fired (a negative finding is evidence too;"]
        lines += ["`myotrace differential` shows what each one speaks against):"]
        lines += wrap("; ".join(unused), "  ", "  ")
    lines += ["", *reference_lines(trace)]
    return lines


def reference_lines(trace) -> list[str]:
    """The references of the rules that fired, in full, numbered in order of first use."""
    entries = bibliography(firing.source for firing in trace)
    lines = ["References (of the rules that fired)"]
    for number, _key, text in entries:
        head = f"  [{number}] "
        # an address longer than a line continues on the next one rather than overflowing 80 columns
        lines += textwrap.wrap(text, WIDTH, initial_indent=head, subsequent_indent=" " * len(head),
                               break_long_words=True, break_on_hyphens=False)
    return lines if entries else lines + ["  (none)"]


# ---- stepping through the agenda ------------------------------------------------
def numbered_facts(facts) -> list[dict]:
    """Fact dicts in fact-list order, without experta's InitialFact (f-0)."""
    return [fact_dict(f) for f in sorted(facts, key=lambda f: f["__factid__"]) if f["__factid__"] != 0]


def agenda_rows(agenda) -> list[dict]:
    """The agenda, next activation first: salience, rule id, stage, statement, the facts it matched."""
    return [{"salience": a.rule.salience, "rule": a.rule.rule_meta.id, "stage": a.rule.rule_meta.stage,
             "statement": a.rule.rule_meta.statement,
             "facts": ", ".join(f"{f['fact']} {fact_brief(f)}" for f in numbered_facts(a.facts))}
            for a in agenda]


def agenda_lines(agenda) -> list[str]:
    """The agenda as text lines (``agenda_rows``)."""
    if not agenda:
        return ["Agenda: empty."]
    lines = [f"Agenda ({len(agenda)} activation{'s' if len(agenda) != 1 else ''}, next first):"]
    for index, row in enumerate(agenda_rows(agenda)):
        marker = "→" if index == 0 else " "
        head = f"  {marker} {row['salience']:>4}  {row['rule']}  "
        lines += wrap(row["facts"] or "(no facts)", head, " " * len(head))
    return lines


STEP_HELP = "[Enter] fire the next rule · b back one firing · r run to the end · q quit"


def activation_id(activation) -> tuple:
    """An activation as the agenda knows it: its rule and the facts it matched."""
    return activation.rule.rule_meta.id, tuple(sorted(f["__factid__"] for f in activation.facts))


def _activation_text(activation) -> str:
    rule, facts = activation_id(activation)
    return f"{rule} on " + (", ".join(f"f-{n}" for n in facts if n != 0) or "no facts")


def why_next(strategy, agenda) -> str:
    """Why the first activation fires before the second, in the engine's own order:
    salience first, then recency (the activation whose facts are newest, experta's
    depth strategy), then the rule id (this project's tie-break, expert/engine.py)."""
    if not agenda:
        return ""
    first = agenda[0]
    name = first.rule.rule_meta.id
    if len(agenda) == 1:
        return f"Why {name} is next: it is the only activation on the agenda."
    second = agenda[1]
    other = second.rule.rule_meta.id
    (s1, facts1, _), (s2, facts2, _) = strategy.get_key(first), strategy.get_key(second)
    if s1 != s2:
        return f"Why {name} is next: salience {s1} beats {s2} ({other}, the runner-up)."
    if facts1 != facts2:
        for mine, theirs in zip(facts1 + [-1], facts2 + [-1]):
            if mine != theirs:
                break
        theirs_text = f"f-{theirs}" if theirs >= 0 else "no further fact"
        return (f"Why {name} is next: same salience {s1} as {other}; recency decides: its newest "
                f"differing fact f-{mine} is newer than {theirs_text} (the depth strategy fires the "
                f"activation on the newest facts first).")
    return (f"Why {name} is next: same salience {s1} and the same facts as {other}; the rule id decides "
            f"({name} before {other}: the project's deterministic tie-break, so the order never depends "
            f"on object identity).")


def agenda_change_lines(before, after) -> list[str]:
    """What a firing did to the agenda: activations it added, and those it retracted."""
    old = {activation_id(a): a for a in before}
    new = {activation_id(a): a for a in after}
    added = [new[key] for key in new if key not in old]
    removed = [old[key] for key in old if key not in new]
    lines = []
    if added:
        lines += _field("added", [_activation_text(a) for a in added])
    if removed:
        lines += _field("retracted", [_activation_text(a) for a in removed])
    return lines or _field("agenda", ["unchanged but for the firing"])


def _show_start(engine, case, say) -> None:
    for line in wrap(f"Case {case.case}: the facts before the first firing (knowledge base and case file)",
                     "", "  "):
        say(line)
    for data in numbered_facts(engine.facts.values()):
        for line in wrap(fact_brief(data), f"  {data['fact']:>5} ", " " * 10):
            say(line)


def step_through(engine, case, say: Callable[[str], None],
                 ask: Callable[[str], str] | None = None) -> bool:
    """Fire one rule at a time, showing the agenda between firings.

    Before each firing: the agenda, next first, and why the next one leads.
    After it: the firing and the activations it added to or retracted from the
    agenda. ``b`` goes back one firing: the engine is deterministic, so it is
    reset and re-run to the firing before. With ``ask`` (an interactive
    terminal), wait for Enter / b / r / q before each firing; without it, print
    every step. True when the run went to its end.
    """
    engine.reset(case=case)
    _show_start(engine, case, say)
    running_to_end = ask is None
    show_agenda = True
    while True:
        agenda = engine.pending()
        if show_agenda or not agenda:
            say("")
            for line in agenda_lines(agenda):
                say(line)
            if agenda:
                for line in wrap(why_next(engine.strategy, agenda), "  ", "    "):
                    say(line)
        if not agenda:
            say("The agenda is empty: the run is complete.")
            break
        if not running_to_end:
            command = _read(ask)
            if command == "q":
                say(f"Stopped after {len(engine.trace)} firings; {len(agenda)} activations still on the agenda.")
                return False
            if command == "b":
                back_to = max(0, len(engine.trace) - 1)
                engine.reset(case=case)
                engine.run(steps=back_to)
                say("")
                say(f"Back one firing: reset and re-run to firing {back_to}" + (
                    f" ({engine.trace[-1].rule})." if engine.trace else " (the start)."))
                continue
            if command == "r":
                running_to_end, show_agenda = True, False
        rest = agenda[1:]
        engine.run(steps=1)
        say("")
        for line in firing_lines(engine.trace[-1]):
            say(line)
        if show_agenda:
            for line in agenda_change_lines(rest, engine.pending()):
                say(line)
    return True


def _read(ask) -> str:
    while True:
        try:
            answer = ask(STEP_HELP).strip().lower()
        except EOFError:
            return "q"
        if answer in ("", "n", "next", "s", "step"):
            return ""
        if answer in ("b", "back"):
            return "b"
        if answer in ("r", "run"):
            return "r"
        if answer in ("q", "quit", "exit"):
            return "q"


# ---- the command -------------------------------------------------------------------
def explain_case(path, say: Callable[[str], None], ask: Callable[[str], str] | None = None, *,
                 step: bool = False, why_not: str | None = None, sets=(), unsets=(),
                 graph: str | None = None) -> None:
    """``myotrace explain``: the trace; or --step, --why-not, --graph, what-if.

    --set/--unset change the case for --step, --why-not and --graph; on their
    own they show the conclusion before and after. Raises InputError on bad input.
    """
    from myotrace.expert.casefile import load_case
    from myotrace.expert.engine import get_engine
    from myotrace.expert.errors import InputError
    from myotrace.expert.report import build_report

    modes = [name for name, on in (("--step", step), ("--why-not", why_not), ("--graph", graph)) if on]
    if len(modes) > 1:
        raise InputError(f"use one of {', '.join(modes)} at a time")
    case = load_case(path)
    engine = get_engine()
    if (sets or unsets) and not modes:
        from myotrace.expert.teach.whatif import what_if, what_if_lines
        for line in what_if_lines(what_if(engine, case, sets, unsets)):
            say(line)
        return
    if sets or unsets:
        from myotrace.expert.teach.whatif import apply_changes
        case, changes = apply_changes(case, sets, unsets)
        if not graph:
            for change in changes:
                say(f"(what if: {change})")
    if step:
        if step_through(engine, case, say, ask):
            say("")
            say("Conclusion")
            for line in conclusion_lines(build_report(engine, case)):
                say(line)
        return
    if why_not:
        from myotrace.expert.teach.whynot import resolve_target, why_not_lines
        from myotrace.expert.teach.whynot import why_not as explain_why_not
        resolve_target(why_not)  # a bad target is an input error before anything runs
        engine.consult(case)
        for line in why_not_lines(explain_why_not(engine, case, why_not)):
            say(line)
        return
    engine.consult(case)
    if graph:
        from myotrace.expert.teach.graph import build_graph, to_dot, to_mermaid
        secondary = build_report(engine, case).secondary_chains
        text = (to_mermaid if graph == "mermaid" else to_dot)(build_graph(engine.trace, secondary, dict(case.findings)))
        say(text.rstrip("\n"))
        return
    for line in explain_lines(build_report(engine, case), engine.trace, case):
        say(line)
