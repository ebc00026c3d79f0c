"""What if? (``myotrace explain CASE --set finding=value --unset finding``)

Change the case, run both versions, and show the conclusion before and after
and which firings changed. Firings are compared on their structured records:
a firing is identified by its rule and what it matched (a Finding by its id, a
Hypothesis by its muscle, …), so "the same firing with other numbers" shows as
changed rather than as one gone and one new.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from myotrace.expert.casefile import validate
from myotrace.expert.errors import InputError, allowed_list, did_you_mean
from myotrace.expert.present.text import WIDTH, answer_text, fact_brief, user_key, wrap
from myotrace.expert.report import build_report
from myotrace.facts.vocabulary import FINDINGS, MUSCLES, REGIONS, label

ANSWERS = {"true": True, "yes": True, "false": False, "no": False, "unknown": "unknown"}
LIST_KEYS = {"pain": ("pain", REGIONS, "pain region"), "tender": ("tender_points", MUSCLES, "muscle"),
             "tender_points": ("tender_points", MUSCLES, "muscle"),
             "non_tender": ("non_tender", MUSCLES, "muscle")}


def _choose(value: str, allowed, what: str, option: str) -> str:
    value = user_key(value)
    if value not in allowed:
        raise InputError(f"{option}: unknown {what} '{value}' (allowed: {allowed_list(allowed)})"
                         f"{did_you_mean(value, allowed)}")
    return value


def apply_changes(case, sets=(), unsets=()):
    """A new case with the changes applied; InputError names a bad change.

    --set FINDING=true|false|unknown, --set pain=+REGION / pain=-REGION,
    --set tender=MUSCLE, --set non_tender=MUSCLE; --unset FINDING (back to
    "not asked"), --unset pain=REGION, --unset tender=MUSCLE, --unset non_tender=MUSCLE.
    """
    data = case.model_dump(exclude={"expect"})  # fresh containers: the case itself is untouched
    changes = []
    for item in sets:
        if "=" not in item:
            raise InputError(f"--set {item!r}: write FINDING=true|false|unknown, pain=+REGION, or tender=MUSCLE")
        key, value = _split(item)
        if key in LIST_KEYS:
            changes.append(_set_list(data, key, value))
        else:
            finding = _choose(key, FINDINGS, "finding", "--set")
            answer = ANSWERS.get(value.lower())
            if answer is None:
                raise InputError(f"--set {item!r}: a finding takes true, false or unknown")
            before = data["findings"].get(finding)
            data["findings"][finding] = answer
            changes.append(f"{label(finding)}: {_answer(answer)} (was: {_answer(before)})")
    for item in unsets:
        if "=" in item:
            key, value = _split(item)
            if key not in LIST_KEYS:
                raise InputError(f"--unset {item!r}: use FINDING, pain=REGION, tender=MUSCLE or non_tender=MUSCLE")
            changes.append(_set_list(data, key, "-" + value.lstrip("+-")))
        else:
            finding = _choose(item, FINDINGS, "finding", "--unset")
            before = data["findings"].pop(finding, None)
            changes.append(f"{label(finding)}: not asked (was: {_answer(before)})")
    return validate(data, "what-if"), changes


def _split(item: str) -> tuple[str, str]:
    """KEY=VALUE as (key, value), the key lower-case with - read as _."""
    key, value = (part.strip() for part in item.split("=", 1))
    return key.lower().replace("-", "_"), value


def _set_list(data, key, value) -> str:
    field_name, allowed, what = LIST_KEYS[key]
    remove = value.startswith("-")
    item = _choose(value.lstrip("+-"), allowed, what, f"--set {key}")
    values = list(data[field_name])
    if remove:
        if item in values:
            values.remove(item)
        data[field_name] = values
        return f"{FIELD_WORDS[field_name]}: {label(item)} removed"
    if item not in values:
        values.append(item)
    data[field_name] = values
    if field_name == "tender_points" and item in data["non_tender"]:
        data["non_tender"] = [m for m in data["non_tender"] if m != item]
        return f"{label(item)} now tender (was: palpated, not tender)"
    if field_name == "non_tender" and item in data["tender_points"]:
        data["tender_points"] = [m for m in data["tender_points"] if m != item]
        return f"{label(item)} now palpated without reproducing the pain (was: tender)"
    return f"{FIELD_WORDS[field_name]}: {label(item)} added"


FIELD_WORDS = {"pain": "pain map", "tender_points": "tender on palpation",
               "non_tender": "palpated without reproducing the pain"}


def _answer(value) -> str:
    return "not asked" if value is None else answer_text(value)


# ---- comparing two runs ----------------------------------------------------------
IDENTITY_FIELDS = ("id", "muscle", "item", "finding")
SINGLETONS = ("PainMap", "Primary", "Undecided", "Triage", "TriageVote")  # one slot each, whatever it holds


def _identity(fact: dict) -> tuple:
    """What a matched fact *is*, regardless of its numbers: Finding ober_positive,
    Hypothesis gluteus_minimus, the PainMap, SatelliteEdge ql → gmin, …"""
    if fact["type"] in ("SatelliteEdge", "ChainLink"):
        return fact["type"], fact["key"], fact["satellite"]
    if fact["type"] in SINGLETONS:
        return (fact["type"],)
    for name in IDENTITY_FIELDS:
        if name in fact:
            return fact["type"], fact[name]
    return (fact["type"],)


def _content(fact: dict) -> str:
    return json.dumps({k: v for k, v in fact.items() if k != "fact"}, sort_keys=True, default=str)


def _signature(firing) -> tuple:
    return firing.rule, tuple(sorted(_identity(f) for f in firing.matched))


@dataclass
class FiringChange:
    kind: str                 # new | gone | changed
    rule: str
    before: object = None     # Firing or None
    after: object = None


@dataclass
class WhatIf:
    changes: list[str]
    before: object            # Report
    after: object             # Report
    firings: list[FiringChange] = field(default_factory=list)
    certainty: list[tuple[str, float, float, bool, bool]] = field(default_factory=list)

    @property
    def conclusion_changed(self) -> bool:
        keys = ("triage", "primary_muscle", "chain", "conditions", "red_flags")
        return any(getattr(self.before, k) != getattr(self.after, k) for k in keys)


def compare_traces(before, after) -> list[FiringChange]:
    """Firings only in one run, and firings of the same rule on the same facts
    whose numbers or conclusions differ; in the order of the later run."""
    def grouped(trace):
        groups: dict[tuple, list] = {}
        for firing in trace:
            groups.setdefault(_signature(firing), []).append(firing)
        return groups

    old, new = grouped(before), grouped(after)
    result = []
    for signature in dict.fromkeys(list(new) + list(old)):
        a, b = old.get(signature, []), new.get(signature, [])
        for index in range(max(len(a), len(b))):
            x = a[index] if index < len(a) else None
            y = b[index] if index < len(b) else None
            if x is None:
                result.append(FiringChange("new", y.rule, None, y))
            elif y is None:
                result.append(FiringChange("gone", x.rule, x, None))
            elif ([_content(f) for f in x.matched + x.declared] != [_content(f) for f in y.matched + y.declared]):
                result.append(FiringChange("changed", y.rule, x, y))
    result.sort(key=lambda c: (c.after or c.before).number + (0.5 if c.after is None else 0))
    return result


def what_if(engine, case, sets=(), unsets=()) -> WhatIf:
    changed_case, changes = apply_changes(case, sets, unsets)  # keeps the case's name
    engine.consult(case)
    before, before_trace = build_report(engine, case), list(engine.trace)
    before_cf = {c.muscle: (c.certainty, c.supported) for c in before.candidates}
    engine.consult(changed_case)
    after, after_trace = build_report(engine, changed_case), list(engine.trace)
    after_cf = {c.muscle: (c.certainty, c.supported) for c in after.candidates}
    certainty = []
    for muscle in MUSCLES:
        b, a = before_cf.get(muscle, (0.0, False)), after_cf.get(muscle, (0.0, False))
        if b != a:
            certainty.append((muscle, b[0], a[0], b[1], a[1]))
    return WhatIf(changes, before, after, compare_traces(before_trace, after_trace), certainty)


def _chain_text(report) -> str:
    return " → ".join(label(m) for m in report.chain) or "none"


def conclusion_rows(result: WhatIf) -> list[tuple[str, str, str]]:
    """(what, before, after) in words: triage, red flags, screens, primary muscle, chain, conditions.
    The terminal and the teaching room show the same rows."""
    rows = [("triage", label(result.before.triage), label(result.after.triage)),
            ("primary", label(result.before.primary_muscle or "none"), label(result.after.primary_muscle or "none")),
            ("chain", _chain_text(result.before), _chain_text(result.after)),
            ("conditions", ", ".join(label(c) for c in result.before.conditions) or "none",
             ", ".join(label(c) for c in result.after.conditions) or "none")]
    rows.insert(1, ("red flags", result.before.red_flags_text, result.after.red_flags_text))
    rows.insert(2, ("screens", result.before.screens_text, result.after.screens_text))
    return rows


def certainty_rows(result: WhatIf) -> list[tuple[str, float, float, str]]:
    """(muscle in words, before, after, note) for every muscle whose certainty changed."""
    return [(label(muscle), b, a, "" if sb == sa else ("now supported" if sa else "no longer supported"))
            for muscle, b, a, sb, sa in result.certainty]


def what_if_lines(result: WhatIf) -> list[str]:
    lines = []
    for change in result.changes:
        lines += wrap(change, "What if: " if not lines else "         ", "           ")
    lines.append("")
    rows = conclusion_rows(result)
    lines.append("Conclusion " + ("CHANGED" if result.conclusion_changed else "unchanged"))
    for name, before, after in rows:
        if before == after:
            lines += wrap(f"{before}  (same)", f"  {name:<11}", " " * 13)
        else:
            lines += wrap(f"before: {before}", f"* {name:<11}", " " * 21)
            lines += wrap(f"after:  {after}", " " * 13, " " * 21)
    if result.certainty:
        lines += ["", "Certainty"]
        for muscle, b, a, note in certainty_rows(result):
            lines.append(f"  {muscle:<22} {b:>5.2f} → {a:>5.2f}" + (f"  {note}" if note else ""))
    lines += ["", f"Firings that changed ({_counts(result.firings)}):"]
    if not result.firings:
        lines.append("  none: the same rules fired on the same facts.")
    for change in result.firings:
        lines += _change_lines(change)
    lines += ["", "  + fired only after the change, - only before it, ~ in both on other facts;",
              "  #n is the step in the run before → after."]
    return lines


def _counts(firings) -> str:
    kinds = [c.kind for c in firings]
    return ", ".join(f"{kinds.count(k)} {k}" for k in ("new", "gone", "changed") if k in kinds) or "none"


def change_facts(change: FiringChange) -> list[str]:
    """What a changed firing declared, in words: for a firing in both runs, what was and what is now."""
    before, after = change.before, change.after
    if change.kind == "new":
        facts = [fact_brief(f) for f in after.declared] or ["(declared nothing)"]
    elif change.kind == "gone":
        facts = [fact_brief(f) for f in before.declared] or ["(declared nothing)"]
    else:
        old = [fact_brief(f) for f in before.declared]
        new = [fact_brief(f) for f in after.declared]
        facts = [f"was: {t}" for t in old if t not in new] + [f"now: {t}" for t in new if t not in old]
        if not facts:
            was = {_identity(f): _content(f) for f in before.matched}
            differing = [f for f in after.matched if was.get(_identity(f)) != _content(f)]
            facts = ["same conclusion, on changed facts: " + "; ".join(fact_brief(f) for f in differing)]
    return facts


def change_head(change: FiringChange) -> str:
    """``+ #12 REF-002``: fired only after the change (+), only before it (-), in both on other facts (~)."""
    before, after = change.before, change.after
    if change.kind == "new":
        return f"+ #{after.number:<3} {after.rule}"
    if change.kind == "gone":
        return f"- #{before.number:<3} {before.rule}"
    return f"~ #{before.number}→#{after.number} {after.rule}"


def _change_lines(change: FiringChange) -> list[str]:
    head = f"  {change_head(change)}  "
    facts = change_facts(change)
    lines = []
    shown = facts[:4] + ([f"… and {len(facts) - 4} more"] if len(facts) > 4 else [])
    for index, text in enumerate(shown):
        lines += wrap(text, head if index == 0 else " " * len(head), " " * (len(head) + 2))
    return [line[:WIDTH] for line in lines]
