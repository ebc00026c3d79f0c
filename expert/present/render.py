"""Reports as text (rich) and markdown. Both read the Report, nothing else."""
from myotrace.expert.present import safe
from myotrace.expert.report import Report
from myotrace.expert.trace import fact_text
from myotrace.facts.vocabulary import label

TRIAGE_STYLE = {
    "emergency": "bold white on red", "urgent_referral": "bold white on dark_orange3",
    "refer_nerve": "bold black on yellow", "screen_first": "bold black on gold1", "treat": "bold white on green4",
    "insufficient_evidence": "bold black on grey70",
}


def chain_line(report: Report) -> str:
    certainty = {c.muscle: c.certainty for c in report.candidates}
    return " → ".join(f"{label(m)} ({certainty.get(m, 0):.2f})" for m in report.chain)


def secondary_lines(report: Report) -> list[str]:
    certainty = {c.muscle: c.certainty for c in report.candidates}
    return [" → ".join(f"{label(m)} ({certainty.get(m, 0):.2f})" for m in chain) + " (treated after the primary chain)"
            for chain in report.secondary_chains]


def _sections(report: Report):
    """(title, lines, numbered) in reading order; empty sections are left out."""
    yield "Advice", report.advice, False
    if report.red_flags:
        yield "Red flags", [label(f) for f in report.red_flags], False
    if report.conditions:
        yield "Conditions", [label(c) for c in report.conditions], False
    if report.chain:
        yield ("Working hypothesis (primary muscle and chain; treat only after the screens)"
               if report.chain_is_hypothesis else "Primary muscle and chain"), [chain_line(report)], False
    yield "Atypical pattern", report.atypical, False
    if report.secondary_chains:
        yield "Secondary chains (treated after the primary's)", secondary_lines(report), False
    if report.probable_satellites:
        yield "Probable satellites (pain map only: palpate)", [label(m) for m in report.probable_satellites], False
    yield "Myths corrected", report.corrections, False
    yield "Protocol", report.protocol.steps, True
    yield "Home care", report.protocol.home_care, False
    yield "Avoid", report.protocol.avoid, False
    yield "Perpetuating factors", report.perpetuating_factors, False
    yield "Safety net (tell the patient)", report.safety_net, False
    for title, lines in report.question_sections():
        yield title, lines, False


def render_markdown(report: Report, case=None) -> str:
    """The report as markdown; with the case, its summary comes before the conclusion."""
    out = [f"# myotrace report: {safe.markdown(report.case)}", "",
           f"**Triage: {report.triage}** — {report.headline}", ""]
    if report.screen_first_line():
        out += [f"**{report.screen_first_line()}**", ""]
    if report.side:
        out += [f"Side: {report.side}", ""]
    if case is not None:
        from myotrace.expert.present.summary import summary_markdown
        out += summary_markdown(case)
    elif report.history:
        out += [f"History: {safe.markdown(report.history.summary())}", ""]
    for title, lines, numbered in _sections(report):
        if title == "Myths corrected" and report.candidates:
            out += _markdown_candidates(report)
        if not lines:
            continue
        out += [f"## {title}", ""]
        out += [f"{i}. {line}" if numbered else f"- {line}" for i, line in enumerate(lines, 1)]
        out.append("")
    if report.trace:
        out += ["## Trace", "", "| # | rule | statement | declared |", "|---|---|---|---|"]
        for firing in report.trace:
            declared = "; ".join(fact_text(f) for f in firing["declared"]).replace("|", "\\|")
            out.append(f"| {firing['step']} | {firing['rule']} | {firing['statement']} | {declared} |")
        out.append("")
    return "\n".join(out)


def _markdown_candidates(report: Report) -> list[str]:
    out = ["## Candidates", "", "| muscle | certainty | for | against |", "|---|---|---|---|"]
    for c in report.candidates:
        mark = "" if c.supported else " (not supported)"
        out.append(f"| {label(c.muscle)}{mark} | {c.certainty:.2f} | {'; '.join(c.for_)} | {'; '.join(c.against)} |")
    return out + [""]


def render_text(report: Report, console, case=None) -> None:
    """The report in the terminal; with the case, its summary comes before the conclusion."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    headline = report.headline
    if report.screen_first_line():
        headline += "\n" + report.screen_first_line()
    banner = Text(f"{headline}\ncase: ") + safe.terminal(report.case)  # the case id as typed, never markup
    banner.append(f"   side: {report.side}" if report.side else "")
    console.print(Panel(banner, style=TRIAGE_STYLE[report.triage], expand=False))
    if case is not None:
        from myotrace.expert.present.summary import with_notes
        console.print(Text("\nCase as given", style="bold"))
        for heading, sentence in with_notes(case):
            console.print(Text.assemble((f"{heading}: ", "bold"), safe.terminal(sentence)))
    elif report.history:
        console.print(Text("History: ") + safe.terminal(report.history.summary()))
    for title, lines, numbered in _sections(report):
        if title == "Myths corrected" and report.candidates:
            table = Table(title="\nCandidates (certainty factor; dim = not supported)",
                          title_justify="left", expand=False)
            table.add_column("muscle")
            table.add_column("cf", justify="right")
            table.add_column("evidence for (+) and against (−)")
            for c in report.candidates:
                lines_ = [f"+ {line}" for line in c.for_] + [f"− {line}" for line in c.against]
                table.add_row(label(c.muscle), f"{c.certainty:.2f}", "\n".join(lines_),
                              style=None if c.supported else "dim")
            console.print(table)
        if not lines:
            continue
        console.print(f"\n[bold]{title}[/bold]")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", width=4)
        grid.add_column()
        for i, line in enumerate(lines, 1):
            grid.add_row(f"{i}." if numbered else "•", Text(line))
        console.print(grid)
    if report.trace:
        table = Table(title="Trace", title_justify="left")
        for column in ("#", "rule", "statement", "declared"):
            table.add_column(column)
        for firing in report.trace:
            table.add_row(str(firing["step"]), firing["rule"], firing["statement"],
                          "\n".join(fact_text(f) for f in firing["declared"]))
        console.print(table)
