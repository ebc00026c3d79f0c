"""The body chart for the browser, one figure per leg asked for, built on ``present.bodychart``.

``body_chart`` draws front, back and side views with both halves of the body, mirrored
correctly, every pain region an element carrying ``data-region`` and ``data-side``; each
leg's figure paints that side and prefixes its ids, so two figures on one page never share
an id. The page's script binds clicks to ``[data-region]`` and nothing else.
"""
from __future__ import annotations

import re

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


_REGION = re.compile(r'class="region (\w+)" data-region="(\w+)" data-side="(\w+)"')


def pain_input(legs) -> dict[str, str]:
    """The pain-map input: one figure per leg, where only that leg's regions are choices; the other
    half is drawn for orientation only (``data-other-region``), so a click there marks nothing."""
    def own_side_only(svg: str, leg: str) -> str:
        return _REGION.sub(lambda m: m.group(0) if m.group(3) == leg else
                           f'class="region {m.group(1)} other-side" data-other-region="{m.group(2)}" '
                           f'data-side="{m.group(3)}"', svg)
    return {leg: own_side_only(svg, leg) for leg, svg in charts({leg: [] for leg in legs}, legs=legs).items()}
