"""The interview's command words come from one table: parsing, `help` and Tab completion agree
with it, and each word means one thing wherever it is typed."""
import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from myotrace.expert.interview import commands
from myotrace.expert.interview.commands import COMMANDS, CONTEXTS, EDIT, QUESTION, RESULT, REVIEW
from myotrace.expert.interview.parsing import NO, UNKNOWN, YES
from myotrace.expert.interview.screens import MENU
from myotrace.expert.interview.session import Interview
from myotrace.expert.interview.tty import Terminal
from myotrace.facts.vocabulary import REGIONS

EVERY_USE = [(command, context, word) for command in COMMANDS for context in sorted(command.contexts)
             for word in command.words]


@pytest.mark.parametrize("command, context, word", EVERY_USE,
                         ids=[f"{context}:{word}" for _, context, word in EVERY_USE])
def test_every_word_parses_to_its_command_wherever_it_is_valid(command, context, word):
    assert commands.parse(word, context) == (command, None)
    assert commands.parse(f"  {word.upper()} ", context) == (command, None)
    if command.usage:
        assert commands.parse(f"{word} 3 --force", context) == (command, "3 --force")
    else:
        assert commands.parse(f"{word} pain", context) is None  # an answer, never this command


def test_each_word_means_one_thing_and_is_valid_nowhere_else():
    words = [word for command in COMMANDS for word in command.words]
    assert len(words) == len(set(words)), "a word names two commands"
    for command in COMMANDS:
        assert command.contexts and command.contexts <= set(CONTEXTS) and callable(command.handler)
        for context in set(CONTEXTS) - command.contexts:
            assert commands.parse(command.name, context) is None, (command.name, context)


def test_done_shows_the_result_it_never_quits():
    assert commands.parse("done", QUESTION)[0].name == "result"
    assert commands.parse("done", RESULT)[0].name == "result"
    assert commands.parse("done", REVIEW)[0].name == "result"


@pytest.mark.parametrize("context", [QUESTION, EDIT])
def test_no_answer_is_taken_for_a_command(context):
    answers = YES | NO | UNKNOWN | {"none", "u6", "3 7-9", "lateral calf"} | {r.replace("_", " ") for r in REGIONS}
    assert [a for a in answers if commands.parse(a, context)] == []


@pytest.mark.parametrize("context", CONTEXTS)
def test_help_lists_exactly_the_table(context):
    lines = commands.help_lines(context, width=80)
    assert lines[0] == "Commands:"
    listed = [line[2:].split("  ")[0] for line in lines[1:] if not line.startswith("   ")]
    shown = RESULT if context == REVIEW else context
    assert listed == [f"{c.name} {c.usage}".strip() for c in COMMANDS if shown in c.contexts]
    text = " ".join(" ".join(lines).split())
    for command in commands.valid_in(shown):
        assert command.help in text
        assert all(alias in text for alias in command.aliases)
    assert max(map(len, lines)) <= 79


@pytest.mark.parametrize("context", CONTEXTS)
def test_completion_offers_the_tables_words(context):
    shown = RESULT if context == REVIEW else context
    words = {w for c in COMMANDS if shown in c.contexts for w in c.words if len(w) > 1}
    assert set(commands.completions("", context)) == words
    for word in words:
        assert word in commands.completions(word[:2], context)
    assert commands.completions("", context, before="report ") == []


def test_completion_of_a_prefix():
    assert commands.completions("go", RESULT) == ["go on", "go"]
    assert commands.completions("ex", QUESTION) == ["exit"]
    assert commands.completions("det", QUESTION) == []


def test_the_menu_names_only_result_commands():
    for entry in MENU:
        assert commands.parse(entry.split()[0], RESULT), entry


def test_a_command_typed_in_the_wrong_place_says_where_it_belongs():
    assert commands.misplaced("why", RESULT) == " (`why` is typed at a question)"
    assert commands.misplaced("report x.md", QUESTION) == " (`report` is typed on the result screen)"
    assert commands.misplaced("maybe", QUESTION) == ""
    for command, context, word in EVERY_USE:
        assert commands.misplaced(word, context) == ""


def test_the_interview_help_names_the_tables_commands():
    from myotrace.cli import INTERVIEW_HELP

    text = " ".join(INTERVIEW_HELP.split())
    at_question = text.split("Commands at any question: ")[1].split(".")[0]
    assert [word.split()[0] for word in at_question.split(", ")] == [c.name for c in commands.valid_in(QUESTION)]
    on_result = re.sub(r" \(.*?\)", "", text.split("then the result: ")[1].split(". ")[0])
    for entry in on_result.split(", "):
        assert commands.parse(entry.split(" FILE")[0], RESULT), entry


def run(lines, path: Path):
    """The interview in a terminal (not piped: a mistake is explained, not fatal), typed ``lines``."""
    typed = iter(lines)

    def read(prompt):
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    console = Console(file=io.StringIO(), width=100)
    code = Terminal(Interview(), path, console, read=read, intake=False).run()
    return code, console.file.getvalue()


def test_help_in_the_terminal_is_the_table(tmp_path):
    code, out = run(["help", "2", "help", "quit"], tmp_path / "s.json")
    assert code == 0
    at_question, at_result = out.split("Commands:")[1:]
    for command in COMMANDS:
        assert (f"  {command.name} " in at_question) is (QUESTION in command.contexts), command.name
        assert (f"  {command.name} " in at_result) is (RESULT in command.contexts), command.name


def test_done_at_a_question_shows_the_result_and_again_on_it_then_quit_leaves(tmp_path):
    code, out = run(["none", "done", "why", "done", "quit"], tmp_path / "s.json")
    assert code == 0
    assert out.count("Result so far, after 1 question:") == 2
    assert "unknown command 'why' (`why` is typed at a question)" in out
    assert out.rstrip().endswith("Session saved to " + str(tmp_path / "s.json") + ".")


def test_quit_at_the_edit_prompt_saves_and_leaves(tmp_path):
    code, out = run(["none", "edit 1", "cancel", "edit 1", "quit"], tmp_path / "s.json")
    assert code == 0
    assert "Nothing changed." in out
    assert "Resume with: myotrace interview --resume" in out


def test_a_result_command_at_a_question_is_not_an_answer(tmp_path):
    code, out = run(["none", "3 7", "details", "quit"], tmp_path / "s.json")
    assert code == 0
    assert "not a number or range: 'details' (`details` is typed on the result screen)" in out
