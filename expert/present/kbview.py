"""``myotrace kb show MUSCLE``: one muscle as the knowledge base holds it, in words.

Referral zones by part (essential and spill-over), the evidence weights with
their sources (including the palpation and pain-map weights every muscle
shares), satellite edges in and out, perpetuating factors and self-care.
"""
from __future__ import annotations

from myotrace.expert.errors import InputError, did_you_mean
from myotrace.expert.present.text import user_key, wrap
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


def muscle_lines(kb, muscle: str) -> list[str]:
    entry = kb.muscles[muscle]
    settings = kb.settings
    lines = [f"{entry.name} ({muscle})" + (" — hip abductor" if entry.hip_abductor else "")]

    lines += ["", "Referral zones (by trigger-point part)"]
    for pattern in entry.patterns:
        text = "essential: " + (", ".join(label(r) for r in pattern.essential) or "none")
        if pattern.spillover:
            text += "; spill-over: " + ", ".join(label(r) for r in pattern.spillover)
        lines += wrap(text, f"  {label(pattern.part)}: ", "      ")
        lines += wrap(pattern.source, "      source: ", "        ")

    lines += ["", "Evidence weights (certainty factors: sizes are judgement, directions sourced)"]
    lines += wrap(f"pain map over a referral zone: up to {settings.referral_cf:+.2f} by the degree of match "
                  f"(spill-over regions count {settings.spillover_weight:g})", "  ", "      ")
    lines += wrap(f"palpation reproduces the familiar pain: {settings.tender_point_cf:+.2f}; palpated without "
                  f"reproducing it: {settings.non_tender_cf:+.2f}", "  ", "      ")
    lines += ["      source: knowledge base settings (settings.yaml)"]
    for link in sorted(entry.evidence, key=lambda e: -abs(e.cf)):
        lines += wrap(f"{link.cf:+.2f}  {label(link.finding)} = {_value(link.value)}: {link.text}", "  ", "         ")
        lines += wrap(link.source, "         source: ", "           ")

    lines += ["", "Satellite edges"]
    keys = kb.keys_of(muscle)
    satellites = kb.satellites_of(muscle)
    if not keys and not satellites:
        lines.append("  none")
    for edge in keys:
        lines += wrap(f"in:  {label(edge.key)} → {label(muscle)} (the {label(edge.key)} is its key muscle)",
                      "  ", "       ")
        lines += wrap(edge.source, "       source: ", "         ")
    for edge in satellites:
        lines += wrap(f"out: {label(muscle)} → {label(edge.satellite)} (a satellite in its referral zone)",
                      "  ", "       ")
        lines += wrap(edge.source, "       source: ", "         ")

    lines += ["", "Perpetuating factors"]
    if not entry.perpetuating:
        lines.append("  none recorded")
    for factor in entry.perpetuating:
        lines += wrap(f"{label(factor.finding)}: {factor.text}", "  ", "    ")
        lines += wrap(factor.source, "    source: ", "      ")
    if entry.self_care:
        lines += ["", "Self-care"]
        for care in entry.self_care:
            lines += wrap(care.text, "  ", "    ")
            lines += wrap(care.source, "    source: ", "      ")
    return lines
