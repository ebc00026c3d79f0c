"""The derivation graph, built from the structured trace (never from log text).

Findings, the pain map and palpations feed the muscle hypotheses (REF rules);
satellite edges link key muscles to their satellites (SAT-001); the chain
root becomes the primary muscle (SAT-003); from there the conditions, the
myths corrected, the triage and the protocol. Rendered here as Mermaid or
Graphviz DOT; ``graphsvg`` draws it as a self-contained SVG (the HTML report,
the teaching room's stepper, lit to one firing by ``lit_graph``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

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
    stepped: bool = False  # drawn at one firing of the run (``lit_graph``): nodes carry states and click targets

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
    traced = build_graph(trace[:upto]) if upto else None
    partial = {} if not upto else (build_graph(trace, findings=findings) if upto == len(trace) else traced).nodes
    drawn = set(traced.nodes) if upto else set()
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


def style_of(node: Node) -> dict[str, str]:
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
        style = style_of(node)
        text = "\\n".join(_dot_text(line) for line in node.lines)
        out.append(f'    {node.id} [label="{text}", shape={DOT_SHAPE[node.kind]}, '
                   f'fillcolor="{style["fill"]}", color="{style["stroke"]}"];')
    for edge in graph.edges:
        out.append(f'    {edge.source} -> {edge.target} [label="{_dot_text(", ".join(edge.rules))}"'
                   f'{DOT_EDGE[edge.kind]}];')
    out.append("}")
    return "\n".join(out) + "\n"
