"""The claims register: every clinical claim the program makes, with its sources.

One row per rule statement and per cited knowledge item (referral zones, evidence
weights, perpetuating factors, self-care, satellite edges, protocol steps, advice,
myth corrections, examination questions, the differential's pictures, signs and
test accuracy figures). Each row carries its citations, each
citation's evidence level (from the bibliography), the strongest level of the row,
and whether the row's published support is of low authority.
"""
from __future__ import annotations

from dataclasses import dataclass

from myotrace.facts.knowledge import EVIDENCE_LEVELS, JUDGEMENT, parse_source
from myotrace.facts.vocabulary import label

UNASSESSED = "no evidence level"


@dataclass(frozen=True)
class Source:
    key: str
    locator: str
    level: str | None      # an EVIDENCE_LEVELS entry; None when the work has not been assessed
    low: bool              # a low-authority work


@dataclass(frozen=True)
class Claim:
    id: str
    kind: str
    text: str
    sources: tuple[Source, ...]

    @property
    def level(self) -> str | None:
        """The strongest evidence level among the sources (None: uncited or unassessed only)."""
        levels = [s.level for s in self.sources if s.level is not None]
        return min(levels, key=EVIDENCE_LEVELS.index) if levels else None

    @property
    def unassessed(self) -> tuple[Source, ...]:
        return tuple(s for s in self.sources if s.level is None)

    @property
    def low_authority(self) -> str:
        """'only' when every cited work is of low authority, 'partly' when some are, else ''."""
        works = [s for s in self.sources if s.key != JUDGEMENT]
        low = [s for s in works if s.low]
        if not low:
            return ""
        return "only" if len(low) == len(works) else "partly"

    @property
    def says_judgement(self) -> bool:
        return any(s.key == JUDGEMENT for s in self.sources) or JUDGEMENT in self.text.lower()


def _sources(source: str, references) -> tuple[Source, ...]:
    try:
        citations = parse_source(source)
    except ValueError:
        return ()
    result = []
    for citation in citations:
        if citation.key == JUDGEMENT:
            result.append(Source(citation.key, citation.locator, JUDGEMENT, False))
            continue
        reference = references.get(citation.key)
        result.append(Source(citation.key, citation.locator,
                             reference.evidence if reference else None,
                             bool(reference and reference.authority == "low")))
    return tuple(result)


def _zone_text(name: str, pattern, several: bool) -> str:
    part = f" ({label(pattern.part)} part)" if several else ""
    text = f"Trigger points in the {name}{part} refer pain to: " + ", ".join(label(r) for r in pattern.essential)
    if pattern.spillover:
        text += "; spill-over: " + ", ".join(label(r) for r in pattern.spillover)
    return text


def _muscle_claims(kb):
    for muscle_id, muscle in kb.muscles.items():
        several = len(muscle.patterns) > 1
        for pattern in muscle.patterns:
            yield f"zone {muscle_id}/{pattern.part}", "referral zone", _zone_text(muscle.name, pattern, several), \
                pattern.source
        for link in muscle.evidence:
            answer = "yes" if link.value else "no"
            yield (f"weight {muscle_id}/{link.finding}={answer}", "evidence weight",
                   f"{label(link.finding)} = {answer}: {link.cf:+.2f} for the {muscle.name} ({link.text})", link.source)
        for factor in muscle.perpetuating:
            yield (f"factor {muscle_id}/{factor.finding}", "perpetuating factor",
                   f"{label(factor.finding)} keeps {muscle.name} trigger points going: {factor.text}", factor.source)
        for number, care in enumerate(muscle.self_care, start=1):
            yield f"self-care {muscle_id}/{number}", "self-care", care.text, care.source


def _satellite_claims(kb):
    for edge in kb.satellites:
        part = f" ({label(edge.part)} part)" if edge.part else ""
        yield (f"satellite {edge.key}>{edge.satellite}", "satellite edge",
               f"Trigger points in the {kb.name(edge.key)} can set up satellite trigger points in the "
               f"{kb.name(edge.satellite)}{part}", edge.source)


PROTOCOL_KINDS = {"steps": "protocol step", "home_care": "home care", "avoid": "advice to avoid",
                  "corrections": "myth correction", "advice": "triage advice", "itbs_factors": "IT band factor",
                  "conditions": "condition management"}


def _protocol_claims(kb):
    for section, kind in PROTOCOL_KINDS.items():
        for key, item in getattr(kb.protocol, section).items():
            yield f"{section} {key}", kind, item.text.replace("{muscle}", "the muscle"), item.source
    for key, item in kb.protocol.safety_net.items():
        yield f"safety_net {key}", "safety net", f"{item.clinician} (to the patient: {item.patient})", item.source


def _finding_claims(kb):
    for finding, item in kb.findings.items():
        yield f"finding {finding}", "examination question", f"{item.question} ({item.hint})", item.source


def _differential_claims(kb):
    for key, picture in kb.differential.pictures.items():
        yield f"picture {key}", "differential picture", f"{picture.name}: {picture.summary}", picture.source
        for sign in picture.signs:
            answer = "yes" if sign.value else "no"
            yield (f"sign {key}/{sign.finding}={answer}", "differential sign",
                   f"{label(sign.finding)} = {answer} speaks for {picture.name}: {sign.text}", sign.source)
    for test, figure in kb.differential.accuracy.items():
        reported = [f"{name} {value:.2f}" for name, value in
                    (("sensitivity", figure.sensitivity), ("specificity", figure.specificity)) if value is not None]
        yield (f"accuracy {test}", "test accuracy",
               f"{figure.test} for {figure.target} ({figure.population}): " + ", ".join(reported), figure.source)


def claims(kb, rules) -> list[Claim]:
    """The register: the rules in id order, then the knowledge base file by file."""
    rows = [Claim(rule.id, f"rule: {rule.stage}", rule.statement, _sources(rule.source, kb.references))
            for rule in rules]
    for generate in (_muscle_claims, _satellite_claims, _protocol_claims, _finding_claims,
                     _differential_claims):
        rows += [Claim(id_, kind, text, _sources(source, kb.references))
                 for id_, kind, text, source in generate(kb)]
    return rows


def problems(rows: list[Claim], rule_ids) -> list[str]:
    """A claim citing a work without an evidence level; a rule resting on low-authority works
    alone that does not say it is judgement."""
    found = []
    for row in rows:
        for source in row.unassessed:
            found.append(f"claim {row.id}: cites {source.key}, which has no evidence level in references.yaml")
        if row.id in rule_ids and row.low_authority == "only" and not row.says_judgement:
            found.append(f"rule {row.id}: rests on low-authority works alone; cite a primary work "
                         f"or say what is judgement")
    return found
