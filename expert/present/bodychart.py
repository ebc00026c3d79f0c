"""A schematic body chart as inline SVG: front, back and side views of the hips and legs.

The geometry is data (the tables below), drawn for one half of the body; the
renderer mirrors it for the other half, so that the patient's left is on the
viewer's right in the front view and on the viewer's left in the back view.
Every shape carries the contract's ids (``data-region``, ``data-muscle``,
``data-side``), so the same chart can serve as a clickable map.

What is marked: the patient's pain map (shaded, on the painful side or both),
the trigger points of the chain (numbered in treatment order, after the
primary's chain the secondary chains), each one's referral zone (outlined:
solid for essential, dotted for spill-over, as the knowledge base gives them)
with an arrow from the trigger point to every painful region of its zone, and
an arrow from each key muscle to its satellite. Trigger-point sites are
schematic, after Travell & Simons (travell-simons-1992, vol. 2); the site per
referral pattern (part) is what the knowledge base's ``patterns`` name.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from myotrace.facts.vocabulary import REGIONS, label

# ---- geometry (data) -----------------------------------------------------------------
# Front and back views are drawn for the half on the viewer's LEFT of the midline
# (x from 0 to MID); the other half is the mirror image. The side view is one
# whole leg seen from the patient's right (front of the body to the viewer's
# right); the left side view is its mirror image. A point marked True is a corner.
MID = 110
HALF_W, SIDE_W, VIEW_H = 2 * MID, 200, 615

HALF_OUTLINE = [(MID, 8, True), (50, 8, True), (44, 40), (40, 66), (26, 104), (24, 140), (30, 220), (38, 300),
                (40, 332), (34, 372), (38, 440), (46, 492), (42, 512), (52, 524), (80, 526), (84, 512),
                (78, 494), (78, 440), (86, 380), (88, 336), (94, 260), (104, 196), (MID, 174, True)]
SIDE_OUTLINE = [(118, 8, True), (60, 8, True), (54, 40), (50, 70), (38, 110), (40, 160), (54, 220), (62, 300),
                (68, 336), (58, 380), (62, 440), (74, 490), (72, 520, True), (176, 526, True), (174, 512),
                (140, 500), (112, 486), (112, 440), (110, 380), (120, 336), (126, 300), (132, 220), (132, 140),
                (126, 96), (120, 60)]
SOLE_OUTLINE = [(62, 548), (74, 556), (78, 580), (72, 604), (60, 608), (50, 598), (48, 574), (52, 556)]

# Landmarks: the 12th rib and the iliac crest (back, side), the greater trochanter (side).
LANDMARKS = {
    "back": {"rib12": [(104, 22), (80, 26), (58, 34)], "iliac_crest": [(100, 62), (70, 56), (44, 62)]},
    "side": {"iliac_crest": [(58, 64), (90, 56), (120, 66)], "greater_trochanter": [(86, 122)]},
    "front": {"iliac_crest": [(44, 66), (66, 60), (84, 66)]},
}


@dataclass(frozen=True)
class Shape:
    region: str
    view: str          # front | back | side
    svg: str           # the shape's element, without attributes of its own state
    anchor: tuple      # where a referral arrow points to


def band(top: float, bottom: float, width: float) -> str:
    return f'<rect x="0" y="{top}" width="{width}" height="{bottom - top}"/>'


# One entry per (region, view) in which the region is visible; drawn in this order
# (a later shape lies on top of an earlier one).
SHAPES = (
    Shape("anterior_thigh", "front", band(112, 318, MID), (66, 220)),
    Shape("groin", "front", '<polygon points="66,118 110,146 110,176 92,200"/>', (96, 162)),
    Shape("lateral_hip", "front", '<ellipse cx="28" cy="118" rx="16" ry="26"/>', (28, 118)),
    Shape("dorsum_foot", "front", band(498, 530, MID), (64, 514)),
    Shape("low_back", "back", band(0, 60, MID), (76, 40)),
    Shape("buttock", "back", band(60, 176, MID), (58, 128)),
    Shape("sacroiliac", "back", '<ellipse cx="98" cy="80" rx="12" ry="15"/>', (98, 80)),
    Shape("posterior_thigh", "back", band(176, 318, MID), (64, 250)),
    Shape("posterior_knee", "back", band(318, 352, MID), (64, 335)),
    Shape("posterior_calf", "back", band(352, 530, MID), (62, 420)),
    Shape("sole", "back", "<path d=\"{sole}\"/>", (62, 580)),
    Shape("lateral_thigh", "side", band(140, 314, SIDE_W), (92, 226)),
    Shape("lateral_hip", "side", '<ellipse cx="86" cy="120" rx="30" ry="26"/>', (86, 120)),
    Shape("lateral_knee", "side", band(314, 354, SIDE_W), (92, 334)),
    Shape("lateral_calf", "side", band(354, 478, SIDE_W), (88, 416)),
    Shape("lateral_ankle", "side", '<ellipse cx="94" cy="494" rx="13" ry="11"/>', (94, 494)),
    Shape("dorsum_foot", "side", '<polygon points="108,484 176,512 178,528 108,512"/>', (140, 508)),
)


@dataclass(frozen=True)
class Site:
    """Where a muscle's trigger point for one referral pattern (part) is drawn."""
    muscle: str
    part: str
    view: str
    x: float
    y: float


# (muscle, part of its referral pattern in muscles.yaml, view, x, y) in the tables' coordinates.
SITES = (
    Site("quadratus_lumborum", "main", "back", 92, 43),          # between the 12th rib and the iliac crest
    Site("gluteus_medius", "trp1", "back", 70, 70),               # just below the crest
    Site("gluteus_medius", "trp2", "back", 44, 84),
    Site("gluteus_minimus", "posterior", "back", 52, 104),        # posterior part: back view
    Site("piriformis", "main", "back", 82, 114),
    Site("gluteus_maximus", "trp1", "back", 94, 104),
    Site("gluteus_maximus", "trp2", "back", 76, 156),
    Site("hamstrings", "biceps_femoris", "back", 46, 272),
    Site("hamstrings", "semitendinosus_semimembranosus", "back", 88, 236),
    Site("gluteus_minimus", "anterior", "side", 112, 98),         # anterior part: side view, below the crest
    Site("tensor_fasciae_latae", "main", "side", 124, 118),
    Site("tensor_fasciae_latae", "main", "front", 34, 100),
    Site("vastus_lateralis", "main", "side", 98, 232),
    Site("peroneus_longus", "main", "side", 100, 376),
)

assert {s.region for s in SHAPES} == set(REGIONS), "every pain region is drawn in some view"

COLOURS = {"referral": "#6a1b9a", "satellite": "#e65100"}
STYLE = ("<style>.region{stroke:#cfc8bf;stroke-width:.8}.region.clear{fill:#fbf7f2}"
         ".region.pain{fill:#e53935;fill-opacity:.6;stroke:#b71c1c}.skin{fill:#f3efe9}"
         ".outline{fill:none;stroke:#444;stroke-width:1.5}.landmark{fill:none;stroke:#8d8478;stroke-width:1.2;"
         "stroke-dasharray:4 3}.zone{stroke:none}"
         ".view-title{font:600 14px sans-serif;fill:#333}.side-mark{font:700 14px sans-serif;fill:#777}"
         ".tp circle{fill:#b71c1c;stroke:#fff;stroke-width:1.5}.tp text{font:700 11px sans-serif;fill:#fff}"
         ".arrow{fill:none;stroke-width:1.6}.arrow.referral{stroke:#6a1b9a}.arrow.satellite{stroke:#e65100;"
         "stroke-width:2.4}</style>")


# ---- helpers ---------------------------------------------------------------------------
def smooth_path(points) -> str:
    """A closed path through the points: smooth (Catmull-Rom) except at corners."""
    pts = [(p[0], p[1]) for p in points]
    corners = [i for i, p in enumerate(points) if len(p) > 2 and p[2]]
    n = len(pts)
    if not corners:
        corners = [0]
    out = f"M{pts[corners[0]][0]},{pts[corners[0]][1]}"
    start = corners[0]
    for k in range(n):
        i, j = (start + k) % n, (start + k + 1) % n
        p1, p2 = pts[i], pts[j]
        p0 = p1 if i in corners else pts[(i - 1) % n]
        p3 = p2 if j in corners else pts[(j + 1) % n]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        out += f" C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {p2[0]},{p2[1]}"
    return out + " Z"


def open_path(points) -> str:
    if len(points) == 1:
        x, y = points[0]
        return f"M{x - 5},{y} a5,5 0 1,0 10,0 a5,5 0 1,0 -10,0"
    return "M" + " L".join(f"{x},{y}" for x, y in points)


def _with_attributes(shape: str, attributes: str) -> str:
    tag_end = shape.index(" ")
    closing = shape.endswith("/>")
    body = shape[tag_end:-2] if closing else shape[tag_end:-1]
    return f"{shape[:tag_end]} {attributes}{body}" + ("/>" if closing else ">")


def _curve(p1, p2, bend: float = 0.18) -> str:
    """A gently curved arrow path from p1 to p2, starting just off p1."""
    (x1, y1), (x2, y2) = p1, p2
    dx, dy = x2 - x1, y2 - y1
    length = max(1.0, (dx * dx + dy * dy) ** 0.5)
    sx, sy = x1 + dx / length * 9, y1 + dy / length * 9
    ex, ey = x2 - dx / length * 4, y2 - dy / length * 4
    cx, cy = (sx + ex) / 2 - dy * bend, (sy + ey) / 2 + dx * bend
    return f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"


@dataclass(frozen=True)
class Mark:
    """One trigger point to draw: its muscle, its number in treatment order, and its zones."""
    muscle: str
    number: int
    zones: dict            # part -> (essential regions, spill-over regions)


def _painted_sides(side: str | None) -> tuple[str, ...]:
    return ("left",) if side == "left" else ("right",) if side == "right" else ("right", "left")


# ---- one view ---------------------------------------------------------------------------
class _View:
    def __init__(self, key: str, prefix: str, pain: set, sides: tuple, marks: list[Mark], links, lateral=None):
        self.key, self.prefix, self.pain, self.sides = key, prefix, pain, sides
        self.marks, self.links, self.lateral = marks, links, lateral

    def halves(self):
        """(side drawn, transform) for each half of the view."""
        if self.key == "side":
            mirror = f"translate({SIDE_W},0) scale(-1,1)"
            return [(self.lateral, "" if self.lateral == "right" else mirror)]
        mirror = f"translate({HALF_W},0) scale(-1,1)"
        # front: the patient's right is on the viewer's left; back: the reverse
        left_half = "right" if self.key == "front" else "left"
        other = "left" if left_half == "right" else "right"
        return [(left_half, ""), (other, mirror)]

    def svg(self) -> str:
        width = HALF_W
        title = {"front": "front", "back": "back", "side": f"{self.lateral} side"}[self.key]
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="view view-{self.key}" data-view="{self.key}"'
               + (f' data-side="{self.lateral}"' if self.key == "side" else "")
               + f' viewBox="{-(HALF_W - SIDE_W) / 2 if self.key == "side" else 0:g} -24 {width} {VIEW_H + 24}" role="img" aria-label="body chart, {title} view">',
               "<defs>",
               f'<marker id="{self.prefix}-arrow-referral" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" '
               f'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{COLOURS["referral"]}"/></marker>',
               f'<marker id="{self.prefix}-arrow-satellite" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="5" '
               f'markerHeight="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{COLOURS["satellite"]}"/></marker>',
               f'<clipPath id="{self.prefix}-clip"><path d="{self.outline()}"/></clipPath>',
               f'<pattern id="{self.prefix}-essential" width="7" height="7" patternUnits="userSpaceOnUse" '
               f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="7" stroke="#6a1b9a" '
               f'stroke-width="1.6" stroke-opacity=".75"/></pattern>',
               f'<pattern id="{self.prefix}-spillover" width="7" height="7" patternUnits="userSpaceOnUse">'
               f'<circle cx="3.5" cy="3.5" r="1.1" fill="#6a1b9a" fill-opacity=".8"/></pattern>',
               "</defs>", STYLE,
               f'<text class="view-title" x="{(SIDE_W if self.key == "side" else HALF_W) / 2}" y="-8" text-anchor="middle">{escape(title)}</text>']
        overlays = []
        for side, transform in self.halves():
            attr = f' transform="{transform}"' if transform else ""
            out.append(f'<g class="half" data-side="{side}"{attr}>')
            out.append(f'<path class="skin" d="{self.outline()}"/>')
            out.append(f'<g clip-path="url(#{self.prefix}-clip)">')
            painful_side = side in self.sides
            for shape in self.shapes():
                out.append(self.region(shape, side, painful_side and shape.region in self.pain))
            if painful_side:
                out.extend(self.zones(side, sole=False))
            out.append("</g>")
            if self.key == "back":
                for shape in self.shapes(sole=True):
                    out.append(self.region(shape, side, painful_side and shape.region in self.pain))
            out.append(f'<path class="outline" d="{self.outline()}"/>')
            if self.key == "back":
                out.append(f'<path class="outline" d="{smooth_path(SOLE_OUTLINE)}"/>')
            for name, points in LANDMARKS.get(self.key, {}).items():
                out.append(f'<path class="landmark" data-landmark="{name}" d="{open_path(points)}"/>')
            if painful_side:
                out.extend(self.zones(side, sole=True))
                overlays.append((side, transform))
            out.append("</g>")
        for side, transform in overlays:  # arrows and dots on top of both halves
            attr = f' transform="{transform}"' if transform else ""
            out.append(f'<g class="marks" data-side="{side}"{attr}>')
            out.extend(self.arrows(side))
            out.append("</g>")
            out.extend(self.dots(side, transform))
        if self.key != "side":
            left_mark, right_mark = ("R", "L") if self.key == "front" else ("L", "R")
            out.append(f'<text class="side-mark" x="8" y="{VIEW_H - 4}">{left_mark}</text>'
                       f'<text class="side-mark" x="{HALF_W - 8}" y="{VIEW_H - 4}" text-anchor="end">{right_mark}</text>')
        out.append("</svg>")
        return "\n".join(out)

    def outline(self) -> str:
        return smooth_path(SIDE_OUTLINE if self.key == "side" else HALF_OUTLINE)

    def shapes(self, sole: bool = False):
        return [s for s in SHAPES if s.view == self.key and (s.region == "sole") == sole]

    def region(self, shape: Shape, side: str, painful: bool) -> str:
        state = "pain" if painful else "clear"
        svg = shape.svg.replace("{sole}", smooth_path(SOLE_OUTLINE))
        title = f"<title>{escape(label(side))} {escape(label(shape.region))}{' (painful)' if painful else ''}</title>"
        element = _with_attributes(svg, f'class="region {state}" data-region="{shape.region}" data-side="{side}"')
        return element[:-2] + f">{title}</{svg[1:svg.index(' ')]}>"

    def sites(self, mark: Mark):
        return [s for s in SITES if s.muscle == mark.muscle and s.view == self.key and s.part in mark.zones]

    def zones(self, side: str, sole: bool) -> list[str]:
        out = []
        drawn = set()
        for mark in self.marks:  # a zone shows in every view where its regions are visible
            for essential, spillover in mark.zones.values():
                for kind, regions in (("essential", essential), ("spillover", spillover)):
                    for shape in self.shapes(sole=sole):
                        if shape.region in regions and (shape.region, kind) not in drawn:
                            drawn.add((shape.region, kind))
                            svg = shape.svg.replace("{sole}", smooth_path(SOLE_OUTLINE))
                            out.append(_with_attributes(
                                svg, f'class="zone {kind}" fill="url(#{self.prefix}-{kind})" data-zone="{shape.region}" data-muscle="{mark.muscle}" '
                                     f'data-side="{side}"'))
        return out

    def arrows(self, side: str) -> list[str]:
        out = []
        anchors = {s.region: s.anchor for s in SHAPES if s.view == self.key}
        for mark in self.marks:
            for site in self.sites(mark):
                essential, spillover = mark.zones[site.part]
                for region in [r for r in essential + spillover if r in anchors and r in self.pain]:
                    out.append(f'<path class="arrow referral" data-muscle="{mark.muscle}" data-region="{region}" '
                               f'd="{_curve((site.x, site.y), anchors[region])}" '
                               f'marker-end="url(#{self.prefix}-arrow-referral)">'
                               f"<title>{escape(label(mark.muscle))} refers pain to the {escape(label(region))}</title>"
                               "</path>")
        placed = {(s.muscle): s for m in self.marks for s in self.sites(m)}
        for key, satellite in self.links:
            if key in placed and satellite in placed:
                a, b = placed[key], placed[satellite]
                out.append(f'<path class="arrow satellite" data-key="{key}" data-satellite="{satellite}" '
                           f'd="{_curve((a.x, a.y), (b.x, b.y), -0.35)}" '
                           f'marker-end="url(#{self.prefix}-arrow-satellite)">'
                           f"<title>{escape(label(key))} → {escape(label(satellite))} (key → satellite)</title></path>")
        return out

    def dots(self, side: str, transform: str) -> list[str]:
        """Numbered dots, placed by coordinates (mirrored by hand so the numbers read the right way)."""
        width = SIDE_W if self.key == "side" else HALF_W
        out = []
        for mark in self.marks:
            for site in self.sites(mark):
                x = width - site.x if transform else site.x
                out.append(f'<g class="tp" data-muscle="{mark.muscle}" data-part="{site.part}" data-side="{side}">'
                           f'<circle cx="{x}" cy="{site.y}" r="8.5"/>'
                           f'<text x="{x}" y="{site.y + 4}" text-anchor="middle">{mark.number}</text>'
                           f"<title>{mark.number}. trigger point: {escape(label(side))} {escape(label(mark.muscle))}"
                           f" ({escape(label(site.part))})</title></g>")
        return out


# ---- the chart ------------------------------------------------------------------------------
def body_chart(pain, chains=(), links=(), side: str | None = None, *, kb=None, prefix: str = "c0",
               note: str = "", patient: bool = True) -> str:
    """The chart as HTML: one <svg> per view in a wrapping box, and a legend.

    pain: painful region ids; chains: the primary's chain then the secondary
    chains, each root first; links: (key, satellite) pairs to draw as arrows;
    prefix: makes every id unique on a page that holds several charts;
    patient: False for a chart of the knowledge base (a muscle's zones), which has no pain map.
    """
    if kb is None:
        from myotrace.facts.knowledge import knowledge
        kb = knowledge()
    pain = set(pain)
    sides = _painted_sides(side)
    marks, number = [], 0
    for chain in chains:
        for muscle in chain:
            if any(m.muscle == muscle for m in marks):
                continue
            number += 1
            zones = {p.part: (list(p.essential), list(p.spillover)) for p in kb.muscles[muscle].patterns}
            marks.append(Mark(muscle, number, zones))
    links = [tuple(link) for link in links]
    views = [_View("front", f"{prefix}-front", pain, sides, marks, links),
             _View("back", f"{prefix}-back", pain, sides, marks, links)]
    for lateral in sides:
        views.append(_View("side", f"{prefix}-side-{lateral}", pain, sides, marks, links, lateral))
    out = [f'<div class="body-chart" data-side="{escape(side or "unknown")}">',
           '<div class="views">' + "".join(view.svg() for view in views) + "</div>",
           '<div class="chart-legend">']
    side_text = {"left": "left side", "right": "right side", "both": "both sides"}.get(side or "",
                                                                                     "side not recorded: both sides shown")
    out.append("<p>" + (f"<span class='key pain'></span> pain map ({escape(side_text)}) " if patient else "")
               + "<span class='key zone'></span> referral zone (hatched: essential; dotted: spill-over) "
               "<span class='key referral'></span> trigger point → zone "
               "<span class='key satellite'></span> key → satellite</p>")
    if marks:
        out.append("<ol class='tp-list'>" + "".join(
            f"<li value='{m.number}' data-muscle='{m.muscle}'>{escape(label(m.muscle))}"
            + (" (primary)" if m.number == 1 else "") + "</li>" for m in marks) + "</ol>")
    if note:
        out.append(f"<p class='note'>{escape(note)}</p>")
    out.append("</div></div>")
    return "\n".join(out)
