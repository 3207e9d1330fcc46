"""Every example in docs/language.md is checked or evaluated, so the reference cannot drift."""

from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT
from engine.language.diagnostics import PolicyError
from engine.compile.pipeline import load_policy

DOC = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
BLOCKS = [(m.group(1), m.group(2)) for m in re.finditer(r"```([\w-]+)\n(.*?)```", DOC, re.S)]
PRELUDE = next(body for kind, body in BLOCKS if kind == "prelude")


def test_the_reference_has_examples_of_every_kind():
    kinds = [k for k, _ in BLOCKS]
    assert kinds.count("rules") >= 8 and kinds.count("case") >= 4 and "rules-extends" in kinds and "rules-error" in kinds


def _write(folder, body):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policy.rules").write_text(body if body.startswith("programme") else PRELUDE + "\n" + body, encoding="utf-8")
    return folder


def test_every_example(tmp_path, run):
    policy_dir = error = output = None
    checked = 0
    for index, (kind, body) in enumerate(BLOCKS):
        where = f"block {index + 1} ({kind})"
        if kind in ("rules", "rules-base"):
            policy_dir = _write(tmp_path / ("base" if kind == "rules-base" else f"p{index}"), body)
            load_policy(policy_dir)  # raises with the positioned diagnostics if the example is wrong
            output = error = None
        elif kind == "rules-extends":
            policy_dir = tmp_path / "next"
            policy_dir.mkdir()
            (policy_dir / "policy.rules").write_text(body, encoding="utf-8")
            policy = load_policy(policy_dir).policy
            assert policy.year == 2025, where
        elif kind == "rules-error":
            with pytest.raises(PolicyError) as exc:
                load_policy(_write(tmp_path / f"p{index}", body))
            error, output = str(exc.value), None
        elif kind == "case":
            case = tmp_path / f"case{index}.json"
            case.write_text(json.dumps(json.loads(body), ensure_ascii=False), encoding="utf-8")
            result = run("eval", case, "--policy", policy_dir)
            assert result.exit_code in (0, 1), (where, result.stderr)
            output, error = result.stdout, None
        elif kind == "expect":
            text = output if output is not None else error
            assert text is not None, f"{where} follows nothing to compare with"
            for line in filter(None, (x.strip() for x in body.splitlines())):
                assert line in text, f"{where}: {line!r} not in\n{text}"
                checked += 1
    assert checked >= 10
