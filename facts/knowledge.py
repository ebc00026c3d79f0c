"""The knowledge base: YAML files under facts/knowledge/, validated by pydantic.

A broken file fails loudly at start, naming the file and the item.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from myotrace.facts.vocabulary import FINDINGS, MUSCLES, REGIONS

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"
SOURCE_PREFIXES = ("seed", "brief §", "CONTRACT §")


class KnowledgeError(Exception):
    """The knowledge base is broken; the message names the file and the item."""


class _Item(BaseModel):
    # defer_build: the validators are built only when YAML is validated, not when a
    # cached snapshot is read (facts/snapshot.py).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _cited(source: str) -> str:
    if not source.startswith(SOURCE_PREFIXES):
        raise ValueError(f"source must cite the seed article or the clinical brief, got {source!r}")
    return source


class Cited(_Item):
    text: str = Field(min_length=1)
    source: str

    _check_source = field_validator("source")(_cited)


class Pattern(_Item):
    part: str
    essential: tuple[Literal[REGIONS], ...]
    spillover: tuple[Literal[REGIONS], ...] = ()
    source: str

    _check_source = field_validator("source")(_cited)


class EvidenceLink(_Item):
    finding: Literal[FINDINGS]
    value: bool
    cf: float = Field(ge=-1, le=1)
    text: str
    source: str

    _check_source = field_validator("source")(_cited)


class FactorLink(_Item):
    finding: Literal[FINDINGS]
    text: str
    source: str

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
    source: str

    _check_source = field_validator("source")(_cited)


class FindingText(_Item):
    question: str
    hint: str
    source: str

    _check_source = field_validator("source")(_cited)


class Settings(_Item):
    support_threshold: float = Field(gt=0, lt=1)
    decisive_margin: float = Field(ge=0, lt=1)
    referral_cf: float = Field(gt=0, le=1)
    spillover_weight: float = Field(ge=0, le=1)
    tender_point_cf: float = Field(gt=0, le=1)
    non_tender_cf: float = Field(ge=-1, lt=0)
    premise_threshold: float = Field(ge=0, lt=1)


class Protocol(_Item):
    steps: dict[str, Cited]
    home_care: dict[str, Cited]
    avoid: dict[str, Cited]
    corrections: dict[str, Cited]
    advice: dict[str, Cited]
    itbs_factors: dict[Literal[FINDINGS], Cited]


class KnowledgeBase(_Item):
    settings: Settings
    muscles: dict[Literal[MUSCLES], Muscle]
    satellites: tuple[SatelliteEdge, ...]
    findings: dict[Literal[FINDINGS], FindingText]
    protocol: Protocol
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


FILES = {
    "settings": "settings.yaml",
    "muscles": "muscles.yaml",
    "satellites": "satellites.yaml",
    "findings": "findings.yaml",
    "protocol": "protocol.yaml",
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
