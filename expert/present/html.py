"""The report as one self-contained HTML page (``diagnose --format html``).

No script, no network, no external asset: styles and both SVG figures (body
chart, derivation graph) are inline, and a Content-Security-Policy forbids
anything else. Every piece of text is escaped with html.escape. The chart,
the graph and the trace table are built from the structured trace.
"""
from __future__ import annotations

from myotrace.expert.present import safe
from myotrace.expert.present.bodychart import body_chart
from myotrace.expert.present.references import bibliography, source_text, trace_sources
from myotrace.expert.present.text import fact_brief
from myotrace.expert.teach.graph import build_graph, to_svg
from myotrace.expert.present.render import TRIAGE_HEADLINE
from myotrace.expert.report import Report
from myotrace.facts.vocabulary import label

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
TRIAGE_COLOURS = {
    "emergency": ("#b71c1c", "#fff"), "urgent_referral": ("#e65100", "#fff"),
    "refer_nerve": ("#f9a825", "#111"), "treat": ("#2e7d32", "#fff"),
    "insufficient_evidence": ("#9e9e9e", "#111"),
}
STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#f4f4f1}
main{max-width:1150px;margin:0 auto;padding:12px 20px 40px}
section.case{background:#fff;border:1px solid #ddd;border-radius:8px;padding:0 20px 20px;margin:18px 0}
.banner{margin:0 -20px 14px;padding:14px 20px;border-radius:8px 8px 0 0}
.banner h1{margin:0;font-size:22px}.banner p{margin:4px 0 0}
h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #e3e3e3;padding-bottom:3px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f0ec}td.num{text-align:right;white-space:nowrap}
tr.unsupported td{color:#777}
.for{color:#1b5e20}.against{color:#b71c1c}
figure{margin:0}figure svg{width:100%;height:auto;display:block}
figcaption{font-size:13px;color:#555}
.graph{overflow-x:auto}.graph svg{min-width:900px}
.notes{white-space:pre-wrap;background:#fafaf5;border-left:3px solid #ccc;padding:6px 10px}
.trace td:nth-child(1){white-space:nowrap}.trace .src{color:#666;font-size:12px}
.trace ul{margin:0;padding-left:16px}.stage{font-variant:small-caps;color:#555}
"""


def e(value) -> str:
    """Escaped for HTML text or an attribute; control characters shown as escapes (safe.html)."""
    return safe.html(value)


def _items(lines, ordered=False) -> str:
    if not lines:
        return "<p>—</p>"
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{e(line)}</li>" for line in lines) + f"</{tag}>"


def chain_links(trace, chain) -> list[tuple[str, str]]:
    """The (key, satellite) links of the chain, as SAT-001 declared them."""
    members = set(chain)
    links = []
    for firing in trace:
        for fact in firing.declared:
            if fact["type"] == "ChainLink" and fact["key"] in members and fact["satellite"] in members:
                links.append((fact["key"], fact["satellite"]))
    return links


def case_section(report: Report, trace, pain, notes: str | None = None) -> str:
    """One case: banner, chart, graph, evidence, protocol and trace."""
    background, colour = TRIAGE_COLOURS[report.triage]
    out = [f'<section class="case" id="case-{e(report.case)}">',
           f'<header class="banner triage-{e(report.triage)}" style="background:{background};color:{colour}">'
           f"<h1>{e(TRIAGE_HEADLINE[report.triage])}</h1>"
           f"<p>case: <strong>{e(report.case)}</strong>"
           + (f" · side: {e(report.side)}" if report.side else "") + "</p></header>"]
    if report.advice:
        out.append(_items(report.advice))
    facts = []
    if report.red_flags:
        facts.append(("Red flags", ", ".join(label(f) for f in report.red_flags)))
    if report.conditions:
        facts.append(("Conditions", ", ".join(label(c) for c in report.conditions)))
    facts.append(("Primary muscle", label(report.primary_muscle) if report.primary_muscle else "none"))
    if report.chain:
        facts.append(("Chain", " → ".join(label(m) for m in report.chain)))
    out.append("<table class='summary'>" + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
               + "</table>")

    note = "" if report.chain else f"No chain is marked: the triage is {label(report.triage)}."
    out.append("<h2>Body chart</h2><figure>"
               + body_chart(pain, report.chain, chain_links(trace, report.chain), report.side, note)
               + "<figcaption>Shaded: the patient's pain map. Dots: trigger points of the chain, numbered in "
                 "treatment order; arrows run from each key muscle to its satellites.</figcaption></figure>")

    out.append("<h2>Evidence for and against</h2>")
    if report.candidates:
        out.append("<table class='evidence'><tr><th>muscle</th><th>certainty</th><th>for</th><th>against</th></tr>")
        for c in report.candidates:
            row_class = "" if c.supported else " class='unsupported'"
            out.append(f"<tr{row_class}><td>{e(label(c.muscle))}{'' if c.supported else ' (not supported)'}</td>"
                       f"<td class='num'>{c.certainty:.2f}</td>"
                       f"<td class='for'>{_items(c.for_) if c.for_ else ''}</td>"
                       f"<td class='against'>{_items(c.against) if c.against else ''}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No muscle has any evidence yet.</p>")

    out.append("<h2>Derivation</h2><figure class='graph'>" + to_svg(build_graph(trace))
               + "<figcaption>From the findings through the muscle hypotheses and satellite edges to the chain, "
                 "the conditions, the triage and the protocol; each arrow names the rule that fired.</figcaption>"
                 "</figure>")

    if report.corrections:
        out.append("<h2>Myths corrected</h2>" + _items(report.corrections))
    out.append("<h2>Protocol</h2>" + _items(report.protocol.steps, ordered=True))
    if report.protocol.home_care:
        out.append("<h3>Home care</h3>" + _items(report.protocol.home_care))
    if report.protocol.avoid:
        out.append("<h3>Avoid</h3>" + _items(report.protocol.avoid))
    if report.perpetuating_factors:
        out.append("<h2>Perpetuating factors</h2>" + _items(report.perpetuating_factors))
    if report.open_questions:
        out.append("<h2>Open questions</h2>" + _items(report.open_questions))
    if notes:
        out.append(f"<h2>Notes</h2><div class='notes'>{safe.html(notes, multiline=True)}</div>")
    out.append(references_section(trace))
    out.append(trace_table(trace))
    out.append("</section>")
    return "\n".join(out)


def references_section(trace) -> str:
    """The works this report rests on (its rules and knowledge items), numbered; addresses as text."""
    entries = bibliography(trace_sources(trace))
    if not entries:
        return "<h2>References</h2><p>—</p>"
    return ("<h2>References</h2><ol class='references'>"
            + "".join(f"<li id='ref-{e(key)}'>{e(text)}</li>" for _number, key, text in entries) + "</ol>")


def trace_table(trace) -> str:
    out = [f"<h2>Trace ({len(trace)} rule firings)</h2>",
           "<table class='trace'><tr><th>#</th><th>rule</th><th>statement and source</th>"
           "<th>matched</th><th>declared</th><th>certainty</th></tr>"]
    for firing in trace:
        certainty = "<br>".join(f"{e(label(c['muscle']))}: {c['before']:.2f} → {c['after']:.2f}"
                                for c in firing.certainty)
        out.append(
            f"<tr><td>{firing.number}</td><td>{e(firing.rule)}<br><span class='stage'>{e(firing.stage)}</span></td>"
            f"<td>{e(firing.statement)}<br><span class='src'>{e(source_text(firing.source))}</span></td>"
            f"<td>{_facts(firing.matched)}</td><td>{_facts(firing.declared)}</td><td>{certainty}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _facts(facts) -> str:
    if not facts:
        return ""
    return "<ul>" + "".join(f"<li>{e(fact['fact'])} {e(fact_brief(fact))}</li>" for fact in facts) + "</ul>"


def document_head(title: str = "myotrace report") -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(title)}</title><style>{STYLE}</style></head>\n<body><main>\n")


DOCUMENT_TAIL = "\n</main></body></html>\n"


def document(sections: list[str], title: str = "myotrace report") -> str:
    return document_head(title) + "\n".join(sections) + DOCUMENT_TAIL


def page(report: Report, engine, case) -> tuple:
    """What one case's section needs, taken from the engine before it is reset."""
    return report, list(engine.trace), list(case.pain), case.notes


def page_title(case_ids) -> str:
    return "myotrace: " + ", ".join(case_ids)


def render_html(cases) -> str:
    """cases: (report, trace, pain regions, notes) tuples, one section each."""
    sections = [case_section(report, trace, pain, notes) for report, trace, pain, notes in cases]
    return document(sections, page_title(report.case for report, *_ in cases))


def stream_html(cases, title: str, write) -> None:
    """The same page as ``render_html``, written one section at a time as ``cases`` yields them.

    Memory stays flat however many cases there are: each case's trace is dropped
    once its section is written.
    """
    write(document_head(title))
    for index, (report, trace, pain, notes) in enumerate(cases):
        write(("\n" if index else "") + case_section(report, trace, pain, notes))
    write(DOCUMENT_TAIL)
