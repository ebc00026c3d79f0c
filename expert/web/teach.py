"""The teaching room: rule stepper with the graph lit, what-if, why-not, rule catalogue, muscle pages, practice.

Every view runs the same engine and the same teaching modules as ``myotrace
explain`` and ``myotrace practice``; requests only read (GET), nothing is stored.
"""
from __future__ import annotations

import random
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.routing import Route

from myotrace.expert.errors import InputError
from myotrace.expert.web.consult import WORK, ApiError
from myotrace.expert.web.templating import render, trusted_svg
from myotrace.facts.vocabulary import MUSCLES, TRIAGE_LEVELS, label


@cache
def library() -> dict[str, Path]:
    from myotrace.expert.casefile import case_paths
    from myotrace.expert.teach.practice import default_library
    return {path.stem: path for path in case_paths([default_library()])}


def load(name: str):
    from myotrace.expert.casefile import load_case
    path = library().get(name)
    if path is None:
        raise ApiError(404, f"no library case {name!r}")
    return load_case(path)


# ---- the stepper ----------------------------------------------------------------------------
def why_next(agenda) -> str:
    """Why the first activation fires before the second: salience, then recency, then the rule id."""
    if not agenda:
        return "The agenda is empty: the run is complete."
    first = agenda[0]
    if len(agenda) == 1:
        return f"{first.rule.rule_meta.id} is the only activation on the agenda."
    second = agenda[1]
    a, b = first.rule.salience, second.rule.salience
    if a != b:
        return (f"{first.rule.rule_meta.id} has the highest salience ({a}, stage {first.rule.rule_meta.stage}); "
                f"the next, {second.rule.rule_meta.id}, has {b}: earlier reasoning stages fire first.")
    newest = max(f["__factid__"] for f in first.facts) if first.facts else 0
    other = max(f["__factid__"] for f in second.facts) if second.facts else 0
    if newest != other:
        return (f"Same salience ({a}) as {second.rule.rule_meta.id}; {first.rule.rule_meta.id} matched newer facts "
                f"(f-{newest} against f-{other}): the depth strategy fires the most recent first.")
    return (f"Same salience ({a}) and equally recent facts as {second.rule.rule_meta.id}: "
            "the tie is broken by rule id, so every run fires in the same order.")


def lit_graph(trace, upto: int, findings: dict) -> str:
    """The whole run's graph, its nodes marked: fired so far (lit), matched and declared by firing ``upto``."""
    from myotrace.expert.teach.graph import _Builder, build_graph, to_svg

    full = build_graph(trace)
    before = set(build_graph(trace[: upto - 1]).nodes) if upto > 1 else set()
    now = set(build_graph(trace[:upto]).nodes) if upto else set()
    matched = set()
    if upto:
        builder = _Builder()
        matched = {builder.source(f) for f in trace[upto - 1].matched} - {None}
    svg = to_svg(full)
    for node in full.nodes.values():
        states = ["lit" if node.id in now else "unfired"]
        if node.id in now - before:
            states.append("declared")
        if node.id in matched:
            states.append("matched")
        target, flip = "", ""
        if node.id.startswith("m_"):
            target = node.id[2:]
        elif node.id.startswith("cond_"):
            target = node.id[5:]
        elif node.id.startswith("finding_"):
            target = "finding:" + node.id[8:]
            value = findings.get(node.id[8:])
            flip = "false" if value is True else "true"
        elif node.id == "triage":
            target = "triage"
        old = f'<g class="node {node.kind}" id="dg-{node.id}" data-node="{node.id}"'
        svg = svg.replace(old, f'<g class="node {node.kind} {" ".join(states)}" id="dg-{node.id}" '
                               f'data-node="{node.id}" data-target="{target}"'
                               + (f' data-flip="{node.id[8:]}={flip}"' if flip else "") + ' tabindex="0"')
    return svg


def teach_routes(token: str) -> list[Route]:
    async def index(request: Request):
        return render("teach_index.html", token, cases=sorted(library()), muscles=MUSCLES)

    async def step(request: Request):
        from myotrace.expert.engine import get_engine
        from myotrace.expert.report import build_report
        from myotrace.expert.teach.explain import numbered_facts
        from myotrace.expert.present.text import fact_brief

        name = request.path_params["name"]
        case = load(name)
        with WORK:
            engine = get_engine()
            engine.consult(case)
            full = list(engine.trace)
            report = build_report(engine, case)
            try:
                upto = max(0, min(int(request.query_params.get("n", "0")), len(full)))
            except ValueError:
                upto = 0
            engine.reset(case=case)
            engine.run(steps=upto) if upto else None
            agenda = engine.pending()
            rows = [{"salience": a.rule.salience, "rule": a.rule.rule_meta.id, "stage": a.rule.rule_meta.stage,
                     "statement": a.rule.rule_meta.statement,
                     "facts": ", ".join(f"{f['fact']} {fact_brief(f)}" for f in numbered_facts(a.facts))}
                     for a in agenda]
            firing = engine.trace[-1] if upto else None
            reason = why_next(agenda)
            graph = lit_graph(full, upto, dict(case.findings))
        return render("teach_step.html", token, name=name, case=case, upto=upto, total=len(full), agenda=rows,
                      reason=reason, firing=firing, fired=engine.trace[:upto], report=report,
                      graph=trusted_svg(graph), fact_brief=fact_brief,
                      findings=sorted(case.findings.items()))

    async def whatif(request: Request):
        from myotrace.expert.engine import get_engine
        from myotrace.expert.teach.whatif import what_if

        name = request.path_params["name"]
        case = load(name)
        sets = request.query_params.getlist("set")
        unsets = request.query_params.getlist("unset")
        with WORK:
            try:
                result = what_if(get_engine(), case, sets, unsets)
            except InputError as error:
                raise ApiError(422, str(error)) from None
        return render("teach_whatif.html", token, name=name, result=result, case=case)

    async def whynot(request: Request):
        from myotrace.expert.engine import get_engine, rule_catalogue
        from myotrace.expert.teach.whynot import resolve_target, why_not

        name = request.path_params["name"]
        case = load(name)
        target = request.query_params.get("target", "")
        with WORK:
            engine = get_engine()
            engine.consult(case)
            if target == "triage":
                from myotrace.expert.report import build_report
                target = build_report(engine, case).triage
            try:
                resolve_target(target)
                result = why_not(engine, case, target)
            except InputError as error:
                raise ApiError(422, str(error).removeprefix("--why-not: ")) from None
        statements = {rule.id: rule.statement for rule in rule_catalogue()}
        return render("teach_whynot.html", token, name=name, result=result, statements=statements,
                      targets=MUSCLES + TRIAGE_LEVELS)

    async def rules(request: Request):
        from myotrace.expert.engine import rule_catalogue, MyoEngine
        from myotrace.rules.meta import STAGES

        salience = {}
        for klass in MyoEngine.__mro__:
            for value in vars(klass).values():
                if getattr(value, "rule_meta", None) is not None:
                    salience[value.rule_meta.id] = value.salience
        ordered = sorted(rule_catalogue(), key=lambda r: (STAGES.index(r.stage), -salience.get(r.id, 0), r.id))
        return render("teach_rules.html", token, rules=ordered, salience=salience, references=references())

    async def muscle(request: Request):
        from myotrace.expert.engine import get_engine
        from myotrace.expert.web.chart import charts

        muscle_id = request.path_params["muscle"]
        if muscle_id not in MUSCLES:
            raise ApiError(404, f"no muscle {muscle_id!r}: one of {', '.join(MUSCLES)}")
        kb = get_engine().kb
        entry = kb.muscles[muscle_id]
        patterns = []
        for pattern in entry.patterns:
            drawn = charts({"right": list(pattern.essential) + list(pattern.spillover)}, chain=[muscle_id],
                           legs=("right",))
            patterns.append({"pattern": pattern, "chart": trusted_svg(next(iter(drawn.values())).replace(" (primary)", ""))})
        return render("teach_muscle.html", token, muscle=muscle_id, entry=entry, patterns=patterns,
                      keys=kb.keys_of(muscle_id), satellites=kb.satellites_of(muscle_id), muscles=MUSCLES)

    async def practice(request: Request):
        from myotrace.expert.engine import get_engine
        from myotrace.expert.report import build_report
        from myotrace.expert.teach import practice as drill

        params = request.query_params
        name = params.get("case") or random.choice(sorted(library()))
        case = load(name)
        shown = drill.case_lines(case, 1, 1)[1:]
        critique, hints = None, []
        with WORK:
            engine = get_engine()
            engine.consult(case)
            report = build_report(engine, case)
            try:
                hint_count = max(0, min(int(params.get("hints", "0")), 3))
            except ValueError:
                hint_count = 0
            hints = practice_hints(engine, report)[:hint_count]
            if "triage" in params:
                try:
                    answers = (drill.parse_triage(params["triage"]), drill.parse_muscle(params.get("primary", "none")),
                               drill.parse_chain(params.get("chain", "")))
                except InputError as error:
                    raise ApiError(422, str(error)) from None
                critique = []
                for item, judge, answer in (("triage", drill.critique_triage, answers[0]),
                                            ("primary", drill.critique_primary, answers[1]),
                                            ("chain", drill.critique_chain, answers[2])):
                    points, lines = judge(answer, engine, case, report)
                    critique.append({"item": item, "points": points, "lines": lines})
        return render("teach_practice.html", token, name=name, shown=shown, critique=critique, hints=hints,
                      hint_count=len(hints), params=params, triage_levels=TRIAGE_LEVELS, muscles=MUSCLES)

    return [
        Route("/teach", index),
        Route("/teach/rules", rules),
        Route("/teach/muscle/{muscle}", muscle),
        Route("/teach/practice", practice),
        Route("/teach/case/{name}", step),
        Route("/teach/case/{name}/whatif", whatif),
        Route("/teach/case/{name}/whynot", whynot),
    ]


def practice_hints(engine, report) -> list[str]:
    """Hints from the run, vaguest first: where to look, not the answer."""
    from myotrace.facts.types import ChainLink, Evidence
    flags = report.red_flags
    hints = ["Start with the red-flag screen: " + (f"{len(flags)} red flag(s) answered yes." if flags
                                                 else f"no red flag is answered yes ({report.screens_text}); "
                                                 "then look for nerve signs.")]
    top = report.candidates[0] if report.candidates else None
    if top is not None:
        hints.append("The strongest evidence in the case: "
                     + "; ".join(f"{e['label']} ({e['cf']:+.2f})" for e in sorted(
                         engine.facts_of(Evidence), key=lambda e: -e["cf"])[:3]))
    links = [f"{label(link['key'])} → {label(link['satellite'])}" for link in engine.facts_of(ChainLink)]
    hints.append("Satellite links the rules found: " + (", ".join(links) if links else "none")
                 + ". A satellite is never the primary while its key leads.")
    return hints


@cache
def references() -> dict[str, str]:
    """Bibliography entries by key, when facts/knowledge/references.yaml exists (built by another branch)."""
    import yaml
    path = Path(__file__).resolve().parent.parent.parent / "facts" / "knowledge" / "references.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("references", data) if isinstance(data, dict) else {}
    out = {}
    if isinstance(entries, dict):
        for key, entry in entries.items():
            out[str(key)] = entry if isinstance(entry, str) else "; ".join(
                str(v) for k, v in entry.items() if k in ("authors", "year", "title", "venue", "pages", "doi"))
    return out
