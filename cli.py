"""myotrace command line: thin wrappers, no domain logic (CONTRACT §5)."""
import logging
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from myotrace.facts.vocabulary import SIDES

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Trace lateral-leg 'sciatica' to its myofascial source.")
rules_app = typer.Typer(help="The rule catalogue.", invoke_without_command=True)
kb_app = typer.Typer(help="The knowledge base.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(kb_app, name="kb")


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


def fail(message: str) -> None:
    """Bad input: one line on stderr, exit code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def console():
    from rich.console import Console
    return Console(highlight=False)


@app.callback()
def main_options(debug: Annotated[bool, typer.Option(help="Log every rule firing (experta watchers).")] = False):
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", force=True)
    if debug:
        from experta import watch
        logging.getLogger().setLevel(logging.DEBUG)
        watch("RULES", "ACTIVATIONS")


Side = Enum("Side", {side: side for side in SIDES}, type=str)


@app.command()
def interview(
    resume: Annotated[Path | None, typer.Option(help="Continue a saved session file.", show_default=False)] = None,
    session: Annotated[Path | None, typer.Option(
        help="Where to save a new session (default: ./myotrace-session-TIME.json).", show_default=False)] = None,
    export: Annotated[Path | None, typer.Option(
        help="Write the answers as a case file (YAML) when the result is shown.", show_default=False)] = None,
    side: Annotated[Side | None, typer.Option(help="The painful side, for the report.", show_default=False)] = None,
    case_id: Annotated[str | None, typer.Option("--case", help="A case id for the report (no patient names).",
                                                   show_default=False)] = None,
):
    """The therapist's adaptive interview: red flags, pain map, then only the questions that can still change the conclusion."""
    from myotrace.expert.errors import InputError
    from myotrace.expert.interview.tty import run_interview

    try:
        code = run_interview(resume=resume, session_path=session, export=export,
                             side=side.value if side else None, case_id=case_id)
    except InputError as error:
        fail(str(error))
    raise typer.Exit(code)


@app.command()
def diagnose(
    cases: Annotated[list[Path], typer.Argument(help="Case files (YAML or JSON).", show_default=False)],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    trace: Annotated[bool, typer.Option(help="Include every rule firing.")] = False,
):
    """A report for each case file."""
    from myotrace.expert.casefile import load_case
    from myotrace.expert.engine import get_engine
    from myotrace.expert.errors import InputError
    from myotrace.expert.report import build_report

    try:
        loaded = [load_case(path) for path in cases]
    except InputError as error:
        fail(str(error))
    engine = get_engine()
    pages = []
    for case in loaded:
        report = build_report(engine.consult(case), case, with_trace=trace)
        if format is Format.html:
            from myotrace.expert.present.html import page
            pages.append(page(report, engine, case))
        elif format is Format.json:
            sys.stdout.write(report.to_json())
        elif format is Format.markdown:
            from myotrace.expert.present.render import render_markdown
            sys.stdout.write(render_markdown(report) + "\n")
        else:
            from myotrace.expert.present.render import render_text
            render_text(report, console())
    if pages:
        from myotrace.expert.present.html import render_html
        sys.stdout.write(render_html(pages))


def ask_line(prompt: str) -> str:
    """One line from the user; EOFError at end of input or Ctrl-C."""
    try:
        return typer.prompt(prompt, default="", show_default=False, prompt_suffix=" ")
    except typer.Abort:
        raise EOFError from None


@app.command()
def explain(
    case: Annotated[Path, typer.Argument(metavar="CASE", help="A case file.", show_default=False)],
    step: Annotated[bool, typer.Option("--step", help="Fire one rule at a time and show the agenda between "
                                       "firings (Enter: fire one, r: run to the end, q: quit).")] = False,
    why_not: Annotated[str | None, typer.Option("--why-not", metavar="TARGET", show_default=False,
                                                  help="A muscle, triage level or condition: which rules could "
                                                  "have concluded it and which premises failed.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", metavar="FINDING=VALUE", show_default=False,
                                                    help="What if: finding=true|false|unknown, pain=+REGION|-REGION, "
                                                    "tender=MUSCLE, non_tender=MUSCLE. Repeatable.")] = None,
    unset: Annotated[list[str] | None, typer.Option("--unset", metavar="FINDING", show_default=False,
                                                     help="What if the finding had not been asked. Repeatable.")] = None,
    graph: Annotated[GraphFormat | None, typer.Option("--graph", show_default=False,
                                                       help="Print the derivation graph.")] = None,
):
    """The educator's view: every rule firing with its statement, source and facts, grouped by stage."""
    from myotrace.expert.errors import InputError
    from myotrace.expert.teach.explain import explain_case

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    try:
        explain_case(case, typer.echo, ask_line if interactive else None, step=step, why_not=why_not,
                     sets=set_ or (), unsets=unset or (), graph=graph.value if graph else None)
    except InputError as error:
        fail(str(error))


@app.command()
def practice(
    path: Annotated[Path | None, typer.Argument(help="A case file or folder [default: the case library].",
                                                 show_default=False)] = None,
    count: Annotated[int | None, typer.Option(min=1, help="How many cases [default: all].", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(help="Shuffle seed, for a repeatable session.", show_default=False)] = None,
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
    run_session(cases, get_engine(), typer.echo, ask_line, count=count, seed=seed)


@app.command()
def evaluate(
    paths: Annotated[list[Path], typer.Argument(help="Case files or folders of them.", show_default=False)],
    format: Annotated[EvalFormat, typer.Option("--format", "-f")] = EvalFormat.text,
):
    """Run cases that carry expect:, report pass/fail and rule coverage; exit 1 on any failure."""
    import json

    from myotrace.expert.casefile import case_paths
    from myotrace.expert.errors import InputError
    from myotrace.expert.evaluation import coverage, evaluate_case

    files = case_paths(paths)
    if not files:
        fail(f"no case files (*.yaml, *.yml, *.json) in {', '.join(map(str, paths))}")
    try:
        outcomes = [evaluate_case(path) for path in files]
    except InputError as error:
        fail(str(error))
    covered, uncovered = coverage(outcomes)
    failed = [o for o in outcomes if o.status == "fail"]
    passed = [o for o in outcomes if o.status == "pass"]
    if format is EvalFormat.json:
        typer.echo(json.dumps({
            "cases": [{"case": o.case, "path": o.path, "status": o.status, "problems": o.problems}
                      for o in outcomes],
            "passed": len(passed), "failed": len(failed),
            "coverage": {"fired": covered, "never_fired": uncovered},
        }, indent=2))
    else:
        for outcome in outcomes:
            typer.echo(f"{outcome.status.upper():9} {outcome.case}")
            for problem in outcome.problems:
                typer.echo(f"          {problem}")
        typer.echo(f"\n{len(passed)} passed, {len(failed)} failed"
                   + (f", {len(outcomes) - len(passed) - len(failed)} without expect" if len(outcomes) > len(passed) + len(failed) else ""))
        typer.echo(f"rule coverage: {len(covered)} of {len(covered) + len(uncovered)} rules fired"
                   + (f"; never fired: {', '.join(uncovered)}" if uncovered else ""))
    if failed:
        raise typer.Exit(1)


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port on 127.0.0.1.")] = 8765,
    db: Annotated[Path | None, typer.Option(help="The consultations database [default: "
                                            "$XDG_DATA_HOME/myotrace/consultations.db].", show_default=False)] = None,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the address in a browser.")] = False,
):
    """The consultation room and the teaching room as a local web app on 127.0.0.1 (CONTRACT §6)."""
    from myotrace.expert.web.serve import run

    try:
        run(port=port, db=db, open_browser=open_browser, say=typer.echo)
    except OSError as error:
        fail(f"cannot serve on 127.0.0.1:{port}: {error.strerror or error}; try another --port")


@rules_app.callback()
def rules_list(ctx: typer.Context):
    """The rule catalogue (id, stage, statement, source); `rules show ID` for one rule."""
    if ctx.invoked_subcommand:
        return
    from myotrace.expert.engine import rule_catalogue
    for rule in rule_catalogue():
        typer.echo(f"{rule.id}  [{rule.stage}]  {rule.statement}\n         source: {rule.source}")


@rules_app.command("show")
def rules_show(rule_id: Annotated[str, typer.Argument(metavar="ID", help="A rule id, e.g. SAF-001.")]):
    """One rule in English: IF ... THEN ..., with its source."""
    from myotrace.expert.engine import rule_catalogue
    from myotrace.expert.errors import did_you_mean
    catalogue = {rule.id: rule for rule in rule_catalogue()}
    rule = catalogue.get(rule_id.upper())
    if rule is None:
        fail(f"no rule {rule_id!r}{did_you_mean(rule_id.upper(), catalogue)} (`myotrace rules` lists them)")
    typer.echo(f"{rule.id} ({rule.stage}): {rule.statement}\n"
               f"  IF   {rule.when}\n  THEN {rule.then}\n  SOURCE {rule.source}")


@kb_app.command("check")
def kb_check():
    """Lint the knowledge base: unknown ids, satellite cycles, rules without source or test."""
    from myotrace.expert.kbcheck import check
    problems, notes = check()
    for note in notes:
        typer.echo(f"note: {note}")
    for problem in problems:
        typer.echo(f"problem: {problem}")
    typer.echo(f"{len(problems)} problem(s)")
    if problems:
        raise typer.Exit(1)


def main():
    from myotrace.facts.knowledge import KnowledgeError
    try:
        app()
    except KnowledgeError as error:
        typer.echo(f"error: knowledge base: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
