"""The least-cost search behind "cost at which a cap is reached": guided by a measure (interpolating
on a leaf's subsidy before caps) it finds exactly the cost plain bisection finds."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from engine.explain.least_cost import MAX_COST, least_cost_search


def banded(bands, rounding=math.floor):
    """A subsidy schedule like a policy's: rate per band of cost, the total rounded down; monotone."""
    def measure(case):
        cost, total, start = case["cost"], Fraction(0), 0
        for limit, rate in bands:
            part = min(cost, limit) - start
            if part <= 0:
                break
            total += part * rate
            start = limit
        return rounding(total)
    return measure


def least(measure, target, now):
    """By definition: the least cost above `now` whose measure reaches the target (plain bisection)."""
    return least_cost_search({"cost": now}, ("cost",), now, lambda c: measure(c) >= target)


CASES = [
    ([(MAX_COST, Fraction(1, 2))], 500_000, 0, 1_000_000),
    ([(MAX_COST, Fraction(2, 3))], 1_000_000, 10, 1_500_000),
    ([(MAX_COST, Fraction(3, 4))], 1, 0, 2),  # ⌊x·3/4⌋ ≥ 1 first at 2
    ([(1_000_000, Fraction(3, 4)), (MAX_COST, Fraction(2, 3))], 1_500_000, 0, 2_125_000),  # the crossing in the second band
    ([(500_000, Fraction(1, 2)), (4_000_000, Fraction(1, 3)), (MAX_COST, Fraction(0))], 1_000_000, 123, 2_750_000),
]


@pytest.mark.parametrize("bands,target,now,expected", CASES)
def test_the_guided_search_finds_the_least_cost(bands, target, now, expected):
    measure = banded(bands)
    guided = least_cost_search({"cost": now}, ("cost",), now, lambda c: measure(c) >= target, guide=(measure, target))
    assert guided == least(measure, target, now) == expected


def test_guided_and_plain_search_agree_on_generated_schedules():
    rng = random.Random(25)
    for _ in range(300):
        limits = sorted(rng.sample(range(1, 10_000_000), rng.randint(1, 4))) + [MAX_COST]
        bands = [(limit, Fraction(rng.randint(0, 9), rng.randint(1, 9))) for limit in limits]
        measure = banded(bands)
        now = rng.randint(0, 5_000_000)
        target = measure({"cost": now}) + rng.randint(1, 3_000_000)
        guided = least_cost_search({"cost": now}, ("cost",), now, lambda c: measure(c) >= target, guide=(measure, target))
        assert guided == least(measure, target, now), (bands, target, now)


def test_a_target_no_cost_reaches_gives_none():
    measure = banded([(1_000, Fraction(1, 2)), (MAX_COST, Fraction(0))])  # at most 500 yen
    assert least_cost_search({"cost": 0}, ("cost",), 0, lambda c: measure(c) >= 501, guide=(measure, 501)) is None
