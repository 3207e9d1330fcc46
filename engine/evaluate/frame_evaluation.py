"""The frame-level part of an evaluation: a frame's round and deadline, the items it does not
cover, the reasons it is not granted, its status and its steps' due dates, from the rules'
traces and the amount the expression part (engine/evaluate/evaluator.py) has made."""

from __future__ import annotations

import functools

from engine.tree import rounds, nodes as tree
from engine.evaluate.decision import (ELIGIBLE, ELIGIBLE_AFTER_STEPS, NOT_ELIGIBLE, DeadlineResult, FrameDecision, Reason,
                                      StepDueResult, Trace, UncoveredItem, amounts_within)


@functools.lru_cache(maxsize=64)
def _item_defaults(policy: tree.Policy, path: tuple) -> dict:
    """The fields of a list's items that have a default, with it: a field at its default (利用月数 0: not a
    subscription) says nothing about the item. The same for every case, so found once per policy and list."""
    group, name = (None, *path) if len(path) == 1 else path
    field = next(f for g in policy.groups if g.name == group for f in g.fields if f.name == name)
    if field.element != "record":
        return {}
    return {f.name: f.default for f in policy.records[field.type_name].fields if f.default is not None}


class FrameEvaluation:
    """Mixed into the evaluator's _Evaluation, whose `policy`, `check_dates`, `memo`, `definition`,
    `amount`, `items`, `read` and `item_test` it uses."""

    def deadline(self, frame: tree.Frame) -> DeadlineResult | None:
        if not self.check_dates or not frame.deadlines or self.policy.applied_on is None:
            return None
        applied = self.read(self.policy.applied_on.path)
        last = frame.deadlines[-1].date
        if applied is None:
            return DeadlineResult(applied_on=None, round=None, deadline=None, last_deadline=last)
        what, index = rounds.round_of(frame.deadlines, frame.earlier_unknown, applied)
        if what == rounds.OPEN:
            d = frame.deadlines[index]
            return DeadlineResult(applied_on=applied, round=d.name, deadline=d.date, last_deadline=last, time=d.time,
                                  opens=d.opens, cite=d.cite)
        if what == rounds.BETWEEN:
            d = frame.deadlines[index]
            return DeadlineResult(applied_on=applied, round=None, deadline=None, last_deadline=last, next_opens=d.opens,
                                  next_round=d.name, cite=d.cite)
        return DeadlineResult(applied_on=applied, round=None, deadline=None, last_deadline=last, unknown=what == rounds.UNKNOWN)

    def uncovered(self, frame: tree.Frame) -> tuple[UncoveredItem, ...]:
        if frame.covers is None:
            return ()
        items = self.items(frame.covers.list.path)
        defaults = _item_defaults(self.policy, frame.covers.list.path)
        covered = self.item_test(frame.covers.where)  # only which items it covers is kept: no steps are made
        return tuple(
            UncoveredItem(index=i, values=tuple((k, v) for k, v in it.items() if k not in defaults or v != defaults[k]))
            for i, it in enumerate(items)
            if not covered(it)
        )

    def frame(self, frame: tree.Frame) -> FrameDecision:
        memo, definition = self.memo, self.definition  # most are evaluated already, by an earlier frame or rule
        requirements = tuple(memo.get(n) or definition(n) for n in frame.requires)
        exclusions = tuple(memo.get(n) or definition(n) for n in frame.exclusions)
        steps = tuple(memo.get(n) or definition(n) for n in frame.steps)
        amount = self.amount(frame.amount)
        deadline = self.deadline(frame)
        applied = self.read(self.policy.applied_on.path) if self.policy.applied_on is not None else None
        reasons = [Reason(kind="requirement", name=t.name, label=t.label, cite=t.cite, trace=t) for t in requirements if not t.result]
        reasons += [Reason(kind="exclusion", name=t.name, label=t.label, cite=t.cite, trace=t) for t in exclusions if t.result]
        start = self.policy.in_force[0] if self.policy.in_force else None
        if self.check_dates and applied is not None and start is not None and applied < start:
            reasons.append(Reason(kind="not_open", name=None, label=None, cite=None,
                                  facts=(("applied_on", applied), ("opens", start))))
            deadline = None  # a call not yet open has no round
        elif self.check_dates and applied is not None and not frame.deadlines and self.policy.in_force and applied > self.policy.in_force[1]:
            reasons.append(Reason(kind="closed", name=None, label=None, cite=None,
                                  facts=(("applied_on", applied), ("closes", self.policy.in_force[1]))))
        elif deadline is not None and deadline.applied_on is not None:
            if deadline.next_opens is not None:
                reasons.append(Reason(kind="between_rounds", name=None, label=None, cite=deadline.cite,
                                      facts=(("applied_on", deadline.applied_on), ("round", deadline.next_round),
                                             ("opens", deadline.next_opens))))
            elif deadline.round is None and not deadline.unknown:
                reasons.append(Reason(kind="deadline", name=None, label=None, cite=None,
                                      facts=(("applied_on", deadline.applied_on), ("last_deadline", deadline.last_deadline))))
        for result in amounts_within(amount):
            for f in result.floors:
                if not f.met:
                    reasons.append(Reason(kind="floor", name=result.name, label=result.label, cite=result.cite,
                                          facts=(("amount", result.result), ("floor", f.limit))))
        if not reasons and amount.result <= 0:
            reasons.append(Reason(kind="no_subsidy", name=frame.name, label=frame.label, cite=frame.cite))
        pending = tuple(t for t in steps if not t.result)
        status = NOT_ELIGIBLE if reasons else (ELIGIBLE_AFTER_STEPS if pending else ELIGIBLE)
        return FrameDecision(
            name=frame.name, label=frame.label, cite=frame.cite, status=status,
            subsidy=amount.result if status != NOT_ELIGIBLE else 0, amount=amount, requirements=requirements,
            exclusions=exclusions, steps=steps, reasons=tuple(reasons), pending_steps=pending, deadline=deadline,
            uncovered=self.uncovered(frame), step_dues=self.step_dues(frame, steps, applied),
        )

    def step_dues(self, frame: tree.Frame, steps: tuple[Trace, ...], applied) -> tuple[StepDueResult, ...]:
        out = []
        for t in steps:
            due = self.policy.definitions[t.name].due
            if due is None:
                continue
            day = rounds.step_due(frame, due, applied)
            out.append(StepDueResult(name=t.name, label=t.label, done=bool(t.result), due=day,
                                     passed=day is not None and applied is not None and applied > day,
                                     before_deadline=None if due.date is not None else (due.amount, due.unit), cite=due.cite,
                                     applied_on=applied))
        return tuple(out)
