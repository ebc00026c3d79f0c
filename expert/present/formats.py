"""The report formats: one set of data per case, rendered by name.

A front end builds a case's ``ReportData`` once (the report, the case as given, the engine's
firings) and asks a ``ReportFormat`` for it; ``diagnose --format``, the web room's exports and
the interview's ``report FILE`` all look formats up here, so a format means the same bytes
wherever it is asked for.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from myotrace.expert.report import Report


@dataclass(frozen=True)
class ReportData:
    """What every format of one case's report is drawn from, taken before the engine is reset."""
    report: Report
    case: object                  # the Case as given
    trace: tuple = ()             # the engine's firings (Firing objects)
    unpalpable: tuple = ()        # muscles whose palpation was asked and not answered
    comment: str | None = None    # a comment for the case file (where it came from)

    @classmethod
    def of(cls, report: Report, engine, case, **extra) -> ReportData:
        return cls(report, case, tuple(engine.trace), **extra)


@dataclass(frozen=True)
class ReportFormat:
    name: str
    media_type: str
    suffixes: tuple[str, ...]                     # file suffixes; the first is the one written
    render: Callable[[ReportData], str]
    document: Callable | None = field(default=None, compare=False)  # (datas, names, write): many in one
    show: Callable | None = field(default=None, compare=False)      # (data, console): drawn on a terminal

    def write_all(self, datas: Iterable[ReportData], write: Callable[[str], object], names=(),
                  console=None) -> None:
        """Every case's report in turn (``names``: the case ids, for a document's title). HTML is
        one page written section by section; text is drawn on ``console`` when one is given."""
        if self.document is not None:
            self.document(datas, names, write)
            return
        for data in datas:
            if self.show is not None and console is not None:
                self.show(data, console)
            else:
                write(self.render(data))


def _show_text(data: ReportData, console) -> None:
    from myotrace.expert.present.render import render_text
    render_text(data.report, console, data.case, data.trace)


def _text(data: ReportData) -> str:
    from rich.console import Console
    console = Console(file=io.StringIO(), width=100, color_system=None, highlight=False)
    _show_text(data, console)
    return console.file.getvalue()


def _markdown(data: ReportData) -> str:
    from myotrace.expert.present.render import render_markdown
    return render_markdown(data.report, data.case, data.trace) + "\n"


def _json(data: ReportData) -> str:
    return data.report.to_json()


def html_page(data: ReportData):
    from myotrace.expert.present.html import page_of
    return page_of(data.report, data.trace, data.case)


def _html(data: ReportData) -> str:
    from myotrace.expert.present.html import render_html
    return render_html([html_page(data)])


def _html_document(datas: Iterable[ReportData], names, write) -> None:
    """One page for every case, written as ``datas`` yields them: memory stays flat however many
    cases there are."""
    from myotrace.expert.present.html import page_title, stream_html
    stream_html((html_page(d) for d in datas), page_title(names), write)


def _case_yaml(data: ReportData) -> str:
    from myotrace.expert.casefile import case_yaml
    return case_yaml(data.case, data.unpalpable, data.comment)


FORMATS: dict[str, ReportFormat] = {f.name: f for f in (
    ReportFormat("text", "text/plain; charset=utf-8", (".txt",), _text, show=_show_text),
    ReportFormat("json", "application/json", (".json",), _json),
    ReportFormat("markdown", "text/markdown; charset=utf-8", (".md", ".markdown"), _markdown),
    ReportFormat("html", "text/html; charset=utf-8", (".html", ".htm"), _html, document=_html_document),
    ReportFormat("case", "application/yaml", (".yaml", ".yml"), _case_yaml),
)}
