"""The therapist's interview as a pure state machine (no input, no output).

The rules decide what to ask: after every answer the engine is consulted again
on a Case built from the answers so far (and the muscles that could not be
palpated), and the Question facts it declares are the pending questions
(``expert.report.open_questions``, most decisive first). This module only

- groups the red-flag questions into one checklist and asks the pain map as one
  multi-select, as the rules order them;
- never asks an item twice (an answer of ``unknown`` included: MYCIN's UNK);
- asks what could change the triage, the primary muscle or the chains first
  (``decisive``); while the answer is ``insufficient_evidence`` the rules ask what
  can still decide it and the interview never calls itself settled; once the
  conclusion is settled it documents the primary's classic history (QST-006) and the
  findings that shape the advice (QST-010);
  it stops at once on a red flag; ``go_on`` asks the optional rest;
- keeps one honest progress (``progress()``): the number of the question and how
  many pending questions could still change the conclusion;
- lets every answer be reviewed (``review()``) and changed in place (``edit``);
- explains: ``why`` climbs from the rule that needs an answer to the goal,
  ``how`` tells how the conclusion was reached in clinical sentences, stage by
  stage, with the references of the rules behind it.

Every public method of ``Interview`` is free of input and output: the terminal
(``tty.py``) and the web app drive the same object.

The terminal front end is ``tty.py``; the session file format is the ``Session``
model below (JSON), read and written by ``store.py``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, StrictBool, computed_field, model_validator

from myotrace.facts.case import Case, History
from myotrace.facts.vocabulary import (
    FINDINGS, MUSCLES, NERVE_SCREEN, PAIN_MAP, PALPATE, RED_FLAGS, REGIONS, SIDES, label,
)

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


# ---- prompts and explanations (what the front end shows) ----------------------
@dataclass(frozen=True)
class Prompt:
    """What to ask next. ``kind``: red_flag_screen | nerve_screen | pain_map | question.

    ``purpose``: decisive (could change the triage, the primary muscle or the chains),
    documentation (the conclusion is settled; this documents it for the note) or
    optional (asked only because the therapist chose to go on)."""

    kind: str
    items: tuple[str, ...]
    questions: tuple[dict, ...]   # the engine's Question facts behind it (empty when optional)
    optional: bool = False        # asked only because the therapist chose to go on
    purpose: str = "decisive"

    @property
    def item(self) -> str:
        return CHECKLIST_KINDS.get(self.kind) or self.items[0]


def prompt_for(item: str, items=None) -> Prompt:
    """The prompt that asks ``item`` (a step's item, or one flag of a screen) outside the rules' order:
    to change an answer, or to replay a case file. A screen asks ``items`` (default: all of it);
    no engine question stands behind it, so ``why`` says no rule needs it now."""
    kind = next((kind for kind, step_item in CHECKLIST_KINDS.items() if step_item == item), None)
    if kind is not None:
        return Prompt(kind, tuple(items if items is not None else CHECKLISTS[item]), ())
    return Prompt("pain_map" if item == PAIN_MAP else "question", (item,), ())


@dataclass(frozen=True)
class Why:
    level: int
    rule: str | None      # rule id, None for the goal
    statement: str
    detail: str
    top: bool = False     # nothing above this level


_TREATMENT_PLAN = ("The goal: a treatment plan: the primary muscle and its chain of satellites, treated in "
                   "order, primary first, once the triage is safe.")
GOALS = {
    "triage": "The goal: a safe triage first (emergency, urgent referral, nerve referral or treatment), "
              "because nothing outweighs a red flag or a nerve sign.",
    "chain": _TREATMENT_PLAN,
    "primary": _TREATMENT_PLAN,
    "conditions": "The goal: name the clinical picture beside the chain (here IT band syndrome); "
                  "it does not change the triage or the chain.",
    "documentation": "The goal: a clinical note a colleague can act on: the primary muscle's classic "
                     "history and the findings that shape the advice recorded beside the conclusion. "
                     "It does not change the conclusion.",
}
DECISIVE_KINDS = ("red_flag", "pain_map", "nerve", "palpation", "finding")


@dataclass
class StageSummary:
    """One reasoning stage of ``how``: clinical sentences, the references behind them,
    and the rule firings (for ``how RULE-ID``)."""

    stage: str
    firings: list = field(default_factory=list)   # expert.trace.Firing
    sentences: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Progress:
    """Where the interview stands; one meaning, never contradicted by the result screen.

    ``decisive``: prompts still pending whose answer could change the triage, the primary
    muscle or the chains (the current one included; the red-flag checklist counts as one).
    It can shrink or grow as answers come in (the pain map opens questions; a tender muscle or a
    yes can open its follow-ups), so it is no upper bound: the count is said as "about N", the
    last is "the last one pending", and none is given before the pain map; the result lists
    exactly these."""

    number: int
    decisive: int
    documentation: int
    purpose: str
    mapped: bool = True  # the pain map is answered: before it, no count is honest (it opens the questions)

    def text(self) -> str:
        if self.purpose == "decisive" and not self.mapped:
            tail = "the pain map decides which questions follow"
        elif self.purpose == "decisive":
            more = self.decisive - 1
            tail = ("the last one pending that could change the conclusion" if more <= 0 else
                    f"this and about {more} more could change the conclusion")
        elif self.purpose == "documentation":
            more = self.documentation - 1
            tail = "conclusion settled; documenting it" + (f" ({more} more)" if more > 0 else " (last one)")
        else:
            tail = "optional: cannot change the conclusion"
        return f"question {self.number} · {tail}"


@dataclass(frozen=True)
class ReviewLine:
    """One answer as the review lists it: ``edit NUMBER`` or ``edit ITEM`` changes it."""

    number: int
    item: str
    question: str
    answer: str


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


def references(source: str) -> list[str]:
    """A rule's ``source`` as short citations a clinician can look up, each once."""
    from myotrace.expert.present.references import short_citations

    return short_citations(source)


def _about_safety(firing) -> bool:
    """A safety-stage firing that says something about safety: not a vote to treat or to ask more
    (those rest on the myofascial reasoning, whose sources belong under its stages)."""
    from myotrace.facts.types import TriageVote

    votes = [f for f in firing.declared_facts if type(f) is TriageVote]
    return not votes or any(v["level"] not in ("treat", "insufficient_evidence") for v in votes)


def _yes_no(value) -> str:
    return {True: "yes", False: "no"}.get(value, "not known")


class Interview:
    """The state machine: a Session plus what the engine derives from it.

    Methods for the front ends (no input, no output): ``next_prompt``, ``answer``,
    ``back``, ``edit``, ``why``, ``how``, ``review``, ``progress``, ``record_history``,
    ``stop`` / ``resume_asking`` / ``go_on``."""

    def __init__(self, session: Session | None = None, engine=None):
        from myotrace.expert.engine import get_engine

        self.session = session or Session(created=now())
        self.engine = engine or get_engine()
        self.kb = self.engine.kb
        self.refresh()

    # ---- derivation ---------------------------------------------------------
    def refresh(self) -> None:
        """Re-derive everything from the answers so far (one consult, about 10 ms)."""
        from myotrace.expert.report import build_report, open_questions

        self.case = self.session.to_case()
        engine = self.engine.consult(self.case, unpalpable=self.session.unpalpable)
        self.report = build_report(engine, self.case, unpalpable=self.session.unpalpable)
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
        return [q for q in self.pending if q["kind"] in DECISIVE_KINDS]

    @property
    def documentation(self) -> list[dict]:
        """Pending questions that document a settled conclusion for the note (QST-006, QST-010)."""
        return [q for q in self.pending if q["kind"] == "documentation"]

    @property
    def settled(self) -> bool:
        return not self.decisive

    @property
    def unscreened_red_flags(self) -> list[str]:
        """Red flags not answered true or false (not asked, or not known), in vocabulary order."""
        return list(self.report.unscreened_red_flags)

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
        """red_flag | stopped | open | documenting | undecided | settled | going_on | exhausted.

        ``undecided``: not enough to go on and nothing left that could decide it; an
        insufficient answer is never ``settled``."""
        if self.red_flag and (self.report.triage == "emergency" or not self.decisive):
            return "red_flag"  # a red flag ends the interview, once nothing can make it an emergency
        if self.session.stopped:
            return "stopped"
        if not self.settled:
            return "open"
        if self.documentation:
            return "documenting"
        if self.report.triage == "insufficient_evidence":
            return "undecided"
        if not self.session.go_on:
            return "settled"
        return "going_on" if self.optional_items() else "exhausted"

    def next_prompt(self) -> Prompt | None:
        """The most decisive pending question, or None when the interview is over."""
        status = self.status
        if status in ("red_flag", "stopped", "settled", "undecided", "exhausted"):
            return None
        if status == "open":
            first = self.decisive[0]
            if first["kind"] == "red_flag":
                flags = [q for q in self.decisive if q["kind"] == "red_flag"]
                return Prompt("red_flag_screen", tuple(q["item"] for q in flags), tuple(flags))
            if first["kind"] == "nerve" and first["item"] in NERVE_SCREEN:
                signs = [q for q in self.decisive if q["kind"] == "nerve" and q["item"] in NERVE_SCREEN]
                return Prompt("nerve_screen", tuple(q["item"] for q in signs), tuple(signs))
            kind = "pain_map" if first["item"] == PAIN_MAP else "question"
            return Prompt(kind, (first["item"],), (first,))
        if status == "documenting":
            first = self.documentation[0]
            return Prompt("question", (first["item"],), (first,), purpose="documentation")
        item = self.optional_items()[0]
        questions = tuple(q for q in self.pending if q["item"] == item)
        return Prompt("pain_map" if item == PAIN_MAP else "question", (item,), questions,
                      optional=True, purpose="optional")

    def progress(self, prompt: Prompt | None = None) -> Progress:
        """The progress line of the current prompt (see ``Progress``)."""
        prompt = prompt or self.next_prompt()
        decisive = self.decisive
        screens = {"red_flag": lambda q: q["kind"] == "red_flag",
                   "nerve": lambda q: q["kind"] == "nerve" and q["item"] in NERVE_SCREEN}
        in_screen = [q for q in decisive if any(test(q) for test in screens.values())]
        prompts = len(decisive) - len(in_screen) + sum(any(test(q) for q in decisive) for test in screens.values())
        mapped = any(step.item == PAIN_MAP for step in self.session.answers)
        return Progress(len(self.session.answers) + 1, prompts, len(self.documentation),
                        prompt.purpose if prompt else "decisive", mapped)

    # ---- transitions --------------------------------------------------------
    def answer(self, value) -> Step:
        """Answer the current prompt and re-derive.

        red_flag_screen, nerve_screen: {item: True | False | "unknown"} for every item shown;
        pain_map: a list of regions (or "unknown"); question: True | False | "unknown".
        """
        prompt = self.next_prompt()
        if prompt is None:
            raise ValueError("the interview is over: nothing to answer (use back, edit or go_on)")
        if prompt.kind in CHECKLIST_KINDS:
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

    def locate(self, target: int | str) -> tuple[int, str | None]:
        """(index into the answers, red flag inside the checklist or None) for ``edit``.

        ``target``: the number in ``review()`` (1 = first answer), or an item id
        (``pain_map``, ``red_flags``, a finding, ``palpate:<muscle>``), or one red flag
        of the checklist, or a muscle id for its palpation."""
        answers = self.session.answers
        if isinstance(target, str) and target.strip().isascii() and target.strip().isdigit():
            digits = target.strip()
            target = int(digits) if len(digits) <= 9 else digits  # Python refuses int() of 4,300+ digits
        if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
            if isinstance(target, str) or not 1 <= target <= len(answers):
                shown = str(target) if len(str(target)) <= 12 else str(target)[:12] + "…"
                raise ValueError(f"no answer number {shown}: "
                                 + (f"choose 1 to {len(answers)}" if answers else "nothing is answered yet"))
            return target - 1, None
        item = target.strip().lower().replace(" ", "_").replace("-", "_")
        if item in MUSCLES:
            item = PALPATE + item
        for index, step in enumerate(answers):
            if step.item == item:
                return index, None
            if step.item in CHECKLISTS and item in step.value:
                return index, item
        known = item in ASKABLE or item == PAIN_MAP or item in CHECKLISTS
        raise ValueError(f"{target[:60]!r} " + ("has not been answered yet" if known else
                                                "is not an item of the interview (see the numbers in `answers`)"))

    def prompt_for(self, target: int | str) -> Prompt:
        """The prompt that changes an earlier answer (``target`` as in ``locate``): the screen with the
        flags it asked, the one flag of it named, the pain map, or the one item."""
        index, flag = self.locate(target)
        step = self.session.answers[index]
        return prompt_for(flag) if flag is not None else prompt_for(step.item, tuple(step.value)
                                                                      if step.item in CHECKLISTS else None)

    def edit(self, target: int | str, value) -> Step:
        """Change one answer in place and re-derive; returns the new step.

        ``target`` as in ``locate``. ``value`` as ``answer`` takes it for that item; for the
        red-flag checklist a partial {flag: value} changes only those flags, and for one flag
        of it (``edit("fever", True)``) the value is that flag's. Every later answer is kept:
        each one is an observation of the patient that stays true whatever the order of asking,
        and the conclusion is always re-derived from all of them (an answer the new conclusion
        would not have asked for simply stays on record)."""
        index, flag = self.locate(target)
        step = self.session.answers[index]
        if flag is not None:
            value = {**step.value, flag: value}
        elif step.item in CHECKLISTS:
            if not isinstance(value, dict) or set(value) - set(step.value):
                raise ValueError(f"the checklist holds {', '.join(step.value)}: give {{flag: value}} for those")
            value = {**step.value, **value}
        new = Step(item=step.item, value=value)
        self.session.answers[index] = new
        self.session.stopped = False
        self.refresh()
        if not self.settled:
            self.session.go_on = False
        return new

    def record_history(self, history: History | dict | None = None, notes: str | None = None) -> None:
        """Record the intake (validated; a dict with a bad value raises pydantic's ValidationError)
        and free-text notes. The rules never read them; the reports show them."""
        if history is not None:
            self.session.history = history if isinstance(history, History) else History.model_validate(history)
        if notes is not None:
            self.session.notes = notes.strip() or None
        self.refresh()

    def go_on(self) -> None:
        """Keep asking after a settled conclusion (optional questions)."""
        self.session.go_on = True
        self.session.stopped = False

    def stop(self) -> None:
        """Show the result now, with the questions still open."""
        self.session.stopped = True

    def resume_asking(self) -> None:
        self.session.stopped = False

    # ---- review ---------------------------------------------------------------
    def question_text(self, item: str) -> str:
        from myotrace.expert.report import question_wording

        if item == RED_FLAG_SCREEN:
            return "Red-flag screen"
        if item == NERVE_SCREEN_STEP:
            return "Nerve screen"
        if item == PAIN_MAP:
            return "Pain map"
        return question_wording(self.kb, item)

    def answer_text(self, step: Step) -> str:
        """An answer in words: ``no red flag``, ``buttock, lateral thigh``, ``yes``, ``reproduces the pain``."""
        value = step.value
        if step.item in CHECKLISTS:
            present = [label(f) for f, v in value.items() if v is True]
            unknown = [label(f) for f, v in value.items() if v == "unknown"]
            parts = [("present: " + ", ".join(present)) if present else
                     "none present" if not unknown else "none present of those asked"]
            if unknown:
                parts.append("not known: " + ", ".join(unknown))
            return "; ".join(parts) + f" ({len(value)} asked)"
        if step.item == PAIN_MAP:
            return "not known" if value == "unknown" else (", ".join(label(r) for r in value) or "no region")
        if step.item.startswith(PALPATE):
            return {True: "reproduces the familiar pain", False: "not tender: does not reproduce it"}.get(
                value, "not palpated or not conclusive")
        return _yes_no(value)

    def review(self) -> list[ReviewLine]:
        """Every answer so far, numbered for ``edit N``."""
        return [ReviewLine(n, step.item, self.question_text(step.item), self.answer_text(step))
                for n, step in enumerate(self.session.answers, 1)]

    # ---- explanations -------------------------------------------------------
    def why(self, level: int = 1, prompt: Prompt | None = None) -> Why:
        """Why the current question is asked; each level climbs one step (MYCIN)."""
        from myotrace.expert.engine import rules_by_id

        prompt = prompt or self.next_prompt()
        if prompt is None:
            raise ValueError("no question is pending")
        catalogue = rules_by_id()
        if not prompt.questions:
            return Why(1, None, "No rule needs this answer now.",
                       "The triage, the primary muscle and the chain are settled; you chose to go on, "
                       "so the answer is only recorded for the case file and may add detail to the report "
                       "(myths corrected, perpetuating factors, protocol).", top=True)
        question = prompt.questions[0]
        goal = question["goal"]
        chain = [question["rule"]]  # each rule's conclusion is used by the rule it feeds (MYCIN's goal stack)
        while catalogue[chain[-1]].feeds:
            chain.append(catalogue[chain[-1]].feeds[0])
        if level <= len(chain):
            rule_id = chain[level - 1]
            rule = catalogue[rule_id]
            if level == 1:
                asked_by = self._asked_by(prompt.items, catalogue)
                detail = f"It could change: {question['hypothesis']}."
                if prompt.kind == "red_flag_screen":
                    detail = ("Each red flag could change the triage: a cauda equina flag makes it an "
                              "emergency, any other flag an urgent referral.")
                elif prompt.kind == "nerve_screen":
                    detail = ("Signs never examined are not evidence: nothing is treated until the nerve screen is "
                              "complete, and one objective sign (a reduced reflex, myotomal weakness) refers the "
                              "patient for the nerve first.")
                elif question["kind"] == "documentation":
                    detail = f"It cannot change the conclusion; it {question['hypothesis']}."
                if asked_by and asked_by.id != rule_id:
                    detail += f"\nAsked because of {asked_by.id}: {asked_by.statement}"
            else:
                detail = f"It uses the conclusion of {chain[level - 2]}: {catalogue[chain[level - 2]].feeds[1]}."
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
        """How the conclusion was reached, stage by stage: clinical sentences, the references
        of the rules that fired, and the firings themselves (for a closer look)."""
        from myotrace.rules.meta import STAGES

        groups = {stage: StageSummary(stage) for stage in STAGES if stage != "questions"}
        for firing in self.trace:
            if firing.stage in groups:
                groups[firing.stage].firings.append(firing)
        for group in groups.values():
            group.sentences = list(self._sentences(group.stage))
            for firing in group.firings:
                if group.stage == "safety" and not _about_safety(firing):
                    continue  # a treat vote rests on the trigger-point reasoning, cited under its own stages
                group.references += [r for r in references(firing.source) if r not in group.references]
        return [g for g in groups.values() if g.firings or g.sentences]

    def _sentences(self, stage: str):
        report, case = self.report, self.case
        flags = [f for f in RED_FLAGS if case.findings.get(f) in (True, False)]
        if stage == "safety":
            if report.red_flags:
                level = "an emergency" if report.triage == "emergency" else \
                    "an urgent referral to exclude serious pathology"
                yield (f"Red flag present ({', '.join(label(f) for f in report.red_flags)}): this makes the case "
                       f"{level}; no later finding can lower it.")
            else:
                yield f"Red-flag screen: {len(flags)} of {len(RED_FLAGS)} flags answered, none present."
            if self.unscreened_red_flags and not report.red_flags:
                yield ("Not screened (not asked or not known): "
                       + ", ".join(label(f) for f in self.unscreened_red_flags) + "; screen them before treating.")
        elif stage == "nerve":
            if report.triage == "refer_nerve":
                signs = [label(f) for f in FINDINGS if case.findings.get(f) is True and f in (
                    "reflex_reduced", "myotomal_weakness", "crossed_slr_positive", "slr_positive",
                    "dermatomal_numbness", "shooting_electric_pain")]
                yield (f"Nerve-root involvement is likely ({', '.join(signs)}): one objective sign or two soft "
                       "signs are enough to refer before treating trigger points.")
            elif not report.red_flags and report.unscreened_nerve_signs:
                yield ("Nerve screen not complete (not examined or not known: "
                       + ", ".join(label(f) for f in report.unscreened_nerve_signs)
                       + "): a sign never examined is not a negative one; examine them before treating.")
            elif not report.red_flags:
                yield ("No objective nerve sign (reduced reflex, myotomal weakness, crossed straight-leg raise) "
                       "and fewer than two soft signs: no referral for nerve-root involvement.")
        elif stage == "referral" and not report.red_flags:
            if not case.pain:
                yield "No pain map: without it the pain cannot be traced to a muscle."
            for candidate in report.candidates[:4]:
                if candidate.certainty <= 0 and not candidate.against:
                    continue
                reasons = [re.sub(r" \([+-]\d\.\d\d\)$", "", line) for line in candidate.for_ + candidate.against]
                state = "supported" if candidate.supported else "not supported"
                yield (f"{label(candidate.muscle).capitalize()} ({state}, certainty {candidate.certainty:.2f}): "
                       + "; ".join(reasons[:4]) + ".")
        elif stage == "satellites":
            if report.chain:
                first, *rest = report.chain
                text = f"The {label(first)} leads: it is the root of the best-supported chain"
                if rest:
                    text += (f"; {', '.join(label(m) for m in rest)} follow{'s' if len(rest) == 1 else ''} as "
                             "satellite trigger points, treated after it")
                yield text + "."
                for chain in report.secondary_chains:
                    yield "Another active chain, treated after it: " + " → ".join(label(m) for m in chain) + "."
            elif report.triage == "insufficient_evidence" and case.pain:
                yield ("No muscle is both supported and corroborated beyond the pain map (by palpation or a "
                       "finding), or two chains are too close to call: not enough to go on.")
        elif stage == "conditions":
            for condition in report.conditions:
                yield f"Clinical picture: {label(condition)}."
        elif stage == "myths":
            yield from report.corrections
        elif stage == "protocol" and report.protocol.steps:
            yield (f"Treatment follows the chain, primary first ({len(report.protocol.steps)} steps): "
                   + report.protocol.steps[0].rstrip(".") + ", and so on down the chain.")

    # ---- counts -------------------------------------------------------------
    def counts(self) -> dict:
        """Questions asked: the red-flag checklist as 1 screen and as its items."""
        screens = [s for s in self.session.answers if s.item in CHECKLISTS]
        flag_items = sum(len(s.value) for s in screens if s.item == RED_FLAG_SCREEN)
        screen_items = sum(len(s.value) for s in screens)
        prompts = len(self.session.answers)
        return {"prompts": prompts, "items": prompts - len(screens) + screen_items,
                "red_flag_items": flag_items}


def answer_from_case(case: Case, prompt: Prompt):
    """Replay a case file as a patient: its answer to ``prompt``, ``unknown`` where it is silent.

    Used by the agreement test and the benchmark (a simulated patient).
    """
    if prompt.kind in CHECKLIST_KINDS:
        return {item: case.findings.get(item, "unknown") for item in prompt.items}
    if prompt.kind == "pain_map":
        return list(case.pain) if case.pain else "unknown"
    item = prompt.item
    if item.startswith(PALPATE):
        muscle = item.removeprefix(PALPATE)
        return True if muscle in case.tender_points else False if muscle in case.non_tender else "unknown"
    return case.findings.get(item, "unknown")
