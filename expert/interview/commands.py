"""The interview's command words: one table read by the parser, `help` and tab completion.

Each word means one thing wherever it is typed. ``done`` is an alias of ``result`` (stop
asking and show the result): a therapist who types it at a question has finished asking;
on the result screen it shows the result again, and ``quit`` is the one way to leave.
Likewise ``c`` is short for ``continue`` only; at the ``new answer>`` prompt Enter or
``cancel`` leaves an answer as it was, and ``quit`` leaves there as everywhere.

Where a command may be typed (its contexts):

- ``intake``: a line of the intake (age, onset, ...);
- ``question``: a question of the interview;
- ``edit``: the ``new answer>`` prompt of ``edit N``;
- ``review``: the list of answers shown before the result (Enter shows the result; any
  other result command is carried out once the result is shown);
- ``result``: the result screen.

A command that takes an argument (``edit N``, ``how STAGE``, ``report FILE``) is known by
its first word; one that takes none only by the whole line, so an answer such as
``back pain`` is never mistaken for ``back``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from myotrace.expert.interview.wording import HELP_FOOT, HELP_HEAD

if TYPE_CHECKING:
    from myotrace.expert.interview.tty import Terminal

INTAKE, QUESTION, EDIT, REVIEW, RESULT = "intake", "question", "edit", "review", "result"
CONTEXTS = (INTAKE, QUESTION, EDIT, REVIEW, RESULT)
REVIEW_OK = ("", "ok", "y", "yes")  # at the review, these show the result (Enter above all)


@dataclass(frozen=True)
class Command:
    name: str                   # the word shown in `help` and the menus
    aliases: tuple[str, ...]
    help: str                   # one line for `help`
    handler: Callable[[Terminal, str | None], bool]  # carries it out; True: the screen is left
    contexts: frozenset[str]
    usage: str = ""             # its argument as shown in `help`; empty: it takes none

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Quit(Exception):
    """The therapist typed quit."""


# ---- what each command does (``term`` is the Terminal; True: leave the screen it was typed at)
def why(term: Terminal, argument: str | None) -> bool:
    term.why_level += 1
    term.show_why(term.prompt, term.why_level)
    return False


def back(term: Terminal, argument: str | None) -> bool:
    term.go_back()
    return True


def answers(term: Terminal, argument: str | None) -> bool:
    term.show_answers()
    return False


def edit(term: Terminal, argument: str | None) -> bool:
    return term.edit_command(argument)


def intake(term: Terminal, argument: str | None) -> bool:
    at_question = term.context == QUESTION
    term.ask_intake()
    if at_question:
        term.show(term.prompt)
    return False


def how(term: Terminal, argument: str | None) -> bool:
    term.show_how(argument)
    return False


def result(term: Terminal, argument: str | None) -> bool:
    """At a question: stop asking and show the result; on the result screen: show it again."""
    if term.context == QUESTION:
        term.iv.stop()
        term.save()
        return True
    term.show_result()
    return False


def details(term: Terminal, argument: str | None) -> bool:
    term.details()
    return False


def report(term: Terminal, argument: str | None) -> bool:
    term.file_command(argument, "report")
    return False


def export(term: Terminal, argument: str | None) -> bool:
    term.file_command(argument, "export")
    return False


def go_on(term: Terminal, argument: str | None) -> bool:
    """After `result`, ask again; once settled, ask the optional questions; never after a red flag."""
    status = term.shown_status
    if status == "red_flag":
        term.say("A red flag ends the interview; use back or edit if it was entered by mistake.", style="yellow")
        return False
    if status == "stopped":
        term.iv.resume_asking()
    elif status == "undecided" or not term.iv.optional_items():
        term.say("There is nothing left to ask.", style="yellow")
        return False
    else:
        term.iv.go_on()
    term.save()
    return True


def cancel(term: Terminal, argument: str | None) -> bool:
    return True


def show_help(term: Terminal, argument: str | None) -> bool:
    lines = [HELP_HEAD.get(term.context, ""), *help_lines(term.context, term.console.width),
             HELP_FOOT.get(term.context, "")]
    term.say("\n".join(line for line in lines if line), wrap=False)
    return False


def save_and_quit(term: Terminal, argument: str | None) -> bool:
    raise Quit


def _command(name, aliases, help, handler, contexts, usage=""):
    return Command(name, tuple(aliases), help, handler, frozenset(contexts), usage)


COMMANDS = (
    _command("why", ["w"], "why this question; `why` again climbs one level", why, [QUESTION]),
    _command("back", ["b"], "change the previous answer (everything is re-derived)", back,
             [QUESTION, REVIEW, RESULT]),
    _command("answers", ["review"], "a numbered review of every answer so far", answers,
             [QUESTION, REVIEW, RESULT]),
    _command("edit", [], "change answer N (or edit ITEM, e.g. edit pain_map, edit fever); the later answers "
             "are kept and everything is re-derived", edit, [QUESTION, REVIEW, RESULT], usage="N"),
    _command("intake", [], "record or change age, onset, duration, pain intensity, notes", intake,
             [QUESTION, RESULT]),
    _command("how", [], "how the conclusion so far was reached, with its references; how STAGE or how "
             "RULE-ID narrows it (e.g. how satellites, how SAT-003)", how, [QUESTION, RESULT],
             usage="[STAGE|RULE-ID]"),
    _command("result", ["done", "stop"], "stop asking and show the result now (on the result screen: "
             "show it again)", result, [QUESTION, REVIEW, RESULT]),
    _command("details", ["full", "more-details"], "the full result: evidence, myths, protocol, home care",
             details, [RESULT]),
    _command("report", [], "write the clinical note; the extension picks the format: .md Markdown, "
             ".html HTML, .json JSON report, .yaml case file; --force overwrites an existing file",
             report, [RESULT], usage="[FILE] [--force]"),
    _command("export", [], "write the answers as a case file (for diagnose and explain)", export,
             [RESULT], usage="[FILE] [--force]"),
    _command("go on", ["continue", "go", "more", "g", "c"], "keep asking: after `result`, the questions "
             "that could still change it; once settled, optional ones that cannot", go_on, [RESULT]),
    _command("cancel", [], "leave the answer as it was (so does Enter)", cancel, [EDIT]),
    _command("help", ["h", "?"], "this text", show_help, [QUESTION, RESULT]),
    _command("quit", ["q", "exit"], "save and leave (resume later with --resume)", save_and_quit,
             [INTAKE, QUESTION, EDIT, RESULT]),
)


def valid_in(context: str) -> tuple[Command, ...]:
    return tuple(command for command in COMMANDS if context in command.contexts)


def parse(line: str, context: str) -> tuple[Command, str | None] | None:
    """``(command, argument)`` when ``line`` is a command valid in ``context``, else None (an answer)."""
    whole = " ".join(line.lower().split())
    first, _, rest = line.strip().partition(" ")
    for command in valid_in(context):
        if whole in command.words:
            return command, None
        if command.usage and first.lower() in command.words:
            return command, rest.strip() or None
    return None


PLACES = {INTAKE: "during the intake", QUESTION: "at a question", EDIT: "at the new answer prompt",
          REVIEW: "at the review", RESULT: "on the result screen"}


def misplaced(line: str, context: str) -> str:
    """For a line that is a command somewhere else, where it may be typed (to follow an error)."""
    if parse(line, context):
        return ""
    for place in CONTEXTS:
        found = parse(line, place) if place != context else None
        if found:
            places = [PLACES[c] for c in CONTEXTS if c in found[0].contexts and c != REVIEW]
            return f" (`{found[0].name}` is typed {' or '.join(places)})"
    return ""


def help_lines(context: str, width: int = 100) -> list[str]:
    """`help` in ``context``: every command valid there, in the table's order, aliases named."""
    import textwrap

    commands = valid_in(RESULT if context == REVIEW else context)
    left = [f"{c.name} {c.usage}".strip() for c in commands]
    column = max(map(len, left)) + 2
    lines = ["Commands:"]
    for usage, command in zip(left, commands):
        text = command.help + (f"; also {', '.join(command.aliases)}" if command.aliases else "")
        lines += textwrap.wrap(text, width=max(40, width - 1), initial_indent=f"  {usage:<{column}}",
                               subsequent_indent=" " * (column + 2), break_on_hyphens=False)
    return lines


def completions(text: str, context: str, before: str = "") -> list[str]:
    """The command words valid in ``context`` that start with ``text``; nothing after the first
    word (``before`` is what the line holds in front of ``text``). One-letter shortcuts and
    ``?`` are left out: they need no completing. At the review every result command is offered,
    since the result carries out what the review does not."""
    if before.strip():
        return []
    words = [w for c in valid_in(RESULT if context == REVIEW else context) for w in c.words if len(w) > 1]
    return [w for w in words if w.startswith(text.lower())]


def install_completion(context_of) -> None:
    """Tab completes the command words at the prompt (``context_of()`` names where it is)."""
    try:
        import readline
    except ImportError:
        return

    def complete(text: str, state: int):
        line = readline.get_line_buffer()
        found = completions(text, context_of(), line[:readline.get_begidx()])
        return found[state] if state < len(found) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" \t")
    readline.parse_and_bind("tab: complete")
