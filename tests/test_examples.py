"""Snapshot of every example's JSON decision under every policy year.

The 2024 policy judges each case with its application date as given; the other years judge it as
though applied within their own term (as `policy diff` does), so the snapshots show what the rules
of each year do with the same applicant.

After an intended change to a policy or the engine: `pytest --snapshot-update`, then review the
snapshot diff (`git diff tests/__snapshots__`) — every changed decision shows there."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, ROOT
from engine import render_json
from engine.case import field_names, read_case, read_case_file
from engine.evaluator import evaluate
from engine.pipeline import load_policy

CASES = sorted(EXAMPLES.glob("*.json"))
YEARS = sorted(p.name for p in (ROOT / "policies").iterdir() if (p / "policy.rules").exists())
NATIVE_YEAR = "2024"  # the year the examples were written for


@pytest.fixture(scope="module")
def policies():
    return {year: load_policy(ROOT / "policies" / year).policy for year in YEARS}


def test_there_are_enough_examples():
    assert len(CASES) >= 40


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_example_decision(path, year, policies, snapshot):
    raw = read_case_file(path)
    assert isinstance(raw.get("description"), str) and raw["description"].strip(), "each example says what it demonstrates"
    known = frozenset().union(*(field_names(p) for p in policies.values()))
    policy = policies[year]
    decision = evaluate(policy, read_case(policy, raw, str(path), also_known=known), check_dates=year == NATIVE_YEAR)
    # the snapshot holds the plain JSON text, so its diff reads like the decision itself
    # (the summary form: rule outcomes without their traces, which test_cli_seeds covers)
    assert json.dumps(render_json.decision(decision, traces=False), ensure_ascii=False, indent=1) == snapshot
