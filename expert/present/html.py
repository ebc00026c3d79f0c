"""The report as one self-contained HTML page (``diagnose --format html``).

No script, no network, no external asset: styles and the SVG figures (body
chart views, derivation graph) are inline, and a Content-Security-Policy
forbids anything else. Every piece of text is escaped (present/safe.py: control
characters shown as escapes). The
chart, the graph and the trace table are built from the structured trace.

Reading order of one case: the triage headline, then the report's sections
in the order present/sections.py decides (for a red flag, the referral and
its reasons and nothing that reads as a treatment; otherwise the case as
given, the conclusion with the body chart, the evidence, the protocol and the
derivation graph, its own page in print); the full trace stays on screen
only. ``case_section(page, index)`` is one case, so a page of many cases can
be written case by case; ``index`` makes every id in it unique.
"""
from __future__ import annotations

from dataclasses import dataclass

from myotrace.expert.present import safe
from myotrace.expert.present.bodychart import body_chart
from myotrace.expert.present.references import bibliography, source_text, trace_sources
from myotrace.expert.present.sections import CASE, CHART, DERIVATION, EVIDENCE, QUESTIONS, Section, report_sections
from myotrace.expert.present.summary import case_summary
from myotrace.expert.present.text import fact_brief
from myotrace.expert.report import Report
from myotrace.expert.teach.graph import build_graph
from myotrace.expert.teach.graphsvg import to_svg
from myotrace.facts.vocabulary import label

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
TRIAGE_COLOURS = {
    "emergency": ("#b71c1c", "#fff"), "urgent_referral": ("#e65100", "#fff"),
    "refer_nerve": ("#f9a825", "#111"), "screen_first": ("#fdd835", "#111"), "treat": ("#2e7d32", "#fff"),
    "insufficient_evidence": ("#9e9e9e", "#111"),
}

STYLE = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#f4f4f1}
main{max-width:1150px;margin:0 auto;padding:12px 20px 40px}
.case li,.case dd,.case p{overflow-wrap:anywhere}
ol.references{font-size:13px;color:#444}
section.case{background:#fff;border:1px solid #ddd;border-radius:8px;padding:0 20px 20px;margin:18px 0}
.banner{margin:0 -20px 14px;padding:14px 20px;border-radius:8px 8px 0 0}
.banner h1{margin:0;font-size:22px}.banner p{margin:4px 0 0}
.banner .screen{font-weight:600}
h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #e3e3e3;padding-bottom:3px}
h3{font-size:15px;margin:14px 0 4px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
dl.summary dt{font-weight:600}dl.summary dd{margin:0}
.table-box{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f0ec;white-space:nowrap}td.num{text-align:right;white-space:nowrap}
tr.unsupported td{color:#777}
.for{color:#1b5e20}.against{color:#b71c1c}
td ul{margin:0;padding-left:16px}
figure{margin:0}
figcaption{font-size:13px;color:#555}
.views{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:flex-end}
.views svg{flex:0 1 230px;min-width:0;max-width:260px;height:auto;display:block}
.chart-legend{font-size:13px;color:#444}
.chart-legend .key{display:inline-block;width:16px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
.key.pain{background:#ec7a77}.key.zone{background:repeating-linear-gradient(45deg,#6a1b9a 0 2px,transparent 2px 5px)}
.key.referral{border-top:2px solid #6a1b9a;height:0}.key.satellite{border-top:3px solid #e65100;height:0}
.tp-list{margin:4px 0;padding-left:24px;columns:2 220px}
.graph-box{overflow:auto;max-width:100%;border:1px solid #eee;max-height:80vh}
.graph-box svg{display:block;max-width:none}
.notes{white-space:pre-wrap;background:#fafaf5;border-left:3px solid #ccc;padding:6px 10px}
.referral-advice{font-size:16px}
.trace td:nth-child(1){white-space:nowrap}.trace .src{color:#666;font-size:12px}
.stage{font-variant:small-caps;color:#555}
details.trace-box>summary{cursor:pointer;font-weight:600;margin:18px 0 6px}
@media (max-width:640px){
 body{font-size:15px}
 main{padding:6px 8px 24px}
 section.case{padding:0 10px 14px;margin:10px 0}
 .banner{margin:0 -10px 12px;padding:12px 10px}
 .banner h1{font-size:19px}
 dl.summary{grid-template-columns:1fr}dl.summary dd{margin:0 0 6px}
 .views svg{flex:1 1 150px;max-width:48%}
 table{font-size:12px}
}
@page{size:A4;margin:10mm 11mm}
@page graph{size:A4 landscape;margin:10mm}
@media print{
 body{background:#fff;font-size:9.5pt;line-height:1.28}
 main{max-width:none;padding:0}
 section.case{border:0;border-radius:0;padding:0;margin:0}
 section.case+section.case{break-before:page}
 ol.references{font-size:6.5pt;line-height:1.15;columns:3;column-gap:5mm;margin:2mm 0 0}
 .banner{margin:0 0 8px;padding:6px 10px;border-radius:0;print-color-adjust:exact;-webkit-print-color-adjust:exact}
 .banner h1{font-size:16px}
 h2{font-size:12.5pt;margin:10px 0 4px;break-after:avoid}
 h3{font-size:11pt;margin:6px 0 2px}
 ul,ol{margin:2px 0;padding-left:18px}
 table{font-size:8.5pt}th,td{padding:2px 4px}
 .views{flex-wrap:nowrap;gap:4px}
 .views svg{flex:1 1 0;max-height:6.6cm;width:auto}
 td ul{padding:0;list-style:none}td li{display:inline}td li+li::before{content:" · "}
 ul.questions{columns:2;column-gap:16px;font-size:7.5pt;line-height:1.2}
 h2.q{font-size:10pt;margin:6px 0 2px}
 table.evidence tr.unsupported{display:none}
 ul.safety-net{columns:2;column-gap:16px;font-size:7.5pt;line-height:1.2}
 .chart-legend,figcaption{font-size:8pt}
 .region.pain,.tp circle,.key{print-color-adjust:exact;-webkit-print-color-adjust:exact}
 figure.chart{break-inside:avoid}
 .graph-page{page:graph;break-before:page}
 .graph-box{overflow:visible;border:0;max-height:none}
 .graph-box svg{width:100%;height:auto;max-height:14.5cm}
 details.trace-box{display:none}
}
"""


def e(value) -> str:
    """Escaped for HTML text or an attribute; control characters shown as escapes (safe.html)."""
    return safe.html(value)


def _items(lines, ordered=False, kind: str = "") -> str:
    if not lines:
        return "<p>—</p>"
    tag = "ol" if ordered else "ul"
    return f"<{tag}{f' class={chr(39)}{kind}{chr(39)}' if kind else ''}>" + "".join(f"<li>{e(line)}</li>" for line in lines) + f"</{tag}>"


def chain_links(trace, chain) -> list[tuple[str, str]]:
    """The (key, satellite) links among the given muscles, as SAT-001 declared them."""
    members = set(chain)
    links = []
    for firing in trace:
        for fact in firing.declared:
            if fact["type"] == "ChainLink" and fact["key"] in members and fact["satellite"] in members:
                links.append((fact["key"], fact["satellite"]))
    return list(dict.fromkeys(links))


@dataclass
class CasePage:
    """What one case's section needs, taken from the engine before it is reset."""
    report: Report
    trace: list
    pain: list
    summary: list          # (heading, sentence) pairs: the case as given
    notes: str | None = None


def page(report: Report, engine, case) -> CasePage:
    return page_of(report, engine.trace, case)


def page_of(report: Report, trace, case) -> CasePage:
    return CasePage(report, list(trace), list(case.pain), case_summary(case), case.notes)


# ---- parts of a section ---------------------------------------------------------------
def banner(report: Report) -> str:
    background, colour = TRIAGE_COLOURS[report.triage]
    line = report.screen_first_line()
    screen = f"<p class='screen'>{e(line)}</p>" if line else ""
    return (f'<header class="banner triage-{e(report.triage)}" style="background:{background};color:{colour}">'
            f"<h1>{e(report.headline)}</h1>"
            f"<p>case: <strong>{e(report.case)}</strong>"
            + (f" · side: {e(report.side)}" if report.side else "") + f"</p>{screen}</header>")


def summary_block(summary, notes: str | None = None) -> str:
    """The case as given; the case file's notes (never interpreted) close it."""
    return ("<h2>Case as given</h2><dl class='summary'>"
            + "".join(f"<dt>{e(heading)}</dt><dd>{e(sentence)}</dd>" for heading, sentence in summary)
            + (f"<dt>Notes</dt><dd class='notes'>{safe.html(notes, multiline=True)}</dd>" if notes else "") + "</dl>")


def chart_block(item: CasePage, index: int) -> str:
    report = item.report
    chains = [report.chain, *report.secondary_chains] if report.chain else list(report.secondary_chains)
    members = [m for chain in chains for m in chain]
    note = report.chain_note
    return ("<h2>Body chart</h2><figure class='chart'>"
            + body_chart(item.pain, chains, chain_links(item.trace, members), report.side,
                         prefix=f"c{index}-chart", note=note)
            + "<figcaption>Shaded: the patient's pain map. Numbered dots: trigger points of the chain in "
              "treatment order, where their referral patterns arise; arrows run from each trigger point to the "
              "painful part of its referral zone, and from each key muscle to its satellite.</figcaption></figure>")


def evidence_block(report: Report, section: Section) -> str:
    if not section.drawn:
        return f"<h2>{e(section.title)}</h2><p>{e(section.note)}</p>"
    out = [f"<h2>{e(section.title)}</h2><div class='table-box'>"
           "<table class='evidence'><tr><th>muscle</th><th>certainty</th><th>for</th><th>against</th></tr>"]
    for c in report.candidates:
        row_class = "" if c.supported else " class='unsupported'"
        out.append(f"<tr{row_class}><td>{e(label(c.muscle))}{'' if c.supported else ' (not supported)'}</td>"
                   f"<td class='num'>{c.certainty:.2f}</td>"
                   f"<td class='for'>{_items(c.for_) if c.for_ else ''}</td>"
                   f"<td class='against'>{_items(c.against) if c.against else ''}</td></tr>")
    out.append("</table></div>")
    return "".join(out)


def graph_block(item: CasePage, index: int, after: str = "") -> str:
    """The derivation graph on a page of its own in print, ``after`` (the references) below it."""
    graph = build_graph(item.trace, item.report.secondary_chains)
    return ("<section class='graph-page'><h2>Derivation</h2><figure class='graph'><div class='graph-box'>"
            + to_svg(graph, prefix=f"c{index}-dg")
            + "</div><figcaption>Read left to right: findings, the muscles they support or count against, the "
              "chain, the triage and conditions, the protocol; each arrow names the rule that fired.</figcaption>"
              "</figure>" + after + "</section>")


def section_block(section: Section, item: CasePage, index: int) -> str:
    """One section of the report's sections, laid out."""
    if section.key == CASE:
        return summary_block(item.summary, item.notes)
    if section.key == CHART:
        return chart_block(item, index)
    if section.key == EVIDENCE:
        return evidence_block(item.report, section)
    if section.key == DERIVATION:
        return graph_block(item, index, after=references_section(item.trace))
    small = section.key in (QUESTIONS, "safety_net")  # printed in two narrow columns
    heading = f"<h2 class='q'>{e(section.title)}</h2>" if small else f"<h2>{e(section.title)}</h2>"
    if not section.lines:
        return heading + f"<p>{e(section.note)}</p>"
    body = _items(section.lines, ordered=section.numbered, kind=section.anchor if small else "")
    return heading + (f"<div class='referral-advice'>{body}</div>" if section.key == "referral" else body)


def case_section(item: CasePage, index: int) -> str:
    """One case: the headline, then the report's sections in their order, then the trace."""
    report = item.report
    out = [f'<section class="case" id="case-{index}" data-case="{e(report.case)}">', banner(report)]
    sections = report_sections(report, item.trace)
    out += [section_block(section, item, index) for section in sections]
    if not any(section.key == DERIVATION for section in sections):
        out.append(references_section(item.trace))
    out.append(trace_table(item.trace))
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
    out = ["<details class='trace-box'>", f"<summary>Trace ({len(trace)} rule firings)</summary>",
           "<div class='table-box'><table class='trace'><tr><th>#</th><th>rule</th><th>statement and source</th>"
           "<th>matched</th><th>declared</th><th>certainty</th></tr>"]
    for firing in trace:
        certainty = "<br>".join(f"{e(label(c['muscle']))}: {c['before']:.2f} → {c['after']:.2f}"
                                for c in firing.certainty)
        out.append(
            f"<tr><td>{firing.number}</td><td>{e(firing.rule)}<br><span class='stage'>{e(firing.stage)}</span></td>"
            f"<td>{e(firing.statement)}<br><span class='src'>{e(source_text(firing.source))}</span></td>"
            f"<td>{_facts(firing.matched)}</td><td>{_facts(firing.declared)}</td><td>{certainty}</td></tr>")
    out.append("</table></div></details>")
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


def page_title(case_ids) -> str:
    return "myotrace: " + ", ".join(case_ids)


def render_html(pages: list[CasePage]) -> str:
    """One page, one section per case."""
    sections = [case_section(item, index) for index, item in enumerate(pages)]
    return document(sections, page_title(item.report.case for item in pages))


def stream_html(pages, title: str, write) -> None:
    """The same page as ``render_html``, written one section at a time as ``pages`` yields them.

    Memory stays flat however many cases there are: each case's trace is dropped
    once its section is written.
    """
    write(document_head(title))
    for index, item in enumerate(pages):
        write(("\n" if index else "") + case_section(item, index))
    write(DOCUMENT_TAIL)
