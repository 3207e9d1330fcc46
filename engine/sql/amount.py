"""Amounts of the evaluation tree as exact SQL: rate bands, caps and floors.

The band walk is the tree's (engine/evaluate/evaluator.py): the cost is consumed band by band, a band
measured on the subsidy ends where the subsidy so far reaches its limit, one on the cost where
the cost so far does; the sum of portion × rate is rounded down once, then the caps apply. It is
unrolled into rational expressions (sql_values.Num), so every figure stays exact; one constant
rate on a rounded amount is just ⌊base·a/b⌋ = base*a // b."""

from __future__ import annotations

import attrs
from sqlglot import exp

from engine.tree import nodes as tree
from engine.sql.expr import ExpressionCompiler, Unsupported, col, den_column, string
from engine.sql.reasons import Reason
from engine.sql.values import Num, const


@attrs.frozen
class Band:
    rate: Num
    measure: str | None
    limit: Num | None
    nonzero: bool  # the rate is never 0 (every constant it can take is not)


def _nonzero(rate) -> bool:
    if isinstance(rate, tree.Const):
        return rate.value != 0
    if isinstance(rate, tree.IfElse):
        return _nonzero(rate.then) and _nonzero(rate.otherwise)
    if isinstance(rate, tree.Cases):
        return all(_nonzero(b.body) for b in rate.branches) and _nonzero(rate.otherwise)
    return False


@attrs.frozen
class AmountSQL:
    value: Num
    # in the tree's order: a Reason per floor of a whole amount; an array of names (nullable
    # items) for the floors of a `for each` amount, one per item
    floors: tuple[Reason | exp.Expression, ...]


class AmountCompiler:
    def __init__(self, expressions: ExpressionCompiler):
        self.x = expressions
        self.arith = expressions.arith

    # ------------------------------------------------------------ band schedules
    def operands(self, a: tree.Amount) -> tuple[Num, list[Band]]:
        """The amount's base and bands as values (expressions; the query may first make them columns)."""
        base = self.x.expr(a.base)
        if base.nullable:
            base = attrs.evolve(base, num=exp.Coalesce(this=base.num, expressions=[self.arith.wide_zero()]), nullable=False)
        bands = [Band(rate=self.x.expr(b.rate), measure=b.measure,
                      limit=self.x.expr(b.limit) if b.limit is not None else None, nonzero=_nonzero(b.rate))
                 for b in a.bands]
        return base, bands

    def schedule(self, base: Num, bands: list[Band], round_down: bool) -> Num:
        if len(bands) == 1 and bands[0].rate.const is not None:
            subsidy = self.arith.mul(base, bands[0].rate)
            return self.arith.floor(subsidy) if round_down else subsidy
        remaining, subsidy, cost = base, const(0), const(0)
        for band in bands:
            if band.limit is None:
                portion = remaining
            elif band.measure == "subsidy":
                room = self.arith.larger(self.arith.add(band.limit, subsidy, subtract=True), const(0))
                portion = self.subsidy_portion(remaining, room, band)
            else:
                room = self.arith.larger(self.arith.add(band.limit, cost, subtract=True), const(0))
                portion = self.arith.smaller(remaining, room)
            portion = attrs.evolve(portion, nonneg=True)  # every portion is a non-negative share of the cost
            remaining = attrs.evolve(self.arith.add(remaining, portion, subtract=True), nonneg=True)
            subsidy = self.arith.add(subsidy, self.arith.mul(portion, band.rate))
            cost = self.arith.add(cost, portion)
        subsidy = attrs.evolve(subsidy, nonneg=True)
        return self.arith.floor(subsidy) if round_down else subsidy

    def subsidy_portion(self, remaining: Num, room: Num, band: Band) -> Num:
        """The cost that fills `room` of subsidy at the band's rate; all of the rest at a rate of 0."""
        rate = band.rate
        if rate.const == 0:
            return remaining
        if band.nonzero:
            return self.arith.smaller(remaining, self.arith.divide(room, rate))
        zero_rate = exp.EQ(this=self.arith.numerator(rate), expression=exp.Literal.number(0))
        safe = attrs.evolve(rate, num=exp.Case(ifs=[exp.If(this=zero_rate.copy(), true=exp.Literal.number(1))],
                                                default=self.arith.numerator(rate)))
        return self.arith.choose(zero_rate, remaining, self.arith.smaller(remaining, self.arith.divide(room, safe)))

    # ------------------------------------------------------------ caps and floors
    def capped(self, a: tree.Amount, value: Num) -> Num:
        """Each cap in turn: the value where it is at most the limit (or the cap is not active),
        else the limit."""
        for cap in a.caps:
            limit = self.arith.floor(self.x.expr(cap.limit))
            active = None
            if cap.condition is not None:
                active = self.x.boolean(cap.condition)
                if cap.negated:
                    active = exp.Not(this=exp.Paren(this=active))
            nonneg = value.nonneg and limit.nonneg
            least = self.arith.least(value, limit)  # LEAST(value, limit) where that is exact (sql_values)
            if least is not None:
                value = least if active is None else self.arith.choose(active, least, value)
            else:
                over = self.arith.compare(exp.GT, value, limit)
                value = self.arith.choose(over if active is None else exp.and_(active, over), limit, value)
            value = attrs.evolve(value, nonneg=nonneg)
        return value

    def floor_reasons(self, a: tree.Amount, value: Num) -> list[Reason]:
        return [Reason(f"floor:{a.name}", self.arith.compare(exp.LT, value, self.arith.floor(self.x.expr(f.limit))))
                for f in a.floors]

    # ------------------------------------------------------------ whole amounts
    def inline(self, a: tree.Amount) -> AmountSQL:
        """The amount as one expression (inside a `for each`, or wherever steps are not wanted)."""
        if a.for_each is not None:
            return self.for_each(a)
        return self.body(a, [self.inline(p) for p in a.parts])

    def body(self, a: tree.Amount, parts: list[AmountSQL], scheduled: Num | None = None) -> AmountSQL:
        if parts:
            value = parts[0].value
            for p in parts[1:]:
                value = self.arith.add(value, p.value)
        else:
            value = scheduled if scheduled is not None else self.schedule(*self.operands(a), a.round_down)
        value = self.capped(a, value)
        floors = tuple(self.floor_reasons(a, value)) + tuple(f for p in parts for f in p.floors)
        return AmountSQL(value=value, floors=floors)

    def for_each(self, a: tree.Amount) -> AmountSQL:
        inner = attrs.evolve(a, for_each=None)
        items = a.for_each.list

        def item_value(scope):
            value = self.inline(inner).value
            if not value.integral:
                raise Unsupported(f"{a.origin}: the amount {a.name} for each {a.for_each.variable} is not rounded "
                                  "down; the SQL form sums whole yen per item")
            e = self.arith.integer(value)
            return e if value.wide else self.arith.widen(e)

        total = self.x.sum_of(items, item_value)
        floors = ()
        if _has_floors(inner):  # each item's unmet floors, in item order
            per_item = self.x.lambda_over(items, lambda s: concat([floor_array(f) for f in self.inline(inner).floors]))
            names = exp.Flatten(this=exp.Transform(this=self.x.c_Input(items).e, expression=per_item))
            floors = (exp.Coalesce(this=names, expressions=[exp.Array(expressions=[])]),)
        return AmountSQL(value=Num(num=total, nonneg=True, wide=True), floors=floors)


def _has_floors(a: tree.Amount) -> bool:
    return bool(a.floors) or any(_has_floors(p) for p in a.parts)


def floor_array(floor: Reason | exp.Expression) -> exp.Expression:
    """A floor as an array of nullable names."""
    if isinstance(floor, Reason):
        return exp.Array(expressions=[exp.Case(ifs=[exp.If(this=floor.holds, true=string(floor.name))])])
    return floor


def concat(arrays: list[exp.Expression]) -> exp.Expression:
    if len(arrays) == 1:
        return arrays[0]
    return exp.ArrayConcat(this=arrays[0], expressions=arrays[1:])


def column_value(name: str, value: Num) -> Num:
    """A step's column standing for an amount computed earlier."""
    den = col(den_column(name)) if not value.integral else None
    return Num(num=col(name), den=den, nonneg=value.nonneg, wide=True)


