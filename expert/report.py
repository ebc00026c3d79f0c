"""The report, built from the facts the rules concluded, with its display policy: what every
format and front end shows of it is decided here and in present/sections.py, never in a renderer."""
import json

from pydantic import BaseModel, ConfigDict, Field

from myotrace.facts.case import Case, History
from myotrace.facts.types import (
    Advice, Condition, Correction, Evidence, Factor, Finding, Hypothesis, Primary, Question, RedFlag, Secondary,
    Triage,
)
from myotrace.facts.vocabulary import LOCAL_CONDITIONS, CONDITIONS, NERVE_SCREEN, PAIN_MAP, PALPATE, RED_FLAGS, label

TRIAGE_HEADLINE = {
    "emergency": "EMERGENCY — immediate hospital referral",
    "urgent_referral": "URGENT REFERRAL — exclude serious pathology first",
    "refer_nerve": "REFER — likely nerve-root involvement",
    "screen_first": "SCREEN FIRST — complete the red-flag and nerve screens before treating",
    "treat": "TREAT — myofascial trigger-point chain",
    "insufficient_evidence": "INSUFFICIENT EVIDENCE — answer the open questions",
}
NO_CHAIN = ("emergency", "urgent_referral", "insufficient_evidence")
REFERRAL_ONLY = ("emergency", "urgent_referral")  # the report leads with the referral only
NO_PROTOCOL = REFERRAL_ONLY + ("screen_first",)  # the protocol waits for the referral or the screens
SCREEN_LINE_LEVELS = ("screen_first", "treat", "refer_nerve", "insufficient_evidence")  # unscreened items head these


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
    """The JSON report: its keys and their order are a stable contract (new keys are only ever
    appended, none renamed or dropped); ``side`` and ``advice`` extend the original set."""

    case: str
    triage: str
    red_flags: list[str]
    conditions: list[str]
    primary_muscle: str | None
    chain: list[str]
    secondary_chains: list[list[str]] = Field(default_factory=list)
    unscreened_red_flags: list[str] = Field(default_factory=list)
    unscreened_nerve_signs: list[str] = Field(default_factory=list)
    safety_net: list[str] = Field(default_factory=list)
    candidates: list[Candidate]
    corrections: list[str]
    protocol: Protocol
    perpetuating_factors: list[str]
    open_questions: list[str]
    trace: list[dict]
    side: str | None = None
    advice: list[str] = Field(default_factory=list)
    probable_satellites: list[str] = Field(default_factory=list)
    open_questions_detail: dict[str, list[str]] = Field(default_factory=dict)
    safety_net_patient: list[str] = Field(default_factory=list)  # the safety net in the patient's words
    atypical: list[str] = Field(default_factory=list)  # confirmed muscles whose zone does not cover the pain map
    history: History | None = Field(default=None, exclude=True)  # the intake, for the human-readable reports

    # ---- the display policy: every renderer, template and note reads these ----------
    @property
    def headline(self) -> str:
        return TRIAGE_HEADLINE[self.triage] if self.triage != "treat" or self.chain else (
            "TREAT — " + " and ".join(label(c) for c in self.conditions if c in LOCAL_CONDITIONS))

    @property
    def chain_is_hypothesis(self) -> bool:
        """The chain is shown as a working hypothesis only: the screens come first."""
        return self.triage == "screen_first"

    @property
    def referral_only(self) -> bool:
        """The report leads with the referral alone: no chain, no protocol, no myth corrections."""
        return self.triage in REFERRAL_ONLY

    @property
    def leads_with_referral(self) -> bool:
        """The patient is sent on (an emergency, an urgent or a nerve referral): the handout leads with it."""
        return self.triage in REFERRAL_ONLY + ("refer_nerve",)

    @property
    def protocol_waits(self) -> bool:
        """No treatment is shown: a referral comes first, or the screens are incomplete."""
        return self.triage in NO_PROTOCOL

    @property
    def chain_note(self) -> str:
        """What every view says where no chain is marked, or "" when there is one."""
        return "" if self.chain else f"No chain is marked: the triage is {label(self.triage)}."

    @property
    def screens_complete(self) -> bool:
        return not self.unscreened_red_flags and not self.unscreened_nerve_signs

    def screen_first_line(self) -> str | None:
        """The headline's warning when red flags or nerve signs were never screened, or None."""
        if self.triage not in SCREEN_LINE_LEVELS:
            return None
        parts = []
        if self.unscreened_red_flags:
            parts.append("Red flags not yet screened: " + ", ".join(label(f) for f in self.unscreened_red_flags))
        if self.unscreened_nerve_signs:
            parts.append(("n" if parts else "N") + "erve signs not yet examined: "
                         + ", ".join(label(f) for f in self.unscreened_nerve_signs))
        return "; ".join(parts) + ", screen these before treating" if parts else None

    def question_sections(self) -> list[tuple[str, list[str]]]:
        """The open questions under their headings, in reading order: the screens still to do,
        what could change the conclusion, what is also worth asking, what only documents it."""
        detail = self.open_questions_detail
        if not detail:
            return [("Open questions", list(self.open_questions))]
        screens = [q for q in self.open_questions
                   if q.startswith(("Red flags not yet screened", "Nerve screen not complete"))]
        return [("Open questions", screens),
                ("Open questions that could change the conclusion", detail.get("could_change", [])),
                ("Also worth asking", detail.get("also_worth_asking", [])),
                ("Asked only to document the conclusion (cannot change it)", detail.get("to_document", []))]

    @property
    def red_flags_text(self) -> str:
        """The red flags as a reasoning view states them: never 'none' where they were not asked."""
        if self.red_flags:
            return ", ".join(label(f) for f in self.red_flags)
        status = self.screen_status["red_flags"]
        return "none" if status == "complete" else f"none found ({status})"

    @property
    def screens_text(self) -> str:
        """Both screens in a few words: 'red flags: complete; nerve: not screened'."""
        return "; ".join(f"{'red flags' if group == 'red_flags' else 'nerve'}: {status}"
                         for group, status in self.screen_status.items())

    @property
    def screen_status(self) -> dict[str, str]:
        """Each screen as a reasoning view states it: 'not screened', 'incomplete' or 'complete'."""
        def status(missing, total):
            return "complete" if not missing else "not screened" if len(missing) == total else "incomplete"
        return {"red_flags": status(self.unscreened_red_flags, len(RED_FLAGS)),
                "nerve": status(self.unscreened_nerve_signs, len(NERVE_SCREEN))}

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


def grouped_questions(kb, engine, case: Case, unpalpable=()) -> tuple[list[str], dict[str, list[str]]]:
    """Each item once (its most decisive question): the red flags not yet screened as one line, the
    nerve-screen signs not yet examined as one line (an answer of unknown leaves a screen item open:
    it stays here though it is never asked again), then what could change the conclusion, then
    what is also worth asking, then what is asked only to document the conclusion."""
    triage = engine.facts_of(Triage)[0]["level"]
    present = bool(engine.facts_of(RedFlag))
    flags = [] if triage == "emergency" else case.missing("red_flags")
    nerve = [] if present else case.missing("nerve")
    could_change, also, document = [], [], []
    not_known = [PALPATE + m for m in unpalpable]  # asked, and not possible or not conclusive: never re-asked
    seen = set(flags) | set(nerve) | set(not_known)
    for question in open_questions(engine):
        item = question["item"]
        if item in seen:
            continue
        seen.add(item)
        if question["kind"] == "red_flag":
            flags.append(item)
        elif question["kind"] == "nerve" and item in NERVE_SCREEN:
            nerve.append(item)
        elif question["kind"] == "condition":
            also.append(question_text(kb, item))
        elif question["kind"] == "documentation":
            document.append(question_text(kb, item))
        else:
            could_change.append(question_text(kb, item))
    lines = []
    if flags:
        lines.append("Red flags not yet screened: " + ", ".join(label(f) for f in flags) + ", ask these first")
    if nerve:
        lines.append("Nerve screen not complete: " + ", ".join(label(f) for f in nerve) + ", examine these before treating")
    if not_known:
        document.append("Palpation not possible or not conclusive: " + ", ".join(label(m) for m in unpalpable)
                        + " (asked; a probable satellite among them is palpated before it is treated)")
    detail = {"red_flags": flags, "nerve_screen": nerve, "could_change": could_change, "also_worth_asking": also,
              "to_document": document}
    return lines + could_change + also + document, detail


def fitting(engine) -> set[str]:
    """Muscles whose referral pattern matches the pain map."""
    return {fact["muscle"] for fact in engine.facts_of(Evidence) if fact["kind"] == "zone"}


def _evidence_lines(evidence, positive: bool) -> list[str]:
    chosen = [e for e in evidence if (e["cf"] > 0) == positive and e["cf"] != 0]
    chosen.sort(key=lambda e: (-abs(e["cf"]), e["label"]))
    return [f"{e['label']} ({e['cf']:+.2f})" for e in chosen]


def build_report(engine, case: Case, with_trace: bool = False, unpalpable=()) -> Report:
    """The report of the engine's run on ``case``; ``unpalpable``: muscles whose palpation an
    interview asked and got no answer to (never asked again, so not an open question)."""
    kb = engine.kb
    triage = engine.facts_of(Triage)[0]["level"]
    flags = {fact["id"] for fact in engine.facts_of(RedFlag)}
    conditions = {fact["id"] for fact in engine.facts_of(Condition)}
    primary = engine.facts_of(Primary)
    chain = [] if triage in NO_CHAIN or not primary else list(primary[0]["chain"])
    secondary = [] if not chain else [
        list(fact["chain"]) for fact in sorted(engine.facts_of(Secondary), key=lambda f: f["rank"])]
    probable = [] if not chain else list(primary[0]["probable"])
    answered = {fact["id"] for fact in engine.facts_of(Finding) if fact["value"] in (True, False)}

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
    referral_only = triage in REFERRAL_ONLY
    protocol_waits = triage in NO_PROTOCOL

    def texts(kind, field="text"):
        if protocol_waits and kind in ("step", "home_care", "avoid"):
            return []
        if referral_only and kind not in ("referral", "safety_net"):
            return []
        return list(dict.fromkeys(a[field] for a in advice if a["kind"] == kind))

    correction_order = list(kb.protocol.corrections)
    corrections = [] if referral_only else sorted(
        engine.facts_of(Correction), key=lambda c: correction_order.index(c["id"]))
    factors = [] if referral_only else sorted(engine.facts_of(Factor), key=lambda f: (f["finding"], f["text"]))
    questions, detail = grouped_questions(kb, engine, case, unpalpable)
    fits = fitting(engine)
    atypical = [] if not chain else [
        f"The {kb.name(m)} reproduces the familiar pain, although its referral zone does not cover this pain map:"
        " an atypical pattern (referral maps are composites of many patients)"
        for c in [chain] + secondary for m in c if m in case.tender_points and m not in fits]

    return Report(
        case=case.case or "case",
        triage=triage,
        red_flags=[f for f in RED_FLAGS if f in flags],
        conditions=[c for c in CONDITIONS if c in conditions],
        primary_muscle=chain[0] if chain else None,
        chain=chain,
        secondary_chains=secondary,
        unscreened_red_flags=[f for f in RED_FLAGS if f not in answered],
        unscreened_nerve_signs=[f for f in NERVE_SCREEN if f not in answered],
        safety_net=texts("safety_net"),
        candidates=candidates,
        corrections=list(dict.fromkeys(c["text"] for c in corrections)),
        protocol=Protocol(steps=texts("step"), home_care=texts("home_care"), avoid=texts("avoid")),
        perpetuating_factors=list(dict.fromkeys(f"{label(f['finding'])}: {f['text']}" for f in factors)),
        open_questions=questions,
        trace=[firing.as_dict() for firing in engine.trace] if with_trace else [],
        side=case.side,
        advice=texts("referral"),
        probable_satellites=probable,
        open_questions_detail=detail,
        safety_net_patient=texts("safety_net", "patient"),
        atypical=atypical,
        history=case.history,
    )
