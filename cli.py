"""myotrace command line: thin wrappers, no domain logic.

Longer than most modules on purpose: it is the table of every command (its arguments,
options and help as typer declares them), each a few lines that parse, call the one
function in ``expert/`` that does the work, and print; splitting it would scatter the
command list a user reads with ``--help`` across files without making any part simpler.
Imports of the work happen inside each command, so a command loads only what it runs.
"""
import logging
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from myotrace import __version__
from myotrace.facts.vocabulary import SIDES

EXIT_CODES = "Exit codes: 0 success; 1 a check failed (evaluate, kb check); 2 bad input or usage."
# Options that belong to `myotrace` itself but may also be typed after the subcommand.
GLOBAL_FLAGS = ("--debug",)


class _OneLineErrors(typer.core.TyperGroup):
    """Input and output failures anywhere in a command: one line on stderr, exit 2, no traceback.

    A full disk or a closed pipe (``myotrace diagnose X | head -c1``) raises OSError while
    writing; standard output is flushed here so the failure is caught rather than met again
    at exit, then pointed at /dev/null (the Python documentation's way for SIGPIPE), so the
    interpreter does not report it a second time. ``--debug`` shows the traceback instead.
    """

    def invoke(self, ctx):
        from myotrace.expert.errors import InputError
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()
        except (OSError, InputError) as error:
            if ctx.params.get("debug"):
                raise
            _silence_stdout()
            fail(_io_message(error))


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (a test runner's buffer)
        pass


def _io_message(error: Exception) -> str:
    import errno
    from myotrace.expert.files import describe_os_error
    if not isinstance(error, OSError):
        return str(error)
    if error.errno == errno.EPIPE:
        return "the output was closed before the end (broken pipe); the rest was not written"
    if error.filename:
        return f"{error.filename}: {describe_os_error(error)}"
    return f"cannot write the output: {describe_os_error(error)}"


class Group(_OneLineErrors):
    """Help without type labels on arguments: `CASE...`, not `CASE... <list[Path]>`."""

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        for param in getattr(command, "params", ()):
            if isinstance(param, typer.core.TyperArgument) and param.metavar:
                param.display_type_rich = lambda ctx: None
        return command


app = typer.Typer(cls=Group, rich_markup_mode=None, epilog=EXIT_CODES,
                  help="Trace lateral-leg 'sciatica' to its myofascial source. "
                       "Not medical advice: for trained clinicians and for teaching.")
rules_app = typer.Typer(cls=Group, help="The rule catalogue.", invoke_without_command=True)
kb_app = typer.Typer(cls=Group, help="The knowledge base.", no_args_is_help=True)
cases_app = typer.Typer(cls=Group, help="The case library that ships with myotrace.", invoke_without_command=True)
db_app = typer.Typer(cls=Group, help="The consultations database of `myotrace serve`.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(kb_app, name="kb")
app.add_typer(cases_app, name="cases")
app.add_typer(db_app, name="db")


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"


class EvalFormat(str, Enum):
    text = "text"
    json = "json"


class ClaimsFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    csv = "csv"


def fail(message: str) -> None:
    """Bad input: one line on stderr, exit code 2 (controls and newlines in it shown as escapes)."""
    from myotrace.expert.present.safe import visible
    typer.echo(f"error: {visible(message)}", err=True)
    raise typer.Exit(2)


def console():
    from rich.console import Console

    class ReportConsole(Console):
        def on_broken_pipe(self) -> None:  # rich would exit 1 silently; say it in one line like every command
            self.quiet = True
            raise BrokenPipeError(32, "Broken pipe")

    return ReportConsole(highlight=False)


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"myotrace {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", show_default=False, help="Log every rule firing "
                                        "(experta watchers); may also follow the command.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=show_version, is_eager=True, show_default=False,
                                          help="Print the version and exit.")] = False,
):
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", force=True)
    if debug:
        from experta import watch
        logging.getLogger().setLevel(logging.DEBUG)
        watch("RULES", "ACTIVATIONS")


Side = Enum("Side", {side: side for side in SIDES}, type=str)


INTERVIEW_HELP = """The therapist's adaptive interview: red flags, pain map, then only the questions that can still change the conclusion.

\b
Answers: y / n / u (unknown); the red-flag screen takes the numbers present,
or the word `none` (never 0), u6 for item 6 not known; the pain map takes
numbers, ranges (7-9) or names (lateral thigh). Commands at any question: why,
back, answers, edit N, intake, how, result, help, quit. After the last
question a review of the answers, then the result: details, report FILE
(.md/.html/.json/.yaml, --force to overwrite), export FILE, how, go on, quit.

\b
Piped answers (one line per answer or command, as typed at the prompt):
  printf 'none\\n3 7 9 11\\nn\\n...\\n\\nreport note.md\\nquit\\n' |
      myotrace interview --session s.json
The intake is asked only in a terminal, or with --intake.

\b
Exit codes: 0 done or saved (end of input saves), 2 bad input or usage (a bad
piped answer: one line on stderr, the session saved), 130 interrupted (Ctrl-C,
session saved), 129/143 terminal closed or terminated (session saved)."""


@app.command(help=INTERVIEW_HELP)
def interview(
    resume: Annotated[Path | None, typer.Option(metavar="FILE", help="Continue a saved session file.",
                                                show_default=False)] = None,
    session: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Where to save a new session (default: ./myotrace-session-TIME.json).",
        show_default=False)] = None,
    export: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Write the answers as a case file (YAML) when the result is shown.",
        show_default=False)] = None,
    side: Annotated[Side | None, typer.Option(help="The painful side, for the report.", show_default=False)] = None,
    case_id: Annotated[str | None, typer.Option("--case", metavar="ID", show_default=False,
                                                   help="A case code for the report (never a patient's "
                                                   "name or date of birth).")] = None,
    intake: Annotated[bool | None, typer.Option("--intake/--no-intake", show_default=False,
                                                help="Ask the intake (age, onset, duration, pain 0-10, what "
                                                "makes it worse, notes) first (default: only in a terminal).")] = None,
):
    from myotrace.expert.errors import InputError
    from myotrace.expert.interview.tty import run_interview

    try:
        code = run_interview(resume=resume, session_path=session, export=export,
                             side=side.value if side else None, case_id=case_id, intake=intake)
    except InputError as error:
        fail(str(error))
    raise typer.Exit(code)


@app.command()
def diagnose(
    cases: Annotated[list[Path], typer.Argument(metavar="CASE", help="One or more case files (YAML or JSON).",
                                                show_default=False)],
    format: Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT",
                                           help="text, json, markdown or html.")] = Format.text,
    trace: Annotated[bool, typer.Option("--trace", help="Include every rule firing.", show_default=False)] = False,
):
    """A report for each case file."""
    from myotrace.expert.start_up import start_up

    with start_up():
        from myotrace.expert.casefile import load_case
        from myotrace.expert.engine import get_engine
        from myotrace.expert.errors import InputError
        from myotrace.expert.present.formats import FORMATS, ReportData
        from myotrace.expert.report import build_report

        try:
            loaded = [load_case(path) for path in cases]
        except InputError as error:
            fail(str(error))
        engine = get_engine()
    datas = (ReportData.of(build_report(engine.consult(case), case, with_trace=trace), engine, case)
             for case in loaded)  # one case at a time: memory flat in the number of cases
    FORMATS[format.value].write_all(datas, sys.stdout.write, names=[case.case for case in loaded],
                                    console=console() if format is Format.text else None)  # rich: text only


def say(text: str = "") -> None:
    """A line of plain output; a case id or note in it cannot send a control sequence to the terminal."""
    from myotrace.expert.present.safe import plain
    typer.echo(plain(text))


def ask_line(prompt: str) -> str:
    """One line from the user; EOFError at end of input or Ctrl-C."""
    try:
        return typer.prompt(prompt, default="", show_default=False, prompt_suffix=" ")
    except typer.Abort:
        raise EOFError from None


def piped_step_command(_prompt: str) -> str:
    """The next --step command from piped input (Enter, b, r, q); at the end of the input, Enter:
    every remaining firing is shown with the agenda before it, as without input."""
    line = sys.stdin.readline()
    return line.strip() if line else ""


@app.command()
def explain(
    case: Annotated[Path, typer.Argument(metavar="CASE", help="A case file.", show_default=False)],
    step: Annotated[bool, typer.Option("--step", help="Fire one rule at a time and show the agenda between "
                                       "firings and why the next one leads (Enter: fire one, b: back one, r: run to the end, q: quit).")] = False,
    why_not: Annotated[str | None, typer.Option("--why-not", metavar="TARGET", show_default=False,
                                                  help="A muscle, triage level or condition: which rules could "
                                                  "have concluded it and which premises failed.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", metavar="FINDING=VALUE", show_default=False,
                                                    help="What if: finding=true|false|unknown, pain=+REGION|-REGION, "
                                                    "tender=MUSCLE, non_tender=MUSCLE. Repeatable.")] = None,
    unset: Annotated[list[str] | None, typer.Option("--unset", metavar="FINDING", show_default=False,
                                                     help="What if the finding had not been asked. Repeatable.")] = None,
    graph: Annotated[GraphFormat | None, typer.Option("--graph", metavar="FORMAT", show_default=False,
                                                       help="Print the derivation graph: mermaid or dot.")] = None,
):
    """The educator's view: every rule firing with its statement, source and facts, grouped by stage."""
    from myotrace.expert.errors import InputError
    from myotrace.expert.teach.explain import explain_case

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    ask = ask_line if interactive else piped_step_command if step and not sys.stdin.isatty() else None
    try:
        explain_case(case, say, ask, step=step, why_not=why_not,
                     sets=set_ or (), unsets=unset or (), graph=graph.value if graph else None)
    except InputError as error:
        fail(str(error))


@app.command()
def practice(
    path: Annotated[Path | None, typer.Argument(
        metavar="PATH", show_default=False,
        help="A case file or folder [default: the case library that ships with myotrace].")] = None,
    count: Annotated[int | None, typer.Option(min=1, metavar="N", help="How many cases [default: all].",
                                              show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(metavar="N", help="Shuffle seed, for a repeatable session.",
                                             show_default=False)] = None,
    withhold: Annotated[bool, typer.Option(help="Hide the examination and palpation until asked for "
                                           "('ask FINDING', at a cost).")] = False,
):
    """Practise clinical reasoning: triage, primary muscle and chain for library cases, critiqued by the rules."""
    from myotrace.expert.engine import get_engine
    from myotrace.expert.teach.practice import default_library, load_library, run_session

    folder = path or default_library()
    cases, skipped = load_library([folder])
    for problem in skipped:
        typer.echo(f"skipped: {problem}", err=True)
    if not cases:
        fail(f"no case files (*.yaml, *.yml, *.json) in {folder}")
    run_session(cases, get_engine(), say, ask_line, count=count, seed=seed, withhold=withhold)


@app.command()
def evaluate(
    paths: Annotated[list[Path] | None, typer.Argument(
        metavar="PATH", show_default=False,
        help="Case files or folders of them [default: the case library that ships with myotrace].")] = None,
    format: Annotated[EvalFormat, typer.Option("--format", "-f", metavar="FORMAT",
                                               help="text or json.")] = EvalFormat.text,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N", show_default=False,
        help="Worker processes [default: the machine's cores]; output is identical to --jobs 1.")] = None,
):
    """Run cases that carry expect:, report pass/fail and rule coverage; exit 1 on any failure."""
    import tempfile

    from myotrace.expert.casefile import case_paths
    from myotrace.expert.errors import InputError
    from myotrace.expert.evaluation import default_jobs, evaluate_many
    from myotrace.expert.library import LIBRARY
    from myotrace.expert.present.evaluation import write_json, write_text

    paths = paths or [LIBRARY]
    skipped: list[str] = []
    files = case_paths(paths, skipped)
    for problem in skipped:
        typer.echo(f"skipped: {problem}", err=True)
    if not files:
        fail(f"no case files (*.yaml, *.yml, *.json) in {', '.join(map(str, paths))}")
    write = write_json if format is EvalFormat.json else write_text
    # Spooled, so a bad file further down leaves stdout empty (one error line, exit 2).
    with tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8") as spool:
        try:
            tally = write(evaluate_many(files, jobs or default_jobs()), spool)
        except InputError as error:
            fail(str(error))
        spool.seek(0)
        for block in iter(lambda: spool.read(1 << 16), ""):
            sys.stdout.write(block)
    if tally.failed:
        raise typer.Exit(1)


@cases_app.callback()
def cases_list(ctx: typer.Context):
    """The case library: id and a one-line summary; `cases show ID` prints one case file."""
    if ctx.invoked_subcommand:
        return
    import shutil

    from myotrace.expert.library import listing, summary
    entries = listing()
    width = max((len(case) for case, _ in entries), default=0)
    room = max(30, shutil.get_terminal_size().columns - width - 3)
    for case, notes in entries:
        typer.echo(f"{case:{width}}  {summary(notes, room)}")
    typer.echo(f"\n{len(entries)} cases: `myotrace cases show ID` prints one, `myotrace evaluate` runs all.")


@cases_app.command("show")
def cases_show(case_id: Annotated[str, typer.Argument(metavar="ID", help="A case id, e.g. gmin-lateral-classic.")]):
    """One library case file (YAML), ready to copy and edit: `myotrace cases show ID > my-case.yaml`."""
    from myotrace.expert.errors import InputError
    from myotrace.expert.library import find_case
    try:
        path = find_case(case_id)
    except InputError as error:
        fail(str(error))
    sys.stdout.write(path.read_text(encoding="utf-8"))


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="The port on 127.0.0.1 (0: any free port).")] = 8765,
    db: Annotated[Path | None, typer.Option(help="The consultations database [default: "
                                            "$XDG_DATA_HOME/myotrace/consultations.db].", show_default=False)] = None,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the address in a browser.")] = False,
):
    """The consultation room and the teaching room as a local web app on 127.0.0.1.

    It prints the address to open, with its access token: a new random one at every start, or
    the value of the environment variable MYOTRACE_TOKEN. Scripts send it as
    `Authorization: Bearer TOKEN`."""
    from myotrace.expert.web.serve import run

    run(port=port, db=db, open_browser=open_browser, say=typer.echo)


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A new file for the copy.", show_default=False)],
    db: Annotated[Path | None, typer.Option(help="The consultations database [default: "
                                            "$XDG_DATA_HOME/myotrace/consultations.db].", show_default=False)] = None,
):
    """Copy the consultations database to FILE, safely even while `myotrace serve` runs (SQLite's online backup)."""
    from myotrace.expert.web.store import backup, default_db_path

    source = db or default_db_path()
    backup(source, file)
    typer.echo(f"backed up {source} to {file}")


@rules_app.callback()
def rules_list(ctx: typer.Context):
    """The rule catalogue (id, stage, statement, source); `rules show ID` for one rule."""
    if ctx.invoked_subcommand:
        return
    from myotrace.expert.engine import rule_catalogue
    from myotrace.expert.present.references import source_text
    from myotrace.rules.meta import STAGES
    stage = None
    for rule in sorted(rule_catalogue(), key=lambda r: (STAGES.index(r.stage), r.id)):  # reasoning order
        if rule.stage != stage:
            stage = rule.stage
            typer.echo(f"── {stage}")
        typer.echo(f"{rule.id}  [{rule.stage}]  {rule.statement}\n         source: {source_text(rule.source)}")


@rules_app.command("show")
def rules_show(rule_id: Annotated[str, typer.Argument(metavar="ID", help="A rule id, e.g. SAF-001.")]):
    """One rule in English: IF ... THEN ..., its source, the settings it reads and its test cases."""
    from myotrace.expert.engine import rules_by_id
    from myotrace.expert.errors import did_you_mean
    from myotrace.expert.kbcheck import fixture_cases
    catalogue = rules_by_id()
    rule = catalogue.get(rule_id.upper())
    if rule is None:
        fail(f"no rule {rule_id!r}{did_you_mean(rule_id.upper(), catalogue)} (`myotrace rules` lists them)")
    from myotrace.expert.present.references import bibliography, source_text
    typer.echo(f"{rule.id} ({rule.stage}): {rule.statement}\n"
               f"  NAME {rule.name}\n  IF   {rule.when}\n  THEN {rule.then}\n  SOURCE {source_text(rule.source)}")
    for number, _key, text in bibliography([rule.source]):
        typer.echo(f"  [{number}] {text}")
    typer.echo(f"  SALIENCE {rule.salience} (higher fires first)")
    if rule.settings:
        typer.echo("  SETTINGS " + ", ".join(rule.settings) + " (settings.yaml)")
    if rule.groups:
        typer.echo("  GROUPS " + ", ".join(rule.groups))
    if rule.feeds:
        typer.echo(f"  FEEDS {rule.feeds[0]}: {rule.feeds[1]}")
    cases = fixture_cases(rule.id)
    if cases is None:
        typer.echo("  CASES none shipped with this installation")
    else:
        typer.echo(f"  CASES (tests/fixtures/rules/{rule.id}.yaml)")
        for name, fires in cases:
            typer.echo(f"    {'fires' if fires else 'silent'}: {name}")


@kb_app.command("check")
def kb_check():
    """Lint the knowledge base: unknown ids, satellite cycles, rules without source or test, claims citing a
    work without an evidence level, rules resting on low-authority works alone."""
    from myotrace.expert.kbcheck import check
    problems, notes = check()
    for note in notes:
        typer.echo(f"note: {note}")
    for problem in problems:
        typer.echo(f"problem: {problem}")
    typer.echo(f"{len(problems)} problem(s)")
    if problems:
        raise typer.Exit(1)


@kb_app.command("claims")
def kb_claims(
    format: Annotated[ClaimsFormat, typer.Option("--format", "-f", metavar="FORMAT",
                                                 help="text, markdown or csv.")] = ClaimsFormat.text,
):
    """Every clinical claim with its sources, locator, evidence level and a low-authority mark."""
    from myotrace.expert.claims import claims
    from myotrace.expert.engine import rule_catalogue
    from myotrace.expert.present.claims import RENDERERS
    from myotrace.facts.knowledge import knowledge
    kb = knowledge()
    typer.echo(RENDERERS[format.value](claims(kb, rule_catalogue()), kb.references), nl=False)


@kb_app.command("show")
def kb_show(muscle: Annotated[str, typer.Argument(metavar="MUSCLE", help="A muscle id or short name (gmin, ql, …).")]):
    """One muscle: referral zones by part, evidence weights with sources, satellite edges, perpetuating factors."""
    from myotrace.expert.errors import InputError
    from myotrace.expert.present.kbview import muscle_lines, resolve_muscle
    from myotrace.facts.knowledge import knowledge
    try:
        chosen = resolve_muscle(muscle)
    except InputError as error:
        fail(str(error))
    for line in muscle_lines(knowledge(), chosen):
        typer.echo(line)


@kb_app.command("refers-to")
def kb_refers_to(region: Annotated[str, typer.Argument(metavar="REGION", help="A pain region, e.g. lateral_calf.")]):
    """The muscles that refer pain to a region, essential or spill-over, with their trigger-point parts and sources."""
    from myotrace.expert.errors import InputError
    from myotrace.expert.present.kbview import refers_to_lines, resolve_region
    from myotrace.facts.knowledge import knowledge
    try:
        chosen = resolve_region(region)
    except InputError as error:
        fail(str(error))
    for line in refers_to_lines(knowledge(), chosen):
        say(line)


@app.command()
def differential(case: Annotated[Path, typer.Argument(metavar="CASE", help="A case file.", show_default=False)]):
    """The competing pictures side by side: findings for and against, tests still to do, likelihood ratios where a cited study gives them."""
    from myotrace.expert.casefile import load_case
    from myotrace.expert.engine import get_engine
    from myotrace.expert.errors import InputError
    from myotrace.expert.teach.differential import differential as build, differential_lines
    try:
        loaded = load_case(case)
    except InputError as error:
        fail(str(error))
    for line in differential_lines(build(get_engine(), loaded)):
        say(line)


def hoist_global_flags(argv: list[str]) -> list[str]:
    """Move global flags typed after the subcommand (``myotrace diagnose X --debug``) to the front."""
    end = argv.index("--") if "--" in argv else len(argv)
    flags = [arg for arg in argv[:end] if arg in GLOBAL_FLAGS]
    rest = [arg for arg in argv[:end] if arg not in GLOBAL_FLAGS]
    return flags + rest + argv[end:]


def main():
    # myotrace uses no pydantic plugins; without this, pydantic scans every installed
    # distribution for them at the first model (typer does the same for its own models).
    # A value the user has set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from myotrace.expert.start_up import own_process
    own_process()
    try:
        app(args=hoist_global_flags(sys.argv[1:]), prog_name="myotrace")
    except Exception as error:
        # Imported only if it was loaded: `--help` and `--version` do not load the knowledge base.
        knowledge = sys.modules.get("myotrace.facts.knowledge")
        if knowledge is None or not isinstance(error, knowledge.KnowledgeError):
            raise
        typer.echo(f"error: knowledge base: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
