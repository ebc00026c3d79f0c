"""The clinical note of an interview: what was asked and found, and what was concluded.

Pure functions of an ``Interview`` (no input, no output); the terminal writes them to files
(``report FILE``), the web app may serve them. Formats: Markdown (the note), and from the report
formats (present/formats.py) the HTML page of ``diagnose --format html``, the JSON report and the
case file (YAML) for ``diagnose``/``explain``/``evaluate``. The note's conclusion, treatment and
safety-net sections are the report's sections (present/sections.py): the note decides none of them.
"""
from __future__ import annotations

from myotrace.expert.interview.session import PAIN_MAP, Interview
from myotrace.expert.present import safe
from myotrace.expert.present.formats import FORMATS as REPORT_FORMATS, ReportData
from myotrace.expert.present.sections import CHAIN, EVIDENCE, report_sections
from myotrace.facts.vocabulary import FINDINGS, NERVE_SCREEN, RED_FLAGS, label

NOTE_FORMATS = ("markdown", "html", "json", "case")  # what ``report FILE`` writes; markdown is this note
FORMATS = {suffix: name for name in NOTE_FORMATS for suffix in REPORT_FORMATS[name].suffixes}
TREATMENT_KEYS = ("corrections", "protocol", "home_care", "avoid", "factors", "safety_net")  # after the evidence


def screen_warning(interview: Interview) -> str | None:
    """The headline's warning: red flags or nerve signs to screen before treating, or None."""
    return interview.report.screen_first_line()


def headline(interview: Interview) -> str:
    return interview.report.headline


def nerve_screen_lines(interview: Interview) -> list[str]:
    """The nerve screen with its negatives: present, absent, not known, not examined."""
    findings = interview.case.findings
    groups = {"Present": [], "Absent": [], "Not known": [], "Not examined": []}
    for sign in NERVE_SCREEN:
        key = {True: "Present", False: "Absent", "unknown": "Not known"}.get(findings.get(sign), "Not examined")
        groups[key].append(label(sign))
    return [f"{key}: {', '.join(names)}" for key, names in groups.items() if names]


def red_flag_lines(interview: Interview) -> list[str]:
    """The red-flag screen with its negatives: present, absent, not known, not asked."""
    findings = interview.case.findings
    groups = {"Present": [], "Absent": [], "Not known": [], "Not asked": []}
    for flag in RED_FLAGS:
        value = findings.get(flag)
        key = {True: "Present", False: "Absent", "unknown": "Not known"}.get(value, "Not asked")
        groups[key].append(label(flag))
    return [f"{key}: {', '.join(names)}" for key, names in groups.items() if names]


def finding_lines(interview: Interview) -> list[str]:
    findings = interview.case.findings
    groups = {"Yes": [], "No": [], "Not known": []}
    for finding in FINDINGS:
        if finding in RED_FLAGS or finding not in findings:
            continue
        groups[{True: "Yes", False: "No"}.get(findings[finding], "Not known")].append(label(finding))
    return [f"{key}: {', '.join(names)}" for key, names in groups.items() if names] or ["none recorded"]


def palpation_lines(interview: Interview) -> list[str]:
    case, unpalpable = interview.case, interview.session.unpalpable
    lines = []
    if case.tender_points:
        lines.append("Reproduces the familiar pain: " + ", ".join(label(m) for m in case.tender_points))
    if case.non_tender:
        lines.append("Palpated, does not reproduce it: " + ", ".join(label(m) for m in case.non_tender))
    if unpalpable:
        lines.append("Not possible or not conclusive: " + ", ".join(label(m) for m in unpalpable))
    return lines or ["none recorded"]


def pain_map_text(interview: Interview) -> str:
    answered = {step.item: step.value for step in interview.session.answers}
    if PAIN_MAP not in answered:
        return "not recorded"
    if answered[PAIN_MAP] == "unknown":
        return "not known"
    return ", ".join(label(r) for r in interview.case.pain) or "no region"


def open_question_lines(interview: Interview) -> list[str]:
    """Exactly the pending questions that could still change the conclusion; each screen is one
    line, as the interview asks it (one checklist), so the count agrees with the progress line."""
    lines, screens = [], {}
    for q in interview.decisive:
        screen = ("Red-flag screen" if q["kind"] == "red_flag"
                  else "Nerve screen" if q["kind"] == "nerve" and q["item"] in NERVE_SCREEN else None)
        if screen is None:
            lines.append(interview.question_text(q["item"]))
        elif screen not in screens:
            screens[screen] = [label(q["item"])]
            lines.append(screen)
        else:
            screens[screen].append(label(q["item"]))
    return [f"{line}: {', '.join(screens[line])}" if line in screens else line for line in lines]


def optional_lines(interview: Interview) -> list[str]:
    return [interview.question_text(item) for item in interview.optional_items()]


def conclusion_lines(interview: Interview, sections: dict) -> list[str]:
    """The triage, the chain under the report's heading for it (or why there is none), the
    secondary chains and the conditions; ``sections`` are the report's, by key."""
    report = interview.report
    lines = [f"Triage: {label(report.triage)}"]
    chain = sections.get(CHAIN)
    if chain:
        lines.append(f"{chain.title}: {chain.lines[0] if chain.lines else chain.note}")
    for chain in report.secondary_chains:
        lines.append("Also active, treated after it: " + " → ".join(label(m) for m in chain))
    if report.conditions:
        lines.append("Conditions: " + ", ".join(label(c) for c in report.conditions))
    return lines


def markdown_note(interview: Interview, date: str, session_name: str | None = None) -> str:
    """The note a colleague could act on, as Markdown."""
    report, case = interview.report, interview.case
    out = [f"# Clinical note: {safe.markdown(case.case or 'interview')}", ""]
    meta = [f"Date: {date}"] + ([f"Side: {case.side}"] if case.side else []) + (
        [f"Session: {safe.markdown(session_name)}"] if session_name else [])
    out += [" · ".join(meta), "", f"**{headline(interview)}**", ""]
    warning = screen_warning(interview)
    if warning:
        out += [f"**{warning}.**", ""]
    for line in report.advice:
        out.append(f"- {line}")
    if report.advice:
        out.append("")

    def section(title, lines, numbered=False):
        if not lines:
            return
        out.extend([f"## {title}", ""])
        out.extend(f"{i}. {line}" if numbered else f"- {line}" for i, line in enumerate(lines, 1))
        out.append("")

    intake = [safe.markdown(case.history.summary())] if case.history else ["not recorded"]
    if case.notes:
        intake.append(f"Notes: {safe.markdown(case.notes)}")
    section("Intake", intake)
    section("Red-flag screen", red_flag_lines(interview))
    section("Nerve screen", nerve_screen_lines(interview))
    section("Pain map", [pain_map_text(interview)])
    section("Findings", finding_lines(interview))
    section("Palpation", palpation_lines(interview))
    sections = {section.key: section for section in report_sections(report, interview.trace)}
    section("Conclusion", conclusion_lines(interview, sections))
    if EVIDENCE in sections:
        section(sections[EVIDENCE].title, [
            f"{label(c.muscle)} ({c.certainty:.2f}, {'supported' if c.supported else 'not supported'}): "
            + "; ".join(c.for_ + [f"against: {a}" for a in c.against])
            for c in report.candidates if c.supported or c.muscle in case.tender_points])
    for key in TREATMENT_KEYS:
        if key in sections:
            shown = sections[key]
            section(shown.title, list(shown.lines) or [shown.note], numbered=shown.numbered and bool(shown.lines))
    open_lines = open_question_lines(interview)
    section(f"Open questions that could still change the conclusion ({len(open_lines)})",
            open_lines or ["none"])
    return "\n".join(out)


def record_text(interview: Interview) -> str:
    """The note's record (intake, red flags, pain map, findings, palpation) as plain text."""
    case = interview.case
    lines = [f"Intake: {case.history.summary() if case.history else 'not recorded'}"]
    if case.notes:
        lines.append(f"Notes: {case.notes}")
    lines += ["Red-flag screen: " + "; ".join(red_flag_lines(interview)),
              "Nerve screen: " + "; ".join(nerve_screen_lines(interview)),
              f"Pain map: {pain_map_text(interview)}",
              "Findings: " + "; ".join(finding_lines(interview)),
              "Palpation: " + "; ".join(palpation_lines(interview))]
    open_lines = open_question_lines(interview)
    lines.append(f"Open questions that could still change the conclusion ({len(open_lines)}): "
                 + ("; ".join(open_lines) or "none"))
    return "\n".join(lines)


def report_data(interview: Interview, comment: str | None = None) -> ReportData:
    """The interview's report as the report formats draw it; ``comment`` goes into a case file."""
    return ReportData(interview.report, interview.case, tuple(interview.trace),
                      tuple(interview.session.unpalpable), comment)


def render(interview: Interview, fmt: str, date: str, session_name: str | None = None, note: str | None = None) -> str:
    """The file's text in ``fmt`` (a value of FORMATS)."""
    if fmt == "markdown":
        return markdown_note(interview, date, session_name) + "\n"
    return REPORT_FORMATS[fmt].render(report_data(interview, note))
