"""The sections of one report, decided once for every view: which show, in which order, under
which heading, and what a view says where one is empty.

Text, markdown, the HTML page, the web result page and the interview note lay out this list;
none of them decides what a triage shows. A referral (an emergency or an urgent referral) leads
with the referral and its red flags, then the safety net, then the case; it shows no chain, no
body chart, no evidence table and no protocol, so nothing reads as a settled treatment. Every
other report shows the advice, the case, the conclusion (red flags, conditions, the chain or why
there is none, the body chart), the evidence, the protocol (or why it waits) and what to tell the
patient; the open questions close both.

A ``drawn`` section (the case as given, the body chart, the evidence table) carries no lines: the
view draws it from the report and the case, and a view that cannot draw it (the body chart in a
terminal) leaves it out.
"""
from __future__ import annotations

from dataclasses import dataclass

from myotrace.expert.report import Report
from myotrace.facts.vocabulary import label

CASE, CHART, CHAIN, EVIDENCE, PROTOCOL, QUESTIONS = "case", "chart", "chain", "evidence", "protocol", "questions"
DERIVATION = "derivation"


@dataclass(frozen=True)
class Section:
    key: str                      # what the section holds; a view chooses its layout by it
    title: str
    lines: tuple[str, ...] = ()
    numbered: bool = False
    note: str = ""                # said in place of the lines when there are none
    drawn: bool = False           # the view draws it from the report and case (no lines here)

    @property
    def anchor(self) -> str:
        """The section's id in an HTML page: ``safety_net`` -> ``safety-net``."""
        return self.key.replace("_", "-")


def chain_text(report: Report, chain) -> str:
    """A chain in treatment order, each muscle with its certainty: ``gluteus minimus (0.85) → …``."""
    certainty = {c.muscle: c.certainty for c in report.candidates}
    return " → ".join(f"{label(m)} ({certainty.get(m, 0):.2f})" for m in chain)


def referral_reasons(trace) -> list[str]:
    """Why the case is referred: each red flag found with the statement of the rule that found it."""
    reasons = []
    for firing in trace:
        for fact in firing.declared:
            if fact["type"] == "RedFlag":
                reasons.append(f"{label(fact['id'])}: {firing.statement}")
    return list(dict.fromkeys(reasons))


def report_sections(report: Report, trace=None) -> list[Section]:
    """The report's sections in reading order; empty ones without a note are left out.

    ``trace`` (the engine's firings), when a view has it, lets the referral name the rule that
    found each red flag; without it the red flags are named alone.
    """
    flags = tuple(label(f) for f in report.red_flags)
    conditions = tuple(label(c) for c in report.conditions)
    if report.referral_only:
        reasons = tuple(referral_reasons(trace)) if trace is not None else ()
        sections = [Section("referral", "Referral", tuple(report.advice)),
                    Section("red_flags", "Red flags", reasons or flags),
                    Section("conditions", "Conditions", conditions),
                    Section("safety_net", "Safety net (tell the patient)", tuple(report.safety_net)),
                    Section(CASE, "Case as given", drawn=True)]
    else:
        protocol_note = "None yet: complete the screens listed under the open questions first." \
            if report.protocol_waits else ""
        sections = [
            Section("advice", "Advice", tuple(report.advice)),
            Section(CASE, "Case as given", drawn=True),
            Section("red_flags", "Red flags", flags),
            Section("conditions", "Conditions", conditions),
            Section(CHAIN, "Working hypothesis (primary muscle and chain; treat only after the screens)"
                    if report.chain_is_hypothesis else "Primary muscle and chain",
                    (chain_text(report, report.chain),) if report.chain else (), note=report.chain_note),
            Section(CHART, "Body chart", drawn=True),
            Section("atypical", "Atypical pattern", tuple(report.atypical)),
            Section("secondary", "Secondary chains (treated after the primary's)",
                    tuple(chain_text(report, chain) for chain in report.secondary_chains)),
            Section("satellites", "Probable satellites (pain map only: palpate)",
                    tuple(label(m) for m in report.probable_satellites)),
            Section(EVIDENCE, "Candidates: evidence for and against", drawn=bool(report.candidates),
                    note="" if report.candidates else "No muscle has any evidence yet."),
            Section("corrections", "Myths corrected", tuple(report.corrections)),
            Section(PROTOCOL, "Protocol", tuple(report.protocol.steps), numbered=True, note=protocol_note),
            Section("home_care", "Home care", tuple(report.protocol.home_care)),
            Section("avoid", "Avoid", tuple(report.protocol.avoid)),
            Section("factors", "Perpetuating factors", tuple(report.perpetuating_factors)),
            Section("safety_net", "Safety net (tell the patient)", tuple(report.safety_net)),
        ]
    sections += [Section(QUESTIONS, title, tuple(lines)) for title, lines in report.question_sections()]
    if not report.referral_only:
        sections.append(Section(DERIVATION, "Derivation", drawn=True))
    return [s for s in sections if s.lines or s.note or s.drawn]
