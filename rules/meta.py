"""Rule metadata and the reasoning stages (salience), bandit-style.

Put ``@meta(...)`` directly under ``@Rule(...)``: experta copies the function's
``__dict__`` onto the rule, so every firing carries its id, statement and source.
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

STAGES = ("safety", "nerve", "referral", "satellites", "conditions", "myths", "protocol", "questions")


@dataclass(frozen=True)
class RuleMeta:
    id: str
    stage: str
    statement: str
    when: str
    then: str
    source: str


def meta(*, id: str, stage: str, statement: str, when: str, then: str, source: str):
    if stage not in STAGES:
        raise ValueError(f"rule {id}: unknown stage {stage!r}")
    try:
        parse_source(source)  # the format; the keys are checked against references.yaml by `kb check`
    except ValueError as error:
        raise ValueError(f"rule {id}: source: {error}") from None

    def attach(function):
        function.rule_meta = RuleMeta(id, stage, statement, when, then, source)
        function.__doc__ = statement
        return function

    return attach
