"""Reports as text (rich) and markdown: both lay out the report's sections (present/sections.py)."""
from myotrace.expert.present import safe
from myotrace.expert.present.sections import CASE, EVIDENCE, chain_text, report_sections
from myotrace.expert.report import Report
from myotrace.expert.trace import fact_text
from myotrace.facts.vocabulary import label

TRIAGE_STYLE = {
    "emergency": "bold white on red", "urgent_referral": "bold white on dark_orange3",
    "refer_nerve": "bold black on yellow", "screen_first": "bold black on gold1", "treat": "bold white on green4",
    "insufficient_evidence": "bold black on grey70",
}


def chain_line(report: Report) -> str:
    """The primary chain in treatment order, each muscle with its certainty."""
    return chain_text(report, report.chain)


def render_markdown(report: Report, case=None, trace=None) -> str:
    """The report as markdown; with the case, its summary stands where the sections place the case;
    with the engine's ``trace``, a referral names the rule that found each red flag."""
    out = [f"# myotrace report: {safe.markdown(report.case)}", "",
           f"**Triage: {report.triage}** — {report.headline}", ""]
    if report.screen_first_line():
        out += [f"**{report.screen_first_line()}**", ""]
    if report.side:
        out += [f"Side: {report.side}", ""]
    for section in report_sections(report, trace):
        if section.key == CASE:
            if case is not None:
                from myotrace.expert.present.summary import summary_markdown
                out += summary_markdown(case)
            elif report.history:
                out += [f"History: {safe.markdown(report.history.summary())}", ""]
            continue
        if section.key == EVIDENCE and section.drawn:
            out += _markdown_candidates(report, section.title)
            continue
        lines = section.lines or ((section.note,) if section.note else ())
        if not lines:
            continue
        out += [f"## {section.title}", ""]
        if section.lines:
            out += [f"{i}. {line}" if section.numbered else f"- {line}" for i, line in enumerate(lines, 1)]
        else:
            out.append(section.note)
        out.append("")
    if report.trace:
        out += ["## Trace", "", "| # | rule | statement | declared |", "|---|---|---|---|"]
        for firing in report.trace:
            declared = "; ".join(fact_text(f) for f in firing["declared"]).replace("|", "\\|")
            out.append(f"| {firing['step']} | {firing['rule']} | {firing['statement']} | {declared} |")
        out.append("")
    return "\n".join(out)


def _markdown_candidates(report: Report, title: str) -> list[str]:
    out = [f"## {title}", "", "| muscle | certainty | for | against |", "|---|---|---|---|"]
    for c in report.candidates:
        mark = "" if c.supported else " (not supported)"
        out.append(f"| {label(c.muscle)}{mark} | {c.certainty:.2f} | {'; '.join(c.for_)} | {'; '.join(c.against)} |")
    return out + [""]


def render_text(report: Report, console, case=None, trace=None) -> None:
    """The report in the terminal, section by section as ``render_markdown`` lays them out."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    headline = report.headline
    if report.screen_first_line():
        headline += "\n" + report.screen_first_line()
    banner = Text(f"{headline}\ncase: ") + safe.terminal(report.case)  # the case id as typed, never markup
    banner.append(f"   side: {report.side}" if report.side else "")
    console.print(Panel(banner, style=TRIAGE_STYLE[report.triage], expand=False))
    for section in report_sections(report, trace):
        if section.key == CASE:
            if case is not None:
                from myotrace.expert.present.summary import with_notes
                console.print(Text(f"\n{section.title}", style="bold"))
                for heading, sentence in with_notes(case):
                    console.print(Text.assemble((f"{heading}: ", "bold"), safe.terminal(sentence)))
            elif report.history:
                console.print(Text("History: ") + safe.terminal(report.history.summary()))
            continue
        if section.key == EVIDENCE and section.drawn:
            table = Table(title=f"\n{section.title} (certainty factor; dim = not supported)",
                          title_justify="left", expand=False)
            table.add_column("muscle")
            table.add_column("cf", justify="right")
            table.add_column("evidence for (+) and against (−)")
            for c in report.candidates:
                lines_ = [f"+ {line}" for line in c.for_] + [f"− {line}" for line in c.against]
                table.add_row(label(c.muscle), f"{c.certainty:.2f}", "\n".join(lines_),
                              style=None if c.supported else "dim")
            console.print(table)
            continue
        if section.drawn:
            continue
        console.print(f"\n[bold]{section.title}[/bold]")
        if not section.lines:
            console.print(Text(section.note))
            continue
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", width=4)
        grid.add_column()
        for i, line in enumerate(section.lines, 1):
            grid.add_row(f"{i}." if section.numbered else "•", Text(line))
        console.print(grid)
    if report.trace:
        table = Table(title="Trace", title_justify="left")
        for column in ("#", "rule", "statement", "declared"):
            table.add_column(column)
        for firing in report.trace:
            table.add_row(str(firing["step"]), firing["rule"], firing["statement"],
                          "\n".join(fact_text(f) for f in firing["declared"]))
        console.print(table)
