"""``myotrace kb show MUSCLE``: one muscle as the knowledge base holds it, in words.

Referral zones by part (essential and spill-over), the evidence weights with
their sources (including the palpation and pain-map weights every muscle
shares), satellite edges in and out, perpetuating factors and self-care.
"""
from __future__ import annotations

from myotrace.expert.errors import InputError, did_you_mean
from myotrace.expert.present.text import bibliography_lines, user_key, wrap
from myotrace.facts.vocabulary import MUSCLES, label

SHORT_NAMES = {
    "gmin": "gluteus_minimus", "gmed": "gluteus_medius", "gmax": "gluteus_maximus",
    "tfl": "tensor_fasciae_latae", "vl": "vastus_lateralis", "ql": "quadratus_lumborum",
    "pl": "peroneus_longus", "piri": "piriformis", "hams": "hamstrings",
}


def resolve_muscle(text: str) -> str:
    key = user_key(text)
    key = SHORT_NAMES.get(key, key)
    if key in MUSCLES:
        return key
    raise InputError(f"no muscle {text!r} in the knowledge base: one of {', '.join(MUSCLES)}"
                     + did_you_mean(key, list(MUSCLES) + list(SHORT_NAMES)))


def _value(value) -> str:
    return {True: "yes", False: "no"}.get(value, str(value))


def muscle_sources(kb, muscle: str) -> list[str]:
    """Every source of a muscle's entry in the order ``kb show`` cites them: referral zones, evidence
    (strongest first), satellite edges in and out, perpetuating factors, self-care."""
    entry = kb.muscles[muscle]
    return ([p.source for p in entry.patterns] + [e.source for e in sorted(entry.evidence, key=lambda e: -abs(e.cf))]
            + [e.source for e in (*kb.keys_of(muscle), *kb.satellites_of(muscle))]
            + [f.source for f in entry.perpetuating] + [c.source for c in entry.self_care])


def muscle_lines(kb, muscle: str) -> list[str]:
    from myotrace.expert.present.references import bibliography, source_text
    entry = kb.muscles[muscle]
    settings = kb.settings
    short = next((name for name, full in SHORT_NAMES.items() if full == muscle), None)
    lines = [entry.name + (f" (short name: {short})" if short else "") + (" — hip abductor" if entry.hip_abductor else "")]

    def cited(source: str, first: str, rest: str) -> list[str]:
        return wrap(source_text(source), first, rest)

    lines += ["", "Referral zones (by trigger-point part)"]
    for pattern in entry.patterns:
        text = "essential: " + (", ".join(label(r) for r in pattern.essential) or "none")
        if pattern.spillover:
            text += "; spill-over: " + ", ".join(label(r) for r in pattern.spillover)
        lines += wrap(text, f"  {part_text(pattern.part)}: ", "      ")
        lines += cited(pattern.source, "      source: ", "        ")

    lines += ["", "Evidence weights (certainty factors: sizes are judgement, directions sourced)"]
    lines += wrap(f"pain map over a referral zone: up to {settings.referral_cf:+.2f} by the degree of match "
                  f"(spill-over regions count {settings.spillover_weight:g})", "  ", "      ")
    lines += wrap(f"palpation reproduces the familiar pain: {settings.tender_point_cf:+.2f}; palpated without "
                  f"reproducing it: {settings.non_tender_cf:+.2f}", "  ", "      ")
    lines += ["      source: knowledge base settings (settings.yaml)"]
    for link in sorted(entry.evidence, key=lambda e: -abs(e.cf)):
        lines += wrap(f"{link.cf:+.2f}  {label(link.finding)}, {_value(link.value)}: {link.text}", "  ", "         ")
        lines += cited(link.source, "         source: ", "           ")

    lines += ["", "Satellite edges"]
    keys = kb.keys_of(muscle)
    satellites = kb.satellites_of(muscle)
    if not keys and not satellites:
        lines.append("  none")
    for edge in keys:
        lines += wrap(f"in:  {label(edge.key)} → {label(muscle)} (the {label(edge.key)} is its key muscle)",
                      "  ", "       ")
        lines += cited(edge.source, "       source: ", "         ")
    for edge in satellites:
        lines += wrap(f"out: {label(muscle)} → {label(edge.satellite)} (a satellite in its referral zone)",
                      "  ", "       ")
        lines += cited(edge.source, "       source: ", "         ")

    lines += ["", "Perpetuating factors"]
    if not entry.perpetuating:
        lines.append("  none recorded")
    for factor in entry.perpetuating:
        lines += wrap(f"{label(factor.finding)}: {factor.text}", "  ", "    ")
        lines += cited(factor.source, "    source: ", "      ")
    if entry.self_care:
        lines += ["", "Self-care"]
        for care in entry.self_care:
            lines += wrap(care.text, "  ", "    ")
            lines += cited(care.source, "    source: ", "      ")
    lines += ["", "References"]
    return lines + bibliography_lines(bibliography(muscle_sources(kb, muscle)))


PART_NAMES = {"main": "the muscle's trigger points", "anterior": "anterior part", "posterior": "posterior part"}


def part_text(part: str) -> str:
    """A trigger-point part as a reader says it: ``trp1`` -> ``trigger point 1``, ``anterior`` -> ``anterior part``."""
    if part in PART_NAMES:
        return PART_NAMES[part]
    if part.startswith("trp") and part[3:].isdigit():
        return f"trigger point {part[3:]}"
    return label(part)


def resolve_region(text: str) -> str:
    from myotrace.facts.vocabulary import REGIONS
    key = user_key(text)
    if key in REGIONS:
        return key
    raise InputError(f"no region {text!r}: one of {', '.join(REGIONS)}" + did_you_mean(key, REGIONS))


def refers_to(kb, region: str) -> list[dict]:
    """The muscles whose referral zones include the region: essential zones first, then spill-over.

    One row per trigger-point part: muscle, part, zone ("essential" or "spill-over"), the
    part's whole pattern and its source, in the knowledge base's muscle order.
    """
    rows = []
    for zone in ("essential", "spill-over"):
        for muscle, entry in kb.muscles.items():
            for pattern in entry.patterns:
                regions = pattern.essential if zone == "essential" else pattern.spillover
                if region in regions:
                    rows.append({"muscle": muscle, "name": entry.name, "part": part_text(pattern.part),
                                 "zone": zone, "essential": list(pattern.essential),
                                 "spillover": list(pattern.spillover), "source": pattern.source})
    return rows


def refers_to_lines(kb, region: str) -> list[str]:
    from myotrace.expert.present.references import bibliography, source_text
    rows = refers_to(kb, region)
    lines = [f"Muscles whose trigger points refer pain to the {label(region)}"]
    if not rows:
        lines.append("  none in the knowledge base")
    for zone in ("essential", "spill-over"):
        chosen = [row for row in rows if row["zone"] == zone]
        if not chosen:
            continue
        lines += ["", "Essential zone (where the pain is usually felt)" if zone == "essential"
                  else "Spill-over zone (where it is felt in some patients)"]
        for row in chosen:
            pattern = "essential: " + ", ".join(label(r) for r in row["essential"])
            if row["spillover"]:
                pattern += "; spill-over: " + ", ".join(label(r) for r in row["spillover"])
            lines += wrap(f"{row['name']} ({row['part']}): whole pattern {pattern}", "  • ", "    ")
            lines += wrap(source_text(row["source"]), "    source: ", "      ")
    lines += ["", "Referral maps are composites drawn from many patients: palpation decides, not the map.",
              "", "References"]
    return lines + bibliography_lines(bibliography(row["source"] for row in rows))
