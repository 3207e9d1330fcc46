"""Effective dating: from a folder of policy years, the policy in force on the case's
application date."""

from __future__ import annotations

import datetime
from pathlib import Path

import attrs

from engine.language.diagnostics import CaseError, PolicyError, Diagnostic
from engine.compile.pipeline import LoadedPolicy, load_policy


@attrs.frozen
class Selection:
    folder: Path
    loaded: LoadedPolicy
    applied_on: datetime.date
    date_field: str


def policy_folders(root: str | Path) -> list[Path]:
    root = Path(root)
    if not root.is_dir():
        raise PolicyError([Diagnostic("error", f"policies folder {root} does not exist")])
    folders = sorted(p for p in root.iterdir() if (p / "policy.rules").is_file())
    if not folders:
        raise PolicyError([Diagnostic("error", f"{root} holds no policy folder (a folder with policy.rules)")])
    return folders


def _date_at(raw, path) -> object:
    value = raw
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def select(root: str | Path, raw_case, file: str | None = None) -> Selection:
    """The policy under `root` whose `in force` range holds the case's application date."""
    loaded = [(folder, load_policy(folder)) for folder in policy_folders(root)]
    dated = [(f, lp) for f, lp in loaded if lp.policy.in_force and lp.policy.applied_on]
    fields = {".".join(lp.policy.applied_on.path) for _, lp in dated}
    terms = "; ".join(f"{f.name}: {lp.policy.in_force[0]}..{lp.policy.in_force[1]}" for f, lp in dated)
    for folder, lp in dated:
        text = _date_at(raw_case, lp.policy.applied_on.path)
        field = ".".join(lp.policy.applied_on.path)
        if text is None:
            continue
        try:
            applied = datetime.date.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            applied = None
        if applied is None:
            raise CaseError([f'{field}: got {text!r}, expected a date "YYYY-MM-DD" that exists'], file)
        start, end = lp.policy.in_force
        if start <= applied <= end:
            _only_one(folder, lp, applied, dated)
            return Selection(folder=folder, loaded=lp, applied_on=applied, date_field=field)
    if not any(_date_at(raw_case, lp.policy.applied_on.path) for _, lp in dated):
        raise CaseError([f"{' or '.join(sorted(fields)) or 'the application date'}: missing; choosing the policy in force "
                         f"needs the case's application date (or give --policy)"], file)
    raise CaseError([f"no policy under {root} is in force on the case's application date; policies: {terms}"], file)


def _only_one(folder: Path, lp: LoadedPolicy, applied: datetime.date, dated) -> None:
    """Two years in force on one date would be chosen between silently (by folder name): refuse."""
    other = next((f for f, o in dated if f != folder and o.policy.in_force[0] <= applied <= o.policy.in_force[1]), None)
    if other is not None:
        terms = {f: o.policy.in_force for f, o in dated}
        raise PolicyError([Diagnostic("error", f"{folder.name} ({terms[folder][0]}..{terms[folder][1]}) and {other.name} "
                                               f"({terms[other][0]}..{terms[other][1]}) are both in force on {applied}; "
                                               f"the terms of a policies folder's years must not overlap")])
