"""Bounded fuzzing in CI: mutated policies and cases only ever give our own positioned diagnostics
(or a decision), each within a time bound. fuzz/atheris_fuzz.py runs longer outside CI."""

from __future__ import annotations

import random
import shutil
import signal
import sys

import pytest

from conftest import EXAMPLES, ROOT
from engine.evaluate.case import parse_json, read_case
from engine.explain.counterfactual import what_if
from engine.language.diagnostics import CaseError, PolicyError
from engine.evaluate.evaluator import evaluate
from engine.compile.pipeline import load_policy

sys.path.insert(0, str(ROOT / "fuzz"))
from mutate import mutate  # noqa: E402

SECONDS = 20  # per mutated input: a hang fails the test


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


@pytest.fixture(autouse=True)
def time_bound():
    previous = signal.signal(signal.SIGALRM, _alarm)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_mutated_policies(tmp_path):
    rng = random.Random(2024)
    files = sorted((ROOT / "policies" / "2024").glob("*.rules"))
    outcomes = {"loaded": 0, "diagnosed": 0}
    for attempt in range(40):
        folder = tmp_path / f"p{attempt}"
        shutil.copytree(ROOT / "policies" / "2024", folder)
        target = folder / rng.choice(files).name
        text = target.read_text(encoding="utf-8")
        for _ in range(rng.randint(1, 3)):
            text = mutate(text, rng)
        target.write_text(text, encoding="utf-8")
        signal.alarm(SECONDS)
        try:
            load_policy(folder, use_cache=False)
            outcomes["loaded"] += 1
        except PolicyError as exc:
            outcomes["diagnosed"] += 1
            assert exc.diagnostics and all(d.span is not None for d in exc.diagnostics), str(exc)
            str(exc)  # renders with the source line and caret
        finally:
            signal.alarm(0)
    assert outcomes["diagnosed"] > 0


def test_mutated_cases():
    policy = load_policy(ROOT / "policies" / "2024").policy
    rng = random.Random(7)
    texts = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.json"))]
    outcomes = {"decided": 0, "rejected": 0}
    for _ in range(400):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 4)):
            text = mutate(text, rng)
        signal.alarm(SECONDS)
        try:
            values = read_case(policy, parse_json(text))
            what_if(policy, values, evaluate(policy, values))
            outcomes["decided"] += 1
        except CaseError as exc:
            outcomes["rejected"] += 1
            assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        finally:
            signal.alarm(0)
    assert outcomes["decided"] > 0 and outcomes["rejected"] > 0
