"""The consultation room: pages and htmx fragments over the same Consultations service as the JSON API.

Forms post plain fields; they are turned into the API's Step here and go
through ``Consultations``, so a page can never store what the API would refuse.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from myotrace.expert.interview import note
from myotrace.expert.interview.session import CHECKLISTS, RED_FLAG_SCREEN
from myotrace.expert.present.formats import FORMATS as REPORT_FORMATS
from myotrace.expert.present.html import chain_links
from myotrace.expert.present.references import bibliography, trace_sources
from myotrace.expert.present.sections import CHART, report_sections
from myotrace.expert.web.chart import charts, legs_for, pain_input, tender_site
from myotrace.expert.web import patient
from myotrace.expert.web.consult import WORK, ApiError, Consultations, question
from myotrace.expert.web.labels import finding_name
from myotrace.expert.web.templating import render, trusted_svg
from myotrace.facts.vocabulary import PAIN_MAP, PALPATE, label

EXPORTS = {"case.yaml": "case", "report.json": "json", "report.md": "markdown", "report.html": "html"}  # name -> format
FORM_VALUES = {"true": True, "false": False, "unknown": "unknown"}
VALUE_WORDS = {True: "yes", False: "no", "unknown": "don't know"}
PALPATION_WORDS = {True: "reproduces the pain", False: "not tender", "unknown": "not palpated"}


async def form_of(request: Request) -> FormData:
    """The urlencoded form htmx posts (no multipart here, so no python-multipart)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return FormData(parse_qsl(body, keep_blank_values=True))


def step_from_form(form) -> tuple[dict, str | None]:
    """A form's fields as a Step body, and the painful side sent with a pain map."""
    item = form.get("item", "")
    side = form.get("side") or None
    if item in CHECKLISTS:
        value = {key.removeprefix("flag:"): FORM_VALUES.get(v, v) for key, v in form.multi_items()
                 if key.startswith("flag:")}
    elif item == PAIN_MAP:
        value = "unknown" if form.get("value") == "unknown" else form.getlist("region")
    else:
        raw = form.get("value", "")
        value = FORM_VALUES.get(raw, raw)
    return {"item": item, "value": value}, side


def answer_rows(session) -> list[dict]:
    """The answers so far, as the summary and the side panel list them."""
    rows = []
    for index, step in enumerate(session.answers):
        if step.item in CHECKLISTS:
            present = [finding_name(f) for f, v in step.value.items() if v is True]
            unknown = [finding_name(f) for f, v in step.value.items() if v == "unknown"]
            text = ("present: " + ", ".join(present) if present else "none present") + (
                f"; not known: {', '.join(unknown)}" if unknown else "")
            title = ("Red-flag screen" if step.item == RED_FLAG_SCREEN else "Nerve screen") + f" ({len(step.value)} items)"
        elif step.item == PAIN_MAP:
            title = "Pain map"
            text = "don't know" if step.value == "unknown" else ", ".join(label(r) for r in step.value) or "none"
        elif step.item.startswith(PALPATE):
            title = f"Palpation: {label(step.item.removeprefix(PALPATE))}"
            text = PALPATION_WORDS[step.value]
        else:
            name = finding_name(step.item)
            title = name[:1].upper() + name[1:]
            text = VALUE_WORDS[step.value]
        rows.append({"index": index, "item": step.item, "title": title, "text": text})
    return rows


def screen_context(record, interview, q=None, current=None, error=None) -> dict:
    """What the interview screen shows: the question asked now (or the one being changed)."""
    change = q is not None
    q = q if change else question(interview, interview.next_prompt())
    chart = {}
    if q and q["kind"] == "pain_map":
        drawn = pain_input(legs_for(record.session.side))  # the side chosen at creation: its leg only
        chart = {leg: trusted_svg(svg) for leg, svg in drawn.items()}
    elif q and q.get("muscle"):
        chart = {leg: trusted_svg(svg)
                 for leg, svg in tender_site(interview.case.pain, q["muscle"], record.session.side).items()}
    current_value = {True: "true", False: "false", "unknown": "unknown"}.get(current) if isinstance(
        current, (bool, str)) else None
    current_text = None
    if change and current is not None and q and q["kind"] == "question":
        words = PALPATION_WORDS if q["item"].startswith(PALPATE) else VALUE_WORDS
        current_text = words.get(current)
    return {"record": record, "session": record.session, "q": q, "change": change, "current": current,
            "current_value": current_value, "current_text": current_text,
            "answers": answer_rows(record.session), "report": interview.report, "error": error,
            "chart": chart, "side": record.session.side or "", "done": q is None}


def handout_words(report) -> dict:
    """What the patient handout says, in the patient's words (``patient``): never a clinician text."""
    referral = report.leads_with_referral
    return {
        "heading": patient.HEADING.get(report.triage) if referral else None,
        "lead": patient.LEAD.get(report.triage),
        "places": patient.MUSCLE_PLACES,
        "care": [] if referral else patient.care_lines(report.protocol.home_care),
        "avoid": [] if referral else patient.care_lines(report.protocol.avoid),
        "keeps_going": [] if referral else patient.keeps_going(report.perpetuating_factors),
    }


def report_context(record, interview) -> dict:
    """What the result page shows: the report's sections (present/sections.py), its chart when the
    sections have one, how it was reached, the answers and the works it rests on."""
    report = interview.report
    sections = report_sections(report, interview.trace)
    chart = {}
    if any(section.key == CHART for section in sections):
        treated = list(report.chain) + [m for chain in report.secondary_chains for m in chain]
        links = chain_links(interview.trace, treated)
        legs = legs_for(record.session.side)
        drawn = charts({leg: list(interview.case.pain) for leg in legs}, treated, links, report.chain_note, legs)
        chart = {leg: trusted_svg(svg) for leg, svg in drawn.items()}
    return {"record": record, "report": report, "sections": sections, "answers": answer_rows(record.session),
            "session": record.session, "how": interview.how(),
            "sources": bibliography(trace_sources(interview.trace)), "chart": chart}


def page_routes(service: Consultations, token: str) -> list[Route]:
    def room(request, record, interview, status=200, **extra):
        return render("_room.html", token, status=status, **screen_context(record, interview, **extra))

    async def home(request: Request):
        return render("home.html", token, consultations=service.list())

    async def new(request: Request):
        form = await form_of(request)
        body = {"case": form.get("case") or None}
        if form.get("side"):
            body["side"] = form.get("side")
        try:
            created = service.create(body)
        except ApiError as error:
            return render("_error.html", token, status=error.status, error=error.message)
        return Response(status_code=201, headers={"HX-Redirect": f"/c/{created['id']}"})

    async def consultation(request: Request):
        with WORK:
            record, interview = service.open(request.path_params["id"])
            return render("consultation.html", token, **screen_context(record, interview))

    async def act(request: Request, action):
        consultation_id = request.path_params["id"]
        error, status = None, 200
        try:
            await action(consultation_id)
        except ApiError as problem:
            if problem.status == 404:
                raise
            error, status = problem.message, problem.status
        with WORK:
            record, interview = service.open(consultation_id)
            return room(request, record, interview, status=status, error=error)

    async def answer(request: Request):
        form = await form_of(request)
        body, side = step_from_form(form)

        async def action(consultation_id):
            service.answer(consultation_id, body, side=side)
        return await act(request, action)

    async def back(request: Request):
        async def action(consultation_id):
            service.back(consultation_id)
        return await act(request, action)

    async def intake(request: Request):
        form = await form_of(request)
        history = {}
        for field in ("age", "duration_weeks", "pain_intensity"):
            raw = (form.get(field) or "").strip()
            if raw:
                try:
                    number = float(raw)
                except ValueError:
                    number = raw  # refused below with the field named
                history[field] = int(number) if isinstance(number, float) and number.is_integer() else number
        for field in ("onset", "aggravating"):
            if (form.get(field) or "").strip():
                history[field] = form.get(field).strip()

        async def action(consultation_id):
            service.intake(consultation_id, {"history": history, "notes": form.get("notes") or ""})
        return await act(request, action)

    async def change_form(request: Request):
        item = request.path_params["item"]
        with WORK:
            record, interview = service.open(request.path_params["id"])
            old = next((s for s in record.session.answers if s.item == item), None)
            if old is None:
                raise ApiError(404, f"{item} has not been answered in this consultation")
            return room(request, record, interview, q=question(interview, interview.prompt_for(item)),
                        current=old.value)

    async def change(request: Request):
        form = await form_of(request)
        body, side = step_from_form(form)

        async def action(consultation_id):
            service.edit(consultation_id, body, side=side)
        return await act(request, action)

    async def result(request: Request):
        with WORK:
            record, interview = service.open(request.path_params["id"])
            return render("result.html", token, **report_context(record, interview))

    async def handout(request: Request):
        with WORK:
            record, interview = service.open(request.path_params["id"])
            return render("handout.html", token, record=record, report=interview.report,
                          patient=handout_words(interview.report))

    async def export(request: Request):
        kind = request.path_params["kind"]
        if kind not in EXPORTS:
            raise ApiError(404, f"no export {kind!r}: {', '.join(list(EXPORTS)[:-1])} or {list(EXPORTS)[-1]}")
        with WORK:
            record, interview = service.open(request.path_params["id"])
            name = "".join(c if c.isalnum() or c in "-_" else "-" for c in (record.label or record.id))
            shown = REPORT_FORMATS[EXPORTS[kind]]
            body = shown.render(note.report_data(interview))
        if shown.name == "html":  # a page to read in the browser, not a download
            return Response(body, media_type=shown.media_type)
        return Response(body, media_type=shown.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{name}-{kind}"'})

    return [
        Route("/", home),
        Route("/c/new", new, methods=["POST"]),
        Route("/c/{id}", consultation),
        Route("/c/{id}/answer", answer, methods=["POST"]),
        Route("/c/{id}/back", back, methods=["POST"]),
        Route("/c/{id}/change/{item}", change_form),
        Route("/c/{id}/change", change, methods=["POST"]),
        Route("/c/{id}/intake", intake, methods=["POST"]),
        Route("/c/{id}/result", result),
        Route("/c/{id}/handout", handout),
        Route("/c/{id}/export/{kind}", export),
    ]

