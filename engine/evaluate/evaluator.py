"""Evaluates the tree against a case, exactly (int yen, Fraction rates), and records every step
in a `Trace`. Every condition of a rule is evaluated (no short-circuit), so a decision can list
every unmet condition, not only the first. Nothing here formats text. This module evaluates
expressions, rules and amounts; a frame's deadline, reasons and status are made by the part it
mixes in (engine/evaluate/frame_evaluation.py)."""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from engine.tree import bands as band_rule
from engine.tree import dates, rounds, tables, nodes as tree
from engine.evaluate.decision import (NOT_ELIGIBLE, AmountResult, Decision, Trace, make_amount, make_band, make_cap,
                                      make_floor, make_lazy_trace, make_trace)
from engine.evaluate.frame_evaluation import FrameEvaluation

_ORDER = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_ARITH = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "×": lambda a, b: a * b,
    "÷": lambda a, b: Fraction(a) / b if b else 0,  # exact; a quotient by 0 is 0 (docs/language.md)
}


class _Item(dict):
    """A list item in scope, knowing where it sits in the case (for traces and what-ifs)."""

    path: tuple = ()


def _items(values, path) -> list[_Item]:
    items = []
    for i, value in enumerate(values or ()):
        item = _Item(value) if isinstance(value, dict) else value
        if isinstance(item, _Item):
            item.path = path + (i,)
        items.append(item)
    return items


def _whole(value):
    """Fractions that are whole become ints, so traces and JSON show 500000, not 500000/1."""
    if type(value) is Fraction and value.denominator == 1:  # not isinstance: Fraction is an ABC, slow to test an int against
        return int(value)
    return value




@functools.lru_cache(maxsize=16)
def _constant_traces(policy: tree.Policy) -> dict:
    """The traces of a policy's constants, shared by its evaluations (a Policy hashes by identity)."""
    return {}


class _Evaluation(FrameEvaluation):
    # Traces are made by position, make_trace(kind, result, origin, name, label, cite, op, facts, children):
    # some 330 a case, and keywords cost a tenth of the call again (docs/performance.md).
    def __init__(self, policy: tree.Policy, case: dict, check_dates: bool = True, fast=None):
        self.fast = fast  # a FastPolicy: rules' values come from it, their steps are made when read
        self.values = fast.values(case) if fast is not None else None
        self.policy = policy
        self.case = case
        self.check_dates = check_dates
        self.memo: dict[str, Trace] = {}
        self.constants = _constant_traces(policy)
        self.lists: dict[tuple, list] = {}  # a list of the case as items in scope, made once (read-only)

    # ------------------------------------------------------------ expressions
    def eval(self, node, item=None) -> Trace:
        return _EVAL[type(node)](self, node, item)

    def read(self, path):
        value = self.case
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def items(self, path) -> list:
        known = self.lists.get(path)
        if known is None:
            known = self.lists[path] = _items(self.read(path), path)
        return known

    def e_Const(self, n, item):
        # a constant's trace is the same in every evaluation: made once per node and shared
        known = self.constants.get(id(n))
        if known is not None and known[0] is n:
            return known[1]
        trace = make_trace("const", n.value, n.origin, None, None, None, None, (("kind", n.kind), ("unit", n.unit)))
        self.constants[id(n)] = (n, trace)  # the node is kept with it, so its id is not reused
        return trace

    def e_Input(self, n, item):
        return make_trace("input", self.read(n.path), n.origin, n.name, n.label, None, None,
                          (("path", n.path), ("kind", n.kind), ("unit", n.unit)))

    def e_Item(self, n, item):
        path = getattr(item, "path", ()) + (n.name,)
        return make_trace("item", item.get(n.name) if item else None, n.origin, n.name, n.label, None, None,
                          (("kind", n.kind), ("unit", n.unit), ("path", path)))

    def e_DefRef(self, n, item):
        known = self.memo.get(n.name)  # a rule named again (most of the ~130 references a case): no further call
        return known if known is not None else self.definition(n.name)

    def definition(self, name: str) -> Trace:
        known = self.memo.get(name)
        if known is None:
            d = self.policy.definitions[name]
            if self.fast is not None:
                known = self.memo[name] = make_lazy_trace(d.kind, self.fast.rule(self.values, name), d.origin, name, d.label,
                                                          d.cite, (("kind", d.body.kind),), self, d.body)
                return known
            body = _EVAL[type(d.body)](self, d.body, None)
            known = self.memo[name] = make_trace(d.kind, body.result, d.origin, name, d.label, d.cite, None,
                                                 (("kind", d.body.kind),), (body,))
        return known

    def e_TableCell(self, n, item):
        key = _EVAL[type(n.key)](self, n.key, item)
        table = self.policy.tables[n.table]
        row = tables.row_of(table, key.result)  # a member, or the band that holds a number
        value = table.rows[row][table.columns.index(n.column)] if row is not None else None
        cite = table.row_cites.get(row, table.cite) if table.row_cites else table.cite  # the row's own source, if it cites one
        return make_trace("table", value, n.origin, n.table, table.label, cite, None,
                          (("column", n.column), ("key", row), ("kind", n.kind), *((("row_source", True),) if cite is not table.cite else ()),
                            ("unit", table.units[table.columns.index(n.column)])), (key,))

    def e_Compare(self, n, item):
        left, right = _EVAL[type(n.left)](self, n.left, item), _EVAL[type(n.right)](self, n.right, item)
        if left.result is None or right.result is None:
            result = False  # a missing optional value meets no comparison
        else:
            result = _ORDER[n.op](left.result, right.result)
        return make_trace("compare", result, n.origin, None, None, None, n.op, (), (left, right))

    def e_Member(self, n, item):
        operand = _EVAL[type(n.operand)](self, n.operand, item)
        inside = operand.result in n.members
        return make_trace("member", inside != n.negated, n.origin, None, None, None, None,
                          (("members", n.members), ("negated", n.negated)), (operand,))

    def e_Contains(self, n, item):
        operand = _EVAL[type(n.operand)](self, n.operand, item)
        return make_trace("contains", n.member in (operand.result or ()), n.origin, None, None, None, None,
                          (("member", n.member),), (operand,))

    def e_Given(self, n, item):
        operand = _EVAL[type(n.operand)](self, n.operand, item)
        return make_trace("given", operand.result is not None, n.origin, None, None, None, None, (), (operand,))

    def e_Not(self, n, item):
        operand = _EVAL[type(n.operand)](self, n.operand, item)
        return make_trace("not", not operand.result, n.origin, None, None, None, None, (), (operand,))

    def e_All(self, n, item):
        children = tuple(_EVAL[type(i)](self, i, item) for i in n.items)
        return make_trace("all", all(c.result for c in children), n.origin, None, None, None, None, (), children)

    def e_Any(self, n, item):
        children = tuple(_EVAL[type(i)](self, i, item) for i in n.items)
        return make_trace("any", any(c.result for c in children), n.origin, None, None, None, None, (), children)

    def e_IfElse(self, n, item):
        condition = _EVAL[type(n.condition)](self, n.condition, item)
        branch = n.then if condition.result else n.otherwise
        chosen = _EVAL[type(branch)](self, branch, item)
        return make_trace("if", chosen.result, n.origin, None, None, None, None, (("kind", n.kind),), (condition, chosen))

    def e_Cases(self, n, item):
        tried = []
        for index, branch in enumerate(n.branches):
            condition = _EVAL[type(branch.condition)](self, branch.condition, item)
            tried.append(condition)
            if condition.result:
                body = _EVAL[type(branch.body)](self, branch.body, item)
                return make_trace("cases", body.result, n.origin, None, None, None, None,
                                  (("branch", index), ("kind", n.kind)), (*tried, body))
        body = _EVAL[type(n.otherwise)](self, n.otherwise, item)
        return make_trace("cases", body.result, n.origin, None, None, None, None,
                          (("branch", "otherwise"), ("kind", n.kind)), (*tried, body))

    def e_Arith(self, n, item):
        left, right = _EVAL[type(n.left)](self, n.left, item), _EVAL[type(n.right)](self, n.right, item)
        if n.kind == "date":  # date ± a duration (engine.tree.dates)
            result = dates.shift(left.result, right.result if n.op == "+" else -right.result, n.right.unit)
            return make_trace("arith", result, n.origin, None, None, None, n.op, (("kind", n.kind),), (left, right))
        # a missing operand (tested with `is given` around it, so it is here only where the test failed): missing
        result = None if left.result is None or right.result is None else _whole(_ARITH[n.op](left.result, right.result))
        return make_trace("arith", result, n.origin, None, None, None, n.op, (("kind", n.kind),), (left, right))

    def e_RoundOf(self, n, item):
        frame = next(f for f in self.policy.frames if f.name == n.frame)
        applied = self.read(self.policy.applied_on.path)
        return make_trace("round_of", rounds.round_date(frame, applied, n.part), n.origin, frame.name, frame.label, None, None,
                          (("kind", n.kind), ("part", n.part)))

    def e_RoundDown(self, n, item):
        operand = _EVAL[type(n.operand)](self, n.operand, item)
        return make_trace("round", None if operand.result is None else math.floor(operand.result), n.origin, None, None, None, None,
                          (("kind", n.kind),), (operand,))

    def e_Smaller(self, n, item):
        left, right = _EVAL[type(n.left)](self, n.left, item), _EVAL[type(n.right)](self, n.right, item)
        result = None if left.result is None or right.result is None else min(left.result, right.result)
        return make_trace("smaller", result, n.origin, None, None, None, None, (("kind", n.kind),), (left, right))

    def e_Larger(self, n, item):
        left, right = _EVAL[type(n.left)](self, n.left, item), _EVAL[type(n.right)](self, n.right, item)
        result = None if left.result is None or right.result is None else max(left.result, right.result)
        return make_trace("larger", result, n.origin, None, None, None, None, (("kind", n.kind),), (left, right))

    def e_Fallback(self, n, item):
        value = _EVAL[type(n.value)](self, n.value, item)
        if value.result is not None:
            return make_trace("fallback", value.result, n.origin, None, None, None, None, (("kind", n.kind), ("used", False)), (value,))
        fallback = _EVAL[type(n.fallback)](self, n.fallback, item)  # the case left it out: the stated value, and the trace says so
        return make_trace("fallback", fallback.result, n.origin, None, None, None, None,
                          (("kind", n.kind), ("used", True), ("unit", n.fallback.unit)), (value, fallback))

    def item_test(self, where):
        """(item) -> whether it meets `where`, without making the test's steps: a total, a count or a
        frame's cover keeps only which items met it. The usual `区分 is …` (a field of the item among
        members) is decided as e_Member decides it, anything else by its result."""
        if type(where) is tree.Member and type(where.operand) is tree.Item:
            name, members, negated = where.operand.name, where.members, where.negated
            return lambda it: ((it.get(name) if it else None) in members) != negated
        return lambda it: _EVAL[type(where)](self, where, it).result

    def _matching(self, n, items) -> list[int]:
        """Indices of the items that meet `where` (all of them when there is no `where`)."""
        if n.where is None:
            return list(range(len(items)))
        meets = self.item_test(n.where)
        return [i for i, it in enumerate(items) if meets(it)]

    def e_Total(self, n, item):
        items = self.items(n.list.path)
        chosen = self._matching(n, items)
        values = [(i, items[i].get(n.field)) for i in chosen]
        total = sum(v for _, v in values if v is not None)
        return make_trace("total", total, n.origin, n.list.name, n.list.label, None, None,
                          (("field", n.field), ("items", tuple(values)), ("kind", n.kind)))

    def e_TotalOf(self, n, item):
        items = self.items(n.list.path)
        chosen = self._matching(n, items)
        values = [(i, _EVAL[type(n.value)](self, n.value, items[i])) for i in chosen]
        total = _whole(sum((v.result for _, v in values), Fraction(0)))
        return make_trace("total", total, n.origin, n.list.name, n.list.label, None, None,
                          (("field", n.origin.text), ("items", tuple((i, v.result) for i, v in values)), ("kind", n.kind)),
                          tuple(v for _, v in values))

    def e_Count(self, n, item):
        items = self.items(n.list.path)
        if n.where is None and items and not isinstance(items[0], dict):
            result = len(set(items))  # distinct members of an enum list
            chosen = sorted(set(items), key=list(items).index)
        else:
            chosen = self._matching(n, items)
            result = len(chosen)
        return make_trace("count", result, n.origin, n.list.name, n.list.label, None, None, (("items", tuple(chosen)),))

    def e_CountAmong(self, n, item):
        items = self.read(n.list.path) or ()
        present = tuple(m for m in n.members if m in items)
        return make_trace("among", len(present), n.origin, n.list.name, n.list.label, None, None,
                          (("members", n.members), ("present", present)))

    def e_Quantified(self, n, item):
        items = self.items(n.list.path)
        checks = tuple(_EVAL[type(n.where)](self, n.where, it) for it in items)
        test = any if n.quantifier == "any" else all
        matched = tuple(i for i, c in enumerate(checks) if c.result)
        return make_trace(f"{n.quantifier}_item", test(c.result for c in checks), n.origin, n.list.name, n.list.label, None, None,
                          (("items", matched), ("of", len(items)), ("where", n.where.origin.text)), checks)

    # ------------------------------------------------------------ amounts
    def amount(self, a: tree.Amount, item=None) -> AmountResult:
        if a.for_each is None:
            return self.amount_body(a, item)
        items = self.items(a.for_each.list.path)
        each = tuple(self.amount_body(a, it, index) for index, it in enumerate(items))
        return make_amount(name=a.name, label=a.label, cite=a.cite, origin=a.origin, items=each, like=a.like,
                            before_caps=sum(r.result for r in each), result=sum(r.result for r in each))

    def bands(self, a: tree.Amount, base, item):
        remaining, subsidy, cost = Fraction(base), band_rule.ZERO, band_rule.ZERO
        results = []
        for index, band in enumerate(a.bands, start=1):
            rate_trace = _EVAL[type(band.rate)](self, band.rate, item)
            rate = rate_trace.result if type(rate_trace.result) is Fraction else Fraction(rate_trace.result)
            limit = _EVAL[type(band.limit)](self, band.limit, item).result if band.limit is not None else None
            portion = band_rule.portion(remaining, subsidy, cost, rate, band.measure, limit)
            paid = portion * rate
            results.append(make_band(rate, rate_trace, band.measure, limit, portion, paid))
            subsidy = paid if index == 1 else subsidy + paid  # 0 + paid is paid: a Fraction sum saved
            if index < len(a.bands):  # what is left and the cost so far matter only to a later band
                remaining -= portion
                cost += portion
        return tuple(results), subsidy

    def amount_body(self, a: tree.Amount, item=None, index=None) -> AmountResult:
        base = base_trace = unrounded = None
        bands, parts = (), ()
        if a.parts:
            parts = tuple(self.amount(p, item) for p in a.parts)
            value = sum(p.result for p in parts)
        else:
            base_trace = _EVAL[type(a.base)](self, a.base, item)
            base = base_trace.result or 0
            bands, unrounded = self.bands(a, base, item)
            value = math.floor(unrounded) if a.round_down else unrounded
        before = value
        caps = []
        for cap in a.caps:
            condition = _EVAL[type(cap.condition)](self, cap.condition, item) if cap.condition is not None else None
            active = condition is None or (bool(condition.result) != cap.negated)
            limit_trace = _EVAL[type(cap.limit)](self, cap.limit, item)
            # the subsidy is whole yen, so a fractional cap rounds down; a limit read only `when X is given` is missing elsewhere
            limit = None if limit_trace.result is None else math.floor(limit_trace.result)
            binding = active and limit is not None and value > limit
            if binding:
                value = limit
            caps.append(make_cap(limit, active, binding, condition, cap.negated, cap.cite, cap.origin, limit_trace))
        floors = tuple(
            make_floor(lim := math.floor(_EVAL[type(f.limit)](self, f.limit, item).result), value >= lim, f.origin) for f in a.floors
        )
        # by position, in AmountResult's order (name label cite origin base base_trace bands unrounded rounded_down
        # round_cite parts items item_index before_caps caps floors result like): 18 keywords cost a microsecond a call
        return make_amount(a.name, a.label, a.cite, a.origin, _whole(base), base_trace, bands,
                           _whole(unrounded) if unrounded is not None else None, a.round_down, a.round_cite, parts, (), index,
                           before, tuple(caps), floors, value, a.like)

# node type -> its _Evaluation.e_<kind>. The methods call it directly, `_EVAL[type(x)](self, x, item)`,
# rather than through `eval`: a node's evaluation is then one call, not two (some 375 a case).
_EVAL: dict = {getattr(tree, name[2:]): method for name, method in vars(_Evaluation).items() if name.startswith("e_")}


def definition_results(policy: tree.Policy, case: dict, check_dates: bool = True) -> dict[str, object]:
    """Every rule, value, exclusion and step of the policy, evaluated for `case` (for `policy diff`)."""
    run = _Evaluation(policy, case, check_dates)
    return {name: run.definition(name).result for name in policy.definitions}


def evaluate(policy: tree.Policy, case: dict, frames: tuple[str, ...] | None = None, check_dates: bool = True,
             fast=None) -> Decision:
    """The decision for `case` (values as read by `engine.evaluate.case.read_case`), for every frame or the
    named ones. `check_dates=False` judges the case as though applied within the policy's term
    (its application date is not checked against the call or the deadlines). `fast`: the policy's
    FastPolicy, where one is built already: each rule's value then comes from it and its steps are
    made only when read (LazyTrace); the decision reads the same, and costs less where it is read
    in part. Without it (a single `policy eval`, which would spend more building the fast form than
    it saves), every step is made at once."""
    run = _Evaluation(policy, case, check_dates, fast)
    chosen = [f for f in policy.frames if frames is None or f.name in frames]
    decisions = tuple(run.frame(f) for f in chosen)
    exclusions = tuple(run.definition(n) for n, d in policy.definitions.items() if d.kind == "exclusion")
    granted = [d for d in decisions if d.status != NOT_ELIGIBLE]
    best = max(granted, key=lambda d: d.subsidy, default=None)  # max keeps the first of equals: declaration order
    return Decision(programme=policy.programme, title=policy.title, year=policy.year, frames=decisions, exclusions=exclusions,
                    best_frame=best.name if best else None)
