"""The structured trace: one Firing per rule fired, built in the engine's run loop."""
from dataclasses import dataclass, field
from functools import cached_property

from experta.utils import unfreeze


def fact_dict(fact) -> dict:
    """A fact as plain data: its type, its id in the fact list, and its fields."""
    data = {"fact": f"f-{fact['__factid__']}", "type": type(fact).__name__}
    for key, value in fact.items():
        if not (isinstance(key, str) and key.startswith("__")):
            data[str(key)] = unfreeze(value)
    return data


def fact_text(fact: dict) -> str:
    """A fact dict as one short line: ``Finding(id=ober_positive, value=True)``."""
    fields = ", ".join(f"{k}={_short(v)}" for k, v in fact.items() if k not in ("fact", "type", "source"))
    return f"{fact['type']}({fields})"


def _short(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


@dataclass
class Firing:
    """One rule firing. Facts are kept as experta facts (never mutated once
    declared) and turned into plain dicts only when somebody reads them."""

    number: int
    rule: str
    stage: str
    statement: str
    source: str
    salience: int
    matched_facts: tuple
    declared_facts: tuple
    certainty: list[dict] = field(default_factory=list)  # [{muscle, before, after}]

    @cached_property
    def matched(self) -> list[dict]:
        return [fact_dict(f) for f in self.matched_facts]

    @cached_property
    def declared(self) -> list[dict]:
        return [fact_dict(f) for f in self.declared_facts]

    def as_dict(self) -> dict:
        return {
            "step": self.number, "rule": self.rule, "stage": self.stage,
            "statement": self.statement, "source": self.source, "salience": self.salience,
            "matched": self.matched, "declared": self.declared, "certainty": self.certainty,
        }
