"""The interview in a terminal: plain ``input()`` for reading, rich for printing.

Works in a real terminal, a bare pseudo-terminal and with piped input. All the
reasoning is in ``expert.interview``; this module only shows prompts, parses
what is typed and saves the session after every change.

End of input saves and exits 0; Ctrl-C saves, prints the resume command and
exits 130; neither prints a traceback. With piped (non-interactive) input a bad
answer saves the session, prints one line on stderr and exits 2.
"""
from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from myotrace.expert.errors import InputError, did_you_mean
from pydantic import ValidationError

from myotrace.expert.files import output_path
from myotrace.expert.interview import note
from myotrace.expert.interview.session import (
    CHECKLIST_KINDS, NERVE_SCREEN_STEP, Interview, Prompt, Session, identity_warning, now,
)
from myotrace.expert.interview.store import claim_session, save_session, write_private
from myotrace.expert.present.safe import clean, plain
from myotrace.expert.report import question_wording
from myotrace.facts.case import HISTORY_HINTS, History
from myotrace.facts.vocabulary import PAIN_MAP, PALPATE, REGIONS, label

YES = {"y", "yes", "true", "t", "+"}
NO = {"n", "no", "false", "f", "-"}
UNKNOWN = {"u", "unknown", "unk", "dk", "don't know", "dont know", "not known", "?u"}
NONE_PRESENT = {"none"}  # only an explicit word clears the red-flag screen: never 0, n or no
ECHO_LIMIT = 60           # never echo more of a bad answer than this

PALPATION_HINT = ("Press the muscle's trigger-point areas firmly for a few seconds: answer yes only when "
                  "it reproduces the patient's familiar pain (local tenderness alone is no).")
PAIN_MAP_HINT = "Ask the patient to point to every painful area, including where the pain spreads."
RED_FLAG_HINT = "Ask every item directly; a patient rarely volunteers them."
NERVE_SCREEN_HINT = "Examine every item on both sides; a sign not examined is not a negative one."
INTAKE_FIELDS = (  # (field, prompt)
    ("age", "Age (years)"),
    ("onset", "Onset (sudden / gradual)"),
    ("duration_weeks", "Duration (weeks)"),
    ("pain_intensity", "Pain intensity, worst in the last week (0-10)"),
    ("aggravating", "What makes it worse"),
)

HELP = """\
Answers:   y / yes   n / no   u / unknown (not asked again)
Commands:  why          why this question; `why` again climbs one level
           back         change the previous answer (everything is re-derived)
           answers      a numbered review of every answer so far
           edit N       change answer N (or edit ITEM, e.g. edit pain_map, edit fever)
           intake       record or change age, onset, duration, pain intensity, notes
           how          how the conclusion so far was reached, with its references;
                        how STAGE or how RULE-ID narrows it (e.g. how satellites, how SAT-003)
           result       stop asking and show the result now
           help         this text
           quit         save and leave (resume later with --resume)
The session is saved after every answer; Ctrl-C also saves."""

RESULT_HELP = """\
Commands:  details              the full result: evidence, myths, protocol, home care
           answers / edit N     review the answers / change one and re-derive
           report FILE [--force]  write the clinical note; the extension picks the
                                format: .md Markdown, .html HTML, .json JSON report,
                                .yaml case file; --force overwrites an existing file
           export [FILE] [--force]  write the answers as a case file (diagnose, explain)
           how [STAGE|ID]       how the conclusion was reached, with its references
           intake               record or change the intake
           back                 change the last answer and re-derive
           go on                keep asking: optional questions that cannot change it
           quit                 save and leave"""


class Quit(Exception):
    """The therapist typed quit."""


class Hangup(Exception):
    """The terminal went away (SIGHUP) or the process was asked to stop (SIGTERM)."""


class BadPipedInput(Exception):
    """A bad answer arrived through piped (non-interactive) input: nobody can correct it."""


def _hang_up(signum, frame):
    raise Hangup(signum)


def default_session_path() -> Path:
    return Path(f"myotrace-session-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json")


def sibling(path: Path, what: str, suffix: str) -> Path:
    """myotrace-session-X.json -> myotrace-case-X.yaml / myotrace-report-X.md."""
    stem = path.stem
    name = stem.replace("session", what) if "session" in stem else f"{stem}-{what}"
    return path.with_name(name + suffix)


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """At most ``limit`` characters of what was typed, for messages."""
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


# How a checklist answer is echoed: (what a yes is called, its style, the verb for the open items, none)
CHECKLIST_ECHO = {
    "red_flag_screen": ("Red flag", "bold red", "screen", "No red flag."),
    "nerve_screen": ("Nerve sign", "bold yellow", "examine", "No nerve sign."),
}


class Terminal:
    def __init__(self, interview: Interview, path: Path, console, export: Path | None = None,
                 read=input, intake: bool | None = None):
        self.iv = interview
        self.path = path
        self.console = console
        self.export = export
        self.read_line = read
        self.piped = read is input and not sys.stdin.isatty()
        self.echo = self.piped
        self.intake_wanted = (not self.piped) if intake is None else intake
        self.kb = interview.engine.kb
        self.lines_read = 0
        self.reviewed = False

    # ---- small helpers ---------------------------------------------------------
    def say(self, text: str = "", style: str | None = None, wrap: bool = True) -> None:
        """Print plain text (never markup, controls shown as escapes); ``wrap=False`` keeps a command on one line."""
        self.console.print(plain(text), style=style, markup=False, highlight=False, soft_wrap=not wrap)

    def read(self, prompt: str = "> ") -> str:
        self.console.file.flush()
        line = self.read_line(prompt)
        self.lines_read += 1
        if self.echo:
            self.console.file.write(plain(clip(line, 200), multiline=False) + "\n")  # a readable transcript with piped input
        return line.strip()

    def bad(self, message: str) -> None:
        """A bad answer: explained in a terminal; with piped input, fatal (exit 2)."""
        if self.piped:
            raise BadPipedInput(f"line {self.lines_read}: {message}")
        self.say(message, style="red")

    def row(self, left: str, text: str, style: str | None = None) -> None:
        """``left`` in a narrow column, ``text`` wrapped beside it (hanging indent)."""
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=max(4, len(left)), no_wrap=True, justify="right")
        grid.add_column()
        grid.add_row(Text(plain(left), style=style or ""), Text(plain(text), style=style or ""))
        self.console.print(grid)

    def save(self) -> None:
        save_session(self.iv.session, self.path)

    def resume_hint(self) -> str:
        return f"myotrace interview --resume {self.path}"

    # ---- the loop --------------------------------------------------------------
    def run(self) -> int:
        try:
            return self._run()
        except Hangup as signal_number:
            self.save()  # nobody may be left to read a message
            return 128 + signal_number.args[0]

    def farewell(self, text: str) -> None:
        try:
            self.say(text, wrap=False)
        except OSError:  # the terminal is gone; the session is saved
            pass

    def _run(self) -> int:
        try:
            self.save()
            self.intro()
            while True:
                prompt = self.iv.next_prompt()
                if prompt is None:
                    if self.result_screen() == "quit":
                        break
                else:
                    self.reviewed = False
                    self.ask(prompt)
        except Quit:
            return self.leave("Session saved", 0)
        except EOFError:
            return self.leave("\nEnd of input: session saved", 0)
        except KeyboardInterrupt:
            return self.leave("\nInterrupted: session saved", 130)
        except BadPipedInput as error:
            self.save()
            print(plain(f"error: piped answer on {error}; session saved to {self.path} "
                        f"(see myotrace interview --help)", multiline=False), file=sys.stderr)
            return 2
        self.save()
        self.farewell(f"Session saved to {self.path}.")
        return 0

    def leave(self, saved: str, code: int) -> int:
        """Save before the end of the interview and say how to resume it."""
        self.save()
        self.farewell(f"{saved} to {self.path}.\nResume with: {self.resume_hint()}")
        return code

    def intro(self) -> None:
        n = len(self.iv.session.answers)
        if n:
            self.say(f"Resuming {self.path}: {n} answer(s) so far; the conclusion is re-derived from them.",
                     style="bold")
        else:
            self.say("myotrace interview: red flags first, then the pain map and the nerve screen, then only what can still "
                     "change the conclusion.", style="bold")
        self.say(f"Session file: {self.path} (saved after every answer)", wrap=False)
        warning = identity_warning(self.iv.session.case)
        if warning:
            self.say(f"Warning: case label {warning}.", style="bold yellow")
        self.say("Type `help` for the commands.")
        if not n and self.iv.session.history is None and self.intake_wanted:
            self.ask_intake()

    # ---- intake ------------------------------------------------------------------
    def ask_intake(self) -> None:
        """Age, onset, duration, pain intensity, what makes it worse, notes; Enter skips a line."""
        current = self.iv.session.history or History()
        self.say("")
        self.row("", "Intake (Enter skips a line; `intake` at any question changes it; never the patient's name)",
                 "bold")
        values = current.model_dump()
        for field, text in INTAKE_FIELDS:
            while True:
                shown = values.get(field)
                line = self.read(f"  {text}{f' [{shown:g}]' if isinstance(shown, float) else f' [{shown}]' if shown not in (None, '') else ''}: ")
                if line.lower() in ("quit", "q", "exit"):
                    raise Quit
                if line == "":
                    break
                try:
                    value = parse_intake(field, line)
                    History.model_validate({field: value})
                    values[field] = value
                except (ValueError, ValidationError):
                    self.bad(f"{text}: {clip(line)!r} is not valid; give {HISTORY_HINTS[field]} (Enter skips)")
                    continue
                break
        notes = self.read(f"  Notes (free text){' [kept]' if self.iv.session.notes else ''}: ")
        warning = identity_warning(notes)
        if warning:
            self.say(f"Warning: the note {warning}.", style="bold yellow")
        self.iv.record_history(History.model_validate(values), notes or None)
        self.save()
        self.say(f"Intake: {self.iv.session.history.summary()}", style="dim")

    # ---- one prompt -------------------------------------------------------------
    def ask(self, prompt: Prompt) -> None:
        self.show(prompt)
        why_level = 0
        while True:
            line = self.read()
            word = line.lower()
            if word in ("why", "w"):
                why_level += 1
                self.show_why(prompt, why_level)
                continue
            why_level = 0
            if word in ("help", "h", "?"):
                self.say(HELP)
            elif word in ("back", "b"):
                self.go_back()
                return
            elif word in ("answers", "review"):
                self.show_answers()
            elif word == "edit" or word.startswith("edit "):
                if self.edit_command(line):
                    return
            elif word == "intake":
                self.ask_intake()
                self.show(prompt)
            elif word == "how" or word.startswith("how "):
                self.show_how(line.split(maxsplit=1)[1] if " " in line else None)
            elif word in ("result", "done", "stop"):
                self.iv.stop()
                self.save()
                return
            elif word in ("quit", "q", "exit"):
                raise Quit
            elif word == "":
                self.row("", self.answer_hint(prompt), "dim")
            else:
                try:
                    value = self.parse(prompt, line)
                except ValueError as error:
                    self.bad(f"{error}")
                    self.show(prompt)   # the question again, not only the hint
                    continue
                before = self.conclusion()
                self.iv.answer(value)
                self.save()
                self.after_answer(prompt, value)
                if self.conclusion() != before and not self.iv.red_flag:
                    self.say(f"Now: {self.conclusion_text()}", style="green")
                return

    def show(self, prompt: Prompt, progress: bool = True) -> None:
        """The question, how to find the answer, and how to type it; ``progress`` above it."""
        where = self.iv.progress(prompt)
        number = f"[{where.number}]" if progress else "edit"
        self.say("")
        if progress:
            self.row("", where.text(), "dim")
        if prompt.kind in CHECKLIST_KINDS:
            red = prompt.kind == "red_flag_screen"
            self.row(number, "Red-flag screen: is any of these present?" if red
                     else "Nerve screen: is any of these signs present?", "bold")
            for index, flag in enumerate(prompt.items, 1):
                self.row(f"{index}", self.kb.findings[flag].question)
            self.row("how:", RED_FLAG_HINT if red else NERVE_SCREEN_HINT, "dim")
        elif prompt.kind == "pain_map":
            self.row(number, "Pain map: where does it hurt? Pick every painful region.", "bold")
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
            return ("Type the numbers present (e.g. 3 or 2 5), or the word `none` when every item was asked "
                    "and is absent; u6 marks item 6 not known (e.g. none u6); u alone: none could be asked. "
                    "why · back · help · quit")
        if prompt.kind == "pain_map":
            return ("Numbers, ranges or names (e.g. 3 7-9 lateral calf), or unknown. "
                    "why · back · answers · help · quit")
        return "y / n / u (unknown) · why · back · answers · edit N · how · help · quit"

    def parse(self, prompt: Prompt, line: str):
        if prompt.kind in CHECKLIST_KINDS:
            return parse_checklist(line, prompt.items)
        if prompt.kind == "pain_map":
            return parse_regions(line)
        return parse_yes_no(line)

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

    def go_back(self) -> None:
        flagged = self.iv.red_flag
        step = self.iv.back()
        if step is not None and flagged and self.iv.red_flag:
            # the red flag is in an earlier answer: undoing this one would change nothing that matters
            self.iv.session.answers.append(step)
            self.iv.refresh()
            where = next((line.number for line in self.iv.review() if line.item == "red_flags"), None)
            self.say(f"Not undone: the red flag is in an earlier answer, so the triage stands. "
                     + (f"To correct it, type edit {where}." if where else "Use edit N to correct it."),
                     style="yellow")
            return
        self.save()
        if step is None:
            self.say("Nothing to undo: this is the first question.", style="yellow")
        else:
            self.say(f"Undone: {self.describe(step)}. Asking it again.", style="yellow")

    def describe(self, step) -> str:
        return f"{self.iv.question_text(step.item)} — {self.iv.answer_text(step)}"

    # ---- review and edits --------------------------------------------------------
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

    def edit_command(self, line: str) -> bool:
        """``edit N`` / ``edit ITEM`` [value]: change one answer; True when it was changed."""
        words = line.split(maxsplit=1)
        if len(words) < 2:
            self.say("edit what? `edit N` (the number in `answers`) or `edit ITEM` (e.g. edit pain_map)",
                     style="yellow")
            return False
        target, _, typed = words[1].strip().partition(" ")
        typed = typed.strip()
        try:
            index, flag = self.iv.locate(target)
        except ValueError as error:
            self.say(str(error), style="yellow")
            return False
        step = self.iv.session.answers[index]
        prompt = self.edit_prompt(step, flag)
        self.say(f"Changing {index + 1}. {self.describe(step)}", style="bold")
        if not typed:
            self.show(prompt, progress=False)
        while True:
            typed = typed or self.read("new answer> ")
            if typed.lower() in ("", "cancel", "c"):
                self.say("Nothing changed.", style="dim")
                return False
            try:
                value = self.parse(prompt, typed)
            except ValueError as error:
                self.bad(str(error))
                typed = ""
                continue
            break
        before = self.conclusion()
        new = self.iv.edit(flag or index + 1, value)
        self.save()
        self.say(f"Changed: {self.describe(new)}. Later answers kept; the conclusion is re-derived.",
                 style="green")
        if self.conclusion() != before:
            self.say(f"Now: {self.conclusion_text()}", style="green")
        return True

    def edit_prompt(self, step, flag) -> Prompt:
        if flag is not None:
            return Prompt("question", (flag,), ())
        if isinstance(step.value, dict):
            return Prompt("nerve_screen" if step.item == NERVE_SCREEN_STEP else "red_flag_screen",
                          tuple(step.value), ())
        return Prompt("pain_map" if step.item == PAIN_MAP else "question", (step.item,), ())

    def review_screen(self) -> str | None:
        """Before the result: every answer, numbered. Enter shows the result; any other line
        is handled as on the result screen (so a scripted `report x.md` still works)."""
        self.say("")
        self.show_answers()
        self.say("Review: Enter shows the result · edit N changes an answer · back", style="bold")
        line = self.read()
        word = line.lower()
        if word in ("", "ok", "result", "y", "yes"):
            return None
        if word == "edit" or word.startswith("edit "):
            self.edit_command(line)
            return "again"
        if word in ("back", "b"):
            self.go_back()
            return "again"
        if word in ("answers", "review"):
            return "again"
        return line

    # ---- explanations -----------------------------------------------------------
    def show_why(self, prompt: Prompt, level: int) -> None:
        why = self.iv.why(level, prompt)
        head = f"why ({why.level}): "
        self.hang(head, f"{why.rule}  {why.statement}" if why.rule else why.statement, "cyan")
        for line in why.detail.splitlines():
            self.hang(" " * len(head), line, "cyan")
        if not why.top:
            self.hang(" " * len(head), "(why again climbs one level)", "dim")

    def hang(self, head: str, text: str, style: str | None = None) -> None:
        """``head`` then ``text``, wrapped at word boundaries with a hanging indent."""
        import textwrap

        width = max(30, self.console.width - 1)
        self.say(textwrap.fill(text, width=width, initial_indent=head, subsequent_indent=" " * len(head),
                               break_on_hyphens=False), style=style, wrap=False)

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
            return (f"Settled after {asked} questions: no remaining question can change the triage, "
                    "the primary muscle or the chains.")
        if status == "exhausted":
            return f"Every question has been answered ({asked})."
        if status == "undecided":
            unknown = [n for n, step in enumerate(self.iv.session.answers, 1)
                       if step.value == "unknown" and step.item != "red_flags"]
            palpations = [n for n in unknown if self.iv.session.answers[n - 1].item.startswith(PALPATE)]
            if not unknown:
                return f"Not enough to go on after {asked} questions, and nothing left to ask can decide it."
            return (f"Not enough to go on after {asked} questions: {len(unknown)} answer"
                    f"{'s' if len(unknown) != 1 else ''} that could decide it "
                    f"{'are' if len(unknown) != 1 else 'is'} not known"
                    + (f" (palpation first: {', '.join(map(str, palpations[:6]))})" if palpations else "")
                    + "; `edit N` records one once it is known.")
        if not decisive:
            return f"Result so far, after {asked} questions: no question left could change it."
        return (f"Result so far, after {asked} questions: {decisive} question{'s' if decisive != 1 else ''} "
                "could still change it (listed below; `continue` asks them).")

    def compact_result(self, status: str) -> None:
        """The result in a screenful: headline first, details on request."""
        from rich.panel import Panel

        from myotrace.expert.present.render import TRIAGE_STYLE, chain_line

        report, case = self.iv.report, self.iv.case
        self.say("")
        self.say(self.status_line(status), style="bold")
        lines = [note.headline(self.iv)]
        warning = note.screen_warning(self.iv)
        if warning:
            lines.append(warning)
        lines.append(f"case: {plain(report.case, multiline=False)}" + (f"   side: {report.side}" if report.side else ""))
        from rich.text import Text
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

    def result_screen(self) -> str:
        status = self.iv.status
        pending_line = None
        if status not in ("red_flag", "stopped") and not self.reviewed:
            outcome = self.review_screen()
            if outcome == "again":
                return "continue"
            self.reviewed = True
            pending_line = outcome
        if self.export:
            self.write_file(self.export, force=True, kind="case", quiet=True)
        self.compact_result(status)
        optional = len(self.iv.optional_items()) if status in ("settled", "exhausted") else 0
        self.menu(status, optional)
        while True:
            if pending_line is not None:
                line, pending_line = pending_line, None
            else:
                line = self.read()
            words = line.split(maxsplit=1)
            command = words[0].lower() if words else ""
            argument = words[1].strip() if len(words) > 1 else None
            if command in ("quit", "q", "exit", "done"):
                return "quit"
            if command in ("back", "b"):
                self.go_back()
                self.reviewed = False
                return "continue"
            if command in ("edit",):
                if self.edit_command(line):
                    self.reviewed = False
                    return "continue"
                continue
            if command in ("go", "more", "continue", "c", "g"):
                if status == "red_flag":
                    self.say("A red flag ends the interview; use back or edit if it was entered by mistake.",
                             style="yellow")
                    continue
                if status == "stopped":
                    self.iv.resume_asking()
                elif status == "undecided" or not self.iv.optional_items():
                    self.say("There is nothing left to ask.", style="yellow")
                    continue
                else:
                    self.iv.go_on()
                self.save()
                self.reviewed = False
                return "continue"
            if command == "report":
                self.file_command(argument, "report")
            elif command == "export":
                self.file_command(argument, "export")
            elif command == "how":
                self.show_how(argument)
            elif command in ("details", "more-details", "full"):
                self.details()
            elif command in ("answers", "review"):
                self.show_answers()
            elif command == "intake":
                self.ask_intake()
            elif command in ("help", "h", "?"):
                self.say(RESULT_HELP)
            elif command == "":
                self.menu(status, optional)
            else:
                self.bad(f"unknown command {clip(command)!r}; type help for the commands")
                self.menu(status, optional)

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
        options = ["details", "answers", "edit N", "report FILE", "export FILE", "how", "back"]
        if status == "stopped":
            options.append("continue")
        elif status not in ("red_flag", "undecided") and optional:
            options.append(f"go on ({optional} optional question{'s' if optional != 1 else ''})")
        options += ["help", "quit"]
        self.say("Next: " + " · ".join(options), style="bold")

    def file_command(self, argument: str | None, command: str) -> None:
        """report/export [FILE] [--force]: the extension picks the format."""
        words = (argument or "").split()
        force = any(w in ("--force", "-f", "force") for w in words)
        names = [w for w in words if w not in ("--force", "-f", "force")]
        if len(names) > 1:
            self.bad(f"{command} takes one file name (no spaces), then --force if it may overwrite")
            return
        if command == "export":
            path = Path(names[0]) if names else sibling(self.path, "case", ".yaml")
            kind = "case"
        else:
            path = Path(names[0]) if names else sibling(self.path, "report", ".md")
            kind = note.FORMATS.get(path.suffix.lower())
            if kind is None:
                self.bad(f"{clip(str(path))}: choose the format by the extension: .md, .html, .json or .yaml")
                return
        self.write_file(path, force, kind)

    def write_file(self, path: Path, force: bool, kind: str, quiet: bool = False) -> None:
        if path.exists() and not force:
            self.bad(f"{clip(str(path))} already exists: add --force to overwrite it "
                     f"(e.g. {'export' if kind == 'case' else 'report'} {clip(str(path))} --force)")
            return
        date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        text = note.render(self.iv, kind, date, self.path.name,
                           note=f"exported from interview session {self.path.name} on {now()}")
        try:
            write_private(path, text)
        except InputError as error:  # not a place for a file (a device, a folder, ...)
            self.bad(f"cannot write {error}")
            return
        except OSError as error:
            self.bad(f"cannot write {clip(str(path))}: {error.strerror}")
            return
        if kind == "case":
            self.say(f"Case file written to {path} (myotrace diagnose {path})", wrap=False)
        elif not quiet:
            self.say(f"Report written to {path} ({kind})", wrap=False)


# ---- parsing ---------------------------------------------------------------------
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
    """'3 7-9 lateral calf' -> region ids in the contract's order; 'unknown' -> 'unknown'.

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


def region_columns(columns: int = 3) -> str:
    rows = -(-len(REGIONS) // columns)
    cells = [f"{i:3} {label(r):<17}" for i, r in enumerate(REGIONS, 1)]
    lines = []
    for row in range(rows):
        lines.append("".join(cells[c * rows + row] for c in range(columns) if c * rows + row < len(cells)).rstrip())
    return "\n".join(lines)


# ---- entry point (called by cli.py) ------------------------------------------------
def run_interview(resume: Path | None = None, session_path: Path | None = None,
                  export: Path | None = None, side: str | None = None, case_id: str | None = None,
                  console=None, intake: bool | None = None) -> int:
    """Start or resume an interview; returns the exit code. Raises InputError for bad paths."""
    from rich.console import Console

    if resume is not None and session_path is not None:
        raise InputError("give either --resume FILE or --session FILE, not both")
    if export is not None:  # checked before the first question, not after the whole interview
        export = output_path(export, "case file export")
    if resume is not None:
        session, path, lock = claim_session(resume)
        if side:
            session.side = side
        if case_id:
            session.case = clean(case_id)
    else:
        path = session_path or default_session_path()
        if not path.parent.exists():
            raise InputError(f"{path.parent}: no such folder for the session file")
        if export is not None and export.exists():
            raise InputError(f"{export}: already exists; choose another --export file or remove it")
        output_path(path, "session file")
        session, path, lock = claim_session(path, new=Session(
            created=now(), side=side, case=clean(case_id or path.stem.replace("myotrace-session-", "interview-"))))
    try:  # the session file is ours until the end: release it whatever happens
        if sys.stdin.isatty():
            try:
                import readline  # noqa: F401  (line editing at the prompt)
            except ImportError:
                pass
        console = console or Console(highlight=False)
        terminal = Terminal(Interview(session), Path(path), console, export, intake=intake)
        import signal
        previous = {sig: signal.signal(sig, _hang_up) for sig in (signal.SIGHUP, signal.SIGTERM)}
        try:
            return terminal.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        lock.release()
