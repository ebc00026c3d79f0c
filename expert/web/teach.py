"""The teaching room: rule stepper with the graph lit, what-if, why-not, rule catalogue, muscle pages, practice.

Routes and request handling only: every view takes its content from ``expert/teach/room.py``,
which runs the same engine and teaching functions as ``myotrace explain``, ``practice`` and
``differential``; requests only read (GET), nothing is stored but an educator's own case, in memory.
"""
from __future__ import annotations

import random
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.routing import Route

from myotrace.expert.errors import InputError
from myotrace.expert.teach import room
from myotrace.expert.web.consult import WORK, ApiError
from myotrace.expert.web.templating import render, trusted_svg
from myotrace.facts.knowledge import knowledge
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


def teach_routes(token: str) -> list[Route]:
    async def index(request: Request):
        return render("teach_index.html", token, cases=case_lines(), muscles=MUSCLES)

    async def step(request: Request):
        from myotrace.expert.present.text import fact_brief

        name = request.path_params["name"]
        case = load(name)
        try:
            upto = int(request.query_params.get("n", "0"))
        except ValueError:
            upto = 0
        with WORK:
            shown = room.step(case, upto)
        return render("teach_step.html", token, name=name, case=case, upto=shown.upto, total=shown.total,
                      agenda=shown.agenda, reason=shown.reason, firing=shown.firing, combined=shown.combined,
                      graph=trusted_svg(shown.graph), fact_brief=fact_brief,
                      findings=sorted(case.findings.items()), all_findings=FINDINGS, regions=REGIONS,
                      unused=shown.unused, muscles=MUSCLES)

    async def whatif(request: Request):
        from myotrace.expert.teach.whatif import certainty_rows, change_facts, change_head, conclusion_rows

        name = request.path_params["name"]
        case = load(name)
        sets, unsets = form_changes(request.query_params)
        with WORK:
            try:
                result = room.what_if(case, sets, unsets)
            except InputError as error:
                raise ApiError(422, str(error)) from None
        return render("teach_whatif.html", token, name=name, result=result, case=case,
                      rows=conclusion_rows(result), certainty=certainty_rows(result),
                      change_head=change_head, change_facts=change_facts)

    async def whynot(request: Request):
        from myotrace.expert.teach.whynot import fired_text, rule_statements

        name = request.path_params["name"]
        case = load(name)
        with WORK:
            try:
                result = room.why_not(case, request.query_params.get("target", ""))
            except InputError as error:
                raise ApiError(422, str(error).removeprefix("--why-not: ")) from None
        return render("teach_whynot.html", token, name=name, result=result, statements=rule_statements(),
                      targets=MUSCLES + TRIAGE_LEVELS, fired_text=fired_text)

    async def rules(request: Request):
        from myotrace.expert.present.references import bibliography

        with WORK:
            ordered, salience = room.rules_in_order()
        return render("teach_rules.html", token, rules=ordered, salience=salience,
                      references=bibliography(rule.source for rule in ordered))

    async def muscle(request: Request):
        from myotrace.expert.present.kbview import muscle_sources, part_text
        from myotrace.expert.present.references import bibliography
        muscle_id = request.path_params["muscle"]
        if muscle_id not in MUSCLES:
            raise ApiError(404, f"no muscle {muscle_id!r}: one of {', '.join(MUSCLES)}")
        kb = knowledge()
        entry = kb.muscles[muscle_id]
        from myotrace.expert.present.bodychart import body_chart
        patterns = [{"pattern": pattern, "part": part_text(pattern.part)} for pattern in entry.patterns]
        chart = trusted_svg(body_chart((), [[muscle_id]], side="right", prefix="kb", patient=False)
                            .replace(" (primary)", ""))
        keys, satellites = kb.keys_of(muscle_id), kb.satellites_of(muscle_id)
        return render("teach_muscle.html", token, muscle=muscle_id, entry=entry, patterns=patterns, chart=chart,
                      keys=keys, satellites=satellites, muscles=MUSCLES, references=bibliography(muscle_sources(kb, muscle_id)))

    async def practice(request: Request):
        from myotrace.expert.teach import practice as drill
        from myotrace.expert.teach.hints import HINT_COST

        params = request.query_params
        codes = practice_codes()
        code = params.get("case") or random.choice(sorted(codes))
        if code not in codes:
            raise ApiError(404, "no such practice case: start a new one from the practice page")
        name = codes[code]
        case = load(name)
        try:
            hint_count = int(params.get("hints", "0"))
        except ValueError:
            hint_count = 0
        answers = None
        if "triage" in params:
            try:
                answers = {"triage": drill.parse_triage(params["triage"]),
                           "primary": drill.parse_muscle(params.get("primary", "none")),
                           "chain": drill.parse_chain(params.get("chain", ""))}
            except InputError as error:
                raise ApiError(422, str(error)) from None
        with WORK:
            drilled = room.practice(case, hint_count, answers)
        critique, score = None, None
        if drilled.critique is not None:
            critique = [{"item": item, "points": points, "lines": lines} for item, points, lines in drilled.critique]
            score = {"earned": drilled.earned, "cost": drilled.cost, "net": drilled.net, "possible": len(critique)}
        return render("teach_practice.html", token, name=name, code=code, shown=drill.case_lines(case, 1, 1)[1:],
                      critique=critique, hints=[f"{ITEM_WORDS[item]}: {hint}" for item, hint in drilled.hints],
                      hint_count=len(drilled.hints), more_hints=drilled.more_hints, score=score,
                      hint_cost=HINT_COST, params=params, triage_levels=TRIAGE_LEVELS, muscles=MUSCLES)

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
        from myotrace.expert.present.references import source_text

        name = request.path_params["name"]
        case = load(name)
        with WORK:
            view = room.differential(case)
        return render("teach_differential.html", token, name=name, view=view, cite=source_text)

    async def refers_to_page(request: Request):
        from myotrace.expert.present.kbview import refers_to, resolve_region
        from myotrace.expert.present.references import bibliography, source_text

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
