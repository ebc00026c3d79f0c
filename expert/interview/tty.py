"""The interview in a terminal: plain ``input()`` for reading, rich for printing.

Works in a real terminal, a bare pseudo-terminal and with piped input. All the
reasoning is in ``expert.interview``; this module only shows prompts, parses
what is typed and saves the session after every change.

End of input saves and exits 0; Ctrl-C saves, prints the resume command and
exits 130; neither prints a traceback.
"""
from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

from myotrace.expert.errors import InputError, did_you_mean
from myotrace.expert.interview.session import Interview, Prompt, Session, now
from myotrace.expert.files import output_path
from myotrace.expert.interview.store import case_yaml, claim_session, save_session, write_private
from myotrace.expert.present.safe import clean, plain
from myotrace.expert.report import question_wording
from myotrace.facts.vocabulary import PAIN_MAP, PALPATE, RED_FLAGS, REGIONS, label

YES = {"y", "yes", "true", "t", "+"}
NO = {"n", "no", "false", "f", "-"}
UNKNOWN = {"u", "unknown", "unk", "dk", "don't know", "dont know", "not known", "?u"}
NONE_PRESENT = {"none", "no", "n", "0", "nil"}

PALPATION_HINT = ("Press the muscle's trigger-point areas firmly for a few seconds: answer yes only when "
                  "it reproduces the patient's familiar pain (local tenderness alone is no).")
PAIN_MAP_HINT = "Ask the patient to point to every painful area, including where the pain spreads."
RED_FLAG_HINT = "Ask every item directly; a patient rarely volunteers them."

HELP = """\
Answers:   y / yes   n / no   u / unknown (not asked again)
Commands:  why       why this question; `why` again climbs one level
           back      change the previous answer (everything is re-derived)
           how       how the conclusion so far was reached (rule firings by stage);
                     how STAGE or how RULE-ID narrows it (e.g. how satellites, how SAT-003)
           result    stop asking and show the result now
           help      this text
           quit      save and leave (resume later with --resume)
The session is saved after every answer; Ctrl-C also saves."""

RESULT_HELP = """\
Commands:  report [FILE]   write the markdown report
           export [FILE]   write the answers as a case file (for diagnose, explain, evaluate)
           how [STAGE|ID]  how each conclusion was reached (rule firings by stage)
           back            change the last answer and re-derive
           go on           keep asking: the optional questions that cannot change the conclusion
           quit            save and leave"""


class Quit(Exception):
    """The therapist typed quit."""


class Hangup(Exception):
    """The terminal went away (SIGHUP) or the process was asked to stop (SIGTERM)."""


def _hang_up(signum, frame):
    raise Hangup(signum)


def default_session_path() -> Path:
    return Path(f"myotrace-session-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json")


def sibling(path: Path, what: str, suffix: str) -> Path:
    """myotrace-session-X.json -> myotrace-case-X.yaml / myotrace-report-X.md."""
    stem = path.stem
    name = stem.replace("session", what) if "session" in stem else f"{stem}-{what}"
    return path.with_name(name + suffix)


class Terminal:
    def __init__(self, interview: Interview, path: Path, console, export: Path | None = None,
                 read=input):
        self.iv = interview
        self.path = path
        self.console = console
        self.export = export
        self.read_line = read
        self.echo = read is input and not sys.stdin.isatty()
        self.kb = interview.engine.kb

    # ---- small helpers ---------------------------------------------------------
    def say(self, text: str = "", style: str | None = None, wrap: bool = True) -> None:
        """Print plain text (never markup, controls shown as escapes); ``wrap=False`` keeps a command on one line."""
        self.console.print(plain(text), style=style, markup=False, highlight=False, soft_wrap=not wrap)

    def read(self, prompt: str = "> ") -> str:
        self.console.file.flush()
        line = self.read_line(prompt)
        if self.echo:
            self.console.file.write(plain(line, multiline=False) + "\n")  # a readable transcript with piped input
        return line.strip()

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
                    self.ask(prompt)
        except Quit:
            return self.leave("Session saved", 0)
        except EOFError:
            return self.leave("\nEnd of input: session saved", 0)
        except KeyboardInterrupt:
            return self.leave("\nInterrupted: session saved", 130)
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
            self.say("myotrace interview: red flags first, then the pain map, then only what can still "
                     "change the conclusion.", style="bold")
        self.say(f"Session file: {self.path} (saved after every answer)", wrap=False)
        self.say("Type `help` for the commands.")

    # ---- one prompt -------------------------------------------------------------
    def ask(self, prompt: Prompt) -> None:
        number = self.iv.counts()["prompts"] + 1
        self.show(prompt, number)
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
                    self.say(f"{error}", style="red")
                    self.row("", self.answer_hint(prompt), "dim")
                    continue
                before = self.conclusion()
                self.iv.answer(value)
                self.save()
                self.after_answer(prompt, value)
                if self.conclusion() != before and not self.iv.red_flag:
                    self.say(f"Now: {self.conclusion_text()}", style="green")
                return

    def show(self, prompt: Prompt, number: int) -> None:
        decisive = self.iv.decisive
        left = sum(q["kind"] != "red_flag" for q in decisive) + any(q["kind"] == "red_flag" for q in decisive)
        tail = "optional" if prompt.optional else f"{left} question{'s' if left != 1 else ''} open"
        self.say("")
        if prompt.kind == "red_flag_screen":
            self.row(f"[{number}]", f"Red-flag screen: is any of these present?  ({tail})", "bold")
            for index, flag in enumerate(prompt.items, 1):
                self.row(f"{index}", self.kb.findings[flag].question)
            self.row("how:", RED_FLAG_HINT, "dim")
        elif prompt.kind == "pain_map":
            self.row(f"[{number}]", f"Pain map: where does it hurt? Pick every painful region.  ({tail})", "bold")
            self.say(region_columns())
            self.row("how:", PAIN_MAP_HINT, "dim")
        else:
            item = prompt.item
            text = question_wording(self.kb, item)
            hint = PALPATION_HINT if item.startswith(PALPATE) else self.kb.findings[item].hint
            self.row(f"[{number}]", f"{text}  ({tail})", "bold")
            self.row("how:", hint, "dim")
        self.row("", self.answer_hint(prompt), "dim")

    @staticmethod
    def answer_hint(prompt: Prompt) -> str:
        if prompt.kind == "red_flag_screen":
            return ("Type the numbers present (e.g. 3 or 2 5), or `none`; u6 marks item 6 as not known "
                    "(e.g. none u6). why · back · help · quit")
        if prompt.kind == "pain_map":
            return "Numbers, ranges or ids (e.g. 3 7-9 lateral_calf), or unknown. why · back · help · quit"
        return "y / n / u (unknown) · why · back · how · help · quit"

    def parse(self, prompt: Prompt, line: str):
        if prompt.kind == "red_flag_screen":
            return parse_checklist(line, prompt.items)
        if prompt.kind == "pain_map":
            return parse_regions(line)
        word = line.lower()
        if word in YES:
            return True
        if word in NO:
            return False
        if word in UNKNOWN:
            return "unknown"
        raise ValueError(f"not an answer: {line!r}")

    def conclusion(self) -> tuple:
        report = self.iv.report
        return report.triage, report.primary_muscle, tuple(report.chain)

    def conclusion_text(self) -> str:
        from myotrace.expert.present.render import chain_line

        report = self.iv.report
        return f"triage {report.triage}" + (f"; chain {chain_line(report)}" if report.chain else "")

    def after_answer(self, prompt: Prompt, value) -> None:
        if prompt.kind == "red_flag_screen":
            present = [f for f, v in value.items() if v is True]
            unknown = [f for f, v in value.items() if v == "unknown"]
            if present:
                self.say("Red flag: " + ", ".join(label(f) for f in present), style="bold red")
            elif unknown:
                self.say("Not known: " + ", ".join(label(f) for f in unknown)
                         + " (shown again on the result)", style="yellow")
            else:
                self.say("No red flag.", style="dim")
        elif prompt.kind == "pain_map":
            shown = "not known" if value == "unknown" else (", ".join(label(r) for r in value) or "none")
            self.say(f"Pain map: {shown}", style="dim")

    def go_back(self) -> None:
        step = self.iv.back()
        self.save()
        if step is None:
            self.say("Nothing to undo: this is the first question.", style="yellow")
        else:
            self.say(f"Undone: {describe_step(step)}. Asking it again.", style="yellow")

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

        width = max(40, self.console.width - 1)
        self.say(textwrap.fill(text, width=width, initial_indent=head, subsequent_indent=" " * len(head)),
                 style=style, wrap=False)

    def show_how(self, focus: str | None = None) -> None:
        groups = self.iv.how()
        if focus:
            wanted = focus.lower()
            groups = [g for g in groups if g.stage == wanted] or [
                type(g)(g.stage, [f for f in g.firings if f.rule.lower() == wanted]) for g in groups]
            groups = [g for g in groups if g.firings]
            if not groups:
                self.say(f"no firing of {focus!r} (give a stage or a rule id, e.g. how satellites, how SAT-003)",
                         style="yellow")
                return
        self.say(f"How: triage {self.iv.report.triage}"
                 + (f", primary {label(self.iv.report.primary_muscle)}" if self.iv.report.primary_muscle else ""),
                 style="bold")
        for group in groups:
            self.say(f"{group.stage.capitalize()}", style="bold")
            for firing in group.firings:
                self.hang(f"  {firing.rule}  ", firing.statement)
                for fact in firing.declared:
                    self.hang("      ⇒ ", compact(fact), "dim")
                for change in firing.certainty:
                    self.hang("      ", f"{label(change['muscle'])}: certainty {change['before']:.2f} → "
                              f"{change['after']:.2f}", "dim")

    # ---- the result -------------------------------------------------------------
    def result_screen(self) -> str:
        from myotrace.expert.present.render import render_text

        status = self.iv.status
        self.say("")
        if status == "red_flag":
            self.say("A red flag ends the interview: act on the advice below now.", style="bold red")
        elif status == "settled":
            self.say("Settled: no remaining question can change the triage, the primary muscle or the chain.",
                     style="bold")
        elif status == "exhausted":
            self.say("Every question has been answered.", style="bold")
        else:
            self.say(f"Result so far: {len(self.iv.decisive)} question(s) could still change it "
                     "(listed under Open questions).", style="bold")
        render_text(self.iv.report, self.console)
        self.notes()
        if self.export:
            self.write_case(self.export)
        optional = len(self.iv.optional_items()) if status in ("settled", "exhausted") else 0
        self.menu(status, optional)
        while True:
            words = self.read().split(maxsplit=1)
            command = words[0].lower() if words else ""
            argument = words[1].strip() if len(words) > 1 else None
            if command in ("quit", "q", "exit", "done"):
                return "quit"
            if command in ("back", "b"):
                self.go_back()
                return "continue"
            if command in ("go", "more", "continue", "c", "g"):
                if status == "red_flag":
                    self.say("A red flag ends the interview; use back if it was entered by mistake.",
                             style="yellow")
                    continue
                if status == "stopped":
                    self.iv.resume_asking()
                elif not self.iv.optional_items():
                    self.say("There is nothing left to ask.", style="yellow")
                    continue
                else:
                    self.iv.go_on()
                self.save()
                return "continue"
            if command == "report":
                self.write_report(Path(argument) if argument else sibling(self.path, "report", ".md"))
            elif command == "export":
                self.write_case(Path(argument) if argument else sibling(self.path, "case", ".yaml"))
            elif command == "how":
                self.show_how(argument)
            elif command in ("help", "h", "?"):
                self.say(RESULT_HELP)
            elif command == "":
                self.menu(status, optional)
            else:
                self.say(f"unknown command {command!r}", style="yellow")
                self.menu(status, optional)

    def menu(self, status: str, optional: int) -> None:
        options = ["report [FILE]", "export [FILE]", "how", "back"]
        if status == "stopped":
            options.append("continue (ask the rest)")
        elif status != "red_flag" and optional:
            options.append(f"go on ({optional} optional question{'s' if optional != 1 else ''})")
        options += ["help", "quit"]
        self.say("\nNext: " + " · ".join(options), style="bold")

    def notes(self) -> None:
        case = self.iv.case
        unknown_flags = [f for f in RED_FLAGS if case.findings.get(f) == "unknown"]
        if unknown_flags:
            self.say("\nRed flags not known (screen them before treating): "
                     + ", ".join(label(f) for f in unknown_flags), style="bold yellow")
        if self.iv.session.unpalpable:
            self.say("Palpation not conclusive: " + ", ".join(label(m) for m in self.iv.session.unpalpable),
                     style="dim")

    def write_report(self, path: Path) -> None:
        from myotrace.expert.present.render import render_markdown

        if self.write(path, render_markdown(self.iv.report) + "\n"):
            self.say(f"Report written to {path}")

    def write_case(self, path: Path) -> None:
        note = f"exported from interview session {self.path.name} on {now()}"
        if self.write(path, case_yaml(self.iv.case, self.iv.session.unpalpable, note)):
            self.say(f"Case file written to {path} (myotrace diagnose {path})", wrap=False)

    def write(self, path: Path, text: str) -> bool:
        try:
            write_private(path, text)
        except InputError as error:  # not a place for a file (a device, a folder, ...)
            self.say(f"cannot write {error}", style="red")
            return False
        except OSError as error:
            self.say(f"cannot write {path}: {error.strerror}", style="red")
            return False
        return True


# ---- parsing ---------------------------------------------------------------------
def _numbers(token: str, limit: int) -> list[int]:
    match = re.fullmatch(r"(\d+)(?:-(\d+))?", token)
    if not match:
        raise ValueError(f"not a number or range: {token!r}")
    first, last = int(match[1]), int(match[2] or match[1])
    if not (1 <= first <= last <= limit):
        raise ValueError(f"{token}: choose numbers from 1 to {limit}")
    return list(range(first, last + 1))


def parse_checklist(line: str, items) -> dict:
    """'none', '3 7', 'none u6', 'u' (all not known) -> {flag: True | False | 'unknown'}."""
    tokens = [t for t in re.split(r"[\s,;]+", line.lower()) if t]
    if tokens in (["u"], ["unknown"]):
        return {flag: "unknown" for flag in items}
    present, unknown, said_none = set(), set(), False
    for token in tokens:
        if token in NONE_PRESENT:
            said_none = True
        elif token.startswith("u"):
            unknown.update(_numbers(token[1:], len(items)))
        else:
            present.update(_numbers(token, len(items)))
    if said_none and present:
        raise ValueError("`none` and numbers together: type either the numbers present or none")
    if not (said_none or present):
        raise ValueError("type the numbers present, or `none` (every item must be asked)")
    if present & unknown:
        raise ValueError("an item cannot be both present and not known")
    return {flag: True if i in present else "unknown" if i in unknown else False
            for i, flag in enumerate(items, 1)}


def parse_regions(line: str):
    """'3 7-9 lateral_calf' -> region ids in the contract's order; 'unknown' -> 'unknown'."""
    word = line.strip().lower()
    if word in UNKNOWN:
        return "unknown"
    chosen = set()
    for token in (t for t in re.split(r"[\s,;]+", word) if t):
        if token[0].isdigit():
            chosen.update(REGIONS[i - 1] for i in _numbers(token, len(REGIONS)))
            continue
        name = token.replace("-", "_")
        matches = [r for r in REGIONS if r == name] or [r for r in REGIONS if r.startswith(name)]
        if len(matches) != 1:
            hint = (f" (matches {', '.join(matches)})" if matches else did_you_mean(name, REGIONS))
            raise ValueError(f"not one pain region: {token!r}{hint}")
        chosen.add(matches[0])
    return [r for r in REGIONS if r in chosen]


def keys_for(prompt: Prompt, value) -> str:
    """What a person would type to give ``value`` at ``prompt`` (the inverse of parsing)."""
    if prompt.kind == "red_flag_screen":
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


def compact(fact: dict) -> str:
    """A declared fact as one short line (its type and fields, no bookkeeping)."""
    from myotrace.expert.trace import fact_text

    skip = {"rule", "label"} if "reason" in fact else {"rule"}
    return fact_text({k: v for k, v in fact.items() if k not in skip})


def describe_step(step) -> str:
    if isinstance(step.value, dict):
        present = [label(f) for f, v in step.value.items() if v is True]
        return "red-flag screen (" + (", ".join(present) + " present" if present else "none present") + ")"
    if step.item == PAIN_MAP:
        return "pain map (" + ("not known" if step.value == "unknown" else ", ".join(map(label, step.value))) + ")"
    value = {True: "yes", False: "no"}.get(step.value, step.value)
    return f"{step.item} = {value}"


# ---- entry point (called by cli.py) ------------------------------------------------
def run_interview(resume: Path | None = None, session_path: Path | None = None,
                  export: Path | None = None, side: str | None = None, case_id: str | None = None,
                  console=None) -> int:
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
        terminal = Terminal(Interview(session), Path(path), console, export)
        import signal
        previous = {sig: signal.signal(sig, _hang_up) for sig in (signal.SIGHUP, signal.SIGTERM)}
        try:
            return terminal.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        lock.release()
