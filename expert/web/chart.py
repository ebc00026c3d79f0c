"""The body chart for the browser: both legs, every view, built on ``present.bodychart``.

``body_chart`` draws the patient's right leg (front, side and back views), each
pain region an element carrying ``data-region``. The left leg is its mirror
image: in the front view the patient's left leg is on the viewer's right, in
the back view on the viewer's left, and its lateral view faces the other way.
Each leg is wrapped in an element carrying ``data-side``; the page's script
binds clicks to ``[data-region]`` inside ``[data-side]`` and nothing else, so a
chart that already draws both sides (``data-side`` on its own elements) is used
as it is.
"""
from __future__ import annotations

import re

from myotrace.expert.present.bodychart import body_chart

LEGS = ("right", "left")
_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')
_ID = re.compile(r'\bid="([^"]+)"')


def _own_ids(svg: str, prefix: str) -> str:
    """Every id and reference to it prefixed: two legs on one page must not share clip paths or markers."""
    for name in set(_ID.findall(svg)):
        svg = (svg.replace(f'id="{name}"', f'id="{prefix}{name}"').replace(f"url(#{name})", f"url(#{prefix}{name})")
               .replace(f'href="#{name}"', f'href="#{prefix}{name}"'))
    return svg


def _inner(svg: str) -> tuple[str, float, float]:
    """The chart's content without its outer <svg> tag, and its size."""
    opening = svg[: svg.index(">") + 1]
    width, height = (float(v) for v in _VIEWBOX.search(opening).groups())
    return svg[len(opening): svg.rindex("</svg>")], width, height


def leg_svg(svg: str, leg: str) -> str:
    """One leg as an <svg>: the right as drawn, the left mirrored (its words turned back by CSS)."""
    inner, width, height = _inner(svg)
    if leg == "left":
        inner = _own_ids(inner, "left-")
        inner = f'<g class="mirrored" transform="translate({width:g},0) scale(-1,1)">{inner}</g>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="body-chart leg-{leg}" data-side="{leg}" '
            f'viewBox="0 0 {width:g} {height:g}" role="group" '
            f'aria-label="body chart, the patient\'s {leg} leg: front, side and back views">{inner}</svg>')


def legs_for(side: str | None) -> tuple[str, ...]:
    return LEGS if side in (None, "both") else (side,)


def charts(pain_by_leg: dict[str, list[str]], chain=(), links=(), side: str | None = None, note: str = "",
           legs=LEGS) -> dict[str, str]:
    """{leg: svg} for each leg asked for: the body chart (front, back and side views, both halves
    mirrored correctly) with that leg's side painted and its own ids."""
    return {leg: body_chart(pain_by_leg.get(leg, ()), [list(chain)] if chain else [], links, leg,
                            prefix=f"w{leg}", note=note)
            for leg in legs}


def tender_site(pain, muscle: str, side: str | None) -> dict[str, str]:
    """The leg(s) with the trigger-point site of ``muscle`` marked (for a palpation question)."""
    legs = legs_for(side)
    drawn = charts({leg: list(pain) for leg in legs}, chain=[muscle], side=side, legs=legs)
    return {leg: svg.replace(" (primary)", "") for leg, svg in drawn.items()}  # one site, not a chain
