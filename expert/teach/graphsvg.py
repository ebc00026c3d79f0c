"""The derivation graph (``graph.Graph``) drawn as a self-contained SVG, with no external tools:
for the HTML report and the teaching room's stepper, where a graph built by ``lit_graph`` carries
each node's state (lit, declared, matched) and what a click on it opens."""
from __future__ import annotations

from html import escape
from itertools import pairwise

from myotrace.expert.teach.graph import Edge, Graph, style_of

# ---- SVG (layered left to right, no external tools) -------------------------------
# Columns by kind of fact: what was observed, what was weighed (red flags,
# nerve signs, muscles), the chain, then what follows from it. Edges that skip
# a column run through a slot reserved in each column they cross (Sugiyama's
# dummy nodes), so no edge is drawn across a box; satellite edges join muscles
# of the same column and are drawn as arcs on its right.
COLUMN = {"finding": 0, "redflag": 1, "nerve": 1, "muscle": 1, "chain": 2,
          "condition": 3, "triage": 3, "correction": 4, "protocol": 4}
CHAR_W, LINE_H, PAD, COL_GAP, ROW_GAP, SLOT_H = 8.0, 17, 8, 190, 16, 12
NODE_FONT, LABEL_FONT, LABEL_CHAR_W, TOP = 13, 12, 6.7, 40
COLUMN_TITLES = {0: "findings", 1: "muscles, red flags, nerve", 2: "chain", 3: "triage, conditions",
                 4: "protocol, myths"}
EDGE_COLOUR = {"derives": "#555", "for": "#2e7d32", "against": "#c62828", "satellite": "#c98a1b",
               "rejected": "#999"}


def _layout(graph: Graph):
    """Columns of node ids and edge slots, ordered to cut crossings; routes per edge."""
    columns: dict[int, list[str]] = {}
    for node in graph.nodes.values():
        columns.setdefault(COLUMN[node.kind], []).append(node.id)
    used = sorted(columns)
    index_of = {c: i for i, c in enumerate(used)}
    col = {n: index_of[COLUMN[graph.nodes[n].kind]] for n in graph.nodes}
    layers: list[list[str]] = [columns[c] for c in used]
    routes: dict[int, list[str]] = {}
    neighbours_left: dict[str, list[str]] = {n: [] for n in graph.nodes}
    neighbours_right: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for number, edge in enumerate(graph.edges):
        a, b = col[edge.source], col[edge.target]
        if a == b:
            continue  # a satellite arc
        if a > b:  # never expected; draw it anyway, right to left
            edge = Edge(edge.target, edge.source, edge.rules, edge.kind)
            a, b = b, a
        route = [edge.source]
        for layer in range(a + 1, b):
            slot = f"·{number}·{layer}"
            layers[layer].append(slot)
            route.append(slot)
        route.append(edge.target)
        routes[number] = route
        for left, right in pairwise(route):
            neighbours_left.setdefault(right, []).append(left)
            neighbours_right.setdefault(left, []).append(right)
    members = [f"m_{m}" for m in graph.chain]

    def keep_chain_together(layer):
        """The chain's muscles stay together, in treatment order, so their arcs are short."""
        present = [m for m in members if m in layer]
        if present:
            first = min(layer.index(m) for m in present)
            rest = [n for n in layer if n not in present]
            layer[:] = rest[:first] + present + rest[first:]

    for _sweep in range(6):  # barycentre ordering, left to right then right to left
        for order in (range(1, len(layers)), range(len(layers) - 2, -1, -1)):
            for layer in order:
                near = neighbours_left if order.step == 1 else neighbours_right
                position = {n: rank for ids in layers for rank, n in enumerate(ids)}
                current = {n: i for i, n in enumerate(layers[layer])}

                def centre(node, near=near, position=position, current=current):
                    others = near.get(node, [])
                    if not others:
                        return current[node]
                    return sum(position[o] for o in others) / len(others)
                layers[layer].sort(key=lambda n: (centre(n), current[n]))
                keep_chain_together(layers[layer])
    return layers, routes


def to_svg(graph: Graph, prefix: str = "dg") -> str:
    """The graph as SVG at its natural size (text 12-13 px); ``prefix`` keeps ids unique on a page."""
    if not graph.nodes:
        return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 40" role="img">'
                '<text x="10" y="25">(no rule fired)</text></svg>')
    layers, routes = _layout(graph)
    size = {}
    for node in graph.nodes.values():
        size[node.id] = (max(len(line) for line in node.lines) * CHAR_W + 2 * PAD, len(node.lines) * LINE_H + 2 * PAD)
    for ids in layers:
        for n in ids:
            size.setdefault(n, (0.0, SLOT_H))
    arcs = any(e.kind == "satellite" for e in graph.edges)
    heights = [sum(size[n][1] for n in ids) + ROW_GAP * (len(ids) - 1) for ids in layers]
    total_h = max(heights) + 50 + TOP
    box: dict[str, tuple[float, float, float, float]] = {}
    column_x: list[tuple[float, float]] = []
    titles = []
    x = 20.0
    for index, ids in enumerate(layers):
        width = max(size[n][0] for n in ids)
        column_x.append((x, x + width))
        stage = min(COLUMN[graph.nodes[n].kind] for n in ids if n in graph.nodes)
        titles.append(f'<text class="column-title" x="{x + width / 2:.1f}" y="20" text-anchor="middle" '
                      f'font-size="{NODE_FONT + 1}" font-weight="bold" fill="#555">{escape(COLUMN_TITLES[stage])}</text>')
        y = 25 + TOP + (total_h - 50 - TOP - heights[index]) / 2
        for n in ids:
            w, h = size[n]
            box[n] = (x + (width - w) / 2, y, w, h)
            y += h + ROW_GAP
        x += width + COL_GAP + (60 if arcs and any(n.startswith("m_") for n in ids) else 0)
    total_w = x - COL_GAP + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="derivation" viewBox="0 0 {total_w:.0f} {total_h:.0f}" '
           f'width="{total_w:.0f}" height="{total_h:.0f}" role="img" aria-label="derivation graph">',
           '<defs>' + "".join(
               f'<marker id="{prefix}-arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
               f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
               for kind, colour in EDGE_COLOUR.items()) + '</defs>'] + titles
    def centre_y(node_id):
        return box[node_id][1] + box[node_id][3] / 2

    # ports: the edges leaving (entering) a box are spread down its right (left)
    # side in the order of their other ends, so they do not cross at the box
    port_out: dict[int, float] = {}
    port_in: dict[int, float] = {}
    leaving: dict[str, list[tuple[float, int]]] = {}
    entering: dict[str, list[tuple[float, int]]] = {}
    for number, route in routes.items():
        leaving.setdefault(route[0], []).append((centre_y(route[1]), number))
        entering.setdefault(route[-1], []).append((centre_y(route[-2]), number))
    for ports, ends in ((port_out, leaving), (port_in, entering)):
        for node_id, items in ends.items():
            _x, top, _w, height = box[node_id]
            items.sort()
            for rank, (_y, number) in enumerate(items):
                ports[number] = top + height * (rank + 1) / (len(items) + 1)

    obstacles = [box[n] for n in graph.nodes]
    layer_of = {n: i for i, ids in enumerate(layers) for n in ids}
    placed: list[tuple[float, float, float, float]] = []
    label_svg: list[str] = []

    def free(x0, y0, w, h):
        return not any(x0 < bx + bw and bx < x0 + w and y0 < by + bh and by < y0 + h
                       for bx, by, bw, bh in placed + obstacles)

    def place_label(text, candidates, colour):
        """The first point along the edge where the label overlaps no box and no other label."""
        w, h = len(text) * LABEL_CHAR_W + 4, LABEL_FONT + 2
        for lx, ly in candidates:
            if free(lx - w / 2, ly - h / 2, w, h):
                break
        else:
            lx, ly = candidates[0]
        placed.append((lx - w / 2, ly - h / 2, w, h))
        label_svg.append(f'<text x="{lx:.1f}" y="{ly + 3.5:.1f}" text-anchor="middle" font-size="{LABEL_FONT}" '
                         f'fill="{colour}" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(text)}</text>')

    def bezier(p0, p1, t):
        (x0, y0), (x1, y1) = p0, p1
        b = (x1 - x0) / 2
        c0, c1 = (x0 + b, y0), (x1 - b, y1)
        u = 1 - t
        return (u ** 3 * x0 + 3 * u * u * t * c0[0] + 3 * u * t * t * c1[0] + t ** 3 * x1,
                u ** 3 * y0 + 3 * u * u * t * c0[1] + 3 * u * t * t * c1[1] + t ** 3 * y1)

    for number, edge in enumerate(graph.edges):
        colour = EDGE_COLOUR[edge.kind]
        dash = ' stroke-dasharray="5,4"' if edge.kind in ("against", "rejected") else ""
        text = ", ".join(sorted(edge.rules))
        if number not in routes:  # satellite arc between muscles of one column
            sx, sy, sw, sh = box[edge.source]
            tx, ty, tw, th = box[edge.target]
            x1, y1, x2, y2 = sx + sw, sy + sh / 2, tx + tw, ty + th / 2
            reach = max(x1, x2) + 30 + abs(y2 - y1) * 0.15
            out.append(f'<path class="edge satellite" d="M{x1:.1f},{y1:.1f} C{reach:.1f},{y1:.1f} {reach:.1f},{y2:.1f} '
                       f'{x2 + 2:.1f},{y2:.1f}" fill="none" stroke="{colour}" stroke-width="2.5" '
                       f'marker-end="url(#{prefix}-arrow-{edge.kind})"/>')
            mid = (y1 + y2) / 2
            place_label(text, [(reach + 8 + len(text) * 2.8, mid + dy) for dy in (0, -12, 12, -24, 24)], colour)
            continue
        route = routes[number]
        points = []
        for index, node_id in enumerate(route):
            bx, by, bw, bh = box[node_id]
            if index == 0:
                points.append(((bx + bw, port_out[number]), None))
            elif index == len(route) - 1:
                points.append(((bx, port_in[number]), None))
            else:
                left, right = column_x[layer_of[node_id]]
                points.append(((left, by + bh / 2), (right, by + bh / 2)))
        d = f"M{points[0][0][0]:.1f},{points[0][0][1]:.1f}"
        previous = points[0][0]
        for entry, leave in points[1:]:
            bend = (entry[0] - previous[0]) / 2
            d += (f" C{previous[0] + bend:.1f},{previous[1]:.1f} {entry[0] - bend:.1f},{entry[1]:.1f} "
                  f"{entry[0]:.1f},{entry[1]:.1f}")
            if leave is not None:
                d += f" L{leave[0]:.1f},{leave[1]:.1f}"
                previous = leave
            else:
                previous = entry
        out.append(f'<path class="edge {edge.kind}" d="{d}" fill="none" stroke="{colour}" stroke-width="1.3"{dash} '
                   f'marker-end="url(#{prefix}-arrow-{edge.kind})"/>')
        start, first = points[0][0], points[1][0]
        place_label(text, [bezier(start, first, t) for t in (0.5, 0.62, 0.38, 0.74, 0.26, 0.84, 0.16)], colour)
    for node in graph.nodes.values():
        x0, y0, w, h = box[node.id]
        style = style_of(node)
        rx = 14 if node.kind in ("muscle", "condition") else 4
        classes, clickable = " ".join((node.kind, *node.states)), ""
        if graph.stepped:
            clickable = f' data-target="{node.target}"' + (f' data-flip="{node.flip}"' if node.flip else "") \
                + ' tabindex="0"'
        out.append(f'<g class="node {classes}" id="{prefix}-{node.id}" data-node="{node.id}" '
                   f'data-column="{COLUMN[node.kind]}"{clickable}><rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" '
                   f'height="{h:.1f}" rx="{rx}" fill="{style["fill"]}" stroke="{style["stroke"]}" stroke-width="1.3"/>')
        for index, line in enumerate(node.lines):
            weight = ' font-weight="bold"' if index == 0 and node.kind != "finding" else ""
            out.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 + PAD + LINE_H * (index + 0.78):.1f}" text-anchor="middle" '
                       f'font-size="{NODE_FONT}" fill="{style.get("color", "#222")}"{weight}>{escape(line)}</text>')
        out.append("</g>")
    out.extend(label_svg)
    out.append("</svg>")
    return "\n".join(out)
