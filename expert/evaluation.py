"""Run case files with ``expect:`` blocks against the engine; rule coverage."""
from dataclasses import dataclass, field

from myotrace.expert.casefile import load_case
from myotrace.expert.engine import get_engine, rule_catalogue
from myotrace.expert.report import build_report


@dataclass
class Outcome:
    case: str
    path: str
    status: str  # pass | fail | no-expect
    problems: list[str] = field(default_factory=list)
    fired: set[str] = field(default_factory=set)


def compare(expect, report) -> list[str]:
    problems = []
    if expect.triage is not None and expect.triage != report.triage:
        problems.append(f"triage: expected {expect.triage}, got {report.triage}")
    if expect.primary_muscle is not None and expect.primary_muscle != report.primary_muscle:
        problems.append(f"primary_muscle: expected {expect.primary_muscle}, got {report.primary_muscle}")
    if expect.chain is not None and list(expect.chain) != report.chain:
        problems.append(f"chain: expected {list(expect.chain)}, got {report.chain}")
    if expect.secondary_chains is not None and [list(c) for c in expect.secondary_chains] != report.secondary_chains:
        problems.append(f"secondary_chains: expected {[list(c) for c in expect.secondary_chains]},"
                        f" got {report.secondary_chains}")
    if expect.conditions is not None:
        missing = [c for c in expect.conditions if c not in report.conditions]
        if missing:
            problems.append(f"conditions: missing {missing}, got {report.conditions}")
    return problems


def evaluate_case(path) -> Outcome:
    case = load_case(path)
    engine = get_engine().consult(case)
    report = build_report(engine, case)
    fired = {firing.rule for firing in engine.trace}
    if case.expect is None:
        return Outcome(case.case, str(path), "no-expect", fired=fired)
    problems = compare(case.expect, report)
    return Outcome(case.case, str(path), "fail" if problems else "pass", problems, fired)


def coverage(outcomes) -> tuple[list[str], list[str]]:
    """(rules fired by some case, rules no case fired), both sorted."""
    fired = set().union(*(o.fired for o in outcomes)) if outcomes else set()
    every = [meta.id for meta in rule_catalogue()]
    return [r for r in every if r in fired], [r for r in every if r not in fired]


# ---- many cases, optionally over several processes ------------------------------------

def default_jobs() -> int:
    """The machine's cores (as many as this process may use)."""
    import os
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _pool_context():
    """fork on Linux: workers inherit the engine the parent already built (elsewhere the
    platform's default; each worker then builds its own engine once)."""
    import multiprocessing
    import sys
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)


def evaluate_many(paths, jobs: int = 1, chunk: int = 32):
    """Outcomes one by one, in the order of ``paths``, whatever ``jobs`` is.

    With ``jobs > 1`` the cases are spread over worker processes in chunks; the results
    come back in order, so the output is the same as a serial run. Nothing is kept here:
    the caller streams the outcomes, so memory stays flat as the library grows.
    """
    paths = [str(path) for path in paths]
    get_engine()  # built once, here; forked workers inherit it
    jobs = max(1, min(jobs, len(paths) // chunk or 1))
    if jobs == 1:
        yield from map(evaluate_case, paths)
        return
    with _pool_context().Pool(jobs) as pool:
        yield from pool.imap(evaluate_case, paths, chunksize=chunk)


def split_coverage(fired: set[str]) -> tuple[list[str], list[str]]:
    """(catalogue rules in ``fired``, the others), both in catalogue order."""
    every = [meta.id for meta in rule_catalogue()]
    return [r for r in every if r in fired], [r for r in every if r not in fired]
