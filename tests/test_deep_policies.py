"""Policies whose depth or literals are out of all proportion get a policy error (exit 4), never a
crash (issue 26, fault 12): a chain of rules each naming the previous one is bounded by the same
150 levels as an expression's nesting, and a literal's digits are counted before they are converted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAD = 'programme "T"\n  year 2024\n  source doc "D"\ninput 申請者:\n  従業員数: 人\n'
FRAME = 'frame F "f":\n  source doc\n  requires {top}\n  amount A "a":\n    on 10万円\n    rate 1/2\n    round down\n'


def _chain(tmp_path, n: int, reverse: bool = False):
    order = range(1, n)
    rules = "".join(f'rule R{i} "r{i}":\n  source doc\n  R{i - 1}\n' for i in (reversed(order) if reverse else order))
    folder = tmp_path / f"chain{n}{'r' if reverse else ''}"
    folder.mkdir()
    (folder / "policy.rules").write_text(HEAD + 'rule R0 "r0":\n  source doc\n  従業員数 ≤ 5人\n' + rules + FRAME.format(top=f"R{n - 1}"),
                                         encoding="utf-8")
    return folder


def _policy(*args, tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請者": {"従業員数": 3}}, ensure_ascii=False), encoding="utf-8")
    argv = [a if a != "CASE" else str(case) for a in map(str, args)]
    return subprocess.run([sys.executable, "-m", "engine.cli", *argv], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "POLICY_CACHE": "off"})


@pytest.mark.parametrize("reverse", [False, True])
def test_a_chain_of_250_rules_is_a_policy_error_not_a_crash(tmp_path, reverse):
    folder = _chain(tmp_path, 250, reverse)
    for args in (("check", "--lang", "en", "--policy", folder), ("eval", "CASE", "--policy", folder, "--format", "json", "--lang", "en")):
        done = _policy(*args, tmp_path=tmp_path)
        assert done.returncode == 4, done.stderr[-500:]
        assert "nests 151 levels deep" in done.stderr and "at most 150 levels" in done.stderr
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_chain_of_150_rules_is_decided_by_every_form(tmp_path):
    folder = _chain(tmp_path, 150, reverse=True)
    assert _policy("check", "--lang", "en", "--policy", folder, tmp_path=tmp_path).returncode == 0
    for form in ("json", "text", "brief"):
        done = _policy("eval", "CASE", "--policy", folder, "--format", form, "--trace", tmp_path=tmp_path)
        assert done.returncode == 0, done.stderr[-500:]
    done = _policy("explain", "CASE", "--policy", folder, "-o", tmp_path / "page.html", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-500:]


@pytest.mark.parametrize("literal", ["9" * 4301 + "人", "1/" + "7" * 4301, "3" * 5000 + "円", "1" * 4301 + "%"])
def test_a_literal_of_thousands_of_digits_is_a_policy_error(tmp_path, literal):
    folder = tmp_path / "p"
    folder.mkdir()
    if literal.endswith("人"):
        body = f'rule R "r":\n  source doc\n  従業員数 ≤ {literal}\n'
    else:
        body = f'value V "v":\n  source doc\n  {literal}\nrule R "r":\n  source doc\n  従業員数 ≤ 3人\n'
    (folder / "policy.rules").write_text(HEAD + body + FRAME.format(top="R"), encoding="utf-8")
    done = _policy("check", "--lang", "en", "--policy", folder, tmp_path=tmp_path)
    assert done.returncode == 4, done.stderr[-500:]
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "larger than" in done.stderr
