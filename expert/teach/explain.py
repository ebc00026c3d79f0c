"""The educator's view of a run (``myotrace explain``): the numbered firing
trace grouped by reasoning stage, and stepping through the agenda one rule at
a time, like CLIPS' ``(run 1)`` and ``(agenda)``.

Everything here reads the structured trace (expert/trace.py Firing records)
and the engine's agenda; nothing parses log text. Output is plain text lines
that fit an 80-column terminal.
"""
from __future__ import annotations

import textwrap
from collections.abc import Callable

from myotrace.expert.present.references import bibliography, source_text
from myotrace.expert.present.text import WIDTH, fact_brief, wrap
from myotrace.expert.trace import fact_dict, fact_text
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
        kinds = sorted({f["type"] for f in rest})
        items.append(f"… and {len(rest)} more ({', '.join(kinds)})")
    return items


def firing_lines(firing, limit: int | None = MAX_FACTS) -> list[str]:
    """One firing: number, rule id, salience, statement, source, facts, certainty."""
    head = f"{firing.number:>3}. {firing.rule}"
    lines = [head + f"salience {firing.salience}".rjust(WIDTH - len(head))]
    lines += wrap(firing.statement, " " * INDENT, " " * INDENT)
    lines += _field("source", [source_text(firing.source)])
    lines += _field("matched", _facts(firing.matched, None) or ["(nothing: the rule has no pattern)"])
    lines += _field("declared", _facts(firing.declared, limit) or ["(nothing new)"])
    if firing.certainty:
        lines += _field("certainty", [f"{c['muscle']}: {c['before']:.2f} → {c['after']:.2f}"
                                      for c in firing.certainty])
    return lines


def stage_rule(stage: str) -> str:
    title = f"── {stage} "
    return title + "─" * (WIDTH - len(title))


def trace_lines(trace, limit: int | None = MAX_FACTS) -> list[str]:
    """The numbered trace, with a stage header each time the stage changes."""
    lines, stage = [], None
    for firing in trace:
        if firing.stage != stage:
            stage = firing.stage
            lines += ["", stage_rule(stage)]
        lines += firing_lines(firing, limit)
    return lines


def conclusion_lines(report) -> list[str]:
    lines = [f"triage: {report.triage}"]
    if report.red_flags:
        lines.append("red flags: " + ", ".join(report.red_flags))
    lines.append("primary muscle: " + (report.primary_muscle or "none"))
    if report.chain:
        lines.append("chain: " + " → ".join(report.chain))
    if report.conditions:
        lines.append("conditions: " + ", ".join(report.conditions))
    out = []
    for line in lines:
        out += wrap(line, "  ", "    ")
    return out


def explain_lines(report, trace) -> list[str]:
    lines = wrap(f"Case {report.case}: {len(trace)} rule firings, in order, grouped by stage.", "", "  ")
    lines += trace_lines(trace)
    lines += ["", "Conclusion", *conclusion_lines(report)]
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


def agenda_lines(agenda) -> list[str]:
    """The agenda, next activation first: salience, rule id, the facts it matched."""
    if not agenda:
        return ["Agenda: empty."]
    lines = [f"Agenda ({len(agenda)} activation{'s' if len(agenda) != 1 else ''}, next first):"]
    for index, activation in enumerate(agenda):
        marker = "→" if index == 0 else " "
        facts = ", ".join(f"{f['fact']} {fact_brief(f)}" for f in numbered_facts(activation.facts)) or "(no facts)"
        head = f"  {marker} {activation.rule.salience:>4}  {activation.rule.rule_meta.id}  "
        lines += wrap(facts, head, " " * len(head))
    return lines


STEP_HELP = "[Enter] fire the next rule · r run to the end · q quit"


def step_through(engine, case, say: Callable[[str], None],
                 ask: Callable[[str], str] | None = None) -> bool:
    """Fire one rule at a time, showing the agenda between firings.

    With ``ask`` (an interactive terminal), wait for Enter / r / q before each
    firing; without it, print every step. True when the run went to its end.
    """
    engine.reset(case=case)
    for line in wrap(f"Case {case.case}: the facts before the first firing (knowledge base and case file)",
                     "", "  "):
        say(line)
    for data in numbered_facts(engine.facts.values()):
        for line in wrap(fact_brief(data), f"  {data['fact']:>5} ", " " * 10):
            say(line)
    running_to_end = ask is None
    show_agenda = True
    while True:
        agenda = engine.pending()
        if show_agenda or not agenda:
            say("")
            for line in agenda_lines(agenda):
                say(line)
        if not agenda:
            say("The agenda is empty: the run is complete.")
            break
        if not running_to_end:
            command = _read(ask)
            if command == "q":
                say(f"Stopped after {len(engine.trace)} firings; {len(agenda)} activations still on the agenda.")
                return False
            if command == "r":
                running_to_end, show_agenda = True, False
        engine.run(steps=1)
        say("")
        for line in firing_lines(engine.trace[-1]):
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
        text = (to_mermaid if graph == "mermaid" else to_dot)(build_graph(engine.trace))
        say(text.rstrip("\n"))
        return
    for line in explain_lines(build_report(engine, case), engine.trace):
        say(line)
