"""Rule metadata and the reasoning stages (salience), bandit-style.

Put ``@meta(...)`` directly under ``@Rule(...)``: experta copies the function's
``__dict__`` onto the rule, so every firing carries its id, statement and source.
A rule names the settings (settings.yaml) it reads, directly or through the helpers
it calls, and what its conclusion feeds (``feeds``: the rule one step up the
reasoning, with how it is used), which `why` climbs from a question to its goal.
"""
from dataclasses import dataclass

from myotrace.facts.knowledge import parse_source

# Salience: higher fires first. One constant per stage, in reasoning order.
SAFETY = 100
NERVE = 90
EVIDENCE = 80
WEIGH = 70
CHAIN_LINKS = 60
CHAIN_ROOTS = 55
PRIMARY = 50
CONDITIONS = 45
MYTHS = 40
PROTOCOL = 30
TRIAGE = 20
TRIAGE_FALLBACK = 15
TRIAGE_FINAL = 12
QUESTIONS = 10
QUESTIONS_LAST = 5  # after every other question rule: it asks only what they left out

STAGES = ("safety", "nerve", "referral", "satellites", "conditions", "myths", "protocol", "questions")


@dataclass(frozen=True)
class RuleMeta:
    id: str
    stage: str
    statement: str
    when: str
    then: str
    source: str
    name: str = ""                  # readable: the rule function's name in words
    settings: tuple[str, ...] = ()  # the settings.yaml keys it reads
    feeds: tuple[str, str] | None = None  # (rule id, how that rule uses this one's conclusion)
    salience: int = 0               # its stage's place in the firing order (higher first)
    groups: tuple[str, ...] = ()    # e.g. "triage": its conclusion can decide the triage


def meta(*, id: str, stage: str, statement: str, when: str, then: str, source: str,
         settings: tuple[str, ...] = (), feeds: tuple[str, str] | None = None, groups: tuple[str, ...] = ()):
    if stage not in STAGES:
        raise ValueError(f"rule {id}: unknown stage {stage!r}")
    try:
        parse_source(source)  # the format; the keys are checked against references.yaml by `kb check`
    except ValueError as error:
        raise ValueError(f"rule {id}: source: {error}") from None

    def attach(function):
        function.rule_meta = RuleMeta(id, stage, statement, when, then, source,
                                      name=function.__name__.replace("_", " "), settings=tuple(settings),
                                      feeds=feeds, groups=tuple(groups))
        function.__doc__ = statement
        return function

    return attach
