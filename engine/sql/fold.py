"""`total of (EXPR) in LIST`: a value per item, each a fraction, added exactly in SQL (a mixin of
engine/sql/expr.py's ExpressionCompiler, which supplies `expr`, `boolean`, `c_Input`, `lambda_over`
and `arith`)."""

from __future__ import annotations

from sqlglot import exp

from engine.tree import nodes as tree
from engine.sql.values import Num, Unsupported, when_present


class FractionFold:
    def c_TotalOf(self, n: tree.TotalOf):
        """Σ of a value per item, each a fraction num/den: the items' fractions are added pairwise in
        a fold over a common denominator ({n, d} + {n', d'} = {n·d'/g + n'·d/g, d·d'/g} with g their
        gcd), so the sum stays exact and the denominator grows only with the distinct ones (an item
        left out adds 0/1); an overflow of the wide type raises (never wraps)."""
        if self.arith.dialect not in ("duckdb", "spark"):
            raise Unsupported(f"{n.origin}: a total of a value per item is written for DuckDB and Spark only")
        arr = self.c_Input(n.list).e
        # DuckDB: the items `where` leaves out are filtered away first, so the fold (a gcd per item)
        # walks only the chosen ones — a total per 区分 of 経費 folds a fifth of the items, not all
        # (issue 25: the list measures were most of a population run); Spark: each left-out item adds 0/1
        prefilter = self.arith.dialect == "duckdb" and n.where is not None
        items = self.filtered(n.list, n.where) if prefilter else arr.copy()

        def pair(scope):
            value = self.expr(n.value)
            num = self.arith.widen(self.arith.numerator(value))
            den = self.arith.denominator(value)
            den = self.arith.widen(den if den is not None else exp.Literal.number(1))
            if n.where is not None and not prefilter:
                chosen = self.boolean(n.where)
                num = exp.Case(ifs=[exp.If(this=chosen, true=num)], default=self.arith.wide_zero())
                den = exp.Case(ifs=[exp.If(this=chosen.copy(), true=den)], default=self.arith.widen(exp.Literal.number(1)))
            return _struct(self.arith.dialect, num, den)

        pairs = exp.Transform(this=items, expression=self.lambda_over(n.list, pair))
        acc, item = exp.to_identifier("acc"), exp.to_identifier("v")
        field = lambda who, name: exp.Dot(this=exp.Column(this=who.copy()), expression=exp.to_identifier(name))  # noqa: E731
        g = self._gcd(field(acc, "d"), field(item, "d"))
        part = lambda who: exp.Paren(this=exp.IntDiv(this=field(who, "d"), expression=g.copy()))  # noqa: E731
        merged = _struct(self.arith.dialect,
                         exp.Add(this=exp.Mul(this=field(acc, "n"), expression=part(item)),
                                 expression=exp.Mul(this=field(item, "n"), expression=part(acc))),
                         exp.Mul(this=field(acc, "d"), expression=part(item)))
        zero = _struct(self.arith.dialect, self.arith.wide_zero(), self.arith.widen(exp.Literal.number(1)))
        if self.arith.dialect == "duckdb":
            total = _duckdb_fold(items, pairs, merged, zero, acc, item)
        else:
            total = exp.Reduce(this=pairs, initial=zero, merge=exp.Lambda(this=merged, expressions=[acc, item]))
        if self.folds is not None and not self.scopes:
            # computed once, as a column of a step of its own before the definition that reads it:
            # written twice (its numerator and its denominator), DuckDB folded the list twice
            name = f"{self.folds_of}/fold{len(self.folds)}"
            self.folds.append(exp.alias_(total, exp.to_identifier(name, quoted=True), copy=False))
            total = exp.Column(this=exp.to_identifier(name, quoted=True))
        num = when_present(arr, self.arith.wide_zero(), exp.Dot(this=exp.Paren(this=total.copy()), expression=exp.to_identifier("n")))
        den = when_present(arr.copy(), self.arith.widen(exp.Literal.number(1)), exp.Dot(this=exp.Paren(this=total), expression=exp.to_identifier("d")))
        return Num(num=num, den=den, nonneg=True, wide=True)

    folds: list | None = None  # while a definition is compiled for DuckDB: the folds it needs, as columns
    folds_of = ""

    _EUCLID_STEPS = 40  # enough for any pair below 10^8 (Fibonacci); a larger pair may end with g = 1

    def _gcd(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        """A common divisor of two positive wide integers: their gcd (DuckDB's GCD; on Spark, which
        has none, Euclid's steps folded over a fixed sequence, and 1 should they not finish — any
        common divisor keeps the sum exact, the gcd only keeps it small)."""
        if self.arith.dialect == "duckdb":
            return exp.Anonymous(this="GCD", expressions=[a, b])
        pair = lambda x, y: _struct(self.arith.dialect, self.arith.widen(x), self.arith.widen(y))  # noqa: E731
        st, step = exp.to_identifier("euclid_s"), exp.to_identifier("euclid_i")
        part = lambda name: exp.Dot(this=exp.Column(this=st.copy()), expression=exp.to_identifier(name))  # noqa: E731
        done = exp.EQ(this=part("d"), expression=exp.Literal.number(0))
        merge = exp.Case(ifs=[exp.If(this=done, true=exp.Column(this=st.copy()))],
                         default=pair(part("d"), exp.Mod(this=part("n"), expression=part("d"))))
        finish = exp.Case(ifs=[exp.If(this=done.copy(), true=part("n"))], default=self.arith.widen(exp.Literal.number(1)))
        return exp.Reduce(this=exp.GenerateSeries(start=exp.Literal.number(1), end=exp.Literal.number(self._EUCLID_STEPS)),
                          initial=pair(a, b), merge=exp.Lambda(this=merge, expressions=[st, step]),
                          finish=exp.Lambda(this=finish, expressions=[st.copy()]))



def _duckdb_fold(items, pairs, merged, zero, acc, item) -> exp.Expression:
    """The fold on DuckDB, by the number of items: none is 0/1 and one is its own fraction, both
    without a lambda; only two or more are folded (the first item seeds the fold). The same struct
    as a fold seeded with 0/1 (whose first merge gives the first item's fraction unchanged), so the
    same numbers and the same overflows; a NULL list stays NULL. Most cases have no item or one
    of each 区分, and a lambda costs DuckDB far more per case than the gcd it runs (issue 25: the
    five fee folds took a quarter of a population run; this way about a fifth of that)."""
    size = exp.Anonymous(this="LEN", expressions=[items.copy()])
    first = exp.Anonymous(this="LIST_EXTRACT", expressions=[items.copy(), exp.Literal.number(1)])
    lam = pairs.expression
    variable = lam.expressions[0].name
    one = lam.this.copy()
    for node in list(one.find_all(exp.Identifier)):  # the item `xN."field"` becomes `LIST_EXTRACT(items, 1)."field"`
        if node.name == variable and isinstance(node.parent, exp.Dot) and node.arg_key == "this":
            node.replace(first.copy())
    fold = exp.Anonymous(this="LIST_REDUCE", expressions=[pairs, exp.Lambda(this=merged, expressions=[acc, item])])
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=size, expression=exp.Literal.number(0)), true=zero),
                         exp.If(this=exp.EQ(this=size.copy(), expression=exp.Literal.number(1)), true=one)], default=fold)


def _struct(dialect: str, num: exp.Expression, den: exp.Expression) -> exp.Expression:
    """{n: num, d: den}: a fraction as one value, for a fold over a list."""
    if dialect == "duckdb":
        return exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier("n"), expression=num),
                                       exp.PropertyEQ(this=exp.to_identifier("d"), expression=den)])
    return exp.Anonymous(this="NAMED_STRUCT", expressions=[exp.Literal.string("n"), num, exp.Literal.string("d"), den])


