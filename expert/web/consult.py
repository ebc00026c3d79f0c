"""The consultation service: the JSON API's and the pages' logic over the interview state machine; no HTTP here.

Every answer is applied inside one store transaction: the row is re-read, the
Step is checked against the question asked *now*, the Interview re-derives,
and the row is written, or nothing is. A Step for a question that another tab
has already answered is a conflict (409), never a silent overwrite.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from pydantic import ValidationError

from myotrace.expert.errors import did_you_mean
from myotrace.expert.interview.session import (
    ASKABLE, CHECKLIST_KINDS, CHECKLISTS, RED_FLAG_SCREEN, Interview, Prompt, Session, Step, now, prompt_for,
)
from myotrace.expert.interview.wording import NERVE_SCREEN_HINT, PAIN_MAP_HINT, PALPATION_HINT, RED_FLAG_HINT
from myotrace.expert.report import question_wording
from myotrace.expert.web.store import Record, Store
from myotrace.facts.case import History
from myotrace.facts.vocabulary import PAIN_MAP, PALPATE, REGIONS, SIDES, label

WORK = threading.Lock()  # one engine per process: one consultation's derivation at a time
CACHE_SIZE = 512  # interviews kept derived (~80 KiB each): a miss costs one more engine consult per answer


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def not_found(consultation_id: str) -> ApiError:
    return ApiError(404, f"no consultation {consultation_id!r}; GET /api/consultations lists them")


def validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    place = ".".join(str(p) for p in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return f"{place}: {message}" if place else message


ANSWER = 'true, false or "unknown"'


def _is_answer(value) -> bool:
    return isinstance(value, bool) or value == "unknown"


def _check_value(item: str, value) -> None:
    """One clear message for a value that does not fit its item (pydantic's union errors are not)."""
    if item in CHECKLISTS:
        allowed, what = CHECKLISTS[item], "red flag" if item == RED_FLAG_SCREEN else "nerve-screen sign"
        if not isinstance(value, dict):
            raise ApiError(422, f'bad Step: {item} takes an object from each {what} id to {ANSWER}')
        for flag, answer in value.items():
            if flag not in allowed:
                raise ApiError(422, f"bad Step: {item}: unknown {what} {flag!r}{did_you_mean(str(flag), allowed)}")
            if not _is_answer(answer):
                raise ApiError(422, f"bad Step: {item}: {flag} is {answer!r}; answer {ANSWER}")
    elif item == PAIN_MAP:
        if value == "unknown":
            return
        if not isinstance(value, list):
            raise ApiError(422, 'bad Step: pain_map takes a list of region ids or "unknown"')
        if len(value) > len(REGIONS):
            raise ApiError(422, f"bad Step: pain_map lists {len(value)} regions; there are {len(REGIONS)}, "
                                "each listed at most once")
        for region in value:
            if region not in REGIONS:
                raise ApiError(422, f"bad Step: pain_map: unknown region {region!r}{did_you_mean(str(region), REGIONS)}")
    elif item in ASKABLE and not _is_answer(value):
        raise ApiError(422, f"bad Step: {item} is {value!r}; answer {ANSWER}")


def parse_step(body) -> Step:
    if not isinstance(body, dict):
        raise ApiError(422, 'the body must be a JSON object: {"item": ..., "value": ...}')
    if isinstance(body.get("item"), str) and "value" in body:
        _check_value(body["item"], body["value"])
    try:
        return Step.model_validate(body)
    except ValidationError as error:
        raise ApiError(422, f"bad Step: {validation_message(error)}") from None


# ---- questions as the API shows them --------------------------------------------------
def question(interview: Interview, prompt: Prompt | None) -> dict | None:
    """Q: {item, text, why[, choices]} plus kind, labels, hint, why_levels, progress."""
    if prompt is None:
        return None
    kb = interview.kb
    q: dict = {"item": prompt.item, "kind": prompt.kind}
    if prompt.kind in CHECKLIST_KINDS:
        red = prompt.kind == "red_flag_screen"
        q["text"] = "Red-flag screen: ask each item directly." if red else "Nerve screen: examine each sign."
        q["choices"] = list(prompt.items)
        q["labels"] = {flag: kb.findings[flag].question for flag in prompt.items}
        q["hint"] = RED_FLAG_HINT if red else NERVE_SCREEN_HINT
    elif prompt.kind == "pain_map":
        q["text"] = question_wording(kb, PAIN_MAP)
        q["choices"] = list(REGIONS)
        q["labels"] = {region: label(region) for region in REGIONS}
        q["hint"] = PAIN_MAP_HINT
    else:
        q["text"] = question_wording(kb, prompt.item)
        if prompt.item.startswith(PALPATE):
            q["muscle"] = prompt.item.removeprefix(PALPATE)
            q["hint"] = PALPATION_HINT
        else:
            q["hint"] = kb.findings[prompt.item].hint
    levels = why_levels(interview, prompt)
    q["why"] = levels[0]
    q["why_levels"] = levels
    q["optional"] = prompt.optional
    answered = len(interview.session.answers)
    progress = interview.progress(prompt)
    q["purpose"] = prompt.purpose
    q["progress"] = {"answered": answered, "remaining": progress.decisive, "text": progress.text()}
    return q


def why_levels(interview: Interview, prompt: Prompt) -> list[str]:
    """Every level of ``why`` (as the terminal climbs them), as text."""
    levels = []
    for level in range(1, 12):
        why = interview.why(level, prompt)
        head = f"{why.rule}: {why.statement}" if why.rule else why.statement
        levels.append(head + (f" {why.detail}" if why.detail else ""))
        if why.top:
            break
    return levels


def prompt_of(q: dict) -> Prompt:
    """A Q back as the state machine's Prompt (for answer_from_case)."""
    return prompt_for(q["item"], q.get("choices") if q["item"] in CHECKLISTS else None)


# ---- the service ----------------------------------------------------------------------
class Consultations:
    """What the JSON API and the pages do, over a Store."""

    def __init__(self, store: Store):
        self.store = store
        self._cache: OrderedDict[str, tuple[int, Interview]] = OrderedDict()

    def _interview(self, record: Record) -> Interview:
        cached = self._cache.get(record.id)
        if cached and cached[0] == record.version:
            interview = cached[1]
            interview.session = record.session  # the same answers, read again
        else:
            interview = Interview(record.session)
        return interview

    def _remember(self, record: Record, interview: Interview) -> None:
        self._cache[record.id] = (record.version, interview)
        self._cache.move_to_end(record.id)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def state(self, interview: Interview) -> dict:
        prompt = interview.next_prompt()
        return {"next": question(interview, prompt), "done": prompt is None}

    # ---- reading ------------------------------------------------------------------
    def list(self) -> list[dict]:
        return self.store.list()

    def open(self, consultation_id: str) -> tuple[Record, Interview]:
        """The consultation and its re-derived interview; hold WORK while using them."""
        record = self.store.get(consultation_id)
        if record is None:
            raise not_found(consultation_id)
        interview = self._interview(record)
        self._remember(record, interview)
        return record, interview

    def show(self, consultation_id: str) -> dict:
        with WORK:
            record, interview = self.open(consultation_id)
            return {"id": record.id, "case": record.label, "side": record.session.side,
                    "answers": [s.model_dump() for s in record.session.answers],
                    **self.state(interview), "version": record.version, "updated": record.updated,
                    "triage": interview.report.triage}

    # ---- writing ------------------------------------------------------------------
    def create(self, body) -> dict:
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ApiError(422, 'the body must be a JSON object, e.g. {"case": "label"}')
        unknown = set(body) - {"case", "side"}
        if unknown:
            raise ApiError(422, f"unknown key {sorted(unknown)[0]!r}: a new consultation takes case and side")
        case, side = body.get("case"), body.get("side")
        if case is not None and (not isinstance(case, str) or len(case) > 200):
            raise ApiError(422, "case: a label of at most 200 characters (never a patient's name)")
        case = case.strip() or None if isinstance(case, str) else None
        if side is not None and side not in SIDES:
            raise ApiError(422, f"side: {side!r} is not one of {', '.join(SIDES)}")
        with WORK:
            interview = Interview(Session(case=case, side=side, created=now()))
            record = self.store.create(interview.session, interview.report.triage)
            self._remember(record, interview)
            return {"id": record.id, "next": question(interview, interview.next_prompt())}

    def _change(self, consultation_id: str, change) -> dict:
        with WORK:
            try:
                with self.store.change(consultation_id) as record:
                    if record is None:
                        raise not_found(consultation_id)
                    interview = self._interview(record)
                    change(interview)
                    record.triage = interview.report.triage
                self._remember(record, interview)
                return self.state(interview)
            except BaseException:
                self._cache.pop(consultation_id, None)  # its session may hold the undone change
                raise

    def answer(self, consultation_id: str, body, side: str | None = None) -> dict:
        """Answer the question asked now; ``side`` (pages only) records the painful side with the pain map."""
        step = parse_step(body)
        if side is not None and side not in SIDES:
            raise ApiError(422, f"side: {side!r} is not one of {', '.join(SIDES)}")

        def apply(interview: Interview):
            prompt = interview.next_prompt()
            if prompt is None:
                raise ApiError(409, "the interview is over: nothing is asked (go back or change an earlier answer)")
            if step.item != prompt.item:
                if any(s.item == step.item for s in interview.session.answers):
                    raise ApiError(409, f"{step.item} is already answered (in another tab?); "
                                        f"the question now is {prompt.item}: reload")
                raise ApiError(422, f"{step.item} is not asked now; the question is {prompt.item}")
            if side is not None:
                interview.session.side = side
            try:
                interview.answer(step.value)
            except ValueError as error:
                raise ApiError(422, str(error)) from None
        return self._change(consultation_id, apply)

    def back(self, consultation_id: str) -> dict:
        def undo(interview: Interview):
            if interview.back() is None:
                raise ApiError(409, "nothing to undo: no answer yet")
        return self._change(consultation_id, undo)

    def edit(self, consultation_id: str, body, side: str | None = None) -> dict:
        """Change an earlier answer (``side`` as in ``answer``) as the terminal's ``edit`` does: later
        answers are kept, a screen may be given only the flags that change."""
        step = parse_step(body)
        if side is not None and side not in SIDES:
            raise ApiError(422, f"side: {side!r} is not one of {', '.join(SIDES)}")

        def apply(interview: Interview):
            if side is not None:
                interview.session.side = side  # re-derived with the changed answer
            try:
                interview.edit(step.item, step.value)
            except ValueError as error:
                raise ApiError(422, str(error)) from None
        return self._change(consultation_id, apply)

    def set_side(self, consultation_id: str, body) -> dict:
        side = body.get("side") if isinstance(body, dict) else None
        if side is not None and side not in SIDES:
            raise ApiError(422, f"side: {side!r} is not one of {', '.join(SIDES)} (or null)")

        def apply(interview: Interview):
            interview.session.side = side
            interview.refresh()
        return self._change(consultation_id, apply)

    def intake(self, consultation_id: str, body) -> dict:
        """Record the intake (``history``: age, onset, duration_weeks, pain_intensity, aggravating)
        and the free-text ``notes``; neither is read by the rules."""
        if not isinstance(body, dict) or set(body) - {"history", "notes"}:
            raise ApiError(422, 'the intake is {"history": {...}, "notes": "..."}')
        notes = body.get("notes")
        if notes is not None and (not isinstance(notes, str) or len(notes) > 2000):
            raise ApiError(422, "notes: free text of at most 2000 characters (never a patient's name)")
        try:
            history = History.model_validate(body.get("history") or {})
        except ValidationError as error:
            raise ApiError(422, f"intake: {validation_message(error)}") from None

        def apply(interview: Interview):
            interview.record_history(history, notes if notes is not None else "")
        return self._change(consultation_id, apply)

    def delete(self, consultation_id: str) -> None:
        with WORK:
            self._cache.pop(consultation_id, None)
            if not self.store.delete(consultation_id):
                raise not_found(consultation_id)
