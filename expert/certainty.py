"""MYCIN certainty factors (Shortliffe & Buchanan 1975; EMYCIN's combining function).

- a premise made of several clauses is as certain as its weakest clause (min);
- a conclusion is as certain as its premise times the rule's own certainty;
- evidence about one hypothesis combines: positives as 1-(1-a)(1-b), negatives
  likewise, then the two totals as (MB + MD) / (1 - min(|MB|, |MD|)).

Grouping positives and negatives first, each taken weakest first, makes the result
independent of the order in which evidence arrived (the same case always gives the same
number) and exactly symmetric: negating every piece of evidence negates the result.
"""
from collections.abc import Iterable


def premise(*clauses: float) -> float:
    return min(clauses) if clauses else 0.0


def conclude(premise_cf: float, rule_cf: float) -> float:
    return premise_cf * rule_cf


def combine_two(a: float, b: float) -> float:
    if a >= 0 and b >= 0:
        return a + b * (1 - a)
    if a <= 0 and b <= 0:
        return a + b * (1 + a)
    denominator = 1 - min(abs(a), abs(b))
    return 0.0 if denominator == 0 else (a + b) / denominator


def combine(cfs: Iterable[float]) -> float:
    belief = disbelief = 0.0
    for cf in sorted(cfs, key=abs):  # a fixed order, the same for both signs: sums then match exactly
        if cf > 0:
            belief = combine_two(belief, cf)
        elif cf < 0:
            disbelief = combine_two(disbelief, cf)
    return round(combine_two(belief, disbelief), 6)
