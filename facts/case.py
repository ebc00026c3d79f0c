"""The case file (CONTRACT §1), validated by pydantic."""
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from myotrace.facts.vocabulary import CONDITIONS, FINDINGS, MUSCLES, REGIONS, SIDES, TRIAGE_LEVELS

Answer = Union[bool, Literal["unknown"]]


class Expectation(BaseModel):
    """What a teacher says the answer is (used by ``evaluate``)."""

    model_config = ConfigDict(extra="forbid")

    triage: Literal[TRIAGE_LEVELS] | None = None
    primary_muscle: Literal[MUSCLES] | None = None
    chain: list[Literal[MUSCLES]] | None = None
    secondary_chains: list[list[Literal[MUSCLES]]] | None = None
    conditions: list[Literal[CONDITIONS]] | None = None


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: str | None = None
    side: Literal[SIDES] | None = None
    pain: list[Literal[REGIONS]] = Field(default_factory=list)
    findings: dict[Literal[FINDINGS], Answer] = Field(default_factory=dict)
    tender_points: list[Literal[MUSCLES]] = Field(default_factory=list)
    non_tender: list[Literal[MUSCLES]] = Field(default_factory=list)
    notes: str | None = None
    expect: Expectation | None = None

    @field_validator("findings", mode="before")
    @classmethod
    def _strict_answers(cls, value):
        """Only true, false or unknown: refuse 'yes', 1, null and friends."""
        if isinstance(value, dict):
            for key, answer in value.items():
                if not (isinstance(answer, bool) or answer == "unknown"):
                    raise ValueError(
                        f"finding {key!r} has value {answer!r}; use true, false or unknown"
                    )
        return value

    @field_validator("non_tender")
    @classmethod
    def _not_both(cls, value, info):
        both = sorted(set(value) & set(info.data.get("tender_points") or ()))
        if both:
            raise ValueError(f"{', '.join(both)} listed both as tender and as non-tender")
        return value
