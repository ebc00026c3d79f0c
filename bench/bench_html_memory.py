"""Peak memory (max RSS) of a multi-case HTML report: `diagnose A B ... --format html`.

    python bench/bench_html_memory.py [--cases 2500] [--also 1]

Copies the case library into a temporary folder until there are --cases files,
runs `myotrace diagnose` on all of them with the HTML output thrown away, and
reports the child's peak resident set size (``ru_maxrss``) and wall time. With
``--also N`` it measures N cases too, so the growth per case shows: a streamed
report stays flat as the number of cases grows.

Measured on the 2-core shared build machine (library copied to 2,500 files):
  before (every section held until the end, then joined): 10 cases 40.8 MiB; 2,500 cases 884.3 MiB, 74 s
  after  (streamed: each section written as it is made):  10 cases 38.2 MiB; 2,500 cases  48.8 MiB, 79 s
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_rss(count: int, folder: Path) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of one `diagnose --format html` child."""
    library = sorted((ROOT / "cases").glob("*.yaml"))
    paths = []
    for index in range(count):
        path = folder / f"{index:05d}-{library[index % len(library)].name}"
        if not path.exists():
            shutil.copy(library[index % len(library)], path)
        paths.append(str(path))
    script = str(Path(sys.executable).parent / "myotrace")
    # RUSAGE_CHILDREN is the peak over every child waited for, so a small wrapper process
    # runs diagnose (HTML to /dev/null) and reports the peak of that one child.
    probe = ("import resource, subprocess, sys, time\n"
             "start = time.perf_counter()\n"
             "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False).returncode\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - start, code)\n")
    out = subprocess.run([sys.executable, "-c", probe, script, "diagnose", *paths, "--format", "html"],
                         capture_output=True, text=True, check=True).stdout.split()
    kib, seconds, code = int(out[0]), float(out[1]), int(out[2])
    if code != 0:
        raise SystemExit(f"diagnose exited {code}")
    return kib / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2500)
    parser.add_argument("--also", type=int, default=1, help="a smaller run to compare (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for count in ([args.also] if args.also else []) + [args.cases]:
            mib, seconds = peak_rss(count, Path(folder))
            print(f"{count:6d} case(s): peak RSS {mib:7.1f} MiB, {seconds:6.1f} s")


if __name__ == "__main__":
    main()
