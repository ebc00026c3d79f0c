"""Marginal cost of one more case in `myotrace evaluate` (target: <= 10 ms/case).

    python bench/bench_evaluate.py [--copies 4] [--runs 5]

Times `evaluate` on one case and on the whole library copied --copies times
(in a temporary folder), medians of --runs, and reports the slope.
"""
import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(command) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    script = str(Path(sys.executable).parent / "myotrace")
    cases = sorted((ROOT / "cases").glob("*.yaml"))
    with tempfile.TemporaryDirectory() as folder:
        for copy in range(args.copies):
            for case in cases:
                shutil.copy(case, Path(folder) / f"{copy}-{case.name}")
        many = len(cases) * args.copies
        one = [script, "evaluate", str(cases[0])]
        all_ = [script, "evaluate", folder]
        wall(one), wall(all_)
        t_one = statistics.median(wall(one) for _ in range(args.runs))
        t_all = statistics.median(wall(all_) for _ in range(args.runs))
    slope = (t_all - t_one) / (many - 1)
    print(f"1 case: {t_one * 1000:.0f} ms; {many} cases: {t_all * 1000:.0f} ms")
    print(f"marginal cost per case: {slope * 1000:.2f} ms (target <= 10 ms)")


if __name__ == "__main__":
    main()
