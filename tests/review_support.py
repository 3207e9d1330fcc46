"""The brief text of every example under every policy year: what tests/snapshots/ holds and what
the stability tests re-render from edited copies of the policies."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import EXAMPLES, ROOT
from engine.compile.pipeline import load_policy
from engine.evaluate.case import field_names, read_case, read_case_file
from engine.evaluate.evaluator import evaluate
from engine.explain import render_brief
from engine.explain.counterfactual import what_if
from engine.language.diagnostics import CaseError

CASES = sorted(EXAMPLES.glob("*.json"))
YEARS = sorted(p.name for p in (ROOT / "policies").iterdir() if (p / "policy.rules").exists())
NATIVE_YEAR = "2024"  # the year the examples were written for
SNAPSHOTS = ROOT / "tests" / "snapshots"


def load_years(root: Path = ROOT / "policies") -> dict:
    return {year: load_policy(root / year).policy for year in YEARS}


def brief(policies: dict, year: str, path: Path) -> str:
    """The 2024 policy judges each case with its application date as given; the other years judge it
    as though applied within their own term (as `policy diff` does), so a year's snapshots show what
    its rules do with the same applicant."""
    known = frozenset().union(*(field_names(p) for p in policies.values()))
    policy = policies[year]
    try:
        values = read_case(policy, read_case_file(path), also_known=known)
    except CaseError as exc:  # another year's case (e.g. a process only 2025 has): what this year says of it
        return "この年の入力に合わない事例です:\n" + "\n".join(f"  {p}" for p in exc.problems) + "\n"
    return render_brief.decision(what_if(policy, values, evaluate(policy, values, check_dates=year == NATIVE_YEAR)))


def all_briefs(policies: dict) -> dict[tuple[str, str], str]:
    return {(year, path.stem): brief(policies, year, path) for year in YEARS for path in CASES}


_DEFINITION = re.compile(r"^[^\s#]")


def _chunks(text: str) -> tuple[list[str], list[str]]:
    """A .rules file as (header, definitions): each definition its first line, its indented body and
    the comments just above it. The header is what comes before the first definition."""
    lines = text.splitlines(keepends=True)
    chunks: list[list[str]] = [[]]
    pending: list[str] = []
    for line in lines:
        if _DEFINITION.match(line):
            chunks.append(pending + [line])
            pending = []
        elif line.startswith("#") or not line.strip():
            pending.append(line)
        else:
            chunks[-1] += pending + [line]
            pending = []
    chunks[-1] += pending
    return chunks[0], ["".join(c) for c in chunks[1:]]


def cosmetic_copy(tmp: Path) -> Path:
    """A copy of policies/ where every .rules file gains a comment and blank lines, and the
    definitions of every file but policy.rules (whose `extends`/`include` lead) are reversed."""
    root = tmp / "policies"
    shutil.copytree(ROOT / "policies", root)
    for path in root.rglob("*.rules"):
        header, definitions = _chunks(path.read_text(encoding="utf-8"))
        if path.name != "policy.rules":
            definitions = definitions[::-1]
        body = "\n\n".join(d if d.endswith("\n") else d + "\n" for d in definitions)
        path.write_text("# a comment an author added\n\n" + "".join(header) + "\n" + body + "\n# the end\n", encoding="utf-8")
    return root


def stale_snapshots() -> list[Path]:
    wanted = {(year, path.stem) for year in YEARS for path in CASES}
    return sorted(f for f in SNAPSHOTS.rglob("*.txt") if (f.parent.name, f.stem) not in wanted)
