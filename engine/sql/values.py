"""Exact arithmetic written as SQL expressions (sqlglot), for the SQL form of the evaluation tree.

A number is `Num(num, den)`: the rational num/den with den > 0, both integer expressions, so no
value ever passes through SQL's `/` (a double in DuckDB and Spark). Integers have den 1 and
constants stay Python `Fraction`s until they meet a column (folded here, so `300000000 * 10`
never reaches the database as two 32-bit literals). Every integer expression that touches a
column is of the dialect's wide integer type (HUGEINT in DuckDB, DECIMAL(38,0) in Spark): the
query casts inputs to it, and a product of two narrow expressions (a CASE of literal rates
times a literal limit) is cast before it is multiplied.

Floor division: DuckDB's `//` and Spark's `DIV` truncate toward zero, which is the floor only
for a non-negative numerator; `Num.nonneg` tracks what is known to be, and anything else gets
the two-sided form."""

from __future__ import annotations

from fractions import Fraction

import attrs
from sqlglot import exp


@attrs.frozen
class Num:
    num: exp.Expression | None = None  # None: a constant, in `const`
    den: exp.Expression | None = None  # None: 1
    const: Fraction | None = None
    nonneg: bool = False
    wide: bool = False  # already of the wide integer type
    nullable: bool = False

    @property
    def integral(self) -> bool:
        return self.den is None and (self.const is None or self.const.denominator == 1)


def const(value) -> Num:
    value = Fraction(value)
    return Num(const=value, nonneg=value >= 0)


def column_num(e: exp.Expression, nonneg: bool = True, nullable: bool = False) -> Num:
    return Num(num=e, nonneg=nonneg, wide=True, nullable=nullable)


def literal(value: int) -> exp.Expression:
    return exp.Literal.number(value) if value >= 0 else exp.Neg(this=exp.Literal.number(-value))


class Arith:
    """The dialect's wide integer type, and exact operations on Num."""

    def __init__(self, wide_type: str, dialect: str):
        self.wide_type = exp.DataType.build(wide_type, dialect=dialect)
        self.dialect = dialect

    def widen(self, e: exp.Expression) -> exp.Expression:
        return exp.cast(e, self.wide_type.copy(), copy=False)

    def wide_zero(self) -> exp.Expression:
        return self.widen(exp.Literal.number(0))

    # -- the parts of a Num as expressions
    def numerator(self, n: Num) -> exp.Expression:
        if n.const is not None:
            return literal(n.const.numerator)
        return n.num

    def denominator(self, n: Num) -> exp.Expression | None:
        if n.const is not None:
            return None if n.const.denominator == 1 else literal(n.const.denominator)
        return n.den

    # -- products and sums of integer expressions, folding literals and widening narrow ones
    def imul(self, a: exp.Expression | None, b: exp.Expression | None, wide: bool = True) -> exp.Expression | None:
        if a is None:
            return b
        if b is None:
            return a
        if _is_int(a) and _is_int(b):
            return literal(_int(a) * _int(b))
        if _is_int(a, 1):
            return b
        if _is_int(b, 1):
            return a
        if not wide:
            a = self.widen(a)
        return exp.Mul(this=_paren(a), expression=_paren(b))

    def iadd(self, a, b, wide=True, op=exp.Add):
        if _is_int(a) and _is_int(b):
            return literal(_int(a) + _int(b) if op is exp.Add else _int(a) - _int(b))
        if _is_int(b, 0):
            return a
        if op is exp.Add and _is_int(a, 0):
            return b
        if not wide:
            a = self.widen(a)
        return op(this=_paren(a), expression=_paren(b))

    # -- rational operations
    def mul(self, a: Num, b: Num) -> Num:
        if a.const is not None and b.const is not None:
            return const(a.const * b.const)
        wide = a.wide or b.wide
        num = self.imul(self.numerator(a), self.numerator(b), wide)
        den = self.imul(self.denominator(a), self.denominator(b), wide)
        return Num(num=num, den=den, nonneg=a.nonneg and b.nonneg, wide=True, nullable=a.nullable or b.nullable)

    def div(self, a: Num, b: Num) -> Num:
        """a ÷ b, exact; 0 where b is 0 (as the tree): `divide` by b made safe, then the zero put back."""
        if b.const is not None:
            if b.const == 0 and a.nullable:  # missing ÷ 0 is missing, as in the tree
                return self.missing_if_either(a, a, const(0))
            return self.divide(a, b) if b.const else const(0)
        zero = exp.EQ(this=_paren(self.numerator(b)), expression=exp.Literal.number(0))
        safe = attrs.evolve(b, num=exp.Case(ifs=[exp.If(this=zero, true=exp.Literal.number(1))], default=self.numerator(b)))
        q = self.divide(a, safe)
        return attrs.evolve(q, num=exp.Case(ifs=[exp.If(this=zero.copy(), true=exp.Literal.number(0))], default=self.numerator(q)),
                            nullable=a.nullable or b.nullable)

    def add(self, a: Num, b: Num, subtract: bool = False) -> Num:
        if a.const is not None and b.const is not None:
            return const(a.const - b.const if subtract else a.const + b.const)
        if b.const == 0:
            return a
        if a.const == 0 and not subtract:
            return b
        wide = a.wide or b.wide
        da, db = self.denominator(a), self.denominator(b)
        left = self.imul(self.numerator(a), db, wide)
        right = self.imul(self.numerator(b), da, wide)
        num = self.iadd(left, right, wide, exp.Sub if subtract else exp.Add)
        return Num(num=num, den=self.imul(da, db, wide), nonneg=a.nonneg and b.nonneg and not subtract,
                   wide=True, nullable=a.nullable or b.nullable)

    def compare(self, op: type, a: Num, b: Num) -> exp.Expression:
        """a OP b, cross-multiplied (denominators are positive)."""
        if a.const is not None and b.const is not None:
            return exp.true() if _PY_COMPARE[op](a.const, b.const) else exp.false()
        wide = a.wide or b.wide
        left = self.imul(self.numerator(a), self.denominator(b), wide)
        right = self.imul(self.numerator(b), self.denominator(a), wide)
        return op(this=_paren(left), expression=_paren(right))

    def choose(self, condition: exp.Expression, a: Num, b: Num) -> Num:
        """CASE WHEN condition THEN a ELSE b, over a common denominator when they differ."""
        if a.const is not None and b.const is not None and a.const == b.const:
            return a
        da, db = self.denominator(a), self.denominator(b)
        wide = a.wide or b.wide
        if _same(da, db):
            num = exp.Case(ifs=[exp.If(this=condition, true=self.numerator(a))], default=self.numerator(b))
            den = da
        elif a.nullable or b.nullable:
            # a side that may be missing where it is not chosen (`a ÷ X if X is given else b`): a common
            # denominator would carry X's NULL into b, so a CASE for each part, in the wide type
            def part(x: Num, e):
                return e if x.wide else self.widen(e)
            num = exp.Case(ifs=[exp.If(this=condition, true=part(a, self.numerator(a)))], default=part(b, self.numerator(b)))
            den = exp.Case(ifs=[exp.If(this=condition.copy(), true=part(a, da if da is not None else literal(1)))],
                           default=part(b, db if db is not None else literal(1)))
            return Num(num=num, den=den, nonneg=a.nonneg and b.nonneg, wide=True, nullable=True)
        elif a.const is not None and b.const is not None:  # two constant rates: a CASE for each part
            num = exp.Case(ifs=[exp.If(this=condition, true=self.numerator(a))], default=self.numerator(b))
            den = exp.Case(ifs=[exp.If(this=condition.copy(), true=literal(a.const.denominator))],
                           default=literal(b.const.denominator))
            return Num(num=num, den=den, nonneg=a.nonneg and b.nonneg, wide=False, nullable=False)
        else:
            num = exp.Case(ifs=[exp.If(this=condition, true=self.imul(self.numerator(a), db, wide))],
                           default=self.imul(self.numerator(b), da, wide))
            den = self.imul(da, db, wide)
        return Num(num=num, den=den, nonneg=a.nonneg and b.nonneg, wide=wide,
                   nullable=a.nullable or b.nullable)

    def smaller(self, a: Num, b: Num) -> Num:
        if a.const is not None and b.const is not None:
            return const(min(a.const, b.const))
        return self.least(a, b) or self.missing_if_either(a, b, self.choose(self.compare(exp.LTE, a, b), a, b))

    def larger(self, a: Num, b: Num) -> Num:
        if a.const is not None and b.const is not None:
            return const(max(a.const, b.const))
        if b.const == 0 and a.nonneg:
            return a
        return self.greatest(a, b) or self.missing_if_either(a, b, self.choose(self.compare(exp.GTE, a, b), a, b))

    def missing_if_either(self, a: Num, b: Num, result: Num) -> Num:
        """NULL where `a` or `b` is (the CASE of `choose` would give the other side): as the tree,
        whose smaller/larger of a missing value is missing."""
        sides = [self.numerator(x) for x in (a, b) if x.nullable]
        if not sides:
            return result
        missing = exp.or_(*(exp.Is(this=_paren(e.copy()), expression=exp.Null()) for e in sides))
        num = exp.Case(ifs=[exp.If(this=missing, true=exp.Null())], default=self.numerator(result))
        return attrs.evolve(result, num=num, const=None, den=self.denominator(result), nullable=True)

    def least(self, a: Num, b: Num) -> Num | None:
        return self._extreme(exp.Least, a, b)

    def greatest(self, a: Num, b: Num) -> Num | None:
        return self._extreme(exp.Greatest, a, b)

    def _extreme(self, fn, a: Num, b: Num) -> Num | None:
        """LEAST/GREATEST of the numerators where both share a denominator (so comparing them is
        comparing the values) and neither may be NULL (both skip a NULL, where the CASE would not):
        each operand written once instead of twice."""
        if a.nullable or b.nullable or not _same(self.denominator(a), self.denominator(b)):
            return None
        num = fn(this=self.numerator(a), expressions=[self.numerator(b)], ignore_nulls=True)  # neither is NULL: no wrapper
        return Num(num=num, den=self.denominator(a), nonneg=a.nonneg and b.nonneg, wide=a.wide or b.wide)

    def divide(self, a: Num, b: Num) -> Num:
        """a / b for b known positive (a rate's numerator is checked by the caller)."""
        if b.const is not None:
            return self.mul(a, const(1 / b.const))
        inverse = Num(num=self.denominator(b) or literal(1), den=self.numerator(b), nonneg=b.nonneg, wide=b.wide)
        return self.mul(a, inverse)

    def floor(self, a: Num) -> Num:
        """⌊a⌋ as an integer expression: `//` where the numerator is non-negative, else the
        two-sided form (DuckDB `//` and Spark DIV truncate toward zero)."""
        if a.const is not None:
            return const(a.const.numerator // a.const.denominator)
        den = self.denominator(a)
        if den is None:
            return a
        num = self.numerator(a)
        if a.nonneg:
            value = exp.IntDiv(this=_paren(num), expression=_paren(den))
        else:  # n < 0: ⌊n/d⌋ = −⌊(−n + d − 1)/d⌋
            negative = exp.Neg(this=exp.Paren(this=exp.IntDiv(
                this=exp.Paren(this=exp.Sub(this=exp.Add(this=exp.Neg(this=_paren(num.copy())), expression=_paren(den.copy())),
                                            expression=exp.Literal.number(1))),
                expression=_paren(den.copy()))))
            value = exp.Case(ifs=[exp.If(this=exp.GTE(this=_paren(num.copy()), expression=exp.Literal.number(0)),
                                         true=exp.IntDiv(this=_paren(num), expression=_paren(den)))], default=negative)
        return Num(num=value, nonneg=a.nonneg, wide=a.wide, nullable=a.nullable)

    def integer(self, a: Num) -> exp.Expression:
        """An integral Num as one expression."""
        assert a.integral, a
        return self.numerator(a)


_PY_COMPARE = {
    exp.LT: lambda a, b: a < b, exp.LTE: lambda a, b: a <= b, exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b, exp.EQ: lambda a, b: a == b, exp.NEQ: lambda a, b: a != b,
}


def _is_int(e, value=None) -> bool:
    if isinstance(e, exp.Literal) and not e.is_string:
        return value is None or int(e.this) == value
    if isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal):
        return value is None or -int(e.this.this) == value
    return False


def _int(e) -> int:
    return -int(e.this.this) if isinstance(e, exp.Neg) else int(e.this)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == b


def _paren(e: exp.Expression) -> exp.Expression:
    if isinstance(e, (exp.Column, exp.Literal, exp.Paren, exp.Cast, exp.Case, exp.Dot, exp.Anonymous, exp.Func)):
        return e
    return exp.Paren(this=e)


class Unsupported(Exception):
    """A construct the SQL form cannot write exactly (the message says which and where)."""


def when_present(base: exp.Expression, empty: exp.Expression, e: exp.Expression) -> exp.Expression:
    """`e`, or `empty` where the list column `base` is NULL — checked first, so the engine skips
    the higher-order functions on cases without the list."""
    return exp.Case(ifs=[exp.If(this=exp.Is(this=base.copy(), expression=exp.Null()), true=empty)], default=e)
