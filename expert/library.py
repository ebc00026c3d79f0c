"""The case library that ships inside the package (``myotrace/cases/``).

``myotrace cases`` lists it, ``practice`` and ``evaluate`` run it when given no path.
"""
import re
from pathlib import Path

from myotrace.expert.casefile import case_paths, load_case
from myotrace.expert.errors import InputError, did_you_mean

LIBRARY = Path(__file__).resolve().parent.parent / "cases"
SUMMARY_WIDTH = 72
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s")


def library_paths() -> list[Path]:
    """The shipped case files, sorted by name."""
    return case_paths([LIBRARY]) if LIBRARY.is_dir() else []


def summary(notes: str | None, width: int = SUMMARY_WIDTH) -> str:
    """A one-line summary: the first sentence of a case's notes, cut at a word to ``width``."""
    text = " ".join((notes or "").split())
    if not text:
        return "(no notes)"
    first = _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".;:")
    if len(first) <= width:
        return first
    cut = first[: width - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def case_id(path: Path) -> str:
    return path.stem


def find_case(wanted: str) -> Path:
    """The library file whose id (file name without suffix) is ``wanted``."""
    by_id = {case_id(path): path for path in library_paths()}
    path = by_id.get(wanted) or by_id.get(wanted.strip().lower())
    if path is None:
        raise InputError(f"no case {wanted!r} in the library{did_you_mean(wanted, by_id)}"
                         " (`myotrace cases` lists them)")
    return path


def listing() -> list[tuple[str, str | None]]:
    """(id, notes) for every library case; ``summary(notes)`` makes the one-line summary."""
    return [(case_id(path), load_case(path).notes) for path in library_paths()]
