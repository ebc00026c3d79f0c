"""How references are shown: one short citation for a sentence, one full entry
for a bibliography. Every view (rules show, explain, the HTML report, practice)
formats references here, from the bibliography in facts/knowledge/references.yaml."""
from __future__ import annotations

from collections.abc import Iterable

from myotrace.facts.knowledge import JUDGEMENT, Reference, knowledge, parse_source

LOW = "(low authority)"


def _references(references) -> dict[str, Reference]:
    return knowledge().references if references is None else references


def _surname(author: str) -> str:
    words = author.split()
    if len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 4:
        return " ".join(words[:-1])
    return author


def short_name(reference: Reference) -> str:
    """'Willett et al. 2016', 'Lewit & Simons 1984', or the entry's own short form."""
    if reference.short:
        return reference.short
    names = [_surname(a) for a in reference.authors]
    who = names[0] if len(names) == 1 else " & ".join(names) if len(names) == 2 else f"{names[0]} et al."
    return f"{who} {reference.year}"


def cite(key: str, locator: str = "", references=None) -> str:
    """One citation as a reader sees it: 'Travell & Simons 1992, vol. 2 ch. 9 p. 169'."""
    if key == JUDGEMENT:
        return f"judgement: {locator}" if locator else "judgement"
    reference = _references(references).get(key)
    text = f"{key} (not in the bibliography)" if reference is None else short_name(reference)
    if locator:
        text += f", {locator}"
    if reference is not None and reference.authority == "low":
        text += f" {LOW}"
    return text


def source_text(source: str, references=None) -> str:
    """A whole source string as short citations; a malformed one is shown as written."""
    try:
        citations = parse_source(source)
    except ValueError:
        return source
    return "; ".join(cite(c.key, c.locator, references) for c in citations) or "(uncited)"


def short_citations(source: str, references=None) -> list[str]:
    """A source string as its short citations, each once; a malformed one as written."""
    try:
        citations = parse_source(source)
    except ValueError:
        return [source]
    return list(dict.fromkeys(cite(c.key, c.locator, references) for c in citations))


def entry(reference: Reference) -> str:
    """The full reference: authors (year). Title. Venue volume:pages. DOI, PubMed, address."""
    parts = [f"{', '.join(reference.authors)} ({reference.year}). {reference.title.rstrip('.')}."]
    if reference.kind == "article":
        parts.append(f"{reference.venue} {reference.volume}:{reference.pages}.")
    elif reference.kind == "book":
        details = [reference.volume.capitalize(), reference.edition, f"{reference.place}: {reference.venue}"]
        parts.append(" ".join(d.rstrip(".") + "." for d in details if d))
    else:
        parts.append(f"{reference.venue}" + (f", {reference.place}" if reference.place else "") + ".")
    if reference.doi:
        parts.append(f"https://doi.org/{reference.doi}")
    if reference.pmid:
        parts.append(f"PMID {reference.pmid}")
    if reference.url and not reference.doi:
        parts.append(reference.url)
    if reference.authority == "low":
        parts.append(LOW)
    return " ".join(parts)


def cited_keys_in_order(sources: Iterable[str], references=None) -> list[str]:
    """The bibliography keys the sources cite, first citation first, each once."""
    known = _references(references)
    keys: list[str] = []
    for source in sources:
        try:
            citations = parse_source(source)
        except ValueError:
            continue
        for citation in citations:
            if citation.key in known and citation.key not in keys:
                keys.append(citation.key)
    return keys


def bibliography(sources: Iterable[str], references=None) -> list[tuple[int, str, str]]:
    """(number, key, full entry) for every reference the sources cite, numbered in order of citation."""
    known = _references(references)
    return [(number, key, entry(known[key]))
            for number, key in enumerate(cited_keys_in_order(sources, known), start=1)]


def trace_sources(trace) -> list[str]:
    """The sources a run used: each firing's rule, then the knowledge items its facts carry."""
    sources = []
    for firing in trace:
        sources.append(firing.source)
        sources += [fact["source"] for fact in firing.declared if isinstance(fact.get("source"), str)]
    return sources
