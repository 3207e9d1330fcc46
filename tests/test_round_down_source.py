"""`round down source KEY "…"` (issue 22): the passage that says how fractional yen are rounded, cited
beside the rounding in the explanation (text, HTML, JSON) — checked like every other source, kept by
`policy fmt`, carried by `amend` with its line."""

from __future__ import annotations

import json

import pytest

from engine.compile.pipeline import load_policy
from engine.language.diagnostics import PolicyError
from engine.language.fmt import format_text

POLICY = """\
programme "端数"
  year 2024
  source 要領 "例示の補助金 公募要領"

input 経費: 円 "補助対象経費"

frame 枠 "枠":
  source 要領 "補助率"
  amount 補助 "補助":
    on 経費
    rate 2/3
    round down source 要領 "2-3 補助額の1円未満は切り捨て"
"""


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "policy.rules").write_text(POLICY, encoding="utf-8")
    (tmp_path / "case.json").write_text(json.dumps({"経費": 100_000}), encoding="utf-8")
    return folder


def test_the_rounding_cites_its_passage(folder, run):
    case = folder.parent / "case.json"
    assert "  = 66,666円 (円未満切り捨て) [例示の補助金 公募要領 2-3 補助額の1円未満は切り捨て]" in run("eval", case, "--policy", folder).stdout
    english = run("eval", case, "--policy", folder, "--lang", "en").stdout
    assert "[例示の補助金 公募要領 2-3 補助額の1円未満は切り捨て]" in english
    decision = json.loads(run("eval", case, "--policy", folder, "--format", "json").stdout)
    part = decision["frames"][0]["amount"]["parts"][0]
    assert part["rounding"] == "down"
    assert part["rounding_source"] == {"key": "要領", "title": "例示の補助金 公募要領", "detail": "2-3 補助額の1円未満は切り捨て"}


def test_without_a_source_the_rounding_says_only_that_it_rounded(folder, run):
    (folder / "policy.rules").write_text(POLICY.replace(' source 要領 "2-3 補助額の1円未満は切り捨て"', ""), encoding="utf-8")
    out = run("eval", folder.parent / "case.json", "--policy", folder).stdout
    assert "  = 66,666円 (円未満切り捨て)\n" in out
    decision = json.loads(run("eval", folder.parent / "case.json", "--policy", folder, "--format", "json").stdout)
    assert "rounding_source" not in decision["frames"][0]["amount"]["parts"][0]


def test_an_undeclared_source_is_an_error(tmp_path):
    (tmp_path / "policy.rules").write_text(POLICY.replace("round down source 要領", "round down source 要項"), encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(tmp_path, use_cache=False)
    assert "error: unknown source 要項" in str(error.value)
    assert "help: did you mean 要領?" in str(error.value)


def test_fmt_keeps_it():
    assert format_text(POLICY.replace("round down source", "round  down   source")) == POLICY


def test_amend_replaces_the_rounding_line_with_its_source(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "policy.rules").write_text(POLICY, encoding="utf-8")
    year = tmp_path / "next"
    year.mkdir()
    (year / "policy.rules").write_text('extends "../base"\n\nprogramme "端数（翌年度）"\n  year 2025\n\n'
                                       'amend frame 枠:\n  amount 補助:\n    round down source 要領 "翌年度 2-3"\n', encoding="utf-8")
    amount = load_policy(year, use_cache=False).policy.frames[0].amount.parts[0]
    assert (amount.round_cite.key, amount.round_cite.detail) == ("要領", "翌年度 2-3")
    kept = load_policy(base, use_cache=False).policy.frames[0].amount.parts[0]
    assert kept.round_cite.detail == "2-3 補助額の1円未満は切り捨て"
