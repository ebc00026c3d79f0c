"""The interview's command words: one table read by the parser, `help` and tab completion.

Each word means one thing wherever it is typed. ``done`` is an alias of ``result`` (stop
asking and show the result): a therapist who types it at a question has finished asking;
on the result screen it shows the result again, and ``quit`` is the one way to leave.

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

from dataclasses import dataclass

INTAKE, QUESTION, EDIT, REVIEW, RESULT = "intake", "question", "edit", "review", "result"
CONTEXTS = (INTAKE, QUESTION, EDIT, REVIEW, RESULT)
REVIEW_OK = ("", "ok", "y", "yes")  # at the review, these show the result (Enter above all)


@dataclass(frozen=True)
class Command:
    name: str                   # the word shown in `help` and the menus
    aliases: tuple[str, ...]
    help: str                   # one line for `help`
    handler: str                # the Terminal method that carries it out: handler(argument) -> leave?
    contexts: frozenset[str]
    usage: str = ""             # its argument as shown in `help`; empty: it takes none

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _command(name, aliases, help, handler, contexts, usage=""):
    return Command(name, tuple(aliases), help, handler, frozenset(contexts), usage)


COMMANDS = (
    _command("why", ["w"], "why this question; `why` again climbs one level", "do_why", [QUESTION]),
    _command("back", ["b"], "change the previous answer (everything is re-derived)", "do_back",
             [QUESTION, REVIEW, RESULT]),
    _command("answers", ["review"], "a numbered review of every answer so far", "do_answers",
             [QUESTION, REVIEW, RESULT]),
    _command("edit", [], "change answer N (or edit ITEM, e.g. edit pain_map, edit fever); the later answers "
             "are kept and everything is re-derived", "do_edit", [QUESTION, REVIEW, RESULT], usage="N"),
    _command("intake", [], "record or change age, onset, duration, pain intensity, notes", "do_intake",
             [QUESTION, RESULT]),
    _command("how", [], "how the conclusion so far was reached, with its references; how STAGE or how "
             "RULE-ID narrows it (e.g. how satellites, how SAT-003)", "do_how", [QUESTION, RESULT],
             usage="[STAGE|RULE-ID]"),
    _command("result", ["done", "stop"], "stop asking and show the result now (on the result screen: "
             "show it again)", "do_result", [QUESTION, REVIEW, RESULT]),
    _command("details", ["full", "more-details"], "the full result: evidence, myths, protocol, home care",
             "do_details", [RESULT]),
    _command("report", [], "write the clinical note; the extension picks the format: .md Markdown, "
             ".html HTML, .json JSON report, .yaml case file; --force overwrites an existing file",
             "do_report", [RESULT], usage="[FILE] [--force]"),
    _command("export", [], "write the answers as a case file (for diagnose and explain)", "do_export",
             [RESULT], usage="[FILE] [--force]"),
    _command("go on", ["continue", "go", "more", "g", "c"], "keep asking: after `result`, the questions "
             "that could still change it; once settled, optional ones that cannot", "do_go_on", [RESULT]),
    _command("cancel", [], "leave the answer as it was (so does Enter)", "do_cancel", [EDIT]),
    _command("help", ["h", "?"], "this text", "do_help", [QUESTION, RESULT]),
    _command("quit", ["q", "exit"], "save and leave (resume later with --resume)", "do_quit",
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


def help_lines(context: str, width: int = 100) -> list[str]:
    """`help` in ``context``: every command valid there, in the table's order, aliases named."""
    import textwrap

    commands = valid_in(RESULT if context == REVIEW else context)
    left = [f"{c.name} {c.usage}".strip() for c in commands]
    column = max(map(len, left)) + 2
    lines = ["Commands:"]
    for usage, command in zip(left, commands):
        text = command.help + (f" (also {', '.join(command.aliases)})" if command.aliases else "")
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
