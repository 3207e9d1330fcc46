"""Expressions of the evaluation tree as sqlglot expressions, with the tree's semantics:

- a missing optional value meets no comparison, so every condition is a non-NULL boolean
  (comparisons are wrapped in COALESCE(…, FALSE); `is not` on a missing value is TRUE);
- numbers are exact `Num`s (engine/sql/values.py);
- a list is an array column: records are filtered and summed with the dialect's higher-order
  functions (DuckDB list_filter/list_reduce, Spark filter/aggregate — sqlglot writes each);
  a missing list counts as empty.

Inputs are read from the columns of the query's `inputs` step (one per input, named by its
path, "申請者.業種"); definitions from the step that computed them (a column of that name)."""

from __future__ import annotations

import datetime
from fractions import Fraction

import attrs
from sqlglot import exp

from engine.tree import nodes as tree
from engine.sql.fold import FractionFold
from engine.sql.values import Arith, Num, Unsupported, column_num, const, literal, when_present  # noqa: F401 - re-exported

_COMPARE = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE, "=": exp.EQ, "!=": exp.NEQ}
NUMERIC = ("yen", "count", "ratio", "number")


@attrs.frozen
class Scalar:
    """A non-numeric value: bool (never NULL), enum text, date, or a list (array)."""

    e: exp.Expression
    nullable: bool = False


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(name: str) -> exp.Column:
    return exp.Column(this=ident(name))


def den_column(name: str) -> str:
    return f"{name}/den"


def string(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def date(value: datetime.date) -> exp.Expression:
    return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"), copy=False)


def coalesce_false(e: exp.Expression) -> exp.Expression:
    return exp.Coalesce(this=e, expressions=[exp.false()])


def array_size(arr: exp.Expression, base: exp.Expression | None = None) -> exp.Expression:
    """Items in an array (`arr`, derived from the list column `base`); a missing list has none
    (and Spark's size(NULL) is −1 without ANSI)."""
    return when_present(base if base is not None else arr, exp.Literal.number(0), exp.ArraySize(this=arr))


@attrs.frozen
class Scope:
    """The list item in scope: the lambda's variable and the record's fields."""

    variable: str
    fields: dict  # name -> tree.Field


class ExpressionCompiler(FractionFold):
    def __init__(self, policy: tree.Policy, arith: Arith, definition_kinds: dict, lists=None):
        self.policy = policy
        self.arith = arith
        self.lists = lists  # ListAggregates (engine/sql/lists.py) where measures over lists are aggregated
        self.definition_kinds = definition_kinds  # name -> (kind, has a /den column, may be NULL)
        self.scopes: list[Scope] = []
        self.fields = {}  # input path -> tree.Field
        for g in policy.groups:
            for f in g.fields:
                self.fields[(g.name, f.name) if g.name else (f.name,)] = f

    def expr(self, node):
        return getattr(self, "c_" + type(node).__name__)(node)

    def boolean(self, node) -> exp.Expression:
        value = self.expr(node)
        return value.e

    # ------------------------------------------------------------ leaves
    def c_Const(self, n: tree.Const):
        if n.kind in NUMERIC:
            return const(n.value)
        if n.kind == "bool":
            return Scalar(exp.true() if n.value else exp.false())
        if n.kind == "date":
            return Scalar(date(n.value))
        return Scalar(string(n.value))

    def c_Input(self, n: tree.Input):
        name = ".".join(n.path)
        if n.kind in NUMERIC:
            den = exp.Column(this=ident(den_column(name))) if n.kind == "ratio" else None
            signed = self.fields[n.path].signed  # a loss: ⌊…⌋ of it needs the floor of a negative
            return attrs.evolve(column_num(col(name), nonneg=not signed, nullable=n.optional), den=den)
        if n.kind == "bool" and n.optional:  # a missing yes/no meets no condition
            return Scalar(coalesce_false(col(name)))
        return Scalar(col(name), nullable=n.optional or n.kind == "list")

    def c_Item(self, n: tree.Item):
        scope = self.scopes[-1]
        field = scope.fields[n.name]
        return item_value(self.arith, scope.variable, field)

    def c_DefRef(self, n: tree.DefRef):
        kind, has_den, nullable = self.definition_kinds[n.name]
        if kind in NUMERIC:
            return Num(num=col(n.name), den=col(den_column(n.name)) if has_den else None, nonneg=False, wide=True,
                       nullable=nullable)
        return Scalar(col(n.name), nullable=nullable)

    def c_TableCell(self, n: tree.TableCell):
        table = self.policy.tables[n.table]
        column = table.columns.index(n.column)
        key = self.expr(n.key)
        rows = [(member, values[column]) for member, values in table.rows.items()]
        if table.bands is None:  # CASE key WHEN member …
            this, conditions = key.e, [string(m) for m, _ in rows]
        else:  # keyed by a number: CASE WHEN the band holds the key …, in the bands' order
            this, conditions = None, [_in_band(self.arith.integer(key), low, high) for low, high in table.bands]
        if n.kind in NUMERIC:
            values = [Fraction(v) for _, v in rows]
            common = 1
            for v in values:
                common = common * v.denominator // _gcd(common, v.denominator)
            num = exp.Case(this=this, ifs=[exp.If(this=c, true=exp.Literal.number(int(v * common))) for c, v in zip(conditions, values)])
            den = None if common == 1 else exp.Literal.number(common)
            return Num(num=num, den=den, nonneg=all(v >= 0 for v in values), wide=False, nullable=True)
        cell = {"bool": lambda v: exp.true() if v else exp.false(), "date": date}.get(n.kind, string)
        return Scalar(exp.Case(this=this, ifs=[exp.If(this=c, true=cell(v)) for c, (_, v) in zip(conditions, rows)]), nullable=True)

    # ------------------------------------------------------------ conditions
    def c_Compare(self, n: tree.Compare):
        left, right = self.expr(n.left), self.expr(n.right)
        op = _COMPARE[n.op]
        if isinstance(left, Num):
            e = self.arith.compare(op, left, right)
            nullable = left.nullable or right.nullable
        else:
            e = op(this=left.e, expression=right.e)
            nullable = left.nullable or right.nullable
        return Scalar(coalesce_false(e) if nullable else e)

    def c_Member(self, n: tree.Member):
        operand = self.expr(n.operand)
        e = exp.In(this=operand.e, expressions=[string(m) for m in n.members])
        if operand.nullable:
            e = coalesce_false(e)
        return Scalar(exp.Not(this=exp.Paren(this=e)) if n.negated else e)

    def c_Contains(self, n: tree.Contains):
        operand = self.expr(n.operand)
        return Scalar(coalesce_false(exp.ArrayContains(this=operand.e, expression=string(n.member))))

    def c_Given(self, n: tree.Given):
        if isinstance(n.operand, tree.Input):
            if not n.operand.optional:  # required or defaulted: always there once read
                return Scalar(exp.true())
            e = col(".".join(n.operand.path))
        elif isinstance(n.operand, tree.Item):
            field = self.scopes[-1].fields[n.operand.name]
            if not (field.optional and field.default is None):
                return Scalar(exp.true())
            e = exp.Dot(this=exp.to_identifier(self.scopes[-1].variable), expression=ident(n.operand.name))
        else:
            operand = self.expr(n.operand)
            if isinstance(operand, Num) and operand.const is not None:
                return Scalar(exp.true())
            e = operand.num if isinstance(operand, Num) else operand.e
        return Scalar(exp.Not(this=exp.Is(this=e, expression=exp.Null())))

    def c_Not(self, n: tree.Not):
        return Scalar(exp.Not(this=exp.Paren(this=self.boolean(n.operand))))

    def c_All(self, n: tree.All):
        return Scalar(exp.Paren(this=exp.and_(*[self.boolean(i) for i in n.items], copy=False)))

    def c_Any(self, n: tree.Any):
        return Scalar(exp.Paren(this=exp.or_(*[self.boolean(i) for i in n.items], copy=False)))

    # ------------------------------------------------------------ choices and arithmetic
    def c_IfElse(self, n: tree.IfElse):
        return self.cases([(n.condition, n.then)], n.otherwise)

    def c_Cases(self, n: tree.Cases):
        return self.cases([(b.condition, b.body) for b in n.branches], n.otherwise)

    def cases(self, branches, otherwise):
        result = self.expr(otherwise)
        for condition, body in reversed(branches):
            test, value = self.boolean(condition), self.expr(body)
            if isinstance(value, Num):
                result = self.arith.choose(test, value, result)
            else:
                result = Scalar(exp.Case(ifs=[exp.If(this=test, true=value.e)], default=result.e),
                                nullable=value.nullable or result.nullable)
        return result

    def c_Arith(self, n: tree.Arith):
        if n.kind == "date":  # date ± a duration: ADD_MONTHS clamps to the month's end as engine.tree.dates does
            left = self.expr(n.left)
            amount = n.right.value if n.op == "+" else -n.right.value
            months, unit = (amount * 12, "MONTH") if n.right.unit == "年" else (amount, "DAY") if n.right.unit == "日" else (amount, "MONTH")
            added = exp.DateAdd(this=left.e, expression=literal(months), unit=exp.Var(this=unit))
            return Scalar(exp.cast(added, exp.DataType.build("DATE")), nullable=left.nullable)
        left, right = self.expr(n.left), self.expr(n.right)
        if n.op == "×":
            return self.arith.mul(left, right)
        if n.op == "÷":
            return self.arith.div(left, right)
        return self.arith.add(left, right, subtract=n.op == "-")

    def c_RoundOf(self, n: tree.RoundOf):
        """`deadline of F` / `opening of F` as engine.tree.rounds.round_date: the first round whose
        deadline the date is not past, if the date is not before its opening (nor in its unknown past)."""
        frame = next(f for f in self.policy.frames if f.name == n.frame)
        applied = self.c_Input(self.policy.applied_on).e
        ifs = []
        for i, d in enumerate(frame.deadlines):
            value = date(d.date if n.part == "deadline" else d.opens) if (n.part == "deadline" or d.opens) else exp.Null()
            if i == 0 and frame.earlier_unknown and d.opens is None:
                value = exp.Null()
            elif d.opens is not None:  # before it opened: in no round (or an unknown earlier one)
                value = exp.Case(ifs=[exp.If(this=exp.GTE(this=applied.copy(), expression=date(d.opens)), true=value)],
                                 default=exp.Null())
            ifs.append(exp.If(this=exp.LTE(this=applied.copy(), expression=date(d.date)), true=value))
        return Scalar(exp.Case(ifs=ifs, default=exp.Null()) if ifs else exp.Null(), nullable=True)

    def c_RoundDown(self, n: tree.RoundDown):
        return self.arith.floor(self.expr(n.operand))

    def c_Smaller(self, n: tree.Smaller):
        return self.arith.smaller(self.expr(n.left), self.expr(n.right))

    def c_Larger(self, n: tree.Larger):
        return self.arith.larger(self.expr(n.left), self.expr(n.right))

    def c_Fallback(self, n: tree.Fallback):
        """`X or 0円`: CASE WHEN X IS NOT NULL THEN X ELSE 0 END (per part, so a NULL denominator of X
        never reaches the fallback), or COALESCE for a date; never NULL."""
        value = self.expr(n.value)
        if isinstance(value, Num):
            if not value.nullable:
                return value
            present = exp.Not(this=exp.Is(this=value.num.copy() if value.num is not None else exp.Null(), expression=exp.Null()))
            chosen = self.arith.choose(present, value, const(n.fallback.value))
            return attrs.evolve(chosen, nullable=False)
        if not value.nullable:
            return value
        return Scalar(exp.Coalesce(this=value.e, expressions=[self.expr(n.fallback).e]))

    # ------------------------------------------------------------ lists
    def record_fields(self, list_input: tree.Input) -> dict:
        field = self.fields[list_input.path]
        return {f.name: f for f in self.policy.records[field.type_name].fields}

    def lambda_over(self, list_input: tree.Input, body) -> tuple[exp.Expression, Scope]:
        """A lambda over the list's items; `body(scope)` compiles its expression."""
        scope = Scope(variable=f"x{len(self.scopes) + 1}", fields=self.record_fields(list_input))
        self.scopes.append(scope)
        try:
            e = body(scope)
        finally:
            self.scopes.pop()
        return exp.Lambda(this=e, expressions=[exp.to_identifier(scope.variable)])

    def filtered(self, list_input: tree.Input, where) -> exp.Expression:
        arr = self.c_Input(list_input).e
        if where is None:
            return arr
        return exp.ArrayFilter(this=arr, expression=self.lambda_over(list_input, lambda s: self.boolean(where)))

    def aggregable(self, list_input: tree.Input) -> bool:
        """Whether measures over this list may be aggregated per case (engine/sql/lists.py): the
        form aggregates lists, and the list is a top-level list of records."""
        return self.lists is not None and not self.scopes and self.fields[list_input.path].element == "record"

    def item_only(self, list_input: tree.Input, body) -> exp.Expression | None:
        """`body` over an aggregable list's item, if it reads nothing but the item."""
        if not self.aggregable(list_input):
            return None
        e = self.lambda_over(list_input, body).this
        return None if e.find(exp.Column) is not None else e

    def aggregated(self, list_input: tree.Input, where, make, negate: bool = False) -> exp.Expression | None:
        """The column of `make(condition)`, an aggregate over the items meeting `where` (failing
        it, with `negate`), or None."""
        def condition_of(scope):
            e = self.boolean(where)
            return exp.Not(this=exp.Paren(this=e)) if negate else e

        if not self.aggregable(list_input):
            return None
        if where is None:
            return make(self.lists.present())
        condition = self.item_only(list_input, condition_of)
        return None if condition is None else make(exp.and_(self.lists.present(), condition, copy=False))

    def sum_of(self, list_input: tree.Input, value, where=None) -> exp.Expression:
        """Σ value(item) over the items that meet `where`, in the wide type; 0 for a missing or
        empty list. DuckDB: one lambda and its native LIST_SUM (exact: 128-bit, and an overflow
        raises), a third of the cost of filtering, mapping and folding; elsewhere the fold."""
        arr = self.c_Input(list_input).e
        v = self.item_only(list_input, value)
        if v is not None:
            def total(condition):
                s = exp.Sum(this=exp.Case(ifs=[exp.If(this=condition, true=v)]))
                return self.lists.add(list_input.path, exp.cast(exp.Coalesce(this=s, expressions=[self.arith.wide_zero()]),
                                                                self.arith.wide_type.copy(), copy=False))
            column = self.aggregated(list_input, where, total)
            if column is not None:
                return column
        if self.arith.dialect == "duckdb":
            def each(scope):
                v = value(scope)
                return v if where is None else exp.Case(ifs=[exp.If(this=self.boolean(where), true=v)],
                                                        default=exp.Literal.number(0))

            total = exp.Anonymous(this="LIST_SUM", expressions=[exp.Transform(this=arr.copy(), expression=self.lambda_over(list_input, each))])
            reduced = exp.cast(exp.Coalesce(this=total, expressions=[exp.Literal.number(0)]), self.arith.wide_type.copy(), copy=False)
        else:
            values = exp.Transform(this=self.filtered(list_input, where), expression=self.lambda_over(list_input, value))
            acc, item = exp.to_identifier("acc"), exp.to_identifier("v")
            add = exp.Lambda(this=exp.Add(this=exp.Column(this=acc.copy()), expression=exp.Column(this=item.copy())),
                             expressions=[acc, item])
            reduced = exp.Reduce(this=values, initial=self.arith.wide_zero(), merge=add)
        return when_present(arr, self.arith.wide_zero(), reduced)

    def c_Total(self, n: tree.Total):
        def value(scope):
            field = scope.fields[n.field]
            v = item_value(self.arith, scope.variable, field)
            if not v.integral:
                raise Unsupported(f"{n.origin}: a total of the ratio {n.field} cannot be written exactly in SQL")
            e = self.arith.integer(v)
            return exp.Coalesce(this=e, expressions=[self.arith.wide_zero()]) if v.nullable else e

        return column_num(self.sum_of(n.list, value, n.where), nonneg=not self.record_fields(n.list)[n.field].signed)

    def c_Count(self, n: tree.Count):
        field = self.fields[n.list.path]
        if n.where is not None:
            column = self.aggregated(n.list, n.where, lambda c: self.lists.add(n.list.path, _count(c)))
            if column is not None:
                return column_num(column)
        arr = self.filtered(n.list, n.where)
        base = self.c_Input(n.list).e
        if n.where is None and field.element == "enum":
            return column_num(array_size(exp.ArrayDistinct(this=arr), base))  # distinct members, as the tree counts
        return column_num(array_size(arr, base))

    def c_CountAmong(self, n: tree.CountAmong):
        arr = self.c_Input(n.list).e
        terms = [exp.Case(ifs=[exp.If(this=coalesce_false(exp.ArrayContains(this=arr.copy(), expression=string(m))),
                                      true=exp.Literal.number(1))], default=exp.Literal.number(0)) for m in n.members]
        total = terms[0]
        for t in terms[1:]:
            total = exp.Add(this=total, expression=t)
        return Num(num=exp.Paren(this=total), nonneg=True, wide=False)

    def c_Quantified(self, n: tree.Quantified):
        arr = self.c_Input(n.list).e
        if self.aggregable(n.list):  # any: one item meets it; all: none fails it
            column = self.aggregated(n.list, n.where, lambda c: self.lists.add(n.list.path, _count(c)),
                                     negate=n.quantifier == "all")
            if column is not None:
                op = exp.GT if n.quantifier == "any" else exp.EQ
                return Scalar(op(this=column, expression=exp.Literal.number(0)))
        if n.quantifier == "any":
            matching = exp.ArrayFilter(this=arr, expression=self.lambda_over(n.list, lambda s: self.boolean(n.where)))
            return Scalar(exp.GT(this=array_size(matching, arr), expression=exp.Literal.number(0)))
        failing = exp.ArrayFilter(this=arr, expression=self.lambda_over(
            n.list, lambda s: exp.Not(this=exp.Paren(this=self.boolean(n.where)))))
        return Scalar(exp.EQ(this=array_size(failing, arr), expression=exp.Literal.number(0)))


def _count(condition: exp.Expression) -> exp.Expression:
    return exp.Sum(this=exp.Case(ifs=[exp.If(this=condition, true=exp.Literal.number(1))], default=exp.Literal.number(0)))


def _in_band(key: exp.Expression, low: int | None, high: int | None) -> exp.Expression:
    """`low <= key AND key <= high` for a band of a table keyed by a number (NULL for a missing key)."""
    ends = [exp.GTE(this=key.copy(), expression=literal(low))] if low is not None else []
    ends += [exp.LTE(this=key.copy(), expression=literal(high))] if high is not None else []
    return exp.and_(*ends) if ends else exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null()))


def item_value(arith: Arith, variable: str, field: tree.Field):
    """A field of the list item in scope, its default applied, numbers widened."""
    return field_value(arith, exp.Dot(this=exp.to_identifier(variable), expression=ident(field.name)), field)


def field_value(arith: Arith, e: exp.Expression, field: tree.Field):
    """A declared field read from expression `e`: its default applied, numbers widened."""
    missing = field.optional and field.default is None
    if field.kind in ("yen", "count"):
        e = arith.widen(e)
        if field.default is not None:
            e = exp.Coalesce(this=e, expressions=[exp.Literal.number(int(field.default))])
        return column_num(e, nonneg=not field.signed, nullable=missing)
    if field.kind == "ratio":
        num = exp.Dot(this=e.copy(), expression=exp.to_identifier("num"))
        den = exp.Dot(this=e, expression=exp.to_identifier("den"))
        if field.default is not None:
            d = Fraction(field.default)
            num = exp.Coalesce(this=num, expressions=[exp.Literal.number(d.numerator)])
            den = exp.Coalesce(this=den, expressions=[exp.Literal.number(d.denominator)])
        return Num(num=arith.widen(num), den=arith.widen(den), nonneg=True, wide=True, nullable=missing)
    if field.default is not None:
        default = {"bool": lambda v: exp.true() if v else exp.false(), "date": date}.get(field.kind, string)(field.default)
        e = exp.Coalesce(this=e, expressions=[default])
    if field.kind == "bool" and missing:
        e = coalesce_false(e)
        missing = False
    return Scalar(e, nullable=missing)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a
