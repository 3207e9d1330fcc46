"""What an evaluation returns: an explained decision. Plain data, read by the renderers;
values are kept raw (int yen, Fraction rates, dates, member names), never formatted here."""

from __future__ import annotations

from fractions import Fraction

import attrs

from engine.tree.nodes import Cite, Label, Origin

data = attrs.frozen(kw_only=True)
# What the traced evaluator makes by the hundred per case is not frozen: a frozen class sets each
# field through object.__setattr__, and that was a quarter of the traced evaluator's time. Nothing
# changes one once made (constants' traces are shared between evaluations); hashing is by value.
made_per_step = attrs.define(kw_only=True, unsafe_hash=True)

ELIGIBLE = "eligible"
ELIGIBLE_AFTER_STEPS = "eligible_after_steps"
NOT_ELIGIBLE = "not_eligible"


@made_per_step
class Trace:
    """One step of the evaluation: what was computed, from which values, under which rule."""

    kind: str  # rule value exclusion step compare member contains given not all any if cases arith round smaller
    #            total count among any_item all_item const input item table fallback
    result: object
    origin: Origin | None = None
    name: str | None = None
    label: Label | None = None
    cite: Cite | None = None
    op: str | None = None
    facts: tuple[tuple[str, object], ...] = ()  # extra data for renderers (members, table key, input path…)
    children: tuple["Trace", ...] = ()

    def fact(self, key: str, default=None):
        for name, fact in reversed(self.facts):  # the last of a repeated key, as dict() would
            if name == key:
                return fact
        return default


_new = object.__new__


def make_trace(kind: str, result: object, origin: Origin | None = None, name: str | None = None, label: Label | None = None,
               cite: Cite | None = None, op: str | None = None, facts: tuple = (), children: tuple = ()) -> Trace:
    """Trace(...), made about twice as fast: calling a class with keywords goes through its __init__
    with a dict of them, a function call does not (the traced evaluator makes some 330 a case, and
    passes the fields by position, in this order: matching keywords was a tenth of the call again).
    Every field is set; tests hold it equal to Trace(...)."""
    t = _new(Trace)
    t.kind = kind
    t.result = result
    t.origin = origin
    t.name = name
    t.label = label
    t.cite = cite
    t.op = op
    t.facts = facts
    t.children = children
    return t


class LazyTrace(Trace):
    """A rule's step whose value is known (from the fast form) and whose own steps, its `children`,
    are made only when first read, by the evaluation that made it: a decision read in part (its
    reasons, amounts and what-ifs, as the service's full form reads it) costs
    little more than its values. Read whole, it is the same data as an eagerly made Trace."""

    __slots__ = ("_evaluation", "_body", "_made")

    @property
    def children(self) -> tuple:
        made = self._made
        if made is None:
            made = self._made = (self._evaluation.eval(self._body),)
            self._evaluation = self._body = None  # made once: the evaluation is no longer needed by this step
        return made

    @children.setter
    def children(self, value: tuple) -> None:
        self._made = value

    _FIELDS = tuple(f.name for f in attrs.fields(Trace))

    def __eq__(self, other):  # equal to the plain Trace it reads as (attrs' own __eq__ wants one class)
        if not isinstance(other, Trace):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._FIELDS)

    __hash__ = Trace.__hash__  # defining __eq__ would otherwise unset it

    def __reduce__(self):  # pickled (made whole) as the plain Trace it reads as
        return make_trace, (self.kind, self.result, self.origin, self.name, self.label, self.cite, self.op, self.facts,
                            self.children)


def make_lazy_trace(kind: str, result: object, origin: Origin, name: str, label: Label | None, cite: Cite | None,
                    facts: tuple, evaluation, body) -> LazyTrace:
    """A rule's step of known `result` whose children `evaluation.eval(body)` makes when first read."""
    t = _new(LazyTrace)
    t.kind = kind
    t.result = result
    t.origin = origin
    t.name = name
    t.label = label
    t.cite = cite
    t.op = None
    t.facts = facts
    t._evaluation = evaluation
    t._body = body
    t._made = None
    return t


@made_per_step
class BandResult:
    rate: Fraction
    rate_trace: Trace
    measure: str | None
    limit: int | Fraction | None
    cost: Fraction  # the part of the cost this band covered
    subsidy: Fraction  # that part times the rate


@made_per_step
class CapResult:
    limit: int
    active: bool  # its condition held (or it has none)
    binding: bool  # it lowered the amount
    condition: Trace | None
    negated: bool
    cite: Cite | None
    origin: Origin
    limit_trace: Trace


@made_per_step
class FloorResult:
    limit: int
    met: bool
    origin: Origin


@made_per_step
class AmountResult:
    name: str
    label: Label
    cite: Cite | None
    origin: Origin
    base: int | Fraction | None = None
    base_trace: Trace | None = None
    bands: tuple[BandResult, ...] = ()
    unrounded: Fraction | None = None
    rounded_down: bool = False
    round_cite: Cite | None = None  # where the rounding is stated (`round down source …`)
    parts: tuple["AmountResult", ...] = ()
    items: tuple["AmountResult", ...] = ()  # one per list item, for `for each`
    item_index: int | None = None
    before_caps: int = 0
    caps: tuple[CapResult, ...] = ()
    floors: tuple[FloorResult, ...] = ()
    result: int = 0
    like: object | None = None  # engine.tree.nodes.AmountLike: the amount this one is stated as, and what differs


def make_band(rate, rate_trace, measure, limit, cost, subsidy) -> BandResult:
    """BandResult(...) without the keyword call (as make_trace); every field is set."""
    b = _new(BandResult)
    b.rate = rate
    b.rate_trace = rate_trace
    b.measure = measure
    b.limit = limit
    b.cost = cost
    b.subsidy = subsidy
    return b


def make_cap(limit, active, binding, condition, negated, cite, origin, limit_trace) -> CapResult:
    """CapResult(...) without the keyword call (as make_trace); every field is set."""
    c = _new(CapResult)
    c.limit = limit
    c.active = active
    c.binding = binding
    c.condition = condition
    c.negated = negated
    c.cite = cite
    c.origin = origin
    c.limit_trace = limit_trace
    return c


def make_floor(limit, met, origin) -> FloorResult:
    """FloorResult(...) without the keyword call (as make_trace); every field is set."""
    f = _new(FloorResult)
    f.limit = limit
    f.met = met
    f.origin = origin
    return f


def make_amount(name, label, cite, origin, base=None, base_trace=None, bands=(), unrounded=None, rounded_down=False,
                round_cite=None, parts=(), items=(), item_index=None, before_caps=0, caps=(), floors=(), result=0,
                like=None) -> AmountResult:
    """AmountResult(...) made as make_trace makes a Trace: a class called with 18 keywords builds a dict
    of them for its __init__, which was about a tenth of the traced evaluator. Every field is set; the
    fields may be passed by position, in the class's order."""
    a = _new(AmountResult)
    a.name = name
    a.label = label
    a.cite = cite
    a.origin = origin
    a.base = base
    a.base_trace = base_trace
    a.bands = bands
    a.unrounded = unrounded
    a.rounded_down = rounded_down
    a.round_cite = round_cite
    a.parts = parts
    a.items = items
    a.item_index = item_index
    a.before_caps = before_caps
    a.caps = caps
    a.floors = floors
    a.result = result
    a.like = like
    return a


def amounts_within(result: AmountResult) -> list[AmountResult]:
    """The amount and every part and item under it, depth first, in the decision's order (a list,
    not nested generators, which cost a call per level and result)."""
    out, todo = [], [result]
    while todo:
        r = todo.pop()
        out.append(r)
        if r.parts or r.items:
            todo.extend(reversed(r.parts + r.items))
    return out


@data
class Reason:
    kind: str  # requirement exclusion floor deadline not_open no_subsidy
    name: str | None
    label: Label | None
    cite: Cite | None
    trace: Trace | None = None
    facts: tuple[tuple[str, object], ...] = ()


@data
class DeadlineResult:
    applied_on: object  # date or None when the case gives none
    round: str | None
    deadline: object | None
    last_deadline: object
    time: object | None = None  # the round's closing time of day (JST), when the policy gives it
    opens: object | None = None  # the round's opening day, when known
    cite: Cite | None = None  # where the round's dates come from
    unknown: bool = False  # up to the first listed round, whose earlier rounds are not known: no round is named
    next_opens: object | None = None  # in no round: the day the next round opens
    next_round: str | None = None


@data
class StepDueResult:
    """A step of the frame with its own due date: when it is due, and whether that day had passed on
    the application date (`passed`: flagged, the status is the steps' as ever)."""

    name: str
    label: Label
    done: bool
    due: object | None  # the date, or None when it counts from a round the date is not in
    passed: bool
    before_deadline: tuple[int, str | None] | None  # (amount, unit) relative to the round's deadline; None for a date
    applied_on: object | None = None
    cite: Cite | None = None


@data
class UncoveredItem:
    index: int
    values: tuple[tuple[str, object], ...]


@data
class FrameDecision:
    name: str
    label: Label
    cite: Cite
    status: str
    subsidy: int  # granted amount: 0 unless eligible (now or after steps)
    amount: AmountResult  # the computation, shown even when not eligible
    requirements: tuple[Trace, ...]
    exclusions: tuple[Trace, ...]
    steps: tuple[Trace, ...]
    reasons: tuple[Reason, ...]
    pending_steps: tuple[Trace, ...]
    deadline: DeadlineResult | None
    uncovered: tuple[UncoveredItem, ...]
    what_if: tuple = ()  # engine.explain.counterfactual.WhatIf offers, once computed
    step_dues: tuple[StepDueResult, ...] = ()  # the frame's steps that carry a due date, in the frame's order


@data
class Decision:
    programme: str
    title: str | None
    year: int | None
    frames: tuple[FrameDecision, ...]
    exclusions: tuple[Trace, ...]  # every exclusion of the policy, evaluated
    best_frame: str | None
