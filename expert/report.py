"""The report (CONTRACT §4), built from the facts the rules concluded."""
import json

from pydantic import BaseModel, ConfigDict, Field

from myotrace.facts.case import Case
from myotrace.facts.types import (
    Advice, Condition, Correction, Evidence, Factor, Hypothesis, Primary, Question, RedFlag, Triage,
)
from myotrace.facts.vocabulary import CONDITIONS, PAIN_MAP, PALPATE, RED_FLAGS, label

NO_CHAIN = ("emergency", "urgent_referral", "insufficient_evidence")


class Candidate(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    muscle: str
    certainty: float
    supported: bool
    for_: list[str] = Field(alias="for")
    against: list[str]


class Protocol(BaseModel):
    steps: list[str]
    home_care: list[str]
    avoid: list[str]


class Report(BaseModel):
    """Keys and their order are fixed by CONTRACT §4; ``side`` and ``advice`` extend it."""

    case: str
    triage: str
    red_flags: list[str]
    conditions: list[str]
    primary_muscle: str | None
    chain: list[str]
    secondary_chains: list[list[str]] = Field(default_factory=list)
    unscreened_red_flags: list[str] = Field(default_factory=list)
    candidates: list[Candidate]
    corrections: list[str]
    protocol: Protocol
    perpetuating_factors: list[str]
    open_questions: list[str]
    trace: list[dict]
    side: str | None = None
    advice: list[str] = Field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(by_alias=True), indent=2, ensure_ascii=False) + "\n"


def question_wording(kb, item: str) -> str:
    """The question for a finding, a palpation or the pain map, in plain English."""
    if item == PAIN_MAP:
        return "Where is the pain? Record the pain map."
    if item.startswith(PALPATE):
        return f"Palpate the {kb.name(item.removeprefix(PALPATE))}: does it reproduce the familiar pain?"
    return kb.findings[item].question


def question_text(kb, item: str) -> str:
    """The question followed by its item id, as the report lists it."""
    return f"{question_wording(kb, item)} ({item})"


def open_questions(engine) -> list:
    """Question facts, most decisive first (ties in a fixed order)."""
    return sorted(engine.facts_of(Question), key=lambda q: (-q["priority"], q["item"]))


def _evidence_lines(evidence, positive: bool) -> list[str]:
    chosen = [e for e in evidence if (e["cf"] > 0) == positive and e["cf"] != 0]
    chosen.sort(key=lambda e: (-abs(e["cf"]), e["label"]))
    return [f"{e['label']} ({e['cf']:+.2f})" for e in chosen]


def build_report(engine, case: Case, with_trace: bool = False) -> Report:
    kb = engine.kb
    triage = engine.facts_of(Triage)[0]["level"]
    flags = {fact["id"] for fact in engine.facts_of(RedFlag)}
    conditions = {fact["id"] for fact in engine.facts_of(Condition)}
    primary = engine.facts_of(Primary)
    chain = [] if triage in NO_CHAIN or not primary else list(primary[0]["chain"])

    evidence: dict[str, list] = {}
    for fact in engine.facts_of(Evidence):
        evidence.setdefault(fact["muscle"], []).append(fact)
    hypotheses = sorted(engine.facts_of(Hypothesis), key=lambda h: (-h["cf"], h["muscle"]))
    candidates = [
        Candidate(muscle=h["muscle"], certainty=round(h["cf"], 2), supported=h["supported"],
                  for_=_evidence_lines(evidence[h["muscle"]], True),
                  against=_evidence_lines(evidence[h["muscle"]], False))
        for h in hypotheses
    ]

    advice = sorted(engine.facts_of(Advice), key=lambda a: (a["kind"], tuple(a["order"]), a["text"]))

    def texts(kind):
        return list(dict.fromkeys(a["text"] for a in advice if a["kind"] == kind))

    correction_order = list(kb.protocol.corrections)
    corrections = sorted(engine.facts_of(Correction), key=lambda c: correction_order.index(c["id"]))
    factors = sorted(engine.facts_of(Factor), key=lambda f: (f["finding"], f["text"]))

    return Report(
        case=case.case or "case",
        triage=triage,
        red_flags=[f for f in RED_FLAGS if f in flags],
        conditions=[c for c in CONDITIONS if c in conditions],
        primary_muscle=chain[0] if chain else None,
        chain=chain,
        candidates=candidates,
        corrections=list(dict.fromkeys(c["text"] for c in corrections)),
        protocol=Protocol(steps=texts("step"), home_care=texts("home_care"), avoid=texts("avoid")),
        perpetuating_factors=list(dict.fromkeys(f"{label(f['finding'])}: {f['text']}" for f in factors)),
        open_questions=[question_text(kb, q["item"]) for q in open_questions(engine)],
        trace=[firing.as_dict() for firing in engine.trace] if with_trace else [],
        side=case.side,
        advice=texts("referral"),
    )

