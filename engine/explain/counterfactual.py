"""What would change the outcome: the smallest changes to a case's inputs that make an ineligible
frame eligible, or that lift a cap on an eligible one; and the cost at which each cap is reached.

Candidates come from the evaluation tree and its trace (the thresholds, sets, floors and caps the
case met or missed), never from per-rule code. Only inputs an applicant can change are touched
(an author marks the others `fixed`), and every candidate is re-evaluated before it is offered:
with the fast form, which the differential tests hold equal to the tree evaluator (re-evaluating
with the tree cost more than the decision being explained); the same changes offered to several
frames are made and evaluated once. The cost at which a cap is reached is found by secant steps on
the leaf's subsidy before caps (engine/explain/least_cost.py: a few probes instead of a
bisection's 43); what the search reads from the policy alone is worked out once per policy
(engine/explain/what_if_plan.py)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import attrs

from engine.tree import nodes as tree
from engine.evaluate.decision import NOT_ELIGIBLE, Decision, FrameDecision, Trace, amounts_within
from engine.evaluate.evaluator import _Evaluation
from engine.explain.least_cost import least_cost_search, set_value
from engine.explain.what_if_plan import plan_for

MAX_COMBINATIONS = 64  # candidate combinations tried per frame
MAX_OFFERED = 5


@attrs.frozen(kw_only=True)
class Change:
    path: tuple  # where the value sits in the case JSON: ("申請者", "従業員数") or ("経費", 0, "金額")
    label: tree.Label
    kind: str
    old: object
    new: object
    unit: str | None = None  # a count's unit (人), for display


@attrs.frozen(kw_only=True)
class WhatIf:
    kind: str  # eligible | raise_cap | meet_floor | cap_reached
    changes: tuple[Change, ...]
    status: str  # the frame's status after the changes (verified)
    subsidy: int  # … and its subsidy
    addresses: tuple[str, ...] = ()  # the rules, caps or floors it answers
    facts: tuple[tuple[str, object], ...] = ()


def _apply(case: dict, changes) -> dict:
    for change in changes:
        case = set_value(case, change.path, change.new)
    return case


class _Search:
    def __init__(self, policy: tree.Policy, case: dict, decision: Decision | None = None):
        self.policy = policy
        self.case = case
        self.plan = plan_for(policy)
        self.fields = self.plan.fields
        self.item_fields = self.plan.item_fields
        self.known_fixes: dict[tuple, tuple] = {}  # (id(trace), want) -> (trace, its fixes): a rule's trace is shared by frames
        self.decision = decision
        self.rules: dict | None = None  # the decision's value of each rule it names, once needed
        self.kept: dict[tuple, dict] = {}  # the changed places -> the rules' values that stand
        self.verified: dict[tuple, tuple] = {}  # the changes -> (the changed case's fast values, {frame: summary})

    # ------------------------------------------------------------ candidate changes from a trace
    def field(self, t: Trace):
        kind = t.kind
        return self.fields.get(t.name) if kind == "input" else self.item_fields.get(t.name) if kind == "item" else None

    def changeable(self, t: Trace) -> bool:
        f = self.field(t)
        return f is not None and not f.fixed

    def signed(self, t: Trace) -> bool:
        """A `signed` amount: a what-if may take it below 0 (a smaller loss, a deficit)."""
        f = self.field(t)
        return f is not None and f.signed

    def input_change(self, t: Trace, new) -> Change:
        return Change(path=t.fact("path"), label=t.label, kind=t.fact("kind"), old=t.result, new=new, unit=t.fact("unit"))

    @staticmethod
    def target(op: str, value, kind: str, want: bool):
        """The value the changeable side needs for `x op value` to be `want`."""
        negate = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}
        if not want:
            op = negate[op]
        whole = kind in ("yen", "count", "number")
        if kind == "ratio" and op in ("<", ">"):
            # no smallest ratio beyond a strict bound: offer the nearest whole percent
            percent = value * 100
            return Fraction(math.ceil(percent) - 1 if op == "<" else math.floor(percent) + 1, 100)
        if op == "<=":
            return math.floor(value) if whole else value
        if op == ">=":
            return math.ceil(value) if whole else value
        if op == "<":
            return (math.ceil(value) - 1) if whole else None
        if op == ">":
            return (math.floor(value) + 1) if whole else None
        if op == "=":
            return value
        return None

    def fixes(self, t: Trace, want: bool) -> list[tuple[Change, ...]]:
        """Alternative sets of changes (each a conjunction) that could make `t` come out `want`."""
        if t.result == want:
            return [()]
        known = self.known_fixes.get((id(t), want))
        if known is None or known[0] is not t:
            known = self.known_fixes[(id(t), want)] = (t, self._fixes(t, want))
        return known[1]

    def _fixes(self, t: Trace, want: bool) -> list[tuple[Change, ...]]:
        kind = t.kind
        if kind in ("rule", "exclusion", "step", "value"):
            return self.fixes(t.children[0], want)
        if kind == "not":
            return self.fixes(t.children[0], not want)
        if kind == "cases":
            return self.fixes(t.children[-1], want)
        if kind in ("all", "any"):
            every = (kind == "all") == want  # every child must change, or any one suffices
            deciding = [c for c in t.children if c.result != want]
            if every:
                return self.combine([self.fixes(c, want) for c in deciding])
            return [alt for c in t.children for alt in self.fixes(c, want) if alt]
        if kind in ("input", "item") and t.fact("kind") == "bool" and self.changeable(t):
            return [(self.input_change(t, want),)]
        if kind in ("any_item", "all_item"):
            every = (kind == "all_item") == want
            if every:
                return self.combine([self.fixes(c, want) for c in t.children if c.result != want])
            return [alt for c in t.children for alt in self.fixes(c, want) if alt]
        if kind == "member":
            operand = t.children[0]
            if self.changeable(operand):
                members = t.fact("members")
                if want != t.fact("negated"):
                    return [(self.input_change(operand, m),) for m in members]
            return []
        if kind == "contains":
            operand = t.children[0]
            if want and self.changeable(operand):
                return [(self.input_change(operand, tuple(operand.result or ()) + (t.fact("member"),)),)]
            return []
        if kind == "compare":
            return self.compare_fixes(t, want)
        return []

    def compare_fixes(self, t: Trace, want: bool) -> list[tuple[Change, ...]]:
        left, right = t.children
        mirror = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
        found = []
        for side, other, op in ((left, right, t.op), (right, left, mirror[t.op])):
            given = side.result is not None
            if side.kind == "fallback" and self.changeable(side.children[0]):
                # `X or 0円` compared: the what-if changes X, given or not (the fallback stood for it)
                side, given = side.children[0], True
            if (self.changeable(side) and given and other.result is not None
                    and side.fact("kind") in ("yen", "count", "number", "ratio")):  # dates and members: no nearest value
                new = self.target(op, other.result, side.fact("kind"), want)
                if new is not None and new != side.result and (new >= 0 or self.signed(side)):
                    found.append((self.input_change(side, new),))
            for among in _find(side, "among"):
                list_input = self.list_input(among)
                if list_input is not None:
                    missing = [m for m in among.fact("members") if m not in among.fact("present")]
                    present = tuple(list_input.result or ())
                    for k in range(1, len(missing) + 1):
                        found.append((self.input_change(list_input, present + tuple(missing[:k])),))
        return found

    def list_input(self, among: Trace) -> Trace | None:
        f = self.fields.get(among.name)
        if f is None or f.fixed:
            return None
        path = self.plan.field_path(f)
        value = self.case
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return Trace(kind="input", result=value, name=f.name, label=f.label, facts=(("path", path), ("kind", "list")))

    @staticmethod
    def combine(options: list[list[tuple]]) -> list[tuple]:
        if any(not o for o in options):
            return []
        result = []
        for combo in itertools.islice(itertools.product(*options), MAX_COMBINATIONS):
            merged, paths = [], {}
            for change in (c for alt in combo for c in alt):
                if change.path in paths and paths[change.path] != change.new:
                    break
                if change.path not in paths:
                    paths[change.path] = change.new
                    merged.append(change)
            else:
                result.append(tuple(merged))
        return result

    # ------------------------------------------------------------ costs
    def decide(self, frame: tree.Frame, case: dict) -> FrameDecision:
        """Re-evaluate one frame (also one built here from a part of a real frame) for a changed case."""
        return _Evaluation(self.policy, case).frame(frame)

    def cost_item(self, leaves, case: dict):
        """The first expense one of the leaf amounts counts: (leaf, path, amount) to raise. The cost
        may be a total, a per-item total (`total of (…)`), a sum of them or a named value of those."""
        run = None
        for leaf in leaves:
            for base, field in self.plan.totals(leaf):
                value = case
                for key in base.list.path:
                    value = value.get(key) if isinstance(value, dict) else None
                for i, it in enumerate(value or ()):
                    if base.where is not None:
                        run = run or _Evaluation(self.policy, case)
                        if not run.item_test(base.where)(it):
                            continue
                    return leaf, base.list.path + (i, field), it.get(field)
        return None

    def fast_policy(self):
        return self.plan.fast()

    def eligible_fast(self, name: str):
        """A probe for the binary search: is frame `name` eligible for this case? (the fast form)"""
        fast = self.fast_policy()
        return lambda case: fast.frame(fast.values(case), name)["status"] != NOT_ELIGIBLE

    def verify(self, name: str, changes: tuple) -> dict:
        """The fast form's summary of frame `name` for the case with `changes` made: what verifies an
        offer. The same changes offered to several frames are made and evaluated once, the rules
        those frames share decided once."""
        fast = self.fast_policy()
        try:
            key = tuple((c.path, type(c.new), c.new) for c in changes)
            known = self.verified.get(key)
        except TypeError:  # a value that does not hash: not remembered
            return fast.frame(fast.values(_apply(self.case, changes)), name)
        if known is None:
            values = fast.values(_apply(self.case, changes))
            values.memo.update(self.standing(tuple(c.path for c in changes)))
            known = self.verified[key] = (values, {})
        values, frames = known
        summary = frames.get(name)
        if summary is None:
            summary = frames[name] = fast.frame(values, name)
        return summary

    def standing(self, changed: tuple) -> dict:
        """The decision's rule values that changes at the `changed` places leave as they are."""
        known = self.kept.get(changed)
        if known is None:
            rules = self.rules
            if rules is None:
                d = self.decision
                rules = self.rules = {} if d is None else {t.name: t.result for t in d.exclusions} | {
                    t.name: t.result for fd in d.frames for t in fd.requirements + fd.exclusions + fd.steps}
            known = self.kept[changed] = {name: rules[name] for name in self.plan.standing(changed) if name in rules}
        return known

    def least_cost(self, leaves, case: dict, good, guide=None, at_now=None) -> Change | None:
        """The smallest raise of one counted expense of the leaf amounts after which `good(changed
        case)` holds. `guide`, when given, is (measure, target) with good(case) == (measure(case) >=
        target), the measure growing with the cost (a leaf's subsidy before its caps): the search then
        interpolates on it instead of halving, which finds a band's crossing in a few probes.
        `at_now`: the measure of the case as it is, when the decision already says it."""
        found = self.cost_item(leaves, case)
        if found is None:
            return None
        leaf, path, now = found
        if now is None:  # no amount given: the search starts from 0, which the decision did not measure
            now, at_now = 0, None
        return self._change(path, now, least_cost_search(case, path, now, good, guide, at_now))

    def _change(self, path: tuple, now, high) -> Change | None:
        if high is None:
            return None
        label = self.plan.item_labels.get(path[-1]) or tree.Label(ja=str(path[-1]))
        return Change(path=path, label=label, kind="yen", old=now, new=high)


def _find(t: Trace, kind: str):
    if t.kind == kind:
        yield t
    for child in t.children:
        yield from _find(child, kind)


def _minimal(found: list[WhatIf]) -> list[WhatIf]:
    """Drop offers that change a superset of another offer's inputs; fewest changes first."""
    found = sorted(found, key=lambda w: len(w.changes))  # stable: smaller steps were generated first
    kept = []
    for w in found:
        paths = frozenset(c.path for c in w.changes)
        if any(frozenset(c.path for c in k.changes) <= paths for k in kept):
            continue
        kept.append(w)
    return kept[:MAX_OFFERED]


def what_if(policy: tree.Policy, case: dict, decision: Decision) -> Decision:
    """The decision with each frame's verified what-ifs filled in."""
    search = _Search(policy, case, decision)
    frames = search.plan.frames
    out = []
    for fd in decision.frames:
        frame = frames[fd.name]
        offers = tuple(_for_ineligible(search, frame, fd) if fd.status == NOT_ELIGIBLE else _for_eligible(search, frame, fd))
        out.append(fd if offers == fd.what_if else attrs.evolve(fd, what_if=offers))  # nothing to offer: the frame as it is
    if all(a is b for a, b in zip(out, decision.frames)):
        return decision  # nothing offered anywhere: the decision as it is
    return attrs.evolve(decision, frames=tuple(out))


def _for_ineligible(search: _Search, frame: tree.Frame, fd: FrameDecision) -> list[WhatIf]:
    problems = [r for r in fd.reasons if r.kind in ("requirement", "exclusion")]
    if any(r.kind in ("deadline", "not_open", "between_rounds") for r in fd.reasons):
        return []  # a date cannot be changed: the applicant applies when a round is open
    options = [search.fixes(r.trace, want=r.kind == "requirement") for r in problems]
    candidates = search.combine(options) if problems else [()]
    found = []
    for changes in candidates:
        # each candidate is verified with the fast form (held equal to the tree by the differential
        # tests): re-evaluating it with the tree cost more than the decision it explains
        after = search.verify(frame.name, changes)
        if after["status"] != NOT_ELIGIBLE:
            found.append(WhatIf(kind="eligible", changes=changes, status=after["status"], subsidy=after["subsidy"],
                                addresses=tuple(r.name for r in problems if r.name)))
        elif {kind for kind, _ in after["reasons"]} == {"floor"}:
            changed = _apply(search.case, changes)
            raise_cost = search.least_cost(search.plan.leaves[frame.name], changed, search.eligible_fast(frame.name))
            if raise_cost is not None:
                final = search.verify(frame.name, changes + (raise_cost,))
                # the floors' figures are in the tree's reasons only
                floors = tuple((k, v) for r in search.decide(frame, changed).reasons for k, v in r.facts)
                found.append(WhatIf(kind="meet_floor" if not changes else "eligible", changes=changes + (raise_cost,),
                                    status=final["status"], subsidy=final["subsidy"],
                                    addresses=tuple(r.name for r in problems if r.name) + ("floor",), facts=floors))
    return _minimal(found)


def _for_eligible(search: _Search, frame: tree.Frame, fd: FrameDecision) -> list[WhatIf]:
    found = []
    for result in amounts_within(fd.amount):
        for cap in result.caps:
            if cap.binding and cap.condition is not None:
                for changes in search.fixes(cap.condition, want=cap.negated):
                    if not changes:
                        continue
                    after = search.verify(frame.name, changes)  # verified with the fast form
                    if after["status"] != NOT_ELIGIBLE and after["subsidy"] > fd.subsidy:
                        found.append(WhatIf(kind="raise_cap", changes=changes, status=after["status"], subsidy=after["subsidy"],
                                            addresses=(cap.condition.name or cap.condition.origin.text,),
                                            facts=(("cap", cap.limit), ("part", result.name))))
    offers = _minimal(found)
    offers += _caps_reached(search, frame, fd)
    return offers


def _caps_reached(search: _Search, frame: tree.Frame, fd: FrameDecision) -> list[WhatIf]:
    """For each leaf amount's active cap not yet reached: the cost at which it is reached."""
    offers = []
    parts = {p.name: p for p in amounts_within(fd.amount)}
    for leaf in search.plan.leaves[frame.name]:
        result = parts.get(leaf.name)
        if result is None or result.base is None or any(c.binding for c in result.caps):
            continue  # a binding cap is already reached
        # the lowest active cap is reached first (a limit read only `when X is given` is missing where the cap is off)
        for cap in sorted((c for c in result.caps if c.limit is not None), key=lambda c: c.limit):
            if not cap.active or cap.binding or result.result >= cap.limit:
                continue
            before_caps = search.fast_policy().before_caps(leaf)  # the fast form of the leaf's amount before its caps
            change = search.least_cost((leaf,), search.case, lambda case, limit=cap.limit: before_caps(case) >= limit,
                                       guide=(before_caps, cap.limit), at_now=result.before_caps)
            if change is not None:
                after = search.verify(frame.name, (change,))
                offers.append(WhatIf(kind="cap_reached", changes=(change,), status=after["status"], subsidy=after["subsidy"],
                                     addresses=(leaf.name,), facts=(("cap", cap.limit), ("part", leaf.name))))
            break
    return offers
