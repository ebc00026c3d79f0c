"""The interview's efficiency, agreement and speed over the case library.

    python bench/bench_interview.py [--pty] [--runs 3] [--random N] [CASES_DIR]

1. Agreement and questions asked. A simulated patient answers from each case
   file (findings as written, tender_points yes, non_tender no, ``unknown``
   where the case is silent) until the interview stops; its triage, primary
   muscle and chain must equal ``diagnose`` on the full case. Questions are
   counted two ways: the red-flag checklist as one screen, and as its items
   (11); the pain map is one question, every other question one. Every
   question asked is counted: the decisive ones, those asked while the answer
   is still insufficient evidence, and the documentation of the primary's
   classic history (QST-006) and of what shapes the advice (QST-010). Target: at most half of the 41 askable items
   (32 findings + 9 palpations), with the checklist as one screen.
   Beyond the mandatory screens (the red flags, the pain map and the nerve
   screen) the share of the remaining askable items actually asked is reported
   too (target: at most half), and whether the progress line's count of
   questions that could change the conclusion ever rose after the pain map
   (it is an upper bound: it must never rise).
   ``--random N`` replays N random cases the same way: a probe of whether the
   question rules ever stop before an answer that would change the conclusion.
   (A patient saying ``no`` where the case is silent is asked exactly the same
   questions: the knowledge base links findings to muscles by their presence,
   so ``no`` and ``unknown`` close the same bounds.)
2. Latency from an answer to the next question: in process (answer, re-derive,
   save the session atomically, render the next prompt) for every answer of
   the simulated interviews; with ``--pty`` also end to end in a real
   pseudo-terminal (from sending the answer to the next prompt on screen).
   Target: median under 50 ms.
"""
import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import myotrace.expert._compat  # noqa: E402,F401
from myotrace.expert.casefile import case_paths, load_case  # noqa: E402
from myotrace.expert.engine import get_engine  # noqa: E402
from myotrace.expert.interview.session import (  # noqa: E402
    ASKABLE, CHECKLISTS, PAIN_MAP, Interview, answer_from_case,
)
from myotrace.expert.interview.store import save_session  # noqa: E402
from myotrace.expert.interview.parsing import keys_for  # noqa: E402
from myotrace.expert.report import build_report  # noqa: E402
from myotrace.facts.case import Case  # noqa: E402


def silent_unknown(case: Case, prompt):
    """The patient of the agreement test: what the case says, unknown where it is silent."""
    return answer_from_case(case, prompt)


def random_case(rnd) -> Case:
    """A random valid case: a few painful regions, findings, palpations; red flags rare."""
    from myotrace.facts.vocabulary import FINDINGS, MUSCLES, RED_FLAGS, REGIONS
    findings = {}
    for finding in FINDINGS:
        share = 0.02 if finding in RED_FLAGS else 0.5
        x = rnd.random()
        if x < share:
            findings[finding] = x < share / 2
        elif x < share * 1.1:
            findings[finding] = "unknown"
    muscles = list(MUSCLES)
    rnd.shuffle(muscles)
    return Case(case=f"random-{rnd.random():.6f}", pain=[r for r in REGIONS if rnd.random() < 0.25],
                findings=findings, tender_points=[m for m in muscles[:3] if rnd.random() < 0.5],
                non_tender=[m for m in muscles[3:6] if rnd.random() < 0.5])


def beyond_screens() -> list[str]:
    """The askable items outside the mandatory screens (red flags, nerve screen; the pain map is not an item)."""
    screened = {item for items in CHECKLISTS.values() for item in items}
    return [item for item in ASKABLE if item not in screened]


CPU_TIMES: list[float] = []  # processor time per answer: what the wait would be on an idle machine


def simulate(case: Case, patient, timings=None, session_file=None, console=None):
    """Drive the state machine to its end; returns the Interview."""
    interview = Interview()
    documented = 0
    bounds = []  # the progress line's count after each answer, once the pain map is answered
    renderer = None
    if console is not None:
        from myotrace.expert.interview.tty import Terminal
        renderer = Terminal(interview, session_file, console, read=lambda _: "")
    while (prompt := interview.next_prompt()) is not None:
        documented += prompt.purpose == "documentation"
        value = patient(case, prompt)
        start, cpu = time.perf_counter(), time.process_time()
        interview.answer(value)
        if session_file is not None:
            save_session(interview.session, session_file)
        following = interview.next_prompt()
        if renderer is not None and following is not None:
            renderer.show(following)
        if following is not None and following.purpose == "decisive" and interview.progress(following).mapped:
            bounds.append(interview.progress(following).decisive)
        if timings is not None:
            timings.append(time.perf_counter() - start)
            CPU_TIMES.append(time.process_time() - cpu)
    interview.documented = documented
    interview.bounds = bounds
    return interview


def conclusion(report):
    return (report.triage, report.primary_muscle, list(report.chain),
            [list(chain) for chain in report.secondary_chains])


def library(cases, patient=None, timings=None, session_file=None, console=None):
    rows = []
    for case in cases:
        case = load_case(case) if isinstance(case, Path) else case
        interview = simulate(case, patient or silent_unknown, timings, session_file, console)
        full = build_report(get_engine().consult(case), case)
        counts = interview.counts()
        rows.append({"case": case.case, "data": case.model_dump(exclude_defaults=True, exclude={"case"}),
                     "agree": conclusion(interview.report) == conclusion(full),
                     "got": conclusion(interview.report), "want": conclusion(full),
                     "prompts": counts["prompts"], "items": counts["items"],
                     "documented": interview.documented,
                     "beyond": sum(s.item not in CHECKLISTS and s.item != PAIN_MAP for s in interview.session.answers),
                     "rises": sum(b > a for a, b in zip(interview.bounds, interview.bounds[1:])),
                     "red_flag": interview.status == "red_flag"})
    return rows


def summary(rows, title):
    n = len(rows)
    agree = sum(r["agree"] for r in rows)
    prompts = statistics.mean(r["prompts"] for r in rows)
    items = statistics.mean(r["items"] for r in rows)
    other = [r for r in rows if not r["red_flag"]]
    print(f"{title}")
    print(f"  agreement (triage, primary, chain, secondary chains) with diagnose: {agree}/{n}")
    for r in rows:
        if not r["agree"]:
            print(f"    DISAGREE {r['case']}: interview {r['got']} vs diagnose {r['want']}")
            if r["case"].startswith("random-"):
                print(f"      case: {r['data']}")
    print(f"  mean questions, red-flag checklist as 1 screen: {prompts:5.1f}  ({prompts / len(ASKABLE):.0%} of {len(ASKABLE)};"
          f" target <= 50%)")
    print(f"    of which documentation (the primary's classic history QST-006, the advice QST-010): "
          f"{statistics.mean(r['documented'] for r in rows):.1f}")
    print(f"  mean questions, checklist as its 11 items:      {items:5.1f}  ({items / len(ASKABLE):.0%} of {len(ASKABLE)})")
    askable = len(beyond_screens())
    beyond = statistics.mean(r["beyond"] for r in other or rows)
    print(f"  beyond the screens (red flags, pain map, nerve screen), without red-flag cases: {beyond:5.1f} of "
          f"{askable} askable ({beyond / askable:.0%}; target <= 50%); max {max(r['beyond'] for r in other or rows)}")
    rising = [r for r in rows if r["rises"]]
    print(f"  the progress bound rose after the pain map in {len(rising)} of {n} interviews"
          + (f" (e.g. {rising[0]['case']})" if rising else ""))
    if other:
        print(f"  without the {n - len(other)} red-flag cases (n={len(other)}): "
              f"{statistics.mean(r['prompts'] for r in other):.1f} / "
              f"{statistics.mean(r['items'] for r in other):.1f}; "
              f"max {max(r['items'] for r in other)}")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def pty_latency(case_path: Path, runs: int) -> list[float]:
    """Seconds from sending an answer to the next prompt on a real pseudo-terminal."""
    import os
    import shutil

    import pexpect

    script = Path(sys.executable).parent / "myotrace"
    command = str(script) if script.exists() else shutil.which("myotrace")
    case = load_case(case_path)
    timings = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            child = pexpect.spawn(command, ["interview", "--no-intake", "--session", "s.json"], cwd=folder,
                                  env={**os.environ, "COLUMNS": "100"}, encoding="utf-8", timeout=20,
                                  dimensions=(50, 100))
            child.delaybeforesend = None  # pexpect sleeps 50 ms before each send by default
            shadow = Interview()  # knows what the terminal is asking
            child.expect(r"\n> ")
            while (prompt := shadow.next_prompt()) is not None:
                value = silent_unknown(case, prompt)
                shadow.answer(value)
                start = time.perf_counter()
                child.sendline(keys_for(prompt, value))
                child.expect(r"\n> |\nNext: ")
                timings.append(time.perf_counter() - start)
            child.sendline("quit")
            child.expect(pexpect.EOF)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="?", default=str(ROOT / "cases"))
    parser.add_argument("--pty", action="store_true", help="also time a real pseudo-terminal")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--random", type=int, default=0, metavar="N",
                        help="also replay N random cases (does the stopping rule ever stop too early?)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    paths = case_paths([args.cases])
    print(f"{len(paths)} cases in {args.cases}; askable items: {len(ASKABLE)}\n")
    summary(library(paths), "Patient answering from the case (unknown where silent):")
    if args.random:
        import random
        rnd = random.Random(args.seed)
        print()
        summary(library([random_case(rnd) for _ in range(args.random)]),
                f"Soundness probe: {args.random} random cases (seed {args.seed}):")

    from rich.console import Console
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        console = Console(file=io.StringIO(), width=100, force_terminal=True)
        for _ in range(args.runs):
            library(paths, None, timings, Path(folder) / "s.json", console)
    if not timings:
        return
    print(f"\nIn process, answer -> re-derive -> save -> next prompt rendered ({len(timings)} answers):")
    print(f"  median {statistics.median(timings) * 1000:.1f} ms, p95 {percentile(timings, 0.95) * 1000:.1f} ms, "
          f"max {max(timings) * 1000:.1f} ms  (target: median < 50 ms)")
    print(f"  processor time per answer (unaffected by other processes): median "
          f"{statistics.median(CPU_TIMES) * 1000:.1f} ms, p95 {percentile(CPU_TIMES, 0.95) * 1000:.1f} ms")
    # the floor under the same machine load: one engine consult of a mid-interview case
    engine, case = get_engine(), load_case(ROOT / "cases" / "gmin-lateral-classic.yaml")
    floor = []
    for _ in range(max(20, len(timings) // 20)):
        start = time.perf_counter()
        engine.consult(case)
        floor.append(time.perf_counter() - start)
    print(f"  of which the engine (one consult of the classic case, same load): median "
          f"{statistics.median(floor) * 1000:.1f} ms; load average now {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    if args.pty:
        classic = ROOT / "cases" / "gmin-lateral-classic.yaml"
        pty = pty_latency(classic, args.runs)
        print(f"Real pseudo-terminal, {classic.name} ({len(pty)} answers): median "
              f"{statistics.median(pty) * 1000:.1f} ms, p95 {percentile(pty, 0.95) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
