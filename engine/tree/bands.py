"""The rule of a rate band, in one place for every form that evaluates amounts (the evaluator,
the fast form, the page's relevance analysis): how much of the cost a band pays its rate on.

A band without a limit takes what is left; a limit on the subsidy ("4/5 until the subsidy reaches
500,000円") ends the band where the subsidy so far reaches it; a limit on the cost ends it where
the cost so far reaches it. Exact: Fractions throughout, rounding is the caller's."""

from __future__ import annotations

from fractions import Fraction

ZERO = Fraction(0)


def portion(remaining: Fraction, subsidy: Fraction, cost: Fraction, rate: Fraction, measure: str, limit) -> Fraction:
    """The part of the `remaining` cost the band pays `rate` on, given the subsidy and cost so far."""
    if limit is None:
        return remaining
    if measure == "subsidy":
        room = max(ZERO, Fraction(limit) - subsidy)
        return remaining if rate == 0 else min(remaining, room / rate)
    return min(remaining, max(ZERO, Fraction(limit) - cost))


def walk(base, bands) -> Fraction:
    """The subsidy on `base` over `bands`, each (rate, measure, limit or None), in order."""
    remaining, subsidy, cost = Fraction(base), ZERO, ZERO
    for rate, measure, limit in bands:
        rate = Fraction(rate)
        part = portion(remaining, subsidy, cost, rate, measure, limit)
        remaining -= part
        subsidy += part * rate
        cost += part
    return subsidy
