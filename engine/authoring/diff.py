"""`policy diff`: a case corpus evaluated under two policies, and what changed for each case.

Cases are judged as though applied within each policy's term (application dates are not checked
against either policy's call or deadlines), so the report shows what the rules change, not that
a 2024 case falls outside 2025's call."""

from __future__ import annotations

from pathlib import Path

import attrs

from engine.tree import nodes as tree
from engine.evaluate.case import field_names, read_case, read_case_file
from engine.language.diagnostics import CaseError
from engine.evaluate.evaluator import definition_results, evaluate

data = attrs.frozen(kw_only=True)

# kinds of change, in the order the summary lists them
KINDS = ("eligibility_gained", "eligibility_lost", "amount_up", "amount_down", "status_changed", "frame_added", "frame_removed")


@data
class FrameChange:
    frame: str
    label: tree.Label
    old_status: str | None  # None: the frame does not exist in that policy
    new_status: str | None
    old_subsidy: int
    new_subsidy: int
    kinds: tuple[str, ...]

    @property
    def delta(self) -> int:
        return self.new_subsidy - self.old_subsidy


@data
class RuleChange:
    name: str
    label: tree.Label | None
    old: object  # None when the rule is absent from that policy
    new: object


@data
class CaseDiff:
    case: str
    frames: tuple[FrameChange, ...] = ()  # only the frames that changed
    rules: tuple[RuleChange, ...] = ()
    old_total: int = 0
    new_total: int = 0
    error: str | None = None

    @property
    def changed(self) -> bool:  # a case that could not be evaluated did not change: it is counted apart
        return bool(self.frames or self.rules)


@data
class DiffReport:
    old: str
    new: str
    old_programme: str
    new_programme: str
    cases: tuple[CaseDiff, ...]
    added: tuple[str, ...] = ()  # definitions (rules, values, exclusions, steps) only the new policy has
    removed: tuple[str, ...] = ()  # … only the old policy has

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
        return any(c.changed for c in self.cases)


def case_files(paths) -> list[Path]:
    """Every .json file named, or found (sorted) in a named folder."""
    found = []
    for p in map(Path, paths):
        found.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    return found


def _kinds(old, new) -> tuple[str, ...]:
    if old is None:
        return ("frame_added",)
    if new is None:
        return ("frame_removed",)
    kinds = []
    was, now = old.status != "not_eligible", new.status != "not_eligible"
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
    return tuple(kinds)


def compare_case(old: tree.Policy, new: tree.Policy, path: Path, also_known: frozenset[str] = frozenset()) -> CaseDiff:
    name = str(path)
    try:
        raw = read_case_file(path)
        known = also_known | field_names(old) | field_names(new)
        old_values = read_case(old, raw, also_known=known)
        new_values = read_case(new, raw, also_known=known)
    except CaseError as exc:
        return CaseDiff(case=name, error="; ".join(exc.problems))
    a = evaluate(old, old_values, check_dates=False)
    b = evaluate(new, new_values, check_dates=False)
    old_frames = {f.name: f for f in a.frames}
    new_frames = {f.name: f for f in b.frames}
    changes = []
    for frame in list(old_frames) + [f for f in new_frames if f not in old_frames]:
        x, y = old_frames.get(frame), new_frames.get(frame)
        kinds = _kinds(x, y)
        if kinds:
            changes.append(FrameChange(frame=frame, label=(y or x).label, old_status=x and x.status, new_status=y and y.status,
                                       old_subsidy=x.subsidy if x else 0, new_subsidy=y.subsidy if y else 0, kinds=kinds))
    old_rules = definition_results(old, old_values, check_dates=False)
    new_rules = definition_results(new, new_values, check_dates=False)
    # definitions only one policy has are listed once for the report (DiffReport.added/removed)
    rules = tuple(
        RuleChange(name=n, label=new.definitions[n].label, old=old_rules[n], new=new_rules[n])
        for n in old_rules
        if n in new_rules and old_rules[n] != new_rules[n]
    )
    # an applicant receives one frame's subsidy: the total is each case's best frame, as in `batch`
    return CaseDiff(case=name, frames=tuple(changes), rules=rules, old_total=_best(a), new_total=_best(b))


def _best(decision) -> int:
    return next((f.subsidy for f in decision.frames if f.name == decision.best_frame), 0)


def diff(old_dir: str, new_dir: str, old: tree.Policy, new: tree.Policy, paths, also_known: frozenset[str] = frozenset()) -> DiffReport:
    """`also_known`: input names other years of the programme declare (a corpus may carry them)."""
    return DiffReport(old=old_dir, new=new_dir, old_programme=old.programme, new_programme=new.programme,
                      cases=tuple(compare_case(old, new, p, also_known) for p in case_files(paths)),
                      added=tuple(n for n in new.definitions if n not in old.definitions),
                      removed=tuple(n for n in old.definitions if n not in new.definitions))
