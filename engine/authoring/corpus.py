"""A generated, boundary-heavy corpus of cases for a policy, derived from its tree: every
threshold, table cell, band edge, cap and floor of the policy (as an input value or as the cost
that reaches it), one below and one above. Seeded, so a run can be repeated exactly."""

from __future__ import annotations

import copy
import datetime
import itertools
import math
import random
from fractions import Fraction

import attrs

from engine.tree import dates as date_rule, nodes as tree
from engine.authoring.casetest import for_other_years_only


def _walk(node):
    yield node
    if attrs.has(type(node)):
        for f in attrs.fields(type(node)):
            value = getattr(node, f.name)
            if isinstance(value, tuple):
                for v in value:
                    if attrs.has(type(v)):
                        yield from _walk(v)
            elif attrs.has(type(value)):
                yield from _walk(value)


def _rate_options(node) -> list[Fraction]:
    if isinstance(node, tree.Const):
        return [Fraction(node.value)]
    if isinstance(node, tree.IfElse):
        return _rate_options(node.then) + _rate_options(node.otherwise)
    return [Fraction(1, 2)]


def _cost_for(subsidy: Fraction, bands) -> Fraction | None:
    """The cost at which a schedule of (rate, measure, limit) bands grants `subsidy`."""
    cost, granted = Fraction(0), Fraction(0)
    for rate, measure, limit in bands:
        if rate == 0:
            return None
        if limit is None or (measure == "subsidy" and subsidy <= limit) or (measure == "cost" and subsidy <= granted + (limit - cost) * rate):
            return cost + (subsidy - granted) / rate
        if measure == "subsidy":
            cost, granted = cost + (limit - granted) / rate, Fraction(limit)
        else:
            granted, cost = granted + (limit - cost) * rate, Fraction(limit)
    return None


def _amount_edges(a: tree.Amount) -> set[int]:
    """Costs at which each band edge, cap and floor of this amount is reached, for every rate it may take."""
    edges = set()
    if not a.bands:
        return edges
    targets = [b.limit.value for b in a.bands if isinstance(b.limit, tree.Const) and b.measure == "subsidy"]
    targets += [c.limit.value for c in a.caps if isinstance(c.limit, tree.Const)]
    targets += [f.limit.value for f in a.floors if isinstance(f.limit, tree.Const)]
    edges |= {b.limit.value for b in a.bands if isinstance(b.limit, tree.Const) and b.measure == "cost"}
    for rates in itertools.product(*(_rate_options(b.rate) for b in a.bands)):
        bands = [(r, b.measure, b.limit.value if isinstance(b.limit, tree.Const) else None) for r, b in zip(rates, a.bands)]
        for target in targets:
            cost = _cost_for(Fraction(target), bands)
            if cost is not None:
                edges.add(math.ceil(cost))
    return edges


class Boundaries:
    def __init__(self, policy: tree.Policy):
        self.policy = policy
        numbers, ratios, dates = {0}, {Fraction(0), Fraction(1)}, set()
        nodes = [n for d in policy.definitions.values() for n in _walk(d.body)]
        nodes += [n for f in policy.frames for n in _walk(f)]
        for n in nodes:
            if isinstance(n, tree.Const):
                if n.kind in ("yen", "count", "number") and isinstance(n.value, int) and not isinstance(n.value, bool):
                    numbers.add(n.value)
                elif n.kind == "ratio":
                    ratios.add(Fraction(n.value))
                elif n.kind == "date":
                    dates.add(n.value)
        for t in policy.tables.values():
            for row in t.rows.values():
                numbers |= {v for v in row if isinstance(v, int) and not isinstance(v, bool)}
            for low, high in t.bands or ():  # a table keyed by a number: each band's ends
                numbers |= {v for v in (low, high) if v is not None}
        costs = set()
        for f in policy.frames:
            for n in _walk(f.amount):
                if isinstance(n, tree.Amount):
                    costs |= _amount_edges(n)
        for f in policy.frames:
            dates |= {d.date for d in f.deadlines} | {d.opens for d in f.deadlines if d.opens}
        for d in policy.definitions.values():  # a step's own due date: its day, or each round's deadline moved by it
            if d.due is not None and d.due.date is not None:
                dates.add(d.due.date)
            elif d.due is not None:
                dates |= {s for f in policy.frames for r in f.deadlines
                          if (s := date_rule.shift(r.date, d.due.amount, d.due.unit) if d.due.amount else r.date) is not None}
        if policy.in_force:
            dates |= set(policy.in_force)
        durations = {(n.value, n.unit) for n in nodes if isinstance(n, tree.Const) and n.kind == "duration"}
        durations |= {(n.right.value, n.right.unit) for n in nodes if isinstance(n, tree.Arith) and n.kind == "date"}
        if durations:  # a date so long before or after each other one (and a month's end), so `d ≥ 申請日 - 3年` meets its edge
            dates |= {datetime.date(2024, 2, 29), datetime.date(2024, 1, 31), datetime.date(2023, 2, 28)}
            dates |= {s for d in list(dates) for value, unit in durations for sign in (1, -1)
                      if (s := date_rule.shift(d, sign * value, unit)) is not None}
        self.numbers = sorted({max(0, v + d) for v in numbers for d in (-1, 0, 1)})
        self.costs = sorted({max(0, v + d) for v in costs | numbers for d in (-1, 0, 1)})
        self.ratios = sorted({max(Fraction(0), min(Fraction(1), r + d)) for r in ratios for d in (Fraction(-1, 100), 0, Fraction(1, 100))})
        self.dates = sorted({d + datetime.timedelta(days=k) for d in dates for k in (-1, 0, 1)})


def _value(rng: random.Random, b: Boundaries, f: tree.Field, money_field: bool):
    policy = b.policy
    if f.kind == "enum":
        return rng.choice([m for m, _ in policy.enums[f.type_name].members])
    if f.kind == "bool":
        return rng.random() < 0.9 if f.default is None else rng.random() < (0.08 if f.default is False else 0.9)
    if f.kind in ("yen", "count"):
        pool = b.costs if money_field else b.numbers
        if f.maximum is not None:  # the reader refuses more: the bound itself is the edge
            pool = [v for v in pool if v < f.maximum] + [f.maximum]
        value = rng.choice(pool)
        return -value if f.signed and rng.random() < 0.4 else value  # a loss: each boundary below 0 too
    if f.kind == "ratio":
        r = rng.choice(b.ratios)
        return f"{r.numerator}/{r.denominator}"
    if f.kind == "date":
        return rng.choice(b.dates).isoformat() if b.dates else "2024-07-01"
    if f.kind == "list" and f.element == "enum":
        members = [m for m, _ in policy.enums[f.type_name].members]
        return rng.sample(members, rng.randint(0, len(members)))
    record = policy.records[f.type_name]
    size = rng.choice([0, 1, 1, 2, 3] + [n for n in b.numbers if 8 <= n <= 11])
    return [_object(rng, b, record.fields) for _ in range(size)]


def _object(rng: random.Random, b: Boundaries, fields) -> dict:
    obj = {}
    for f in fields:
        if (f.optional or f.default is not None) and rng.random() < 0.3:
            continue
        obj[f.name] = _value(rng, b, f, f.kind == "yen")
    return obj


def _slots(policy: tree.Policy, case: dict):
    """(container, field) pairs of the case whose value a mutation may replace."""
    for g in policy.groups:
        container = case if g.name is None else case.get(g.name)
        if not isinstance(container, dict):
            continue
        for f in g.fields:
            yield container, f
            if f.kind == "list" and f.element == "record" and isinstance(container.get(f.name), list):
                record = policy.records[f.type_name]
                for item in container[f.name]:
                    for rf in record.fields:
                        yield item, rf


def _mutate(rng: random.Random, b: Boundaries, seed_case: dict) -> dict:
    case = copy.deepcopy(seed_case)
    slots = list(_slots(b.policy, case))
    for container, f in rng.sample(slots, min(len(slots), rng.randint(1, 3))):
        container[f.name] = _value(rng, b, f, f.kind == "yen")
    return case


def generate(policy: tree.Policy, n: int, seed: int = 0, seeds=()):
    """`n` raw cases (JSON-ready dicts), valid for the policy, boundary values throughout. With
    `seeds` (e.g. the examples), half of them are seeds with one to three fields set to a boundary
    value, so the corpus also crosses each boundary near real decisions."""
    rng = random.Random(seed)
    b = Boundaries(policy)
    seeds = [{k: v for k, v in s.items() if k not in ("description", "expected", "frame")} for s in seeds
             if not for_other_years_only(s, policy)]  # another year's case may not fit this year's inputs
    for i in range(n):
        if seeds and i % 2:
            yield _mutate(rng, b, rng.choice(seeds))
            continue
        case = {}
        for g in policy.groups:
            values = _object(rng, b, g.fields)
            if g.name is None:
                case.update(values)
            else:
                case[g.name] = values
        yield case
