"""Jinja2 with autoescape: templates only render what the state machine, the report and the teaching views return."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from myotrace.expert.web.labels import finding_name, question_words, reason_words
from myotrace.facts.vocabulary import label

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["label"] = lambda value: label(value) if value else ""
    env.filters["finding"] = lambda value: finding_name(value) if value else ""
    env.filters["reason"] = reason_words
    env.filters["question"] = question_words
    env.filters["cite"] = _cite            # a source as short citations: Travell & Simons 1992, vol. 2 …
    env.filters["humanize"] = _humanize    # vocabulary ids inside a sentence as words
    env.filters["answer"] = _answer        # true/false/unknown as yes/no/not known
    return env


def _cite(source: str) -> str:
    from myotrace.expert.present.references import source_text
    return source_text(source)


def _humanize(text: str) -> str:
    from myotrace.expert.present.text import humanize
    return humanize(str(text))


def _answer(value) -> str:
    from myotrace.expert.present.text import answer_text
    return answer_text(value)


def trusted_svg(svg: str) -> Markup:
    """An SVG built by our own chart and graph code, which escapes every text it draws."""
    return Markup(svg)


def render(template: str, token: str, status: int = 200, headers=None, **context) -> HTMLResponse:
    html = environment().get_template(template).render(csrf_token=token, **context)
    return HTMLResponse(html, status_code=status, headers=headers)
