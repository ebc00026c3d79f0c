"""The interview in a terminal: plain ``input()`` for reading, rich for printing.

Works in a real terminal, a bare pseudo-terminal and with piped input. All the
reasoning is in ``expert.interview``; this module runs the loop: it reads a line,
carries out the command it names (``commands.py``: one table of command words) or
reads it as an answer (``parsing.py``), shows the screens (``screens.py``) and saves
the session after every change.

End of input saves and exits 0; Ctrl-C saves, prints the resume command and
exits 130; neither prints a traceback. With piped (non-interactive) input a bad
answer saves the session, prints one line on stderr and exits 2.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from myotrace.expert.errors import InputError
from myotrace.expert.files import output_path
from myotrace.expert.interview import commands, note
from myotrace.expert.interview.commands import EDIT, INTAKE, QUESTION, RESULT, REVIEW, REVIEW_OK, Quit
from myotrace.expert.interview.parsing import clip, parse_answer, parse_intake
from myotrace.expert.interview.screens import Screens
from myotrace.expert.interview.session import Interview, Prompt, Session, identity_warning, now
from myotrace.expert.interview.store import claim_session, save_session, write_private
from myotrace.expert.interview.wording import INTAKE_FIELDS, REVIEW_LINE
from myotrace.expert.present.safe import clean, plain
from myotrace.facts.case import HISTORY_HINTS, History
from pydantic import ValidationError


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


class Terminal(Screens):
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
        self.context = QUESTION      # where the last line was read (commands.CONTEXTS)
        self.prompt: Prompt | None = None   # the question being asked
        self.why_level = 0           # how far `why` has climbed at this question
        self.shown_status = ""       # the status the result screen shows
        self.optional = 0            # how many optional questions `go on` would ask

    # ---- reading -----------------------------------------------------------------
    def read(self, prompt: str = "> ", context: str = QUESTION) -> str:
        self.context = context
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

    def dispatch(self, command: commands.Command, argument: str | None) -> bool:
        """Carry out a command; True when the screen it was typed at is left."""
        return command.handler(self, argument)

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
                    self.result_screen()
                else:
                    self.reviewed = False
                    self.ask(prompt)
        except Quit:
            if self.context == RESULT:  # the result is on the screen: nothing to resume for
                self.save()
                self.farewell(f"Session saved to {self.path}.")
                return 0
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
                line = self.read(f"  {text}{f' [{shown:g}]' if isinstance(shown, float) else f' [{shown}]' if shown not in (None, '') else ''}: ", INTAKE)
                found = commands.parse(line, INTAKE)
                if found:
                    self.dispatch(*found)
                    continue
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
        notes = self.read(f"  Notes (free text){' [kept]' if self.iv.session.notes else ''}: ", INTAKE)
        found = commands.parse(notes, INTAKE)
        if found:
            self.dispatch(*found)
        warning = identity_warning(notes)
        if warning:
            self.say(f"Warning: the note {warning}.", style="bold yellow")
        self.iv.record_history(History.model_validate(values), notes or None)
        self.save()
        self.say(f"Intake: {self.iv.session.history.summary()}", style="dim")

    # ---- one question -------------------------------------------------------------
    def ask(self, prompt: Prompt) -> None:
        self.prompt, self.why_level = prompt, 0
        self.show(prompt)
        while True:
            line = self.read()
            found = commands.parse(line, QUESTION)
            if found is not None:
                command, argument = found
                if command.name != "why":
                    self.why_level = 0
                if self.dispatch(command, argument):
                    return
                continue
            self.why_level = 0
            if line == "":
                self.row("", self.answer_hint(prompt), "dim")
                continue
            try:
                value = parse_answer(prompt, line)
            except ValueError as error:
                self.bad(f"{error}{commands.misplaced(line, QUESTION)}")
                self.show(prompt)   # the question again, not only the hint
                continue
            before = self.conclusion()
            self.iv.answer(value)
            self.save()
            self.after_answer(prompt, value)
            if self.conclusion() != before and not self.iv.red_flag:
                self.say(f"Now: {self.conclusion_text()}", style="green")
            return

    def go_back(self) -> None:
        flagged = self.iv.red_flag
        step = self.iv.back()
        if step is not None and flagged and self.iv.red_flag:
            # the red flag is in an earlier answer: undoing this one would change nothing that matters
            self.iv.session.answers.append(step)
            self.iv.refresh()
            where = next((line.number for line in self.iv.review() if line.item == "red_flags"), None)
            self.say("Not undone: the red flag is in an earlier answer, so the triage stands. "
                     + (f"To correct it, type edit {where}." if where else "Use edit N to correct it."),
                     style="yellow")
            return
        self.save()
        if step is None:
            self.say("Nothing to undo: this is the first question.", style="yellow")
        else:
            self.say(f"Undone: {self.describe(step)}. Asking it again.", style="yellow")


    # ---- edits -------------------------------------------------------------------
    def edit_command(self, argument: str | None) -> bool:
        """``edit N`` / ``edit ITEM`` [value]: change one answer; True when it was changed."""
        if not argument:
            self.say("edit what? `edit N` (the number in `answers`) or `edit ITEM` (e.g. edit pain_map)",
                     style="yellow")
            return False
        target, _, typed = argument.partition(" ")
        typed = typed.strip()
        try:
            index, flag = self.iv.locate(target)
        except ValueError as error:
            self.say(str(error), style="yellow")
            return False
        step = self.iv.session.answers[index]
        prompt = self.iv.prompt_for(target)
        self.say(f"Changing {index + 1}. {self.describe(step)}", style="bold")
        if not typed:
            self.show(prompt, progress=False)
        while True:
            typed = typed or self.read("new answer> ", EDIT)
            found = commands.parse(typed, EDIT)
            if typed == "" or found is not None:
                if found is not None:
                    self.dispatch(*found)  # cancel; quit leaves the interview
                self.say("Nothing changed.", style="dim")
                return False
            try:
                value = parse_answer(prompt, typed)
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

    # ---- the result ----------------------------------------------------------------
    def review_screen(self) -> str | None:
        """Before the result: every answer, numbered. Enter shows the result; ``edit`` and ``back``
        act at once, and the review is shown again; any other line is carried out on the result
        screen (so a scripted `report x.md` still works). Returns "again", that line, or None."""
        self.say("")
        self.show_answers()
        self.say(REVIEW_LINE, style="bold")
        line = self.read(context=REVIEW)
        if line.lower() in REVIEW_OK:
            return None
        found = commands.parse(line, REVIEW)
        if found is None:
            return line
        command, argument = found
        if command.name == "result":
            return None
        if command.name != "answers":  # the review is the list of answers: showing it again is enough
            self.dispatch(command, argument)
        return "again"

    def result_screen(self) -> None:
        """The result, then its commands until one leaves it (back, a changed answer, go on, quit)."""
        status = self.iv.status
        pending_line = None
        if status not in ("red_flag", "stopped") and not self.reviewed:
            outcome = self.review_screen()
            if outcome == "again":
                return
            self.reviewed = True
            pending_line = outcome
        if self.export:
            self.write_file(self.export, force=True, kind="case", quiet=True)
        self.shown_status = status
        self.optional = len(self.iv.optional_items()) if status in ("settled", "exhausted") else 0
        self.show_result()
        while True:
            if pending_line is not None:
                line, pending_line = pending_line, None
                self.context = RESULT
            else:
                line = self.read(context=RESULT)
            found = commands.parse(line, RESULT)
            if found is not None:
                if self.dispatch(*found):
                    self.reviewed = False
                    return
            elif line == "":
                self.menu(status, self.optional)
            else:
                self.bad(f"unknown command {clip(line.split()[0].lower())!r}{commands.misplaced(line, RESULT)}; "
                         "type help for the commands")
                self.menu(status, self.optional)

    def show_result(self) -> None:
        self.compact_result(self.shown_status)
        self.menu(self.shown_status, self.optional)

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
        console = console or Console(highlight=False)
        terminal = Terminal(Interview(session), Path(path), console, export, intake=intake)
        if sys.stdin.isatty():  # line editing, and Tab completes the command words valid at the prompt
            commands.install_completion(lambda: terminal.context)
        import signal
        previous = {sig: signal.signal(sig, _hang_up) for sig in (signal.SIGHUP, signal.SIGTERM)}
        try:
            return terminal.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        lock.release()
