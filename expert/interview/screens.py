"""What the interview shows in a terminal: a question, the echo of an answer, why and how,
the list of answers and the result. ``Screens`` is mixed into ``Terminal``, which supplies
``console`` (rich), ``iv`` (the Interview) and ``kb``; nothing here reads input.
"""
from __future__ import annotations

import textwrap

from myotrace.expert.interview import note
from myotrace.expert.interview.parsing import clip
from myotrace.expert.interview.session import CHECKLIST_KINDS, Prompt
from myotrace.expert.interview.wording import (
    CHECKLIST_ANSWERS, CHECKLIST_ECHO, NERVE_SCREEN_HINT, NERVE_SCREEN_TITLE, PAIN_MAP_ANSWERS, PAIN_MAP_HINT,
    PAIN_MAP_TITLE, PALPATION_HINT, RED_FLAG_HINT, RED_FLAG_TITLE, YES_NO_ANSWERS,
)
from myotrace.expert.present.safe import plain
from myotrace.expert.report import question_wording
from myotrace.facts.vocabulary import PALPATE, REGIONS, label

MENU = ("details", "answers", "edit N", "report FILE", "export FILE", "how", "back")  # then go on, help, quit


def region_columns(columns: int = 3) -> str:
    rows = -(-len(REGIONS) // columns)
    cells = [f"{i:3} {label(r):<17}" for i, r in enumerate(REGIONS, 1)]
    lines = []
    for row in range(rows):
        lines.append("".join(cells[c * rows + row] for c in range(columns) if c * rows + row < len(cells)).rstrip())
    return "\n".join(lines)


def questions(n: int) -> str:
    return f"{n} question{'s' if n != 1 else ''}"


class Screens:
    # ---- printing ----------------------------------------------------------------
    def say(self, text: str = "", style: str | None = None, wrap: bool = True) -> None:
        """Print plain text (never markup, controls shown as escapes); ``wrap=False`` keeps a command on one line."""
        self.console.print(plain(text), style=style, markup=False, highlight=False, soft_wrap=not wrap)

    def row(self, left: str, text: str, style: str | None = None) -> None:
        """``left`` in a narrow column, ``text`` wrapped beside it (hanging indent)."""
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=max(4, len(left)), no_wrap=True, justify="right")
        grid.add_column()
        grid.add_row(Text(plain(left), style=style or ""), Text(plain(text), style=style or ""))
        self.console.print(grid)

    def hang(self, head: str, text: str, style: str | None = None) -> None:
        """``head`` then ``text``, wrapped at word boundaries with a hanging indent."""
        width = max(30, self.console.width - 1)
        self.say(textwrap.fill(text, width=width, initial_indent=head, subsequent_indent=" " * len(head),
                               break_on_hyphens=False), style=style, wrap=False)

    # ---- a question and the echo of its answer ---------------------------------
    def show(self, prompt: Prompt, progress: bool = True) -> None:
        """The question, how to find the answer, and how to type it; ``progress`` above it."""
        where = self.iv.progress(prompt)
        number = f"[{where.number}]" if progress else "edit"
        self.say("")
        if progress:
            self.row("", where.text(), "dim")
        if prompt.kind in CHECKLIST_KINDS:
            red = prompt.kind == "red_flag_screen"
            self.row(number, RED_FLAG_TITLE if red else NERVE_SCREEN_TITLE, "bold")
            for index, flag in enumerate(prompt.items, 1):
                self.row(f"{index}", self.kb.findings[flag].question)
            self.row("how:", RED_FLAG_HINT if red else NERVE_SCREEN_HINT, "dim")
        elif prompt.kind == "pain_map":
            self.row(number, PAIN_MAP_TITLE, "bold")
            self.say(region_columns(3 if self.console.width >= 66 else 2))
            self.row("how:", PAIN_MAP_HINT, "dim")
        else:
            item = prompt.item
            text = question_wording(self.kb, item)
            hint = PALPATION_HINT if item.startswith(PALPATE) else self.kb.findings[item].hint
            self.row(number, text, "bold")
            self.row("how:", hint, "dim")
        self.row("", self.answer_hint(prompt), "dim")

    @staticmethod
    def answer_hint(prompt: Prompt) -> str:
        if prompt.kind in CHECKLIST_KINDS:
            return CHECKLIST_ANSWERS
        if prompt.kind == "pain_map":
            return PAIN_MAP_ANSWERS
        return YES_NO_ANSWERS

    def conclusion(self) -> tuple:
        report = self.iv.report
        return report.triage, report.primary_muscle, tuple(report.chain)

    def conclusion_text(self) -> str:
        from myotrace.expert.present.render import chain_line

        report = self.iv.report
        return f"triage {label(report.triage)}" + (f"; chain {chain_line(report)}" if report.chain else "")

    def after_answer(self, prompt: Prompt, value) -> None:
        if prompt.kind in CHECKLIST_ECHO:
            found, style, verb, none = CHECKLIST_ECHO[prompt.kind]
            present = [f for f, v in value.items() if v is True]
            unknown = [f for f, v in value.items() if v == "unknown"]
            if present:
                self.say(f"{found}: " + ", ".join(label(f) for f in present), style=style)
            elif unknown:
                self.say("Not known: " + ", ".join(label(f) for f in unknown)
                         + f" ({verb} before treating; named on the result)", style="yellow")
            else:
                self.say(none, style="dim")
        elif prompt.kind == "pain_map":
            shown = "not known" if value == "unknown" else (", ".join(label(r) for r in value) or "none")
            self.say(f"Pain map: {shown}", style="dim")

    def describe(self, step) -> str:
        return f"{self.iv.question_text(step.item)} — {self.iv.answer_text(step)}"

    # ---- answers, why and how ------------------------------------------------------
    def show_answers(self) -> None:
        lines = self.iv.review()
        if not lines:
            self.say("No answer yet.", style="yellow")
            return
        self.say(f"Answers so far ({len(lines)}); `edit N` changes one, everything after it is kept:", style="bold")
        for line in lines:
            self.row(f"{line.number}.", f"{line.question} — {line.answer}")
        if self.iv.session.history:
            self.row("", f"Intake: {self.iv.session.history.summary()} (`intake` changes it)", "dim")

    def show_why(self, prompt: Prompt, level: int) -> None:
        why = self.iv.why(level, prompt)
        head = f"why ({why.level}): "
        self.hang(head, f"{why.rule}  {why.statement}" if why.rule else why.statement, "cyan")
        for line in why.detail.splitlines():
            self.hang(" " * len(head), line, "cyan")
        if not why.top:
            self.hang(" " * len(head), "(why again climbs one level)", "dim")

    def show_how(self, focus: str | None = None) -> None:
        from myotrace.expert.interview.session import references

        groups = self.iv.how()
        if focus:
            wanted = focus.strip().lower()
            by_stage = [g for g in groups if g.stage == wanted]
            if by_stage:
                groups = by_stage
            else:
                firings = [f for g in groups for f in g.firings if f.rule.lower() == wanted]
                if not firings:
                    self.say(f"nothing under {clip(focus)!r}: give a stage ("
                             + ", ".join(g.stage for g in groups) + ") or a rule id, e.g. how SAT-003",
                             style="yellow")
                    return
                firing = firings[0]
                self.hang(f"{firing.rule}: ", firing.statement, "bold")
                fired = f"fired {len(firings)} time{'s' if len(firings) != 1 else ''} in this consultation"
                self.hang("  ", fired, "dim")
                refs = references(firing.source)
                if refs:
                    self.hang("  Sources: ", "; ".join(refs), "dim")
                return
        self.say(f"How: {note.headline(self.iv)}", style="bold")
        for group in groups:
            if not group.sentences:
                continue
            self.say(group.stage.capitalize(), style="bold")
            for sentence in group.sentences:
                self.hang("  • ", sentence)
            if group.references:
                self.hang("    Sources: ", "; ".join(group.references), "dim")
        self.say("how STAGE or how RULE-ID for one step (e.g. how satellites).", style="dim")

    # ---- the result -------------------------------------------------------------
    def status_line(self, status: str) -> str:
        asked = self.iv.counts()["prompts"]
        decisive = len(note.open_question_lines(self.iv))
        if status == "red_flag":
            return "A red flag ends the interview: act on the advice below now."
        if status == "settled":
            return (f"Settled after {questions(asked)}: no remaining question can change the triage, "
                    "the primary muscle or the chains.")
        if status == "exhausted":
            return f"Every question has been answered ({asked})."
        if status == "undecided":
            unknown = [n for n, step in enumerate(self.iv.session.answers, 1)
                       if step.value == "unknown" and step.item != "red_flags"]
            palpations = [n for n in unknown if self.iv.session.answers[n - 1].item.startswith(PALPATE)]
            if not unknown:
                return f"Not enough to go on after {questions(asked)}, and nothing left to ask can decide it."
            return (f"Not enough to go on after {questions(asked)}: {len(unknown)} answer"
                    f"{'s' if len(unknown) != 1 else ''} that could decide it "
                    f"{'are' if len(unknown) != 1 else 'is'} not known"
                    + (f" (palpation first: {', '.join(map(str, palpations[:6]))})" if palpations else "")
                    + "; `edit N` records one once it is known.")
        if not decisive:
            return f"Result so far, after {questions(asked)}: no question left could change it."
        return (f"Result so far, after {questions(asked)}: {questions(decisive)} "
                "could still change it (listed below; `continue` asks them).")

    def compact_result(self, status: str) -> None:
        """The result in a screenful: headline first, details on request."""
        from rich.panel import Panel
        from rich.text import Text

        from myotrace.expert.present.render import TRIAGE_STYLE, chain_line

        report, case = self.iv.report, self.iv.case
        self.say("")
        self.say(self.status_line(status), style="bold")
        lines = [note.headline(self.iv)]
        warning = note.screen_warning(self.iv)
        if warning:
            lines.append(warning)
        lines.append(f"case: {plain(report.case, multiline=False)}" + (f"   side: {report.side}" if report.side else ""))
        self.console.print(Panel(Text("\n".join(lines)), style=TRIAGE_STYLE[report.triage], expand=False))
        if case.history:
            self.hang("History: ", case.history.summary())
        for line in report.advice:
            self.hang("Advice: ", line)
        if report.chain:
            self.hang("Working hypothesis: " if report.chain_is_hypothesis else "Chain: ", chain_line(report))
        for chain in report.secondary_chains:
            self.hang("Also active: ", " → ".join(label(m) for m in chain))
        if report.conditions:
            self.hang("Conditions: ", ", ".join(label(c) for c in report.conditions))
        if report.protocol.steps:
            self.hang(f"Protocol ({len(report.protocol.steps)} steps): ", "1. " + report.protocol.steps[0]
                      + (" …" if len(report.protocol.steps) > 1 else ""))
        for line in report.protocol.avoid[:1]:
            self.hang("Avoid: ", line)
        for line in report.safety_net[:1]:
            self.hang("Tell the patient: ", line)
        if self.iv.session.unpalpable:
            self.hang("Palpation not conclusive: ", ", ".join(label(m) for m in self.iv.session.unpalpable))
        open_lines = note.open_question_lines(self.iv)
        if open_lines and status in ("stopped", "open"):
            self.say(f"Could still change it ({len(open_lines)}):", style="bold")
            for line in open_lines[:8]:
                self.hang("  • ", line)
            if len(open_lines) > 8:
                self.say(f"  … {len(open_lines) - 8} more under `details`", style="dim")

    def details(self) -> None:
        from myotrace.expert.present.render import render_text

        warning = note.screen_warning(self.iv)
        if warning:
            self.say(warning, style="bold yellow")
        render_text(self.iv.report.model_copy(update={"open_questions": note.open_question_lines(self.iv)}),
                    self.console)
        optional = note.optional_lines(self.iv)
        if optional and self.iv.status in ("settled", "exhausted"):
            self.say(f"\nOptional questions (`go on` asks them; they cannot change the conclusion) "
                     f"({len(optional)}):", style="bold")
            for line in optional:
                self.hang("  • ", line)

    def menu(self, status: str, optional: int) -> None:
        options = list(MENU)
        if status == "stopped":
            options.append("continue")
        elif status not in ("red_flag", "undecided") and optional:
            options.append(f"go on ({optional} optional question{'s' if optional != 1 else ''})")
        options += ["help", "quit"]
        self.say("Next: " + " · ".join(options), style="bold")

