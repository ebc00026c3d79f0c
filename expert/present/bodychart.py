"""A schematic body chart as inline SVG: one leg and hip in three views.

Front, side (lateral) and back views of the lower trunk and one leg; one shape
per pain region of the vocabulary (shaded when the patient has pain there);
the trigger points of the chain marked in the side view, with an arrow from
each key muscle to its satellites. No external assets: the SVG is inline.
"""
from __future__ import annotations

from html import escape

from myotrace.facts.vocabulary import REGIONS, label

# Each view: (key, title, x offset, silhouette path, {region: svg shape}) in its own
# 0..PANEL_W coordinates. Shapes are clipped to the silhouette, so a region can
# be a simple band or ellipse and still follow the outline of the leg.
PANEL_W, PANEL_H = 230, 610

FRONT_OUTLINE = ("M60,30 L170,30 L170,190 C160,200 150,230 134,280 C130,300 128,315 128,330 "
                 "C134,360 134,400 126,440 L118,478 L130,505 L72,505 L84,478 L74,440 "
                 "C62,400 60,370 66,330 C58,280 44,210 42,150 C40,110 52,70 60,30 Z")
SIDE_OUTLINE = ("M70,30 L140,30 C142,60 150,95 158,150 C156,190 146,250 136,295 C142,310 140,330 128,345 "
                "C126,380 124,430 122,466 L198,490 L200,500 L82,502 L86,480 L90,470 "
                "C68,420 64,380 80,330 C72,290 64,240 60,198 C40,178 36,140 54,110 C58,85 62,60 70,30 Z")
BACK_OUTLINE = ("M40,30 L150,30 C158,70 170,110 168,150 C166,210 152,280 144,330 C152,370 150,400 136,440 "
                "L126,478 L128,498 L96,500 L92,478 C80,440 70,400 78,360 L82,330 C76,280 60,230 50,200 "
                "L40,195 Z")
SOLE_OUTLINE = ("M100,528 C118,526 124,545 122,565 C120,588 112,600 100,600 C88,600 82,588 80,566 "
                "C78,545 84,528 100,528 Z")

FRONT = {
    "anterior_thigh": '<polygon points="0,140 90,128 115,175 140,215 170,200 230,200 230,322 0,322"/>',
    "groin": '<polygon points="90,128 175,150 175,200 140,215 115,175"/>',
}
SIDE = {
    "lateral_hip": '<ellipse cx="104" cy="140" rx="42" ry="30"/>',
    "lateral_thigh": '<rect x="0" y="170" width="230" height="130"/>',
    "lateral_knee": '<rect x="0" y="300" width="230" height="48"/>',
    "lateral_calf": '<rect x="0" y="348" width="230" height="104"/>',
    "lateral_ankle": '<ellipse cx="106" cy="470" rx="17" ry="13"/>',
    "dorsum_foot": '<polygon points="123,460 230,488 230,497 123,489"/>',
}
BACK = {
    "low_back": '<rect x="0" y="0" width="230" height="82"/>',
    "sacroiliac": '<ellipse cx="62" cy="100" rx="21" ry="17"/>',
    "buttock": ('<path fill-rule="evenodd" d="M0,82 H230 V205 H0 Z '
                'M41,100 a21,17 0 1,0 42,0 a21,17 0 1,0 -42,0 Z"/>'),
    "posterior_thigh": '<rect x="0" y="205" width="230" height="113"/>',
    "posterior_knee": '<rect x="0" y="318" width="230" height="34"/>',
    "posterior_calf": '<rect x="0" y="352" width="230" height="150"/>',
}
SOLE = {"sole": f'<path d="{SOLE_OUTLINE}"/>'}

LABEL_X = 214  # the side view's trigger-point labels start here (side-view coordinates)
VIEWS = (
    ("front", "front", 0, FRONT_OUTLINE, FRONT),
    ("side", "side (lateral)", 220, SIDE_OUTLINE, SIDE),
    ("back", "back", 620, BACK_OUTLINE, BACK),
)
CHART_W = 620 + PANEL_W + 180

# Trigger points in the side view's coordinates (schematic, after Travell & Simons).
TRIGGER_POINTS = {
    "quadratus_lumborum": (74, 52),
    "gluteus_medius": (86, 92),
    "gluteus_minimus": (112, 112),
    "tensor_fasciae_latae": (142, 122),
    "piriformis": (60, 128),
    "gluteus_maximus": (50, 164),
    "hamstrings": (74, 252),
    "vastus_lateralis": (114, 236),
    "peroneus_longus": (108, 372),
}

assert set(FRONT) | set(SIDE) | set(BACK) | set(SOLE) == set(REGIONS), "one shape per pain region"


def _region(region: str, shape: str, painful: bool) -> str:
    state = "pain" if painful else "clear"
    title = f"<title>{escape(label(region))}{' (painful)' if painful else ''}</title>"
    # the shape string is a constant of this module; give it its id and class
    tag_end = shape.index(" ")
    return (f'{shape[:tag_end]} id="region-{region}" class="region {state}" data-region="{region}"'
            f'{shape[tag_end:-2]}>{title}</{shape[1:tag_end]}>')


def _clipped(key: str, outline: str, regions: dict[str, str], pain: set) -> list[str]:
    """The regions clipped to their silhouette, then the silhouette's outline on top."""
    return ([f'<g clip-path="url(#clip-{key})">']
            + [_region(r, shape, r in pain) for r, shape in regions.items()]
            + ["</g>", f'<path class="outline" d="{outline}"/>'])


def _curve(p1, p2, bulge=-34.0) -> str:
    (x1, y1), (x2, y2) = p1, p2
    dx, dy = x2 - x1, y2 - y1
    length = max(1.0, (dx * dx + dy * dy) ** 0.5)
    cx, cy = (x1 + x2) / 2 + bulge * dy / length * -1, (y1 + y2) / 2 + bulge * dx / length
    def toward(x, y, tx, ty, d=10.0):
        lx, ly = tx - x, ty - y
        n = max(1.0, (lx * lx + ly * ly) ** 0.5)
        return x + lx / n * d, y + ly / n * d
    sx, sy = toward(x1, y1, cx, cy)
    ex, ey = toward(x2, y2, cx, cy)
    return f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"


def body_chart(pain, chain=(), links=(), side: str | None = None, note: str = "") -> str:
    """The chart as an <svg> element.

    pain: painful region ids; chain: the chain's muscles, primary first;
    links: (key, satellite) pairs to draw as arrows; note: a line under the chart
    (e.g. why no chain is marked).
    """
    pain = set(pain)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="body-chart" viewBox="0 0 {CHART_W} {PANEL_H + 40}" '
           f'role="img" aria-label="body chart: pain regions and trigger points">',
           "<defs>",
           '<marker id="bc-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#e65100"/></marker>']
    for key, _title, _x, outline, _regions in VIEWS:
        out.append(f'<clipPath id="clip-{key}"><path d="{outline}"/></clipPath>')
    out.append(f'<clipPath id="clip-sole"><path d="{SOLE_OUTLINE}"/></clipPath>')
    out.append("</defs>")
    out.append('<style>.region{stroke:#c9c9c9;stroke-width:.8}.region.clear{fill:#fbf7f2}'
               '.region.pain{fill:#e53935;fill-opacity:.62;stroke:#b71c1c}'
               '.skin{fill:#f3efe9}.outline{fill:none;stroke:#444;stroke-width:1.6}.view-title{font:600 13px sans-serif;fill:#333}'
               '.tp-label{font:11px sans-serif;fill:#222}.note{font:12px sans-serif;fill:#555}</style>')
    for key, title, x, outline, regions in VIEWS:
        out.append(f'<g class="view view-{key}" transform="translate({x},0)">')
        out.append(f'<text class="view-title" x="{PANEL_W / 2 - 10}" y="18" text-anchor="middle">{escape(title)}</text>')
        out.append(f'<path class="skin" d="{outline}"/>')
        out.extend(_clipped(key, outline, regions, pain))
        if key == "back":
            out.extend(_clipped("sole", SOLE_OUTLINE, SOLE, pain))
            out.append('<text class="tp-label" x="100" y="522" text-anchor="middle">sole</text>')
            out.append('<line x1="40" y1="30" x2="40" y2="195" stroke="#999" stroke-dasharray="3,3"/>')
        if key == "front":
            out.append('<line x1="170" y1="30" x2="170" y2="190" stroke="#999" stroke-dasharray="3,3"/>')
        if key == "side":
            out.append(_trigger_points(chain, links))
        out.append("</g>")
    legend_x = CHART_W - 170
    out.append(f'<g class="legend" transform="translate({legend_x},40)">'
               '<rect x="0" y="0" width="18" height="12" class="region pain"/>'
               '<text class="tp-label" x="24" y="10">pain region</text>'
               '<circle cx="9" cy="32" r="6" fill="#b71c1c" stroke="#fff" stroke-width="1.5"/>'
               '<text class="tp-label" x="24" y="36">trigger point (chain)</text>'
               '<path d="M2,58 L18,58" stroke="#e65100" stroke-width="2" marker-end="url(#bc-arrow)"/>'
               '<text class="tp-label" x="24" y="62">key → satellite</text>'
               + (f'<text class="tp-label" x="0" y="90">side: {escape(side)}</text>' if side else "")
               + "</g>")
    if note:
        out.append(f'<text class="note" x="10" y="{PANEL_H + 30}">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _trigger_points(chain, links) -> str:
    chain = [m for m in chain if m in TRIGGER_POINTS]
    if not chain:
        return ""
    out = ['<g class="trigger-points">']
    seen: dict[str, int] = {}
    for key, satellite in links:
        if key in TRIGGER_POINTS and satellite in TRIGGER_POINTS:
            nth = seen[key] = seen.get(key, -1) + 1  # a key's second satellite curves the other way
            bulge = -34.0 if nth % 2 == 0 else 34.0
            out.append(f'<path class="satellite-arrow" data-key="{key}" data-satellite="{satellite}" '
                       f'd="{_curve(TRIGGER_POINTS[key], TRIGGER_POINTS[satellite], bulge)}" fill="none" '
                       f'stroke="#e65100" stroke-width="2.2" marker-end="url(#bc-arrow)">'
                       f"<title>{escape(label(key))} → {escape(label(satellite))} (key → satellite)</title></path>")
    label_y = 46
    for index, muscle in enumerate(chain):
        x, y = TRIGGER_POINTS[muscle]
        radius = 7.5 if index == 0 else 6
        ly = max(label_y, y)
        label_y = ly + 16
        text = label(muscle) + (" (primary)" if index == 0 else "")
        out.append(f'<g class="trigger-point" data-muscle="{muscle}">'
                   f'<line x1="{x + radius}" y1="{y}" x2="{LABEL_X - 4}" y2="{ly - 4}" stroke="#888" stroke-width=".7"/>'
                   f'<circle cx="{x}" cy="{y}" r="{radius}" fill="#b71c1c" stroke="#fff" stroke-width="1.5"/>'
                   f'<text class="tp-label" x="{LABEL_X}" y="{ly}">{index + 1}. {escape(text)}</text>'
                   f"<title>trigger point: {escape(label(muscle))}</title></g>")
    out.append("</g>")
    return "\n".join(out)
