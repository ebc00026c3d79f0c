"""``myotrace kb claims``: the claims register as readable text, a markdown table or CSV.

Citations are shown as a reader cites them ("Willett et al. 2016, locator"), each with
its evidence level; a row's level is its strongest source's.
"""
from __future__ import annotations

import csv
import io
import re

from myotrace.expert.claims import UNASSESSED, Claim
from myotrace.expert.present.references import cite
from myotrace.expert.present.text import wrap
from myotrace.facts.knowledge import JUDGEMENT

COLUMNS = ("id", "kind", "claim", "sources", "level", "low authority")
LOW_MARK = {"only": "yes (only low-authority works)", "partly": "partly", "": "no"}


def source_list(row: Claim, references) -> list[str]:
    """Each citation in reader's form with its level: 'Willett et al. 2016 [diagnostic accuracy …]'
    (a judgement says so in its own words)."""
    return [cite(s.key, s.locator, references) + ("" if s.key == JUDGEMENT else f" [{s.level or UNASSESSED}]")
            for s in row.sources]


def cells(row: Claim, references) -> tuple[str, ...]:
    return (row.id, row.kind, row.text, "; ".join(source_list(row, references)) or "(uncited)",
            row.level or UNASSESSED, LOW_MARK[row.low_authority])


def text(rows: list[Claim], references) -> str:
    lines = []
    for row in rows:
        lines.append(f"{row.id}  ({row.kind})")
        lines += wrap(row.text, "  ", "  ")
        for source in source_list(row, references) or ["(uncited)"]:
            lines += wrap(source, "    source: ", "      ")
        lines.append(f"    level: {row.level or UNASSESSED} · low authority: {LOW_MARK[row.low_authority]}")
    lines.append(f"{len(rows)} claims")
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def markdown_cell(value: str) -> str:
    """One table cell: markdown's special characters escaped, line breaks as spaces."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def markdown(rows: list[Claim], references) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(markdown_cell(c) for c in cells(row, references)) + " |")
    return "\n".join(lines) + "\n"


def csv_text(rows: list[Claim], references) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(cells(row, references))
    return buffer.getvalue()


RENDERERS = {"text": text, "markdown": markdown, "csv": csv_text}
