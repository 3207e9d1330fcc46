"""`policy diff`: what changed between two policies (engine/language/changes.py), what that did to
each case of a corpus, and which change did it.

Each case is evaluated under both policies. A frame's decision is compared whole: status, subsidy,
unmet conditions, steps still to take and round. A changed decision is attributed to the changed
clauses that account for it: a clause does when taking it back alone (the new policy with that
clause as the old one had it) changes the decision, or when making it alone (the old policy with
that clause as the new one has it) does. Wording (labels, sources, help) is listed, never a cause.

Dates: a case is judged with its application date checked when both policies' terms hold that date
(an edit within one year: rounds and deadlines are compared); otherwise as though applied within
each policy's term (a year change: the rules are compared, not that a 2024 case falls outside 2025's
call)."""

from __future__ import annotations

from pathlib import Path

import attrs

from engine.compile.pipeline import compile_items
from engine.language import changes as policy_changes
from engine.language.changes import Clause, DefinitionChange, PolicyItems
from engine.authoring.casetest import for_other_years_only
from engine.evaluate.case import field_names, read_case, read_case_file
from engine.evaluate.decision import NOT_ELIGIBLE
from engine.evaluate.evaluator import definition_results, evaluate
from engine.language.diagnostics import CaseError
from engine.tree import nodes as tree

data = attrs.frozen(kw_only=True)

# kinds of change, in the order the summary lists them
KINDS = ("eligibility_gained", "eligibility_lost", "amount_up", "amount_down", "status_changed", "reasons_changed",
         "steps_changed", "round_changed", "frame_added", "frame_removed")


@data
class FrameState:
    status: str
    subsidy: int
    reasons: tuple[str, ...]  # unmet conditions by name (kind:name)
    steps: tuple[str, ...]  # steps still to take
    round: str | None


@data
class FrameChange:
    frame: str
    label: tree.Label
    old: FrameState | None  # None: the frame does not exist in that policy
    new: FrameState | None
    kinds: tuple[str, ...]
    causes: tuple[Clause, ...] = ()

    @property
    def old_status(self):
        return self.old and self.old.status

    @property
    def new_status(self):
        return self.new and self.new.status

    @property
    def old_subsidy(self) -> int:
        return self.old.subsidy if self.old else 0

    @property
    def new_subsidy(self) -> int:
        return self.new.subsidy if self.new else 0

    @property
    def delta(self) -> int:
        return self.new_subsidy - self.old_subsidy


@data
class RuleChange:
    name: str
    label: tree.Label | None
    old: object  # None when the rule is absent from that policy
    new: object
    kind: str | None = None  # the value's kind (yen, count, ratio, bool …), for display


@data
class CaseDiff:
    case: str
    frames: tuple[FrameChange, ...] = ()  # only the frames that changed
    rules: tuple[RuleChange, ...] = ()
    old_best: str | None = None
    new_best: str | None = None
    old_total: int = 0
    new_total: int = 0
    old_frames: tuple[tuple[str, FrameState], ...] = ()  # every frame, for the per-frame summary
    new_frames: tuple[tuple[str, FrameState], ...] = ()
    dates_checked: bool = False
    error: str | None = None

    @property
    def changed(self) -> bool:  # a case that could not be evaluated did not change: it is counted apart
        return bool(self.frames or self.rules or self.old_best != self.new_best)


@data
class FrameSummary:
    frame: str
    label: tree.Label
    changed: int
    old_eligible: int
    new_eligible: int
    old_total: int
    new_total: int


@data
class DiffReport:
    old: str
    new: str
    old_programme: str
    new_programme: str
    cases: tuple[CaseDiff, ...]
    definitions: tuple[DefinitionChange, ...] = ()
    separable: tuple[Clause, ...] = ()  # clauses whose effect could be tried alone
    labels: tuple[tuple[str, tree.Label], ...] = ()  # every frame of either policy, the new policy's order first
    other_years: tuple[str, ...] = ()  # cases expected of other years than one of the two: not compared

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.definitions if d.change == "added")

    @property
    def removed(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.definitions if d.change == "removed")

    def counts(self) -> dict[str, int]:
        counts = {k: 0 for k in KINDS}
        for c in self.cases:
            for f in c.frames:
                for k in f.kinds:
                    counts[k] += 1
        return counts

    @property
    def old_total(self) -> int:
        return sum(c.old_total for c in self.cases)

    @property
    def new_total(self) -> int:
        return sum(c.new_total for c in self.cases)

    @property
    def changed(self) -> bool:
        """A decision changed (the exit status): a policy change that moves no case is listed, not counted."""
        return any(c.changed for c in self.cases)

    def frame_summaries(self) -> tuple[FrameSummary, ...]:
        out = []
        for name, label in self.labels:
            readable = [c for c in self.cases if not c.error]
            old = [dict(c.old_frames).get(name) for c in readable]
            new = [dict(c.new_frames).get(name) for c in readable]
            out.append(FrameSummary(
                frame=name, label=label, changed=sum(any(f.frame == name for f in c.frames) for c in readable),
                old_eligible=sum(1 for s in old if s and s.status != NOT_ELIGIBLE),
                new_eligible=sum(1 for s in new if s and s.status != NOT_ELIGIBLE),
                old_total=sum(s.subsidy for s in old if s), new_total=sum(s.subsidy for s in new if s)))
        return tuple(out)


def case_files(paths) -> list[Path]:
    """Every .json file named, or found (sorted) in a named folder."""
    found = []
    for p in map(Path, paths):
        found.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    return found


def _state(f) -> FrameState:
    return FrameState(status=f.status, subsidy=f.subsidy,
                      reasons=tuple(f"{r.kind}:{r.name}" if r.name else r.kind for r in f.reasons),
                      steps=tuple(t.name for t in f.pending_steps), round=f.deadline.round if f.deadline else None)


def _kinds(old: FrameState | None, new: FrameState | None) -> tuple[str, ...]:
    if old is None:
        return ("frame_added",)
    if new is None:
        return ("frame_removed",)
    kinds = []
    was, now = old.status != NOT_ELIGIBLE, new.status != NOT_ELIGIBLE
    if now and not was:
        kinds.append("eligibility_gained")
    elif was and not now:
        kinds.append("eligibility_lost")
    elif old.status != new.status:
        kinds.append("status_changed")
    if was and now and new.subsidy > old.subsidy:
        kinds.append("amount_up")
    elif was and now and new.subsidy < old.subsidy:
        kinds.append("amount_down")
    if old.reasons != new.reasons:
        kinds.append("reasons_changed")
    if old.steps != new.steps:
        kinds.append("steps_changed")
    if old.round != new.round and (was or now):  # the round of a frame refused either way decides nothing
        kinds.append("round_changed")
    return tuple(kinds)


def _dates_checked(old: tree.Policy, new: tree.Policy, old_values: dict, new_values: dict) -> bool:
    def holds(policy, values) -> bool:
        if not policy.in_force or not policy.applied_on:
            return False
        date = values
        for key in policy.applied_on.path:
            date = date.get(key) if isinstance(date, dict) else None
        return date is not None and policy.in_force[0] <= date <= policy.in_force[1]

    return holds(old, old_values) and holds(new, new_values)


@attrs.define
class _Variants:
    """The policies with one clause taken back or made alone, compiled once and reused per case."""

    old: PolicyItems
    new: PolicyItems
    compiled: dict = attrs.Factory(dict)

    def get(self, clause: Clause, direction: str):
        key = (clause, direction)
        if key not in self.compiled:
            target, other = (self.new, self.old) if direction == "revert" else (self.old, self.new)
            items = policy_changes.with_clause(target, other, clause)
            self.compiled[key] = compile_items(items, {**self.old.sources, **self.new.sources}, {**self.old.inside, **self.new.inside})
        return self.compiled[key]


def _states(policy: tree.Policy, raw, known, check_dates: bool) -> tuple[dict[str, FrameState], str | None] | None:
    try:
        values = read_case(policy, raw, also_known=known)
    except CaseError:
        return None
    d = evaluate(policy, values, check_dates=check_dates)
    return {f.name: _state(f) for f in d.frames}, d.best_frame


def _causes(frame: str, was: FrameState | None, now: FrameState | None, clauses, variants: _Variants, raw, known,
            check_dates: bool, seen: dict) -> tuple[Clause, ...]:
    found = []
    for clause in clauses:
        for direction, baseline in (("revert", now), ("apply", was)):
            variant = variants.get(clause, direction)
            if variant is None:
                continue
            if (clause, direction) not in seen:
                seen[(clause, direction)] = _states(variant, raw, known, check_dates)
            result = seen[(clause, direction)]
            if result is not None and result[0].get(frame) != baseline:
                found.append(clause)
                break
    return tuple(found)


def compare_case(old: tree.Policy, new: tree.Policy, path: Path, also_known: frozenset[str] = frozenset(),
                 clauses: tuple[Clause, ...] = (), variants: _Variants | None = None, raw=None) -> CaseDiff:
    """`raw`: the case as read already (or the CaseError reading it gave), else it is read here."""
    name = "standard input" if str(path) == "-" else str(path)
    try:
        raw = read_case_file(path) if raw is None else raw
        if isinstance(raw, CaseError):
            raise raw
        known = also_known | field_names(old) | field_names(new)
        old_values = read_case(old, raw, also_known=known)
        new_values = read_case(new, raw, also_known=known)
    except CaseError as exc:
        return CaseDiff(case=name, error="; ".join(exc.problems))
    check = _dates_checked(old, new, old_values, new_values)
    a = evaluate(old, old_values, check_dates=check)
    b = evaluate(new, new_values, check_dates=check)
    old_frames = {f.name: _state(f) for f in a.frames}
    new_frames = {f.name: _state(f) for f in b.frames}
    labels = {f.name: f.label for f in b.frames} | {f.name: f.label for f in a.frames if f.name not in new_frames}
    seen: dict = {}
    frame_changes = []
    for frame in list(old_frames) + [f for f in new_frames if f not in old_frames]:
        x, y = old_frames.get(frame), new_frames.get(frame)
        kinds = _kinds(x, y)
        if kinds:
            causes = _causes(frame, x, y, clauses, variants, raw, known, check, seen) if variants else ()
            frame_changes.append(FrameChange(frame=frame, label=labels[frame], old=x, new=y, kinds=kinds, causes=causes))
    old_rules = definition_results(old, old_values, check_dates=check)
    new_rules = definition_results(new, new_values, check_dates=check)
    rules = tuple(RuleChange(name=n, label=new.definitions[n].label, old=old_rules[n], new=new_rules[n],
                             kind=getattr(new.definitions[n].body, "kind", None))
                  for n in old_rules if n in new_rules and old_rules[n] != new_rules[n])
    # an applicant receives one frame's subsidy: the total is each case's best frame, as in `batch`
    return CaseDiff(case=name, frames=tuple(frame_changes), rules=rules, old_best=a.best_frame, new_best=b.best_frame,
                    old_total=_best(a), new_total=_best(b), old_frames=tuple(old_frames.items()),
                    new_frames=tuple(new_frames.items()), dates_checked=check)


def _best(decision) -> int:
    return next((f.subsidy for f in decision.frames if f.name == decision.best_frame), 0)


def diff(old_dir: str, new_dir: str, old: tree.Policy, new: tree.Policy, paths, also_known: frozenset[str] = frozenset()) -> DiffReport:
    """`also_known`: input names other years of the programme declare (a corpus may carry them)."""
    old_items, new_items = policy_changes.load_items(old_dir), policy_changes.load_items(new_dir)
    definitions = policy_changes.compare(old_items, new_items)
    variants = _Variants(old_items, new_items)
    clauses = tuple(c for d in definitions for c in d.clauses if not c.wording_only)
    separable = tuple(c for c in clauses if variants.get(c, "revert") is not None or variants.get(c, "apply") is not None)
    labels = {f.name: f.label for f in new.frames} | {f.name: f.label for f in old.frames if f.name not in {g.name for g in new.frames}}
    files = case_files(paths)
    read = {p: _read_once(p) for p in files}  # standard input (`-`) can be read once only
    others = [p for p in files if _for_other_years(read[p], old, new)]
    return DiffReport(old=old_dir, new=new_dir, old_programme=old.programme, new_programme=new.programme,
                      cases=tuple(compare_case(old, new, p, also_known, separable, variants, read[p]) for p in files if p not in others),
                      definitions=definitions, separable=separable, labels=tuple(labels.items()),
                      other_years=tuple(str(p) for p in others))


def _read_once(path: Path):
    """The case as read, or the CaseError reading it gave."""
    try:
        return read_case_file(path)
    except CaseError as exc:
        return exc


def _for_other_years(raw, old: tree.Policy, new: tree.Policy) -> bool:
    """A case whose expectations are for other years than one of the two (as `policy test` reads it,
    e.g. a 2025 case naming a process 2024 does not know) is not compared."""
    if isinstance(raw, CaseError):
        return False  # reported as unreadable by compare_case
    return for_other_years_only(raw, old) or for_other_years_only(raw, new)
