"""What an evaluation returns: an explained decision. Plain data, read by the renderers;
values are kept raw (int yen, Fraction rates, dates, member names), never formatted here."""

from __future__ import annotations

from fractions import Fraction

import attrs

from engine.tree.nodes import Cite, Label, Origin

data = attrs.frozen(kw_only=True)

ELIGIBLE = "eligible"
ELIGIBLE_AFTER_STEPS = "eligible_after_steps"
NOT_ELIGIBLE = "not_eligible"


@data
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
        return dict(self.facts).get(key, default)


@data
class BandResult:
    rate: Fraction
    rate_trace: Trace
    measure: str | None
    limit: int | Fraction | None
    cost: Fraction  # the part of the cost this band covered
    subsidy: Fraction  # that part times the rate


@data
class CapResult:
    limit: int
    active: bool  # its condition held (or it has none)
    binding: bool  # it lowered the amount
    condition: Trace | None
    negated: bool
    cite: Cite | None
    origin: Origin
    limit_trace: Trace


@data
class FloorResult:
    limit: int
    met: bool
    origin: Origin


@data
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
    parts: tuple["AmountResult", ...] = ()
    items: tuple["AmountResult", ...] = ()  # one per list item, for `for each`
    item_index: int | None = None
    before_caps: int = 0
    caps: tuple[CapResult, ...] = ()
    floors: tuple[FloorResult, ...] = ()
    result: int = 0
    like: object | None = None  # engine.tree.nodes.AmountLike: the amount this one is stated as, and what differs


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


@data
class Decision:
    programme: str
    title: str | None
    year: int | None
    frames: tuple[FrameDecision, ...]
    exclusions: tuple[Trace, ...]  # every exclusion of the policy, evaluated
    best_frame: str | None
