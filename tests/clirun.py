"""The myotrace command line run in this process, as the console script runs it.

``main()`` moves global flags typed after the subcommand to the front, then runs the typer
app; ``run`` does the same through typer's CliRunner and returns what a process would give:
exit code, standard output, standard error. An exception the app did not handle (the process
would print a traceback and exit 1) is written to ``stderr`` as a traceback, so a check for
"no traceback" holds in both.

A console-script test (a real ``myotrace`` process) is kept for each command where the
process itself matters: the script's entry point, signals, pipes, terminals, worker processes.
Everything else runs here, 10-50 times faster than starting a process.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass

from typer.testing import CliRunner

from myotrace.cli import app, hoist_global_flags


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str, stdin: str | None = None, columns: int = 80, env: dict | None = None) -> Ran:
    """``myotrace ARGS`` with ``stdin`` piped in, in a terminal of ``columns``.

    CliRunner fixes click's help width at 80; a process takes the terminal's, less 2, at most
    78 (click's HelpFormatter), so that is passed as the context's terminal width."""
    result = CliRunner().invoke(app, hoist_global_flags([str(a) for a in args]), input=stdin,
                                env={"COLUMNS": str(columns), **(env or {})}, prog_name="myotrace",
                                terminal_width=max(min(columns, 80) - 2, 50))
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, stderr)


def one_error_line(result) -> str:
    """The one line a command gives for bad input (exit 2, ``error: …`` on stderr, no traceback)."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]
