"""The session file: every answer the therapist typed, in the order asked, and the intake.

A session is saved after every answer (``store.py`` writes it as JSON, format
``myotrace-session`` version 1) and the conclusion is always re-derived from it, so
nothing typed is ever lost and nothing derived is ever trusted from disk. A step holds
one answered prompt: a screen (red flags, nerve signs) as one checklist, the pain map
as a list of regions, or one finding or palpation as yes, no or ``unknown``.

Case labels and notes must not identify the patient: ``identity_warning`` flags text
that looks like a name or a date of birth.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, StrictBool, computed_field, model_validator

from myotrace.facts.case import Case, History
from myotrace.facts.vocabulary import FINDINGS, MUSCLES, NERVE_SCREEN, PAIN_MAP, PALPATE, RED_FLAGS, REGIONS, SIDES

RED_FLAG_SCREEN = "red_flags"
NERVE_SCREEN_STEP = "nerve_screen"
# The screens asked as one checklist each: the step's item -> the findings it answers,
# and the prompt kind that asks it -> the step's item.
CHECKLISTS = {RED_FLAG_SCREEN: RED_FLAGS, NERVE_SCREEN_STEP: NERVE_SCREEN}
CHECKLIST_KINDS = {"red_flag_screen": RED_FLAG_SCREEN, "nerve_screen": NERVE_SCREEN_STEP}
SESSION_FORMAT = "myotrace-session"
FILE_MODE = 0o600  # session files and exports may hold patient data

Value = Union[StrictBool, Literal["unknown"]]  # "yes" or 1 are refused
ASKABLE = tuple(FINDINGS) + tuple(PALPATE + m for m in MUSCLES)  # 32 findings + 9 palpations


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ---- the session (what is saved) ------------------------------------------------
class Step(BaseModel):
    """One answered prompt: the red-flag checklist, the pain map, or one item."""

    model_config = ConfigDict(extra="forbid")

    item: str
    value: Union[Value, list[Literal[REGIONS]], dict[Literal[RED_FLAGS + NERVE_SCREEN], Value]]

    @model_validator(mode="after")
    def _value_fits_item(self):
        item, value = self.item, self.value
        if item in CHECKLISTS:
            ok = isinstance(value, dict) and set(value) <= set(CHECKLISTS[item])
        elif item == PAIN_MAP:
            ok = isinstance(value, list) or value == "unknown"
        elif item in ASKABLE:
            ok = isinstance(value, bool) or value == "unknown"
        else:
            raise ValueError(f"unknown item {item!r}")
        if not ok:
            raise ValueError(f"{item}: value {value!r} does not fit the item")
        return self


class Session(BaseModel):
    """Everything typed so far; the conclusion is always re-derived from ``answers``."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["myotrace-session"] = SESSION_FORMAT
    version: Literal[1] = 1
    case: str | None = None
    side: Literal[SIDES] | None = None
    created: str = ""
    updated: str = ""
    answers: list[Step] = []
    history: History | None = None   # the intake (age, onset, duration, intensity, aggravating), never a name
    notes: str | None = None         # free text, never interpreted
    go_on: bool = False       # asked to go on past a settled conclusion
    stopped: bool = False     # asked for the result before the end (`result`)

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data):
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "unpalpable"}
        return data

    @computed_field
    @property
    def unpalpable(self) -> list[str]:
        """Muscles whose palpation was answered unknown: not re-asked, not in the case."""
        return [s.item.removeprefix(PALPATE) for s in self.answers
                if s.item.startswith(PALPATE) and s.value == "unknown"]

    def answered(self) -> set[str]:
        """Every item answered, the checklist's items one by one."""
        items = set()
        for step in self.answers:
            items.update(step.value if step.item in CHECKLISTS else (step.item,))
        return items

    def to_case(self) -> Case:
        """The answers as a case file (the format ``diagnose`` reads); later answers win."""
        pain: list[str] = []
        findings: dict[str, Value] = {}
        palpation: dict[str, Value] = {}
        for step in self.answers:
            if step.item in CHECKLISTS:
                findings.update(step.value)
            elif step.item == PAIN_MAP:
                pain = [] if step.value == "unknown" else list(step.value)
            elif step.item.startswith(PALPATE):
                palpation[step.item.removeprefix(PALPATE)] = step.value
            else:
                findings[step.item] = step.value
        return Case(
            case=self.case, side=self.side, notes=self.notes or None,
            history=self.history if self.history and not self.history.is_empty() else None,
            pain=[r for r in REGIONS if r in pain],
            findings={f: findings[f] for f in FINDINGS if f in findings},
            tender_points=[m for m in MUSCLES if palpation.get(m) is True],
            non_tender=[m for m in MUSCLES if palpation.get(m) is False],
        )


# ---- what a label or a note must not hold -------------------------------------------
NAME_PREFIX = re.compile(r"\b(mr|mrs|ms|miss|dr|herr|frau|mme|mlle)\b\.?", re.IGNORECASE)
CAPITALISED_WORDS = re.compile(r"\b[A-Z][a-z]+(?:[\s_.,-]+[A-Z][a-z]+)+\b")
DATES = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})(?!\d)|(?<!\d)(19\d\d|20\d\d)[./-]?(\d\d)[./-]?(\d\d)(?!\d)")


def identity_warning(text: str | None, today: datetime | None = None) -> str | None:
    """A warning when a case label or note looks like a patient's name or a date of birth.

    Heuristics (judgement): capitalised words in a row, a title such as Mr or Dr, or a
    date more than a year in the past (a session's own date stamp is not a birth date)."""
    if not text:
        return None
    today = today or datetime.now(timezone.utc)
    for match in DATES.finditer(text):
        if match[4]:
            year, month, day = int(match[4]), int(match[5]), int(match[6])
        else:
            day, month, year = int(match[1]), int(match[2]), int(match[3])
            if year < 100:
                year += 1900 if year > today.year % 100 else 2000
        if 1 <= month <= 12 and 1 <= day <= 31 and year <= today.year - 1:
            return (f"{text[:60]!r} looks like it holds a date of birth: use a case code "
                    "(e.g. p-017), never data that identifies the patient")
    if NAME_PREFIX.search(text) or CAPITALISED_WORDS.search(text):
        return (f"{text[:60]!r} looks like a person's name: use a case code (e.g. p-017), "
                "never the patient's name")
    return None
