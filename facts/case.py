"""The case file (pain map, findings, palpation, optional intake), validated by pydantic."""
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator, model_validator

from myotrace.facts.vocabulary import CONDITIONS, FINDINGS, MUSCLES, REGIONS, SCREENS, SIDES, TRIAGE_LEVELS

Answer = Union[bool, Literal["unknown"]]


class Expectation(BaseModel):
    """What a teacher says the answer is (used by ``evaluate``)."""

    model_config = ConfigDict(extra="forbid")

    triage: Literal[TRIAGE_LEVELS] | None = None
    primary_muscle: Literal[MUSCLES] | None = None
    chain: list[Literal[MUSCLES]] | None = None
    secondary_chains: list[list[Literal[MUSCLES]]] | None = None
    conditions: list[Literal[CONDITIONS]] | None = None


ONSETS = ("sudden", "gradual")
HISTORY_HINTS = {  # what each intake field takes, for error messages
    "age": "a whole number of years from 0 to 120",
    "onset": "sudden or gradual",
    "duration_weeks": "a number of weeks from 0 to 2600",
    "pain_intensity": "a whole number from 0 (no pain) to 10 (worst imaginable)",
    "aggravating": "free text of at most 300 characters",
}


class History(BaseModel):
    """The intake a clinician records (``history``: age, onset, duration, pain score): shown in reports, never interpreted
    by the rules, and never a patient's name. Every field is optional; ranges are strict."""

    model_config = ConfigDict(extra="forbid")

    age: StrictInt | None = Field(default=None, ge=0, le=120, description="years")
    onset: Literal[ONSETS] | None = None
    duration_weeks: StrictInt | StrictFloat | None = Field(default=None, ge=0, le=2600)
    pain_intensity: StrictInt | None = Field(default=None, ge=0, le=10,
                                             description="0-10 numeric rating, worst in the last week")
    aggravating: str | None = Field(default=None, max_length=300, description="free text, never interpreted")

    def is_empty(self) -> bool:
        return all(value in (None, "") for value in self.model_dump().values())

    def summary(self) -> str:
        """One line for a report: ``48 years; gradual onset; 10 weeks; pain 6/10; worse with: long drives``."""
        parts = []
        if self.age is not None:
            parts.append(f"{self.age} years")
        if self.onset:
            parts.append(f"{self.onset} onset")
        if self.duration_weeks is not None:
            weeks = f"{self.duration_weeks:g}"
            parts.append(f"{weeks} week{'' if weeks == '1' else 's'}")
        if self.pain_intensity is not None:
            parts.append(f"pain {self.pain_intensity}/10")
        if self.aggravating:
            parts.append(f"worse with: {self.aggravating}")
        return "; ".join(parts) or "not recorded"


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: str | None = None
    side: Literal[SIDES] | None = None
    pain: list[Literal[REGIONS]] = Field(default_factory=list)
    findings: dict[Literal[FINDINGS], Answer] = Field(default_factory=dict)
    tender_points: list[Literal[MUSCLES]] = Field(default_factory=list)
    non_tender: list[Literal[MUSCLES]] = Field(default_factory=list)
    notes: str | None = None
    screened: list[Literal[tuple(SCREENS)]] = Field(default_factory=list)
    history: History | None = None
    expect: Expectation | None = None

    @model_validator(mode="after")
    def _screened_means_false(self):
        """A screen declared done answers every item of it not listed: it was examined and absent."""
        for screen in self.screened:
            for item in SCREENS[screen]:
                self.findings.setdefault(item, False)
        return self

    def missing(self, screen: str) -> list[str]:
        """The items of a screen not answered true or false (not asked, or unknown)."""
        return [item for item in SCREENS[screen] if self.findings.get(item) not in (True, False)]

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
