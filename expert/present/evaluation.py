"""`myotrace evaluate` output, written as the outcomes stream in (text or JSON).

Only counts and the union of fired rules are kept, never the reports, so memory does not
grow with the library. The JSON is byte-identical to ``json.dumps(document, indent=2)``.
"""
import json
from dataclasses import dataclass, field

from myotrace.expert.evaluation import split_coverage


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    total: int = 0
    fired: set[str] = field(default_factory=set)

    def add(self, outcome) -> None:
        self.total += 1
        self.passed += outcome.status == "pass"
        self.failed += outcome.status == "fail"
        self.fired |= outcome.fired


def write_text(outcomes, out) -> Tally:
    tally = Tally()
    for outcome in outcomes:
        tally.add(outcome)
        out.write(f"{outcome.status.upper():9} {outcome.case}\n")
        for problem in outcome.problems:
            out.write(f"          {problem}\n")
    covered, uncovered = split_coverage(tally.fired)
    without = tally.total - tally.passed - tally.failed
    out.write(f"\n{tally.passed} passed, {tally.failed} failed"
              + (f", {without} without expect" if without else "") + "\n")
    out.write(f"rule coverage: {len(covered)} of {len(covered) + len(uncovered)} rules fired"
              + (f"; never fired: {', '.join(uncovered)}" if uncovered else "") + "\n")
    return tally


def _nested(value, depth: int) -> str:
    """``value`` as json.dumps(indent=2) prints it ``depth`` levels deep."""
    return json.dumps(value, indent=2).replace("\n", "\n" + "  " * depth)


def write_json(outcomes, out) -> Tally:
    tally = Tally()
    out.write('{\n  "cases": [')
    for outcome in outcomes:
        out.write("," if tally.total else "")
        tally.add(outcome)
        entry = {"case": outcome.case, "path": outcome.path, "status": outcome.status,
                 "problems": outcome.problems}
        out.write("\n    " + _nested(entry, 2))
    out.write("\n  ]" if tally.total else "]")
    covered, uncovered = split_coverage(tally.fired)
    tail = {"passed": tally.passed, "failed": tally.failed,
            "coverage": {"fired": covered, "never_fired": uncovered}}
    for key, value in tail.items():
        out.write(f",\n  {json.dumps(key)}: {_nested(value, 1)}")
    out.write("\n}\n")
    return tally
