"""The differential view (``myotrace differential CASE``): the competing pictures side by side.

Each picture of the knowledge base (gluteus minimus trigger points, L5/S1 radiculopathy,
piriformis entrapment, greater trochanteric pain syndrome, IT band syndrome) is set out for
one case: what the rules concluded about it (read from the same report ``diagnose``
prints, so the two never disagree), the findings in the case that speak for it and
against it, and the discriminating tests not yet done. Each test carries what a cited
diagnostic-accuracy study reports for it: likelihood ratios only where the study gives
both the sensitivity and the specificity, the one figure it gives otherwise, and "no
published figure" where the bibliography has none.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from myotrace.expert.present.references import bibliography, source_text
from myotrace.facts.vocabulary import PALPATE, label

NO_FIGURE = "no published figure"


@dataclass
class Line:
    """One finding or test, with its source and the accuracy figure that goes with it."""
    text: str
    source: str = ""
    figure: str = ""
    figure_source: str = ""


@dataclass
class PictureView:
    id: str
    name: str
    summary: str
    source: str
    concluded: bool
    status: list[str]
    for_: list[Line] = field(default_factory=list)
    against: list[Line] = field(default_factory=list)
    to_do: list[Line] = field(default_factory=list)


@dataclass
class DifferentialView:
    case: str
    triage: str
    headline: str
    conditions: list[str]
    primary: str | None
    chains: list[list[str]]
    warnings: list[str]
    pictures: list[PictureView]
    references: list[tuple[int, str, str]]


def figure_text(accuracy, answer: bool | None) -> str:
    """What the study reports, as a reader needs it for this answer (None: not yet done)."""
    if accuracy is None:
        return NO_FIGURE
    ratios = accuracy.likelihood_ratios()
    study = f"for {accuracy.target}; {accuracy.population}"
    if ratios is not None:
        plus, minus = ratios
        wanted = {True: f"LR+ {plus:.2f}", False: f"LR− {minus:.2f}"}.get(
            answer, f"LR+ {plus:.2f}, LR− {minus:.2f}")
        return (f"{wanted} (from sensitivity {accuracy.sensitivity:.2f}, specificity "
                f"{accuracy.specificity:.2f}; {study})")
    given = [f"{name} {value:.2f}" for name, value in (("sensitivity", accuracy.sensitivity),
                                                       ("specificity", accuracy.specificity))
             if value is not None]
    why = ("no likelihood ratio (only this figure is recorded)" if len(given) == 1
           else "no likelihood ratio (a figure of 0 or 1 gives none)")
    return f"{', '.join(given)}; {why} ({study})"


def _line(text: str, source: str, accuracy, answer) -> Line:
    return Line(text, source, figure_text(accuracy, answer), accuracy.source if accuracy is not None else "")


def picture_view(kb, picture_id: str, picture, case, report) -> PictureView:
    findings = dict(case.findings)
    chains = [report.chain, *report.secondary_chains] if report.chain else list(report.secondary_chains)
    treated = {muscle for chain in chains for muscle in chain}
    candidates = {c.muscle: c for c in report.candidates}
    concluded = bool(set(picture.conditions) & set(report.conditions)) or (
        picture.muscle is not None and picture.muscle in treated)

    status = []
    for condition in picture.conditions:
        if condition in report.conditions:
            status.append(f"The rules conclude: {label(condition)}.")
    if picture.muscle is not None:
        name = kb.name(picture.muscle)
        candidate = candidates.get(picture.muscle)
        role = ("the primary muscle" if picture.muscle == report.primary_muscle
                else "in a chain to treat" if picture.muscle in treated else None)
        if candidate is not None:
            support = "supported" if candidate.supported else "not supported"
            status.append(f"Certainty for the {name}: {candidate.certainty:.2f} ({support})"
                          + (f", {role}." if role else "."))
        else:
            status.append(f"The rules found no evidence for the {name}.")
    if not status:
        status.append("Not concluded by the rules.")

    view = PictureView(picture_id, picture.name, picture.summary, picture.source, concluded, status)
    accuracy = kb.differential.accuracy

    if picture.regions and case.pain:
        painful = [r for r in picture.regions if r in case.pain]
        zone = ", ".join(label(r) for r in picture.regions)
        if painful:
            view.for_.append(Line("pain in " + ", ".join(label(r) for r in painful)))
        else:
            view.against.append(Line(f"the pain map reaches none of: {zone}"))

    for muscle in picture.palpate:
        name = kb.name(muscle)
        test = accuracy.get(PALPATE + muscle)
        if muscle in case.tender_points:
            view.for_.append(_line(f"palpating the {name} reproduces the familiar pain", "", test, True))
        elif muscle in case.non_tender:
            view.against.append(_line(f"the {name} was palpated and did not reproduce the pain", "", test, False))
        else:
            view.to_do.append(_line(f"palpate the {name}: does it reproduce the familiar pain?", "", test, None))
        candidate = candidates.get(muscle)
        if picture.muscle != muscle and candidate is not None and candidate.supported:
            view.for_.append(Line(f"the rules support the {name} (certainty {candidate.certainty:.2f})"))

    for sign in picture.signs:
        test = accuracy.get(sign.finding)
        answer = findings.get(sign.finding)
        question = kb.findings[sign.finding].question
        if isinstance(answer, bool):
            text = sign.text if answer == sign.value else f"{question} {'No' if answer is False else 'Yes'}."
            (view.for_ if answer == sign.value else view.against).append(_line(text, sign.source, test, answer))
        else:
            asked = " (recorded as not known)" if answer == "unknown" else ""
            view.to_do.append(_line(question + asked, sign.source, test, None))
    return view


def differential(engine, case) -> DifferentialView:
    """Every picture of the knowledge base for one case, from the same run and report as ``diagnose``."""
    from myotrace.expert.report import TRIAGE_HEADLINE
    from myotrace.expert.report import build_report

    report = build_report(engine.consult(case), case)
    kb = engine.kb
    pictures = [picture_view(kb, pid, picture, case, report) for pid, picture in kb.differential.pictures.items()]
    warnings = []
    if report.red_flags:
        warnings.append("Red flag present (" + ", ".join(label(f) for f in report.red_flags)
                        + "): refer first; the pictures below are for after that.")
    line = report.screen_first_line()
    if line:
        warnings.append(line + ".")
    sources = [p.source for p in pictures]
    sources += [source for p in pictures for item in (*p.for_, *p.against, *p.to_do)
                for source in (item.source, item.figure_source) if source]
    chains = [report.chain, *report.secondary_chains] if report.chain else []
    return DifferentialView(
        case=report.case, triage=report.triage, headline=TRIAGE_HEADLINE.get(report.triage, label(report.triage)),
        conditions=list(report.conditions), primary=report.primary_muscle, chains=chains, warnings=warnings,
        pictures=pictures, references=bibliography(sources))


def differential_lines(view: DifferentialView) -> list[str]:
    """The differential as plain text, one picture after another."""
    from myotrace.expert.present.text import bibliography_lines, wrap

    lines = [f"Differential for case {view.case}", f"Triage: {view.headline}"]
    for warning in view.warnings:
        lines += wrap(warning, "  ! ", "    ")
    lines += wrap("Conditions concluded: " + (", ".join(label(c) for c in view.conditions) or "none"), "", "  ")
    if view.chains:
        lines += wrap("Chains to treat: " + "; ".join(" → ".join(label(m) for m in chain) for chain in view.chains),
                      "", "  ")
    for picture in view.pictures:
        mark = "CONCLUDED" if picture.concluded else "not concluded"
        lines += ["", f"── {picture.name} [{mark}]"]
        lines += wrap(picture.summary, "   ", "   ")
        lines += wrap(source_text(picture.source), "   source: ", "     ")
        for status in picture.status:
            lines += wrap(status, "   ", "   ")
        for title, items, empty in (("For", picture.for_, "nothing in this case"),
                                    ("Against", picture.against, "nothing in this case"),
                                    ("Tests still to do", picture.to_do, "none: every test listed was done")):
            lines.append(f"   {title}:")
            if not items:
                lines.append(f"     {empty}")
            for item in items:
                lines += wrap(item.text, "     • ", "       ")
                if item.figure:
                    cited = f" ({source_text(item.figure_source)})" if item.figure_source else ""
                    lines += wrap(item.figure + cited, "       accuracy: ", "         ")
                if item.source:
                    lines += wrap(source_text(item.source), "       source: ", "         ")
    lines += ["", "Likelihood ratios are computed from the sensitivity and specificity the cited study reports,",
              "in the population it studied; they are a guide to how much a result moves the odds, not a diagnosis.",
              "", "References"]
    return lines + bibliography_lines(view.references)
