"""A long fuzzing run outside CI: `pip install atheris && python fuzz/atheris_fuzz.py -atheris_runs=100000`.
Feeds mutated policy files and cases to the parser, checker and evaluator; anything but our own
PolicyError / CaseError is a finding."""

from __future__ import annotations

import json
import pathlib
import random
import sys
import tempfile

import atheris

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "fuzz"))

with atheris.instrument_imports():
    from engine.evaluate.case import parse_json, read_case
    from engine.language.diagnostics import CaseError, PolicyError
    from engine.evaluate.evaluator import evaluate
    from engine.language.parser import parse
    from engine.compile.pipeline import load_policy
    from mutate import mutate

POLICY = load_policy(ROOT / "policies" / "2024", use_cache=False).policy
FILES = sorted((ROOT / "policies" / "2024").glob("*.rules"))
CASES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.json"))]


def one(data: bytes) -> None:
    rng = random.Random(data)
    try:
        parse(mutate(rng.choice(FILES).read_text(encoding="utf-8"), rng), "fuzz.rules")
    except PolicyError:
        pass
    try:
        evaluate(POLICY, read_case(POLICY, parse_json(mutate(rng.choice(CASES), rng))))
    except CaseError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one)
    atheris.Fuzz()
