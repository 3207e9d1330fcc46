"""The fast form's compiler: each tree node as a Python closure, each frame as a function of the
case. With `generate`, expressions, rule bodies, amounts and frames are compiled through
fast_codegen instead; the closures remain for the node kinds it has no shape for, for the band
schedules, and for a policy whose nesting Python's compiler cannot take.

Where a rate is one constant fraction and the amount rounds down, the subsidy is integer
arithmetic: ⌊B·4/5⌋ as B*4//5."""

from __future__ import annotations

import math
import operator
from fractions import Fraction

from engine.tree import bands as band_rule
from engine.tree import dates, rounds, tables, nodes as tree
from engine.tree.missing import may_be_missing
from engine.evaluate.decision import ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE
from engine.evaluate.fast_codegen import Codegen

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "=": operator.eq, "!=": operator.ne}
_ARITH = {"+": operator.add, "-": operator.sub, "×": operator.mul,
          "÷": lambda a, b: Fraction(a) / b if b else 0}  # as the tree: exact, a quotient by 0 is 0


class _Env:
    __slots__ = ("case", "memo")

    def __init__(self, case):
        self.case = case
        self.memo = {}


def _reader(path):
    if len(path) == 1:
        key = path[0]
        return lambda env, item: env.case.get(key)
    first, second = path

    def read(env, item):
        group = env.case.get(first)
        return group.get(second) if group else None

    return read


def _whole(value):
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


def _whole_op(op):
    return lambda a, b: _whole(op(a, b))


class _Compiler:
    def __init__(self, policy: tree.Policy, generate: bool = True):
        self.policy = policy
        self.definitions = {}
        for name, d in policy.definitions.items():
            self.definitions[name] = None  # filled lazily: rules may refer to later rules
        self.bodies = {}
        self.generate = generate
        self.codegen = Codegen(policy, self.closure)

    def expr(self, node):
        """A function (env, item) -> the node's value: compiled Python (fast_codegen) for anything
        larger than a constant or a read, which are cheapest as closures."""
        if not self.generate or isinstance(node, (tree.Const, tree.Input, tree.Item)):
            return self.closure(node)
        return self.codegen.function(node)

    def closure(self, node):
        return getattr(self, "c_" + type(node).__name__)(node)

    def rule(self, name: str):
        """A rule's body, which also records its value in the case's memo."""
        if not self.generate:
            return self.closure(self.policy.definitions[name].body)
        return self.codegen.function(self.policy.definitions[name].body, store=name)

    def c_Const(self, n):
        value = n.value
        return lambda env, item: value

    def c_Input(self, n):
        return _reader(n.path)

    def c_Item(self, n):
        name = n.name
        return lambda env, item: item.get(name) if item else None

    def c_DefRef(self, n):
        name = n.name
        bodies = self.bodies

        def ref(env, item):
            memo = env.memo
            if name in memo:
                return memo[name]
            value = memo[name] = bodies[name](env, None)
            return value

        return ref

    def c_TableCell(self, n):
        table = self.policy.tables[n.table]
        column = table.columns.index(n.column)
        rows = {member: values[column] for member, values in table.rows.items()}
        key = self.expr(n.key)
        if table.bands is not None:  # keyed by a number: the band that holds it
            return lambda env, item: rows.get(tables.row_of(table, key(env, item)))
        return lambda env, item: rows.get(key(env, item))

    def c_Compare(self, n):
        op, left, right = _COMPARE[n.op], self.expr(n.left), self.expr(n.right)

        def compare(env, item):
            a, b = left(env, item), right(env, item)
            return False if a is None or b is None else op(a, b)

        return compare

    def c_Member(self, n):
        operand, members, negated = self.expr(n.operand), frozenset(n.members), n.negated
        return lambda env, item: (operand(env, item) in members) != negated

    def c_Contains(self, n):
        operand, member = self.expr(n.operand), n.member
        return lambda env, item: member in (operand(env, item) or ())

    def c_Given(self, n):
        operand = self.expr(n.operand)
        return lambda env, item: operand(env, item) is not None

    def c_Not(self, n):
        operand = self.expr(n.operand)
        return lambda env, item: not operand(env, item)

    def c_All(self, n):
        items = tuple(self.expr(i) for i in n.items)
        return lambda env, item: all([f(env, item) for f in items])  # every one evaluated, like the tree

    def c_Any(self, n):
        items = tuple(self.expr(i) for i in n.items)
        return lambda env, item: any([f(env, item) for f in items])

    def c_IfElse(self, n):
        condition, then, otherwise = self.expr(n.condition), self.expr(n.then), self.expr(n.otherwise)
        return lambda env, item: then(env, item) if condition(env, item) else otherwise(env, item)

    def c_Cases(self, n):
        branches = tuple((self.expr(b.condition), self.expr(b.body)) for b in n.branches)
        otherwise = self.expr(n.otherwise)

        def cases(env, item):
            for condition, body in branches:
                if condition(env, item):
                    return body(env, item)
            return otherwise(env, item)

        return cases

    def c_Arith(self, n):
        if n.kind == "date":  # date ± a duration literal (engine.tree.dates)
            left, amount, unit = self.expr(n.left), n.right.value if n.op == "+" else -n.right.value, n.right.unit
            return lambda env, item: dates.shift(left(env, item), amount, unit)
        return self._pair(_whole_op(_ARITH[n.op]), n)

    def c_RoundDown(self, n):
        operand = self.expr(n.operand)
        if may_be_missing(n.operand, self.policy):  # tested with `is given` around it: missing where the test fails
            return lambda env, item: None if (v := operand(env, item)) is None else math.floor(v)
        return lambda env, item: math.floor(operand(env, item))

    def c_Smaller(self, n):
        return self._pair(min, n)

    def c_Larger(self, n):
        return self._pair(max, n)

    def c_Fallback(self, n):
        value, fallback = self.expr(n.value), n.fallback.value
        return lambda env, item: fallback if (v := value(env, item)) is None else v

    def _pair(self, op, n):
        """op(left, right); missing when either side is (only where one may be: see engine.tree.missing)."""
        left, right = self.expr(n.left), self.expr(n.right)
        if may_be_missing(n.left, self.policy) or may_be_missing(n.right, self.policy):
            def either_missing(env, item):
                a, b = left(env, item), right(env, item)
                return None if a is None or b is None else op(a, b)
            return either_missing
        return lambda env, item: op(left(env, item), right(env, item))

    def c_RoundOf(self, n):
        frame = next(f for f in self.policy.frames if f.name == n.frame)
        applied, part = _reader(self.policy.applied_on.path), n.part
        return lambda env, item: rounds.round_date(frame, applied(env, item), part)

    def c_TotalOf(self, n):
        read, value = _reader(n.list.path), self.expr(n.value)
        where = self.expr(n.where) if n.where is not None else None

        def total(env, item):
            result = 0
            for it in read(env, item) or ():
                if where is None or where(env, it):
                    result += value(env, it)
            return _whole(result)
        return total

    def c_Total(self, n):
        read, field = _reader(n.list.path), n.field
        where = self.expr(n.where) if n.where is not None else None

        def total(env, item):
            result = 0
            for it in read(env, item) or ():
                if where is None or where(env, it):
                    value = it.get(field)
                    if value is not None:
                        result += value
            return result

        return total

    def c_Count(self, n):
        read = _reader(n.list.path)
        where = self.expr(n.where) if n.where is not None else None

        def count(env, item):
            items = read(env, item) or ()
            if where is None and items and not isinstance(items[0], dict):
                return len(set(items))
            return sum(1 for it in items if where is None or where(env, it))

        return count

    def c_CountAmong(self, n):
        read, members = _reader(n.list.path), n.members
        return lambda env, item: sum(1 for m in members if m in (read(env, item) or ()))

    def c_Quantified(self, n):
        read, where, test = _reader(n.list.path), self.expr(n.where), (any if n.quantifier == "any" else all)
        return lambda env, item: test([where(env, it) for it in (read(env, item) or ())])

    # ------------------------------------------------------------ amounts
    def bands(self, a: tree.Amount):
        """(base, item) -> subsidy before caps, exact; integer arithmetic for one constant rate."""
        base = self.expr(a.base)
        if len(a.bands) == 1 and isinstance(a.bands[0].rate, tree.Const) and a.round_down:
            rate = Fraction(a.bands[0].rate.value)
            num, den = rate.numerator, rate.denominator
            return lambda env, item: (base(env, item) or 0) * num // den
        bands = tuple((self.expr(b.rate), b.measure, self.expr(b.limit) if b.limit is not None else None) for b in a.bands)
        round_down = a.round_down
        if round_down:
            return self.integer_schedule(base, bands)

        def schedule(env, item):
            cost_in = base(env, item) or 0
            if cost_in == 0:
                return 0  # most frames of most cases buy nothing in this category: skip the fractions
            subsidy = band_rule.walk(cost_in, [(rate_fn(env, item), measure, limit_fn(env, item) if limit_fn is not None else None)
                                               for rate_fn, measure, limit_fn in bands])
            return math.floor(subsidy) if round_down else _whole(subsidy)

        return schedule

    @staticmethod
    def integer_schedule(base, bands):
        """The band walk of `schedule` with rationals as unreduced (numerator, denominator) pairs of
        ints — exact like Fraction, without its gcd on every step — then rounded down."""

        def schedule(env, item):
            cost_in = base(env, item) or 0
            if cost_in == 0:
                return 0
            rn, rd = cost_in, 1  # remaining cost
            sn, sd = 0, 1  # subsidy so far
            cn, cd = 0, 1  # cost so far
            for rate_fn, measure, limit_fn in bands:
                rate = rate_fn(env, item)
                a, b = (rate.numerator, rate.denominator)
                limit = limit_fn(env, item) if limit_fn is not None else None
                if limit is None:
                    pn, pd = rn, rd
                else:
                    if measure == "subsidy":  # room = limit − subsidy; its cost = room · b / a
                        qn, qd = limit * sd - sn, sd
                        if qn < 0:
                            qn = 0
                        if a == 0:
                            pn, pd = rn, rd
                        else:
                            qn, qd = qn * b, qd * a
                            pn, pd = (rn, rd) if rn * qd <= qn * rd else (qn, qd)
                    else:  # room = limit − cost so far
                        qn, qd = limit * cd - cn, cd
                        if qn < 0:
                            qn = 0
                        pn, pd = (rn, rd) if rn * qd <= qn * rd else (qn, qd)
                rn, rd = rn * pd - pn * rd, rd * pd
                sn, sd = sn * pd * b + pn * a * sd, sd * pd * b
                cn, cd = cn * pd + pn * cd, cd * pd
            return sn // sd

        return schedule

    def amount(self, a: tree.Amount):
        """(env, item, unmet_floors list) -> whole-yen result."""
        caps = tuple((self.expr(c.limit), self.expr(c.condition) if c.condition is not None else None, c.negated) for c in a.caps)
        floors = tuple(self.expr(f.limit) for f in a.floors)
        name = a.name
        if a.parts:
            parts = tuple(self.amount(p) for p in a.parts)
            inner = lambda env, item, unmet: sum([p(env, item, unmet) for p in parts])  # noqa: E731
        else:
            schedule = self.bands(a)
            inner = lambda env, item, unmet: schedule(env, item)  # noqa: E731

        def body(env, item, unmet):
            mark = len(unmet)  # the tree lists an amount's floors before its parts'
            value = inner(env, item, unmet)
            for limit_fn, condition, negated in caps:
                if condition is None or (bool(condition(env, item)) != negated):  # the limit is read where the cap applies
                    limit = math.floor(limit_fn(env, item))
                    if value > limit:
                        value = limit
            for floor in floors:
                if value < math.floor(floor(env, item)):
                    unmet.insert(mark, name)
                    mark += 1
            return value

        if a.for_each is None:
            return body
        read = _reader(a.for_each.list.path)
        return lambda env, item, unmet: sum([body(env, it, unmet) for it in (read(env, item) or ())])

    def frame(self, f: tree.Frame):
        """(env) -> the frame's decision summary: compiled (fast_codegen) or a closure."""
        amount = self.codegen.amount(f.amount, self.bands) if self.generate else self.amount(f.amount)
        if self.generate:
            return self.codegen.frame(f, amount, self.date_reason(f), (NOT_ELIGIBLE, ELIGIBLE_AFTER_STEPS, ELIGIBLE))
        # each rule's own function, which records its value in the memo (every body is built before any frame)
        requires = tuple((n, self.bodies[n]) for n in f.requires)
        exclusions = tuple((n, self.bodies[n]) for n in f.exclusions)
        steps = tuple((n, self.bodies[n]) for n in f.steps)
        date_reason = self.date_reason(f)
        name = f.name

        def decide(env):
            memo = env.memo  # rules shared by the frames are looked up, not called again
            reasons = [("requirement", n) for n, fn in requires if not (memo[n] if n in memo else fn(env, None))]
            reasons += [("exclusion", n) for n, fn in exclusions if (memo[n] if n in memo else fn(env, None))]
            unmet: list = []
            subsidy = amount(env, None, unmet)
            why = date_reason(env)
            if why is not None:
                reasons.append((why, None))
            reasons += [("floor", n) for n in unmet]
            if not reasons and subsidy <= 0:
                reasons.append(("no_subsidy", name))
            pending = [n for n, fn in steps if not (memo[n] if n in memo else fn(env, None))]
            status = NOT_ELIGIBLE if reasons else (ELIGIBLE_AFTER_STEPS if pending else ELIGIBLE)
            return {"frame": name, "status": status, "subsidy": subsidy if status != NOT_ELIGIBLE else 0,
                    "reasons": reasons, "pending_steps": pending}

        return decide

    def date_reason(self, f: tree.Frame):
        """(env) -> why the case's date rules the frame out (not_open, closed, deadline,
        between_rounds) or None; remembered per date, as few distinct dates recur."""
        deadlines = f.deadlines
        earlier_unknown = f.earlier_unknown
        applied = _reader(self.policy.applied_on.path) if self.policy.applied_on is not None else None
        start = self.policy.in_force[0] if self.policy.in_force else None
        end = self.policy.in_force[1] if self.policy.in_force else None
        known: dict = {}

        def reason(date):
            if date is not None and start is not None and date < start:
                return "not_open"
            if not deadlines and date is not None and end is not None and date > end:
                return "closed"
            if deadlines and date is not None:
                what, _ = rounds.round_of(deadlines, earlier_unknown, date)
                if what == rounds.PASSED:
                    return "deadline"
                if what == rounds.BETWEEN:
                    return "between_rounds"
            return None

        def date_reason(env):
            date = applied(env, None) if applied is not None else None
            if date in known:
                return known[date]
            if len(known) > 4096:  # bounded, whatever dates a long-running service sees
                known.clear()
            why = known[date] = reason(date)
            return why

        return date_reason
