"""The least cost at which something a what-if wants holds: the cost at which a cap is reached, or a
floor is met. Exact: every probe is an evaluation of the changed case, and the answer is the one a
bisection finds (tests/test_what_if_search.py holds it to that); a guide only chooses where to probe."""

from __future__ import annotations

import copy
import math
from fractions import Fraction

MAX_COST = 10**13


def set_value(case: dict, path: tuple, value) -> dict:
    """The case with one value changed: a copy of each object and list along `path`, the rest shared
    (nothing here changes a case in place; a deep copy per probe was a third of a what-if search)."""
    last = len(path) - 1

    def put(node, i):
        key = path[i]
        if isinstance(node, tuple):  # a list of records, read from JSON as a tuple
            node = list(node)
            node[key] = value if i == last else put(node[key], i + 1)
            return tuple(node)
        node = node.copy() if type(node) is dict else copy.copy(node)
        node[key] = value if i == last else put(node[key], i + 1)
        return node

    return put(case, 0)


def ceil_div(a, b):
    """⌈a / b⌉ exactly: whole numbers by integer division, Fractions otherwise."""
    if type(a) is int and type(b) is int:
        return -(-a // b)
    return math.ceil(Fraction(a) / b)


def least_cost_search(case: dict, path: tuple, now, good, guide=None, at_now=None):
    """The least cost above `now` at which `good` holds (it only grows with cost), or None. Every
    step keeps good(high) true and good(low) false, so the answer is the bisection's whatever
    the guide says; the guide only chooses where to probe (and `at_now`, the measure at `now`
    when known, only saves a probe)."""
    if guide is None:
        if not good(set_value(case, path, MAX_COST)):
            return None
        low, high = now, MAX_COST
        while high - low > 1:
            mid = (low + high) // 2
            if good(set_value(case, path, mid)):
                high = mid
            else:
                low = mid
        return high
    measure, target = guide
    at_high = measure(set_value(case, path, MAX_COST))  # good(x) == measure(x) >= target: one probe says both
    if at_high < target:
        return None
    low, high = now, MAX_COST
    at_low = measure(set_value(case, path, low)) if at_now is None else at_now
    # secant steps through the two latest probes: a schedule is linear between its bands' limits, so
    # once two probes lie on the crossing's band the next guess is the crossing, give or take the
    # rounding (each guess is kept strictly inside the bracket, so a guess one off is settled by
    # the next probe). After two steps running that do not halve the bracket, one halving: never
    # worse than about three times the bisection.
    (x0, f0), (x1, f1) = (low, at_low), (high, at_high)
    slow = 0
    while high - low > 1:
        width = high - low
        if slow < 2 and f1 != f0:
            guess = x0 + ceil_div((target - f0) * (x1 - x0), f1 - f0)
            probe = min(max(guess, low + 1), high - 1)
        else:
            probe, slow = (low + high) // 2, 0
        value = measure(set_value(case, path, probe))
        if value >= target:
            high = probe
        else:
            low = probe
        (x0, f0), (x1, f1) = (x1, f1), (probe, value)
        slow = slow + 1 if high - low > width // 2 else 0
    return high
