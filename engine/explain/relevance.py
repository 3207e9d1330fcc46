"""Which inputs can still change a decision, given some of them: a partial evaluation of the tree.

Every question of a case is either *known* (answered: its value, or None for an optional field left
empty) or *open*. Each node of the evaluation tree evaluates to a value when the known inputs
already fix it, or to `Open(deps)`: the open inputs it may still depend on. The rules are Kleene's
three-valued logic with the evaluator's own semantics (engine/evaluate/evaluator.py):

* `all of` is false as soon as one item is known false, whatever the open ones are; `any of` is
  true as soon as one is known true; otherwise their deps are the union of the open items' deps;
* a comparison with a known missing value (None) is false, whatever the other side is;
* `a if c else b` with an open condition is known when both branches are known and equal;
* a cap that a known amount does not exceed cannot bind, whatever its condition;
* zero times anything is zero, and no cost gives no subsidy at any rate;
* a frame whose amount is known to be zero is refused (a reason, or else "no subsidy");
* everything else is known when all it reads is known, and otherwise depends on the union of the
  deps of what it reads that is open (over-approximation, never under).

A frame's *outcome* is its status and its subsidy. It is decided when a reason to refuse it is
known to hold (an exclusion that applies, a requirement that fails, a date out of term, a floor
missed): then nothing else can change it. Otherwise it depends on the open reasons, the open steps
and the open amount. `needed` is the union over the frames asked for: an open input outside it
cannot change any frame's status or subsidy, for any values of the other open inputs (each rule is
sound by construction, and the union of sound over-approximations is sound). The tests check this
against the evaluator by enumeration (tests/test_relevance.py).

engine/explain/relevance_plan.py's `plan` orders it for a questionnaire: questions are taken in the page's order, and a question is
asked when it is needed given the answers to the questions asked before it (and the frame chosen).
Answers to questions not asked count for nothing, so the applicant can always change what hid a
question. Adding answers never makes an open input needed that was not (more knowledge decides
more), so every question not asked stays irrelevant given all the answers the page submits."""

from __future__ import annotations

import math

import attrs

from engine.tree import bands as band_rule
from engine.tree import dates, rounds, tables, nodes as tree
from engine.tree.missing import may_be_missing
from engine.evaluate.evaluator import _ARITH, _ORDER, _whole

__all__ = ["FrameOutcome", "Knowledge", "Open", "Partial", "needed", "outcomes"]


@attrs.frozen
class Open:
    """A value not yet fixed by the known inputs; `deps` are the open inputs it may depend on."""

    deps: frozenset[str]


def _open(*parts) -> Open:
    deps: set[str] = set()
    for p in parts:
        if isinstance(p, Open):
            deps |= p.deps
    return Open(frozenset(deps))


def is_open(v) -> bool:
    return isinstance(v, Open)


@attrs.frozen
class Knowledge:
    """Values as the case reader gives them (nested by group), and which input paths are known."""

    values: dict
    known: frozenset[str]


def input_path(path: tuple) -> str:
    return ".".join(str(p) for p in path)


class _OpenItem:
    """The item in scope of a list that is itself open: every field of it is open with the list."""

    def __init__(self, deps: frozenset[str]):
        self.deps = deps


@attrs.frozen
class FrameOutcome:
    name: str
    decided: bool  # status and subsidy fixed by the known inputs
    status: str | None  # when decided
    subsidy: int | None  # when decided
    deps: frozenset[str]  # the open inputs the outcome may depend on (empty when decided)


class Partial:
    """The tree evaluated for what is known (check_dates as engine.evaluate.evaluator.evaluate)."""

    def __init__(self, policy: tree.Policy, knowledge: Knowledge, check_dates: bool = True):
        self.policy = policy
        self.missing: dict[int, bool] = {}  # id of an Arith node -> may a side be missing
        self.k = knowledge
        self.check_dates = check_dates
        self.memo: dict[str, object] = {}

    # ------------------------------------------------------------ expressions
    def read(self, path: tuple):
        if input_path(path) not in self.k.known:
            return Open(frozenset({input_path(path)}))
        value = self.k.values
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def eval(self, n, item=None):
        return getattr(self, "e_" + type(n).__name__)(n, item)

    def e_Const(self, n, item):
        return n.value

    def e_Input(self, n, item):
        return self.read(n.path)

    def e_Item(self, n, item):
        if isinstance(item, _OpenItem):
            return Open(item.deps)
        return item.get(n.name) if item else None

    def e_DefRef(self, n, item):
        return self.definition(n.name)

    def definition(self, name: str):
        if name not in self.memo:
            self.memo[name] = self.eval(self.policy.definitions[name].body)
        return self.memo[name]

    def e_TableCell(self, n, item):
        key = self.eval(n.key, item)
        if is_open(key):
            return key
        table = self.policy.tables[n.table]
        row = tables.row_of(table, key)
        return table.rows[row][table.columns.index(n.column)] if row is not None else None

    def e_Compare(self, n, item):
        left, right = self.eval(n.left, item), self.eval(n.right, item)
        if (left is None and not is_open(left)) or (right is None and not is_open(right)):
            return False  # a missing optional value meets no comparison, whatever the other side
        if is_open(left) or is_open(right):
            return _open(left, right)
        return _ORDER[n.op](left, right)

    def e_Member(self, n, item):
        v = self.eval(n.operand, item)
        return v if is_open(v) else (v in n.members) != n.negated

    def e_Contains(self, n, item):
        v = self.eval(n.operand, item)
        return v if is_open(v) else n.member in (v or ())

    def e_Given(self, n, item):
        v = self.eval(n.operand, item)
        return v if is_open(v) else v is not None

    def e_Not(self, n, item):
        v = self.eval(n.operand, item)
        return v if is_open(v) else not v

    def e_All(self, n, item):
        values = [self.eval(i, item) for i in n.items]
        if any(not is_open(v) and not v for v in values):
            return False
        return _open(*values) if any(map(is_open, values)) else True

    def e_Any(self, n, item):
        values = [self.eval(i, item) for i in n.items]
        if any(not is_open(v) and v for v in values):
            return True
        return _open(*values) if any(map(is_open, values)) else False

    def e_IfElse(self, n, item):
        c = self.eval(n.condition, item)
        if not is_open(c):
            return self.eval(n.then if c else n.otherwise, item)
        a, b = self.eval(n.then, item), self.eval(n.otherwise, item)
        if not is_open(a) and not is_open(b) and a == b:
            return a
        return _open(c, a, b)

    def e_Cases(self, n, item):
        pending = []  # conditions and bodies still possible once a condition is open
        for branch in n.branches:
            c = self.eval(branch.condition, item)
            if pending:
                pending += [c, self.eval(branch.body, item)]
            elif is_open(c):
                pending = [c, self.eval(branch.body, item)]
            elif c:
                return self.eval(branch.body, item)
        last = self.eval(n.otherwise, item)
        if not pending:
            return last
        return _open(*pending, last)

    def e_Arith(self, n, item):
        left, right = self.eval(n.left, item), self.eval(n.right, item)
        if n.kind == "date" and not is_open(left):  # date ± a duration (engine.tree.dates)
            return dates.shift(left, right if n.op == "+" else -right, n.right.unit)
        if left is None or right is None:
            return None  # a missing operand (an optional input tested around it): missing, as in the tree
        if n.op == "×" and any(not is_open(v) and v == 0 for v in (left, right)) and not self.may_miss(n):
            return 0  # zero times anything (that cannot turn out missing)
        if is_open(left) or is_open(right):
            return _open(left, right)
        return _whole(_ARITH[n.op](left, right))

    def may_miss(self, n: tree.Arith) -> bool:
        """Whether either side of `n` may turn out missing (then 0 × it is not 0)."""
        if id(n) not in self.missing:
            self.missing[id(n)] = may_be_missing(n.left, self.policy) or may_be_missing(n.right, self.policy)
        return self.missing[id(n)]

    def e_RoundOf(self, n, item):
        applied = self.read(self.policy.applied_on.path)
        if is_open(applied):
            return applied
        return rounds.round_date(next(f for f in self.policy.frames if f.name == n.frame), applied, n.part)

    def e_RoundDown(self, n, item):
        v = self.eval(n.operand, item)
        return v if is_open(v) or v is None else math.floor(v)

    def e_Smaller(self, n, item):
        left, right = self.eval(n.left, item), self.eval(n.right, item)
        if left is None or right is None:
            return None
        if is_open(left) or is_open(right):
            return _open(left, right)
        return min(left, right)

    def e_Larger(self, n, item):
        left, right = self.eval(n.left, item), self.eval(n.right, item)
        if left is None or right is None:
            return None
        if is_open(left) or is_open(right):
            return _open(left, right)
        return max(left, right)

    def e_Fallback(self, n, item):
        v = self.eval(n.value, item)
        return n.fallback.value if v is None else v  # open while the value is: it may yet be given

    def _list(self, n_list: tree.Input):
        return self.read(n_list.path)

    def _open_list(self, lst: Open, *wheres) -> Open:
        """An open list: the result depends on the list and on whatever `where` reads besides its items."""
        deps = [self.eval(w, _OpenItem(lst.deps)) for w in wheres if w is not None]
        return _open(lst, *deps)

    def _checks(self, where, items):
        return [self.eval(where, it) if where is not None else True for it in items]

    def _chosen(self, n):
        """The items of n.list that meet n.where, or an Open when the list or a test is not known yet."""
        lst = self._list(n.list)
        if is_open(lst):
            return self._open_list(lst, n.where)
        items = list(lst or ())
        checks = self._checks(n.where, items)
        if any(map(is_open, checks)):
            return _open(*checks)
        return [it for it, c in zip(items, checks) if c]

    def e_Total(self, n, item):
        chosen = self._chosen(n)
        return chosen if is_open(chosen) else sum(v for it in chosen if (v := it.get(n.field)) is not None)

    def e_TotalOf(self, n, item):
        chosen = self._chosen(n)
        if is_open(chosen):
            return chosen
        values = [self.eval(n.value, it) for it in chosen]
        return _open(*values) if any(map(is_open, values)) else sum(values, 0)

    def e_Count(self, n, item):
        lst = self._list(n.list)
        if is_open(lst):
            return self._open_list(lst, n.where)
        items = list(lst or ())
        if n.where is None and items and not isinstance(items[0], dict):
            return len(set(items))
        checks = self._checks(n.where, items)
        if any(map(is_open, checks)):
            return _open(*checks)
        return sum(1 for c in checks if c)

    def e_CountAmong(self, n, item):
        lst = self._list(n.list)
        if is_open(lst):
            return lst
        items = lst or ()
        return sum(1 for m in n.members if m in items)

    def e_Quantified(self, n, item):
        lst = self._list(n.list)
        if is_open(lst):
            return self._open_list(lst, n.where)
        checks = self._checks(n.where, list(lst or ()))
        if n.quantifier == "any":
            if any(not is_open(c) and c for c in checks):
                return True
            return _open(*checks) if any(map(is_open, checks)) else False
        if any(not is_open(c) and not c for c in checks):
            return False
        return _open(*checks) if any(map(is_open, checks)) else True

    # ------------------------------------------------------------ amounts
    def amount(self, a: tree.Amount, item=None):
        """(value or Open, floors met: True/False/Open) — the evaluator's amount, partially."""
        if a.for_each is None:
            return self.amount_body(a, item)
        lst = self._list(a.for_each.list)
        if is_open(lst):
            value, floors = self.amount_body(a, _OpenItem(lst.deps))
            # with no floor on an item, every floor is met however many items there are
            return _open(lst, value), (True if floors is True else _open(lst, floors))
        results = [self.amount_body(a, it) for it in (lst or ())]
        values = [v for v, _ in results]
        floors = [f for _, f in results]
        total = _open(*values) if any(map(is_open, values)) else sum(values)
        return total, _all(floors)

    def amount_body(self, a: tree.Amount, item=None):
        if a.parts:
            results = [self.amount(p, item) for p in a.parts]
            values = [v for v, _ in results]
            value = _open(*values) if any(map(is_open, values)) else sum(values)
            floors = [f for _, f in results]
        else:
            base = self.eval(a.base, item)
            value = self.bands(a, base, item)
            if not is_open(value) and a.round_down:
                value = math.floor(value)
            floors = []
        for cap in a.caps:
            limit = self.eval(cap.limit, item)
            if limit is None:
                continue  # read only `when X is given` and X is missing: the cap is off, as in the tree
            if not is_open(limit):
                limit = math.floor(limit)
            if not is_open(value) and not is_open(limit) and value <= limit:
                continue  # it cannot bind, whatever its condition
            if cap.condition is not None:
                c = self.eval(cap.condition, item)
                active = c if is_open(c) else (bool(c) != cap.negated)
            else:
                active = True
            if is_open(active):
                value = _open(active, value, limit)
            elif active:
                value = _open(value, limit) if is_open(value) or is_open(limit) else min(value, limit)
        for f in a.floors:
            lim = self.eval(f.limit, item)
            if is_open(value) or is_open(lim):
                floors.append(_open(value, lim))
            else:
                floors.append(value >= math.floor(lim))
        return value, _all(floors)

    def bands(self, a: tree.Amount, base, item):
        if not is_open(base) and not base:
            return 0  # no cost: nothing at any rate
        rates = [self.eval(b.rate, item) for b in a.bands]
        limits = [self.eval(b.limit, item) if b.limit is not None else None for b in a.bands]
        if is_open(base) or any(map(is_open, rates)) or any(map(is_open, limits)):
            return _open(base, *rates, *limits)
        return band_rule.walk(base or 0, [(rate, band.measure, limit) for band, rate, limit in zip(a.bands, rates, limits)])

    # ------------------------------------------------------------ frames
    def dates_refuse(self, frame: tree.Frame):
        """Whether the application date refuses the frame (not open, closed, past its last round)."""
        p = self.policy
        if not self.check_dates or p.applied_on is None:
            return False
        applied = self.read(p.applied_on.path)
        if is_open(applied):
            could = (p.in_force is not None) or bool(frame.deadlines)
            return applied if could else False
        if applied is None:
            return False
        if p.in_force and applied < p.in_force[0]:
            return True
        if not frame.deadlines:
            return bool(p.in_force and applied > p.in_force[1])
        return rounds.round_of(frame.deadlines, frame.earlier_unknown, applied)[0] in (rounds.PASSED, rounds.BETWEEN)

    def frame(self, frame: tree.Frame) -> FrameOutcome:
        reasons = [_negate(self.definition(n)) for n in frame.requires]
        reasons += [self.definition(n) for n in frame.exclusions]
        reasons.append(self.dates_refuse(frame))
        value, floors = self.amount(frame.amount)
        reasons.append(_negate(floors))
        if any(not is_open(r) and r for r in reasons):
            return FrameOutcome(name=frame.name, decided=True, status="not_eligible", subsidy=0, deps=frozenset())
        if not is_open(value) and value <= 0:  # nothing to grant: a reason, or else "no subsidy"
            return FrameOutcome(name=frame.name, decided=True, status="not_eligible", subsidy=0, deps=frozenset())
        steps = [self.definition(n) for n in frame.steps]
        if any(map(is_open, reasons)) or is_open(value) or any(map(is_open, steps)):
            return FrameOutcome(name=frame.name, decided=False, status=None, subsidy=None,
                                deps=_open(*reasons, value, *steps).deps)
        status = "eligible_after_steps" if not all(steps) else "eligible"
        return FrameOutcome(name=frame.name, decided=True, status=status, subsidy=value, deps=frozenset())


def _negate(v):
    return v if is_open(v) else not v


def _all(values):
    if any(not is_open(v) and not v for v in values):
        return False
    return _open(*values) if any(map(is_open, values)) else True


def frames_asked(policy: tree.Policy, chosen) -> tuple[tree.Frame, ...]:
    """The frames a case asks for: its "frame" (name or label, one or a list), else all."""
    if not chosen:
        return policy.frames
    names = (chosen,) if isinstance(chosen, str) else tuple(chosen)
    by_label = {f.label.ja: f.name for f in policy.frames} | {f.label.en: f.name for f in policy.frames if f.label.en}
    wanted = {by_label.get(n, n) for n in names}
    picked = tuple(f for f in policy.frames if f.name in wanted)
    return picked or policy.frames


def outcomes(policy: tree.Policy, knowledge: Knowledge, frames=None, check_dates: bool = True) -> list[FrameOutcome]:
    run = Partial(policy, knowledge, check_dates)
    return [run.frame(f) for f in (frames if frames is not None else policy.frames)]


def needed(policy: tree.Policy, knowledge: Knowledge, frames=None, check_dates: bool = True) -> frozenset[str]:
    """The open inputs whose answer can still change some asked frame's status or subsidy."""
    deps: set[str] = set()
    for o in outcomes(policy, knowledge, frames, check_dates):
        deps |= o.deps
    return frozenset(deps)
