"""The checker's rules for frames and their amounts: bands that ascend, caps and floors that fit, steps
and their due dates."""

from __future__ import annotations

import datetime

from engine.i18n import N_
from engine.language import ast
from engine.language.diagnostics import Phrase, phrase
from engine.language.types import BOOL, RATIO, YEN
from engine.language.symbols import Scope, suggest

def _leaves(node):
    """The alternatives a conditional rate can take (`4/5 if X else 3/4` -> 4/5, 3/4)."""
    if isinstance(node, ast.IfElse):
        yield from _leaves(node.then)
        yield from _leaves(node.otherwise)
    else:
        yield node


class Frames:
    """Frames, amounts, bands, caps, floors and due dates; mixed into the checker."""

    # ------------------------------------------------------------ frames and amounts
    def constant(self, node):
        """The value of a literal expression, or None when it depends on the case."""
        return node.value if isinstance(node, ast.Literal) else None

    def check_amount(self, amount: ast.AmountDef, scope: Scope | None, frame: str) -> None:
        where = phrase(N_("what.amount", "amount {amount} of frame {frame}"), amount=amount.name, frame=frame)
        if amount.source is not None:
            self.check_source(amount.source, where, amount.span)
        if amount.for_each is not None:
            variable, list_name = amount.for_each
            t = self.list_of(list_name, True)
            scope = Scope(t.element.name, variable.text) if t is not None else scope
        if amount.parts:
            if amount.base is not None or amount.bands:
                self.error(N_("check.parts_and_rate", "{where} has both parts and its own `on`/`rate`; split it into parts"), amount.span,
                           where=where)
            for part in amount.parts:
                self.check_amount(part, scope, frame)
        else:
            if amount.base is None:
                self.error(N_("check.no_cost", "{where} says no cost: add `on <cost>`"), amount.span, where=where)
            else:
                self.expect(amount.base, YEN, scope, phrase(N_("what.cost", "the cost of {where}"), where=where))
            if not amount.bands:
                self.error(N_("check.no_rate", "{where} has no rate: add `rate 1/2` (or bands with `until`)"), amount.span, where=where)
            if not amount.round_down:
                self.error(N_("check.no_round", "{where} does not say how fractional yen are rounded: add `round down`"), amount.span,
                           where=where)
            elif amount.round_source is not None:
                self.check_source(amount.round_source, phrase(N_("what.rounding", "the rounding of {where}"), where=where), amount.span)
            self.check_bands(amount, scope, where)
        for cap in amount.caps:
            self.check_cap(cap, scope, where)
        for floor in amount.floors:
            self.expect(floor.limit, YEN, scope, phrase(N_("what.floor", "the floor of {where}"), where=where))
        self.check_floor_vs_caps(amount.floors, amount.caps)

    def check_bands(self, amount: ast.AmountDef, scope, where: Phrase) -> None:
        measures = {b.measure for b in amount.bands if b.measure}
        if len(measures) > 1:
            self.error(N_("check.bands_mixed", "{where} mixes bands on the subsidy and on the cost"), amount.span, where=where)
        previous = None
        for i, band in enumerate(amount.bands):
            last = i == len(amount.bands) - 1
            self.expect(band.rate, RATIO, scope, phrase(N_("what.rate", "the rate of {where}"), where=where))
            for rate_node in _leaves(band.rate):
                rate = self.constant(rate_node)
                if rate is not None and not (0 <= rate <= 1):
                    self.error(N_("check.rate_range", "rate {rate} is outside 0…1"), rate_node.span, rate=rate_node.text)
            if last and band.limit is not None:
                self.error(N_("check.last_band_until", "the last band of {where} needs no `until`: it covers the rest"), band.span, where=where)
            if not last and band.limit is None:
                self.error(N_("check.band_until", "band {n} of {where} needs `until the subsidy|cost reaches …` before the next `then rate`"),
                           band.span, n=i + 1, where=where)
            if band.limit is not None:
                self.expect(band.limit, YEN, scope, phrase(N_("what.band_limit", "the band limit of {where}"), where=where))
                value = self.constant(band.limit)
                if value is not None and previous is not None and value <= previous:
                    self.error(N_("check.bands_ascend", "band limits of {where} must ascend: {limit} comes after a larger or equal limit"),
                               band.limit.span, where=where, limit=band.limit.text)
                if value is not None:
                    previous = value

    def check_cap(self, cap: ast.Cap, scope, where: Phrase) -> None:
        if cap.condition is not None:
            self.expect(cap.condition, BOOL, scope, phrase(N_("what.cap_condition", "the condition of a cap")))
        # `at most X when X is given`: the limit is read only where the condition holds
        self.narrowed_by(cap.condition if not cap.negated else None, cap.limit, scope, YEN, phrase(N_("what.cap", "the cap of {where}"), where=where))
        if cap.source is not None:
            self.check_source(cap.source, phrase(N_("what.a_cap", "a cap of {where}"), where=where), cap.span)

    def check_floor_vs_caps(self, floors, caps) -> None:
        for floor in floors:
            low = self.constant(floor.limit)
            for cap in caps:
                high = self.constant(cap.limit)
                if low is not None and high is not None and cap.condition is None and low > high:
                    self.error(N_("check.floor_above_cap", "floor {floor} is above the cap {cap}: nothing could be granted"), floor.span,
                               floor=floor.limit.text, cap=cap.limit.text)

    def most(self, amount: ast.AmountDef) -> int | None:
        """The most an amount can ever grant, from its unconditional constant caps (None: unbounded)."""
        caps = [self.constant(c.limit) for c in amount.caps if c.condition is None and self.constant(c.limit) is not None]
        if amount.parts:
            parts = [self.most(p) for p in amount.parts]
            inner = None if None in parts else sum(parts)
        else:
            inner = None
        if amount.for_each is not None:
            return None  # per member: as many as the group has
        bounds = caps + ([inner] if inner is not None else [])
        return min(bounds) if bounds else None

    def check_frame(self, frame: ast.FrameDef) -> None:
        s = self.symbols
        self.check_source(frame.source, phrase(N_("what.frame_named", "frame {name}"), name=frame.name), frame.span)
        for kind, names in (("rule", frame.requires), ("step", frame.steps), ("exclusion", frame.exclusions or ())):
            for name in names:
                d = s.defs.get(name.text)
                if d is None or d.kind != kind:
                    candidates = [n for n, x in s.defs.items() if x.kind == kind]
                    self.error(N_("check.unknown_definition", "unknown {kind} {name}"), name.span, suggest(name.text, candidates),
                               kind=kind, name=name.text)
                else:
                    self.used.add(name.text)
                    self.def_type(name.text, name.span)
        if frame.covers is not None:
            list_name, condition = frame.covers
            t = self.list_of(list_name, True)
            if t is not None:
                self.expect(condition, BOOL, Scope(t.element.name, None), phrase(N_("what.covers", "the condition after `covers … where`")))
        dates = [d.date for d in frame.deadlines]
        if dates != sorted(dates):
            self.error(N_("check.deadlines_order", "the deadlines of frame {frame} must be listed in date order"), frame.deadlines[0].span,
                       frame=frame.name)
        term = s.programme.in_force if s.programme is not None else None
        for d in frame.deadlines if term else ():  # a typo'd year would let late applications through
            if not term[0] <= d.date <= term[1]:
                self.error(N_("check.deadline_term", "deadline {date} of frame {frame} is outside the programme's term {start} .. {end}"),
                           d.span, date=d.date, frame=frame.name, start=term[0], end=term[1])
        previous = None
        for d in frame.deadlines:  # a round opens after the one before it closes, and before it closes itself
            if d.opens is not None and (d.opens, d.opens_time or datetime.time(0)) > (d.date, d.time or datetime.time(23, 59)):
                self.error(N_("check.round_opens_late", "round {round} of frame {frame} opens on {opens}, after it closes on {closes}"), d.span,
                           round=d.name, frame=frame.name, opens=d.opens, closes=d.date)
            elif d.opens is not None and previous is not None and d.opens < previous.date:
                self.error(N_("check.rounds_overlap", "round {round} of frame {frame} opens on {opens}, before round {previous} closes on "
                                                      "{closes}; rounds must not overlap"), d.span,
                           round=d.name, frame=frame.name, opens=d.opens, previous=previous.name, closes=previous.date)
            elif d.opens is not None and term and d.opens < term[0]:
                self.error(N_("check.round_before_term", "round {round} of frame {frame} opens on {opens}, before the programme's term {start} .. {end}"),
                           d.span, round=d.name, frame=frame.name, opens=d.opens, start=term[0], end=term[1])
            if d.source is not None:  # optional on a deadline; when given, a declared source
                self.check_source(d.source, phrase(N_("what.round", "round {name}"), name=d.name), d.span)
            previous = d
        if frame.deadlines and (s.programme is None or s.programme.applied_on is None):
            self.error(N_("check.deadlines_need_date", "frame {frame} has deadlines, so the programme must say `applied on <date input>`"),
                       frame.deadlines[0].span, frame=frame.name)
        if not frame.amounts:
            self.error(N_("check.no_amount", "frame {frame} has no amount"), frame.span, frame=frame.name)
        for amount in frame.amounts:
            self.check_amount(amount, None, frame.name)
        for cap in frame.caps:
            self.check_cap(cap, None, phrase(N_("what.frame_named", "frame {name}"), name=frame.name))
        for floor in frame.floors:
            self.expect(floor.limit, YEN, None, phrase(N_("what.floor", "the floor of {where}"),
                                                       where=phrase(N_("what.frame_named", "frame {name}"), name=frame.name)))
        self.check_floor_vs_caps(frame.floors, frame.caps)
        parts = [self.most(a) for a in frame.amounts]
        ceiling = None if None in parts or not parts else sum(parts)
        for floor in frame.floors:
            low = self.constant(floor.limit)
            if low is not None and ceiling is not None and low > ceiling:
                self.error(N_("check.floor_unreachable", "frame {frame} can never be eligible: its floor {floor} is above the most "
                                                         "its amounts can grant ({most:,}円)"), floor.span,
                           frame=frame.name, floor=floor.limit.text, most=ceiling)

    def check_due(self, name: str, due: ast.StepDue) -> None:
        """A step's `due` line: its source is declared; one relative to the round's deadline needs the
        application date, and each frame that lists the step needs rounds to count from."""
        if due.source is not None:
            self.check_source(due.source, phrase(N_("what.due_date", "the due date of step {name}"), name=name), due.span)
        if due.date is not None:
            return
        if self.symbols.programme is None or self.symbols.programme.applied_on is None:
            self.error(N_("check.due_needs_date", "step {name} is due by the deadline of the round applied in, which needs the programme's "
                                                   "`applied on` (the application date)"), due.span, name=name)
            return
        for frame in self.symbols.frames:
            if name in {n.text for n in frame.steps} and not frame.deadlines:
                self.warning(N_("check.due_no_rounds", "step {name} is due by the round's deadline, but frame {frame} lists no rounds: "
                                                       "there it has no due date"), due.span,
                             phrase(N_("hint.due_rounds_or_date", 'give {frame} `deadline "NAME" DATE` lines, or the step a date: `due 2024-08-01`'),
                                    frame=frame.name), name=name, frame=frame.name)

