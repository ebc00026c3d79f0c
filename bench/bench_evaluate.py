"""Cost of one more case in `myotrace evaluate`, serial and over processes, and peak memory.

    python bench/bench_evaluate.py [--cases 2000] [--runs 3] [--jobs 2]

Builds a library of --cases files (the shipped library copied over and over, in a
temporary folder), then times `evaluate` on one case and on the whole library with
`--jobs 1` and `--jobs N` (medians of --runs). The marginal cost per case is the slope
between the two. Peak RSS is the largest resident set of the evaluate process or any of
its workers, for the full library and for a quarter of it: flat memory means the two match.

Targets (issue 9): <= 5 ms per case on 2 cores for a 2,000-case library; memory flat.
"""
import argparse
import os
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


def run(command) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MiB, CPU seconds), counting the process and its workers."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def library(folder: Path, count: int) -> Path:
    cases = sorted((ROOT / "cases").glob("*.yaml"))
    folder.mkdir()
    for number in range(count):
        case = cases[number % len(cases)]
        shutil.copy(case, folder / f"{number:05d}-{case.name}")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    script = str(Path(sys.executable).parent / "myotrace")
    with tempfile.TemporaryDirectory() as tmp:
        big = library(Path(tmp) / "big", args.cases)
        quarter = library(Path(tmp) / "quarter", args.cases // 4)
        one = min(big.iterdir())
        print(f"{args.cases} cases; medians of {args.runs} runs, the settings interleaved in each run")
        settings = (1, args.jobs)
        def evaluate(jobs, path):
            return run([script, "evaluate", "--jobs", str(jobs), str(path)])

        for jobs in settings:  # warm caches and the knowledge snapshot
            evaluate(jobs, one)
        singles = {jobs: [] for jobs in settings}
        results = {jobs: [] for jobs in settings}
        for _ in range(args.runs):
            for jobs in settings:
                singles[jobs].append(evaluate(jobs, one))
                results[jobs].append(evaluate(jobs, big))
        for jobs in settings:
            t_one = statistics.median(t for t, _, _ in singles[jobs])
            t_all = statistics.median(t for t, _, _ in results[jobs])
            cpu_one = statistics.median(c for _, _, c in singles[jobs])
            cpu_all = statistics.median(c for _, _, c in results[jobs])
            rss_all = max(rss for _, rss, _ in results[jobs])
            _, rss_quarter, _ = evaluate(jobs, quarter)
            slope = (t_all - t_one) / (args.cases - 1)
            cpu_slope = (cpu_all - cpu_one) / (args.cases - 1)
            print(f"--jobs {jobs}: 1 case {t_one * 1000:.0f} ms; {args.cases} cases {t_all:.2f} s; "
                  f"{slope * 1000:.2f} ms wall per extra case ({cpu_slope * 1000:.2f} ms CPU); "
                  f"peak RSS {rss_all:.0f} MiB ({args.cases // 4} cases: {rss_quarter:.0f} MiB)")
    print("targets: <= 5 ms per case with --jobs 2 on 2 cores; peak RSS flat as the library grows")


if __name__ == "__main__":
    main()
