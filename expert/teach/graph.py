"""The derivation graph, built from the structured trace (never from log text).

Findings, the pain map and palpations feed the muscle hypotheses (REF rules);
satellite edges link key muscles to their satellites (SAT-001); the chain
root becomes the primary muscle (SAT-003); from there the conditions, the
myths corrected, the triage and the protocol. Rendered as Mermaid, Graphviz
DOT, or a self-contained SVG (for the HTML report).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from itertools import pairwise

from myotrace.facts.vocabulary import NERVE_SCREEN, OBJECTIVE_NERVE_SIGNS, RED_FLAGS, SCREENS, SOFT_NERVE_SIGNS, label


@dataclass
class Node:
    id: str
    lines: list[str]
    kind: str  # finding | muscle | chain | redflag | nerve | condition | correction | triage | protocol
    muted: bool = False  # an unsupported hypothesis, a losing root
    states: tuple[str, ...] = ()  # in a stepped graph: lit | unfired, and declared / matched by the firing shown
    target: str = ""  # in a stepped graph: what a click asks why (not) of: a muscle, condition, "triage"
    flip: str = ""    # in a stepped graph: the what-if a click on a finding asks, ``finding=value``


@dataclass
class Edge:
    source: str
    target: str
    rules: list[str]
    kind: str = "derives"  # derives | for | against | satellite | rejected


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)  # the primary's chain in treatment order (SAT-003)
    stepped: bool = False  # drawn at one firing of the run (``lit``): nodes carry states and click targets

    def node(self, node_id: str, lines: list[str], kind: str, muted: bool = False) -> str:
        if node_id not in self.nodes:
            self.nodes[node_id] = Node(node_id, lines, kind, muted)
        return node_id

    def edge(self, source: str | None, target: str, rule: str, kind: str = "derives") -> None:
        if source is None or source == target:
            return
        for edge in self.edges:
            if (edge.source, edge.target, edge.kind) == (source, target, kind):
                if rule not in edge.rules:
                    edge.rules.append(rule)
                return
        self.edges.append(Edge(source, target, [rule], kind))


PROTOCOL_NAMES = {"step": "steps", "home_care": "home care", "avoid": "avoid",
                  "referral": "referral advice", "safety_net": "safety net", "factor": "perpetuating factors"}


def _value(value) -> str:
    return {True: "yes", False: "no"}.get(value, str(value))


class _Builder:
    """Maps trace facts to graph nodes, one firing at a time."""

    def __init__(self):
        self.graph = Graph()
        self.votes: list[tuple[str, str, list[str]]] = []  # (level, rule, source node ids)
        self.roots: list[str] = []
        self.protocol_counts: dict[str, int] = {}
        self.condition_cf: dict[str, float] = {}

    # --- nodes for facts a rule matched -------------------------------------
    def source(self, fact: dict) -> str | None:
        kind = fact["type"]
        g = self.graph
        if kind == "Finding":
            return g.node(f"finding_{fact['id']}", [label(fact["id"]), f"= {_value(fact['value'])}"], "finding")
        if kind == "PainMap":
            regions = [label(r) for r in fact["regions"]]
            return g.node("pain", ["pain map"] + _wrap(", ".join(regions), 24), "finding")
        if kind == "Palpation":
            verdict = "reproduces the pain" if fact["reproduces"] else "does not reproduce it"
            return g.node(f"palp_{fact['muscle']}", [f"palpation: {label(fact['muscle'])}", verdict], "finding")
        if kind in ("Hypothesis", "Evidence", "Root"):
            return self.muscle(fact["muscle"])
        if kind == "ChainLink":
            return self.muscle(fact["satellite"])
        if kind == "Primary":
            return "chain" if "chain" in g.nodes else None
        if kind == "Undecided":
            return "undecided" if "undecided" in g.nodes else None
        if kind == "RedFlag":
            return g.node(f"redflag_{fact['id']}", ["red flag", label(fact["id"])], "redflag")
        if kind == "NerveInvolvement":
            return g.node("nerve", ["nerve involvement", ", ".join(label(s) for s in fact["signs"])], "nerve")
        if kind == "Screen":
            return self.screen(fact["group"], list(fact["missing"]), fact["negative"])
        if kind == "Condition":
            return self.condition(fact)
        if kind == "Triage":
            return self.triage(fact["level"])
        return None  # knowledge-base facts (SatelliteEdge, InitialFact), votes, questions

    def muscle(self, muscle: str) -> str:
        return self.graph.node(f"m_{muscle}", [label(muscle), "cf ?"], "muscle")

    def screen(self, group: str, missing: list[str], negative: bool) -> str:
        """A screen as the safety stage reads it: complete (negative or not), or the items never
        answered yes or no, which are not negatives (a sign never examined rules nothing out)."""
        title, items = ("red-flag screen", RED_FLAGS) if group == "red_flags" else ("nerve screen", NERVE_SCREEN)
        if not missing:
            lines = [title, "complete, none present" if negative else "complete"]
        elif len(missing) == len(items):
            lines = [title, f"not screened ({len(items)} items)"]
        else:
            lines = [title, f"not screened ({len(missing)} of {len(items)}):"] + _wrap(
                ", ".join(label(item) for item in missing), 26)
        return self.graph.node(f"screen_{group}", lines, "redflag" if group == "red_flags" else "nerve",
                               muted=not missing)

    def condition(self, fact: dict) -> str:
        node_id = f"cond_{fact['id']}"
        best = max(self.condition_cf.get(node_id, fact["cf"]), fact["cf"])
        self.condition_cf[node_id] = best
        self.graph.node(node_id, ["condition", label(fact["id"]), ""], "condition")
        self.graph.nodes[node_id].lines[-1] = f"cf {best:.2f}"
        return node_id

    def triage(self, level: str) -> str:
        return self.graph.node("triage", ["triage", label(level)], "triage")

    def protocol(self, kind: str) -> str:
        self.protocol_counts[kind] = self.protocol_counts.get(kind, 0) + 1
        return self.graph.node("protocol", ["protocol"], "protocol")

    # --- one firing -----------------------------------------------------------
    def add(self, firing) -> None:
        rule = firing.rule
        sources = [s for s in (self.source(f) for f in firing.matched) if s is not None]
        g = self.graph
        for fact in firing.declared:
            kind = fact["type"]
            if kind == "Evidence":
                target = self.muscle(fact["muscle"])
                cf = fact["cf"]
                for s in sources:
                    g.edge(s, target, f"{rule} {cf:+.2f}", "for" if cf >= 0 else "against")
                running = next((c["after"] for c in firing.certainty if c["muscle"] == fact["muscle"]), None)
                if running is not None:  # the certainty so far, until the evidence is weighed (REF-005)
                    g.nodes[target].lines[1] = f"cf {running:.2f} so far"
            elif kind == "Hypothesis":
                node = g.nodes[self.muscle(fact["muscle"])]
                node.lines[1] = f"cf {fact['cf']:.2f}" + ("" if fact["supported"] else " (not supported)")
                node.muted = not fact["supported"]
            elif kind == "ChainLink":
                g.edge(self.muscle(fact["key"]), self.muscle(fact["satellite"]), f"{rule} satellite", "satellite")
            elif kind == "Root":
                self.roots.append(fact["muscle"])
            elif kind == "Primary":
                g.chain = list(fact["chain"])
                g.node("chain", ["primary: " + label(fact["muscle"]), "chain:"]
                       + _wrap(" → ".join(label(m) for m in g.chain), 26), "chain")
                g.edge(self.muscle(fact["muscle"]), "chain", rule)
                for muscle in self.roots:
                    if muscle != fact["muscle"]:
                        g.edge(self.muscle(muscle), "chain", f"{rule} trails", "rejected")
            elif kind == "Undecided":
                g.node("undecided", ["undecided between"] + [label(m) for m in fact["between"]], "chain")
                for muscle in fact["between"]:
                    g.edge(self.muscle(muscle), "undecided", rule)
            elif kind in ("RedFlag", "NerveInvolvement", "Condition"):
                target = self.source(fact)
                for s in sources:
                    g.edge(s, target, rule)
            elif kind == "TriageVote":
                self.votes.append((fact["level"], rule, sources))
            elif kind == "Triage":
                target = self.triage(fact["level"])
                for level, vote_rule, vote_sources in self.votes:
                    lost = level != fact["level"]
                    for s in vote_sources:
                        g.edge(s, target, f"{vote_rule} {label(level)}" if lost else vote_rule,
                               "rejected" if lost else "derives")
                if not any(v[2] for v in self.votes):
                    g.nodes[target].lines.append("(no decisive finding)")
            elif kind == "Correction":
                target = g.node(f"corr_{fact['id']}", ["myth corrected"] + _wrap(label(fact["id"]), 24), "correction")
                for s in sources:
                    g.edge(s, target, rule)
            elif kind in ("Advice", "Factor"):
                target = self.protocol(fact.get("kind", "factor") if kind == "Advice" else "factor")
                for s in sources:
                    g.edge(s, target, rule)
            # Question facts are what to ask next, not part of the derivation.

    def finish(self) -> Graph:
        protocol = self.graph.nodes.get("protocol")
        if protocol is not None:
            protocol.lines = ["protocol"] + [f"{n} {PROTOCOL_NAMES.get(k, k)}"
                                             for k, n in self.protocol_counts.items()]
        return self.graph


NERVE_EXAMINATION = OBJECTIVE_NERVE_SIGNS + SOFT_NERVE_SIGNS


def build_graph(trace, secondary_chains=(), findings=None) -> Graph:
    """The derivation graph of a run, from its list of Firing records.

    ``secondary_chains`` (the report's) become nodes beside the primary's chain, each fed by its
    members and feeding the protocol. With the case's ``findings``, two things no rule fires on are
    drawn too: nerve signs examined and absent, into a muted "nerve involvement: not found" node on
    grey edges, since a normal neurological examination is what rules the nerve out; and the two
    screens as the triage read them (``_screens``): a "not screened" node for items never answered
    yes or no, since a sign never examined is not a negative one.
    """
    builder = _Builder()
    for firing in trace:
        builder.add(firing)
    graph = builder.finish()
    if findings is not None and "nerve" not in graph.nodes:
        absent = [f for f in NERVE_EXAMINATION if findings.get(f) is False]
        if absent:
            graph.node("nerve", ["nerve involvement", "not found"], "nerve", muted=True)
            for finding in absent:
                node = builder.source({"type": "Finding", "id": finding, "value": False})
                graph.edge(node, "nerve", "no nerve rule fired", "rejected")
    if findings is not None:
        _screens(builder, trace, findings)
    for number, chain in enumerate(secondary_chains, 1):
        node_id = f"secondary_{number}"
        graph.node(node_id, [f"secondary chain {number}: " + label(chain[0])]
                   + _wrap(" → ".join(label(m) for m in chain), 26), "chain")
        for muscle in chain:
            graph.edge(builder.muscle(muscle), node_id, "secondary chain")
        if "protocol" in graph.nodes:
            graph.edge(node_id, "protocol", "treated after the primary's chain")
    return graph


def _screens(builder: _Builder, trace, findings: dict) -> None:
    """The red-flag and nerve screens as the triage read them (the safety rules count their items
    rather than match them). A screen with items never answered yes or no feeds the triage on the
    rules that voted screen first, or on a grey edge when the triage was decided otherwise; under a
    treat triage a complete screen feeds it on the rules that voted treat; the nerve signs examined
    and negative feed a complete nerve screen (on which pseudo-sciatica is concluded)."""
    graph = builder.graph
    levels = [d["level"] for f in trace for d in f.declared if d["type"] == "Triage"]
    triage = levels[-1] if levels else None
    voted = {level: [f.rule for f in trace if any(d["type"] == "TriageVote" and d["level"] == level
                                                  for d in f.declared)] for level in ("screen_first", "treat")}
    for group, items in SCREENS.items():
        missing = [item for item in items if findings.get(item) not in (True, False)]
        if missing:
            node = builder.screen(group, missing, False)
            for rule in voted["screen_first"] if triage == "screen_first" else ():
                graph.edge(node, "triage", rule)
            if triage is not None and triage != "screen_first":
                graph.edge(node, "triage", "not screened", "rejected")
            continue
        negative = not any(findings.get(item) is True for item in items)
        if triage == "treat" or f"screen_{group}" in graph.nodes:
            node = builder.screen(group, [], negative)
            for rule in voted["treat"] if triage == "treat" else ():
                graph.edge(node, "triage", rule)
        if group == "nerve" and negative and "screen_nerve" in graph.nodes:
            for item in items:
                graph.edge(builder.source({"type": "Finding", "id": item, "value": False}), "screen_nerve",
                           "examined: no")


def lit_graph(trace, upto: int, findings=None) -> Graph:
    """The whole run's graph as it stands after firing ``upto`` (0: before the first), for stepping.

    Every node of the run is drawn, so nothing moves while stepping; each is ``lit`` once a firing so
    far drew it (else ``unfired``), ``declared`` when the firing shown drew it and ``matched`` when
    that firing matched it. A node's text is its state then: a conclusion not drawn yet reads "?".
    The examined negatives (``findings``) no firing declares are lit at the end of the run."""
    full = build_graph(trace, findings=findings)
    full.stepped = True
    partial = build_graph(trace[:upto], findings=findings if upto == len(trace) else None).nodes if upto else {}
    drawn = set(build_graph(trace[:upto]).nodes) if upto else set()
    before = set(build_graph(trace[:upto - 1]).nodes) if upto > 1 else set()
    matched = set()
    if upto:
        builder = _Builder()
        matched = {builder.source(fact) for fact in trace[upto - 1].matched} - {None}
    for node in full.nodes.values():
        node.lines = _state_lines(node, partial.get(node.id))
        node.states = (("lit" if node.id in partial else "unfired",)
                       + (("declared",) if node.id in drawn - before else ())
                       + (("matched",) if node.id in matched else ()))
        node.target, node.flip = _click(node, findings or {})
    return full


def _state_lines(node: Node, shown: Node | None) -> list[str]:
    """A node's text as it stands at a firing: ``shown``'s lines, or its name with "?" for a
    conclusion not drawn yet. The box keeps its end-of-run size, so nothing moves while stepping."""
    if shown is not None:
        lines = list(shown.lines)
    else:
        lines = [node.lines[0]] + ["?" if node.kind in ("muscle", "condition", "triage", "chain") else line
                                   for line in node.lines[1:]]
    lines += [""] * (len(node.lines) - len(lines))
    width = max(len(line) for line in node.lines)
    if max(len(line) for line in lines) < width:
        lines[0] = lines[0].ljust(width)
    return lines


def _click(node: Node, findings: dict) -> tuple[str, str]:
    """What clicking a node of a stepped graph opens: (why-not target, what-if flip ``finding=value``)."""
    if node.id.startswith("m_"):
        return node.id[2:], ""
    if node.id.startswith("cond_"):
        return node.id[5:], ""
    if node.id.startswith("finding_"):
        finding = node.id[8:]
        return "finding:" + finding, f"{finding}={'false' if findings.get(finding) is True else 'true'}"
    return ("triage", "") if node.id == "triage" else ("", "")


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return lines + ([current] if current else [])


# ---- Mermaid and DOT ----------------------------------------------------------
MERMAID_SHAPE = {
    "finding": ('["', '"]'), "muscle": ('("', '")'), "chain": ('[["', '"]]'),
    "redflag": ('{{"', '"}}'), "nerve": ('{{"', '"}}'), "condition": ('(["', '"])'),
    "correction": ('>"', '"]'), "triage": ('[/"', '"/]'), "protocol": ('[("', '")]'),
}
MERMAID_ARROW = {"derives": "-->", "for": "-->", "against": "-.->", "satellite": "==>", "rejected": "-.->"}
CLASS_STYLE = {
    "finding": "fill:#eef3fb,stroke:#5b7db1", "muscle": "fill:#fff5e0,stroke:#c98a1b",
    "muted": "fill:#f2f2f2,stroke:#aaaaaa,color:#777777", "chain": "fill:#e3f4e3,stroke:#2e7d32",
    "redflag": "fill:#fde2e2,stroke:#c62828", "nerve": "fill:#fff3cd,stroke:#b38f00",
    "condition": "fill:#ede4f7,stroke:#6a3fa0", "correction": "fill:#f7f0e4,stroke:#8d6e63",
    "triage": "fill:#dfe9f5,stroke:#1f4e8c", "protocol": "fill:#e3f4e3,stroke:#2e7d32",
}


def _style_class(node: Node) -> str:
    return "muted" if node.muted else node.kind


def _style(node: Node) -> dict[str, str]:
    """The node's CLASS_STYLE as {fill, stroke[, color]}."""
    return dict(part.split(":") for part in CLASS_STYLE[_style_class(node)].split(","))


def _mermaid_text(text: str) -> str:
    return escape(text, quote=True).replace("&quot;", "#quot;").replace("&#x27;", "'")


def to_mermaid(graph: Graph) -> str:
    out = ["flowchart LR"]
    for node in graph.nodes.values():
        left, right = MERMAID_SHAPE[node.kind]
        out.append(f"    {node.id}{left}{'<br/>'.join(_mermaid_text(line) for line in node.lines)}{right}")
    for edge in graph.edges:
        text = _mermaid_text(", ".join(edge.rules))
        out.append(f"    {edge.source} {MERMAID_ARROW[edge.kind]}|\"{text}\"| {edge.target}")
    for kind, style in CLASS_STYLE.items():
        out.append(f"    classDef {kind} {style}")
    for node in graph.nodes.values():
        out.append(f"    class {node.id} {_style_class(node)}")
    return "\n".join(out) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


DOT_SHAPE = {"finding": "box", "muscle": "ellipse", "chain": "box3d", "redflag": "octagon",
             "nerve": "octagon", "condition": "oval", "correction": "note", "triage": "parallelogram",
             "protocol": "folder"}
DOT_EDGE = {"derives": "", "for": "", "against": ', style=dashed, color="#c62828"',
            "satellite": ', penwidth=2.5, color="#c98a1b"', "rejected": ', style=dotted, color="#888888"'}


def to_dot(graph: Graph) -> str:
    out = ["digraph derivation {", "    rankdir=LR;",
           '    node [fontname="Helvetica", fontsize=10, style=filled];',
           '    edge [fontname="Helvetica", fontsize=9];']
    for node in graph.nodes.values():
        style = _style(node)
        text = "\\n".join(_dot_text(line) for line in node.lines)
        out.append(f'    {node.id} [label="{text}", shape={DOT_SHAPE[node.kind]}, '
                   f'fillcolor="{style["fill"]}", color="{style["stroke"]}"];')
    for edge in graph.edges:
        out.append(f'    {edge.source} -> {edge.target} [label="{_dot_text(", ".join(edge.rules))}"'
                   f'{DOT_EDGE[edge.kind]}];')
    out.append("}")
    return "\n".join(out) + "\n"


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
        style = _style(node)
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
