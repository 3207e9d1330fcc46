"""Snapshot of every example's JSON decision under the 2024 policy.

After an intended change to the policy or the engine: `pytest --snapshot-update`, then review the
snapshot diff (`git diff tests/__snapshots__`) — every changed decision shows there."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, POLICY_2024
from engine import render_json
from engine.case import read_case, read_case_file
from engine.evaluator import evaluate
from engine.pipeline import load_policy

CASES = sorted(EXAMPLES.glob("*.json"))


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY_2024).policy


def test_there_are_enough_examples():
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_example_decision(path, policy, snapshot):
    raw = read_case_file(path)
    assert isinstance(raw.get("description"), str) and raw["description"].strip(), "each example says what it demonstrates"
    decision = render_json.decision(evaluate(policy, read_case(policy, raw, str(path))))
    # the snapshot holds the plain JSON text, so its diff reads like the decision itself
    assert json.dumps(decision, ensure_ascii=False, indent=1) == snapshot
