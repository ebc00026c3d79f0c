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
from myotrace.facts.vocabulary import FINDINGS, MUSCLES, REGIONS, TRIAGE_LEVELS


@cache
def library() -> dict[str, Path]:
    from myotrace.expert.casefile import case_paths
    from myotrace.expert.teach.practice import default_library
    return {path.stem: path for path in case_paths([default_library()])}


ITEM_WORDS = {"triage": "Triage", "primary": "Primary muscle", "chain": "Chain"}


@cache
def practice_codes() -> dict[str, str]:
    """An opaque code for each library case, so a practice page's address does not name the answer
    (library ids such as gmin-mistaken-for-l5 do)."""
    from hashlib import blake2b
    return {blake2b(name.encode(), digest_size=5).hexdigest(): name for name in library()}


@cache
def case_lines() -> list[tuple[str, str]]:
    """(id, one-line description from its notes) for every library case, for the teaching room's index."""
    from myotrace.expert.library import summary
    return [(name, summary(load(name).notes)) for name in sorted(library())]


# Case files an educator loads into the teaching room: kept in memory for the server's life
# (never written to disk), the newest OWN_LIMIT, under "own-" and a hash of their text.
OWN: dict = {}
OWN_PREFIX, OWN_LIMIT = "own-", 32


def add_own_case(text: str):
    """Validate a case file's text as `myotrace diagnose` would; its teaching-room name. InputError if bad."""
    from hashlib import blake2b

    from myotrace.expert.casefile import parse, validate
    source = "your case file"
    case = validate(parse(text, Path(source)), source)
    name = OWN_PREFIX + blake2b(text.encode(), digest_size=5).hexdigest()
    if case.case is None:
        case = case.model_copy(update={"case": name})
    OWN.pop(name, None)
    OWN[name] = case
    while len(OWN) > OWN_LIMIT:
        OWN.pop(next(iter(OWN)))
    return name


def load(name: str):
    from myotrace.expert.casefile import load_case
    if name in OWN:
        return OWN[name]
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


def _state_lines(node, shown) -> list[str]:
    """A node's text as it stands after the firing shown: its label then (certainty, chain,
    level), or its name with '?' where a conclusion is not drawn yet. The box keeps the size it
    has at the end of the run, so nothing moves while stepping."""
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


def form_changes(params) -> tuple[list[str], list[str]]:
    """The what-if changes a request asks for, as ``myotrace explain --set/--unset`` takes them:
    ``set``/``unset`` as typed, or the stepper's form (a finding and its answer, a pain region to
    add or remove, a muscle palpated tender or not)."""
    sets, unsets = list(params.getlist("set")), list(params.getlist("unset"))
    finding, answer = params.get("finding"), params.get("answer")
    if finding and answer:
        (unsets.append(finding) if answer == "unset" else sets.append(f"{finding}={answer}"))
    region, change = params.get("region"), params.get("change", "+")
    if region:
        sets.append(f"pain={'-' if change == '-' else '+'}{region}")
    muscle, result = params.get("palpate"), params.get("result")
    if muscle and result:
        sets.append(f"{'tender' if result == 'tender' else 'non_tender'}={muscle}")
    return sets, unsets


def lit_graph(trace, upto: int, findings: dict) -> str:
    """The whole run's graph, its nodes marked: fired so far (lit), matched and declared by firing ``upto``."""
    from myotrace.expert.teach.graph import _Builder, build_graph, to_svg

    full = build_graph(trace, findings=findings)
    before = set(build_graph(trace[: upto - 1]).nodes) if upto > 1 else set()
    partial = build_graph(trace[:upto], findings=findings if upto == len(trace) else None).nodes if upto else {}
    now = set(partial)
    traced = set(build_graph(trace[:upto]).nodes) if upto else set()  # what the firings drew, without the
    # examined negatives, which no firing declares
    for node in full.nodes.values():
        node.lines = _state_lines(node, partial.get(node.id))
    matched = set()
    if upto:
        builder = _Builder()
        matched = {builder.source(f) for f in trace[upto - 1].matched} - {None}
    svg = to_svg(full)
    for node in full.nodes.values():
        states = ["lit" if node.id in now else "unfired"]
        if node.id in traced - before:
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
        return render("teach_index.html", token, cases=case_lines(), muscles=MUSCLES)

    async def step(request: Request):
        from myotrace.expert.engine import get_engine
        from myotrace.expert.teach.explain import combined_facts, numbered_facts, unused_findings
        from myotrace.expert.present.text import fact_brief

        name = request.path_params["name"]
        case = load(name)
        with WORK:
            engine = get_engine()
            engine.consult(case)
            full = list(engine.trace)
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
            combined = combined_facts(engine.trace, upto - 1) if upto else []
            reason = why_next(agenda)
            graph = lit_graph(full, upto, dict(case.findings))
        return render("teach_step.html", token, name=name, case=case, upto=upto, total=len(full), agenda=rows,
                      reason=reason, firing=firing, combined=combined,
                      graph=trusted_svg(graph), fact_brief=fact_brief,
                      findings=sorted(case.findings.items()), all_findings=FINDINGS, regions=REGIONS,
                      unused=unused_findings(case, full) if upto == len(full) else [],
                      muscles=MUSCLES)

    async def whatif(request: Request):
        from myotrace.expert.engine import get_engine
        from myotrace.expert.teach.whatif import (certainty_rows, change_facts, change_head, conclusion_rows,
                                                  what_if)

        name = request.path_params["name"]
        case = load(name)
        sets, unsets = form_changes(request.query_params)
        with WORK:
            try:
                result = what_if(get_engine(), case, sets, unsets)
            except InputError as error:
                raise ApiError(422, str(error)) from None
        return render("teach_whatif.html", token, name=name, result=result, case=case,
                      rows=conclusion_rows(result), certainty=certainty_rows(result),
                      change_head=change_head, change_facts=change_facts)

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
        from myotrace.expert.teach.whynot import REPORT_STATEMENT, fired_text
        statements = {rule.id: rule.statement for rule in rule_catalogue()}
        statements["report"] = REPORT_STATEMENT
        return render("teach_whynot.html", token, name=name, result=result, statements=statements,
                      targets=MUSCLES + TRIAGE_LEVELS, fired_text=fired_text)

    async def rules(request: Request):
        from myotrace.expert.engine import rule_catalogue, MyoEngine
        from myotrace.rules.meta import STAGES

        salience = {}
        for klass in MyoEngine.__mro__:
            for value in vars(klass).values():
                if getattr(value, "rule_meta", None) is not None:
                    salience[value.rule_meta.id] = value.salience
        ordered = sorted(rule_catalogue(), key=lambda r: (STAGES.index(r.stage), -salience.get(r.id, 0), r.id))
        from myotrace.expert.present.references import bibliography
        return render("teach_rules.html", token, rules=ordered, salience=salience,
                      references=bibliography(rule.source for rule in ordered))

    async def muscle(request: Request):
        from myotrace.expert.engine import get_engine
        from myotrace.expert.present.kbview import part_text
        from myotrace.expert.present.references import bibliography
        muscle_id = request.path_params["muscle"]
        if muscle_id not in MUSCLES:
            raise ApiError(404, f"no muscle {muscle_id!r}: one of {', '.join(MUSCLES)}")
        kb = get_engine().kb
        entry = kb.muscles[muscle_id]
        from myotrace.expert.present.bodychart import body_chart
        patterns = [{"pattern": pattern, "part": part_text(pattern.part)} for pattern in entry.patterns]
        chart = trusted_svg(body_chart((), [[muscle_id]], side="right", prefix="kb", patient=False)
                            .replace(" (primary)", ""))
        keys, satellites = kb.keys_of(muscle_id), kb.satellites_of(muscle_id)
        sources = [p.source for p in entry.patterns] + [e.source for e in entry.evidence]
        sources += [e.source for e in (*keys, *satellites)] + [f.source for f in entry.perpetuating]
        sources += [c.source for c in entry.self_care]
        return render("teach_muscle.html", token, muscle=muscle_id, entry=entry, patterns=patterns, chart=chart,
                      keys=keys, satellites=satellites, muscles=MUSCLES, references=bibliography(sources))

    async def practice(request: Request):
        from myotrace.expert.engine import get_engine
        from myotrace.expert.report import build_report
        from myotrace.expert.teach import practice as drill

        params = request.query_params
        codes = practice_codes()
        code = params.get("case") or random.choice(sorted(codes))
        if code not in codes:
            raise ApiError(404, "no such practice case: start a new one from the practice page")
        name = codes[code]
        case = load(name)
        shown = drill.case_lines(case, 1, 1)[1:]
        critique, score = None, None
        with WORK:
            engine = get_engine()
            engine.consult(case)
            report = build_report(engine, case)
            given = [(item, hint) for item in ("triage", "primary", "chain")
                     for hint in drill.hints(item, engine, report)]
            try:
                hint_count = max(0, min(int(params.get("hints", "0")), len(given)))
            except ValueError:
                hint_count = 0
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
                earned = sum(c["points"] for c in critique)
                used = [item for item, _hint in given[:hint_count]]
                cost = sum(drill.hint_charge(c["points"], used.count(c["item"])) for c in critique)
                score = {"earned": earned, "cost": cost, "net": earned - cost, "possible": len(critique)}
        hints = [f"{ITEM_WORDS[item]}: {hint}" for item, hint in given[:hint_count]]
        return render("teach_practice.html", token, name=name, code=code, shown=shown, critique=critique,
                      hints=hints, hint_count=hint_count, more_hints=hint_count < len(given), score=score,
                      hint_cost=drill.HINT_COST, params=params, triage_levels=TRIAGE_LEVELS, muscles=MUSCLES)

    async def own_case(request: Request):
        from starlette.responses import Response

        from myotrace.expert.web.pages import form_of
        form = await form_of(request)
        text = form.get("yaml", "")
        if not text.strip():
            return render("_error.html", token, status=422,
                          error="paste a case file (YAML or JSON) or choose one, e.g. from `myotrace cases show ID`")
        try:
            name = add_own_case(text)
        except InputError as error:
            return render("_error.html", token, status=422, error=str(error))
        return Response(status_code=201, headers={"HX-Redirect": f"/teach/case/{name}"})

    async def differential_page(request: Request):
        from myotrace.expert.engine import get_engine
        from myotrace.expert.present.references import source_text
        from myotrace.expert.teach.differential import differential

        name = request.path_params["name"]
        case = load(name)
        with WORK:
            view = differential(get_engine(), case)
        return render("teach_differential.html", token, name=name, view=view, cite=source_text)

    async def refers_to_page(request: Request):
        from myotrace.expert.present.kbview import refers_to, resolve_region
        from myotrace.expert.present.references import bibliography, source_text
        from myotrace.facts.knowledge import knowledge

        asked = request.query_params.get("region", "")
        region, rows = None, []
        if asked:
            try:
                region = resolve_region(asked)
            except InputError as problem:
                raise ApiError(422, str(problem)) from None
            rows = refers_to(knowledge(), region)
        return render("teach_refers_to.html", token, region=region, rows=rows, regions=REGIONS, cite=source_text,
                      references=bibliography(row["source"] for row in rows))

    return [
        Route("/teach", index),
        Route("/teach/refers-to", refers_to_page),
        Route("/teach/own", own_case, methods=["POST"]),
        Route("/teach/case/{name}/differential", differential_page),
        Route("/teach/rules", rules),
        Route("/teach/muscle/{muscle}", muscle),
        Route("/teach/practice", practice),
        Route("/teach/case/{name}", step),
        Route("/teach/case/{name}/whatif", whatif),
        Route("/teach/case/{name}/whynot", whynot),
    ]
