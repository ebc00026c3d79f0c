"""Wall time of one `myotrace diagnose CASE --format json` process against a bare
interpreter that only imports experta, pydantic and typer (median of N runs,
interleaved so both see the same machine load).

    python bench/bench_startup.py [--runs 7] [--against OTHER/myotrace] [CASE]

Target (issues 2 and 9): diagnose within 1.5x the bare import. Two floors show what the
chosen stack costs before any myotrace code runs: typer parsing the same arguments, and
typer plus YAML plus one pydantic model. ``--against`` times another
installation's console script in the same interleaved loop (e.g. the previous release),
so a before/after comparison sees the same machine load. Each myotrace command gets a knowledge
snapshot cache of its own (MYOTRACE_CACHE_DIR), filled by the warm-up run: two versions sharing
one cache would each find the other's snapshot, rebuild their own from the YAML on every run and
time that instead of a user's second start (older versions keep only one snapshot).
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Python may write .pyc files, as it does for an installed wheel (pip compiles at install time);
# with PYTHONDONTWRITEBYTECODE set, an editable install would recompile every module on every start.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
BARE = [sys.executable, "-c", "import myotrace.expert._compat, experta, pydantic, typer"]


def typer_app(imports: str, setup: str, body: str) -> list[str]:
    """A one-command typer app that takes diagnose's arguments (a path list, an enum option)."""
    return [sys.executable, "-c", f"""
import myotrace.expert._compat, experta, pydantic, typer, enum, pathlib, typing{imports}
app = typer.Typer()
class F(str, enum.Enum):
    json = "json"
{setup}
@app.command()
def diagnose(cases: list[pathlib.Path], format: typing.Annotated[F, typer.Option("--format")] = F.json):
{body}
app()
"""]


# What typer alone costs: the same command line parsed and nothing done with it. typer 0.29
# coerces every parameter that is not a boolean flag through a pydantic TypeAdapter, so this
# already imports pydantic's models, which the bare import (pydantic's lazy top level) does not.
TYPER_FLOOR = typer_app("", "", "    pass")
# The stack's own floor: the same app reads each YAML file into a one-field pydantic model
# and prints JSON, with no myotrace code at all.
FLOOR = typer_app(", yaml, json", "class M(pydantic.BaseModel):\n    case: str | None = None", """\
    for path in cases:
        print(json.dumps(M.model_validate(yaml.safe_load(path.read_text())).model_dump()))""")


def myotrace() -> list[str]:
    script = Path(sys.executable).parent / "myotrace"
    return [str(script)] if script.exists() else [shutil.which("myotrace") or "myotrace"]


def wall(command, env=ENV) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def cpu(command, env=ENV) -> float:
    """User + system CPU time of the child: steadier than wall time on a shared machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", nargs="?", default=str(ROOT / "cases" / "gmin-lateral-classic.yaml"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--against", help="another myotrace console script to time side by side")
    args = parser.parse_args()
    commands = {
        "bare import": BARE,
        "typer floor": TYPER_FLOOR + [args.case, "--format", "json"],
        "stack floor": FLOOR + [args.case, "--format", "json"],
        "diagnose": myotrace() + ["diagnose", args.case, "--format", "json"],
    }
    if args.against:
        commands["diagnose (against)"] = [args.against, "diagnose", args.case, "--format", "json"]
    caches = tempfile.mkdtemp(prefix="bench-startup-")
    envs = {name: {**ENV, "MYOTRACE_CACHE_DIR": os.path.join(caches, str(index))}
            for index, name in enumerate(commands)}
    for name, command in commands.items():  # warm the file cache, .pyc files and the knowledge snapshot
        wall(command, envs[name])
    notes = {"typer floor": "  a typer command that parses the same arguments and does nothing",
             "stack floor": "  typer command + yaml + one pydantic model"}
    for label, clock in (("wall", wall), ("cpu", cpu)):
        times = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(clock(command, envs[name]))
        median = {name: statistics.median(values) for name, values in times.items()}
        bare = median["bare import"]
        print(f"-- {label} time, median of {args.runs}")
        for name, values in times.items():
            print(f"{name:19} median {median[name] * 1000:6.1f} ms  (min {min(values) * 1000:6.1f})"
                  f"  {median[name] / bare:4.2f}x bare{notes.get(name, '')}")
        print(f"ratio {median['diagnose'] / bare:.2f}x  (target <= 1.5x); typer alone is "
              f"{median['typer floor'] / bare:.2f}x, the stack floor {median['stack floor'] / bare:.2f}x")
        floor = median["stack floor"]
        print(f"diagnose / stack floor {median['diagnose'] / floor:.2f}x (goal <= 1.3x, issue 18)"
              + (f"; against {median['diagnose (against)'] / floor:.2f}x" if args.against else ""))


if __name__ == "__main__":
    main()
