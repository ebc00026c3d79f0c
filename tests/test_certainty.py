"""MYCIN certainty factors (expert.certainty)."""
import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from myotrace.expert.certainty import combine, combine_two, conclude, premise

cf = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)
positive = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
cf_lists = st.lists(cf, max_size=8)


@pytest.mark.parametrize(("a", "b", "expected"), [
    (0.6, 0.5, 0.8),            # both for: a + b(1 - a)
    (-0.6, -0.5, -0.8),         # both against: a + b(1 + a)
    (0.6, -0.4, 0.2 / 0.6),     # conflicting: (a + b) / (1 - min(|a|, |b|))
    (-0.4, 0.6, 0.2 / 0.6),
    (0.0, 0.7, 0.7),
    (1.0, 0.3, 1.0),
    (1.0, -1.0, 0.0),           # total conflict: defined as 0, never a division by zero
])
def test_combine_two(a, b, expected):
    assert combine_two(a, b) == pytest.approx(expected)


def test_combine_edge_cases():
    assert combine([]) == 0.0
    assert combine([0.0, 0.0]) == 0.0
    assert combine([0.3]) == 0.3
    assert combine([-0.3]) == -0.3
    assert combine([1.0, 0.5, -0.5]) == pytest.approx(1.0)
    assert combine([1.0, -1.0]) == 0.0


def test_combine_groups_for_and_against_before_combining():
    # MB = 0.6 (+) 0.5 = 0.8, MD = -0.6; CF = 0.2 / 0.4 = 0.5
    assert combine([0.6, -0.6, 0.5]) == pytest.approx(0.5)
    for order in itertools.permutations([0.6, -0.6, 0.5]):
        assert combine(order) == pytest.approx(0.5)


def test_premise_and_conclude():
    assert premise(0.8, 0.3, 0.5) == 0.3
    assert premise() == 0.0
    assert conclude(0.5, 0.6) == pytest.approx(0.3)
    assert conclude(1.0, 0.6) == pytest.approx(0.6)


@given(cf, cf)
def test_combine_two_bounds(a, b):
    assert -1.0 <= combine_two(a, b) <= 1.0


@given(positive, positive)
def test_combine_two_same_sign_is_symmetric(a, b):
    assert combine_two(a, b) == pytest.approx(combine_two(b, a))
    assert combine_two(-a, -b) == pytest.approx(combine_two(-b, -a))


@given(cf_lists)
def test_combine_bounds(cfs):
    assert -1.0 <= combine(cfs) <= 1.0


@given(cf_lists, st.randoms(use_true_random=False))
def test_combine_is_order_independent(cfs, rng):
    shuffled = list(cfs)
    rng.shuffle(shuffled)
    assert combine(shuffled) == combine(cfs)


@given(cf_lists, st.floats(min_value=0.0, max_value=1.0, exclude_min=True, allow_nan=False))
def test_evidence_for_never_lowers_certainty(cfs, extra):
    assert combine([*cfs, extra]) >= combine(cfs) - 1e-6


@given(cf_lists, st.floats(min_value=-1.0, max_value=0.0, exclude_max=True, allow_nan=False))
def test_evidence_against_never_raises_certainty(cfs, extra):
    assert combine([*cfs, extra]) <= combine(cfs) + 1e-6


@given(st.lists(positive, min_size=1, max_size=8))
def test_positive_evidence_only_is_at_least_the_strongest(cfs):
    assert combine(cfs) >= max(cfs) - 1e-6


@given(cf_lists)
def test_zero_evidence_changes_nothing(cfs):
    assert combine([*cfs, 0.0]) == combine(cfs)


@given(cf_lists)
@example([0.9999999999999998, 0.6771967302525354, -1.0])  # found by hypothesis: 1 vs -1 once the sum rounds to 1
def test_mirror_symmetry(cfs):
    assert combine([-x for x in cfs]) == pytest.approx(-combine(cfs), abs=1e-6)
