"""The body chart for the browser, one figure per leg asked for, built on ``present.bodychart``.

``body_chart`` draws front, back and side views with both halves of the body, mirrored
correctly, every pain region an element carrying ``data-region`` and ``data-side``; each
leg's figure paints that side and prefixes its ids, so two figures on one page never share
an id. The page's script binds clicks to ``[data-region]`` and nothing else.
"""
from __future__ import annotations

from myotrace.expert.present.bodychart import body_chart

LEGS = ("right", "left")


def legs_for(side: str | None) -> tuple[str, ...]:
    return LEGS if side in (None, "both") else (side,)


def charts(pain_by_leg: dict[str, list[str]], chain=(), links=(), note: str = "", legs=LEGS) -> dict[str, str]:
    """{leg: svg} for each leg asked for: the body chart (front, back and side views, both halves
    mirrored correctly) with that leg's side painted and its own ids."""
    return {leg: body_chart(pain_by_leg.get(leg, ()), [list(chain)] if chain else [], links, leg,
                            prefix=f"w{leg}", note=note)
            for leg in legs}


def tender_site(pain, muscle: str, side: str | None) -> dict[str, str]:
    """The leg(s) with the trigger-point site of ``muscle`` marked (for a palpation question)."""
    legs = legs_for(side)
    drawn = charts({leg: list(pain) for leg in legs}, chain=[muscle], legs=legs)
    return {leg: svg.replace(" (primary)", "") for leg, svg in drawn.items()}  # one site, not a chain
