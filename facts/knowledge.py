"""The knowledge base: YAML files under facts/knowledge/, validated by pydantic.

A broken file fails loudly at start, naming the file and the item.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

import yaml
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator,
                      model_validator)

from myotrace.facts.vocabulary import CONDITIONS, FINDINGS, MUSCLES, PALPATE, REGIONS

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"


class KnowledgeError(Exception):
    """The knowledge base is broken; the message names the file and the item."""


class _Item(BaseModel):
    # defer_build: the validators are built only when YAML is validated, not when a
    # cached snapshot is read (facts/snapshot.py).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# ---- citations -------------------------------------------------------------------
# A ``source`` is one or more citations separated by "; ", each "KEY" or
# "KEY, LOCATOR" (e.g. "travell-simons-1992, vol. 2 ch. 9 p. 169; willett-2016").
# KEY names an entry of references.yaml, or is JUDGEMENT: a choice the authors
# made without published support, the locator saying what the judgement is.
JUDGEMENT = "judgement"
CITATION_SEPARATOR = "; "
KEY_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NOT_SOURCES = ("contract §", "brief §", "contract.md", "clinical-brief")


class Citation(NamedTuple):
    key: str
    locator: str = ""


def parse_source(source: str) -> tuple[Citation, ...]:
    """The citations of a source string; ValueError says what is malformed.

    An empty string is no citation at all (the lint calls the item uncited).
    """
    if not source.strip():
        return ()
    lowered = source.lower()
    for marker in NOT_SOURCES:
        if marker in lowered:
            raise ValueError(f"the project's own spec or brief is not a source ({marker!r} in {source!r})")
    citations = []
    for part in source.split(CITATION_SEPARATOR):
        if ";" in part:
            raise ValueError(f"citation {part.strip()!r}: separate citations with '; ' (semicolon and space)")
        key, comma, locator = part.partition(",")
        key, locator = key.strip(), locator.strip()
        if not KEY_PATTERN.fullmatch(key):
            raise ValueError(f"{part.strip()!r} does not start with a reference key such as 'willett-2016' "
                             f"(a source is 'KEY' or 'KEY, LOCATOR', several joined by '; ')")
        if comma and not locator:
            raise ValueError(f"citation {part.strip()!r} has a comma but no locator")
        if key == JUDGEMENT and not locator:
            raise ValueError("a judgement must say what it is: 'judgement, <what was decided>'")
        citations.append(Citation(key, locator))
    return tuple(citations)


def _cited(source: str) -> str:
    parse_source(source)
    return source


# Hosts of unofficial copies of books and papers: never a reference's address.
UNOFFICIAL_HOSTS = ("pubhtml5", "readonlinefree", "100-vampirenovels", "5y1.org", "docksci", "scribd",
                    "yudu", "studylib", "pdfdrive", "zlibrary", "vdoc", "dokumen", "pdfcoffee")


# How strong a kind of evidence a work is, strongest first. JUDGEMENT is the level
# of a choice the authors made without published support (the "judgement" key).
EVIDENCE_LEVELS = ("systematic review", "randomised trial", "diagnostic accuracy or cohort study",
                   "case series or case report", "expert text", JUDGEMENT)
EvidenceLevel = Literal[EVIDENCE_LEVELS[:-1]]  # a published work is never "judgement"


class Reference(_Item):
    """One published work, in full, as a student would look it up."""
    kind: Literal["article", "book", "guideline", "web"]
    authors: tuple[str, ...] = Field(min_length=1)
    year: int = Field(ge=1800, le=2100)
    title: str = Field(min_length=1)
    venue: str = Field(min_length=1)         # journal, publisher, or website
    volume: str = ""                         # "44(3)" for an article, "vol. 2" for a book
    pages: str = ""
    edition: str = ""
    place: str = ""
    doi: str = ""
    pmid: str = ""
    url: str = ""
    authority: Literal["standard", "low"] = "standard"
    # The kind of evidence the work is; None only while nobody has assessed it
    # (`kb check` fails every claim that cites such a work).
    evidence: EvidenceLevel | None = None
    short: str = ""                          # how to cite it in a sentence, when not "Author year"
    note: str = ""

    @field_validator("doi")
    @classmethod
    def _doi(cls, value: str) -> str:
        if value and not re.fullmatch(r"10\.\d{4,9}/\S+", value):
            raise ValueError(f"not a DOI (10.xxxx/...): {value!r}")
        return value

    @field_validator("url")
    @classmethod
    def _official(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"not a web address: {value!r}")
        host = value.split("/")[2] if value.count("/") >= 2 else value
        if any(bad in host for bad in UNOFFICIAL_HOSTS):
            raise ValueError(f"{host} hosts unofficial copies; cite the publisher, PubMed, PMC or the journal")
        return value

    @model_validator(mode="after")
    def _complete(self) -> "Reference":
        if not (self.doi or self.pmid or self.url):
            raise ValueError("a reference needs a DOI, a PubMed id or an official address (url)")
        if self.kind == "article" and not (self.volume and self.pages):
            raise ValueError("an article needs its volume and pages")
        if self.kind == "book" and not self.place:
            raise ValueError("a book needs its place of publication")
        return self


class Cited(_Item):
    text: str = Field(min_length=1)
    source: str = ""

    _check_source = field_validator("source")(_cited)


class Pattern(_Item):
    part: str
    essential: tuple[Literal[REGIONS], ...]
    spillover: tuple[Literal[REGIONS], ...] = ()
    source: str = ""

    _check_source = field_validator("source")(_cited)


class EvidenceLink(_Item):
    finding: Literal[FINDINGS]
    value: bool
    cf: float = Field(ge=-1, le=1)
    text: str
    source: str = ""

    _check_source = field_validator("source")(_cited)


class FactorLink(_Item):
    finding: Literal[FINDINGS]
    text: str
    source: str = ""

    _check_source = field_validator("source")(_cited)


class Muscle(_Item):
    name: str
    hip_abductor: bool
    patterns: tuple[Pattern, ...] = Field(min_length=1)
    evidence: tuple[EvidenceLink, ...] = ()
    perpetuating: tuple[FactorLink, ...] = ()
    self_care: tuple[Cited, ...] = ()


class SatelliteEdge(_Item):
    key: Literal[MUSCLES]
    satellite: Literal[MUSCLES]
    part: str | None = None  # the satellite's trigger-point part the key sets up (None: any part)
    source: str = ""

    _check_source = field_validator("source")(_cited)


class FindingText(_Item):
    question: str
    hint: str
    source: str = ""

    _check_source = field_validator("source")(_cited)


class Settings(_Item):
    support_threshold: float = Field(gt=0, lt=1)
    decisive_margin: float = Field(ge=0, lt=1)
    referral_cf: float = Field(gt=0, le=1)
    spillover_weight: float = Field(ge=0, le=1)
    tender_point_cf: float = Field(gt=0, le=1)
    non_tender_cf: float = Field(ge=-1, lt=0)
    premise_threshold: float = Field(ge=0, lt=1)
    objective_nerve_sign_cf: float = Field(gt=0, le=1)
    soft_nerve_sign_cf: float = Field(gt=0, le=1)
    local_condition_cf: float = Field(gt=0, le=1)
    itbs_alignment_cf: float = Field(gt=0, le=1)
    piriformis_entrapment_cf: float = Field(gt=0, le=1)


class SafetyNet(_Item):
    """One safety-netting item: the clinician's words for the report, the patient's for the handout."""
    clinician: str
    patient: str
    source: str

    _check_source = field_validator("source")(_cited)


class Protocol(_Item):
    steps: dict[str, Cited]
    home_care: dict[str, Cited]
    avoid: dict[str, Cited]
    corrections: dict[str, Cited]
    advice: dict[str, Cited]
    itbs_factors: dict[Literal[FINDINGS], Cited]
    conditions: dict[str, Cited]        # a local condition's management, when no chain is treated
    safety_net: dict[str, SafetyNet]    # what the patient must be told, in two wordings


# ---- the differential: competing pictures and the accuracy of the tests between them ----
class Accuracy(_Item):
    """What one diagnostic-accuracy study reports for one test, against its reference standard.

    Only figures the cited study reports are recorded; a figure it does not give
    is left out (None), never estimated. A likelihood ratio is computed only when
    both the sensitivity and the specificity are recorded and neither is 0 or 1.
    """
    test: str = Field(min_length=1)          # the test as the study defines it
    target: str = Field(min_length=1)        # what it detects, and the reference standard
    population: str = Field(min_length=1)    # who was studied (a figure holds only for them)
    sensitivity: float | None = Field(default=None, ge=0, le=1)
    specificity: float | None = Field(default=None, ge=0, le=1)
    source: str

    _check_source = field_validator("source")(_cited)

    @model_validator(mode="after")
    def _a_figure_from_a_study(self) -> "Accuracy":
        if self.sensitivity is None and self.specificity is None:
            raise ValueError("an accuracy entry needs the sensitivity or the specificity the study reports")
        keys = [c.key for c in parse_source(self.source)]
        if not keys or keys[0] == JUDGEMENT:
            raise ValueError("an accuracy figure must cite the study that reports it first, not a judgement")
        return self

    def likelihood_ratios(self) -> tuple[float, float] | None:
        """(LR+, LR-) from the recorded sensitivity and specificity, or None when either is missing or 0/1."""
        sens, spec = self.sensitivity, self.specificity
        if sens is None or spec is None or not (0 < sens < 1 and 0 < spec < 1):
            return None
        return sens / (1 - spec), (1 - sens) / spec


class Sign(_Item):
    """A finding that speaks for a picture when it has ``value`` (and against it otherwise)."""
    finding: Literal[FINDINGS]
    value: bool
    text: str = Field(min_length=1)
    source: str = ""

    _check_source = field_validator("source")(_cited)


class Picture(_Item):
    """One competing explanation of lateral-leg pain, as the differential view sets it out."""
    name: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    source: str = ""
    muscle: Literal[MUSCLES] | None = None             # the muscle whose trigger points it is, if any
    conditions: tuple[Literal[CONDITIONS], ...] = ()   # the rules' conclusions that are this picture
    regions: tuple[Literal[REGIONS], ...] = ()         # where its pain is felt: painful ones speak for it
    signs: tuple[Sign, ...] = Field(min_length=1)
    palpate: tuple[Literal[MUSCLES], ...] = ()         # tender speaks for it, non-tender against

    _check_source = field_validator("source")(_cited)


class Differential(_Item):
    pictures: dict[str, Picture] = Field(min_length=1)
    accuracy: dict[str, Accuracy] = {}    # by finding id, or "palpate:<muscle>"

    @field_validator("accuracy")
    @classmethod
    def _known_tests(cls, value: dict) -> dict:
        for key in value:
            if key not in FINDINGS and not (key.startswith(PALPATE) and key[len(PALPATE):] in MUSCLES):
                raise ValueError(f"accuracy {key!r}: not a finding id or 'palpate:<muscle>'")
        return value


class KnowledgeBase(_Item):
    settings: Settings
    muscles: dict[Literal[MUSCLES], Muscle]
    satellites: tuple[SatelliteEdge, ...]
    findings: dict[Literal[FINDINGS], FindingText]
    protocol: Protocol
    references: dict[str, Reference]
    differential: Differential
    _link_index: dict = PrivateAttr(default_factory=dict)

    # ---- queries used by the rules -------------------------------------------
    def name(self, muscle: str) -> str:
        return self.muscles[muscle].name

    def pattern_match(self, muscle: str, pain: frozenset | tuple) -> tuple[float, Pattern | None]:
        """How well the pain map matches the muscle's best referral pattern.

        Judgement (documented in settings.yaml): painful essential regions plus
        half-weighted spill-over regions, over the union of the pain map and
        the essential zone. 1.0 when the map is exactly the essential zone.
        """
        pain = frozenset(pain)
        if not pain:
            return 0.0, None
        best, best_pattern = 0.0, None
        weight = self.settings.spillover_weight
        for pattern in self.muscles[muscle].patterns:
            essential = frozenset(pattern.essential)
            hits = len(pain & essential) + weight * len(pain & frozenset(pattern.spillover))
            degree = hits / len(pain | essential)
            if degree > best:
                best, best_pattern = degree, pattern
        return round(best, 4), best_pattern

    def links(self, finding: str, value: bool | str) -> tuple[tuple[str, EvidenceLink], ...]:
        return self._link_index.get((finding, value), ())

    def satellites_of(self, muscle: str) -> tuple[SatelliteEdge, ...]:
        return tuple(e for e in self.satellites if e.key == muscle)

    def keys_of(self, muscle: str) -> tuple[SatelliteEdge, ...]:
        return tuple(e for e in self.satellites if e.satellite == muscle)

    def model_post_init(self, __context) -> None:
        index: dict[tuple[str, bool], tuple[tuple[str, EvidenceLink], ...]] = {}
        for muscle_id, muscle in self.muscles.items():
            for link in muscle.evidence:
                key = (link.finding, link.value)
                index[key] = index.get(key, ()) + ((muscle_id, link),)
        self._link_index = index


def cited_items(kb: KnowledgeBase):
    """(item, source) for every knowledge item that carries a source, the item
    named by its file and its place in it, e.g. ``muscles.yaml gluteus_minimus.evidence.0``."""
    def walk(node, path):
        if isinstance(node, BaseModel):
            if "source" in type(node).model_fields:
                yield path, node.source
            for name in type(node).model_fields:
                yield from walk(getattr(node, name), f"{path}.{name}")
        elif isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")
        elif isinstance(node, tuple):
            for index, value in enumerate(node):
                yield from walk(value, f"{path}.{index}")

    for part in type(kb).model_fields:
        if part in ("settings", "references"):
            continue
        for path, source in walk(getattr(kb, part), ""):
            yield f"{FILES.get(part, part)} {path.lstrip('.') or '(top level)'}", source


def citation_problems(items, references) -> list[str]:
    """Uncited items, malformed sources and keys missing from the bibliography."""
    problems = []
    for item, source in items:
        try:
            citations = parse_source(source)
        except ValueError as error:
            problems.append(f"{item}: malformed source: {error}")
            continue
        if not citations:
            problems.append(f"{item}: uncited (no source)")
        for citation in citations:
            if citation.key != JUDGEMENT and citation.key not in references:
                problems.append(f"{item}: cites {citation.key!r}, which is not in references.yaml")
    return problems


def cited_keys(sources) -> set[str]:
    """Reference keys cited by well-formed sources (malformed ones are the lint's business)."""
    keys = set()
    for source in sources:
        try:
            keys |= {c.key for c in parse_source(source)}
        except ValueError:
            pass
    return keys


FILES = {
    "settings": "settings.yaml",
    "muscles": "muscles.yaml",
    "satellites": "satellites.yaml",
    "findings": "findings.yaml",
    "protocol": "protocol.yaml",
    "references": "references.yaml",
    "differential": "differential.yaml",
}


def _read(path: Path):
    try:
        with path.open("rb") as handle:
            return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeError(f"{path}: cannot be read: {error}") from None


def _describe(error: ValidationError, part: str, files: dict[str, Path]) -> str:
    first = error.errors()[0]
    location = [str(x) for x in first["loc"]]
    if location and location[0] in files:
        file = files[location.pop(0)]
    else:
        file = files.get(part, KNOWLEDGE_DIR)
    item = ".".join(location) or "(top level)"
    return f"{file}: item {item}: {first['msg']}"


def load_knowledge(directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    files = {key: directory / name for key, name in FILES.items()}
    raw = {key: _read(path) for key, path in files.items()}
    try:
        kb = KnowledgeBase.model_validate(raw)
    except ValidationError as error:
        raise KnowledgeError(_describe(error, "", files)) from None
    missing = sorted(set(MUSCLES) - set(kb.muscles))
    if missing:
        raise KnowledgeError(f"{files['muscles']}: muscles missing: {', '.join(missing)}")
    missing = sorted(set(FINDINGS) - set(kb.findings))
    if missing:
        raise KnowledgeError(f"{files['findings']}: findings without a question: {', '.join(missing)}")
    return kb


@cache
def knowledge() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process (from its validated snapshot
    when the YAML has not changed since; see facts/snapshot.py)."""
    from myotrace.facts.snapshot import load_snapshot
    return load_snapshot()
