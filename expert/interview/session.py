"""The therapist's interview as a pure state machine (no input, no output).

The rules decide what to ask: after every answer the engine is consulted again
on a Case built from the answers so far, and the Question facts it declares are
the pending questions (``expert.report.open_questions``, most decisive first).
This module only

- groups the red-flag questions into one checklist and asks the pain map as one
  multi-select, as the rules order them;
- never asks an item twice (an answer of ``unknown`` included: MYCIN's UNK);
- stops when no pending question can change the triage, the primary muscle or
  the chain (only questions of kind ``condition`` are left), or at once on a red
  flag; ``go_on`` then asks the optional rest;
- explains: ``why`` climbs from the rule that needs an answer to the goal,
  ``how`` reads the engine's structured trace, grouped by stage.

The terminal front end is ``tty.py``; the session file format is the ``Session``
model below (JSON), read and written by ``store.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, StrictBool, computed_field, model_validator

from myotrace.facts.case import Case
from myotrace.facts.vocabulary import FINDINGS, MUSCLES, PAIN_MAP, PALPATE, RED_FLAGS, REGIONS, SIDES

RED_FLAG_SCREEN = "red_flags"
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
    value: Union[Value, list[Literal[REGIONS]], dict[Literal[RED_FLAGS], Value]]

    @model_validator(mode="after")
    def _value_fits_item(self):
        item, value = self.item, self.value
        if item == RED_FLAG_SCREEN:
            ok = isinstance(value, dict)
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
            items.update(step.value if step.item == RED_FLAG_SCREEN else (step.item,))
        return items

    def to_case(self) -> Case:
        """The answers as a case file (CONTRACT §1); later answers win."""
        pain: list[str] = []
        findings: dict[str, Value] = {}
        palpation: dict[str, Value] = {}
        for step in self.answers:
            if step.item == RED_FLAG_SCREEN:
                findings.update(step.value)
            elif step.item == PAIN_MAP:
                pain = [] if step.value == "unknown" else list(step.value)
            elif step.item.startswith(PALPATE):
                palpation[step.item.removeprefix(PALPATE)] = step.value
            else:
                findings[step.item] = step.value
        return Case(
            case=self.case, side=self.side,
            pain=[r for r in REGIONS if r in pain],
            findings={f: findings[f] for f in FINDINGS if f in findings},
            tender_points=[m for m in MUSCLES if palpation.get(m) is True],
            non_tender=[m for m in MUSCLES if palpation.get(m) is False],
        )


# ---- prompts and explanations (what the front end shows) ----------------------
@dataclass(frozen=True)
class Prompt:
    """What to ask next. ``kind``: red_flag_screen | pain_map | question."""

    kind: str
    items: tuple[str, ...]
    questions: tuple[dict, ...]   # the engine's Question facts behind it (empty when optional)
    optional: bool = False        # asked only because the therapist chose to go on

    @property
    def item(self) -> str:
        return RED_FLAG_SCREEN if self.kind == "red_flag_screen" else self.items[0]


@dataclass(frozen=True)
class Why:
    level: int
    rule: str | None      # rule id, None for the goal
    statement: str
    detail: str
    top: bool = False     # nothing above this level


# How each rule's conclusion is used, one level up (MYCIN's goal stack). The
# ids are checked against the rule catalogue by tests/test_interview.py.
# A rule missing here (e.g. CON-003) is used by its goal directly.
_RED_FLAG_VOTE = ("SAF-006", "a red flag votes for its triage level; the most urgent vote wins")
_NERVE_REFERRAL = ("SAF-003", "nerve involvement sends the patient for referral before any treatment")
_CERTAINTY = ("SAT-003", "its evidence is combined into the muscle's certainty (REF-005), "
                         "which decides the chain's roots and the primary")
USES = {
    "SAF-001": _RED_FLAG_VOTE,
    "SAF-002": _RED_FLAG_VOTE,
    "NRV-001": _NERVE_REFERRAL,
    "NRV-002": _NERVE_REFERRAL,
    "SAF-003": ("SAF-006", "the nerve referral is a triage vote; the most urgent vote wins"),
    "REF-001": _CERTAINTY,
    "REF-002": _CERTAINTY,
    "REF-003": _CERTAINTY,
    "REF-004": _CERTAINTY,
}
_TREATMENT_PLAN = ("The goal: a treatment plan: the primary muscle and its chain of satellites, treated in "
                   "order, primary first (CONTRACT §3.5, §3.8), once the triage is safe.")
GOALS = {
    "triage": "The goal: a safe triage first (emergency, urgent referral, nerve referral or treatment), "
              "because nothing outweighs a red flag or a nerve sign (CONTRACT §3.1-3.2).",
    "chain": _TREATMENT_PLAN,
    "primary": _TREATMENT_PLAN,
    "conditions": "The goal: name the clinical picture beside the chain (here IT band syndrome, "
                  "CONTRACT §3.7); it does not change the triage or the chain.",
}


@dataclass
class StageSummary:
    stage: str
    firings: list = field(default_factory=list)   # expert.trace.Firing


class Interview:
    """The state machine: a Session plus what the engine derives from it."""

    def __init__(self, session: Session | None = None, engine=None):
        from myotrace.expert.engine import get_engine

        self.session = session or Session(created=now())
        self.engine = engine or get_engine()
        self.refresh()

    # ---- derivation ---------------------------------------------------------
    def refresh(self) -> None:
        """Re-derive everything from the answers so far (one consult, about 10 ms)."""
        from myotrace.expert.report import build_report, open_questions

        self.case = self.session.to_case()
        engine = self.engine.consult(self.case)
        self.report = build_report(engine, self.case)
        self.trace = engine.trace  # the engine starts a new list on every reset
        answered = self.session.answered()
        self.pending: list[dict] = []  # one per item, its most decisive question
        for question in open_questions(engine):
            if question["item"] not in answered:
                answered.add(question["item"])
                self.pending.append(question.as_dict())

    # ---- state --------------------------------------------------------------
    @property
    def red_flag(self) -> bool:
        return bool(self.report.red_flags)

    @property
    def decisive(self) -> list[dict]:
        """Pending questions whose answer could change the triage, primary or chain."""
        return [q for q in self.pending if q["kind"] != "condition"]

    @property
    def settled(self) -> bool:
        return not self.decisive

    def optional_items(self) -> list[str]:
        """What going on would ask: the rules' remaining questions, then every item not yet answered."""
        answered = self.session.answered()
        items = [q["item"] for q in self.pending]
        items += [i for i in ASKABLE if i not in answered and i not in items and i not in RED_FLAGS]
        if PAIN_MAP not in answered and PAIN_MAP not in items:
            items.insert(0, PAIN_MAP)
        return items

    @property
    def status(self) -> str:
        """red_flag | stopped | open | settled | going_on | exhausted."""
        if self.red_flag:
            return "red_flag"
        if self.session.stopped:
            return "stopped"
        if not self.settled:
            return "open"
        if not self.session.go_on:
            return "settled"
        return "going_on" if self.optional_items() else "exhausted"

    def next_prompt(self) -> Prompt | None:
        """The most decisive pending question, or None when the interview is over."""
        status = self.status
        if status in ("red_flag", "stopped", "settled", "exhausted"):
            return None
        if status == "open":
            first = self.decisive[0]
            if first["kind"] == "red_flag":
                flags = [q for q in self.decisive if q["kind"] == "red_flag"]
                return Prompt("red_flag_screen", tuple(q["item"] for q in flags), tuple(flags))
            kind = "pain_map" if first["item"] == PAIN_MAP else "question"
            return Prompt(kind, (first["item"],), (first,))
        item = self.optional_items()[0]
        questions = tuple(q for q in self.pending if q["item"] == item)
        return Prompt("pain_map" if item == PAIN_MAP else "question", (item,), questions,
                      optional=not questions or questions[0]["kind"] == "condition")

    # ---- transitions --------------------------------------------------------
    def answer(self, value) -> Step:
        """Answer the current prompt and re-derive.

        red_flag_screen: {flag: True | False | "unknown"} for every flag shown;
        pain_map: a list of regions (or "unknown"); question: True | False | "unknown".
        """
        prompt = self.next_prompt()
        if prompt is None:
            raise ValueError("the interview is over: nothing to answer (use back or go_on)")
        if prompt.kind == "red_flag_screen":
            missing = [f for f in prompt.items if f not in value]
            if missing or set(value) - set(prompt.items):
                raise ValueError(f"the checklist needs an answer for each of {', '.join(prompt.items)}")
            value = {f: value[f] for f in prompt.items}
        step = Step(item=prompt.item, value=value)
        self.session.answers.append(step)
        self.refresh()
        return step

    def back(self) -> Step | None:
        """Undo the last answer (it will be asked again) and re-derive; None if nothing to undo."""
        self.session.stopped = False
        if not self.session.answers:
            return None
        step = self.session.answers.pop()
        self.refresh()
        if not self.settled:
            self.session.go_on = False  # back before the settled point: stop there again
        return step

    def go_on(self) -> None:
        """Keep asking after a settled conclusion (optional questions)."""
        self.session.go_on = True
        self.session.stopped = False

    def stop(self) -> None:
        """Show the result now, with the questions still open."""
        self.session.stopped = True

    def resume_asking(self) -> None:
        self.session.stopped = False

    # ---- explanations -------------------------------------------------------
    def why(self, level: int = 1, prompt: Prompt | None = None) -> Why:
        """Why the current question is asked; each level climbs one step (MYCIN)."""
        from myotrace.expert.engine import rule_catalogue

        prompt = prompt or self.next_prompt()
        if prompt is None:
            raise ValueError("no question is pending")
        catalogue = {rule.id: rule for rule in rule_catalogue()}
        if not prompt.questions:
            return Why(1, None, "No rule needs this answer now.",
                       "The triage, the primary muscle and the chain are settled; you chose to go on, "
                       "so the answer is only recorded for the case file and may add detail to the report "
                       "(myths corrected, perpetuating factors, protocol).", top=True)
        question = prompt.questions[0]
        goal = question["goal"]
        chain = [question["rule"]]
        while chain[-1] in USES:
            chain.append(USES[chain[-1]][0])
        if level <= len(chain):
            rule_id = chain[level - 1]
            rule = catalogue[rule_id]
            if level == 1:
                asked_by = self._asked_by(prompt.items, catalogue)
                detail = f"It could change: {question['hypothesis']}."
                if prompt.kind == "red_flag_screen":
                    detail = ("Each red flag could change the triage: a cauda equina flag makes it "
                              "emergency, any other flag urgent_referral.")
                if asked_by:
                    detail += f"\nAsked because of {asked_by.id}: {asked_by.statement}"
            else:
                detail = f"It uses the conclusion of {chain[level - 2]}: {USES[chain[level - 2]][1]}."
            return Why(level, rule_id, rule.statement, detail)
        if level == len(chain) + 1:
            return Why(level, None, GOALS.get(goal, GOALS["chain"]), "", top=True)
        return Why(level, None, "That is the top of the reasoning: nothing stands above the goal.", "",
                   top=True)

    def _asked_by(self, items, catalogue):
        """The question rule (QST-...) that declared this question, from the trace."""
        from myotrace.facts.types import Question

        for firing in self.trace:
            if any(type(f) is Question and f["item"] in items for f in firing.declared_facts):
                return catalogue[firing.rule]
        return None

    def how(self) -> list[StageSummary]:
        """Every rule firing behind the conclusion, grouped by reasoning stage."""
        from myotrace.rules.meta import STAGES

        groups = {stage: StageSummary(stage) for stage in STAGES if stage != "questions"}
        for firing in self.trace:
            if firing.stage in groups:
                groups[firing.stage].firings.append(firing)
        return [g for g in groups.values() if g.firings]

    # ---- counts -------------------------------------------------------------
    def counts(self) -> dict:
        """Questions asked: the red-flag checklist as 1 screen and as its items."""
        screens = [s for s in self.session.answers if s.item == RED_FLAG_SCREEN]
        flag_items = sum(len(s.value) for s in screens)
        prompts = len(self.session.answers)
        return {"prompts": prompts, "items": prompts - len(screens) + flag_items,
                "red_flag_items": flag_items}


def answer_from_case(case: Case, prompt: Prompt):
    """Replay a case file as a patient: its answer to ``prompt``, ``unknown`` where it is silent.

    Used by the agreement test and the benchmark (a simulated patient).
    """
    if prompt.kind == "red_flag_screen":
        return {flag: case.findings.get(flag, "unknown") for flag in prompt.items}
    if prompt.kind == "pain_map":
        return list(case.pain) if case.pain else "unknown"
    item = prompt.item
    if item.startswith(PALPATE):
        muscle = item.removeprefix(PALPATE)
        return True if muscle in case.tender_points else False if muscle in case.non_tender else "unknown"
    return case.findings.get(item, "unknown")
