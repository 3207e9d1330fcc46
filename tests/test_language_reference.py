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


def test_the_index_names_every_keyword_of_the_grammar_and_nothing_else():
    """Every word the grammar reserves is in the reference's index, with the section that describes it."""
    grammar = set(re.findall(r'"([a-z]+)"', (ROOT / "grammar" / "policy.lark").read_text(encoding="utf-8")))
    index = DOC.split("## 13. Index of keywords", 1)[1]
    listed = [w for row in re.findall(r"^\| (`.*?) \|", index, re.M) for w in re.findall(r"`([a-z]+)`", row)]
    assert len(grammar) > 80
    assert sorted(grammar - set(listed)) == [] and sorted(set(listed) - grammar) == []
    assert len(listed) == len(set(listed))  # each word once


def test_the_tutorial_is_a_checked_policy_with_a_case_that_meets_its_expectation(tmp_path, run):
    tutorial = DOC.split("## 12. A worked example", 1)[1].split("## 13.", 1)[0]
    blocks = dict((m.group(1), m.group(2)) for m in re.finditer(r"```([\w-]+)\n(.*?)```", tutorial, re.S))
    folder = _write(tmp_path / "tutorial", blocks["rules"])
    assert run("check", "--lang", "en", folder).exit_code == 0 and run("fmt", "--lang", "en", "--check", folder).exit_code == 0
    case = tmp_path / "cases" / "loss.json"
    case.parent.mkdir()
    case.write_text(json.dumps(json.loads(blocks["case"]), ensure_ascii=False), encoding="utf-8")
    result = run("test", "--lang", "en", case.parent, "--policy", folder)
    assert (result.exit_code, result.stdout) == (0, "1 passed, 0 failed\n"), result.stdout
