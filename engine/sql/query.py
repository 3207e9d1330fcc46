"""The evaluation tree as one SQL query over a table of cases (engine/sql/case_table.py), built as a
sqlglot expression tree so that each dialect sqlglot writes comes with it (DuckDB and Spark are
tested against the tree evaluator).

The query is a chain of named steps, one per rule and per amount, each a comment away from its
rule's name, file:line and citation:

  inputs            one column per input ("申請者.業種"), defaults applied, numbers widened
  "rule: 中小企業"   SELECT *, <condition> AS "中小企業" FROM <the step before>
  …
  "amount: 通常枠/ソフトウェア等"   the amount's band walk, caps and floors
  "frame: 通常枠"    unmet conditions and pending steps as bits (engine/sql/reasons.py), the amount
  "outcome: 通常枠", "status: 通常枠"   nothing granted?, status, subsidy
  decisions          the best frame
  decided            what the output reads (materialized in DuckDB: read twice)
  "reason sets", "reason names"   each distinct combination of bits, named once; joined back

(engine/sql/fuse.py groups the steps by dependency level for running; engine/sql/lists.py
aggregates list measures per case for Spark)

and it yields per case: `id`, `best_frame`, `best_subsidy` and per frame F the columns
"F.status", "F.subsidy" (whole yen), "F.reasons" (the unmet conditions, as
"requirement:<rule>", "exclusion:<name>", "floor:<amount>", "no_subsidy:<frame>",
"not_open", "closed", "deadline" or "between_rounds") and "F.pending_steps"."""

from __future__ import annotations

import attrs
from sqlglot import exp

from engine.tree import nodes as tree, rounds
from engine.evaluate.decision import ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE
from engine.sql.amount import AmountCompiler, AmountSQL, column_value, concat, floor_array
from engine.sql.reasons import FrameReasons, Reason, any_set, bit_columns, enum, enum_array, named, not_null
from engine.sql.fuse import fuse
from engine.sql.lists import ListAggregates
from engine.sql.expr import ExpressionCompiler, Unsupported, array_size, col, date, den_column, field_value, ident, string
from engine.sql.values import Arith, Num

# The wide integer type every money expression is computed in: products of yen and rates can
# pass 2^63. DuckDB's DECIMAL `//` returns a DOUBLE, so DuckDB gets HUGEINT; Spark has no
# 128-bit integer, and its DIV on DECIMAL(38,0) is exact.
WIDE_TYPES = {"duckdb": "HUGEINT"}
DEFAULT_WIDE = "DECIMAL(38, 0)"
# The narrow form: every money expression in BIGINT. Sound only on engines where a BIGINT overflow
# raises (DuckDB always, Spark with ANSI mode on): a population run tries it first, at about half the
# cost of 128-bit arithmetic, and runs the wide form when it raises (engine/population/engines.py).
NARROW = "BIGINT"
SOURCE = "cases"
TESTED_DIALECTS = ("duckdb", "spark")
STATUSES = (ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE)
AGGREGATED_LISTS = ("spark", "databricks")  # where higher-order functions run interpreted (engine/sql/lists.py)

__all__ = ["Unsupported", "compile_query", "to_sql", "output_columns", "summary_row", "TESTED_DIALECTS"]


def _comment(text: str) -> str:
    return " " + text.replace("*/", "* /").replace("\n", " ") + " "


def _cite(c: tree.Cite | None) -> str:
    if c is None:
        return ""
    return f" — source {c.key}" + (f" \"{c.detail}\"" if c.detail else "")


def output_columns(policy: tree.Policy, frames: tuple[str, ...] | None = None) -> list[str]:
    names = ["id", "best_frame", "best_subsidy"]
    for f in _frames(policy, frames):
        names += [f"{f.name}.status", f"{f.name}.subsidy", f"{f.name}.reasons", f"{f.name}.pending_steps"]
        if rounds.has_due_steps(policy, f):
            names.append(f"{f.name}.overdue_steps")
    return names


def summary_row(s: dict) -> dict:
    """A decision summary (engine.evaluate.fast's `decide`, or `summary` of the tree's Decision) in the
    columns the query yields, so either can be held to it row by row."""
    row = {"best_frame": s["best_frame"], "best_subsidy": 0}
    for f in s["frames"]:
        name = f["frame"]
        row[f"{name}.status"], row[f"{name}.subsidy"] = f["status"], f["subsidy"]
        row[f"{name}.reasons"] = [f"{k}:{x}" if x is not None else k for k, x in f["reasons"]]
        row[f"{name}.pending_steps"] = list(f["pending_steps"])
        if "overdue_steps" in f:  # a frame with a step that has its own due date
            row[f"{name}.overdue_steps"] = list(f["overdue_steps"])
        if name == s["best_frame"]:
            row["best_subsidy"] = f["subsidy"]
    return row


def _frames(policy, frames):
    return [f for f in policy.frames if frames is None or f.name in frames]


def _references(node, found: set) -> set:
    """The definitions an expression refers to."""
    if isinstance(node, tree.DefRef):
        found.add(node.name)
    elif isinstance(node, (tuple, list)):
        for n in node:
            _references(n, found)
    elif attrs.has(type(node)) and not isinstance(node, (tree.Origin, tree.Label, tree.Cite, tree.Input)):
        for a in attrs.fields(type(node)):
            _references(getattr(node, a.name), found)
    return found


def _ordered_definitions(policy: tree.Policy) -> list[tree.Definition]:
    """Definitions with every one a rule refers to before it (rules may refer to later rules)."""
    done: dict[str, tree.Definition] = {}

    def visit(name):
        if name in done:
            return
        for ref in sorted(_references(policy.definitions[name].body, set()), key=list(policy.definitions).index):
            visit(ref)
        done[name] = policy.definitions[name]

    for name in policy.definitions:
        visit(name)
    return list(done.values())


class _Query:
    def __init__(self, policy: tree.Policy, dialect: str, frames, check_dates: bool = True, keep=(), integer=None):
        self.policy = policy
        self.check_dates = check_dates
        self.keep = tuple(keep)
        self.arith = Arith(integer or WIDE_TYPES.get(dialect, DEFAULT_WIDE), dialect)
        self.kinds: dict = {}
        self.lists = ListAggregates() if dialect in AGGREGATED_LISTS else None
        self.raw_inputs: dict[tuple, exp.Expression] = {}
        self.x = ExpressionCompiler(policy, self.arith, self.kinds, self.lists)
        self.amounts = AmountCompiler(self.x)
        self.frames = _frames(policy, frames)
        self.ctes: list[exp.CTE] = []
        self.previous = SOURCE
        self.dialect = dialect
        self.reasons: list[FrameReasons] = []

    def label(self, text: str, domain) -> exp.Expression:
        """A status or frame name; in DuckDB of an ENUM type, which it carries and writes as a
        small integer (a reader sees the text)."""
        if self.dialect != "duckdb":
            return string(text)
        return exp.cast(string(text), enum(domain), copy=False)

    def step(self, name: str, columns: list[exp.Expression], comment: str | None, select_all: bool = True,
             distinct: bool = False):
        select = exp.select(*((exp.Star(),) if select_all else ()), *columns, copy=False).from_(exp.Table(this=ident(self.previous)), copy=False)
        if distinct:
            select = select.distinct(copy=False)
        cte = exp.CTE(this=select, alias=exp.TableAlias(this=ident(name)))
        if comment:
            cte.add_comments([_comment(comment)])
        self.ctes.append(cte)
        self.previous = name

    def numeric_columns(self, name: str, value: Num) -> list[exp.Expression]:
        num = self.arith.numerator(value)
        if not value.wide:
            num = self.arith.widen(num)
        columns = [exp.alias_(num, ident(name), copy=False)]
        den = self.arith.denominator(value)
        if den is not None:
            columns.append(exp.alias_(self.arith.widen(den) if not value.wide else den, ident(den_column(name)), copy=False))
        return columns

    # ------------------------------------------------------------ inputs
    def inputs(self):
        columns = [exp.alias_(exp.column("id", table=SOURCE, quoted=True), ident("id"), copy=False)]
        for g in self.policy.groups:
            for f in g.fields:
                if g.name is None:
                    raw = exp.column(f.name, table=SOURCE, quoted=True)
                    name = f.name
                else:
                    raw = exp.Dot(this=exp.column(g.name, table=SOURCE, quoted=True), expression=ident(f.name))
                    name = f"{g.name}.{f.name}"
                self.raw_inputs[(g.name, f.name) if g.name else (f.name,)] = raw
                columns += self.input_columns(name, raw, f)
        self.step("inputs", columns, "one column per input, named by its path; defaults applied", select_all=False)

    def input_columns(self, name: str, raw: exp.Expression, f: tree.Field) -> list[exp.Expression]:
        if f.kind == "list" or (f.kind == "bool" and f.optional and f.default is None):
            return [exp.alias_(raw, ident(name), copy=False)]  # a missing yes/no stays NULL: `is given` reads it
        value = field_value(self.arith, raw, f)  # as a list item's field is read: default applied, numbers widened
        if isinstance(value, Num):
            columns = [exp.alias_(value.num, ident(name), copy=False)]
            if value.den is not None:
                columns.append(exp.alias_(value.den, ident(den_column(name)), copy=False))
            return columns
        return [exp.alias_(value.e, ident(name), copy=False)]

    # ------------------------------------------------------------ rules and values
    def definitions(self):
        for d in _ordered_definitions(self.policy):
            self.x.folds, self.x.folds_of = ([] if self.dialect == "duckdb" else None), d.name
            try:
                value = self.x.expr(d.body)
            finally:
                folds, self.x.folds = self.x.folds, None
            if folds:  # a total of fractions over a list, folded once (engine/sql/fold.py)
                self.step(f"folds: {d.name}", folds, f"{d.kind} {d.name}: its totals of fractions over a list, each folded once")
            if isinstance(value, Num):
                columns = self.numeric_columns(d.name, value)
                self.kinds[d.name] = (d.body.kind, len(columns) > 1, value.nullable)
            else:
                columns = [exp.alias_(value.e, ident(d.name), copy=False)]
                self.kinds[d.name] = (d.body.kind, False, value.nullable)
            self.step(f"{d.kind}: {d.name}", columns, f"{d.kind} {d.name} ({d.origin}){_cite(d.cite)}")

    # ------------------------------------------------------------ amounts and frames
    def amount(self, frame: tree.Frame, a: tree.Amount, path: str):
        """Steps for the amount and its parts (post-order); returns (value, floor arrays)."""
        name = frame.name + path
        if a.for_each is not None:
            result = self.amounts.inline(a)
        elif not a.parts:
            result = self.amounts.body(a, [], self.schedule(a, name))
        else:
            parts = []
            for p in a.parts:
                value, floors = self.amount(frame, p, f"{path}/{p.name}")
                parts.append(AmountSQL(value=value, floors=floors))
            result = self.amounts.body(a, parts)
        columns = self.numeric_columns(name, result.value)
        self.step(f"amount: {name}", columns, f"amount {a.name} ({a.origin}){_cite(a.cite)}")
        return column_value(name, result.value), result.floors

    def schedule(self, a: tree.Amount, name: str) -> Num:
        """The band walk over columns: the base and every rate or limit that is not a constant
        are computed first, in a step of their own, so the walk reads as arithmetic on names."""
        base, bands = self.amounts.operands(a)
        columns, named = [], []

        def column(label, value):
            if value is None or value.const is not None:
                return value
            columns.extend(self.numeric_columns(f"{name}.{label}", value))
            return attrs.evolve(column_value(f"{name}.{label}", value), nonneg=value.nonneg)

        base = column("base", base)
        for i, b in enumerate(bands, 1):
            named.append(attrs.evolve(b, rate=column(f"rate{i}", b.rate), limit=column(f"limit{i}", b.limit)))
        if columns:
            self.step(f"operands: {name}", columns, f"the cost {a.name} is paid on, and its rates")
        value = self.amounts.schedule(base, named, a.round_down)
        if a.caps and value.const is None and not isinstance(value.num, exp.Column):  # the caps read a name
            self.step(f"bands: {name}", self.numeric_columns(f"{name}.bands", value), f"{a.name} before its caps")
            value = attrs.evolve(column_value(f"{name}.bands", value), nonneg=value.nonneg)
        return value

    def frame(self, f: tree.Frame):
        value, floors = self.amount(f, f.amount, "")
        if not value.integral:
            raise Unsupported(f"{f.origin}: the subsidy of {f.name} is not rounded down to whole yen")
        fixed = [Reason(f"requirement:{n}", exp.Not(this=col(n))) for n in f.requires]
        fixed += [Reason(f"exclusion:{n}", col(n)) for n in f.exclusions]
        fixed += self.date_reasons(f)
        varying = []
        for fl in floors:  # bits until the first floor whose count varies per case
            if isinstance(fl, Reason) and not varying:
                fixed.append(fl)
            else:
                varying.append(floor_array(fl))
        reasons = FrameReasons(f.name, tuple(fixed), tuple(varying), tuple(Reason(n, exp.Not(this=col(n))) for n in f.steps))
        self.reasons.append(reasons)
        cols = bit_columns(reasons.fixed, reasons.unmet_columns()) + bit_columns(reasons.steps, reasons.pending_columns())
        unmet = any_set(reasons.unmet_columns())
        if varying:
            cols.append(exp.alias_(not_null(concat(varying)), ident(reasons.extra_column), copy=False))
            unmet = exp.or_(unmet, exp.GT(this=array_size(col(reasons.extra_column)), expression=exp.Literal.number(0)), copy=False)
        amount = col(f"{f.name}.amount")
        cols.append(exp.alias_(self.arith.integer(value), ident(f"{f.name}.amount"), copy=False))
        self.step(f"frame: {f.name}", cols, f"frame {f.name} ({f.origin}){_cite(f.cite)}; its reasons as bits "
                  f"({', '.join(r.name for r in reasons.fixed) or 'none'}), its steps as bits")
        nothing = exp.and_(exp.Not(this=exp.Paren(this=unmet.copy())), exp.LTE(this=amount.copy(), expression=exp.Literal.number(0)), copy=False)
        self.step(f"outcome: {f.name}", [exp.alias_(nothing, ident(reasons.nothing_column), copy=False)], None)
        refused = exp.or_(unmet, col(reasons.nothing_column), copy=False)
        status = exp.Case(ifs=[exp.If(this=refused.copy(), true=self.label(NOT_ELIGIBLE, STATUSES)),
                               exp.If(this=any_set(reasons.pending_columns()), true=self.label(ELIGIBLE_AFTER_STEPS, STATUSES))],
                          default=self.label(ELIGIBLE, STATUSES))
        paid = exp.Case(ifs=[exp.If(this=refused, true=exp.Literal.number(0))], default=amount)
        self.step(f"status: {f.name}", [exp.alias_(status, ident(f"{f.name}.status"), copy=False),
                                         exp.alias_(exp.cast(paid, exp.DataType.build("BIGINT"), copy=False), ident(f"{f.name}.subsidy"), copy=False)], None)
        if rounds.has_due_steps(self.policy, f):
            self.step(f"overdue: {f.name}", [exp.alias_(self.overdue(f), ident(f"{f.name}.overdue_steps"), copy=False)],
                      f"frame {f.name}: the steps still to take whose own due date was before the application date")

    def overdue(self, f: tree.Frame) -> exp.Expression:
        """engine.tree.rounds.overdue_steps: per step with a `due` line, not done and applied after
        its due date (a fixed day, or the round's deadline moved by a duration), as a list of names."""
        names = []
        for n in f.steps:
            due = self.policy.definitions[n].due
            if due is None:
                continue
            if due.date is not None:
                day = tree.Const(value=due.date, kind="date", origin=f.origin)
            else:
                day = tree.RoundOf(frame=f.name, part="deadline", kind="date", origin=f.origin)
                if due.amount:
                    by = tree.Const(value=abs(due.amount), kind="duration", unit=due.unit, origin=f.origin)
                    day = tree.Arith(op="+" if due.amount > 0 else "-", left=day, right=by, kind="date", origin=f.origin)
            late = self.x.expr(tree.Compare(op=">", left=self.policy.applied_on, right=day, kind="bool", origin=f.origin)).e
            names.append(exp.Case(ifs=[exp.If(this=exp.and_(exp.Not(this=col(n)), late, copy=False), true=string(n))]))
        return not_null(exp.Array(expressions=names))

    def date_reasons(self, f: tree.Frame) -> list[Reason]:
        policy = self.policy
        if policy.applied_on is None or not self.check_dates:
            return []
        applied = col(".".join(policy.applied_on.path))
        reasons = []
        if policy.in_force:
            reasons.append(Reason("not_open", exp.LT(this=applied.copy(), expression=date(policy.in_force[0]))))
        if f.deadlines:
            last = max(d.date for d in f.deadlines)
            reasons.append(Reason("deadline", exp.GT(this=applied.copy(), expression=date(last))))
            # in no round: after one round closed and before the next opened (engine/tree/rounds.py)
            spans = []
            for after, before in rounds.closed_spans(f.deadlines, f.earlier_unknown):
                inside = exp.LT(this=applied.copy(), expression=date(before))
                if after is not None:
                    inside = exp.and_(exp.GT(this=applied.copy(), expression=date(after)), inside, copy=False)
                if policy.in_force:  # before the term it is "not_open", as the tree says
                    inside = exp.and_(exp.GTE(this=applied.copy(), expression=date(policy.in_force[0])), inside, copy=False)
                spans.append(inside)
            if spans:
                reasons.append(Reason("between_rounds", exp.or_(*spans, copy=False) if len(spans) > 1 else spans[0]))
        elif policy.in_force:
            reasons.append(Reason("closed", exp.GT(this=applied.copy(), expression=date(policy.in_force[1]))))
        return reasons

    def decisions(self) -> exp.Select:
        """The best frame: the largest subsidy among the frames granted, the first on a tie (as the tree)."""
        # each frame's subsidy where it is granted (NULL where not), then the largest of them and the
        # first frame holding it: the tree's choice, written once per frame rather than as each
        # frame beating every other (which cost DuckDB more to plan than the rest of the step)
        self.step("granted subsidies", [
            exp.alias_(exp.Case(ifs=[exp.If(this=exp.NEQ(this=col(f"{f.name}.status"), expression=self.label(NOT_ELIGIBLE, STATUSES)),
                                            true=col(f"{f.name}.subsidy"))]), ident(f"{f.name}.granted"), copy=False)
            for f in self.frames], "each frame's subsidy where it is granted")
        granted = [col(f"{f.name}.granted") for f in self.frames]
        largest = lambda: (exp.Greatest(this=granted[0].copy(), expressions=[g.copy() for g in granted[1:]], ignore_nulls=True)  # noqa: E731
                           if len(granted) > 1 else granted[0].copy())  # GREATEST skips NULLs; Spark's needs two values
        frame_names = [f.name for f in self.frames]
        best = exp.Case(ifs=[exp.If(this=exp.EQ(this=g.copy(), expression=largest()), true=self.label(f.name, frame_names))
                             for f, g in zip(self.frames, granted)])
        best_subsidy = exp.Coalesce(this=largest(), expressions=[exp.cast(exp.Literal.number(0), exp.DataType.build("BIGINT"), copy=False)])
        self.step("decisions", [exp.alias_(best, ident("best_frame"), copy=False), exp.alias_(best_subsidy, ident("best_subsidy"), copy=False)],
                  "the best frame: the largest subsidy granted, the first frame on a tie")
        self.decided()
        decided = self.previous
        self.name_reasons()
        d, n = exp.to_identifier("d"), exp.to_identifier("n")

        def of(table, name):
            return exp.Column(this=ident(name), table=table.copy())

        outputs = [of(d, "id")] + [of(d, k) for k in self.keep] + [of(d, "best_frame"), of(d, "best_subsidy")]
        for f, r in zip(self.frames, self.reasons):
            names = of(n, f"{f.name}.reasons")
            if r.extra_column:
                names = exp.alias_(concat([names, of(d, r.extra_column)]), ident(f"{f.name}.reasons"), copy=False)
            outputs += [of(d, f"{f.name}.status"), of(d, f"{f.name}.subsidy"), names, of(n, f"{f.name}.pending_steps")]
            if rounds.has_due_steps(self.policy, f):
                outputs.append(of(d, f"{f.name}.overdue_steps"))
        on = exp.and_(*[exp.EQ(this=of(d, k), expression=of(n, k)) for k in self.reason_keys()], copy=False)
        query = (exp.select(*outputs, copy=False).from_(exp.Table(this=ident(decided), alias=exp.TableAlias(this=d)), copy=False)
                 .join(exp.Table(this=ident(self.previous), alias=exp.TableAlias(this=n)), on=on, copy=False))
        query.set("with_", exp.With(expressions=self.ctes))
        return query

    def reason_keys(self) -> list[str]:
        """The columns that name every frame's reasons and steps (what the named sets are joined on)."""
        return [k for r in self.reasons for k in r.key_columns()]

    def decided(self):
        """Only what the output and the naming read, computed once: both read this step."""
        names = ["id", *self.keep, "best_frame", "best_subsidy"]
        for f, r in zip(self.frames, self.reasons):
            names += [f"{f.name}.status", f"{f.name}.subsidy", *r.key_columns()] + ([r.extra_column] if r.extra_column else [])
            names += [f"{f.name}.overdue_steps"] if rounds.has_due_steps(self.policy, f) else []
        self.step("decided", [col(n) for n in names], "what the output reads, computed once (it is read twice)",
                  select_all=False)
        if self.dialect == "duckdb":
            self.ctes[-1].set("materialized", True)

    def name_reasons(self):
        """The distinct combinations of reasons and steps, each named once (engine/sql/reasons.py)."""
        self.step("reason sets", [col(k) for k in self.reason_keys()], "each combination of unmet conditions and pending steps "
                  "that occurs, once", select_all=False, distinct=True)
        reason_type = step_type = None
        if self.dialect == "duckdb":  # names as an ENUM: carried and written as small integers
            if not any(r.varying for r in self.reasons):
                reason_type = enum_array([x.name for r in self.reasons for x in r.fixed] + [f"no_subsidy:{r.frame}" for r in self.reasons])
            step_type = enum_array([x.name for r in self.reasons for x in r.steps] or [""])

        def typed(e, t):
            return e if t is None else exp.cast(e, t.copy(), copy=False)

        columns = []
        for r in self.reasons:
            nothing = exp.Case(ifs=[exp.If(this=col(r.nothing_column), true=string(f"no_subsidy:{r.frame}"))])
            columns.append(exp.alias_(typed(named(r.fixed, r.unmet_columns(), [nothing]), reason_type), ident(f"{r.frame}.reasons"), copy=False))
            columns.append(exp.alias_(typed(named(r.steps, r.pending_columns(), []), step_type), ident(f"{r.frame}.pending_steps"), copy=False))
        self.step("reason names", columns, "the names of each combination's reasons and steps, in the tree's order")

    def build(self) -> exp.Select:
        self.inputs()
        self.definitions()
        for f in self.frames:
            self.frame(f)
        if self.lists is not None:
            self.lists.join_into(self.ctes[0].this, SOURCE, self.raw_inputs)
        return self.decisions()


def compile_query(policy: tree.Policy, dialect: str = "duckdb", frames: tuple[str, ...] | None = None,
                  check_dates: bool = True, keep: tuple[str, ...] = (), integer: str | None = None,
                  fused: bool = False) -> exp.Select:
    """The policy as one SELECT over the table `cases`; raises Unsupported for what SQL cannot
    write exactly. `check_dates=False` judges every case as though applied within the policy's
    term (as `policy diff` does); `keep` carries input columns ("申請者.業種") or rule values
    ("小規模事業者") into the output. `integer` is the type money is computed in: the dialect's wide
    type by default, NARROW only where an overflow raises. `fused`: the steps grouped by
    dependency level, for running (engine/sql/fuse.py); else a step per rule, for reading."""
    query = _Query(policy, dialect, frames, check_dates, keep, integer).build()
    return fuse(query, copy=False) if fused else query


# How sqlglot writes an integer division where it is exact: a dialect that writes it through a
# FLOAT, a DOUBLE or a rounded DECIMAL quotient (T-SQL, SQLite, Trino, Snowflake …) would lose yen.
_EXACT_DIVISION = ("a // b", "a DIV b", "DIV(a, b)")


class InexactDialect(Exception):
    """A dialect the SQL form cannot be written in exactly (the message says why)."""


def exact_dialect_problem(dialect: str) -> str | None:
    """Why `dialect` cannot hold the policy's arithmetic exactly, or None."""
    division = exp.IntDiv(this=exp.column("a"), expression=exp.column("b")).sql(dialect=dialect)
    if division not in _EXACT_DIVISION:
        return (f"sqlglot writes an integer division in {dialect} as {division}, which is not exact integer arithmetic "
                f"(a float or a rounded decimal quotient)")
    return None


def to_sql(policy: tree.Policy, dialect: str = "duckdb", frames=None, pretty: bool = True, check_dates: bool = True,
           keep: tuple[str, ...] = (), integer: str | None = None, fused: bool = False) -> str:
    """The query as text in `dialect`; InexactDialect where the dialect cannot hold it exactly:
    its integer division goes through a float, or sqlglot cannot write some construct in it."""
    from sqlglot.errors import ErrorLevel, UnsupportedError

    problem = exact_dialect_problem(dialect)
    if problem:
        raise InexactDialect(problem)
    query = compile_query(policy, dialect, frames, check_dates, keep, integer, fused)
    try:
        return query.sql(dialect=dialect, pretty=pretty, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise InexactDialect(f"sqlglot cannot write this query in {dialect}: {str(exc).splitlines()[0]}") from None

