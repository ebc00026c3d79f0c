"""Wall time of one `myotrace diagnose CASE --format json` process against a bare
interpreter that only imports experta, pydantic and typer (median of N runs,
interleaved so both see the same machine load).

    python bench/bench_startup.py [--runs 21] [CASE]

Target (issue 2): diagnose within 1.5x the bare import.
"""
import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = [sys.executable, "-c", "import myotrace.expert._compat, experta, pydantic, typer"]
# The stack's own floor: a one-command typer app that reads a YAML file into a
# one-field pydantic model and prints JSON, with no myotrace code at all.
FLOOR = [sys.executable, "-c", """
import myotrace.expert._compat, experta, pydantic, typer, yaml, json, enum, pathlib, typing
app = typer.Typer()
class F(str, enum.Enum):
    json = "json"
class M(pydantic.BaseModel):
    case: str | None = None
@app.command()
def diagnose(cases: list[pathlib.Path], format: typing.Annotated[F, typer.Option("--format")] = F.json):
    for path in cases:
        print(json.dumps(M.model_validate(yaml.safe_load(path.read_text())).model_dump()))
app()
"""]


def myotrace() -> list[str]:
    script = Path(sys.executable).parent / "myotrace"
    return [str(script)] if script.exists() else [shutil.which("myotrace") or "myotrace"]


def wall(command) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", nargs="?", default=str(ROOT / "cases" / "gmin-lateral-classic.yaml"))
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    diagnose = myotrace() + ["diagnose", args.case, "--format", "json"]
    floor = FLOOR + [args.case, "--format", "json"]
    for command in (BARE, floor, diagnose):  # warm the file cache and .pyc files
        wall(command)
    bare, stack, full = [], [], []
    for _ in range(args.runs):
        bare.append(wall(BARE))
        stack.append(wall(floor))
        full.append(wall(diagnose))
    b, s, f = statistics.median(bare), statistics.median(stack), statistics.median(full)
    print(f"bare import   median {b * 1000:6.1f} ms  (min {min(bare) * 1000:.1f})")
    print(f"stack floor   median {s * 1000:6.1f} ms  (min {min(stack) * 1000:.1f})  typer command + yaml + one pydantic model")
    print(f"diagnose      median {f * 1000:6.1f} ms  (min {min(full) * 1000:.1f})")
    print(f"ratio {f / b:.2f}x  (target <= 1.5x); the stack floor alone is {s / b:.2f}x")


if __name__ == "__main__":
    main()
