"""Hypothesis profiles for this suite, loaded by conftest.py before any test module.

- ``ci`` (the default, and what .ci/run runs): 150 examples a property, derandomized (each
  test's examples come from a seed fixed by the test itself), so every run explores the same
  cases and a red run is reproduced by running it again; no example database.
- ``dev`` (``MYOTRACE_HYPOTHESIS=dev``): 15 examples a property, random, for quick local runs;
  a failure found is kept in the local, git-ignored .hypothesis/ folder and replayed first on
  the next run.

A failure found once becomes a regression example with ``@example(...)`` on its test, in the
code, reviewed and run under every profile. A committed example database is not used: its
entries are keyed by a hash of the test and its strategy, so they go stale silently when
either changes, and nobody can read in a review what they hold.

``--hypothesis-profile NAME`` on the command line overrides the variable.
"""
import os

from hypothesis import HealthCheck, settings

EXAMPLES = {"ci": 150, "dev": 15}
COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

settings.register_profile("ci", max_examples=EXAMPLES["ci"], derandomize=True, print_blob=True, **COMMON)
settings.register_profile("dev", max_examples=EXAMPLES["dev"], **COMMON)


def load() -> str:
    name = os.environ.get("MYOTRACE_HYPOTHESIS", "ci")
    if name not in EXAMPLES:
        raise SystemExit(f"MYOTRACE_HYPOTHESIS={name!r}: use one of {', '.join(EXAMPLES)}")
    if name != "ci" and os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        raise SystemExit(f"MYOTRACE_HYPOTHESIS={name} under CI=true: CI runs the ci profile")
    settings.load_profile(name)
    return name


def at_most(count: int) -> int:
    """For a property that runs fewer examples than the profile (each one is slow): ``count``
    under ``ci``, never more than the profile's own number (so ``dev`` stays quick)."""
    return min(count, settings().max_examples)
